//! `why [UNIT]`: what changed between the previous and the latest build, in Cargo's terms.

use anyhow::bail;
use serde_json::json;

use super::{BuildArgs, MessageFormat};
use crate::backend::insight::manifest::{self, BuildRecord};
use crate::backend::insight::why::{Explanation, Verdict, explain, explain_latest_build};
use crate::backend::session::project::Project;

/// Which units `why` explains: a package name, `name@version`, and optionally a kind.
#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    pub name: String,
    pub version: Option<String>,
    /// `lib`, `bin`, `proc-macro`, `example`, `build-script` or `build-script-run`.
    pub kind: Option<String>,
}

impl UnitQuery {
    pub fn parse(spec: &str, kind: Option<String>) -> Self {
        let (name, version) = match spec.split_once('@') {
            Some((name, version)) => (name, Some(version.to_string())),
            None => (spec, None),
        };
        UnitQuery {
            name: name.to_string(),
            version,
            kind,
        }
    }

    fn matches(&self, explanation: &Explanation) -> bool {
        let unit = &explanation.unit;
        unit.package == self.name
            && self.version.as_ref().is_none_or(|v| *v == unit.version)
            && self
                .kind
                .as_ref()
                .is_none_or(|k| *k == unit.kind.replace(' ', "-"))
    }
}

pub fn run(args: &BuildArgs, query: Option<UnitQuery>) -> anyhow::Result<i32> {
    let request = args.request();
    let project = Project::locate(&request)?;
    let path = manifest::record_path(&project.target_dir, &request.cargo.profile_dir());
    let Some(record) = BuildRecord::load(&path)? else {
        eprintln!(
            "why: no build recorded in {} yet: run `libnix-tui build` first, then again after a change",
            path.display()
        );
        return Ok(1);
    };
    let explanations = match &query {
        None => explain_latest_build(&record),
        Some(query) => {
            let matching: Vec<Explanation> = record
                .latest_build
                .iter()
                .filter_map(|unit| explain(&record, &unit.key))
                .filter(|e| query.matches(e))
                .collect();
            if matching.is_empty() {
                bail!(
                    "no unit `{}` in the latest build recorded in {}",
                    describe(query),
                    path.display()
                );
            }
            // The units that were rebuilt are the ones asked about; the others only
            // when none was.
            if matching.iter().any(Explanation::was_rebuilt) {
                matching.into_iter().filter(|e| e.was_rebuilt()).collect()
            } else {
                matching
            }
        }
    };
    match args.message_format {
        MessageFormat::Json => print_json(&explanations)?,
        MessageFormat::Human if explanations.is_empty() => {
            println!(
                "Nothing was rebuilt in the latest build: every unit was already in the Nix store."
            );
        }
        MessageFormat::Human => print_text(&explanations, query.is_some()),
    }
    Ok(0)
}

fn describe(query: &UnitQuery) -> String {
    let mut text = query.name.clone();
    if let Some(version) = &query.version {
        text.push_str(&format!("@{version}"));
    }
    if let Some(kind) = &query.kind {
        text.push_str(&format!(" ({kind})"));
    }
    text
}

fn title(explanation: &Explanation) -> String {
    let unit = &explanation.unit;
    format!("{} v{} ({})", unit.package, unit.version, unit.kind)
}

/// One line per unit; a unit asked about and rebuilt for several reasons gets a line for
/// each.
fn print_text(explanations: &[Explanation], detailed: bool) {
    for explanation in explanations {
        match &explanation.verdict {
            Verdict::Rebuilt { reasons } if detailed && reasons.len() > 1 => {
                println!("{} was rebuilt because:", title(explanation));
                for reason in reasons {
                    println!("  {reason}");
                }
            }
            _ => println!("{}: {}", title(explanation), explanation.summary()),
        }
    }
}

fn print_json(explanations: &[Explanation]) -> anyhow::Result<()> {
    for explanation in explanations {
        let mut message = serde_json::to_value(explanation)?;
        if let Some(object) = message.as_object_mut() {
            object.insert("reason".into(), json!("why"));
            object.insert("message".into(), json!(explanation.summary()));
        }
        println!("{message}");
    }
    Ok(())
}
