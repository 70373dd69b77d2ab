#!/usr/bin/env bash
# The whole test suite: set-up, formatting, lints, every test under the host's Nix (2.8 on
# Debian 12), then the Nix-facing tests again under Nix 2.26 (scripts/test-nix-2.26.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The Nix 2.26 root: the second tier runs in it, and the remote-builder test's sshd too.
scripts/nix-2.26.sh true
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
scripts/test-nix-2.26.sh
