//! Build state: engine events reduced to unit statuses, bounded logs, counters, build records.
//! May import `backend::nix`, `backend::plan`, `BackendEvent` and the path layout; no UI.

mod activities;
mod counters;
pub mod last_build;
mod log;
mod reducer;
mod unit;

pub use counters::Counters;
pub use log::{LOG_LINES_KEPT, LOG_LINES_KEPT_IN_TOTAL, LogBuffer, OTHER_FAILURE_LOG_LINES};
pub use reducer::{BuildState, Phase};
pub use unit::{UnitState, UnitStatus};

#[cfg(test)]
pub(crate) mod tests;
