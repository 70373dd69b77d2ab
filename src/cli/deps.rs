//! `deps`: list, edit and check `Cargo.dependencies.nix`. The backend does the work
//! ([`crate::backend::overrides`]); this module only turns arguments into calls and results
//! into text.

use std::io::{self, Write};
use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use clap::Subcommand;

use crate::backend::session::project::Project;

use crate::backend::overrides::{
    self, CrateSelector, DepsDocument, Edit, EditReport, EnvValue, OverridesError, quote_nix_string,
};

/// `deps` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DepsCommand {
    /// Show every entry, or those of one crate (CRATE or CRATE@VERSION).
    List {
        #[arg(value_name = "CRATE")]
        target: Option<CrateSelector>,
    },
    /// Add Nix packages (any Nix expression) to a crate's build inputs.
    Add {
        #[arg(value_name = "CRATE[@VERSION]")]
        target: CrateSelector,
        #[arg(value_name = "PKG", required = true)]
        packages: Vec<String>,
    },
    /// Remove Nix packages from a crate's build inputs.
    Rm {
        #[arg(value_name = "CRATE[@VERSION]")]
        target: CrateSelector,
        #[arg(value_name = "PKG", required = true)]
        packages: Vec<String>,
    },
    /// Set or unset a crate's environment variables.
    #[command(subcommand)]
    Env(EnvCommand),
    /// Check that the file evaluates and names crates and versions that are built.
    Check,
}

/// `deps env` subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum EnvCommand {
    /// Set a variable for a crate (every version, or CRATE@VERSION).
    Set {
        #[arg(value_name = "CRATE[@VERSION]")]
        target: CrateSelector,
        #[arg(value_name = "VAR=VALUE")]
        assignment: Assignment,
    },
    /// Remove a variable from a crate's entry.
    Unset {
        #[arg(value_name = "CRATE[@VERSION]")]
        target: CrateSelector,
        var: String,
    },
}

/// `VAR=VALUE`, split at the first `=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub var: String,
    pub value: String,
}

impl FromStr for Assignment {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('=') {
            Some((var, value)) => Ok(Self {
                var: var.to_owned(),
                value: value.to_owned(),
            }),
            None => Err(format!("`{text}` is not VAR=VALUE")),
        }
    }
}

/// The `pkgs` that edits and `check` evaluate against: the one the build will use.
pub fn pkgs_expression(project: &Project) -> anyhow::Result<String> {
    project.pkgs_expression().with_context(|| {
        format!(
            "{}: cannot write the Nix library there",
            project.layout().libnix_dir().display()
        )
    })
}

/// Runs `cmd` on `deps_file`, printing results; returns the exit code (0 success, 1 refused
/// edit or problems found). `pkgs_expr` is the Nix expression edits and `check` evaluate
/// against; `graph` holds the built crates' `(name, version)` pairs, when known.
pub fn run(
    cmd: &DepsCommand,
    deps_file: &Path,
    pkgs_expr: &str,
    graph: Option<&[(String, String)]>,
) -> anyhow::Result<i32> {
    run_with_output(
        cmd,
        deps_file,
        pkgs_expr,
        graph,
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    )
}

/// [`run`] writing to `out` and `err` instead of stdout and stderr.
pub fn run_with_output(
    cmd: &DepsCommand,
    deps_file: &Path,
    pkgs_expr: &str,
    graph: Option<&[(String, String)]>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let outcome = match cmd {
        DepsCommand::List { target } => list(deps_file, target.as_ref(), out, err),
        DepsCommand::Add { target, packages } => {
            let edits = packages
                .iter()
                .map(|package| Edit::AddDep {
                    target: target.clone(),
                    package: package.clone(),
                })
                .collect::<Vec<_>>();
            edit(deps_file, pkgs_expr, &edits, out)
        }
        DepsCommand::Rm { target, packages } => {
            let edits = packages
                .iter()
                .map(|package| Edit::RemoveDep {
                    target: target.clone(),
                    package: package.clone(),
                })
                .collect::<Vec<_>>();
            edit(deps_file, pkgs_expr, &edits, out)
        }
        DepsCommand::Env(EnvCommand::Set { target, assignment }) => {
            let edits = [Edit::SetEnv {
                target: target.clone(),
                var: assignment.var.clone(),
                value: assignment.value.clone(),
            }];
            edit(deps_file, pkgs_expr, &edits, out)
        }
        DepsCommand::Env(EnvCommand::Unset { target, var }) => edit(
            deps_file,
            pkgs_expr,
            &[Edit::UnsetEnv {
                target: target.clone(),
                var: var.clone(),
            }],
            out,
        ),
        DepsCommand::Check => check(deps_file, pkgs_expr, graph, out),
    };
    match outcome {
        Err(error) => match error.downcast_ref::<OverridesError>() {
            Some(refusal) => {
                writeln!(err, "error: {refusal}")?;
                let text = read_text(deps_file).ok().flatten().unwrap_or_default();
                if let Some(hint) = hint_for(refusal, &text) {
                    writeln!(err, "hint: {hint}")?;
                }
                Ok(1)
            }
            None => Err(error),
        },
        ok => ok,
    }
}

fn read_text(deps_file: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read(deps_file) {
        Ok(bytes) => Ok(Some(String::from_utf8(bytes).map_err(|_| {
            OverridesError::NotUtf8 {
                file: deps_file.to_path_buf(),
            }
        })?)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(OverridesError::Io {
            path: deps_file.to_path_buf(),
            source,
        }
        .into()),
    }
}

fn read_document(deps_file: &Path) -> anyhow::Result<Option<DepsDocument>> {
    match read_text(deps_file)? {
        Some(text) => Ok(Some(DepsDocument::parse(deps_file, text)?)),
        None => Ok(None),
    }
}

fn list(
    deps_file: &Path,
    target: Option<&CrateSelector>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Some(document) = read_document(deps_file)? else {
        writeln!(
            out,
            "no {} yet; `deps add` or `deps env set` creates it",
            deps_file.display()
        )?;
        return Ok(0);
    };
    let entries: Vec<_> = document
        .entries()
        .into_iter()
        .filter(|entry| {
            target.is_none_or(|target| {
                entry.crate_name == target.name
                    && (target.version.is_none() || entry.version == target.version)
            })
        })
        .collect();
    if entries.is_empty() {
        writeln!(
            out,
            "{}: no entries{}",
            deps_file.display(),
            target.map(|t| format!(" for {t}")).unwrap_or_default()
        )?;
    }
    for entry in &entries {
        let selector = CrateSelector {
            name: entry.crate_name.clone(),
            version: entry.version.clone(),
        };
        writeln!(out, "{}  ({})", describe_target(&selector), entry.location)?;
        if !entry.deps.is_empty() || entry.envs.is_empty() {
            let deps: Vec<String> = entry.deps.iter().map(|dep| one_line(dep)).collect();
            writeln!(
                out,
                "  deps: {}",
                if deps.is_empty() {
                    "(none)".to_owned()
                } else {
                    deps.join(" ")
                }
            )?;
        }
        for (var, value) in &entry.envs {
            let shown = match value {
                EnvValue::Literal(text) => quote_nix_string(text),
                EnvValue::Expression(source) => one_line(source),
            };
            writeln!(out, "  env:  {var} = {shown}")?;
        }
    }
    for mistake in document.mistakes() {
        writeln!(err, "warning: {mistake}")?;
    }
    for part in document.unreadable_parts() {
        writeln!(
            err,
            "warning: {}: {} is not listed: {}",
            part.location, part.subject, part.reason
        )?;
    }
    Ok(0)
}

fn edit(
    deps_file: &Path,
    pkgs_expr: &str,
    edits: &[Edit],
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let EditReport {
        created,
        unchanged,
        backup,
        converted,
    } = overrides::edit_file(deps_file, edits, pkgs_expr)?;
    if created {
        writeln!(out, "created {}", deps_file.display())?;
    }
    for edit in edits {
        let line = if unchanged.contains(edit) {
            describe_unchanged(edit)
        } else {
            describe_done(edit)
        };
        writeln!(out, "{line}")?;
    }
    for conversion in converted {
        writeln!(out, "converted: {conversion}")?;
    }
    if let Some(backup) = backup {
        writeln!(out, "previous version kept as {}", backup.display())?;
    }
    Ok(0)
}

fn check(
    deps_file: &Path,
    pkgs_expr: &str,
    graph: Option<&[(String, String)]>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Some(text) = read_text(deps_file)? else {
        writeln!(out, "no {}: nothing to check", deps_file.display())?;
        return Ok(0);
    };
    let document = match DepsDocument::parse(deps_file, text) {
        Ok(document) => Some(document),
        Err(error @ OverridesError::Syntax { .. }) => return Err(error.into()),
        Err(unreadable) => {
            // Not literal (`import ./shared.nix args`): Nix can still check what it means.
            writeln!(
                out,
                "note: {unreadable}; so its entries were not compared with the build plan"
            )?;
            None
        }
    };
    let mut problems = 0;
    for mistake in document.iter().flat_map(DepsDocument::mistakes) {
        writeln!(out, "{mistake}")?;
        problems += 1;
    }
    if let Err(error) = overrides::evaluate_file(deps_file, pkgs_expr) {
        writeln!(out, "{error}")?;
        problems += 1;
    }
    match (graph, &document) {
        (Some(packages), Some(document)) => {
            for finding in overrides::check(&document.entries(), packages) {
                writeln!(out, "{finding}")?;
                problems += 1;
            }
        }
        (None, _) => writeln!(
            out,
            "note: no build plan, so crate names and versions were not checked"
        )?,
        (Some(_), None) => {}
    }
    for part in document.iter().flat_map(DepsDocument::unreadable_parts) {
        writeln!(
            out,
            "note: {}: {} was not checked: {}",
            part.location, part.subject, part.reason
        )?;
    }
    if problems == 0 {
        writeln!(out, "{}: ok", deps_file.display())?;
        Ok(0)
    } else {
        writeln!(
            out,
            "{}: {problems} problem{}",
            deps_file.display(),
            if problems == 1 { "" } else { "s" }
        )?;
        Ok(1)
    }
}

/// Advice for the refusals users meet most; `file_text` is the deps file as it is.
fn hint_for(error: &OverridesError, file_text: &str) -> Option<String> {
    let OverridesError::Evaluation { message, .. } = error else {
        return None;
    };
    let name = message
        .strip_prefix("undefined variable '")?
        .split('\'')
        .next()?;
    Some(if overrides::uses_with_pkgs(file_text) {
        format!(
            "`{name}` is not a package of this pkgs: check the spelling (attribute names are case-sensitive)"
        )
    } else {
        format!(
            "`{name}` is not defined: is it a package of this pkgs? Without `with pkgs;` in the file, write `pkgs.{name}`"
        )
    })
}

fn describe_target(target: &CrateSelector) -> String {
    match &target.version {
        Some(version) => format!("{} {version}", target.name),
        None => format!("{} (every version)", target.name),
    }
}

pub fn describe_done(edit: &Edit) -> String {
    match edit {
        Edit::AddDep { target, package } => {
            format!("added {} to {}", one_line(package), describe_target(target))
        }
        Edit::RemoveDep { target, package } => {
            format!(
                "removed {} from {}",
                one_line(package),
                describe_target(target)
            )
        }
        Edit::SetEnv { target, var, value } => {
            format!(
                "set {var} = {} for {}",
                quote_nix_string(value),
                describe_target(target)
            )
        }
        Edit::SetEnvExpression {
            target,
            var,
            expression,
        } => format!("set {var} = {expression} for {}", describe_target(target)),
        Edit::UnsetEnv { target, var } => format!("unset {var} for {}", describe_target(target)),
    }
}

fn describe_unchanged(edit: &Edit) -> String {
    match edit {
        Edit::AddDep { target, package } => {
            format!(
                "{} already has {}",
                describe_target(target),
                one_line(package)
            )
        }
        Edit::SetEnv { target, var, .. } | Edit::SetEnvExpression { target, var, .. } => format!(
            "{var} already has that value for {}",
            describe_target(target)
        ),
        Edit::RemoveDep { .. } | Edit::UnsetEnv { .. } => format!("nothing to do: {edit}"),
    }
}

/// Multi-line expressions (inline derivations) shown on one line.
fn one_line(source: &str) -> String {
    source.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        deps: DepsCommand,
    }

    fn parse(args: &[&str]) -> Result<DepsCommand, clap::Error> {
        Cli::try_parse_from(std::iter::once("deps").chain(args.iter().copied())).map(|cli| cli.deps)
    }

    #[test]
    fn arguments_parse_into_commands() {
        assert_eq!(
            parse(&["add", "openssl-sys@0.9.1", "pkg-config", "openssl"]).ok(),
            Some(DepsCommand::Add {
                target: CrateSelector::version("openssl-sys", "0.9.1"),
                packages: vec!["pkg-config".to_owned(), "openssl".to_owned()],
            })
        );
        assert_eq!(
            parse(&["env", "set", "cargo", "FOO=a=b"]).ok(),
            Some(DepsCommand::Env(EnvCommand::Set {
                target: CrateSelector::all_versions("cargo"),
                assignment: Assignment {
                    var: "FOO".to_owned(),
                    value: "a=b".to_owned()
                },
            }))
        );
        assert!(
            parse(&["add", "openssl-sys"]).is_err(),
            "a package is required"
        );
        assert!(
            parse(&["env", "set", "cargo", "FOO"]).is_err(),
            "VAR=VALUE is required"
        );
        assert!(
            parse(&["rm", "x@", "hello"]).is_err(),
            "an empty version is refused"
        );
    }
}
