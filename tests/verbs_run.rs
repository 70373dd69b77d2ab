//! `libnix-tui run`: the binary Cargo would run, built through Nix, run with the user's
//! arguments, stdin and stdout; its exit status passes through.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{copy_fixture, libnix_tui};

fn run(tool: Command, project: &Path, args: &[&str], stdin: &str) -> Output {
    let mut command = tool;
    command
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .arg("--")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn libnix_run(project: &Path, args: &[&str], stdin: &str) -> Output {
    let mut command = libnix_tui();
    command.arg("run");
    run(command, project, args, stdin)
}

fn cargo_run(project: &Path, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["run", "-q"])
        .env("CARGO_TARGET_DIR", project.join("target/cargo"));
    run(command, project, args, stdin)
}

#[test]
fn run_passes_arguments_stdin_stdout_and_the_exit_status_as_cargo_run() {
    let project = copy_fixture("verbs");
    for (args, stdin) in [
        (&["add", "2", "40"][..], ""),
        (&[][..], ""),
        (&["echo"][..], "from stdin\n"),
        (&["exit", "7"][..], ""),
    ] {
        let ours = libnix_run(project.path(), args, stdin);
        let cargos = cargo_run(project.path(), args, stdin);
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&cargos.stdout),
            "stdout of run {args:?}; stderr: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        assert_eq!(ours.status.code(), cargos.status.code(), "exit of {args:?}");
    }
    let seven = libnix_run(project.path(), &["exit", "7"], "");
    assert_eq!(seven.status.code(), Some(7));
}

#[test]
fn run_builds_only_what_the_binary_needs_and_says_which_binary_cargo_would_not_pick() {
    let project = copy_fixture("workspace");
    let output = libnix_run(project.path(), &[], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("HELLO, NIX"), "{stdout}");
    // `app` is the default member: the other members' own targets are not planned.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Planned 9 units"), "{stderr}");

    let mut command = libnix_tui();
    command.args(["run", "--bin", "no-such-bin"]);
    let missing = run(command, project.path(), &[], "");
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no bin target named `no-such-bin`"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

#[test]
fn cargo_libnix_runs_tests_and_checks_as_a_cargo_subcommand() {
    let project = copy_fixture("verbs");
    let cargo_libnix = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-libnix"));
        command.env_remove("CARGO_TARGET_DIR").arg("libnix");
        command
    };
    let mut run_command = cargo_libnix();
    run_command.arg("run");
    let ran = run(run_command, project.path(), &["add", "1", "2"], "");
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "3\n");

    let manifest = project.path().join("Cargo.toml");
    let tested = cargo_libnix()
        .args(["test", "--lib", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("cargo-libnix test");
    assert!(
        tested.status.success(),
        "{}",
        String::from_utf8_lossy(&tested.stderr)
    );
    assert!(String::from_utf8_lossy(&tested.stdout).contains("test tests::adds ... ok"));

    let checked = cargo_libnix()
        .args(["check", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("cargo-libnix check");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}
