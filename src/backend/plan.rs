//! Ask Cargo what it would compile: `cargo metadata` plus the unit graph, turned into a
//! [`BuildPlan`]. Feature resolution, profiles and build-script edges are Cargo's, never ours.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::plan_types::{
    BuildPlan, Package, PackageSource, Profile, Unit, UnitDep, UnitId, UnitKind,
};

/// The Cargo-style flags that select what to build. They go to Cargo unchanged.
#[derive(Debug, Clone, Default)]
pub struct CargoOptions {
    pub manifest_path: Option<PathBuf>,
    pub packages: Vec<String>,
    pub workspace: bool,
    pub bins: Vec<String>,
    pub lib: bool,
    pub release: bool,
    pub profile: Option<String>,
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    pub target_dir: Option<PathBuf>,
}

impl CargoOptions {
    fn feature_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if !self.features.is_empty() {
            args.push("--features".to_string());
            args.push(self.features.join(","));
        }
        if self.all_features {
            args.push("--all-features".to_string());
        }
        if self.no_default_features {
            args.push("--no-default-features".to_string());
        }
        args
    }

    fn build_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(path) = &self.manifest_path {
            args.push("--manifest-path".to_string());
            args.push(path.display().to_string());
        }
        for package in &self.packages {
            args.push("--package".to_string());
            args.push(package.clone());
        }
        if self.workspace {
            args.push("--workspace".to_string());
        }
        for bin in &self.bins {
            args.push("--bin".to_string());
            args.push(bin.clone());
        }
        if self.lib {
            args.push("--lib".to_string());
        }
        if self.release {
            args.push("--release".to_string());
        }
        if let Some(profile) = &self.profile {
            args.push("--profile".to_string());
            args.push(profile.clone());
        }
        if let Some(dir) = &self.target_dir {
            args.push("--target-dir".to_string());
            args.push(dir.display().to_string());
        }
        args.extend(self.feature_args());
        args
    }

    /// Cargo's name for the output directory of the selected profile.
    pub fn profile_dir(&self) -> String {
        match self.profile.as_deref() {
            Some("dev") | Some("test") => "debug".to_string(),
            Some("bench") => "release".to_string(),
            Some(other) => other.to_string(),
            None if self.release => "release".to_string(),
            None => "debug".to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("could not run `{command}`: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("`{command}` failed:\n{stderr}")]
    Failed { command: String, stderr: String },
    #[error("could not read Cargo's output of `{command}`: {message}")]
    Parse { command: String, message: String },
    #[error("{path}: {message}")]
    Lockfile { path: PathBuf, message: String },
    #[error("crate `{package}`: {message}")]
    Unsupported { package: String, message: String },
}

#[derive(Deserialize)]
struct UnitGraph {
    units: Vec<GraphUnit>,
    roots: Vec<usize>,
}

#[derive(Deserialize)]
struct GraphUnit {
    pkg_id: String,
    target: GraphTarget,
    profile: GraphProfile,
    platform: Option<String>,
    mode: String,
    features: Vec<String>,
    dependencies: Vec<GraphDep>,
}

#[derive(Deserialize)]
struct GraphTarget {
    kind: Vec<String>,
    crate_types: Vec<String>,
    name: String,
    src_path: PathBuf,
    edition: String,
}

#[derive(Deserialize, serde::Serialize)]
struct GraphProfile {
    name: String,
    opt_level: String,
    lto: String,
    codegen_units: Option<u32>,
    debuginfo: Option<serde_json::Value>,
    debug_assertions: bool,
    overflow_checks: bool,
    panic: String,
    strip: serde_json::Value,
    #[serde(default)]
    incremental: bool,
}

#[derive(Deserialize)]
struct GraphDep {
    index: usize,
    extern_crate_name: String,
}

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

/// Run Cargo and build the plan for `options`. Cargo may download crates here (it needs
/// their manifests); the Nix builds that follow need no network.
pub fn plan(options: &CargoOptions) -> Result<BuildPlan, PlanError> {
    // Independent questions to Cargo and rustc: ask them at once.
    let (metadata, graph, toolchain, config) = std::thread::scope(|scope| {
        let metadata = scope.spawn(|| cargo_metadata(options));
        let graph = scope.spawn(|| unit_graph(options));
        let config = scope.spawn(cargo_config);
        let toolchain = host_rustc();
        (
            joined(metadata.join()),
            joined(graph.join()),
            toolchain,
            joined(config.join()),
        )
    });
    let (metadata, graph, toolchain) = (metadata?, graph?, toolchain?);
    let flags = CompileFlags::from_environment(&config, &toolchain.host_triple);
    let lock_path = metadata.workspace_root.join("Cargo.lock");
    let checksums = read_checksums(lock_path.as_std_path())?;
    assemble(options, &metadata, graph, checksums, toolchain, flags)
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

/// Flags Cargo adds to every rustc call that its unit graph does not show.
struct CompileFlags {
    rustflags: Vec<String>,
    linker: Option<String>,
}

impl CompileFlags {
    /// Cargo's order: CARGO_ENCODED_RUSTFLAGS, else RUSTFLAGS, else the config's
    /// `target.<host>.rustflags`, else `build.rustflags`.
    fn from_environment(config: &serde_json::Value, host: &str) -> Self {
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
        let encoded = std::env::var("CARGO_ENCODED_RUSTFLAGS")
            .ok()
            .filter(|flags| !flags.is_empty())
            .map(|flags| flags.split('\x1f').map(str::to_string).collect());
        let plain = std::env::var("RUSTFLAGS")
            .ok()
            .map(|flags| flags.split_whitespace().map(str::to_string).collect());
        let target = &config["target"][host];
        let rustflags = encoded
            .or(plain)
            .or_else(|| from_config(&target["rustflags"]))
            .or_else(|| from_config(&config["build"]["rustflags"]))
            .unwrap_or_default();
        CompileFlags {
            rustflags,
            linker: target["linker"].as_str().map(str::to_string),
        }
    }
}

fn joined<T>(result: std::thread::Result<T>) -> T {
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Runs `command` (shown as `display` in errors) and returns its stdout.
fn stdout_of(mut command: Command, display: String) -> Result<Vec<u8>, PlanError> {
    let output = command.output().map_err(|source| PlanError::Spawn {
        command: display.clone(),
        source,
    })?;
    if !output.status.success() {
        return Err(PlanError::Failed {
            command: display,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(output.stdout)
}

fn run_cargo(args: &[String], bootstrap: bool) -> Result<Vec<u8>, PlanError> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args);
    if bootstrap {
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    stdout_of(command, format!("cargo {}", args.join(" ")))
}

fn cargo_metadata(options: &CargoOptions) -> Result<cargo_metadata::Metadata, PlanError> {
    let mut args = vec!["metadata".to_string(), "--format-version=1".to_string()];
    if let Some(path) = &options.manifest_path {
        args.push("--manifest-path".to_string());
        args.push(path.display().to_string());
    }
    args.extend(options.feature_args());
    let stdout = run_cargo(&args, false)?;
    serde_json::from_slice(&stdout).map_err(|e| PlanError::Parse {
        command: format!("cargo {}", args.join(" ")),
        message: e.to_string(),
    })
}

fn unit_graph(options: &CargoOptions) -> Result<UnitGraph, PlanError> {
    let mut args = vec![
        "build".to_string(),
        "--unit-graph".to_string(),
        "-Z".to_string(),
        "unstable-options".to_string(),
    ];
    args.extend(options.build_args());
    let stdout = run_cargo(&args, true)?;
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
    let stdout = stdout_of(command, format!("rustc {}", args.join(" ")))?;
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

fn unit_kind(target: &GraphTarget, mode: &str) -> UnitKind {
    let kind = |k: &str| target.kind.iter().any(|x| x == k);
    if mode == "run-custom-build" {
        UnitKind::BuildScriptRun
    } else if kind("custom-build") {
        UnitKind::BuildScript
    } else if kind("proc-macro") {
        UnitKind::ProcMacro
    } else if kind("bin") {
        UnitKind::Bin
    } else if kind("example") {
        UnitKind::Example
    } else {
        UnitKind::Lib
    }
}

fn profile_of(graph: GraphProfile) -> Profile {
    let strip = match &graph.strip {
        serde_json::Value::Object(map) => map
            .values()
            .next()
            .and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Object(inner) => inner
                    .values()
                    .next()
                    .and_then(|x| x.as_str())
                    .map(str::to_string),
                _ => None,
            })
            .unwrap_or_else(|| "None".into()),
        serde_json::Value::String(s) => s.clone(),
        _ => "None".into(),
    };
    Profile {
        name: graph.name,
        opt_level: graph.opt_level,
        lto: graph.lto,
        codegen_units: graph.codegen_units,
        debuginfo: graph.debuginfo.unwrap_or(serde_json::Value::from(0)),
        debug_assertions: graph.debug_assertions,
        overflow_checks: graph.overflow_checks,
        panic: graph.panic,
        strip: strip.to_lowercase(),
        incremental: graph.incremental,
    }
}

/// Characters Nix allows in a derivation name, everything else becomes `_`.
/// `s` with every character a store path does not allow replaced by `_`.
pub(crate) fn nix_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+-._?=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn assemble(
    options: &CargoOptions,
    metadata: &cargo_metadata::Metadata,
    graph: UnitGraph,
    checksums: HashMap<(String, String), String>,
    toolchain: HostRustc,
    flags: CompileFlags,
) -> Result<BuildPlan, PlanError> {
    let members: Vec<&str> = metadata
        .workspace_members
        .iter()
        .map(|id| id.repr.as_str())
        .collect();
    let mut packages = BTreeMap::new();
    for pkg in &metadata.packages {
        let manifest_dir = pkg
            .manifest_path
            .parent()
            .map(|p| p.as_std_path().to_path_buf())
            .unwrap_or_default();
        let version = pkg.version.to_string();
        let source = match pkg.source.as_ref().map(|s| s.repr.as_str()) {
            None => PackageSource::Path,
            Some(repr) if repr.starts_with("git+") => PackageSource::Git { url: repr.into() },
            Some(repr) => {
                let Some(checksum) = checksums.get(&(pkg.name.to_string(), version.clone())) else {
                    // Only packages that are part of the resolved graph need a checksum.
                    if !graph.units.iter().any(|u| u.pkg_id == pkg.id.repr) {
                        continue;
                    }
                    return Err(PlanError::Unsupported {
                        package: format!("{} v{}", pkg.name, version),
                        message: format!("no checksum in Cargo.lock for source {repr}"),
                    });
                };
                PackageSource::Registry {
                    checksum: checksum.clone(),
                    crate_file: registry_crate_file(&manifest_dir, &pkg.name, &version),
                }
            }
        };
        packages.insert(
            pkg.id.repr.clone(),
            Package {
                id: pkg.id.repr.clone(),
                name: pkg.name.to_string(),
                version,
                manifest_dir,
                source,
                links: pkg.links.clone(),
                is_member: members.contains(&pkg.id.repr.as_str()),
                declared_features: pkg.features.keys().cloned().collect(),
                metadata_env: metadata_env(pkg),
            },
        );
    }

    let mut units = Vec::with_capacity(graph.units.len());
    for graph_unit in graph.units {
        let package = packages
            .get(&graph_unit.pkg_id)
            .ok_or_else(|| PlanError::Parse {
                command: "cargo build --unit-graph".into(),
                message: format!("unit for unknown package {}", graph_unit.pkg_id),
            })?;
        let kind = unit_kind(&graph_unit.target, &graph_unit.mode);
        let src_path = graph_unit
            .target
            .src_path
            .strip_prefix(&package.manifest_dir)
            .map_err(|_| PlanError::Unsupported {
                package: format!("{} v{}", package.name, package.version),
                message: format!(
                    "target `{}` has its source {} outside the package directory {}",
                    graph_unit.target.name,
                    graph_unit.target.src_path.display(),
                    package.manifest_dir.display()
                ),
            })?
            .to_path_buf();
        let identity = serde_json::json!([
            graph_unit.pkg_id,
            graph_unit.target.name,
            graph_unit.target.kind,
            graph_unit.mode,
            graph_unit.features,
            graph_unit.profile,
            graph_unit.platform,
        ]);
        let hash = short_hash(identity.to_string().as_bytes());
        let key = nix_name(&format!(
            "{}-{}-{}-{}",
            package.name,
            package.version,
            kind.label().replace(' ', "-"),
            hash
        ));
        units.push(Unit {
            key,
            package: graph_unit.pkg_id,
            kind,
            target_name: graph_unit.target.name,
            crate_types: graph_unit.target.crate_types,
            edition: graph_unit.target.edition,
            src_path,
            features: graph_unit.features,
            profile: profile_of(graph_unit.profile),
            deps: graph_unit
                .dependencies
                .into_iter()
                .map(|d| UnitDep {
                    unit: d.index,
                    extern_crate_name: d.extern_crate_name,
                })
                .collect(),
        });
    }

    Ok(BuildPlan {
        workspace_root: metadata.workspace_root.as_std_path().to_path_buf(),
        target_dir: metadata.target_directory.as_std_path().to_path_buf(),
        profile_dir: options.profile_dir(),
        profile_kind: profile_kind(
            options,
            &metadata.workspace_root.as_std_path().join("Cargo.toml"),
        ),
        rustc_version: toolchain.version,
        host_triple: toolchain.host_triple,
        rustc_sysroot: toolchain.sysroot,
        rustc_cfg: toolchain.cfg,
        rustflags: flags.rustflags,
        linker: flags.linker,
        packages,
        units,
        roots: graph.roots,
    })
}

fn metadata_env(pkg: &cargo_metadata::Package) -> BTreeMap<String, String> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let path_text = |value: &Option<cargo_metadata::camino::Utf8PathBuf>| {
        value.as_ref().map(|p| p.to_string()).unwrap_or_default()
    };
    BTreeMap::from([
        ("CARGO_PKG_AUTHORS".to_string(), pkg.authors.join(":")),
        ("CARGO_PKG_DESCRIPTION".to_string(), text(&pkg.description)),
        ("CARGO_PKG_HOMEPAGE".to_string(), text(&pkg.homepage)),
        ("CARGO_PKG_REPOSITORY".to_string(), text(&pkg.repository)),
        ("CARGO_PKG_LICENSE".to_string(), text(&pkg.license)),
        (
            "CARGO_PKG_LICENSE_FILE".to_string(),
            path_text(&pkg.license_file),
        ),
        ("CARGO_PKG_README".to_string(), path_text(&pkg.readme)),
        (
            "CARGO_PKG_RUST_VERSION".to_string(),
            pkg.rust_version
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ),
    ])
}

/// `debug` or `release` for the selected profile: custom profiles follow their `inherits`
/// chain in the workspace manifest, as Cargo sets PROFILE for build scripts.
fn profile_kind(options: &CargoOptions, manifest: &Path) -> String {
    let manifest: toml::Table = std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| toml::from_str(&text).ok())
        .unwrap_or_default();
    let mut name = match (&options.profile, options.release) {
        (Some(profile), _) => profile.clone(),
        (None, true) => "release".to_string(),
        (None, false) => "dev".to_string(),
    };
    // Cargo rejects cycles; the bound only keeps a broken manifest from looping here.
    for _ in 0..16 {
        match name.as_str() {
            "dev" | "test" => return "debug".to_string(),
            "release" | "bench" => return "release".to_string(),
            _ => {}
        }
        match manifest
            .get("profile")
            .and_then(|profiles| profiles.get(&name))
            .and_then(|profile| profile.get("inherits"))
            .and_then(|inherits| inherits.as_str())
        {
            Some(parent) => name = parent.to_string(),
            None => break,
        }
    }
    "debug".to_string()
}

/// `~/.cargo/registry/src/<index>/<name>-<version>` -> `~/.cargo/registry/cache/<index>/<name>-<version>.crate`
fn registry_crate_file(manifest_dir: &Path, name: &str, version: &str) -> PathBuf {
    let index_dir = manifest_dir.parent();
    let registry = index_dir.and_then(Path::parent).and_then(Path::parent);
    match (registry, index_dir.and_then(Path::file_name)) {
        (Some(registry), Some(index)) => registry
            .join("cache")
            .join(index)
            .join(format!("{name}-{version}.crate")),
        _ => PathBuf::from(format!("{name}-{version}.crate")),
    }
}

/// 16 hex digits of SHA-256: Cargo's `-C metadata` width.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

impl BuildPlan {
    pub fn package_of(&self, unit: UnitId) -> &Package {
        &self.packages[&self.units[unit].package]
    }

    /// All units `unit` depends on, directly or not, in a stable order.
    pub fn transitive_deps(&self, unit: UnitId) -> Vec<UnitId> {
        let mut seen = vec![false; self.units.len()];
        let mut stack: Vec<UnitId> = self.units[unit].deps.iter().map(|d| d.unit).collect();
        let mut out = Vec::new();
        while let Some(next) = stack.pop() {
            if std::mem::replace(&mut seen[next], true) {
                continue;
            }
            out.push(next);
            stack.extend(self.units[next].deps.iter().map(|d| d.unit));
        }
        out.sort_unstable();
        out
    }

    /// Units that depend on any of `units` (directly or not), plus `units` themselves.
    pub fn with_dependents(&self, units: &[UnitId]) -> Vec<UnitId> {
        let mut marked = vec![false; self.units.len()];
        for &u in units {
            marked[u] = true;
        }
        let mut changed = true;
        while changed {
            changed = false;
            for (id, unit) in self.units.iter().enumerate() {
                if !marked[id] && unit.deps.iter().any(|d| marked[d.unit]) {
                    marked[id] = true;
                    changed = true;
                }
            }
        }
        (0..self.units.len()).filter(|&u| marked[u]).collect()
    }

    /// `(name, version)` of every package with a unit in the plan.
    pub fn package_versions(&self) -> Vec<(String, String)> {
        let mut seen: Vec<(String, String)> = self
            .units
            .iter()
            .map(|u| {
                let p = &self.packages[&u.package];
                (p.name.clone(), p.version.clone())
            })
            .collect();
        seen.sort();
        seen.dedup();
        seen
    }
}
