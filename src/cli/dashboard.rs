//! `libnix-tui` with no subcommand: the dashboard, wired to the engine. The app decides
//! (pure `update`), this shell does what it asks: plan, build, cancel, edit the deps file.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crossterm::event::EventStream;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::TuiArgs;
use super::deps::describe_done;
use crate::app::{self, AppEvent, AppState, DepsEdit, DepsOp, Effect, TerminalSession};
use crate::backend::BackendEvent;
use crate::backend::overrides::{self, CrateSelector, DepsDocument, Edit, EnvValue};
use crate::backend::plan::{BuildPlan, UnitId};
use crate::backend::session::project::Project;
use crate::backend::session::{self, BuildRequest};

pub fn run(args: TuiArgs) -> anyhow::Result<i32> {
    let mut build_args = args.args.clone();
    if let Some(path) = &args.path {
        build_args.manifest_path = Some(if path.is_dir() {
            path.join("Cargo.toml")
        } else {
            path.clone()
        });
    }
    let mut request = build_args.request();
    // The dashboard is for seeing every state: build all that does not depend on a failure.
    request.nix.keep_going = true;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (backend_tx, backend_rx) = mpsc::unbounded_channel();
        let (app_tx, app_rx) = mpsc::unbounded_channel();
        let (effects_tx, effects_rx) = mpsc::unbounded_channel();
        let shell = tokio::spawn(engine_shell(
            request, args.build, backend_tx, app_tx, effects_rx,
        ));
        let mut session = TerminalSession::start()?;
        let size = session.terminal().size()?;
        let mut state = AppState::new(size);
        let result = app::run(
            session.terminal(),
            &mut state,
            EventStream::new(),
            backend_rx,
            app_rx,
            effects_tx,
        )
        .await;
        drop(session);
        // The effects channel is closed now: the shell stops any running build.
        let _ = shell.await;
        result.map(|()| 0)
    })
}

/// A build in flight and the switch that stops it.
struct Running {
    task: JoinHandle<()>,
    cancel: watch::Sender<bool>,
}

async fn engine_shell(
    request: BuildRequest,
    build_now: bool,
    backend: UnboundedSender<BackendEvent>,
    app: UnboundedSender<AppEvent>,
    mut effects: UnboundedReceiver<Effect>,
) {
    let request = Arc::new(request);
    let last_plan = LastPlan::default();
    let first = if build_now {
        Session::Build(None)
    } else {
        Session::PlanOnly
    };
    let mut running = Some(spawn_session(&request, first, &backend, &last_plan));
    while let Some(effect) = effects.recv().await {
        match effect {
            Effect::Build { only } => {
                if running.as_ref().is_some_and(|r| !r.task.is_finished()) {
                    continue;
                }
                running = Some(spawn_session(
                    &request,
                    Session::Build(only),
                    &backend,
                    &last_plan,
                ));
            }
            Effect::Cancel => {
                if let Some(running) = &running {
                    let _ = running.cancel.send(true);
                }
            }
            Effect::EditDeps(edit) => {
                let request = request.clone();
                let app = app.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = app.send(AppEvent::DepsSaved(save_edit(&request, &edit)));
                });
            }
            Effect::LoadDepsEntry { crate_name } => {
                let request = request.clone();
                let app = app.clone();
                tokio::task::spawn_blocking(move || {
                    let text = Project::locate(&request)
                        .map(|dirs| entry_text(&dirs.deps_file(), &crate_name))
                        .unwrap_or_default();
                    let _ = app.send(AppEvent::DepsEntry { crate_name, text });
                });
            }
            Effect::RecordBuild(record) => {
                if let Some(plan) = lock(&last_plan).clone() {
                    let _ = record.save(&plan);
                }
            }
            Effect::Quit => break,
        }
    }
    if let Some(running) = running {
        let _ = running.cancel.send(true);
        let _ = running.task.await;
    }
}

enum Session {
    /// Plan and evaluate only: the DAG with what is already in the store.
    PlanOnly,
    /// Plan again (Cargo.toml or the deps file may have changed), then build.
    Build(Option<Vec<UnitId>>),
}

/// The plan of the last prepared session: the app's unit ids refer to it.
type LastPlan = Arc<Mutex<Option<Arc<BuildPlan>>>>;

fn spawn_session(
    request: &Arc<BuildRequest>,
    session: Session,
    events: &UnboundedSender<BackendEvent>,
    last_plan: &LastPlan,
) -> Running {
    let (cancel, cancel_rx) = watch::channel(false);
    let request = request.clone();
    let events = events.clone();
    let last_plan = last_plan.clone();
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
        *lock(&last_plan) = Some(prepared.plan.clone());
        if let Session::Build(_) = session {
            let only = wanted_keys.map(|keys| {
                (0..prepared.plan.units.len())
                    .filter(|&unit| keys.contains(&prepared.plan.units[unit].key))
                    .collect::<Vec<_>>()
            });
            let _ =
                session::realise(&request, &prepared, only.as_deref(), &events, cancel_rx).await;
        }
    });
    Running { task, cancel }
}

fn lock(plan: &LastPlan) -> std::sync::MutexGuard<'_, Option<Arc<BuildPlan>>> {
    plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn save_edit(request: &BuildRequest, edit: &DepsEdit) -> Result<String, String> {
    let dirs = Project::locate(request).map_err(|e| e.to_string())?;
    let pkgs = dirs.pkgs_expression().map_err(|e| e.to_string())?;
    let edits = edits_for(edit);
    let report =
        overrides::edit_file(&dirs.deps_file(), &edits, &pkgs).map_err(|e| e.to_string())?;
    let done: Vec<String> = edits
        .iter()
        .filter(|e| !report.unchanged.contains(e))
        .map(describe_done)
        .collect();
    Ok(if done.is_empty() {
        "nothing to change".to_string()
    } else {
        done.join("; ")
    })
}

fn edits_for(edit: &DepsEdit) -> Vec<Edit> {
    let target = CrateSelector {
        name: edit.crate_name.clone(),
        version: edit.version.clone(),
    };
    match &edit.op {
        DepsOp::AddDep(package) => vec![Edit::AddDep {
            target,
            package: package.clone(),
        }],
        DepsOp::RemoveDep(package) => vec![Edit::RemoveDep {
            target,
            package: package.clone(),
        }],
        DepsOp::SetEnv(var, value) => vec![Edit::SetEnv {
            target,
            var: var.clone(),
            value: value.clone(),
        }],
        DepsOp::UnsetEnv(var) => vec![Edit::UnsetEnv {
            target,
            var: var.clone(),
        }],
        DepsOp::ApplySuggestion { packages, envs } => packages
            .iter()
            .map(|package| Edit::AddDep {
                target: target.clone(),
                package: package.clone(),
            })
            .chain(envs.iter().map(|(var, value)| Edit::SetEnvExpression {
                target: target.clone(),
                var: var.clone(),
                expression: format!("\"{value}\""),
            }))
            .collect(),
    }
}

/// The crate's entries in the deps file, as the details pane and the editor show them.
fn entry_text(deps_file: &Path, crate_name: &str) -> String {
    let Ok(source) = std::fs::read_to_string(deps_file) else {
        return String::new();
    };
    let document = match DepsDocument::parse(deps_file, source) {
        Ok(document) => document,
        Err(error) => return error.to_string(),
    };
    let mut lines = Vec::new();
    for entry in document
        .entries()
        .into_iter()
        .filter(|e| e.crate_name == crate_name)
    {
        let scope = entry.version.as_deref().unwrap_or("every version");
        if !entry.deps.is_empty() {
            lines.push(format!("deps ({scope}): {}", entry.deps.join(" ")));
        }
        for (var, value) in &entry.envs {
            let value = match value {
                EnvValue::Literal(text) => format!("{text:?}"),
                EnvValue::Expression(text) => text.clone(),
            };
            lines.push(format!("env ({scope}): {var} = {value}"));
        }
    }
    lines.join("\n")
}
