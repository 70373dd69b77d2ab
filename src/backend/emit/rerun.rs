//! When build scripts rerun, as Cargo decides it: the source each build-script derivation
//! takes, and what a finished build learnt for the next plan.
//!
//! - The compile of `build.rs` takes only `build.rs` when that file cannot make rustc read
//!   another one (no `mod`, `include*!` or `#[path]` in it); otherwise the files rustc's
//!   dep-info listed last time, while none of them changed; otherwise the whole package.
//! - The run takes what it declared last time with `rerun-if-changed` (plus Cargo.toml),
//!   or the whole package when it declared nothing or its record is stale (Cargo's rule).
//!   Its record, `target/libnix/learnt/<run unit>.json`, is written after each successful
//!   build from the run's output in the store; no evaluation ever reads a build's result.
//! - `rerun-if-env-changed` variables become inputs of the run, with their values now.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::backend::UnitPaths;
use crate::backend::layout::Layout;
use crate::backend::plan::{BuildPlan, Package, PackageSource, Unit, UnitKind};

/// What a run of a local build script declared, and which derivation inputs it ran with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LearntRun {
    /// The compiled build script's output path: the declarations are its.
    pub script: String,
    /// The source the run saw: while the whole package's source is still this one, the run
    /// keeps it (its derivation stays the same; switching would rerun it).
    pub source: String,
    pub rerun_if_changed: Vec<String>,
    pub rerun_if_env_changed: Vec<String>,
}

impl LearntRun {
    /// Whether the script declared anything: then Cargo no longer watches the package.
    fn declared(&self) -> bool {
        !self.rerun_if_changed.is_empty() || !self.rerun_if_env_changed.is_empty()
    }
}

/// Packages whose source can change between builds: registry crates never do.
fn is_local(package: &Package) -> bool {
    !matches!(package.source, PackageSource::Registry { .. })
}

/// What the compile of a build script read (rustc's dep-info), as it was then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LearntCompile {
    /// The source it was compiled from (see [`LearntRun::source`]).
    pub source: String,
    /// Paths relative to the package, with the SHA-256 of what was read.
    pub files: BTreeMap<String, String>,
}

/// The files a derivation takes instead of its whole package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Narrowed {
    /// Relative to the package; a directory with all it holds.
    pub files: Vec<String>,
    /// While the whole package's source is still this one, the derivation keeps it (a
    /// switch would change it and rebuild it and its dependents once, for nothing).
    pub previous_source: Option<String>,
}

/// The files the compile of a local build script takes, or `None` for the whole package.
pub fn build_script_source(plan: &BuildPlan, unit: &Unit, package: &Package) -> Option<Narrowed> {
    if unit.kind != UnitKind::BuildScript || !is_local(package) {
        return None;
    }
    let text = std::fs::read_to_string(package.manifest_dir.join(&unit.src_path)).ok()?;
    let reads_more = ["mod", "include", "include_str", "include_bytes"]
        .iter()
        .any(|word| contains_word(&text, word))
        || has_path_attribute(&text);
    if !reads_more {
        return Some(Narrowed {
            files: vec![unit.src_path.display().to_string()],
            previous_source: None,
        });
    }
    // rustc read these and nothing else; unchanged, they make it read the same again.
    let learnt: LearntCompile = read_record(&Layout::of(plan), &unit.key)?;
    let unchanged = learnt.files.iter().all(|(file, sha256)| {
        std::fs::read(package.manifest_dir.join(file))
            .is_ok_and(|bytes| hex_sha256(&bytes) == *sha256)
    });
    unchanged.then(|| Narrowed {
        files: learnt.files.into_keys().collect(),
        previous_source: Some(learnt.source),
    })
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files a dep-info file lists (its rules without prerequisites), relative to the
/// directory rustc ran in; files outside it are left out.
fn dep_info_files(dep_info: &str, dir: &Path) -> Vec<String> {
    dep_info
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.strip_suffix(':'))
        .map(|file| file.replace("\\ ", " "))
        .filter_map(|file| inside_package(dir, &file))
        .collect()
}

/// `#[path = ...]`, also inside `cfg_attr(..., path = ...)`.
fn has_path_attribute(text: &str) -> bool {
    let tight: String = text.split_whitespace().collect();
    tight
        .match_indices("path=")
        .any(|(at, _)| matches!(tight[..at].chars().next_back(), Some('[' | '(' | ',')))
}

/// `word` as a whole identifier anywhere in `text` (comments and strings included: the
/// answer may only err towards the whole package).
fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// What plan.json says of a run's source: the record to narrow it with, when it still holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSource {
    /// The build script's output the record is of: another script's declarations count
    /// for nothing.
    pub script: String,
    /// The declared paths inside the package and Cargo.toml.
    #[serde(flatten)]
    pub narrowed: Narrowed,
}

/// The narrowed source of a run and the values of the variables it declared, from its
/// record; the whole package (`None`) without one or when a declared path is gone.
pub fn run_inputs(
    plan: &BuildPlan,
    unit: &Unit,
    package: &Package,
) -> (Option<RunSource>, BTreeMap<String, String>) {
    let Some(learnt) = is_local(package)
        .then(|| read_record::<LearntRun>(&Layout::of(plan), &unit.key))
        .flatten()
    else {
        return (None, BTreeMap::new());
    };
    let env = learnt
        .rerun_if_env_changed
        .iter()
        .filter_map(|name| Some((name.clone(), std::env::var(name).ok()?)))
        .collect();
    if !learnt.declared() {
        return (None, env);
    }
    let mut files: Vec<String> = learnt
        .rerun_if_changed
        .iter()
        .filter_map(|path| inside_package(&package.manifest_dir, path))
        .collect();
    // Cargo reruns a script whose declared path is missing every time: keep it on the
    // whole package rather than run it without that input.
    if files.iter().any(|f| !package.manifest_dir.join(f).exists()) {
        return (None, env);
    }
    files.push("Cargo.toml".to_string());
    files.sort();
    files.dedup();
    let source = RunSource {
        script: learnt.script,
        narrowed: Narrowed {
            files,
            previous_source: Some(learnt.source),
        },
    };
    (Some(source), env)
}

/// A declared path as a path inside the package without `.` or `..`; `None` outside it
/// (a file outside the package is in no source).
fn inside_package(package_dir: &Path, declared: &str) -> Option<String> {
    let path = Path::new(declared);
    let relative = if path.is_absolute() {
        path.strip_prefix(package_dir).ok()?
    } else {
        path
    };
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn read_record<T: DeserializeOwned>(layout: &Layout, unit_key: &str) -> Option<T> {
    let bytes = std::fs::read(layout.learnt_file(unit_key)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Write a record unless it says the same already.
fn write_record<T: Serialize + DeserializeOwned + PartialEq>(
    layout: &Layout,
    unit_key: &str,
    record: &T,
) -> Result<(), String> {
    if read_record::<T>(layout, unit_key).as_ref() == Some(record) {
        return Ok(());
    }
    let file = layout.learnt_file(unit_key);
    serde_json::to_vec_pretty(record)
        .map_err(std::io::Error::other)
        .and_then(|json| {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            super::library::replace_if_changed(&file, &json)
        })
        .map_err(|error| format!("{}: {error}", file.display()))
}

/// The `rerun-if-changed` and `rerun-if-env-changed` values in a build script's output,
/// in both `cargo:` and `cargo::` syntax.
pub fn declarations(output: &str) -> (Vec<String>, Vec<String>) {
    let mut paths = Vec::new();
    let mut env = Vec::new();
    for line in output.lines() {
        let Some(body) = line
            .strip_prefix("cargo::")
            .or_else(|| line.strip_prefix("cargo:"))
        else {
            continue;
        };
        if let Some(path) = body.strip_prefix("rerun-if-changed=") {
            paths.push(path.to_string());
        } else if let Some(name) = body.strip_prefix("rerun-if-env-changed=") {
            env.push(name.to_string());
        }
    }
    (paths, env)
}

/// The value of a string attribute in a `.drv` file (`("name","value")`), when it has no
/// escapes (store paths never do).
fn drv_attribute(drv: &str, name: &str) -> Option<String> {
    let start = drv.find(&format!("(\"{name}\",\""))? + name.len() + 5;
    let value = &drv[start..start + drv[start..].find('"')?];
    (!value.contains('\\')).then(|| value.to_string())
}

/// After a successful build: record what the compile of every local build script read and
/// what every run of one declared, for the next plan. A record that cannot be made is left
/// out (its unit then takes the whole package); returns what went wrong, for a warning.
pub fn learn(plan: &BuildPlan, unit_paths: &[UnitPaths]) -> Vec<String> {
    let layout = Layout::of(plan);
    let mut problems = Vec::new();
    for paths in unit_paths {
        let unit = &plan.units[paths.unit];
        if !is_local(plan.package_of(paths.unit)) {
            continue;
        }
        let out = Path::new(&paths.out_path);
        let record = match unit.kind {
            UnitKind::BuildScript => learn_compile(out, &paths.drv_path)
                .map(|learnt| write_record(&layout, &unit.key, &learnt)),
            UnitKind::BuildScriptRun => learn_run(out, &paths.drv_path)
                .map(|learnt| write_record(&layout, &unit.key, &learnt)),
            _ => None,
        };
        if let Some(Err(problem)) = record {
            problems.push(problem);
        }
    }
    problems
}

fn learn_compile(out: &Path, drv_path: &str) -> Option<LearntCompile> {
    let dep_info = std::fs::read_to_string(out.join("bin/build-script-build.d")).ok()?;
    let source = drv_attribute(&std::fs::read_to_string(drv_path).ok()?, "src")?;
    let files = dep_info_files(&dep_info, Path::new(&source))
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(Path::new(&source).join(&file)).ok()?;
            Some((file, hex_sha256(&bytes)))
        })
        .collect::<Option<_>>()?;
    Some(LearntCompile { source, files })
}

fn learn_run(out: &Path, drv_path: &str) -> Option<LearntRun> {
    let output = std::fs::read_to_string(out.join("output")).ok()?;
    let drv = std::fs::read_to_string(drv_path).ok()?;
    let (rerun_if_changed, rerun_if_env_changed) = declarations(&output);
    Some(LearntRun {
        script: drv_attribute(&drv, "buildScript")?,
        source: drv_attribute(&drv, "src")?,
        rerun_if_changed,
        rerun_if_env_changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_in_both_syntaxes() {
        let output = "cargo:rerun-if-changed=build.rs\ncargo::rerun-if-changed=data/x.txt\n\
                      cargo:rustc-cfg=foo\ncargo::rerun-if-env-changed=FOO\nnoise\n";
        assert_eq!(
            declarations(output),
            (
                vec!["build.rs".to_string(), "data/x.txt".to_string()],
                vec!["FOO".to_string()]
            )
        );
    }

    #[test]
    fn declared_paths_inside_the_package_only() {
        let dir = Path::new("/w/pkg");
        assert_eq!(inside_package(dir, "./a/../b.txt"), Some("b.txt".into()));
        assert_eq!(
            inside_package(dir, "/w/pkg/src/x.rs"),
            Some("src/x.rs".into())
        );
        assert_eq!(inside_package(dir, "/usr/include/x.h"), None);
        assert_eq!(inside_package(dir, "../other/x"), None);
        assert_eq!(inside_package(dir, "."), None);
    }

    #[test]
    fn a_build_script_that_may_read_another_file_takes_the_whole_package() {
        assert!(!contains_word("fn main() { model(); }", "mod"));
        assert!(contains_word("mod extra;\nfn main() {}", "mod"));
        assert!(contains_word(
            "const X: &str = include_str!(\"x\");",
            "include_str"
        ));
        assert!(!contains_word(
            "const X: &str = include_str!(\"x\");",
            "include"
        ));
        assert!(has_path_attribute("#[path = \"x.rs\"]\nfn f() {}"));
        assert!(has_path_attribute("#[cfg_attr(unix, path = \"x.rs\")]"));
        assert!(!has_path_attribute(
            "use std::path::Path; let path = Path::new(\"x\");"
        ));
    }

    #[test]
    fn dep_info_files_relative_to_where_rustc_ran() {
        let dep_info = "/nix/store/o-x/bin/build-script-build: build.rs extra.rs\n\n\
                        build.rs:\nextra.rs:\nsub/my\\ file.rs:\n/usr/lib/x.rs:\n# env-dep:X=1\n";
        assert_eq!(
            dep_info_files(dep_info, Path::new("/nix/store/s-src")),
            vec!["build.rs", "extra.rs", "sub/my file.rs"]
        );
    }

    #[test]
    fn a_derivations_string_attribute() {
        let drv = r#"Derive([("out","/nix/store/a-x","","")],[],[],"x86_64-linux","/b",[],[("buildScript","/nix/store/s-script"),("src","/nix/store/c-src")])"#;
        assert_eq!(
            drv_attribute(drv, "src").as_deref(),
            Some("/nix/store/c-src")
        );
        assert_eq!(
            drv_attribute(drv, "buildScript").as_deref(),
            Some("/nix/store/s-script")
        );
        assert_eq!(drv_attribute(drv, "missing"), None);
    }
}
