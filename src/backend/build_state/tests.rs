use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;

use super::log::common_length;
use super::*;
use crate::backend::nix::protocol::{
    ActivityId, ActivityResult, Field, Fields, NixEvent, ResultType, parse_line,
};
use crate::backend::plan::{
    BuildPlan, Package, PackageSource, Profile, Unit, UnitDep, UnitId, UnitKind,
};
use crate::backend::{BackendEvent, EngineError, ErrorKind, UnitPaths};

/// Units by name (as the derivations are named) and direct dependencies.
pub(crate) type PlanUnits<'a> = [(&'a str, &'a [UnitId])];

/// A plan whose units are named like the derivations of the recorded streams.
pub(crate) fn plan(units: &PlanUnits) -> Arc<BuildPlan> {
    let profile = Profile::dev();
    Arc::new(BuildPlan {
        workspace_root: PathBuf::from("/w"),
        target_dir: PathBuf::from("/w/target"),
        profile_dir: "debug".into(),
        rustc_version: "rustc 1.95.0".into(),
        host_triple: "x86_64-unknown-linux-gnu".into(),
        // Each unit is its own package, named like its derivation.
        packages: units
            .iter()
            .map(|(name, _)| {
                let package = Package {
                    id: (*name).into(),
                    name: (*name).into(),
                    version: "1.0.0".into(),
                    manifest_dir: PathBuf::from("/w").join(name),
                    source: PackageSource::Path,
                    links: None,
                    is_member: true,
                    declared_features: Vec::new(),
                    metadata_env: BTreeMap::new(),
                };
                ((*name).to_string(), package)
            })
            .collect(),
        units: units
            .iter()
            .map(|(name, deps)| Unit {
                key: (*name).into(),
                metadata_hash: String::new(),
                package: (*name).into(),
                kind: UnitKind::Lib,
                target_name: (*name).into(),
                crate_types: vec!["lib".into()],
                edition: "2021".into(),
                src_path: PathBuf::from("src/lib.rs"),
                features: vec![],
                profile: profile.clone(),
                deps: deps
                    .iter()
                    .map(|&unit| UnitDep {
                        unit,
                        extern_crate_name: format!("dep{unit}"),
                    })
                    .collect(),
            })
            .collect(),
        roots: vec![units.len().saturating_sub(1)],
        ..BuildPlan::default()
    })
}

pub(crate) const CHAIN: &PlanUnits = &[
    ("crate-a-0.1.0", &[]),
    ("crate-b-0.2.0", &[0]),
    ("app-1.0.0", &[0, 1]),
];
pub(crate) const KEEPGOING: &PlanUnits = &[
    ("fail-one-1.0", &[]),
    ("fail-two-1.0", &[]),
    ("good-1.0", &[]),
    ("needs-f1-1.0", &[0]),
    ("top-1.0", &[0, 1, 2, 3]),
];
pub(crate) const FAIL: &PlanUnits = &[("ok-dep-1.0", &[]), ("broken-crate-0.3.0", &[0])];

pub(crate) fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/nix-2.8/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `/nix/store/...` path in `text`.
fn store_paths(text: &str) -> Vec<&str> {
    text.match_indices("/nix/store/")
        .map(|(start, _)| {
            let rest = &text[start..];
            let end = rest[11..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || "+-._?=".contains(c)))
                .map_or(rest.len(), |end| end + 11);
            &rest[..end]
        })
        .collect()
}

/// The unit's paths as the stream names them; made-up ones where it does not.
fn unit_paths(text: &str, units: &PlanUnits) -> Vec<UnitPaths> {
    let paths = store_paths(text);
    let find = |suffix: String| {
        let mut found: Vec<&str> = paths
            .iter()
            .copied()
            .filter(|p| p.ends_with(&suffix))
            .collect();
        found.dedup();
        found.sort();
        found.dedup();
        assert!(found.len() <= 1, "ambiguous {suffix}: {found:?}");
        found.first().map(|p| (*p).to_owned())
    };
    units
        .iter()
        .enumerate()
        .map(|(unit, (name, _))| UnitPaths {
            unit,
            drv_path: find(format!("-{name}.drv"))
                .unwrap_or_else(|| format!("/nix/store/unseen-{name}.drv")),
            out_path: find(format!("-{name}"))
                .unwrap_or_else(|| format!("/nix/store/unseen-{name}")),
        })
        .collect()
}

/// Counters computed from scratch.
fn recount(state: &BuildState) -> Counters {
    Counters::count(&state.units)
}

pub(super) struct Run {
    pub(super) state: BuildState,
    /// Statuses each unit went through, in order.
    pub(super) history: Vec<Vec<UnitStatus>>,
}

/// The engine's events for a whole session whose Nix log is `lines`.
pub(crate) fn session_events(
    lines: &str,
    units: &PlanUnits,
    already_valid: &[UnitId],
    success: bool,
) -> Vec<BackendEvent> {
    let plan = plan(units);
    let mut events = vec![
        BackendEvent::PlanningStarted,
        BackendEvent::Planned(Arc::clone(&plan)),
        BackendEvent::EvaluationStarted,
        BackendEvent::Instantiated(unit_paths(lines, units)),
        BackendEvent::AlreadyValid(already_valid.to_vec()),
        BackendEvent::BuildStarted,
    ];
    events.extend(
        lines
            .lines()
            .map(|line| BackendEvent::Nix(parse_line(line))),
    );
    events.push(BackendEvent::Finished {
        success,
        exit_code: Some(if success { 0 } else { 1 }),
    });
    events
}

/// Replays a whole session over `lines`, checking the counters after every event.
/// A no-op of the three-unit chain: every unit cached, once, and counted so.
pub(super) fn assert_all_three_cached(state: &BuildState, history: &[Vec<UnitStatus>]) {
    assert_eq!(
        state.counters,
        Counters {
            cached: 3,
            ..Counters::default()
        }
    );
    assert!(history.iter().all(|h| h[..] == [UnitStatus::Cached]));
}

pub(super) fn replay(
    lines: &str,
    units: &PlanUnits,
    already_valid: &[UnitId],
    success: bool,
) -> Run {
    let events = session_events(lines, units, already_valid, success);
    let mut state = BuildState::default();
    let mut history = vec![Vec::new(); units.len()];
    for (step, event) in events.iter().enumerate() {
        let changed = state.apply(event, Duration::from_secs(step as u64));
        assert_eq!(state.counters, recount(&state), "after {event:?}");
        for unit in changed {
            history[unit].push(state.units[unit].status.clone());
        }
    }
    Run { state, history }
}

fn statuses(state: &BuildState) -> Vec<UnitStatus> {
    state.units.iter().map(|u| u.status.clone()).collect()
}

pub(super) fn log(state: &BuildState, unit: UnitId) -> Vec<&str> {
    state.units[unit]
        .log
        .lines
        .iter()
        .map(String::as_str)
        .collect()
}

#[test]
fn counters_match_a_recount_after_every_event_of_every_fixture() {
    let fixtures: &[(&str, &PlanUnits)] = &[
        ("28-all-valid-noop.jsonl", CHAIN),
        ("28-bar-tty-keepgoing.typescript", KEEPGOING),
        ("28-chain-L-before-logformat.jsonl", CHAIN),
        ("28-chain-L.jsonl", CHAIN),
        ("28-chain-success-v.jsonl", CHAIN),
        ("28-chain-verb-v.jsonl", CHAIN),
        ("28-chain-verb-vv.jsonl", CHAIN),
        ("28-chain-verb-vvv.jsonl", CHAIN),
        ("28-chain-verb-vvvv.jsonl", CHAIN),
        ("28-chain-verb-vvvvv.jsonl", CHAIN),
        ("28-chain-verb0.jsonl", CHAIN),
        ("28-dry-run-plan.jsonl", CHAIN),
        ("28-eval-error.jsonl", CHAIN),
        ("28-eval-missing-attr-show-trace.jsonl", CHAIN),
        ("28-eval-throw-show-trace.jsonl", CHAIN),
        ("28-fail-plain.txt", FAIL),
        ("28-fail-v.jsonl", FAIL),
        ("28-keepgoing-2fail-v.jsonl", KEEPGOING),
        ("28-mixed-substitute-and-build.jsonl", CHAIN),
        ("28-nix-build-legacy-fail.jsonl", FAIL),
        ("28-nix-build-legacy-mixed.jsonl", CHAIN),
        ("28-nix-build-legacy-noop.jsonl", CHAIN),
        ("28-no-keepgoing-abort-v.jsonl", KEEPGOING),
        ("28-substitute-partial-store2.jsonl", CHAIN),
        ("28-unknown-option-warning.jsonl", CHAIN),
    ];
    let listed = std::fs::read_dir(format!(
        "{}/tests/fixtures/nix-2.8",
        env!("CARGO_MANIFEST_DIR")
    ))
    .into_iter()
    .flatten()
    .flatten()
    .filter(|entry| entry.file_name().to_string_lossy().starts_with("28-"))
    .count();
    assert_eq!(listed, fixtures.len(), "a fixture is not replayed here");
    for (name, units) in fixtures {
        for valid in [&[][..], &[0]] {
            for success in [false, true] {
                let Run { state, history } = replay(&fixture(name), units, valid, success);
                // Failed sessions: every stream can end so. (A unit said to be valid
                // that then builds is no real session; successes are checked against
                // real builds in tests/engine.rs.)
                if valid.is_empty() && !success {
                    assert_every_unit_ends_once(name, &state, &history);
                }
            }
        }
    }
}

/// Every planned unit ends in one final state, reported once, and the counters of final
/// states sum to the plan's units.
fn assert_every_unit_ends_once(name: &str, state: &BuildState, history: &[Vec<UnitStatus>]) {
    let c = state.counters;
    assert_eq!(
        c.cached + c.substituted + c.built + c.failed + c.skipped + c.interrupted,
        state.units.len(),
        "{name}: {c:?}"
    );
    for (unit, statuses) in history.iter().enumerate() {
        let finals = statuses
            .iter()
            .filter(|status| {
                !matches!(
                    status,
                    UnitStatus::Building { .. } | UnitStatus::Substituting { .. }
                )
            })
            .count();
        assert_eq!(finals, 1, "{name}: unit {unit} went through {statuses:?}");
    }
}

/// What every recorded build of [`CHAIN`] shows, whatever the Nix: each unit built once
/// after building, the first unit's log and phase, the last one's log, the builder's message.
pub(super) fn assert_chain_built(name: &str, Run { state, history }: &Run) {
    assert_eq!(
        state.counters,
        Counters {
            built: 3,
            ..Counters::default()
        },
        "{name}"
    );
    for (unit, history) in history.iter().enumerate() {
        assert!(
            matches!(
                history[..],
                [UnitStatus::Building { .. }, UnitStatus::Built { .. }]
            ),
            "{name} {unit}: {history:?}"
        );
    }
    assert_eq!(
        log(state, 0),
        [
            "configuring a",
            "   Compiling crate-a v0.1.0",
            "warning: unused variable",
            "progress 100%",
            "@nix not-json"
        ],
        "{name}"
    );
    assert_eq!(
        state.units[0].phase.as_deref(),
        Some("buildPhase"),
        "{name}"
    );
    assert_eq!(log(state, 2), ["linking app"], "{name}");
    assert!(
        state.messages.iter().any(|m| m == "builder-sent msg"),
        "{name}"
    );
}

#[test]
fn chain_builds_one_after_another() {
    for name in [
        "28-chain-success-v.jsonl",
        "28-chain-verb0.jsonl",
        "28-chain-verb-vv.jsonl",
        "28-chain-verb-vvvvv.jsonl",
        "28-chain-L-before-logformat.jsonl",
        "28-unknown-option-warning.jsonl",
    ] {
        let run = replay(&fixture(name), CHAIN, &[], true);
        assert_chain_built(name, &run);
        let state = run.state;
        assert_eq!(state.units[0].log.total, 5);
        assert_eq!(state.units[1].phase, None);
        assert!(
            state
                .messages
                .iter()
                .any(|m| m.starts_with("bad JSON log message from builder"))
        );
        assert_eq!(state.phase, Phase::Finished { success: true });
    }
}

#[test]
fn build_times_and_machine_come_from_the_activity() {
    let Run { state, history } = replay(&fixture("28-chain-success-v.jsonl"), CHAIN, &[], true);
    let UnitStatus::Building { machine, since } = &history[0][0] else {
        panic!("{:?}", history[0])
    };
    assert_eq!(machine, "");
    let UnitStatus::Built { took } = state.units[0].status else {
        panic!()
    };
    // One second per event in `replay`: a's build spans 18 lines of the stream.
    assert_eq!(took, Duration::from_secs(18));
    assert!(*since > state.build_started.unwrap_or_default());
    assert_eq!(
        state.elapsed(Duration::from_secs(10_000)),
        Some(state.build_finished.unwrap_or_default() - state.build_started.unwrap_or_default())
    );
    assert_eq!(BuildState::default().elapsed(Duration::from_secs(3)), None);
}

#[test]
fn keep_going_reports_each_failure_before_its_stop() {
    let Run { state, history } = replay(
        &fixture("28-keepgoing-2fail-v.jsonl"),
        KEEPGOING,
        &[],
        false,
    );
    assert_eq!(
        statuses(&state)
            .into_iter()
            .map(|s| match s {
                UnitStatus::Built { .. } => UnitStatus::Built {
                    took: Duration::ZERO
                },
                other => other,
            })
            .collect::<Vec<_>>(),
        [
            UnitStatus::Failed { exit_code: Some(1) },
            UnitStatus::Failed { exit_code: Some(2) },
            UnitStatus::Built {
                took: Duration::ZERO
            },
            UnitStatus::Skipped,
            UnitStatus::Skipped,
        ]
    );
    assert_eq!(history[1].len(), 2, "{:?}", history[1]);
    assert_eq!(
        state.counters,
        Counters {
            built: 1,
            failed: 2,
            skipped: 2,
            ..Counters::default()
        }
    );
    assert_eq!(log(&state, 1), ["f2 starting", "f2 dying"]);
    assert_eq!(log(&state, 0), ["f1 starting", "f1 dying"]);
    assert!(
        state.units[1]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("error: builder for '/nix/store/"))
    );
    assert!(
        state.units[3]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("1 dependencies of derivation"))
    );
    assert!(
        !state.messages.iter().any(|m| m.contains("failed")),
        "{:?}",
        state.messages
    );
}

#[test]
fn without_keep_going_the_failure_comes_after_the_stop() {
    let Run { state, history } = replay(&fixture("28-fail-v.jsonl"), FAIL, &[], false);
    assert!(matches!(state.units[0].status, UnitStatus::Built { .. }));
    // Reported once, when Nix's error gives the exit code: not once without it first.
    assert_eq!(
        history[1][1..],
        [UnitStatus::Failed {
            exit_code: Some(101)
        }]
    );
    assert_eq!(state.units[1].log.total, 16);
    assert_eq!(
        state.units[1].log.lines.back().map(String::as_str),
        Some("error[E0425]: cannot find value x in this scope")
    );
    assert_eq!(state.counters.failed, 1);
    assert_eq!(state.counters.built, 1);
}

#[test]
fn without_the_build_counter_a_stop_means_built_until_an_error_says_otherwise() {
    let stream: String = fixture("28-fail-v.jsonl")
        .lines()
        .filter(|line| !(line.contains(r#""action":"result""#) && line.ends_with(r#""type":105}"#)))
        .map(|line| format!("{line}\n"))
        .collect();
    let Run { state, history } = replay(&stream, FAIL, &[], false);
    assert!(
        matches!(
            history[1][..],
            [
                UnitStatus::Building { .. },
                UnitStatus::Built { .. },
                UnitStatus::Failed {
                    exit_code: Some(101)
                }
            ]
        ),
        "{:?}",
        history[1]
    );
    assert_eq!(state.counters.built, 1);
    assert_eq!(state.counters.failed, 1);
}

#[test]
fn builds_nix_cuts_short_are_interrupted_not_built() {
    let Run { state, .. } = replay(
        &fixture("28-no-keepgoing-abort-v.jsonl"),
        KEEPGOING,
        &[],
        false,
    );
    assert_eq!(
        statuses(&state),
        [
            UnitStatus::Interrupted,
            UnitStatus::Failed { exit_code: Some(2) },
            UnitStatus::Interrupted,
            // Its dependency was cut short, not failed: Nix gave up before trying it.
            UnitStatus::Skipped,
            UnitStatus::Skipped,
        ]
    );
    assert_eq!(log(&state, 2), ["good"]);
}

#[test]
fn substitutions_are_linked_by_output_path() {
    for name in [
        "28-mixed-substitute-and-build.jsonl",
        "28-nix-build-legacy-mixed.jsonl",
    ] {
        let Run { state, history } = replay(&fixture(name), CHAIN, &[], true);
        let from = "file:///home/user/example/cache".to_owned();
        assert_eq!(
            history[0],
            [
                UnitStatus::Substituting { from: from.clone() },
                UnitStatus::Substituted { from: from.clone() }
            ],
            "{name}"
        );
        assert_eq!(state.units[1].status, UnitStatus::Substituted { from });
        assert!(matches!(state.units[2].status, UnitStatus::Built { .. }));
        assert_eq!(
            state.counters,
            Counters {
                substituted: 2,
                built: 1,
                ..Counters::default()
            }
        );
        assert!(state.units[0].log.lines.is_empty());
    }
}

#[test]
fn substituted_dependencies_and_a_failing_build() {
    let Run { state, .. } = replay(
        &fixture("28-substitute-partial-store2.jsonl"),
        CHAIN,
        &[],
        false,
    );
    assert_eq!(
        state.counters,
        Counters {
            substituted: 2,
            failed: 1,
            ..Counters::default()
        }
    );
    assert_eq!(
        state.units[2].status,
        UnitStatus::Failed { exit_code: Some(1) }
    );
    assert_eq!(state.units[2].log.total, 2);
}

#[test]
fn already_valid_units_are_cached_and_nothing_else_happens() {
    for name in ["28-all-valid-noop.jsonl", "28-nix-build-legacy-noop.jsonl"] {
        let Run { state, history } = replay(&fixture(name), CHAIN, &[0, 1, 2], true);
        assert_all_three_cached(&state, &history);
        assert_eq!(
            state.messages,
            ["evaluating file '/home/user/example/chain.nix'"].map(String::from)
                [..state.messages.len()]
        );
    }
}

#[test]
fn messages_without_a_unit_are_kept_plain() {
    let Run { state, .. } = replay(
        &fixture("28-eval-missing-attr-show-trace.jsonl"),
        CHAIN,
        &[],
        false,
    );
    assert_eq!(state.counters.skipped, 3);
    assert_eq!(state.messages.len(), 1);
    assert!(state.messages[0].starts_with("error: attribute 'missing' missing\n"));
    assert!(!state.messages[0].contains('\u{1b}'));

    let Run { state, .. } = replay(&fixture("28-chain-L.jsonl"), CHAIN, &[], false);
    assert_eq!(state.messages.len(), 12);
    // Plain text cannot be followed: the units never started, and the build failed.
    assert_eq!(state.counters.skipped, 3);

    let mut state = BuildState::default();
    state.apply(
        &BackendEvent::Error(EngineError::other("\u{1b}[31mcargo failed\u{1b}[0m")),
        Duration::ZERO,
    );
    assert_eq!(state.messages, ["cargo failed"]);
}

/// Applies hand-written lines after a plan of `units` whose drv paths are
/// `/nix/store/<name>.drv` and outputs `/nix/store/<name>`.
pub(crate) fn synthetic(units: &PlanUnits, lines: &[String]) -> (BuildState, Vec<Vec<UnitId>>) {
    let mut state = BuildState::default();
    state.apply(&BackendEvent::Planned(plan(units)), Duration::ZERO);
    let paths = units
        .iter()
        .enumerate()
        .map(|(unit, (name, _))| UnitPaths {
            unit,
            drv_path: format!("/nix/store/{name}.drv"),
            out_path: format!("/nix/store/{name}"),
        })
        .collect();
    state.apply(&BackendEvent::Instantiated(paths), Duration::ZERO);
    state.apply(&BackendEvent::BuildStarted, Duration::ZERO);
    let changes = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let changed = state.apply(
                &BackendEvent::Nix(parse_line(line)),
                Duration::from_secs(i as u64 + 1),
            );
            assert_eq!(state.counters, recount(&state), "after {line}");
            changed
        })
        .collect();
    (state, changes)
}

pub(crate) fn build_start(id: u64, name: &str, machine: &str) -> String {
    format!(
        r#"@nix {{"action":"start","fields":["/nix/store/{name}.drv","{machine}",1,1],"id":{id},"level":3,"parent":0,"text":"building","type":105}}"#
    )
}

#[test]
fn nix_2_29_failure_wording() {
    let units: &PlanUnits = &[("lib", &[]), ("bin", &[0]), ("test", &[1])];
    let lines = [
        r#"@nix {"action":"start","id":1,"level":0,"parent":0,"text":"","type":104}"#.to_owned(),
        build_start(2, "lib", "ssh://builder"),
        r#"@nix {"action":"result","fields":["oops"],"id":2,"type":101}"#.to_owned(),
        r#"@nix {"action":"result","fields":[0,3,0,1],"id":1,"type":105}"#.to_owned(),
        r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m Cannot build '\u001b[35;1m/nix/store/lib.drv\u001b[0m'.\n       Reason: \u001b[31;1mbuilder failed with exit code 3\u001b[0m.","raw_msg":"Cannot build '\u001b[35;1m/nix/store/lib.drv\u001b[0m'.\nReason: \u001b[31;1mbuilder failed with exit code 3\u001b[0m.\nOutput paths:\n  /nix/store/lib"}"#.to_owned(),
        r#"@nix {"action":"stop","id":2}"#.to_owned(),
        r#"@nix {"action":"msg","level":0,"msg":"error: Cannot build '/nix/store/bin.drv'.\n       Reason: 1 dependency failed.","raw_msg":"Cannot build '/nix/store/bin.drv'.\nReason: 1 dependency failed."}"#.to_owned(),
    ];
    let (state, changes) = synthetic(units, &lines);
    assert_eq!(
        state.units[0].status,
        UnitStatus::Failed { exit_code: Some(3) }
    );
    assert!(
        changes[5].is_empty(),
        "the stop after the error changes nothing"
    );
    assert_eq!(changes[6], [1, 2]);
    assert_eq!(
        statuses(&state)[1..],
        [UnitStatus::Skipped, UnitStatus::Skipped]
    );
    assert_eq!(
        state.units[1].error.as_deref(),
        Some("error: Cannot build '/nix/store/bin.drv'.\n       Reason: 1 dependency failed.")
    );
    assert_eq!(log(&state, 0), ["oops"]);
}

#[test]
fn remote_machine_post_build_hook_and_copies_after_the_build() {
    let units: &PlanUnits = &[("lib", &[])];
    let lines = [
        build_start(2, "lib", "ssh://builder"),
        r#"@nix {"action":"start","fields":["/nix/store/lib","ssh://builder","local"],"id":3,"level":3,"text":"copying","type":100}"#.to_owned(),
        r#"@nix {"action":"stop","id":3}"#.to_owned(),
        r#"@nix {"action":"stop","id":2}"#.to_owned(),
        r#"@nix {"action":"start","fields":["/nix/store/lib.drv"],"id":4,"level":4,"text":"hook","type":110}"#.to_owned(),
        r#"@nix {"action":"result","fields":["uploaded"],"id":4,"type":107}"#.to_owned(),
        r#"@nix {"action":"stop","id":4}"#.to_owned(),
        r#"@nix {"action":"start","fields":["/nix/store/lib","local","s3://cache"],"id":5,"level":3,"text":"copying","type":100}"#.to_owned(),
    ];
    let (state, changes) = synthetic(units, &lines);
    assert!(matches!(&changes[0][..], [0]));
    assert!(changes[1].is_empty() && changes[2].is_empty() && changes[7].is_empty());
    assert_eq!(
        state.units[0].status,
        UnitStatus::Built {
            took: Duration::from_secs(3)
        }
    );
    assert_eq!(log(&state, 0), ["uploaded"]);
}

#[test]
fn a_build_that_fails_before_nix_runs_skips_nothing() {
    let mut state = BuildState::default();
    state.apply(&BackendEvent::Planned(plan(&[("a", &[])])), Duration::ZERO);
    state.apply(
        &BackendEvent::Error(EngineError {
            kind: ErrorKind::DepsFile,
            message: "Cargo.dependencies.nix:3:16: does not evaluate".into(),
        }),
        Duration::ZERO,
    );
    let changed = state.apply(
        &BackendEvent::Finished {
            success: false,
            exit_code: None,
        },
        Duration::from_secs(1),
    );
    assert!(changed.is_empty());
    assert_eq!(statuses(&state), [UnitStatus::Planned]);
    assert_eq!(state.counters.skipped, 0);
}

#[test]
fn finishing_interrupts_what_is_still_running_and_skips_dependents() {
    let units: &PlanUnits = &[
        ("a", &[]),
        ("b", &[]),
        ("c", &[0]),
        ("d", &[2]),
        ("e", &[1]),
    ];
    let lines = [
        build_start(1, "a", ""),
        r#"@nix {"action":"msg","level":0,"msg":"error: builder for '/nix/store/a.drv' failed with exit code 1"}"#.to_owned(),
        r#"@nix {"action":"start","fields":["/nix/store/b","https://cache.nixos.org"],"id":2,"level":0,"text":"","type":108}"#.to_owned(),
    ];
    let (mut state, _) = synthetic(units, &lines);
    assert_eq!(
        state.counters.skipped, 0,
        "only dependency errors and the end skip"
    );
    let changed = state.apply(
        &BackendEvent::Finished {
            success: false,
            exit_code: Some(1),
        },
        Duration::from_secs(9),
    );
    assert_eq!(changed, [2, 3, 1, 4]);
    assert_eq!(
        statuses(&state),
        [
            UnitStatus::Failed { exit_code: Some(1) },
            UnitStatus::Interrupted,
            UnitStatus::Skipped,
            UnitStatus::Skipped,
            // Never started: Nix gave up before reaching it.
            UnitStatus::Skipped,
        ]
    );
    assert_eq!(state.phase, Phase::Finished { success: false });
    assert_eq!(state.build_finished, Some(Duration::from_secs(9)));
}

#[test]
fn unknown_activities_and_derivations_are_harmless() {
    let units: &PlanUnits = &[("a", &[])];
    let lines = [
        r#"@nix {"action":"result","fields":["orphan"],"id":77,"type":101}"#.to_owned(),
        r#"@nix {"action":"stop","id":78}"#.to_owned(),
        build_start(1, "not-in-plan", ""),
        r#"@nix {"action":"result","fields":["x"],"id":1,"type":101}"#.to_owned(),
        r#"@nix {"action":"msg","level":0,"msg":"error: builder for '/nix/store/not-in-plan.drv' failed with exit code 4"}"#.to_owned(),
        r#"@nix {"action":"stop","id":1}"#.to_owned(),
        r#"@nix {"action":"start","id":9,"level":0,"text":"","type":4242}"#.to_owned(),
        r#"@nix {"action":"result","fields":[],"id":9,"type":105}"#.to_owned(),
    ];
    let (state, changes) = synthetic(units, &lines);
    assert!(changes.iter().all(Vec::is_empty));
    assert_eq!(state.units[0].status, UnitStatus::Planned);
    assert_eq!(
        state.messages,
        ["error: builder for '/nix/store/not-in-plan.drv' failed with exit code 4"]
    );
}

#[test]
fn log_keeps_its_start_its_errors_and_its_end_and_says_what_it_cut() {
    let mut log = LogBuffer::default();
    for i in 0..100_000 {
        log.push(format!("line {i}"));
        if i == 50_000 {
            log.push("thread 'main' panicked at build.rs:3:5: the real error".into());
        }
    }
    log.push("error: failed to run custom build command for `spam v0.1.0`".into());
    assert_eq!(log.lines.len(), LOG_LINES_KEPT);
    assert_eq!(log.total, 100_002);
    let lines: Vec<&str> = log.lines.iter().map(String::as_str).collect();
    assert_eq!(lines[0], "line 0");
    assert_eq!(
        lines[LOG_HEAD_LINES - 1],
        format!("line {}", LOG_HEAD_LINES - 1)
    );
    assert_eq!(
        lines[LOG_HEAD_LINES],
        "[libnix-tui: 90003 lines cut here; the error lines among them follow; `nix log` has them all]"
    );
    assert_eq!(
        lines[LOG_HEAD_LINES + 1],
        "thread 'main' panicked at build.rs:3:5: the real error"
    );
    assert_eq!(lines[LOG_HEAD_LINES + 2], "line 90103");
    assert_eq!(
        lines.last().copied(),
        Some("error: failed to run custom build command for `spam v0.1.0`")
    );
    assert_eq!(log.cut, 90_003);
}

/// A log line for build activity `id`, as the parser makes it.
fn log_line_event(id: ActivityId, line: String) -> BackendEvent {
    BackendEvent::Nix(NixEvent::Result(ActivityResult {
        id,
        kind: ResultType::BuildLogLine,
        fields: Fields(vec![Field::Str(line)]),
    }))
}

fn nix(state: &mut BuildState, line: &str) {
    state.apply(&BackendEvent::Nix(parse_line(line)), Duration::ZERO);
}

/// Logs `count` lines `<id>: <n>` for activity `id`, checking the cap after each.
fn log_lines(state: &mut BuildState, id: ActivityId, count: usize) {
    for n in 0..count {
        state.apply(&log_line_event(id, format!("{id}: {n}")), Duration::ZERO);
        assert!(kept_in_total(state) <= LOG_LINES_KEPT_IN_TOTAL);
    }
}

fn kept_in_total(state: &BuildState) -> usize {
    state.units.iter().map(|unit| unit.log.lines.len()).sum()
}

#[test]
fn common_length_is_the_highest_level_that_fits() {
    assert_eq!(common_length(&mut [8000, 100, 5000], 6000), Some(2950));
    assert_eq!(common_length(&mut [8000, 100, 5000], 13_100), None);
    assert_eq!(common_length(&mut [8000, 100, 5000], 13_099), Some(7999));
    assert_eq!(common_length(&mut [3, 3], 1), Some(0));
    assert_eq!(common_length(&mut [], 0), None);
}

#[test]
fn logs_are_capped_in_total_by_trimming_the_longest_finished_ones() {
    let finished = LOG_LINES_KEPT_IN_TOTAL / LOG_LINES_KEPT + 5;
    let names: Vec<String> = (0..finished).map(|n| format!("done-{n}")).collect();
    let units: Vec<(&str, &[UnitId])> = ["failed", "small", "live"]
        .into_iter()
        .chain(names.iter().map(String::as_str))
        .map(|name| (name, &[][..]))
        .collect();
    let (mut state, _) = synthetic(&units, &[]);

    nix(&mut state, &build_start(1, "failed", ""));
    log_lines(&mut state, 1, LOG_LINES_KEPT);
    nix(
        &mut state,
        r#"@nix {"action":"msg","level":0,"msg":"error: builder for '/nix/store/failed.drv' failed with exit code 1"}"#,
    );
    nix(&mut state, r#"@nix {"action":"stop","id":1}"#);
    nix(&mut state, &build_start(2, "small", ""));
    log_lines(&mut state, 2, 100);
    nix(&mut state, r#"@nix {"action":"stop","id":2}"#);
    nix(&mut state, &build_start(3, "live", ""));
    log_lines(&mut state, 3, 5000);
    for (index, name) in names.iter().enumerate() {
        let id = 10 + index as u64;
        nix(&mut state, &build_start(id, name, ""));
        log_lines(&mut state, id, LOG_LINES_KEPT);
        nix(
            &mut state,
            &format!(r#"@nix {{"action":"stop","id":{id}}}"#),
        );
    }

    assert_eq!(
        state.units[0].status,
        UnitStatus::Failed { exit_code: Some(1) }
    );
    assert_eq!(
        state.units[0].log.lines.len(),
        LOG_LINES_KEPT,
        "failed: intact"
    );
    assert_eq!(state.units[2].log.lines.len(), 5000, "running: intact");
    assert_eq!(state.units[1].log.lines.len(), 100, "short: intact");
    let done = &state.units[3..];
    let mut trimmed: Vec<usize> = done
        .iter()
        .map(|unit| unit.log.lines.len())
        .filter(|&len| len < LOG_LINES_KEPT)
        .collect();
    trimmed.dedup();
    assert_eq!(trimmed.len(), 1, "cut to one common length: {trimmed:?}");
    assert!(trimmed[0] > 100);
    let first = &done[0].log;
    assert_eq!(first.total, LOG_LINES_KEPT as u64);
    assert_eq!(
        first.lines.back().map(String::as_str),
        Some(format!("10: {}", LOG_LINES_KEPT - 1).as_str()),
        "the newest lines stay"
    );
}

#[test]
fn running_logs_are_trimmed_too_when_they_alone_are_too_many() {
    let jobs = LOG_LINES_KEPT_IN_TOTAL / LOG_LINES_KEPT + 1;
    let names: Vec<String> = (0..jobs).map(|n| format!("job-{n}")).collect();
    let units: Vec<(&str, &[UnitId])> = names.iter().map(|name| (name.as_str(), &[][..])).collect();
    let starts: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(index, name)| build_start(index as u64 + 1, name, ""))
        .collect();
    let (mut state, _) = synthetic(&units, &starts);
    for _ in 0..LOG_LINES_KEPT {
        for id in 1..=jobs as u64 {
            log_lines(&mut state, id, 1);
        }
    }
    let lengths: Vec<usize> = state
        .units
        .iter()
        .map(|unit| unit.log.lines.len())
        .collect();
    assert!(
        lengths.iter().all(|&len| len < LOG_LINES_KEPT),
        "{lengths:?}"
    );
    assert!(lengths.iter().max().unwrap_or(&0) - lengths.iter().min().unwrap_or(&0) <= 1);
}

#[test]
fn a_new_session_clears_the_old_one() {
    let Run { mut state, .. } = replay(
        &fixture("28-keepgoing-2fail-v.jsonl"),
        KEEPGOING,
        &[],
        false,
    );
    state.apply(&BackendEvent::PlanningStarted, Duration::ZERO);
    assert!(state.units.is_empty() && state.messages.is_empty() && state.drv_to_unit.is_empty());
    assert_eq!(state.phase, Phase::Planning);
    assert_eq!(state.counters, Counters::default());
    assert_eq!(
        state.unit_for_drv("/nix/store/2ry44csdk3qzadkv9cjd6mqf4pk856ss-fail-one-1.0.drv"),
        None
    );
}

fn any_line() -> impl Strategy<Value = String> {
    let name = prop_oneof![Just("a"), Just("b"), Just("c"), Just("zz")];
    let id = 1..6u64;
    prop_oneof![
        (id.clone(), name.clone()).prop_map(|(id, name)| build_start(id, name, "")),
        (id.clone(), name.clone(), prop_oneof![Just(100), Just(108), Just(110)]).prop_map(|(id, name, kind)| format!(
            r#"@nix {{"action":"start","fields":["/nix/store/{name}","x"],"id":{id},"level":0,"text":"","type":{kind}}}"#
        )),
        id.clone().prop_map(|id| format!(r#"@nix {{"action":"start","id":{id},"level":0,"text":"","type":104}}"#)),
        id.clone().prop_map(|id| format!(r#"@nix {{"action":"stop","id":{id}}}"#)),
        (id.clone(), 0..4u64, 0..4u64).prop_map(|(id, done, failed)| format!(
            r#"@nix {{"action":"result","fields":[{done},4,0,{failed}],"id":{id},"type":105}}"#
        )),
        (id, prop_oneof![Just(101), Just(104), Just(107)]).prop_map(|(id, kind)| format!(
            r#"@nix {{"action":"result","fields":["text"],"id":{id},"type":{kind}}}"#
        )),
        name.clone().prop_map(|name| format!(
            r#"@nix {{"action":"msg","level":0,"msg":"error: builder for '/nix/store/{name}.drv' failed with exit code 1"}}"#
        )),
        name.prop_map(|name| format!(
            r#"@nix {{"action":"msg","level":0,"msg":"error: 1 dependencies of derivation '/nix/store/{name}.drv' failed to build"}}"#
        )),
        ".{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn counters_stay_exact_for_any_event_order(lines in prop::collection::vec(any_line(), 0..40)) {
        let units: &PlanUnits = &[("a", &[]), ("b", &[0]), ("c", &[0, 1])];
        let (mut state, _) = synthetic(units, &lines);
        state.apply(&BackendEvent::Finished { success: false, exit_code: None }, Duration::from_secs(99));
        prop_assert_eq!(state.counters, recount(&state));
        prop_assert_eq!(state.counters.building + state.counters.substituting, 0);
    }
}

#[test]
fn failures_of_derivations_that_are_not_units_are_in_the_build_record() {
    let units: &PlanUnits = &[("good-1.0", &[]), ("top-1.0", &[0])];
    let Run { state, .. } = replay(&fixture("28-keepgoing-2fail-v.jsonl"), units, &[], false);
    let plan = plan(units);
    let record = last_build::LastBuild::from_state(&plan, &state);
    let other: Vec<(&str, &str, Vec<&str>)> = record
        .other_failures
        .iter()
        .map(|failure| {
            (
                failure.drv_path.as_str(),
                failure.message.as_str(),
                failure.log_tail.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        other,
        [
            (
                "/nix/store/6j02rs71n4msj2wcfm7ma0vnh0iq7h2c-fail-two-1.0.drv",
                "error: builder for '/nix/store/6j02rs71n4msj2wcfm7ma0vnh0iq7h2c-fail-two-1.0.drv' failed with exit code 2",
                vec!["f2 starting", "f2 dying"],
            ),
            (
                "/nix/store/2ry44csdk3qzadkv9cjd6mqf4pk856ss-fail-one-1.0.drv",
                "error: builder for '/nix/store/2ry44csdk3qzadkv9cjd6mqf4pk856ss-fail-one-1.0.drv' failed with exit code 1",
                vec!["f1 starting", "f1 dying"],
            ),
        ]
    );
    assert!(record.failures.is_empty());
}

#[test]
fn a_failure_reported_after_its_build_stopped_keeps_the_log_tail() {
    let units: &PlanUnits = &[("broken-crate-0.3.0", &[])];
    let (mut state, _) = synthetic(units, &[]);
    nix(&mut state, &build_start(1, "native-dep", ""));
    for n in 0..OTHER_FAILURE_LOG_LINES + 2 {
        nix(
            &mut state,
            &format!(
                r#"@nix {{"action":"result","fields":["\u001b[31mline {n}\u001b[0m"],"id":1,"type":101}}"#
            ),
        );
    }
    nix(&mut state, r#"@nix {"action":"stop","id":1}"#);
    nix(
        &mut state,
        r#"@nix {"action":"msg","level":0,"msg":"error: builder for '/nix/store/native-dep.drv' failed with exit code 2"}"#,
    );
    let [failure] = &state.other_failures[..] else {
        panic!("{:?}", state.other_failures)
    };
    assert_eq!(failure.drv_path, "/nix/store/native-dep.drv");
    assert_eq!(failure.log_tail.len(), OTHER_FAILURE_LOG_LINES);
    assert_eq!(failure.log_tail[0], "line 2");
    assert_eq!(state.units[0].status, UnitStatus::Planned);
    state.apply(&BackendEvent::BuildStarted, Duration::ZERO);
    assert!(state.other_failures.is_empty(), "a new build, a new record");
}

/// Recorded streams and the plans their derivations belong to.
const RECORDED: &[(&str, &PlanUnits)] = &[
    ("28-keepgoing-2fail-v.jsonl", KEEPGOING),
    ("28-chain-success-v.jsonl", CHAIN),
    ("28-fail-v.jsonl", FAIL),
    ("28-eval-missing-attr-show-trace.jsonl", CHAIN),
];

/// One line of Nix's stderr as bytes: a recorded line cut anywhere (even inside a UTF-8
/// sequence), with a byte overwritten, with bytes inserted, or any bytes at all.
fn garbled_line(recorded: Vec<String>) -> impl Strategy<Value = Vec<u8>> {
    let line = prop::sample::select(recorded).prop_map(String::into_bytes);
    prop_oneof![
        line.clone(),
        (line.clone(), any::<prop::sample::Index>())
            .prop_map(|(line, at)| line[..at.index(line.len() + 1)].to_vec()),
        (line.clone(), any::<prop::sample::Index>(), any::<u8>()).prop_map(
            |(mut line, at, byte)| {
                if !line.is_empty() {
                    let at = at.index(line.len());
                    line[at] = byte;
                }
                line
            }
        ),
        (
            line,
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..8)
        )
            .prop_map(|(mut line, at, bytes)| {
                let at = at.index(line.len() + 1);
                line.splice(at..at, bytes);
                line
            }),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// A recorded session with some of its lines garbled, dropped or repeated.
fn garbled_session() -> impl Strategy<Value = (usize, Vec<Vec<u8>>)> {
    (0..RECORDED.len()).prop_flat_map(|index| {
        let recorded: Vec<String> = fixture(RECORDED[index].0)
            .lines()
            .map(str::to_owned)
            .collect();
        (
            Just(index),
            prop::collection::vec(garbled_line(recorded), 0..60),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn garbled_streams_never_panic_the_parser_or_the_reducer(
        (index, lines) in garbled_session()
    ) {
        let (name, units) = RECORDED[index];
        let text = fixture(name);
        let mut events = session_events(&text, units, &[], false);
        let finished = events.pop();
        events.truncate(6);
        events.extend(
            lines
                .iter()
                .map(|line| BackendEvent::Nix(parse_line(&String::from_utf8_lossy(line)))),
        );
        events.extend(finished);
        let mut state = BuildState::default();
        for (step, event) in events.iter().enumerate() {
            state.apply(event, Duration::from_secs(step as u64));
            prop_assert_eq!(state.counters, recount(&state));
        }
        let plan = plan(units);
        let record = last_build::LastBuild::from_state(&plan, &state);
        prop_assert!(record.other_failures.len() <= lines.len());
    }
}

#[test]
fn derivations_that_are_not_units_have_the_states_of_units() {
    // Only `app` is a unit: the substituted crates stand for toolchain or native deps.
    let units: &PlanUnits = &[("app-1.0.0", &[])];
    let Run { state, .. } = replay(
        &fixture("28-mixed-substitute-and-build.jsonl"),
        units,
        &[],
        true,
    );
    let others: Vec<(&str, &str, &UnitStatus)> = state
        .others
        .iter()
        .map(|other| (other.name.as_str(), other.kind.label(), &other.status))
        .collect();
    let cache = UnitStatus::Substituted {
        from: "file:///home/user/example/cache".into(),
    };
    assert_eq!(
        others,
        [
            ("crate-a-0.1.0", "native-dep", &cache),
            ("crate-b-0.2.0", "native-dep", &cache),
        ]
    );
    // Nix 2.8 reports no progress for small copies; a big one counts its bytes.
    let lines = [
        r#"@nix {"action":"start","fields":["/nix/store/x-rustc-1.95.0","https://cache.nixos.org"],"id":1,"level":0,"text":"","type":108}"#,
        r#"@nix {"action":"start","fields":["/nix/store/x-rustc-1.95.0","https://cache.nixos.org","local"],"id":2,"level":3,"text":"copying","type":100}"#,
        r#"@nix {"action":"result","fields":[1000,250000,0,0],"id":2,"type":105}"#,
    ]
    .map(str::to_owned);
    let (state, _) = synthetic(units, &lines);
    assert_eq!(state.others[0].kind.label(), "toolchain");
    assert_eq!(state.others[0].bytes, Some((1000, 250_000)));

    let units: &PlanUnits = &[("good-1.0", &[]), ("top-1.0", &[0])];
    let Run { state, .. } = replay(&fixture("28-keepgoing-2fail-v.jsonl"), units, &[], false);
    let others: Vec<(&str, &UnitStatus)> = state
        .others
        .iter()
        .map(|other| (other.name.as_str(), &other.status))
        .collect();
    assert_eq!(
        others,
        [
            ("fail-one-1.0", &UnitStatus::Failed { exit_code: Some(1) }),
            ("fail-two-1.0", &UnitStatus::Failed { exit_code: Some(2) }),
        ]
    );
}

#[test]
fn after_a_success_units_nothing_needed_are_cached_and_units_not_asked_for_stay_planned() {
    // A no-op: the root is in the store, its dependencies are not (collected garbage).
    let Run { state, history } = replay("", CHAIN, &[2], true);
    assert_eq!(
        statuses(&state),
        [UnitStatus::Cached, UnitStatus::Cached, UnitStatus::Cached]
    );
    assert!(history.iter().all(|statuses| statuses.len() == 1));

    // Only `crate-b` was asked for and built: `app` was not, nor was `crate-a` needed.
    let units: &PlanUnits = &[("crate-a", &[]), ("crate-b", &[]), ("app", &[0])];
    let (mut state, _) = synthetic(units, &[build_start(1, "crate-b", "")]);
    nix(&mut state, r#"@nix {"action":"stop","id":1}"#);
    state.apply(
        &BackendEvent::Finished {
            success: true,
            exit_code: Some(0),
        },
        Duration::from_secs(5),
    );
    assert!(matches!(state.units[1].status, UnitStatus::Built { .. }));
    assert_eq!(state.units[0].status, UnitStatus::Planned);
    assert_eq!(state.units[2].status, UnitStatus::Planned);
}

#[test]
fn the_log_of_a_failed_derivation_that_is_not_a_unit_is_stored_plain() {
    let units: &PlanUnits = &[("app", &[])];
    let lines = [
        build_start(1, "h-zlib-src", ""),
        r#"@nix {"action":"result","fields":["\u001b[1mdownloading\u001b[0m zlib"],"id":1,"type":101}"#.to_owned(),
        r#"@nix {"action":"result","fields":["@nix {\"action\":\"msg\",\"level\":0,\"msg\":\"\\u001b[31;1merror:\\u001b[0m unable to download\"}"],"id":1,"type":101}"#.to_owned(),
        r#"@nix {"action":"result","fields":["@nix {\"action\":\"start\",\"id\":7,\"type\":101}"],"id":1,"type":101}"#.to_owned(),
        r#"@nix {"action":"msg","level":0,"msg":"error: builder for '/nix/store/h-zlib-src.drv' failed with exit code 1"}"#.to_owned(),
    ];
    let (state, _) = synthetic(units, &lines);
    let record = last_build::LastBuild::from_state(&plan(units), &state);
    assert_eq!(
        record.other_failures[0].log_tail,
        ["downloading zlib", "error: unable to download"]
    );
    assert_eq!(state.others[0].kind.label(), "source");
    assert_eq!(
        state.others[0].status,
        UnitStatus::Failed { exit_code: Some(1) }
    );
}
