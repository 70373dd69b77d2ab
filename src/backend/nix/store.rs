//! Store paths, validity queries and offline seeding of crate sources.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::backend::plan::{BuildPlan, PackageSource};
use crate::backend::process::{self, ProcessError};

pub const STORE_DIR: &str = "/nix/store";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error(
        "crate `{package}`: {file} is missing from Cargo's cache, so Nix cannot get it offline (run `cargo fetch`)"
    )]
    MissingCrate { package: String, file: PathBuf },
}

/// Nix's base-32 encoding (its own alphabet, least significant bits first).
pub fn nix_base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdfghijklmnpqrsvwxyz";
    let len = (bytes.len() * 8).div_ceil(5);
    (0..len)
        .rev()
        .map(|n| {
            let bit = n * 5;
            let (i, j) = (bit / 8, bit % 8);
            let low = u16::from(bytes[i]) >> j;
            let high = bytes.get(i + 1).map_or(0, |&b| u16::from(b) << (8 - j));
            ALPHABET[usize::from((low | high) & 0x1f)] as char
        })
        .collect()
}

fn compress_hash(hash: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    for (i, byte) in hash.iter().enumerate() {
        out[i % size] ^= byte;
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn make_store_path(kind: &str, inner_hex: &str, name: &str) -> String {
    let fingerprint = format!("{kind}:sha256:{inner_hex}:{STORE_DIR}:{name}");
    let digest = Sha256::digest(fingerprint.as_bytes());
    format!(
        "{STORE_DIR}/{}-{name}",
        nix_base32(&compress_hash(&digest, 20))
    )
}

/// The path of a flat, SHA-256 fixed-output derivation (what `fetchurl` and
/// `nix-store --add-fixed sha256 FILE` produce) for content with hash `sha256_hex`.
pub fn fixed_output_path(sha256_hex: &str, name: &str) -> String {
    let inner = Sha256::digest(format!("fixed:out:sha256:{sha256_hex}:").as_bytes());
    make_store_path("output:out", &hex(&inner), name)
}

fn run(mut command: Command) -> Result<String, ProcessError> {
    let stdout = process::stdout_of(&mut command)?;
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

/// The subset of `paths` that is not valid in the store.
pub fn invalid_paths(paths: &[&str], store_args: &[String]) -> Result<Vec<String>, StoreError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut command = Command::new("nix-store");
    command
        .args(store_args)
        .args(["--check-validity", "--print-invalid"])
        .args(paths);
    Ok(run(command)?.lines().map(str::to_string).collect())
}

/// Put every registry crate of `plan` into the store from Cargo's download cache, so no
/// fixed-output fetch ever needs the network. Returns how many crates were added.
pub fn seed_crates(plan: &BuildPlan, store_args: &[String]) -> Result<usize, StoreError> {
    let mut wanted: Vec<(String, &Path, String)> = Vec::new();
    for package in plan.packages.values() {
        if let PackageSource::Registry {
            checksum,
            crate_file,
        } = &package.source
        {
            let name = format!("{}-{}.crate", package.name, package.version);
            wanted.push((
                fixed_output_path(checksum, &name),
                crate_file,
                package.name.clone(),
            ));
        }
    }
    let paths: Vec<&str> = wanted.iter().map(|(path, _, _)| path.as_str()).collect();
    let invalid = invalid_paths(&paths, store_args)?;
    let mut files = Vec::new();
    for (path, file, package) in &wanted {
        if invalid.contains(path) {
            if !file.is_file() {
                return Err(StoreError::MissingCrate {
                    package: package.clone(),
                    file: file.to_path_buf(),
                });
            }
            files.push(*file);
        }
    }
    for chunk in files.chunks(200) {
        let mut command = Command::new("nix-store");
        command
            .args(store_args)
            .args(["--add-fixed", "sha256"])
            .args(chunk);
        run(command)?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_nix() {
        // `nix hash to-base32 sha256:<hex of sha256("")>`
        let empty = Sha256::digest(b"");
        assert_eq!(
            nix_base32(&empty),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
    }

    #[test]
    fn fixed_output_path_matches_add_fixed() {
        // `nix-store --add-fixed sha256 libc-0.2.191.crate` printed this path.
        assert_eq!(
            fixed_output_path(
                "65cd87c9a6d60536580b316ad985726104730a5151c99845f2490428ef91240a",
                "libc-0.2.191.crate"
            ),
            "/nix/store/9k9i94v944kqq4d1bw94j4jxx28ll75c-libc-0.2.191.crate"
        );
    }
}
