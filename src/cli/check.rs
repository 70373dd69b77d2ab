//! `libnix-tui check`: Cargo's `check` unit graph through Nix (libs and bins as metadata
//! only, build scripts still compiled and run), with rustc's diagnostics for the workspace's
//! own crates printed as Cargo prints them, also for units that were already in the store.

use std::io::IsTerminal;
use std::process::Command;

use super::BuildArgs;
use super::build::{build_printed, is_builder_noise};
use crate::backend::build_state::{BuildState, UnitStatus};
use crate::backend::nix::protocol::strip_ansi;
use crate::backend::plan::{BuildPlan, CargoVerb, TestTarget, UnitId, UnitKind};
use crate::backend::session::BuildRequest;

/// `libnix-tui check`.
pub fn run(args: &BuildArgs) -> anyhow::Result<i32> {
    let mut request = args.request();
    request.cargo.verb = CargoVerb::Check;
    Ok(build_with_diagnostics(args, request)?.0)
}

/// [`build_printed`], with the workspace crates' diagnostics shown before the summary, as
/// Cargo's `check`, `run` and `test` show them.
pub(super) fn build_with_diagnostics(
    args: &BuildArgs,
    request: BuildRequest,
) -> anyhow::Result<(i32, BuildState)> {
    let store_args = request.nix.store_args();
    build_printed(args, request, false, |state| {
        replay_diagnostics(state, &store_args)
    })
}

/// Cargo shows the warnings of every workspace crate, fresh ones replayed: here from the
/// reducer's log of a unit just built, or from the store's log of one already built.
fn replay_diagnostics(state: &BuildState, store_args: &[String]) {
    let Some(plan) = &state.plan else { return };
    let color = std::io::stderr().is_terminal();
    for unit in 0..plan.units.len() {
        let runs = matches!(
            plan.units[unit].kind,
            UnitKind::BuildScriptRun | UnitKind::TestRun | UnitKind::DocTest
        );
        if !plan.package_of(unit).is_member || runs {
            continue;
        }
        let log = match &state.units[unit].status {
            UnitStatus::Built { .. } => state.units[unit].log.lines.iter().cloned().collect(),
            UnitStatus::Cached => state.units[unit]
                .drv_path
                .as_deref()
                .map(|drv| stored_log(drv, store_args))
                .unwrap_or_default(),
            _ => continue,
        };
        let diagnostics = rustc_diagnostics(&log);
        if diagnostics.is_empty() {
            continue;
        }
        let package_dir = relative_dir(plan, unit);
        for line in &diagnostics {
            let line = with_workspace_path(line, &package_dir);
            if color {
                eprintln!("{line}");
            } else {
                eprintln!("{}", strip_ansi(&line));
            }
        }
        eprintln!();
        let warnings = diagnostics
            .iter()
            .filter(|line| strip_ansi(line).starts_with("warning"))
            .count();
        if warnings > 0 {
            let plural = if warnings == 1 { "" } else { "s" };
            eprintln!(
                "warning: `{}` ({}) generated {warnings} warning{plural}",
                plan.package_of(unit).name,
                target_description(plan, unit)
            );
        }
    }
}

/// rustc's messages in a unit's log, without the builder's lines and rustc's own count
/// ("1 warning emitted"), which Cargo replaces with its per-target line.
fn rustc_diagnostics(log: &[String]) -> Vec<String> {
    let messages: Vec<String> = log
        .iter()
        .filter(|line| !is_builder_noise(line))
        .filter(|line| {
            let plain = strip_ansi(line);
            !(plain.starts_with("warning: ") && plain.ends_with(" emitted"))
        })
        .cloned()
        .collect();
    let blank = |line: &String| strip_ansi(line).trim().is_empty();
    let start = messages
        .iter()
        .position(|l| !blank(l))
        .unwrap_or(messages.len());
    let end = messages
        .iter()
        .rposition(|l| !blank(l))
        .map_or(start, |e| e + 1);
    messages[start..end].to_vec()
}

/// The package's directory relative to the workspace root (`app/`), empty for the root.
fn relative_dir(plan: &BuildPlan, unit: UnitId) -> String {
    plan.package_of(unit)
        .manifest_dir
        .strip_prefix(&plan.workspace_root)
        .ok()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map_or(String::new(), |dir| format!("{}/", dir.display()))
}

/// rustc ran in the package's directory, Cargo runs it in the workspace root: a location
/// `--> src/main.rs:3:5` becomes `--> app/src/main.rs:3:5`, as Cargo shows it.
fn with_workspace_path(line: &str, package_dir: &str) -> String {
    let Some(arrow) = line.find("--> ") else {
        return line.to_string();
    };
    let mut path_start = arrow + "--> ".len();
    // Colour codes may sit between the arrow and the path.
    while line[path_start..].starts_with('\x1b') {
        match line[path_start..].find('m') {
            Some(end) => path_start += end + 1,
            None => break,
        }
    }
    if line[path_start..].starts_with('/') {
        return line.to_string();
    }
    format!(
        "{}{package_dir}{}",
        &line[..path_start],
        &line[path_start..]
    )
}

/// Cargo's name of a target in its summaries: `lib`, `bin "app"`, `example "demo"`, ...
fn target_description(plan: &BuildPlan, id: UnitId) -> String {
    let unit = &plan.units[id];
    let is_bin = unit.crate_types.iter().any(|t| t == "bin");
    match unit.kind {
        UnitKind::BuildScript => "build script".to_string(),
        UnitKind::Example => format!("example \"{}\"", unit.target_name),
        UnitKind::Bin => format!("bin \"{}\"", unit.target_name),
        UnitKind::Check if is_bin => format!("bin \"{}\"", unit.target_name),
        UnitKind::Test => match plan.test_target(id) {
            TestTarget::Lib => "lib test".to_string(),
            TestTarget::Bin => format!("bin \"{}\" test", unit.target_name),
            TestTarget::Integration => format!("test \"{}\"", unit.target_name),
            TestTarget::Doc => "doctest".to_string(),
        },
        _ => "lib".to_string(),
    }
}

/// The build log Nix kept for `drv` (empty when it kept none).
fn stored_log(drv: &str, store_args: &[String]) -> Vec<String> {
    Command::new("nix-store")
        .args(store_args)
        .args(["--read-log", drv])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| {
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_shown_from_the_workspace_root() {
        assert_eq!(
            with_workspace_path("  --> src/main.rs:18:4", "app/"),
            "  --> app/src/main.rs:18:4"
        );
        assert_eq!(
            with_workspace_path("\x1b[1m--> \x1b[0msrc/lib.rs:1:1", "greet/"),
            "\x1b[1m--> \x1b[0mgreet/src/lib.rs:1:1"
        );
        assert_eq!(
            with_workspace_path("  --> /abs/x.rs:1:1", "app/"),
            "  --> /abs/x.rs:1:1"
        );
        assert_eq!(with_workspace_path("warning: x", "app/"), "warning: x");
    }

    #[test]
    fn rustcs_own_count_and_the_builders_lines_are_left_out() {
        let log: Vec<String> = [
            "Running rustc --crate-name app",
            "",
            "warning: unused variable: `x`",
            "",
            "warning: 1 warning emitted",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(rustc_diagnostics(&log), ["warning: unused variable: `x`"]);
    }
}
