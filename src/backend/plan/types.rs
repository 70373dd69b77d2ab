//! The build plan: what Cargo would compile, as data the rest of the engine shares.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Index of a unit in [`BuildPlan::units`].
pub type UnitId = usize;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BuildPlan {
    pub workspace_root: PathBuf,
    /// The Cargo target dir; libnix-tui writes below `<target_dir>/libnix`.
    pub target_dir: PathBuf,
    /// Cargo's profile directory name: `debug`, `release`, or a custom profile's name.
    pub profile_dir: String,
    /// `debug` or `release`: what build scripts see as PROFILE, from the profile Cargo's
    /// selected profile inherits from.
    pub profile_kind: String,
    /// `rustc -vV` of the toolchain every unit is compiled with.
    pub rustc_version: String,
    pub host_triple: String,
    /// `rustc --print sysroot`: where host mode finds the real rustc and cargo.
    pub rustc_sysroot: PathBuf,
    /// `rustc --print cfg`, for the build scripts' CARGO_CFG_* variables.
    pub rustc_cfg: Vec<String>,
    /// Extra rustc flags for every unit, from where Cargo takes them:
    /// CARGO_ENCODED_RUSTFLAGS, RUSTFLAGS, or the `rustflags` of Cargo's config.
    pub rustflags: Vec<String>,
    /// The same for the rustdoc that runs doc tests: CARGO_ENCODED_RUSTDOCFLAGS,
    /// RUSTDOCFLAGS, or the `rustdocflags` of Cargo's config.
    #[serde(default)]
    pub rustdocflags: Vec<String>,
    /// `target.<host>.linker` from Cargo's config.
    pub linker: Option<String>,
    /// Keyed by Cargo's package id.
    pub packages: BTreeMap<String, Package>,
    pub units: Vec<Unit>,
    pub roots: Vec<UnitId>,
    /// `test`: how the test binaries are run (absent for the other verbs and `--no-run`).
    #[serde(default)]
    pub test_runs: Option<TestRuns>,
}

/// What every test run of a `test` plan shares; both are inputs of each run's derivation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TestRuns {
    /// The arguments after `--`, passed to every test binary.
    pub args: Vec<String>,
    /// Set by `--rerun`: a value no earlier run had, so every run is new.
    pub salt: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Package {
    pub id: String,
    pub name: String,
    pub version: String,
    pub manifest_dir: PathBuf,
    pub source: PackageSource,
    pub links: Option<String>,
    /// A member of the workspace (a "local" package: lints are not capped).
    pub is_member: bool,
    /// Every feature the manifest declares (for `--check-cfg`).
    pub declared_features: Vec<String>,
    /// `CARGO_PKG_AUTHORS`, `CARGO_PKG_DESCRIPTION`, ... as Cargo sets them.
    pub metadata_env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum PackageSource {
    /// A crates.io (or other registry) crate, fetched as a fixed-output path.
    Registry {
        checksum: String,
        crate_file: PathBuf,
    },
    /// A local path (workspace member or path dependency).
    Path,
    /// A git dependency, built from Cargo's checkout.
    Git { url: String },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    Lib,
    ProcMacro,
    Bin,
    Example,
    /// Compiling `build.rs` into an executable.
    BuildScript,
    /// Running the compiled build script.
    BuildScriptRun,
    /// A lib, bin or example checked for errors only (`cargo check`: `--emit=metadata`).
    Check,
    /// A test harness binary (`--test`): a lib's or bin's unit tests, an integration test.
    Test,
    /// Running a test binary; its output records the results, passed or failed.
    TestRun,
    /// A lib's doc tests, compiled and run by `rustdoc --test`; its output records the
    /// results, passed or failed, as a test run's does.
    DocTest,
}

impl UnitKind {
    /// The short label shown beside a unit, as Cargo users know it.
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Lib => "lib",
            UnitKind::ProcMacro => "proc-macro",
            UnitKind::Bin => "bin",
            UnitKind::Example => "example",
            UnitKind::BuildScript => "build script",
            UnitKind::BuildScriptRun => "build-script run",
            UnitKind::Check => "check",
            UnitKind::Test => "test",
            UnitKind::TestRun => "test run",
            UnitKind::DocTest => "doc test",
        }
    }
}

/// What a test unit was built from, as Cargo's flags name it ([`BuildPlan::test_target`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestTarget {
    /// A lib's unit tests (`--lib`).
    Lib,
    /// A bin's unit tests (`--bin NAME`).
    Bin,
    /// An integration test or a bench (`--test NAME`).
    Integration,
    /// A lib's doc tests (`--doc`).
    Doc,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Unit {
    /// Stable, unique, Nix-name-safe name: `<pkg>-<version>-<kind label>-<metadata_hash>`
    /// (the kind label's spaces as `-`, characters Nix does not allow as `_`).
    pub key: String,
    /// 16 hex digits naming this unit's identity (package, target, mode, features, profile,
    /// platform): rustc's `-C metadata` and the `-<hash>` of its output files.
    pub metadata_hash: String,
    /// Package id (key into [`BuildPlan::packages`]).
    pub package: String,
    pub kind: UnitKind,
    pub target_name: String,
    pub crate_types: Vec<String>,
    pub edition: String,
    /// Path of the crate root relative to the package's manifest dir.
    pub src_path: PathBuf,
    pub features: Vec<String>,
    pub profile: Profile,
    pub deps: Vec<UnitDep>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnitDep {
    pub unit: UnitId,
    pub extern_crate_name: String,
}

/// A resolved Cargo profile, as the unit graph reports it for one unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    pub name: String,
    pub opt_level: String,
    pub lto: String,
    pub codegen_units: Option<u32>,
    /// `0`, `1`, `2`, `"line-tables-only"`, ... kept as Cargo wrote it.
    pub debuginfo: serde_json::Value,
    pub debug_assertions: bool,
    pub overflow_checks: bool,
    pub panic: String,
    /// `none`, `debuginfo` or `symbols`.
    pub strip: String,
    /// Cargo would compile this unit incrementally (dev profile, local package).
    pub incremental: bool,
}

impl Profile {
    /// Cargo's built-in `dev` profile as the unit graph reports it for a dependency.
    pub fn dev() -> Profile {
        Profile {
            name: "dev".into(),
            opt_level: "0".into(),
            lto: "false".into(),
            codegen_units: None,
            debuginfo: serde_json::Value::from(2),
            debug_assertions: true,
            overflow_checks: true,
            panic: "unwind".into(),
            strip: "none".into(),
            incremental: false,
        }
    }
}
