//! Moving around: the tree's selection, scrolling the log, mouse clicks and the wheel.

use ratatui::layout::Position;

use crate::app::state::{AppState, Focus, Mode, NoticeKind};
use crate::app::tree;
use crate::backend::build_state::UnitStatus;
use crate::backend::plan::UnitId;

use super::{log_height, notify, panes, tree_height};

/// Resets what belonged to the previously selected unit.
pub(super) fn selection_changed(state: &mut AppState) {
    state.log.reset();
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

/// Selects the next (or previous) unit after the selected one that satisfies `wanted`,
/// wrapping around. Returns whether one was found.
pub(super) fn next_in_tree_order(
    state: &mut AppState,
    forward: bool,
    wanted: impl Fn(&AppState, UnitId) -> bool,
) -> bool {
    let Some(plan) = state.build.plan.clone() else {
        return false;
    };
    let mut paths = tree::shortest_paths(&plan);
    if !forward {
        paths.reverse();
    }
    let current = state.selected_unit();
    let start = paths
        .iter()
        .position(|path| path.last().copied() == current)
        .map_or(0, |index| index + 1);
    let found = paths[start..]
        .iter()
        .chain(&paths[..start])
        .find(|path| path.last().is_some_and(|&unit| wanted(state, unit)))
        .cloned();
    let Some(path) = found else {
        return false;
    };
    let height = tree_height(state);
    if state.tree.selected.last() != path.last() {
        state.tree.reveal(&plan, path, height);
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
        let rows = panes.tree_rows();
        if let Some(plan) = state.build.plan.clone()
            && rows.contains(position)
        {
            let previous_unit = state.selected_unit();
            let row = usize::from(position.y - rows.y);
            state.tree.click(&plan, row, usize::from(rows.height));
            if state.selected_unit() != previous_unit {
                selection_changed(state);
            }
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
        if let Some(plan) = state.build.plan.clone() {
            let height = usize::from(panes.tree_rows().height);
            state.tree.scroll(&plan, lines, height);
        }
    } else if panes.log.contains(position) {
        scroll_log(state, lines);
    }
}
