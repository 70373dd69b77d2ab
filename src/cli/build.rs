//! Headless `build` and `plan`: the same engine and reducer as the dashboard, printed
//! like Cargo (or as JSON lines for other tools).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::{BuildArgs, MessageFormat, PlanFormat};
use crate::backend::BackendEvent;
use crate::backend::build_state::last_build::{LastBuild, plain_log};
use crate::backend::build_state::{BuildState, Phase, UnitStatus};
use crate::backend::diagnose::{Diagnosis, diagnose};
use crate::backend::nix::protocol::{BuildFailure, NixEvent, strip_ansi};
use crate::backend::plan::{BuildPlan, UnitId, UnitKind};
use crate::backend::session::{self, BuildRequest, RunError};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// `libnix-tui plan`: the unit DAG as text or JSON.
pub fn run_plan(args: &BuildArgs, format: PlanFormat) -> anyhow::Result<i32> {
    let plan = crate::backend::plan::plan(&args.request().cargo)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match format {
        PlanFormat::Json => serde_json::to_writer_pretty(&mut out, &plan)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        PlanFormat::Text => write_plan_text(&mut out, &plan),
    };
    match written {
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(0),
    }
}

fn unit_title(plan: &BuildPlan, unit: UnitId) -> String {
    let package = plan.package_of(unit);
    let target = &plan.units[unit];
    let kind = match target.kind {
        // A package has several test binaries: name each.
        UnitKind::Test | UnitKind::TestRun => {
            format!("{} {}", target.kind.label(), target.target_name)
        }
        other => other.label().to_string(),
    };
    format!("{} v{} ({kind})", package.name, package.version)
}

fn write_plan_text(out: &mut impl Write, plan: &BuildPlan) -> std::io::Result<()> {
    writeln!(
        out,
        "{} units in {} packages, profile `{}`",
        plan.units.len(),
        plan.package_versions().len(),
        plan.profile_dir
    )?;
    for (id, unit) in plan.units.iter().enumerate() {
        let root = if plan.roots.contains(&id) {
            " [root]"
        } else {
            ""
        };
        writeln!(out, "{id:>4} {}{root}", unit_title(plan, id))?;
        for dep in &unit.deps {
            writeln!(
                out,
                "       -> {:>4} {} as `{}`",
                dep.unit,
                unit_title(plan, dep.unit),
                dep.extern_crate_name
            )?;
        }
    }
    Ok(())
}

/// One whole build (prepare, then realise everything), sending every event.
async fn drive(
    request: BuildRequest,
    events: mpsc::UnboundedSender<BackendEvent>,
    cancel: watch::Receiver<bool>,
) -> Result<bool, RunError> {
    let prepared = session::prepare_or_report(&request, &events).await?;
    session::realise(&request, &prepared, None, &events, cancel).await
}

/// `libnix-tui build`.
pub fn run_build(args: &BuildArgs) -> anyhow::Result<i32> {
    Ok(build_printed(args, args.request(), |_| {})?.0)
}

/// Build `request` printed as `build` prints it, calling `before_summary` with the final
/// state before the summary line; the exit code and that state, for the verbs that go on
/// with the outputs (`run`, `check`, `test`).
pub(super) fn build_printed(
    args: &BuildArgs,
    request: BuildRequest,
    before_summary: impl FnOnce(&BuildState),
) -> anyhow::Result<(i32, BuildState)> {
    let printer = Printer::new(args);
    runtime()?.block_on(async move {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let session = tokio::spawn(drive(request, tx, cancel_rx));
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = cancel_tx.send(true);
            }
        });
        let started = Instant::now();
        let mut state = BuildState::default();
        while let Some(event) = rx.recv().await {
            let changed = state.apply(&event, started.elapsed());
            printer.event(&state, &event, &changed);
        }
        let result = session.await?;
        before_summary(&state);
        printer.summary(&state, started.elapsed());
        if let Some(plan) = &state.plan {
            LastBuild::from_state(plan, &state).save(plan)?;
        }
        let code = match result {
            Ok(true) => 0,
            Ok(false) => 101,
            Err(RunError::Cancelled) => 130,
            Err(error) => {
                // A failure of planning was an event; one after the build (outputs, GC
                // roots) was not.
                if !matches!(state.phase, Phase::Finished { .. }) {
                    eprintln!("error: {error}");
                }
                1
            }
        };
        Ok((code, state))
    })
}

struct Printer {
    format: MessageFormat,
    color: bool,
    /// List cached units one by one (Cargo's `-v` shows its fresh units too).
    verbose: bool,
}

impl Printer {
    fn new(args: &BuildArgs) -> Self {
        Printer {
            format: args.message_format,
            color: std::io::stderr().is_terminal(),
            verbose: args.verbose,
        }
    }

    fn status_line(&self, word: &str, color: u8, rest: &str) {
        if self.color {
            eprintln!("\x1b[1;{color}m{word:>12}\x1b[0m {rest}");
        } else {
            eprintln!("{word:>12} {rest}");
        }
    }

    fn event(&self, state: &BuildState, event: &BackendEvent, changed: &[UnitId]) {
        match event {
            BackendEvent::Error(message) => eprintln!("error: {message}"),
            BackendEvent::Warning(message) => eprintln!("warning: {message}"),
            // Whatever Nix printed outside its JSON log (usage errors, warnings).
            BackendEvent::Nix(NixEvent::Raw(line)) => eprintln!("{line}"),
            // Errors and warnings that no unit's output already shows.
            BackendEvent::Nix(NixEvent::Msg(msg)) if msg.level <= 1 => match msg.build_failure() {
                Some(BuildFailure::DependenciesFailed { .. }) => {}
                Some(failure) if state.unit_for_drv(failure.drv_path()).is_some() => {}
                // A derivation outside the crate graph (a native dependency's own build):
                // no unit shows its log, so show its end, as the reducer kept it.
                Some(failure) => {
                    let other = state
                        .other_failures
                        .iter()
                        .rfind(|other| other.drv_path == failure.drv_path());
                    if let Some(other) = other {
                        eprintln!("{}", other.message);
                        for line in &other.log_tail {
                            eprintln!("  {line}");
                        }
                    }
                }
                None => eprintln!("{}", strip_ansi(&msg.msg)),
            },
            _ => {}
        }
        if let (BackendEvent::AlreadyValid(units), MessageFormat::Human) = (event, self.format)
            && !self.verbose
            && !units.is_empty()
        {
            self.status_line(
                "Cached",
                32,
                &format!(
                    "{} units already in the Nix store (-v lists them)",
                    units.len()
                ),
            );
        }
        if let (BackendEvent::Planned(plan), MessageFormat::Human) = (event, self.format) {
            self.status_line(
                "Planned",
                32,
                &format!(
                    "{} units in {} packages",
                    plan.units.len(),
                    plan.package_versions().len()
                ),
            );
        }
        let Some(plan) = &state.plan else { return };
        for &unit in changed {
            match self.format {
                MessageFormat::Human => self.human_unit(state, plan, unit),
                MessageFormat::Json => json_unit(state, plan, unit),
            }
        }
    }

    fn human_unit(&self, state: &BuildState, plan: &BuildPlan, unit: UnitId) {
        let title = unit_title(plan, unit);
        match &state.units[unit].status {
            UnitStatus::Cached if self.verbose => self.status_line("Cached", 32, &title),
            UnitStatus::Cached => {}
            UnitStatus::Substituting { from } => {
                self.status_line("Substituting", 36, &format!("{title} from {from}"))
            }
            UnitStatus::Substituted { from } => {
                self.status_line("Substituted", 32, &format!("{title} from {from}"))
            }
            UnitStatus::Building { machine, .. } if machine.is_empty() => {
                self.status_line("Compiling", 32, &title)
            }
            UnitStatus::Building { machine, .. } => {
                self.status_line("Compiling", 32, &format!("{title} on {machine}"))
            }
            UnitStatus::Built { took } => self.status_line(
                "Built",
                32,
                &format!("{title} in {:.2}s", took.as_secs_f64()),
            ),
            UnitStatus::Failed { exit_code } => {
                let code = exit_code.map_or(String::new(), |c| format!(" (exit code {c})"));
                if self.color {
                    eprintln!("\x1b[1;31merror\x1b[0m: could not build {title}{code}");
                } else {
                    eprintln!("error: could not build {title}{code}");
                }
                for line in state.units[unit]
                    .log
                    .lines
                    .iter()
                    .filter(|line| self.verbose || !is_builder_noise(line))
                {
                    if self.color {
                        eprintln!("  {line}");
                    } else {
                        eprintln!("  {}", strip_ansi(line));
                    }
                }
                if let Some(error) = &state.units[unit].error {
                    eprintln!("  {error}");
                }
                if let Some(diagnosis) = diagnose_unit(state, plan, unit) {
                    self.print_diagnosis(&diagnosis);
                }
            }
            UnitStatus::Skipped => {
                self.status_line("Skipped", 33, &format!("{title}: a dependency failed"))
            }
            UnitStatus::Interrupted => self.status_line("Interrupted", 33, &title),
            UnitStatus::Planned => {}
        }
    }

    fn print_diagnosis(&self, diagnosis: &Diagnosis) {
        let (bold, reset) = if self.color {
            ("\x1b[1m", "\x1b[0m")
        } else {
            ("", "")
        };
        let report = diagnosis.report(usize::MAX);
        let mut lines = report.lines();
        eprintln!(
            "{bold}diagnosis{reset}: {}",
            lines.next().unwrap_or_default()
        );
        for line in lines {
            eprintln!("  {line}");
        }
        if diagnosis.suggestion.is_some() {
            eprintln!("  `libnix-tui doctor --fix` adds the fix to Cargo.dependencies.nix");
        }
    }

    fn summary(&self, state: &BuildState, elapsed: Duration) {
        let c = state.counters;
        let success = matches!(
            state.phase,
            crate::backend::build_state::Phase::Finished { success: true }
        );
        match self.format {
            MessageFormat::Json => {
                let line = json!({
                    "reason": "build-finished",
                    "success": success,
                    "built": c.built,
                    "cached": c.cached,
                    "substituted": c.substituted,
                    "failed": c.failed,
                    "skipped": c.skipped,
                    "elapsed_ms": elapsed.as_millis() as u64,
                });
                println!("{line}");
            }
            MessageFormat::Human => {
                let profile = state
                    .plan
                    .as_ref()
                    .map_or("debug", |p| p.profile_dir.as_str());
                let counts = format!(
                    "{} built, {} cached, {} substituted, {} failed, {} skipped",
                    c.built, c.cached, c.substituted, c.failed, c.skipped
                );
                let word = if success { "Finished" } else { "Failed" };
                self.status_line(
                    word,
                    if success { 32 } else { 31 },
                    &format!(
                        "`{profile}` profile in {:.2}s: {counts}",
                        elapsed.as_secs_f64()
                    ),
                );
                if success && let Some(plan) = &state.plan {
                    let dir = crate::backend::layout::Layout::of(plan).out_dir(&plan.profile_dir);
                    self.status_line("Output", 32, &dir.display().to_string());
                }
            }
        }
    }
}

/// Log lines that say how a unit was built rather than why it failed: the builder's
/// rustc command line and build scripts' rerun hints (shown with -v).
pub(super) fn is_builder_noise(line: &str) -> bool {
    line.starts_with("Running rustc ")
        || line.starts_with("cargo:rerun-if-")
        || line.starts_with("cargo::rerun-if-")
}

fn diagnose_unit(state: &BuildState, plan: &BuildPlan, unit: UnitId) -> Option<Diagnosis> {
    diagnose(&plan.package_of(unit).name, &plain_log(state, unit))
}

fn json_unit(state: &BuildState, plan: &BuildPlan, unit: UnitId) {
    let package = plan.package_of(unit);
    let target = &plan.units[unit];
    let (status, extra) = match &state.units[unit].status {
        UnitStatus::Built { took } => ("built", json!({ "duration_ms": took.as_millis() as u64 })),
        UnitStatus::Cached => ("cached", json!({})),
        UnitStatus::Substituted { from } => ("substituted", json!({ "from": from })),
        UnitStatus::Failed { exit_code } => (
            "failed",
            json!({
                "exit_code": exit_code,
                "log": state.units[unit].log.lines,
                "diagnosis": diagnose_unit(state, plan, unit).map(|d| d.to_json()),
            }),
        ),
        UnitStatus::Skipped => ("skipped", json!({ "skip_reason": "dependency failed" })),
        UnitStatus::Interrupted => ("skipped", json!({ "skip_reason": "interrupted" })),
        UnitStatus::Building { .. } => ("started", json!({})),
        UnitStatus::Substituting { .. } | UnitStatus::Planned => return,
    };
    let mut line = json!({
        "reason": if status == "started" { "unit-started" } else { "unit-finished" },
        "package": package.name,
        "version": package.version,
        "target_kind": target.kind,
        "target_name": target.target_name,
        "drv_path": state.units[unit].drv_path,
    });
    if status != "started" {
        line["status"] = json!(status);
    }
    if let (Some(map), Some(extra)) = (line.as_object_mut(), extra.as_object()) {
        map.extend(extra.clone());
    }
    println!("{line}");
}
