//! `export` with a published source: the build system travels without the checkout, built
//! by a bare Nix in host mode and evaluated in nixpkgs mode (against the stand-in).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert_success(&output, what);
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The project as a release tarball in `release_dir` (as `git archive` would make it):
/// its `file://` URL and its hash as Nix wants it.
fn publish_tarball(project: &Path, release_dir: &Path) -> (String, String) {
    let tarball = release_dir.join("project.tar.gz");
    let parent = project.parent().expect("project has a parent");
    let name = project.file_name().expect("project has a name");
    run(
        Command::new("tar")
            .arg("-czf")
            .arg(&tarball)
            .arg("--exclude=target")
            .arg("-C")
            .arg(parent)
            .arg(name),
        "tar",
    );
    let url = format!("file://{}", tarball.display());
    let hash = run(
        Command::new("nix-prefetch-url").args(["--unpack", &url]),
        "nix-prefetch-url",
    );
    (url, hash)
}

fn export(project: &Path, extra: &[&str]) -> Output {
    libnix_tui()
        .arg("export")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .args(extra)
        .output()
        .expect("run libnix-tui export")
}

/// Host mode's Nix options, as the engine passes them (root without a daemon here).
fn host_nix_build(dir: &Path, result: &Path) -> Output {
    Command::new("nix-build")
        .arg(dir)
        .args(["-A", "target", "-o"])
        .arg(result)
        .args(["--option", "sandbox", "false"])
        .args(["--option", "build-users-group", ""])
        .args(["--option", "substituters", ""])
        .output()
        .expect("run nix-build")
}

/// Export `fixture` as an archive with a published tarball as its source, unpack it in an
/// unrelated directory, delete the workspace, build it in host mode: `bin` prints what
/// Cargo's build of it prints.
fn exported_archive_builds_like_cargo_without_the_workspace(fixture: &str, bin: &str) {
    let project = copy_fixture(fixture);
    let release = tempfile::tempdir().expect("release dir");
    let (url, hash) = publish_tarball(project.path(), release.path());
    let cargo_output = run_cargo_built(project.path(), bin);

    let archive = release.path().join("app-nix.tar.gz");
    let exported = export(
        project.path(),
        &[
            "--toolchain",
            "host",
            "--url",
            &url,
            "--hash",
            &hash,
            "--archive",
            archive.to_str().expect("utf-8 path"),
        ],
    );
    assert_success(&exported, "export --archive");
    let workspace = project.path().display().to_string();
    drop(project);

    let elsewhere = tempfile::tempdir().expect("unrelated dir");
    run(
        Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(elsewhere.path()),
        "unpacking the archive",
    );
    let build_system = elsewhere.path().join("app-nix");
    let plan = std::fs::read_to_string(build_system.join("plan.json")).expect("plan.json");
    assert!(
        !plan.contains(&workspace),
        "the exported plan names the checkout {workspace}"
    );
    let result = elsewhere.path().join("result");
    let build = host_nix_build(&build_system, &result);
    assert_success(&build, "nix-build of the export");
    let output = run(
        &mut Command::new(result.join("bin").join(bin)),
        "the exported binary",
    );
    assert_eq!(output, cargo_output.trim());
}

#[test]
fn an_exported_archive_of_a_workspace_builds_without_it() {
    exported_archive_builds_like_cargo_without_the_workspace("workspace", "app");
}

/// crates.io crates come from the store (seeded by earlier builds) or Cargo's cache.
#[test]
fn an_exported_archive_with_crates_io_dependencies_builds_without_the_workspace() {
    exported_archive_builds_like_cargo_without_the_workspace("crates-io", "crates-io-demo");
}

/// The same archive twice: byte for byte, whatever the time, so a release asset's hash is
/// stable.
#[test]
fn the_archive_is_reproducible() {
    let project = copy_fixture("workspace");
    let out = tempfile::tempdir().expect("out dir");
    let source = [
        "--url",
        "https://example.org/app-1.0.tar.gz",
        "--hash",
        "0srjwf1lx9pl9ikm83c7z7swqqf8xjjbk50jscw1s5h1jyn7s9l2",
    ];
    let archive = |name: &str| -> Vec<u8> {
        let path = out.path().join(name).join("app-nix.tar.gz");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let mut args = source.to_vec();
        args.extend(["--archive", path.to_str().expect("utf-8 path")]);
        assert_success(&export(project.path(), &args), "export --archive");
        std::fs::read(&path).expect("read the archive")
    };
    let first = archive("first");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(first, archive("second"));
}

/// A git commit of a monorepo (the workspace in `ws/`) as the source, in nixpkgs mode: both
/// entry points evaluate, the flake's with its own rustc.
#[test]
fn a_git_export_evaluates_in_nixpkgs_mode_and_a_flake_can_bring_its_rustc() {
    let repo = tempfile::tempdir().expect("repository dir");
    let workspace = repo.path().join("ws");
    run(
        Command::new("cp")
            .arg("-r")
            .arg(fixture("workspace"))
            .arg(&workspace),
        "copying the fixture",
    );
    let git = |args: &[&str]| {
        run(
            Command::new("git")
                .args(["-c", "user.name=test", "-c", "user.email=test@example.org"])
                .arg("-C")
                .arg(repo.path())
                .args(args),
            "git",
        )
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "release"]);
    let rev = git(&["rev-parse", "HEAD"]);
    let url = format!("file://{}", repo.path().display());
    let out = tempfile::tempdir().expect("out dir");
    let out_dir = out.path().join("nix-build-system");
    let exported = export(
        &workspace,
        &[
            "--toolchain",
            "nixpkgs",
            "--git",
            &url,
            "--rev",
            &rev,
            "--subdir",
            "ws",
            "--out-dir",
            out_dir.to_str().expect("utf-8 path"),
        ],
    );
    assert_success(&exported, "export --git");

    let instantiated = with_stand_in_nixpkgs(
        Command::new("nix-instantiate")
            .arg(&out_dir)
            .args(["-A", "target"]),
    )
    .output()
    .expect("run nix-instantiate");
    assert_success(&instantiated, "nix-instantiate of the export");

    let flake_call = format!(
        "map (unit: unit.RUSTC) (builtins.attrValues (import {}/build.nix {{ \
           pkgs = import <nixpkgs> {{ }}; \
           rustc = derivation {{ name = \"overlay-rustc\"; system = builtins.currentSystem; builder = \"/bin/sh\"; }}; \
         }}).units)",
        out_dir.display()
    );
    let output = with_stand_in_nixpkgs(
        Command::new("nix-instantiate")
            .args([
                "--eval",
                "--strict",
                "--json",
                "--read-write-mode",
                "--expr",
            ])
            .arg(&flake_call),
    )
    .output()
    .expect("run nix-instantiate --eval");
    assert_success(&output, "evaluating build.nix as a flake would");
    let rustcs: Vec<String> = serde_json::from_slice(&output.stdout).expect("a JSON list");
    assert!(!rustcs.is_empty());
    assert!(
        rustcs
            .iter()
            .all(|rustc| rustc.ends_with("-overlay-rustc/bin/rustc")),
        "{rustcs:?}"
    );
}

fn generated_files(dir: &Path) -> Vec<PathBuf> {
    ["default.nix", "build.nix", "plan.json", "source.json"]
        .iter()
        .map(|name| dir.join(name))
        .collect()
}

/// `export --out-dir .` in a project with its own nix/default.nix: refused, naming the
/// file, and nothing written; once the user's file is gone, a re-export replaces only its
/// own files.
#[test]
fn export_into_the_workspace_never_replaces_the_users_files() {
    let project = copy_fixture("workspace");
    let users_file = project.path().join("nix/default.nix");
    let users_other_file = project.path().join("nix/shell.nix");
    std::fs::create_dir_all(users_file.parent().expect("nix dir")).expect("mkdir nix");
    std::fs::write(&users_file, "{ }: \"the user's own\"\n").expect("write the user's file");
    std::fs::write(&users_other_file, "{ }: \"also the user's\"\n").expect("write");

    let export_here = || {
        libnix_tui()
            .current_dir(project.path())
            .args(["export", "--out-dir", "."])
            .output()
            .expect("run libnix-tui export")
    };
    let refused = export_here();
    assert!(
        !refused.status.success(),
        "the user's nix/default.nix was overwritten"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&users_file.display().to_string()),
        "the refusal does not name the file: {stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&users_file).expect("read"),
        "{ }: \"the user's own\"\n"
    );
    for file in generated_files(project.path()) {
        assert!(!file.exists(), "{} was written anyway", file.display());
    }

    std::fs::remove_file(&users_file).expect("the user moves their file");
    for attempt in ["first", "second"] {
        let exported = export_here();
        assert_success(&exported, &format!("{attempt} export into the workspace"));
    }
    assert_eq!(
        std::fs::read_to_string(&users_other_file).expect("read"),
        "{ }: \"also the user's\"\n"
    );
    let instantiated = with_stand_in_nixpkgs(
        Command::new("nix-instantiate")
            .arg(project.path())
            .args(["-A", "target"]),
    )
    .output()
    .expect("run nix-instantiate");
    assert_success(
        &instantiated,
        "nix-instantiate of the export in the workspace",
    );
}
