//! Evaluating a candidate file with Nix, against the caller's `pkgs`.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{Location, OverridesError};

/// The checker: imports the file with `{ inherit pkgs; }`, checks the shape of `deps` and
/// `envs` and forces every dependency.
const CHECK_EXPRESSION: &str = include_str!("../../../nix/check.nix");

/// Evaluates `file` as the build would, with `pkgs_expr` (a Nix expression, e.g.
/// `import <nixpkgs> {}`) as `pkgs`: the shape must be right and every dependency must
/// exist. Errors carry the file, line and column Nix reported.
pub fn evaluate_file(file: &Path, pkgs_expr: &str) -> Result<(), OverridesError> {
    evaluate_as(file, file, pkgs_expr)
}

/// Evaluates `candidate`, reporting problems as if they were in `shown_as`.
pub(super) fn evaluate_as(
    candidate: &Path,
    shown_as: &Path,
    pkgs_expr: &str,
) -> Result<(), OverridesError> {
    let candidate =
        std::path::absolute(candidate).map_err(|source| OverridesError::io(candidate, source))?;
    let output = Command::new("nix-instantiate")
        .args([
            "--eval",
            "--strict",
            "--expr",
            CHECK_EXPRESSION,
            "--arg",
            "pkgs",
            pkgs_expr,
            "--argstr",
            "file",
        ])
        .arg(&candidate)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| OverridesError::NixNotRunnable { source })?;
    if output.status.success() {
        return Ok(());
    }
    let candidate_text = std::fs::read_to_string(&candidate).unwrap_or_default();
    Err(evaluation_error(
        &String::from_utf8_lossy(&output.stderr),
        &candidate.to_string_lossy(),
        &candidate_text,
        shown_as,
    ))
}

/// Reads Nix's error output: the first `error:` line is the message, the position is the
/// first `at FILE:LINE:COLUMN:` in the candidate, or the checker's `FILE:LINE:COLUMN:` prefix.
fn evaluation_error(
    stderr: &str,
    candidate: &str,
    candidate_text: &str,
    shown_as: &Path,
) -> OverridesError {
    let shown = shown_as.display().to_string();
    let first_error = stderr
        .lines()
        .find_map(|line| line.strip_prefix("error: "))
        .unwrap_or(stderr.trim());
    let (prefix_position, message) = match split_position(first_error, candidate) {
        Some((position, rest)) => (Some(position), rest),
        None => (None, first_error),
    };
    let position = stderr
        .lines()
        .filter_map(|line| line.trim().strip_prefix("at ")?.strip_suffix(':'))
        .find_map(|place| {
            split_position(&format!("{place}: "), candidate).map(|(position, _)| position)
        })
        .or(prefix_position);
    let location = position.map(|(line, byte_column)| Location {
        file: shown_as.to_path_buf(),
        line,
        column: character_column(candidate_text, line, byte_column),
    });
    OverridesError::Evaluation {
        file: shown_as.to_path_buf(),
        location,
        message: message.replace(candidate, &shown),
    }
}

/// Splits `FILE:LINE:COLUMN: rest` when FILE is `file`.
fn split_position<'a>(text: &'a str, file: &str) -> Option<((usize, usize), &'a str)> {
    let rest = text.strip_prefix(file)?.strip_prefix(':')?;
    let (line, rest) = rest.split_once(':')?;
    let (column, rest) = rest.split_once(": ")?;
    Some(((line.parse().ok()?, column.parse().ok()?), rest))
}

/// Nix counts columns in bytes; locations count characters.
fn character_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(line_text) = text.lines().nth(line.saturating_sub(1)) else {
        return byte_column;
    };
    let mut end = byte_column.saturating_sub(1).min(line_text.len());
    while !line_text.is_char_boundary(end) {
        end -= 1;
    }
    line_text[..end].chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_position_from_nix_at_line() {
        let stderr = "error: undefined variable 'nothere'\n\n       at /tmp/x/.c.tmp:2:26:\n\n            1| {\n";
        let error = evaluation_error(
            stderr,
            "/tmp/x/.c.tmp",
            "",
            Path::new("/p/Cargo.dependencies.nix"),
        );
        assert_eq!(
            error.to_string(),
            "/p/Cargo.dependencies.nix:2:26: does not evaluate: undefined variable 'nothere'"
        );
    }

    #[test]
    fn reads_position_from_checker_prefix_and_counts_characters() {
        let stderr = "error: /tmp/c.tmp:1:9: envs.\"a\".\"X\": expected a string, found list\n";
        let text = "{ \"ü\" = X = [ ]; }";
        let error = evaluation_error(stderr, "/tmp/c.tmp", text, Path::new("deps.nix"));
        assert_eq!(
            error.to_string(),
            "deps.nix:1:8: does not evaluate: envs.\"a\".\"X\": expected a string, found list"
        );
    }

    #[test]
    fn errors_elsewhere_have_no_location() {
        let stderr = "error: attribute 'x' missing\n\n       at «string»:1:1:\n";
        let error = evaluation_error(stderr, "/tmp/c.tmp", "", Path::new("deps.nix"));
        assert_eq!(
            error.to_string(),
            "deps.nix: does not evaluate: attribute 'x' missing"
        );
    }
}
