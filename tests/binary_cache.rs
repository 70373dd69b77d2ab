//! Sharing builds through a binary cache, with real parts: `cache keygen`, `cache push`
//! to a file:// cache, that cache served over HTTP on 127.0.0.1, the local unit outputs
//! deleted, and builds (headless and in the dashboard) that substitute them, refuse an
//! untrusted cache and survive an unreachable one.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::loopback::{LoopbackServer, free_port};
use common::tmux::open_dashboard;
use common::*;

/// `python3 -m http.server` on 127.0.0.1, serving `dir`.
struct StaticServer {
    _server: LoopbackServer,
    url: String,
}

impl StaticServer {
    fn serve(dir: &Path) -> Self {
        let port = free_port();
        let command = [
            "python3",
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            "--directory",
        ];
        let port_arg = port.to_string();
        let args = command
            .iter()
            .map(OsStr::new)
            .chain([dir.as_os_str(), OsStr::new(&port_arg)]);
        StaticServer {
            _server: LoopbackServer::start("python3 -m http.server", port, args),
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

/// A project whose derivations no other test shares, so deleting its outputs is safe.
struct SaltedProject {
    dir: tempfile::TempDir,
    salt: String,
}

impl SaltedProject {
    fn new() -> Self {
        SaltedProject {
            dir: copy_fixture("workspace"),
            salt: unique_salt(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn build(&self, extra: &[&str]) -> BuildRun {
        self.build_with(extra, |_| {})
    }

    /// [`Self::build`], the command adjusted first.
    fn build_with(&self, extra: &[&str], adjust: impl FnOnce(&mut Command)) -> BuildRun {
        let run = build_with(self.path(), extra, |command| {
            adjust(command.env("LIBNIX_TUI_REBUILD_SALT", &self.salt));
        });
        assert!(run.output.status.success(), "{}", run.stderr());
        assert!(!run.stderr().contains("@nix"), "{}", run.stderr());
        run
    }

    fn libnix(&self, args: &[&str]) -> Output {
        libnix_tui()
            .args(args)
            .arg("--manifest-path")
            .arg(self.path().join("Cargo.toml"))
            .output()
            .expect("run libnix-tui")
    }

    /// A build that may substitute from `url`, trusting only `public_key`.
    fn pull(&self, url: &str, public_key: &str) -> BuildRun {
        self.build(&[
            "--substituters",
            url,
            "--option",
            "trusted-public-keys",
            public_key,
        ])
    }

    /// Every unit's output, as the last build recorded it.
    fn unit_outputs(&self) -> Vec<String> {
        let record = std::fs::read(self.path().join("target/libnix/last-build.json"))
            .expect("last-build.json");
        let record: serde_json::Value = serde_json::from_slice(&record).expect("its JSON");
        record["outputs"]
            .as_array()
            .expect("outputs recorded")
            .iter()
            .map(|path| path.as_str().expect("a store path").to_string())
            .collect()
    }

    /// Drop the GC roots and delete every unit's output from the store.
    fn delete_unit_outputs(&self) {
        std::fs::remove_dir_all(self.path().join("target/libnix/gcroots")).expect("remove roots");
        let outputs = self.unit_outputs();
        let deleted = Command::new("nix-store")
            .arg("--delete")
            .args(&outputs)
            .output()
            .expect("run nix-store --delete");
        assert!(
            deleted.status.success(),
            "{}",
            String::from_utf8_lossy(&deleted.stderr)
        );
        let valid = Command::new("nix-store")
            .args(["--check-validity", "--print-invalid"])
            .args(&outputs)
            .output()
            .expect("run nix-store --check-validity");
        assert_eq!(
            String::from_utf8_lossy(&valid.stdout).lines().count(),
            outputs.len(),
            "some unit outputs are still in the store"
        );
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `cache keygen` into `dir`: (secret key file, public key line).
fn keygen(name: &str, dir: &Path) -> (PathBuf, String) {
    let output = libnix_tui()
        .args(["cache", "keygen", "--name", name, "--out"])
        .arg(dir)
        .output()
        .expect("run libnix-tui cache keygen");
    assert!(output.status.success(), "{}", stderr(&output));
    let public = std::fs::read_to_string(dir.join(format!("{name}.public"))).expect("public key");
    let public = public.trim().to_string();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains(&format!("extra-trusted-public-keys = {public}")),
        "{printed}"
    );
    (dir.join(format!("{name}.secret")), public)
}

fn push(project: &SaltedProject, cache: &Path, key: &Path) -> String {
    let uri = format!("file://{}", cache.display());
    let output = project.libnix(&["cache", "push", &uri, "--key", &key.display().to_string()]);
    assert!(output.status.success(), "{}", stderr(&output));
    stderr(&output)
}

fn lines_containing(text: &str, needle: &str) -> usize {
    text.lines().filter(|line| line.contains(needle)).count()
}

#[test]
fn pushed_build_is_substituted_over_http_and_an_untrusted_cache_is_refused() {
    let project = SaltedProject::new();
    let work = tempfile::tempdir().expect("temp dir");
    let first = project.build(&[]);
    let units = first.outcomes().len();
    assert_eq!(
        first.with_status("built").len(),
        units,
        "{:?}",
        first.outcomes()
    );
    let expected_output = run_nix_built(project.path(), "app");

    let (secret, public) = keygen("libnix-test-1", &work.path().join("keys"));
    let cache = work.path().join("cache");
    let pushed = push(&project, &cache, &secret);
    assert!(
        pushed.contains(&format!("Pushed {units} paths")) && pushed.contains("file://"),
        "{pushed}"
    );
    assert_eq!(lines_containing(&pushed, "Copying"), units, "{pushed}");
    let again = push(&project, &cache, &secret);
    assert!(again.contains("Pushed 0 paths, 0 bytes"), "{again}");

    // The same outputs in a cache signed by a key nobody trusts, pushed before any
    // substitution adds the trusted cache's signatures to them.
    let (other_secret, _) = keygen("libnix-test-other-1", &work.path().join("keys"));
    let untrusted_cache = work.path().join("untrusted-cache");
    push(&project, &untrusted_cache, &other_secret);

    project.delete_unit_outputs();
    let server = StaticServer::serve(&cache);
    let pulled = project.pull(&server.url, &public);
    assert_eq!(
        pulled.with_status("substituted").len(),
        units,
        "{:?}",
        pulled.outcomes()
    );
    for message in pulled
        .messages
        .iter()
        .filter(|m| m["reason"] == "unit-finished")
    {
        assert_eq!(message["from"], server.url.as_str(), "{message}");
    }
    assert_eq!(pulled.finished()["built"], 0);
    assert_eq!(run_nix_built(project.path(), "app"), expected_output);
    let why = project.libnix(&["why"]);
    let said = String::from_utf8_lossy(&why.stdout);
    assert_eq!(
        lines_containing(
            &said,
            &format!(": fetched from {}, not built here", server.url)
        ),
        units,
        "`why` says where each unit came from: {said}{}",
        stderr(&why)
    );

    // The dashboard shows the same, from the same cache.
    project.delete_unit_outputs();
    let pane = open_dashboard(
        "binary-cache",
        project.path(),
        &[
            "--build",
            "--substituters",
            &server.url,
            "--option",
            "trusted-public-keys",
            &public,
        ],
        &[("LIBNIX_TUI_REBUILD_SALT", &project.salt)],
    );
    pane.wait_for_phase("Finished", "Failed", Duration::from_secs(300));
    let host = server.url.trim_start_matches("http://");
    pane.wait_drawn(
        "every unit substituted from the cache, none built",
        |screen| {
            let counts = screen.lines().nth(1).unwrap_or_default();
            counts.contains(&format!("⇓ {units} substituted"))
                && counts.contains("✔ 0 built")
                && screen.contains(&format!("from {host}"))
        },
    );
    pane.press("q");
    pane.wait_for("EXIT=0", Duration::from_secs(20));

    project.delete_unit_outputs();
    let untrusted = StaticServer::serve(&untrusted_cache);
    let refused = project.pull(&untrusted.url, &public);
    assert_eq!(
        refused.with_status("built").len(),
        units,
        "{:?}",
        refused.outcomes()
    );
    let said = refused.stderr();
    assert_eq!(
        lines_containing(
            &said,
            &format!(
                "substituter {} has outputs of this build, signed by no key in trusted-public-keys",
                untrusted.url
            )
        ),
        1,
        "{said}"
    );
    assert_eq!(
        lines_containing(&said, "is not signed by any of the keys"),
        0,
        "{said}"
    );
    assert_eq!(run_nix_built(project.path(), "app"), expected_output);
}

/// Nixpkgs mode keeps Nix's substituters (here cache.nixos.org, unreachable: said once) and
/// trusted keys, and adds the requested cache.
#[test]
fn nixpkgs_mode_adds_the_requested_cache_to_nixs_own() {
    let project = SaltedProject::new();
    let work = tempfile::tempdir().expect("temp dir");
    let first = project.build_with(&[], |command| {
        with_stand_in_nixpkgs(command);
    });
    let units = first.outcomes().len();
    let (secret, public) = keygen("libnix-test-1", &work.path().join("keys"));
    let cache = work.path().join("cache");
    push(&project, &cache, &secret);
    project.delete_unit_outputs();

    let server = StaticServer::serve(&cache);
    let pulled = project.build_with(
        &[
            "--substituters",
            &server.url,
            "--option",
            "extra-trusted-public-keys",
            &public,
        ],
        |command| {
            with_stand_in_nixpkgs_substituting(command);
        },
    );
    assert_eq!(
        pulled.with_status("substituted").len(),
        units,
        "{:?}",
        pulled.outcomes()
    );
    let said = pulled.stderr();
    assert!(lines_containing(&said, "cache.nixos.org") <= 1, "{said}");
    assert_eq!(lines_containing(&said, "retrying"), 0, "{said}");
}

#[test]
fn an_unreachable_cache_is_said_once_and_the_build_goes_on() {
    let project = SaltedProject::new();
    let closed = format!("http://127.0.0.1:{}", free_port());
    let run = project.build(&["--substituters", &closed]);
    assert_eq!(
        run.with_status("built").len(),
        run.outcomes().len(),
        "{:?}",
        run.outcomes()
    );
    let said = run.stderr();
    assert_eq!(
        lines_containing(&said, &format!("substituter {closed} is unreachable")),
        1,
        "{said}"
    );
    assert_eq!(lines_containing(&said, "retrying"), 0, "{said}");
    assert_eq!(lines_containing(&said, &closed), 1, "{said}");
}

#[test]
fn push_errors_say_what_is_missing() {
    let project = SaltedProject::new();
    let work = tempfile::tempdir().expect("temp dir");
    let no_build = project.libnix(&["cache", "push", "file:///tmp/never-written"]);
    assert!(!no_build.status.success());
    assert!(
        stderr(&no_build).contains("no build recorded"),
        "{}",
        stderr(&no_build)
    );

    project.build(&[]);
    let uri = format!("file://{}", work.path().join("cache").display());
    let no_key = libnix_tui()
        .args(["cache", "push", &uri, "--manifest-path"])
        .arg(project.path().join("Cargo.toml"))
        .env("NIX_CONFIG", "secret-key-files =")
        .output()
        .expect("run libnix-tui");
    assert!(!no_key.status.success());
    assert!(
        stderr(&no_key).contains("no signing key: pass --key FILE, or set `secret-key-files`"),
        "{}",
        stderr(&no_key)
    );

    let (secret, _) = keygen("libnix-test-1", &work.path().join("keys"));
    let key = secret.display().to_string();
    let file = work.path().join("a-file");
    std::fs::write(&file, "not a directory").expect("write a file");
    let unwritable = format!("file://{}/cache", file.display());
    let output = project.libnix(&["cache", "push", &unwritable, "--key", &key]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(&format!(
            "cannot write to the cache directory {}/cache",
            file.display()
        )),
        "{}",
        stderr(&output)
    );

    let output = project.libnix(&["cache", "push", "nosuchstore://x", "--key", &key]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("Nix does not know the store `nosuchstore://x`"),
        "{}",
        stderr(&output)
    );
}
