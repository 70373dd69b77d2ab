//! `libnix-tui test`: Cargo's `test` unit graph through Nix. Each test binary is a unit and
//! each run of one is a derivation of its own (`nix/test-run.nix`) that records the
//! binary's output and exit status, passed or failed; an unchanged binary run with the same
//! arguments is not run again, its recorded result is shown as cached. A lib's doc tests
//! are one more such derivation: `rustdoc --test` compiles and runs them, its output is
//! recorded the same way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use serde_json::json;

use super::check::build_with_diagnostics;
use super::{BuildArgs, MessageFormat};
use crate::backend::build_state::{BuildState, UnitStatus};
use crate::backend::plan::{BuildPlan, CargoVerb, TestRuns, TestTarget, Unit, UnitId, UnitKind};
use crate::backend::test_results::{TestCounts, counts, read_recorded_run};

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Test only the specified integration test
    #[arg(long = "test", value_name = "NAME")]
    pub tests: Vec<String>,
    /// Test all integration tests
    #[arg(long = "tests")]
    pub all_tests: bool,
    /// Test all binaries
    #[arg(long = "bins")]
    pub all_bins: bool,
    /// Test all examples
    #[arg(long = "examples")]
    pub all_examples: bool,
    /// Test only this library's documentation
    #[arg(long)]
    pub doc: bool,
    /// Compile, but don't run tests
    #[arg(long)]
    pub no_run: bool,
    /// Show the results of every test binary, not only up to the first failing one
    #[arg(long)]
    pub no_fail_fast: bool,
    /// Run the tests again even when their binaries and arguments did not change
    #[arg(long)]
    pub rerun: bool,
    /// Arguments for the test binaries
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// One test binary's recorded run, or a lib's doc tests'.
struct Outcome {
    /// The test binary, or the doc-test unit.
    binary: UnitId,
    cached: bool,
    status: i32,
    output: String,
}

/// `libnix-tui test`.
pub fn run(args: &TestArgs) -> anyhow::Result<i32> {
    let mut request = args.build.request();
    let cargo = &mut request.cargo;
    cargo.verb = CargoVerb::Test;
    cargo.tests = args.tests.clone();
    cargo.all_tests = args.all_tests;
    cargo.all_bins = args.all_bins;
    cargo.all_examples = args.all_examples;
    cargo.doc = args.doc;
    cargo.test_runs = (!args.no_run).then(|| TestRuns {
        args: args.args.clone(),
        salt: args.rerun.then(fresh_salt),
    });
    let (code, state) = build_with_diagnostics(&args.build, request)?;
    let Some(plan) = state.plan.as_ref().filter(|_| code == 0) else {
        return Ok(code);
    };
    if args.no_run {
        for &root in plan
            .roots
            .iter()
            .filter(|&&r| plan.units[r].kind == UnitKind::Test)
        {
            let path = binary_path(plan, &state, root);
            let target = describe_target(plan, root);
            eprintln!("  Executable {target} ({})", path.display());
        }
        return Ok(0);
    }
    // As Cargo: the test binaries first, then the doc tests.
    let outcomes = [UnitKind::TestRun, UnitKind::DocTest]
        .into_iter()
        .flat_map(|kind| {
            plan.roots
                .iter()
                .filter(move |&&r| plan.units[r].kind == kind)
        })
        .map(|&run| read_outcome(plan, &state, run))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(match args.build.message_format {
        MessageFormat::Human => {
            let mut tested: Vec<&str> = outcomes
                .iter()
                .map(|o| plan.units[o.binary].package.as_str())
                .collect();
            tested.sort_unstable();
            tested.dedup();
            let name_package = !args.build.packages.is_empty() || tested.len() > 1;
            print_human(plan, &state, &outcomes, args.no_fail_fast, name_package)
        }
        MessageFormat::Json => print_json(plan, &outcomes),
    })
}

fn fresh_salt() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}-{}", std::process::id())
}

fn read_outcome(plan: &BuildPlan, state: &BuildState, run: UnitId) -> anyhow::Result<Outcome> {
    let out = state.units[run]
        .out_path
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("no store path for test run {}", plan.units[run].key))?;
    let recorded = read_recorded_run(Path::new(out)).map_err(anyhow::Error::msg)?;
    let binary = match plan.units[run].kind {
        UnitKind::DocTest => run,
        _ => plan.units[run].deps[0].unit,
    };
    Ok(Outcome {
        binary,
        cached: state.units[run].status == UnitStatus::Cached,
        status: recorded.exit_code,
        output: recorded.output,
    })
}

fn binary_path(plan: &BuildPlan, state: &BuildState, binary: UnitId) -> PathBuf {
    Path::new(state.units[binary].out_path.as_deref().unwrap_or_default())
        .join("bin")
        .join(&plan.units[binary].target_name)
}

/// Cargo's words for a test binary: `unittests src/lib.rs`, `tests/cli.rs`; for doc tests
/// `Doc-tests calc`.
fn describe_target(plan: &BuildPlan, binary: UnitId) -> String {
    let unit = &plan.units[binary];
    let src = unit.src_path.display();
    match plan.test_target(binary) {
        TestTarget::Doc => format!("Doc-tests {}", crate_name(unit)),
        TestTarget::Integration => src.to_string(),
        TestTarget::Lib | TestTarget::Bin => format!("unittests {src}"),
    }
}

fn crate_name(unit: &Unit) -> String {
    unit.target_name.replace('-', "_")
}

/// The flags that select this binary again: `--lib`, `--bin calc`, `--test cli`; with
/// `-p calc` before them when packages were named or several were tested, as Cargo says.
fn rerun_flag(plan: &BuildPlan, binary: UnitId, name_package: bool) -> String {
    let name = &plan.units[binary].target_name;
    let target = match plan.test_target(binary) {
        TestTarget::Lib => "--lib".to_string(),
        TestTarget::Bin => format!("--bin {name}"),
        TestTarget::Integration => format!("--test {name}"),
        TestTarget::Doc => "--doc".to_string(),
    };
    if name_package {
        format!("-p {} {target}", plan.package_of(binary).name)
    } else {
        target
    }
}

fn print_human(
    plan: &BuildPlan,
    state: &BuildState,
    outcomes: &[Outcome],
    no_fail_fast: bool,
    name_package: bool,
) -> i32 {
    let mut failed = Vec::new();
    let stdout = std::io::stdout();
    for outcome in outcomes {
        let cached = match (outcome.cached, counts(&outcome.output)) {
            (false, _) => String::new(),
            (true, Some(TestCounts { passed, failed, .. })) if failed > 0 => {
                format!(" [cached: {passed} passed, {failed} failed]")
            }
            (true, Some(TestCounts { passed, .. })) => format!(" [cached: {passed} passed]"),
            (true, None) => " [cached]".to_string(),
        };
        match plan.test_target(outcome.binary) {
            TestTarget::Doc => eprintln!(
                "{:>12} {}{cached}",
                "Doc-tests",
                crate_name(&plan.units[outcome.binary])
            ),
            _ => eprintln!(
                "{:>12} {} ({}){cached}",
                "Running",
                describe_target(plan, outcome.binary),
                binary_path(plan, state, outcome.binary).display()
            ),
        }
        let mut out = stdout.lock();
        // A reader that stopped early (`| head`) is not an error.
        let _ = out.write_all(outcome.output.as_bytes());
        let _ = out.flush();
        if outcome.status != 0 {
            // As Cargo: right after the binary, then once more in the summary.
            let what = match plan.test_target(outcome.binary) {
                TestTarget::Doc => "doctest",
                _ => "test",
            };
            let flag = rerun_flag(plan, outcome.binary, name_package);
            eprintln!("error: {what} failed, to rerun pass `{flag}`");
            if !no_fail_fast {
                return 101;
            }
            failed.push(flag);
        }
    }
    if failed.is_empty() {
        return 0;
    }
    let plural = if failed.len() == 1 { "" } else { "s" };
    eprintln!("error: {} target{plural} failed:", failed.len());
    for flag in &failed {
        eprintln!("    `{flag}`");
    }
    101
}

/// One line per test binary: its counts and output, and whether the result was recorded
/// by an earlier run.
fn print_json(plan: &BuildPlan, outcomes: &[Outcome]) -> i32 {
    let mut code = 0;
    for outcome in outcomes {
        let unit = &plan.units[outcome.binary];
        let package = plan.package_of(outcome.binary);
        let counts = counts(&outcome.output);
        let (passed, failed, ignored) = (
            counts.map(|c| c.passed),
            counts.map(|c| c.failed),
            counts.map(|c| c.ignored),
        );
        let line = json!({
            "reason": "test-binary-finished",
            "package": package.name,
            "version": package.version,
            "target_name": unit.target_name,
            "target": describe_target(plan, outcome.binary),
            "cached": outcome.cached,
            "exit_code": outcome.status,
            "success": outcome.status == 0,
            "passed": passed,
            "failed": failed,
            "ignored": ignored,
            "output": outcome.output,
        });
        println!("{line}");
        if outcome.status != 0 {
            code = 101;
        }
    }
    code
}
