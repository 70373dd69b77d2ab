use std::time::Duration;

use super::log::LogBuffer;

/// What a unit is doing, as far as the engine knows.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitStatus {
    Planned,
    /// Output already valid in the store before the build started.
    Cached,
    Substituting {
        from: String,
    },
    Substituted {
        from: String,
    },
    /// `machine` is empty for a local build.
    Building {
        machine: String,
        since: Duration,
    },
    Built {
        took: Duration,
    },
    Failed {
        exit_code: Option<i32>,
    },
    /// Not built because a dependency failed.
    Skipped,
    /// Its build or substitution was cut short: Nix gave up after another failure, or
    /// exited before finishing it.
    Interrupted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitState {
    pub status: UnitStatus,
    pub drv_path: Option<String>,
    pub out_path: Option<String>,
    /// Last `setPhase` the builder reported.
    pub phase: Option<String>,
    pub log: LogBuffer,
    /// The error Nix reported for this unit (its failure, or its failed dependencies),
    /// without ANSI codes.
    pub error: Option<String>,
    /// When its build or substitution started, since the session began.
    pub started_at: Option<Duration>,
    /// When it ended (built, substituted, failed or cut short), since the session began.
    pub finished_at: Option<Duration>,
}

impl UnitState {
    pub(super) fn planned() -> Self {
        UnitState {
            status: UnitStatus::Planned,
            drv_path: None,
            out_path: None,
            phase: None,
            log: LogBuffer::default(),
            error: None,
            started_at: None,
            finished_at: None,
        }
    }

    /// Notes when the status it just took started or ended.
    pub(super) fn note_status_time(&mut self, at: Duration) {
        match self.status {
            UnitStatus::Building { .. } | UnitStatus::Substituting { .. } => {
                self.started_at = Some(at);
                self.finished_at = None;
            }
            UnitStatus::Built { .. }
            | UnitStatus::Substituted { .. }
            | UnitStatus::Failed { .. }
            | UnitStatus::Interrupted => self.finished_at = Some(at),
            UnitStatus::Planned | UnitStatus::Cached | UnitStatus::Skipped => {}
        }
    }
}
