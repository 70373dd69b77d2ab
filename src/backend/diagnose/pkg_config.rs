//! pkg-config, or the pkg-config and system-deps crates, could not find a module.

use super::Cause;
use super::rule::{Listed, Needs};
use super::text::{between_all, is_name, last_word_after, push_unique};

pub(super) const PKG_CONFIG_MODULE: Listed = Listed {
    find: pkg_config_missing_modules,
    cause: |name| Cause::MissingPkgConfigPackage { name },
    needs: |modules| Needs {
        modules,
        ..Needs::default()
    },
};

/// Modules named missing by pkg-config (freedesktop and pkgconf wording) or by the
/// pkg-config / system-deps crates.
fn pkg_config_missing_modules(line: &str) -> Vec<String> {
    let mut modules: Vec<&str> = Vec::new();
    modules.extend(between_all(
        line,
        "The system library `",
        "` required by crate",
    ));
    modules.extend(between_all(
        line,
        "could not find system library '",
        "' required by",
    ));
    modules.extend(between_all(line, "No package '", "' found"));
    modules.extend(between_all(line, "Package '", "', required by"));
    let marker = " was not found in the pkg-config search path";
    let mut rest = line;
    while let Some(index) = rest.find(marker) {
        if let Some(module) = last_word_after(&rest[..index], "Package ") {
            modules.push(module);
        }
        rest = &rest[index + marker.len()..];
    }
    let mut unique = Vec::new();
    for module in modules.into_iter().filter(|m| is_name(m)) {
        push_unique(&mut unique, module.to_string());
    }
    unique
}
