//! Talking to Nix: the `--log-format internal-json` protocol its stderr speaks, and the
//! store queries and seeding done with `nix-store`. May import `plan` and `process` only.

pub mod protocol;
pub mod store;
