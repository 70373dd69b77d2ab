//! What went into each unit, recorded after every build in
//! `target/libnix/manifests/<profile>.json`: each unit's derivation and, per derivation, a
//! manifest in Cargo's terms (source files, features, flags, env vars, native deps,
//! toolchain, dependencies). [`super::why`] compares two of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc::UnboundedSender;

use crate::backend::emit::unit_env;
use crate::backend::layout::{GENERATED_MARKER, Layout};
use crate::backend::nix::store;
use crate::backend::plan::{BuildPlan, PackageSource, UnitId};
use crate::backend::{BackendEvent, UnitPaths};

/// Everything that went into one unit's derivation, as a Rust developer names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitManifest {
    /// The unit's identity across builds (see [`unit_keys`]).
    pub key: String,
    pub package: String,
    pub version: String,
    /// `lib`, `bin`, `build script`, ... as `UnitKind::label` says.
    pub kind: String,
    pub target: String,
    pub drv: String,
    pub sources: Sources,
    pub features: Vec<String>,
    /// RUSTFLAGS (or CARGO_ENCODED_RUSTFLAGS, or Cargo config's `rustflags`).
    pub rustflags: Vec<String>,
    /// rustc's arguments as the derivation passes them (none for a build-script run).
    pub rustc_args: Vec<String>,
    /// Environment variables the engine sets, as Cargo would.
    pub env: BTreeMap<String, String>,
    /// Environment variables set for the crate in Cargo.dependencies.nix.
    pub deps_file_env: BTreeMap<String, String>,
    /// Store paths of the crate's native deps from Cargo.dependencies.nix.
    pub native_deps: Vec<String>,
    /// `rustc -vV` and the rustc the derivation runs.
    pub toolchain: String,
    /// Unit key -> derivation of each direct dependency.
    pub deps: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Sources {
    /// Path and git packages: every file of the package's filtered source, by its path
    /// relative to the package, with its SHA-256.
    Files { files: BTreeMap<String, String> },
    /// Registry crates: the `.crate` file's checksum from Cargo.lock.
    Crate { checksum: String },
    /// The source was not readable here (e.g. it lives in another `--store`).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Its output was made by this build.
    Built,
    /// Its output was fetched by this build from the substituter `from`.
    Substituted { from: String },
    /// Its output was in the store before the build.
    Cached,
    /// Its output is still missing: it failed, was skipped, or was not asked for.
    NotBuilt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedUnit {
    pub key: String,
    pub drv: String,
    pub outcome: Outcome,
    /// The unit's last derivation whose output was made before this build, if any.
    #[serde(default)]
    pub previous: Option<String>,
}

/// The last two different derivations of a unit whose outputs were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitHistory {
    pub current: String,
    pub previous: Option<String>,
}

/// The record of one profile's builds: the latest build, each unit's history, and the
/// manifests of every derivation they name (directly or as a dependency).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildRecord {
    pub generated: String,
    #[serde(default)]
    pub latest_build: Vec<RecordedUnit>,
    #[serde(default)]
    pub history: BTreeMap<String, UnitHistory>,
    #[serde(default)]
    pub manifests: BTreeMap<String, UnitManifest>,
}

#[derive(Debug, thiserror::Error)]
pub enum InsightError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a libnix-tui build record: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("could not run `{command}`: {message}")]
    Nix { command: String, message: String },
    #[error("{0}")]
    Store(#[from] store::StoreError),
}

/// `target/libnix/manifests/<profile>.json`.
pub fn record_path(target_dir: &Path, profile_dir: &str) -> PathBuf {
    Layout::new(target_dir).manifests(profile_dir)
}

/// A name for each unit of `plan` that stays the same across builds while the unit is
/// "the same" for Cargo: package, version, source, kind, target and profile. (The plan's
/// own keys hash the features and the profile's settings, so they change with them.) A
/// package compiled twice with different features (for build scripts and for the target)
/// gets its features added to tell the two apart.
pub fn unit_keys(plan: &BuildPlan) -> Vec<String> {
    let base: Vec<String> = (0..plan.units.len()).map(|id| base_key(plan, id)).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for key in &base {
        *counts.entry(key).or_default() += 1;
    }
    base.iter()
        .enumerate()
        .map(|(id, key)| match counts.get(key.as_str()) {
            Some(&count) if count > 1 => {
                format!("{key} features={}", plan.units[id].features.join(","))
            }
            _ => key.clone(),
        })
        .collect()
}

fn base_key(plan: &BuildPlan, id: UnitId) -> String {
    let unit = &plan.units[id];
    let package = plan.package_of(id);
    let source = match &package.source {
        PackageSource::Registry { .. } => "registry",
        PackageSource::Path => "path",
        // The commit is not part of the identity: updating a git dependency is a change.
        PackageSource::Git { url } => url.split('#').next().unwrap_or(url),
    };
    format!(
        "{} {} ({source}) {} {} [{}]",
        package.name,
        package.version,
        unit.kind.label().replace(' ', "-"),
        unit.target_name,
        unit.profile.name
    )
}

impl BuildRecord {
    /// `None` when nothing was recorded yet.
    pub fn load(path: &Path) -> Result<Option<Self>, InsightError> {
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(InsightError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| InsightError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
    }

    /// Written to a temporary file first, so a reader never sees half a record.
    pub fn save(&self, path: &Path) -> Result<(), InsightError> {
        let io = |source| InsightError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_vec(self).map_err(|e| io(e.into()))?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// The latest build's entry for `key`.
    pub fn latest(&self, key: &str) -> Option<&RecordedUnit> {
        self.latest_build.iter().find(|unit| unit.key == key)
    }

    /// Take in a finished build: its units' outcomes, the manifests of derivations not
    /// seen before, and each unit's history.
    fn update(&mut self, mut units: Vec<RecordedUnit>, new_manifests: Vec<UnitManifest>) {
        for manifest in new_manifests {
            self.manifests.insert(manifest.drv.clone(), manifest);
        }
        for unit in &mut units {
            unit.previous = self.history.get(&unit.key).map(|h| h.current.clone());
        }
        for unit in units.iter().filter(|u| u.outcome != Outcome::NotBuilt) {
            match self.history.get_mut(&unit.key) {
                Some(history) if history.current == unit.drv => {}
                Some(history) => {
                    history.previous =
                        Some(std::mem::replace(&mut history.current, unit.drv.clone()));
                }
                None => {
                    self.history.insert(
                        unit.key.clone(),
                        UnitHistory {
                            current: unit.drv.clone(),
                            previous: None,
                        },
                    );
                }
            }
        }
        self.latest_build = units;
        self.generated = GENERATED_MARKER.to_string();
        self.forget_unreachable();
    }

    /// Keep only the manifests the history and the latest build can still reach.
    fn forget_unreachable(&mut self) {
        let mut pending: Vec<&str> = self
            .history
            .values()
            .flat_map(|h| std::iter::once(h.current.as_str()).chain(h.previous.as_deref()))
            .chain(self.latest_build.iter().map(|u| u.drv.as_str()))
            .chain(
                self.latest_build
                    .iter()
                    .filter_map(|u| u.previous.as_deref()),
            )
            .collect();
        let mut reachable = BTreeSet::new();
        while let Some(drv) = pending.pop() {
            if reachable.insert(drv.to_string())
                && let Some(manifest) = self.manifests.get(drv)
            {
                pending.extend(manifest.deps.values().map(String::as_str));
            }
        }
        self.manifests.retain(|drv, _| reachable.contains(drv));
    }
}

/// The part of `nix show-derivation`'s output a manifest needs.
#[derive(Debug, Default, Deserialize)]
struct ShownDerivation {
    #[serde(default)]
    env: BTreeMap<String, String>,
}

/// One `nix show-derivation` for all `drvs`.
fn show_derivations(
    drvs: &[&str],
    store_args: &[String],
) -> Result<HashMap<String, ShownDerivation>, InsightError> {
    if drvs.is_empty() {
        return Ok(HashMap::new());
    }
    let command = "nix show-derivation";
    let output = Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "show-derivation",
        ])
        .args(store_args)
        .args(drvs)
        .output()
        .map_err(|e| InsightError::Nix {
            command: command.into(),
            message: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(InsightError::Nix {
            command: command.into(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(|e| InsightError::Nix {
        command: command.into(),
        message: format!("unexpected output: {e}"),
    })
}

/// SHA-256 of every file below `root`, by relative path; symlinks by their target.
fn hash_tree(root: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let meta = std::fs::symlink_metadata(&path)?;
            let content = if meta.is_dir() {
                pending.push(path);
                continue;
            } else if meta.is_symlink() {
                std::fs::read_link(&path)?
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                std::fs::read(&path)?
            };
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let digest = Sha256::digest(&content);
            let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
            files.insert(relative.display().to_string(), hex);
        }
    }
    Ok(files)
}

impl ShownDerivation {
    /// A list the Nix library passes as `<name>0`, `<name>1`, ... and `<name>Count`.
    fn indexed(&self, name: &str) -> Vec<String> {
        let count = self
            .env
            .get(&format!("{name}Count"))
            .and_then(|count| count.parse::<usize>().ok())
            .unwrap_or(0);
        (0..count)
            .filter_map(|i| self.env.get(&format!("{name}{i}")).cloned())
            .collect()
    }
}

struct ManifestInputs<'a> {
    plan: &'a BuildPlan,
    keys: &'a [String],
    unit_paths: &'a [UnitPaths],
    /// Each source store path hashed once, for all the units of its package.
    source_files: HashMap<&'a str, Option<BTreeMap<String, String>>>,
}

impl ManifestInputs<'_> {
    fn manifest(&self, id: UnitId, derivation: &ShownDerivation) -> UnitManifest {
        let plan = self.plan;
        let unit = &plan.units[id];
        let package = plan.package_of(id);
        let env = &derivation.env;
        let sources = match &package.source {
            PackageSource::Registry { checksum, .. } => Sources::Crate {
                checksum: checksum.clone(),
            },
            PackageSource::Path | PackageSource::Git { .. } => env
                .get("src")
                .and_then(|src| self.source_files.get(src.as_str())?.clone())
                .map_or(Sources::Unknown, |files| Sources::Files { files }),
        };
        // Cargo.dependencies.nix's variables, as `NAME=VALUE`.
        let deps_file_env = derivation
            .indexed("userEnv")
            .iter()
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        // Host mode passes them one by one; stdenv takes them as buildInputs.
        let mut native_deps = derivation.indexed("hostDep");
        if let Some(inputs) = env.get("buildInputs") {
            native_deps.extend(inputs.split_whitespace().map(str::to_string));
        }
        let toolchain = format!(
            "{}\nrustc: {}",
            env.get("rustcIdentity").map_or("", |id| id.trim_end()),
            env.get("RUSTC").map_or("", String::as_str)
        );
        UnitManifest {
            key: self.keys[id].clone(),
            package: package.name.clone(),
            version: package.version.clone(),
            kind: unit.kind.label().to_string(),
            target: unit.target_name.clone(),
            drv: self.unit_paths[id].drv_path.clone(),
            sources,
            features: unit.features.clone(),
            rustflags: plan.rustflags.clone(),
            rustc_args: derivation.indexed("rustcArg"),
            env: unit_env(plan, id),
            deps_file_env,
            native_deps,
            toolchain,
            deps: unit
                .deps
                .iter()
                .map(|d| {
                    (
                        self.keys[d.unit].clone(),
                        self.unit_paths[d.unit].drv_path.clone(),
                    )
                })
                .collect(),
        }
    }
}

/// Record a finished build of `plan`: each unit's outcome and, for derivations not seen
/// before, their manifests.
pub fn record_build(
    plan: &BuildPlan,
    unit_paths: &[UnitPaths],
    valid_before: &[UnitId],
    fetched: &HashMap<String, String>,
    store_args: &[String],
) -> Result<(), InsightError> {
    let path = record_path(&plan.target_dir, &plan.profile_dir);
    // An unreadable record (an older format, a damaged file) is started afresh.
    let mut record = BuildRecord::load(&path).ok().flatten().unwrap_or_default();
    let keys = unit_keys(plan);

    let unknown_outputs: Vec<&str> = unit_paths
        .iter()
        .filter(|p| !valid_before.contains(&p.unit))
        .map(|p| p.out_path.as_str())
        .collect();
    let still_missing = store::invalid_paths(&unknown_outputs, store_args)?;
    let units: Vec<RecordedUnit> = unit_paths
        .iter()
        .map(|p| RecordedUnit {
            key: keys[p.unit].clone(),
            drv: p.drv_path.clone(),
            previous: None,
            outcome: if valid_before.contains(&p.unit) {
                Outcome::Cached
            } else if still_missing.contains(&p.out_path) {
                Outcome::NotBuilt
            } else if let Some(from) = fetched.get(&p.out_path) {
                Outcome::Substituted { from: from.clone() }
            } else {
                Outcome::Built
            },
        })
        .collect();

    let new_drvs: Vec<&str> = unit_paths
        .iter()
        .map(|p| p.drv_path.as_str())
        .filter(|drv| !record.manifests.contains_key(*drv))
        .collect();
    let shown = show_derivations(&new_drvs, store_args)?;
    let source_files = unit_paths
        .iter()
        .filter(|p| {
            !matches!(
                plan.package_of(p.unit).source,
                PackageSource::Registry { .. }
            )
        })
        .filter_map(|p| shown.get(&p.drv_path)?.env.get("src"))
        .map(String::as_str)
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(|src| (src, hash_tree(Path::new(src)).ok()))
        .collect();
    let inputs = ManifestInputs {
        plan,
        keys: &keys,
        unit_paths,
        source_files,
    };
    let new_manifests = unit_paths
        .iter()
        .filter_map(|p| Some(inputs.manifest(p.unit, shown.get(&p.drv_path)?)))
        .collect();
    record.update(units, new_manifests);
    record.save(&path)
}

/// [`record_build`] off the async runtime; a failure to record is a warning, never a
/// failed build.
pub async fn record_in_background(
    plan: &Arc<BuildPlan>,
    unit_paths: &[UnitPaths],
    valid_before: &[UnitId],
    fetched: HashMap<String, String>,
    store_args: Vec<String>,
    events: &UnboundedSender<BackendEvent>,
) {
    let plan = plan.clone();
    let unit_paths = unit_paths.to_vec();
    let valid_before = valid_before.to_vec();
    let recorded = tokio::task::spawn_blocking(move || {
        record_build(&plan, &unit_paths, &valid_before, &fetched, &store_args)
    })
    .await;
    let error = match recorded {
        Ok(Ok(())) => return,
        Ok(Err(error)) => error.to_string(),
        Err(error) => error.to_string(),
    };
    let _ = events.send(BackendEvent::Warning(format!(
        "could not record what went into this build (`why` will not know it): {error}"
    )));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(key: &str, drv: &str, outcome: Outcome) -> RecordedUnit {
        RecordedUnit {
            key: key.into(),
            drv: drv.into(),
            outcome,
            previous: None,
        }
    }

    pub(crate) fn manifest(key: &str, drv: &str, deps: &[(&str, &str)]) -> UnitManifest {
        UnitManifest {
            key: key.into(),
            package: key.into(),
            version: "0.1.0".into(),
            kind: "lib".into(),
            target: key.into(),
            drv: drv.into(),
            sources: Sources::Unknown,
            features: Vec::new(),
            rustflags: Vec::new(),
            rustc_args: Vec::new(),
            env: BTreeMap::new(),
            deps_file_env: BTreeMap::new(),
            native_deps: Vec::new(),
            toolchain: String::new(),
            deps: deps
                .iter()
                .map(|(k, d)| (k.to_string(), d.to_string()))
                .collect(),
        }
    }

    #[test]
    fn history_moves_only_when_a_unit_gets_a_new_output() {
        let mut record = BuildRecord::default();
        record.update(
            vec![recorded("app", "app-1.drv", Outcome::Built)],
            vec![manifest("app", "app-1.drv", &[])],
        );
        record.update(vec![recorded("app", "app-1.drv", Outcome::Cached)], vec![]);
        assert_eq!(
            record.history["app"].previous, None,
            "a no-op build is no change"
        );
        record.update(
            vec![recorded("app", "app-2.drv", Outcome::NotBuilt)],
            vec![manifest("app", "app-2.drv", &[])],
        );
        assert_eq!(
            record.history["app"].current, "app-1.drv",
            "a failed unit made nothing"
        );
        record.update(
            vec![recorded("app", "app-3.drv", Outcome::Built)],
            vec![manifest("app", "app-3.drv", &[])],
        );
        assert_eq!(record.history["app"].current, "app-3.drv");
        assert_eq!(record.history["app"].previous.as_deref(), Some("app-1.drv"));
        assert!(
            !record.manifests.contains_key("app-2.drv"),
            "nothing refers to the failed attempt any more"
        );
    }

    #[test]
    fn manifests_of_dependencies_stay_while_a_dependent_refers_to_them() {
        let mut record = BuildRecord::default();
        record.update(
            vec![
                recorded("lib", "lib-1.drv", Outcome::Built),
                recorded("app", "app-1.drv", Outcome::Built),
            ],
            vec![
                manifest("lib", "lib-1.drv", &[]),
                manifest("app", "app-1.drv", &[("lib", "lib-1.drv")]),
            ],
        );
        for n in 2..4 {
            let (lib, app) = (format!("lib-{n}.drv"), format!("app-{n}.drv"));
            record.update(
                vec![
                    recorded("lib", &lib, Outcome::Built),
                    recorded("app", &app, Outcome::Built),
                ],
                vec![
                    manifest("lib", &lib, &[]),
                    manifest("app", &app, &[("lib", &lib)]),
                ],
            );
        }
        let kept: Vec<&str> = record.manifests.keys().map(String::as_str).collect();
        assert_eq!(kept, ["app-2.drv", "app-3.drv", "lib-2.drv", "lib-3.drv"]);
    }

    #[test]
    fn lists_are_read_as_the_nix_library_passes_them() {
        let derivation = ShownDerivation {
            env: BTreeMap::from(
                [
                    ("userEnvCount", "2"),
                    ("userEnv0", "FOO=bar"),
                    ("userEnv1", "EMPTY="),
                    ("hostDepCount", "not a number"),
                    ("hostDep0", "/nix/store/a-host-zlib"),
                ]
                .map(|(k, v)| (k.to_string(), v.to_string())),
            ),
        };
        assert_eq!(derivation.indexed("userEnv"), ["FOO=bar", "EMPTY="]);
        assert!(
            derivation.indexed("hostDep").is_empty(),
            "a bad count is no list"
        );
        assert!(derivation.indexed("rustcArg").is_empty());
    }

    #[test]
    fn a_record_survives_saving_and_loading() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = record_path(dir.path(), "debug");
        assert_eq!(BuildRecord::load(&path).expect("no record yet"), None);
        let mut record = BuildRecord::default();
        record.update(
            vec![recorded("app", "app-1.drv", Outcome::Built)],
            vec![manifest("app", "app-1.drv", &[])],
        );
        record.save(&path).expect("save");
        assert_eq!(BuildRecord::load(&path).expect("load"), Some(record));
        std::fs::write(&path, "{ not json").expect("write");
        assert!(matches!(
            BuildRecord::load(&path),
            Err(InsightError::Parse { .. })
        ));
    }
}
