//! The plan cache: Cargo is not asked again while nothing it reads has changed.
//!
//! An entry is named by the invocation (libnix-tui's own binary, the Cargo flags, the
//! working directory, every environment variable Cargo or rustup reads) and holds the
//! plan plus a fingerprint of every file and directory the plan depends on: each local
//! package's manifest and the directories Cargo discovers targets in (`src/bin`,
//! `examples`, ...), every `Cargo.toml` above them (workspace roots, inherited fields),
//! Cargo.lock, `.cargo/config*` and `rust-toolchain*` up the tree and in CARGO_HOME,
//! rustup's settings, the registry's `.crate` files, and the toolchain: the `rustc` and
//! `cargo` found on PATH and the real ones in the sysroot (rustup replaces those files on
//! an update). Any difference, any unreadable entry, means planning again.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{BuildPlan, CargoOptions, PackageSource, PlanError, short_hash};

/// Raise when the entry or the plan's shape changes.
const FORMAT: &str = "libnix-tui plan cache 1";

/// Files that change within this time of planning may have been read before or after
/// their change: the plan is not cached then (file times are coarser than edits).
const RACE_MARGIN: Duration = Duration::from_secs(1);

#[derive(Serialize, Deserialize)]
struct Entry {
    format: String,
    inputs: Vec<(PathBuf, Fingerprint)>,
    plan: BuildPlan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Fingerprint {
    Missing,
    /// Never equal to what a later look finds.
    Unreadable,
    /// A file Cargo parses: its content.
    Content(String),
    /// A directory Cargo lists to discover targets or members: its entries' names.
    Listing(String),
    /// A binary: its identity.
    Stat {
        inode: u64,
        size: u64,
        mtime_ns: i128,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Content,
    Listing,
    Stat,
}

fn modified_ns(meta: &std::fs::Metadata) -> i128 {
    i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
}

fn fingerprint(path: &Path, kind: Kind) -> (Fingerprint, Option<SystemTime>) {
    let Ok(meta) = std::fs::metadata(path) else {
        return (Fingerprint::Missing, None);
    };
    let modified = meta.modified().ok();
    let print = match kind {
        Kind::Stat => Fingerprint::Stat {
            inode: meta.ino(),
            size: meta.size(),
            mtime_ns: modified_ns(&meta),
        },
        // Unreadable now may be readable later: never a cache hit.
        Kind::Content => match std::fs::read(path) {
            Ok(bytes) => Fingerprint::Content(hex(&Sha256::digest(&bytes))),
            Err(_) => Fingerprint::Unreadable,
        },
        Kind::Listing => match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut names: Vec<String> = entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                Fingerprint::Listing(hex(&Sha256::digest(names.join("/").as_bytes())))
            }
            Err(_) => Fingerprint::Unreadable,
        },
    };
    (print, modified)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The plan for `options`: from the cache when nothing Cargo reads has changed, else from
/// Cargo (and then cached). `cache_dir` names the cache directory of a target dir.
pub fn plan_with_cache(
    options: &CargoOptions,
    cache_dir: impl Fn(&Path) -> PathBuf,
) -> Result<BuildPlan, PlanError> {
    let name = format!("{}.json", invocation_key(options));
    if let Some(plan) =
        target_dir_hint(options).and_then(|target| read_valid(&cache_dir(&target).join(&name)))
    {
        return Ok(plan);
    }
    let started = SystemTime::now();
    let plan = super::plan(options)?;
    let recent = started.checked_sub(RACE_MARGIN).unwrap_or(started);
    let mut inputs = Vec::new();
    for (path, kind) in inputs_of(&plan) {
        let (print, modified) = fingerprint(&path, kind);
        if modified.is_some_and(|time| time >= recent) {
            return Ok(plan);
        }
        inputs.push((path, print));
    }
    let entry = Entry {
        format: FORMAT.to_string(),
        inputs,
        plan,
    };
    // The cache only saves time: a target dir it cannot be written to still builds.
    let _ = write_atomically(&cache_dir(&entry.plan.target_dir).join(&name), &entry);
    Ok(entry.plan)
}

fn read_valid(file: &Path) -> Option<BuildPlan> {
    let text = std::fs::read(file).ok()?;
    let entry: Entry = serde_json::from_slice(&text).ok()?;
    let unchanged = entry.format == FORMAT
        && entry.inputs.iter().all(|(path, print)| {
            *print != Fingerprint::Unreadable && fingerprint(path, kind_of(print)).0 == *print
        });
    unchanged.then_some(entry.plan)
}

fn kind_of(print: &Fingerprint) -> Kind {
    match print {
        Fingerprint::Content(_) => Kind::Content,
        Fingerprint::Listing(_) => Kind::Listing,
        // A missing path is checked for existence only: any kind will do.
        Fingerprint::Missing | Fingerprint::Unreadable | Fingerprint::Stat { .. } => Kind::Stat,
    }
}

fn write_atomically(file: &Path, entry: &Entry) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let staging = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&staging, serde_json::to_vec(entry)?)?;
    std::fs::rename(&staging, file)
}

/// Environment variables Cargo, rustc's proxy or rustup read while planning.
fn read_by_cargo(name: &str) -> bool {
    ["CARGO", "RUST", "__CARGO"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || ["PATH", "HOME"].contains(&name)
}

/// What names an entry: everything that is not a file.
fn invocation_key(options: &CargoOptions) -> String {
    let mut key = format!("{FORMAT}\n{options:?}\n");
    let own_binary = std::env::current_exe().ok();
    if let Some(exe) = &own_binary {
        key.push_str(&format!("{:?}\n", fingerprint(exe, Kind::Stat).0));
    }
    key.push_str(&format!("{:?}\n", std::env::current_dir().ok()));
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .filter(|(name, _)| read_by_cargo(name))
        .collect();
    vars.sort();
    for (name, value) in vars {
        key.push_str(&format!("{name}={value}\n"));
    }
    short_hash(key.as_bytes())
}

fn home_dir(variable: &str, default: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(default)))
}

/// The first executable called `name` on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Every path whose change could change the plan, with how to fingerprint it.
fn inputs_of(plan: &BuildPlan) -> BTreeSet<(PathBuf, Kind)> {
    let mut dirs_above = BTreeSet::new();
    if let Ok(cwd) = std::env::current_dir() {
        dirs_above.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    dirs_above.extend(plan.workspace_root.ancestors().map(Path::to_path_buf));
    let mut stat = Vec::new();
    let mut listed = Vec::new();
    for package in plan.packages.values() {
        match &package.source {
            PackageSource::Registry { crate_file, .. } => stat.push(crate_file.clone()),
            PackageSource::Path | PackageSource::Git { .. } => {
                let dir = &package.manifest_dir;
                dirs_above.extend(dir.ancestors().map(Path::to_path_buf));
                // Cargo discovers targets (and glob members, always inside the workspace)
                // by listing these.
                let parent = dir.parent().filter(|p| p.starts_with(&plan.workspace_root));
                listed.extend(parent.map(Path::to_path_buf));
                listed.push(dir.clone());
                listed.push(dir.join("src"));
                for sub in ["src/bin", "examples", "tests", "benches"] {
                    listed.push(dir.join(sub));
                    listed.extend(subdirectories(&dir.join(sub)));
                }
            }
        }
    }
    let mut content = vec![plan.workspace_root.join("Cargo.lock")];
    for dir in &dirs_above {
        for file in [
            "Cargo.toml",
            ".cargo/config",
            ".cargo/config.toml",
            "rust-toolchain",
            "rust-toolchain.toml",
        ] {
            content.push(dir.join(file));
        }
    }
    if let Some(cargo_home) = home_dir("CARGO_HOME", ".cargo") {
        content.push(cargo_home.join("config"));
        content.push(cargo_home.join("config.toml"));
    }
    if let Some(rustup_home) = home_dir("RUSTUP_HOME", ".rustup") {
        content.push(rustup_home.join("settings.toml"));
    }
    let cargo = std::env::var_os("CARGO").map(PathBuf::from);
    stat.extend(cargo.or_else(|| on_path("cargo")));
    let rustc = std::env::var_os("RUSTC").map(PathBuf::from);
    stat.extend(rustc.or_else(|| on_path("rustc")));
    stat.push(plan.rustc_sysroot.join("bin/rustc"));
    stat.push(plan.rustc_sysroot.join("bin/cargo"));
    let content = content.into_iter().map(|path| (path, Kind::Content));
    let listed = listed.into_iter().map(|path| (path, Kind::Listing));
    content
        .chain(listed)
        .chain(stat.into_iter().map(|path| (path, Kind::Stat)))
        .collect()
}

fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .map(|entry| entry.path())
        .collect()
}

fn read_toml(path: &Path) -> Option<toml::Table> {
    toml::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Where Cargo will put the target dir, guessed without running it, with Cargo's
/// precedence: `--target-dir`, CARGO_TARGET_DIR, `build.target-dir` of the nearest config
/// (relative to the directory holding `.cargo`), `target` in the workspace root. A wrong
/// guess only misses the cache: an entry is valid wherever it is found.
fn target_dir_hint(options: &CargoOptions) -> Option<PathBuf> {
    if let Some(dir) = options.target_dir_flag() {
        return Some(dir);
    }
    let cwd = std::env::current_dir().ok()?;
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|dir| !dir.is_empty()) {
        return Some(cwd.join(dir));
    }
    let in_tree = cwd
        .ancestors()
        .map(|dir| (dir.to_path_buf(), dir.join(".cargo")));
    let in_home = home_dir("CARGO_HOME", ".cargo")
        .and_then(|home| Some((home.parent()?.to_path_buf(), home)));
    for (base, cargo_dir) in in_tree.chain(in_home) {
        let config = ["config", "config.toml"]
            .iter()
            .map(|name| cargo_dir.join(name))
            .find(|file| file.is_file());
        let target_dir = config.and_then(|file| read_toml(&file)).and_then(|config| {
            Some(
                config
                    .get("build")?
                    .get("target-dir")?
                    .as_str()?
                    .to_string(),
            )
        });
        if let Some(dir) = target_dir {
            return Some(base.join(dir));
        }
    }
    let manifest = match &options.manifest_path {
        Some(path) => cwd.join(path),
        None => cwd
            .ancestors()
            .map(|dir| dir.join("Cargo.toml"))
            .find(|file| file.is_file())?,
    };
    let package_dir = manifest.parent()?;
    let workspace_root = package_dir
        .ancestors()
        .find(|dir| read_toml(&dir.join("Cargo.toml")).is_some_and(|m| m.contains_key("workspace")))
        .unwrap_or(package_dir);
    Some(workspace_root.join("target"))
}
