//! Golden edits on hand-written files: each edit changes exactly the intended bytes.

use std::path::{Path, PathBuf};

use libnix_tui::backend::overrides::{
    CrateSelector, DepsDocument, Edit, EnvValue, OverrideEntry, OverridesError,
};

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/deps-files")
        .join(name)
}

fn fixture(name: &str) -> DepsDocument {
    let path = fixture_path(name);
    let text = std::fs::read_to_string(&path).expect("fixture is readable");
    DepsDocument::parse(path, text).expect("fixture parses")
}

fn all(name: &str) -> CrateSelector {
    CrateSelector::all_versions(name)
}

fn one(name: &str, version: &str) -> CrateSelector {
    CrateSelector::version(name, version)
}

fn add(target: CrateSelector, package: &str) -> Edit {
    Edit::AddDep {
        target,
        package: package.to_owned(),
    }
}

fn rm(target: CrateSelector, package: &str) -> Edit {
    Edit::RemoveDep {
        target,
        package: package.to_owned(),
    }
}

fn set(target: CrateSelector, var: &str, value: &str) -> Edit {
    Edit::SetEnv {
        target,
        var: var.to_owned(),
        value: value.to_owned(),
    }
}

fn unset(target: CrateSelector, var: &str) -> Edit {
    Edit::UnsetEnv {
        target,
        var: var.to_owned(),
    }
}

/// Asserts that `edit` turns the fixture into itself with the one occurrence of `old`
/// replaced by `new`, and nothing else.
fn assert_edit(name: &str, edit: Edit, old: &str, new: &str) {
    let document = fixture(name);
    let before = document.source();
    assert_eq!(
        before.matches(old).count(),
        1,
        "`{old}` must occur once in {name}"
    );
    let after = document
        .apply(&edit)
        .unwrap_or_else(|error| panic!("{edit}: {error}"));
    assert_eq!(after, before.replacen(old, new, 1), "{edit} on {name}");
}

fn assert_unchanged(name: &str, edit: Edit) {
    let document = fixture(name);
    assert_eq!(
        document.apply(&edit).ok().as_deref(),
        Some(document.source()),
        "{edit}"
    );
}

fn refusal(name: &str, edit: Edit) -> OverridesError {
    match fixture(name).apply(&edit) {
        Ok(_) => panic!("{edit} on {name} should be refused"),
        Err(error) => error,
    }
}

/// What the file holds instead of what `edit` asked to remove.
fn present_instead(name: &str, edit: Edit) -> Vec<String> {
    match refusal(name, edit) {
        OverridesError::NotPresent { present, .. } => present,
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn printing_a_parsed_fixture_gives_it_back() {
    for name in [
        "readme.nix",
        "no-with.nix",
        "odd-spacing.nix",
        "envs-only.nix",
        "unsupported.nix",
    ] {
        let text = std::fs::read_to_string(fixture_path(name)).expect("fixture is readable");
        assert_eq!(
            rnix::Root::parse(&text).syntax().to_string(),
            text,
            "{name}"
        );
        assert_eq!(fixture(name).source(), text, "{name}");
    }
}

/// An entry without its file name: crate, version, deps, envs, line.
type EntrySummary = (
    String,
    Option<String>,
    Vec<String>,
    Vec<(String, EnvValue)>,
    usize,
);

#[test]
fn readme_entries_are_listed_in_file_order() {
    let entries = fixture("readme.nix").entries();
    let summary: Vec<EntrySummary> = entries
        .into_iter()
        .map(
            |OverrideEntry {
                 crate_name,
                 version,
                 deps,
                 envs,
                 location,
             }| (crate_name, version, deps, envs, location.line),
        )
        .collect();
    let literal = |value: &str| EnvValue::Literal(value.to_owned());
    assert_eq!(
        summary,
        vec![
            (
                "markup5ever_rcdom".into(),
                Some("0.3.0".into()),
                vec!["pkg-config".into(), "openssl".into()],
                vec![],
                4
            ),
            (
                "unicode-ident".into(),
                None,
                vec!["pkg-config".into(), "hello".into()],
                vec![],
                5
            ),
            ("xml5ever".into(), Some("0.20.0".into()), vec![], vec![], 6),
            (
                "cargo".into(),
                Some("0.88.0".into()),
                vec![],
                vec![("FOO".into(), literal("bar11 asdf"))],
                9
            ),
            (
                "cargo-platform".into(),
                None,
                vec![],
                vec![("FOO".into(), literal("worx"))],
                10
            ),
        ]
    );
}

#[test]
fn entry_locations_point_at_the_key() {
    let entries = fixture("readme.nix").entries();
    let rcdom = &entries[0].location;
    assert_eq!(
        (rcdom.line, rcdom.column),
        (4, 29),
        "the version key \"0.3.0\""
    );
    assert!(rcdom.file.ends_with("readme.nix"));
    let ident = &entries[1].location;
    assert_eq!((ident.line, ident.column), (5, 5));
}

#[test]
fn envs_only_values_are_decoded_or_kept_as_expressions() {
    let entries = fixture("envs-only.nix").entries();
    let cargo_version = entries
        .iter()
        .find(|entry| entry.version.is_some())
        .expect("cargo@0.88.0");
    assert_eq!(
        cargo_version.envs[1],
        (
            "BAR".to_owned(),
            EnvValue::Literal("multi\nline\n".to_owned())
        )
    );
    let openssl = entries
        .iter()
        .find(|entry| entry.crate_name == "openssl-sys")
        .expect("openssl-sys");
    assert_eq!(
        openssl.envs,
        vec![(
            "OPENSSL_DIR".to_owned(),
            EnvValue::Expression("\"${pkgs.openssl}\"".to_owned())
        )]
    );
}

#[test]
fn add_to_existing_lists() {
    assert_edit(
        "readme.nix",
        add(all("unicode-ident"), "openssl"),
        "[ pkg-config hello ];",
        "[ pkg-config hello openssl ];",
    );
    assert_edit(
        "readme.nix",
        add(one("markup5ever_rcdom", "0.3.0"), "zlib"),
        "[ pkg-config openssl ]",
        "[ pkg-config openssl zlib ]",
    );
    assert_edit(
        "readme.nix",
        add(one("xml5ever", "0.20.0"), "zlib"),
        "[]",
        "[ zlib ]",
    );
    assert_edit(
        "odd-spacing.nix",
        add(all("libz-ng-sys"), "zlib"),
        "[cmake]",
        "[cmake zlib]",
    );
    assert_edit(
        "odd-spacing.nix",
        add(all("alsa-sys"), "zlib"),
        "[pkg-config   alsa-lib]",
        "[pkg-config   alsa-lib zlib]",
    );
}

#[test]
fn add_to_a_multi_line_list_keeps_trailing_comments_in_place() {
    assert_edit(
        "no-with.nix",
        add(all("openssl-sys"), "pkgs.zlib"),
        "      pkgs.openssl # TLS\n",
        "      pkgs.openssl # TLS\n      pkgs.zlib\n",
    );
}

#[test]
fn calls_are_added_parenthesized() {
    assert_edit(
        "readme.nix",
        add(all("unicode-ident"), "runCommandCC \"x\" {} \"touch $out\""),
        "[ pkg-config hello ]",
        "[ pkg-config hello (runCommandCC \"x\" {} \"touch $out\") ]",
    );
}

#[test]
fn adding_what_is_listed_changes_nothing() {
    assert_unchanged("readme.nix", add(all("unicode-ident"), "hello"));
    assert_unchanged("no-with.nix", add(all("openssl-sys"), "(pkgs.openssl)"));
}

#[test]
fn add_creates_version_crate_and_section_entries() {
    assert_edit(
        "readme.nix",
        add(one("markup5ever_rcdom", "0.4.0"), "zlib"),
        "{ \"0.3.0\" = [ pkg-config openssl ]; }",
        "{ \"0.3.0\" = [ pkg-config openssl ]; \"0.4.0\" = [ zlib ]; }",
    );
    assert_edit(
        "readme.nix",
        add(all("openssl-sys"), "openssl"),
        "    \"xml5ever\" = { \"0.20.0\" = []; };\n",
        "    \"xml5ever\" = { \"0.20.0\" = []; };\n    \"openssl-sys\" = [ openssl ];\n",
    );
    assert_edit(
        "readme.nix",
        add(one("openssl-sys", "0.9.1"), "openssl"),
        "    \"xml5ever\" = { \"0.20.0\" = []; };\n",
        "    \"xml5ever\" = { \"0.20.0\" = []; };\n    \"openssl-sys\" = { \"0.9.1\" = [ openssl ]; };\n",
    );
    assert_edit(
        "envs-only.nix",
        add(all("openssl-sys"), "pkgs.openssl"),
        "    \"openssl-sys\" = { OPENSSL_DIR = \"${pkgs.openssl}\"; };\n  };\n",
        "    \"openssl-sys\" = { OPENSSL_DIR = \"${pkgs.openssl}\"; };\n  };\n  deps = {\n    \"openssl-sys\" = [ pkgs.openssl ];\n  };\n",
    );
}

#[test]
fn add_follows_tabs_and_odd_layout() {
    assert_edit(
        "odd-spacing.nix",
        add(all("foo"), "zlib"),
        "sniffnet = [ pkg-config libpcap ];};",
        "sniffnet = [ pkg-config libpcap ];\n\t  \"foo\" = [ zlib ];};",
    );
}

#[test]
fn remove_from_lists() {
    assert_edit(
        "readme.nix",
        rm(all("unicode-ident"), "hello"),
        "[ pkg-config hello ]",
        "[ pkg-config ]",
    );
    assert_edit(
        "readme.nix",
        rm(all("unicode-ident"), "pkg-config"),
        "[ pkg-config hello ]",
        "[ hello ]",
    );
    assert_edit(
        "no-with.nix",
        rm(all("openssl-sys"), "pkgs.pkg-config"),
        "[\n      pkgs.pkg-config\n      pkgs.openssl",
        "[\n      pkgs.openssl",
    );
    assert_edit(
        "no-with.nix",
        rm(all("openssl-sys"), "pkgs.openssl"),
        "pkgs.openssl # TLS",
        "# TLS",
    );
    assert_edit(
        "no-with.nix",
        rm(all("ring"), "marker"),
        "[ marker (pkgs",
        "[ (pkgs",
    );
    assert_edit(
        "odd-spacing.nix",
        rm(all("libz-ng-sys"), "cmake"),
        "[cmake]",
        "[]",
    );
}

#[test]
fn removing_the_last_element_leaves_an_empty_list() {
    let document = fixture("readme.nix");
    let once = DepsDocument::parse(
        document.path(),
        document
            .apply(&rm(all("unicode-ident"), "hello"))
            .expect("rm hello"),
    )
    .expect("parses");
    let twice = once
        .apply(&rm(all("unicode-ident"), "pkg-config"))
        .expect("rm pkg-config");
    assert_eq!(
        twice,
        document.source().replacen("[ pkg-config hello ]", "[ ]", 1)
    );
}

#[test]
fn removing_what_is_not_there_says_what_is() {
    assert_eq!(
        present_instead("readme.nix", rm(all("unicode-ident"), "zlib")),
        ["pkg-config", "hello"]
    );
    assert_eq!(
        present_instead("readme.nix", rm(all("markup5ever_rcdom"), "openssl")),
        ["markup5ever_rcdom@0.3.0"]
    );
}

#[test]
fn a_version_entry_for_a_crate_with_one_list_turns_the_list_into_the_every_version_key() {
    let edit = add(one("unicode-ident", "1.0.0"), "zlib");
    assert_edit(
        "readme.nix",
        edit.clone(),
        "\"unicode-ident\" = [ pkg-config hello ]; # needed since 1.0",
        "\"unicode-ident\" = { \"*\" = [ pkg-config hello ]; \"1.0.0\" = [ zlib ]; }; # needed since 1.0",
    );
    assert_eq!(
        fixture("readme.nix").conversion(&edit).as_deref(),
        Some(
            "deps.\"unicode-ident\" was one list for every version; it is now a set of versions, \
             with that list under \"*\" (every version)"
        )
    );
}

#[test]
fn every_version_deps_of_a_crate_that_lists_versions_go_under_its_star_key() {
    let edit = add(all("markup5ever_rcdom"), "zlib");
    assert_edit(
        "readme.nix",
        edit.clone(),
        "{ \"0.3.0\" = [ pkg-config openssl ]; }",
        "{ \"0.3.0\" = [ pkg-config openssl ]; \"*\" = [ zlib ]; }",
    );
    assert_eq!(
        fixture("readme.nix").conversion(&edit).as_deref(),
        Some(
            "deps.\"markup5ever_rcdom\" lists versions; the deps for every version go under its \"*\" key"
        )
    );

    let with_star = DepsDocument::parse(
        "Cargo.dependencies.nix",
        fixture("readme.nix").apply(&edit).expect("converted"),
    )
    .expect("parses");
    let entries = with_star.entries();
    let every_version = entries
        .iter()
        .find(|entry| entry.crate_name == "markup5ever_rcdom" && entry.version.is_none())
        .expect("the \"*\" list is the every-version entry");
    assert_eq!(every_version.deps, ["zlib"]);
    assert_eq!(
        with_star
            .apply(&add(all("markup5ever_rcdom"), "hello"))
            .expect("added"),
        with_star
            .source()
            .replacen("\"*\" = [ zlib ];", "\"*\" = [ zlib hello ];", 1)
    );
    assert_eq!(
        with_star
            .apply(&rm(all("markup5ever_rcdom"), "zlib"))
            .expect("removed"),
        with_star
            .source()
            .replacen("\"*\" = [ zlib ];", "\"*\" = [ ];", 1)
    );
}

#[test]
fn a_list_with_comments_keeps_them_when_it_becomes_the_every_version_key() {
    let source = "{ pkgs }: {\n  deps = {\n    # why\n    \"demo-app\" = [\n      pkgs.pkg-config # for openssl\n    ];\n  };\n}\n";
    let document = DepsDocument::parse("Cargo.dependencies.nix", source).expect("parses");
    assert_eq!(
        document
            .apply(&add(one("demo-app", "0.1.0"), "pkgs.zlib"))
            .expect("converted"),
        "{ pkgs }: {\n  deps = {\n    # why\n    \"demo-app\" = { \"*\" = [\n      pkgs.pkg-config # for openssl\n    ]; \"0.1.0\" = [ pkgs.zlib ]; };\n  };\n}\n"
    );
}

#[test]
fn set_env_replaces_only_the_value() {
    assert_edit(
        "readme.nix",
        set(all("cargo-platform"), "FOO", "new"),
        "FOO = \"worx\";",
        "FOO = \"new\";",
    );
    assert_edit(
        "envs-only.nix",
        set(one("cargo", "0.88.0"), "BAR", "x"),
        "''\n        multi\n        line\n      ''",
        "\"x\"",
    );
    assert_edit(
        "envs-only.nix",
        set(all("openssl-sys"), "OPENSSL_DIR", "/opt/ssl"),
        "\"${pkgs.openssl}\"",
        "\"/opt/ssl\"",
    );
    assert_unchanged("readme.nix", set(all("cargo-platform"), "FOO", "worx"));
}

#[test]
fn set_env_creates_variables_versions_and_crates() {
    assert_edit(
        "readme.nix",
        set(one("cargo", "0.88.0"), "BAZ", "1"),
        "{ \"FOO\" = \"bar11 asdf\"; }",
        "{ \"FOO\" = \"bar11 asdf\"; BAZ = \"1\"; }",
    );
    assert_edit(
        "readme.nix",
        set(all("cargo"), "BAR", "x"),
        "{ \"0.88.0\" = { \"FOO\" = \"bar11 asdf\"; }; }",
        "{ \"0.88.0\" = { \"FOO\" = \"bar11 asdf\"; }; BAR = \"x\"; }",
    );
    assert_edit(
        "readme.nix",
        set(one("ring", "0.17.8"), "RING_PREGENERATE_ASM", "1"),
        "    \"cargo-platform\" = { FOO = \"worx\"; };\n",
        "    \"cargo-platform\" = { FOO = \"worx\"; };\n    \"ring\" = { \"0.17.8\" = { RING_PREGENERATE_ASM = \"1\"; }; };\n",
    );
    assert_edit(
        "no-with.nix",
        set(all("openssl-sys"), "OPENSSL_NO_VENDOR", "1"),
        "    '') ];\n  };\n",
        "    '') ];\n  };\n  envs = {\n    \"openssl-sys\" = { OPENSSL_NO_VENDOR = \"1\"; };\n  };\n",
    );
}

#[test]
fn set_env_follows_dotted_paths_and_tabs() {
    assert_edit(
        "odd-spacing.nix",
        set(all("nix-installer"), "NEW", "1"),
        "DETERMINATE_NIXD_BINARY_PATH=\"../README.md\";\n",
        "DETERMINATE_NIXD_BINARY_PATH=\"../README.md\";\n\t\tNEW = \"1\";\n",
    );
    assert_edit(
        "odd-spacing.nix",
        set(one("proc-macro-test", "0.0.0"), "X", "1"),
        "{ PROC_MACRO_TEST_LOCATION = \"\"; }",
        "{ PROC_MACRO_TEST_LOCATION = \"\"; X = \"1\"; }",
    );
    assert_edit(
        "odd-spacing.nix",
        set(all("foo"), "X", "1"),
        "PROC_MACRO_TEST_LOCATION = \"\"; };\n",
        "PROC_MACRO_TEST_LOCATION = \"\"; };\n\tenvs.\"foo\".X = \"1\";\n",
    );
}

#[test]
fn unset_env() {
    assert_edit(
        "readme.nix",
        unset(all("cargo-platform"), "FOO"),
        "{ FOO = \"worx\"; }",
        "{ }",
    );
    assert_edit(
        "odd-spacing.nix",
        unset(all("nix-installer"), "NIX_TARBALL_URL"),
        "\t\tNIX_TARBALL_URL = \"foo.tar.xz\";\n",
        "",
    );
    assert_edit(
        "envs-only.nix",
        unset(one("cargo", "0.88.0"), "FOO"),
        "{ FOO = \"this version\"; BAR",
        "{ BAR",
    );
    assert_eq!(
        present_instead("readme.nix", unset(all("cargo-platform"), "BAR")),
        ["FOO"]
    );
}

#[test]
fn unsafe_constructs_are_refused_with_their_location() {
    let error = refusal("unsupported.nix", add(all("openssl-sys"), "zlib"));
    match &error {
        OverridesError::Unsupported {
            location,
            subject,
            reason,
        } => {
            assert_eq!(
                (location.line, location.column, subject.as_str()),
                (7, 10, "deps")
            );
            assert!(reason.contains("operator"), "{reason}");
        }
        other => panic!("unexpected {other}"),
    }
    let error = refusal("unsupported.nix", set(all("cargo"), "FOO", "y"));
    assert!(
        matches!(&error, OverridesError::Unsupported { location, reason, .. } if location.line == 10 && reason.contains("rec")),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("unsupported.nix:10:10: cannot edit envs"),
        "{error}"
    );
}

#[test]
fn unreadable_parts_are_reported_while_the_rest_is_listed() {
    let document = fixture("unsupported.nix");
    let entries = document.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].crate_name, "cargo");
    let parts: Vec<(String, usize)> = document
        .unreadable_parts()
        .into_iter()
        .map(|part| (part.subject, part.location.line))
        .collect();
    assert_eq!(
        parts,
        [
            ("deps".to_owned(), 7),
            ("envs.\"shared\"".to_owned(), 12),
            ("envs".to_owned(), 13)
        ]
    );
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let path = fixture_path("syntax-error.nix");
    let text = std::fs::read_to_string(&path).expect("fixture is readable");
    match DepsDocument::parse(&path, text) {
        Err(OverridesError::Syntax { location, message }) => {
            assert_eq!((location.line, location.column), (4, 3), "{message}");
            assert!(message.contains('}'), "{message}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn files_that_are_not_a_function_returning_a_set_are_refused() {
    for (text, line) in [("{ deps = { }; }", 1), ("{ pkgs }:\n  import ./x.nix", 2)] {
        match DepsDocument::parse("f.nix", text) {
            Err(OverridesError::Unsupported { location, .. }) => {
                assert_eq!(location.line, line, "{text}")
            }
            other => panic!("{text}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn windows_line_endings_are_kept() {
    let text = "{ pkgs }: with pkgs; {\r\n  deps = {\r\n    \"a\" = [ hello ];\r\n  };\r\n}\r\n";
    let document = DepsDocument::parse("f.nix", text).expect("parses");
    let added = document.apply(&add(all("b"), "zlib")).expect("added");
    assert_eq!(
        added,
        text.replacen(
            "[ hello ];\r\n",
            "[ hello ];\r\n    \"b\" = [ zlib ];\r\n",
            1
        )
    );
    let with_envs = document.apply(&set(all("a"), "X", "1")).expect("set");
    assert_eq!(
        with_envs,
        text.replacen(
            "  };\r\n",
            "  };\r\n  envs = {\r\n    \"a\" = { X = \"1\"; };\r\n  };\r\n",
            1
        )
    );
    let removed = document.apply(&rm(all("a"), "hello")).expect("removed");
    assert_eq!(removed, text.replacen("[ hello ]", "[ ]", 1));
}
