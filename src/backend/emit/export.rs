//! `export`: a static build system that travels with the project, for a flake or nixpkgs:
//! plan.json with workspace-relative sources, the Nix library, and an entry point. Building
//! it needs Nix and nixpkgs only, not libnix-tui.

use std::path::{Component, Path, PathBuf};

use super::{EmitError, SourcePaths, Toolchain};
use crate::backend::layout::{GENERATED_MARKER, library_dir_in};
use crate::backend::plan::BuildPlan;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Emit(#[from] EmitError),
    #[error("{dir}: the export directory must be inside the workspace {root}")]
    OutsideWorkspace { dir: PathBuf, root: PathBuf },
    #[error(
        "{path} was not written by libnix-tui (no `{GENERATED_MARKER}` marker); not overwriting it"
    )]
    NotGenerated { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Write the build system for `plan` into `out_dir` (inside the workspace). Returns the
/// entry point, `<out_dir>/default.nix`.
pub fn export(
    plan: &BuildPlan,
    toolchain: &Toolchain,
    out_dir: &Path,
) -> Result<PathBuf, ExportError> {
    let root = &plan.workspace_root;
    let depth = out_dir
        .strip_prefix(root)
        .map_err(|_| ExportError::OutsideWorkspace {
            dir: out_dir.to_path_buf(),
            root: root.clone(),
        })?
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    let paths = SourcePaths::Exported {
        root: root.clone(),
        out_dir: out_dir.to_path_buf(),
    };
    let json = super::plan_json::render(plan, toolchain, &paths)?;
    let entry = out_dir.join("default.nix");
    if let Ok(existing) = std::fs::read_to_string(&entry)
        && !existing.contains(GENERATED_MARKER)
    {
        return Err(ExportError::NotGenerated { path: entry });
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    super::write_library(out_dir).map_err(io(&library_dir_in(out_dir)))?;
    let plan_file = out_dir.join("plan.json");
    std::fs::write(&plan_file, json).map_err(io(&plan_file))?;
    std::fs::write(&entry, entry_point(depth)).map_err(io(&entry))?;
    Ok(entry)
}

/// The entry point: fixed text but for how many directories up the project root is.
fn entry_point(depth: usize) -> String {
    let root = if depth == 0 {
        "./.".to_string()
    } else {
        format!("./{}", vec![".."; depth].join("/"))
    };
    format!(
        "# {GENERATED_MARKER} export: the static build system of this project.\n\
         # nix-build <this dir> -A target    or, in a flake: import <this dir> {{ inherit pkgs; }}\n\
         {{\n  pkgs ? import <nixpkgs> {{ }},\n}}:\n\
         let\n  projectRoot = {root};\n  depsFile = projectRoot + \"/Cargo.dependencies.nix\";\nin\n\
         import ./nix/default.nix {{\n  planFile = ./plan.json;\n  toolchain = \"nixpkgs\";\n  \
         inherit pkgs projectRoot;\n  \
         depsFile = if builtins.pathExists depsFile then depsFile else null;\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_point_climbs_to_the_project_root() {
        assert!(entry_point(0).contains("projectRoot = ./.;"));
        assert!(entry_point(1).contains("projectRoot = ./..;"));
        assert!(entry_point(2).contains("projectRoot = ./../..;"));
        assert!(entry_point(1).contains(GENERATED_MARKER));
    }
}
