//! Headless `build` and `plan`: the same engine and reducer as the dashboard, printed
//! like Cargo (or as JSON lines for other tools).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::{BuildArgs, MessageFormat, PlanFormat};
use crate::backend::BackendEvent;
use crate::backend::build_state::last_build::{self, LastBuild, plain_log};
use crate::backend::build_state::{BuildState, Phase, UnitStatus};
use crate::backend::diagnose::{Diagnosis, diagnose};
use crate::backend::insight::timings::{Timeline, queued_at};
use crate::backend::insight::timings_html;
use crate::backend::nix::protocol::{NixEvent, strip_ansi};
use crate::backend::plan::{BuildPlan, UnitId, UnitKind};
use crate::backend::session::project::Project;
use crate::backend::session::{self, BuildRequest, RunError};
use crate::backend::signals;

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// `libnix-tui plan`: the unit DAG as text or JSON.
pub fn run_plan(args: &BuildArgs, format: PlanFormat) -> anyhow::Result<i32> {
    let plan = crate::backend::session::project::plan(&args.request().cargo)?;
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

/// `libnix-tui build`; with `timings`, also the timings page and the critical path.
pub fn run_build(args: &BuildArgs, timings: bool) -> anyhow::Result<i32> {
    Ok(build_printed(args, args.request(), timings, |_| {})?.0)
}

/// Build `request` printed as `build` prints it (with `timings`, also the timings page and
/// the critical path), calling `before_summary` with the final state before the summary
/// line; the exit code and that state, for the verbs that go on with the outputs (`run`,
/// `check`, `test`).
pub(super) fn build_printed(
    args: &BuildArgs,
    request: BuildRequest,
    timings: bool,
    before_summary: impl FnOnce(&BuildState),
) -> anyhow::Result<(i32, BuildState)> {
    let printer = Printer::new(args);
    runtime()?.block_on(async move {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let session = tokio::spawn(drive(request, tx, cancel_rx));
        let ended_by = tokio::spawn(async move {
            let signal = signals::ending().await;
            let _ = cancel_tx.send(true);
            signal
        });
        let started = Instant::now();
        let mut state = BuildState::default();
        while let Some(event) = rx.recv().await {
            let changed = state.apply(&event, started.elapsed());
            printer.event(&state, &event, &changed);
        }
        let result = session.await?;
        let elapsed = started.elapsed();
        let timeline =
            (state.plan.as_ref()).and_then(|plan| Timeline::from_state(plan, &state, elapsed));
        before_summary(&state);
        printer.summary(&state, elapsed, timeline.as_ref());
        if let Some(plan) = &state.plan {
            LastBuild::from_state(plan, &state).save(plan)?;
            if let (true, Some(timeline)) = (timings, &timeline) {
                printer.timings(timeline, plan)?;
            }
        }
        let code = match result {
            Ok(true) => 0,
            Ok(false) => 101,
            // As a shell reports a process that a signal ended.
            Err(RunError::Cancelled) if ended_by.is_finished() => {
                128 + ended_by.await.unwrap_or(libc::SIGINT)
            }
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

/// `libnix-tui timings`: the page and the critical path of the last recorded build.
pub fn run_timings(args: &BuildArgs) -> anyhow::Result<i32> {
    let project = Project::locate(&args.request())?;
    let record = last_build::path(&project.target_dir);
    if !record.is_file() {
        eprintln!(
            "timings: no build recorded in {} yet: run `libnix-tui build` first",
            record.display()
        );
        return Ok(1);
    }
    let last = LastBuild::load(&record)?;
    let Some(timeline) = &last.timings else {
        eprintln!(
            "timings: {} has no timings: it was written before a build started, or by an \
             older libnix-tui; build again",
            record.display()
        );
        return Ok(1);
    };
    let page = timings_html::write(
        timeline,
        &project.target_dir,
        &page_title(&last.workspace_root),
    )?;
    eprintln!("{}", timeline.summary());
    eprintln!("timings written to {}", page.display());
    Ok(0)
}

fn page_title(workspace_root: &std::path::Path) -> String {
    workspace_root.file_name().map_or_else(
        || workspace_root.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
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

    fn built(&self, title: &str, took: Duration) {
        self.status_line(
            "Built",
            32,
            &format!("{title} in {:.2}s", took.as_secs_f64()),
        );
    }

    fn could_not_build(&self, title: &str, exit_code: Option<i32>) {
        let code = exit_code.map_or(String::new(), |c| format!(" (exit code {c})"));
        if self.color {
            eprintln!("\x1b[1;31merror\x1b[0m: could not build {title}{code}");
        } else {
            eprintln!("error: could not build {title}{code}");
        }
    }

    fn event(&self, state: &BuildState, event: &BackendEvent, changed: &[UnitId]) {
        match event {
            BackendEvent::Error(message) => eprintln!("error: {message}"),
            BackendEvent::Warning(message) => eprintln!("warning: {message}"),
            // Whatever Nix printed outside its JSON log (usage errors, warnings).
            BackendEvent::Nix(NixEvent::Raw(line)) => eprintln!("{line}"),
            // Errors and warnings that no unit's output already shows.
            // Failures are shown with their unit or derivation.
            BackendEvent::Nix(NixEvent::Msg(msg))
                if msg.level <= 1 && msg.build_failure().is_none() =>
            {
                eprintln!("{}", strip_ansi(&msg.msg))
            }
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
        for &other in &state.others_changed {
            match self.format {
                MessageFormat::Human => self.human_other(state, other),
                MessageFormat::Json => json_other(state, other),
            }
        }
        let Some(plan) = &state.plan else { return };
        for &unit in changed {
            match self.format {
                MessageFormat::Human => self.human_unit(state, plan, unit),
                MessageFormat::Json => {
                    if let Some(message) = unit_message(state, plan, unit) {
                        println!("{message}");
                    }
                }
            }
        }
    }

    /// A derivation outside the crate graph: the toolchain, a native dependency, a source.
    fn human_other(&self, state: &BuildState, index: usize) {
        let other = &state.others[index];
        let title = format!("{} ({})", other.name, other.kind.label());
        match &other.status {
            UnitStatus::Substituting { from } => {
                self.status_line("Fetching", 36, &format!("{title} from {from}"))
            }
            UnitStatus::Substituted { from } => {
                let size = other.bytes.map_or(String::new(), |(_, total)| {
                    format!(", {}", megabytes(total))
                });
                self.status_line("Fetched", 32, &format!("{title} from {from}{size}"))
            }
            UnitStatus::Building { .. } => self.status_line("Building", 32, &title),
            UnitStatus::Built { took } => self.built(&title, *took),
            UnitStatus::Failed { exit_code } => {
                self.could_not_build(&title, *exit_code);
                // Nobody followed its log: show its end, as the reducer kept it.
                if let Some(failure) = other_failure(state, index) {
                    for line in &failure.log_tail {
                        eprintln!("  {line}");
                    }
                    eprintln!("  {}", failure.message);
                    if let Some(command) = failure.install_command() {
                        eprintln!("  the host lacks it; install it with: {command}");
                    }
                }
            }
            UnitStatus::Interrupted => self.status_line("Interrupted", 33, &title),
            UnitStatus::Planned | UnitStatus::Cached | UnitStatus::Skipped => {}
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
            UnitStatus::Built { took } => self.built(&title, *took),
            UnitStatus::Failed { exit_code } => {
                self.could_not_build(&title, *exit_code);
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

    /// Writes the timings page of a build that just ended and prints its critical path.
    fn timings(&self, timeline: &Timeline, plan: &BuildPlan) -> anyhow::Result<()> {
        let title = format!(
            "{} ({})",
            page_title(&plan.workspace_root),
            plan.profile_dir
        );
        let page = timings_html::write(timeline, &plan.target_dir, &title)?;
        eprintln!("{}", timeline.summary());
        self.status_line("Timings", 32, &page.display().to_string());
        Ok(())
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

    fn summary(&self, state: &BuildState, elapsed: Duration, timeline: Option<&Timeline>) {
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
                    "units": state.units.len(),
                    "built": c.built,
                    "cached": c.cached,
                    "substituted": c.substituted,
                    "failed": c.failed,
                    "skipped": c.skipped,
                    "interrupted": c.interrupted,
                    "derivations": other_counts(state),
                    "elapsed_ms": elapsed.as_millis() as u64,
                    "critical_path": timeline.map(critical_path_json),
                });
                println!("{line}");
            }
            MessageFormat::Human => {
                let profile = state
                    .plan
                    .as_ref()
                    .map_or("debug", |p| p.profile_dir.as_str());
                let mut counts = format!(
                    "{} built, {} cached, {} substituted, {} failed, {} skipped",
                    c.built, c.cached, c.substituted, c.failed, c.skipped
                );
                if c.interrupted > 0 {
                    counts.push_str(&format!(", {} interrupted", c.interrupted));
                }
                let others = other_counts(state);
                let others: Vec<String> = others
                    .iter()
                    .filter(|(_, count)| **count > 0)
                    .map(|(status, count)| format!("{count} {status}"))
                    .collect();
                if !others.is_empty() {
                    counts.push_str(&format!("; outside the crate graph: {}", others.join(", ")));
                }
                // A failure outside the crate graph leaves every unit skipped: say it first.
                let failed_others: Vec<String> = state
                    .others
                    .iter()
                    .filter(|other| matches!(other.status, UnitStatus::Failed { .. }))
                    .map(|other| format!("{} ({}) failed", other.name, other.kind.label()))
                    .collect();
                if c.failed == 0 && !failed_others.is_empty() {
                    counts = format!("{}; {counts}", failed_others.join(", "));
                }
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

/// How many derivations that are not units ended in each state.
fn other_counts(state: &BuildState) -> std::collections::BTreeMap<&'static str, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for other in &state.others {
        if let Some(status) = finished_status(&other.status) {
            *counts.entry(status).or_insert(0) += 1;
        }
    }
    counts
}

/// The word JSON and the summary use for a final status; `None` while still running.
fn finished_status(status: &UnitStatus) -> Option<&'static str> {
    Some(match status {
        UnitStatus::Built { .. } => "built",
        UnitStatus::Cached => "cached",
        UnitStatus::Substituted { .. } => "substituted",
        UnitStatus::Failed { .. } => "failed",
        UnitStatus::Skipped => "skipped",
        UnitStatus::Interrupted => "interrupted",
        UnitStatus::Planned | UnitStatus::Building { .. } | UnitStatus::Substituting { .. } => {
            return None;
        }
    })
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn other_failure(
    state: &BuildState,
    index: usize,
) -> Option<&crate::backend::build_state::last_build::OtherFailure> {
    let path = &state.others[index].path;
    state.other_failures.iter().rfind(|f| &f.drv_path == path)
}

/// `derivation-started` and `derivation-finished` for a derivation that is not a unit.
fn json_other(state: &BuildState, index: usize) {
    let other = &state.others[index];
    let mut line = json!({
        "kind": other.kind.label(),
        "name": other.name,
        "path": other.path,
    });
    match finished_status(&other.status) {
        Some(status) => {
            line["reason"] = json!("derivation-finished");
            line["status"] = json!(status);
        }
        None => line["reason"] = json!("derivation-started"),
    }
    match &other.status {
        UnitStatus::Substituting { from } | UnitStatus::Substituted { from } => {
            line["from"] = json!(from);
        }
        UnitStatus::Built { took } => line["duration_ms"] = json!(took.as_millis() as u64),
        UnitStatus::Failed { exit_code } => {
            line["exit_code"] = json!(exit_code);
            if let Some(failure) = other_failure(state, index) {
                line["message"] = json!(failure.message);
                line["log"] = json!(failure.log_tail);
                line["missing_debian_packages"] = json!(failure.missing_debian_packages());
            }
        }
        _ => {}
    }
    if let Some((done, expected)) = other.bytes {
        line["bytes_done"] = json!(done);
        line["bytes_expected"] = json!(expected);
    }
    println!("{line}");
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

/// The critical path for JSON readers: its length and units in seconds, last unit first.
fn critical_path_json(timeline: &Timeline) -> serde_json::Value {
    let units: Vec<serde_json::Value> = timeline
        .critical_path
        .iter()
        .map(|&unit| {
            let timing = &timeline.units[unit];
            json!({
                "package": timing.package,
                "version": timing.version,
                "target_kind": timing.kind,
                "duration": timing.duration(timeline.total),
            })
        })
        .collect();
    json!({
        "duration": timeline.critical_path_seconds(),
        "total": timeline.total,
        "units": units,
    })
}

/// When a unit that ran was queued (its last dependency ended), started and finished, in
/// seconds since the build started, and its duration.
fn json_times(state: &BuildState, plan: &BuildPlan, id: UnitId) -> serde_json::Value {
    let (Some(build_started), Some(queued)) = (state.build_started, queued_at(plan, state, id))
    else {
        return json!({});
    };
    let since_start = |at: Duration| at.saturating_sub(build_started).as_secs_f64();
    let unit = &state.units[id];
    let mut times = json!({});
    if let Some(started) = unit.started_at {
        times["queued_at"] = json!(since_start(queued));
        times["started_at"] = json!(since_start(started));
        if let Some(finished) = unit.finished_at {
            times["finished_at"] = json!(since_start(finished));
            times["duration"] = json!(finished.saturating_sub(started).as_secs_f64());
        }
    }
    times
}

/// The JSON line for a unit that started or finished; none while it is planned or fetched.
fn unit_message(state: &BuildState, plan: &BuildPlan, unit: UnitId) -> Option<serde_json::Value> {
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
        UnitStatus::Interrupted => ("interrupted", json!({})),
        UnitStatus::Building { machine, .. } if machine.is_empty() => ("started", json!({})),
        UnitStatus::Building { machine, .. } => ("started", json!({ "machine": machine })),
        UnitStatus::Substituting { .. } | UnitStatus::Planned => return None,
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
    if let Some(map) = line.as_object_mut() {
        for extra in [extra, json_times(state, plan, unit)] {
            if let serde_json::Value::Object(extra) = extra {
                map.extend(extra);
            }
        }
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::unit_message;
    use crate::backend::build_state::tests::{build_start, synthetic};

    #[test]
    fn a_unit_started_on_a_remote_builder_names_the_machine() {
        let lines = [
            build_start(2, "remote", "ssh://builder"),
            build_start(3, "local", ""),
        ];
        let (state, _) = synthetic(&[("remote", &[]), ("local", &[])], &lines);
        let plan = state.plan.clone().expect("the plan");
        let remote = unit_message(&state, &plan, 0).expect("a started unit");
        assert_eq!(remote["reason"], "unit-started");
        assert_eq!(remote["machine"], "ssh://builder");
        let local = unit_message(&state, &plan, 1).expect("a started unit");
        assert!(local.get("machine").is_none(), "{local}");
    }
}
