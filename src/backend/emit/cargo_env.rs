//! Cargo emulation: the rustc arguments and environment Cargo would give a unit, as far as
//! the plan knows them (the builder adds store paths and build-script directives).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::backend::plan::{BuildPlan, Package, TestTarget, Unit, UnitId, UnitKind};

/// CARGO_TARGET_TMPDIR, which integration tests and benches get at compile time. Cargo
/// gives `<target>/tmp`; one fixed path keeps a test binary's derivation independent of
/// where the project is (shared between projects and machines). Below /tmp it can be made
/// wherever the binary runs: the test run's builder makes it (Nix's sandbox has a /tmp of
/// its own), and so does every plan with integration tests, for binaries run by hand.
pub const TARGET_TMPDIR: &str = "/tmp/libnix-tui-target-tmp";

/// Whether `unit` is an integration test or bench: what Cargo gives CARGO_TARGET_TMPDIR.
pub fn gets_target_tmpdir(plan: &BuildPlan, unit: UnitId) -> bool {
    plan.units[unit].kind == UnitKind::Test && plan.test_target(unit) == TestTarget::Integration
}

pub(super) fn crate_name(unit: &Unit) -> String {
    if unit.kind == UnitKind::BuildScript {
        "build_script_build".to_string()
    } else {
        unit.target_name.replace('-', "_")
    }
}

/// The file a dependent passes to `--extern`, relative to the unit's output.
pub(super) fn extern_file(unit: &Unit) -> Option<String> {
    let name = crate_name(unit);
    let hash = &unit.metadata_hash;
    match unit.kind {
        UnitKind::ProcMacro => Some(format!("lib/lib{name}-{hash}.so")),
        UnitKind::Lib if unit.crate_types.iter().any(|t| t == "lib" || t == "rlib") => {
            Some(format!("lib/lib{name}-{hash}.rlib"))
        }
        UnitKind::Lib if unit.crate_types.iter().any(|t| t == "dylib") => {
            Some(format!("lib/lib{name}-{hash}.so"))
        }
        UnitKind::Check if unit.crate_types.iter().any(|t| t == "lib" || t == "rlib") => {
            Some(format!("lib/lib{name}-{hash}.rmeta"))
        }
        _ => None,
    }
}

fn on_off(flag: bool) -> &'static str {
    if flag { "on" } else { "off" }
}

/// A compile unit's rustc command line as far as the plan knows it (the builder adds the
/// dependencies' store paths and the build script's directives); `None` for a
/// build-script run, which runs no rustc.
pub fn rustc_command(plan: &BuildPlan, id: UnitId) -> Option<Vec<String>> {
    let unit = &plan.units[id];
    if matches!(unit.kind, UnitKind::BuildScriptRun | UnitKind::TestRun) {
        return None;
    }
    let tool = if unit.kind == UnitKind::DocTest {
        "rustdoc"
    } else {
        "rustc"
    };
    let mut args = vec![tool.to_string()];
    args.extend(rustc_args(plan, unit, plan.package_of(id)));
    for dep in &unit.deps {
        if let Some(file) = extern_file(&plan.units[dep.unit]) {
            args.extend([
                "--extern".into(),
                format!(
                    "{}=<{}>/{file}",
                    dep.extern_crate_name, plan.units[dep.unit].key
                ),
            ]);
        }
    }
    Some(args)
}

/// rustc's arguments that depend only on the plan (no store paths), with the user's
/// rustflags and linker last, as Cargo passes them; rustdoc's for a doc-test unit.
pub(super) fn rustc_args(plan: &BuildPlan, unit: &Unit, package: &Package) -> Vec<String> {
    if unit.kind == UnitKind::DocTest {
        return rustdoc_test_args(plan, unit, package);
    }
    let mut args = static_rustc_args(unit, package);
    if let Some(linker) = &plan.linker {
        args.extend(["-C".into(), format!("linker={linker}")]);
    }
    args.extend(plan.rustflags.iter().cloned());
    args
}

/// `rustdoc --test`'s arguments as `cargo test -v` shows them, less the store paths the
/// builder adds (`--test-run-directory`, `--extern`, `-L`): RUSTDOCFLAGS instead of
/// RUSTFLAGS, the test arguments after `--` given to each doc test as `--test-args`.
fn rustdoc_test_args(plan: &BuildPlan, unit: &Unit, package: &Package) -> Vec<String> {
    let crate_type = unit.crate_types.first().map_or("lib", String::as_str);
    let mut args = vec![
        format!("--edition={}", unit.edition),
        "--crate-type".to_string(),
        crate_type.to_string(),
        "--color".to_string(),
        "auto".to_string(),
        "--crate-name".to_string(),
        crate_name(unit),
        "--test".to_string(),
        unit.src_path.display().to_string(),
    ];
    if is_proc_macro(unit) {
        args.extend(["--extern".into(), "proc_macro".into()]);
    }
    if let Some(linker) = &plan.linker {
        args.extend(["-C".into(), format!("linker={linker}")]);
    }
    for arg in plan.test_runs.iter().flat_map(|runs| &runs.args) {
        args.extend(["--test-args".into(), arg.clone()]);
    }
    if matches!(unit.profile.lto.as_str(), "false" | "off") {
        args.extend(["-C".into(), "embed-bitcode=no".into()]);
    }
    args.extend(feature_args(unit, package));
    args.extend(plan.rustdocflags.iter().cloned());
    args.extend(["--error-format".into(), "human".into()]);
    args
}

fn is_proc_macro(unit: &Unit) -> bool {
    unit.crate_types.iter().any(|t| t == "proc-macro")
}

/// `--cfg feature="..."` for the unit's features and `--check-cfg` for the package's.
fn feature_args(unit: &Unit, package: &Package) -> Vec<String> {
    let mut args = Vec::new();
    for feature in &unit.features {
        args.extend(["--cfg".into(), format!("feature=\"{feature}\"")]);
    }
    args.extend(["--check-cfg".into(), "cfg(docsrs,test)".into()]);
    let values: Vec<String> = package
        .declared_features
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect();
    args.extend([
        "--check-cfg".into(),
        format!("cfg(feature, values({}))", values.join(", ")),
    ]);
    args
}

/// rustc's arguments that follow from the unit and its profile alone.
fn static_rustc_args(unit: &Unit, package: &Package) -> Vec<String> {
    let profile = &unit.profile;
    let mut args = vec![
        "--crate-name".to_string(),
        crate_name(unit),
        format!("--edition={}", unit.edition),
        unit.src_path.display().to_string(),
        "--error-format=human".to_string(),
        "--color=always".to_string(),
    ];
    match unit.kind {
        UnitKind::BuildScript | UnitKind::Bin | UnitKind::Example => {
            args.extend(["--crate-type".into(), "bin".into()]);
        }
        UnitKind::Test => args.push("--test".into()),
        _ => {
            for crate_type in &unit.crate_types {
                args.extend(["--crate-type".into(), crate_type.clone()]);
            }
        }
    }
    // Its unit tests too: a proc-macro's `--test` binary uses `proc_macro` as well.
    if is_proc_macro(unit) {
        args.extend(["--extern".into(), "proc_macro".into()]);
    }
    // A build script's dep-info tells the next plan which files its compile read.
    args.push(match unit.kind {
        UnitKind::Check => "--emit=metadata".to_string(),
        UnitKind::BuildScript => "--emit=dep-info,link".to_string(),
        _ => "--emit=link".to_string(),
    });
    args.extend(["-C".into(), format!("opt-level={}", profile.opt_level)]);
    if profile.panic != "unwind" && unit.kind != UnitKind::ProcMacro {
        args.extend(["-C".into(), format!("panic={}", profile.panic)]);
    }
    match profile.lto.as_str() {
        // As Cargo: without LTO nothing reads the bitcode, so none is embedded.
        "false" | "off" => {
            args.extend(["-C".into(), "embed-bitcode=no".into()]);
        }
        "true" | "fat" => args.extend(["-C".into(), "lto".into()]),
        "thin" => args.extend(["-C".into(), "lto=thin".into()]),
        _ => {}
    }
    if let Some(units) = profile.codegen_units {
        args.extend(["-C".into(), format!("codegen-units={units}")]);
    }
    let debuginfo = match &profile.debuginfo {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.replace('_', "-").to_lowercase(),
        _ => "0".into(),
    };
    if debuginfo != "0" {
        args.extend(["-C".into(), format!("debuginfo={debuginfo}")]);
    }
    args.extend([
        "-C".into(),
        format!("debug-assertions={}", on_off(profile.debug_assertions)),
        "-C".into(),
        format!("overflow-checks={}", on_off(profile.overflow_checks)),
    ]);
    if profile.strip == "debuginfo" || profile.strip == "symbols" {
        args.extend(["-C".into(), format!("strip={}", profile.strip)]);
    }
    // Build scripts too: `#[cfg(feature = "vendored")]` in build.rs is common.
    args.extend(feature_args(unit, package));
    let hash = &unit.metadata_hash;
    args.extend(["-C".into(), format!("metadata={hash}")]);
    if !matches!(
        unit.kind,
        UnitKind::Bin | UnitKind::Example | UnitKind::BuildScript | UnitKind::Test
    ) {
        args.extend(["-C".into(), format!("extra-filename=-{hash}")]);
    }
    if !package.is_member {
        args.extend(["--cap-lints".into(), "allow".into()]);
    }
    args
}

fn package_env(package: &Package) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let version = &package.version;
    let (core, pre) = version.split_once('-').unwrap_or((version, ""));
    let mut parts = core.split('.');
    env.insert("CARGO_PKG_NAME".into(), package.name.clone());
    env.insert("CARGO_PKG_VERSION".into(), version.clone());
    for key in ["MAJOR", "MINOR", "PATCH"] {
        env.insert(
            format!("CARGO_PKG_VERSION_{key}"),
            parts.next().unwrap_or("0").to_string(),
        );
    }
    env.insert("CARGO_PKG_VERSION_PRE".into(), pre.to_string());
    for (key, value) in &package.metadata_env {
        env.insert(key.clone(), value.clone());
    }
    env
}

fn cfg_env(plan: &BuildPlan, unit: &Unit) -> BTreeMap<String, String> {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in &plan.rustc_cfg {
        let (name, value) = match line.split_once('=') {
            Some((name, value)) => (name, value.trim_matches('"').to_string()),
            None => (line.as_str(), String::new()),
        };
        if name == "debug_assertions" {
            continue;
        }
        let entry = grouped.entry(name.to_string()).or_default();
        if !value.is_empty() {
            entry.push(value);
        }
    }
    if unit.profile.debug_assertions {
        grouped.entry("debug_assertions".into()).or_default();
    }
    if !unit.features.is_empty() {
        let mut features = unit.features.clone();
        features.sort();
        grouped.insert("feature".into(), features);
    }
    grouped
        .into_iter()
        .map(|(name, values)| {
            (
                format!("CARGO_CFG_{}", name.to_uppercase()),
                values.join(","),
            )
        })
        .collect()
}

/// The environment Cargo would give the unit, less what only the builder knows (paths in
/// the store: OUT_DIR, CARGO_MANIFEST_DIR, RUSTC, ...).
pub fn unit_env(plan: &BuildPlan, id: UnitId) -> BTreeMap<String, String> {
    let unit = &plan.units[id];
    let package = plan.package_of(id);
    let mut env = package_env(package);
    match unit.kind {
        UnitKind::BuildScriptRun => {
            if let Some(links) = &package.links {
                env.insert("CARGO_MANIFEST_LINKS".into(), links.clone());
            }
            if let Some(linker) = &plan.linker {
                env.insert("RUSTC_LINKER".into(), linker.clone());
            }
            env.insert("TARGET".into(), plan.host_triple.clone());
            env.insert("HOST".into(), plan.host_triple.clone());
            env.insert("OPT_LEVEL".into(), unit.profile.opt_level.clone());
            let debug = unit.profile.debuginfo != 0 && unit.profile.debuginfo != "none";
            env.insert("DEBUG".into(), debug.to_string());
            env.insert("PROFILE".into(), plan.profile_kind.clone());
            env.insert(
                "CARGO_ENCODED_RUSTFLAGS".into(),
                plan.rustflags.join("\u{1f}"),
            );
            for feature in &unit.features {
                let name = feature.to_uppercase().replace('-', "_");
                env.insert(format!("CARGO_FEATURE_{name}"), "1".into());
            }
            env.extend(cfg_env(plan, unit));
        }
        _ => {
            env.insert("CARGO_CRATE_NAME".into(), crate_name(unit));
            let checked_bin =
                unit.kind == UnitKind::Check && unit.crate_types.iter().any(|t| t == "bin");
            if matches!(unit.kind, UnitKind::Bin | UnitKind::Example) || checked_bin {
                env.insert("CARGO_BIN_NAME".into(), unit.target_name.clone());
            }
            if gets_target_tmpdir(plan, id) {
                env.insert("CARGO_TARGET_TMPDIR".into(), TARGET_TMPDIR.into());
            }
            // As Cargo: the packages the command selected, not every workspace member.
            let primary = plan
                .roots
                .iter()
                .any(|&root| plan.units[root].package == unit.package);
            if primary {
                env.insert("CARGO_PRIMARY_PACKAGE".into(), "1".into());
            }
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::backend::plan::{PackageSource, Profile, UnitDep};

    fn profile() -> Profile {
        Profile {
            name: "release".into(),
            opt_level: "3".into(),
            lto: "fat".into(),
            codegen_units: Some(1),
            debuginfo: Value::from("line-tables-only"),
            debug_assertions: false,
            overflow_checks: false,
            panic: "abort".into(),
            strip: "symbols".into(),
            incremental: false,
        }
    }

    fn package(is_member: bool) -> Package {
        Package {
            id: "pkg".into(),
            name: "my-crate".into(),
            version: "1.2.3-beta.1".into(),
            manifest_dir: PathBuf::from("/src/my-crate"),
            source: PackageSource::Path,
            links: None,
            is_member,
            declared_features: vec!["default".into(), "extra".into()],
            metadata_env: BTreeMap::new(),
        }
    }

    fn unit(kind: UnitKind, crate_types: &[&str]) -> Unit {
        Unit {
            key: "my-crate-1.2.3-lib-0123456789abcdef".into(),
            metadata_hash: "0123456789abcdef".into(),
            package: "pkg".into(),
            kind,
            target_name: "my-crate".into(),
            crate_types: crate_types.iter().map(|t| t.to_string()).collect(),
            edition: "2021".into(),
            src_path: PathBuf::from("src/lib.rs"),
            features: vec!["default".into()],
            profile: profile(),
            deps: Vec::<UnitDep>::new(),
        }
    }

    fn has_pair(args: &[String], flag: &str, value: &str) -> bool {
        args.windows(2).any(|w| w[0] == flag && w[1] == value)
    }

    #[test]
    fn profile_settings_become_rustc_flags() {
        let args = static_rustc_args(&unit(UnitKind::Lib, &["lib"]), &package(true));
        for (flag, value) in [
            ("--crate-name", "my_crate"),
            ("--crate-type", "lib"),
            ("-C", "opt-level=3"),
            ("-C", "panic=abort"),
            ("-C", "lto"),
            ("-C", "codegen-units=1"),
            ("-C", "debuginfo=line-tables-only"),
            ("-C", "debug-assertions=off"),
            ("-C", "overflow-checks=off"),
            ("-C", "strip=symbols"),
            ("--cfg", "feature=\"default\""),
            (
                "--check-cfg",
                "cfg(feature, values(\"default\", \"extra\"))",
            ),
            ("-C", "metadata=0123456789abcdef"),
            ("-C", "extra-filename=-0123456789abcdef"),
        ] {
            assert!(
                has_pair(&args, flag, value),
                "{flag} {value} missing: {args:?}"
            );
        }
        assert!(args.contains(&"--edition=2021".to_string()));
        assert!(
            !args.contains(&"--cap-lints".to_string()),
            "a member's lints count"
        );
    }

    #[test]
    fn dependencies_cap_lints_and_proc_macros_see_proc_macro() {
        let args = static_rustc_args(&unit(UnitKind::ProcMacro, &["proc-macro"]), &package(false));
        assert!(has_pair(&args, "--cap-lints", "allow"), "{args:?}");
        assert!(has_pair(&args, "--extern", "proc_macro"), "{args:?}");
        assert!(
            !has_pair(&args, "-C", "panic=abort"),
            "proc-macros always unwind: {args:?}"
        );
    }

    #[test]
    fn binaries_keep_their_name_and_build_scripts_theirs() {
        let bin = static_rustc_args(&unit(UnitKind::Bin, &["bin"]), &package(true));
        assert!(
            !bin.iter().any(|a| a.starts_with("extra-filename")),
            "{bin:?}"
        );
        let script = static_rustc_args(&unit(UnitKind::BuildScript, &["bin"]), &package(true));
        assert!(has_pair(&script, "--crate-name", "build_script_build"));
        assert!(
            has_pair(&script, "--cfg", "feature=\"default\""),
            "build scripts are compiled with their package's features: {script:?}"
        );
    }

    #[test]
    fn doc_tests_get_rustdocs_arguments_as_cargo_passes_them() {
        let mut doc = unit(UnitKind::DocTest, &["lib"]);
        doc.profile.lto = "false".into();
        let plan = BuildPlan {
            rustflags: vec!["-Dwarnings".into()],
            rustdocflags: vec!["--cfg".into(), "docs".into()],
            test_runs: Some(crate::backend::plan::TestRuns {
                args: vec!["--ignored".into()],
                salt: None,
            }),
            ..BuildPlan::default()
        };
        let args = rustdoc_test_args(&plan, &doc, &package(true));
        let expected: Vec<String> = [
            "--edition=2021",
            "--crate-type",
            "lib",
            "--color",
            "auto",
            "--crate-name",
            "my_crate",
            "--test",
            "src/lib.rs",
            "--test-args",
            "--ignored",
            "-C",
            "embed-bitcode=no",
            "--cfg",
            "feature=\"default\"",
            "--check-cfg",
            "cfg(docsrs,test)",
            "--check-cfg",
            "cfg(feature, values(\"default\", \"extra\"))",
            "--cfg",
            "docs",
            "--error-format",
            "human",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(args, expected, "RUSTFLAGS are rustc's, not rustdoc's");
    }

    #[test]
    fn extern_files_follow_the_crate_type() {
        assert_eq!(
            extern_file(&unit(UnitKind::Lib, &["lib"])).as_deref(),
            Some("lib/libmy_crate-0123456789abcdef.rlib")
        );
        assert_eq!(
            extern_file(&unit(UnitKind::ProcMacro, &["proc-macro"])).as_deref(),
            Some("lib/libmy_crate-0123456789abcdef.so")
        );
        assert_eq!(extern_file(&unit(UnitKind::Lib, &["cdylib"])), None);
        assert_eq!(extern_file(&unit(UnitKind::Bin, &["bin"])), None);
    }

    #[test]
    fn package_env_splits_the_version_as_cargo_does() {
        let env = package_env(&package(true));
        assert_eq!(env["CARGO_PKG_VERSION"], "1.2.3-beta.1");
        assert_eq!(env["CARGO_PKG_VERSION_MAJOR"], "1");
        assert_eq!(env["CARGO_PKG_VERSION_MINOR"], "2");
        assert_eq!(env["CARGO_PKG_VERSION_PATCH"], "3");
        assert_eq!(env["CARGO_PKG_VERSION_PRE"], "beta.1");
    }
}
