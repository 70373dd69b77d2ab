//! The one place the application state changes: an [`Action`] in, [`Effect`]s out, no IO.
//! May import the app's state, actions, effects and layout and the backend's data; never the
//! shell, views or cli.
//!
//! One file per concern: `build` (builds and engine events), `navigation` (selection,
//! scrolling, mouse), `search` (prompts), `deps` (the deps editor and fixes), `hints`.

mod build;
mod deps;
mod hints;
mod navigation;
mod search;

use ratatui::layout::{Position, Rect, Size};

use crate::app::action::{Action, Command};
use crate::app::effect::Effect;
use crate::app::event::AppEvent;
use crate::app::layout::{self, Panes};
use crate::app::log_view::LogView;
use crate::app::state::{
    AppState, DepsEntry, ErrorScreen, Focus, Mode, Notice, NoticeKind, RebuildOffer, SearchPrompt,
    SearchTarget,
};

use crate::app::tree::{StatusFilter, TreeRow};
use crate::backend::build_state::UnitStatus;
use crate::backend::plan::CargoVerb;

use build::{backend_event, cancel, rebuild, request_build, test_run_read};
use deps::{apply_fix, editor_command, load_deps_entry_if_needed, open_editor, save_edit};
use navigation::{
    click, follow_newest_build, next_failed, next_running, page, scroll, scroll_diagnosis,
    scroll_log, selection_changed, selection_into_view, with_selected_log,
};
use search::{next_log_match, next_unit_match, search_command, type_text};

/// Applies one action and returns what the shell should do about it.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    let mut effects = match action {
        Action::Command(command) => command_effects(state, command),
        Action::Type(character) => {
            type_text(state, Some(character));
            Vec::new()
        }
        Action::Erase => {
            type_text(state, None);
            Vec::new()
        }
        Action::Click { column, row } => {
            click(state, Position::new(column, row));
            Vec::new()
        }
        Action::Scroll { column, row, lines } => {
            scroll(state, Position::new(column, row), lines as isize);
            Vec::new()
        }
        Action::Resize { width, height } => {
            state.screen = Size::new(width, height);
            if state.build.plan.is_some() {
                selection_into_view(state);
            }
            Vec::new()
        }
        Action::Tick(now) => {
            state.now = now;
            Vec::new()
        }
        Action::Backend(event) => backend_event(state, event),
        Action::App(event) => app_event(state, event),
    };
    effects.extend(load_deps_entry_if_needed(state));
    effects
}

fn panes(state: &AppState) -> Panes {
    let screen = Rect::new(0, 0, state.screen.width, state.screen.height);
    layout::panes(screen, state)
}

fn tree_height(state: &AppState) -> usize {
    usize::from(panes(state).tree_rows().height)
}

fn log_height(state: &AppState) -> usize {
    usize::from(panes(state).log_lines().height)
}

fn notify(state: &mut AppState, kind: NoticeKind, text: impl Into<String>) {
    state.notice = Some(Notice {
        kind,
        text: text.into(),
    });
}

fn command_effects(state: &mut AppState, command: Command) -> Vec<Effect> {
    if command == Command::Quit {
        return vec![Effect::Quit];
    }
    match state.mode() {
        Mode::Error => error_screen_command(state, command),
        Mode::Editor => {
            editor_command(state, command);
            match command {
                Command::Submit => save_edit(state),
                _ => Vec::new(),
            }
        }
        Mode::Search => {
            search_command(state, command);
            Vec::new()
        }
        Mode::Help => {
            if matches!(command, Command::Help | Command::Dismiss) {
                state.show_help = false;
            }
            Vec::new()
        }
        Mode::Normal => normal_command(state, command),
    }
}

fn error_screen_command(state: &mut AppState, command: Command) -> Vec<Effect> {
    match command {
        Command::Dismiss => {
            state.error_screen = None;
            Vec::new()
        }
        Command::Build => {
            state.error_screen = None;
            request_build(state, CargoVerb::Build, None)
        }
        _ => Vec::new(),
    }
}

fn normal_command(state: &mut AppState, command: Command) -> Vec<Effect> {
    if state.build.plan.is_none() {
        return match command {
            Command::Build => request_build(state, CargoVerb::Build, None),
            Command::Test => request_build(state, CargoVerb::Test, None),
            Command::Check => request_build(state, CargoVerb::Check, None),
            Command::Cancel => cancel(state),
            Command::Help => {
                state.show_help = true;
                Vec::new()
            }
            // `b` plans again before it builds: F pressed right after it is meant for the
            // build that comes.
            Command::ToggleFollow => {
                toggle_follow(state);
                Vec::new()
            }
            _ => Vec::new(),
        };
    }
    let tree_height = tree_height(state);
    let log_height = log_height(state);
    let previous = state.selected_item();
    if is_manual_move(command, state.focus) {
        state.follow = false;
    }
    match command {
        Command::Up | Command::Down => {
            let delta = if command == Command::Up { -1 } else { 1 };
            match state.focus {
                Focus::Tree => {
                    let rows = state.tree_rows();
                    state.tree.move_selection(&rows, delta, tree_height);
                }
                Focus::Diagnosis => scroll_diagnosis(state, delta),
                Focus::Log => scroll_log(state, delta),
            }
        }
        Command::Collapse => {
            state.tree.collapse();
            selection_into_view(state);
        }
        Command::Expand => {
            let rows = state.tree_rows();
            state.tree.expand(&rows);
            selection_into_view(state);
        }
        Command::Toggle => {
            state.tree.toggle();
            selection_into_view(state);
        }
        Command::ExpandAll => {
            state.tree.expand_all();
            selection_into_view(state);
        }
        Command::ToggleFlat => {
            state.tree.flat = !state.tree.flat;
            if !state.tree.flat {
                // Back in the tree: open the way to the unit selected in the list.
                if state.tree.selected_outside.is_none() {
                    let path = state.tree.selected.clone();
                    state.tree.reveal(path);
                }
            }
            selection_into_view(state);
        }
        Command::CycleOrder => {
            if state.tree.flat {
                state.tree.order = state.tree.order.next();
            } else {
                state.tree.flat = true;
            }
            selection_into_view(state);
        }
        Command::CycleFilter => {
            state.tree.filter = StatusFilter::next(state.tree.filter);
            select_first_kept_unless_selected(state);
        }
        Command::ToggleFollow => toggle_follow(state),
        Command::NextRunning => next_running(state),
        Command::FocusNext => {
            state.focus = match state.focus {
                Focus::Tree if panes(state).diagnosis_overflows() => Focus::Diagnosis,
                Focus::Tree | Focus::Diagnosis => Focus::Log,
                Focus::Log => Focus::Tree,
            }
        }
        Command::PageUp | Command::PageDown => {
            let delta = if command == Command::PageUp { -1 } else { 1 };
            match state.focus {
                Focus::Diagnosis => {
                    let rows = panes(state).diagnosis.map_or(1, |area| area.height);
                    scroll_diagnosis(state, delta * page(usize::from(rows)));
                }
                Focus::Tree | Focus::Log => scroll_log(state, delta * page(log_height)),
            }
        }
        Command::LogTop => {
            with_selected_log(state, LogView::to_top);
        }
        Command::LogFollow => state.log.follow_tail(),
        Command::ToggleWrap => state.log.wrap = !state.log.wrap,
        Command::Build => return request_build(state, CargoVerb::Build, None),
        Command::Test => return request_build(state, CargoVerb::Test, None),
        Command::Check => return request_build(state, CargoVerb::Check, None),
        Command::RebuildSelected => return rebuild(state),
        Command::Cancel => return cancel(state),
        Command::NextFailed => next_failed(state),
        Command::ApplyFix => return apply_fix(state),
        Command::Search => {
            let target = match state.focus {
                Focus::Tree => SearchTarget::Units,
                Focus::Diagnosis | Focus::Log => SearchTarget::Log,
            };
            state.search = Some(SearchPrompt {
                target,
                query: String::new(),
            });
        }
        Command::SearchNext | Command::SearchPrev => {
            let forward = command == Command::SearchNext;
            match state.focus {
                Focus::Tree => next_unit_match(state, forward),
                Focus::Diagnosis | Focus::Log => next_log_match(state, forward),
            }
        }
        Command::ToggleDetails => state.show_details = !state.show_details,
        Command::ToggleTimeline => state.show_timeline = !state.show_timeline,
        Command::Edit => open_editor(state),
        Command::Help => state.show_help = true,
        Command::Dismiss => {
            state.show_timeline = false;
            state.notice = None;
            state.tree.query = None;
            state.log.query = None;
            state.log.current_match = None;
        }
        Command::Quit
        | Command::Submit
        | Command::ToggleScope
        | Command::PreviousEditKind
        | Command::NextEditKind => {}
    }
    if state.selected_item() != previous {
        selection_changed(state);
    }
    Vec::new()
}

fn toggle_follow(state: &mut AppState) {
    state.follow = !state.follow;
    if state.follow {
        follow_newest_build(state);
    }
}

/// After the filter changed: the selection stays when the filter keeps its unit or
/// derivation, else goes to the first one the filter keeps (not a path leading to it).
fn select_first_kept_unless_selected(state: &mut AppState) {
    let kept = |state: &AppState, status: Option<&UnitStatus>| {
        status.is_some_and(|status| state.tree.filter.is_none_or(|f| f.matches(status)))
    };
    let selected = match state.selected_unit() {
        Some(unit) => state.status(unit),
        None => state.selected_other().map(|other| &other.status),
    };
    let rows = state.tree_rows();
    let row_status = |row: &TreeRow| match row.unit() {
        Some(unit) => state.status(unit),
        None => row.derivation(&state.build).map(|other| &other.status),
    };
    if !kept(state, selected)
        && let Some(row) = rows.iter().find(|row| kept(state, row_status(row)))
    {
        state.tree.select_row(row);
    }
    selection_into_view(state);
}

/// Whether `command` moves the selection by hand, which ends follow mode.
fn is_manual_move(command: Command, focus: Focus) -> bool {
    match command {
        Command::Up
        | Command::Down
        | Command::Search
        | Command::SearchNext
        | Command::SearchPrev => focus == Focus::Tree,
        Command::Collapse
        | Command::Expand
        | Command::Toggle
        | Command::NextFailed
        | Command::NextRunning => true,
        _ => false,
    }
}

fn app_event(state: &mut AppState, event: AppEvent) -> Vec<Effect> {
    match event {
        AppEvent::DepsSaved(Ok(summary)) => {
            let Some(target) = state.pending_edit.take() else {
                return Vec::new();
            };
            state.editor = None;
            let crate_name = target.name.clone();
            state.rebuild_offer = Some(RebuildOffer {
                crate_name: target.name,
                version: target.version,
            });
            notify(
                state,
                NoticeKind::Success,
                format!("Saved: {summary} — r rebuilds {crate_name} and its dependents"),
            );
            // The entry changed: read it again.
            state.deps_entry = None;
            Vec::new()
        }
        AppEvent::DepsSaved(Err(error)) => {
            state.pending_edit = None;
            match &mut state.editor {
                Some(editor) => editor.error = Some(error),
                None => notify(state, NoticeKind::Error, error),
            }
            Vec::new()
        }
        AppEvent::DepsEntry { crate_name, text } => {
            state.deps_entry = Some(DepsEntry {
                crate_name,
                text: Some(text),
            });
            Vec::new()
        }
        AppEvent::TestRun {
            unit,
            out_path,
            outcome,
        } => {
            test_run_read(state, unit, &out_path, outcome);
            Vec::new()
        }
        AppEvent::Diagnosis { unit, text } => {
            state.diagnoses.insert(unit, text);
            Vec::new()
        }
        AppEvent::LastBuildTimings(timeline) => {
            state.last_build_timings = Some(*timeline);
            Vec::new()
        }
        AppEvent::ShellFailed(error) => {
            notify(state, NoticeKind::Error, error);
            Vec::new()
        }
        AppEvent::Fatal { message, hint } => {
            state.error_screen = Some(ErrorScreen { message, hint });
            Vec::new()
        }
    }
}
