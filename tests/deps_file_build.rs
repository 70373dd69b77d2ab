//! `build` refuses a deps file that `deps check` refuses, before building anything, naming
//! the file and the line.

mod common;

use common::{copy_fixture, libnix_tui};

/// `build` in a copy of the `nested` fixture with `deps_file` as its Cargo.dependencies.nix:
/// the exit code and the `error:` lines.
fn build_with_deps_file(deps_file: &str) -> (Option<i32>, Vec<String>, String) {
    let project = copy_fixture("nested");
    let path = project.path().join("Cargo.dependencies.nix");
    std::fs::write(&path, deps_file).expect("deps file written");
    let output = libnix_tui()
        .arg("build")
        .arg("--manifest-path")
        .arg(project.path().join("Cargo.toml"))
        .output()
        .expect("run libnix-tui");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let shown = path.display().to_string();
    let errors = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error: "))
        .map(|line| line.replace(&shown, "FILE"))
        .collect();
    (output.status.code(), errors, stderr)
}

#[test]
fn a_crate_mapped_to_a_string_stops_the_build() {
    let (code, errors, stderr) =
        build_with_deps_file("{ pkgs }: with pkgs; {\n  deps = { itoa = \"zlib\"; };\n}\n");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        errors,
        [
            "FILE:2:12: does not evaluate: deps.\"itoa\": expected a list of packages, \
          or an attribute set from versions to lists, found string"
        ],
        "{stderr}"
    );
}

#[test]
fn deps_that_is_not_a_set_stops_the_build() {
    let (code, errors, stderr) = build_with_deps_file("{ pkgs }: {\n  deps = 1;\n}\n");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        errors,
        ["FILE:2:3: does not evaluate: deps: expected an attribute set, found int"],
        "{stderr}"
    );
}

#[test]
fn a_misspelt_section_stops_the_build() {
    let (code, errors, stderr) = build_with_deps_file("{ pkgs }: {\n  dpes = { top = [ ]; };\n}\n");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        errors,
        [
            "FILE:2:3: unknown attribute `dpes`: only `deps` and `envs` are read (did you mean `deps`?)"
        ],
        "{stderr}"
    );
}

#[test]
fn variable_names_no_environment_can_hold_stop_the_build() {
    for (name, reason) in [
        ("A=B", "it contains `=`, NUL or whitespace"),
        ("A B", "it contains `=`, NUL or whitespace"),
        ("", "it is empty"),
    ] {
        let (code, errors, stderr) = build_with_deps_file(&format!(
            "{{ pkgs }}: {{\n  envs = {{\n    top = {{ \"{name}\" = \"x\"; }};\n  }};\n}}\n"
        ));
        assert_eq!(code, Some(1), "{stderr}");
        assert_eq!(
            errors,
            [format!(
                "FILE:3:13: envs.\"top\".\"{name}\": not an environment variable name: {reason}"
            )],
            "{stderr}"
        );
    }
}

#[test]
fn deps_check_names_the_variable_no_environment_can_hold() {
    let project = copy_fixture("nested");
    let path = project.path().join("Cargo.dependencies.nix");
    std::fs::write(
        &path,
        "{ pkgs }: {\n  envs = { top = { \"A=B\" = \"x\"; }; };\n}\n",
    )
    .expect("deps file written");
    let output = libnix_tui()
        .args(["deps", "check", "--manifest-path"])
        .arg(project.path().join("Cargo.toml"))
        .output()
        .expect("run libnix-tui");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.lines().any(|line| line
            == format!(
                "{}:2:20: envs.\"top\".\"A=B\": not an environment variable name: it contains `=`, NUL or whitespace",
                path.display()
            )),
        "{stdout}"
    );
}

#[test]
fn every_deps_subcommand_and_doctor_take_the_manifest_path_after_their_name() {
    let project = copy_fixture("nested");
    let manifest = project.path().join("Cargo.toml");
    let elsewhere = tempfile::tempdir().expect("temporary directory");
    let run = |args: &[&str]| {
        let output = libnix_tui()
            .args(args)
            .arg("--manifest-path")
            .arg(&manifest)
            .current_dir(elsewhere.path())
            .output()
            .expect("run libnix-tui");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let file = project.path().join("Cargo.dependencies.nix");
    let (code, out, err) = run(&["deps", "env", "set", "top", "GREETING=hi"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(file.is_file(), "{out}{err}");
    let (code, out, err) = run(&["deps", "list"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("env:  GREETING = \"hi\""), "{out}");
    let (code, out, err) = run(&["deps", "check"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out.lines().last(),
        Some(format!("{}: ok", file.display()).as_str())
    );
    let (code, out, err) = run(&["deps", "env", "unset", "top", "GREETING"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, _, err) = run(&["doctor"]);
    assert!(err.contains("no build recorded in"), "{code:?} {err}");
    for subcommand in [
        &["deps", "add"][..],
        &["deps", "rm"],
        &["doctor"],
        &["deps", "check"],
    ] {
        let help = libnix_tui()
            .args(subcommand)
            .arg("--help")
            .output()
            .expect("run libnix-tui");
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("--manifest-path <PATH>"),
            "{subcommand:?} --help"
        );
    }
}

#[test]
fn an_os_error_names_the_path_it_is_about() {
    let project = copy_fixture("nested");
    let not_a_directory = project.path().join("afile");
    std::fs::write(&not_a_directory, "").expect("file written");
    let output = libnix_tui()
        .args(["deps", "--target-dir"])
        .arg(&not_a_directory)
        .args(["add", "top", "hello", "--manifest-path"])
        .arg(project.path().join("Cargo.toml"))
        .output()
        .expect("run libnix-tui");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: {}/libnix: cannot write the Nix library there: Not a directory (os error 20)\n",
            not_a_directory.display()
        )
    );
}

/// What the engine (and so the dashboard's header) reports about a broken file.
#[test]
fn the_check_before_a_build_names_file_and_line_or_warns() {
    use libnix_tui::backend::overrides::check_before_build;
    const PKGS: &str = r#"{ zlib = "zlib"; }"#;
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = directory.path().join("Cargo.dependencies.nix");
    let packages = [("top".to_owned(), "0.1.0".to_owned())];

    assert_eq!(
        check_before_build(&path, PKGS, &packages).ok(),
        Some(Vec::new()),
        "no file, nothing to say"
    );

    std::fs::write(
        &path,
        "{ pkgs }: {\n  deps = {\n    top = [ pkgs.zlib ]\n  };\n}\n",
    )
    .expect("written");
    let error = check_before_build(&path, PKGS, &packages).expect_err("a syntax error");
    assert_eq!(
        error.to_string(),
        format!(
            "{}:4:3: syntax error: unexpected `}}`, expected `;`",
            path.display()
        )
    );

    std::fs::write(
        &path,
        "{ pkgs }: {\n  deps = {\n    tap = [ pkgs.zlib ];\n  };\n}\n",
    )
    .expect("written");
    assert_eq!(
        check_before_build(&path, PKGS, &packages).ok(),
        Some(vec![format!(
            "{}:3:5: crate `tap` is not in the build graph; did you mean `top`?",
            path.display()
        )])
    );
}

#[test]
fn thousands_of_unknown_crates_give_twenty_warnings_and_a_count() {
    use libnix_tui::backend::overrides::check_before_build;
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = directory.path().join("Cargo.dependencies.nix");
    let entries: String = (0..5000)
        .map(|index| format!("    \"unknown-{index}\" = [ ];\n"))
        .collect();
    std::fs::write(
        &path,
        format!("{{ pkgs }}: {{\n  deps = {{\n{entries}  }};\n}}\n"),
    )
    .expect("written");
    let warnings = check_before_build(&path, "{ }", &[]).expect("the file is sound");
    assert_eq!(warnings.len(), 21);
    assert_eq!(
        warnings[20],
        format!(
            "{}: 4980 more entries name crates or versions that are not built \
             (`libnix-tui deps check` lists them all)",
            path.display()
        )
    );
}

#[test]
fn a_misspelt_package_gets_the_nearest_names_of_pkgs() {
    for (deps_file, column) in [
        (
            "{ pkgs }: with pkgs; {\n  deps = { itoa = [ zlb ]; };\n}\n",
            21,
        ),
        ("{ pkgs }: {\n  deps = { itoa = [ pkgs.zlb ]; };\n}\n", 21),
    ] {
        let (code, errors, stderr) = build_with_deps_file(deps_file);
        assert_eq!(code, Some(1), "{stderr}");
        let missing = if deps_file.contains("pkgs.zlb") {
            "attribute 'zlb' missing"
        } else {
            "undefined variable 'zlb'"
        };
        // Nix words its own suggestions for `pkgs.zlb` (`one of zlib or glib?`).
        let said = format!("FILE:2:{column}: does not evaluate: {missing}; did you mean ");
        assert!(
            errors.len() == 1
                && errors[0].starts_with(&said)
                && errors[0][said.len()..]
                    .split([' ', '?'])
                    .any(|word| word == "zlib"),
            "{stderr}"
        );
    }
}
