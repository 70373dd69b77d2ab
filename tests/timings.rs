//! `build --timings` and `timings` against real Nix: the page, the critical path, the JSON times.

mod common;

use common::*;

#[test]
fn build_timings_writes_the_page_and_json_carries_the_times() {
    let project = copy_fixture("workspace");
    // New derivations for the library and the binary, so both are really built.
    let salt = unique_salt();
    append(
        &project.path().join("greet/src/lib.rs"),
        &format!("\n// {salt}\n"),
    );
    append(
        &project.path().join("app/src/main.rs"),
        &format!("\n// {salt}\n"),
    );
    let run = build(project.path(), &["--timings"]);
    assert!(run.output.status.success(), "{}", run.stderr());

    let finished_units: Vec<&serde_json::Value> = run
        .messages
        .iter()
        .filter(|m| m["reason"] == "unit-finished")
        .collect();
    let built: Vec<&&serde_json::Value> = finished_units
        .iter()
        .filter(|m| m["status"] == "built")
        .collect();
    assert!(built.len() >= 2, "{:?}", run.outcomes());
    for unit in &built {
        let queued = unit["queued_at"].as_f64().expect("queued_at");
        let started = unit["started_at"].as_f64().expect("started_at");
        let finished = unit["finished_at"].as_f64().expect("finished_at");
        let duration = unit["duration"].as_f64().expect("duration");
        assert!(
            0.0 <= queued && queued <= started && started <= finished,
            "{unit}"
        );
        assert!((finished - started - duration).abs() < 1e-6, "{unit}");
    }

    let critical = &run.finished()["critical_path"];
    let path_units = critical["units"].as_array().expect("critical path units");
    assert_eq!(path_units[0]["package"], "app", "{critical}");
    assert_eq!(path_units[0]["target_kind"], "bin", "{critical}");
    let length = critical["duration"].as_f64().expect("duration");
    let sum: f64 = path_units
        .iter()
        .map(|u| u["duration"].as_f64().expect("unit duration"))
        .sum();
    assert!((sum - length).abs() < 1e-6, "{critical}");
    for unit in path_units {
        let built_unit = built
            .iter()
            .any(|m| m["package"] == unit["package"] && m["target_kind"] == unit["target_kind"]);
        assert!(built_unit, "{unit} on the critical path was not built");
    }
    let total = critical["total"].as_f64().expect("total");
    assert!(length > 0.0 && length <= total + 1e-6, "{critical}");

    let stderr = run.stderr();
    let summary = stderr
        .lines()
        .find(|line| line.starts_with("critical path "))
        .unwrap_or_else(|| panic!("no critical path line in {stderr}"));
    assert!(summary.contains(": app(bin) <- "), "{summary}");

    let page_path = project.path().join("target/libnix/timings.html");
    let page = std::fs::read_to_string(&page_path).expect("timings.html");
    for message in &finished_units {
        let package = message["package"].as_str().expect("package");
        assert!(page.contains(package), "{package} missing from the page");
    }
    assert!(
        page.contains(&summary.replace('<', "&lt;")),
        "{summary} missing from the page"
    );
    assert!(page.contains("class=\"built critical\""));

    // After the fact, from the last-build record.
    std::fs::remove_file(&page_path).expect("remove page");
    let again = libnix_tui()
        .arg("timings")
        .arg("--manifest-path")
        .arg(project.path().join("Cargo.toml"))
        .output()
        .expect("run timings");
    let again_stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{again_stderr}");
    assert!(again_stderr.contains(summary), "{again_stderr}");
    let page_again = std::fs::read_to_string(&page_path).expect("timings.html again");
    assert!(page_again.contains(&summary.replace('<', "&lt;")));
}

#[test]
fn timings_without_a_recorded_build_says_so() {
    let project = copy_fixture("workspace");
    let output = libnix_tui()
        .arg("timings")
        .arg("--manifest-path")
        .arg(project.path().join("Cargo.toml"))
        .output()
        .expect("run timings");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no build recorded"), "{stderr}");
}
