//! The static Nix library's own unit tests (nix/tests/*.nix), run by real Nix.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::nix_eval_json;

#[test]
fn overrides_semantics() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("nix/tests/overrides.nix");
    let failed: Vec<String> = nix_eval_json([OsStr::new("--read-write-mode"), file.as_os_str()]);
    assert!(failed.is_empty(), "failed Nix tests: {failed:?}");
}
