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
    # As Cargo runs tests: in the package's directory, here its read-only store copy, so a
    # test that writes into its sources fails with "Permission denied" instead of passing.
    export CARGO_MANIFEST_DIR="$src" CARGO_MANIFEST_PATH="$src/Cargo.toml" HOME="$TMPDIR"
    testArgs=()
    for ((i = 0; i < testArgCount; i++)); do
      arg="testArg$i"
      testArgs+=("''${!arg}")
    done
    mkdir -p "$out"
    cd "$src"
    status=0
    "$testBinary" "''${testArgs[@]}" >"$out/output" 2>&1 || status=$?
    echo "$status" >"$out/status"
    cat "$out/output"
  ''
