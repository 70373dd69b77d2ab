//! Set-up nixpkgs mode must cope with by itself, as host mode does.

mod common;

use common::{copy_fixture, libnix_tui, stand_in_nixpkgs_env, unique_salt};

/// As root without a daemon, a `build-users-group` that does not exist (Debian 13's
/// nix-bin makes no nixbld group) does not stop a nixpkgs-mode build: it builds without
/// build users, as host mode does.
#[test]
fn nixpkgs_mode_as_root_without_a_daemon_needs_no_build_users() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    assert_eq!(unsafe { libc::geteuid() }, 0, "the tests run as root");
    let project = copy_fixture("workspace");
    let output = stand_in_nixpkgs_env(
        libnix_tui()
            .args(["build", "--toolchain", "nixpkgs", "--manifest-path"])
            .arg(project.path().join("Cargo.toml")),
    )
    .env(
        "NIX_CONFIG",
        "sandbox = false\nsubstituters =\nbuild-users-group = libnix-no-such-group\n",
    )
    .env("LIBNIX_TUI_REBUILD_SALT", unique_salt())
    .output()
    .expect("run libnix-tui");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `libnix-tui build` with `NIX_PATH` naming a nixpkgs whose version gate refuses this Nix
/// (the real nixpkgs on Debian 12's Nix 2.8), and the mode given as `toolchain`.
fn build_with_nixpkgs_for_newer_nix(toolchain: &[&str]) -> std::process::Output {
    let project = copy_fixture("workspace");
    let nixpkgs = common::fixture("nixpkgs-for-newer-nix");
    libnix_tui()
        .arg("build")
        .args(toolchain)
        .arg("--manifest-path")
        .arg(project.path().join("Cargo.toml"))
        .env("NIX_PATH", format!("nixpkgs={}", nixpkgs.display()))
        .env("LIBNIX_TUI_REBUILD_SALT", unique_salt())
        .output()
        .expect("run libnix-tui")
}

/// Asked for nixpkgs mode, a Nix that nixpkgs refuses is said in one line, before any
/// evaluation, with what to do.
#[test]
fn nixpkgs_mode_with_a_nix_nixpkgs_refuses_says_so_up_front() {
    let output = build_with_nixpkgs_for_newer_nix(&["--toolchain", "nixpkgs"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let nixpkgs = common::fixture("nixpkgs-for-newer-nix");
    let expected = format!(
        "<nixpkgs> ({}) needs `builtins.nixVersion` reports at least 99.0, and this is Nix ",
        nixpkgs.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(
        stderr.contains("or build with --toolchain host"),
        "{stderr}"
    );
    assert!(!stderr.contains("evaluat"), "{stderr}");
}

/// Without a mode, such a nixpkgs is passed over for host mode, saying why.
#[test]
fn the_default_mode_falls_back_to_host_when_nixpkgs_refuses_this_nix() {
    let output = build_with_nixpkgs_for_newer_nix(&[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("99.0, and this is Nix ") && stderr.contains("; building in host mode"),
        "{stderr}"
    );
}
