//! Helpers for the integration tests: fixture copies, real `libnix-tui` runs, Cargo runs.
#![allow(dead_code)]

pub mod loopback;
pub mod tmux;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::Value;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A private copy of a fixture project (without its target dir), so tests can edit it.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    copy_project(&fixture(name))
}

/// A private copy of any project directory, without its target dir.
pub fn copy_project(source: &Path) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("libnix-test-")
        .tempdir()
        .expect("temp dir");
    copy_dir(source, dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy file");
        }
    }
}

/// A string no earlier run has seen, so an edit always makes new derivations.
pub fn unique_salt() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos}-{}", std::process::id())
}

pub fn append(path: &Path, text: &str) {
    let mut content = std::fs::read_to_string(path).expect("read file");
    content.push_str(text);
    std::fs::write(path, content).expect("write file");
}

pub struct BuildRun {
    pub output: Output,
    /// The `--message-format json` lines.
    pub messages: Vec<Value>,
}

impl BuildRun {
    /// A finished libnix-tui command run with `--message-format json`.
    pub fn of(output: Output) -> BuildRun {
        let messages = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        BuildRun { output, messages }
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// `(package, target kind, status)` of every finished unit.
    pub fn outcomes(&self) -> Vec<(String, String, String)> {
        self.messages
            .iter()
            .filter(|m| m["reason"] == "unit-finished")
            .map(|m| {
                (
                    m["package"].as_str().unwrap_or_default().to_string(),
                    m["target_kind"].as_str().unwrap_or_default().to_string(),
                    m["status"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    pub fn with_status(&self, status: &str) -> Vec<(String, String)> {
        self.outcomes()
            .into_iter()
            .filter(|(_, _, s)| s == status)
            .map(|(p, k, _)| (p, k))
            .collect()
    }

    pub fn finished(&self) -> &Value {
        self.messages
            .iter()
            .find(|m| m["reason"] == "build-finished")
            .expect("a build-finished message")
    }
}

pub fn libnix_tui() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_libnix-tui"));
    // The projects under test keep their own target dirs, whatever the test runner uses.
    command.env_remove("CARGO_TARGET_DIR");
    command
}

/// `libnix-tui test` on `project` with `extra` flags (test arguments after `--`).
pub fn libnix_test(project: &Path, extra: &[&str]) -> Output {
    libnix_tui()
        .arg("test")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .args(extra)
        .output()
        .expect("run libnix-tui test")
}

/// `cargo test` on `project`, into its own target dir, with `extra` flags.
pub fn cargo_test(project: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .arg("test")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .args(extra)
        .env("CARGO_TARGET_DIR", project.join("target/cargo"))
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run cargo test")
}

/// `libnix-tui build --message-format json` in `project`.
pub fn build(project: &Path, extra: &[&str]) -> BuildRun {
    build_with(project, extra, |_| {})
}

/// [`build`], with the command adjusted first (environment, working directory).
pub fn build_with(project: &Path, extra: &[&str], adjust: impl FnOnce(&mut Command)) -> BuildRun {
    let mut command = libnix_tui();
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .args(["--message-format", "json"])
        .args(extra);
    adjust(&mut command);
    BuildRun::of(command.output().expect("run libnix-tui"))
}

/// stdout of a binary built by libnix-tui into `target/libnix/debug/bin`.
pub fn run_nix_built(project: &Path, bin: &str) -> String {
    run_nix_built_profile(project, "debug", bin)
}

/// stdout of a binary built by libnix-tui into `target/libnix/<profile>/bin`.
pub fn run_nix_built_profile(project: &Path, profile: &str, bin: &str) -> String {
    let path = project
        .join("target/libnix")
        .join(profile)
        .join("bin")
        .join(bin);
    let output = Command::new(&path)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", path.display()));
    assert!(output.status.success(), "{} failed", path.display());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stdout of the same binary built and run by Cargo.
pub fn run_cargo_built(project: &Path, package: &str) -> String {
    run_cargo_built_with(project, package, &[])
}

/// stdout of the binary built and run by Cargo with extra `cargo run` flags.
pub fn run_cargo_built_with(project: &Path, package: &str, flags: &[&str]) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["run", "-q", "-p", package])
        .args(flags)
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", project.join("target/cargo"))
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `command` (libnix-tui or nix-build) against the stand-in of nixpkgs in
/// tests/fixtures/fake-nixpkgs, found on NIX_PATH. The stand-in builds with host tools, so
/// it needs what host mode needs: no sandbox, no build users, no substituters.
pub fn with_stand_in_nixpkgs(command: &mut Command) -> &mut Command {
    with_stand_in_nixpkgs_substituting(command).args(["--option", "substituters", ""])
}

/// [`with_stand_in_nixpkgs`], leaving Nix's substituters as they are.
pub fn with_stand_in_nixpkgs_substituting(command: &mut Command) -> &mut Command {
    stand_in_nixpkgs_env(command)
        .args(["--option", "sandbox", "false"])
        .args(["--option", "build-users-group", ""])
}

/// The environment of [`with_stand_in_nixpkgs`], without its Nix options.
pub fn stand_in_nixpkgs_env(command: &mut Command) -> &mut Command {
    let sysroot = rust_sysroot();
    command
        .env(
            "NIX_PATH",
            format!("nixpkgs={}", fixture("fake-nixpkgs").display()),
        )
        .env("LIBNIX_TEST_HOST_RUSTC", format!("{sysroot}/bin/rustc"))
        .env("LIBNIX_TEST_HOST_RUSTDOC", format!("{sysroot}/bin/rustdoc"))
        .env("LIBNIX_TEST_HOST_CARGO", format!("{sysroot}/bin/cargo"))
}

/// The host toolchain's sysroot, `rustc --print sysroot`.
pub fn rust_sysroot() -> String {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .expect("rustc --print sysroot");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The bundled demo project, as the dashboard opens it.
pub fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo")
}

/// A private copy of the demo project without its target dir and without any
/// Cargo.dependencies.nix, so openssl-sys fails until a test adds its native deps.
pub fn copy_demo_without_deps() -> tempfile::TempDir {
    let dir = copy_project(&demo());
    let deps_file = dir.path().join("Cargo.dependencies.nix");
    if deps_file.exists() {
        std::fs::remove_file(&deps_file).expect("remove the demo's Cargo.dependencies.nix");
    }
    dir
}

/// What `nix-instantiate --eval --strict --json` with `args` prints, parsed; a failed
/// evaluation fails the test with Nix's stderr.
pub fn nix_eval_json<T: DeserializeOwned>(args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> T {
    let output = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .args(args)
        .output()
        .expect("run nix-instantiate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("nix-instantiate's JSON")
}

/// The statuses of `unit-finished` events, each counted in `build-finished`.
pub const FINAL_STATUSES: [&str; 6] = [
    "built",
    "cached",
    "substituted",
    "failed",
    "skipped",
    "interrupted",
];

/// Every planned unit has exactly one `unit-finished` event, and `build-finished`'s counts
/// sum to the plan's units.
pub fn assert_counts_add_up(run: &BuildRun) {
    let finished = run.finished();
    let units = finished["units"].as_u64().expect("units in build-finished") as usize;
    let outcomes = run.outcomes();
    assert_eq!(
        outcomes.len(),
        units,
        "one unit-finished per unit: {outcomes:?}"
    );
    let mut keys: Vec<_> = run
        .messages
        .iter()
        .filter(|m| m["reason"] == "unit-finished")
        .map(|m| m["drv_path"].to_string())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), units, "a unit finished twice: {outcomes:?}");
    let counted: u64 = FINAL_STATUSES
        .iter()
        .map(|status| finished[*status].as_u64().expect("a count"))
        .sum();
    assert_eq!(counted as usize, units, "{finished}");
    for status in FINAL_STATUSES {
        let events = outcomes.iter().filter(|(_, _, s)| s == status).count();
        assert_eq!(finished[status], events as u64, "{status}: {finished}");
    }
}

/// A one-package project named `name` with this `build.rs` (if any) and `src/main.rs`.
pub fn one_package_project(name: &str, build_rs: Option<&str>, main_rs: &str) -> tempfile::TempDir {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(project.path().join("src")).expect("src dir");
    std::fs::write(
        project.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"
        ),
    )
    .expect("manifest");
    if let Some(build_rs) = build_rs {
        std::fs::write(project.path().join("build.rs"), build_rs).expect("build script");
    }
    std::fs::write(project.path().join("src/main.rs"), main_rs).expect("main");
    project
}

/// A project whose build script sleeps for two minutes.
pub fn slow_project() -> tempfile::TempDir {
    let marker = format!("libnix-slow-build-{}", unique_salt());
    one_package_project(
        "slow",
        Some(&format!(
            "fn main() {{ let _ = \"{marker}\"; std::thread::sleep(std::time::Duration::from_secs(120)); }}\n"
        )),
        "fn main() {}\n",
    )
}

/// Processes whose command line contains `needle` (other than this test).
pub fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) && entry.file_name() != std::process::id().to_string().as_str()
        {
            found.push(cmdline);
        }
    }
    found
}

pub fn wait_until(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `libnix-tui build` of `project` as a person reads it (piped, human format): its stderr.
pub fn human_build_stderr(project: &Path, extra: &[&str]) -> String {
    let output = libnix_tui()
        .arg("build")
        .args(extra)
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .output()
        .expect("run libnix-tui build");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `libnix-tui doctor` of `project`.
pub fn doctor(project: &Path) -> Output {
    libnix_tui()
        .args(["doctor", "--manifest-path"])
        .arg(project.join("Cargo.toml"))
        .output()
        .expect("run doctor")
}
