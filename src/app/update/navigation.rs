//! Moving around: the units pane's selection and jumps, follow mode, scrolling the log and
//! the diagnosis, mouse clicks and the wheel.

use ratatui::layout::Position;

use crate::app::log_view::LogView;
use crate::app::state::{AppState, Focus, Job, Mode, NoticeKind};
use crate::app::tree::OutsideNode;
use crate::backend::build_state::{LogBuffer, UnitStatus};
use crate::backend::plan::UnitId;

use super::{log_height, notify, panes, tree_height};

/// Resets what belonged to the previously selected unit.
pub(super) fn selection_changed(state: &mut AppState) {
    state.log.reset();
    state.diagnosis_scroll = 0;
    let selected_crate = state
        .selected_unit()
        .and_then(|unit| state.unit_info(unit))
        .map(|(_, package)| package.name.clone());
    if state
        .rebuild_offer
        .as_ref()
        .is_some_and(|offer| Some(&offer.crate_name) != selected_crate.as_ref())
    {
        // The offer was for the crate just edited; `r` means the selection again.
        state.rebuild_offer = None;
        state.notice = None;
    }
}

/// Scrolls the units pane so that the selected row shows.
pub(super) fn selection_into_view(state: &mut AppState) {
    let height = tree_height(state);
    state
        .tree
        .scroll_selection_into_view(&state.build, state.now, height);
}

/// Selects `unit` where it is built, opening the tree along the way to it; a filter that
/// would hide it is dropped.
pub(super) fn jump_to_unit(state: &mut AppState, unit: UnitId) {
    if let Some(filter) = state.tree.filter
        && !state
            .status(unit)
            .is_some_and(|status| filter.matches(status))
    {
        state.tree.filter = None;
    }
    let path = state.tree.dag.home_path(unit);
    if state.tree.flat {
        state.tree.select_path(path);
    } else {
        state.tree.reveal(path);
    }
    selection_into_view(state);
}

/// Selects the derivation outside the crate graph at `index` in the build's `others`,
/// opening its group; a filter that would hide it is dropped.
fn jump_to_other(state: &mut AppState, index: usize) {
    let Some(other) = state.build.others.get(index) else {
        return;
    };
    if state
        .tree
        .filter
        .is_some_and(|filter| !filter.matches(&other.status))
    {
        state.tree.filter = None;
    }
    let node = OutsideNode::Derivation {
        kind: other.kind,
        path: other.path.clone(),
    };
    state.tree.select_outside(node);
    selection_into_view(state);
}

fn jump_to(state: &mut AppState, job: Job) {
    match job {
        Job::Unit(unit) => jump_to_unit(state, unit),
        Job::Other(index) => jump_to_other(state, index),
    }
}

/// The job the selection is on, if it is on a unit or a derivation.
fn selected_job(state: &AppState) -> Option<Job> {
    if let Some(unit) = state.selected_unit() {
        return Some(Job::Unit(unit));
    }
    let OutsideNode::Derivation { path, .. } = state.tree.selected_outside.as_ref()? else {
        return None;
    };
    let others = &state.build.others;
    others
        .iter()
        .rposition(|other| other.path == *path)
        .map(Job::Other)
}

pub(super) fn page(height: usize) -> isize {
    height.saturating_sub(1).max(1) as isize
}

pub(super) fn scroll_log(state: &mut AppState, delta: isize) {
    let height = log_height(state);
    with_selected_log(state, |view, log| view.scroll(log, height, delta));
}

/// Runs `change` on the log pane's view with the selection's log, if it has one.
pub(super) fn with_selected_log<T>(
    state: &mut AppState,
    change: impl FnOnce(&mut LogView, &LogBuffer) -> T,
) -> Option<T> {
    // Taken out while the log is borrowed from the rest of the state.
    let mut view = std::mem::take(&mut state.log);
    let result = state.selected_log().map(|log| change(&mut view, &log));
    state.log = view;
    result
}

/// Scrolls a diagnosis that is longer than its pane, no further than its last line.
pub(super) fn scroll_diagnosis(state: &mut AppState, delta: isize) {
    let panes = panes(state);
    let hidden = panes
        .diagnosis_rows
        .saturating_sub(panes.diagnosis_lines().height);
    let scrolled = (state.diagnosis_scroll as isize).saturating_add(delta);
    state.diagnosis_scroll = u16::try_from(scrolled.max(0))
        .unwrap_or(u16::MAX)
        .min(hidden);
}

/// Selects the next failed unit after the selection, in the order the pane shows units,
/// then the failed derivations outside the crate graph, and round again.
pub(super) fn next_failed(state: &mut AppState) {
    let failed = |state: &AppState, job| {
        matches!(job_status(state, job), Some(UnitStatus::Failed { .. }))
            || matches!(job, Job::Unit(unit) if state.test_failed(unit))
    };
    if !next_in_pane_order(state, true, failed) {
        notify(state, NoticeKind::Info, "No failed units");
        return;
    }
    state.focus = Focus::Tree;
}

fn job_status(state: &AppState, job: Job) -> Option<&UnitStatus> {
    match job {
        Job::Unit(unit) => state.status(unit),
        Job::Other(index) => state.build.others.get(index).map(|other| &other.status),
    }
}

/// Selects the job after the selected one in the running-now list, longest running first.
pub(super) fn next_running(state: &mut AppState) {
    let running: Vec<Job> = state.running_jobs().iter().map(|r| r.job).collect();
    let Some(next) = first_after(&running, selected_job(state), |_| true) else {
        notify(state, NoticeKind::Info, "Nothing is building right now");
        return;
    };
    jump_to(state, next);
    state.focus = Focus::Tree;
}

/// Follow mode after units or derivations outside the crate graph changed state: a failure
/// stops it there; otherwise the selection goes to the most recently started build.
pub(super) fn follow_builds(state: &mut AppState, changed: &[UnitId]) {
    let others_changed = &state.build.others_changed;
    if !state.follow || (changed.is_empty() && others_changed.is_empty()) {
        return;
    }
    let failed = |status: &UnitStatus| matches!(status, UnitStatus::Failed { .. });
    let failed_unit = changed
        .iter()
        .copied()
        .find(|&unit| state.status(unit).is_some_and(failed))
        .map(Job::Unit);
    let failed_other = others_changed
        .iter()
        .copied()
        .find(|&index| failed(&state.build.others[index].status))
        .map(Job::Other);
    match failed_unit.or(failed_other) {
        Some(job) => follow_into_failure(state, job),
        None => {
            let previous = state.selected_item();
            follow_newest_build(state);
            if state.selected_item() != previous {
                selection_changed(state);
            }
        }
    }
}

/// In follow mode, a failure (a unit's, a derivation's, a test run's tests') stops it there.
pub(super) fn follow_into_failure(state: &mut AppState, job: Job) {
    if !state.follow {
        return;
    }
    let previous = state.selected_item();
    state.follow = false;
    jump_to(state, job);
    let what = match job {
        Job::Unit(unit) if state.test_failed(unit) => "A test run",
        Job::Unit(_) => "A unit",
        Job::Other(_) => "A derivation outside the crate graph",
    };
    notify(
        state,
        NoticeKind::Error,
        format!("{what} failed: follow mode stopped on it — F follows again"),
    );
    if state.selected_item() != previous {
        selection_changed(state);
    }
}

/// Selects the most recently started build, unit or not, if one is running.
pub(super) fn follow_newest_build(state: &mut AppState) {
    let since = |status: &UnitStatus| match status {
        UnitStatus::Building { since, .. } => Some(*since),
        _ => None,
    };
    let units = state.build.units.iter().enumerate();
    let units =
        units.filter_map(|(unit, unit_state)| Some((since(&unit_state.status)?, Job::Unit(unit))));
    let others = state.build.others.iter().enumerate();
    let others =
        others.filter_map(|(index, other)| Some((since(&other.status)?, Job::Other(index))));
    if let Some((_, job)) = units.chain(others).max()
        && selected_job(state) != Some(job)
    {
        jump_to(state, job);
    }
}

/// Selects the next (or previous) unit or derivation after the selected one that satisfies
/// `wanted`, wrapping around, among those the pane can show: the units in the flat list's
/// order or breadth-first in the tree, then the derivations outside the crate graph.
/// Returns whether one was found.
pub(super) fn next_in_pane_order(
    state: &mut AppState,
    forward: bool,
    wanted: impl Fn(&AppState, Job) -> bool,
) -> bool {
    if state.build.plan.is_none() {
        return false;
    }
    let mut order = jobs_in_pane_order(state);
    if !forward {
        order.reverse();
    }
    let current = selected_job(state);
    let Some(job) = first_after(&order, current, |job| wanted(state, job)) else {
        return false;
    };
    if current != Some(job) {
        jump_to(state, job);
    }
    true
}

/// The first of `order` after `current` (from the start when it is not there) that is
/// `wanted`, wrapping around.
fn first_after<T: Copy + PartialEq>(
    order: &[T],
    current: Option<T>,
    wanted: impl Fn(T) -> bool,
) -> Option<T> {
    let start = order
        .iter()
        .position(|&item| Some(item) == current)
        .map_or(0, |index| index + 1);
    order[start..]
        .iter()
        .chain(&order[..start])
        .copied()
        .find(|&item| wanted(item))
}

/// The units the pane can show, in the flat list's order or breadth-first in the tree, then
/// the derivations outside the crate graph the filter keeps.
fn jobs_in_pane_order(state: &AppState) -> Vec<Job> {
    let filter = state.tree.filter;
    let kept = |status: Option<&UnitStatus>| {
        filter.is_none_or(|filter| status.is_some_and(|status| filter.matches(status)))
    };
    let units: Vec<UnitId> = if state.tree.flat {
        state
            .tree_rows()
            .iter()
            .filter_map(|row| row.unit())
            .collect()
    } else {
        let order = state.tree.dag.order().iter().copied();
        order.filter(|&unit| kept(state.status(unit))).collect()
    };
    let others = state.build.others.iter().enumerate();
    let others = others.filter(|(_, other)| kept(Some(&other.status)));
    units
        .into_iter()
        .map(Job::Unit)
        .chain(others.map(|(index, _)| Job::Other(index)))
        .collect()
}

pub(super) fn click(state: &mut AppState, position: Position) {
    if state.mode() != Mode::Normal {
        return;
    }
    let panes = panes(state);
    if panes.tree.contains(position) {
        state.focus = Focus::Tree;
        let rows_area = panes.tree_rows();
        if state.build.plan.is_some() && rows_area.contains(position) {
            state.follow = false;
            let previous = state.selected_item();
            let rows = state.tree_rows();
            state
                .tree
                .click(&rows, usize::from(position.y - rows_area.y));
            selection_into_view(state);
            if state.selected_item() != previous {
                selection_changed(state);
            }
        }
    } else if let Some(running) = panes.running
        && running.contains(position)
    {
        let lines = panes.running_lines();
        let clicked = usize::from(position.y.saturating_sub(lines.y));
        if lines.contains(position)
            && let Some(job) = state.running_jobs().get(clicked).map(|r| r.job)
        {
            state.follow = false;
            state.focus = Focus::Tree;
            let previous = state.selected_item();
            jump_to(state, job);
            if state.selected_item() != previous {
                selection_changed(state);
            }
        }
    } else if panes.diagnosis.is_some_and(|area| area.contains(position)) {
        if panes.diagnosis_overflows() {
            state.focus = Focus::Diagnosis;
        }
    } else if panes.log.contains(position) {
        state.focus = Focus::Log;
    }
}

pub(super) fn scroll(state: &mut AppState, position: Position, lines: isize) {
    if state.mode() != Mode::Normal {
        return;
    }
    let panes = panes(state);
    if panes.tree.contains(position) {
        let height = usize::from(panes.tree_rows().height);
        let rows = state.tree_rows().len();
        state.tree.scroll(rows, lines, height);
    } else if panes.diagnosis.is_some_and(|area| area.contains(position)) {
        scroll_diagnosis(state, lines);
    } else if panes.log.contains(position) {
        scroll_log(state, lines);
    }
}
