//! Stand-in for `BuildState::apply`, which is being written on another branch. Delete this
//! file and its `mod` line when that lands: the inherent method then wins and the import in
//! `update.rs` becomes an unused-import warning that points here.
//!
//! It tracks only what needs no Nix log parsing, so the dashboard can be tried meanwhile.

use std::time::Duration;

use crate::backend::BackendEvent;
use crate::backend::plan_types::UnitId;
use crate::backend::state::{BuildState, LogBuffer, Phase, UnitState, UnitStatus};

pub(crate) trait ApplyStandIn {
    fn apply(&mut self, event: &BackendEvent, at: Duration) -> Vec<UnitId>;
}

impl ApplyStandIn for BuildState {
    fn apply(&mut self, event: &BackendEvent, at: Duration) -> Vec<UnitId> {
        match event {
            BackendEvent::PlanningStarted => self.phase = Phase::Planning,
            BackendEvent::Planned(plan) => {
                self.units = plan
                    .units
                    .iter()
                    .map(|_| UnitState {
                        status: UnitStatus::Planned,
                        drv_path: None,
                        out_path: None,
                        phase: None,
                        log: LogBuffer::default(),
                    })
                    .collect();
                self.plan = Some(plan.clone());
                self.phase = Phase::Idle;
                return (0..self.units.len()).collect();
            }
            BackendEvent::EvaluationStarted => self.phase = Phase::Evaluating,
            BackendEvent::Instantiated(paths) => {
                for path in paths {
                    if let Some(unit) = self.units.get_mut(path.unit) {
                        unit.drv_path = Some(path.drv_path.clone());
                        unit.out_path = Some(path.out_path.clone());
                        self.drv_to_unit.insert(path.drv_path.clone(), path.unit);
                    }
                }
            }
            BackendEvent::AlreadyValid(valid) => {
                for &unit in valid {
                    if let Some(unit) = self.units.get_mut(unit) {
                        unit.status = UnitStatus::Cached;
                    }
                }
                return valid.clone();
            }
            BackendEvent::BuildStarted => {
                self.phase = Phase::Building;
                self.build_started = Some(at);
                self.build_finished = None;
            }
            BackendEvent::Nix(_) => {}
            BackendEvent::Finished { success, .. } => {
                self.phase = Phase::Finished { success: *success };
                self.build_finished = Some(at);
            }
            BackendEvent::Error(message) => self.messages.push(message.clone()),
        }
        Vec::new()
    }
}
