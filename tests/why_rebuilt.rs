//! `libnix-tui why`: real builds of the workspace fixture through real Nix, one kind of
//! change each, and what `why` says about it afterwards.

mod common;

use std::path::Path;
use std::process::Output;

use common::{append, build, build_with, copy_fixture, libnix_tui, unique_salt};
use serde_json::Value;

fn why(project: &Path, args: &[&str]) -> Output {
    libnix_tui()
        .arg("why")
        .args(args)
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .output()
        .expect("run libnix-tui why")
}

/// stdout of a successful `why`.
fn why_says(project: &Path, args: &[&str]) -> String {
    let output = why(project, args);
    assert!(
        output.status.success(),
        "why failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn built_ok(project: &Path, extra: &[&str]) {
    let run = build(project, extra);
    assert!(run.output.status.success(), "{}", run.stderr());
}

/// A first build of the fixture, whose units the next build is compared with.
fn first_build() -> tempfile::TempDir {
    let project = copy_fixture("workspace");
    built_ok(project.path(), &[]);
    project
}

#[test]
fn without_a_recorded_build_why_says_what_to_do() {
    let project = copy_fixture("workspace");
    let output = why(project.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no build recorded") && stderr.contains("run `libnix-tui build` first"),
        "{stderr}"
    );
}

#[test]
fn an_edited_source_file_of_a_dependency_is_named_through_the_chain() {
    let project = first_build();
    built_ok(project.path(), &[]);
    assert!(
        why_says(project.path(), &[]).contains("Nothing was rebuilt in the latest build"),
        "a no-op build rebuilt nothing"
    );

    append(
        &project.path().join("greet/src/lib.rs"),
        &format!("\n// edited {}\n", unique_salt()),
    );
    built_ok(project.path(), &[]);
    assert_eq!(
        why_says(project.path(), &["app"]),
        "app v0.1.0 (bin): rebuilt because dependency `greet 0.3.1` rebuilt because \
         src/lib.rs changed\n"
    );
    let everything = why_says(project.path(), &[]);
    assert!(
        everything.contains("greet v0.3.1 (lib): rebuilt because src/lib.rs changed\n"),
        "{everything}"
    );
    assert_eq!(
        everything.lines().count(),
        2,
        "only app and greet: {everything}"
    );

    let json = why_says(project.path(), &["app", "--message-format", "json"]);
    let message: Value = serde_json::from_str(json.trim()).expect("one JSON line");
    assert_eq!(message["reason"], "why");
    assert_eq!(message["status"], "rebuilt");
    assert_eq!(message["unit"]["package"], "app");
    let dependency = &message["reasons"][0];
    assert_eq!(dependency["kind"], "dependency-rebuilt");
    assert_eq!(dependency["unit"]["package"], "greet");
    assert_eq!(dependency["reasons"][0]["kind"], "file-changed");
    assert_eq!(dependency["reasons"][0]["path"], "src/lib.rs");
}

#[test]
fn an_added_file_is_named() {
    let project = first_build();
    std::fs::write(
        project.path().join("greet/src/extra.rs"),
        format!("// {}\n", unique_salt()),
    )
    .expect("add a file");
    built_ok(project.path(), &[]);
    assert_eq!(
        why_says(project.path(), &["greet"]),
        "greet v0.3.1 (lib): rebuilt because src/extra.rs added\n"
    );

    let output = why(project.path(), &["nosuchcrate"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no unit `nosuchcrate`"), "{stderr}");
}

#[test]
fn an_enabled_feature_is_named() {
    let project = first_build();
    built_ok(project.path(), &["--features", "unused"]);
    assert_eq!(
        why_says(project.path(), &["app", "--kind", "bin"]),
        "app v0.1.0 (bin): rebuilt because feature `unused` enabled\n"
    );
    assert!(
        why_says(project.path(), &["greet"]).contains("up to date"),
        "greet has no such feature"
    );
}

#[test]
fn changed_rustflags_are_named_once_per_unit() {
    let project = first_build();
    let run = build_with(project.path(), &[], |command| {
        command.env("RUSTFLAGS", "--cfg libnix_test_flag");
    });
    assert!(run.output.status.success(), "{}", run.stderr());
    let reason = "rebuilt because RUSTFLAGS changed from nothing to `--cfg libnix_test_flag`";
    assert_eq!(
        why_says(project.path(), &["app", "--kind", "bin"]),
        format!("app v0.1.0 (bin): {reason}\n"),
        "every dependency changed for the same reason: not repeated"
    );
    assert!(
        why_says(project.path(), &["greet"]).contains(reason),
        "greet was rebuilt for RUSTFLAGS too"
    );
}

#[test]
fn a_changed_env_var_from_the_deps_file_is_named() {
    let project = copy_fixture("workspace");
    let salt = unique_salt();
    let set_greeting = |greeting: &str| {
        std::fs::write(
            project.path().join("Cargo.dependencies.nix"),
            format!(
                "{{ pkgs }}: {{ envs = {{ \"greet\" = {{ GREETING = \"{greeting}\"; }}; }}; }}\n"
            ),
        )
        .expect("deps file");
        built_ok(project.path(), &[]);
    };
    set_greeting(&format!("hello {salt}"));
    set_greeting(&format!("bye {salt}"));
    assert_eq!(
        why_says(project.path(), &["app"]),
        format!(
            "app v0.1.0 (bin): rebuilt because dependency `greet 0.3.1` rebuilt because env \
             GREETING changed from `hello {salt}` to `bye {salt}` in Cargo.dependencies.nix\n"
        )
    );
}

/// A registry crate deep in a crates.io graph: the chain names each crate by its version.
#[test]
fn a_registry_crate_changed_deep_in_the_graph_is_followed_from_the_binary() {
    let project = copy_fixture("crates-io");
    built_ok(project.path(), &[]);
    let salt = unique_salt();
    std::fs::write(
        project.path().join("Cargo.dependencies.nix"),
        format!(
            "{{ pkgs }}: {{ envs = {{ \"regex-syntax\" = {{ LIBNIX_WHY = \"{salt}\"; }}; }}; }}\n"
        ),
    )
    .expect("deps file");
    built_ok(project.path(), &[]);
    let root_cause = format!(
        "dependency `regex-syntax 0.8.12` rebuilt because env LIBNIX_WHY set to `{salt}` in \
         Cargo.dependencies.nix"
    );
    let binary = why_says(project.path(), &["crates-io-demo"]);
    assert!(
        binary.contains(&format!(
            "dependency `regex 1.13.2` rebuilt because {root_cause}"
        )),
        "{binary}"
    );
    assert!(
        !binary.contains("regex-automata"),
        "regex is rebuilt for regex-syntax, named once: {binary}"
    );
    let everything = why_says(project.path(), &[]);
    for line in [
        format!("regex v1.13.2 (lib): rebuilt because {root_cause}"),
        format!("regex-automata v0.4.19 (lib): rebuilt because {root_cause}"),
    ] {
        assert!(everything.contains(&line), "{everything}");
    }
    assert_eq!(everything.lines().count(), 4, "{everything}");
}

#[test]
fn a_native_dep_added_in_the_deps_file_is_named() {
    let project = first_build();
    std::fs::write(
        project.path().join("Cargo.dependencies.nix"),
        "{ pkgs }: with pkgs; { deps = { \"greet\" = [ zlib ]; }; }\n",
    )
    .expect("deps file");
    built_ok(project.path(), &[]);
    // Host mode's pkgs name the host's own libraries `host-<name>`.
    assert_eq!(
        why_says(project.path(), &["greet"]),
        "greet v0.3.1 (lib): rebuilt because native dep host-zlib added\n"
    );
}
