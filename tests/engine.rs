//! The engine against real Nix: real builds, real crates from crates.io.

mod common;

use common::*;

#[test]
fn fixture_workspace_builds_through_nix_like_cargo() {
    let project = copy_fixture("workspace");
    let run = build(project.path(), &[]);
    assert!(run.output.status.success(), "{}", run.stderr());
    assert!(run.with_status("failed").is_empty());
    let packages: Vec<String> = run.outcomes().into_iter().map(|(p, _, _)| p).collect();
    for expected in ["app", "greet", "greet-macros", "native", "unixonly"] {
        assert!(packages.iter().any(|p| p == expected), "{expected} missing");
    }
    assert!(
        !packages.iter().any(|p| p == "winonly"),
        "a cfg(windows) dependency was built"
    );
    let nix = run_nix_built(project.path(), "app");
    assert_eq!(nix, run_cargo_built(project.path(), "app"));
    assert!(
        nix.contains("hello-from-native / answer 42 / shout true / cfg true"),
        "{nix}"
    );
}

#[test]
fn crates_io_project_builds_through_nix_like_cargo() {
    let project = copy_fixture("crates-io");
    let run = build(project.path(), &[]);
    assert!(run.output.status.success(), "{}", run.stderr());
    let outcomes = run.outcomes();
    assert!(outcomes.len() >= 40, "only {} units", outcomes.len());
    for kind in ["proc-macro", "build-script-run", "lib", "bin"] {
        assert!(outcomes.iter().any(|(_, k, _)| k == kind), "no {kind} unit");
    }
    assert_eq!(
        run_nix_built(project.path(), "crates-io-demo"),
        run_cargo_built(project.path(), "crates-io-demo")
    );
}

#[test]
fn second_build_is_a_noop_and_a_root_edit_rebuilds_only_the_root() {
    let project = copy_fixture("workspace");
    let first = build(project.path(), &[]);
    assert!(first.output.status.success(), "{}", first.stderr());

    assert_counts_add_up(&first);
    let second = build(project.path(), &[]);
    assert!(second.output.status.success(), "{}", second.stderr());
    assert_counts_add_up(&second);
    assert!(
        second.with_status("built").is_empty(),
        "{:?}",
        second.outcomes()
    );
    assert_eq!(
        second.with_status("cached").len(),
        second.outcomes().len(),
        "{:?}",
        second.outcomes()
    );

    append(
        &project.path().join("app/src/main.rs"),
        &format!("\n// edited {}\n", unique_salt()),
    );
    let third = build(project.path(), &[]);
    assert!(third.output.status.success(), "{}", third.stderr());
    let rebuilt = third.with_status("built");
    assert!(
        rebuilt.contains(&("app".into(), "bin".into())),
        "{rebuilt:?}"
    );
    assert!(
        rebuilt.iter().all(|(package, _)| package == "app"),
        "a non-root unit was rebuilt: {rebuilt:?}"
    );
}

#[test]
fn compile_error_fails_its_unit_and_keep_going_builds_the_rest() {
    let project = copy_fixture("workspace");
    append(
        &project.path().join("greet/src/lib.rs"),
        &format!("\npub fn broken() -> u32 {{ \"{}\" }}\n", unique_salt()),
    );
    let run = build(project.path(), &["--keep-going"]);
    assert!(!run.output.status.success());
    assert_counts_add_up(&run);
    assert_eq!(
        run.with_status("failed"),
        vec![("greet".into(), "lib".into())]
    );
    let failed = run
        .messages
        .iter()
        .find(|m| m["status"] == "failed")
        .expect("failed unit message");
    let log = failed["log"].to_string();
    assert!(
        log.contains("E0308") || log.contains("mismatched types"),
        "{log}"
    );
    let skipped = run.with_status("skipped");
    assert!(
        skipped.contains(&("app".into(), "bin".into())),
        "{skipped:?}"
    );
    let done: Vec<(String, String)> = run
        .outcomes()
        .into_iter()
        .filter(|(_, _, s)| s == "built" || s == "cached")
        .map(|(p, k, _)| (p, k))
        .collect();
    for unrelated in [
        ("native", "lib"),
        ("unixonly", "lib"),
        ("greet-macros", "proc-macro"),
    ] {
        assert!(
            done.contains(&(unrelated.0.into(), unrelated.1.into())),
            "{unrelated:?} not built: {done:?}"
        );
    }
}

#[test]
fn without_keep_going_every_unit_ends_once_and_the_failure_shows_once() {
    let project = copy_fixture("workspace");
    let salt = unique_salt();
    append(
        &project.path().join("greet/src/lib.rs"),
        &format!("\npub fn broken() -> u32 {{ \"{salt}\" }}\n"),
    );
    let run = build(project.path(), &[]);
    assert!(!run.output.status.success());
    assert_counts_add_up(&run);
    let failed: Vec<_> = run
        .messages
        .iter()
        .filter(|m| m["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{:?}", run.outcomes());
    assert_eq!(failed[0]["package"], "greet");
    assert!(failed[0]["exit_code"].is_i64(), "{}", failed[0]);
    assert!(
        run.with_status("skipped")
            .contains(&("app".into(), "bin".into()))
    );

    // The same failure read by a person: rustc's message once, with the exit code.
    let stderr = human_build_stderr(project.path(), &[]);
    assert_eq!(
        stderr.matches("mismatched types").count(),
        1,
        "rustc's error is not shown exactly once: {stderr}"
    );
    assert_eq!(
        stderr.matches("could not build greet").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("(exit code 1)"), "{stderr}");
}

#[test]
fn a_unicode_package_name_builds_under_a_sanitized_store_name() {
    let main_rs = format!("fn main() {{ println!(\"prøbe {}\"); }}\n", unique_salt());
    let project = one_package_project("prøbe", None, &main_rs);
    let run = build(project.path(), &[]);
    assert!(run.output.status.success(), "{}", run.stderr());
    assert_eq!(
        run.with_status("built"),
        vec![("prøbe".into(), "bin".into())]
    );
    assert!(
        project
            .path()
            .join("target/libnix/debug/bin/prøbe")
            .is_file(),
        "the binary keeps its Cargo name"
    );
}

#[test]
fn plan_prints_the_unit_graph_as_json_and_text() {
    let output = libnix_tui()
        .args(["plan", "--format", "json", "--manifest-path"])
        .arg(fixture("workspace").join("Cargo.toml"))
        .output()
        .expect("run plan");
    assert!(output.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let units = plan["units"].as_array().expect("units");
    assert_eq!(units.len(), 9);
    assert!(units.iter().any(|u| u["kind"] == "build-script-run"));

    let text = libnix_tui()
        .args(["plan", "--manifest-path"])
        .arg(fixture("workspace").join("Cargo.toml"))
        .output()
        .expect("run plan");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("app v0.1.0 (bin) [root]"), "{text}");
    assert!(
        text.contains("as `hello`"),
        "renamed dependency missing: {text}"
    );
}

#[test]
fn works_as_a_cargo_subcommand() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-libnix"))
        .args(["libnix", "plan", "--manifest-path"])
        .arg(fixture("workspace").join("Cargo.toml"))
        .output()
        .expect("run cargo-libnix");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("9 units"));
}

/// nixpkgs mode against a stand-in of the nixpkgs surface it uses: `<nixpkgs>` found on
/// NIX_PATH selects the mode by itself, and the binary matches Cargo's.
#[test]
fn nixpkgs_mode_builds_against_a_stand_in_nixpkgs() {
    let project = copy_fixture("workspace");
    let output = with_stand_in_nixpkgs(
        libnix_tui()
            .arg("build")
            .arg("--manifest-path")
            .arg(project.path().join("Cargo.toml"))
            .args(["--message-format", "json"]),
    )
    .env("LIBNIX_TUI_REBUILD_SALT", unique_salt())
    .output()
    .expect("run libnix-tui");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(
        &std::fs::read(project.path().join("target/libnix/plan.json")).expect("plan.json"),
    )
    .expect("plan json");
    assert_eq!(plan["toolchain"]["mode"], "nixpkgs");
    assert_eq!(
        run_nix_built(project.path(), "app"),
        run_cargo_built(project.path(), "app")
    );
}

/// A git dependency builds from Cargo's checkout (no network: the repository is local).
#[test]
fn git_dependency_builds_from_cargos_checkout() {
    let repo = tempfile::tempdir().expect("temp dir");
    let salt = unique_salt();
    std::fs::create_dir_all(repo.path().join("src")).expect("src dir");
    std::fs::write(
        repo.path().join("Cargo.toml"),
        "[package]\nname = \"gitdep\"\nversion = \"0.4.0\"\nedition = \"2021\"\n",
    )
    .expect("manifest");
    std::fs::write(
        repo.path().join("src/lib.rs"),
        format!("pub fn hello() -> &'static str {{ \"from git {salt}\" }}\n"),
    )
    .expect("lib");
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.email=test@example.com", "-c", "user.name=test"])
            .args(args)
            .current_dir(repo.path())
            .status()
            .expect("run git");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "gitdep"]);

    let project = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(project.path().join("src")).expect("src dir");
    std::fs::write(
        project.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"gituser\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\ngitdep = {{ git = \"file://{}\" }}\n\n[workspace]\n",
            repo.path().display()
        ),
    )
    .expect("manifest");
    std::fs::write(
        project.path().join("src/main.rs"),
        "fn main() { println!(\"{}\", gitdep::hello()); }\n",
    )
    .expect("main");

    let run = build(project.path(), &[]);
    assert!(run.output.status.success(), "{}", run.stderr());
    assert!(
        run.with_status("built")
            .contains(&("gitdep".into(), "lib".into())),
        "{:?}",
        run.outcomes()
    );
    assert_eq!(
        run_nix_built(project.path(), "gituser").trim(),
        format!("from git {salt}")
    );
}

/// Cargo's flags reach Cargo's planning unchanged: the binaries match for each.
#[test]
fn release_and_feature_flags_build_what_cargo_builds() {
    let project = copy_fixture("workspace");
    for (flags, profile, expected) in [
        (&["--release"][..], "release", "profile release"),
        (&["--no-default-features"][..], "debug", "hello, nix"),
        (&["--features", "unused"][..], "debug", "HELLO, NIX"),
        (&["--profile", "fast"][..], "fast", "profile release"),
        (&["--profile", "quick"][..], "quick", "profile debug"),
    ] {
        let run = build(project.path(), flags);
        assert!(run.output.status.success(), "{flags:?}: {}", run.stderr());
        let nix = run_nix_built_profile(project.path(), profile, "app");
        assert!(nix.contains(expected), "{flags:?}: {nix}");
        assert_eq!(
            nix,
            run_cargo_built_with(project.path(), "app", flags),
            "{flags:?}"
        );
    }
}

/// Ctrl-C stops Nix and the builder it runs, and the build ends with status 130.
/// Starts a build of a slow project, waits for its build script to run, sends `signal`
/// and checks that the tool ends with nothing of its build left running.
fn ended_by_a_signal_leaves_no_build_running(signal: i32) -> std::process::ExitStatus {
    let project = slow_project();
    let mut child = libnix_tui()
        .arg("build")
        .arg("--manifest-path")
        .arg(project.path().join("Cargo.toml"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start libnix-tui");
    wait_until("the build script never started", 120, || {
        !processes_with("slow-0.1.0-build-script").is_empty()
    });
    // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
    unsafe { libc::kill(child.id() as i32, signal) };
    let mut status = None;
    wait_until("still running after the signal", 20, || {
        status = child.try_wait().expect("wait");
        status.is_some()
    });
    // The project's path is in nix-store's arguments (its GC root) and the builder's.
    let project_path = project.path().display().to_string();
    wait_until("the build outlived the tool", 10, || {
        processes_with("slow-0.1.0-build-script").is_empty()
            && processes_with(&project_path).is_empty()
    });
    status.expect("exited")
}

#[test]
fn interrupt_stops_nix_and_its_builders() {
    let status = ended_by_a_signal_leaves_no_build_running(libc::SIGINT);
    assert_eq!(status.code(), Some(130));
}

#[test]
fn sigterm_and_sighup_stop_nix_and_its_builders_too() {
    let status = ended_by_a_signal_leaves_no_build_running(libc::SIGTERM);
    assert_eq!(status.code(), Some(128 + libc::SIGTERM));
    let status = ended_by_a_signal_leaves_no_build_running(libc::SIGHUP);
    assert_eq!(status.code(), Some(128 + libc::SIGHUP));
}

/// A root library is reachable under Cargo's names: its rlib and its cdylib.
#[test]
fn root_libraries_are_uplifted_under_cargos_names() {
    let project = copy_fixture("workspace");
    let run = build(project.path(), &["-p", "greet"]);
    assert!(run.output.status.success(), "{}", run.stderr());
    let lib = project.path().join("target/libnix/debug/lib");
    for file in ["libgreet.rlib", "libgreet.so"] {
        assert!(
            lib.join(file).exists(),
            "{file} missing in {}",
            lib.display()
        );
    }
}

/// A member nested inside the root package's directory is not part of the root's source:
/// editing it rebuilds only its own units.
#[test]
fn editing_a_nested_member_does_not_rebuild_the_root_package() {
    let project = copy_fixture("nested");
    let first = build(project.path(), &["--workspace"]);
    assert!(first.output.status.success(), "{}", first.stderr());
    append(
        &project.path().join("tool/src/main.rs"),
        &format!("// {}\n", unique_salt()),
    );
    let second = build(project.path(), &["--workspace"]);
    assert!(second.output.status.success(), "{}", second.stderr());
    assert_eq!(
        second.with_status("built"),
        vec![("tool".into(), "bin".into())]
    );
    assert!(
        second
            .with_status("cached")
            .contains(&("top".into(), "bin".into()))
    );
}

/// `export` writes a build system that plain `nix-build` builds, without libnix-tui, in
/// nixpkgs mode (here against the stand-in of nixpkgs' surface).
#[test]
fn exported_build_system_builds_with_plain_nix_build() {
    let project = copy_fixture("workspace");
    let export = libnix_tui()
        .args(["export", "--manifest-path"])
        .arg(project.path().join("Cargo.toml"))
        .output()
        .expect("run export");
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(
        &std::fs::read(project.path().join("libnix-build/plan.json")).expect("exported plan"),
    )
    .expect("plan json");
    let sources: Vec<&str> = plan["packages"]
        .as_object()
        .expect("packages")
        .values()
        .filter_map(|p| p["source"]["path"].as_str())
        .collect();
    assert_eq!(sources.len(), 5, "{sources:?}");
    assert!(
        sources.iter().all(|path| !path.starts_with('/')),
        "sources must travel with the project: {sources:?}"
    );
    let result = project.path().join("result");
    let build = with_stand_in_nixpkgs(
        std::process::Command::new("nix-build")
            .arg(project.path().join("libnix-build"))
            .args(["-A", "target", "-o"])
            .arg(&result),
    )
    .output()
    .expect("run nix-build");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let output = std::process::Command::new(result.join("bin/app"))
        .output()
        .expect("run the exported build's app");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        run_cargo_built(project.path(), "app")
    );
}

/// RUSTFLAGS and the rustflags of Cargo's config reach every rustc call, as with Cargo.
#[test]
fn rustflags_from_the_environment_and_cargo_config_reach_rustc() {
    let project = copy_fixture("workspace");
    let flagged = |run: &BuildRun| {
        assert!(run.output.status.success(), "{}", run.stderr());
        run_nix_built(project.path(), "app").contains("rustflags reached the crate")
    };
    assert!(!flagged(&build(project.path(), &[])));

    let with_env = build_with(project.path(), &[], |command| {
        command.env("RUSTFLAGS", "--cfg libnix_test_flag");
    });
    assert!(flagged(&with_env), "RUSTFLAGS was ignored");

    std::fs::create_dir_all(project.path().join(".cargo")).expect(".cargo");
    std::fs::write(
        project.path().join(".cargo/config.toml"),
        "[build]\nrustflags = [\"--cfg\", \"libnix_test_flag\"]\n",
    )
    .expect("config");
    let with_config = build_with(project.path(), &[], |command| {
        command.current_dir(project.path());
    });
    assert!(
        flagged(&with_config),
        "the config's build.rustflags was ignored"
    );
}
