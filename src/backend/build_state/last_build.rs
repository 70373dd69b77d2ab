//! What the last build left behind for `doctor` (each failed unit with its log), for
//! `cache push` (every unit's output) and for `timings` (its timeline), in
//! `target/libnix/last-build.json`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{BuildState, UnitStatus};
use crate::backend::insight::timings::Timeline;
use crate::backend::layout::{GENERATED_MARKER, Layout};
use crate::backend::nix::protocol::strip_ansi;
use crate::backend::plan::{BuildPlan, UnitId};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LastBuild {
    pub generated: String,
    pub workspace_root: PathBuf,
    pub failures: Vec<FailedUnit>,
    /// Failed derivations that are not units: a native dependency's own build (a host
    /// package, an inline derivation), a crate download.
    #[serde(default)]
    pub other_failures: Vec<OtherFailure>,
    /// Every unit's output path, valid or not: what `cache push` uploads.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// When each unit was queued, ran and ended; absent for a build that never started.
    #[serde(default)]
    pub timings: Option<Timeline>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OtherFailure {
    pub drv_path: String,
    pub message: String,
    pub log_tail: Vec<String>,
}

impl OtherFailure {
    /// The Debian packages a host package needs but the host lacks, as its builder
    /// (nix/host-pkgs.nix) says: `... is not installed on this host (Debian package: X Y)`.
    pub fn missing_debian_packages(&self) -> Vec<String> {
        let mut packages: Vec<String> = Vec::new();
        for line in &self.log_tail {
            let Some((_, rest)) =
                line.split_once("is not installed on this host (Debian package: ")
            else {
                continue;
            };
            for package in rest.trim_end_matches(')').split_whitespace() {
                if !packages.iter().any(|known| known == package) {
                    packages.push(package.to_owned());
                }
            }
        }
        packages
    }

    /// The command that installs what [`Self::missing_debian_packages`] names.
    pub fn install_command(&self) -> Option<String> {
        let packages = self.missing_debian_packages();
        (!packages.is_empty()).then(|| format!("sudo apt-get install -y {}", packages.join(" ")))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FailedUnit {
    pub package: String,
    pub version: String,
    pub kind: String,
    pub drv_path: Option<String>,
    /// The unit's log without colour codes (its tail, as kept by the reducer).
    pub log: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LastBuildError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a libnix-tui build record: {message}")]
    Parse { path: PathBuf, message: String },
}

pub fn path(target_dir: &Path) -> PathBuf {
    Layout::new(target_dir).last_build()
}

/// A failed unit's log, colour codes removed: what [`crate::backend::diagnose`] reads.
pub fn plain_log(state: &BuildState, unit: UnitId) -> Vec<String> {
    state.units[unit]
        .log
        .lines
        .iter()
        .map(|line| strip_ansi(line))
        .chain(state.units[unit].error.iter().map(|e| strip_ansi(e)))
        .collect()
}

impl LastBuild {
    /// The record of the build `state` has followed, the same after a headless build
    /// and after one in the dashboard.
    pub fn from_state(plan: &BuildPlan, state: &BuildState) -> Self {
        let failures = state
            .units
            .iter()
            .enumerate()
            .filter(|(_, unit)| matches!(unit.status, UnitStatus::Failed { .. }))
            .map(|(id, unit)| {
                let package = plan.package_of(id);
                FailedUnit {
                    package: package.name.clone(),
                    version: package.version.clone(),
                    kind: plan.units[id].kind.label().to_string(),
                    drv_path: unit.drv_path.clone(),
                    log: plain_log(state, id),
                }
            })
            .collect();
        LastBuild {
            generated: GENERATED_MARKER.to_string(),
            workspace_root: plan.workspace_root.clone(),
            failures,
            other_failures: state.other_failures.clone(),
            outputs: state
                .units
                .iter()
                .filter_map(|unit| unit.out_path.clone())
                .collect(),
            timings: Timeline::from_state(plan, state, state.build_finished.unwrap_or_default()),
        }
    }

    /// Written after every build, so `doctor` can read it without building again.
    pub fn save(&self, plan: &BuildPlan) -> Result<(), LastBuildError> {
        let file = path(&plan.target_dir);
        let io = |source| LastBuildError::Io {
            path: file.clone(),
            source,
        };
        std::fs::create_dir_all(Layout::of(plan).libnix_dir()).map_err(io)?;
        let text = serde_json::to_vec_pretty(self).map_err(|e| io(e.into()))?;
        std::fs::write(&file, text).map_err(io)
    }

    pub fn load(file: &Path) -> Result<Self, LastBuildError> {
        let text = std::fs::read(file).map_err(|source| LastBuildError::Io {
            path: file.to_path_buf(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|e| LastBuildError::Parse {
            path: file.to_path_buf(),
            message: e.to_string(),
        })
    }
}
