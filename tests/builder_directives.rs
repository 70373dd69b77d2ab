//! Build-script directives through the real builder (nix/builder.sh) and real Nix, compared
//! with what Cargo makes of the same fixture (tests/fixtures/directives).

mod common;

use std::path::Path;

use common::*;

fn built_file(project: &Path, relative: &str) -> Vec<u8> {
    let path = project.join("target/libnix/debug").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Fails with Nix's stderr and the failed units' logs unless the build succeeded.
fn assert_built(run: &BuildRun) {
    let failed_logs: Vec<String> = run
        .messages
        .iter()
        .filter(|m| m["status"] == "failed")
        .map(|m| m["log"].to_string())
        .collect();
    assert!(
        run.output.status.success(),
        "{}\n{}",
        run.stderr(),
        failed_logs.join("\n")
    );
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// `cargo:rustc-env` sets the variable for rustc only: PATH, out and RUSTC of the builder
/// stay its own, and a name that is no shell identifier is passed as it is.
#[test]
fn rustc_env_of_a_build_script_is_set_for_rustc_only() {
    let project = copy_fixture("directives");
    let run = build(project.path(), &["-p", "envs-report"]);
    assert_built(&run);
    let nix = run_nix_built(project.path(), "envs-report");
    assert!(
        nix.starts_with("PATH=/nonexistent out=x RUSTC=/nonexistent/rustc ODD-NAME.X=odd value\n"),
        "{nix}"
    );
    assert_eq!(
        nix.lines().next(),
        run_cargo_built(project.path(), "envs-report")
            .lines()
            .next()
    );
}

/// rustc-flags naming a directory whose name is a glob pattern, metadata keys with `.`,
/// `-` and `*` for dependents' build scripts, a dependency's link search path used by a
/// dependent, and a link arg with a `*`: all reach rustc as written, as with Cargo.
#[test]
fn glob_characters_and_odd_metadata_keys_pass_through_as_written() {
    let project = copy_fixture("directives");
    let run = build(project.path(), &["-p", "app"]);
    assert_built(&run);
    let nix = run_nix_built(project.path(), "app");
    assert_eq!(nix, "metadata: dotted dashed starred\nodd 7 searched 5\n");
    assert_eq!(nix, run_cargo_built(project.path(), "app"));
    assert!(contains(
        &built_file(project.path(), "bin/app"),
        "/libnix*rpath"
    ));
}

/// An argument with a newline in it (here from CARGO_ENCODED_RUSTFLAGS) stays one argument.
#[test]
fn a_rustc_argument_with_a_newline_stays_one_argument() {
    let project = copy_fixture("directives");
    let run = build_with(project.path(), &["-p", "app"], |command| {
        command.env(
            "CARGO_ENCODED_RUSTFLAGS",
            "-Clink-arg=-Wl,-rpath,/libnix\nnewline",
        );
    });
    assert_built(&run);
    assert!(contains(
        &built_file(project.path(), "bin/app"),
        "/libnix\nnewline"
    ));
}

/// Variables from Cargo.dependencies.nix named like derivation attributes (name, src, out,
/// builder) reach the build script and rustc without replacing the derivation's own.
#[test]
fn deps_file_env_named_like_derivation_attributes_reaches_the_build() {
    let project = copy_fixture("directives");
    std::fs::write(
        project.path().join("Cargo.dependencies.nix"),
        r#"{ pkgs }: {
  envs = {
    envs = {
      name = "user-name";
      src = "user-src";
      out = "user-out";
      builder = "user-builder";
      buildCommand = "user-build-command";
      LIBNIX_USER_VAR = "user";
    };
  };
}
"#,
    )
    .expect("write Cargo.dependencies.nix");
    let run = build(project.path(), &["-p", "envs-report"]);
    assert_built(&run);
    let nix = run_nix_built(project.path(), "envs-report");
    assert!(
        nix.ends_with(
            "build script: name=user-name src=user-src LIBNIX_USER_VAR=user; rustc: LIBNIX_USER_VAR=user\n"
        ),
        "{nix}"
    );
}

/// `cargo:rustc-link-arg-cdylib` reaches the cdylib's link (here: its soname).
#[test]
fn cdylib_link_args_reach_the_cdylib() {
    let project = copy_fixture("directives");
    let run = build(project.path(), &["-p", "cdy"]);
    assert_built(&run);
    let soname = "liblibnix-cdylib-soname.so";
    assert!(contains(
        &built_file(project.path(), "lib/libcdy.so"),
        soname
    ));

    let cargo = std::process::Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "cdy", "--manifest-path"])
        .arg(project.path().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", project.path().join("target/cargo"))
        .output()
        .expect("run cargo");
    assert!(
        cargo.status.success(),
        "{}",
        String::from_utf8_lossy(&cargo.stderr)
    );
    let cargo_lib = std::fs::read(project.path().join("target/cargo/debug/libcdy.so"))
        .expect("cargo's libcdy.so");
    assert!(contains(&cargo_lib, soname));
}
