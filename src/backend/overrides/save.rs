//! Applying edits to the file on disk: validate, then replace atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
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
    /// Entries an edit turned from one form into the other, said in a sentence each.
    pub converted: Vec<String>,
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
    let mut converted = Vec::new();
    for edit in edits {
        let document = DepsDocument::parse(path, text.as_str())?;
        let edited = document.apply(edit)?;
        converted.extend(document.conversion(edit));
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
            converted: Vec::new(),
        });
    }
    let backup = save_validated(path, &text, original.as_deref(), pkgs_expr)?;
    Ok(EditReport {
        created: original.is_none(),
        unchanged,
        backup,
        converted,
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
    // Through a symlink, the file edited is its target; the link stays.
    let target = followed_links(path)?;
    let permissions = match fs::metadata(&target) {
        Ok(metadata) => {
            refuse_write_protected(path, &metadata)?;
            Some(metadata.permissions())
        }
        Err(error) if error.kind() == ErrorKind::NotFound => None,
        Err(source) => return Err(OverridesError::io(path, source)),
    };
    let pending = PendingFile::write(&target, new_text, permissions.clone())?;
    evaluate_as(&pending.path, path, expected_current, pkgs_expr)?;
    if read_if_present(path)?.as_deref() != expected_current {
        return Err(OverridesError::ChangedOnDisk {
            file: path.to_path_buf(),
        });
    }
    let backup = match expected_current {
        Some(previous) => {
            // Renamed into place, so a `.bak` symlink is replaced, never followed.
            let backup = backup_path(&target);
            PendingFile::write(&target, previous, permissions)?.rename_to(&backup)?;
            Some(backup)
        }
        None => None,
    };
    pending.rename_to(&target)?;
    Ok(backup)
}

/// `path` with every symbolic link followed, so the file it names can be replaced.
fn followed_links(path: &Path) -> Result<PathBuf, OverridesError> {
    const MAX_LINKS: usize = 40;
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = fs::read_link(&current)
                    .map_err(|source| OverridesError::io(&current, source))?;
                current = current.parent().unwrap_or(Path::new("")).join(link);
            }
            _ => return Ok(current),
        }
    }
    Err(OverridesError::io(
        path,
        std::io::Error::other(format!("more than {MAX_LINKS} symbolic links")),
    ))
}

/// Replacing a file by renaming needs no write permission on it, and root may write
/// anything: the mode is checked here, so a file its owner protected stays as it is.
fn refuse_write_protected(path: &Path, metadata: &fs::Metadata) -> Result<(), OverridesError> {
    use std::os::unix::fs::MetadataExt;
    let mode = metadata.mode() & 0o7777;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let user = unsafe { libc::geteuid() };
    let write_bits = if user == 0 {
        0o222
    } else if metadata.uid() == user {
        0o200
    } else {
        0o022
    };
    if mode & write_bits == 0 {
        return Err(OverridesError::WriteProtected {
            file: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
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

/// A synced temporary file beside the target, removed unless renamed over it.
struct PendingFile {
    path: PathBuf,
    renamed: bool,
}

impl PendingFile {
    /// Writes `text` beside `target`, with `permissions` (not masked by the umask) if given.
    fn write(
        target: &Path,
        text: &str,
        permissions: Option<fs::Permissions>,
    ) -> Result<Self, OverridesError> {
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let mut attempt = 0u32;
        loop {
            let path =
                target.with_file_name(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(mut file) => {
                    let pending = Self {
                        path,
                        renamed: false,
                    };
                    permissions
                        .clone()
                        .map_or(Ok(()), |permissions| file.set_permissions(permissions))
                        .and_then(|()| file.write_all(text.as_bytes()))
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
