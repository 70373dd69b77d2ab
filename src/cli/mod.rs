//! The command line: `libnix-tui` (the dashboard), `build`, `plan`, `deps`, `doctor`,
//! `export`, `clean`, `why`, `cache`, `timings`.

pub mod build;
pub mod cache;
pub mod check;
pub mod clean;
pub mod dashboard;
pub mod deps;
pub mod doctor;
pub mod export;
pub mod run;
pub mod test;
pub mod why;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::backend::plan::CargoOptions;
use crate::backend::session::project::{self, Project};
use crate::backend::session::{BuildRequest, NixOptions};
use crate::backend::toolchain::ToolchainMode;

#[derive(Debug, Parser)]
#[command(
    name = "libnix-tui",
    version,
    about = "Build Rust projects through Nix, one derivation per compilation unit",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub tui: TuiArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build through Nix, printing like Cargo.
    Build {
        #[command(flatten)]
        args: BuildArgs,
        /// Write target/libnix/timings.html and print the critical path
        #[arg(long)]
        timings: bool,
    },
    /// Build the binary through Nix and run it: `run [--bin NAME | --example NAME] [-- ARGS]`.
    Run(run::RunArgs),
    /// Check for errors through Nix, as `cargo check`: metadata only, diagnostics as Cargo's.
    Check(BuildArgs),
    /// Build and run the tests and doc tests through Nix, as `cargo test`; unchanged test
    /// binaries' and doc tests' results come from the store (`--rerun` runs them again).
    Test(test::TestArgs),
    /// Print the unit graph that would be built.
    Plan {
        #[command(flatten)]
        args: BuildArgs,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Open the dashboard (the default when no subcommand is given).
    Tui(TuiArgs),
    /// List, edit and check Cargo.dependencies.nix.
    Deps {
        #[command(subcommand)]
        command: deps::DepsCommand,
        #[command(flatten)]
        args: BuildArgs,
    },
    /// Write a static Nix build system for this project (default toolchain: nixpkgs), for
    /// a flake, an overlay or nixpkgs: `nix-build DIR -A target` builds it without libnix-tui.
    Export {
        #[command(flatten)]
        export: export::ExportArgs,
        #[command(flatten)]
        args: BuildArgs,
    },
    /// Say what changed since the previous build to make units rebuild, in Cargo's terms.
    Why {
        /// A package name or NAME@VERSION (default: every unit the latest build rebuilt)
        unit: Option<String>,
        /// Only this kind of unit: lib, bin, proc-macro, example, build-script, build-script-run
        #[arg(long, requires = "unit")]
        kind: Option<String>,
        #[command(flatten)]
        args: BuildArgs,
    },
    /// Share builds: a signing key pair, and pushing the last build to a binary cache.
    Cache {
        #[command(subcommand)]
        command: cache::CacheCommand,
    },
    /// Let go of the GC roots (and target/libnix outputs) of every profile, one profile
    /// (--profile, --release) or some packages (-p), so the next Nix GC may delete them.
    Clean {
        #[command(flatten)]
        args: BuildArgs,
    },
    /// Write target/libnix/timings.html for the last build and print its critical path.
    Timings {
        #[command(flatten)]
        args: BuildArgs,
    },
    /// Explain the last build's failures and suggest (or with --fix, add) native deps.
    Doctor {
        /// Add the suggested entries to Cargo.dependencies.nix.
        #[arg(long)]
        fix: bool,
        #[command(flatten)]
        args: BuildArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum MessageFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Args, Default)]
pub struct TuiArgs {
    /// A project directory (or its Cargo.toml) to open instead of the current one.
    pub path: Option<PathBuf>,
    /// Start building right away.
    #[arg(long)]
    pub build: bool,
    #[command(flatten)]
    pub args: BuildArgs,
}

/// Cargo's flags for selecting what to build, plus the Nix pass-through options.
#[derive(Debug, Args, Default, Clone)]
pub struct BuildArgs {
    /// Path to Cargo.toml of the project (default: found from the current directory)
    #[arg(long, value_name = "PATH", global = true)]
    pub manifest_path: Option<PathBuf>,
    /// Package(s) to build
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,
    /// Build all packages in the workspace
    #[arg(long)]
    pub workspace: bool,
    /// Build only the specified binary
    #[arg(long = "bin", value_name = "NAME")]
    pub bins: Vec<String>,
    /// Build only this package's library
    #[arg(long)]
    pub lib: bool,
    /// Build only the specified example
    #[arg(long = "example", value_name = "NAME")]
    pub examples: Vec<String>,
    /// Build artifacts in release mode, with optimizations
    #[arg(short = 'r', long)]
    pub release: bool,
    /// Build artifacts with the specified profile
    #[arg(long, value_name = "PROFILE-NAME")]
    pub profile: Option<String>,
    /// Space or comma separated list of features to activate
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Activate all available features
    #[arg(long)]
    pub all_features: bool,
    /// Do not activate the `default` feature
    #[arg(long)]
    pub no_default_features: bool,
    /// Number of parallel Nix builds (--max-jobs); 0 builds only on --builders
    #[arg(short = 'j', long, value_name = "N", requires_if("0", "builders"))]
    pub jobs: Option<u32>,
    /// Build as much as possible after a failure
    #[arg(long)]
    pub keep_going: bool,
    /// Directory for all generated artifacts
    #[arg(long, value_name = "DIRECTORY")]
    pub target_dir: Option<PathBuf>,
    /// Toolchain: `nixpkgs` (pure) or `host` (the host's rustc and cc). Default: nixpkgs
    /// when `<nixpkgs>` can be found, host otherwise.
    #[arg(long, value_name = "MODE")]
    pub toolchain: Option<ToolchainMode>,
    /// Pass a Nix option (repeatable): --option NAME VALUE
    #[arg(long = "option", num_args = 2, value_names = ["NAME", "VALUE"])]
    pub nix_options: Vec<String>,
    /// Nix remote builders (--builders)
    #[arg(long, value_name = "SPEC")]
    pub builders: Option<String>,
    /// The Nix store to use (--store)
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// Do not substitute from binary caches
    #[arg(long)]
    pub offline: bool,
    /// Also fetch units from these binary caches (repeatable, or space-separated), if
    /// signed by a key in Nix's trusted-public-keys
    #[arg(long = "substituters", value_name = "URI")]
    pub substituters: Vec<String>,
    /// Output format of `build`
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// Also list the units that were already in the store
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

impl BuildArgs {
    /// The engine's request for these flags.
    pub fn request(&self) -> BuildRequest {
        let features = self
            .features
            .iter()
            .flat_map(|f| f.split([',', ' ']))
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
        BuildRequest {
            cargo: CargoOptions {
                manifest_path: self.manifest_path.clone(),
                packages: self.packages.clone(),
                workspace: self.workspace,
                bins: self.bins.clone(),
                lib: self.lib,
                release: self.release,
                profile: self.profile.clone(),
                features,
                all_features: self.all_features,
                no_default_features: self.no_default_features,
                target_dir: self.target_dir.clone(),
                examples: self.examples.clone(),
                ..CargoOptions::default()
            },
            nix: NixOptions {
                toolchain: self.toolchain,
                jobs: self.jobs,
                keep_going: self.keep_going,
                options: self
                    .nix_options
                    .chunks(2)
                    .map(|pair| (pair[0].clone(), pair.get(1).cloned().unwrap_or_default()))
                    .collect(),
                builders: self.builders.clone(),
                store: self.store.clone(),
                offline: self.offline,
                substituters: self
                    .substituters
                    .iter()
                    .flat_map(|uris| uris.split_whitespace())
                    .map(str::to_string)
                    .collect(),
            },
        }
    }
}

/// `cargo libnix build` runs us as `cargo-libnix libnix build`: drop Cargo's extra word.
pub fn normalized_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut args: Vec<String> = args.into_iter().collect();
    let invoked_by_cargo = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .is_some_and(|name| name.to_string_lossy().starts_with("cargo-libnix"));
    if invoked_by_cargo && args.get(1).map(String::as_str) == Some("libnix") {
        args.remove(1);
    }
    args
}

fn run_deps(command: &deps::DepsCommand, args: &BuildArgs) -> anyhow::Result<i32> {
    let request = args.request();
    let project = Project::locate(&request)?;
    let pkgs = deps::pkgs_expression(&project)?;
    let graph = match command {
        deps::DepsCommand::Check => Some(project::plan(&request.cargo)?.package_versions()),
        _ => None,
    };
    deps::run(command, &project.deps_file(), &pkgs, graph.as_deref())
}

/// Entry point shared by `libnix-tui` and `cargo-libnix`; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse_from(normalized_args(std::env::args()));
    let result = match cli.command {
        Some(Command::Build { args, timings }) => build::run_build(&args, timings),
        Some(Command::Timings { args }) => build::run_timings(&args),
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Test(args)) => test::run(&args),
        Some(Command::Plan { args, format }) => build::run_plan(&args, format),
        Some(Command::Tui(tui)) => dashboard::run(tui),
        Some(Command::Deps { command, args }) => run_deps(&command, &args),
        Some(Command::Doctor { fix, args }) => doctor::run(&args, fix),
        Some(Command::Export { export, args }) => export::run(&export, &args),
        Some(Command::Why { unit, kind, args }) => {
            why::run(&args, unit.map(|u| why::UnitQuery::parse(&u, kind)))
        }
        Some(Command::Cache { command }) => cache::run(command),
        Some(Command::Clean { args }) => clean::run(&args),
        None => dashboard::run(cli.tui),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", error_text(&error));
            1
        }
    }
}

/// The error and its causes, each said once: a cause that its error's message already
/// includes (`{path}: {source}`) is not repeated.
fn error_text(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain().map(ToString::to_string) {
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}
