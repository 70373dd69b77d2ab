//! Drives one session: plan with Cargo, write the data, evaluate once, seed the store,
//! then realise with Nix while its `internal-json` log becomes [`BackendEvent`]s.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc::UnboundedSender, watch};

use super::nixgen::{self, Toolchain, ToolchainMode};
use super::plan::{self, CargoOptions};
use super::plan_types::{BuildPlan, UnitId};
use super::{BackendEvent, UnitPaths, events, overrides, project, store};

/// How Nix is run. `--option`, `--builders`, `--store` and `--offline` pass through.
#[derive(Debug, Clone, Default)]
pub struct NixOptions {
    /// `None`: nixpkgs when `<nixpkgs>` can be found, host otherwise.
    pub toolchain: Option<ToolchainMode>,
    pub jobs: Option<u32>,
    pub keep_going: bool,
    pub options: Vec<(String, String)>,
    pub builders: Option<String>,
    pub store: Option<String>,
    pub offline: bool,
}

#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    pub cargo: CargoOptions,
    pub nix: NixOptions,
}

/// The file of per-crate native deps and env vars for a workspace.
pub fn deps_file_path(workspace_root: &Path) -> PathBuf {
    workspace_root.join("Cargo.dependencies.nix")
}

/// A planned and evaluated session, ready to realise.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub plan: Arc<BuildPlan>,
    pub toolchain: ToolchainMode,
    pub unit_paths: Vec<UnitPaths>,
    pub target_drv: String,
    pub target_out: String,
    /// Units whose outputs were valid before the build.
    pub valid: Vec<UnitId>,
    pub target_valid: bool,
}

impl Prepared {
    /// Where the built binaries and libraries appear: `target/libnix/<profile>`.
    pub fn out_link(&self) -> PathBuf {
        nixgen::libnix_dir(&self.plan).join(&self.plan.profile_dir)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Plan(#[from] plan::PlanError),
    #[error("{0}")]
    Nixgen(#[from] nixgen::NixgenError),
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error("could not run `{command}`: {source}. Is Nix installed and on PATH?")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("Nix could not evaluate the build:\n{0}")]
    Eval(String),
    #[error("the build was cancelled")]
    Cancelled,
}

fn is_root_without_daemon() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let daemon = std::env::var_os("NIX_REMOTE").is_some_and(|v| v == "daemon")
        || Path::new("/nix/var/nix/daemon-socket/socket").exists();
    root && !daemon
}

impl NixOptions {
    /// Options for every Nix command: the user's, after the ones host mode needs.
    fn common_args(&self, mode: ToolchainMode) -> Vec<String> {
        let mut args = Vec::new();
        let mut option = |name: &str, value: &str| {
            args.extend(["--option".to_string(), name.to_string(), value.to_string()]);
        };
        if mode == ToolchainMode::Host {
            // Host builders read the host toolchain; nothing they make is in any cache.
            option("sandbox", "false");
            option("substituters", "");
            if is_root_without_daemon() {
                option("build-users-group", "");
            }
        }
        if let Some(builders) = &self.builders {
            option("builders", builders);
        }
        for (name, value) in &self.options {
            option(name, value);
        }
        if let Some(store) = &self.store {
            args.extend(["--store".to_string(), store.clone()]);
        }
        if self.offline {
            args.extend(["--option".into(), "substitute".into(), "false".into()]);
        }
        args
    }

    fn store_args(&self) -> Vec<String> {
        self.store
            .iter()
            .flat_map(|s| ["--store".to_string(), s.clone()])
            .collect()
    }
}

fn nix_file_args(written: &nixgen::Written, plan: &BuildPlan, mode: ToolchainMode) -> Vec<String> {
    let mut args = vec![
        written.entry.display().to_string(),
        "--argstr".into(),
        "planFile".into(),
        written.plan_file.display().to_string(),
        "--argstr".into(),
        "toolchain".into(),
        match mode {
            ToolchainMode::Host => "host".into(),
            ToolchainMode::Nixpkgs => "nixpkgs".into(),
        },
    ];
    let deps = deps_file_path(&plan.workspace_root);
    if deps.is_file() {
        args.extend([
            "--argstr".into(),
            "depsFile".into(),
            deps.display().to_string(),
        ]);
    }
    args
}

#[derive(serde::Deserialize)]
struct EvalPaths {
    target: DrvOut,
    units: Vec<DrvOut>,
}

#[derive(serde::Deserialize)]
struct DrvOut {
    drv: String,
    out: String,
}

/// Compare Cargo.dependencies.nix with the plan; findings are warnings, not failures.
fn check_deps_file(plan: &BuildPlan, events: &UnboundedSender<BackendEvent>) {
    let path = deps_file_path(&plan.workspace_root);
    let Ok(source) = std::fs::read_to_string(&path) else {
        return;
    };
    match overrides::DepsDocument::parse(&path, source) {
        Ok(document) => {
            for finding in overrides::check(&document.entries(), &plan.package_versions()) {
                let _ = events.send(BackendEvent::Warning(finding.to_string()));
            }
        }
        Err(error) => {
            let _ = events.send(BackendEvent::Warning(error.to_string()));
        }
    }
}

/// Plan, write the data, seed the store and evaluate every unit's derivation once.
pub async fn prepare(
    request: &BuildRequest,
    events: &UnboundedSender<BackendEvent>,
) -> Result<Prepared, RunError> {
    let _ = events.send(BackendEvent::PlanningStarted);
    let cargo = request.cargo.clone();
    let plan = tokio::task::spawn_blocking(move || plan::plan(&cargo))
        .await
        .map_err(|e| RunError::Eval(e.to_string()))??;
    let plan = Arc::new(plan);
    let _ = events.send(BackendEvent::Planned(plan.clone()));

    let requested = request.nix.toolchain;
    let mode = tokio::task::spawn_blocking(move || project::resolve_mode(requested))
        .await
        .unwrap_or(ToolchainMode::Host);
    check_deps_file(&plan, events);
    let toolchain = Toolchain::detect(mode, &plan)?;
    let written = nixgen::write(&plan, &toolchain)?;
    store::seed_crates(&plan, &request.nix.store_args())?;

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
    let output = command.output().await.map_err(|source| RunError::Spawn {
        command: "nix-instantiate".into(),
        source,
    })?;
    if !output.status.success() {
        return Err(RunError::Eval(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    let paths: EvalPaths = serde_json::from_slice(&output.stdout)
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

    let mut outs: Vec<&str> = unit_paths.iter().map(|p| p.out_path.as_str()).collect();
    outs.push(&paths.target.out);
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
        target_valid: !invalid.contains(&paths.target.out),
        target_drv: paths.target.drv,
        target_out: paths.target.out,
        valid,
    })
}

/// [`prepare`], telling the consumers about a failure as a finished build would: an
/// `Error` with the reason, then `Finished`.
pub async fn prepare_or_report(
    request: &BuildRequest,
    events: &UnboundedSender<BackendEvent>,
) -> Result<Prepared, RunError> {
    let prepared = prepare(request, events).await;
    if let Err(error) = &prepared {
        let _ = events.send(BackendEvent::Error(error.to_string()));
        let _ = events.send(BackendEvent::Finished {
            success: false,
            exit_code: None,
        });
    }
    prepared
}

/// Realise the whole target (`only: None`) or the given units and their dependents.
/// Stops Nix with SIGINT, which stops its builders, when `cancel` turns true.
pub async fn realise(
    request: &BuildRequest,
    prepared: &Prepared,
    only: Option<&[UnitId]>,
    events: &UnboundedSender<BackendEvent>,
    mut cancel: watch::Receiver<bool>,
) -> Result<bool, RunError> {
    let out_link = prepared.out_link();
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
    match only {
        None => {
            if prepared.target_valid {
                refresh_out_link(&prepared.target_out, &out_link, &request.nix).await?;
                let _ = events.send(BackendEvent::Finished {
                    success: true,
                    exit_code: Some(0),
                });
                return Ok(true);
            }
            args.push(prepared.target_drv.clone());
            args.extend([
                "--add-root".into(),
                out_link.display().to_string(),
                "--indirect".into(),
            ]);
        }
        Some(units) => {
            for unit in prepared.plan.with_dependents(units) {
                args.push(prepared.unit_paths[unit].drv_path.clone());
            }
        }
    }
    let _ = events.send(BackendEvent::BuildStarted);
    let mut child = Command::new("nix-store")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| RunError::Spawn {
            command: "nix-store --realise".into(),
            source,
        })?;
    let pid = child.id();
    let Some(stderr) = child.stderr.take() else {
        return Err(RunError::Eval("nix-store has no stderr".into()));
    };
    let mut lines = BufReader::new(stderr).lines();
    let mut cancelled = false;
    let mut cancellable = true;
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    let _ = events.send(BackendEvent::Nix(events::parse_line(&line)));
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
    let status = child.wait().await.map_err(|source| RunError::Spawn {
        command: "nix-store --realise".into(),
        source,
    })?;
    let success = status.success() && !cancelled;
    let _ = events.send(BackendEvent::Finished {
        success,
        exit_code: status.code(),
    });
    if cancelled {
        return Err(RunError::Cancelled);
    }
    Ok(success)
}

/// Point the out link at an already valid target, registering it as a GC root.
async fn refresh_out_link(
    target_out: &str,
    out_link: &Path,
    nix: &NixOptions,
) -> Result<(), RunError> {
    if std::fs::read_link(out_link).ok().as_deref() == Some(Path::new(target_out)) {
        return Ok(());
    }
    let status = Command::new("nix-store")
        .args(nix.store_args())
        .args(["--realise", target_out, "--add-root"])
        .arg(out_link)
        .arg("--indirect")
        .stdout(Stdio::null())
        .status()
        .await
        .map_err(|source| RunError::Spawn {
            command: "nix-store --realise --add-root".into(),
            source,
        })?;
    if !status.success() {
        return Err(RunError::Eval(format!(
            "could not register {} as a GC root",
            out_link.display()
        )));
    }
    Ok(())
}
