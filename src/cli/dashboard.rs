//! `libnix-tui` with no subcommand: the dashboard, wired to the engine.

use super::TuiArgs;

pub fn run(_args: TuiArgs) -> anyhow::Result<i32> {
    anyhow::bail!("the dashboard is not wired yet")
}
