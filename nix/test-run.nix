# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# Running one test binary: a derivation of its own, so an unchanged binary run with the same
# arguments is never run again. It always succeeds and records the outcome: `output` (the
# binary's stdout and stderr, interleaved as a terminal shows them) and `status` (its exit
# code), so a failing run is cached like a passing one; `--rerun` changes `salt` to run again.
{
  runScript,
  indexed,
  unitAt,
  sources,
}:
u:
runScript u.name
  (
    u.env
    // indexed "testArg" u.args
    // {
      src = sources.${u.package};
      testBinary = "${unitAt u.testBinary}/${u.binaryFile}";
      salt = if u.salt == null then "" else u.salt;
    }
  )
  ''
    # As Cargo runs tests: in the package's directory, here its store copy. That is
    # read-only, but a builder running as root may write anyway: whatever the tests changed
    # there is named and fails the run, and what they created is removed again.
    export CARGO_MANIFEST_DIR="$src" CARGO_MANIFEST_PATH="$src/Cargo.toml" HOME="$TMPDIR"
    testArgs=()
    for ((i = 0; i < testArgCount; i++)); do
      arg="testArg$i"
      testArgs+=("''${!arg}")
    done
    mkdir -p "$out"
    cd "$src"
    find "$src" -mindepth 1 >"$TMPDIR/source-files"
    touch "$TMPDIR/before-tests"
    status=0
    "$testBinary" "''${testArgs[@]}" >"$out/output" 2>&1 || status=$?
    written="$(find "$src" -mindepth 1 -newer "$TMPDIR/before-tests")"
    if [ -n "$written" ]; then
      {
        echo "error: the tests wrote into their package's source directory, a read-only copy in the Nix store:"
        while IFS= read -r path; do echo "    ''${path#"$src"/}"; done <<<"$written"
        echo "tests must write below a temporary directory (std::env::temp_dir()), not CARGO_MANIFEST_DIR"
      } >>"$out/output"
      if [ "$status" -eq 0 ]; then status=101; fi
      find "$src" -mindepth 1 | grep -Fxv -f "$TMPDIR/source-files" | while IFS= read -r path; do
        rm -rf "$path"
      done
    fi
    echo "$status" >"$out/status"
    cat "$out/output"
  ''
