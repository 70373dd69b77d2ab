//! Cargo's answers -> [`BuildPlan`]: packages, units, edges, kinds, profiles and features,
//! without running anything (tested on recorded answers).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::cargo::{CompileFlags, HostRustc};
use super::{
    BuildPlan, CargoOptions, Package, PackageSource, PlanError, Profile, TestRuns, Unit, UnitDep,
    UnitId, UnitKind, short_hash,
};

/// Everything Cargo and rustc said that a plan is made of.
pub(super) struct CargoAnswers {
    pub metadata: cargo_metadata::Metadata,
    /// Package id -> `rust-version` as the manifest writes it (`1.70`, not `1.70.0`).
    pub rust_versions: HashMap<String, String>,
    pub graph: UnitGraph,
    /// `(name, version)` -> checksum, from Cargo.lock.
    pub checksums: HashMap<(String, String), String>,
    pub rustc: HostRustc,
    pub flags: CompileFlags,
    /// The workspace's Cargo.toml, for the `inherits` chain of custom profiles.
    pub workspace_manifest: toml::Table,
}

/// `cargo build --unit-graph`'s output, as far as the plan reads it.
#[derive(Deserialize)]
pub(super) struct UnitGraph {
    units: Vec<GraphUnit>,
    roots: Vec<usize>,
}

#[derive(Deserialize)]
struct GraphUnit {
    pkg_id: String,
    target: GraphTarget,
    profile: GraphProfile,
    platform: Option<String>,
    mode: String,
    features: Vec<String>,
    dependencies: Vec<GraphDep>,
}

#[derive(Deserialize)]
struct GraphTarget {
    kind: Vec<String>,
    crate_types: Vec<String>,
    name: String,
    src_path: PathBuf,
    edition: String,
}

#[derive(Deserialize, serde::Serialize)]
struct GraphProfile {
    /// Not part of a unit's identity, as in Cargo's metadata hash: `cargo test` reuses the
    /// dependencies `cargo build` built when the test profile changes nothing of dev's.
    #[serde(skip_serializing)]
    name: String,
    opt_level: String,
    lto: String,
    codegen_units: Option<u32>,
    debuginfo: Option<serde_json::Value>,
    debug_assertions: bool,
    overflow_checks: bool,
    panic: String,
    strip: serde_json::Value,
    #[serde(default)]
    incremental: bool,
}

#[derive(Deserialize)]
struct GraphDep {
    index: usize,
    extern_crate_name: String,
}

fn unit_kind(target: &GraphTarget, mode: &str) -> UnitKind {
    let kind = |k: &str| target.kind.iter().any(|x| x == k);
    if mode == "doctest" {
        UnitKind::DocTest
    } else if mode == "run-custom-build" {
        UnitKind::BuildScriptRun
    } else if kind("custom-build") {
        UnitKind::BuildScript
    } else if mode == "test" || kind("test") || kind("bench") {
        UnitKind::Test
    } else if mode == "check" && !kind("proc-macro") {
        UnitKind::Check
    } else if kind("proc-macro") {
        UnitKind::ProcMacro
    } else if kind("bin") {
        UnitKind::Bin
    } else if kind("example") {
        UnitKind::Example
    } else {
        UnitKind::Lib
    }
}

fn profile_of(graph: GraphProfile) -> Profile {
    let strip = match &graph.strip {
        serde_json::Value::Object(map) => map
            .values()
            .next()
            .and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Object(inner) => inner
                    .values()
                    .next()
                    .and_then(|x| x.as_str())
                    .map(str::to_string),
                _ => None,
            })
            .unwrap_or_else(|| "None".into()),
        serde_json::Value::String(s) => s.clone(),
        _ => "None".into(),
    };
    Profile {
        name: graph.name,
        opt_level: graph.opt_level,
        lto: graph.lto,
        codegen_units: graph.codegen_units,
        debuginfo: graph.debuginfo.unwrap_or(serde_json::Value::from(0)),
        debug_assertions: graph.debug_assertions,
        overflow_checks: graph.overflow_checks,
        panic: graph.panic,
        strip: strip.to_lowercase(),
        incremental: graph.incremental,
    }
}

/// `s` with every character a store path does not allow replaced by `_`.
pub fn nix_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+-._?=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// [`Unit::key`]: `<pkg>-<version>-<kind label>-<metadata hash>`, Nix-name-safe.
fn unit_key(package: &Package, kind: UnitKind, metadata_hash: &str) -> String {
    nix_name(&format!(
        "{}-{}-{}-{}",
        package.name,
        package.version,
        kind.label().replace(' ', "-"),
        metadata_hash
    ))
}

/// The plan for `options` from Cargo's answers.
pub(super) fn assemble(
    options: &CargoOptions,
    answers: CargoAnswers,
) -> Result<BuildPlan, PlanError> {
    let CargoAnswers {
        metadata,
        rust_versions,
        graph,
        checksums,
        rustc: toolchain,
        flags,
        workspace_manifest,
    } = answers;
    let members: Vec<&str> = metadata
        .workspace_members
        .iter()
        .map(|id| id.repr.as_str())
        .collect();
    let mut packages = BTreeMap::new();
    for pkg in &metadata.packages {
        let manifest_dir = pkg
            .manifest_path
            .parent()
            .map(|p| p.as_std_path().to_path_buf())
            .unwrap_or_default();
        let version = pkg.version.to_string();
        let source = match pkg.source.as_ref().map(|s| s.repr.as_str()) {
            None => PackageSource::Path,
            Some(repr) if repr.starts_with("git+") => PackageSource::Git { url: repr.into() },
            Some(repr) => {
                let Some(checksum) = checksums.get(&(pkg.name.to_string(), version.clone())) else {
                    // Only packages that are part of the resolved graph need a checksum.
                    if !graph.units.iter().any(|u| u.pkg_id == pkg.id.repr) {
                        continue;
                    }
                    return Err(PlanError::Unsupported {
                        package: format!("{} v{}", pkg.name, version),
                        message: format!("no checksum in Cargo.lock for source {repr}"),
                    });
                };
                PackageSource::Registry {
                    checksum: checksum.clone(),
                    crate_file: registry_crate_file(&manifest_dir, &pkg.name, &version),
                }
            }
        };
        packages.insert(
            pkg.id.repr.clone(),
            Package {
                id: pkg.id.repr.clone(),
                name: pkg.name.to_string(),
                version,
                manifest_dir,
                source,
                links: pkg.links.clone(),
                is_member: members.contains(&pkg.id.repr.as_str()),
                declared_features: pkg.features.keys().cloned().collect(),
                metadata_env: metadata_env(pkg, rust_versions.get(&pkg.id.repr)),
            },
        );
    }

    // Doc tests are compiled and run in one step: `--no-run` has none to build.
    let graph = if options.test_runs.is_some() {
        graph
    } else {
        without_doctests(graph)
    };
    let mut units = Vec::with_capacity(graph.units.len());
    for graph_unit in graph.units {
        let package = packages
            .get(&graph_unit.pkg_id)
            .ok_or_else(|| PlanError::Parse {
                command: "cargo build --unit-graph".into(),
                message: format!("unit for unknown package {}", graph_unit.pkg_id),
            })?;
        let kind = unit_kind(&graph_unit.target, &graph_unit.mode);
        let src_path = graph_unit
            .target
            .src_path
            .strip_prefix(&package.manifest_dir)
            .map_err(|_| PlanError::Unsupported {
                package: format!("{} v{}", package.name, package.version),
                message: format!(
                    "target `{}` has its source {} outside the package directory {}",
                    graph_unit.target.name,
                    graph_unit.target.src_path.display(),
                    package.manifest_dir.display()
                ),
            })?
            .to_path_buf();
        let identity = serde_json::json!([
            graph_unit.pkg_id,
            graph_unit.target.name,
            graph_unit.target.kind,
            graph_unit.mode,
            graph_unit.features,
            graph_unit.profile,
            graph_unit.platform,
        ]);
        // A doc-test unit runs its tests: like a test run, named by the arguments and salt.
        let identity = match (&options.test_runs, kind) {
            (Some(runs), UnitKind::DocTest) => serde_json::json!([identity, runs.args, runs.salt]),
            _ => identity,
        };
        let metadata_hash = short_hash(identity.to_string().as_bytes());
        let key = unit_key(package, kind, &metadata_hash);
        units.push(Unit {
            key,
            metadata_hash,
            package: graph_unit.pkg_id,
            kind,
            target_name: graph_unit.target.name,
            crate_types: graph_unit.target.crate_types,
            edition: graph_unit.target.edition,
            src_path,
            features: graph_unit.features,
            profile: profile_of(graph_unit.profile),
            deps: graph_unit
                .dependencies
                .into_iter()
                .map(|d| UnitDep {
                    unit: d.index,
                    extern_crate_name: d.extern_crate_name,
                })
                .collect(),
        });
    }

    let mut roots = graph.roots;
    if let Some(runs) = &options.test_runs {
        add_test_runs(&packages, &mut units, &mut roots, runs);
    }
    Ok(BuildPlan {
        workspace_root: metadata.workspace_root.as_std_path().to_path_buf(),
        target_dir: options
            .target_dir_flag()
            .unwrap_or_else(|| metadata.target_directory.as_std_path().to_path_buf()),
        profile_dir: options.profile_dir(),
        profile_kind: profile_kind(options, &workspace_manifest),
        rustc_version: toolchain.version,
        host_triple: toolchain.host_triple,
        rustc_sysroot: toolchain.sysroot,
        rustc_cfg: toolchain.cfg,
        rustflags: flags.rustflags,
        rustdocflags: flags.rustdocflags,
        linker: flags.linker,
        packages,
        units,
        roots,
        test_runs: options.test_runs.clone(),
    })
}

/// `cargo test --no-run`'s graph without its doc-test units (rustdoc compiles and runs them
/// at once, so there is nothing to build without running); nothing depends on them, so
/// they go with the indices behind them moved up.
fn without_doctests(graph: UnitGraph) -> UnitGraph {
    let mut new_index = Vec::with_capacity(graph.units.len());
    let mut kept = 0;
    for unit in &graph.units {
        new_index.push((unit.mode != "doctest").then_some(kept));
        kept += usize::from(unit.mode != "doctest");
    }
    let remap = |index: usize| new_index.get(index).copied().flatten();
    let units = graph
        .units
        .into_iter()
        .filter(|unit| unit.mode != "doctest")
        .map(|mut unit| {
            unit.dependencies
                .retain_mut(|dep| remap(dep.index).map(|new| dep.index = new).is_some());
            unit
        })
        .collect();
    UnitGraph {
        units,
        roots: graph.roots.into_iter().filter_map(remap).collect(),
    }
}

/// A run unit for each test binary among the roots, in its place: running a binary is a
/// derivation of its own, named by the binary, the test arguments and `--rerun`'s salt.
fn add_test_runs(
    packages: &BTreeMap<String, Package>,
    units: &mut Vec<Unit>,
    roots: &mut [UnitId],
    runs: &TestRuns,
) {
    for root in roots.iter_mut() {
        let binary = &units[*root];
        if binary.kind != UnitKind::Test {
            continue;
        }
        let identity = serde_json::json!([binary.metadata_hash, runs.args, runs.salt]);
        let metadata_hash = short_hash(identity.to_string().as_bytes());
        let run = Unit {
            key: unit_key(
                &packages[&binary.package],
                UnitKind::TestRun,
                &metadata_hash,
            ),
            metadata_hash,
            kind: UnitKind::TestRun,
            deps: vec![UnitDep {
                unit: *root,
                extern_crate_name: binary.target_name.replace('-', "_"),
            }],
            ..binary.clone()
        };
        units.push(run);
        *root = units.len() - 1;
    }
}

fn metadata_env(
    pkg: &cargo_metadata::Package,
    rust_version: Option<&String>,
) -> BTreeMap<String, String> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let path_text = |value: &Option<cargo_metadata::camino::Utf8PathBuf>| {
        value.as_ref().map(|p| p.to_string()).unwrap_or_default()
    };
    BTreeMap::from([
        ("CARGO_PKG_AUTHORS".to_string(), pkg.authors.join(":")),
        ("CARGO_PKG_DESCRIPTION".to_string(), text(&pkg.description)),
        ("CARGO_PKG_HOMEPAGE".to_string(), text(&pkg.homepage)),
        ("CARGO_PKG_REPOSITORY".to_string(), text(&pkg.repository)),
        ("CARGO_PKG_LICENSE".to_string(), text(&pkg.license)),
        (
            "CARGO_PKG_LICENSE_FILE".to_string(),
            path_text(&pkg.license_file),
        ),
        ("CARGO_PKG_README".to_string(), path_text(&pkg.readme)),
        (
            "CARGO_PKG_RUST_VERSION".to_string(),
            rust_version.cloned().unwrap_or_default(),
        ),
    ])
}

/// `debug` or `release` for the selected profile: custom profiles follow their `inherits`
/// chain in the workspace manifest, as Cargo sets PROFILE for build scripts.
fn profile_kind(options: &CargoOptions, manifest: &toml::Table) -> String {
    let mut name = match (&options.profile, options.release) {
        (Some(profile), _) => profile.clone(),
        (None, true) => "release".to_string(),
        (None, false) => "dev".to_string(),
    };
    // Cargo rejects cycles; the bound only keeps a broken manifest from looping here.
    for _ in 0..16 {
        match name.as_str() {
            "dev" | "test" => return "debug".to_string(),
            "release" | "bench" => return "release".to_string(),
            _ => {}
        }
        match manifest
            .get("profile")
            .and_then(|profiles| profiles.get(&name))
            .and_then(|profile| profile.get("inherits"))
            .and_then(|inherits| inherits.as_str())
        {
            Some(parent) => name = parent.to_string(),
            None => break,
        }
    }
    "debug".to_string()
}

/// `~/.cargo/registry/src/<index>/<name>-<version>` -> `~/.cargo/registry/cache/<index>/<name>-<version>.crate`
fn registry_crate_file(manifest_dir: &Path, name: &str, version: &str) -> PathBuf {
    let index_dir = manifest_dir.parent();
    let registry = index_dir.and_then(Path::parent).and_then(Path::parent);
    match (registry, index_dir.and_then(Path::file_name)) {
        (Some(registry), Some(index)) => registry
            .join("cache")
            .join(index)
            .join(format!("{name}-{version}.crate")),
        _ => PathBuf::from(format!("{name}-{version}.crate")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::plan::UnitId;

    /// Cargo's answers for tests/fixtures/workspace (`--workspace --release`), recorded with
    /// the workspace's path replaced by `/fixture` (see tests/fixtures/plan/README.md).
    fn fixture_answers() -> CargoAnswers {
        let read = |name: &str| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/plan")
                .join(name);
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        CargoAnswers {
            metadata: serde_json::from_str(&read("metadata.json")).expect("recorded metadata"),
            rust_versions: HashMap::new(),
            graph: serde_json::from_str(&read("unit-graph.json")).expect("recorded unit graph"),
            checksums: HashMap::new(),
            rustc: HostRustc {
                version: "rustc 1.0.0\nhost: x86_64-unknown-linux-gnu\n".into(),
                host_triple: "x86_64-unknown-linux-gnu".into(),
                sysroot: PathBuf::from("/sysroot"),
                cfg: vec!["unix".into()],
            },
            flags: CompileFlags {
                rustflags: vec!["-Dwarnings".into()],
                rustdocflags: vec!["--cfg".into(), "docs".into()],
                linker: Some("clang".into()),
            },
            workspace_manifest: toml::from_str(include_str!(
                "../../../tests/fixtures/workspace/Cargo.toml"
            ))
            .expect("fixture manifest"),
        }
    }

    fn release_workspace() -> CargoOptions {
        CargoOptions {
            workspace: true,
            release: true,
            ..CargoOptions::default()
        }
    }

    fn fixture_plan() -> BuildPlan {
        assemble(&release_workspace(), fixture_answers()).expect("fixture plan")
    }

    fn find(plan: &BuildPlan, package: &str, kind: UnitKind, opt_level: &str) -> UnitId {
        (0..plan.units.len())
            .find(|&id| {
                let unit = &plan.units[id];
                plan.package_of(id).name == package
                    && unit.kind == kind
                    && unit.profile.opt_level == opt_level
            })
            .unwrap_or_else(|| panic!("no {package} {kind:?} at opt-level {opt_level}"))
    }

    #[test]
    fn units_keep_cargos_order_kinds_and_roots() {
        let plan = fixture_plan();
        let kinds: Vec<(String, UnitKind)> = (0..plan.units.len())
            .map(|id| (plan.package_of(id).name.clone(), plan.units[id].kind))
            .collect();
        let expected = [
            ("app", UnitKind::Bin),
            ("app", UnitKind::BuildScript),
            ("app", UnitKind::BuildScriptRun),
            ("greet", UnitKind::Lib),
            ("greet-macros", UnitKind::ProcMacro),
            ("greet-macros", UnitKind::ProcMacro),
            ("native", UnitKind::Lib),
            ("native", UnitKind::Lib),
            ("native", UnitKind::BuildScript),
            ("native", UnitKind::BuildScriptRun),
            ("native", UnitKind::BuildScriptRun),
            ("unixonly", UnitKind::Lib),
        ];
        assert_eq!(
            kinds,
            expected
                .iter()
                .map(|(name, kind)| (name.to_string(), *kind))
                .collect::<Vec<_>>()
        );
        assert_eq!(plan.roots, vec![0, 3, 5, 7, 11]);
        assert_eq!(plan.units[3].crate_types, vec!["rlib", "cdylib"]);
    }

    #[test]
    fn edges_carry_cargos_extern_names() {
        let plan = fixture_plan();
        let app = find(&plan, "app", UnitKind::Bin, "3");
        let deps: Vec<(UnitId, &str)> = plan.units[app]
            .deps
            .iter()
            .map(|d| (d.unit, d.extern_crate_name.as_str()))
            .collect();
        assert_eq!(
            deps,
            vec![
                (2, "build_script_build"),
                (3, "hello"),
                (4, "greet_macros"),
                (7, "native"),
                (11, "unixonly"),
            ]
        );
        // The build script is compiled against the build-dependency copy of `native`.
        let script = find(&plan, "app", UnitKind::BuildScript, "0");
        assert_eq!(plan.units[script].deps[0].unit, 6);
    }

    #[test]
    fn profiles_and_features_are_cargos() {
        let plan = fixture_plan();
        assert_eq!(plan.profile_dir, "release");
        assert_eq!(plan.profile_kind, "release");
        let app = &plan.units[find(&plan, "app", UnitKind::Bin, "3")];
        assert_eq!(app.features, vec!["default", "shout"]);
        assert_eq!(app.profile.name, "release");
        assert!(!app.profile.debug_assertions);
        assert!(!app.profile.incremental);
        assert_eq!(app.src_path, PathBuf::from("src/main.rs"));
        // Build scripts and their dependencies are built unoptimised, as Cargo does.
        assert_eq!(
            plan.units[find(&plan, "native", UnitKind::Lib, "0")].features,
            Vec::<String>::new()
        );
        assert_eq!(plan.units[3].features, vec!["loud"]);
        assert_eq!(plan.rustflags, vec!["-Dwarnings"]);
        assert_eq!(plan.rustdocflags, vec!["--cfg", "docs"]);
        assert_eq!(plan.linker.as_deref(), Some("clang"));
    }

    #[test]
    fn packages_know_their_members_and_features() {
        let plan = fixture_plan();
        let greet = plan.package_of(3);
        assert!(greet.is_member);
        assert_eq!(greet.source, PackageSource::Path);
        assert_eq!(greet.manifest_dir, PathBuf::from("/fixture/greet"));
        assert!(greet.declared_features.contains(&"loud".to_string()));
        assert_eq!(plan.package_of(6).links.as_deref(), Some("nativegreet"));
        assert_eq!(plan.workspace_root, PathBuf::from("/fixture"));
        assert_eq!(plan.target_dir, PathBuf::from("/fixture/target"));
    }

    #[test]
    fn keys_are_unique_and_end_in_the_metadata_hash() {
        let plan = fixture_plan();
        let mut keys: Vec<&str> = plan.units.iter().map(|u| u.key.as_str()).collect();
        for unit in &plan.units {
            assert_eq!(unit.metadata_hash.len(), 16, "{}", unit.key);
            assert!(
                unit.key.ends_with(&format!("-{}", unit.metadata_hash)),
                "{}",
                unit.key
            );
        }
        assert!(
            plan.units[8].key.starts_with("native-0.2.0-build-script-"),
            "{}",
            plan.units[8].key
        );
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), plan.units.len(), "two units share a key");
    }

    #[test]
    fn custom_profiles_inherit_their_kind() {
        let manifest = fixture_answers().workspace_manifest;
        let profile = |name: &str| CargoOptions {
            profile: Some(name.into()),
            ..CargoOptions::default()
        };
        assert_eq!(profile_kind(&profile("fast"), &manifest), "release");
        assert_eq!(profile_kind(&profile("quick"), &manifest), "debug");
        assert_eq!(profile_kind(&CargoOptions::default(), &manifest), "debug");
    }

    #[test]
    fn walks_follow_dependencies_and_dependents() {
        let plan = fixture_plan();
        assert_eq!(
            plan.transitive_deps(0),
            vec![1, 2, 3, 4, 6, 7, 8, 9, 10, 11]
        );
        assert_eq!(plan.with_dependents(&[8]), vec![0, 1, 2, 6, 7, 8, 9, 10]);
        assert_eq!(plan.with_dependents(&[5]), vec![5]);
        let libs = plan.reachable(0, |dep| plan.units[dep].kind == UnitKind::Lib);
        assert_eq!(libs, vec![3, 7, 11]);
        assert_eq!(plan.dep_of_kind(7, UnitKind::BuildScriptRun), Some(10));
        assert_eq!(plan.dep_of_kind(10, UnitKind::BuildScript), Some(8));
        assert_eq!(plan.dep_of_kind(11, UnitKind::BuildScriptRun), None);
    }

    fn graph_unit(mode: &str, kind: &str, deps: &[usize]) -> serde_json::Value {
        serde_json::json!({
            "pkg_id": "path+file:///fixture/greet#0.3.1",
            "target": {
                "kind": [kind], "crate_types": ["lib"], "name": "greet",
                "src_path": "/fixture/greet/src/lib.rs", "edition": "2021"
            },
            "profile": {
                "name": "test", "opt_level": "0", "lto": "false", "codegen_units": null,
                "debuginfo": 2, "debug_assertions": true, "overflow_checks": true,
                "panic": "unwind", "strip": "none"
            },
            "platform": null,
            "mode": mode,
            "features": [],
            "dependencies": deps
                .iter()
                .map(|&index| serde_json::json!({"index": index, "extern_crate_name": "greet"}))
                .collect::<Vec<_>>(),
        })
    }

    #[test]
    fn without_running_doctests_go_and_the_indices_behind_them_move_up() {
        let graph: UnitGraph = serde_json::from_value(serde_json::json!({
            "units": [
                graph_unit("test", "lib", &[]),
                graph_unit("doctest", "lib", &[2]),
                graph_unit("build", "lib", &[]),
                graph_unit("test", "test", &[2]),
            ],
            "roots": [0, 1, 3],
        }))
        .expect("graph");
        let graph = without_doctests(graph);
        let modes: Vec<&str> = graph.units.iter().map(|u| u.mode.as_str()).collect();
        assert_eq!(modes, ["test", "build", "test"]);
        assert_eq!(graph.units[2].dependencies[0].index, 1);
        assert_eq!(graph.roots, [0, 2]);
    }

    #[test]
    fn doc_tests_are_units_named_by_the_test_arguments() {
        let plan = |args: &[&str], salt: Option<&str>| {
            let mut answers = fixture_answers();
            answers.graph = serde_json::from_value(serde_json::json!({
                "units": [graph_unit("build", "lib", &[]), graph_unit("doctest", "lib", &[0])],
                "roots": [1],
            }))
            .expect("graph");
            let options = CargoOptions {
                test_runs: Some(TestRuns {
                    args: args.iter().map(|a| a.to_string()).collect(),
                    salt: salt.map(str::to_string),
                }),
                ..CargoOptions::default()
            };
            assemble(&options, answers).expect("plan")
        };
        let doc = plan(&[], None);
        assert_eq!(doc.units[1].kind, UnitKind::DocTest);
        assert_eq!(doc.units[1].deps[0].unit, 0);
        assert_eq!(doc.roots, [1]);
        assert!(
            doc.units[1].key.contains("-doc-test-"),
            "{}",
            doc.units[1].key
        );
        let key = |args: &[&str], salt| plan(args, salt).units[1].key.clone();
        assert_eq!(key(&[], None), doc.units[1].key);
        assert_ne!(key(&["--ignored"], None), doc.units[1].key);
        assert_ne!(key(&[], Some("again")), doc.units[1].key);
        assert_eq!(
            plan(&["x"], None).units[0].key,
            doc.units[0].key,
            "the lib stays"
        );
    }

    #[test]
    fn profiles_that_differ_only_in_name_make_the_same_units() {
        let key = |profile: &str, opt_level: &str| {
            let mut unit = graph_unit("build", "lib", &[]);
            unit["profile"]["name"] = profile.into();
            unit["profile"]["opt_level"] = opt_level.into();
            let mut answers = fixture_answers();
            answers.graph = serde_json::from_value(serde_json::json!({
                "units": [unit],
                "roots": [0],
            }))
            .expect("graph");
            assemble(&CargoOptions::default(), answers)
                .expect("plan")
                .units[0]
                .key
                .clone()
        };
        assert_eq!(key("dev", "0"), key("test", "0"));
        assert_ne!(key("dev", "0"), key("dev", "1"));
    }

    #[test]
    fn each_test_binary_root_gets_a_run_named_by_its_arguments() {
        let mut plan = fixture_plan();
        let binary = plan.roots[0];
        plan.units[binary].kind = UnitKind::Test;
        let runs = |args: &[&str], salt: Option<&str>| {
            let mut units = plan.units.clone();
            let mut roots = plan.roots.clone();
            let runs = TestRuns {
                args: args.iter().map(|a| a.to_string()).collect(),
                salt: salt.map(str::to_string),
            };
            add_test_runs(&plan.packages, &mut units, &mut roots, &runs);
            (units, roots)
        };
        let (units, roots) = runs(&[], None);
        assert_eq!(units.len(), plan.units.len() + 1);
        let run = &units[roots[0]];
        assert_eq!(run.kind, UnitKind::TestRun);
        assert_eq!(run.deps[0].unit, binary);
        assert!(run.key.contains("-test-run-"), "{}", run.key);
        assert_eq!(&roots[1..], &plan.roots[1..], "other roots stay");
        let key = |args: &[&str], salt| runs(args, salt).0.last().map(|u| u.key.clone());
        assert_ne!(key(&[], None), key(&["--ignored"], None));
        assert_ne!(key(&[], None), key(&[], Some("again")));
        assert_eq!(key(&[], None), key(&[], None));
    }
}
