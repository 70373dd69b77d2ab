//! Every nixpkgs attribute the knowledge base (`data/native-deps.toml`) can suggest exists
//! in host mode's `pkgs` (`nix/host-pkgs.nix`), evaluated by real `nix-instantiate --eval`
//! with the same `runScript` the engine imports it with. Derivations are only evaluated
//! (their `drvPath` computed read-only), never built.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::nix_eval_json;
use libnix_tui::backend::diagnose::KnowledgeBase;
use libnix_tui::backend::session::project::pkgs_expression;
use libnix_tui::backend::toolchain::ToolchainMode;
use serde::Deserialize;

/// What host-pkgs gives for one attribute path; `None` when the path is no derivation.
#[derive(Debug, Deserialize)]
struct HostPackage {
    #[serde(rename = "drvPath")]
    drv_path: String,
    bins: Vec<String>,
    modules: Vec<String>,
    libs: Vec<String>,
    #[serde(rename = "optionalBins")]
    optional_bins: Vec<String>,
    #[serde(rename = "optionalModules")]
    optional_modules: Vec<String>,
    debian: String,
}

#[derive(Debug, Deserialize)]
struct Evaluated {
    packages: Vec<Option<HostPackage>>,
    envs: Vec<String>,
}

fn kb() -> &'static KnowledgeBase {
    KnowledgeBase::builtin().expect("data/native-deps.toml parses")
}

/// One thing in the table that can be suggested: a crate entry or a provider.
struct Suggested {
    label: String,
    packages: &'static [String],
    debian: &'static [String],
    envs: Vec<&'static str>,
}

fn suggestions() -> Vec<Suggested> {
    let crates = kb().crates().iter().map(|entry| Suggested {
        label: format!("crate {}", entry.name),
        packages: &entry.packages,
        debian: &entry.debian,
        envs: entry.envs.values().map(String::as_str).collect(),
    });
    let providers = kb()
        .provider_tables()
        .into_iter()
        .flat_map(|(table, providers)| providers.iter().map(move |p| (table, p)))
        .chain(std::iter::once(("libclang", kb().libclang())))
        .map(|(table, provider)| Suggested {
            label: format!("{table} {:?}", provider.names),
            packages: &provider.packages,
            debian: &provider.debian,
            envs: provider.envs.values().map(String::as_str).collect(),
        });
    crates.chain(providers).collect()
}

/// Looks every attribute path and env value up in host-pkgs with one `nix-instantiate`.
fn evaluate(paths: &[String], envs: &[&str]) -> Evaluated {
    let libnix_dir = tempfile::tempdir().expect("temp dir");
    let pkgs = pkgs_expression(ToolchainMode::Host, libnix_dir.path()).expect("write nix/");
    let env_strings: Vec<String> = envs
        .iter()
        .map(|value| {
            assert!(!value.contains(['"', '\\']), "env value {value:?}");
            format!("\"{value}\"")
        })
        .collect();
    let expression = format!(
        r#"{{ pathsJson }}:
let
  pkgs = {pkgs};
  lookup = builtins.foldl' (found: name:
    if builtins.isAttrs found && builtins.hasAttr name found then builtins.getAttr name found else null) pkgs;
  describe = path:
    let found = lookup path; in
    if builtins.isAttrs found && (found.type or null) == "derivation" then {{
      inherit (found) drvPath;
      bins = found.bins or [ ];
      modules = found.modules or [ ];
      libs = found.libs or [ ];
      optionalBins = found.optionalBins or [ ];
      optionalModules = found.optionalModules or [ ];
      debian = found.debian or "";
    }} else null;
in {{
  packages = map describe (builtins.fromJSON pathsJson);
  envs = [ {envs} ];
}}"#,
        envs = env_strings.join(" ")
    );
    let components: Vec<Vec<&str>> = paths.iter().map(|p| p.split('.').collect()).collect();
    let paths_json = serde_json::to_string(&components).expect("paths as JSON");
    nix_eval_json(["-E", &expression, "--argstr", "pathsJson", &paths_json])
}

/// Every attribute path the table suggests, and every env value it sets.
fn suggested_paths_and_envs() -> (Vec<String>, Vec<&'static str>) {
    let suggestions = suggestions();
    let paths: BTreeSet<String> = suggestions
        .iter()
        .flat_map(|suggested| suggested.packages.iter().cloned())
        .collect();
    let envs: BTreeSet<&str> = suggestions
        .iter()
        .flat_map(|suggested| suggested.envs.iter().copied())
        .collect();
    (paths.into_iter().collect(), envs.into_iter().collect())
}

/// The host package of every suggested attribute path that has one.
fn host_packages() -> BTreeMap<String, HostPackage> {
    let (paths, _) = suggested_paths_and_envs();
    let evaluated = evaluate(&paths, &[]);
    paths
        .into_iter()
        .zip(evaluated.packages)
        .filter_map(|(path, package)| Some((path, package?)))
        .collect()
}

/// What the host packages of `packages` give together, one field of theirs.
fn union<'a>(
    host: &'a BTreeMap<String, HostPackage>,
    packages: &[String],
    field: fn(&'a HostPackage) -> Vec<&'a str>,
) -> BTreeSet<&'a str> {
    packages
        .iter()
        .filter_map(|path| host.get(path))
        .flat_map(field)
        .collect()
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_suggested_attribute_is_a_host_derivation_and_every_env_evaluates() {
    let (paths, envs) = suggested_paths_and_envs();
    assert!(paths.len() >= 100, "{} paths", paths.len());
    let evaluated = evaluate(&paths, &envs);
    let mut problems = Vec::new();
    for (path, package) in paths.iter().zip(&evaluated.packages) {
        match package {
            None => problems.push(format!("{path}: no derivation in nix/host-pkgs.nix")),
            Some(package) if !package.drv_path.starts_with("/nix/store/") => {
                problems.push(format!("{path}: drvPath {}", package.drv_path));
            }
            Some(package)
                if package.bins.is_empty()
                    && package.modules.is_empty()
                    && package.libs.is_empty() =>
            {
                problems.push(format!("{path}: checks for nothing on the host"));
            }
            Some(_) => {}
        }
    }
    for (value, evaluated) in envs.iter().zip(&evaluated.envs) {
        if value.contains("${") && !evaluated.starts_with("/nix/store/") {
            problems.push(format!("env {value:?} evaluated to {evaluated:?}"));
        }
    }
    assert_no_problems(problems);
}

#[test]
fn host_packages_name_every_debian_package_the_table_names() {
    let host = host_packages();
    let mut problems = Vec::new();
    for suggested in suggestions() {
        let named = union(&host, suggested.packages, |p| {
            p.debian.split_whitespace().collect()
        });
        for wanted in suggested.debian {
            if !named.contains(wanted.as_str()) {
                problems.push(format!(
                    "{}: no host package names Debian {wanted}",
                    suggested.label
                ));
            }
        }
    }
    assert_no_problems(problems);
}

#[test]
fn host_packages_expose_the_modules_and_executables_the_table_says_they_provide() {
    let host = host_packages();
    let [modules, _, _, tools] = kb().provider_tables();
    let modules_of: fn(&HostPackage) -> Vec<&str> = |p| {
        p.modules
            .iter()
            .chain(&p.optional_modules)
            .map(String::as_str)
            .collect()
    };
    let bins_of: fn(&HostPackage) -> Vec<&str> = |p| {
        p.bins
            .iter()
            .chain(&p.optional_bins)
            .map(String::as_str)
            .collect()
    };
    let mut problems = Vec::new();
    for ((table, providers), field) in [(modules, modules_of), (tools, bins_of)] {
        for provider in providers {
            let given = union(&host, &provider.packages, field);
            for name in &provider.names {
                if !given.contains(name.as_str()) {
                    problems.push(format!(
                        "{table} {name}: not in host {:?}",
                        provider.packages
                    ));
                }
            }
        }
    }
    assert_no_problems(problems);
}

#[test]
fn a_misspelt_attribute_is_reported_missing() {
    let evaluated = evaluate(
        &["openssl".into(), "opensssl".into(), "xorg.libX12".into()],
        &["${pkgs.protobuf}/bin/protoc"],
    );
    assert!(evaluated.packages[0].is_some());
    assert!(evaluated.packages[1].is_none());
    assert!(evaluated.packages[2].is_none());
    assert!(evaluated.envs[0].ends_with("-host-protobuf/bin/protoc"));
}
