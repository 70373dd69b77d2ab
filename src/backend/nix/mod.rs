//! Talking to Nix: the `--log-format internal-json` protocol its stderr speaks.
//! May import std, serde and serde_json only; nothing else of the engine.

pub mod protocol;
