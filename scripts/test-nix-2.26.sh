#!/usr/bin/env bash
# The Nix-facing tests under Nix 2.26 (Debian 13's nix-bin, in the root scripts/nix-2.26.sh
# makes): the engine, the demo's fix loop, JSON statuses and counts, native deps, the
# dashboard in tmux, and nixpkgs mode against the real nixpkgs (../shared/nixpkgs).
# Fails, never skips, when the root cannot be made.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
scripts/nix-2.26.sh bash -euo pipefail -c '
  version=$(nix-store --version)
  case $version in
    *" 2.26."*) echo "Nix tier: $version" ;;
    *) echo "nix-2.26: expected Nix 2.26 in the root, found: $version" >&2; exit 1 ;;
  esac
  cargo test --test engine --test doctor --test native_deps --test dashboard_e2e --test nixpkgs_setup
  NIX_PATH="nixpkgs=$LIBNIX_TUI_NIXPKGS" cargo test --test nixpkgs_real -- --include-ignored
'
echo "Nix 2.26 tier: $((SECONDS - start)) s"
