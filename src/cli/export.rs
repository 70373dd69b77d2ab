//! `export`: write the project's static Nix build system, into a directory or a tarball.

use std::path::PathBuf;

use clap::Args;

use crate::backend::emit::export::{self, ProjectSource};
use crate::backend::plan;
use crate::backend::toolchain::{Toolchain, ToolchainMode};

use super::BuildArgs;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write it (default: <workspace>/libnix-build); anywhere with --url or --git
    #[arg(long, value_name = "DIR", conflicts_with = "archive")]
    pub out_dir: Option<PathBuf>,
    /// Write it as one reproducible tarball instead, e.g. for a release asset
    #[arg(long, value_name = "FILE.tar.gz")]
    pub archive: Option<PathBuf>,
    /// Build from this tarball of the project (a release, `git archive`), not the checkout
    #[arg(long, value_name = "URL", requires = "hash", conflicts_with = "git")]
    pub url: Option<String>,
    /// The tarball's unpacked hash, as `nix-prefetch-url --unpack URL` prints it
    #[arg(long, value_name = "HASH", requires = "url")]
    pub hash: Option<String>,
    /// Build from this git repository, not the checkout
    #[arg(long, value_name = "URL", requires = "rev")]
    pub git: Option<String>,
    /// The commit of --git to build
    #[arg(long, value_name = "COMMIT", requires = "git")]
    pub rev: Option<String>,
    /// Where the workspace is inside the --url tarball or --git repository (a monorepo)
    #[arg(long, value_name = "DIR")]
    pub subdir: Option<PathBuf>,
}

impl ExportArgs {
    fn source(&self) -> anyhow::Result<ProjectSource> {
        let published = match (&self.url, &self.hash, &self.git, &self.rev) {
            (Some(url), Some(hash), _, _) => ProjectSource::tarball(url.clone(), hash.clone())?,
            (_, _, Some(git), Some(rev)) => ProjectSource::git(git.clone(), rev.clone())?,
            _ => {
                anyhow::ensure!(
                    self.subdir.is_none(),
                    "--subdir is the workspace's place inside a published source: give --url \
                     and --hash (or --git and --rev) too"
                );
                return Ok(ProjectSource::Local);
            }
        };
        Ok(match &self.subdir {
            Some(dir) => published.within(dir)?,
            None => published,
        })
    }
}

pub fn run(export_args: &ExportArgs, args: &BuildArgs) -> anyhow::Result<i32> {
    let source = export_args.source()?;
    let plan = plan::plan(&args.request().cargo)?;
    let mode = args.toolchain.unwrap_or(ToolchainMode::Nixpkgs);
    let toolchain = Toolchain::detect(mode, &plan);
    let absolute = |path: &PathBuf| std::path::absolute(path);
    if let Some(archive) = &export_args.archive {
        anyhow::ensure!(
            source != ProjectSource::Local,
            "--archive needs --url and --hash (or --git and --rev): an archive travels without \
             the checkout, so it must say where the project's source is published"
        );
        let archive = absolute(archive)?;
        export::export_archive(&plan, &toolchain, &source, &archive)?;
        println!("Wrote {}", archive.display());
        return Ok(0);
    }
    let out_dir = match &export_args.out_dir {
        Some(dir) => absolute(dir)?,
        None => plan.workspace_root.join("libnix-build"),
    };
    let entry = export::export(&plan, &toolchain, &source, &out_dir)?;
    println!("Wrote {}", entry.display());
    let host_options = match mode {
        ToolchainMode::Host => " --option sandbox false",
        ToolchainMode::Nixpkgs => "",
    };
    println!(
        "Build it with: nix-build {} -A target{host_options}",
        out_dir.display()
    );
    Ok(0)
}
