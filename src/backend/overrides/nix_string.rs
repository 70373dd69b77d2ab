//! Nix string literals: writing a value so Nix reads it back unchanged, and decoding one.

use rnix::ast::{self, InterpolPart};

/// Renders `value` as a double-quoted Nix string that evaluates to exactly `value`.
///
/// Escapes `"`, `\`, newline, carriage return and tab, and `$` where it would start an
/// interpolation (`${`); everything else, non-ASCII included, is written as is. Nix strings
/// cannot hold NUL, so callers reject it first.
pub fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => quoted.push_str("\\$"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The value of a string literal without interpolations, `None` when it interpolates.
pub(super) fn literal_value(string: &ast::Str) -> Option<String> {
    string
        .normalized_parts()
        .into_iter()
        .map(|part| match part {
            InterpolPart::Literal(text) => Some(text),
            InterpolPart::Interpolation(_) => None,
        })
        .collect()
}

/// Whether `name` can be written as a bare attribute name.
pub(super) fn is_plain_identifier(name: &str) -> bool {
    const KEYWORDS: [&str; 11] = [
        "assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with", "__curPos",
    ];
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        && !KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnix::Root;
    use rowan::ast::AstNode;

    fn read_back(literal: &str) -> Option<String> {
        let parse = Root::parse(literal);
        assert!(
            parse.errors().is_empty(),
            "{literal} does not parse: {:?}",
            parse.errors()
        );
        let string = parse.syntax().descendants().find_map(ast::Str::cast)?;
        literal_value(&string)
    }

    #[test]
    fn quoting_escapes_what_nix_would_interpret() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quote("x\ny\tz\r"), r#""x\ny\tz\r""#);
        assert_eq!(quote("${HOME} $HOME $${x}"), r#""\${HOME} $HOME $\${x}""#);
        assert_eq!(quote("grüße ✓"), "\"grüße ✓\"");
    }

    #[test]
    fn quoted_values_decode_to_themselves() {
        for value in [
            "",
            "plain",
            "\"q\"",
            "back\\slash\\",
            "${x}",
            "$",
            "$$",
            "$${y}",
            "a\nb\tc\r",
            "ü✓",
        ] {
            assert_eq!(
                read_back(&quote(value)).as_deref(),
                Some(value),
                "value {value:?}"
            );
        }
    }

    #[test]
    fn interpolated_strings_have_no_literal_value() {
        assert_eq!(read_back(r#""${openssl.dev}/lib""#), None);
        assert_eq!(
            read_back("''\n  indented\n  text\n''").as_deref(),
            Some("indented\ntext\n")
        );
    }

    #[test]
    fn plain_identifiers() {
        assert!(is_plain_identifier("FOO_BAR"));
        assert!(is_plain_identifier("pkg-config"));
        assert!(!is_plain_identifier("0.88.0"));
        assert!(!is_plain_identifier("with"));
        assert!(!is_plain_identifier("A B"));
        assert!(!is_plain_identifier(""));
    }
}
