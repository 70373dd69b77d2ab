#!/usr/bin/env bash
# Builds crates.io binaries with Cargo and with libnix-tui (host mode) side by side, from a
# fresh target dir each, and writes docs/COMPAT.md. Not part of CI: a full run takes hours.
#   scripts/compat.sh              every project of scripts/compat-list.txt
#   scripts/compat.sh sd tokei     only these (the other rows keep their last results)
#   scripts/compat.sh --table-only rewrite docs/COMPAT.md from docs/compat-results.tsv
# A failed libnix-tui build gets `libnix-tui doctor --fix` and a retry, at most 3 rounds;
# the entries doctor added and the Debian packages it named go into the table.
# COMPAT_RELEASE=1 builds with --release (default: the dev profile, as `cargo build`).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
tableOnly=""
if [ "${1:-}" = --table-only ]; then tableOnly=1; shift; fi
list="$repo/scripts/compat-list.txt"
results="$repo/docs/compat-results.tsv"
table="$repo/docs/COMPAT.md"
libnix="${LIBNIX_TUI:-$repo/target/release/libnix-tui}"  # LIBNIX_TUI=target/debug/libnix-tui works too
profileFlag=() profileDir=debug
if [ -n "${COMPAT_RELEASE:-}" ]; then profileFlag=(--release) profileDir=release; fi
if [ -z "$tableOnly" ] && [ ! -x "$libnix" ]; then cargo build --release --manifest-path "$repo/Cargo.toml"; fi
mkdir -p "$repo/docs"
touch "$results"

work="$(mktemp -d /tmp/libnix-compat.XXXXXX)"
trap 'rm -rf "$work"' EXIT

seconds() { date +%s.%N; }

# The Debian packages a doctor log names: in a diagnosis ("host mode needs the Debian
# packages: a b") and in a host package's failure ("sudo apt-get install -y a b").
debianPackagesNamed() {
  { sed -nE 's/.*host mode needs the Debian packages: //p' "$1"
    grep -oE 'apt(-get)? install [^`]*' "$1" | sed -E 's/apt(-get)? install( -y)?//'
  } | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]*$' | sort -u | tr '\n' ' '
}

# The Debian packages owning the shared libraries the build scripts of a build linked
# (`cargo:rustc-link-lib=NAME`, not static), from its last-build.json: what host mode took
# from the host though doctor never had to name it. libc's own libraries are left out.
hostLibraryPackages() {
  jq -r '.outputs[]' "$1" | grep -- '-build-script-run$' | while read -r out; do
    [ -f "$out/output" ] && sed -nE 's/^cargo::?rustc-link-lib=(dylib(:[^=]*)?=)?([^=]+)$/\3/p' "$out/output"
  done | sort -u | while read -r lib; do
    case "$lib" in c | m | dl | pthread | rt | util | gcc_s | stdc++) continue ;; esac
    dpkg -S "*/lib$lib.so" 2>/dev/null | sed -nE 's/^([^:]+):.*/\1/p' | head -n1
  done | sort -u | tr '\n' ' '
}

# The packages of "$@" that dpkg does not know as installed.
notInstalled() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$package"
  done
}

# fetchSource NAME VERSION DIR: the published crate (with its Cargo.lock), through Cargo.
fetchSource() {
  local fetcher="$work/fetch-$1"
  mkdir -p "$fetcher/src"
  printf '[package]\nname = "compat-fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = "=%s"\n' \
    "$1" "$2" >"$fetcher/Cargo.toml"
  touch "$fetcher/src/lib.rs"
  cargo fetch --manifest-path "$fetcher/Cargo.toml" >/dev/null 2>&1
  local src
  src="$(find "${CARGO_HOME:-$HOME/.cargo}"/registry/src -mindepth 2 -maxdepth 2 -name "$1-$2" | head -n1)"
  cp -r "$src" "$3"
  chmod -R u+w "$3"
}

# The row's fields, tab-separated: name version units result cargo_s libnix_s ratio
# deps_entries debian_packages note
measure() {
  local name="$1" version="$2" binary="${3:-}" dir="$work/$1"
  local smoke=("${@:4}")
  [ "${#smoke[@]}" -gt 0 ] || smoke=(--version)
  fetchSource "$name" "$version" "$dir"
  local lockFlag=(--locked)
  [ -f "$dir/Cargo.lock" ] || lockFlag=()
  if [ -z "$binary" ]; then
    binary="$(cargo metadata --no-deps --format-version 1 --manifest-path "$dir/Cargo.toml" \
      | jq -r '[.packages[0].targets[] | select(.kind | index("bin"))][0].name')"
  fi

  local start cargoSeconds="" cargoResult=ok
  start="$(seconds)"
  if CARGO_TARGET_DIR="$dir/target/cargo" cargo build "${lockFlag[@]}" "${profileFlag[@]}" \
    --manifest-path "$dir/Cargo.toml" >"$work/$name-cargo.log" 2>&1; then
    cargoSeconds="$(echo "$(seconds) - $start" | bc)"
  else
    cargoResult="cargo fails"
  fi

  local salt
  salt="compat-$name-$(date +%s%N)"
  local round libnixSeconds="" result="fails" units="" entries="" debian="" note="" finished
  for round in 1 2 3 4; do
    start="$(seconds)"
    # A fresh salt per project: every unit is built, none taken from an earlier build.
    if LIBNIX_TUI_REBUILD_SALT="$salt" "$libnix" build --manifest-path "$dir/Cargo.toml" --toolchain host --keep-going --message-format json \
      "${profileFlag[@]}" >"$work/$name-libnix.json" 2>"$work/$name-libnix.log"; then
      libnixSeconds="$(echo "$(seconds) - $start" | bc)"
      result=builds
    fi
    finished="$(jq -c 'select(.reason == "build-finished")' "$work/$name-libnix.json" | tail -n1)"
    units="$(jq -r '.units // empty' <<<"$finished")"
    [ "$result" = builds ] || [ "$round" = 4 ] && break
    local before="" after
    [ -f "$dir/Cargo.dependencies.nix" ] && before="$(cat "$dir/Cargo.dependencies.nix")"
    "$libnix" doctor --fix --manifest-path "$dir/Cargo.toml" >"$work/$name-doctor.log" 2>&1 || true
    after="$(cat "$dir/Cargo.dependencies.nix" 2>/dev/null || true)"
    if [ "$before" != "$after" ]; then
      entries="$entries $(diff <(echo "$before") <(echo "$after") | sed -n 's/^> *//p' | grep -vE '^(#|(deps|envs) = \{)' | grep -E '"?[A-Za-z0-9_-]+"? *=' | tr -s ' ' | tr '\n' ' ' || true)"
    fi
    local named missingDebian installed=""
    read -ra named <<<"$(debianPackagesNamed "$work/$name-doctor.log")"
    debian="$debian ${named[*]}"
    read -ra missingDebian <<<"$(notInstalled "${named[@]}")"
    if [ "${#missingDebian[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && [ "${COMPAT_APT_INSTALL:-1}" = 1 ]; then
      # Host mode takes native libraries from the host: install what doctor named, as a
      # user would, and retry.
      apt-get install -y --no-install-recommends "${missingDebian[@]}" >"$work/$name-apt.log" 2>&1 || true
      [ -z "$(notInstalled "${missingDebian[@]}")" ] && installed=1
    fi
    if [ "$before" = "$after" ] && [ -z "$installed" ]; then
      note="$(grep -m1 -E '^(error|  )' "$work/$name-doctor.log" || tail -n1 "$work/$name-libnix.log")"
      break
    fi
  done
  if [ "$result" = builds ] && [ "$round" != 1 ]; then
    # The fixed build reused the units of the failed rounds: time a clean one.
    salt="compat-$name-$(date +%s%N)"
    start="$(seconds)"
    if LIBNIX_TUI_REBUILD_SALT="$salt" "$libnix" build --manifest-path "$dir/Cargo.toml" --toolchain host \
      "${profileFlag[@]}" >/dev/null 2>"$work/$name-libnix.log"; then
      libnixSeconds="$(echo "$(seconds) - $start" | bc)"
    else
      result="fails"
    fi
  fi
  if [ "$result" = builds ]; then
    debian="$debian $(hostLibraryPackages "$dir/target/libnix/last-build.json" || true)"
    local version_output
    if version_output="$("$dir/target/libnix/$profileDir/bin/$binary" "${smoke[@]}" 2>&1 | head -n1)"; then
      note="\`$binary ${smoke[*]}\`: $version_output"
    else
      result="builds, binary fails"
      note="$version_output"
    fi
  elif [ -z "$note" ]; then
    note="$(grep -m1 -E '^error' "$work/$name-libnix.log" || tail -n1 "$work/$name-libnix.log")"
  fi
  [ "$cargoResult" = ok ] || note="$cargoResult; $note"
  local ratio=""
  if [ -n "$cargoSeconds" ] && [ -n "$libnixSeconds" ]; then
    ratio="$(printf '%.2f' "$(echo "$libnixSeconds / $cargoSeconds" | bc -l)")"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$version" "$units" "$result" \
    "${cargoSeconds:+$(printf '%.0f' "$cargoSeconds")}" "${libnixSeconds:+$(printf '%.0f' "$libnixSeconds")}" \
    "$ratio" "$(tr -s ' ' <<<"${entries# }")" "$(tr ' ' '\n' <<<"$debian" | grep . | sort -u | paste -sd' ')" "$(tr '\t|' ' /' <<<"$note")"
  rm -rf "$dir"
}

wanted=("$@")
# A list line: NAME VERSION [BINARY [ARGS...]] [# why the row is not measured yet]
while read -r name version rest; do
  case "$name" in '' | '#'*) continue ;; esac
  read -ra binaryAndArgs <<<"${rest%%#*}"
  if [ -n "$tableOnly" ]; then continue; fi
  if [ "${#wanted[@]}" -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  echo "== $name $version" >&2
  row="$(measure "$name" "$version" "${binaryAndArgs[@]}")"
  grep -v -P "^\Q$name\E\t" "$results" >"$work/results" || true
  echo "$row" >>"$work/results"
  cp "$work/results" "$results"
done <"$list"

{
  cat <<'HEADER'
# Compatibility: crates.io binaries built by libnix-tui

Generated by `scripts/compat.sh` from `scripts/compat-list.txt`; the results live in
`docs/compat-results.tsv`. Only rows with a result were measured; the others are listed
and not yet measured. To reproduce a row: `scripts/compat.sh NAME` (e.g. `scripts/compat.sh sd`):
it fetches the published crate through Cargo, builds it with its published Cargo.lock
(`cargo build --locked`, fresh target dir) and with `libnix-tui build --toolchain host`,
runs `libnix-tui doctor --fix` and retries on a failure (at most 3 rounds), and runs
`<binary> --version` (or the smoke command the list gives). When doctor names Debian packages host mode lacks, the script
installs them with apt-get (as root; `COMPAT_APT_INSTALL=0` only records them). The
Debian packages column also names the packages owning the shared libraries the build
scripts linked (`dpkg -S`), which this host had already (it has build-essential,
pkg-config, zlib1g-dev, libssl-dev, libsqlite3-dev, libfontconfig-dev).

Times are wall-clock seconds of one clean build each, dev profile unless the run set
COMPAT_RELEASE=1, taken on a loaded 2-core machine (other sessions were building and
testing at the same time; both sides ran under `nice -n 10`), so compare the ratio, not the
seconds. Both builds start clean: Cargo with a fresh target dir, libnix-tui with a fresh
`LIBNIX_TUI_REBUILD_SALT`, so no unit comes from the Nix store; when a build needed
`doctor --fix`, the time is of one more build with another fresh salt after the fix.
All rows used the dev profile and a debug build of libnix-tui, one project at a time:
`LIBNIX_TUI=target/debug/libnix-tui nice -n 10 scripts/compat.sh ripgrep` (sd, hyperfine
and tokei were measured on 2026-12-01 without `nice`, the others on 2026-12-02; nu, atuin,
watchexec-cli, trunk, cargo-leptos and sniffnet last, with the engine benchmark or the test
suite running beside some of them, load 4-8). sniffnet needs the Debian packages
libasound2-dev and libpcap-dev on the host for both builds (Cargo's too): install them
before its row (the script's own apt-get runs only after a failed libnix-tui build).
HEADER
  echo
  echo "Measured rows: $(cut -f1 "$results" | paste -sd, | sed 's/,/, /g')."
  echo
  echo '| Project | Version | Units | Result | Cargo (s) | libnix-tui (s) | Ratio | Cargo.dependencies.nix entries | Debian packages | Notes |'
  echo '|---|---|---|---|---|---|---|---|---|---|'
  while read -r name version rest; do
    case "$name" in '' | '#'*) continue ;; esac
    why="$(sed -nE 's/^[^#]*# *//p' <<<"$rest")"
    row="$(grep -P "^\Q$name\E\t" "$results" | tail -n1 || true)"
    if [ -n "$row" ]; then
      # awk, not `read`: read would merge the tabs around an empty field.
      awk -F'\t' '{ printf "|"; for (i = 1; i <= 10; i++) printf " %s |", $i; print "" }' <<<"$row"
    else
      echo "| $name | $version | | not measured${why:+ ($why)} | | | | | | |"
    fi
  done <"$list"
} >"$table"
echo "wrote $table" >&2
