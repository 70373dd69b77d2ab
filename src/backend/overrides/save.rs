//! Applying edits to the file on disk: validate, then replace atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::evaluate::evaluate_as;
use super::{DepsDocument, Edit, OverridesError};

/// The text of a file created by the first edit.
const NEW_FILE_TEMPLATE: &str = r#"# Native build inputs and environment variables for crates built by libnix-tui.
# A crate name applies to every version, a version key (as in Cargo.lock) to that one only:
#   deps = { "openssl-sys" = [ pkg-config openssl ]; "foo" = { "1.2.3" = [ zlib ]; }; };
#   envs = { "cargo" = { FOO = "bar"; "0.88.0" = { FOO = "baz"; }; }; };
{ pkgs }:
with pkgs;
{
  deps = {
  };
  envs = {
  };
}
"#;

/// What [`edit_file`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditReport {
    /// The file did not exist and was created from a commented template.
    pub created: bool,
    /// Edits that had nothing to do: the package was listed, the variable had that value.
    pub unchanged: Vec<Edit>,
    /// Where the previous text was kept, when an existing file was rewritten.
    pub backup: Option<PathBuf>,
}

/// Applies `edits` in order to the file at `path` (creating it when absent), then saves the
/// result with [`save_validated`]. Nothing is written when no edit changes anything; on any
/// error the file is untouched.
pub fn edit_file(
    path: &Path,
    edits: &[Edit],
    pkgs_expr: &str,
) -> Result<EditReport, OverridesError> {
    let original = read_if_present(path)?;
    let mut text = original
        .clone()
        .unwrap_or_else(|| NEW_FILE_TEMPLATE.to_owned());
    let mut unchanged = Vec::new();
    for edit in edits {
        let edited = DepsDocument::parse(path, text.as_str())?.apply(edit)?;
        if edited == text {
            unchanged.push(edit.clone());
        }
        text = edited;
    }
    if unchanged.len() == edits.len() {
        return Ok(EditReport {
            created: false,
            unchanged,
            backup: None,
        });
    }
    let backup = save_validated(path, &text, original.as_deref(), pkgs_expr)?;
    Ok(EditReport {
        created: original.is_none(),
        unchanged,
        backup,
    })
}

/// Replaces the file at `path` with `new_text` if it parses and evaluates (see
/// [`super::evaluate_file`]) and the file still holds `expected_current` (`None`: absent).
///
/// The text goes to a temporary file in the same directory, is synced, evaluated there
/// (so relative imports resolve as they will), and renamed over `path`; the previous text is
/// kept at [`backup_path`]. Returns that backup's path, if there was a previous text.
pub fn save_validated(
    path: &Path,
    new_text: &str,
    expected_current: Option<&str>,
    pkgs_expr: &str,
) -> Result<Option<PathBuf>, OverridesError> {
    // Only syntax is judged here; Nix judges the rest. The editor's stricter reading
    // limits what it edits, not what a file may contain.
    if let Err(error @ OverridesError::Syntax { .. }) = DepsDocument::parse(path, new_text) {
        return Err(error);
    }
    let pending = PendingFile::write(path, new_text)?;
    evaluate_as(&pending.path, path, pkgs_expr)?;
    if read_if_present(path)?.as_deref() != expected_current {
        return Err(OverridesError::ChangedOnDisk {
            file: path.to_path_buf(),
        });
    }
    let backup = match expected_current {
        Some(previous) => {
            let backup = backup_path(path);
            write_synced(&backup, previous)?;
            let permissions = fs::metadata(path)
                .map_err(|source| OverridesError::io(path, source))?
                .permissions();
            fs::set_permissions(&pending.path, permissions)
                .map_err(|source| OverridesError::io(&pending.path, source))?;
            Some(backup)
        }
        None => None,
    };
    pending.rename_to(path)?;
    Ok(backup)
}

/// `Cargo.dependencies.nix.bak` beside `path`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

fn read_if_present(path: &Path) -> Result<Option<String>, OverridesError> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| OverridesError::NotUtf8 {
                file: path.to_path_buf(),
            }),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(OverridesError::io(path, source)),
    }
}

fn write_synced(path: &Path, text: &str) -> Result<(), OverridesError> {
    let mut file = File::create(path).map_err(|source| OverridesError::io(path, source))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| OverridesError::io(path, source))
}

/// A synced temporary file beside the target, removed unless renamed over it.
struct PendingFile {
    path: PathBuf,
    renamed: bool,
}

impl PendingFile {
    fn write(target: &Path, text: &str) -> Result<Self, OverridesError> {
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let mut attempt = 0u32;
        loop {
            let path =
                target.with_file_name(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let pending = Self {
                        path,
                        renamed: false,
                    };
                    file.write_all(text.as_bytes())
                        .and_then(|()| file.sync_all())
                        .map_err(|source| OverridesError::io(&pending.path, source))?;
                    return Ok(pending);
                }
                Err(error) if error.kind() == ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1
                }
                Err(source) => return Err(OverridesError::io(path, source)),
            }
        }
    }

    fn rename_to(mut self, target: &Path) -> Result<(), OverridesError> {
        fs::rename(&self.path, target).map_err(|source| OverridesError::io(target, source))?;
        self.renamed = true;
        // Durability of the rename itself is best effort: the new text is already in place.
        if let Some(directory) = target
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            && let Ok(directory) = File::open(directory)
        {
            let _ = directory.sync_all();
        }
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
