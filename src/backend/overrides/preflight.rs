//! The check the engine runs before a build: the one `deps check` runs.

use std::io::ErrorKind;
use std::path::Path;

use super::{DepsDocument, OverridesError, check, evaluate_file};

/// Checks the deps file at `path` as `deps check` does, before a build uses it.
///
/// An error stops the build: the file does not parse, names a variable no environment can
/// hold, has an attribute the build does not read, or does not evaluate against `pkgs_expr`
/// with the shape the build expects. The warnings are worth showing but do not stop it:
/// entries for crates or versions not among `packages` (the plan's `(name, version)` pairs).
/// An absent file is fine.
pub fn check_before_build(
    path: &Path,
    pkgs_expr: &str,
    packages: &[(String, String)],
) -> Result<Vec<String>, OverridesError> {
    let source = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| OverridesError::NotUtf8 {
            file: path.to_path_buf(),
        })?,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(OverridesError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let document = match DepsDocument::parse(path, source) {
        Ok(document) => Some(document),
        Err(error @ OverridesError::Syntax { .. }) => return Err(error),
        // Not literal enough to read (`import ./shared.nix args`): evaluation judges it.
        Err(_) => None,
    };
    if let Some(mistake) = document.iter().flat_map(DepsDocument::mistakes).next() {
        return Err(mistake);
    }
    evaluate_file(path, pkgs_expr)?;
    let findings = document.map_or_else(Vec::new, |document| check(&document.entries(), packages));
    let mut warnings: Vec<String> = findings
        .iter()
        .take(MAX_WARNINGS)
        .map(ToString::to_string)
        .collect();
    if findings.len() > MAX_WARNINGS {
        warnings.push(format!(
            "{}: {} more entries name crates or versions that are not built \
             (`libnix-tui deps check` lists them all)",
            path.display(),
            findings.len() - MAX_WARNINGS
        ));
    }
    Ok(warnings)
}

/// Findings shown before a build; a file generated for a whole registry has thousands.
const MAX_WARNINGS: usize = 20;
