//! `doctor --fix` on a real -sys crate from crates.io that fails for want of its native
//! dependency, then a rebuild that succeeds.

mod common;

use common::*;

#[test]
fn doctor_fix_adds_the_missing_native_dep_and_the_rebuild_succeeds() {
    let project = copy_demo_without_deps();
    let failed = build(project.path(), &[]);
    assert!(!failed.output.status.success());
    let failure = failed
        .messages
        .iter()
        .find(|m| m["status"] == "failed")
        .expect("a failed unit");
    assert_eq!(failure["package"], "openssl-sys");
    assert_eq!(failure["diagnosis"]["cause"], "OpenSSL not found");
    assert_eq!(
        failure["diagnosis"]["suggestion"]["packages"],
        serde_json::json!(["pkg-config", "openssl"])
    );

    let doctor = libnix_tui()
        .args(["doctor", "--fix", "--manifest-path"])
        .arg(project.path().join("Cargo.toml"))
        .output()
        .expect("run doctor");
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        doctor.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&doctor.stderr)
    );
    assert!(said.contains("added pkg-config to openssl-sys"), "{said}");
    let file = std::fs::read_to_string(project.path().join("Cargo.dependencies.nix"))
        .expect("doctor created the file");
    assert!(
        file.contains("\"openssl-sys\" = [ pkg-config openssl ];"),
        "{file}"
    );

    let fixed = build(project.path(), &[]);
    assert!(fixed.output.status.success(), "{}", fixed.stderr());
    let output = run_nix_built(project.path(), "demo-cli");
    assert!(output.contains("linked against OpenSSL"), "{output}");
}

#[test]
fn doctor_without_a_recorded_build_says_what_to_do() {
    let project = copy_fixture("workspace");
    let output = libnix_tui()
        .args(["doctor", "--manifest-path"])
        .arg(project.path().join("Cargo.toml"))
        .output()
        .expect("run doctor");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("run `libnix-tui build` first"));
}
