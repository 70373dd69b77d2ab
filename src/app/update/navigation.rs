//! Moving around: the units pane's selection and jumps, follow mode, scrolling the log and
//! the diagnosis, mouse clicks and the wheel.

use ratatui::layout::Position;

use crate::app::state::{AppState, Focus, Mode, NoticeKind};
use crate::backend::build_state::UnitStatus;
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
    let rows = state.tree_rows();
    let height = tree_height(state);
    state.tree.scroll_into_view(&rows, height);
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
        state.tree.selected = path;
    } else {
        state.tree.reveal(path);
    }
    selection_into_view(state);
}

pub(super) fn page(height: usize) -> isize {
    height.saturating_sub(1).max(1) as isize
}

pub(super) fn scroll_log(state: &mut AppState, delta: isize) {
    let height = log_height(state);
    if let Some(unit) = state.selected_unit()
        && let Some(unit_state) = state.build.units.get(unit)
    {
        state.log.scroll(&unit_state.log, height, delta);
    }
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

/// Selects the next failed unit after the selected one, in breadth-first order.
pub(super) fn next_failed(state: &mut AppState) {
    let found = next_in_tree_order(state, true, |state, unit| {
        matches!(state.status(unit), Some(UnitStatus::Failed { .. }))
    });
    if found {
        state.focus = Focus::Tree;
    } else {
        notify(state, NoticeKind::Info, "No failed units");
    }
}

/// Selects the unit after the selected one in the running-now list, longest running first.
pub(super) fn next_running(state: &mut AppState) {
    let running = state.running_units();
    if running.is_empty() {
        notify(state, NoticeKind::Info, "Nothing is building right now");
        return;
    }
    let current = state.selected_unit();
    let next = running
        .iter()
        .position(|running| Some(running.unit) == current)
        .map_or(0, |index| (index + 1) % running.len());
    jump_to_unit(state, running[next].unit);
    state.focus = Focus::Tree;
}

/// Follow mode after units changed state: a failure stops it there; otherwise the
/// selection goes to the most recently started build.
pub(super) fn follow_builds(state: &mut AppState, changed: &[UnitId]) {
    if !state.follow || changed.is_empty() {
        return;
    }
    let failed = changed
        .iter()
        .copied()
        .find(|&unit| matches!(state.status(unit), Some(UnitStatus::Failed { .. })));
    let previous_unit = state.selected_unit();
    match failed {
        Some(unit) => {
            state.follow = false;
            jump_to_unit(state, unit);
            notify(
                state,
                NoticeKind::Error,
                "A unit failed: follow mode stopped on it — F follows again",
            );
        }
        None => follow_newest_build(state),
    }
    if state.selected_unit() != previous_unit {
        selection_changed(state);
    }
}

/// Selects the most recently started build, if one is running.
pub(super) fn follow_newest_build(state: &mut AppState) {
    let newest = state
        .build
        .units
        .iter()
        .enumerate()
        .filter_map(|(unit, unit_state)| match unit_state.status {
            UnitStatus::Building { since, .. } => Some((since, unit)),
            _ => None,
        })
        .max();
    if let Some((_, unit)) = newest
        && state.selected_unit() != Some(unit)
    {
        jump_to_unit(state, unit);
    }
}

/// Selects the next (or previous) unit after the selected one that satisfies `wanted`,
/// wrapping around, among the units the pane can show: in the flat list's order, or
/// breadth-first in the tree. Returns whether one was found.
pub(super) fn next_in_tree_order(
    state: &mut AppState,
    forward: bool,
    wanted: impl Fn(&AppState, UnitId) -> bool,
) -> bool {
    if state.build.plan.is_none() {
        return false;
    }
    let mut order: Vec<UnitId> = if state.tree.flat {
        state.tree_rows().iter().map(|row| row.unit()).collect()
    } else {
        let filter = state.tree.filter;
        state
            .tree
            .dag
            .order()
            .iter()
            .copied()
            .filter(|&unit| {
                filter.is_none_or(|filter| state.status(unit).is_some_and(|s| filter.matches(s)))
            })
            .collect()
    };
    if !forward {
        order.reverse();
    }
    let current = state.selected_unit();
    let start = order
        .iter()
        .position(|&unit| Some(unit) == current)
        .map_or(0, |index| index + 1);
    let found = order[start..]
        .iter()
        .chain(&order[..start])
        .copied()
        .find(|&unit| wanted(state, unit));
    let Some(unit) = found else {
        return false;
    };
    if state.selected_unit() != Some(unit) {
        jump_to_unit(state, unit);
    }
    true
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
            let previous_unit = state.selected_unit();
            let rows = state.tree_rows();
            state
                .tree
                .click(&rows, usize::from(position.y - rows_area.y));
            selection_into_view(state);
            if state.selected_unit() != previous_unit {
                selection_changed(state);
            }
        }
    } else if let Some(running) = panes.running
        && running.contains(position)
    {
        let lines = panes.running_lines();
        let clicked = usize::from(position.y.saturating_sub(lines.y));
        if lines.contains(position)
            && let Some(unit) = state.running_units().get(clicked).map(|r| r.unit)
        {
            state.follow = false;
            state.focus = Focus::Tree;
            let previous_unit = state.selected_unit();
            jump_to_unit(state, unit);
            if state.selected_unit() != previous_unit {
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
