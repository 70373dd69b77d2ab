//! `libnix-tui` with no subcommand: the dashboard. Turns the arguments into a build request
//! and opens [`crate::app::dashboard`], drawn by [`crate::views`].

use super::TuiArgs;
use crate::{app, views};

pub fn run(args: TuiArgs) -> anyhow::Result<i32> {
    let mut build_args = args.args.clone();
    if let Some(path) = &args.path {
        build_args.manifest_path = Some(if path.is_dir() {
            path.join("Cargo.toml")
        } else {
            path.clone()
        });
    }
    let mut request = build_args.request();
    // The dashboard is for seeing every state: build all that does not depend on a failure.
    request.nix.keep_going = true;
    app::dashboard::open(request, args.build, views::render)?;
    Ok(0)
}
