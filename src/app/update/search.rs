//! Search prompts over unit names and log lines, and typing into prompts and the editor.

use crate::app::action::Command;
use crate::app::state::{AppState, NoticeKind, SearchTarget};
use crate::backend::plan::UnitId;

use super::navigation::{next_in_tree_order, selection_changed, with_selected_log};
use super::{log_height, notify};

pub(super) fn unit_name_matches(state: &AppState, unit: UnitId, query: &str) -> bool {
    let Some((_, package)) = state.unit_info(unit) else {
        return false;
    };
    package.name.to_lowercase().contains(&query.to_lowercase())
}

pub(super) fn next_unit_match(state: &mut AppState, forward: bool) {
    let Some(query) = state.tree.query.clone() else {
        return;
    };
    if !next_in_tree_order(state, forward, |state, unit| {
        unit_name_matches(state, unit, &query)
    }) {
        notify(
            state,
            NoticeKind::Info,
            format!("No unit matches “{query}”"),
        );
    }
}

pub(super) fn next_log_match(state: &mut AppState, forward: bool) {
    let height = log_height(state);
    let found = with_selected_log(state, |view, log| view.find(log, height, forward));
    if found == Some(false)
        && let Some(query) = state.log.query.clone()
    {
        notify(
            state,
            NoticeKind::Info,
            format!("No log line matches “{query}”"),
        );
    }
}

pub(super) fn search_command(state: &mut AppState, command: Command) {
    let Some(prompt) = state.search.take() else {
        return;
    };
    match command {
        Command::Submit if !prompt.query.is_empty() => match prompt.target {
            SearchTarget::Units => {
                state.tree.query = Some(prompt.query);
                state.notice = None;
            }
            SearchTarget::Log => {
                state.log.query = Some(prompt.query);
                state.log.current_match = None;
                next_log_match(state, true);
            }
        },
        Command::Submit | Command::Dismiss => {}
        _ => state.search = Some(prompt),
    }
}

/// Types (`Some`) or erases (`None`) a character in the open prompt or editor.
pub(super) fn type_text(state: &mut AppState, character: Option<char>) {
    if let Some(editor) = &mut state.editor {
        match character {
            Some(character) => editor.type_char(character),
            None => editor.erase(),
        }
        return;
    }
    let Some(prompt) = &mut state.search else {
        return;
    };
    match character {
        Some(character) => prompt.query.push(character),
        None => {
            prompt.query.pop();
        }
    }
    if prompt.target == SearchTarget::Units && !prompt.query.is_empty() {
        let query = prompt.query.clone();
        let previous = state.selected_item();
        let previous_path = state.tree.selected.clone();
        let previous_outside = state.tree.selected_outside.take();
        // Incremental: the first match from the top, as the query grows.
        state.tree.selected.clear();
        if !next_in_tree_order(state, true, |state, unit| {
            unit_name_matches(state, unit, &query)
        }) {
            state.tree.selected = previous_path;
            state.tree.selected_outside = previous_outside;
            notify(
                state,
                NoticeKind::Info,
                format!("No unit matches “{query}”"),
            );
        }
        if state.selected_item() != previous {
            selection_changed(state);
        }
    }
}
