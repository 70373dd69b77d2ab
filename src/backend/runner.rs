//! Drives one session: plan with Cargo, write the data, evaluate once, seed the store,
//! then realise with Nix while its `internal-json` log becomes [`BackendEvent`]s.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc::UnboundedSender, watch};

use super::nix::protocol;
use super::nixgen::{self, Toolchain, ToolchainMode};
use super::plan::{self, CargoOptions};
use super::plan_types::{BuildPlan, UnitId, UnitKind};
use super::{BackendEvent, UnitPaths, cache, overrides, project, store};

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
    /// Binary caches to ask besides (host mode: instead of) Nix's own.
    pub substituters: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    pub cargo: CargoOptions,
    pub nix: NixOptions,
}

/// The file of per-crate native deps and env vars for a workspace.
pub fn deps_file_path(workspace_root: &Path) -> PathBuf {
    workspace_root.join(overrides::DEPS_FILE_NAME)
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
        nixgen::out_dir(&self.plan)
    }

    /// The GC roots that keep the root units' outputs alive: `root`, `root-2`, ...
    fn gc_roots_dir(&self) -> PathBuf {
        nixgen::libnix_dir(&self.plan)
            .join("gcroots")
            .join(&self.plan.profile_dir)
    }

    fn root_outputs(&self) -> Vec<&str> {
        self.plan
            .roots
            .iter()
            .map(|&unit| self.unit_paths[unit].out_path.as_str())
            .collect()
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
    #[error(
        "nix-store was not found on PATH: libnix-tui builds with Nix (Debian: apt-get install nix-bin)"
    )]
    NixNotFound,
    #[error("the build was cancelled")]
    Cancelled,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
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
            // Host builders read the host toolchain.
            option("sandbox", "false");
            if is_root_without_daemon() {
                option("build-users-group", "");
            }
        }
        for (name, value) in cache::trust::substituter_options(mode, &self.substituters) {
            option(&name, &value);
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
    // Say so before planning, not after a plan that could never be built.
    if nixgen::find_on_path("nix-store").is_none() {
        return Err(RunError::NixNotFound);
    }
    let cargo = request.cargo.clone();
    let requested = request.nix.toolchain;
    // Cargo's plan and whether `<nixpkgs>` exists are independent: ask at once.
    let (plan, mode) = tokio::join!(
        tokio::task::spawn_blocking(move || plan::plan(&cargo)),
        tokio::task::spawn_blocking(move || project::resolve_mode(requested)),
    );
    let plan = Arc::new(plan.map_err(|e| RunError::Eval(e.to_string()))??);
    let mode = mode.unwrap_or(ToolchainMode::Host);
    let _ = events.send(BackendEvent::Planned(plan.clone()));

    check_deps_file(&plan, events);
    let toolchain = Toolchain::detect(mode, &plan);
    let written = nixgen::write(&plan, &toolchain)?;
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
    seeding.await.map_err(|e| RunError::Eval(e.to_string()))??;

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
    match only {
        None => {
            if prepared
                .plan
                .roots
                .iter()
                .all(|r| prepared.valid.contains(r))
            {
                register_roots(prepared, &request.nix).await?;
                link_outputs(prepared)?;
                let _ = events.send(BackendEvent::Finished {
                    success: true,
                    exit_code: Some(0),
                });
                return Ok(true);
            }
            // Every unit, roots first (they keep the GC root names `root`, `root-2`, ...):
            // what a binary cache has then arrives for every unit, not just the roots.
            let roots = &prepared.plan.roots;
            let others = (0..prepared.unit_paths.len()).filter(|unit| !roots.contains(unit));
            for unit in roots.iter().copied().chain(others) {
                args.push(prepared.unit_paths[unit].drv_path.clone());
            }
            args.extend(roots_args(prepared)?);
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
    let mut notices = cache::trust::SubstituterNotices::default();
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    if let Some(event) = notices.filter(protocol::parse_line(&line)) {
                        let _ = events.send(event);
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
    let status = child.wait().await.map_err(|source| RunError::Spawn {
        command: "nix-store --realise".into(),
        source,
    })?;
    let success = status.success() && !cancelled;
    if success && only.is_none() {
        link_outputs(prepared)?;
    }
    let _ = events.send(BackendEvent::Finished {
        success,
        exit_code: status.code(),
    });
    if cancelled {
        return Err(RunError::Cancelled);
    }
    Ok(success)
}

/// `--add-root` arguments that make the realised outputs GC roots (`root`, `root-2`, ... in
/// the order of the derivations, roots first), replacing the roots of an earlier build.
fn roots_args(prepared: &Prepared) -> Result<Vec<String>, RunError> {
    let dir = prepared.gc_roots_dir();
    let io = |source| RunError::Io {
        path: dir.clone(),
        source,
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io)?;
    }
    std::fs::create_dir_all(&dir).map_err(io)?;
    Ok(vec![
        "--add-root".into(),
        dir.join("root").display().to_string(),
        "--indirect".into(),
    ])
}

/// Make already valid root outputs GC roots, unless they are already.
async fn register_roots(prepared: &Prepared, nix: &NixOptions) -> Result<(), RunError> {
    let dir = prepared.gc_roots_dir();
    let outputs = prepared.root_outputs();
    let registered = outputs.iter().enumerate().all(|(index, out)| {
        let name = match index {
            0 => "root".to_string(),
            n => format!("root-{}", n + 1),
        };
        std::fs::read_link(dir.join(name)).ok().as_deref() == Some(Path::new(out))
    });
    if registered {
        return Ok(());
    }
    let status = Command::new("nix-store")
        .args(nix.store_args())
        .arg("--realise")
        .args(&outputs)
        .args(roots_args(prepared)?)
        .stdout(Stdio::null())
        .status()
        .await
        .map_err(|source| RunError::Spawn {
            command: "nix-store --realise --add-root".into(),
            source,
        })?;
    if !status.success() {
        return Err(RunError::Eval(format!(
            "could not register {} as GC roots",
            dir.display()
        )));
    }
    Ok(())
}

/// `target/libnix/<profile>`: `bin/<name>` for root binaries, `lib/` for root libraries
/// under Cargo's names (`libfoo.so`, not `libfoo-<hash>.so`). Replaced as a whole.
fn link_outputs(prepared: &Prepared) -> Result<(), RunError> {
    let dir = prepared.out_link();
    let io = |source| RunError::Io {
        path: dir.clone(),
        source,
    };
    let staging = dir.with_extension(format!("tmp{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io)?;
    }
    std::fs::create_dir_all(staging.join("bin")).map_err(io)?;
    std::fs::create_dir_all(staging.join("lib")).map_err(io)?;
    for &root in &prepared.plan.roots {
        let unit = &prepared.plan.units[root];
        let out = Path::new(&prepared.unit_paths[root].out_path);
        match unit.kind {
            UnitKind::Bin | UnitKind::Example => {
                let bin = Path::new("bin").join(&unit.target_name);
                std::os::unix::fs::symlink(out.join(&bin), staging.join(&bin)).map_err(io)?;
            }
            _ => {
                let Ok(files) = std::fs::read_dir(out.join("lib")) else {
                    continue;
                };
                for file in files.flatten() {
                    let name = cargo_file_name(&file.file_name().to_string_lossy());
                    std::os::unix::fs::symlink(file.path(), staging.join("lib").join(name))
                        .map_err(io)?;
                }
            }
        }
    }
    match std::fs::symlink_metadata(&dir) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&dir).map_err(io)?,
        Ok(_) => std::fs::remove_file(&dir).map_err(io)?,
        Err(_) => {}
    }
    std::fs::rename(&staging, &dir).map_err(io)
}

/// `libfoo-0123456789abcdef.so` -> `libfoo.so`: the name Cargo uplifts a library to.
fn cargo_file_name(name: &str) -> String {
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    match stem.rsplit_once('-') {
        Some((base, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            format!("{base}.{extension}")
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_are_uplifted_to_cargos_names() {
        assert_eq!(
            cargo_file_name("libgreet-0123456789abcdef.so"),
            "libgreet.so"
        );
        assert_eq!(
            cargo_file_name("libgreet-0123456789abcdef.rlib"),
            "libgreet.rlib"
        );
        assert_eq!(cargo_file_name("libmy-crate.a"), "libmy-crate.a");
        assert_eq!(
            cargo_file_name("libx-0123456789abcdeg.so"),
            "libx-0123456789abcdeg.so"
        );
    }
}
