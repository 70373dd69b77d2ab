//! Room `plan`: Cargo -> BuildPlan (types, Cargo calls, assembly, graph walks).
//! May import: `process`; nothing else of the engine.
//!
//! Asks Cargo what it would compile: `cargo metadata` plus the unit graph, turned into a
//! [`BuildPlan`]. Feature resolution, profiles and build-script edges are Cargo's, never ours.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::process::ProcessError;

mod assemble;
mod cache;
mod cargo;
mod graph;
mod types;

pub use assemble::nix_name;
pub use cache::plan_with_cache;
pub use types::*;

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
    /// The Cargo command whose unit graph is planned.
    pub verb: CargoVerb,
    /// `--example NAME`
    pub examples: Vec<String>,
    /// `--test NAME`
    pub tests: Vec<String>,
    /// `--bins`, `--tests`, `--examples`: every target of that kind.
    pub all_bins: bool,
    pub all_tests: bool,
    pub all_examples: bool,
    /// `test --doc`: only the libraries' doc tests.
    pub doc: bool,
    /// `test` without `--no-run`: a run unit per test binary, with these arguments.
    pub test_runs: Option<TestRuns>,
}

/// Which of Cargo's commands a plan follows: its unit graph decides the units' modes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CargoVerb {
    #[default]
    Build,
    Check,
    Test,
    /// Cargo picks the one binary to run (`--bin`, `--example`, `default-run`).
    Run,
}

impl CargoVerb {
    fn command(self) -> &'static str {
        match self {
            CargoVerb::Build => "build",
            CargoVerb::Check => "check",
            CargoVerb::Test => "test",
            CargoVerb::Run => "run",
        }
    }
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
        for (flag, names) in [("--example", &self.examples), ("--test", &self.tests)] {
            for name in names {
                args.extend([flag.to_string(), name.clone()]);
            }
        }
        for (flag, set) in [
            ("--bins", self.all_bins),
            ("--tests", self.all_tests),
            ("--examples", self.all_examples),
            ("--doc", self.doc),
        ] {
            if set {
                args.push(flag.to_string());
            }
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

    /// The target dir `--target-dir` asks for, made absolute as Cargo does (relative to the
    /// working directory). It beats `CARGO_TARGET_DIR` and `build.target-dir`, which
    /// `cargo metadata` already resolves.
    pub fn target_dir_flag(&self) -> Option<PathBuf> {
        let dir = self.target_dir.as_ref()?;
        Some(std::path::absolute(dir).unwrap_or_else(|_| dir.clone()))
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
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("could not read Cargo's output of `{command}`: {message}")]
    Parse { command: String, message: String },
    #[error("{path}: {message}")]
    Lockfile { path: PathBuf, message: String },
    #[error("crate `{package}`: {message}")]
    Unsupported { package: String, message: String },
}

/// Run Cargo and build the plan for `options`. Cargo may download crates here (it needs
/// their manifests); the Nix builds that follow need no network.
pub fn plan(options: &CargoOptions) -> Result<BuildPlan, PlanError> {
    assemble::assemble(options, cargo::ask(options)?)
}

/// 16 hex digits of SHA-256: Cargo's `-C metadata` width.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
