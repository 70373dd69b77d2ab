//! Cargo.dependencies.nix: the inline editor, applying a diagnosis' fix, loading entries.

use crate::app::action::Command;
use crate::app::editor::Editor;
use crate::app::effect::Effect;
use crate::app::state::{AppState, DepsEntry, NoticeKind};
use crate::backend::overrides::CrateSelector;

use super::notify;

pub(super) fn open_editor(state: &mut AppState) {
    let Some((_, package)) = state.selected_unit().and_then(|unit| state.unit_info(unit)) else {
        return;
    };
    state.editor = Some(Editor::new(package.name.clone(), package.version.clone()));
}

pub(super) fn editor_command(state: &mut AppState, command: Command) {
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

pub(super) fn save_edit(state: &mut AppState) -> Vec<Effect> {
    if state.pending_edit.is_some() {
        return Vec::new();
    }
    let Some(editor) = &mut state.editor else {
        return Vec::new();
    };
    match editor.to_edit() {
        Ok(edit) => {
            editor.error = None;
            state.pending_edit = Some(editor.target());
            vec![Effect::EditDeps(vec![edit])]
        }
        Err(reason) => {
            editor.error = Some(reason);
            Vec::new()
        }
    }
}

/// `a`: the first press previews the selected unit's fix, the second applies it.
pub(super) fn apply_fix(state: &mut AppState) -> Vec<Effect> {
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
    state.pending_edit = Some(CrateSelector::all_versions(&suggestion.crate_name));
    vec![Effect::EditDeps(suggestion.edits())]
}

/// Asks for the selected crate's `Cargo.dependencies.nix` entry when a pane shows it and
/// it has not been asked for yet.
pub(super) fn load_deps_entry_if_needed(state: &mut AppState) -> Option<Effect> {
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
