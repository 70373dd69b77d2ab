//! What to do about an engine error that came before any plan. The engine's errors arrive
//! as text (`BackendEvent::Error(String)`), so this is the one place that reads their words;
//! it goes when the engine reports a typed error.

/// A hint for the error screen, from the words of the error.
pub(super) fn hint_for(message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    let hint = if lower.contains("nix")
        && (lower.contains("not found") || lower.contains("no such file"))
    {
        "Install Nix (for example the nix-bin package) and make sure nix-store is on PATH, then press b."
    } else if lower.contains("cargo.toml") || lower.contains("manifest") {
        "Fix Cargo.toml (try `cargo metadata` to see Cargo's own message), then press b."
    } else if lower.contains("cargo.dependencies.nix") {
        "Fix Cargo.dependencies.nix at the position shown, then press b."
    } else if lower.contains("cargo") && lower.contains("not found") {
        "Install a Rust toolchain with cargo on PATH, then press b."
    } else {
        return None;
    };
    Some(hint.to_owned())
}
