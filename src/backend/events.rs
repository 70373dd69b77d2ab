//! Nix `--log-format internal-json` lines as typed events.

/// One line of Nix's stderr. Placeholder until the parser lands.
#[derive(Debug, Clone, PartialEq)]
pub enum NixEvent {
    Raw(String),
}

/// Placeholder until the parser lands.
pub fn parse_line(line: &str) -> NixEvent {
    NixEvent::Raw(line.to_string())
}
