#!/usr/bin/env bash
# Engine benchmark: libnix-tui against `cargo build` on the same crates.io project, in one
# run. Prints wall times and ratios for a clean build, a no-op build and a rebuild after
# touching the root crate. Goals: clean <= 1.3x Cargo, no-op <= Cargo + 1 s, root
# rebuild <= 1.5x Cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --quiet
tool="$PWD/target/release/libnix-tui"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r tests/fixtures/crates-io "$work/project"
rm -rf "$work/project/target"
project="$work/project"
jobs=$(nproc)

seconds() { # runs "$@", prints its wall time in seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}
touch_root() { printf '\n// touched %s\n' "$(date +%s%N)" >>"$project/src/main.rs"; }

cargo_build() { CARGO_TARGET_DIR="$work/cargo-target" cargo build -j "$jobs" --manifest-path "$project/Cargo.toml"; }
nix_build() { "$tool" build -j "$jobs" --manifest-path "$project/Cargo.toml"; }

cargo fetch --manifest-path "$project/Cargo.toml" >/dev/null 2>&1
export LIBNIX_TUI_REBUILD_SALT="bench-$(date +%s%N)"

cargo_clean=$(seconds cargo_build)
cargo_noop=$(seconds cargo_build)
touch_root
cargo_root=$(seconds cargo_build)

nix_clean=$(seconds nix_build)
nix_noop=$(seconds nix_build)
touch_root
nix_root=$(seconds nix_build)

units=$("$tool" plan --manifest-path "$project/Cargo.toml" | sed -n 1p)
printf 'project: tests/fixtures/crates-io (%s), -j %s, Nix %s\n' "$units" "$jobs" "$(nix-store --version | awk '{print $NF}')"
printf '%-14s %10s %10s %8s  %s\n' case cargo libnix ratio goal
row() { printf '%-14s %9.2fs %9.2fs %7.2fx  %s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { print b / a }')" "$4"; }
row clean "$cargo_clean" "$nix_clean" "<= 1.30x"
row no-op "$cargo_noop" "$nix_noop" "<= cargo + 1 s ($(awk -v a="$cargo_noop" -v b="$nix_noop" 'BEGIN { printf "%+.2f", b - a }') s)"
row root-rebuild "$cargo_root" "$nix_root" "<= 1.50x"
