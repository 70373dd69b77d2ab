use std::collections::VecDeque;

use crate::backend::plan::UnitId;

/// What an open activity means to the reducer.
#[derive(Debug, Clone)]
pub(super) enum Tracked {
    /// Nix's counter of builds (`builds`).
    Builds,
    /// A `build`; `failure_seen` once an error message named its derivation.
    Build {
        drv_path: String,
        unit: Option<UnitId>,
        failure_seen: bool,
        /// The last lines of its log, kept only when it is not a unit's.
        log_tail: VecDeque<String>,
    },
    /// The activity whose stop ends a unit's substitution.
    Substitution { unit: UnitId },
    /// A post-build hook; its output belongs to the unit's log.
    PostBuildHook { unit: UnitId },
}

/// Nix's count of finished builds, and how many of them stopped `build` activities (or
/// error messages) have already accounted for.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct BuildOutcomes {
    pub(super) done: u64,
    pub(super) failed: u64,
    pub(super) claimed_done: u64,
    pub(super) claimed_failed: u64,
}

/// How a stopped `build` activity ended, as far as Nix's counter tells.
pub(super) enum BuildEnd {
    Succeeded,
    Failed,
    CutShort,
}

impl BuildOutcomes {
    /// Accounts a stopped build against Nix's build counter.
    pub(super) fn claim(&mut self) -> BuildEnd {
        if self.done > self.claimed_done {
            self.claimed_done += 1;
            BuildEnd::Succeeded
        } else if self.failed > self.claimed_failed {
            self.claimed_failed += 1;
            BuildEnd::Failed
        } else {
            BuildEnd::CutShort
        }
    }
}
