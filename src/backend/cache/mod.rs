//! Room `cache`: a signing key pair, pushing the last build's unit outputs, and which
//! substituters a build asks (with Nix's warnings about them said once, plainly).
//! May import: `nix`, `toolchain`, `process`, `BackendEvent`; `session` imports it.

pub mod fetched;
pub mod keygen;
pub mod push;
pub mod trust;

use std::path::PathBuf;
use std::process::Command;

use super::process::{self, ProcessError};

/// Nix's default cache: it holds nixpkgs, never a host-mode unit.
pub const NIXOS_CACHE: &str = "https://cache.nixos.org";

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("could not run `{command}`: {cause}. Is Nix installed and on PATH?")]
    Spawn {
        command: String,
        cause: std::io::Error,
    },
    #[error("`{command}` failed: {message}")]
    Nix { command: String, message: String },
    #[error("unexpected output of `{command}`: {message}")]
    Output { command: String, message: String },
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{0} exists already: not overwriting a key (choose another --name or --out)")]
    KeyExists(PathBuf),
    #[error("invalid key name `{0}`: use letters, digits, `.`, `-` and `_` (e.g. ci-cache-1)")]
    KeyName(String),
    #[error(
        "no signing key: pass --key FILE, or set `secret-key-files` in nix.conf or NIX_CONFIG \
         (`libnix-tui cache keygen` writes a key pair)"
    )]
    NoKey,
    #[error("signing key {path}: {cause}")]
    KeyUnreadable {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "no build recorded in {0} (or one from before `cache push` existed): run \
         `libnix-tui build` first"
    )]
    NoBuild(PathBuf),
    #[error(
        "none of the last build's {0} unit outputs is in the Nix store (collected, or the \
         build failed): build again, then push"
    )]
    NothingToPush(usize),
    #[error("cannot write to the cache directory {path}: {cause}")]
    Unwritable {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("Nix does not know the store `{uri}`: {message}")]
    UnknownStore { uri: String, message: String },
}

/// The settings this module reads from Nix's effective configuration (nix.conf,
/// NIX_CONFIG and the defaults), as `nix show-config --json` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NixConfig {
    pub substituters: Vec<String>,
    pub secret_key_files: Vec<PathBuf>,
}

impl NixConfig {
    pub fn read() -> Result<Self, CacheError> {
        let command = "nix show-config --json";
        let stdout = run_nix(command, nix_command().args(["show-config", "--json"]))?;
        Self::parse(&stdout).map_err(|message| CacheError::Output {
            command: command.into(),
            message,
        })
    }

    /// Each setting is `{"value": ...}`: a list, or a whitespace-separated string.
    fn parse(json: &[u8]) -> Result<Self, String> {
        let settings: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| e.to_string())?;
        let list = |name: &str| -> Vec<String> {
            match &settings[name]["value"] {
                serde_json::Value::Array(items) => items
                    .iter()
                    .filter_map(|item| item.as_str())
                    .map(str::to_string)
                    .collect(),
                serde_json::Value::String(text) => {
                    text.split_whitespace().map(str::to_string).collect()
                }
                _ => Vec::new(),
            }
        };
        Ok(NixConfig {
            substituters: list("substituters"),
            secret_key_files: list("secret-key-files")
                .into_iter()
                .map(PathBuf::from)
                .collect(),
        })
    }
}

/// `nix` with the `nix-command` feature, which Nix 2.8 needs for `copy`, `path-info` ...
fn nix_command() -> Command {
    let mut command = Command::new("nix");
    command.args(["--extra-experimental-features", "nix-command"]);
    command
}

/// Runs `command` (`name` in errors) to completion: its stdout, or what Nix said went wrong.
fn run_nix(name: &str, command: &mut Command) -> Result<Vec<u8>, CacheError> {
    process::stdout_of(command).map_err(|error| match error {
        ProcessError::Spawn { source, .. } => CacheError::Spawn {
            command: name.into(),
            cause: source,
        },
        ProcessError::Failed { stderr, .. } => CacheError::Nix {
            command: name.into(),
            message: nix_error(stderr.as_bytes()),
        },
    })
}

/// The last line of a Nix command's stderr that says what went wrong, without colours.
fn nix_error(stderr: &[u8]) -> String {
    let text = super::nix::protocol::strip_ansi(&String::from_utf8_lossy(stderr));
    let errors: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("error:"))
        .collect();
    match errors.last() {
        Some(line) => line.trim_start_matches("error:").trim().to_string(),
        None => text.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_as_lists_or_strings() {
        let json = br#"{
            "substituters": {"value": ["https://cache.nixos.org/", "http://127.0.0.1:1"]},
            "secret-key-files": {"value": "/a.sec /b.sec"},
            "trusted-public-keys": {"value": []}
        }"#;
        assert_eq!(
            NixConfig::parse(json).unwrap(),
            NixConfig {
                substituters: vec![
                    "https://cache.nixos.org/".into(),
                    "http://127.0.0.1:1".into()
                ],
                secret_key_files: vec!["/a.sec".into(), "/b.sec".into()],
            }
        );
        assert_eq!(NixConfig::parse(b"{}").unwrap(), NixConfig::default());
        assert!(NixConfig::parse(b"not json").is_err());
    }

    #[test]
    fn the_last_error_line_is_the_message() {
        let stderr = b"warning: something\n\x1b[31;1merror:\x1b[0m don't know how to open Nix store 'foo://x'\n";
        assert_eq!(
            nix_error(stderr),
            "don't know how to open Nix store 'foo://x'"
        );
        assert_eq!(nix_error(b"plain failure\n"), "plain failure");
    }
}
