//! Builds: asking for, cancelling and rebuilding; engine events and what a finish means.

use std::sync::Arc;

use crate::app::effect::Effect;
use crate::app::state::{
    AppState, ErrorScreen, Job, NoticeKind, RebuildOffer, TestOutcome, records_test_results,
};
use crate::backend::BackendEvent;
use crate::backend::build_state::last_build::{self, LastBuild};
use crate::backend::build_state::{Phase, UnitStatus};
use crate::backend::diagnose::diagnose;
use crate::backend::plan::{CargoVerb, UnitId};
use crate::backend::test_results::TestCounts;

use super::hints::hint_for;
use super::navigation::{follow_builds, follow_into_failure};
use super::notify;

/// Asks for `verb`'s unit graph to be planned and built: `only` these units and their
/// dependents, or everything.
pub(super) fn request_build(
    state: &mut AppState,
    verb: CargoVerb,
    only: Option<Vec<UnitId>>,
) -> Vec<Effect> {
    if state.is_busy() {
        let why = if state.build.phase == Phase::Planning {
            "Still planning: Cargo is computing the unit graph"
        } else {
            "A build is already running: c cancels it"
        };
        notify(state, NoticeKind::Info, why);
        return Vec::new();
    }
    state.build_requested = true;
    state.cancel_requested = false;
    state.rebuild_offer = None;
    state.notice = None;
    state.verb = verb;
    vec![Effect::Build { verb, only }]
}

pub(super) fn rebuild(state: &mut AppState) -> Vec<Effect> {
    if let Some(offer) = state.rebuild_offer.clone() {
        let units = units_of_crate(state, &offer);
        let label = match &offer.version {
            Some(version) => format!("{} {version}", offer.crate_name),
            None => offer.crate_name.clone(),
        };
        let effects = request_build(state, state.verb, Some(units));
        if !effects.is_empty() {
            notify(
                state,
                NoticeKind::Info,
                format!("Rebuilding {label} and its dependents"),
            );
        }
        return effects;
    }
    match state.selected_unit() {
        Some(unit) => request_build(state, state.verb, Some(vec![unit])),
        None => Vec::new(),
    }
}

pub(super) fn units_of_crate(state: &AppState, offer: &RebuildOffer) -> Vec<UnitId> {
    let Some(plan) = state.plan() else {
        return Vec::new();
    };
    (0..plan.units.len())
        .filter(|&unit| {
            state.unit_info(unit).is_some_and(|(_, package)| {
                package.name == offer.crate_name
                    && offer
                        .version
                        .as_ref()
                        .is_none_or(|version| *version == package.version)
            })
        })
        .collect()
}

pub(super) fn cancel(state: &mut AppState) -> Vec<Effect> {
    if state.is_busy() {
        state.cancel_requested = true;
        notify(state, NoticeKind::Info, "Cancelling the build…");
        vec![Effect::Cancel]
    } else {
        notify(state, NoticeKind::Info, "Nothing to cancel");
        Vec::new()
    }
}

pub(super) fn backend_event(state: &mut AppState, event: BackendEvent) -> Vec<Effect> {
    if matches!(
        event,
        BackendEvent::PlanningStarted
            | BackendEvent::EvaluationStarted
            | BackendEvent::BuildStarted
            | BackendEvent::Finished { .. }
            | BackendEvent::Error(_)
    ) {
        state.build_requested = false;
    }
    if let BackendEvent::Warning(message) = &event {
        notify(state, NoticeKind::Info, format!("warning: {message}"));
    }
    if let BackendEvent::Error(error) = &event {
        if state.build.plan.is_none() {
            state.error_screen = Some(ErrorScreen {
                hint: hint_for(error.kind),
                message: error.message.clone(),
            });
        } else {
            // Whole: it names the file and line to fix; the status line wraps it.
            notify(state, NoticeKind::Error, error.message.trim());
        }
    }
    if matches!(event, BackendEvent::PlanningStarted) {
        // Unit ids belong to one plan.
        state.diagnoses.clear();
        state.fixes.clear();
        state.fix_preview = None;
        state.fetch_started.clear();
        state.other_fetch_started.clear();
        state.test_outcomes.clear();
        // Planning reads the deps file again; so does the view of an entry.
        state.deps_entry = None;
    }
    let previous_plan = state.build.plan.clone();
    let changed = state.build.apply(&event, state.now);
    note_fetch_starts(state, &changed);
    diagnose_failures(state, &changed);
    if let Some(plan) = state.build.plan.clone()
        && !previous_plan.is_some_and(|previous| Arc::ptr_eq(&previous, &plan))
    {
        state.tree.adopt_plan(&plan);
        state.log.reset();
    }
    follow_builds(state, &changed);
    let mut effects = read_test_runs(state, &changed);
    let BackendEvent::Finished { success, .. } = event else {
        return effects;
    };
    announce_finish(state, success);
    announce_tests(state);
    // What `doctor` reads, as after a headless build.
    if let Some(plan) = &state.build.plan {
        let record = LastBuild::from_state(plan, &state.build);
        effects.push(Effect::RecordBuild(Box::new(record)));
    }
    effects
}

/// Asks the shell for what each test run among `changed` recorded, once it is in the
/// store: run now or in an earlier build.
fn read_test_runs(state: &AppState, changed: &[UnitId]) -> Vec<Effect> {
    let Some(plan) = state.plan() else {
        return Vec::new();
    };
    changed
        .iter()
        .filter(|&&unit| records_test_results(plan.units[unit].kind))
        .filter_map(|&unit| {
            let unit_state = &state.build.units[unit];
            let stored = matches!(
                unit_state.status,
                UnitStatus::Built { .. } | UnitStatus::Cached | UnitStatus::Substituted { .. }
            );
            let out_path = unit_state.out_path.clone().filter(|_| stored)?;
            Some(Effect::ReadTestRun { unit, out_path })
        })
        .collect()
}

/// Keeps what a test run recorded, if it is a run of the current plan.
pub(super) fn test_run_read(
    state: &mut AppState,
    unit: UnitId,
    out_path: &str,
    outcome: Result<TestOutcome, String>,
) {
    let current = state.unit_state(unit).and_then(|u| u.out_path.as_deref());
    if current != Some(out_path) {
        return;
    }
    match outcome {
        Ok(outcome) => {
            let failed = outcome.failed();
            state.test_outcomes.insert(unit, outcome);
            if failed {
                follow_into_failure(state, Job::Unit(unit));
            }
            announce_tests(state);
        }
        Err(error) => notify(state, NoticeKind::Error, error),
    }
}

/// Once a test build has finished and every test run's result is read: how the tests went.
fn announce_tests(state: &mut AppState) {
    let Some(plan) = state.plan() else {
        return;
    };
    if state.verb != CargoVerb::Test || !matches!(state.build.phase, Phase::Finished { .. }) {
        return;
    }
    let runs: Vec<UnitId> = (0..plan.units.len())
        .filter(|&unit| records_test_results(plan.units[unit].kind))
        .filter(|&unit| state.build.units[unit].out_path.is_some())
        .filter(|&unit| {
            matches!(
                state.build.units[unit].status,
                UnitStatus::Built { .. } | UnitStatus::Cached | UnitStatus::Substituted { .. }
            )
        })
        .collect();
    if runs.is_empty()
        || runs
            .iter()
            .any(|unit| !state.test_outcomes.contains_key(unit))
    {
        return;
    }
    let outcomes: Vec<&TestOutcome> = runs.iter().map(|unit| &state.test_outcomes[unit]).collect();
    let TestCounts { passed, failed, .. } = (outcomes.iter())
        .filter_map(|outcome| outcome.counts)
        .fold(TestCounts::default(), |total, counts| total + counts);
    let failed_runs = outcomes.iter().filter(|outcome| outcome.failed()).count();
    let cached = runs
        .iter()
        .filter(|&&unit| state.build.units[unit].status == UnitStatus::Cached)
        .count();
    let binaries = format!(
        "{} test binar{} ({cached} cached)",
        runs.len(),
        if runs.len() == 1 { "y" } else { "ies" }
    );
    if failed_runs == 0 {
        notify(
            state,
            NoticeKind::Success,
            format!("Tests passed: {passed} passed in {binaries}"),
        );
    } else {
        notify(
            state,
            NoticeKind::Error,
            format!(
                "Tests failed: {failed} failed, {passed} passed; {failed_runs} of {binaries} failed — f jumps to the next one"
            ),
        );
    }
}

/// Remembers when units and derivations outside the crate graph started being fetched:
/// the engine's status has no start time for it.
fn note_fetch_starts(state: &mut AppState, changed: &[UnitId]) {
    let fetching = |status: &UnitStatus| matches!(status, UnitStatus::Substituting { .. });
    for &unit in changed {
        if fetching(&state.build.units[unit].status) {
            state.fetch_started.insert(unit, state.now);
        } else {
            state.fetch_started.remove(&unit);
        }
    }
    for &index in &state.build.others_changed {
        let other = &state.build.others[index];
        if fetching(&other.status) {
            state
                .other_fetch_started
                .insert(other.path.clone(), state.now);
        } else {
            state.other_fetch_started.remove(&other.path);
        }
    }
}

/// A diagnosis, and a fix when one is known, for every unit that just failed. A failed link
/// leads with the linker's own words, not the command line of thousands of characters
/// before them (the log keeps it).
pub(super) fn diagnose_failures(state: &mut AppState, changed: &[UnitId]) {
    let Some(plan) = state.build.plan.clone() else {
        return;
    };
    for &unit in changed {
        if !matches!(state.build.units[unit].status, UnitStatus::Failed { .. }) {
            continue;
        }
        let log = last_build::plain_log(&state.build, unit);
        let mut parts = Vec::new();
        let link_errors = readable_link_errors(log.iter().map(String::as_str));
        if !link_errors.is_empty() {
            parts.push(format!(
                "The link failed:\n  {}\n(the full linker command is in the log: w wraps it)",
                link_errors.join("\n  ")
            ));
        }
        state.fixes.remove(&unit);
        if let Some(diagnosis) = diagnose(&plan.package_of(unit).name, &log) {
            let text = diagnosis.report(1);
            if let Some(suggestion) = diagnosis.suggestion {
                state.fixes.insert(unit, suggestion);
            }
            parts.push(text);
        }
        if !parts.is_empty() {
            state.diagnoses.insert(unit, parts.join("\n"));
        }
    }
}

/// The most linker lines a diagnosis quotes.
const LINK_ERRORS_SHOWN: usize = 8;

/// What a person reads in a failed link: the linker's errors (`undefined reference`,
/// `cannot find -lX`, ...), without rustc's `= note:` prefixes and without the command line.
/// Empty when the log shows no failed link.
pub(super) fn readable_link_errors<'a>(log: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    const SIGNS: &[&str] = &[
        "undefined reference to",
        "cannot find -l",
        "unable to find library",
        "undefined symbol",
        "multiple definition of",
        "ld: error",
        "lld: error",
        "collect2: error",
    ];
    let log: Vec<&str> = log.into_iter().collect();
    if !log.iter().any(|line| line.contains("error: linking with")) {
        return Vec::new();
    }
    let mut lines: Vec<String> = Vec::new();
    for line in log {
        let line = line.trim_start().trim_start_matches("= note:").trim();
        // The command line quotes arguments; an error never starts with one.
        if line.starts_with('"') || !SIGNS.iter().any(|sign| line.contains(sign)) {
            continue;
        }
        if !lines.iter().any(|seen| seen == line) {
            lines.push(line.to_owned());
        }
    }
    if lines.len() > LINK_ERRORS_SHOWN {
        let more = lines.len() - LINK_ERRORS_SHOWN + 1;
        lines.truncate(LINK_ERRORS_SHOWN - 1);
        lines.push(format!("… and {more} more in the log"));
    }
    lines
}

pub(super) fn announce_finish(state: &mut AppState, success: bool) {
    if success {
        notify(state, NoticeKind::Success, "Build finished");
    } else if state.cancel_requested {
        notify(state, NoticeKind::Info, "Build cancelled — b builds again");
    } else {
        let failed = state
            .build
            .units
            .iter()
            .filter(|unit| matches!(unit.status, UnitStatus::Failed { .. }))
            .count();
        // Without a failed unit the reason is in the engine's messages (an evaluation
        // error, a native dependency's own build): say it, or it is seen nowhere.
        let reason = state
            .build
            .messages
            .iter()
            .rev()
            .find(|m| m.contains("error"))
            .and_then(|m| m.lines().find(|line| line.contains("error")));
        let failed_others: Vec<String> = state
            .build
            .others
            .iter()
            .filter(|other| matches!(other.status, UnitStatus::Failed { .. }))
            .map(|other| format!("{} ({})", other.name, other.kind.label()))
            .collect();
        let text = match (failed, reason) {
            (0, _) if !failed_others.is_empty() => format!(
                "Build failed outside the crate graph: {} — f jumps to it",
                failed_others.join(", ")
            ),
            (0, Some(reason)) => format!("Build failed: {}", reason.trim()),
            (0, None) => "Build failed".to_owned(),
            _ => format!("Build failed: {failed} unit(s) failed — f jumps to the next one"),
        };
        notify(state, NoticeKind::Error, text);
    }
}

#[cfg(test)]
mod tests {
    use super::readable_link_errors;

    #[test]
    fn a_failed_link_is_read_from_the_linker_errors_not_the_command() {
        let log = include_str!("../../../tests/fixtures/failure-logs/engine-pcap.log");
        assert_eq!(
            readable_link_errors(log.lines()),
            [
                "rust-lld: error: unable to find library -lpcap",
                "collect2: error: ld returned 1 exit status",
            ]
        );
        let bfd = include_str!("../../../tests/fixtures/failure-logs/libsqlite3-sys-ld-bfd.log");
        let errors = readable_link_errors(bfd.lines());
        assert!(!errors.is_empty(), "{bfd}");
        assert!(errors.iter().all(|line| line.len() < 300), "{errors:?}");
    }

    #[test]
    fn many_undefined_references_are_counted_not_listed() {
        let mut log = String::from("error: linking with `cc` failed: exit status: 1\n");
        for symbol in 0..20 {
            log.push_str(&format!(
                "  = note: /usr/bin/ld: a.o: undefined reference to `f{symbol}'\n"
            ));
        }
        let errors = readable_link_errors(log.lines());
        assert_eq!(errors.len(), 8);
        assert_eq!(errors[0], "/usr/bin/ld: a.o: undefined reference to `f0'");
        assert_eq!(errors[7], "… and 13 more in the log");
    }

    #[test]
    fn other_failures_have_no_link_errors() {
        assert!(readable_link_errors(["error[E0425]: cannot find value `x`"]).is_empty());
    }
}
