//! Checking the file's entries against the crates Cargo actually builds.

use std::fmt;

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
    entries
        .iter()
        .filter_map(|entry| {
            let mut versions: Vec<String> = packages
                .iter()
                .filter(|(name, _)| *name == entry.crate_name)
                .map(|(_, version)| version.clone())
                .collect();
            versions.sort();
            versions.dedup();
            let problem = if versions.is_empty() {
                Problem::UnknownCrate {
                    name: entry.crate_name.clone(),
                    suggestion: closest_name(&entry.crate_name, packages),
                }
            } else {
                let version = entry
                    .version
                    .as_ref()
                    .filter(|version| !versions.contains(version))?;
                Problem::UnknownVersion {
                    name: entry.crate_name.clone(),
                    version: version.clone(),
                    known_versions: versions,
                }
            };
            Some(Finding {
                location: entry.location.clone(),
                problem,
            })
        })
        .collect()
}

/// The nearest name by edit distance (case-insensitive), if it is within a third of the
/// name's length (at least one edit).
fn closest_name(name: &str, packages: &[(String, String)]) -> Option<String> {
    let wanted = name.to_lowercase();
    let limit = wanted.chars().count().max(3) / 3;
    let mut names: Vec<&String> = packages.iter().map(|(name, _)| name).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|candidate| (edit_distance(&wanted, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.clone())
}

fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (row, left_char) in left.chars().enumerate() {
        let mut current = vec![row + 1];
        for (column, right_char) in right.iter().enumerate() {
            let substitution = previous[column] + usize::from(left_char != *right_char);
            current.push(
                substitution
                    .min(previous[column + 1] + 1)
                    .min(current[column] + 1),
            );
        }
        previous = current;
    }
    previous[right.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("openssl-sys", "openssl-sys"), 0);
        assert_eq!(edit_distance("opensl-sys", "openssl-sys"), 1);
    }

    #[test]
    fn far_names_get_no_suggestion() {
        let packages = [("serde".to_owned(), "1.0.0".to_owned())];
        assert_eq!(closest_name("openssl-sys", &packages), None);
        assert_eq!(closest_name("Serde", &packages).as_deref(), Some("serde"));
    }
}
