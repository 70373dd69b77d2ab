//! [`Effect::EditDeps`](crate::app::Effect::EditDeps) and
//! [`Effect::LoadDepsEntry`](crate::app::Effect::LoadDepsEntry): Cargo.dependencies.nix of the
//! planned workspace. The plan says where it is: no Cargo call on a selection change.

use std::path::Path;
use std::sync::Arc;

use crate::app::event::AppEvent;
use crate::backend::layout::{Layout, deps_file};
use crate::backend::overrides::{self, DepsDocument, Edit, EnvValue};
use crate::backend::plan::BuildPlan;
use crate::backend::session::project;
use crate::backend::toolchain::{self, ToolchainMode};
use crate::cli::deps::describe_done;

use super::{Shell, lock};

/// Why a deps effect came before the app could know which crate it meant.
const NOT_PLANNED: &str = "the project has not been planned yet";

impl Shell {
    fn last_plan(&self) -> Option<Arc<BuildPlan>> {
        lock(&self.last_plan).clone()
    }

    pub(super) fn edit_deps(&self, edits: Vec<Edit>) {
        let plan = self.last_plan();
        let toolchain = self.request.nix.toolchain;
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || {
            let saved = match plan {
                Some(plan) => save_edits(&plan, toolchain, &edits),
                None => Err(NOT_PLANNED.to_owned()),
            };
            let _ = app.send(AppEvent::DepsSaved(saved));
        });
    }

    pub(super) fn load_deps_entry(&self, crate_name: String) {
        let plan = self.last_plan();
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || {
            let text = match plan {
                Some(plan) => entry_text(&deps_file(&plan.workspace_root), &crate_name),
                None => NOT_PLANNED.to_owned(),
            };
            let _ = app.send(AppEvent::DepsEntry { crate_name, text });
        });
    }
}

fn save_edits(
    plan: &BuildPlan,
    toolchain: Option<ToolchainMode>,
    edits: &[Edit],
) -> Result<String, String> {
    let mode = toolchain::resolve_mode(toolchain);
    let pkgs =
        project::pkgs_expression(mode, Layout::of(plan).libnix_dir()).map_err(|e| e.to_string())?;
    let report = overrides::edit_file(&deps_file(&plan.workspace_root), edits, &pkgs)
        .map_err(|e| e.to_string())?;
    let done: Vec<String> = edits
        .iter()
        .filter(|e| !report.unchanged.contains(e))
        .map(describe_done)
        .collect();
    Ok(saved_summary(&done, &report.converted))
}

/// What the notice says after a save: the edits made, then each entry whose form changed
/// (as `deps add` says it), so that a reshaped entry is never a surprise.
fn saved_summary(done: &[String], converted: &[String]) -> String {
    let mut summary = if done.is_empty() {
        "nothing to change".to_string()
    } else {
        done.join("; ")
    };
    for conversion in converted {
        summary.push_str("; converted: ");
        summary.push_str(conversion);
    }
    summary
}

/// The crate's entries in the deps file, as the details pane and the editor show them.
fn entry_text(deps_file: &Path, crate_name: &str) -> String {
    let source = match std::fs::read_to_string(deps_file) {
        Ok(source) => source,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return String::new(),
        Err(error) => return format!("{}: {error}", deps_file.display()),
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use tokio::sync::mpsc;

    use super::*;
    use crate::app::fixtures;
    use crate::backend::session::BuildRequest;

    /// A shell whose last plan lives in `workspace`, with a request that Cargo cannot
    /// answer: whatever works here did not ask Cargo.
    fn shell_planned_in(workspace: &Path) -> (Shell, mpsc::UnboundedReceiver<AppEvent>) {
        let mut request = BuildRequest::default();
        request.cargo.manifest_path = Some(PathBuf::from("/nonexistent/Cargo.toml"));
        let mut plan = fixtures::plan();
        plan.workspace_root = workspace.to_path_buf();
        Shell::planned(request, plan)
    }

    #[tokio::test]
    async fn an_entry_is_read_from_the_planned_workspace_without_asking_cargo() {
        let workspace = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            workspace.path().join(overrides::DEPS_FILE_NAME),
            "{ pkgs }: with pkgs; {\n  deps = { \"openssl-sys\" = [ pkg-config openssl ]; };\n}\n",
        )
        .expect("deps file written");
        let (shell, mut answers) = shell_planned_in(workspace.path());
        shell.load_deps_entry("openssl-sys".into());
        assert_eq!(
            answers.recv().await,
            Some(AppEvent::DepsEntry {
                crate_name: "openssl-sys".into(),
                text: "deps (every version): pkg-config openssl".into(),
            })
        );
    }

    #[test]
    fn a_save_that_converted_an_entry_says_so() {
        let done = ["added zlib to foo-sys 1.0.0".to_string()];
        let converted = [
            "deps.\"foo-sys\" was one list for every version; it is now a set of versions, \
             with that list under \"*\" (every version)"
                .to_string(),
        ];
        assert_eq!(
            saved_summary(&done, &converted),
            "added zlib to foo-sys 1.0.0; converted: deps.\"foo-sys\" was one list for every \
             version; it is now a set of versions, with that list under \"*\" (every version)"
        );
        assert_eq!(saved_summary(&[], &[]), "nothing to change");
    }

    #[tokio::test]
    async fn an_unreadable_deps_file_is_shown_not_taken_for_an_empty_one() {
        let workspace = tempfile::tempdir().expect("temp dir");
        let deps_file = workspace.path().join(overrides::DEPS_FILE_NAME);
        std::fs::create_dir(&deps_file).expect("a directory where the file should be");
        let (shell, mut answers) = shell_planned_in(workspace.path());
        shell.load_deps_entry("openssl-sys".into());
        let Some(AppEvent::DepsEntry { text, .. }) = answers.recv().await else {
            panic!("the entry is answered");
        };
        assert!(text.starts_with(&deps_file.display().to_string()), "{text}");
    }
}
