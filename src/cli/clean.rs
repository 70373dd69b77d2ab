//! `libnix-tui clean`: let the GC roots of the target dir go, as `cargo clean` does.

use crate::backend::session::project::Project;
use crate::backend::session::{CleanScope, clean};

use super::BuildArgs;

/// Without `--profile`/`--release` every profile; without `-p` every package.
pub fn run(args: &BuildArgs) -> anyhow::Result<i32> {
    let request = args.request();
    let project = Project::locate(&request)?;
    let profile = (args.release || args.profile.is_some()).then(|| request.cargo.profile_dir());
    let scope = CleanScope {
        profile,
        packages: args.packages.clone(),
    };
    clean(&project.layout(), &scope)?;
    eprintln!(
        "     Removed libnix-tui's GC roots in {}",
        project.layout().libnix_dir().display()
    );
    Ok(0)
}
