//! Streams recorded from Nix 2.26 (tests/fixtures/nix-2.26, made by its record.sh inside
//! the Nix 2.26 root), replayed through the parser and the reducer as the engine feeds
//! them: the same expressions as the Nix 2.8 recordings, with substitution from a local
//! binary cache and from one that cannot be reached.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use libnix_tui::backend::build_state::{BuildState, Counters, UnitStatus};
use libnix_tui::backend::nix::protocol::{NixEvent, parse_line};
use libnix_tui::backend::plan::{
    BuildPlan, Package, PackageSource, Profile, Unit, UnitDep, UnitId, UnitKind,
};
use libnix_tui::backend::{BackendEvent, UnitPaths};

/// Units named like the recorded derivations (`<name>.drv`), with their dependencies.
type Units = [(&'static str, &'static [UnitId])];

const CHAIN: &Units = &[
    ("crate-a-0.1.0", &[]),
    ("crate-b-0.2.0", &[0]),
    ("app-1.0.0", &[0, 1]),
];
const FAIL: &Units = &[("ok-dep-1.0", &[]), ("broken-crate-0.3.0", &[0])];
const KEEPGOING: &Units = &[
    ("fail-one-1.0", &[]),
    ("fail-two-1.0", &[]),
    ("good-1.0", &[]),
    ("needs-f1-1.0", &[0]),
    ("top-1.0", &[0, 1, 2, 3]),
];

const STREAMS: &[(&str, &Units)] = &[
    ("226-chain-success.jsonl", CHAIN),
    ("226-chain-noop.jsonl", CHAIN),
    ("226-fail.jsonl", FAIL),
    ("226-keepgoing.jsonl", KEEPGOING),
    ("226-no-keepgoing-abort.jsonl", KEEPGOING),
    ("226-substitute-file-cache.jsonl", CHAIN),
    ("226-substitute-unreachable.jsonl", CHAIN),
];

fn stream(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/nix-2.26/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn plan(units: &Units) -> Arc<BuildPlan> {
    let package = |name: &str| Package {
        id: name.into(),
        name: name.into(),
        version: "1.0.0".into(),
        manifest_dir: PathBuf::from("/w").join(name),
        source: PackageSource::Path,
        links: None,
        is_member: true,
        declared_features: Vec::new(),
        metadata_env: BTreeMap::new(),
    };
    Arc::new(BuildPlan {
        workspace_root: PathBuf::from("/w"),
        target_dir: PathBuf::from("/w/target"),
        packages: units
            .iter()
            .map(|(name, _)| (name.to_string(), package(name)))
            .collect(),
        units: units
            .iter()
            .map(|(name, deps)| Unit {
                key: name.to_string(),
                metadata_hash: String::new(),
                package: name.to_string(),
                kind: UnitKind::Lib,
                target_name: name.to_string(),
                crate_types: vec!["lib".into()],
                edition: "2021".into(),
                src_path: PathBuf::from("src/lib.rs"),
                features: Vec::new(),
                profile: Profile::dev(),
                deps: deps
                    .iter()
                    .map(|&unit| UnitDep {
                        unit,
                        extern_crate_name: format!("dep{unit}"),
                    })
                    .collect(),
            })
            .collect(),
        roots: vec![units.len() - 1],
        ..BuildPlan::default()
    })
}

/// The derivation and output paths the stream names for each unit; made-up ones where it
/// names none (a no-op names nothing, a substitution only the output).
fn unit_paths(text: &str, units: &Units) -> Vec<UnitPaths> {
    let paths: Vec<&str> = text
        .match_indices("/nix/store/")
        .map(|(start, _)| {
            let rest = &text[start..];
            let end = rest[11..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || "+-._?=".contains(c)))
                .map_or(rest.len(), |end| end + 11);
            &rest[..end]
        })
        .collect();
    let find = |suffix: &str| paths.iter().find(|p| p.ends_with(suffix)).copied();
    units
        .iter()
        .enumerate()
        .map(|(unit, (name, _))| UnitPaths {
            unit,
            drv_path: find(&format!("-{name}.drv"))
                .map_or_else(|| format!("/nix/store/unseen-{name}.drv"), str::to_string),
            out_path: find(&format!("-{name}"))
                .map_or_else(|| format!("/nix/store/unseen-{name}"), str::to_string),
        })
        .collect()
}

struct Replayed {
    state: BuildState,
    /// Statuses each unit went through, in order.
    history: Vec<Vec<UnitStatus>>,
}

/// A whole session over the stream `name`, checking the counters after every event.
fn replay(name: &str, units: &Units, already_valid: &[UnitId], success: bool) -> Replayed {
    let text = stream(name);
    let mut events = vec![
        BackendEvent::PlanningStarted,
        BackendEvent::Planned(plan(units)),
        BackendEvent::EvaluationStarted,
        BackendEvent::Instantiated(unit_paths(&text, units)),
        BackendEvent::AlreadyValid(already_valid.to_vec()),
        BackendEvent::BuildStarted,
    ];
    events.extend(text.lines().map(|line| BackendEvent::Nix(parse_line(line))));
    events.push(BackendEvent::Finished {
        success,
        exit_code: Some(if success { 0 } else { 100 }),
    });
    let mut state = BuildState::default();
    let mut history = vec![Vec::new(); units.len()];
    for (step, event) in events.iter().enumerate() {
        for unit in state.apply(event, Duration::from_secs(step as u64)) {
            history[unit].push(state.units[unit].status.clone());
        }
        assert_eq!(
            state.counters,
            Counters::count(&state.units),
            "{name}: after {event:?}"
        );
    }
    Replayed { state, history }
}

fn log(state: &BuildState, unit: UnitId) -> Vec<&str> {
    state.units[unit]
        .log
        .lines
        .iter()
        .map(String::as_str)
        .collect()
}

#[test]
fn every_record_is_typed_and_every_stream_is_replayed() {
    let recorded = std::fs::read_dir(format!(
        "{}/tests/fixtures/nix-2.26",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the recordings")
    .flatten()
    .filter(|entry| entry.file_name().to_string_lossy().ends_with(".jsonl"))
    .count();
    assert_eq!(recorded, STREAMS.len(), "a recording is not replayed here");
    for (name, units) in STREAMS {
        let text = stream(name);
        let raw: Vec<&str> = text
            .lines()
            .filter(|line| matches!(parse_line(line), NixEvent::Raw(_)))
            .collect();
        assert!(raw.is_empty(), "{name}: untyped records {raw:?}");
        for valid in [&[][..], &[0]] {
            replay(name, units, valid, false);
        }
    }
}

#[test]
fn a_chain_builds_one_unit_after_another_with_its_logs() {
    let Replayed { state, history } = replay("226-chain-success.jsonl", CHAIN, &[], true);
    assert_eq!(
        state.counters,
        Counters {
            built: 3,
            ..Counters::default()
        }
    );
    for (unit, history) in history.iter().enumerate() {
        assert!(
            matches!(
                history[..],
                [UnitStatus::Building { .. }, UnitStatus::Built { .. }]
            ),
            "{unit}: {history:?}"
        );
    }
    assert_eq!(
        log(&state, 0),
        [
            "configuring a",
            "   Compiling crate-a v0.1.0",
            "warning: unused variable",
            "progress 100%",
            "@nix not-json"
        ]
    );
    assert_eq!(state.units[0].phase.as_deref(), Some("buildPhase"));
    assert_eq!(log(&state, 2), ["linking app"]);
    assert!(state.messages.iter().any(|m| m == "builder-sent msg"));
}

#[test]
fn a_noop_reports_nothing_for_units_already_valid() {
    let Replayed { state, history } = replay("226-chain-noop.jsonl", CHAIN, &[0, 1, 2], true);
    assert_eq!(
        state.counters,
        Counters {
            cached: 3,
            ..Counters::default()
        }
    );
    assert!(history.iter().all(|h| h[..] == [UnitStatus::Cached]));
}

#[test]
fn a_failure_without_keep_going_fails_its_unit_with_the_builders_exit_code() {
    let Replayed { state, .. } = replay("226-fail.jsonl", FAIL, &[], false);
    assert!(matches!(state.units[0].status, UnitStatus::Built { .. }));
    assert_eq!(
        state.units[1].status,
        UnitStatus::Failed {
            exit_code: Some(101)
        }
    );
    assert_eq!(state.units[1].log.total, 16);
    assert_eq!(
        state.units[1].log.lines.back().map(String::as_str),
        Some("error[E0425]: cannot find value x in this scope")
    );
    assert!(
        state.units[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("broken-crate-0.3.0.drv") && !e.contains('\u{1b}')),
        "{:?}",
        state.units[1].error
    );
}

#[test]
fn keep_going_fails_both_failures_builds_the_rest_and_skips_their_dependents() {
    let Replayed { state, .. } = replay("226-keepgoing.jsonl", KEEPGOING, &[], false);
    assert_eq!(
        state.units[0].status,
        UnitStatus::Failed { exit_code: Some(1) }
    );
    assert_eq!(
        state.units[1].status,
        UnitStatus::Failed { exit_code: Some(2) }
    );
    assert!(matches!(state.units[2].status, UnitStatus::Built { .. }));
    assert_eq!(state.units[3].status, UnitStatus::Skipped);
    assert_eq!(state.units[4].status, UnitStatus::Skipped);
    assert_eq!(log(&state, 0), ["f1 starting", "f1 dying"]);
    assert_eq!(log(&state, 1), ["f2 starting", "f2 dying"]);
}

#[test]
fn without_keep_going_nix_cuts_the_other_builds_short() {
    let Replayed { state, .. } = replay("226-no-keepgoing-abort.jsonl", KEEPGOING, &[], false);
    assert_eq!(
        state.units[1].status,
        UnitStatus::Failed { exit_code: Some(2) }
    );
    for unit in [0, 2] {
        assert_eq!(state.units[unit].status, UnitStatus::Interrupted, "{unit}");
    }
    assert_eq!(state.units[4].status, UnitStatus::Skipped);
}

#[test]
fn substitutions_from_a_local_cache_are_linked_by_output_path() {
    let Replayed { state, history } = replay("226-substitute-file-cache.jsonl", CHAIN, &[], true);
    for unit in [0, 1] {
        let [
            UnitStatus::Substituting { from },
            UnitStatus::Substituted { from: done },
        ] = &history[unit][..]
        else {
            panic!("{unit}: {:?}", history[unit])
        };
        assert!(
            from.starts_with("file:///") && from.ends_with("/cache"),
            "{from}"
        );
        assert_eq!(from, done);
    }
    assert!(matches!(state.units[2].status, UnitStatus::Built { .. }));
    assert_eq!(
        state.counters,
        Counters {
            substituted: 2,
            built: 1,
            ..Counters::default()
        }
    );
}

#[test]
fn an_unreachable_cache_is_a_warning_and_every_unit_is_built() {
    let Replayed { state, .. } = replay("226-substitute-unreachable.jsonl", CHAIN, &[], true);
    assert_eq!(
        state.counters,
        Counters {
            built: 3,
            ..Counters::default()
        }
    );
    assert!(
        state
            .messages
            .iter()
            .any(|m| m
                .starts_with("warning: unable to download 'http://127.0.0.1:9/nix-cache-info'")),
        "{:?}",
        state.messages
    );
    assert!(state.messages.iter().all(|m| !m.contains('\u{1b}')));
}
