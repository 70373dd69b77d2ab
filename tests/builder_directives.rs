//! Build-script directives through the real builder (nix/builder.sh) and real Nix, compared
//! with what Cargo makes of the same fixture (tests/fixtures/directives).

mod common;

use std::path::Path;

use common::*;

fn built_file(project: &Path, relative: &str) -> Vec<u8> {
    let path = project.join("target/libnix/debug").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Fails with Nix's stderr and the failed units' logs unless the build succeeded.
fn assert_built(run: &BuildRun) {
    let failed_logs: Vec<String> = run
        .messages
        .iter()
        .filter(|m| m["status"] == "failed")
        .map(|m| m["log"].to_string())
        .collect();
    assert!(
        run.output.status.success(),
        "{}\n{}",
        run.stderr(),
        failed_logs.join("\n")
    );
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// `cargo:rustc-env` sets the variable for rustc only: PATH, out and RUSTC of the builder
/// stay its own, and a name that is no shell identifier is passed as it is.
#[test]
fn rustc_env_of_a_build_script_is_set_for_rustc_only() {
    let project = copy_fixture("directives");
    let run = build(project.path(), &["-p", "envs-report"]);
    assert_built(&run);
    let nix = run_nix_built(project.path(), "envs-report");
    assert!(
        nix.starts_with("PATH=/nonexistent out=x RUSTC=/nonexistent/rustc ODD-NAME.X=odd value\n"),
        "{nix}"
    );
    assert_eq!(
        nix.lines().next(),
        run_cargo_built(project.path(), "envs-report")
            .lines()
            .next()
    );
}
