//! `libnix-tui check`: Cargo's check units through Nix (metadata only), rustc's
//! diagnostics shown as Cargo shows them, replayed for units already in the store, and
//! Cargo's exit codes.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{append, copy_fixture, libnix_tui};

fn libnix_check(project: &Path, extra: &[&str]) -> Output {
    libnix_tui()
        .arg("check")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .args(extra)
        .output()
        .expect("run libnix-tui check")
}

fn cargo_check(project: &Path) -> Output {
    Command::new(env!("CARGO"))
        .arg("check")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", project.join("target/cargo"))
        .output()
        .expect("run cargo check")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The lines of rustc's diagnostics both tools print: from the first `warning`/`error`
/// line of a diagnostic to its end.
fn diagnostic_lines(text: &str, header: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.starts_with(header)) else {
        return Vec::new();
    };
    lines[start..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn warnings_are_shown_as_cargo_shows_them_also_when_cached() {
    let project = copy_fixture("verbs");
    append(
        &project.path().join("src/lib.rs"),
        "\nfn never_called() {}\n",
    );
    let ours = libnix_check(project.path(), &[]);
    let cargos = cargo_check(project.path());
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    assert_eq!(cargos.status.code(), Some(0));
    let header = "warning: function `never_called` is never used";
    let expected = diagnostic_lines(&stderr(&cargos), header);
    assert!(
        !expected.is_empty(),
        "cargo shows the warning: {}",
        stderr(&cargos)
    );
    assert_eq!(diagnostic_lines(&stderr(&ours), header), expected);
    assert!(
        stderr(&ours).contains("warning: `calc` (lib) generated 1 warning"),
        "{}",
        stderr(&ours)
    );

    // Nothing changed: every unit is in the store, and the warning is replayed.
    let again = libnix_check(project.path(), &[]);
    assert!(stderr(&again).contains("0 built"), "{}", stderr(&again));
    assert_eq!(diagnostic_lines(&stderr(&again), header), expected);
}

#[test]
fn an_error_fails_with_cargos_exit_code_and_rustcs_message() {
    let project = copy_fixture("verbs");
    append(
        &project.path().join("src/lib.rs"),
        "\npub fn wrong() -> u32 { \"text\" }\n",
    );
    let ours = libnix_check(project.path(), &[]);
    let cargos = cargo_check(project.path());
    assert_eq!(cargos.status.code(), Some(101));
    assert_eq!(
        ours.status.code(),
        cargos.status.code(),
        "{}",
        stderr(&ours)
    );
    assert!(
        stderr(&ours).contains("error[E0308]: mismatched types"),
        "{}",
        stderr(&ours)
    );
}

#[test]
fn check_builds_metadata_only() {
    let project = copy_fixture("verbs");
    let run = common::build_with(project.path(), &[], |command| {
        // `build_with` runs `build`: make it `check` instead.
        let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
        *command = libnix_tui();
        command.arg("check").args(args.into_iter().skip(1));
    });
    assert!(run.output.status.success(), "{}", run.stderr());
    let kinds: Vec<String> = run
        .outcomes()
        .into_iter()
        .map(|(_, kind, _)| kind)
        .collect();
    assert_eq!(kinds, ["check", "check"], "the lib and the bin, checked");
}
