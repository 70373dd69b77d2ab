//! What a user reads about a broken deps file: plain words, the file's own positions, no
//! parser token names and no raw bytes from the file.

use libnix_tui::backend::overrides::DepsDocument;

fn syntax_error(source: &str) -> String {
    DepsDocument::parse("Cargo.dependencies.nix", source)
        .expect_err("the source has a syntax error")
        .to_string()
}

#[test]
fn expected_names_are_not_parser_token_names() {
    assert_eq!(
        syntax_error("{ pkgs }: { deps = { \"a\". = [ ]; }; }\n"),
        "Cargo.dependencies.nix:1:27: syntax error: unexpected `= [ ]; }; }`, expected a name"
    );
    assert_eq!(
        syntax_error("{ pkgs }: { deps.a = [ x; }\n"),
        "Cargo.dependencies.nix:1:25: syntax error: unexpected `;`, expected `(`, `rec`, `{`, `[`, a string or a name"
    );
}

#[test]
fn a_byte_order_mark_is_named() {
    assert_eq!(
        syntax_error("\u{feff}{ pkgs }: { }\n"),
        "Cargo.dependencies.nix:1:1: syntax error: the file starts with a byte order mark (U+FEFF), \
         which Nix does not read; save it as UTF-8 without one"
    );
}

#[test]
fn control_characters_from_the_file_are_shown_escaped() {
    let message = syntax_error("{ pkgs }: { deps = { \u{1b}[31m = 1; }; }\n");
    assert_eq!(
        message,
        "Cargo.dependencies.nix:1:22: syntax error: unexpected `\\u{1b}[31`, expected a name"
    );
    assert!(!message.contains('\u{1b}'));
}
