#!/usr/bin/env bash
# Engine benchmark: libnix-tui against `cargo build` on the same projects, in one run.
# Projects: tests/fixtures/crates-io, and ripgrep 14.1.1 (a root package with a build script
# and path crates) when a source tree with its crates fetched is at $RIPGREP_SRC
# (default /var/cache/libnix-tui/projects/ripgrep; copied, never modified).
# Cases: clean build, no-op, root edit with fresh state, root edit after a GC of the unit
# outputs, root edit after a clean build of another profile. Prints wall times and ratios;
# for root edits also where libnix-tui's time goes (planning, evaluation, the rest: store
# queries, realise, linking), measured by repeating the first two on their own.
# Goals: clean <= 1.05x Cargo; no-op <= Cargo + 0.05 s; root edit <= 1.2x Cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --quiet
tool="$PWD/target/release/libnix-tui"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs=$(nproc)
ripgrep_src="${RIPGREP_SRC:-/var/cache/libnix-tui/projects/ripgrep}"
# A second profile that inherits dev, as a user's custom profile would.
export CARGO_PROFILE_BENCHOTHER_INHERITS=dev

seconds() { # runs "$@", prints its wall time in seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

row() { # case cargo libnix goal
  printf '%-26s %8.2fs %8.2fs %7.2fx  %s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { print b / a }')" "$4"
}

# bench NAME DIR ROOT_FILE: every case for the project copied to DIR.
bench() {
  local name="$1" project="$2" root_file="$3"
  local manifest="$project/Cargo.toml" cargo_target="$work/$name-cargo-target"
  touch_root() { printf '\n// touched %s\n' "$(date +%s%N)" >>"$project/$root_file"; }
  cargo_build() { CARGO_TARGET_DIR="$cargo_target" cargo build -j "$jobs" --manifest-path "$manifest" "$@"; }
  nix_build() { "$tool" build -j "$jobs" --manifest-path "$manifest" "$@"; }
  cargo fetch --manifest-path "$manifest" >/dev/null 2>&1
  # Every derivation new: a clean build without deleting anything from the store.
  LIBNIX_TUI_REBUILD_SALT="bench-$name-$(date +%s%N)"
  export LIBNIX_TUI_REBUILD_SALT

  local c_clean c_noop c_edit c_gc c_other n_clean n_noop n_edit n_gc n_other
  c_clean=$(seconds cargo_build)
  c_noop=$(seconds cargo_build)
  touch_root
  c_edit=$(seconds cargo_build)
  touch_root # Cargo keeps no store: a GC changes nothing for it
  c_gc=$(seconds cargo_build)
  seconds cargo_build --profile benchother >/dev/null
  touch_root
  c_other=$(seconds cargo_build)

  n_clean=$(seconds nix_build)
  n_noop=$(seconds nix_build)
  touch_root
  n_edit=$(seconds nix_build)
  local plan_s eval_s
  plan_s=$(seconds "$tool" plan --manifest-path "$manifest")
  eval_s=$(seconds nix-instantiate --option sandbox false --eval --strict --read-write-mode --json -A paths \
    "$project/target/libnix/nix/default.nix" --argstr planFile "$project/target/libnix/plan.json" --argstr toolchain host)

  # A GC of every unit output no root keeps alive (only this project's paths are deleted:
  # the machine's store is shared).
  local gc_note
  gc_note=$(delete_dead_unit_outputs "$project" "$manifest")
  touch_root
  n_gc=$(seconds nix_build)
  seconds nix_build --profile benchother >/dev/null
  touch_root
  n_other=$(seconds nix_build)

  local units
  units=$("$tool" plan --manifest-path "$manifest" | sed -n 1p)
  printf '\nproject: %s (%s), -j %s, Nix %s, load %s\n' "$name" "$units" "$jobs" \
    "$(nix-store --version | awk '{print $NF}')" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-26s %9s %9s %8s  %s\n' case cargo libnix ratio goal
  row clean "$c_clean" "$n_clean" "<= 1.05x"
  row no-op "$c_noop" "$n_noop" "<= cargo + 0.05 s ($(awk -v a="$c_noop" -v b="$n_noop" 'BEGIN { printf "%+.2f", b - a }') s)"
  row "root edit" "$c_edit" "$n_edit" "<= 1.20x"
  row "root edit after GC" "$c_gc" "$n_gc" "<= 1.20x ($gc_note)"
  row "root edit after benchother" "$c_other" "$n_other" "<= 1.20x"
  printf 'libnix root edit by phase: planning %.2fs, evaluation %.2fs, store queries + realise + linking %.2fs\n' \
    "$plan_s" "$eval_s" "$(awk -v t="$n_edit" -v p="$plan_s" -v e="$eval_s" 'BEGIN { print t - p - e }')"
}

# Deletes the outputs of the project's units that nothing keeps alive; prints what it did.
delete_dead_unit_outputs() {
  local project="$1" manifest="$2" drvs dead outs
  mapfile -t drvs < <("$tool" build --manifest-path "$manifest" --message-format json |
    sed -n 's/.*"drv_path":"\([^"]*\)".*/\1/p')
  outs=$(nix-store -q --outputs "${drvs[@]}" | sort -u)
  mapfile -t dead < <(comm -23 <(echo "$outs") <(find "$project"/target/libnix/gcroots -type l -exec nix-store -qR {} + | sort -u))
  if [ ${#dead[@]} -eq 0 ]; then
    echo "GC roots keep all $(echo "$outs" | wc -l) unit outputs"
    return
  fi
  nix-store --delete "${dead[@]}" >/dev/null 2>&1 || { echo "nix-store --delete failed"; return; }
  echo "deleted ${#dead[@]} of $(echo "$outs" | wc -l) unit outputs"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (other sessions share it: figures are noisy)"
cp -r tests/fixtures/crates-io "$work/crates-io"
rm -rf "$work/crates-io/target"
bench crates-io "$work/crates-io" src/main.rs
if [ -f "$ripgrep_src/Cargo.toml" ]; then
  cp -r "$ripgrep_src" "$work/ripgrep"
  rm -rf "$work/ripgrep/target"
  bench ripgrep "$work/ripgrep" crates/core/main.rs
else
  echo "ripgrep: skipped, no source tree at $ripgrep_src (set RIPGREP_SRC)"
fi
