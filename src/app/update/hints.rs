//! What to do about an engine error that came before any plan, by its kind.

use crate::backend::ErrorKind;

/// A hint for the error screen.
pub(super) fn hint_for(kind: ErrorKind) -> Option<String> {
    let hint = match kind {
        ErrorKind::NixMissing => {
            "Install Nix (for example the nix-bin package) and make sure nix-store is on PATH, then press b."
        }
        ErrorKind::Cargo => {
            "Fix Cargo.toml (try `cargo metadata` to see Cargo's own message), then press b."
        }
        ErrorKind::DepsFile => "Fix Cargo.dependencies.nix at the position shown, then press b.",
        ErrorKind::ToolchainMissing => "Install a Rust toolchain with cargo on PATH, then press b.",
        ErrorKind::NixTooOld => {
            "Upgrade Nix, or start the dashboard with --toolchain host, then press b."
        }
        ErrorKind::Evaluation | ErrorKind::Other => return None,
    };
    Some(hint.to_owned())
}
