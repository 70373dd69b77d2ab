//! `libnix-tui run`: build the one binary Cargo would run, through Nix, then run it from
//! the store with the user's arguments, stdin and stdout, passing its exit status through.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use clap::Args;

use super::BuildArgs;
use super::check::build_with_diagnostics;
use crate::backend::plan::{CargoVerb, UnitKind};

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Arguments for the binary
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// `libnix-tui run`.
pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let mut request = args.build.request();
    request.cargo.verb = CargoVerb::Run;
    let (code, state) = build_with_diagnostics(&args.build, request)?;
    if code != 0 {
        return Ok(code);
    }
    let plan = state
        .plan
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the build finished without a plan"))?;
    let binary = plan
        .roots
        .iter()
        .find(|&&root| matches!(plan.units[root].kind, UnitKind::Bin | UnitKind::Example))
        .ok_or_else(|| anyhow::anyhow!("Cargo's plan for `run` has no binary"))?;
    let out = state.units[*binary]
        .out_path
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("no store path for the binary"))?;
    let path = std::path::Path::new(out)
        .join("bin")
        .join(&plan.units[*binary].target_name);
    eprintln!("{:>12} `{}`", "Running", path.display());
    let status = Command::new(&path)
        .args(&args.args)
        .status()
        .map_err(|e| anyhow::anyhow!("could not run {}: {e}", path.display()))?;
    // A binary killed by a signal: the shell's convention, 128 + the signal.
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}
