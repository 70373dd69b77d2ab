//! The questions the plan asks Cargo and rustc: metadata, the unit graph, the merged config,
//! the host rustc and Cargo.lock's checksums. Each answer is data for [`super::assemble`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use super::assemble::{CargoAnswers, UnitGraph};
use super::{CargoOptions, CargoVerb, PlanError};
use crate::backend::process::{self, ProcessError};

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
}

/// Ask Cargo and rustc everything the plan needs; the independent questions at once.
pub(super) fn ask(options: &CargoOptions) -> Result<CargoAnswers, PlanError> {
    let (metadata, graph, rustc, config) = std::thread::scope(|scope| {
        let metadata = scope.spawn(|| cargo_metadata(options));
        let graph = scope.spawn(|| unit_graph(options));
        let config = scope.spawn(cargo_config);
        let rustc = host_rustc();
        (
            joined(metadata.join()),
            joined(graph.join()),
            rustc,
            joined(config.join()),
        )
    });
    let ((metadata, rust_versions), graph, rustc) = (metadata?, graph?, rustc?);
    let flags = CompileFlags::from_environment(&config, &rustc.host_triple);
    let root = metadata.workspace_root.as_std_path();
    let checksums = read_checksums(&root.join("Cargo.lock"))?;
    // Only for custom profiles' `inherits`: a manifest Cargo just read is readable.
    let workspace_manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .ok()
        .and_then(|text| toml::from_str(&text).ok())
        .unwrap_or_default();
    Ok(CargoAnswers {
        metadata,
        rust_versions,
        graph,
        checksums,
        rustc,
        flags,
        workspace_manifest,
    })
}

/// Cargo's merged configuration (`.cargo/config.toml` files and `CARGO_*` variables), as
/// JSON; `Null` when Cargo cannot tell (the flags then come from the environment only).
fn cargo_config() -> serde_json::Value {
    let args = [
        "-Z".to_string(),
        "unstable-options".to_string(),
        "config".to_string(),
        "get".to_string(),
        "--format".to_string(),
        "json".to_string(),
    ];
    run_cargo(&args, true)
        .ok()
        .and_then(|stdout| serde_json::from_slice(&stdout).ok())
        .unwrap_or_default()
}

/// Flags Cargo adds to every rustc (and doc-test rustdoc) call that its unit graph does
/// not show.
pub(super) struct CompileFlags {
    pub rustflags: Vec<String>,
    pub rustdocflags: Vec<String>,
    pub linker: Option<String>,
}

impl CompileFlags {
    pub(super) fn from_environment(config: &serde_json::Value, host: &str) -> Self {
        CompileFlags {
            rustflags: extra_flags(config, host, "RUSTFLAGS", "rustflags"),
            rustdocflags: extra_flags(config, host, "RUSTDOCFLAGS", "rustdocflags"),
            linker: config["target"][host]["linker"]
                .as_str()
                .map(str::to_string),
        }
    }
}

/// Cargo's order for RUSTFLAGS (`variable`) and RUSTDOCFLAGS: CARGO_ENCODED_<variable>,
/// else <variable>, else the config's `target.<host>.<key>`, else `build.<key>`.
fn extra_flags(config: &serde_json::Value, host: &str, variable: &str, key: &str) -> Vec<String> {
    let from_config = |value: &serde_json::Value| -> Option<Vec<String>> {
        match value {
            serde_json::Value::String(s) => {
                Some(s.split_whitespace().map(str::to_string).collect())
            }
            serde_json::Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        }
    };
    let encoded = std::env::var(format!("CARGO_ENCODED_{variable}"))
        .ok()
        .filter(|flags| !flags.is_empty())
        .map(|flags| flags.split('\x1f').map(str::to_string).collect());
    let plain = std::env::var(variable)
        .ok()
        .map(|flags| flags.split_whitespace().map(str::to_string).collect());
    encoded
        .or(plain)
        .or_else(|| from_config(&config["target"][host][key]))
        .or_else(|| from_config(&config["build"][key]))
        .unwrap_or_default()
}

fn joined<T>(result: std::thread::Result<T>) -> T {
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn run_cargo(args: &[String], bootstrap: bool) -> Result<Vec<u8>, PlanError> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args);
    if bootstrap {
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    Ok(process::stdout_of(&mut command)?)
}

/// `cargo run --unit-graph` prints the graph and then fails an assertion (it expects to
/// have compiled something): the graph on stdout counts, and its own errors (no binary to
/// run, an ambiguous one) leave stdout empty.
fn run_cargo_for_graph(args: &[String]) -> Result<Vec<u8>, PlanError> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args).env("RUSTC_BOOTSTRAP", "1");
    let output = command.output().map_err(|source| ProcessError::Spawn {
        command: process::describe(&command),
        source,
    })?;
    if output.stdout.starts_with(b"{") {
        return Ok(output.stdout);
    }
    Err(ProcessError::Failed {
        command: process::describe(&command),
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
    }
    .into())
}

/// `cargo metadata`, and each package's `rust-version` as written: the parsed metadata pads
/// `1.70` to `1.70.0`, and CARGO_PKG_RUST_VERSION is the written form.
fn cargo_metadata(
    options: &CargoOptions,
) -> Result<(cargo_metadata::Metadata, HashMap<String, String>), PlanError> {
    let mut args = vec!["metadata".to_string(), "--format-version=1".to_string()];
    if let Some(path) = &options.manifest_path {
        args.push("--manifest-path".to_string());
        args.push(path.display().to_string());
    }
    args.extend(options.feature_args());
    let stdout = run_cargo(&args, false)?;
    let parse_error = |e: serde_json::Error| PlanError::Parse {
        command: format!("cargo {}", args.join(" ")),
        message: e.to_string(),
    };
    let metadata = serde_json::from_slice(&stdout).map_err(parse_error)?;
    let raw: RawMetadata = serde_json::from_slice(&stdout).map_err(parse_error)?;
    let rust_versions = raw
        .packages
        .into_iter()
        .filter_map(|p| Some((p.id, p.rust_version?)))
        .collect();
    Ok((metadata, rust_versions))
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(default)]
    packages: Vec<RawPackage>,
}

#[derive(Deserialize)]
struct RawPackage {
    id: String,
    rust_version: Option<String>,
}

fn unit_graph(options: &CargoOptions) -> Result<UnitGraph, PlanError> {
    let mut args = vec![
        options.verb.command().to_string(),
        "--unit-graph".to_string(),
        "-Z".to_string(),
        "unstable-options".to_string(),
    ];
    args.extend(options.build_args());
    let stdout = if options.verb == CargoVerb::Run {
        run_cargo_for_graph(&args)?
    } else {
        run_cargo(&args, true)?
    };
    serde_json::from_slice(&stdout).map_err(|e| PlanError::Parse {
        command: format!("cargo {}", args.join(" ")),
        message: e.to_string(),
    })
}

/// What the host's rustc says of itself.
pub struct HostRustc {
    pub version: String,
    pub host_triple: String,
    pub sysroot: PathBuf,
    pub cfg: Vec<String>,
}

fn rustc_stdout(args: &[&str]) -> Result<String, PlanError> {
    let mut command = Command::new("rustc");
    command.args(args);
    let stdout = process::stdout_of(&mut command)?;
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

fn host_rustc() -> Result<HostRustc, PlanError> {
    let (version, printed) = std::thread::scope(|scope| {
        // rustc prints -vV alone, so the sysroot and cfg need a second run.
        let printed = scope.spawn(|| rustc_stdout(&["--print", "sysroot", "--print", "cfg"]));
        (rustc_stdout(&["-vV"]), joined(printed.join()))
    });
    let (version, printed) = (version?, printed?);
    let mut printed = printed.lines();
    let sysroot = PathBuf::from(printed.next().unwrap_or_default().trim());
    let cfg = printed.map(str::to_string).collect();
    let command = "rustc -vV".to_string();
    let host_triple = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .ok_or_else(|| PlanError::Parse {
            command,
            message: "no `host:` line".into(),
        })?
        .to_string();
    Ok(HostRustc {
        version,
        host_triple,
        sysroot,
        cfg,
    })
}

fn read_checksums(path: &Path) -> Result<HashMap<(String, String), String>, PlanError> {
    let text = std::fs::read_to_string(path).map_err(|e| PlanError::Lockfile {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let lock: Lockfile = toml::from_str(&text).map_err(|e| PlanError::Lockfile {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(lock
        .package
        .into_iter()
        .filter(|p| p.source.is_some())
        .filter_map(|p| Some(((p.name, p.version), p.checksum?)))
        .collect())
}
