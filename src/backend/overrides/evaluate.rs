//! Evaluating a candidate file with Nix, against the caller's `pkgs`.

use std::path::Path;
use std::process::{Command, Stdio};

use super::suggest::nearest;
use super::{Location, OverridesError};
use crate::backend::nix::protocol::strip_ansi;

/// The checker: imports the file with `{ inherit pkgs; }`, checks the shape of `deps` and
/// `envs` and forces every dependency.
const CHECK_EXPRESSION: &str = include_str!("../../../nix/check.nix");

/// Evaluates `file` as the build would, with `pkgs_expr` (a Nix expression, e.g.
/// `import <nixpkgs> {}`) as `pkgs`: the shape must be right and every dependency must
/// exist. Errors carry the file, line and column Nix reported.
pub fn evaluate_file(file: &Path, pkgs_expr: &str) -> Result<(), OverridesError> {
    evaluate_as(file, file, None, pkgs_expr)
}

/// Evaluates `candidate`, an edited version of `shown_as`, reporting problems as if they
/// were in `shown_as`: positions are mapped back to `shown_text` (the file's text before
/// the edit, if it has one), so they point where the user can look.
pub(super) fn evaluate_as(
    candidate: &Path,
    shown_as: &Path,
    shown_text: Option<&str>,
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
    let mut error = evaluation_error(
        &String::from_utf8_lossy(&output.stderr),
        &candidate.to_string_lossy(),
        &candidate_text,
        shown_as,
        shown_text.unwrap_or(&candidate_text),
    );
    // Nix suggests names for `pkgs.opensll`, not for `opensll` under `with pkgs;`.
    if let OverridesError::Evaluation { message, .. } = &mut error
        && let Some(variable) = undefined_variable(message)
        && let Some(suggestion) =
            package_names(pkgs_expr).and_then(|names| closest_names(variable, &names))
    {
        message.push_str(&format!("; did you mean {suggestion}"));
    }
    Err(error)
}

/// `X` of `undefined variable 'X'`.
fn undefined_variable(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("undefined variable '")?;
    Some(rest.split_once('\'')?.0)
}

/// The attribute names of `pkgs_expr`, as the deps file's `pkgs` has them.
fn package_names(pkgs_expr: &str) -> Option<Vec<String>> {
    let output = Command::new("nix-instantiate")
        .args([
            "--eval",
            "--json",
            "--expr",
            "{ pkgs }: builtins.attrNames pkgs",
        ])
        .args(["--arg", "pkgs", pkgs_expr])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    serde_json::from_slice(&output.stdout).ok()
}

/// `openssl?` or `one of openssl or openssh?`: the nearest names, as Nix words its
/// suggestions.
fn closest_names(wanted: &str, names: &[String]) -> Option<String> {
    match nearest(wanted, names.iter().map(String::as_str), 3).as_slice() {
        [] => None,
        [only] => Some(format!("{only}?")),
        [first @ .., last] => Some(format!("one of {} or {last}?", first.join(", "))),
    }
}

/// Reads Nix's error output: the first `error:` line is the message, the position is the
/// first `at FILE:LINE:COLUMN:` in the candidate, or the checker's `FILE:LINE:COLUMN:` prefix.
fn evaluation_error(
    stderr: &str,
    candidate: &str,
    candidate_text: &str,
    shown_as: &Path,
    shown_text: &str,
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
    let mut message = message.replace(candidate, &shown);
    // Nix's own suggestions for a misspelt attribute: `Did you mean openssl?`.
    if let Some(suggestion) = stderr
        .lines()
        .map(|line| strip_ansi(line.trim()))
        .find_map(|line| Some(line.strip_prefix("Did you mean ")?.to_string()))
    {
        message.push_str(&format!("; did you mean {suggestion}"));
    }
    // Raised in a file the deps file imports: say where.
    let elsewhere = stderr
        .lines()
        .filter_map(|line| line.trim().strip_prefix("at ")?.strip_suffix(':'))
        .find(|place| place.starts_with('/') && !place.starts_with(candidate));
    if let (None, Some(place)) = (position, elsewhere) {
        message.push_str(&format!(" (at {place})"));
    }
    let shown_offset = position.and_then(|(line, byte_column)| {
        let offset = byte_offset(candidate_text, line, byte_column)?;
        Some(
            match offset_before_edit(candidate_text, shown_text, offset) {
                Ok(offset) => offset,
                Err(edit_start) => {
                    message.push_str(" (in the text the edit adds here)");
                    edit_start
                }
            },
        )
    });
    let location = shown_offset.map(|offset| {
        let before = &shown_text[..offset];
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Location {
            file: shown_as.to_path_buf(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    });
    OverridesError::Evaluation {
        file: shown_as.to_path_buf(),
        location,
        message,
    }
}

/// The byte offset of Nix's 1-based line and byte column, on a character boundary.
fn byte_offset(text: &str, line: usize, byte_column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let mut offset = (line_start + byte_column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    Some(offset)
}

/// Where `offset` of `edited` was in `original`, which differs from it in one range;
/// when it is in the text the edit put there, `Err` with where the edit starts.
fn offset_before_edit(edited: &str, original: &str, offset: usize) -> Result<usize, usize> {
    let prefix = edited
        .bytes()
        .zip(original.bytes())
        .take_while(|(left, right)| left == right)
        .count();
    let longest_suffix = edited.len().min(original.len()) - prefix;
    let suffix = edited
        .bytes()
        .rev()
        .zip(original.bytes().rev())
        .take(longest_suffix)
        .take_while(|(left, right)| left == right)
        .count();
    if offset < prefix {
        Ok(offset)
    } else if offset >= edited.len() - suffix {
        Ok(offset + original.len() - edited.len())
    } else {
        Err(prefix)
    }
}

/// Splits `FILE:LINE:COLUMN: rest` when FILE is `file`.
fn split_position<'a>(text: &'a str, file: &str) -> Option<((usize, usize), &'a str)> {
    let rest = text.strip_prefix(file)?.strip_prefix(':')?;
    let (line, rest) = rest.split_once(':')?;
    let (column, rest) = rest.split_once(": ")?;
    Some(((line.parse().ok()?, column.parse().ok()?), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_position_from_nix_at_line() {
        let stderr = "error: undefined variable 'nothere'\n\n       at /tmp/x/.c.tmp:2:26:\n\n            1| {\n";
        let text = "{\n  deps = { \"a\" = [ pkgs.x nothere ]; };\n}\n";
        let error = evaluation_error(
            stderr,
            "/tmp/x/.c.tmp",
            text,
            Path::new("/p/Cargo.dependencies.nix"),
            text,
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
        let error = evaluation_error(stderr, "/tmp/c.tmp", text, Path::new("deps.nix"), text);
        assert_eq!(
            error.to_string(),
            "deps.nix:1:8: does not evaluate: envs.\"a\".\"X\": expected a string, found list"
        );
    }

    #[test]
    fn positions_after_the_edit_are_mapped_back_and_inside_it_are_named() {
        let original = "{ pkgs }: {\n  deps = {\n    \"b\" = [ nothere ];\n  };\n}\n";
        let edited =
            "{ pkgs }: {\n  deps = {\n    \"a\" = [ new ];\n    \"b\" = [ nothere ];\n  };\n}\n";
        let shown = |stderr: &str| {
            evaluation_error(stderr, "/c.tmp", edited, Path::new("deps.nix"), original).to_string()
        };
        assert_eq!(
            shown("error: undefined variable 'nothere'\n       at /c.tmp:4:13:\n"),
            "deps.nix:3:13: does not evaluate: undefined variable 'nothere'"
        );
        assert_eq!(
            shown("error: undefined variable 'new'\n       at /c.tmp:3:13:\n"),
            "deps.nix:3:6: does not evaluate: undefined variable 'new' (in the text the edit adds here)"
        );
    }

    #[test]
    fn nixs_suggestion_for_a_misspelt_package_is_kept() {
        // As Nix 2.8 writes it.
        let stderr = "error: attribute 'opensll' missing\n\n       at /tmp/c.tmp:3:16:\n\n            2|   deps = {\n            3|     \"clap\" = [ pkgs.opensll ];\n             |                ^\n       Did you mean one of openssl or openssh?\n";
        let text = "{ pkgs }: {\n  deps = {\n    \"clap\" = [ pkgs.opensll ];\n  };\n}\n";
        let error = evaluation_error(stderr, "/tmp/c.tmp", text, Path::new("deps.nix"), text);
        assert_eq!(
            error.to_string(),
            "deps.nix:3:16: does not evaluate: attribute 'opensll' missing; did you mean one of \
             openssl or openssh?"
        );
    }

    #[test]
    fn close_package_names_are_suggested_closest_first() {
        let names: Vec<String> = ["openssh", "openssl", "pkg-config", "zlib", "ssl"]
            .iter()
            .map(|name| name.to_string())
            .collect();
        assert_eq!(
            closest_names("opensll", &names).as_deref(),
            Some("one of openssl or openssh?")
        );
        assert_eq!(
            closest_names("pkgconfig", &names).as_deref(),
            Some("pkg-config?")
        );
        assert_eq!(closest_names("zlb", &names).as_deref(), Some("zlib?"));
        assert_eq!(closest_names("gtk4", &names), None);
        assert_eq!(
            undefined_variable("undefined variable 'opensll' (in the text the edit adds here)"),
            Some("opensll")
        );
    }

    #[test]
    fn errors_elsewhere_have_no_location() {
        let stderr = "error: attribute 'x' missing\n\n       at «string»:1:1:\n";
        let error = evaluation_error(stderr, "/tmp/c.tmp", "", Path::new("deps.nix"), "");
        assert_eq!(
            error.to_string(),
            "deps.nix: does not evaluate: attribute 'x' missing"
        );
    }
}
