//! `export`: a static build system for a flake, an overlay or plain `nix-build`: plan.json
//! with workspace-relative sources, source.json (the local checkout or a fetched release),
//! the Nix library and its two entry points. Building it needs Nix (and, in nixpkgs mode,
//! nixpkgs) only, not libnix-tui. Written into a directory or as one tarball.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde_json::json;

use super::{EmitError, NIX_LIBRARY, SourcePaths, Toolchain};
use crate::backend::layout::GENERATED_MARKER;
use crate::backend::plan::BuildPlan;

/// Carried by every static file an export writes (the library in nix/ and the entry
/// points); the generated JSON files carry [`GENERATED_MARKER`]. An export replaces only
/// files with one of the two.
pub const LIBRARY_MARKER: &str = "@libnix-tui library file";

/// The entry points, written at the top of the export.
const ENTRY_POINTS: &[(&str, &str)] = &[
    (
        "default.nix",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/nix/export/default.nix"
        )),
    ),
    (
        "build.nix",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/nix/export/build.nix")),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Emit(#[from] EmitError),
    #[error(
        "{dir}: an export of the local checkout must be inside the workspace {root}; give \
         --url and --hash (or --git and --rev) to build from a published source anywhere"
    )]
    OutsideWorkspace { dir: PathBuf, root: PathBuf },
    #[error(
        "{path} was not written by libnix-tui export (it has no `{LIBRARY_MARKER}` or \
         `{GENERATED_MARKER}` marker); not overwriting it: choose another --out-dir or move it"
    )]
    NotGenerated { path: PathBuf },
    #[error("{path} is a symbolic link; an export never writes through one")]
    Symlink { path: PathBuf },
    #[error(
        "--hash {hash}: not a SHA-256 as Nix prints it (52 base-32 or 64 hex characters, or \
         `sha256-<base64>`); compute it with `nix-prefetch-url --unpack URL`"
    )]
    InvalidHash { hash: String },
    #[error("--rev {rev}: not a full git commit hash (40 hex characters)")]
    InvalidRev { rev: String },
    #[error("--subdir {dir}: must be a relative path inside the published source, without `..`")]
    InvalidSubdir { dir: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where the exported build system takes the project's source from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectSource {
    /// The checkout the export lives in (found relative to the export directory).
    Local,
    /// A tarball (a release asset, `git archive`), unpacked by `builtins.fetchTarball`.
    /// `subdir`: where the workspace is inside it ("" for its top).
    Tarball {
        url: String,
        sha256: String,
        subdir: String,
    },
    /// A git commit, fetched by `builtins.fetchGit`.
    Git {
        url: String,
        rev: String,
        subdir: String,
    },
}

impl ProjectSource {
    /// A tarball source; `hash` as Nix prints it (`nix-prefetch-url --unpack`, SRI, hex).
    pub fn tarball(url: String, hash: String) -> Result<Self, ExportError> {
        let digits = hash.strip_prefix("sha256:").unwrap_or(&hash);
        let is_base32 = digits.len() == 52
            && digits
                .chars()
                .all(|c| "0123456789abcdfghijklmnpqrsvwxyz".contains(c));
        let is_hex = digits.len() == 64 && digits.chars().all(|c| c.is_ascii_hexdigit());
        let is_sri = hash.strip_prefix("sha256-").is_some_and(|b64| {
            b64.len() == 44
                && b64.ends_with('=')
                && b64
                    .trim_end_matches('=')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
        });
        if !(is_base32 || is_hex || is_sri) {
            return Err(ExportError::InvalidHash { hash });
        }
        Ok(ProjectSource::Tarball {
            url,
            sha256: hash,
            subdir: String::new(),
        })
    }

    /// A git source at commit `rev`.
    pub fn git(url: String, rev: String) -> Result<Self, ExportError> {
        if rev.len() != 40 || !rev.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ExportError::InvalidRev { rev });
        }
        Ok(ProjectSource::Git {
            url,
            rev,
            subdir: String::new(),
        })
    }

    /// The same source with the workspace in `dir` inside it (a monorepo's release); a
    /// relative path without `..`.
    pub fn within(mut self, dir: &Path) -> Result<Self, ExportError> {
        let parts: Option<Vec<String>> = dir
            .components()
            .filter(|c| *c != Component::CurDir)
            .map(|c| match c {
                Component::Normal(part) => part.to_str().map(str::to_string),
                _ => None,
            })
            .collect();
        let subdir = parts
            .ok_or_else(|| ExportError::InvalidSubdir {
                dir: dir.to_path_buf(),
            })?
            .join("/");
        match &mut self {
            ProjectSource::Local => {}
            ProjectSource::Tarball { subdir: inside, .. }
            | ProjectSource::Git { subdir: inside, .. } => *inside = subdir,
        }
        Ok(self)
    }
}

/// One file of the build system, relative to its top directory.
struct ExportFile {
    path: PathBuf,
    content: Vec<u8>,
}

/// Write the build system for `plan` into `out_dir`, replacing only files an earlier export
/// wrote. Returns the entry point, `<out_dir>/default.nix`.
pub fn export(
    plan: &BuildPlan,
    toolchain: &Toolchain,
    source: &ProjectSource,
    out_dir: &Path,
) -> Result<PathBuf, ExportError> {
    let files = build_system(plan, toolchain, source, out_dir)?;
    // Every file is checked before any is written: a refusal leaves the directory as it was.
    for file in &files {
        refuse_foreign_file(&out_dir.join(&file.path))?;
    }
    for file in &files {
        let path = out_dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        std::fs::write(&path, &file.content).map_err(io_error(&path))?;
    }
    Ok(out_dir.join("default.nix"))
}

/// Write the build system for `plan` as one gzipped tarball, its files under a directory
/// named after the archive (as `builtins.fetchTarball` and release assets expect).
/// Byte-for-byte the same for the same plan and source.
pub fn export_archive(
    plan: &BuildPlan,
    toolchain: &Toolchain,
    source: &ProjectSource,
    archive: &Path,
) -> Result<(), ExportError> {
    // The archive stands in for the export directory: inside the workspace, it is left out
    // of the sources.
    let files = build_system(plan, toolchain, source, archive)?;
    let top = archive_top_dir(archive);
    let partial = archive.with_extension(format!("partial{}", std::process::id()));
    let written =
        write_tar_gz(&files, &top, &partial).and_then(|()| std::fs::rename(&partial, archive));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map_err(io_error(archive))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError {
    let path = path.to_path_buf();
    move |source| ExportError::Io { path, source }
}

/// A file may be replaced only when an export wrote it: it carries one of the markers.
fn refuse_foreign_file(path: &Path) -> Result<(), ExportError> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(io_error(path)(error)),
    };
    if metadata.file_type().is_symlink() {
        return Err(ExportError::Symlink {
            path: path.to_path_buf(),
        });
    }
    let content = std::fs::read(path).map_err(io_error(path))?;
    let text = String::from_utf8_lossy(&content);
    if text.contains(LIBRARY_MARKER) || text.contains(GENERATED_MARKER) {
        Ok(())
    } else {
        Err(ExportError::NotGenerated {
            path: path.to_path_buf(),
        })
    }
}

/// Every file of the build system, sorted by path. `location` is where it will be
/// written: left out of the project's sources, and for a local source where the project
/// root is found from.
fn build_system(
    plan: &BuildPlan,
    toolchain: &Toolchain,
    source: &ProjectSource,
    location: &Path,
) -> Result<Vec<ExportFile>, ExportError> {
    let root = &plan.workspace_root;
    let source_json = match source {
        ProjectSource::Local => {
            let depth = location
                .strip_prefix(root)
                .map_err(|_| ExportError::OutsideWorkspace {
                    dir: location.to_path_buf(),
                    root: root.clone(),
                })?
                .components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .count();
            let path = if depth == 0 {
                ".".to_string()
            } else {
                vec![".."; depth].join("/")
            };
            json!({ "generated": GENERATED_MARKER, "type": "local", "path": path })
        }
        ProjectSource::Tarball {
            url,
            sha256,
            subdir,
        } => json!({
            "generated": GENERATED_MARKER, "type": "tarball",
            "url": url, "sha256": sha256, "subdir": subdir,
        }),
        ProjectSource::Git { url, rev, subdir } => json!({
            "generated": GENERATED_MARKER, "type": "git",
            "url": url, "rev": rev, "subdir": subdir,
        }),
    };
    let plan = portable(plan);
    let paths = SourcePaths::Exported {
        root: root.clone(),
        out_dir: location.to_path_buf(),
    };
    let plan_json = super::plan_json::render(&plan, toolchain, &paths)?;
    let to_json = |value: &serde_json::Value| {
        let mut text = serde_json::to_vec_pretty(value).unwrap_or_default();
        text.push(b'\n');
        text
    };
    let mut files = vec![
        ExportFile {
            path: "plan.json".into(),
            content: plan_json,
        },
        ExportFile {
            path: "source.json".into(),
            content: to_json(&source_json),
        },
    ];
    let statics = ENTRY_POINTS
        .iter()
        .map(|(name, text)| (PathBuf::from(name), text));
    let library = NIX_LIBRARY
        .iter()
        .map(|(name, text)| (Path::new("nix").join(name), text));
    files.extend(statics.chain(library).map(|(path, text)| ExportFile {
        path,
        content: text.as_bytes().to_vec(),
    }));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The plan as it is exported: naming no directory of this machine's checkout (package ids
/// say `<workspace>`), and with no unit keeping state here (incremental directories).
fn portable(plan: &BuildPlan) -> BuildPlan {
    let root = plan.workspace_root.display().to_string();
    let neutral = |id: &str| id.replace(&root, "<workspace>");
    let mut plan = plan.clone();
    plan.packages = std::mem::take(&mut plan.packages)
        .into_values()
        .map(|mut package| {
            package.id = neutral(&package.id);
            (package.id.clone(), package)
        })
        .collect();
    for unit in &mut plan.units {
        unit.package = neutral(&unit.package);
        unit.profile.incremental = false;
    }
    plan
}

/// `libnix-1.0.tar.gz` -> `libnix-1.0`.
fn archive_top_dir(archive: &Path) -> String {
    let name = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    [".tar.gz", ".tgz", ".gz"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|stem| !stem.is_empty())
        .unwrap_or("libnix-build")
        .to_string()
}

/// A reproducible tar.gz: fixed order, times, owners and modes.
fn write_tar_gz(files: &[ExportFile], top: &str, path: &Path) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let gzip = flate2::GzBuilder::new()
        .mtime(0)
        .write(file, flate2::Compression::best());
    let mut tar = tar::Builder::new(gzip);
    let top = Path::new(top);
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .flat_map(|f| f.path.ancestors().skip(1))
        .map(|dir| top.join(dir).components().collect())
        .collect();
    let header = |entry_type: tar::EntryType, mode: u32, size: u64| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(entry_type);
        header.set_mode(mode);
        header.set_size(size);
        header.set_mtime(1);
        header.set_uid(0);
        header.set_gid(0);
        header
    };
    for dir in &dirs {
        let mut header = header(tar::EntryType::Directory, 0o755, 0);
        tar.append_data(&mut header, dir, std::io::empty())?;
    }
    for file in files {
        let mut header = header(tar::EntryType::Regular, 0o644, file.content.len() as u64);
        tar.append_data(&mut header, top.join(&file.path), file.content.as_slice())?;
    }
    tar.into_inner()?.finish()?.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_static_file_carries_the_library_marker() {
        for (name, text) in ENTRY_POINTS.iter().chain(NIX_LIBRARY) {
            assert!(text.contains(LIBRARY_MARKER), "{name} has no marker");
        }
    }

    #[test]
    fn hashes_are_accepted_in_the_forms_nix_prints() {
        let url = || "https://example.org/p.tar.gz".to_string();
        for hash in [
            "0v2aa4zl1vlp4rjwr4v4q9x8jrfiinh7dcvnbcvq8n2pqlwrvrhv",
            "sha256:0v2aa4zl1vlp4rjwr4v4q9x8jrfiinh7dcvnbcvq8n2pqlwrvrhv",
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert!(
                ProjectSource::tarball(url(), hash.into()).is_ok(),
                "{hash} refused"
            );
        }
        for hash in ["", "abc", "sha256-short=", "md5:0123"] {
            assert!(
                matches!(
                    ProjectSource::tarball(url(), hash.into()),
                    Err(ExportError::InvalidHash { .. })
                ),
                "{hash} accepted"
            );
        }
        assert!(ProjectSource::git(url(), "a".repeat(40)).is_ok());
        assert!(ProjectSource::git(url(), "main".into()).is_err());
    }

    #[test]
    fn the_archive_is_named_after_its_file() {
        assert_eq!(
            archive_top_dir(Path::new("/x/app-1.0-nix.tar.gz")),
            "app-1.0-nix"
        );
        assert_eq!(archive_top_dir(Path::new("b.tgz")), "b");
        assert_eq!(archive_top_dir(Path::new(".tar.gz")), "libnix-build");
    }

    #[test]
    fn only_files_an_export_wrote_may_be_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = |name: &str, content: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, content).expect("write");
            path
        };
        assert!(refuse_foreign_file(&dir.path().join("missing.nix")).is_ok());
        assert!(refuse_foreign_file(&file("lib.nix", &format!("# {LIBRARY_MARKER}\n"))).is_ok());
        assert!(refuse_foreign_file(&file("plan.json", GENERATED_MARKER)).is_ok());
        let users = file("users.nix", "{ }: { }\n");
        assert!(matches!(
            refuse_foreign_file(&users),
            Err(ExportError::NotGenerated { path }) if path == users
        ));
        let link = dir.path().join("link.nix");
        std::os::unix::fs::symlink(dir.path().join("lib.nix"), &link).expect("symlink");
        assert!(matches!(
            refuse_foreign_file(&link),
            Err(ExportError::Symlink { path }) if path == link
        ));
    }

    fn sample_files() -> Vec<ExportFile> {
        ["default.nix", "nix/builder.sh", "plan.json"]
            .iter()
            .map(|name| ExportFile {
                path: name.into(),
                content: format!("content of {name}\n").into_bytes(),
            })
            .collect()
    }

    #[test]
    fn archives_are_reproducible_and_hold_every_file_under_the_top_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = dir.path().join("first.tar.gz");
        let second = dir.path().join("second.tar.gz");
        write_tar_gz(&sample_files(), "top", &first).expect("first archive");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        write_tar_gz(&sample_files(), "top", &second).expect("second archive");
        let bytes = std::fs::read(&first).expect("read archive");
        assert_eq!(bytes, std::fs::read(&second).expect("read archive"));

        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        let entries: Vec<(String, u64)> = archive
            .entries()
            .expect("entries")
            .map(|entry| {
                let entry = entry.expect("entry");
                let path = entry.path().expect("path").display().to_string();
                (path, entry.header().mtime().expect("mtime"))
            })
            .collect();
        let names: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "top",
                "top/nix",
                "top/default.nix",
                "top/nix/builder.sh",
                "top/plan.json"
            ]
        );
        assert!(entries.iter().all(|(_, mtime)| *mtime == 1));
    }
}
