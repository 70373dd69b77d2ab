//! `cache keygen`: a key pair for signing what `cache push` uploads.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{CacheError, run_nix};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub secret_file: PathBuf,
    pub public_file: PathBuf,
    /// `NAME:base64`, the line for `trusted-public-keys`.
    pub public_key: String,
}

/// Where keys go by default: `$XDG_CONFIG_HOME/libnix-tui/keys` (`~/.config/...`), out of
/// every project, so a secret key is never committed by accident.
pub fn default_dir() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(config.join("libnix-tui").join("keys"))
}

/// `<hostname>-1`: Nix's convention, so every machine's key says where it came from.
pub fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    format!("{}-1", if host.is_empty() { "libnix-tui" } else { host })
}

fn check_name(name: &str) -> Result<(), CacheError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if valid {
        Ok(())
    } else {
        Err(CacheError::KeyName(name.to_string()))
    }
}

/// Writes `<dir>/<name>.secret` and `<dir>/<name>.public` with
/// `nix-store --generate-binary-cache-key`; never overwrites a key.
pub fn generate(name: &str, dir: &Path) -> Result<KeyPair, CacheError> {
    check_name(name)?;
    let secret_file = dir.join(format!("{name}.secret"));
    let public_file = dir.join(format!("{name}.public"));
    for file in [&secret_file, &public_file] {
        if file.exists() {
            return Err(CacheError::KeyExists(file.clone()));
        }
    }
    std::fs::create_dir_all(dir).map_err(|cause| CacheError::Io {
        path: dir.to_path_buf(),
        cause,
    })?;
    run_nix(
        "nix-store --generate-binary-cache-key",
        Command::new("nix-store")
            .arg("--generate-binary-cache-key")
            .arg(name)
            .arg(&secret_file)
            .arg(&public_file),
    )?;
    let public_key = std::fs::read_to_string(&public_file)
        .map_err(|cause| CacheError::Io {
            path: public_file.clone(),
            cause,
        })?
        .trim()
        .to_string();
    Ok(KeyPair {
        secret_file,
        public_file,
        public_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_what_nix_accepts_in_a_key_line() {
        assert!(check_name("ci-cache-1").is_ok());
        assert!(check_name("host.example.org-1").is_ok());
        for bad in ["", "a:b", "two words", "a/b"] {
            assert!(
                matches!(check_name(bad), Err(CacheError::KeyName(_))),
                "{bad}"
            );
        }
    }
}
