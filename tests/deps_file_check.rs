//! Checking a deps file's entries against the crates of the build graph.

use std::path::Path;

use libnix_tui::backend::overrides::{DepsDocument, Finding, Problem, check};

fn readme_entries() -> Vec<libnix_tui::backend::overrides::OverrideEntry> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deps-files/readme.nix");
    let text = std::fs::read_to_string(&path).expect("fixture is readable");
    DepsDocument::parse(path, text)
        .expect("fixture parses")
        .entries()
}

fn graph(packages: &[(&str, &str)]) -> Vec<(String, String)> {
    packages
        .iter()
        .map(|(name, version)| (name.to_string(), version.to_string()))
        .collect()
}

#[test]
fn entries_matching_the_graph_give_no_findings() {
    let packages = graph(&[
        ("markup5ever_rcdom", "0.3.0"),
        ("unicode-ident", "1.0.18"),
        ("xml5ever", "0.20.0"),
        ("cargo", "0.88.0"),
        ("cargo-platform", "0.2.0"),
    ]);
    assert_eq!(check(&readme_entries(), &packages), Vec::<Finding>::new());
}

#[test]
fn a_misspelt_crate_gets_a_suggestion_and_a_missing_version_the_known_ones() {
    let packages = graph(&[
        ("markup5ever_rcdom", "0.2.0"),
        ("markup5ever_rcdom", "0.4.1"),
        ("unicode_ident", "1.0.18"),
        ("xml5ever", "0.20.0"),
        ("cargo", "0.88.0"),
        ("serde", "1.0.0"),
    ]);
    let findings = check(&readme_entries(), &packages);
    let summary: Vec<(usize, &Problem)> = findings
        .iter()
        .map(|finding| (finding.location.line, &finding.problem))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                4,
                &Problem::UnknownVersion {
                    name: "markup5ever_rcdom".to_owned(),
                    version: "0.3.0".to_owned(),
                    known_versions: vec!["0.2.0".to_owned(), "0.4.1".to_owned()],
                }
            ),
            (
                5,
                &Problem::UnknownCrate {
                    name: "unicode-ident".to_owned(),
                    suggestion: Some("unicode_ident".to_owned())
                }
            ),
            (
                10,
                &Problem::UnknownCrate {
                    name: "cargo-platform".to_owned(),
                    suggestion: None
                }
            ),
        ]
    );
    let shown = findings[1].to_string();
    assert!(shown.ends_with("readme.nix:5:5: crate `unicode-ident` is not in the build graph; did you mean `unicode_ident`?"), "{shown}");
    let shown = findings[0].to_string();
    assert!(shown.ends_with("readme.nix:4:29: `markup5ever_rcdom` is not built at version 0.3.0; Cargo.lock has 0.2.0, 0.4.1"), "{shown}");
}
