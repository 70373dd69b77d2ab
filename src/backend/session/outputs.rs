//! What a finished session leaves behind: GC roots that keep every unit output of the
//! profile's latest build alive, and `target/libnix/<profile>` with the roots' binaries and
//! libraries under Cargo's names.
//!
//! A binary does not reference the rlibs it was linked from, so rooting only the final
//! outputs would let a GC delete every dependency's output. Each build's roots live in
//! `gcroots/<profile>/<hash of its outputs>/root, root-2, ...` (one per unit, in unit
//! order); a successful build removes the other builds' directories, as a target dir keeps
//! only what it has. Nix's indirect roots point at these links by path, so a directory is
//! never renamed, only created and removed.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use super::{NixOptions, Prepared, RunError};
use crate::backend::layout::Layout;
use crate::backend::plan::{UnitKind, short_hash};
use crate::backend::process;

/// The directory holding the roots of this build's unit outputs.
fn build_roots_dir(prepared: &Prepared) -> PathBuf {
    let outputs = prepared.unit_outputs().join("\n");
    prepared.gc_roots_dir().join(short_hash(outputs.as_bytes()))
}

/// The name Nix gives the root of the `index`th path after `--add-root <dir>/root`.
fn root_name(index: usize) -> String {
    match index {
        0 => "root".to_string(),
        n => format!("root-{}", n + 1),
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `--add-root` arguments that make every output of the realised paths a GC root (pass
/// the unit derivations in unit order), in a fresh directory for this build.
pub(super) fn roots_args(prepared: &Prepared) -> Result<Vec<String>, RunError> {
    let dir = build_roots_dir(prepared);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    Ok(vec![
        "--add-root".into(),
        dir.join("root").display().to_string(),
        "--indirect".into(),
    ])
}

/// After a successful build: drop the roots of the profile's earlier builds.
pub(super) fn drop_earlier_roots(prepared: &Prepared) -> Result<(), RunError> {
    let latest = build_roots_dir(prepared);
    let profile_dir = prepared.gc_roots_dir();
    let entries = std::fs::read_dir(&profile_dir).map_err(io_error(&profile_dir))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path == latest {
            continue;
        }
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        removed.map_err(io_error(&path))?;
    }
    Ok(())
}

/// Make the (already valid) unit outputs GC roots, unless they are already.
pub(super) async fn register_roots(prepared: &Prepared, nix: &NixOptions) -> Result<(), RunError> {
    let dir = build_roots_dir(prepared);
    let outputs = prepared.unit_outputs();
    let registered = outputs.iter().enumerate().all(|(index, out)| {
        std::fs::read_link(dir.join(root_name(index)))
            .ok()
            .as_deref()
            == Some(Path::new(out))
    });
    if !registered {
        let mut command = Command::new("nix-store");
        command
            .args(nix.store_args())
            .arg("--realise")
            .args(&outputs)
            .args(roots_args(prepared)?);
        process::succeeds_async(&mut command).await?;
    }
    drop_earlier_roots(prepared)
}

/// What `clean` lets go, as `cargo clean` does: `profile: None` means every profile;
/// no `packages` means everything of the profile(s).
#[derive(Debug, Clone, Default)]
pub struct CleanScope {
    pub profile: Option<String>,
    pub packages: Vec<String>,
}

/// Remove the GC roots (and output links) in `scope`, so the next GC may delete those
/// outputs. Without a scope, everything below `target/libnix` goes.
pub fn clean(layout: &Layout, scope: &CleanScope) -> Result<(), RunError> {
    match (&scope.profile, scope.packages.is_empty()) {
        (None, true) => remove_if_present(layout.libnix_dir()),
        (Some(profile), true) => {
            remove_if_present(&layout.gc_roots_dir(profile))?;
            remove_if_present(&layout.out_dir(profile))
        }
        (profile, false) => {
            let profiles = match profile {
                Some(profile) => vec![profile.clone()],
                None => subdirectory_names(&layout.all_gc_roots_dir())?,
            };
            for profile in profiles {
                let released = remove_links(&layout.gc_roots_dir(&profile), &|target| {
                    scope
                        .packages
                        .iter()
                        .any(|package| is_output_of(target, package))
                })?;
                // The output links into the released outputs, e.g. `bin/<name>`.
                remove_links(&layout.out_dir(&profile), &|target| {
                    released.iter().any(|out| target.starts_with(out))
                })?;
            }
            Ok(())
        }
    }
}

fn remove_if_present(path: &Path) -> Result<(), RunError> {
    match std::fs::remove_dir_all(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(RunError::Io {
            path: path.to_path_buf(),
            source: error,
        }),
        _ => Ok(()),
    }
}

fn subdirectory_names(dir: &Path) -> Result<Vec<String>, RunError> {
    Ok(entries_of(dir)?
        .into_iter()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect())
}

/// Remove the symlinks below `dir` whose target `matches`; returns their targets.
fn remove_links(dir: &Path, matches: &dyn Fn(&Path) -> bool) -> Result<Vec<PathBuf>, RunError> {
    let mut removed = Vec::new();
    for entry in entries_of(dir)? {
        let path = entry.path();
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            removed.extend(remove_links(&path, matches)?);
        } else if let Ok(target) = std::fs::read_link(&path)
            && matches(&target)
        {
            std::fs::remove_file(&path).map_err(io_error(&path))?;
            removed.push(target);
        }
    }
    Ok(removed)
}

/// The entries of `dir`; none when it does not exist.
fn entries_of(dir: &Path) -> Result<Vec<std::fs::DirEntry>, RunError> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries.flatten().collect()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(RunError::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// Whether a unit's store path (`<hash>-<package>-<version>-<kind>...`) is `package`'s.
fn is_output_of(store_path: &Path, package: &str) -> bool {
    let Some(name) = store_path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    let Some(rest) = name
        .split_once('-')
        .and_then(|(_hash, rest)| rest.strip_prefix(package))
        .and_then(|rest| rest.strip_prefix('-'))
    else {
        return false;
    };
    // The version ends at some `-`: `foo` must not match `foo-bar-0.1.0-lib`.
    rest.match_indices('-')
        .any(|(end, _)| cargo_metadata::semver::Version::parse(&rest[..end]).is_ok())
}

/// `target/libnix/<profile>`: `bin/<name>` for root binaries, `lib/` for root libraries
/// under Cargo's names (`libfoo.so`, not `libfoo-<hash>.so`). Replaced as a whole.
pub(super) fn link_outputs(prepared: &Prepared) -> Result<(), RunError> {
    let dir = prepared.out_link();
    let io = |source| RunError::Io {
        path: dir.clone(),
        source,
    };
    let staging = dir.with_extension(format!("tmp{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io)?;
    }
    std::fs::create_dir_all(staging.join("bin")).map_err(io)?;
    std::fs::create_dir_all(staging.join("lib")).map_err(io)?;
    for &root in &prepared.plan.roots {
        let unit = &prepared.plan.units[root];
        let out = Path::new(&prepared.unit_paths[root].out_path);
        match unit.kind {
            UnitKind::Bin | UnitKind::Example => {
                let bin = Path::new("bin").join(&unit.target_name);
                std::os::unix::fs::symlink(out.join(&bin), staging.join(&bin)).map_err(io)?;
            }
            // `check` and `test` leave nothing to use under Cargo's names.
            UnitKind::Check | UnitKind::Test | UnitKind::TestRun => {}
            _ => {
                let Ok(files) = std::fs::read_dir(out.join("lib")) else {
                    continue;
                };
                for file in files.flatten() {
                    let name = cargo_file_name(&file.file_name().to_string_lossy());
                    std::os::unix::fs::symlink(file.path(), staging.join("lib").join(name))
                        .map_err(io)?;
                }
            }
        }
    }
    match std::fs::symlink_metadata(&dir) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&dir).map_err(io)?,
        Ok(_) => std::fs::remove_file(&dir).map_err(io)?,
        Err(_) => {}
    }
    std::fs::rename(&staging, &dir).map_err(io)
}

/// `libfoo-0123456789abcdef.so` -> `libfoo.so`: the name Cargo uplifts a library to.
fn cargo_file_name(name: &str) -> String {
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    match stem.rsplit_once('-') {
        Some((base, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            format!("{base}.{extension}")
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_outputs_are_told_apart_by_package() {
        let path = |name: &str| PathBuf::from(format!("/nix/store/0123abcd-{name}"));
        assert!(is_output_of(&path("foo-0.1.0-lib"), "foo"));
        assert!(is_output_of(
            &path("foo-1.0.0-rc.1-build-script-run"),
            "foo"
        ));
        assert!(!is_output_of(&path("foo-bar-0.1.0-lib"), "foo"));
        assert!(!is_output_of(&path("foo-2d-0.1.0-lib"), "foo"));
        assert!(is_output_of(&path("foo-2d-0.1.0-lib"), "foo-2d"));
        assert!(!is_output_of(&path("bar-0.1.0-lib"), "foo"));
    }

    #[test]
    fn libraries_are_uplifted_to_cargos_names() {
        assert_eq!(
            cargo_file_name("libgreet-0123456789abcdef.so"),
            "libgreet.so"
        );
        assert_eq!(
            cargo_file_name("libgreet-0123456789abcdef.rlib"),
            "libgreet.rlib"
        );
        assert_eq!(cargo_file_name("libmy-crate.a"), "libmy-crate.a");
        assert_eq!(
            cargo_file_name("libx-0123456789abcdeg.so"),
            "libx-0123456789abcdeg.so"
        );
    }
}
