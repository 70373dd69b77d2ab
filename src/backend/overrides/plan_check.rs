//! Checking the file's entries against the crates Cargo actually builds.

use std::collections::BTreeMap;
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
                    suggestion: closest_name(&entry.crate_name, versions_of.keys().copied()),
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

/// The nearest of the sorted `names` by edit distance (case-insensitive), if it is within
/// a third of the name's length (at least one edit).
fn closest_name<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Option<String> {
    let wanted = name.to_lowercase();
    let length = wanted.chars().count();
    let limit = length.max(3) / 3;
    names
        // Lengths further apart than the limit cannot be within it: skip the distance.
        .filter(|candidate| candidate.chars().count().abs_diff(length) <= limit)
        .map(|candidate| (edit_distance(&wanted, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.to_owned())
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
        let names = || ["serde"].into_iter();
        assert_eq!(closest_name("openssl-sys", names()), None);
        assert_eq!(closest_name("Serde", names()).as_deref(), Some("serde"));
    }
}
