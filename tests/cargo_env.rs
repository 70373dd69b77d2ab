//! The environment Cargo gives a build script's run and rustc, against libnix-tui's: the
//! fixture's build script dumps every documented variable and its binary prints them with
//! what rustc saw through env!/option_env!. Store paths and target/ paths differ by design;
//! the fixture prints those normalized (file names, "absolute true", "parallel true").

mod common;

use std::process::Command;

use common::*;

#[test]
fn build_script_and_rustc_see_the_environment_cargo_gives() {
    let project = copy_fixture("cargo-env");
    let run = build(project.path(), &[]);
    assert!(run.output.status.success(), "{}", run.stderr());
    let nix = run_nix_built(project.path(), "env-probe");
    let cargo = run_cargo_built(project.path(), "env-probe");
    assert!(cargo.contains("CARGO_CFG_FEATURE=alpha,default"), "{cargo}");
    let only_in = |a: &str, b: &str| -> Vec<String> {
        a.lines()
            .filter(|line| !b.lines().any(|other| other == *line))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        (only_in(&cargo, &nix), only_in(&nix, &cargo)),
        (vec![], vec![]),
        "(lines only Cargo printed, lines only libnix-tui's build printed)"
    );
}

/// The fixture's `probe` lines: what its tests were compiled with, sorted.
fn probe_lines(stdout: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(stdout)
        .lines()
        .filter(|line| line.starts_with("probe "))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[test]
fn integration_tests_get_a_target_tmpdir_as_cargo_gives_it() {
    let project = copy_fixture("cargo-env");
    let cargo = cargo_test(project.path(), &["--", "--nocapture"]);
    assert!(
        cargo.status.success(),
        "{}",
        String::from_utf8_lossy(&cargo.stderr)
    );
    let expected = probe_lines(&cargo.stdout);
    assert_eq!(expected.len(), 5, "{expected:?}");
    assert!(
        expected.contains(&"probe integration CARGO_TARGET_TMPDIR is writable: true".to_string())
    );

    let ours = libnix_test(project.path(), &["--", "--nocapture"]);
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert!(ours.status.success(), "{stderr}");
    assert_eq!(
        probe_lines(&ours.stdout),
        expected,
        "in the test run's builder"
    );

    // Run by hand, as `--no-run` offers it: the directory is there (made again when it
    // went, unless another run is using it).
    let _ = std::fs::remove_dir(libnix_tui::backend::emit::cargo_env::TARGET_TMPDIR);
    let no_run = libnix_test(project.path(), &["--no-run", "--test", "probe"]);
    let stderr = String::from_utf8_lossy(&no_run.stderr);
    assert!(no_run.status.success(), "{stderr}");
    let binary = stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("Executable tests/probe.rs ("))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no executable named: {stderr}"));
    let by_hand = Command::new(binary)
        .arg("--nocapture")
        .output()
        .expect("run the test binary");
    assert!(by_hand.status.success());
    let integration: Vec<String> = expected
        .into_iter()
        .filter(|line| line.starts_with("probe integration"))
        .collect();
    assert_eq!(probe_lines(&by_hand.stdout), integration, "run by hand");
}
