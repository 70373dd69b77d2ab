use super::unit::{UnitState, UnitStatus};

/// How many units are in each status; [`super::BuildState::apply`] keeps them exact.
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
    pub interrupted: usize,
}

impl Counters {
    /// Counts `units` from scratch (the reducer keeps its counters up to date without this).
    pub fn count(units: &[UnitState]) -> Counters {
        Counters::of_statuses(units.iter().map(|unit| &unit.status))
    }

    /// How many of `statuses` are in each status.
    pub fn of_statuses<'a>(statuses: impl IntoIterator<Item = &'a UnitStatus>) -> Counters {
        let mut counters = Counters::default();
        for status in statuses {
            *counters.of_mut(status) += 1;
        }
        counters
    }

    /// The counter of units in `status`.
    pub(super) fn of_mut(&mut self, status: &UnitStatus) -> &mut usize {
        match status {
            UnitStatus::Planned => &mut self.planned,
            UnitStatus::Cached => &mut self.cached,
            UnitStatus::Substituting { .. } => &mut self.substituting,
            UnitStatus::Substituted { .. } => &mut self.substituted,
            UnitStatus::Building { .. } => &mut self.building,
            UnitStatus::Built { .. } => &mut self.built,
            UnitStatus::Failed { .. } => &mut self.failed,
            UnitStatus::Skipped => &mut self.skipped,
            UnitStatus::Interrupted => &mut self.interrupted,
        }
    }
}
