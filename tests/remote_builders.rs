//! Remote builders on loopback: an sshd on 127.0.0.1 inside the Debian 13 root that
//! `scripts/nix-2.26.sh` makes (its own /nix store and Nix 2.26), the host's Rust
//! toolchain mounted at its own path, as on an identical machine. Every unit builds there
//! (`-j 0`), and the build and the dashboard say so.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::loopback::{LoopbackServer, free_port};
use common::tmux::open_dashboard;
use common::*;

/// The root scripts/nix-2.26.sh makes and reuses.
fn trixie_root() -> PathBuf {
    let cache = std::env::var_os("LIBNIX_TUI_CACHE")
        .map_or_else(|| PathBuf::from("/var/cache/libnix-tui"), PathBuf::from);
    let root = cache.join("trixie-root");
    for needed in ["usr/sbin/sshd", "usr/bin/nix-store"] {
        assert!(
            root.join(needed).exists(),
            "{} has no {needed}: make the root with scripts/nix-2.26.sh true",
            root.display()
        );
    }
    root
}

/// sshd in the root on 127.0.0.1:`port`, in a private mount namespace (nothing to
/// unmount afterwards), with `dir` (its config and the authorized key) on /mnt and the
/// host's toolchain at its own path.
fn start_sshd(root: &Path, dir: &Path) -> LoopbackServer {
    let port = free_port();
    std::fs::write(
        dir.join("sshd_config"),
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nAuthorizedKeysFile /mnt/authorized_keys\nPidFile none\n"
        ),
    )
    .expect("write sshd_config");
    let script = r#"set -e
        root=$1 dir=$2 sysroot=$3
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --rbind /sys "$root/sys"
        mount -t tmpfs tmpfs "$root/run"
        mkdir -p "$root/run/sshd" "$root$sysroot"
        mount --bind "$dir" "$root/mnt"
        mount --bind -o ro "$sysroot" "$root$sysroot"
        exec chroot "$root" /usr/sbin/sshd -D -e -f /mnt/sshd_config"#;
    let sysroot = rust_sysroot();
    let namespace = ["unshare", "--mount", "--propagation", "private", "--"];
    let shell = ["bash", "-c", script, "sshd-in-root"];
    let mut command: Vec<&OsStr> = namespace.iter().chain(&shell).map(OsStr::new).collect();
    command.extend([root.as_os_str(), dir.as_os_str(), OsStr::new(&sysroot)]);
    LoopbackServer::start(
        "sshd in the trixie root (needs root, unshare and mount)",
        port,
        command,
    )
}

#[test]
fn every_unit_builds_on_the_remote_builder_and_says_where() {
    let root = trixie_root();
    let ssh = tempfile::tempdir().expect("temp dir");
    let key = ssh.path().join("id_ed25519");
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("run ssh-keygen");
    assert!(keygen.success());
    std::fs::copy(
        key.with_extension("pub"),
        ssh.path().join("authorized_keys"),
    )
    .expect("authorize the key");
    let sshd = start_sshd(&root, ssh.path());

    let project = copy_fixture("workspace");
    // The builders keep rustc's incremental state under the project's path, in the root.
    let in_root = root.join(project.path().strip_prefix("/").unwrap_or(project.path()));
    let builders = format!("ssh://root@127.0.0.1 x86_64-linux {} 2", key.display());
    let ssh_options = format!(
        "-p {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
         -o LogLevel=ERROR",
        sshd.port
    );
    let output = libnix_tui()
        .args([
            "build",
            "-j",
            "0",
            "--builders",
            &builders,
            "--manifest-path",
        ])
        .arg(project.path().join("Cargo.toml"))
        .env("LIBNIX_TUI_REBUILD_SALT", unique_salt())
        .env("NIX_SSHOPTS", &ssh_options)
        .output()
        .expect("run libnix-tui build");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let compiling: Vec<&str> = stderr
        .lines()
        .filter(|line| line.trim_start().starts_with("Compiling "))
        .collect();
    assert_eq!(compiling.len(), 9, "{stderr}");
    for line in compiling {
        assert!(
            line.ends_with(" on ssh://root@127.0.0.1"),
            "{line}\n{stderr}"
        );
    }
    assert!(stderr.contains("9 built, 0 cached"), "{stderr}");
    assert!(
        run_nix_built(project.path(), "app").contains("hello-from-native / answer 42"),
        "the binary built remotely does not run here"
    );

    // The dashboard says where units build while they do (the slowest takes seconds).
    let salt = unique_salt();
    let pane = open_dashboard(
        "remote",
        project.path(),
        &["--build", "-j", "0", "--builders", &builders],
        &[
            ("LIBNIX_TUI_REBUILD_SALT", &salt),
            ("NIX_SSHOPTS", &ssh_options),
        ],
    );
    pane.wait_for("on 127.0.0.1", Duration::from_secs(120));
    pane.wait_for_phase("Finished", "Failed", Duration::from_secs(300));
    pane.wait_drawn("the nine units built", |screen| {
        let counts = screen.lines().nth(1).unwrap_or_default();
        counts.contains("✔ 9 built")
    });
    pane.press("q");
    pane.wait_for("EXIT=0", Duration::from_secs(20));
    drop(pane);
    let _ = std::fs::remove_dir_all(in_root);
}
