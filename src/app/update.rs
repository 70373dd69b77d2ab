//! The one place the application state changes.

use std::sync::Arc;

use ratatui::layout::{Position, Rect, Size};

use crate::backend::BackendEvent;
use crate::backend::diagnose::diagnose;
use crate::backend::last_build::{self, LastBuild};
use crate::backend::plan::UnitId;
use crate::backend::state::{Phase, UnitStatus};
use crate::views::layout::{self, Panes};

use super::action::{Action, Command};
use super::editor::Editor;
use super::effect::{DepsEdit, DepsOp, Effect};
use super::event::AppEvent;
use super::state::{
    AppState, DepsEntry, ErrorScreen, Focus, Mode, Notice, NoticeKind, RebuildOffer, SearchPrompt,
    SearchTarget,
};
use super::tree;

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
            if let Some(plan) = state.build.plan.clone() {
                let height = tree_height(state);
                state.tree.move_selection(&plan, 0, height);
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
            request_build(state, None)
        }
        _ => Vec::new(),
    }
}

fn normal_command(state: &mut AppState, command: Command) -> Vec<Effect> {
    let Some(plan) = state.build.plan.clone() else {
        return match command {
            Command::Build => request_build(state, None),
            Command::Cancel => cancel(state),
            Command::Help => {
                state.show_help = true;
                Vec::new()
            }
            _ => Vec::new(),
        };
    };
    let tree_height = tree_height(state);
    let log_height = log_height(state);
    let previous_unit = state.selected_unit();
    match command {
        Command::Up | Command::Down => {
            let delta = if command == Command::Up { -1 } else { 1 };
            match state.focus {
                Focus::Tree => state.tree.move_selection(&plan, delta, tree_height),
                Focus::Log => scroll_log(state, delta),
            }
        }
        Command::Collapse => state.tree.collapse(&plan, tree_height),
        Command::Expand => state.tree.expand(&plan, tree_height),
        Command::Toggle => state.tree.toggle(&plan, tree_height),
        Command::FocusNext => {
            state.focus = match state.focus {
                Focus::Tree => Focus::Log,
                Focus::Log => Focus::Tree,
            }
        }
        Command::PageUp => scroll_log(state, -page(log_height)),
        Command::PageDown => scroll_log(state, page(log_height)),
        Command::LogTop => {
            if let Some(unit) = previous_unit
                && let Some(unit_state) = state.build.units.get(unit)
            {
                state.log.to_top(&unit_state.log);
            }
        }
        Command::LogFollow => state.log.follow_tail(),
        Command::Build => return request_build(state, None),
        Command::RebuildSelected => return rebuild(state),
        Command::Cancel => return cancel(state),
        Command::NextFailed => next_failed(state),
        Command::ApplyFix => return apply_fix(state),
        Command::Search => {
            let target = match state.focus {
                Focus::Tree => SearchTarget::Units,
                Focus::Log => SearchTarget::Log,
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
                Focus::Log => next_log_match(state, forward),
            }
        }
        Command::ToggleDetails => state.show_details = !state.show_details,
        Command::Edit => open_editor(state),
        Command::Help => state.show_help = true,
        Command::Dismiss => {
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
    if state.selected_unit() != previous_unit {
        selection_changed(state);
    }
    Vec::new()
}

/// Resets what belonged to the previously selected unit.
fn selection_changed(state: &mut AppState) {
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

fn page(height: usize) -> isize {
    height.saturating_sub(1).max(1) as isize
}

fn scroll_log(state: &mut AppState, delta: isize) {
    let height = log_height(state);
    if let Some(unit) = state.selected_unit()
        && let Some(unit_state) = state.build.units.get(unit)
    {
        state.log.scroll(&unit_state.log, height, delta);
    }
}

fn request_build(state: &mut AppState, only: Option<Vec<UnitId>>) -> Vec<Effect> {
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

fn rebuild(state: &mut AppState) -> Vec<Effect> {
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

fn units_of_crate(state: &AppState, offer: &RebuildOffer) -> Vec<UnitId> {
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

fn cancel(state: &mut AppState) -> Vec<Effect> {
    if state.is_busy() {
        notify(state, NoticeKind::Info, "Cancelling the build…");
        vec![Effect::Cancel]
    } else {
        notify(state, NoticeKind::Info, "Nothing to cancel");
        Vec::new()
    }
}

/// Selects the next failed unit after the selected one, in breadth-first order.
fn next_failed(state: &mut AppState) {
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
fn next_in_tree_order(
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

fn unit_name_matches(state: &AppState, unit: UnitId, query: &str) -> bool {
    let Some((_, package)) = state.unit_info(unit) else {
        return false;
    };
    package.name.to_lowercase().contains(&query.to_lowercase())
}

fn next_unit_match(state: &mut AppState, forward: bool) {
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

fn next_log_match(state: &mut AppState, forward: bool) {
    let height = log_height(state);
    let Some(unit) = state.selected_unit() else {
        return;
    };
    let Some(unit_state) = state.build.units.get(unit) else {
        return;
    };
    if !state.log.find(&unit_state.log, height, forward)
        && let Some(query) = state.log.query.clone()
    {
        notify(
            state,
            NoticeKind::Info,
            format!("No log line matches “{query}”"),
        );
    }
}

fn search_command(state: &mut AppState, command: Command) {
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
fn type_text(state: &mut AppState, character: Option<char>) {
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
        let previous_path = state.tree.selected.clone();
        let previous_unit = state.selected_unit();
        // Incremental: the first match from the top, as the query grows.
        state.tree.selected.clear();
        if !next_in_tree_order(state, true, |state, unit| {
            unit_name_matches(state, unit, &query)
        }) {
            state.tree.selected = previous_path;
            notify(
                state,
                NoticeKind::Info,
                format!("No unit matches “{query}”"),
            );
        }
        if state.selected_unit() != previous_unit {
            selection_changed(state);
        }
    }
}

fn open_editor(state: &mut AppState) {
    let Some((_, package)) = state.selected_unit().and_then(|unit| state.unit_info(unit)) else {
        return;
    };
    state.editor = Some(Editor::new(package.name.clone(), package.version.clone()));
}

fn editor_command(state: &mut AppState, command: Command) {
    let Some(editor) = &mut state.editor else {
        return;
    };
    match command {
        Command::Dismiss => state.editor = None,
        Command::ToggleScope => editor.toggle_scope(),
        Command::PreviousEditKind => editor.cycle_kind(-1),
        Command::NextEditKind => editor.cycle_kind(1),
        _ => {}
    }
}

fn save_edit(state: &mut AppState) -> Vec<Effect> {
    if state.pending_edit.is_some() {
        return Vec::new();
    }
    let Some(editor) = &mut state.editor else {
        return Vec::new();
    };
    match editor.to_edit() {
        Ok(edit) => {
            editor.error = None;
            state.pending_edit = Some(edit.clone());
            vec![Effect::EditDeps(edit)]
        }
        Err(reason) => {
            editor.error = Some(reason);
            Vec::new()
        }
    }
}

fn click(state: &mut AppState, position: Position) {
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

fn scroll(state: &mut AppState, position: Position, lines: isize) {
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

fn backend_event(state: &mut AppState, event: BackendEvent) -> Vec<Effect> {
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
            Vec::new(),
        )))],
        None => Vec::new(),
    }
}

/// A diagnosis, and a fix when one is known, for every unit that just failed.
fn diagnose_failures(state: &mut AppState, changed: &[UnitId]) {
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
        let mut text = format!("{} ({})", diagnosis.cause, diagnosis.crate_name);
        if let Some(evidence) = diagnosis.evidence.first() {
            text.push_str(&format!("\n{evidence}"));
        }
        match diagnosis.suggestion {
            Some(suggestion) => {
                text.push_str(&format!("\nfix: {}", suggestion.as_nix()));
                state.fixes.insert(unit, suggestion);
            }
            None => {
                state.fixes.remove(&unit);
            }
        }
        state.diagnoses.insert(unit, text);
    }
}

/// `a`: the first press previews the selected unit's fix, the second applies it.
fn apply_fix(state: &mut AppState) -> Vec<Effect> {
    let Some(unit) = state.selected_unit() else {
        return Vec::new();
    };
    let Some(suggestion) = state.fixes.get(&unit).cloned() else {
        notify(state, NoticeKind::Info, "No known fix for this unit");
        return Vec::new();
    };
    if state.pending_edit.is_some() {
        notify(state, NoticeKind::Info, "An edit is being saved");
        return Vec::new();
    }
    if state.fix_preview != Some(unit) {
        state.fix_preview = Some(unit);
        notify(
            state,
            NoticeKind::Info,
            format!(
                "a again adds to Cargo.dependencies.nix: {}",
                suggestion.as_nix().replace('\n', " ")
            ),
        );
        return Vec::new();
    }
    state.fix_preview = None;
    let edit = DepsEdit {
        crate_name: suggestion.crate_name,
        version: None,
        op: DepsOp::ApplySuggestion {
            packages: suggestion.packages,
            envs: suggestion.envs,
        },
    };
    state.pending_edit = Some(edit.clone());
    vec![Effect::EditDeps(edit)]
}

fn announce_finish(state: &mut AppState, success: bool) {
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

/// What to do about an engine error that came before any plan.
fn hint_for(message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    let hint = if lower.contains("nix")
        && (lower.contains("not found") || lower.contains("no such file"))
    {
        "Install Nix (for example the nix-bin package) and make sure nix-store is on PATH, then press b."
    } else if lower.contains("cargo.toml") || lower.contains("manifest") {
        "Fix Cargo.toml (try `cargo metadata` to see Cargo's own message), then press b."
    } else if lower.contains("cargo.dependencies.nix") {
        "Fix Cargo.dependencies.nix at the position shown, then press b."
    } else if lower.contains("cargo") && lower.contains("not found") {
        "Install a Rust toolchain with cargo on PATH, then press b."
    } else {
        return None;
    };
    Some(hint.to_owned())
}

fn app_event(state: &mut AppState, event: AppEvent) -> Vec<Effect> {
    match event {
        AppEvent::DepsSaved(Ok(summary)) => {
            let Some(edit) = state.pending_edit.take() else {
                return Vec::new();
            };
            state.editor = None;
            let crate_name = edit.crate_name.clone();
            state.rebuild_offer = Some(RebuildOffer {
                crate_name: edit.crate_name,
                version: edit.version,
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
        AppEvent::Diagnosis { unit, text } => {
            state.diagnoses.insert(unit, text);
            Vec::new()
        }
        AppEvent::Fatal { message, hint } => {
            state.error_screen = Some(ErrorScreen { message, hint });
            Vec::new()
        }
    }
}

/// Asks for the selected crate's `Cargo.dependencies.nix` entry when a pane shows it and
/// it has not been asked for yet.
fn load_deps_entry_if_needed(state: &mut AppState) -> Option<Effect> {
    if !state.show_details && state.editor.is_none() {
        return None;
    }
    let crate_name = match &state.editor {
        Some(editor) => editor.crate_name.clone(),
        None => {
            let unit = state.selected_unit()?;
            state.unit_info(unit)?.1.name.clone()
        }
    };
    if state
        .deps_entry
        .as_ref()
        .is_some_and(|entry| entry.crate_name == crate_name)
    {
        return None;
    }
    state.deps_entry = Some(DepsEntry {
        crate_name: crate_name.clone(),
        text: None,
    });
    Some(Effect::LoadDepsEntry { crate_name })
}
