//! Where a project lives and which `pkgs` its Cargo.dependencies.nix sees: the facts the
//! `deps` and `doctor` commands need without planning a whole build.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::backend::emit::{self, ToolchainMode};
use crate::backend::overrides::quote_nix_string;
use crate::backend::plan::{CargoOptions, PlanError};

/// The workspace root and Cargo's target dir.
#[derive(Debug, Clone)]
pub struct ProjectDirs {
    pub workspace_root: PathBuf,
    pub target_dir: PathBuf,
}

impl ProjectDirs {
    /// Ask Cargo (`cargo metadata --no-deps`: fast, no resolution).
    pub fn locate(options: &CargoOptions) -> Result<Self, PlanError> {
        let mut command = cargo_metadata::MetadataCommand::new();
        command.no_deps();
        if let Some(path) = &options.manifest_path {
            command.manifest_path(path);
        }
        let metadata = command.exec().map_err(|e| PlanError::Failed {
            command: "cargo metadata --no-deps".into(),
            stderr: e.to_string(),
        })?;
        let target_dir = options
            .target_dir
            .clone()
            .unwrap_or_else(|| metadata.target_directory.into_std_path_buf());
        Ok(ProjectDirs {
            workspace_root: metadata.workspace_root.into_std_path_buf(),
            target_dir,
        })
    }

    pub fn deps_file(&self) -> PathBuf {
        super::deps_file_path(&self.workspace_root)
    }

    pub fn libnix_dir(&self) -> PathBuf {
        emit::libnix_dir_in(&self.target_dir)
    }
}

/// Whether `<nixpkgs>` can be found (NIX_PATH or the channels).
pub fn nixpkgs_available() -> bool {
    Command::new("nix-instantiate")
        .args(["--find-file", "nixpkgs"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The requested mode, or nixpkgs when `<nixpkgs>` can be found and host otherwise.
pub fn resolve_mode(requested: Option<ToolchainMode>) -> ToolchainMode {
    requested.unwrap_or_else(|| {
        if nixpkgs_available() {
            ToolchainMode::Nixpkgs
        } else {
            ToolchainMode::Host
        }
    })
}

/// A Nix expression for the `pkgs` a Cargo.dependencies.nix is called with, used to
/// validate edits before they are saved. In host mode the library is written to
/// `libnix_dir` first; its derivations are only evaluated, never built.
pub fn pkgs_expression(mode: ToolchainMode, libnix_dir: &Path) -> std::io::Result<String> {
    match mode {
        ToolchainMode::Nixpkgs => Ok("import <nixpkgs> { }".to_string()),
        ToolchainMode::Host => {
            let lib = emit::write_library(libnix_dir)?;
            let host_pkgs = lib.join("host-pkgs.nix");
            Ok(format!(
                "import (/. + {}) {{ runScript = name: env: script: derivation ({{ inherit name; \
                 system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" script ]; }} // env); }}",
                quote_nix_string(&host_pkgs.display().to_string())
            ))
        }
    }
}
