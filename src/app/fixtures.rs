//! A small, realistic build plan and build states for tests: a binary using serde (derive)
//! and openssl-sys, with shared dependencies and build scripts.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ratatui::layout::Size;

use crate::backend::build_state::{BuildState, Counters, LogBuffer, Phase, UnitStatus};
use crate::backend::nix::protocol::parse_line;
use crate::backend::plan::{
    BuildPlan, Package, PackageSource, Profile, Unit, UnitDep, UnitId, UnitKind,
};
use crate::backend::{BackendEvent, UnitPaths};

use super::state::{AppState, TestCounts, TestOutcome};
use super::{Action, AppEvent, Command, update};

const PACKAGES: &[(&str, &str)] = &[
    ("demo", "0.1.0"),
    ("serde", "1.0.228"),
    ("serde_derive", "1.0.228"),
    ("syn", "2.0.106"),
    ("quote", "1.0.40"),
    ("proc-macro2", "1.0.101"),
    ("unicode-ident", "1.0.19"),
    ("openssl-sys", "0.9.109"),
    ("libc", "0.2.177"),
    ("pkg-config", "0.3.32"),
    ("cc", "1.2.41"),
];

/// A dependency as (package, kind label).
type DepSpec = (&'static str, &'static str);

/// (package, kind, dependencies).
const UNITS: &[(&str, UnitKind, &[DepSpec])] = &[
    (
        "demo",
        UnitKind::Bin,
        &[("serde", "lib"), ("openssl-sys", "lib"), ("libc", "lib")],
    ),
    ("serde", UnitKind::Lib, &[("serde_derive", "proc-macro")]),
    (
        "serde_derive",
        UnitKind::ProcMacro,
        &[("syn", "lib"), ("quote", "lib"), ("proc-macro2", "lib")],
    ),
    (
        "syn",
        UnitKind::Lib,
        &[
            ("proc-macro2", "lib"),
            ("quote", "lib"),
            ("unicode-ident", "lib"),
        ],
    ),
    ("quote", UnitKind::Lib, &[("proc-macro2", "lib")]),
    (
        "proc-macro2",
        UnitKind::Lib,
        &[
            ("proc-macro2", "build-script run"),
            ("unicode-ident", "lib"),
        ],
    ),
    ("proc-macro2", UnitKind::BuildScript, &[]),
    (
        "proc-macro2",
        UnitKind::BuildScriptRun,
        &[("proc-macro2", "build script")],
    ),
    ("unicode-ident", UnitKind::Lib, &[]),
    (
        "openssl-sys",
        UnitKind::Lib,
        &[("openssl-sys", "build-script run"), ("libc", "lib")],
    ),
    (
        "openssl-sys",
        UnitKind::BuildScript,
        &[("cc", "lib"), ("pkg-config", "lib")],
    ),
    (
        "openssl-sys",
        UnitKind::BuildScriptRun,
        &[("openssl-sys", "build script")],
    ),
    ("libc", UnitKind::Lib, &[]),
    ("pkg-config", UnitKind::Lib, &[]),
    ("cc", UnitKind::Lib, &[]),
];

fn package_id(name: &str) -> String {
    let version = PACKAGES
        .iter()
        .find(|(package, _)| *package == name)
        .map_or("0.0.0", |(_, version)| version);
    if name == "demo" {
        format!("path+file:///src/demo#{version}")
    } else {
        format!("registry+https://github.com/rust-lang/crates.io-index#{name}@{version}")
    }
}

fn find_unit(name: &str, kind_label: &str) -> UnitId {
    UNITS
        .iter()
        .position(|(package, kind, _)| *package == name && kind.label() == kind_label)
        .unwrap_or_else(|| panic!("fixture has no {name} {kind_label}"))
}

pub fn plan() -> BuildPlan {
    let packages = PACKAGES
        .iter()
        .map(|(name, version)| {
            let id = package_id(name);
            let package = Package {
                id: id.clone(),
                name: (*name).into(),
                version: (*version).into(),
                manifest_dir: PathBuf::from(format!("/src/{name}-{version}")),
                source: if *name == "demo" {
                    PackageSource::Path
                } else {
                    PackageSource::Registry {
                        checksum: format!("{:064x}", name.len()),
                        crate_file: PathBuf::from(format!("{name}-{version}.crate")),
                    }
                },
                links: (*name == "openssl-sys").then(|| "openssl".into()),
                is_member: *name == "demo",
                declared_features: Vec::new(),
                metadata_env: BTreeMap::new(),
            };
            (id, package)
        })
        .collect::<BTreeMap<_, _>>();
    let units = UNITS
        .iter()
        .map(|(name, kind, deps)| Unit {
            key: format!(
                "{name}-{}-{:016x}",
                kind.label().replace(' ', "-"),
                name.len()
            ),
            metadata_hash: format!("{:016x}", name.len()),
            package: package_id(name),
            kind: *kind,
            target_name: match kind {
                UnitKind::BuildScript | UnitKind::BuildScriptRun => "build-script-build".into(),
                _ => name.replace('-', "_"),
            },
            crate_types: vec![match kind {
                UnitKind::Bin | UnitKind::BuildScript => "bin".into(),
                UnitKind::ProcMacro => "proc-macro".into(),
                _ => "lib".into(),
            }],
            edition: "2021".into(),
            src_path: PathBuf::from("src/lib.rs"),
            features: match *name {
                "serde" => vec!["default".into(), "derive".into(), "std".into()],
                "openssl-sys" => vec![],
                _ => vec!["default".into()],
            },
            profile: Profile::dev(),
            deps: deps
                .iter()
                .map(|(dep, kind_label)| UnitDep {
                    unit: find_unit(dep, kind_label),
                    extern_crate_name: dep.replace('-', "_"),
                })
                .collect(),
        })
        .collect();
    BuildPlan {
        workspace_root: PathBuf::from("/src/demo"),
        target_dir: PathBuf::from("/src/demo/target"),
        profile_dir: "debug".into(),
        profile_kind: "debug".into(),
        rustc_version: "rustc 1.95.0".into(),
        host_triple: "x86_64-unknown-linux-gnu".into(),
        packages,
        units,
        roots: vec![0],
        ..BuildPlan::default()
    }
}

/// The unit of package `name` whose kind has the label `kind_label`.
pub fn unit_named(plan: &BuildPlan, name: &str, kind_label: &str) -> UnitId {
    plan.units
        .iter()
        .position(|unit| {
            unit.kind.label() == kind_label
                && plan
                    .packages
                    .get(&unit.package)
                    .is_some_and(|p| p.name == name)
        })
        .unwrap_or_else(|| panic!("plan has no {name} {kind_label}"))
}

/// The dashboard right after planning: nothing built, the root expanded.
pub fn planned(size: Size) -> AppState {
    let plan = Arc::new(plan());
    let mut state = AppState::new(size);
    state.build = BuildState::default();
    state
        .build
        .apply(&BackendEvent::Planned(plan.clone()), Duration::ZERO);
    state.build.apply(
        &BackendEvent::Instantiated(unit_paths(&plan)),
        Duration::ZERO,
    );
    state.tree.adopt_plan(&plan);
    state
}

/// A derivation and an output path for every unit of `plan`, as instantiating gives them.
pub fn unit_paths(plan: &BuildPlan) -> Vec<UnitPaths> {
    plan.units
        .iter()
        .enumerate()
        .map(|(index, unit)| UnitPaths {
            unit: index,
            drv_path: format!("/nix/store/{:0>32}-{}.drv", index, unit.key),
            out_path: format!("/nix/store/{:a>32}-{}", index, unit.key),
        })
        .collect()
}

pub fn set_status(state: &mut AppState, name: &str, kind_label: &str, status: UnitStatus) {
    let Some(plan) = state.build.plan.clone() else {
        panic!("fixture state has a plan");
    };
    state.build.units[unit_named(&plan, name, kind_label)].status = status;
    state.build.counters = Counters::count(&state.build.units);
}

pub fn set_log(state: &mut AppState, name: &str, kind_label: &str, lines: &[&str]) {
    let Some(plan) = state.build.plan.clone() else {
        panic!("fixture state has a plan");
    };
    state.build.units[unit_named(&plan, name, kind_label)].log = LogBuffer {
        lines: lines
            .iter()
            .map(|line| line.to_string())
            .collect::<VecDeque<_>>(),
        total: lines.len() as u64,
        ..LogBuffer::default()
    };
}

const CACHE: &str = "https://cache.nixos.org";

/// A build 52 s in: units cached, substituted, built, and two building.
pub fn mid_build(size: Size) -> AppState {
    let mut state = planned(size);
    state.now = Duration::from_secs(52);
    state.build.phase = Phase::Building;
    state.build.build_started = Some(Duration::from_secs(10));
    let secs = Duration::from_secs_f64;
    let statuses = [
        ("libc", "lib", UnitStatus::Cached),
        ("pkg-config", "lib", UnitStatus::Cached),
        (
            "unicode-ident",
            "lib",
            UnitStatus::Substituted { from: CACHE.into() },
        ),
        (
            "quote",
            "lib",
            UnitStatus::Substituting { from: CACHE.into() },
        ),
        (
            "proc-macro2",
            "build script",
            UnitStatus::Built { took: secs(1.4) },
        ),
        (
            "proc-macro2",
            "build-script run",
            UnitStatus::Built { took: secs(0.3) },
        ),
        ("proc-macro2", "lib", UnitStatus::Built { took: secs(2.1) }),
        ("cc", "lib", UnitStatus::Built { took: secs(4.2) }),
        (
            "syn",
            "lib",
            UnitStatus::Building {
                machine: String::new(),
                since: Duration::from_secs(40),
            },
        ),
        (
            "openssl-sys",
            "build script",
            UnitStatus::Building {
                machine: "ssh://builder-arm".into(),
                since: Duration::from_secs(47),
            },
        ),
    ];
    for (name, kind_label, status) in statuses {
        set_status(&mut state, name, kind_label, status);
    }
    set_log(
        &mut state,
        "syn",
        "lib",
        &[
            "Running phase: unpackPhase",
            "unpacking source archive /nix/store/3x7…-syn-2.0.106.crate",
            "Running phase: buildPhase",
            "\x1b[1m\x1b[92m   Compiling\x1b[0m syn v2.0.106",
        ],
    );
    state
}

/// The log of openssl-sys's build script failing for want of OpenSSL, as rustc and Cargo
/// colour it.
pub const OPENSSL_FAILURE_LOG: &[&str] = &[
    "Running phase: buildPhase",
    "running build script of openssl-sys 0.9.109",
    "cargo:rerun-if-env-changed=X86_64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR",
    "cargo:rerun-if-env-changed=OPENSSL_LIB_DIR",
    "cargo:rerun-if-env-changed=OPENSSL_DIR",
    "cargo:rerun-if-env-changed=PKG_CONFIG_PATH",
    "  Could not find openssl via pkg-config:",
    "  The pkg-config command could not be found.",
    "",
    "--- stderr",
    "thread 'main' panicked at build/find_normal.rs:190:5:",
    "",
    "Could not find directory of OpenSSL installation, and this `-sys` crate cannot",
    "proceed without this knowledge. If OpenSSL is installed and this crate had",
    "trouble finding it, you can set the `OPENSSL_DIR` environment variable for the",
    "compilation process.",
    "",
    "\x1b[1m\x1b[91merror\x1b[0m\x1b[1m: build script of openssl-sys v0.9.109 failed\x1b[0m",
    "\x1b[1m\x1b[94mnote\x1b[0m: exit status 101",
];

/// A finished, failed build: openssl-sys's build script failed, its dependents were skipped.
pub fn failed_build(size: Size) -> AppState {
    let mut state = planned(size);
    state.now = Duration::from_secs(95);
    state.build.phase = Phase::Finished { success: false };
    state.build.build_started = Some(Duration::from_secs(10));
    state.build.build_finished = Some(Duration::from_secs(81));
    let secs = Duration::from_secs_f64;
    for (name, kind) in [
        ("syn", "lib"),
        ("quote", "lib"),
        ("serde_derive", "proc-macro"),
        ("serde", "lib"),
        ("proc-macro2", "lib"),
        ("proc-macro2", "build script"),
        ("proc-macro2", "build-script run"),
        ("openssl-sys", "build script"),
    ] {
        set_status(
            &mut state,
            name,
            kind,
            UnitStatus::Built { took: secs(3.5) },
        );
    }
    for (name, kind) in [
        ("libc", "lib"),
        ("pkg-config", "lib"),
        ("cc", "lib"),
        ("unicode-ident", "lib"),
    ] {
        set_status(&mut state, name, kind, UnitStatus::Cached);
    }
    set_status(
        &mut state,
        "openssl-sys",
        "build-script run",
        UnitStatus::Failed {
            exit_code: Some(101),
        },
    );
    set_status(&mut state, "openssl-sys", "lib", UnitStatus::Skipped);
    set_status(&mut state, "demo", "bin", UnitStatus::Skipped);
    set_log(
        &mut state,
        "openssl-sys",
        "build-script run",
        OPENSSL_FAILURE_LOG,
    );
    state
}

/// Feeds Nix's internal-json `lines` to the app at `at` seconds, as the engine would.
pub fn nix_lines_at(state: &mut AppState, at: u64, lines: &[String]) {
    update(state, Action::Tick(Duration::from_secs(at)));
    for line in lines {
        update(state, Action::Backend(BackendEvent::Nix(parse_line(line))));
    }
}

/// The store path of a derivation outside the crate graph in [`host_package_failed`].
pub fn outside_drv(name: &str) -> String {
    format!("/nix/store/0c4r9w0l4sl7x0a8q0ga1vqb7y0lqfp2-{name}.drv")
}

/// The output rustc is fetched to in [`host_package_failed`].
pub const RUSTC_OUT: &str = "/nix/store/1d5s0x1m5tm8y1b9r1hb2wrc8z1mrgq3-rustc-1.95.0";

/// Nix's line for starting to build `drv` locally as activity `id`.
pub fn build_start_line(drv: &str, id: u64) -> String {
    format!(
        r#"@nix {{"action":"start","fields":["{drv}","",1,1],"id":{id},"level":3,"parent":0,"text":"","type":105}}"#
    )
}

/// Nix's lines for fetching `path` from cache.nixos.org as activity `id` (the copy inside
/// it is `id + 1`), `done` of `expected` bytes copied so far.
pub fn fetch_lines(path: &str, id: u64, done: u64, expected: u64) -> [String; 3] {
    let copy = id + 1;
    [
        format!(
            r#"@nix {{"action":"start","fields":["{path}","https://cache.nixos.org"],"id":{id},"level":4,"parent":0,"text":"","type":108}}"#
        ),
        format!(
            r#"@nix {{"action":"start","fields":["{path}","https://cache.nixos.org","local"],"id":{copy},"level":3,"parent":{id},"text":"","type":100}}"#
        ),
        format!(
            r#"@nix {{"action":"result","fields":[{done},{expected},0,0],"id":{copy},"type":105}}"#
        ),
    ]
}

/// A build that failed outside the crate graph, through the engine's events: rustc fetched
/// from the binary cache (250 MB), openssl-sys's source built, and the host package
/// `host-openssl` failing because the host lacks libssl-dev, so openssl-sys's build script
/// and everything after it never ran.
pub fn host_package_failed(size: Size) -> AppState {
    let mut state = planned(size);
    let plan = state.build.plan.clone().expect("plan");
    let cached = ["libc", "pkg-config", "cc", "unicode-ident"]
        .map(|name| unit_named(&plan, name, "lib"))
        .to_vec();
    update(
        &mut state,
        Action::Backend(BackendEvent::AlreadyValid(cached)),
    );
    update(&mut state, Action::Tick(Duration::from_secs(10)));
    update(&mut state, Action::Backend(BackendEvent::BuildStarted));
    let source = outside_drv("openssl-sys-0.9.109-src");
    let host_openssl = outside_drv("host-openssl");
    let blocked = state.build.units[unit_named(&plan, "openssl-sys", "build-script run")]
        .drv_path
        .clone()
        .expect("instantiated");
    nix_lines_at(
        &mut state,
        10,
        &[r#"@nix {"action":"start","id":1,"level":5,"parent":0,"text":"","type":104}"#.into()],
    );
    nix_lines_at(
        &mut state,
        10,
        &fetch_lines(RUSTC_OUT, 2, 250_000_000, 250_000_000),
    );
    nix_lines_at(
        &mut state,
        31,
        &[
            r#"@nix {"action":"stop","id":3}"#.into(),
            r#"@nix {"action":"stop","id":2}"#.into(),
            build_start_line(&source, 4),
        ],
    );
    nix_lines_at(
        &mut state,
        33,
        &[
            r#"@nix {"action":"result","fields":[1,3,0,0],"id":1,"type":105}"#.into(),
            r#"@nix {"action":"stop","id":4}"#.into(),
            build_start_line(&host_openssl, 5),
            r#"@nix {"action":"result","fields":["libnix-tui: pkg-config module openssl is not installed on this host (Debian package: libssl-dev)"],"id":5,"type":101}"#.into(),
        ],
    );
    nix_lines_at(
        &mut state,
        34,
        &[
            r#"@nix {"action":"result","fields":[1,3,0,1],"id":1,"type":105}"#.into(),
            r#"@nix {"action":"stop","id":5}"#.into(),
            format!(
                r#"@nix {{"action":"msg","level":0,"msg":"error: builder for '{host_openssl}' failed with exit code 1"}}"#
            ),
            format!(
                r#"@nix {{"action":"msg","level":0,"msg":"error: 1 dependencies of derivation '{blocked}' failed to build"}}"#
            ),
            r#"@nix {"action":"stop","id":1}"#.into(),
        ],
    );
    update(
        &mut state,
        Action::Backend(BackendEvent::Finished {
            success: false,
            exit_code: Some(1),
        }),
    );
    update(&mut state, Action::Tick(Duration::from_secs(40)));
    state
}

/// The fixture's plan as `cargo test` plans it: demo's unit tests and its integration test
/// `cli` as test binaries over the same dependencies, each with its run, the runs the roots.
pub fn test_plan() -> BuildPlan {
    let mut plan = plan();
    let demo = plan.units[0].clone();
    let mut roots = Vec::new();
    for (target, src) in [("demo", "src/main.rs"), ("cli", "tests/cli.rs")] {
        let binary = plan.units.len();
        plan.units.push(Unit {
            key: format!("demo-test-{target}"),
            kind: UnitKind::Test,
            target_name: target.into(),
            src_path: PathBuf::from(src),
            ..demo.clone()
        });
        roots.push(plan.units.len());
        plan.units.push(Unit {
            key: format!("demo-test-run-{target}"),
            kind: UnitKind::TestRun,
            target_name: target.into(),
            src_path: PathBuf::from(src),
            deps: vec![UnitDep {
                unit: binary,
                extern_crate_name: String::new(),
            }],
            ..demo.clone()
        });
    }
    plan.roots = roots;
    plan
}

/// What demo's unit tests recorded: one of three fails.
pub fn failed_unit_tests() -> TestOutcome {
    TestOutcome {
        exit_code: 101,
        counts: Some(TestCounts {
            passed: 2,
            failed: 1,
            ignored: 0,
        }),
        output: log_of(&[
            "running 3 tests",
            "test tests::parses ... ok",
            "test tests::adds ... ok",
            "test tests::divides ... FAILED",
            "",
            "failures:",
            "",
            "---- tests::divides stdout ----",
            "thread 'tests::divides' panicked at src/main.rs:40:9:",
            "attempt to divide by zero",
            "",
            "failures:",
            "    tests::divides",
            "",
            "test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
        ]),
    }
}

/// What the integration test `cli` recorded in an earlier build: 42 passed.
pub fn passed_cli_tests() -> TestOutcome {
    TestOutcome {
        exit_code: 0,
        counts: Some(TestCounts {
            passed: 42,
            failed: 0,
            ignored: 0,
        }),
        output: log_of(&[
            "running 42 tests",
            "..........................................",
            "test result: ok. 42 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s",
        ]),
    }
}

fn log_of(lines: &[&str]) -> LogBuffer {
    let mut log = LogBuffer::default();
    for line in lines {
        log.push((*line).to_owned());
    }
    log
}

/// `T` on the fixture, through the engine's events: everything cached but demo's unit-test
/// binary, built and run now (one test fails), and the integration test's run, cached;
/// the shell has read both runs' records.
pub fn tests_ran(size: Size) -> AppState {
    let plan = Arc::new(test_plan());
    let mut state = AppState::new(size);
    update(&mut state, Action::Command(Command::Test));
    let unit_tests = unit_where(&plan, UnitKind::Test, "demo");
    let unit_test_run = unit_where(&plan, UnitKind::TestRun, "demo");
    let cli_run = unit_where(&plan, UnitKind::TestRun, "cli");
    let cached = (0..plan.units.len())
        .filter(|unit| ![unit_tests, unit_test_run].contains(unit))
        .collect();
    for event in [
        BackendEvent::PlanningStarted,
        BackendEvent::Planned(plan.clone()),
        BackendEvent::Instantiated(unit_paths(&plan)),
        BackendEvent::AlreadyValid(cached),
    ] {
        update(&mut state, Action::Backend(event));
    }
    update(&mut state, Action::Tick(Duration::from_secs(2)));
    update(&mut state, Action::Backend(BackendEvent::BuildStarted));
    for (unit, id, at) in [(unit_tests, 10, 2), (unit_test_run, 11, 6)] {
        let drv = unit_paths(&plan)[unit].drv_path.clone();
        let stop = format!(r#"@nix {{"action":"stop","id":{id}}}"#);
        nix_lines_at(&mut state, at, &[build_start_line(&drv, id)]);
        nix_lines_at(&mut state, at + 3, &[stop]);
    }
    update(
        &mut state,
        Action::Backend(BackendEvent::Finished {
            success: true,
            exit_code: Some(0),
        }),
    );
    for (unit, outcome) in [
        (cli_run, passed_cli_tests()),
        (unit_test_run, failed_unit_tests()),
    ] {
        let out_path = unit_paths(&plan)[unit].out_path.clone();
        update(
            &mut state,
            Action::App(AppEvent::TestRun {
                unit,
                out_path,
                outcome: Ok(outcome),
            }),
        );
    }
    update(&mut state, Action::Tick(Duration::from_secs(12)));
    state
}

/// The unit of `kind` whose target is `target`.
pub fn unit_where(plan: &BuildPlan, kind: UnitKind, target: &str) -> UnitId {
    plan.units
        .iter()
        .position(|unit| unit.kind == kind && unit.target_name == target)
        .unwrap_or_else(|| panic!("plan has no {target} {}", kind.label()))
}
