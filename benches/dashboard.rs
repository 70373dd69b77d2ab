//! The dashboard under a flood: a synthetic build of 2,000 units logging 1,000,000 lines goes
//! through the `@nix` parser, the app's `update` (and so the build reducer) and, one frame
//! per [`EVENTS_PER_FRAME`] events, the views on a 120x40 `TestBackend`. Prints events per
//! second, frame times and peak memory.
//!
//! `cargo bench --bench dashboard` runs the full stream. Without `--bench` (as
//! `cargo test --all-targets` runs bench targets) a small stream checks that it still works.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use libnix_tui::app::{Action, AppState, update};
use libnix_tui::backend::build_state::LOG_LINES_KEPT_IN_TOTAL;
use libnix_tui::backend::nix::protocol::parse_line;
use libnix_tui::backend::plan::{
    BuildPlan, Package, PackageSource, Profile, Unit, UnitDep, UnitId, UnitKind,
};
use libnix_tui::backend::{BackendEvent, UnitPaths};
use libnix_tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;

const SCREEN: Size = Size::new(120, 40);
/// A frame is drawn after this many events: what the run loop's 30 fps cap draws while Nix
/// sends 30,000 lines a second, a very busy build. (Drawing is timed apart from updating.)
const EVENTS_PER_FRAME: u64 = 1_000;
/// Lines are parsed and applied in batches this big between looks at the clock.
const BATCH: usize = 256;
/// Builds running at once, their log lines interleaved as Nix interleaves them.
const JOBS: usize = 4;
/// Units whose build fails (each with nothing depending on it but the root).
const FAILING: usize = 5;
/// Units that log far more than the others (a crate with thousands of warnings).
const CHATTY: usize = 20;

/// How big a stream to feed.
struct StreamSize {
    units: usize,
    log_lines: usize,
}

const FULL: StreamSize = StreamSize {
    units: 2_000,
    log_lines: 1_000_000,
};
const SMOKE: StreamSize = StreamSize {
    units: 200,
    log_lines: 20_000,
};

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let size = if full { FULL } else { SMOKE };
    let memory_before = peak_memory_kib();
    let plan = Arc::new(synthetic_plan(size.units));
    let stream = Stream::new(&plan, size.log_lines);
    let cached = stream.cached;
    let report = feed(&plan, stream);
    let memory_after = peak_memory_kib();

    println!(
        "dashboard: {} units, {} log lines, {} events ({} parsed @nix lines)",
        size.units, size.log_lines, report.events, report.nix_lines
    );
    println!(
        "  throughput  {:.0} events/s ({:.2} s parsing and updating)",
        report.events as f64 / report.update_time.as_secs_f64(),
        report.update_time.as_secs_f64()
    );
    println!(
        "  frames      {} drawn at {}x{}: mean {:.2} ms, max {:.2} ms",
        report.frame_times.len(),
        SCREEN.width,
        SCREEN.height,
        mean(&report.frame_times).as_secs_f64() * 1e3,
        report
            .frame_times
            .iter()
            .max()
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3,
    );
    println!(
        "  memory      peak {:.1} MiB (VmHWM; {:.1} MiB before the stream), {} log lines kept",
        mib(memory_after),
        mib(memory_before),
        report.lines_kept
    );
    report.check(&size, cached);
}

fn mib(kib: Option<u64>) -> f64 {
    kib.map_or(f64::NAN, |kib| kib as f64 / 1024.0)
}

fn mean(times: &[Duration]) -> Duration {
    let count = u32::try_from(times.len()).unwrap_or(u32::MAX).max(1);
    times.iter().sum::<Duration>() / count
}

/// The process's peak resident set size, from `/proc/self/status`.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Report {
    events: u64,
    nix_lines: u64,
    update_time: Duration,
    frame_times: Vec<Duration>,
    lines_kept: usize,
    state: AppState,
    screen: String,
}

impl Report {
    /// The stream was understood: every unit ended as the stream says, and the screen shows
    /// it. (This is what makes the bench's figures mean something.)
    fn check(&self, size: &StreamSize, cached: usize) {
        let counters = self.state.build.counters;
        assert_eq!(counters.cached, cached, "{counters:?}");
        assert_eq!(counters.failed, FAILING, "{counters:?}");
        assert_eq!(counters.skipped, 1, "the root: {counters:?}");
        assert_eq!(
            counters.built,
            size.units - cached - FAILING - 1,
            "{counters:?}"
        );
        assert_eq!(self.state.diagnoses.len(), FAILING);
        assert!(self.screen.contains("Failed"), "{}", self.screen);
        let logged: u64 = self.state.build.units.iter().map(|u| u.log.total).sum();
        assert_eq!(logged, size.log_lines as u64, "every line reached its unit");
        assert!(self.lines_kept <= LOG_LINES_KEPT_IN_TOTAL);
    }
}

/// Feeds the whole stream through the app, drawing a frame every [`EVENTS_PER_FRAME`] events.
fn feed(plan: &Arc<BuildPlan>, mut stream: Stream) -> Report {
    let mut terminal = Terminal::new(TestBackend::new(SCREEN.width, SCREEN.height))
        .unwrap_or_else(|e| panic!("test terminal: {e}"));
    let mut state = AppState::new(SCREEN);
    let mut events = 0;
    let mut nix_lines = 0;
    let mut update_time = Duration::ZERO;
    let mut frame_times = Vec::new();
    // The loop's clock: time spent updating and drawing, not generating the stream.
    let mut clock = Duration::ZERO;
    let mut next_frame = EVENTS_PER_FRAME;
    let mut batch: Vec<Event> = Vec::with_capacity(BATCH);
    let mut selected = false;
    loop {
        batch.clear();
        stream.fill(&mut batch, BATCH);
        if batch.is_empty() {
            break;
        }
        let started = Instant::now();
        for event in batch.drain(..) {
            let event = match event {
                Event::Backend(event) => event,
                Event::Nix(line) => {
                    nix_lines += 1;
                    BackendEvent::Nix(parse_line(&line))
                }
            };
            update(&mut state, Action::Backend(event));
            events += 1;
        }
        let took = started.elapsed();
        update_time += took;
        clock += took;
        state.now = clock;
        if !selected && state.plan().is_some() {
            // Watch the chattiest unit's log scroll by, as a user would.
            select(&mut state, plan, stream.chatty[0]);
            selected = true;
        }
        if events >= next_frame {
            next_frame += EVENTS_PER_FRAME;
            let started = Instant::now();
            update(&mut state, Action::Tick(clock));
            draw(&mut terminal, &state);
            let took = started.elapsed();
            frame_times.push(took);
            clock += took;
        }
    }
    draw(&mut terminal, &state);
    let lines_kept = state.build.units.iter().map(|u| u.log.lines.len()).sum();
    Report {
        events,
        nix_lines,
        update_time,
        frame_times,
        lines_kept,
        screen: terminal.backend().to_string(),
        state,
    }
}

fn draw(terminal: &mut Terminal<TestBackend>, state: &AppState) {
    terminal
        .draw(|frame| views::render(frame, state))
        .unwrap_or_else(|e| panic!("draw: {e}"));
}

fn select(state: &mut AppState, plan: &BuildPlan, unit: UnitId) {
    let root = plan.roots[0];
    let height = usize::from(SCREEN.height);
    state.tree.reveal(plan, vec![root, unit], height);
}

// ---------------------------------------------------------------------------------------
// The synthetic plan: crates-io-like libraries, some with build scripts, under one binary.

fn package(index: usize, root: bool) -> Package {
    let name = if root {
        "app".to_owned()
    } else {
        format!("crate-{index:04}")
    };
    let version = format!("1.{}.{}", index % 7, index % 13);
    let id = format!("registry+https://github.com/rust-lang/crates.io-index#{name}@{version}");
    Package {
        id,
        manifest_dir: PathBuf::from(format!("/src/{name}-{version}")),
        source: if root {
            PackageSource::Path
        } else {
            PackageSource::Registry {
                checksum: format!("{index:064x}"),
                crate_file: PathBuf::from(format!("{name}-{version}.crate")),
            }
        },
        links: None,
        is_member: root,
        declared_features: Vec::new(),
        metadata_env: BTreeMap::new(),
        name,
        version,
    }
}

fn unit(package: &Package, kind: UnitKind, deps: Vec<UnitId>) -> Unit {
    Unit {
        key: format!(
            "{}-{}-{}",
            package.name,
            package.version,
            kind.label().replace(' ', "-")
        ),
        metadata_hash: String::new(),
        package: package.id.clone(),
        kind,
        target_name: match kind {
            UnitKind::BuildScript | UnitKind::BuildScriptRun => "build-script-build".into(),
            _ => package.name.replace('-', "_"),
        },
        crate_types: vec!["lib".into()],
        edition: "2021".into(),
        src_path: PathBuf::from("src/lib.rs"),
        features: vec!["default".into(), "std".into()],
        profile: Profile::dev(),
        deps: deps
            .into_iter()
            .map(|unit| UnitDep {
                unit,
                extern_crate_name: format!("dep{unit}"),
            })
            .collect(),
    }
}

/// `units` units in dependency order (every dependency comes first); the last is the root
/// binary, depending on the last 40 libraries.
fn synthetic_plan(units: usize) -> BuildPlan {
    let mut packages = BTreeMap::new();
    let mut plan_units: Vec<Unit> = Vec::with_capacity(units);
    let mut libs: Vec<UnitId> = Vec::new();
    let mut index = 0;
    while plan_units.len() + 1 < units {
        let package = package(index, false);
        let mut deps: Vec<UnitId> = [7, 13, 31]
            .iter()
            .filter_map(|step| libs.get((index * step + 1) % libs.len().max(1)).copied())
            .collect();
        deps.sort_unstable();
        deps.dedup();
        let room = units - 1 - plan_units.len();
        if index % 8 == 3 && room >= 3 {
            let script = plan_units.len();
            plan_units.push(unit(&package, UnitKind::BuildScript, Vec::new()));
            plan_units.push(unit(&package, UnitKind::BuildScriptRun, vec![script]));
            deps.push(script + 1);
        }
        libs.push(plan_units.len());
        plan_units.push(unit(&package, UnitKind::Lib, deps));
        packages.insert(package.id.clone(), package);
        index += 1;
    }
    let root = package(index, true);
    let root_deps = libs.iter().rev().take(40).copied().collect();
    plan_units.push(unit(&root, UnitKind::Bin, root_deps));
    packages.insert(root.id.clone(), root);
    BuildPlan {
        workspace_root: PathBuf::from("/src/app"),
        target_dir: PathBuf::from("/src/app/target"),
        profile_dir: "debug".into(),
        rustc_version: "rustc 1.95.0".into(),
        host_triple: "x86_64-unknown-linux-gnu".into(),
        packages,
        roots: vec![plan_units.len() - 1],
        units: plan_units,
        ..BuildPlan::default()
    }
}

// ---------------------------------------------------------------------------------------
// The stream: what the engine sends for a `--keep-going` build of that plan, generated as
// it is consumed so that the bench's own memory stays out of the figures.

enum Event {
    Backend(BackendEvent),
    /// A `--log-format internal-json` line, to be parsed.
    Nix(String),
}

fn drv_path(plan: &BuildPlan, unit: UnitId) -> String {
    format!(
        "/nix/store/{:032x}-{}.drv",
        (unit as u128 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) >> 1,
        plan.units[unit].key
    )
}

fn out_path(plan: &BuildPlan, unit: UnitId) -> String {
    format!(
        "/nix/store/{:032x}-{}",
        (unit as u128 + 1).wrapping_mul(0xc2b2_ae3d_27d4_eb4f_1656_67b1_9e37_79f9) >> 1,
        plan.units[unit].key
    )
}

/// A build running in the stream: its activity id and the log lines it has left.
struct Job {
    unit: UnitId,
    activity: u64,
    lines_left: usize,
}

struct Stream {
    plan: Arc<BuildPlan>,
    /// Engine events before the Nix output.
    prelude: Vec<BackendEvent>,
    /// Units still to start, dependencies first.
    queue: std::collections::VecDeque<UnitId>,
    jobs: Vec<Job>,
    next_job: usize,
    next_activity: u64,
    /// Lines each unit logs.
    lines_per_unit: Vec<usize>,
    failing: Vec<UnitId>,
    chatty: Vec<UnitId>,
    /// Units already valid before the build.
    cached: usize,
    /// Nix's build counter: done, expected, running, failed.
    done: u64,
    expected: u64,
    failed: u64,
    line_number: usize,
    finished: bool,
}

/// The `builds` activity: Nix's counter of builds.
const BUILDS_ACTIVITY: u64 = 1;

impl Stream {
    fn new(plan: &Arc<BuildPlan>, log_lines: usize) -> Stream {
        let units = plan.units.len();
        let root = plan.roots[0];
        let cached: Vec<UnitId> = (0..units)
            .filter(|unit| unit % 5 == 0 && *unit != root)
            .collect();
        let to_build: Vec<UnitId> = (0..units)
            .filter(|unit| unit % 5 != 0 && *unit != root)
            .collect();
        let depended_on: Vec<bool> = {
            let mut depended_on = vec![false; units];
            for (unit, planned) in plan.units.iter().enumerate() {
                if unit != root {
                    for dep in &planned.deps {
                        depended_on[dep.unit] = true;
                    }
                }
            }
            depended_on
        };
        // Failures nothing but the root depends on, so Nix would still build all the rest.
        let failing: Vec<UnitId> = to_build
            .iter()
            .rev()
            .copied()
            .filter(|&unit| !depended_on[unit])
            .take(FAILING)
            .collect();
        let chatty: Vec<UnitId> = to_build
            .iter()
            .copied()
            .filter(|unit| {
                !failing.contains(unit) && plan.units[root].deps.iter().any(|d| d.unit == *unit)
            })
            .take(CHATTY)
            .collect();
        assert_eq!(failing.len(), FAILING, "the plan has too few leaves");
        assert_eq!(chatty.len(), CHATTY, "the root has too few dependencies");
        // Half the lines go to the chatty units, the rest evenly to every build.
        let mut lines_per_unit = vec![0; units];
        let even = log_lines / 2 / to_build.len();
        for &unit in &to_build {
            lines_per_unit[unit] = even;
        }
        let chatty_share = (log_lines - even * to_build.len()) / CHATTY;
        for &unit in &chatty {
            lines_per_unit[unit] += chatty_share;
        }
        let assigned: usize = lines_per_unit.iter().sum();
        lines_per_unit[chatty[0]] += log_lines - assigned;

        let paths = (0..units)
            .map(|unit| UnitPaths {
                unit,
                drv_path: drv_path(plan, unit),
                out_path: out_path(plan, unit),
            })
            .collect();
        Stream {
            plan: plan.clone(),
            cached: cached.len(),
            prelude: vec![
                BackendEvent::PlanningStarted,
                BackendEvent::Planned(plan.clone()),
                BackendEvent::EvaluationStarted,
                BackendEvent::Instantiated(paths),
                BackendEvent::AlreadyValid(cached),
                BackendEvent::BuildStarted,
            ],
            expected: to_build.len() as u64,
            queue: to_build.into(),
            jobs: Vec::new(),
            next_job: 0,
            next_activity: BUILDS_ACTIVITY + 1,
            lines_per_unit,
            failing,
            chatty,
            done: 0,
            failed: 0,
            line_number: 0,
            finished: false,
        }
    }

    /// Appends up to `count` events; none when the stream has ended.
    fn fill(&mut self, batch: &mut Vec<Event>, count: usize) {
        if !self.prelude.is_empty() {
            batch.extend(self.prelude.drain(..).map(Event::Backend));
            batch.push(Event::Nix(format!(
                r#"@nix {{"action":"start","id":{BUILDS_ACTIVITY},"level":0,"parent":0,"text":"","type":104}}"#
            )));
        }
        while batch.len() < count && !self.finished {
            self.step(batch);
        }
    }

    /// One step of the build: a job starts, logs a line, or ends; or the build ends.
    fn step(&mut self, batch: &mut Vec<Event>) {
        if self.jobs.len() < JOBS
            && let Some(unit) = self.queue.pop_front()
        {
            let activity = self.next_activity;
            self.next_activity += 1;
            let drv = drv_path(&self.plan, unit);
            batch.push(Event::Nix(format!(
                r#"@nix {{"action":"start","fields":["{drv}","",1,1],"id":{activity},"level":3,"parent":0,"text":"building '{drv}'","type":105}}"#
            )));
            self.jobs.push(Job {
                unit,
                activity,
                lines_left: self.lines_per_unit[unit],
            });
            batch.push(self.progress());
            return;
        }
        if self.jobs.is_empty() {
            self.finish(batch);
            return;
        }
        self.next_job = (self.next_job + 1) % self.jobs.len();
        let job = &mut self.jobs[self.next_job];
        if job.lines_left > 0 {
            job.lines_left -= 1;
            let (unit, activity) = (job.unit, job.activity);
            self.line_number += 1;
            let text = match OPENSSL_FAILURE.get(job.lines_left) {
                Some(line) if self.failing.contains(&unit) => (*line).to_owned(),
                _ => log_line(&self.plan, unit, self.line_number),
            };
            let text = serde_json::to_string(&text).unwrap_or_default();
            batch.push(Event::Nix(format!(
                r#"@nix {{"action":"result","fields":[{text}],"id":{activity},"type":101}}"#
            )));
            return;
        }
        let job = self.jobs.swap_remove(self.next_job);
        if self.failing.contains(&job.unit) {
            self.failed += 1;
            batch.push(self.progress());
            let drv = drv_path(&self.plan, job.unit);
            batch.push(Event::Nix(format!(
                r#"@nix {{"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m builder for '\u001b[35;1m{drv}\u001b[0m' failed with exit code 101"}}"#
            )));
        } else {
            self.done += 1;
            batch.push(self.progress());
        }
        batch.push(Event::Nix(format!(
            r#"@nix {{"action":"stop","id":{}}}"#,
            job.activity
        )));
    }

    fn progress(&self) -> Event {
        let running = self.jobs.len();
        let expected = self.expected - self.done - self.failed;
        Event::Nix(format!(
            r#"@nix {{"action":"result","fields":[{},{expected},{running},{}],"id":{BUILDS_ACTIVITY},"type":105}}"#,
            self.done, self.failed
        ))
    }

    fn finish(&mut self, batch: &mut Vec<Event>) {
        let root = drv_path(&self.plan, self.plan.roots[0]);
        batch.push(Event::Nix(format!(
            r#"@nix {{"action":"msg","level":0,"msg":"error: {FAILING} dependencies of derivation '{root}' failed to build"}}"#
        )));
        batch.push(Event::Nix(format!(
            r#"@nix {{"action":"stop","id":{BUILDS_ACTIVITY}}}"#
        )));
        batch.push(Event::Backend(BackendEvent::Finished {
            success: false,
            exit_code: Some(1),
        }));
        self.finished = true;
    }
}

/// The last lines of a failing unit's log, last first: what openssl-sys prints without
/// OpenSSL, so every failure gets a diagnosis as in a real build.
const OPENSSL_FAILURE: &[&str] = &[
    "error: failed to run custom build command for `openssl-sys v0.9.109` (exit status: 101)",
    "  Could not find openssl via pkg-config: The pkg-config command could not be found.",
    "Could not find directory of OpenSSL installation, and this `-sys` crate cannot",
];

/// A line such as rustc, Cargo or a build script prints; some coloured.
fn log_line(plan: &BuildPlan, unit: UnitId, number: usize) -> String {
    let name = &plan.units[unit].target_name;
    let line = 10 + number % 400;
    match number % 8 {
        0 => format!(
            "\u{1b}[1m\u{1b}[92m   Compiling\u{1b}[0m {name} v1.0.{}",
            number % 50
        ),
        1 => format!(
            "\u{1b}[1m\u{1b}[33mwarning\u{1b}[0m\u{1b}[1m: unused variable: `value_{number}`\u{1b}[0m"
        ),
        2 => format!(
            "  \u{1b}[1m\u{1b}[94m-->\u{1b}[0m src/module_{}.rs:{line}:9",
            number % 17
        ),
        3 => "   |".to_owned(),
        4 => format!("{line} |     let value_{number} = compute(input, {number});"),
        5 => "    = note: `#[warn(unused_variables)]` on by default".to_owned(),
        6 => format!("cargo:rerun-if-env-changed={}_LIB_DIR", name.to_uppercase()),
        _ => format!("running phase: buildPhase ({name}, step {number})"),
    }
}
