//! The environment Cargo gives a build script's run and rustc, against libnix-tui's: the
//! fixture's build script dumps every documented variable and its binary prints them with
//! what rustc saw through env!/option_env!. Store paths and target/ paths differ by design;
//! the fixture prints those normalized (file names, "absolute true", "parallel true").

mod common;

use common::*;

#[test]
fn build_script_and_rustc_see_the_environment_cargo_gives() {
    let project = copy_fixture("cargo-env");
    let run = build(project.path(), &[]);
    assert!(run.output.status.success(), "{}", run.stderr());
    let nix = run_nix_built(project.path(), "env-probe");
    let cargo = run_cargo_built(project.path(), "env-probe");
    assert!(cargo.contains("CARGO_CFG_FEATURE=alpha,default"), "{cargo}");
    let only_in = |a: &str, b: &str| -> Vec<String> {
        a.lines()
            .filter(|line| !b.lines().any(|other| other == *line))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        (only_in(&cargo, &nix), only_in(&nix, &cargo)),
        (vec![], vec![]),
        "(lines only Cargo printed, lines only libnix-tui's build printed)"
    );
}
