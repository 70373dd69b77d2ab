//! Cargo.dependencies.nix applied by real Nix builds.

mod common;

use common::*;

#[test]
fn pkg_config_library_from_an_inline_derivation_fixes_the_build() {
    let project = copy_fixture("native-pkgconfig");
    let without = build(project.path(), &[]);
    assert!(!without.output.status.success());
    assert_eq!(
        without.with_status("failed"),
        vec![("uses-native".into(), "build-script-run".into())]
    );
    let failed = without
        .messages
        .iter()
        .find(|m| m["status"] == "failed")
        .expect("failed unit");
    assert!(failed["log"].to_string().contains("libnixdemo"), "{failed}");

    std::fs::copy(
        project.path().join("Cargo.dependencies.nix.fixed"),
        project.path().join("Cargo.dependencies.nix"),
    )
    .expect("add the entry");
    let with = build(project.path(), &[]);
    assert!(with.output.status.success(), "{}", with.stderr());
    let output = run_nix_built(project.path(), "uses-native");
    assert!(output.contains("answer from C: 42"), "{output}");
    assert!(
        output.contains("build script saw: hi from Cargo.dependencies.nix"),
        "{output}"
    );
    assert!(
        output.contains("rustc saw: hi from Cargo.dependencies.nix"),
        "{output}"
    );
}

#[test]
fn an_unknown_package_name_is_an_evaluation_error_naming_the_file_and_line() {
    let project = copy_fixture("native-pkgconfig");
    std::fs::write(
        project.path().join("Cargo.dependencies.nix"),
        "{ pkgs }: with pkgs; {\n  deps = {\n    \"uses-native\" = [ pkg-config no-such-package ];\n  };\n}\n",
    )
    .expect("write deps file");
    let run = build(project.path(), &[]);
    assert!(!run.output.status.success());
    let stderr = run.stderr();
    assert!(stderr.contains("no-such-package"), "{stderr}");
    assert!(stderr.contains("Cargo.dependencies.nix:3"), "{stderr}");
}

#[test]
fn a_failing_native_dependency_shows_its_own_log_and_doctor_repeats_it() {
    let project = copy_fixture("native-pkgconfig");
    let salt = unique_salt();
    std::fs::write(
        project.path().join("Cargo.dependencies.nix"),
        format!(
            "{{ pkgs }}: {{\n  deps = {{\n    \"uses-native\" = [ (pkgs.runCommandCC \"broken-native-lib\" {{ }} ''\n      \
             echo 'native lib {salt} failed on purpose' >&2\n      exit 1\n    '') ];\n  }};\n}}\n"
        ),
    )
    .expect("write deps file");
    let run = build(project.path(), &[]);
    assert!(!run.output.status.success());
    let failed: Vec<_> = run
        .messages
        .iter()
        .filter(|m| m["reason"] == "derivation-finished" && m["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{:?}", run.messages);
    assert_eq!(failed[0]["name"], "broken-native-lib");
    assert_eq!(failed[0]["kind"], "native-dep");
    assert_eq!(failed[0]["exit_code"], 1);
    assert!(
        failed[0]["log"]
            .to_string()
            .contains(&format!("native lib {salt} failed on purpose")),
        "{}",
        failed[0]
    );
    assert_counts_add_up(&run);
    assert_eq!(run.finished()["derivations"]["failed"], 1);

    // Piped to a file, as a person reads it: the failure, its log, no protocol, no colour.
    let stderr = human_build_stderr(project.path(), &[]);
    assert!(
        stderr.contains("error: could not build broken-native-lib (native-dep) (exit code 1)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("native lib {salt} failed on purpose")),
        "the failing dependency's log is not shown: {stderr}"
    );
    assert!(
        stderr.contains(": broken-native-lib (native-dep) failed; 0 built, ")
            && stderr.contains("outside the crate graph: 1 failed"),
        "the summary does not read as a failure: {stderr}"
    );
    assert!(
        !stderr.contains("@nix") && !stderr.contains('\u{1b}'),
        "{stderr}"
    );
    let doctor = doctor(project.path());
    assert!(!doctor.status.success());
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        said.contains(&format!("native lib {salt} failed on purpose")),
        "{said}"
    );
}

#[test]
fn a_host_package_missing_on_the_host_names_the_debian_package_and_its_install_command() {
    let present = std::process::Command::new("pkg-config")
        .args(["--exists", "alsa"])
        .status()
        .expect("run pkg-config");
    assert!(
        !present.success(),
        "this test needs a host without alsa's development files (libasound2-dev)"
    );
    let project = copy_fixture("native-pkgconfig");
    std::fs::write(
        project.path().join("Cargo.dependencies.nix"),
        "{ pkgs }: with pkgs; {\n  deps = {\n    \"uses-native\" = [ alsa-lib ];\n  };\n}\n",
    )
    .expect("write deps file");
    let run = build(project.path(), &["--toolchain", "host"]);
    assert!(!run.output.status.success());
    let failed = run
        .messages
        .iter()
        .find(|m| m["reason"] == "derivation-finished" && m["status"] == "failed")
        .expect("the host package's failure");
    assert_eq!(failed["name"], "host-alsa-lib");
    assert_eq!(
        failed["missing_debian_packages"],
        serde_json::json!(["libasound2-dev"])
    );

    let stderr = human_build_stderr(project.path(), &["--toolchain", "host"]);
    assert!(
        stderr.contains("install it with: sudo apt-get install -y libasound2-dev"),
        "{stderr}"
    );

    let doctor = doctor(project.path());
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        said.contains("Install it with:\n    sudo apt-get install -y libasound2-dev"),
        "{said}"
    );
}
