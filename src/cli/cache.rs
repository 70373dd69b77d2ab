//! `cache keygen` and `cache push`: sharing builds through binary caches.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::BuildArgs;
use crate::backend::build_state::last_build::{self, LastBuild};
use crate::backend::cache::{CacheError, keygen, push};
use crate::backend::session::project::Project;

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Write a key pair for signing pushed builds, and say how to trust it.
    Keygen {
        /// The key's name, part of every signature (default: <hostname>-1)
        #[arg(long)]
        name: Option<String>,
        /// Where to write NAME.secret and NAME.public (default: ~/.config/libnix-tui/keys)
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Copy the last build's unit outputs (and what they reference) to a binary cache,
    /// signed with your key.
    Push(Box<PushArgs>),
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Where to: a directory, file:///DIR, http(s)://, s3://, ssh://, any store Nix can
    /// copy to
    #[arg(value_name = "STORE-URI")]
    destination: String,
    /// The secret key to sign with (default: Nix's secret-key-files setting)
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    #[command(flatten)]
    args: BuildArgs,
}

pub fn run(command: CacheCommand) -> anyhow::Result<i32> {
    match command {
        CacheCommand::Keygen { name, out } => run_keygen(name, out),
        CacheCommand::Push(push) => run_push(&push.destination, push.key, &push.args),
    }
}

fn run_keygen(name: Option<String>, out: Option<PathBuf>) -> anyhow::Result<i32> {
    let name = name.unwrap_or_else(keygen::default_name);
    let dir = match out {
        Some(dir) => dir,
        None => keygen::default_dir()
            .context("neither XDG_CONFIG_HOME nor HOME is set: pass --out DIR")?,
    };
    let pair = keygen::generate(&name, &std::path::absolute(&dir)?)?;
    let secret = pair.secret_file.display();
    println!("Wrote the key pair `{name}`:");
    println!("  secret key: {secret}  (keep it private)");
    println!("  public key: {}", pair.public_file.display());
    println!();
    println!("Trust it where builds are pulled (nix.conf, or NIX_CONFIG):");
    println!("  extra-trusted-public-keys = {}", pair.public_key);
    println!();
    println!("Push the last build, signed with it:");
    println!("  libnix-tui cache push file:///srv/nix-cache --key {secret}");
    println!("  (or set `secret-key-files = {secret}` in nix.conf and leave out --key)");
    println!("Pull from the cache in a build:");
    println!(
        "  libnix-tui build --substituters http://cache.example:8080 \\\n    \
         --option extra-trusted-public-keys '{}'",
        pair.public_key
    );
    Ok(0)
}

/// `/nix/store/<hash>-app-0.1.0-bin` -> `app-0.1.0-bin`.
fn store_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.split_once('-').map_or(base, |(_, name)| name)
}

fn run_push(destination: &str, key: Option<PathBuf>, args: &BuildArgs) -> anyhow::Result<i32> {
    let request = args.request();
    let project = Project::locate(&request)?;
    let record = last_build::path(&project.target_dir);
    if !record.is_file() {
        return Err(CacheError::NoBuild(record).into());
    }
    let last = LastBuild::load(&record)?;
    if last.outputs.is_empty() {
        return Err(CacheError::NoBuild(record).into());
    }
    let key = push::signing_key(key)?;
    let store_args: Vec<String> = request
        .nix
        .store
        .iter()
        .flat_map(|store| ["--store".to_string(), store.clone()])
        .collect();
    let pushed = push::push(&last.outputs, destination, &key, &store_args, |path| {
        eprintln!("{:>12} {}", "Copying", store_name(path));
    })?;
    if pushed.missing > 0 {
        eprintln!(
            "warning: {} of the last build's {} unit outputs are not in the Nix store (the \
             build failed, or they were collected): pushed the rest",
            pushed.missing,
            last.outputs.len()
        );
    }
    eprintln!(
        "{:>12} {} paths, {} bytes ({:.1} MiB), to {} ({} more were there already)",
        "Pushed",
        pushed.copied,
        pushed.copied_bytes,
        pushed.copied_bytes as f64 / (1024.0 * 1024.0),
        pushed.uri,
        pushed.paths.saturating_sub(pushed.copied)
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_paths_are_shown_by_name() {
        assert_eq!(
            store_name("/nix/store/i6ak55w97g7wabyvk6rzgzjq4gaqbip6-app-0.1.0-bin"),
            "app-0.1.0-bin"
        );
    }
}
