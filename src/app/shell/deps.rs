//! [`Effect::EditDeps`](crate::app::Effect::EditDeps) and
//! [`Effect::LoadDepsEntry`](crate::app::Effect::LoadDepsEntry): Cargo.dependencies.nix.

use std::path::Path;

use crate::app::event::AppEvent;
use crate::backend::overrides::{self, DepsDocument, Edit, EnvValue};
use crate::backend::project::{self, ProjectDirs};
use crate::backend::runner::BuildRequest;
use crate::cli::deps::describe_done;

use super::Shell;

impl Shell {
    pub(super) fn edit_deps(&self, edits: Vec<Edit>) {
        let request = self.request.clone();
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || {
            let _ = app.send(AppEvent::DepsSaved(save_edits(&request, &edits)));
        });
    }

    pub(super) fn load_deps_entry(&self, crate_name: String) {
        let request = self.request.clone();
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || {
            let text = ProjectDirs::locate(&request.cargo)
                .map(|dirs| entry_text(&dirs.deps_file(), &crate_name))
                .unwrap_or_default();
            let _ = app.send(AppEvent::DepsEntry { crate_name, text });
        });
    }
}

fn save_edits(request: &BuildRequest, edits: &[Edit]) -> Result<String, String> {
    let dirs = ProjectDirs::locate(&request.cargo).map_err(|e| e.to_string())?;
    let mode = project::resolve_mode(request.nix.toolchain);
    let pkgs = project::pkgs_expression(mode, &dirs.libnix_dir()).map_err(|e| e.to_string())?;
    let report =
        overrides::edit_file(&dirs.deps_file(), edits, &pkgs).map_err(|e| e.to_string())?;
    let done: Vec<String> = edits
        .iter()
        .filter(|e| !report.unchanged.contains(e))
        .map(describe_done)
        .collect();
    Ok(if done.is_empty() {
        "nothing to change".to_string()
    } else {
        done.join("; ")
    })
}

/// The crate's entries in the deps file, as the details pane and the editor show them.
fn entry_text(deps_file: &Path, crate_name: &str) -> String {
    let Ok(source) = std::fs::read_to_string(deps_file) else {
        return String::new();
    };
    let document = match DepsDocument::parse(deps_file, source) {
        Ok(document) => document,
        Err(error) => return error.to_string(),
    };
    let mut lines = Vec::new();
    for entry in document
        .entries()
        .into_iter()
        .filter(|e| e.crate_name == crate_name)
    {
        let scope = entry.version.as_deref().unwrap_or("every version");
        if !entry.deps.is_empty() {
            lines.push(format!("deps ({scope}): {}", entry.deps.join(" ")));
        }
        for (var, value) in &entry.envs {
            let value = match value {
                EnvValue::Literal(text) => format!("{text:?}"),
                EnvValue::Expression(text) => text.clone(),
            };
            lines.push(format!("env ({scope}): {var} = {value}"));
        }
    }
    lines.join("\n")
}
