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
