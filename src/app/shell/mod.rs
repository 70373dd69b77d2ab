//! The shell: carries out the [`Effect`]s `update` asks for and answers with [`AppEvent`]s.
//! May import the backend and the app's effect and event types; never update, views or cli
//! (an exception until it moves to the backend: `cli::deps::describe_done`).
//!
//! It passes the engine's events on to the app unchanged, one stream as the headless CLI
//! reads it, keeping the plan they announce: the app's unit ids and the workspace refer to it.
//!
//! One file per kind of effect: [`session`] (build, cancel), [`deps`] (read and edit
//! Cargo.dependencies.nix), [`record`] (keep the finished build for `doctor`, show the
//! recorded one's timings), [`test_runs`] (read what a test run recorded).

mod deps;
mod record;
mod session;
mod test_runs;

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use crate::backend::BackendEvent;
use crate::backend::plan::{BuildPlan, CargoVerb};
use crate::backend::session::BuildRequest;

use super::effect::Effect;
use super::event::AppEvent;
use session::{Running, Session};

/// The plan the app was last told about: its unit ids refer to it, and it says where the
/// workspace and its deps file are.
type LastPlan = Arc<Mutex<Option<Arc<BuildPlan>>>>;

fn lock(plan: &LastPlan) -> MutexGuard<'_, Option<Arc<BuildPlan>>> {
    plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the shell needs to carry out effects, and the build it has running.
struct Shell {
    request: Arc<BuildRequest>,
    /// Where engine sessions send their events; [`forward`] passes them on to the app.
    engine: UnboundedSender<BackendEvent>,
    /// Where the shell's own answers go.
    app: UnboundedSender<AppEvent>,
    last_plan: LastPlan,
    running: Option<Running>,
}

/// Plans (and with `build_now` builds) once, then carries out `effects` until
/// [`Effect::Quit`] or until the app stops sending; stops any running build on the way out.
/// Engine events go to `backend` unchanged, the shell's answers to `app`.
pub async fn serve(
    request: BuildRequest,
    build_now: bool,
    backend: UnboundedSender<BackendEvent>,
    app: UnboundedSender<AppEvent>,
    effects: UnboundedReceiver<Effect>,
) {
    let (engine, engine_events) = mpsc::unbounded_channel();
    let last_plan = LastPlan::default();
    tokio::spawn(forward(engine_events, backend, last_plan.clone()));
    let shell = Shell {
        request: Arc::new(request),
        engine,
        app,
        last_plan,
        running: None,
    };
    shell.serve(build_now, effects).await;
}

/// Passes the engine's events on to the app, keeping the plan they refer to.
async fn forward(
    mut engine_events: UnboundedReceiver<BackendEvent>,
    backend: UnboundedSender<BackendEvent>,
    last_plan: LastPlan,
) {
    while let Some(event) = engine_events.recv().await {
        if let BackendEvent::Planned(plan) = &event {
            *lock(&last_plan) = Some(plan.clone());
        }
        if backend.send(event).is_err() {
            break;
        }
    }
}

impl Shell {
    /// A shell that knows `plan` and runs nothing, with the receiver of its answers.
    #[cfg(test)]
    fn planned(request: BuildRequest, plan: BuildPlan) -> (Shell, UnboundedReceiver<AppEvent>) {
        let (engine, _) = mpsc::unbounded_channel();
        let (app, answers) = mpsc::unbounded_channel();
        let shell = Shell {
            request: Arc::new(request),
            engine,
            app,
            last_plan: Arc::new(Mutex::new(Some(Arc::new(plan)))),
            running: None,
        };
        (shell, answers)
    }

    async fn serve(mut self, build_now: bool, mut effects: UnboundedReceiver<Effect>) {
        let first = if build_now {
            Session::Build {
                verb: CargoVerb::Build,
                only: None,
            }
        } else {
            Session::PlanOnly
        };
        self.load_last_build_timings();
        self.start(first);
        while let Some(effect) = effects.recv().await {
            match effect {
                Effect::Build { verb, only } => self.build(verb, only),
                Effect::ReadTestRun { unit, out_path } => self.read_test_run(unit, out_path),
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
