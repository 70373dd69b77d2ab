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

#[test]
fn a_panic_after_100k_lines_of_output_reaches_the_log_the_diagnosis_and_doctor() {
    let build_rs = format!(
        "fn main() {{ for i in 0..100_000 {{ println!(\"noise line {{i}}\"); }} \
         panic!(\"the real problem {}\"); }}\n",
        unique_salt()
    );
    let project = one_package_project("spam", Some(&build_rs), "fn main() {}\n");
    let run = build(project.path(), &[]);
    assert!(!run.output.status.success());
    let failed = run
        .messages
        .iter()
        .find(|m| m["status"] == "failed")
        .expect("a failed unit");
    let log: Vec<&str> = failed["log"]
        .as_array()
        .expect("log lines")
        .iter()
        .filter_map(|line| line.as_str())
        .collect();
    let end = &log[log.len().saturating_sub(5)..];
    assert!(
        end.iter().any(|line| line.contains("panicked at"))
            && end.iter().any(|line| line.contains("the real problem")),
        "the panic does not end the log's {} lines: {end:?}",
        log.len(),
    );
    assert!(
        log.iter().any(|line| line.contains("lines cut here")),
        "nothing says lines were cut"
    );
    let diagnosis = failed["diagnosis"].to_string();
    assert!(diagnosis.contains("the real problem"), "{diagnosis}");

    let doctor = doctor(project.path());
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(said.contains("the real problem"), "{said}");
}
