//! Search prompts over unit names and log lines, and typing into prompts and the editor.

use crate::app::action::Command;
use crate::app::state::{AppState, Job, NoticeKind, SearchTarget};
use crate::app::tree::name_matches;

use super::navigation::{next_in_pane_order, selection_changed, with_selected_log};
use super::{log_height, notify};

/// Whether the name of a unit's package, or of a derivation outside the crate graph,
/// matches `query`.
fn job_name_matches(state: &AppState, job: Job, query: &str) -> bool {
    let name = match job {
        Job::Unit(unit) => state.unit_info(unit).map(|(_, package)| &package.name),
        Job::Other(index) => state.build.others.get(index).map(|other| &other.name),
    };
    name.is_some_and(|name| name_matches(name, query))
}

fn no_match(state: &mut AppState, query: &str) {
    notify(
        state,
        NoticeKind::Info,
        format!("No unit or derivation matches “{query}”"),
    );
}

pub(super) fn next_unit_match(state: &mut AppState, forward: bool) {
    let Some(query) = state.tree.query.clone() else {
        return;
    };
    if !next_in_pane_order(state, forward, |state, job| {
        job_name_matches(state, job, &query)
    }) {
        no_match(state, &query);
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
        if !next_in_pane_order(state, true, |state, job| {
            job_name_matches(state, job, &query)
        }) {
            state.tree.selected = previous_path;
            state.tree.selected_outside = previous_outside;
            no_match(state, &query);
        }
        if state.selected_item() != previous {
            selection_changed(state);
        }
    }
}
