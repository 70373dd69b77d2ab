#!/usr/bin/env bash
# The whole test suite: set-up, formatting, lints, then every test (real Nix builds).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
