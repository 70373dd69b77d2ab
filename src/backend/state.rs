//! BuildState: the reducer every consumer (TUI and headless printer) applies the
//! engine's [`BackendEvent`]s to.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use super::plan_types::{BuildPlan, UnitId};

/// What a unit is doing, as far as the engine knows.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitStatus {
    Planned,
    /// Output already valid in the store before the build started.
    Cached,
    Substituting { from: String },
    Substituted { from: String },
    /// `machine` is empty for a local build.
    Building { machine: String, since: Duration },
    Built { took: Duration },
    Failed { exit_code: Option<i32> },
    /// Not built because a dependency failed.
    Skipped,
}

/// Bounded tail of a unit's log; the full log stays available from `nix log`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogBuffer {
    pub lines: VecDeque<String>,
    /// Lines ever pushed, including those dropped from the front.
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitState {
    pub status: UnitStatus,
    pub drv_path: Option<String>,
    pub out_path: Option<String>,
    /// Last `setPhase` the builder reported.
    pub phase: Option<String>,
    pub log: LogBuffer,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub planned: usize,
    pub cached: usize,
    pub substituting: usize,
    pub substituted: usize,
    pub building: usize,
    pub built: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// Where the engine is in a session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Phase {
    #[default]
    Idle,
    Planning,
    Evaluating,
    Building,
    Finished {
        success: bool,
    },
}

#[derive(Debug, Clone, Default)]
pub struct BuildState {
    pub plan: Option<Arc<BuildPlan>>,
    /// Indexed by [`UnitId`].
    pub units: Vec<UnitState>,
    pub drv_to_unit: HashMap<String, UnitId>,
    pub phase: Phase,
    pub counters: Counters,
    pub build_started: Option<Duration>,
    pub build_finished: Option<Duration>,
    /// Messages from Nix or the engine that belong to no unit (eval errors, warnings).
    pub messages: Vec<String>,
}
