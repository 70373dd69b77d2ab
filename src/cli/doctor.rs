//! `doctor`: read the last build's failures, name their causes, and with `--fix` add the
//! suggested entries to Cargo.dependencies.nix through the lossless editor.

use super::BuildArgs;
use super::deps::describe_done;
use crate::backend::build_state::last_build::{self, LastBuild};
use crate::backend::diagnose::{Suggestion, diagnose, suggestions_for};
use crate::backend::overrides::{self, Edit};
use crate::backend::session::project::Project;

pub fn run(args: &BuildArgs, fix: bool) -> anyhow::Result<i32> {
    let request = args.request();
    let project = Project::locate(&request)?;
    let record = last_build::path(&project.target_dir);
    if !record.is_file() {
        eprintln!(
            "doctor: no build recorded in {} yet: run `libnix-tui build` first",
            record.display()
        );
        return Ok(1);
    }
    let last = LastBuild::load(&record)?;
    for other in &last.other_failures {
        println!("{}", other.message);
        for line in &other.log_tail {
            println!("    {line}");
        }
    }
    if last.failures.is_empty() {
        if last.other_failures.is_empty() {
            println!("The last build had no failures.");
            return Ok(0);
        }
        return Ok(1);
    }
    for failure in &last.failures {
        let title = format!(
            "{} v{} ({})",
            failure.package, failure.version, failure.kind
        );
        match diagnose(&failure.package, &failure.log) {
            Some(diagnosis) => {
                let report = diagnosis.report(usize::MAX);
                let mut lines = report.lines();
                println!("{title}: {}", lines.next().unwrap_or_default());
                for line in lines {
                    println!("    {line}");
                }
            }
            None => println!("{title}: not a missing native dependency (see its log)"),
        }
    }
    let failures: Vec<(String, Vec<String>)> = last
        .failures
        .iter()
        .map(|f| (f.package.clone(), f.log.clone()))
        .collect();
    let suggestions = suggestions_for(&failures);
    if suggestions.is_empty() {
        return Ok(1);
    }
    if !fix {
        println!("Run `libnix-tui doctor --fix` to add these to Cargo.dependencies.nix.");
        return Ok(0);
    }
    let edits: Vec<Edit> = suggestions.iter().flat_map(Suggestion::edits).collect();
    let pkgs = super::deps::pkgs_expression(&project)?;
    let deps_file = project.deps_file();
    let report = match overrides::edit_file(&deps_file, &edits, &pkgs) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("doctor: could not change {}: {error}", deps_file.display());
            return Ok(1);
        }
    };
    if report.created {
        println!("Created {}", deps_file.display());
    }
    for edit in edits.iter().filter(|e| !report.unchanged.contains(e)) {
        println!("Changed {}: {}", deps_file.display(), describe_done(edit));
    }
    for edit in &report.unchanged {
        println!("Already there: {edit}");
    }
    println!("Now build again: libnix-tui build");
    Ok(0)
}
