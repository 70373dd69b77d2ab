//! The engine. Knows nothing of terminals: no ratatui or crossterm here.
//!
//! One folder or file per concern, imports pointing one way (no cycles):
//! `process`, `plan` <- `toolchain`, `layout` <- `emit` <- `session`, and `cache` (keys,
//! push, substituters) between `toolchain` and `session`. Where things go:
//! a rustc argument or Cargo env var in `emit::cargo_env`, a plan.json field in
//! `emit::plan_json` (and `nix/default.nix`), a toolchain change in `toolchain`, a new path
//! below target/libnix in `layout`, a Nix command-line option in `session::nix_args`.

pub mod build_state;
pub mod cache;
pub mod diagnose;
pub mod emit;
pub mod insight;
pub mod layout;
pub mod nix;
pub mod overrides;
pub mod plan;
pub mod process;
pub mod session;
pub mod signals;
pub mod test_results;
pub mod toolchain;

use std::sync::Arc;

use plan::{BuildPlan, UnitId};

/// Store paths of one unit's derivation, known after evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitPaths {
    pub unit: UnitId,
    pub drv_path: String,
    pub out_path: String,
}

/// Everything the engine tells its consumers; the TUI and the headless printer read the
/// same stream and reduce it with [`build_state::BuildState::apply`].
#[derive(Debug, Clone)]
pub enum BackendEvent {
    PlanningStarted,
    Planned(Arc<BuildPlan>),
    EvaluationStarted,
    Instantiated(Vec<UnitPaths>),
    /// Units whose outputs were valid before the build: nothing will be logged for them.
    AlreadyValid(Vec<UnitId>),
    BuildStarted,
    Nix(nix::protocol::NixEvent),
    Finished {
        success: bool,
        exit_code: Option<i32>,
    },
    /// A failure before or around Nix (Cargo, evaluation, spawning): shown as is, with
    /// its kind for what to do about it.
    Error(EngineError),
    /// Something the user should know that does not stop the build (e.g. a
    /// Cargo.dependencies.nix entry for a crate that is not in the graph).
    Warning(String),
}

/// What kind of failure stopped a session, so that a consumer can say what to do about it
/// without reading the message's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No `nix-store` on PATH.
    NixMissing,
    /// Cargo or rustc could not be run at all.
    ToolchainMissing,
    /// Cargo refused the project (its manifests, lock file, flags).
    Cargo,
    /// Cargo.dependencies.nix does not parse, evaluate or check.
    DepsFile,
    /// `<nixpkgs>` refuses this Nix.
    NixTooOld,
    /// Nix could not evaluate the build.
    Evaluation,
    Other,
}

/// A failure of the engine as its consumers receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    pub kind: ErrorKind,
    pub message: String,
}

impl EngineError {
    /// An error of kind [`ErrorKind::Other`].
    pub fn other(message: impl Into<String>) -> Self {
        EngineError {
            kind: ErrorKind::Other,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
