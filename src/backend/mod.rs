//! The engine. Knows nothing of terminals: no ratatui or crossterm here.
//!
//! One folder or file per concern, imports pointing one way (no cycles):
//! `process`, `plan` <- `toolchain`, `layout` <- `emit` <- `session`. Where things go:
//! a rustc argument or Cargo env var in `emit::cargo_env`, a plan.json field in
//! `emit::plan_json` (and `nix/default.nix`), a toolchain change in `toolchain`, a new path
//! below target/libnix in `layout`, a Nix command-line option in `session::nix_args`.

pub mod build_state;
pub mod diagnose;
pub mod emit;
pub mod insight;
pub mod layout;
pub mod nix;
pub mod overrides;
pub mod plan;
pub mod process;
pub mod session;
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
    /// A failure before or around Nix (Cargo, evaluation, spawning): shown as is.
    Error(String),
    /// Something the user should know that does not stop the build (e.g. a
    /// Cargo.dependencies.nix entry for a crate that is not in the graph).
    Warning(String),
}
