//! The plan.json contract: typed and versioned, with the field names the Nix library in
//! `nix/` reads (default.nix, host.nix). Rendered with sorted keys, so equal plans give
//! equal bytes (the session names each plan file by its content).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::cargo_env::{TARGET_TMPDIR, extern_file, gets_target_tmpdir, rustc_args, unit_env};
use super::rerun::{Narrowed, RunSource, build_script_source, run_inputs};
use super::{EmitError, SourcePaths};
use crate::backend::layout::{GENERATED_MARKER, Layout};
use crate::backend::plan::{BuildPlan, Package, PackageSource, Unit, UnitId, UnitKind, nix_name};
use crate::backend::toolchain::{Toolchain, ToolchainMode};

/// Bumped whenever a field changes meaning or goes away; new optional fields keep it.
pub const PLAN_JSON_VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct PlanJson<'a> {
    pub version: u32,
    pub generated: &'static str,
    pub toolchain: &'a Toolchain,
    /// Cargo's profile directory name.
    pub profile: &'a str,
    /// Keyed by Cargo's package id; only packages with units.
    pub packages: BTreeMap<&'a str, PackageJson<'a>>,
    /// Indexed by [`UnitId`], as every `unit` field refers to them.
    pub units: Vec<UnitJson<'a>>,
    pub roots: Vec<RootJson>,
}

#[derive(Debug, Serialize)]
pub struct PackageJson<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// `<name>-<version>` as a store path allows it (Cargo allows more characters).
    #[serde(rename = "storeName")]
    pub store_name: String,
    pub source: SourceJson<'a>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SourceJson<'a> {
    Registry {
        /// `<name>-<version>.crate`: the fixed-output path's name.
        name: String,
        sha256: &'a str,
        #[serde(rename = "crateFile")]
        crate_file: &'a Path,
        url: String,
    },
    /// A directory: a path or git package.
    Path {
        path: String,
        /// Directories inside it that are not part of its source.
        exclude: Vec<String>,
    },
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum UnitJson<'a> {
    /// Running a compiled build script.
    Run(RunJson<'a>),
    /// A rustc invocation.
    Compile(CompileJson<'a>),
    /// Running a test binary (`nix/test-run.nix`).
    #[serde(rename = "test-run")]
    TestRun(TestRunJson<'a>),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestRunJson<'a> {
    #[serde(flatten)]
    pub common: UnitCommonJson<'a>,
    pub test_binary: UnitId,
    /// The file below the test binary's output: `bin/<name>`.
    pub binary_file: String,
    pub args: &'a [String],
    pub salt: Option<&'a str>,
    /// For integration tests: CARGO_TARGET_TMPDIR, made before the run.
    pub target_tmpdir: Option<&'static str>,
}

/// `CARGO_BIN_EXE_<name>`: a binary of the package, for its integration tests.
#[derive(Debug, Serialize)]
pub struct BinExeJson<'a> {
    pub name: &'a str,
    pub unit: UnitId,
}

/// What every unit has, whatever its kind.
#[derive(Debug, Serialize)]
pub struct UnitCommonJson<'a> {
    pub key: &'a str,
    /// The derivation's name.
    pub name: String,
    pub package: &'a str,
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunJson<'a> {
    #[serde(flatten)]
    pub common: UnitCommonJson<'a>,
    pub build_script: Option<UnitId>,
    /// The source narrowed to what the run declared last time, while that still holds;
    /// `None`: the whole package.
    pub rerun_if_changed: Option<RunSource>,
    /// The `rerun-if-env-changed` variables it declared, with their values now (set ones).
    pub declared_env: BTreeMap<String, String>,
    /// The runs of `links` packages this run depends on (their `DEP_<links>_*` values).
    pub links_deps: Vec<LinksDepJson>,
}

#[derive(Debug, Serialize)]
pub struct LinksDepJson {
    pub links: String,
    pub unit: UnitId,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompileJson<'a> {
    #[serde(flatten)]
    pub common: UnitCommonJson<'a>,
    pub target_kind: &'static str,
    pub target_name: &'a str,
    pub rustc_args: Vec<String>,
    pub externs: Vec<ExternJson<'a>>,
    /// Every lib and proc-macro reachable through `--extern` edges (for `-L dependency=`).
    pub lib_deps: Vec<UnitId>,
    pub own_run: Option<UnitId>,
    /// The build-script runs of `lib_deps`, whose link directives apply here.
    pub dep_runs: Vec<UnitId>,
    pub pass_link_lib: bool,
    pub incremental_dir: Option<PathBuf>,
    /// The file dependents pass to `--extern`, relative to the output.
    #[serde(rename = "extern")]
    pub extern_file: Option<String>,
    /// Test binaries only: the package's binaries they may run.
    pub bin_exes: Vec<BinExeJson<'a>>,
    /// The only files of the package the compile reads; `None`: all.
    pub narrowed_source: Option<Narrowed>,
    /// Doc tests only: `--rerun`'s salt, an input of the run.
    pub salt: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct ExternJson<'a> {
    pub name: &'a str,
    pub unit: UnitId,
    pub file: String,
}

#[derive(Debug, Serialize)]
pub struct RootJson {
    pub unit: UnitId,
    /// What the root contributes to `target/libnix/<profile>`: `bin/<name>` or `lib`.
    pub link: String,
}

/// The document for `plan`.
pub fn plan_json<'a>(
    plan: &'a BuildPlan,
    toolchain: &'a Toolchain,
    paths: &SourcePaths,
) -> Result<PlanJson<'a>, EmitError> {
    let mut packages = BTreeMap::new();
    for package in plan
        .packages
        .values()
        .filter(|p| plan.units.iter().any(|u| u.package == p.id))
    {
        packages.insert(package.id.as_str(), package_json(plan, package, paths)?);
    }
    let packages_with_lib: Vec<&str> = plan
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::Lib)
        .map(|u| u.package.as_str())
        .collect();
    Ok(PlanJson {
        version: PLAN_JSON_VERSION,
        generated: GENERATED_MARKER,
        toolchain,
        profile: &plan.profile_dir,
        packages,
        units: (0..plan.units.len())
            .map(|id| unit_json(plan, toolchain, &packages_with_lib, paths, id))
            .collect(),
        roots: plan
            .roots
            .iter()
            .map(|&unit| RootJson {
                unit,
                link: root_link(&plan.units[unit]),
            })
            .collect(),
    })
}

/// plan.json's bytes: pretty, keys sorted.
pub fn render(
    plan: &BuildPlan,
    toolchain: &Toolchain,
    paths: &SourcePaths,
) -> Result<Vec<u8>, EmitError> {
    let document = plan_json(plan, toolchain, paths)?;
    // Through a Value: its maps sort their keys.
    let value = serde_json::to_value(&document).map_err(EmitError::Serialize)?;
    serde_json::to_vec_pretty(&value).map_err(EmitError::Serialize)
}

fn unit_json<'a>(
    plan: &'a BuildPlan,
    toolchain: &Toolchain,
    packages_with_lib: &[&str],
    paths: &SourcePaths,
    id: UnitId,
) -> UnitJson<'a> {
    // What earlier builds learnt holds on this machine only: an export takes whole packages.
    let narrow = *paths == SourcePaths::Absolute;
    let unit = &plan.units[id];
    let package = plan.package_of(id);
    let common = UnitCommonJson {
        key: &unit.key,
        name: nix_name(&format!(
            "{}-{}-{}",
            package.name,
            package.version,
            unit.kind.label().replace(' ', "-")
        )),
        package: &unit.package,
        env: unit_env(plan, id),
    };
    let target_kind = match unit.kind {
        UnitKind::BuildScriptRun => {
            let links_deps = unit
                .deps
                .iter()
                .filter(|d| plan.units[d.unit].kind == UnitKind::BuildScriptRun)
                .filter_map(|d| {
                    Some(LinksDepJson {
                        links: plan.package_of(d.unit).links.clone()?,
                        unit: d.unit,
                    })
                })
                .collect();
            let (rerun_if_changed, declared_env) = if narrow {
                run_inputs(plan, unit, package)
            } else {
                Default::default()
            };
            return UnitJson::Run(RunJson {
                common,
                build_script: plan.dep_of_kind(id, UnitKind::BuildScript),
                links_deps,
                rerun_if_changed,
                declared_env,
            });
        }
        UnitKind::Lib if unit.crate_types.iter().any(|t| t == "cdylib") => "cdylib",
        UnitKind::Lib => "lib",
        UnitKind::ProcMacro => "proc-macro",
        UnitKind::Bin => "bin",
        UnitKind::Example => "example",
        UnitKind::BuildScript => "build-script",
        UnitKind::Check => "check",
        UnitKind::Test => "test",
        UnitKind::DocTest => "doctest",
        UnitKind::TestRun => return test_run_json(plan, common, id),
    };
    let externs = unit
        .deps
        .iter()
        .filter_map(|d| {
            Some(ExternJson {
                name: &d.extern_crate_name,
                unit: d.unit,
                file: extern_file(&plan.units[d.unit])?,
            })
        })
        .collect();
    let lib_deps = plan.reachable(id, |dep| extern_file(&plan.units[dep]).is_some());
    let mut dep_runs: Vec<UnitId> = lib_deps
        .iter()
        .filter_map(|&lib| plan.dep_of_kind(lib, UnitKind::BuildScriptRun))
        .collect();
    dep_runs.sort_unstable();
    dep_runs.dedup();
    UnitJson::Compile(CompileJson {
        common,
        target_kind,
        target_name: &unit.target_name,
        rustc_args: rustc_args(plan, unit, package),
        externs,
        own_run: plan.dep_of_kind(id, UnitKind::BuildScriptRun),
        lib_deps,
        dep_runs,
        pass_link_lib: matches!(unit.kind, UnitKind::Lib | UnitKind::ProcMacro)
            || is_lib_test(unit)
            || !packages_with_lib.contains(&unit.package.as_str()),
        incremental_dir: incremental_dir(plan, toolchain, id),
        extern_file: extern_file(unit),
        bin_exes: bin_exes(plan, id),
        narrowed_source: narrow
            .then(|| build_script_source(plan, unit, package))
            .flatten(),
        salt: (unit.kind == UnitKind::DocTest)
            .then(|| plan.test_runs.as_ref()?.salt.as_deref())
            .flatten(),
    })
}

/// A lib's unit tests: like the lib, linked with its build script's `rustc-link-lib`.
fn is_lib_test(unit: &Unit) -> bool {
    unit.kind == UnitKind::Test && !unit.crate_types.iter().any(|t| t == "bin")
}

fn bin_exes(plan: &BuildPlan, id: UnitId) -> Vec<BinExeJson<'_>> {
    if plan.units[id].kind != UnitKind::Test {
        return Vec::new();
    }
    plan.units[id]
        .deps
        .iter()
        .filter(|d| plan.units[d.unit].kind == UnitKind::Bin)
        .map(|d| BinExeJson {
            name: &plan.units[d.unit].target_name,
            unit: d.unit,
        })
        .collect()
}

fn test_run_json<'a>(plan: &'a BuildPlan, common: UnitCommonJson<'a>, id: UnitId) -> UnitJson<'a> {
    let binary = plan.units[id].deps[0].unit;
    let runs = plan.test_runs.as_ref();
    UnitJson::TestRun(TestRunJson {
        common,
        test_binary: binary,
        binary_file: format!("bin/{}", plan.units[binary].target_name),
        args: runs.map_or(&[], |r| r.args.as_slice()),
        salt: runs.and_then(|r| r.salt.as_deref()),
        target_tmpdir: gets_target_tmpdir(plan, binary).then_some(TARGET_TMPDIR),
    })
}

/// Where a unit keeps rustc's incremental state between builds, when Cargo would compile
/// it incrementally. Host mode only: builders there run without a sandbox and may write it;
/// the builder skips it when the directory is not writable (e.g. under build users).
fn incremental_dir(plan: &BuildPlan, toolchain: &Toolchain, id: UnitId) -> Option<PathBuf> {
    let unit = &plan.units[id];
    (toolchain.mode == ToolchainMode::Host
        && unit.kind != UnitKind::DocTest
        && unit.profile.incremental
        && plan.package_of(id).is_member)
        .then(|| Layout::of(plan).incremental_dir(&unit.key))
}

fn package_json<'a>(
    plan: &BuildPlan,
    package: &'a Package,
    paths: &SourcePaths,
) -> Result<PackageJson<'a>, EmitError> {
    let source = match &package.source {
        PackageSource::Registry {
            checksum,
            crate_file,
        } => SourceJson::Registry {
            name: format!("{}-{}.crate", package.name, package.version),
            sha256: checksum,
            crate_file,
            url: format!(
                "https://static.crates.io/crates/{0}/{0}-{1}.crate",
                package.name, package.version
            ),
        },
        PackageSource::Path | PackageSource::Git { .. } => {
            let nested = plan
                .packages
                .values()
                .filter(|other| other.id != package.id)
                .map(|other| other.manifest_dir.as_path())
                .filter(|dir| {
                    dir.starts_with(&package.manifest_dir) && *dir != package.manifest_dir
                });
            let out_dir = match paths {
                SourcePaths::Exported { out_dir, .. } => Some(out_dir.as_path()),
                SourcePaths::Absolute => None,
            };
            let exclude = nested
                .chain([plan.target_dir.as_path()])
                .chain(out_dir)
                // A target dir outside the workspace cannot be inside a package anyway.
                .filter_map(|dir| paths.render(package, dir).ok())
                .collect();
            SourceJson::Path {
                path: paths.render(package, &package.manifest_dir)?,
                exclude,
            }
        }
    };
    Ok(PackageJson {
        name: &package.name,
        version: &package.version,
        store_name: nix_name(&format!("{}-{}", package.name, package.version)),
        source,
    })
}

/// What a root unit contributes to `target/libnix/<profile>`: `bin/<name>` or its lib dir.
fn root_link(unit: &Unit) -> String {
    match unit.kind {
        UnitKind::Bin | UnitKind::Example => format!("bin/{}", unit.target_name),
        UnitKind::Test => format!("bin/{}", unit.target_name),
        UnitKind::TestRun | UnitKind::DocTest => "test-run".to_string(),
        _ => "lib".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_says_its_version_and_who_wrote_it() {
        let plan = BuildPlan::default();
        let toolchain = Toolchain::detect(ToolchainMode::Nixpkgs, &plan);
        let bytes = render(&plan, &toolchain, &SourcePaths::Absolute).expect("render");
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(value["version"], PLAN_JSON_VERSION);
        assert_eq!(value["generated"], GENERATED_MARKER);
        assert_eq!(value["toolchain"]["mode"], "nixpkgs");
        let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(
            keys, sorted,
            "keys are sorted, so equal plans give equal bytes"
        );
    }
}
