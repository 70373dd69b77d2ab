//! Room `emit`: BuildPlan -> plan.json, rustc args/env as Cargo sets them, nix/ library, export.
//! May import: `plan`, `toolchain`, `layout`.
//!
//! Generated *data*: `<target>/libnix/plan.json`, read by the static Nix library in `nix/`
//! (written beside it). No Nix code is ever assembled from strings.

use std::path::{Path, PathBuf};

pub mod cargo_env;
pub mod export;
mod library;
pub mod plan_json;
pub mod rerun;

pub use cargo_env::{rustc_command, unit_env};
pub use library::{NIX_LIBRARY, write_library};

use crate::backend::layout::Layout;
use crate::backend::plan::{BuildPlan, Package};
use crate::backend::toolchain::Toolchain;
use library::replace_if_changed;

#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("crate `{package}`: {message}")]
    NotExportable { package: String, message: String },
    #[error("could not serialize plan.json: {0}")]
    Serialize(serde_json::Error),
}

/// How plan.json names the directories of path and git packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourcePaths {
    /// Absolute paths on this machine: what the engine's own builds use.
    Absolute,
    /// Relative to the workspace root, resolved by the Nix library against its
    /// `projectRoot`: an exported build system (in `out_dir`, left out of every source)
    /// that travels with the project.
    Exported { root: PathBuf, out_dir: PathBuf },
}

impl SourcePaths {
    fn render(&self, package: &Package, dir: &Path) -> Result<String, EmitError> {
        match self {
            SourcePaths::Absolute => Ok(dir.display().to_string()),
            SourcePaths::Exported { root, .. } => match dir.strip_prefix(root) {
                Ok(relative) if relative.as_os_str().is_empty() => Ok(".".to_string()),
                Ok(relative) => Ok(relative.display().to_string()),
                Err(_) => Err(EmitError::NotExportable {
                    package: format!("{} v{}", package.name, package.version),
                    message: format!(
                        "its source {} is outside the workspace {}; an exported build can only \
                         use crates.io crates and sources inside the workspace",
                        dir.display(),
                        root.display()
                    ),
                }),
            },
        }
    }
}

/// Write plan.json and the Nix library into `<target>/libnix`, touching files only when
/// their content changes. Returns the path of the library's entry point.
pub fn write(plan: &BuildPlan, toolchain: &Toolchain) -> Result<Written, EmitError> {
    let layout = Layout::of(plan);
    let lib_dir = write_library(layout.libnix_dir()).map_err(|source| EmitError::Io {
        path: layout.library_dir(),
        source,
    })?;
    let json = plan_json::render(plan, toolchain, &SourcePaths::Absolute)?;
    // Sessions of workspaces sharing a target dir (CARGO_TARGET_DIR) run side by side:
    // each evaluates its own plan, named by its content.
    let plan_file = layout.session_plan_file(&crate::backend::plan::short_hash(&json));
    if let Some(plans) = plan_file.parent() {
        std::fs::create_dir_all(plans).map_err(|source| EmitError::Io {
            path: plans.to_path_buf(),
            source,
        })?;
    }
    write_if_changed(&plan_file, &json)?;
    write_if_changed(&layout.plan_file(), &json)?;
    if (0..plan.units.len()).any(|unit| cargo_env::gets_target_tmpdir(plan, unit)) {
        make_target_tmpdir()?;
    }
    Ok(Written {
        entry: lib_dir.join("default.nix"),
        plan_file,
    })
}

/// What [`write`] wrote: the library's entry point and the plan to evaluate with it.
pub struct Written {
    pub entry: PathBuf,
    pub plan_file: PathBuf,
}

/// [`cargo_env::TARGET_TMPDIR`] on this machine, for integration tests run by hand: open
/// to every user, as /tmp is, when it is made here.
fn make_target_tmpdir() -> Result<(), EmitError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let dir = Path::new(cargo_env::TARGET_TMPDIR);
    let io = |source| EmitError::Io {
        path: dir.to_path_buf(),
        source,
    };
    match std::fs::DirBuilder::new().mode(0o1777).create(dir) {
        // The mode asked for is reduced by the umask.
        Ok(()) => {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777)).map_err(io)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io(e)),
    }
}

fn write_if_changed(path: &Path, content: &[u8]) -> Result<(), EmitError> {
    replace_if_changed(path, content).map_err(|source| EmitError::Io {
        path: path.to_path_buf(),
        source,
    })
}
