//! The dashboard end to end: the real binary in a tmux pane, real Nix, a private copy of the
//! demo project. Everything is read from the screen, as a user would.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// Planning a cold project fetches crates and instantiates every unit.
const PLANNING: Duration = Duration::from_secs(300);
/// The first build of the demo on an empty store takes about a minute on two cores.
const FIRST_BUILD: Duration = Duration::from_secs(300);
const REBUILD: Duration = Duration::from_secs(180);
const KEYPRESS: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(200);

/// The line the editor writes for openssl-sys once both packages are added.
const FIXED_ENTRY: &str = r#""openssl-sys" = [ pkg-config openssl ];"#;

/// A detached tmux session on a server of its own (its own socket in a private temp dir, no
/// user config), so tests running in parallel never see each other's panes. The server is
/// killed, and its socket removed, on drop.
struct Pane {
    socket_dir: tempfile::TempDir,
    session: String,
}

impl Pane {
    /// Runs `script` with `sh -c` in a new `WIDTH`x`HEIGHT` pane.
    fn start(name: &str, script: &str) -> Pane {
        let socket_dir = tempfile::Builder::new()
            .prefix("libnix-e2e-tmux-")
            .tempdir()
            .unwrap_or_else(|e| panic!("temp dir for the tmux socket: {e}"));
        let pane = Pane {
            socket_dir,
            session: name.to_owned(),
        };
        let (width, height) = (WIDTH.to_string(), HEIGHT.to_string());
        let output = pane.tmux(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &width,
            "-y",
            &height,
            "sh",
            "-c",
            script,
        ]);
        assert!(
            output.status.success(),
            "tmux could not start (scripts/setup.sh installs it): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        pane
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(self.socket_dir.path().join("socket"))
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run tmux (scripts/setup.sh installs it): {e}"))
    }

    fn screen(&self) -> String {
        let output = self.tmux(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Presses keys by their tmux names (`Enter`, `Escape`, `b`).
    fn press(&self, key: &str) {
        let output = self.tmux(&["send-keys", "-t", &self.session, key]);
        assert!(output.status.success(), "send-keys {key}");
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        let output = self.tmux(&["send-keys", "-t", &self.session, "-l", text]);
        assert!(output.status.success(), "send-keys -l {text}");
    }

    /// A tmux format variable of the pane, such as `alternate_on`.
    fn format(&self, variable: &str) -> String {
        let format = format!("#{{{variable}}}");
        let output = self.tmux(&["display-message", "-p", "-t", &self.session, &format]);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Polls the screen until `done` holds and returns it; panics with the last screen when
    /// `timeout` passes or `failed` holds first.
    fn wait(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&str) -> bool,
        failed: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if failed(&screen) {
                panic!("gave up waiting for {what}: the screen shows otherwise:\n{screen}");
            }
            if start.elapsed() > timeout {
                panic!("no {what} after {timeout:?}; the last screen:\n{screen}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the screen shows `text`.
    fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait(
            &format!("“{text}”"),
            timeout,
            |screen| screen.contains(text),
            |_| false,
        )
    }

    /// Waits until the header (the first line) shows `phase`; gives up early when it shows
    /// `instead`.
    fn wait_for_phase(&self, phase: &str, instead: &str, timeout: Duration) -> String {
        self.wait(
            &format!("phase “{phase}”"),
            timeout,
            |screen| header(screen).contains(phase),
            |screen| header(screen).contains(instead),
        )
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
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

/// Quotes `text` for `sh`.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Opens the dashboard on `project`. When it exits, the shell prints its exit status and
/// whether the terminal is still in raw mode, then waits to be read.
///
/// The project gets its own target dir, as a user's would: a `CARGO_TARGET_DIR` inherited
/// from `cargo test` would make the tests running at once share `libnix/plan.json`.
fn open_dashboard(name: &str, project: &Path) -> Pane {
    let script = format!(
        "unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR; \
         {} tui {}; echo EXIT=$?; \
         if stty -a | grep -Eq -- '(^| )-(icanon|echo)( |;|$)'; then echo TTY=raw; else echo TTY=cooked; fi; \
         sleep 600",
        quoted(env!("CARGO_BIN_EXE_libnix-tui")),
        quoted(&project.display().to_string()),
    );
    Pane::start(name, &script)
}

/// From a fresh start to openssl-sys's failed build script selected, with its diagnosis and
/// log on the screen.
fn build_until_openssl_fails(pane: &Pane) {
    pane.wait_for_phase("Ready", "Failed", PLANNING);
    pane.press("b");
    let screen = pane.wait_for_phase("Failed", "Finished", FIRST_BUILD);
    assert!(
        counts(&screen).contains("✘ 1 failed"),
        "only openssl-sys's build script fails:\n{screen}"
    );

    pane.press("f");
    let screen = pane.wait_for("OpenSSL not found (openssl-sys)", KEYPRESS);
    assert!(
        screen.contains(r#"fix: deps."openssl-sys" = [ pkg-config openssl ];"#),
        "the diagnosis suggests the fix:\n{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|line| line.contains("openssl-sys") && line.contains("build-script run ✘ failed")),
        "f selects openssl-sys's build-script run, whose log is titled so:\n{screen}"
    );
    let log = below(&screen, "build-script run ✘ failed");
    assert!(
        log.contains("failed to run custom build command for `openssl-sys"),
        "the failed unit's log is shown:\n{screen}"
    );
}

/// Rebuilds what the last edit offers (`r`) and checks that everything builds.
fn rebuild_until_finished(pane: &Pane) {
    pane.press("r");
    // The header still says Failed until the new build starts; a Failed after that is real.
    let left_failed = std::cell::Cell::new(false);
    let screen = pane.wait(
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
    assert!(
        counts(&screen).contains("✘ 0 failed") && counts(&screen).contains("⊘ 0 skipped"),
        "{screen}"
    );
    assert!(screen.contains("Build finished"), "{screen}");
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
    let project = copy_demo_without_deps();
    let pane = open_dashboard("editor", project.path());
    build_until_openssl_fails(&pane);

    pane.press("e");
    // The editor opens with "loading…" until the current entry is read.
    let screen = pane.wait_for("(no entry for this crate)", KEYPRESS);
    assert!(
        screen.contains("Cargo.dependencies.nix · openssl-sys"),
        "{screen}"
    );
    assert!(screen.contains("[add package]"), "{screen}");
    pane.type_text("pkg-config");
    pane.press("Enter");
    pane.wait_for("Saved: added pkg-config to openssl-sys", KEYPRESS);

    pane.press("e");
    let screen = pane.wait_for("deps (every version): pkg-config", KEYPRESS);
    assert!(screen.contains("[add package]"), "{screen}");
    pane.type_text("openssl");
    pane.press("Enter");
    pane.wait_for("Saved: added openssl to openssl-sys", KEYPRESS);
    assert_deps_file_has_the_fix(project.path());

    rebuild_until_finished(&pane);
    quit_and_check_terminal(&pane);
}

#[test]
fn apply_the_diagnosed_fix_with_a_and_rebuild() {
    let project = copy_demo_without_deps();
    let pane = open_dashboard("apply", project.path());
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
