//! Saving through real `nix-instantiate`: refused edits leave the file untouched, accepted
//! ones are evaluated, and env values reach Nix exactly.

mod common;

use std::path::{Path, PathBuf};

use common::nix_eval_json;
use libnix_tui::backend::overrides::{
    CrateSelector, DEPS_FILE_NAME, DepsDocument, Edit, EditReport, Location, OverridesError,
    backup_path, edit_file, evaluate_file, save_validated,
};
use proptest::prelude::*;

/// A stand-in for nixpkgs: a few names, enough to tell known packages from unknown ones.
const TEST_PKGS: &str =
    r#"{ pkg-config = "pkg-config"; openssl = "openssl"; hello = "hello"; zlib = "zlib"; }"#;

fn project_with(fixture: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = directory.path().join(DEPS_FILE_NAME);
    if let Some(fixture) = fixture {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/deps-files")
            .join(fixture);
        std::fs::copy(source, &path).expect("fixture copied");
    }
    (directory, path)
}

fn directory_listing(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .expect("listable")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn add(name: &str, package: &str) -> Edit {
    Edit::AddDep {
        target: CrateSelector::all_versions(name),
        package: package.to_owned(),
    }
}

#[test]
fn a_file_with_a_syntax_error_is_not_edited() {
    let (directory, path) = project_with(Some("syntax-error.nix"));
    let before = std::fs::read(&path).expect("readable");
    match edit_file(&path, &[add("openssl-sys", "hello")], TEST_PKGS) {
        Err(OverridesError::Syntax { location, .. }) => {
            assert_eq!((location.line, location.column), (4, 3));
            assert_eq!(location.file, path);
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).expect("readable"), before);
    assert_eq!(directory_listing(directory.path()), [DEPS_FILE_NAME]);
}

#[test]
fn an_edit_that_does_not_evaluate_is_refused_and_the_file_untouched() {
    let (directory, path) = project_with(Some("readme.nix"));
    let before = std::fs::read(&path).expect("readable");
    let error = edit_file(&path, &[add("unicode-ident", "no-such-package")], TEST_PKGS)
        .expect_err("an unknown package must not be saved");
    match &error {
        OverridesError::Evaluation {
            location: Some(location),
            message,
            ..
        } => {
            assert_eq!(
                (location.file.as_path(), location.line),
                (path.as_path(), 5),
                "{error}"
            );
            assert!(message.contains("no-such-package"), "{message}");
            assert!(
                !message.contains(".tmp"),
                "the temporary file name leaked: {message}"
            );
        }
        other => panic!("expected an evaluation error with a location, got {other}"),
    }
    assert_eq!(std::fs::read(&path).expect("readable"), before);
    assert_eq!(directory_listing(directory.path()), [DEPS_FILE_NAME]);
}

#[test]
fn an_accepted_edit_is_saved_with_a_backup() {
    let (directory, path) = project_with(Some("readme.nix"));
    let before = std::fs::read_to_string(&path).expect("readable");
    let report = edit_file(
        &path,
        &[add("unicode-ident", "zlib"), add("unicode-ident", "hello")],
        TEST_PKGS,
    )
    .expect("zlib is a known package");
    assert_eq!(
        report,
        EditReport {
            created: false,
            unchanged: vec![add("unicode-ident", "hello")],
            backup: Some(backup_path(&path)),
            converted: Vec::new(),
        }
    );
    let after = std::fs::read_to_string(&path).expect("readable");
    assert_eq!(
        after,
        before.replacen("[ pkg-config hello ]", "[ pkg-config hello zlib ]", 1)
    );
    assert_eq!(
        std::fs::read_to_string(backup_path(&path)).expect("backup"),
        before
    );
    assert_eq!(
        directory_listing(directory.path()),
        [DEPS_FILE_NAME, "Cargo.dependencies.nix.bak"]
    );
}

#[test]
fn edits_that_change_nothing_write_nothing() {
    let (directory, path) = project_with(Some("readme.nix"));
    let report =
        edit_file(&path, &[add("unicode-ident", "hello")], TEST_PKGS).expect("nothing to do");
    assert_eq!(report.backup, None);
    assert_eq!(directory_listing(directory.path()), [DEPS_FILE_NAME]);
}

#[test]
fn the_first_edit_creates_the_file_from_the_template() {
    let (directory, path) = project_with(None);
    let report = edit_file(
        &path,
        &[
            add("openssl-sys", "pkg-config"),
            Edit::SetEnv {
                target: CrateSelector::version("cargo", "0.88.0"),
                var: "FOO".to_owned(),
                value: "bar".to_owned(),
            },
        ],
        TEST_PKGS,
    )
    .expect("created");
    assert!(report.created);
    assert_eq!(report.backup, None);
    let text = std::fs::read_to_string(&path).expect("created");
    assert!(
        text.starts_with("# "),
        "the template's comment explains the format"
    );
    assert!(
        text.contains("  deps = {\n    \"openssl-sys\" = [ pkg-config ];\n  };\n"),
        "{text}"
    );
    assert!(
        text.contains("  envs = {\n    \"cargo\" = { \"0.88.0\" = { FOO = \"bar\"; }; };\n  };\n"),
        "{text}"
    );
    assert_eq!(
        DepsDocument::parse(&path, text)
            .expect("parses")
            .entries()
            .len(),
        2
    );
    assert_eq!(directory_listing(directory.path()), [DEPS_FILE_NAME]);
}

#[test]
fn removing_from_an_absent_file_creates_nothing() {
    let (directory, path) = project_with(None);
    let error = edit_file(
        &path,
        &[Edit::RemoveDep {
            target: CrateSelector::all_versions("x"),
            package: "hello".to_owned(),
        }],
        TEST_PKGS,
    )
    .expect_err("nothing to remove");
    assert!(
        matches!(error, OverridesError::NotPresent { .. }),
        "{error}"
    );
    assert!(directory_listing(directory.path()).is_empty());
}

/// Writes `text` to `path` and returns where evaluating it fails and what Nix said.
fn evaluation_error(path: &Path, text: &str) -> (Location, String) {
    std::fs::write(path, text).expect("written");
    match evaluate_file(path, TEST_PKGS) {
        Err(OverridesError::Evaluation {
            location: Some(location),
            message,
            ..
        }) => (location, message),
        other => panic!("expected an evaluation error with a location, got {other:?}"),
    }
}

#[test]
fn shape_errors_point_at_the_attribute() {
    let (_directory, path) = project_with(None);
    let (location, message) = evaluation_error(
        &path,
        "{ pkgs }: {\n  envs = {\n    \"a\" = {\n      X = [ ];\n    };\n  };\n}\n",
    );
    assert_eq!((location.line, location.column), (4, 7), "{message}");
    assert_eq!(
        message,
        "envs.\"a\".\"X\": expected a string (a variable) or an attribute set (a version), found list"
    );
    let (location, message) =
        evaluation_error(&path, "{ pkgs }: {\n  envs.a.\"1.0\" = { X = 1; };\n}\n");
    assert_eq!((location.line, location.column), (2, 20), "{message}");
    assert_eq!(
        message,
        "envs.\"a\".\"1.0\".\"X\": expected a string, found int"
    );
    let (location, message) = evaluation_error(&path, "{ pkgs }: {\n  dep = { };\n}\n");
    assert_eq!(location.line, 2);
    assert!(message.contains("unknown attribute"), "{message}");
}

#[test]
fn the_fixtures_that_should_evaluate_do() {
    for fixture in ["readme.nix", "envs-only.nix"] {
        let (_directory, path) = project_with(Some(fixture));
        let pkgs = r#"{ pkg-config = "p"; openssl = "o"; hello = "h"; }"#;
        if let Err(error) = evaluate_file(&path, pkgs) {
            panic!("{fixture}: {error}");
        }
    }
}

/// Sets each value as a variable through `edit_file`, then asks Nix what it sees.
fn values_seen_by_nix(values: &[String]) -> Vec<String> {
    let (_directory, path) = project_with(None);
    let edits: Vec<Edit> = values
        .iter()
        .enumerate()
        .map(|(index, value)| Edit::SetEnv {
            target: CrateSelector::all_versions("escapes"),
            var: format!("V{index}"),
            value: value.clone(),
        })
        .collect();
    edit_file(&path, &edits, TEST_PKGS).expect("saved");
    let expression = format!(
        "let envs = (import {} {{ pkgs = {TEST_PKGS}; }}).envs.escapes; in map (index: envs.\"V${{toString index}}\") (builtins.genList (i: i) {})",
        path.display(),
        values.len()
    );
    let seen: Vec<String> = nix_eval_json(["--expr", &expression]);
    let text = std::fs::read_to_string(&path).expect("saved");
    let document = DepsDocument::parse(&path, text).expect("parses");
    let read_back: Vec<String> = document.entries()[0]
        .envs
        .iter()
        .map(|(_, value)| match value {
            libnix_tui::backend::overrides::EnvValue::Literal(value) => value.clone(),
            other => panic!("a written value must read back as a literal, got {other:?}"),
        })
        .collect();
    assert_eq!(read_back, values, "the editor reads back what it wrote");
    seen
}

#[test]
fn awkward_values_reach_nix_exactly() {
    let values: Vec<String> = [
        "",
        "plain",
        "with \"quotes\"",
        "${HOME} and $HOME and $${x} and $",
        "back\\slash\\",
        "\\${not interpolated}",
        "line\nbreak\ttab\rreturn",
        "''two quotes'' and '''three",
        "grüße, ✓, 日本語",
        "trailing $",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_eq!(values_seen_by_nix(&values), values);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn random_values_reach_nix_exactly(values in proptest::collection::vec("[a-z$\\{\\}\"\\\\'\\n\\t\\r ü✓]{0,12}", 1..8)) {
        prop_assert_eq!(values_seen_by_nix(&values), values);
    }
}

#[test]
fn a_file_changed_since_it_was_read_is_not_overwritten() {
    let (directory, path) = project_with(Some("readme.nix"));
    let on_disk = std::fs::read(&path).expect("readable");
    let error = save_validated(
        &path,
        "{ pkgs }: { }\n",
        Some("{ pkgs }: { deps = { }; }\n"),
        TEST_PKGS,
    )
    .expect_err("the file no longer holds what the edit started from");
    assert!(
        matches!(error, OverridesError::ChangedOnDisk { .. }),
        "{error}"
    );
    assert_eq!(std::fs::read(&path).expect("readable"), on_disk);
    assert_eq!(directory_listing(directory.path()), [DEPS_FILE_NAME]);
}

#[test]
fn editing_through_a_symlink_edits_its_target_and_keeps_the_link() {
    let (directory, path) = project_with(None);
    let shared = directory.path().join("shared");
    std::fs::create_dir(&shared).expect("directory created");
    let target = shared.join("deps.nix");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deps-files/readme.nix"),
        &target,
    )
    .expect("fixture copied");
    std::os::unix::fs::symlink("shared/deps.nix", &path).expect("link created");

    edit_file(&path, &[add("openssl-sys", "hello")], TEST_PKGS).expect("edit saved");

    assert_eq!(
        std::fs::read_link(&path).ok(),
        Some(PathBuf::from("shared/deps.nix")),
        "the link is still a link to the same file"
    );
    let edited = std::fs::read_to_string(&target).expect("readable");
    assert!(edited.contains("\"openssl-sys\" = [ hello ];"), "{edited}");
}

#[test]
fn a_write_protected_file_is_not_rewritten_even_by_root() {
    use std::os::unix::fs::PermissionsExt;
    let (directory, path) = project_with(Some("readme.nix"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let before = std::fs::read(&path).expect("readable");

    let error = edit_file(&path, &[add("openssl-sys", "hello")], TEST_PKGS)
        .expect_err("a read-only file must not be rewritten");

    assert_eq!(
        error.to_string(),
        format!(
            "{}: is write-protected (mode 0444); nothing was written (`chmod u+w` it to edit it)",
            path.display()
        )
    );
    assert_eq!(std::fs::read(&path).expect("readable"), before);
    assert_eq!(directory_listing(directory.path()), [DEPS_FILE_NAME]);
}

#[test]
fn the_backup_keeps_the_mode_and_replaces_a_symlink_instead_of_following_it() {
    use std::os::unix::fs::PermissionsExt;
    let (directory, path) = project_with(Some("readme.nix"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let before = std::fs::read_to_string(&path).expect("readable");
    let elsewhere = directory.path().join("elsewhere");
    std::fs::write(&elsewhere, "not to be overwritten").expect("written");
    std::os::unix::fs::symlink(&elsewhere, backup_path(&path)).expect("link created");

    edit_file(&path, &[add("openssl-sys", "hello")], TEST_PKGS).expect("edit saved");

    let backup = backup_path(&path);
    let metadata = std::fs::symlink_metadata(&backup).expect("backup exists");
    assert!(
        metadata.file_type().is_file(),
        "the backup is a regular file"
    );
    assert_eq!(metadata.permissions().mode() & 0o7777, 0o600);
    assert_eq!(std::fs::read_to_string(&backup).expect("readable"), before);
    assert_eq!(
        std::fs::read_to_string(&elsewhere).expect("readable"),
        "not to be overwritten"
    );
    let saved = std::fs::metadata(&path).expect("saved");
    assert_eq!(saved.permissions().mode() & 0o7777, 0o600);
}
