//! `libnix-tui test`: test binaries and their runs as derivations. Output and exit status
//! as `cargo test`'s, results of unchanged binaries from the store, `--rerun` runs again,
//! doc tests through rustdoc, and pass/fail counts equal Cargo's on real crates.io crates.

mod common;

use serde_json::Value;

use common::{
    BuildRun, append, build_with, cargo_test, copy_fixture, libnix_test, libnix_tui, unique_salt,
    with_stand_in_nixpkgs,
};
use libnix_tui::backend::test_results::summaries;

/// `(passed, failed, ignored)` of every harness summary in `output`.
fn results(output: &str) -> Vec<(u64, u64, u64)> {
    summaries(output)
        .into_iter()
        .map(|counts| (counts.passed, counts.failed, counts.ignored))
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The harness's lines without timings and thread ids, sorted: they differ from run to
/// run, and so does the order in which parallel tests finish.
fn comparable(stdout: &str) -> Vec<String> {
    let mut lines: Vec<String> = stdout
        .lines()
        .map(|line| match line.find("; finished in ") {
            Some(at) => line[..at].to_string(),
            None => line.to_string(),
        })
        .filter(|line| !line.starts_with("thread '"))
        .collect();
    lines.sort();
    lines
}

#[test]
fn a_failing_suite_prints_and_exits_as_cargo_test() {
    let project = copy_fixture("verbs");
    let ours = libnix_test(project.path(), &[]);
    let cargos = cargo_test(project.path(), &[]);
    assert_eq!(cargos.status.code(), Some(101));
    assert_eq!(ours.status.code(), Some(101), "{}", text(&ours.stderr));
    assert_eq!(
        comparable(&text(&ours.stdout)),
        comparable(&text(&cargos.stdout)),
        "stdout as cargo test's, up to the first failing binary"
    );
    let stderr = text(&ours.stderr);
    assert!(
        stderr.contains("error: test failed, to rerun pass `--test failing`"),
        "{stderr}"
    );
    assert!(text(&ours.stdout).contains("captured before the failure"));

    // The failing result is recorded too: nothing runs again, the output is the same.
    let again = libnix_test(project.path(), &[]);
    assert_eq!(again.status.code(), Some(101));
    assert!(
        text(&again.stderr).contains("tests/failing.rs")
            && text(&again.stderr).contains("[cached: 1 passed, 1 failed]"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(
        comparable(&text(&again.stdout)),
        comparable(&text(&ours.stdout))
    );
}

#[test]
fn unchanged_test_binaries_are_not_run_again_unless_asked() {
    let project = copy_fixture("verbs");
    let select = ["--lib", "--test", "cli"];
    let first = libnix_test(project.path(), &select);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        !text(&first.stderr).contains("[cached"),
        "{}",
        text(&first.stderr)
    );
    assert_eq!(results(&text(&first.stdout)), [(2, 0, 1), (1, 0, 0)]);

    let second = libnix_test(project.path(), &select);
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains("unittests src/lib.rs") && stderr.contains("[cached: 2 passed]"),
        "{stderr}"
    );
    assert!(stderr.contains("[cached: 1 passed]"), "{stderr}");
    assert_eq!(
        text(&second.stdout),
        text(&first.stdout),
        "the recorded output, as it was"
    );

    let rerun = libnix_test(project.path(), &[&select[..], &["--rerun"]].concat());
    assert!(rerun.status.success());
    assert!(
        !text(&rerun.stderr).contains("[cached"),
        "{}",
        text(&rerun.stderr)
    );

    // Test arguments are inputs of the run: new arguments, a new run.
    let filtered = libnix_test(project.path(), &["--lib", "--", "adds_negatives"]);
    assert!(
        !text(&filtered.stderr).contains("[cached"),
        "{}",
        text(&filtered.stderr)
    );
    assert_eq!(results(&text(&filtered.stdout)), [(1, 0, 0)]);
}

#[test]
fn integration_tests_see_the_binaries_and_the_package_source_read_only() {
    let project = copy_fixture("verbs");
    let output = libnix_test(
        project.path(),
        &[
            "--test",
            "cli",
            "--test",
            "manifest_dir",
            "--message-format",
            "json",
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let binaries: Vec<Value> = text(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["reason"] == "test-binary-finished")
        .collect();
    let summary: Vec<(String, u64, bool)> = binaries
        .iter()
        .map(|b| {
            (
                b["target_name"].as_str().unwrap_or_default().to_string(),
                b["passed"].as_u64().unwrap_or_default(),
                b["success"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("cli".to_string(), 1, true),
            ("manifest_dir".to_string(), 1, true)
        ]
    );

    let writes = libnix_test(
        project.path(),
        &["--test", "manifest_dir", "--", "--ignored"],
    );
    assert_eq!(
        writes.status.code(),
        Some(101),
        "{}\n{}",
        text(&writes.stdout),
        text(&writes.stderr)
    );
    let stdout = text(&writes.stdout);
    assert!(
        stdout.contains("the tests wrote into their package's source directory")
            && stdout.contains("    written.txt"),
        "{stdout}"
    );
    let left_behind: Vec<_> = std::fs::read_dir("/nix/store")
        .expect("read the store")
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .ends_with("-calc-0.1.0-src")
        })
        .filter(|entry| entry.path().join("written.txt").exists())
        .map(|entry| entry.path())
        .collect();
    assert!(
        left_behind.is_empty(),
        "the store copy keeps what the test wrote: {left_behind:?}"
    );
}

/// `cargo test`'s per-binary `(passed, failed, ignored)` on a copy of a fixture crate,
/// doc tests included, and ours: equal, with `binaries` test binaries and doc tests.
fn assert_counts_equal_cargos(fixture: &str, binaries: usize) {
    let project = copy_fixture(fixture);
    let ours = libnix_test(project.path(), &[]);
    let cargos = cargo_test(project.path(), &[]);
    assert!(ours.status.success(), "{}", text(&ours.stderr));
    assert!(cargos.status.success(), "{}", text(&cargos.stderr));
    let expected = results(&text(&cargos.stdout));
    assert_eq!(expected.len(), binaries, "{}", text(&cargos.stdout));
    assert_eq!(results(&text(&ours.stdout)), expected, "{fixture}");
    assert!(
        text(&ours.stderr).contains(&format!("   Doc-tests {}", fixture.replace('-', "_"))),
        "{}",
        text(&ours.stderr)
    );
}

#[test]
fn counts_equal_cargos_on_semver() {
    // The lib's unit tests, four integration tests, the doc tests.
    assert_counts_equal_cargos("semver", 6);
}

#[test]
fn counts_equal_cargos_on_itoa() {
    // Unit tests (none), an integration test, the doc tests.
    assert_counts_equal_cargos("itoa", 3);
}

#[test]
fn counts_equal_cargos_on_scopeguard() {
    // Edition 2015, an example built but not run, unit and doc tests.
    assert_counts_equal_cargos("scopeguard", 2);
}

#[test]
fn counts_equal_cargos_on_fnv() {
    // A lib at the package root (`lib.rs`), unit and doc tests.
    assert_counts_equal_cargos("fnv", 2);
}

#[test]
fn proc_macro_unit_and_doc_tests_see_proc_macro() {
    assert_counts_equal_cargos("seven-macro", 2);
}

#[test]
fn counts_equal_cargos_on_either() {
    // Doc tests that use a dev-dependency (serde_json) and its dependencies.
    assert_counts_equal_cargos("either", 2);
}

#[test]
fn doc_tests_run_once_and_fail_as_cargos() {
    let project = copy_fixture("verbs");
    let first = libnix_test(project.path(), &["--doc"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).contains("   Doc-tests calc\n"),
        "{}",
        text(&first.stderr)
    );
    let cargos = cargo_test(project.path(), &["--doc"]);
    assert_eq!(
        comparable(&text(&first.stdout)),
        comparable(&text(&cargos.stdout))
    );
    assert_eq!(results(&text(&first.stdout)), [(1, 0, 0)]);

    let again = libnix_test(project.path(), &["--doc"]);
    assert!(
        text(&again.stderr).contains("   Doc-tests calc [cached: 1 passed]"),
        "{}",
        text(&again.stderr)
    );
    let rerun = libnix_test(project.path(), &["--doc", "--rerun"]);
    assert!(
        !text(&rerun.stderr).contains("[cached"),
        "{}",
        text(&rerun.stderr)
    );

    append(
        &project.path().join("src/lib.rs"),
        "\n/// ```\n/// assert_eq!(calc::add(1, 1), 3, \"a failing doc test\");\n/// ```\npub fn wrong() {}\n",
    );
    let failing = libnix_test(project.path(), &["--doc"]);
    let cargos = cargo_test(project.path(), &["--doc"]);
    assert_eq!(cargos.status.code(), Some(101));
    assert_eq!(
        failing.status.code(),
        Some(101),
        "{}",
        text(&failing.stderr)
    );
    assert!(
        text(&failing.stderr).contains("error: doctest failed, to rerun pass `--doc`"),
        "{}",
        text(&failing.stderr)
    );
    assert_eq!(results(&text(&failing.stdout)), [(1, 1, 0)]);
    assert!(text(&failing.stdout).contains("a failing doc test"));
    assert_eq!(
        comparable(&text(&failing.stdout))
            .iter()
            .filter(|line| line.starts_with("test ") || line.starts_with("failures"))
            .collect::<Vec<_>>(),
        comparable(&text(&cargos.stdout))
            .iter()
            .filter(|line| line.starts_with("test ") || line.starts_with("failures"))
            .collect::<Vec<_>>()
    );
}

#[test]
fn doc_tests_run_with_the_rustdoc_of_nixpkgs_rustc() {
    let project = copy_fixture("verbs");
    let mut command = libnix_tui();
    command
        .args(["test", "--doc", "--toolchain", "nixpkgs", "--manifest-path"])
        .arg(project.path().join("Cargo.toml"));
    let output = with_stand_in_nixpkgs(&mut command)
        .output()
        .expect("run libnix-tui test");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(results(&text(&output.stdout)), [(1, 0, 0)]);
}

#[test]
fn doc_tests_run_where_and_with_what_cargo_gives_them() {
    let project = copy_fixture("verbs");
    append(
        &project.path().join("src/lib.rs"),
        concat!(
            "\n/// ```\n",
            "/// assert!(cfg!(from_rustdocflags), \"RUSTDOCFLAGS\");\n",
            "/// assert!(std::path::Path::new(\"tests/data.txt\").is_file(), \"the package dir\");\n",
            "/// assert_eq!(env!(\"CARGO_PKG_NAME\"), \"calc\");\n",
            "/// let home = std::path::PathBuf::from(std::env::var(\"HOME\").unwrap());\n",
            "/// std::fs::write(home.join(\"doc-test-was-here\"), \"\").expect(\"a writable HOME\");\n",
            "/// ```\n",
            "pub fn environment() {}\n",
        ),
    );
    let flags = "--cfg from_rustdocflags --check-cfg cfg(from_rustdocflags)";
    let run = |mut command: std::process::Command| {
        command
            .args(["test", "--doc", "--manifest-path"])
            .arg(project.path().join("Cargo.toml"))
            .env("RUSTDOCFLAGS", flags)
            .env("CARGO_TARGET_DIR", project.path().join("target/cargo"))
            .output()
            .expect("run the tests")
    };
    let cargos = run(std::process::Command::new(env!("CARGO")));
    assert_eq!(results(&text(&cargos.stdout)), [(2, 0, 0)]);
    let ours = run(libnix_tui());
    assert!(ours.status.success(), "{}", text(&ours.stdout));
    assert_eq!(results(&text(&ours.stdout)), [(2, 0, 0)]);
}

#[test]
fn no_fail_fast_names_each_failure_as_cargo_does() {
    let project = copy_fixture("verbs");
    append(
        &project.path().join("src/lib.rs"),
        "\n/// ```\n/// assert_eq!(calc::add(1, 1), 3);\n/// ```\npub fn wrong() {}\n",
    );
    let errors = |output: &std::process::Output| -> Vec<String> {
        text(&output.stderr)
            .lines()
            .filter(|line| line.starts_with("error") || line.starts_with("    `"))
            .map(str::to_string)
            .collect()
    };
    let ours = libnix_test(project.path(), &["--no-fail-fast"]);
    let cargos = cargo_test(project.path(), &["--no-fail-fast"]);
    assert_eq!(ours.status.code(), Some(101));
    assert_eq!(errors(&ours), errors(&cargos));
    assert_eq!(errors(&ours).len(), 5, "{:?}", errors(&ours));

    // A package named on the command line is named again.
    let ours = libnix_test(project.path(), &["-p", "calc", "--no-fail-fast"]);
    let cargos = cargo_test(project.path(), &["-p", "calc", "--no-fail-fast"]);
    assert!(
        errors(&ours).contains(&"    `-p calc --doc`".to_string()),
        "{:?}",
        errors(&ours)
    );
    assert_eq!(errors(&ours), errors(&cargos));
}

#[test]
fn a_run_that_writes_into_the_source_does_not_fail_another_run_of_it() {
    let project = copy_fixture("verbs");
    // manifest_dir's run writes into the shared source 1 s in and looks for what it wrote
    // 5 s in; the lib's run takes 3 s: started within 2 s before the write or 1 s after,
    // it ends between the two.
    let edit = |file: &str, from: &str, to: &str| {
        let path = project.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read the fixture");
        assert!(text.contains(from), "{file}");
        std::fs::write(&path, text.replace(from, to)).expect("write the fixture");
    };
    edit(
        "src/lib.rs",
        "fn slow() {}",
        "fn slow() { std::thread::sleep(std::time::Duration::from_secs(3)); }",
    );
    edit(
        "tests/manifest_dir.rs",
        "fn writes_into_its_source_dir() {",
        "fn writes_into_its_source_dir() {\n    \
         std::thread::sleep(std::time::Duration::from_secs(1));",
    );
    edit(
        "tests/manifest_dir.rs",
        ".expect(\"write into the source dir\");",
        ".expect(\"write into the source dir\");\n    \
         std::thread::sleep(std::time::Duration::from_secs(4));",
    );
    let output = libnix_test(
        project.path(),
        &[
            "--lib",
            "--test",
            "manifest_dir",
            "--no-fail-fast",
            "--rerun",
            "-j",
            "4",
            "--message-format",
            "json",
            "--",
            "--ignored",
        ],
    );
    let wrote: Vec<(String, bool)> = text(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["reason"] == "test-binary-finished")
        .map(|line| {
            let output = line["output"].as_str().unwrap_or_default();
            (
                line["target"].as_str().unwrap_or_default().to_string(),
                output.contains("wrote into their package's source directory"),
            )
        })
        .collect();
    assert_eq!(
        wrote,
        [
            ("unittests src/lib.rs".to_string(), false),
            ("tests/manifest_dir.rs".to_string(), true)
        ]
    );
}

/// Cargo leaves the profile's name out of a unit's identity: `cargo test` after `cargo
/// build` compiles only the test binaries when the test profile is dev's.
#[test]
fn tests_reuse_what_the_build_built() {
    let project = copy_fixture("verbs");
    let salt = unique_salt();
    let built = build_with(project.path(), &[], |command| {
        command.env("LIBNIX_TUI_REBUILD_SALT", &salt);
    });
    assert!(built.output.status.success(), "{}", built.stderr());
    assert!(!built.with_status("built").is_empty());
    let output = libnix_tui()
        .args([
            "test",
            "--no-run",
            "--message-format",
            "json",
            "--manifest-path",
        ])
        .arg(project.path().join("Cargo.toml"))
        .env("LIBNIX_TUI_REBUILD_SALT", &salt)
        .output()
        .expect("run libnix-tui test");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tested = BuildRun::of(output);
    let mut reused = tested.with_status("cached");
    reused.sort();
    let mut was_built = built.outcomes();
    was_built.sort();
    assert_eq!(
        reused,
        was_built
            .into_iter()
            .map(|(package, kind, _)| (package, kind))
            .collect::<Vec<_>>(),
        "{:?}",
        tested.outcomes()
    );
    assert!(
        tested
            .with_status("built")
            .iter()
            .all(|(_, kind)| kind == "test"),
        "{:?}",
        tested.outcomes()
    );
}
