//! The static Nix library in `nix/`, embedded so an installed binary can write it next to
//! the plan.

use std::path::{Path, PathBuf};

use crate::backend::layout::library_dir_in;

/// The static Nix library, embedded so an installed binary can write it next to the plan.
pub const NIX_LIBRARY: &[(&str, &str)] = &[
    ("default.nix", include_str!("../../../nix/default.nix")),
    ("host.nix", include_str!("../../../nix/host.nix")),
    ("nixpkgs.nix", include_str!("../../../nix/nixpkgs.nix")),
    ("host-pkgs.nix", include_str!("../../../nix/host-pkgs.nix")),
    ("overrides.nix", include_str!("../../../nix/overrides.nix")),
    ("builder.sh", include_str!("../../../nix/builder.sh")),
    ("test-run.nix", include_str!("../../../nix/test-run.nix")),
    ("record-run.sh", include_str!("../../../nix/record-run.sh")),
];

/// Write the static Nix library into `<dir>/nix`; returns that directory.
pub fn write_library(dir: &Path) -> std::io::Result<PathBuf> {
    let lib_dir = library_dir_in(dir);
    std::fs::create_dir_all(&lib_dir)?;
    for (name, content) in NIX_LIBRARY {
        replace_if_changed(&lib_dir.join(name), content.as_bytes())?;
    }
    Ok(lib_dir)
}

pub(super) fn replace_if_changed(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(content) {
        return Ok(());
    }
    // Unique per process: another session may be writing the same file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, path)
}
