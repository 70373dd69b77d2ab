//! The linker could not find a `-l` library, or rustc could not run the linker itself.

use super::Cause;
use super::rule::{Listed, Needs};
use super::text::{between_all, first_name, is_name_char, push_unique};

pub(super) const LINK_LIBRARY: Listed = Listed {
    find: missing_link_libs,
    cause: |lib| Cause::MissingLinkLib { lib },
    needs: |libs| Needs {
        libs,
        ..Needs::default()
    },
};

/// rustc could not run its linker: only the first one named is needed.
pub(super) const LINKER: Listed = Listed {
    find: |line| {
        first_name(&between_all(line, "linker `", "` not found"))
            .into_iter()
            .collect()
    },
    cause: |linker| Cause::MissingLinker { linker },
    needs: |mut linkers| {
        linkers.truncate(1);
        Needs {
            tools: linkers,
            ..Needs::default()
        }
    },
};

/// `-l` libraries the GNU linker, lld or Apple's ld could not find; a verbatim
/// `-l:libNAME.so.0` counts as `NAME`.
fn missing_link_libs(line: &str) -> Vec<String> {
    let mut libs = Vec::new();
    for marker in [
        "cannot find -l",
        "unable to find library -l",
        "library not found for -l",
    ] {
        let mut rest = line;
        while let Some(index) = rest.find(marker) {
            rest = &rest[index + marker.len()..];
            let (verbatim, name_start) = match rest.strip_prefix(':') {
                Some(file_name) => (true, file_name),
                None => (false, rest),
            };
            let name: String = name_start
                .chars()
                .take_while(|c| is_name_char(*c))
                .collect();
            let lib = if verbatim {
                library_of_file_name(&name)
            } else {
                name.as_str()
            };
            if !lib.is_empty() {
                push_unique(&mut libs, lib.to_string());
            }
        }
    }
    libs
}

/// `libpulse.so.0` -> `pulse`, `libz.a` -> `z`.
fn library_of_file_name(file_name: &str) -> &str {
    let stem = file_name.strip_prefix("lib").unwrap_or(file_name);
    let end = [".so", ".a", ".dylib"]
        .iter()
        .filter_map(|extension| stem.find(extension))
        .min()
        .unwrap_or(stem.len());
    &stem[..end]
}
