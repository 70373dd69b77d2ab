//! `cache push`: the last build's unit outputs and their closure to a binary cache (or any
//! store Nix can copy to), signed with the user's key.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{CacheError, NixConfig, nix_command, nix_error, run_nix};
use crate::backend::nix::protocol::{ActivityType, NixEvent, parse_line, strip_ansi};

/// Stores written by Nix's binary-cache code: they sign what they receive with their
/// `secret-key` parameter. Other stores get paths signed in the local store first.
const BINARY_CACHE_SCHEMES: [&str; 4] = ["file", "http", "https", "s3"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The destination as the user named it.
    pub uri: String,
    /// The unit outputs and everything they reference.
    pub paths: usize,
    /// Of those, the ones the cache did not have yet.
    pub copied: usize,
    /// Unpacked (NAR) size of the copied paths.
    pub copied_bytes: u64,
    /// Unit outputs of the last build that are not in the store (failed or collected).
    pub missing: usize,
}

/// Where the key comes from: `--key`, else Nix's `secret-key-files` (its first file).
pub fn signing_key(key: Option<PathBuf>) -> Result<PathBuf, CacheError> {
    let key = match key {
        Some(key) => key,
        None => NixConfig::read()?
            .secret_key_files
            .into_iter()
            .next()
            .ok_or(CacheError::NoKey)?,
    };
    let unreadable = |cause| CacheError::KeyUnreadable {
        path: key.clone(),
        cause,
    };
    std::fs::File::open(&key).map_err(unreadable)?;
    // Nix reads it from its own working directory.
    std::path::absolute(&key).map_err(unreadable)
}

/// A store URI for `destination`: URIs as they are, a bare path as a `file://` cache.
pub fn store_uri(destination: &str) -> Result<String, CacheError> {
    if destination.contains("://") {
        return Ok(destination.to_string());
    }
    let path = Path::new(destination);
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        let cwd = std::env::current_dir().map_err(|cause| CacheError::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        cwd.join(path)
    };
    Ok(format!("file://{}", absolute.display()))
}

fn scheme(uri: &str) -> &str {
    uri.split_once("://").map_or("", |(scheme, _)| scheme)
}

/// The URI Nix writes to: binary caches get the key and zstd (xz, their default, took 24 s
/// where zstd took 0.2 s for a 23 MB build) unless the URI chooses a compression.
fn signed_uri(uri: &str, key: &Path) -> String {
    if !BINARY_CACHE_SCHEMES.contains(&scheme(uri)) {
        return uri.to_string();
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    let mut signed = format!("{uri}{separator}secret-key={}", key.display());
    if !uri.contains("compression=") {
        signed.push_str("&compression=zstd");
    }
    signed
}

/// A `file://` cache's directory must exist and be writable before Nix writes to it.
fn prepare_directory(uri: &str) -> Result<(), CacheError> {
    let Some(path) = uri.strip_prefix("file://") else {
        return Ok(());
    };
    let dir = PathBuf::from(path.split('?').next().unwrap_or(path));
    let unwritable = |cause| CacheError::Unwritable {
        path: dir.clone(),
        cause,
    };
    std::fs::create_dir_all(&dir).map_err(unwritable)?;
    let probe = dir.join(format!(".libnix-tui-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(unwritable)?;
    std::fs::remove_file(&probe).map_err(unwritable)
}

#[derive(serde::Deserialize)]
struct PathInfo {
    path: String,
    #[serde(rename = "narSize", default)]
    nar_size: u64,
}

/// Every path in the closure of `paths`, with its NAR size.
fn closure_sizes(
    paths: &[&str],
    store_args: &[String],
) -> Result<HashMap<String, u64>, CacheError> {
    let command = "nix path-info --json --recursive";
    let stdout = run_nix(
        command,
        nix_command()
            .args(store_args)
            .args(["path-info", "--json", "--recursive"])
            .args(paths),
    )?;
    let infos: Vec<PathInfo> = serde_json::from_slice(&stdout).map_err(|e| CacheError::Output {
        command: command.into(),
        message: e.to_string(),
    })?;
    Ok(infos.into_iter().map(|i| (i.path, i.nar_size)).collect())
}

fn sign_locally(paths: &[&str], key: &Path, store_args: &[String]) -> Result<(), CacheError> {
    run_nix(
        "nix store sign",
        nix_command()
            .args(store_args)
            .args(["store", "sign", "--key-file"])
            .arg(key)
            .args(paths),
    )
    .map(drop)
}

/// Copies the valid ones of `outputs` and their closure to `destination`, signed with
/// `key`; `progress` hears of each path as its copy starts.
pub fn push(
    outputs: &[String],
    destination: &str,
    key: &Path,
    store_args: &[String],
    mut progress: impl FnMut(&str),
) -> Result<Pushed, CacheError> {
    let all: Vec<&str> = outputs.iter().map(String::as_str).collect();
    let invalid = run_nix(
        "nix-store --check-validity",
        Command::new("nix-store")
            .args(store_args)
            .args(["--check-validity", "--print-invalid"])
            .args(&all),
    )?;
    let invalid = String::from_utf8_lossy(&invalid);
    let valid: Vec<&str> = all
        .iter()
        .copied()
        .filter(|path| !invalid.lines().any(|i| i == *path))
        .collect();
    if valid.is_empty() {
        return Err(CacheError::NothingToPush(outputs.len()));
    }
    let uri = store_uri(destination)?;
    prepare_directory(&uri)?;
    let sizes = closure_sizes(&valid, store_args)?;
    if !BINARY_CACHE_SCHEMES.contains(&scheme(&uri)) {
        let closure: Vec<&str> = sizes.keys().map(String::as_str).collect();
        sign_locally(&closure, key, store_args)?;
    }

    let mut child = nix_command()
        .args(store_args)
        // Copy what is here; never fetch a missing path from elsewhere to copy it.
        .args(["--option", "substituters", ""])
        .args(["copy", "--to", &signed_uri(&uri, key)])
        .args(["--log-format", "internal-json", "-v"])
        .args(&valid)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|cause| CacheError::Spawn {
            command: "nix copy".into(),
            cause,
        })?;
    let mut copied = Vec::new();
    let mut errors = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            match parse_line(&line) {
                NixEvent::Start(start) if start.kind == ActivityType::CopyPath => {
                    if let Some(path) = start.fields.str(0) {
                        progress(path);
                        copied.push(path.to_string());
                    }
                }
                NixEvent::Msg(msg) if msg.level == 0 => errors.push(strip_ansi(&msg.msg)),
                NixEvent::Raw(line) if !line.trim().is_empty() => errors.push(strip_ansi(&line)),
                _ => {}
            }
        }
    }
    let status = child.wait().map_err(|cause| CacheError::Spawn {
        command: "nix copy".into(),
        cause,
    })?;
    if !status.success() {
        let message = nix_error(errors.join("\n").as_bytes());
        return Err(if message.contains("don't know how to open Nix store") {
            CacheError::UnknownStore {
                uri: destination.to_string(),
                message,
            }
        } else {
            CacheError::Nix {
                command: format!("nix copy --to {destination}"),
                message,
            }
        });
    }
    Ok(Pushed {
        uri: destination.to_string(),
        paths: sizes.len(),
        copied_bytes: copied.iter().filter_map(|path| sizes.get(path)).sum(),
        copied: copied.len(),
        missing: outputs.len() - valid.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_caches_sign_with_the_key_and_compress_with_zstd() {
        let key = Path::new("/keys/ci-1.secret");
        assert_eq!(
            signed_uri("file:///srv/cache", key),
            "file:///srv/cache?secret-key=/keys/ci-1.secret&compression=zstd"
        );
        assert_eq!(
            signed_uri("s3://bucket?region=eu-west-1&compression=xz", key),
            "s3://bucket?region=eu-west-1&compression=xz&secret-key=/keys/ci-1.secret"
        );
        assert_eq!(signed_uri("ssh://builder", key), "ssh://builder");
    }

    #[test]
    fn a_bare_path_is_a_file_cache() {
        assert_eq!(store_uri("/srv/cache").unwrap(), "file:///srv/cache");
        assert_eq!(store_uri("http://h/c").unwrap(), "http://h/c");
        assert!(store_uri("cache").unwrap().starts_with("file:///"));
    }
}
