//! Where a project lives and which `pkgs` its Cargo.dependencies.nix sees: the facts the
//! `deps` and `doctor` commands and the dashboard's edits need without planning a build.

use std::path::{Path, PathBuf};

use super::BuildRequest;
use crate::backend::emit;
use crate::backend::layout::{self, Layout};
use crate::backend::overrides::quote_nix_string;
use crate::backend::plan::{self, BuildPlan, CargoOptions, PlanError};
use crate::backend::process;
use crate::backend::toolchain::{self, ToolchainMode};

/// A located project: its workspace root, Cargo's target dir, and the toolchain mode the
/// request asked for (resolved only when needed: detecting `<nixpkgs>` runs Nix).
#[derive(Debug, Clone)]
pub struct Project {
    pub workspace_root: PathBuf,
    pub target_dir: PathBuf,
    requested_mode: Option<ToolchainMode>,
}

impl Project {
    /// Ask Cargo where the project of `request` lives (`cargo metadata --no-deps`: fast,
    /// no resolution).
    pub fn locate(request: &BuildRequest) -> Result<Self, PlanError> {
        let options = &request.cargo;
        let mut command = cargo_metadata::MetadataCommand::new();
        command.no_deps();
        if let Some(path) = &options.manifest_path {
            command.manifest_path(path);
        }
        let mut cargo = command.cargo_command();
        let stdout = process::stdout_of(&mut cargo)?;
        let metadata = cargo_metadata::MetadataCommand::parse(String::from_utf8_lossy(&stdout))
            .map_err(|e| PlanError::Parse {
                command: process::describe(&cargo),
                message: e.to_string(),
            })?;
        let target_dir = options
            .target_dir_flag()
            .unwrap_or_else(|| metadata.target_directory.into_std_path_buf());
        Ok(Project {
            workspace_root: metadata.workspace_root.into_std_path_buf(),
            target_dir,
            requested_mode: request.nix.toolchain,
        })
    }

    pub fn deps_file(&self) -> PathBuf {
        layout::deps_file(&self.workspace_root)
    }

    pub fn layout(&self) -> Layout {
        Layout::new(&self.target_dir)
    }

    /// The requested toolchain mode, or the detected one.
    pub fn mode(&self) -> ToolchainMode {
        toolchain::resolve_mode(self.requested_mode)
    }

    /// The `pkgs` expression Cargo.dependencies.nix edits are checked against, in this
    /// project's mode.
    pub fn pkgs_expression(&self) -> std::io::Result<String> {
        pkgs_expression(self.mode(), self.layout().libnix_dir())
    }
}

/// The plan for `options`, from `target/libnix/plan-cache` while nothing Cargo reads has
/// changed: every command plans through here.
pub fn plan(options: &CargoOptions) -> Result<BuildPlan, PlanError> {
    plan::plan_with_cache(options, |target_dir| {
        Layout::new(target_dir).plan_cache_dir()
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
