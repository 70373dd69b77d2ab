//! The dashboard in a tmux pane, read from the screen as a user would.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;
const POLL: Duration = Duration::from_millis(200);
/// How long the rest of a frame may take to show once a part of it did.
const FRAME_DRAWN: Duration = Duration::from_secs(20);

/// A detached tmux session on a server of its own (its own socket in a private temp dir, no
/// user config), so tests running in parallel never see each other's panes. The server is
/// killed, and its socket removed, on drop.
pub struct Pane {
    socket_dir: tempfile::TempDir,
    session: String,
}

impl Pane {
    /// Runs `script` with `sh -c` in a new `WIDTH`x`HEIGHT` pane.
    pub fn start(name: &str, script: &str) -> Pane {
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

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(self.socket_dir.path().join("socket"))
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run tmux (scripts/setup.sh installs it): {e}"))
    }

    pub fn screen(&self) -> String {
        let output = self.tmux(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Presses keys by their tmux names (`Enter`, `Escape`, `b`).
    pub fn press(&self, key: &str) {
        let output = self.tmux(&["send-keys", "-t", &self.session, key]);
        assert!(output.status.success(), "send-keys {key}");
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        let output = self.tmux(&["send-keys", "-t", &self.session, "-l", text]);
        assert!(output.status.success(), "send-keys -l {text}");
    }

    /// A tmux format variable of the pane, such as `alternate_on`.
    pub fn format(&self, variable: &str) -> String {
        let format = format!("#{{{variable}}}");
        let output = self.tmux(&["display-message", "-p", "-t", &self.session, &format]);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Polls the screen until `done` holds and returns it; panics with the last screen when
    /// `timeout` passes or `failed` holds first.
    pub fn wait(
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

    /// Waits until `drawn` holds of the screen, once a part of the same frame was seen: a
    /// capture can catch a frame half drawn, so what a test asserts about a screen is
    /// checked here, not on the screen another wait returned.
    pub fn wait_drawn(&self, what: &str, drawn: impl Fn(&str) -> bool) -> String {
        self.wait(what, FRAME_DRAWN, drawn, |_| false)
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait(
            &format!("“{text}”"),
            timeout,
            |screen| screen.contains(text),
            |_| false,
        )
    }

    /// Waits until the header (the first line) shows `phase`; gives up early when it shows
    /// `instead`.
    pub fn wait_for_phase(&self, phase: &str, instead: &str, timeout: Duration) -> String {
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

pub fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

/// Quotes `text` for `sh`.
pub fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Opens the dashboard on `project` with extra `args` and `env` vars. When it exits, the shell prints its exit status and
/// whether the terminal is still in raw mode, then waits to be read.
///
/// The project gets its own target dir, as a user's would: a `CARGO_TARGET_DIR` inherited
/// from `cargo test` would make the tests running at once share `libnix/plan.json`.
pub fn open_dashboard(name: &str, project: &Path, args: &[&str], env: &[(&str, &str)]) -> Pane {
    let words = |items: Vec<String>| -> String {
        items
            .iter()
            .map(|item| format!("{} ", quoted(item)))
            .collect()
    };
    let script = format!(
        "unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR; \
         env {}{} tui {} {}; echo EXIT=$?; \
         if stty -a | grep -Eq -- '(^| )-(icanon|echo)( |;|$)'; then echo TTY=raw; else echo TTY=cooked; fi; \
         sleep 600",
        words(
            env.iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect()
        ),
        quoted(env!("CARGO_BIN_EXE_libnix-tui")),
        quoted(&project.display().to_string()),
        words(args.iter().map(|arg| arg.to_string()).collect()),
    );
    Pane::start(name, &script)
}
