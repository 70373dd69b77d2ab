use super::*;
use crate::backend::insight::manifest::{RecordedUnit, UnitHistory};

fn lib(package: &str, drv: &str) -> UnitManifest {
    UnitManifest {
        key: format!("{package} lib"),
        package: package.into(),
        version: "0.1.0".into(),
        kind: "lib".into(),
        target: package.into(),
        drv: drv.into(),
        sources: Sources::Files {
            files: BTreeMap::from([("src/lib.rs".to_string(), "aaaa".to_string())]),
        },
        features: vec!["default".into()],
        rustflags: Vec::new(),
        rustc_args: [
            "--crate-name",
            "x",
            "-C",
            "opt-level=0",
            "--cfg",
            "feature=\"default\"",
        ]
        .map(String::from)
        .to_vec(),
        env: BTreeMap::from([("CARGO_PKG_NAME".to_string(), package.to_string())]),
        deps_file_env: BTreeMap::new(),
        native_deps: Vec::new(),
        toolchain: "rustc 1.95.0 (59807616e 2026-04-14)\nrelease: 1.95.0\n".into(),
        deps: BTreeMap::new(),
    }
}

fn changed(before: &UnitManifest, edit: impl FnOnce(&mut UnitManifest)) -> UnitManifest {
    let mut after = before.clone();
    after.drv = format!("{}-new", before.drv);
    edit(&mut after);
    after
}

fn by_drv(manifests: &[&UnitManifest]) -> BTreeMap<String, UnitManifest> {
    manifests
        .iter()
        .map(|m| (m.drv.clone(), (*m).clone()))
        .collect()
}

fn reasons_of(before: &UnitManifest, after: &UnitManifest) -> Vec<String> {
    rebuild_reasons(before, after, &BTreeMap::new())
        .iter()
        .map(Reason::to_string)
        .collect()
}

fn files(after: &mut UnitManifest) -> &mut BTreeMap<String, String> {
    match &mut after.sources {
        Sources::Files { files } => files,
        _ => unreachable!("the fixture has files"),
    }
}

#[test]
fn an_edited_source_file() {
    let before = lib("greet", "g1");
    let after = changed(&before, |m| {
        files(m).insert("src/lib.rs".into(), "bbbb".into());
    });
    assert_eq!(reasons_of(&before, &after), ["src/lib.rs changed"]);
}

#[test]
fn added_and_removed_files() {
    let before = lib("greet", "g1");
    let after = changed(&before, |m| {
        files(m).insert("src/new.rs".into(), "cccc".into());
        files(m).remove("src/lib.rs");
    });
    assert_eq!(
        reasons_of(&before, &after),
        ["src/new.rs added", "src/lib.rs removed"]
    );
}

#[test]
fn a_registry_crate_with_another_checksum() {
    let mut before = lib("regex", "r1");
    before.sources = Sources::Crate {
        checksum: "01".into(),
    };
    let after = changed(&before, |m| {
        m.sources = Sources::Crate {
            checksum: "02".into(),
        }
    });
    assert_eq!(
        reasons_of(&before, &after),
        ["the crate's checksum in Cargo.lock changed"]
    );
}

#[test]
fn features_name_themselves_not_their_cfg_flags() {
    let before = lib("app", "a1");
    let after = changed(&before, |m| {
        m.features = vec!["default".into(), "serde".into()];
        m.rustc_args
            .extend(["--cfg".into(), "feature=\"serde\"".into()]);
        m.env.insert("CARGO_FEATURE_SERDE".into(), "1".into());
    });
    assert_eq!(reasons_of(&before, &after), ["feature `serde` enabled"]);
    assert_eq!(reasons_of(&after, &before), ["feature `serde` disabled"]);
}

#[test]
fn rustflags_are_named_once_not_as_rustc_flags() {
    let before = lib("app", "a1");
    let after = changed(&before, |m| {
        m.rustflags = vec!["--cfg".into(), "fast".into()];
        m.rustc_args.extend(m.rustflags.clone());
        m.env
            .insert("CARGO_ENCODED_RUSTFLAGS".into(), "--cfg\u{1f}fast".into());
    });
    assert_eq!(
        reasons_of(&before, &after),
        ["RUSTFLAGS changed from nothing to `--cfg fast`"]
    );
}

#[test]
fn profile_flags_are_rustc_flags() {
    let before = lib("app", "a1");
    let after = changed(&before, |m| {
        m.rustc_args[3] = "opt-level=3".into();
    });
    assert_eq!(
        reasons_of(&before, &after),
        ["rustc flags changed (`-C opt-level=0` replaced by `-C opt-level=3`)"]
    );
}

#[test]
fn env_vars_from_the_engine_and_the_deps_file() {
    let mut before = lib("greet", "g1");
    before.deps_file_env.insert("FOO".into(), "bar".into());
    let after = changed(&before, |m| {
        m.deps_file_env.insert("FOO".into(), "baz".into());
        m.env.insert("CARGO_PKG_DESCRIPTION".into(), "hi".into());
    });
    assert_eq!(
        reasons_of(&before, &after),
        [
            "env CARGO_PKG_DESCRIPTION set to `hi`",
            "env FOO changed from `bar` to `baz` in Cargo.dependencies.nix"
        ]
    );
}

#[test]
fn native_deps_by_name_and_version() {
    let mut before = lib("openssl-sys", "o1");
    before.native_deps = vec!["/nix/store/aaa-openssl-3.0.13".into()];
    let after = changed(&before, |m| {
        m.native_deps = vec![
            "/nix/store/bbb-openssl-3.0.14".into(),
            "/nix/store/ccc-pkg-config-0.29.2".into(),
        ];
    });
    assert_eq!(
        reasons_of(&before, &after),
        [
            "native dep openssl changed (3.0.13 -> 3.0.14)",
            "native dep pkg-config added"
        ]
    );
    assert_eq!(
        reasons_of(&after, &before),
        [
            "native dep openssl changed (3.0.14 -> 3.0.13)",
            "native dep pkg-config removed"
        ]
    );
}

#[test]
fn a_new_toolchain() {
    let before = lib("app", "a1");
    let after = changed(&before, |m| {
        m.toolchain = "rustc 1.96.0 (0123 2026-06-01)\nrelease: 1.96.0\n".into();
    });
    assert_eq!(
        reasons_of(&before, &after),
        [
            "toolchain changed (`rustc 1.95.0 (59807616e 2026-04-14)` -> `rustc 1.96.0 (0123 2026-06-01)`)"
        ]
    );
    let nixpkgs = |rustc: &str| format!("nixpkgs\nrustc: {rustc}");
    let before = UnitManifest {
        toolchain: nixpkgs("/nix/store/a-rustc-1.94.0/bin/rustc"),
        ..before
    };
    let after = changed(&before, |m| {
        m.toolchain = nixpkgs("/nix/store/b-rustc-1.95.0/bin/rustc")
    });
    assert_eq!(
        reasons_of(&before, &after),
        [
            "toolchain changed (`rustc: /nix/store/a-rustc-1.94.0/bin/rustc` -> `rustc: /nix/store/b-rustc-1.95.0/bin/rustc`)"
        ]
    );
}

/// `app` <- `greet` <- `util`, with an edit in `util`.
fn chain() -> (BTreeMap<String, UnitManifest>, UnitManifest, UnitManifest) {
    let util_before = lib("util", "u1");
    let util_after = changed(&util_before, |m| {
        files(m).insert("src/lib.rs".into(), "edited".into());
    });
    let mut greet_before = lib("greet", "g1");
    greet_before
        .deps
        .insert(util_before.key.clone(), "u1".into());
    let greet_after = changed(&greet_before, |m| {
        m.deps.insert("util lib".into(), util_after.drv.clone());
    });
    let mut app_before = lib("app", "a1");
    app_before.kind = "bin".into();
    app_before.deps.insert("greet lib".into(), "g1".into());
    let app_after = changed(&app_before, |m| {
        m.deps.insert("greet lib".into(), greet_after.drv.clone());
    });
    let manifests = by_drv(&[
        &util_before,
        &util_after,
        &greet_before,
        &greet_after,
        &app_before,
        &app_after,
    ]);
    (manifests, app_before, app_after)
}

#[test]
fn a_rebuilt_dependency_is_followed_to_its_root_cause() {
    let (manifests, before, after) = chain();
    let reasons = rebuild_reasons(&before, &after, &manifests);
    assert_eq!(
        sentence(&reasons),
        "dependency `greet 0.1.0` rebuilt because dependency `util 0.1.0` rebuilt because \
         src/lib.rs changed"
    );
}

#[test]
fn a_dependency_without_an_earlier_record_is_still_named() {
    let (mut manifests, before, after) = chain();
    manifests.remove("g1");
    assert_eq!(
        sentence(&rebuild_reasons(&before, &after, &manifests)),
        "dependency `greet 0.1.0` rebuilt (what went into it before was not recorded)"
    );
}

/// `app` and its dependency `dep`, both changed by `edit`: the dependency must not be
/// named when it says nothing `app`'s own reasons do not.
fn both_changed(dep_before: UnitManifest, edit: impl Fn(&mut UnitManifest)) -> String {
    let dep_after = changed(&dep_before, &edit);
    let mut before = lib("app", "a1");
    before
        .deps
        .insert(dep_before.key.clone(), dep_before.drv.clone());
    let after = changed(&before, |m| {
        edit(m);
        m.deps.insert(dep_before.key.clone(), dep_after.drv.clone());
    });
    let manifests = by_drv(&[&dep_before, &dep_after]);
    sentence(&rebuild_reasons(&before, &after, &manifests))
}

#[test]
fn a_build_script_of_the_same_edit_is_not_repeated() {
    let script = UnitManifest {
        kind: "build script".into(),
        key: "app build-script".into(),
        ..lib("app", "s1")
    };
    let edit = |m: &mut UnitManifest| {
        files(m).insert("src/lib.rs".into(), "edited".into());
    };
    assert_eq!(both_changed(script, edit), "src/lib.rs changed");
}

#[test]
fn rustflags_are_not_repeated_for_every_dependency() {
    let flags = |m: &mut UnitManifest| m.rustflags = vec!["-Ctarget-cpu=native".into()];
    assert_eq!(
        both_changed(lib("greet", "g1"), flags),
        "RUSTFLAGS changed from nothing to `-Ctarget-cpu=native`"
    );
}

#[test]
fn a_difference_nothing_tracks_says_so_and_names_the_derivations() {
    let before = lib("app", "a1");
    let after = changed(&before, |_| {});
    assert_eq!(
        reasons_of(&before, &after),
        [
            "its derivation changed in a way libnix-tui does not track (`nix-diff a1 a1-new` shows how)"
        ]
    );
}

fn record_of(
    units: &[(&UnitManifest, Outcome, Option<&str>)],
    history: &[(&str, &str, Option<&str>)],
) -> BuildRecord {
    let mut record = BuildRecord::default();
    for (manifest, outcome, previous) in units {
        record.latest_build.push(RecordedUnit {
            key: manifest.key.clone(),
            drv: manifest.drv.clone(),
            outcome: outcome.clone(),
            previous: previous.map(String::from),
        });
    }
    for (key, current, previous) in history {
        record.history.insert(
            key.to_string(),
            UnitHistory {
                current: current.to_string(),
                previous: previous.map(String::from),
            },
        );
    }
    record
}

#[test]
fn the_latest_build_says_what_was_rebuilt_and_what_was_not() {
    let (manifests, before, after) = chain();
    let mut record = record_of(
        &[(&after, Outcome::Built, Some("a1"))],
        &[("app lib", "a1-new", Some("a1"))],
    );
    record.manifests = manifests.clone();
    let explained = explain(&record, "app lib").expect("app is in the latest build");
    assert!(explained.was_rebuilt());
    assert_eq!(
        explained.summary(),
        "rebuilt because dependency `greet 0.1.0` rebuilt because dependency `util 0.1.0` \
         rebuilt because src/lib.rs changed"
    );
    assert_eq!(explain_latest_build(&record), vec![explained]);

    let mut record = record_of(
        &[(&after, Outcome::Cached, Some("a1-new"))],
        &[("app lib", "a1-new", Some("a1"))],
    );
    record.manifests = manifests.clone();
    assert!(explain_latest_build(&record).is_empty());
    assert_eq!(
        explain(&record, "app lib").map(|e| e.summary()).as_deref(),
        Some(
            "up to date: unchanged since the previous build (last rebuilt because dependency \
             `greet 0.1.0` rebuilt because dependency `util 0.1.0` rebuilt because src/lib.rs \
             changed)"
        )
    );

    let mut record = record_of(&[(&before, Outcome::Cached, Some("a1-new"))], &[]);
    record.manifests = manifests.clone();
    assert!(matches!(
        explain(&record, "app lib").map(|e| e.verdict),
        Some(Verdict::Reused { .. })
    ));

    let mut record = record_of(&[(&before, Outcome::Built, None)], &[]);
    record.manifests = manifests;
    assert_eq!(
        explain(&record, "app lib").map(|e| e.verdict),
        Some(Verdict::FirstBuild)
    );
    assert_eq!(explain(&record, "nothing"), None);
}

/// `regex` depends on `regex-syntax` directly and through `regex-automata`.
#[test]
fn a_dependency_reached_twice_is_named_by_its_shortest_chain() {
    let syntax_before = lib("regex-syntax", "s1");
    let syntax_after = changed(&syntax_before, |m| {
        m.deps_file_env.insert("FOO".into(), "1".into());
    });
    let mut automata_before = lib("regex-automata", "m1");
    automata_before
        .deps
        .insert(syntax_before.key.clone(), "s1".into());
    let automata_after = changed(&automata_before, |m| {
        m.deps
            .insert(syntax_before.key.clone(), syntax_after.drv.clone());
    });
    let mut before = lib("regex", "r1");
    before.deps.insert(automata_before.key.clone(), "m1".into());
    before.deps.insert(syntax_before.key.clone(), "s1".into());
    let after = changed(&before, |m| {
        m.deps
            .insert(automata_before.key.clone(), automata_after.drv.clone());
        m.deps
            .insert(syntax_before.key.clone(), syntax_after.drv.clone());
    });
    let manifests = by_drv(&[
        &syntax_before,
        &syntax_after,
        &automata_before,
        &automata_after,
    ]);
    assert_eq!(
        sentence(&rebuild_reasons(&before, &after, &manifests)),
        "dependency `regex-syntax 0.1.0` rebuilt because env FOO set to `1` in \
         Cargo.dependencies.nix"
    );
}

#[test]
fn the_same_file_edited_in_two_packages_is_named_for_each() {
    let edit = |m: &mut UnitManifest| {
        files(m).insert("src/lib.rs".into(), "edited".into());
    };
    let (a_before, b_before) = (lib("a", "a1"), lib("b", "b1"));
    let (a_after, b_after) = (changed(&a_before, edit), changed(&b_before, edit));
    let mut before = lib("app", "app1");
    before.deps.insert(a_before.key.clone(), "a1".into());
    before.deps.insert(b_before.key.clone(), "b1".into());
    let after = changed(&before, |m| {
        m.deps.insert(a_before.key.clone(), a_after.drv.clone());
        m.deps.insert(b_before.key.clone(), b_after.drv.clone());
    });
    let manifests = by_drv(&[&a_before, &a_after, &b_before, &b_after]);
    assert_eq!(
        sentence(&rebuild_reasons(&before, &after, &manifests)),
        "dependency `a 0.1.0` rebuilt because src/lib.rs changed and dependency `b 0.1.0` \
         rebuilt because src/lib.rs changed"
    );
}

#[test]
fn a_unit_fetched_from_a_cache_says_so_and_why_it_changed() {
    let (manifests, before, after) = chain();
    let from = || Outcome::Substituted {
        from: "https://cache.example.org".into(),
    };
    let mut record = record_of(
        &[(&after, from(), Some("a1"))],
        &[("app lib", "a1-new", Some("a1"))],
    );
    record.manifests = manifests.clone();
    let explained = explain(&record, "app lib").expect("app is in the latest build");
    assert!(explained.was_rebuilt(), "asked about like a rebuilt unit");
    assert_eq!(
        explained.summary(),
        "fetched from https://cache.example.org, not built here: changed because dependency \
         `greet 0.1.0` rebuilt because dependency `util 0.1.0` rebuilt because src/lib.rs changed"
    );

    // Its output was deleted and fetched again: nothing changed.
    let mut record = record_of(&[(&before, from(), Some("a1"))], &[]);
    record.manifests = manifests;
    assert_eq!(
        explain(&record, "app lib").map(|e| e.summary()).as_deref(),
        Some("fetched from https://cache.example.org, not built here")
    );
}
