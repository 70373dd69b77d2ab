//! How a unit's status looks wherever it is shown: icon, colour, words.

use std::time::Duration;

use ratatui::style::Color;

use crate::app::{AppState, TestCounts, TestOutcome};
use crate::backend::build_state::{OtherDerivation, UnitStatus};
use crate::backend::plan::{BuildPlan, TestTarget, UnitId, UnitKind};

/// A unit's kind in a few letters, for lists where the name needs the room: `lib`, `bin`,
/// `pm` (proc-macro), `ex` (example), `bs` (build script), `bs-run` (running it), `chk`
/// (metadata only), `test` (a test binary), `t-run` (running it), `doc` (doc tests).
pub fn kind_short(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Lib => "lib",
        UnitKind::ProcMacro => "pm",
        UnitKind::Bin => "bin",
        UnitKind::Example => "ex",
        UnitKind::BuildScript => "bs",
        UnitKind::BuildScriptRun => "bs-run",
        UnitKind::Check => "chk",
        UnitKind::Test => "test",
        UnitKind::TestRun => "t-run",
        UnitKind::DocTest => "doc",
    }
}

/// The target a test binary or its run is built from, when the package's name does not say
/// it: an integration test's (`cli`), a binary's of another name; `bin` for the unit tests
/// of the binary named as the package, beside those of its lib.
pub fn test_target(plan: &BuildPlan, unit: UnitId) -> Option<String> {
    let test = plan.units.get(unit)?;
    if !matches!(test.kind, UnitKind::Test | UnitKind::TestRun) {
        return None;
    }
    let named_as_package = test.target_name == plan.package_of(unit).name.replace('-', "_");
    match plan.test_target(unit) {
        TestTarget::Lib | TestTarget::Doc => None,
        TestTarget::Bin if named_as_package => Some("bin".to_owned()),
        TestTarget::Bin | TestTarget::Integration => Some(test.target_name.clone()),
    }
}

pub fn icon(status: &UnitStatus) -> &'static str {
    match status {
        UnitStatus::Planned => "○",
        UnitStatus::Cached => "●",
        UnitStatus::Substituting { .. } => "↓",
        UnitStatus::Substituted { .. } => "⇓",
        UnitStatus::Building { .. } => "◐",
        UnitStatus::Built { .. } => "✔",
        UnitStatus::Failed { .. } => "✘",
        UnitStatus::Skipped => "⊘",
        UnitStatus::Interrupted => "◌",
    }
}

pub fn color(status: &UnitStatus) -> Color {
    match status {
        UnitStatus::Planned | UnitStatus::Skipped => Color::DarkGray,
        UnitStatus::Cached => Color::Blue,
        UnitStatus::Substituting { .. } | UnitStatus::Substituted { .. } => Color::Cyan,
        UnitStatus::Building { .. } => Color::Yellow,
        UnitStatus::Built { .. } => Color::Green,
        UnitStatus::Failed { .. } => Color::Red,
        UnitStatus::Interrupted => Color::Magenta,
    }
}

/// The status in a few words; `now` is the session clock, for running builds.
pub fn describe(status: &UnitStatus, now: Duration) -> String {
    match status {
        UnitStatus::Planned => "planned".into(),
        UnitStatus::Cached => "cached".into(),
        UnitStatus::Substituting { from } => format!("fetching from {}", host(from)),
        UnitStatus::Substituted { from } => format!("from {}", host(from)),
        UnitStatus::Building { machine, since } => {
            let took = format_clock(now.saturating_sub(*since));
            if machine.is_empty() {
                format!("building {took}")
            } else {
                format!("building {took} on {}", host(machine))
            }
        }
        UnitStatus::Built { took } => format!("built in {}", format_duration(*took)),
        UnitStatus::Failed {
            exit_code: Some(code),
        } => format!("failed (exit {code})"),
        UnitStatus::Failed { exit_code: None } => "failed".into(),
        UnitStatus::Skipped => "skipped".into(),
        UnitStatus::Interrupted => "interrupted".into(),
    }
}

/// How a unit shows its state: icon, colour and a few words. A test run shows what its
/// tests did (`cached: 42 passed`, `3 failed, 39 passed`) once that is read.
pub fn unit_look(state: &AppState, unit: UnitId) -> Option<(&'static str, Color, String)> {
    let status = state.status(unit)?;
    let Some(outcome) = state.test_outcomes.get(&unit) else {
        return Some((icon(status), color(status), describe(status, state.now)));
    };
    let cached = matches!(status, UnitStatus::Cached | UnitStatus::Substituted { .. });
    let words = describe_tests(outcome, cached);
    if outcome.failed() {
        Some(("✘", Color::Red, words))
    } else {
        Some((icon(status), color(status), words))
    }
}

/// `cached: 42 passed`, `3 failed, 39 passed, 1 ignored`, `failed (exit 101)`.
pub fn describe_tests(outcome: &TestOutcome, cached: bool) -> String {
    let prefix = if cached { "cached: " } else { "" };
    let words = match outcome.counts {
        Some(TestCounts {
            passed,
            failed,
            ignored,
        }) => {
            let mut words = Vec::new();
            if failed > 0 {
                words.push(format!("{failed} failed"));
            }
            words.push(format!("{passed} passed"));
            if ignored > 0 {
                words.push(format!("{ignored} ignored"));
            }
            words.join(", ")
        }
        None if outcome.failed() => format!("failed (exit {})", outcome.exit_code),
        None => "passed".to_owned(),
    };
    format!("{prefix}{words}")
}

/// A derivation outside the crate graph's status in a few words, with the bytes fetched
/// so far while it is being fetched: `fetching from cache.nixos.org 12.0/250.0 MB`.
pub fn describe_other(other: &OtherDerivation, now: Duration) -> String {
    let status = describe(&other.status, now);
    match (&other.status, other.bytes) {
        (UnitStatus::Substituting { .. }, Some((done, expected))) => {
            format!("{status} {}", transferred(done, expected))
        }
        (UnitStatus::Substituted { .. }, Some((_, expected))) => {
            format!("{status}, {}", megabytes(expected))
        }
        _ => status,
    }
}

/// `12.0/250.0 MB`.
pub fn transferred(done: u64, expected: u64) -> String {
    format!("{:.1}/{}", done as f64 / 1e6, megabytes(expected))
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// A store or machine URI without its scheme and user: `https://cache.nixos.org/` ->
/// `cache.nixos.org`, `ssh://root@127.0.0.1` -> `127.0.0.1`.
pub fn host(uri: &str) -> &str {
    let without_scheme = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let without_user = match without_scheme.split_once('@') {
        Some((user, rest)) if !user.contains('/') => rest,
        _ => without_scheme,
    };
    without_user.trim_end_matches('/')
}

/// A running clock, which changes once a second: `3s`, `42s`, `2m05s`.
pub fn format_clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < 60 {
        format!("{seconds}s")
    } else {
        format_duration(duration)
    }
}

/// A finished duration: `3.5s`, `42s`, `2m05s`, `1h03m`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < 10 {
        format!("{:.1}s", duration.as_secs_f64())
    } else if seconds < 60 {
        format!("{seconds}s")
    } else if seconds < 3600 {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    } else {
        format!("{}h{:02}m", seconds / 3600, seconds % 3600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(3456)), "3.5s");
        assert_eq!(format_duration(Duration::from_secs(42)), "42s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m05s");
        assert_eq!(format_duration(Duration::from_secs(3780)), "1h03m");
        assert_eq!(format_clock(Duration::from_millis(3456)), "3s");
        assert_eq!(format_clock(Duration::from_secs(125)), "2m05s");
    }

    #[test]
    fn running_builds_count_from_their_start() {
        let status = UnitStatus::Building {
            machine: "ssh-ng://builder/".into(),
            since: Duration::from_secs(40),
        };
        assert_eq!(
            describe(&status, Duration::from_secs(52)),
            "building 12s on builder"
        );
    }

    #[test]
    fn places_are_named_without_scheme_and_user() {
        let remote = UnitStatus::Building {
            machine: "ssh://root@127.0.0.1".into(),
            since: Duration::ZERO,
        };
        assert_eq!(
            describe(&remote, Duration::ZERO),
            "building 0s on 127.0.0.1"
        );
        let cache = UnitStatus::Substituted {
            from: "file:///home/a@b/cache".into(),
        };
        assert_eq!(describe(&cache, Duration::ZERO), "from /home/a@b/cache");
    }
}
