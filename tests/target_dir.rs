//! `--target-dir`, CARGO_TARGET_DIR and `build.target-dir` decide where everything
//! libnix-tui writes goes, with Cargo's precedence (flag, then environment, then config).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{copy_fixture, libnix_tui};

/// How a test chooses the target dir; each is relative, so it resolves against the
/// project directory the commands run in (or, for the config, the one holding `.cargo`).
#[derive(Clone, Copy, Debug)]
enum Source {
    Flag,
    Environment,
    Config,
}

impl Source {
    fn dir_name(self) -> &'static str {
        match self {
            Source::Flag => "from-flag",
            Source::Environment => "from-env",
            Source::Config => "from-config",
        }
    }

    /// Set this source up for `command`; the config is written once into `project`.
    fn apply(self, project: &Path, command: &mut Command) {
        match self {
            Source::Flag => {
                command.args(["--target-dir", self.dir_name()]);
            }
            Source::Environment => {
                command.env("CARGO_TARGET_DIR", self.dir_name());
            }
            Source::Config => {
                std::fs::create_dir_all(project.join(".cargo")).expect(".cargo");
                std::fs::write(
                    project.join(".cargo/config.toml"),
                    format!("[build]\ntarget-dir = \"{}\"\n", self.dir_name()),
                )
                .expect("config");
            }
        }
    }
}

fn run(project: &Path, args: &[&str], sources: &[Source]) -> Output {
    let mut command = libnix_tui();
    command.args(args).current_dir(project);
    for source in sources {
        source.apply(project, &mut command);
    }
    command.output().expect("run libnix-tui")
}

fn planned_target_dir(project: &Path, sources: &[Source]) -> PathBuf {
    let output = run(project, &["plan", "--format", "json"], sources);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("plan JSON");
    PathBuf::from(plan["target_dir"].as_str().expect("target_dir"))
}

#[test]
fn the_flag_beats_the_environment_which_beats_the_config() {
    let project = copy_fixture("workspace");
    let root = project.path().canonicalize().expect("project dir");
    let expect = |source: Source| root.join(source.dir_name());

    assert_eq!(planned_target_dir(&root, &[]), root.join("target"));
    assert_eq!(
        planned_target_dir(&root, &[Source::Config]),
        expect(Source::Config)
    );
    assert_eq!(
        planned_target_dir(&root, &[Source::Config, Source::Environment]),
        expect(Source::Environment)
    );
    assert_eq!(
        planned_target_dir(&root, &[Source::Config, Source::Environment, Source::Flag]),
        expect(Source::Flag)
    );
}

#[test]
fn build_doctor_and_clean_use_each_source_of_the_target_dir() {
    for source in [Source::Flag, Source::Environment, Source::Config] {
        let project = copy_fixture("workspace");
        let root = project.path().canonicalize().expect("project dir");
        let libnix = root.join(source.dir_name()).join("libnix");

        let build = run(&root, &["build", "--toolchain", "host"], &[source]);
        assert!(
            build.status.success(),
            "{source:?}: {}",
            String::from_utf8_lossy(&build.stderr)
        );
        assert!(libnix.join("debug/bin/app").is_file(), "{source:?}");
        assert!(libnix.join("gcroots/debug").is_dir(), "{source:?}");
        assert!(libnix.join("last-build.json").is_file(), "{source:?}");
        assert!(!root.join("target/libnix").exists(), "{source:?}");

        let doctor = run(&root, &["doctor"], &[source]);
        assert!(
            String::from_utf8_lossy(&doctor.stdout).contains("no failures"),
            "{source:?}: {}",
            String::from_utf8_lossy(&doctor.stderr)
        );

        let clean = run(&root, &["clean"], &[source]);
        assert!(clean.status.success(), "{source:?}");
        assert!(!libnix.exists(), "{source:?}");
    }
}
