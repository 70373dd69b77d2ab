//! The static Nix library's own unit tests (nix/tests/*.nix), run by real Nix.

use std::path::Path;
use std::process::Command;

#[test]
fn overrides_semantics() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("nix/tests/overrides.nix");
    let output = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--read-write-mode", "--json"])
        .arg(&file)
        .output()
        .expect("run nix-instantiate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let failed: Vec<String> = serde_json::from_slice(&output.stdout).expect("a JSON list");
    assert!(failed.is_empty(), "failed Nix tests: {failed:?}");
}
