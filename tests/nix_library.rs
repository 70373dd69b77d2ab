//! The static Nix library's own unit tests (nix/tests/*.nix, one file per library file),
//! run by real Nix: without nix-instantiate they fail.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::nix_eval_json;

fn nix_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("nix")
}

/// Evaluates nix/tests/`name`.nix: the list of its failed tests must be empty.
fn assert_nix_tests_pass(name: &str) {
    let file = nix_dir().join("tests").join(format!("{name}.nix"));
    let failed: Vec<String> = nix_eval_json([OsStr::new("--read-write-mode"), file.as_os_str()]);
    assert!(
        failed.is_empty(),
        "failed Nix tests in {name}.nix: {failed:?}"
    );
}

#[test]
fn overrides_semantics() {
    assert_nix_tests_pass("overrides");
}

#[test]
fn plan_to_derivations() {
    assert_nix_tests_pass("default");
}

#[test]
fn deps_file_checker() {
    assert_nix_tests_pass("check");
}

/// An environment variable name no process can hold is reported with its position, its
/// crate and its name.
#[test]
fn deps_file_checker_names_the_crate_and_variable_of_an_invalid_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("Cargo.dependencies.nix");
    std::fs::write(
        &file,
        "{ pkgs }: {\n  envs.\"odd-crate\" = {\n    \"BAD=NAME\" = \"x\";\n  };\n}\n",
    )
    .expect("write deps file");
    let output = Command::new("nix-instantiate")
        .args(["--eval", "--strict"])
        .arg(nix_dir().join("check.nix"))
        .args(["--arg", "pkgs", "{ }", "--argstr", "file"])
        .arg(&file)
        .output()
        .expect("run nix-instantiate");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "{}:3:5: envs.\"odd-crate\".\"BAD=NAME\": not a valid environment variable name",
        file.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
}
