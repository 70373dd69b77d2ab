//! Planning asks Cargo nothing while nothing Cargo reads has changed, and asks again after
//! any change to what it reads. Cargo is run through a wrapper (`CARGO`) that counts calls.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{append, copy_fixture, libnix_tui};

/// A project copy and a Cargo wrapper that logs every call.
struct Counted {
    project: tempfile::TempDir,
    log: PathBuf,
    wrapper: PathBuf,
}

impl Counted {
    fn new() -> Self {
        let project = copy_fixture("workspace");
        let tools = project.path().join("tools");
        std::fs::create_dir(&tools).expect("tools dir");
        let log = tools.join("cargo-calls");
        let wrapper = tools.join("cargo");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\nexec cargo \"$@\"\n",
                log.display()
            ),
        )
        .expect("wrapper");
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        // A project built before: its target dir exists.
        std::fs::create_dir(project.path().join("target")).expect("target dir");
        // Files changed within a second of planning are not trusted: let the copy age.
        settle();
        Counted {
            project,
            log,
            wrapper,
        }
    }

    fn dir(&self) -> &Path {
        self.project.path()
    }

    fn calls(&self) -> usize {
        std::fs::read_to_string(&self.log).map_or(0, |log| log.lines().count())
    }

    /// `libnix-tui plan` with `extra` flags and `env`; returns how many times it ran Cargo.
    fn plan(&self, extra: &[&str], env: &[(&str, &str)]) -> usize {
        let before = self.calls();
        let output = libnix_tui()
            .arg("plan")
            .arg("--manifest-path")
            .arg(self.dir().join("Cargo.toml"))
            .args(["--format", "json"])
            .args(extra)
            .current_dir(self.dir())
            .env("CARGO", &self.wrapper)
            .env_remove("RUSTFLAGS")
            .envs(env.iter().copied())
            .output()
            .expect("run libnix-tui plan");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("plan is JSON");
        assert!(!plan["units"].as_array().expect("units").is_empty());
        self.calls() - before
    }
}

fn settle() {
    std::thread::sleep(Duration::from_millis(1100));
}

#[test]
fn a_second_plan_asks_cargo_nothing() {
    let counted = Counted::new();
    assert!(counted.plan(&[], &[]) > 0);
    assert_eq!(counted.plan(&[], &[]), 0, "the second plan ran Cargo");
}

#[test]
fn every_input_of_cargo_invalidates_the_cached_plan() {
    let counted = Counted::new();
    let dir = counted.dir();
    assert!(counted.plan(&[], &[]) > 0);
    assert_eq!(counted.plan(&[], &[]), 0);

    // Flags and environment name other entries; the original one stays valid.
    assert!(
        counted.plan(&["--no-default-features"], &[]) > 0,
        "feature flag"
    );
    assert!(
        counted.plan(&["--features", "unused"], &[]) > 0,
        "feature flag"
    );
    assert!(
        counted.plan(&[], &[("RUSTFLAGS", "--cfg changed")]) > 0,
        "RUSTFLAGS"
    );
    assert_eq!(counted.plan(&[], &[]), 0);

    let edits: [(&str, &dyn Fn()); 4] = [
        ("a member's Cargo.toml", &|| {
            append(&dir.join("greet/Cargo.toml"), "\n# edited\n")
        }),
        ("Cargo.lock", &|| {
            append(&dir.join("Cargo.lock"), "\n# edited\n")
        }),
        ("a new .cargo/config.toml", &|| {
            std::fs::create_dir_all(dir.join(".cargo")).expect(".cargo");
            std::fs::write(dir.join(".cargo/config.toml"), "[build]\njobs = 1\n").expect("config");
        }),
        ("a new binary target", &|| {
            std::fs::create_dir_all(dir.join("app/src/bin")).expect("src/bin");
            std::fs::write(dir.join("app/src/bin/extra.rs"), "fn main() {}\n").expect("bin");
        }),
    ];
    for (what, edit) in edits {
        edit();
        settle();
        assert!(
            counted.plan(&[], &[]) > 0,
            "{what} did not invalidate the plan"
        );
        assert_eq!(
            counted.plan(&[], &[]),
            0,
            "{what}: the new plan was not cached"
        );
    }
}
