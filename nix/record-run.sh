# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# recordRun COMMAND ARGS...: run tests as Cargo runs them, in the package's directory (here
# its store copy), and record the outcome in $out: `output` (stdout and stderr, interleaved
# as a terminal shows them) and `status` (the exit code). The derivation succeeds either
# way, so a failing result is cached like a passing one. The store copy is read-only, but a
# builder running as root may write anyway: whatever the tests changed there is named and
# fails the run, and what they created is removed again.
# Runs of one source take turns, as Cargo runs test binaries one after another: a run that
# writes into the source must not make another run of it see those files, or lose them.
# shellcheck shell=bash disable=SC2154 # $src and $out arrive from the environment
recordRun() {
  local status=0 created written lock
  lock="/tmp/libnix-tui-run-locks/$(basename "$src")"
  mkdir -p "$out"
  cd "$src" || return 1
  takeSourceLock "$lock"
  find "$src" -mindepth 1 >"$TMPDIR/source-files"
  # File times come from a coarse clock: a write in the same tick as a stamp made now has
  # the stamp's time and is not "newer". Date the stamp a second back (nothing else writes
  # here: runs of this source take turns), and count created files by name as well.
  touch -d "@$(($(date +%s) - 1))" "$TMPDIR/before-tests"
  "$@" >"$out/output" 2>&1 || status=$?
  created="$(find "$src" -mindepth 1 | grep -Fxv -f "$TMPDIR/source-files" || true)"
  written="$({
    find "$src" -mindepth 1 -newer "$TMPDIR/before-tests"
    [ -z "$created" ] || echo "$created"
  } | sort -u)"
  if [ -n "$written" ]; then
    {
      echo "error: the tests wrote into their package's source directory, a read-only copy in the Nix store:"
      while IFS= read -r path; do echo "    ${path#"$src"/}"; done <<<"$written"
      echo "tests must write below a temporary directory (std::env::temp_dir()), not CARGO_MANIFEST_DIR"
    } >>"$out/output"
    if [ "$status" -eq 0 ]; then status=101; fi
    [ -z "$created" ] || while IFS= read -r path; do rm -rf "$path"; done <<<"$created"
  fi
  rm -rf "$lock"
  echo "$status" >"$out/status"
  cat "$out/output"
}

# takeSourceLock DIR: wait for DIR (an atomic mkdir) until its holder is done or dead (a
# builder killed midway leaves it behind). No EXIT trap: stdenv's builder has its own.
takeSourceLock() {
  local holder
  mkdir -p "$(dirname "$1")"
  until mkdir "$1" 2>/dev/null; do
    holder="$(cat "$1/pid" 2>/dev/null || true)"
    if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then
      rm -rf "$1"
    else
      sleep 0.1
    fi
  done
  echo $$ >"$1/pid"
}
