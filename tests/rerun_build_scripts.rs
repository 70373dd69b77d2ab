//! Build scripts rerun exactly when Cargo would rerun them (real Nix builds of
//! tests/fixtures/rerun: `declares` declares build.rs, data.txt and RERUN_FIXTURE_VAR;
//! `silent` declares nothing).

mod common;

use std::path::Path;

use common::*;

const VAR: &str = "RERUN_FIXTURE_VAR";

/// A build with a fresh salt for this test and `VAR` as given; the units it built.
fn rebuilt(project: &Path, salt: &str, var: Option<&str>) -> Vec<(String, String)> {
    let run = build_with(project, &[], |command| {
        command.env("LIBNIX_TUI_REBUILD_SALT", salt);
        match var {
            Some(value) => command.env(VAR, value),
            None => command.env_remove(VAR),
        };
    });
    assert!(run.output.status.success(), "{}", run.stderr());
    let mut built = run.with_status("built");
    built.sort();
    built
}

fn units(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, k)| (p.to_string(), k.to_string()))
        .collect()
}

fn edit(project: &Path, file: &str) {
    append(
        &project.join(file),
        &format!("\n// edited {}\n", unique_salt()),
    );
}

#[test]
fn build_scripts_rerun_when_cargo_reruns_them() {
    let project = copy_fixture("rerun");
    let dir = project.path();
    let salt = unique_salt();
    let all = rebuilt(dir, &salt, None);
    assert_eq!(all.len(), 6, "{all:?}");
    assert!(
        rebuilt(dir, &salt, None).is_empty(),
        "a second build is a no-op"
    );

    // The first edit outside what `declares`' run declared moves that run off the whole
    // package onto its declared files (once); the build script's compile never reruns.
    edit(dir, "declares/src/main.rs");
    assert_eq!(
        rebuilt(dir, &salt, None),
        units(&[("declares", "bin"), ("declares", "build-script-run")])
    );
    edit(dir, "declares/src/main.rs");
    assert_eq!(
        rebuilt(dir, &salt, None),
        units(&[("declares", "bin")]),
        "editing src/main.rs reruns neither the build script's compile nor its run"
    );

    std::fs::write(dir.join("declares/data.txt"), "data-2\n").expect("edit data.txt");
    assert_eq!(
        rebuilt(dir, &salt, None),
        units(&[("declares", "bin"), ("declares", "build-script-run")]),
        "a rerun-if-changed file reruns the run only"
    );
    assert_eq!(run_nix_built(dir, "declares"), "data data-2 var \n");

    assert_eq!(
        rebuilt(dir, &salt, Some("one")),
        units(&[("declares", "bin"), ("declares", "build-script-run")]),
        "a rerun-if-env-changed variable is an input of the run"
    );
    assert_eq!(run_nix_built(dir, "declares"), "data data-2 var one\n");
    assert!(rebuilt(dir, &salt, Some("one")).is_empty());

    // Declaring nothing: any file of the package reruns the run, never the compile.
    std::fs::write(dir.join("silent/notes.txt"), "any file\n").expect("add a file");
    assert_eq!(
        rebuilt(dir, &salt, Some("one")),
        units(&[("silent", "bin"), ("silent", "build-script-run")])
    );
    edit(dir, "silent/src/main.rs");
    assert_eq!(
        rebuilt(dir, &salt, Some("one")),
        units(&[("silent", "bin"), ("silent", "build-script-run")])
    );
}

#[test]
fn a_new_module_of_the_build_script_is_picked_up() {
    let project = copy_fixture("rerun");
    let dir = project.path();
    let salt = unique_salt();
    rebuilt(dir, &salt, None);
    assert_eq!(run_nix_built(dir, "silent"), "from script script-1\n");

    std::fs::write(
        dir.join("silent/extra.rs"),
        "pub fn value() -> &'static str {\n    \"from-extra\"\n}\n",
    )
    .expect("write extra.rs");
    let script = dir.join("silent/build.rs");
    let text = std::fs::read_to_string(&script).expect("read build.rs");
    let text = text.replace("    \"script-1\"", "    extra::value()");
    std::fs::write(&script, format!("mod extra;\n{text}")).expect("write build.rs");

    assert_eq!(
        rebuilt(dir, &salt, None),
        units(&[
            ("silent", "bin"),
            ("silent", "build-script"),
            ("silent", "build-script-run")
        ])
    );
    assert_eq!(run_nix_built(dir, "silent"), "from script from-extra\n");

    // Now compiled from what rustc read (dep-info): after one switch off the whole
    // package, editing src/main.rs no longer recompiles the build script.
    edit(dir, "silent/src/main.rs");
    rebuilt(dir, &salt, None);
    edit(dir, "silent/src/main.rs");
    assert_eq!(
        rebuilt(dir, &salt, None),
        units(&[("silent", "bin"), ("silent", "build-script-run")])
    );
}
