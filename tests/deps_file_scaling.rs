//! A deps file of 40,000 entries is read and checked in time linear in its size: with a
//! search per entry over the entries before it (as there was), this takes minutes.

use libnix_tui::backend::overrides::{DepsDocument, Problem, check};

const ENTRIES: usize = 40_000;

fn large_file() -> String {
    let mut text = String::from("{ pkgs }: with pkgs; {\n  deps = {\n");
    for index in 0..ENTRIES / 2 {
        text.push_str(&format!("    \"crate-{index}\" = [ pkg-config zlib ];\n"));
        text.push_str(&format!(
            "    \"other-{index}\" = {{ \"1.0.{index}\" = [ zlib ]; }};\n"
        ));
    }
    text.push_str("  };\n  envs = {\n");
    for index in 0..ENTRIES / 2 {
        text.push_str(&format!(
            "    \"crate-{index}\" = {{ FOO = \"value {index}\"; }};\n"
        ));
    }
    text.push_str("  };\n}\n");
    text
}

#[test]
fn forty_thousand_entries_are_listed_and_checked() {
    let document =
        DepsDocument::parse("Cargo.dependencies.nix", large_file()).expect("the file parses");
    let entries = document.entries();
    assert_eq!(entries.len(), ENTRIES);
    assert_eq!(
        entries[0].envs.len(),
        1,
        "deps and envs of a crate are one entry"
    );

    // Names unlike the unknown ones, so suggesting a name stays cheap and the check's own
    // cost is what is measured.
    let packages: Vec<(String, String)> = (0..10)
        .map(|index| format!("crate-{index}"))
        .chain((10..300).map(|index| format!("p{index}")))
        .map(|name| (name, "0.1.0".to_owned()))
        .collect();
    let findings = check(&entries, &packages);
    let unknown_crates = findings
        .iter()
        .filter(|finding| matches!(finding.problem, Problem::UnknownCrate { .. }))
        .count();
    assert_eq!(unknown_crates, ENTRIES - 10);
}
