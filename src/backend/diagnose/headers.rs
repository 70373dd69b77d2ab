//! A C compiler could not find a header.

use super::Cause;
use super::rule::{Listed, Needs};
use super::text::{between_all, push_unique};

pub(super) const HEADER: Listed = Listed {
    find: missing_headers,
    cause: |header| Cause::MissingHeader { header },
    needs: |headers| Needs {
        headers,
        ..Needs::default()
    },
};

/// Headers gcc (`fatal error: zlib.h: No such file or directory`) or clang
/// (`fatal error: 'zlib.h' file not found`) could not include.
fn missing_headers(line: &str) -> Vec<String> {
    let gcc = between_all(line, "fatal error: ", ": No such file or directory");
    let clang = between_all(line, "fatal error: '", "' file not found");
    let mut headers = Vec::new();
    for header in gcc.into_iter().chain(clang) {
        let is_header_path = !header.is_empty()
            && header
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '/'));
        if is_header_path {
            push_unique(&mut headers, header.to_string());
        }
    }
    headers
}
