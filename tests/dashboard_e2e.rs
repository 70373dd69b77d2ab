//! The dashboard end to end: the real binary in a tmux pane, real Nix, a private copy of the
//! demo project. Everything is read from the screen, as a user would.

mod common;

use std::path::Path;
use std::time::Duration;

use common::tmux::{Pane, header, open_dashboard, quoted};
use common::*;

/// Planning a cold project fetches crates and instantiates every unit.
const PLANNING: Duration = Duration::from_secs(300);
/// The first build of the demo on an empty store takes about a minute on two cores.
const FIRST_BUILD: Duration = Duration::from_secs(300);
const REBUILD: Duration = Duration::from_secs(180);
const KEYPRESS: Duration = Duration::from_secs(20);

/// The line the editor writes for openssl-sys once both packages are added.
const FIXED_ENTRY: &str = r#""openssl-sys" = [ pkg-config openssl ];"#;

/// One dashboard at a time: run beside the others, which build the same demo through the
/// same store, the follow-mode test lost the moments it looks for.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The line of counts under the header.
fn counts(screen: &str) -> &str {
    screen.lines().nth(1).unwrap_or_default()
}

/// The screen lines below the first one containing `title`.
fn below(screen: &str, title: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines
        .iter()
        .position(|line| line.contains(title))
        .unwrap_or_else(|| panic!("no “{title}” on the screen:\n{screen}"));
    lines[start + 1..].join("\n")
}

/// From a fresh start to openssl-sys's failed build script selected, with its diagnosis and
/// log on the screen.
fn build_until_openssl_fails(pane: &Pane) {
    pane.wait_for_phase("Ready", "Failed", PLANNING);
    pane.press("b");
    pane.wait_for_phase("Failed", "Finished", FIRST_BUILD);
    pane.wait_drawn("only openssl-sys's build script failed", |screen| {
        counts(screen).contains("✘ 1 failed")
    });

    pane.press("f");
    // The diagnosis, the log title and the log arrive in one frame, but a capture can catch
    // half of it: everything looked at is waited for.
    pane.wait(
        "openssl-sys's build-script run selected, its diagnosis with the fix and its log",
        KEYPRESS,
        |screen| {
            screen.contains("OpenSSL not found (openssl-sys)")
                && screen.contains(r#"fix: deps."openssl-sys" = [ pkg-config openssl ];"#)
                && openssl_build_script_failed(screen)
                && below(screen, "build-script run ✘ failed")
                    .contains("failed to run custom build command for `openssl-sys")
        },
        |_| false,
    );
}

/// Whether a line (the log pane's title) shows openssl-sys's build-script run as failed.
fn openssl_build_script_failed(screen: &str) -> bool {
    screen
        .lines()
        .any(|line| line.contains("openssl-sys") && line.contains("build-script run ✘ failed"))
}

/// Rebuilds what the last edit offers (`r`) and checks that everything builds.
fn rebuild_until_finished(pane: &Pane) {
    pane.press("r");
    // The header still says Failed until the new build starts; a Failed after that is real.
    let left_failed = std::cell::Cell::new(false);
    pane.wait(
        "the rebuild to finish",
        REBUILD,
        |screen| header(screen).contains("Finished"),
        |screen| {
            let failed = header(screen).contains("Failed");
            if !failed {
                left_failed.set(true);
            }
            failed && left_failed.get()
        },
    );
    pane.wait_drawn(
        "nothing failed or skipped, and the notice says so",
        |screen| {
            counts(screen).contains("✘ 0 failed")
                && counts(screen).contains("⊘ 0 skipped")
                && screen.contains("Build finished")
        },
    );
}

/// Quits with `q` and checks that the process exited cleanly and gave the terminal back.
fn quit_and_check_terminal(pane: &Pane) {
    pane.press("q");
    let screen = pane.wait_for("TTY=", KEYPRESS);
    assert!(screen.contains("EXIT=0"), "exit status:\n{screen}");
    assert!(screen.contains("TTY=cooked"), "raw mode left on:\n{screen}");
    assert!(
        !screen.contains("libnix-tui") && !screen.contains('╭'),
        "the dashboard is still drawn:\n{screen}"
    );
    assert_eq!(pane.format("alternate_on"), "0", "alternate screen left on");
    assert_eq!(pane.format("mouse_any_flag"), "0", "mouse capture left on");
}

fn assert_deps_file_has_the_fix(project: &Path) {
    let deps_file = std::fs::read_to_string(project.join("Cargo.dependencies.nix"))
        .unwrap_or_else(|e| panic!("read Cargo.dependencies.nix: {e}"));
    assert!(deps_file.contains(FIXED_ENTRY), "{deps_file}");
}

#[test]
fn fix_a_failed_crate_with_the_inline_editor_and_rebuild() {
    let _one_at_a_time = one_at_a_time();
    let project = copy_demo_without_deps();
    let pane = open_dashboard("editor", project.path(), &[], &[]);
    build_until_openssl_fails(&pane);

    pane.press("e");
    // The editor opens with "loading…" until the current entry is read.
    pane.wait(
        "the editor on openssl-sys's empty entry",
        KEYPRESS,
        |screen| {
            screen.contains("(no entry for this crate)")
                && screen.contains("Cargo.dependencies.nix · openssl-sys")
                && screen.contains("[add package]")
        },
        |_| false,
    );
    pane.type_text("pkg-config");
    pane.press("Enter");
    pane.wait_for("Saved: added pkg-config to openssl-sys", KEYPRESS);

    pane.press("e");
    pane.wait(
        "the editor on openssl-sys's entry with pkg-config",
        KEYPRESS,
        |screen| {
            screen.contains("deps (every version): pkg-config") && screen.contains("[add package]")
        },
        |_| false,
    );
    pane.type_text("openssl");
    pane.press("Enter");
    pane.wait_for("Saved: added openssl to openssl-sys", KEYPRESS);
    assert_deps_file_has_the_fix(project.path());

    rebuild_until_finished(&pane);
    quit_and_check_terminal(&pane);
}

#[test]
fn apply_the_diagnosed_fix_with_a_and_rebuild() {
    let _one_at_a_time = one_at_a_time();
    let project = copy_demo_without_deps();
    let pane = open_dashboard("apply", project.path(), &[], &[]);
    build_until_openssl_fails(&pane);

    pane.press("a");
    pane.wait_for("a again adds to Cargo.dependencies.nix", KEYPRESS);
    assert!(
        !project.path().join("Cargo.dependencies.nix").exists(),
        "the first a only previews"
    );
    pane.press("a");
    pane.wait_for("Saved:", KEYPRESS);
    assert_deps_file_has_the_fix(project.path());

    rebuild_until_finished(&pane);
    quit_and_check_terminal(&pane);
}

#[test]
fn closing_the_terminal_stops_the_build() {
    let _one_at_a_time = one_at_a_time();
    let project = slow_project();
    let script = format!(
        "unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR; exec {} tui --build {}",
        quoted(env!("CARGO_BIN_EXE_libnix-tui")),
        quoted(&project.path().display().to_string()),
    );
    let pane = Pane::start("hangup", &script);
    wait_until("the build script never started", 300, || {
        !processes_with("slow-0.1.0-build-script").is_empty()
    });
    // The terminal goes away: tmux sends SIGHUP to what runs in the pane.
    let _ = pane.tmux(&["kill-server"]);
    let project_path = project.path().display().to_string();
    wait_until("the build outlived the closed dashboard", 20, || {
        processes_with("slow-0.1.0-build-script").is_empty()
            && processes_with(&project_path).is_empty()
    });
}

/// Whether the log pane's title (beside the units pane's, at this width) shows a unit that
/// is building: the selected one.
fn log_shows_a_building_unit(screen: &str) -> bool {
    screen
        .lines()
        .any(|line| line.contains("╮╭") && line.contains("◐ building"))
}

#[test]
fn follow_mode_shows_a_building_unit_during_a_real_build() {
    let _one_at_a_time = one_at_a_time();
    let project = copy_demo_without_deps();
    // Every derivation new, so that units build now even when an earlier run built them.
    let salt = format!(
        "e2e-follow-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    );
    let pane = open_dashboard(
        "follow",
        project.path(),
        &[],
        &[("LIBNIX_TUI_REBUILD_SALT", &salt)],
    );
    pane.wait_for_phase("Ready", "Failed", PLANNING);
    pane.press("b");
    // Most likely while the engine plans again: follow mode waits for the build.
    pane.press("F");
    pane.wait(
        "follow mode on a building unit, with the running-now pane",
        FIRST_BUILD,
        |screen| {
            header(screen).contains("FOLLOW")
                && log_shows_a_building_unit(screen)
                && screen.contains("Running now (")
        },
        |screen| header(screen).contains("Failed") || header(screen).contains("Finished"),
    );

    pane.wait_for_phase("Failed", "Finished", FIRST_BUILD);
    pane.wait_drawn(
        "follow mode ended by the failure, stopped on openssl-sys's build-script run",
        |screen| !header(screen).contains("FOLLOW") && openssl_build_script_failed(screen),
    );
    quit_and_check_terminal(&pane);
}

#[test]
fn t_runs_the_tests_and_f_shows_a_failing_test_runs_output() {
    let _one_at_a_time = one_at_a_time();
    // A lib, a bin and integration tests; `failing` has a test that fails.
    let project = copy_fixture("verbs");
    let pane = open_dashboard("tests", project.path(), &[], &[]);
    pane.wait_for_phase("Ready", "Failed", PLANNING);
    pane.press("T");
    // Failing tests are a result: the runs succeed, the build finishes.
    pane.wait(
        "the test runs' results summed up",
        FIRST_BUILD,
        |screen| {
            header(screen).contains("Finished")
                && header(screen).contains("tests ")
                && screen.contains("Tests failed:")
        },
        |screen| header(screen).contains("Failed"),
    );
    pane.press("f");
    pane.wait(
        "a failed test run selected, its harness output in the log pane",
        KEYPRESS,
        |screen| {
            screen
                .lines()
                .any(|line| line.contains("╮╭") && line.contains("test run") && line.contains("✘"))
                && screen.contains("test result: FAILED")
        },
        |_| false,
    );
    quit_and_check_terminal(&pane);
}
