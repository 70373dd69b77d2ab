#!/usr/bin/env bash
# Set up, build libnix-tui and open its dashboard on a fresh copy of the bundled demo
# project (in ~/.cache/libnix-tui/demo), so the demo starts from its failing state every
# time and the repository stays as it is. Extra arguments go to libnix-tui.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --quiet
demo="${XDG_CACHE_HOME:-$HOME/.cache}/libnix-tui/demo"
mkdir -p "$demo"
rm -f "$demo"/Cargo.dependencies.nix "$demo"/Cargo.dependencies.nix.bak
tar -C demo --exclude=./target --exclude='./Cargo.dependencies.nix*' -cf - . | tar -C "$demo" -xf -
exec target/release/libnix-tui tui "$demo" "$@"
