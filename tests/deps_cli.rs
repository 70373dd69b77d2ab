//! `deps` subcommands end to end on a real file, with edits checked by Nix (this is a Nix
//! test: it fails without nix-instantiate).

use std::path::Path;

use clap::Parser;
use libnix_tui::backend::overrides;
use libnix_tui::cli::deps::{DepsCommand, run_with_output};

const TEST_PKGS: &str = r#"{ pkg-config = "pkg-config"; openssl = "openssl"; hello = "hello"; }"#;

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    deps: DepsCommand,
}

fn run_captured(
    args: &[&str],
    file: &Path,
    graph: Option<&[(String, String)]>,
) -> (i32, String, String) {
    let command = Cli::try_parse_from(std::iter::once("deps").chain(args.iter().copied()))
        .expect("valid arguments")
        .deps;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with_output(&command, file, TEST_PKGS, graph, &mut out, &mut err)
        .expect("output written");
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

#[test]
fn add_then_list_then_check() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let file = directory.path().join(overrides::DEPS_FILE_NAME);

    let (code, out, _) = run_captured(
        &["add", "openssl-sys", "pkg-config", "openssl"],
        &file,
        None,
    );
    assert_eq!(code, 0);
    assert!(out.starts_with("created "), "{out}");
    assert!(
        out.contains("added openssl to openssl-sys (every version)"),
        "{out}"
    );

    let (code, out, _) = run_captured(&["add", "openssl-sys", "openssl"], &file, None);
    assert_eq!(
        (code, out.trim()),
        (0, "openssl-sys (every version) already has openssl")
    );

    let (code, out, _) = run_captured(&["list"], &file, None);
    assert_eq!(code, 0);
    assert!(out.contains("openssl-sys (every version)  ("), "{out}");
    assert!(out.contains("  deps: pkg-config openssl\n"), "{out}");

    let graph = [("openssl-sys".to_owned(), "0.9.1".to_owned())];
    let (code, out, _) = run_captured(&["check"], &file, Some(&graph));
    assert_eq!(code, 0, "{out}");

    let misspelt = [
        ("openssl-sys2".to_owned(), "0.9.1".to_owned()),
        ("serde".to_owned(), "1.0.0".to_owned()),
    ];
    let (code, out, _) = run_captured(&["check"], &file, Some(&misspelt));
    assert_eq!(code, 1);
    assert!(out.contains("did you mean `openssl-sys2`?"), "{out}");
}

#[test]
fn refusals_are_printed_with_exit_code_one() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let file = directory.path().join(overrides::DEPS_FILE_NAME);
    std::fs::write(&file, "{ pkgs }: { deps = { \"a\" = [ pkgs.hello ]; }; }\n").expect("written");
    let (code, out, err) = run_captured(&["add", "a", "pkgs.nothere"], &file, None);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.starts_with(&format!("error: {}:1:", file.display())),
        "{err}"
    );
    assert!(err.contains("nothere"), "{err}");

    let (code, _, err) = run_captured(&["add", "a", "openssl"], &file, None);
    assert_eq!(code, 1);
    assert!(err.contains("hint: `openssl` is not defined"), "{err}");
    assert!(err.contains("write `pkgs.openssl`"), "{err}");
}

#[test]
fn the_with_pkgs_hint_is_only_given_to_files_without_it() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let file = directory.path().join(overrides::DEPS_FILE_NAME);
    std::fs::write(
        &file,
        "{ pkgs }: with pkgs; { deps = { \"a\" = [ hello ]; }; }\n",
    )
    .expect("written");
    let (code, _, err) = run_captured(&["add", "a", "Hello"], &file, None);
    assert_eq!(code, 1);
    assert_eq!(
        err.lines().last(),
        Some(
            "hint: `Hello` is not a package of this pkgs: check the spelling (attribute names are case-sensitive)"
        ),
        "{err}"
    );
}

#[test]
fn a_file_that_imports_another_is_checked_by_evaluation() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let file = directory.path().join(overrides::DEPS_FILE_NAME);
    std::fs::write(&file, "{ pkgs }: import ./shared.nix { inherit pkgs; }\n").expect("written");
    let shared = directory.path().join("shared.nix");
    std::fs::write(
        &shared,
        "{ pkgs }: { deps = { \"a\" = [ pkgs.nothere ]; }; }\n",
    )
    .expect("written");
    let (code, out, _) = run_captured(&["check"], &file, Some(&[]));
    assert_eq!(code, 1, "{out}");
    let shown = file.display().to_string();
    assert_eq!(
        out.replace(&shown, "FILE")
            .replace(&shared.display().to_string(), "SHARED"),
        "note: FILE:1:11: cannot edit the file: the function returns a function call, not a literal \
         attribute set; so its entries were not compared with the build plan\n\
         FILE: does not evaluate: attribute 'nothere' missing (at SHARED:1:30)\n\
         FILE: 1 problem\n"
    );
}

#[test]
fn add_says_what_it_converted() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let file = directory.path().join(overrides::DEPS_FILE_NAME);
    std::fs::write(
        &file,
        "{ pkgs }: with pkgs; {\n  deps = { \"a\" = [ hello ]; };\n}\n",
    )
    .expect("written");
    let (code, out, err) = run_captured(&["add", "a@1.0.0", "openssl"], &file, None);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "converted: deps.\"a\" was one list for every version; it is now a set of versions, \
             with that list under \"*\" (every version)"
        ),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("readable"),
        "{ pkgs }: with pkgs; {\n  deps = { \"a\" = { \"*\" = [ hello ]; \"1.0.0\" = [ openssl ]; }; };\n}\n"
    );
}
