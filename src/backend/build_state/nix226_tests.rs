//! Streams recorded from Nix 2.26 (tests/fixtures/nix-2.26, made by its record.sh inside
//! the Nix 2.26 root), replayed through the parser and the reducer as the engine feeds
//! them, with the helpers of the Nix 2.8 replays: the same expressions, plus substitution
//! from a local binary cache and from one that cannot be reached.

use super::tests::{
    CHAIN, FAIL, KEEPGOING, PlanUnits, Run, assert_all_three_cached, assert_chain_built, log,
    replay,
};
use super::{Counters, UnitStatus};
use crate::backend::nix::protocol::{NixEvent, parse_line};

const STREAMS: &[(&str, &PlanUnits)] = &[
    ("226-chain-success.jsonl", CHAIN),
    ("226-chain-noop.jsonl", CHAIN),
    ("226-fail.jsonl", FAIL),
    ("226-keepgoing.jsonl", KEEPGOING),
    ("226-no-keepgoing-abort.jsonl", KEEPGOING),
    ("226-substitute-file-cache.jsonl", CHAIN),
    ("226-substitute-unreachable.jsonl", CHAIN),
];

fn recorded_226(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/nix-2.26/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
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
        let text = recorded_226(name);
        let raw: Vec<&str> = text
            .lines()
            .filter(|line| matches!(parse_line(line), NixEvent::Raw(_)))
            .collect();
        assert!(raw.is_empty(), "{name}: untyped records {raw:?}");
        for valid in [&[][..], &[0]] {
            replay(&recorded_226(name), units, valid, false);
        }
    }
}

#[test]
fn a_chain_builds_one_unit_after_another_with_its_logs() {
    let name = "226-chain-success.jsonl";
    assert_chain_built(name, &replay(&recorded_226(name), CHAIN, &[], true));
}

#[test]
fn a_noop_reports_nothing_for_units_already_valid() {
    let Run { state, history } = replay(
        &recorded_226("226-chain-noop.jsonl"),
        CHAIN,
        &[0, 1, 2],
        true,
    );
    assert_all_three_cached(&state, &history);
}

#[test]
fn a_failure_without_keep_going_fails_its_unit_with_the_builders_exit_code() {
    let Run { state, .. } = replay(&recorded_226("226-fail.jsonl"), FAIL, &[], false);
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
    let Run { state, .. } = replay(&recorded_226("226-keepgoing.jsonl"), KEEPGOING, &[], false);
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
    let Run { state, .. } = replay(
        &recorded_226("226-no-keepgoing-abort.jsonl"),
        KEEPGOING,
        &[],
        false,
    );
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
    let Run { state, history } = replay(
        &recorded_226("226-substitute-file-cache.jsonl"),
        CHAIN,
        &[],
        true,
    );
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
    let Run { state, .. } = replay(
        &recorded_226("226-substitute-unreachable.jsonl"),
        CHAIN,
        &[],
        true,
    );
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
