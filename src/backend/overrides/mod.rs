//! `Cargo.dependencies.nix`: lossless reading, editing, validation and linting.
//!
//! The file sits next to `Cargo.lock` and gives crates native build inputs and environment
//! variables:
//!
//! ```nix
//! { pkgs }: with pkgs; {
//!   deps = {
//!     "openssl-sys" = [ pkg-config openssl ];
//!     "markup5ever_rcdom" = { "0.3.0" = [ pkg-config openssl ]; };
//!   };
//!   envs = {
//!     "cargo-platform" = { FOO = "worx"; };
//!     "cargo" = { "0.88.0" = { "FOO" = "bar"; }; };
//!   };
//! }
//! ```
//!
//! # Meaning (implemented by the Nix library, which imports the file with `{ inherit pkgs; }`)
//!
//! - The file is optional, and so are both `deps` and `envs`. `with pkgs;` is optional
//!   (without it, entries read `pkgs.openssl`); `let` bindings around the attribute set are
//!   allowed, and any expression may be a list element (a `let` name, an inline
//!   `(pkgs.runCommandCC "foo" {} ''...'')` derivation, ...).
//! - `deps.<crate>` is either a list, which applies to every version of the crate, or an
//!   attribute set from versions (as written in `Cargo.lock`) to lists, each applying to that
//!   version only; in that set, the key `"*"` applies to every version. Adding deps for every
//!   version to a crate that lists versions puts them under `"*"`; adding a version to a crate
//!   with one list turns it into `{ "*" = [ ...the list... ]; "1.0" = [ ... ]; }`.
//! - `envs.<crate>` is an attribute set whose string values are variables for every version
//!   and whose attribute-set values are versions mapping variables to strings. Both may sit
//!   side by side: `"cargo" = { FOO = "a"; "0.88.0" = { FOO = "b"; }; };`.
//! - When a name-only entry and a version entry both apply, deps are concatenated (name-only
//!   first) and envs are merged with the version entry winning per variable.
//!
//! # Editing rules
//!
//! Edits splice text ranges of the original source, so bytes outside the edit never change
//! and parsing then printing is the identity. Missing `deps`/`envs` sets, crate entries and
//! version entries are created; a new section gets one entry per line when the surrounding
//! set spans several lines, deeper levels are written on one line
//! (`"foo" = { "1.0" = [ hello ]; };`). Crate names and versions are written quoted, variable
//! names bare when they are plain identifiers. Removing the last element of a list leaves an
//! empty list (`[ ]`) and unsetting the last variable leaves an empty set: the entry stays
//! visible and the edit stays predictable. Constructs whose meaning cannot be edited safely
//! (`rec` sets, `${...}` attribute names, `inherit`, values built by calls or operators such
//! as `deps = a // b`) are refused with [`OverridesError::Unsupported`], saying where and why.
//!
//! # Saving
//!
//! [`edit_file`] parses the result, evaluates it with `nix-instantiate` against the caller's
//! `pkgs` (checking the shape and forcing every dependency, so an unknown package is an
//! error), then replaces the file atomically, keeping the previous text as
//! `Cargo.dependencies.nix.bak`. On any error the file is untouched.

mod document;
mod edit;
mod evaluate;
mod nix_string;
mod plan_check;
mod preflight;
mod save;
mod suggest;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub use document::{DepsDocument, EnvValue, OverrideEntry, UnreadablePart, uses_with_pkgs};
pub use edit::Edit;
pub use evaluate::evaluate_file;
pub use nix_string::quote as quote_nix_string;
pub use plan_check::{Finding, Problem, check};
pub use preflight::check_before_build;
pub use save::{EditReport, backup_path, edit_file, save_validated};

/// The file name, looked up next to `Cargo.lock`.
pub const DEPS_FILE_NAME: &str = "Cargo.dependencies.nix";

/// A position in a file; line and column are 1-based, the column counts characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A crate, optionally narrowed to one version: `openssl-sys` or `openssl-sys@0.9.109`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrateSelector {
    pub name: String,
    pub version: Option<String>,
}

impl CrateSelector {
    /// Every version of `name`.
    pub fn all_versions(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: None,
        }
    }

    /// One version of `name`.
    pub fn version(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: Some(version.into()),
        }
    }
}

impl fmt::Display for CrateSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{}@{}", self.name, version),
            None => f.write_str(&self.name),
        }
    }
}

impl FromStr for CrateSelector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, version) = match text.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (text, None),
        };
        let plain = |part: &str| !part.is_empty() && !part.chars().any(char::is_whitespace);
        if !plain(name) {
            return Err(format!(
                "`{text}` is not a crate name (expected CRATE or CRATE@VERSION)"
            ));
        }
        match version {
            Some(version) if !plain(version) || version.contains('@') => {
                Err(format!("`{text}` has no usable version after `@`"))
            }
            _ => Ok(Self {
                name: name.to_owned(),
                version: version.map(str::to_owned),
            }),
        }
    }
}

/// Why reading, editing or saving the file failed. Every variant that concerns a place in
/// the file carries its [`Location`].
#[derive(Debug, thiserror::Error)]
pub enum OverridesError {
    #[error("{location}: syntax error: {message}")]
    Syntax { location: Location, message: String },

    #[error("{location}: cannot edit {subject}: {reason}")]
    Unsupported {
        location: Location,
        subject: String,
        reason: String,
    },

    /// Something the build would misread, such as a variable name no environment can hold.
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },

    #[error("{}: {subject} is not there{}", file.display(), present_list(present))]
    NotPresent {
        file: PathBuf,
        subject: String,
        present: Vec<String>,
    },

    #[error("invalid {argument}: {reason}")]
    InvalidArgument { argument: String, reason: String },

    #[error("{}: does not evaluate: {message}", location_or_file(location.as_ref(), file))]
    Evaluation {
        file: PathBuf,
        location: Option<Location>,
        message: String,
    },

    #[error("{}: changed on disk while it was being edited; nothing was written", file.display())]
    ChangedOnDisk { file: PathBuf },

    #[error(
        "{}: is write-protected (mode {mode:04o}); nothing was written (`chmod u+w` it to edit it)",
        file.display()
    )]
    WriteProtected { file: PathBuf, mode: u32 },

    #[error("{}: not valid UTF-8", file.display())]
    NotUtf8 { file: PathBuf },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot run nix-instantiate: {source}")]
    NixNotRunnable { source: std::io::Error },
}

fn present_list(present: &[String]) -> String {
    if present.is_empty() {
        String::new()
    } else {
        format!(" (present: {})", present.join(", "))
    }
}

fn location_or_file(location: Option<&Location>, file: &std::path::Path) -> String {
    match location {
        Some(location) => location.to_string(),
        None => file.display().to_string(),
    }
}

impl OverridesError {
    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
