//! "Did you mean ...?": the known names nearest to a misspelt one.

/// At most `most` of `names` within a third of `wanted`'s length of edits (at least one),
/// ignoring case, nearest first.
pub(super) fn nearest<'a>(
    wanted: &str,
    names: impl IntoIterator<Item = &'a str>,
    most: usize,
) -> Vec<&'a str> {
    let wanted = wanted.to_lowercase();
    let length = wanted.chars().count();
    let limit = length.max(3) / 3;
    let mut near: Vec<(usize, &str)> = names
        .into_iter()
        // Lengths further apart than the limit cannot be within it: skip the distance.
        .filter(|name| name.chars().count().abs_diff(length) <= limit)
        .map(|name| {
            let edits = strsim::damerau_levenshtein(&wanted, &name.to_lowercase());
            (edits, name)
        })
        .filter(|&(edits, _)| edits <= limit)
        .collect();
    near.sort();
    near.into_iter().take(most).map(|(_, name)| name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_nearest_first_and_far_ones_never() {
        let names = ["openssh", "openssl", "pkg-config", "zlib", "ssl", "serde"];
        assert_eq!(nearest("opensll", names, 3), ["openssl", "openssh"]);
        assert_eq!(nearest("opensll", names, 1), ["openssl"]);
        assert_eq!(nearest("pkgconfig", names, 3), ["pkg-config"]);
        assert_eq!(nearest("zlb", names, 3), ["zlib"]);
        assert_eq!(nearest("Serde", names, 3), ["serde"]);
        assert!(nearest("gtk4", names, 3).is_empty());
        assert!(nearest("openssl-sys", ["serde"], 3).is_empty());
    }
}
