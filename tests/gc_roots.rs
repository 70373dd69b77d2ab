//! The unit outputs of a profile's latest build survive a Nix GC, and `clean` lets them go.
//!
//! Every test collects garbage in a private chroot store (`--store DIR`), never in
//! /nix/store, which other tests and sessions share.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{BuildRun, append, build, copy_fixture, libnix_tui, unique_salt};

/// A private Nix store, and the flags that build host-mode units into it: its builders run
/// chrooted, so they need the host toolchain's directories mounted.
struct PrivateStore {
    dir: tempfile::TempDir,
}

impl PrivateStore {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("libnix-gc-store-")
            .tempdir()
            .expect("temp dir");
        PrivateStore { dir }
    }

    fn url(&self) -> String {
        self.dir.path().display().to_string()
    }

    fn build_flags(&self) -> Vec<String> {
        let home = PathBuf::from(std::env::var("HOME").expect("HOME"));
        let toolchain_dirs = [
            std::env::var("CARGO_HOME").map_or_else(|_| home.join(".cargo"), PathBuf::from),
            std::env::var("RUSTUP_HOME").map_or_else(|_| home.join(".rustup"), PathBuf::from),
        ];
        let sandbox_paths: Vec<String> = ["/usr", "/bin", "/lib", "/lib64", "/etc"]
            .iter()
            .map(PathBuf::from)
            .chain(toolchain_dirs)
            .filter(|path| path.exists())
            .map(|path| path.display().to_string())
            .collect();
        vec![
            "--toolchain".into(),
            "host".into(),
            "--store".into(),
            self.url(),
            "--option".into(),
            "extra-sandbox-paths".into(),
            sandbox_paths.join(" "),
        ]
    }

    fn build(&self, project: &Path, extra: &[&str]) -> BuildRun {
        let flags = self.build_flags();
        let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
        args.extend(extra);
        build(project, &args)
    }

    fn collect_garbage(&self) {
        let output = Command::new("nix-store")
            .args(["--store", &self.url(), "--gc"])
            .output()
            .expect("run nix-store --gc");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn is_valid(&self, path: &Path) -> bool {
        Command::new("nix-store")
            .args(["--store", &self.url(), "--check-validity"])
            .arg(path)
            .output()
            .expect("run nix-store --check-validity")
            .status
            .success()
    }
}

/// The store paths the GC roots of `profile` point at.
fn rooted_outputs(project: &Path, profile: &str) -> Vec<PathBuf> {
    let dir = project.join("target/libnix/gcroots").join(profile);
    let mut outputs = Vec::new();
    for build_dir in std::fs::read_dir(&dir).expect("gcroots dir").flatten() {
        for link in std::fs::read_dir(build_dir.path())
            .expect("roots")
            .flatten()
        {
            outputs.push(std::fs::read_link(link.path()).expect("a root is a symlink"));
        }
    }
    outputs.sort();
    outputs
}

fn clean(project: &Path, extra: &[&str]) {
    let output = libnix_tui()
        .arg("clean")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .args(extra)
        .output()
        .expect("run libnix-tui clean");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn is_named_for(path: &Path, package: &str) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.split_once('-'))
        .is_some_and(|(_, rest)| rest.starts_with(&format!("{package}-0")))
}

#[test]
fn unit_outputs_survive_a_gc_and_a_root_edit_rebuilds_only_the_root() {
    let store = PrivateStore::new();
    let project = copy_fixture("workspace");
    let first = store.build(project.path(), &[]);
    assert!(first.output.status.success(), "{}", first.stderr());
    let units = first.outcomes().len();
    assert_eq!(rooted_outputs(project.path(), "debug").len(), units);

    store.collect_garbage();
    for output in rooted_outputs(project.path(), "debug") {
        assert!(
            store.is_valid(&output),
            "{} was collected",
            output.display()
        );
    }
    let noop = store.build(project.path(), &[]);
    assert!(noop.output.status.success(), "{}", noop.stderr());
    assert_eq!(
        noop.with_status("cached").len(),
        units,
        "{:?}",
        noop.outcomes()
    );

    append(
        &project.path().join("app/src/main.rs"),
        &format!("\n// edited {}\n", unique_salt()),
    );
    let edited = store.build(project.path(), &[]);
    assert!(edited.output.status.success(), "{}", edited.stderr());
    let rebuilt = edited.with_status("built");
    assert!(
        rebuilt.contains(&("app".into(), "bin".into())),
        "{rebuilt:?}"
    );
    assert!(
        rebuilt.iter().all(|(package, _)| package == "app"),
        "a dependency was rebuilt after the GC: {rebuilt:?}"
    );
    // The previous build's roots were replaced, not kept next to the new ones.
    assert_eq!(rooted_outputs(project.path(), "debug").len(), units);
}

#[test]
fn after_clean_a_gc_deletes_the_unit_outputs_and_nothing_is_reported_cached() {
    let store = PrivateStore::new();
    let project = copy_fixture("workspace");
    let first = store.build(project.path(), &[]);
    assert!(first.output.status.success(), "{}", first.stderr());
    let outputs = rooted_outputs(project.path(), "debug");

    clean(project.path(), &[]);
    assert!(!project.path().join("target/libnix").exists());
    store.collect_garbage();
    for output in &outputs {
        assert!(!store.is_valid(output), "{} survived", output.display());
    }

    let again = store.build(project.path(), &[]);
    assert!(again.output.status.success(), "{}", again.stderr());
    assert!(
        again.with_status("cached").is_empty(),
        "{:?}",
        again.outcomes()
    );
}

#[test]
fn clean_of_one_package_lets_only_its_outputs_go() {
    let store = PrivateStore::new();
    let project = copy_fixture("workspace");
    let first = store.build(project.path(), &[]);
    assert!(first.output.status.success(), "{}", first.stderr());
    let outputs = rooted_outputs(project.path(), "debug");
    assert!(outputs.iter().any(|out| is_named_for(out, "greet")));

    clean(project.path(), &["-p", "greet"]);
    store.collect_garbage();
    for output in &outputs {
        // greet-macros is another package: its outputs stay.
        let greets = is_named_for(output, "greet");
        assert_eq!(store.is_valid(output), !greets, "{}", output.display());
    }

    let again = store.build(project.path(), &[]);
    assert!(again.output.status.success(), "{}", again.stderr());
    assert_eq!(
        again.with_status("built"),
        vec![("greet".to_string(), "lib".to_string())],
        "{:?}",
        again.outcomes()
    );
}

#[test]
fn clean_of_one_profile_keeps_the_others() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        project.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("manifest");
    std::fs::create_dir(project.path().join("src")).expect("src");
    std::fs::write(project.path().join("src/main.rs"), "fn main() {}\n").expect("main");
    let libnix = project.path().join("target/libnix");
    for profile in ["debug", "release"] {
        std::fs::create_dir_all(libnix.join("gcroots").join(profile).join("b")).expect("roots");
        std::fs::create_dir_all(libnix.join(profile).join("bin")).expect("outputs");
    }

    clean(project.path(), &["--release"]);
    assert!(!libnix.join("gcroots/release").exists());
    assert!(!libnix.join("release").exists());
    assert!(libnix.join("gcroots/debug/b").exists());
    assert!(libnix.join("debug/bin").exists());
}
