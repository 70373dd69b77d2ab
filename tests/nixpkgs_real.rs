//! nixpkgs mode against the real nixpkgs (which needs Nix >= 2.18). Nothing from it can
//! be built here (stdenv's bootstrap comes from the network), so these tests evaluate:
//! the engine's unit derivations, `export`, and the flake. scripts/test-nix-2.26.sh runs
//! them inside the Nix 2.26 root with NIX_PATH naming the unpacked ../shared/nixpkgs.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_fixture, copy_project, libnix_tui};
use libnix_tui::backend::plan::CargoOptions;
use libnix_tui::backend::session::{self, BuildRequest, NixOptions, Prepared};
use libnix_tui::backend::toolchain::ToolchainMode;
use serde_json::Value;

/// The unpacked real nixpkgs `<nixpkgs>` names; a clear failure when it is not there.
fn real_nixpkgs() -> PathBuf {
    let output = Command::new("nix-instantiate")
        .args(["--find-file", "nixpkgs"])
        .output()
        .expect("run nix-instantiate");
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    assert!(
        output.status.success() && path.join("lib/minfeatures.nix").is_file(),
        "<nixpkgs> must be the real nixpkgs (scripts/test-nix-2.26.sh sets NIX_PATH): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    path
}

/// Runs a Nix command and parses its JSON output.
fn nix_json(command: &mut Command) -> Value {
    let output = command.output().expect("run nix");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("nix printed JSON")
}

/// Output paths of the nixpkgs packages a unit derivation must use.
struct Expected {
    rustc: String,
    stdenv: String,
    openssl_dev: String,
    pkg_config: String,
}

fn expected() -> Expected {
    let paths = nix_json(Command::new("nix-instantiate").args([
        "--eval",
        "--strict",
        "--json",
        "--read-write-mode",
        "--expr",
        "with import <nixpkgs> { }; [ \"${rustc}\" \"${stdenv}\" \"${openssl.dev}\" \"${pkg-config}\" ]",
    ]));
    let path = |i: usize| paths[i].as_str().expect("a path").to_string();
    Expected {
        rustc: path(0),
        stdenv: path(1),
        openssl_dev: path(2),
        pkg_config: path(3),
    }
}

/// The engine's own planning and evaluation in nixpkgs mode (nothing is built).
fn evaluate(project: &Path) -> Prepared {
    let request = BuildRequest {
        cargo: CargoOptions {
            manifest_path: Some(project.join("Cargo.toml")),
            target_dir: Some(project.join("target")),
            ..CargoOptions::default()
        },
        nix: NixOptions {
            toolchain: Some(ToolchainMode::Nixpkgs),
            ..NixOptions::default()
        },
    };
    let (events, _received) = tokio::sync::mpsc::unbounded_channel();
    tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(session::prepare(&request, &events))
        .unwrap_or_else(|e| panic!("{}: {e}", project.display()))
}

/// `nix derivation show` of every unit, in unit order.
fn derivations(prepared: &Prepared) -> Vec<Value> {
    let shown = nix_json(
        Command::new("nix")
            .args(["derivation", "show"])
            .args(prepared.unit_paths.iter().map(|p| &p.drv_path)),
    );
    let shown = shown.as_object().expect("derivations by path");
    prepared
        .unit_paths
        .iter()
        .map(|p| {
            let name = p.drv_path.trim_start_matches("/nix/store/");
            shown
                .iter()
                .find(|(key, _)| key.trim_start_matches("/nix/store/") == name)
                .map(|(_, drv)| drv.clone())
                .unwrap_or_else(|| panic!("{} not shown", p.drv_path))
        })
        .collect()
}

fn env<'a>(drv: &'a Value, name: &str) -> &'a str {
    drv["env"][name].as_str().unwrap_or_default()
}

/// Every unit derivation compiles with nixpkgs' rustc in nixpkgs' stdenv.
fn assert_nixpkgs_toolchain(project: &str, prepared: &Prepared, expected: &Expected) {
    let drvs = derivations(prepared);
    assert_eq!(drvs.len(), prepared.plan.units.len(), "{project}");
    for (drv, paths) in drvs.iter().zip(&prepared.unit_paths) {
        let at = format!("{project}: {}", paths.drv_path);
        assert_eq!(
            env(drv, "RUSTC"),
            format!("{}/bin/rustc", expected.rustc),
            "{at}"
        );
        assert_eq!(env(drv, "stdenv"), expected.stdenv, "{at}");
        assert!(
            env(drv, "nativeBuildInputs")
                .split_whitespace()
                .any(|input| input == expected.rustc),
            "{at}: {}",
            env(drv, "nativeBuildInputs")
        );
    }
}

#[test]
#[ignore = "needs Nix >= 2.18 and the real nixpkgs: scripts/test-nix-2.26.sh runs it"]
fn fixtures_evaluate_with_nixpkgs_rustc_and_stdenv() {
    real_nixpkgs();
    let expected = expected();
    for name in ["workspace", "crates-io", "nested"] {
        let project = copy_fixture(name);
        let prepared = evaluate(project.path());
        assert_eq!(prepared.toolchain, ToolchainMode::Nixpkgs);
        assert_nixpkgs_toolchain(name, &prepared, &expected);
    }
}

/// The demo with the entry `doctor --fix` adds: openssl-sys's units get nixpkgs'
/// openssl.dev and pkg-config, no other unit does, and the exported build system
/// instantiates to exactly the engine's derivations.
#[test]
#[ignore = "needs Nix >= 2.18 and the real nixpkgs: scripts/test-nix-2.26.sh runs it"]
fn demo_deps_entry_becomes_nixpkgs_packages_and_export_matches_the_engine() {
    real_nixpkgs();
    let expected = expected();
    let project = copy_project(&Path::new(env!("CARGO_MANIFEST_DIR")).join("demo"));
    let manifest = project.path().join("Cargo.toml");
    let add = libnix_tui()
        .args(["deps", "--manifest-path"])
        .arg(&manifest)
        .args(["add", "openssl-sys", "pkg-config", "openssl"])
        .output()
        .expect("run deps add");
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );

    let prepared = evaluate(project.path());
    assert_nixpkgs_toolchain("demo", &prepared, &expected);
    let plan = &prepared.plan;
    let mut openssl_units = 0;
    for (unit, drv) in plan.units.iter().zip(derivations(&prepared)) {
        let inputs = format!(
            "{} {}",
            env(&drv, "nativeBuildInputs"),
            env(&drv, "buildInputs")
        );
        let has = |path: &str| inputs.split_whitespace().any(|input| input == path);
        let is_openssl_sys = plan.packages[&unit.package].name == "openssl-sys";
        openssl_units += usize::from(is_openssl_sys);
        assert_eq!(
            (has(&expected.openssl_dev), has(&expected.pkg_config)),
            (is_openssl_sys, is_openssl_sys),
            "{} {:?}: {inputs}",
            unit.package,
            unit.kind
        );
    }
    assert!(
        openssl_units >= 2,
        "openssl-sys has a build script and a lib"
    );

    let export = libnix_tui()
        .args(["export", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("run export");
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let exported = project.path().join("libnix-build");
    let exported_paths = nix_json(
        Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json", "--read-write-mode"])
            .arg(&exported)
            .args(["-A", "paths"]),
    );
    let exported_drvs: Vec<&str> = exported_paths["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|unit| unit["drv"].as_str().expect("drv"))
        .collect();
    let engine_drvs: Vec<&str> = prepared
        .unit_paths
        .iter()
        .map(|p| p.drv_path.as_str())
        .collect();
    assert_eq!(exported_drvs, engine_drvs);

    let target = Command::new("nix-instantiate")
        .arg(&exported)
        .args(["-A", "target"])
        .output()
        .expect("run nix-instantiate");
    assert!(
        target.status.success(),
        "{}",
        String::from_utf8_lossy(&target.stderr)
    );
    let target = String::from_utf8_lossy(&target.stdout).trim().to_string();
    let shown = nix_json(Command::new("nix").args(["derivation", "show", &target]));
    let inputs: BTreeSet<&str> = shown
        .as_object()
        .and_then(|drvs| drvs.values().next())
        .and_then(|drv| drv["inputDrvs"].as_object())
        .map(|inputs| {
            inputs
                .keys()
                .map(|key| key.trim_start_matches("/nix/store/"))
                .collect()
        })
        .unwrap_or_default();
    for &root in &plan.roots {
        let drv = prepared.unit_paths[root]
            .drv_path
            .trim_start_matches("/nix/store/");
        assert!(
            inputs.contains(drv),
            "{target} does not use {drv}: {inputs:?}"
        );
    }
}

/// The flake's package, app and dev shell evaluate with its nixpkgs input overridden by
/// the real nixpkgs. The flake is a copy of the checkout's tracked files (not target/).
#[test]
#[ignore = "needs Nix >= 2.18 and the real nixpkgs: scripts/test-nix-2.26.sh runs it"]
fn flake_evaluates_against_the_real_nixpkgs() {
    let nixpkgs = real_nixpkgs();
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tracked = Command::new("git")
        .arg("-C")
        .arg(checkout)
        .args(["ls-files", "-z"])
        .output()
        .expect("run git ls-files");
    assert!(
        tracked.status.success(),
        "{}",
        String::from_utf8_lossy(&tracked.stderr)
    );
    let flake = tempfile::tempdir().expect("temp dir");
    for file in tracked.stdout.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let file = Path::new(std::str::from_utf8(file).expect("UTF-8 path"));
        let to = flake.path().join(file);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("create dir");
        // A file deleted in the work tree is still listed: it is no part of the flake.
        if checkout.join(file).exists() {
            std::fs::copy(checkout.join(file), &to).expect("copy tracked file");
        }
    }
    let flake_ref = format!("path:{}", flake.path().display());
    let nix = |args: &[&str]| {
        let mut command = Command::new("nix");
        command.args(args);
        command
    };
    let lock = nix(&["flake", "lock", "--override-input", "nixpkgs"])
        .arg(format!("path:{}", nixpkgs.display()))
        .arg(&flake_ref)
        .output()
        .expect("run nix flake lock");
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    let outputs = nix_json(nix(&["eval", "--impure", "--json", "--expr"]).arg(format!(
        "let flake = builtins.getFlake \"{flake_ref}\"; system = builtins.currentSystem; in {{ \
         package = flake.packages.${{system}}.default.drvPath; \
         app = flake.apps.${{system}}.default.program; \
         shell = flake.devShells.${{system}}.default.drvPath; }}"
    )));
    let package = outputs["package"].as_str().unwrap_or_default();
    assert!(package.ends_with("-libnix-tui-0.1.0.drv"), "{outputs}");
    let app = outputs["app"].as_str().unwrap_or_default();
    assert!(
        app.starts_with("/nix/store/") && app.ends_with("-libnix-tui-0.1.0/bin/libnix-tui"),
        "{outputs}"
    );
    let shell = outputs["shell"].as_str().unwrap_or_default();
    assert!(shell.ends_with(".drv"), "{outputs}");
    let shown = nix_json(&mut nix(&["derivation", "show", shell]));
    let packages = shown
        .as_object()
        .and_then(|drvs| drvs.values().next())
        .map(|drv| env(drv, "nativeBuildInputs").to_string())
        .unwrap_or_default();
    for tool in ["-cargo-", "-rustc-wrapper-", "-clippy-", "-tmux-"] {
        assert!(
            packages.contains(tool),
            "{tool} in the dev shell: {packages}"
        );
    }
}
