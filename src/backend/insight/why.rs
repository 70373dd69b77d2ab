//! Why a unit was rebuilt, in Cargo's terms: two manifests of the same unit in, a list of
//! reasons out, following changed dependencies down to their own reasons.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use super::manifest::{BuildRecord, Outcome, Sources, UnitManifest};

/// A unit as a Rust developer names it: `greet 0.3.1`, `app 0.1.0 (build script)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitName {
    pub package: String,
    pub version: String,
    pub kind: String,
}

impl UnitName {
    pub fn of(manifest: &UnitManifest) -> Self {
        UnitName {
            package: manifest.package.clone(),
            version: manifest.version.clone(),
            kind: manifest.kind.clone(),
        }
    }
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{} {}`", self.package, self.version)?;
        // A dependency is a library unless said otherwise.
        match self.kind.as_str() {
            "lib" | "proc-macro" => Ok(()),
            kind => write!(f, " ({kind})"),
        }
    }
}

/// One thing that differs between two builds of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    FileChanged {
        path: String,
    },
    FileAdded {
        path: String,
    },
    FileRemoved {
        path: String,
    },
    /// A registry crate whose `.crate` checksum differs at the same version.
    CrateChanged,
    FeatureEnabled {
        feature: String,
    },
    FeatureDisabled {
        feature: String,
    },
    RustflagsChanged {
        before: Vec<String>,
        after: Vec<String>,
    },
    /// Other rustc flags (from the profile, the linker setting, the edition, ...).
    RustcFlagsChanged {
        removed: Vec<String>,
        added: Vec<String>,
    },
    EnvChanged {
        name: String,
        before: Option<String>,
        after: Option<String>,
        /// Set in Cargo.dependencies.nix rather than by Cargo's rules.
        deps_file: bool,
    },
    NativeDepAdded {
        name: String,
    },
    NativeDepRemoved {
        name: String,
    },
    NativeDepChanged {
        name: String,
        before: String,
        after: String,
    },
    ToolchainChanged {
        before: String,
        after: String,
    },
    DependencyAdded {
        unit: UnitName,
    },
    DependencyRemoved {
        unit: UnitName,
    },
    /// A dependency was rebuilt; empty `reasons` when its earlier inputs are unknown.
    DependencyRebuilt {
        unit: UnitName,
        reasons: Vec<Reason>,
    },
    /// Its output was no longer in the Nix store (garbage-collected): same inputs.
    OutputWasMissing,
    /// The derivations differ in something the manifests do not track (e.g. libnix-tui
    /// itself changed); `nix-diff before after` tells.
    Untracked {
        before: String,
        after: String,
    },
}

impl Reason {
    /// A reason every unit shares when it holds, so a dependency rebuilt for it alone
    /// adds nothing to a dependent that names it too.
    fn is_global(&self) -> bool {
        matches!(
            self,
            Reason::RustflagsChanged { .. }
                | Reason::RustcFlagsChanged { .. }
                | Reason::ToolchainChanged { .. }
        )
    }

    /// The root causes below this reason, each with the package it happened in (`None`
    /// for the global ones).
    fn leaves<'a>(&'a self, package: Package<'a>, out: &mut Vec<Leaf<'a>>) {
        match self {
            Reason::DependencyRebuilt { unit, reasons } if !reasons.is_empty() => {
                let package = Some((unit.package.as_str(), unit.version.as_str()));
                reasons.iter().for_each(|r| r.leaves(package, out));
            }
            leaf if leaf.is_global() => out.push((None, leaf)),
            leaf => out.push((package, leaf)),
        }
    }

    /// How many dependencies deep the chain below this reason goes.
    fn depth(&self) -> usize {
        match self {
            Reason::DependencyRebuilt { reasons, .. } => {
                1 + reasons.iter().map(Reason::depth).max().unwrap_or(0)
            }
            _ => 0,
        }
    }
}

/// `(name, version)` of a package.
type Package<'a> = Option<(&'a str, &'a str)>;
type Leaf<'a> = (Package<'a>, &'a Reason);

fn code_list(words: &[String]) -> String {
    if words.is_empty() {
        "nothing".to_string()
    } else {
        format!("`{}`", words.join(" "))
    }
}

/// The first line in which two toolchain identities differ (`rustc 1.95.0 (...)` from
/// `rustc -vV`, or the rustc's path).
fn first_difference<'a>(before: &'a str, after: &'a str) -> (&'a str, &'a str) {
    before
        .lines()
        .zip(after.lines())
        .find(|(b, a)| b != a)
        .unwrap_or((before, after))
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::FileChanged { path } => write!(f, "{path} changed"),
            Reason::FileAdded { path } => write!(f, "{path} added"),
            Reason::FileRemoved { path } => write!(f, "{path} removed"),
            Reason::CrateChanged => write!(f, "the crate's checksum in Cargo.lock changed"),
            Reason::FeatureEnabled { feature } => write!(f, "feature `{feature}` enabled"),
            Reason::FeatureDisabled { feature } => write!(f, "feature `{feature}` disabled"),
            Reason::RustflagsChanged { before, after } => write!(
                f,
                "RUSTFLAGS changed from {} to {}",
                code_list(before),
                code_list(after)
            ),
            Reason::RustcFlagsChanged { removed, added } => {
                write!(f, "rustc flags changed (")?;
                let removed = removed.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>();
                let added = added.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>();
                match (removed.is_empty(), added.is_empty()) {
                    (false, false) => {
                        write!(f, "{} replaced by {}", removed.join(" "), added.join(" "))?
                    }
                    (false, true) => write!(f, "{} removed", removed.join(" "))?,
                    _ => write!(f, "{} added", added.join(" "))?,
                }
                write!(f, ")")
            }
            Reason::EnvChanged {
                name,
                before,
                after,
                deps_file,
            } => {
                match (before, after) {
                    (Some(before), Some(after)) => {
                        write!(f, "env {name} changed from `{before}` to `{after}`")?
                    }
                    (None, Some(after)) => write!(f, "env {name} set to `{after}`")?,
                    _ => write!(f, "env {name} unset")?,
                }
                if *deps_file {
                    write!(f, " in Cargo.dependencies.nix")?;
                }
                Ok(())
            }
            Reason::NativeDepAdded { name } => write!(f, "native dep {name} added"),
            Reason::NativeDepRemoved { name } => write!(f, "native dep {name} removed"),
            Reason::NativeDepChanged {
                name,
                before,
                after,
            } => write!(f, "native dep {name} changed ({before} -> {after})"),
            Reason::ToolchainChanged { before, after } => {
                let (before, after) = first_difference(before, after);
                write!(f, "toolchain changed (`{before}` -> `{after}`)")
            }
            Reason::DependencyAdded { unit } => write!(f, "dependency {unit} added"),
            Reason::DependencyRemoved { unit } => write!(f, "dependency {unit} removed"),
            Reason::DependencyRebuilt { unit, reasons } if reasons.is_empty() => write!(
                f,
                "dependency {unit} rebuilt (what went into it before was not recorded)"
            ),
            Reason::DependencyRebuilt { unit, reasons } => {
                write!(f, "dependency {unit} rebuilt because {}", sentence(reasons))
            }
            Reason::OutputWasMissing => write!(
                f,
                "its output was no longer in the Nix store (garbage-collected); nothing changed"
            ),
            Reason::Untracked { before, after } => write!(
                f,
                "its derivation changed in a way libnix-tui does not track \
                 (`nix-diff {before} {after}` shows how)"
            ),
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn sentence(reasons: &[Reason]) -> String {
    let parts: Vec<String> = reasons.iter().map(Reason::to_string).collect();
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Why `after` differs from `before`, two manifests of the same unit. Changed
/// dependencies are explained from their own manifests in `manifests` (keyed by
/// derivation), down to the root causes. Pure: what the dashboard's details pane calls.
pub fn rebuild_reasons(
    before: &UnitManifest,
    after: &UnitManifest,
    manifests: &BTreeMap<String, UnitManifest>,
) -> Vec<Reason> {
    Differ {
        manifests,
        explained: HashMap::new(),
    }
    .reasons(before, after)
}

struct Differ<'a> {
    manifests: &'a BTreeMap<String, UnitManifest>,
    /// A dependency shared by many units is explained once.
    explained: HashMap<(String, String), Vec<Reason>>,
}

impl Differ<'_> {
    fn reasons(&mut self, before: &UnitManifest, after: &UnitManifest) -> Vec<Reason> {
        if before.drv == after.drv {
            return Vec::new();
        }
        let memo_key = (before.drv.clone(), after.drv.clone());
        if let Some(known) = self.explained.get(&memo_key) {
            return known.clone();
        }
        let mut reasons = own_reasons(before, after);
        let mut rebuilt_deps = Vec::new();
        let mut from_deps = Vec::new();
        for (key, after_drv) in &after.deps {
            let Some(before_drv) = before.deps.get(key) else {
                if let Some(dep) = self.manifests.get(after_drv) {
                    from_deps.push(Reason::DependencyAdded {
                        unit: UnitName::of(dep),
                    });
                }
                continue;
            };
            if before_drv == after_drv {
                continue;
            }
            let Some(dep_after) = self.manifests.get(after_drv) else {
                continue;
            };
            let dep_reasons = match self.manifests.get(before_drv) {
                Some(dep_before) => self.reasons(dep_before, dep_after),
                None => Vec::new(),
            };
            rebuilt_deps.push(Reason::DependencyRebuilt {
                unit: UnitName::of(dep_after),
                reasons: dep_reasons,
            });
        }
        let package = Some((after.package.as_str(), after.version.as_str()));
        from_deps.splice(0..0, without_repeats(&reasons, package, rebuilt_deps));
        for (key, before_drv) in &before.deps {
            if !after.deps.contains_key(key)
                && let Some(dep) = self.manifests.get(before_drv)
            {
                from_deps.push(Reason::DependencyRemoved {
                    unit: UnitName::of(dep),
                });
            }
        }
        reasons.extend(from_deps);
        if reasons.is_empty() {
            reasons.push(Reason::Untracked {
                before: before.drv.clone(),
                after: after.drv.clone(),
            });
        }
        self.explained.insert(memo_key, reasons.clone());
        reasons
    }
}

/// The rebuilt dependencies worth naming: the shortest chains first, and none whose root
/// causes are all named already, by the unit itself (an edit of its own package reaches
/// its build script too; RUSTFLAGS reach every unit) or by a shorter chain (`regex` is
/// rebuilt for `regex-syntax`, directly and through `regex-automata`).
fn without_repeats(own: &[Reason], package: Package<'_>, mut rebuilt: Vec<Reason>) -> Vec<Reason> {
    rebuilt.sort_by_key(Reason::depth);
    let mut named: Vec<Leaf<'_>> = Vec::new();
    own.iter().for_each(|r| r.leaves(package, &mut named));
    let mut kept = Vec::new();
    for dependency in &rebuilt {
        let mut leaves = Vec::new();
        dependency.leaves(package, &mut leaves);
        if leaves.iter().all(|leaf| named.contains(leaf)) {
            continue;
        }
        named.extend(leaves);
        kept.push(dependency.clone());
    }
    kept
}

/// What differs in the unit itself, before looking at its dependencies.
fn own_reasons(before: &UnitManifest, after: &UnitManifest) -> Vec<Reason> {
    let mut reasons = source_reasons(&before.sources, &after.sources);
    let features = |m: &UnitManifest| m.features.iter().cloned().collect::<BTreeSet<_>>();
    let (old, new) = (features(before), features(after));
    reasons.extend(
        new.difference(&old)
            .map(|f| Reason::FeatureEnabled { feature: f.clone() }),
    );
    reasons.extend(
        old.difference(&new)
            .map(|f| Reason::FeatureDisabled { feature: f.clone() }),
    );
    if before.rustflags != after.rustflags {
        reasons.push(Reason::RustflagsChanged {
            before: before.rustflags.clone(),
            after: after.rustflags.clone(),
        });
    }
    let (old, new) = (flag_words(before), flag_words(after));
    let removed: Vec<String> = old.iter().filter(|w| !new.contains(w)).cloned().collect();
    let added: Vec<String> = new.iter().filter(|w| !old.contains(w)).cloned().collect();
    if !removed.is_empty() || !added.is_empty() {
        reasons.push(Reason::RustcFlagsChanged { removed, added });
    }
    // Features and RUSTFLAGS reach build scripts as env vars too; they are named above.
    let engine_env = |m: &UnitManifest| -> BTreeMap<String, String> {
        m.env
            .iter()
            .filter(|(name, _)| {
                !name.starts_with("CARGO_FEATURE_")
                    && !["CARGO_CFG_FEATURE", "CARGO_ENCODED_RUSTFLAGS"].contains(&name.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    reasons.extend(env_reasons(&engine_env(before), &engine_env(after), false));
    reasons.extend(env_reasons(
        &before.deps_file_env,
        &after.deps_file_env,
        true,
    ));
    reasons.extend(native_dep_reasons(&before.native_deps, &after.native_deps));
    if before.toolchain != after.toolchain {
        reasons.push(Reason::ToolchainChanged {
            before: before.toolchain.clone(),
            after: after.toolchain.clone(),
        });
    }
    reasons
}

fn source_reasons(before: &Sources, after: &Sources) -> Vec<Reason> {
    match (before, after) {
        (Sources::Files { files: old }, Sources::Files { files: new }) => {
            let mut reasons = Vec::new();
            for (path, hash) in new {
                match old.get(path) {
                    None => reasons.push(Reason::FileAdded { path: path.clone() }),
                    Some(old_hash) if old_hash != hash => {
                        reasons.push(Reason::FileChanged { path: path.clone() })
                    }
                    Some(_) => {}
                }
            }
            reasons.extend(
                old.keys()
                    .filter(|path| !new.contains_key(*path))
                    .map(|path| Reason::FileRemoved { path: path.clone() }),
            );
            reasons
        }
        (Sources::Crate { checksum: old }, Sources::Crate { checksum: new }) if old != new => {
            vec![Reason::CrateChanged]
        }
        _ => Vec::new(),
    }
}

/// rustc's arguments as words (`-C opt-level=0`), less what is named otherwise: features,
/// the metadata hash that follows from everything else, and the RUSTFLAGS at the end.
fn flag_words(manifest: &UnitManifest) -> Vec<String> {
    let args = &manifest.rustc_args;
    let args = args
        .strip_suffix(manifest.rustflags.as_slice())
        .unwrap_or(args);
    let mut words = Vec::new();
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        let takes_value = arg.starts_with('-') && !arg.contains('=');
        match iter.peek() {
            Some(value) if takes_value && !value.starts_with('-') => {
                words.push(format!("{arg} {value}"));
                iter.next();
            }
            _ => words.push(arg.clone()),
        }
    }
    words.retain(|word| {
        ![
            "--cfg feature=",
            "--check-cfg cfg(feature,",
            "-C metadata=",
            "-C extra-filename=",
        ]
        .iter()
        .any(|prefix| word.starts_with(prefix))
    });
    words
}

fn env_reasons(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    deps_file: bool,
) -> Vec<Reason> {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .map(|name| Reason::EnvChanged {
            name: name.clone(),
            before: before.get(name).cloned(),
            after: after.get(name).cloned(),
            deps_file,
        })
        .collect()
}

/// `/nix/store/<hash>-openssl-3.0.13` -> (`openssl`, `3.0.13`), as Nix splits names.
fn native_dep_name(path: &str) -> (String, String) {
    let base = path.rsplit('/').next().unwrap_or(path);
    let name = base.split_once('-').map_or(base, |(_, name)| name);
    let split = name
        .match_indices('-')
        .find(|(i, _)| name[i + 1..].starts_with(|c: char| c.is_ascii_digit()));
    match split {
        Some((i, _)) => (name[..i].to_string(), name[i + 1..].to_string()),
        None => (name.to_string(), String::new()),
    }
}

fn native_dep_reasons(before: &[String], after: &[String]) -> Vec<Reason> {
    let by_name = |paths: &[String]| -> BTreeMap<String, (String, String)> {
        paths
            .iter()
            .map(|p| {
                let (name, version) = native_dep_name(p);
                (name, (version, p.clone()))
            })
            .collect()
    };
    let (old, new) = (by_name(before), by_name(after));
    let mut reasons = Vec::new();
    for (name, (version, path)) in &new {
        match old.get(name) {
            None => reasons.push(Reason::NativeDepAdded { name: name.clone() }),
            Some((old_version, old_path)) if old_path != path => {
                let (before, after) = if old_version == version {
                    (old_path.clone(), path.clone())
                } else {
                    (old_version.clone(), version.clone())
                };
                reasons.push(Reason::NativeDepChanged {
                    name: name.clone(),
                    before,
                    after,
                });
            }
            Some(_) => {}
        }
    }
    reasons.extend(
        old.keys()
            .filter(|name| !new.contains_key(*name))
            .map(|name| Reason::NativeDepRemoved { name: name.clone() }),
    );
    reasons
}

/// What the latest build did with one unit, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub key: String,
    pub unit: UnitName,
    #[serde(flatten)]
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Verdict {
    /// Built by the latest build; `reasons` compare it with its previous output.
    Rebuilt { reasons: Vec<Reason> },
    /// Built by the latest build, with no earlier output on record.
    FirstBuild,
    /// Fetched by the latest build from the substituter `from`, not built here; `reasons`
    /// compare it with its previous output, when one is on record.
    Substituted { from: String, reasons: Vec<Reason> },
    /// Not built by the latest build (it failed, or a dependency did): why it had to be.
    NotBuilt { reasons: Vec<Reason> },
    /// Different from the previous build, but that exact unit was still in the store.
    Reused { reasons: Vec<Reason> },
    /// Unchanged; why it was rebuilt the time before, when that is on record.
    UpToDate { last_rebuilt_because: Vec<Reason> },
}

impl Explanation {
    /// One line: `rebuilt because dependency `greet 0.3.1` rebuilt because src/lib.rs changed`.
    pub fn summary(&self) -> String {
        match &self.verdict {
            Verdict::Rebuilt { reasons } => format!("rebuilt because {}", sentence(reasons)),
            Verdict::FirstBuild => "built for the first time on record".to_string(),
            Verdict::Substituted { from, reasons } if reasons.is_empty() => {
                format!("fetched from {from}, not built here")
            }
            Verdict::Substituted { from, reasons } => format!(
                "fetched from {from}, not built here: changed because {}",
                sentence(reasons)
            ),
            Verdict::NotBuilt { reasons } if reasons.is_empty() => {
                "not built (failed, or a dependency failed)".to_string()
            }
            Verdict::NotBuilt { reasons } => format!(
                "not built (failed, or a dependency failed); it had to be because {}",
                sentence(reasons)
            ),
            Verdict::Reused { reasons } => format!(
                "not rebuilt: changed since the previous build ({}), but this exact unit was \
                 already in the Nix store",
                sentence(reasons)
            ),
            Verdict::UpToDate {
                last_rebuilt_because,
            } if last_rebuilt_because.is_empty() => {
                "up to date: unchanged since the previous build".to_string()
            }
            Verdict::UpToDate {
                last_rebuilt_because,
            } => format!(
                "up to date: unchanged since the previous build (last rebuilt because {})",
                sentence(last_rebuilt_because)
            ),
        }
    }

    pub fn was_rebuilt(&self) -> bool {
        matches!(
            self.verdict,
            Verdict::Rebuilt { .. } | Verdict::FirstBuild | Verdict::Substituted { .. }
        )
    }
}

/// What the latest build in `record` did with the unit `key`, and why; `None` when the
/// latest build had no such unit.
pub fn explain(record: &BuildRecord, key: &str) -> Option<Explanation> {
    let latest = record.latest(key)?;
    let manifest = record.manifests.get(&latest.drv)?;
    let compare = |before: Option<&str>, after: &UnitManifest| -> Vec<Reason> {
        before
            .and_then(|drv| record.manifests.get(drv))
            .map(|before| rebuild_reasons(before, after, &record.manifests))
            .unwrap_or_default()
    };
    let previous = latest.previous.as_deref();
    let verdict = match &latest.outcome {
        Outcome::Built if previous.is_none() => Verdict::FirstBuild,
        Outcome::Built if previous == Some(latest.drv.as_str()) => Verdict::Rebuilt {
            reasons: vec![Reason::OutputWasMissing],
        },
        Outcome::Built => Verdict::Rebuilt {
            reasons: compare(previous, manifest),
        },
        Outcome::Substituted { from } => Verdict::Substituted {
            from: from.clone(),
            reasons: compare(previous.filter(|&p| p != latest.drv), manifest),
        },
        Outcome::NotBuilt => Verdict::NotBuilt {
            reasons: compare(previous, manifest),
        },
        Outcome::Cached if previous.is_some_and(|p| p != latest.drv) => Verdict::Reused {
            reasons: compare(previous, manifest),
        },
        Outcome::Cached => Verdict::UpToDate {
            last_rebuilt_because: compare(
                record.history.get(key).and_then(|h| h.previous.as_deref()),
                manifest,
            ),
        },
    };
    Some(Explanation {
        key: key.to_string(),
        unit: UnitName::of(manifest),
        verdict,
    })
}

/// Every unit of the latest build that was built or should have been, explained.
pub fn explain_latest_build(record: &BuildRecord) -> Vec<Explanation> {
    record
        .latest_build
        .iter()
        .filter(|unit| unit.outcome != Outcome::Cached)
        .filter_map(|unit| explain(record, &unit.key))
        .collect()
}

#[cfg(test)]
mod tests;
