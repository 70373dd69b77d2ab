//! Messages a user can act on, word for word: what was wrong and what to do instead.

mod common;

use common::*;

fn stderr_of(args: &[&str], project: &std::path::Path) -> (Option<i32>, String) {
    let output = libnix_tui()
        .args(args)
        .current_dir(project)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run libnix-tui");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn zero_jobs_without_builders_is_refused_before_nix_runs() {
    let project = copy_fixture("workspace");
    let (code, stderr) = stderr_of(&["build", "-j", "0"], project.path());
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("error: the following required arguments were not provided:")
            && stderr.contains("--builders <"),
        "{stderr}"
    );
    assert!(!stderr.contains("unable to start any build"), "{stderr}");
}

#[test]
fn an_unknown_subcommand_without_a_terminal_says_what_it_is() {
    let project = copy_fixture("workspace");
    let (code, stderr) = stderr_of(&["bogus"], project.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "error: `bogus` is neither a subcommand nor a project directory (see `libnix-tui --help`)\n"
    );
    let (code, stderr) = stderr_of(&[], project.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "error: the dashboard needs a terminal; without one, build with `libnix-tui build`\n"
    );
}

#[test]
fn an_os_error_names_its_path_once() {
    let project = copy_fixture("workspace");
    let file = project.path().join("Cargo.toml");
    let (code, stderr) = stderr_of(
        &["export", "--out-dir", &file.display().to_string()],
        project.path(),
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "error: {}/build.nix: Not a directory (os error 20)\n",
            file.display()
        )
    );
}
