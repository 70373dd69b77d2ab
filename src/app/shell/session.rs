//! [`Effect::Build`](crate::app::Effect::Build) and [`Effect::Cancel`](crate::app::Effect::Cancel):
//! engine sessions, one at a time.

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::backend::plan::UnitId;
use crate::backend::session;

use super::{Shell, lock};

/// A build in flight and the switch that stops it.
pub(super) struct Running {
    task: JoinHandle<()>,
    cancel: watch::Sender<bool>,
}

pub(super) enum Session {
    /// Plan and evaluate only: the DAG with what is already in the store.
    PlanOnly,
    /// Plan again (Cargo.toml or the deps file may have changed), then build.
    Build(Option<Vec<UnitId>>),
}

impl Shell {
    /// Builds `only` these units and their dependents (`None`: everything), unless a
    /// session is still running.
    pub(super) fn build(&mut self, only: Option<Vec<UnitId>>) {
        if self
            .running
            .as_ref()
            .is_some_and(|running| !running.task.is_finished())
        {
            return;
        }
        self.start(Session::Build(only));
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
        let request = self.request.clone();
        let events = self.engine.clone();
        let last_plan = self.last_plan.clone();
        let task = tokio::spawn(async move {
            // Planning again may renumber units: remember the requested ones by key.
            let wanted_keys = match (&session, lock(&last_plan).as_ref()) {
                (Session::Build(Some(units)), Some(plan)) => Some(
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
            if let Session::Build(_) = session {
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
