//! Build state: engine events reduced to unit statuses, bounded logs, counters, build records.
//! May import `backend::nix`, `backend::plan`, `BackendEvent`, the path layout and the
//! timeline type the build record keeps; no UI.

mod activities;
mod counters;
pub mod last_build;
mod log;
mod other;
mod reducer;
mod unit;

pub use counters::Counters;
pub use log::{
    LOG_HEAD_LINES, LOG_LINES_KEPT, LOG_LINES_KEPT_IN_TOTAL, LogBuffer, OTHER_FAILURE_LOG_LINES,
};
pub use other::{DerivationKind, OtherDerivation};
pub use reducer::{BuildState, Phase};
pub use unit::{UnitState, UnitStatus};

#[cfg(test)]
mod nix226_tests;
#[cfg(test)]
pub(crate) mod tests;
