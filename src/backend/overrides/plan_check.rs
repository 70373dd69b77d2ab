//! Checking the file's entries against the crates Cargo actually builds.

use std::collections::BTreeMap;
use std::fmt;

use super::suggest::nearest;
use super::{Location, OverrideEntry};

/// Something in the file that does not match the build graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub location: Location,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No crate of that name is built; `suggestion` is the closest real name, if any is close.
    UnknownCrate {
        name: String,
        suggestion: Option<String>,
    },
    /// The crate is built, but not at that version.
    UnknownVersion {
        name: String,
        version: String,
        known_versions: Vec<String>,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::UnknownCrate { name, suggestion } => {
                write!(
                    f,
                    "{}: crate `{name}` is not in the build graph",
                    self.location
                )?;
                match suggestion {
                    Some(suggestion) => write!(f, "; did you mean `{suggestion}`?"),
                    None => Ok(()),
                }
            }
            Problem::UnknownVersion {
                name,
                version,
                known_versions,
            } => write!(
                f,
                "{}: `{name}` is not built at version {version}; Cargo.lock has {}",
                self.location,
                known_versions.join(", ")
            ),
        }
    }
}

/// Checks entries against the build graph's `(name, version)` pairs.
pub fn check(entries: &[OverrideEntry], packages: &[(String, String)]) -> Vec<Finding> {
    let mut versions_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, version) in packages {
        versions_of.entry(name).or_default().push(version.clone());
    }
    for versions in versions_of.values_mut() {
        versions.sort();
        versions.dedup();
    }
    entries
        .iter()
        .filter_map(|entry| {
            let problem = match versions_of.get(entry.crate_name.as_str()) {
                None => Problem::UnknownCrate {
                    name: entry.crate_name.clone(),
                    suggestion: nearest(&entry.crate_name, versions_of.keys().copied(), 1)
                        .first()
                        .map(|name| name.to_string()),
                },
                Some(versions) => {
                    let version = entry
                        .version
                        .as_ref()
                        .filter(|version| !versions.contains(version))?;
                    Problem::UnknownVersion {
                        name: entry.crate_name.clone(),
                        version: version.clone(),
                        known_versions: versions.clone(),
                    }
                }
            };
            Some(Finding {
                location: entry.location.clone(),
                problem,
            })
        })
        .collect()
}
