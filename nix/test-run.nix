# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# Running one test binary: a derivation of its own, so an unchanged binary run with the same
# arguments is never run again. It always succeeds and records the outcome (record-run.sh),
# so a failing run is cached like a passing one; `--rerun` changes `salt` to run again.
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
      targetTmpdir = if u.targetTmpdir or null == null then "" else u.targetTmpdir;
    }
  )
  ''
    export CARGO_MANIFEST_DIR="$src" CARGO_MANIFEST_PATH="$src/Cargo.toml" HOME="$TMPDIR"
    testArgs=()
    for ((i = 0; i < testArgCount; i++)); do
      arg="testArg$i"
      testArgs+=("''${!arg}")
    done
    # CARGO_TARGET_TMPDIR, compiled into integration tests, exists as Cargo makes it.
    if [ -n "$targetTmpdir" ]; then mkdir -p -m 1777 "$targetTmpdir"; fi
    source ${./record-run.sh}
    recordRun "$testBinary" "''${testArgs[@]}"
  ''
