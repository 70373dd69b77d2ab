//! [`Effect::Build`](crate::app::Effect::Build) and [`Effect::Cancel`](crate::app::Effect::Cancel):
//! engine sessions, one at a time.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::backend::plan::{CargoVerb, TestRuns, UnitId};
use crate::backend::session::{self, BuildRequest};

use super::{Shell, lock};

/// A build in flight and the switch that stops it.
pub(super) struct Running {
    task: JoinHandle<()>,
    cancel: watch::Sender<bool>,
}

pub(super) enum Session {
    /// Plan and evaluate only: the DAG with what is already in the store.
    PlanOnly,
    /// Plan `verb`'s unit graph again (Cargo.toml or the deps file may have changed), then
    /// build `only` these units and their dependents (`None`: everything).
    Build {
        verb: CargoVerb,
        only: Option<Vec<UnitId>>,
    },
}

impl Shell {
    /// Builds `verb`'s unit graph, `only` these units and their dependents (`None`:
    /// everything), unless a session is still running.
    pub(super) fn build(&mut self, verb: CargoVerb, only: Option<Vec<UnitId>>) {
        if self
            .running
            .as_ref()
            .is_some_and(|running| !running.task.is_finished())
        {
            return;
        }
        self.start(Session::Build { verb, only });
    }

    pub(super) fn cancel(&self) {
        if let Some(running) = &self.running {
            let _ = running.cancel.send(true);
        }
    }

    /// Cancels the running session and waits until it has stopped its Nix processes.
    pub(super) async fn stop(self) {
        if let Some(running) = self.running {
            let _ = running.cancel.send(true);
            let _ = running.task.await;
        }
    }

    pub(super) fn start(&mut self, session: Session) {
        let (cancel, cancel_rx) = watch::channel(false);
        let request = match &session {
            Session::PlanOnly => self.request.clone(),
            Session::Build { verb, .. } => Arc::new(request_for(&self.request, *verb)),
        };
        let events = self.engine.clone();
        let last_plan = self.last_plan.clone();
        let task = tokio::spawn(async move {
            // Planning again may renumber units: remember the requested ones by key.
            let wanted_keys = match (&session, lock(&last_plan).as_ref()) {
                (
                    Session::Build {
                        only: Some(units), ..
                    },
                    Some(plan),
                ) => Some(
                    units
                        .iter()
                        .filter_map(|&unit| plan.units.get(unit).map(|u| u.key.clone()))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            };
            let Ok(prepared) = session::prepare_or_report(&request, &events).await else {
                return;
            };
            if let Session::Build { .. } = session {
                let only = wanted_keys.map(|keys| {
                    (0..prepared.plan.units.len())
                        .filter(|&unit| keys.contains(&prepared.plan.units[unit].key))
                        .collect::<Vec<_>>()
                });
                let _ = session::realise(&request, &prepared, only.as_deref(), &events, cancel_rx)
                    .await;
            }
        });
        self.running = Some(Running { task, cancel });
    }
}

/// The dashboard's request for `verb`: a test plan runs every test binary, a run whose
/// binary did not change is not run again.
fn request_for(request: &BuildRequest, verb: CargoVerb) -> BuildRequest {
    let mut request = request.clone();
    request.cargo.verb = verb;
    request.cargo.test_runs = (verb == CargoVerb::Test).then(TestRuns::default);
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_session_plans_cargo_test_with_a_run_per_binary_and_a_check_session_checks() {
        let mut request = BuildRequest::default();
        request.cargo.packages = vec!["calc".into()];
        let test = request_for(&request, CargoVerb::Test);
        assert_eq!(test.cargo.verb, CargoVerb::Test);
        assert_eq!(test.cargo.test_runs, Some(TestRuns::default()));
        assert_eq!(test.cargo.packages, ["calc"], "the user's selection stays");
        let check = request_for(&test, CargoVerb::Check);
        assert_eq!(check.cargo.verb, CargoVerb::Check);
        assert_eq!(check.cargo.test_runs, None);
    }
}
