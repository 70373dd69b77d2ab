//! Builds: asking for, cancelling and rebuilding; engine events and what a finish means.

use std::sync::Arc;

use crate::app::effect::Effect;
use crate::app::state::{AppState, ErrorScreen, NoticeKind, RebuildOffer};
use crate::backend::BackendEvent;
use crate::backend::build_state::last_build::{self, LastBuild};
use crate::backend::build_state::{Phase, UnitStatus};
use crate::backend::diagnose::diagnose;
use crate::backend::plan::UnitId;

use super::hints::hint_for;
use super::notify;

pub(super) fn request_build(state: &mut AppState, only: Option<Vec<UnitId>>) -> Vec<Effect> {
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
    state.rebuild_offer = None;
    state.notice = None;
    vec![Effect::Build { only }]
}

pub(super) fn rebuild(state: &mut AppState) -> Vec<Effect> {
    if let Some(offer) = state.rebuild_offer.clone() {
        let units = units_of_crate(state, &offer);
        let label = match &offer.version {
            Some(version) => format!("{} {version}", offer.crate_name),
            None => offer.crate_name.clone(),
        };
        let effects = request_build(state, Some(units));
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
        Some(unit) => request_build(state, Some(vec![unit])),
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
    if let BackendEvent::Error(message) = &event {
        if state.build.plan.is_none() {
            state.error_screen = Some(ErrorScreen {
                hint: hint_for(message),
                message: message.clone(),
            });
        } else {
            let first_line = message.lines().next().unwrap_or_default();
            notify(state, NoticeKind::Error, first_line);
        }
    }
    if matches!(event, BackendEvent::PlanningStarted) {
        // Unit ids belong to one plan.
        state.diagnoses.clear();
        state.fixes.clear();
        state.fix_preview = None;
    }
    let previous_plan = state.build.plan.clone();
    let changed = state.build.apply(&event, state.now);
    diagnose_failures(state, &changed);
    if let Some(plan) = state.build.plan.clone()
        && !previous_plan.is_some_and(|previous| Arc::ptr_eq(&previous, &plan))
    {
        state.tree.adopt_plan(&plan);
        state.log.reset();
    }
    let BackendEvent::Finished { success, .. } = event else {
        return Vec::new();
    };
    announce_finish(state, success);
    // What `doctor` reads, as after a headless build.
    match &state.build.plan {
        Some(plan) => vec![Effect::RecordBuild(Box::new(LastBuild::from_state(
            plan,
            &state.build,
        )))],
        None => Vec::new(),
    }
}

/// A diagnosis, and a fix when one is known, for every unit that just failed.
pub(super) fn diagnose_failures(state: &mut AppState, changed: &[UnitId]) {
    let Some(plan) = state.build.plan.clone() else {
        return;
    };
    for &unit in changed {
        if !matches!(state.build.units[unit].status, UnitStatus::Failed { .. }) {
            continue;
        }
        let log = last_build::plain_log(&state.build, unit);
        let Some(diagnosis) = diagnose(&plan.package_of(unit).name, &log) else {
            continue;
        };
        let text = diagnosis.report(1);
        match diagnosis.suggestion {
            Some(suggestion) => {
                state.fixes.insert(unit, suggestion);
            }
            None => {
                state.fixes.remove(&unit);
            }
        }
        state.diagnoses.insert(unit, text);
    }
}

pub(super) fn announce_finish(state: &mut AppState, success: bool) {
    if success {
        notify(state, NoticeKind::Success, "Build finished");
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
        let text = match (failed, reason) {
            (0, Some(reason)) => format!("Build failed: {}", reason.trim()),
            (0, None) => "Build failed".to_owned(),
            _ => format!("Build failed: {failed} unit(s) failed — f jumps to the next one"),
        };
        notify(state, NoticeKind::Error, text);
    }
}
