//! The shell: carries out the [`Effect`]s that `update` asks for (engine sessions, the deps
//! file, the last-build record) and answers with [`AppEvent`]s. Imports the backend and the
//! app's own types; never views or cli.
//!
//! One file per kind of effect: [`session`] (build, cancel), [`deps`] (read and edit
//! Cargo.dependencies.nix), [`record`] (keep the finished build for `doctor`).

mod deps;
mod record;
mod session;

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::backend::BackendEvent;
use crate::backend::plan_types::BuildPlan;
use crate::backend::runner::BuildRequest;

use super::effect::Effect;
use super::event::AppEvent;
use session::{Running, Session};

/// The plan of the last prepared session: the app's unit ids refer to it.
type LastPlan = Arc<Mutex<Option<Arc<BuildPlan>>>>;

fn lock(plan: &LastPlan) -> MutexGuard<'_, Option<Arc<BuildPlan>>> {
    plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the shell needs to carry out effects, and the build it has running.
pub struct Shell {
    request: Arc<BuildRequest>,
    /// Where engine sessions send their events: the app loop's engine stream.
    backend: UnboundedSender<BackendEvent>,
    /// Where the shell's own answers go.
    app: UnboundedSender<AppEvent>,
    last_plan: LastPlan,
    running: Option<Running>,
}

impl Shell {
    pub fn new(
        request: BuildRequest,
        backend: UnboundedSender<BackendEvent>,
        app: UnboundedSender<AppEvent>,
    ) -> Shell {
        Shell {
            request: Arc::new(request),
            backend,
            app,
            last_plan: LastPlan::default(),
            running: None,
        }
    }

    /// Plans (and with `build_now` builds) once, then carries out effects until
    /// [`Effect::Quit`] or until the app stops sending; stops any running build on the way out.
    pub async fn serve(mut self, build_now: bool, mut effects: UnboundedReceiver<Effect>) {
        let first = if build_now {
            Session::Build(None)
        } else {
            Session::PlanOnly
        };
        self.start(first);
        while let Some(effect) = effects.recv().await {
            match effect {
                Effect::Build { only } => self.build(only),
                Effect::Cancel => self.cancel(),
                Effect::EditDeps(edits) => self.edit_deps(edits),
                Effect::LoadDepsEntry { crate_name } => self.load_deps_entry(crate_name),
                Effect::RecordBuild(record) => self.record_build(*record),
                Effect::Quit => break,
            }
        }
        self.stop().await;
    }
}
