//! Room `session`: prepare / realise / cancel, Nix command lines, GC roots, output links.
//! May import: `plan`, `emit`, `toolchain`, `layout`, `process`, `overrides`, `nix`, `cache`.
//!
//! Drives one session: plan with Cargo, write the data, evaluate once, seed the store, then
//! realise with Nix while its `internal-json` log becomes [`BackendEvent`]s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc::UnboundedSender, watch};

mod nix_args;
mod outputs;
pub mod project;

pub use nix_args::NixOptions;
pub use outputs::{CleanScope, clean};

use nix_args::nix_file_args;
use outputs::{drop_earlier_roots, link_outputs, register_roots, roots_args};

use crate::backend::cache;
use crate::backend::emit;
use crate::backend::layout::{self, Layout};
use crate::backend::nix::{protocol, store};
use crate::backend::plan::{self, BuildPlan, CargoOptions, UnitId};
use crate::backend::process::{self, ProcessError};
use crate::backend::toolchain::{self, Toolchain, ToolchainMode};
use crate::backend::{BackendEvent, EngineError, ErrorKind, UnitPaths, insight, overrides};

#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    pub cargo: CargoOptions,
    pub nix: NixOptions,
}

/// A planned and evaluated session, ready to realise.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub plan: Arc<BuildPlan>,
    pub toolchain: ToolchainMode,
    pub unit_paths: Vec<UnitPaths>,
    /// Units whose outputs were valid before the build.
    pub valid: Vec<UnitId>,
}

impl Prepared {
    /// Where the built binaries and libraries appear: `target/libnix/<profile>`.
    pub fn out_link(&self) -> PathBuf {
        Layout::of(&self.plan).out_dir(&self.plan.profile_dir)
    }

    /// The GC roots that keep the profile's unit outputs alive.
    fn gc_roots_dir(&self) -> PathBuf {
        Layout::of(&self.plan).gc_roots_dir(&self.plan.profile_dir)
    }

    /// What went into each unit, for `why` (see [`insight::manifest`]).
    async fn record(
        &self,
        request: &BuildRequest,
        fetched: HashMap<String, String>,
        events: &UnboundedSender<BackendEvent>,
    ) {
        let store_args = request.nix.store_args();
        insight::manifest::record_in_background(
            &self.plan,
            &self.unit_paths,
            &self.valid,
            fetched,
            store_args,
            events,
        )
        .await;
    }

    fn unit_outputs(&self) -> Vec<&str> {
        self.unit_paths
            .iter()
            .map(|p| p.out_path.as_str())
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Plan(#[from] plan::PlanError),
    #[error("{0}")]
    Emit(#[from] emit::EmitError),
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("Nix could not evaluate the build:\n{0}")]
    Eval(String),
    #[error(
        "nix-store was not found on PATH: libnix-tui builds with Nix (Debian: apt-get install nix-bin)"
    )]
    NixNotFound,
    /// A task of the session panicked or was cancelled by the runtime.
    #[error("a task of the build stopped unexpectedly: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("the build was cancelled")]
    Cancelled,
    #[error("{0}")]
    DepsFile(#[from] overrides::OverridesError),
    #[error("{0}")]
    NixTooOld(#[from] toolchain::NixTooOldForNixpkgs),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl RunError {
    /// What kind of failure this is, for what the user should do about it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RunError::NixNotFound => ErrorKind::NixMissing,
            RunError::Plan(plan::PlanError::Process(ProcessError::Spawn { .. })) => {
                ErrorKind::ToolchainMissing
            }
            RunError::Plan(_) => ErrorKind::Cargo,
            RunError::DepsFile(_) => ErrorKind::DepsFile,
            RunError::NixTooOld(_) => ErrorKind::NixTooOld,
            RunError::Eval(_) => ErrorKind::Evaluation,
            _ => ErrorKind::Other,
        }
    }
}

#[derive(serde::Deserialize)]
struct EvalPaths {
    units: Vec<DrvOut>,
}

#[derive(serde::Deserialize)]
struct DrvOut {
    drv: String,
    out: String,
}

/// Refuse the deps file `deps check` would refuse; its findings about the plan are warnings.
fn check_deps_file(
    plan: &BuildPlan,
    mode: ToolchainMode,
    events: &UnboundedSender<BackendEvent>,
) -> Result<(), RunError> {
    let layout = Layout::of(plan);
    let libnix_dir = layout.libnix_dir();
    let pkgs = project::pkgs_expression(mode, libnix_dir).map_err(|source| RunError::Io {
        path: libnix_dir.to_path_buf(),
        source,
    })?;
    let path = layout::deps_file(&plan.workspace_root);
    for warning in overrides::check_before_build(&path, &pkgs, &plan.package_versions())? {
        let _ = events.send(BackendEvent::Warning(warning));
    }
    Ok(())
}

/// Plan, write the data, seed the store and evaluate every unit's derivation once.
pub async fn prepare(
    request: &BuildRequest,
    events: &UnboundedSender<BackendEvent>,
) -> Result<Prepared, RunError> {
    let _ = events.send(BackendEvent::PlanningStarted);
    // Say so before planning, not after a plan that could never be built.
    if toolchain::find_on_path("nix-store").is_none() {
        return Err(RunError::NixNotFound);
    }
    let cargo = request.cargo.clone();
    let requested = request.nix.toolchain;
    // Cargo's plan, whether `<nixpkgs>` exists and Nix's substituters (which only host
    // mode reads) are independent: ask at once (on a no-op build these three are most of
    // the time).
    let (plan, mode, _) = tokio::join!(
        tokio::task::spawn_blocking(move || project::plan(&cargo)),
        tokio::task::spawn_blocking(move || toolchain::choose_mode(requested)),
        tokio::task::spawn_blocking(move || {
            if requested != Some(ToolchainMode::Nixpkgs) {
                cache::trust::read_configured_substituters();
            }
        }),
    );
    // A mode that could not be resolved is an error, never a quiet switch to host mode.
    let (plan, choice) = (Arc::new(plan??), mode??);
    let mode = choice.mode;
    let _ = events.send(BackendEvent::Planned(plan.clone()));
    if let Some(notice) = choice.notice {
        let _ = events.send(BackendEvent::Warning(notice));
    }

    check_deps_file(&plan, mode, events)?;
    let toolchain = Toolchain::detect(mode, &plan);
    let written = emit::write(&plan, &toolchain)?;
    // Crates must be in the store before the build, not before evaluation.
    let seeding = {
        let plan = plan.clone();
        let store_args = request.nix.store_args();
        tokio::task::spawn_blocking(move || store::seed_crates(&plan, &store_args))
    };

    let _ = events.send(BackendEvent::EvaluationStarted);
    let mut command = Command::new("nix-instantiate");
    command
        .args(request.nix.common_args(mode))
        .args([
            "--eval",
            "--strict",
            "--read-write-mode",
            "--json",
            "-A",
            "paths",
        ])
        .args(nix_file_args(&written, &plan, mode));
    let stdout = process::stdout_of_async(&mut command)
        .await
        .map_err(|error| match error {
            ProcessError::Failed { stderr, .. } => RunError::Eval(stderr),
            spawn => spawn.into(),
        })?;
    let paths: EvalPaths = serde_json::from_slice(&stdout)
        .map_err(|e| RunError::Eval(format!("unexpected output of nix-instantiate: {e}")))?;
    let unit_paths: Vec<UnitPaths> = paths
        .units
        .into_iter()
        .enumerate()
        .map(|(unit, p)| UnitPaths {
            unit,
            drv_path: p.drv,
            out_path: p.out,
        })
        .collect();
    let _ = events.send(BackendEvent::Instantiated(unit_paths.clone()));
    seeding.await??;

    let outs: Vec<&str> = unit_paths.iter().map(|p| p.out_path.as_str()).collect();
    let invalid = store::invalid_paths(&outs, &request.nix.store_args())?;
    let valid: Vec<UnitId> = unit_paths
        .iter()
        .filter(|p| !invalid.contains(&p.out_path))
        .map(|p| p.unit)
        .collect();
    let _ = events.send(BackendEvent::AlreadyValid(valid.clone()));
    Ok(Prepared {
        plan,
        toolchain: mode,
        unit_paths,
        valid,
    })
}

/// Keep what the build learnt for the next plan (build scripts' declarations).
fn learn(prepared: &Prepared, events: &UnboundedSender<BackendEvent>) {
    for problem in emit::rerun::learn(&prepared.plan, &prepared.unit_paths) {
        let _ = events.send(BackendEvent::Warning(problem));
    }
}

/// [`prepare`], telling the consumers about a failure as a finished build would: an
/// `Error` with the reason, then `Finished`.
pub async fn prepare_or_report(
    request: &BuildRequest,
    events: &UnboundedSender<BackendEvent>,
) -> Result<Prepared, RunError> {
    let prepared = prepare(request, events).await;
    if let Err(error) = &prepared {
        let _ = events.send(BackendEvent::Error(EngineError {
            kind: error.kind(),
            message: error.to_string(),
        }));
        let _ = events.send(BackendEvent::Finished {
            success: false,
            exit_code: None,
        });
    }
    prepared
}

/// Realise the root units (`only: None`) or the given units and their dependents; then
/// link the roots' binaries and libraries into `target/libnix/<profile>`.
/// Stops Nix with SIGINT, which stops its builders, when `cancel` turns true.
pub async fn realise(
    request: &BuildRequest,
    prepared: &Prepared,
    only: Option<&[UnitId]>,
    events: &UnboundedSender<BackendEvent>,
    mut cancel: watch::Receiver<bool>,
) -> Result<bool, RunError> {
    let mut args = request.nix.common_args(prepared.toolchain);
    args.extend([
        "--realise".into(),
        "--log-format".into(),
        "internal-json".into(),
    ]);
    args.push("-v".into());
    // Like Cargo, use every core unless told otherwise (Nix's own default is one job).
    let jobs = request
        .nix
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
    args.extend(["--max-jobs".into(), jobs.to_string()]);
    if request.nix.keep_going {
        args.push("--keep-going".into());
    }
    let mut targets = Vec::new();
    match only {
        None => {
            if prepared.valid.len() == prepared.unit_paths.len() {
                register_roots(prepared, &request.nix).await?;
                link_outputs(prepared)?;
                learn(prepared, events);
                prepared.record(request, HashMap::new(), events).await;
                let _ = events.send(BackendEvent::Finished {
                    success: true,
                    exit_code: Some(0),
                });
                return Ok(true);
            }
            targets.extend(
                missing_frontier(prepared)
                    .into_iter()
                    .map(|unit| prepared.unit_paths[unit].drv_path.clone()),
            );
        }
        Some(units) => {
            for unit in prepared.plan.with_dependents(units) {
                targets.push(prepared.unit_paths[unit].drv_path.clone());
            }
        }
    }
    if only.is_none() {
        targets.extend(roots_args(prepared)?);
    }
    let _ = events.send(BackendEvent::BuildStarted);
    // One log for both runs: Nix's repeated warnings are said once.
    let mut log = RealiseLog {
        events,
        notices: cache::trust::NixWarnings::default(),
        fetched: cache::fetched::FetchedPaths::default(),
    };
    let (mut status, mut cancelled) =
        realise_streamed(&args, &targets, &mut log, &mut cancel).await?;
    if status.success() && !cancelled && only.is_none() {
        // Then every unit by name, each output a GC root: a binary does not reference the
        // rlibs it was linked from, so after a GC (or a root substituted from a cache)
        // its dependencies' outputs may be missing while it is not.
        let mut every_unit: Vec<String> = (prepared.unit_paths.iter())
            .map(|paths| paths.drv_path.clone())
            .collect();
        every_unit.extend(roots_args(prepared)?);
        (status, cancelled) = realise_streamed(&args, &every_unit, &mut log, &mut cancel).await?;
    }
    let success = status.success() && !cancelled;
    if success && only.is_none() {
        drop_earlier_roots(prepared)?;
        link_outputs(prepared)?;
    }
    if success {
        learn(prepared, events);
    }
    prepared
        .record(request, log.fetched.into_map(), events)
        .await;
    let _ = events.send(BackendEvent::Finished {
        success,
        exit_code: status.code(),
    });
    if cancelled {
        return Err(RunError::Cancelled);
    }
    Ok(success)
}

/// The units with a missing output that no unit with a missing output depends on: asked
/// for by name, they make Nix build every missing unit. Nix keeps the `build` activity of a
/// derivation asked for by name open until the whole realise ends, so asking for every unit
/// at once would report every unit as finishing at the end.
fn missing_frontier(prepared: &Prepared) -> Vec<UnitId> {
    let units = &prepared.plan.units;
    let missing = |unit: UnitId| !prepared.valid.contains(&unit);
    let mut needed_by_missing = vec![false; units.len()];
    for (unit, planned) in units.iter().enumerate() {
        if missing(unit) {
            for dep in &planned.deps {
                needed_by_missing[dep.unit] = true;
            }
        }
    }
    (0..units.len())
        .filter(|&unit| missing(unit) && !needed_by_missing[unit])
        .collect()
}

/// Where the internal-json log of a build's realise runs goes: on as events (Nix's
/// substituter warnings said once), and the substitutions noted for the build's record.
struct RealiseLog<'a> {
    events: &'a UnboundedSender<BackendEvent>,
    notices: cache::trust::NixWarnings,
    fetched: cache::fetched::FetchedPaths,
}

/// One `nix-store` run with `args` and `targets`, its internal-json log sent on as events;
/// SIGINT to its process group when `cancel` turns true. Its exit status, and whether it
/// was cancelled.
async fn realise_streamed(
    args: &[String],
    targets: &[String],
    log: &mut RealiseLog<'_>,
    cancel: &mut watch::Receiver<bool>,
) -> Result<(std::process::ExitStatus, bool), RunError> {
    let mut child = Command::new("nix-store")
        .args(args)
        .args(targets)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ProcessError::Spawn {
            command: "nix-store --realise".into(),
            source,
        })?;
    let pid = child.id();
    let Some(stderr) = child.stderr.take() else {
        return Err(RunError::Eval("nix-store has no stderr".into()));
    };
    let mut lines = BufReader::new(stderr).lines();
    let mut cancelled = *cancel.borrow();
    let mut cancellable = !cancelled;
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    let event = protocol::parse_line(&line);
                    log.fetched.observe(&event);
                    if let Some(event) = log.notices.filter(event) {
                        let _ = log.events.send(event);
                    }
                }
                _ => break,
            },
            changed = cancel.changed(), if cancellable => {
                if changed.is_err() {
                    // Nobody can cancel any more: keep building.
                    cancellable = false;
                } else if *cancel.borrow() {
                    cancellable = false;
                    cancelled = true;
                    if let Some(pid) = pid {
                        // SAFETY: kill has no memory-safety preconditions; the pid is our
                        // child's process group, created with process_group(0).
                        unsafe { libc::kill(-(pid as i32), libc::SIGINT) };
                    }
                }
            }
        }
    }
    let status = child.wait().await.map_err(|source| ProcessError::Spawn {
        command: "nix-store --realise".into(),
        source,
    })?;
    Ok((status, cancelled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_says_its_kind() {
        let spawn = ProcessError::Spawn {
            command: "cargo metadata".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let refused = ProcessError::Failed {
            command: "cargo metadata".into(),
            stderr: "error: failed to parse manifest".into(),
        };
        let cases = [
            (RunError::NixNotFound, ErrorKind::NixMissing),
            (RunError::Plan(spawn.into()), ErrorKind::ToolchainMissing),
            (RunError::Plan(refused.into()), ErrorKind::Cargo),
            (
                RunError::Eval("error: undefined variable".into()),
                ErrorKind::Evaluation,
            ),
            (RunError::Cancelled, ErrorKind::Other),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error}");
        }
    }
}
