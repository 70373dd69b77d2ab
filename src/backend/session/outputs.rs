//! What a finished session leaves behind: GC roots that keep the root outputs alive and
//! `target/libnix/<profile>` with the roots' binaries and libraries under Cargo's names.

use std::path::Path;

use tokio::process::Command;

use super::{NixOptions, Prepared, RunError};
use crate::backend::plan::UnitKind;
use crate::backend::process;

/// `--add-root` arguments that make the roots' outputs GC roots (`root`, `root-2`, ... in
/// the order of the roots), replacing the roots of an earlier build.
pub(super) fn roots_args(prepared: &Prepared) -> Result<Vec<String>, RunError> {
    let dir = prepared.gc_roots_dir();
    let io = |source| RunError::Io {
        path: dir.clone(),
        source,
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io)?;
    }
    std::fs::create_dir_all(&dir).map_err(io)?;
    Ok(vec![
        "--add-root".into(),
        dir.join("root").display().to_string(),
        "--indirect".into(),
    ])
}

/// Make already valid root outputs GC roots, unless they are already.
pub(super) async fn register_roots(prepared: &Prepared, nix: &NixOptions) -> Result<(), RunError> {
    let dir = prepared.gc_roots_dir();
    let outputs = prepared.root_outputs();
    let registered = outputs.iter().enumerate().all(|(index, out)| {
        let name = match index {
            0 => "root".to_string(),
            n => format!("root-{}", n + 1),
        };
        std::fs::read_link(dir.join(name)).ok().as_deref() == Some(Path::new(out))
    });
    if registered {
        return Ok(());
    }
    let mut command = Command::new("nix-store");
    command
        .args(nix.store_args())
        .arg("--realise")
        .args(&outputs)
        .args(roots_args(prepared)?);
    Ok(process::succeeds_async(&mut command).await?)
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
