# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# Builds one unit of a libnix-tui plan. Sourced by bash (host mode) or by stdenv's
# buildCommand (nixpkgs mode). Everything arrives as environment variables set by
# default.nix from plan.json; see there for their meaning. A list arrives as NAMECount and
# NAME0, NAME1, ...: one variable per element, so no element is ever split or globbed.
# shellcheck disable=SC2154 # inputs arrive from the environment, or through readList's nameref
set -euo pipefail

# readList NAME ARRAY: the list default.nix passed as NAME, into the array named ARRAY.
readList() {
  local -n readListInto="$2"
  local readListCount="${1}Count" readListElement i
  readListInto=()
  for ((i = 0; i < ${!readListCount}; i++)); do
    readListElement="$1$i"
    readListInto+=("${!readListElement}")
  done
}

# Variables from Cargo.dependencies.nix, as NAME=VALUE: set for the build script and rustc
# only, below what the builder sets itself, as Cargo's own environment is below Cargo's.
readList userEnv userEnv

# Host mode has no stdenv: place each native dep the way stdenv would.
if [ -n "${hostDepCount+set}" ]; then
  pkgConfigPath=""
  readList hostDep hostDeps
  for dep in "${hostDeps[@]}"; do
    if [ -d "$dep/bin" ]; then PATH="$dep/bin:$PATH"; fi
    for sub in lib/pkgconfig share/pkgconfig; do
      if [ -d "$dep/$sub" ]; then pkgConfigPath="${pkgConfigPath:+$pkgConfigPath:}$dep/$sub"; fi
    done
    if [ -d "$dep/lib" ]; then export LIBRARY_PATH="$dep/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"; fi
    if [ -d "$dep/include" ]; then export CPATH="$dep/include${CPATH:+:$CPATH}"; fi
  done
  export PATH
  # The host's pkg-config must see declared deps only, as under nixpkgs.
  export PKG_CONFIG_PATH="$pkgConfigPath" PKG_CONFIG_LIBDIR="$pkgConfigPath"
fi

# Build-script directives, in both `cargo:` and `cargo::` syntax, from file $1.
# $2 says which ones apply: "own" (this package's build script) or "dep" (a dependency's).
# rustc-env goes to rustcEnv, set for the rustc call only, as Cargo does.
directiveArgs=()
rustcEnv=()
readDirectives() {
  local line body key value
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      cargo::*) body="${line#cargo::}" ;;
      cargo:*) body="${line#cargo:}" ;;
      *) continue ;;
    esac
    key="${body%%=*}"
    value="${body#*=}"
    if [ "$2" = dep ]; then
      case "$key" in
        rustc-link-search) directiveArgs+=(-L "$value") ;;
        rustc-flags) rustcFlags "$value" search ;;
      esac
      continue
    fi
    case "$key" in
      rustc-cfg) directiveArgs+=(--cfg "$value") ;;
      rustc-check-cfg) directiveArgs+=(--check-cfg "$value") ;;
      rustc-env) rustcEnvEntry "$value" ;;
      rustc-link-search) directiveArgs+=(-L "$value") ;;
      rustc-link-lib) if [ -n "$passLinkLib" ]; then directiveArgs+=(-l "$value"); fi ;;
      rustc-flags) rustcFlags "$value" all ;;
      rustc-link-arg) linkArg "$value" ;;
      rustc-link-arg-bins) if [ "$targetKind" = bin ]; then linkArg "$value"; fi ;;
      rustc-link-arg-bin)
        if [ "$targetKind" = bin ] && [ "${value%%=*}" = "$targetName" ]; then linkArg "${value#*=}"; fi ;;
      rustc-link-arg-cdylib | rustc-cdylib-link-arg)
        if [ "$targetKind" = cdylib ]; then linkArg "$value"; fi ;;
      rustc-link-arg-examples) if [ "$targetKind" = example ]; then linkArg "$value"; fi ;;
      rustc-link-arg-tests) if [ "$targetKind" = test ]; then linkArg "$value"; fi ;;
    esac
  done <"$1"
}

linkArg() { directiveArgs+=(-C "link-arg=$1"); }

rustcEnvEntry() {
  case "$1" in
    [!=]*=*) rustcEnv+=("$1") ;;
    *) echo "error: ${CARGO_PKG_NAME}@${CARGO_PKG_VERSION}: cargo:rustc-env=$1 is not NAME=VALUE" >&2; exit 1 ;;
  esac
}

# `cargo:rustc-flags=-l foo -Lnative=/x`: only -l and -L are allowed, as in Cargo.
rustcFlags() {
  local flag pending="" flags
  read -r -a flags <<<"$1"
  for flag in "${flags[@]}"; do
    if [ -n "$pending" ]; then
      if [ "$pending" = -L ] || [ "$2" = all ]; then directiveArgs+=("$pending" "$flag"); fi
      pending=""
      continue
    fi
    case "$flag" in
      -l | -L) pending="$flag" ;;
      -L*) directiveArgs+=(-L "${flag#-L}") ;;
      -l*) if [ "$2" = all ]; then directiveArgs+=(-l "${flag#-l}"); fi ;;
    esac
  done
}

# Another session may be building the same unit with its own derivation: the incremental
# directory is taken with a lock (an atomic mkdir; a dead holder's lock is taken over), and
# without it the unit is simply built from scratch.
incrementalLock=""
lockIncremental() {
  local holder
  if ! mkdir "$1" 2>/dev/null; then
    holder="$(cat "$1/pid" 2>/dev/null || true)"
    if [ -z "$holder" ] || kill -0 "$holder" 2>/dev/null; then return 1; fi
    rm -rf "$1"
    mkdir "$1" 2>/dev/null || return 1
  fi
  echo $$ >"$1/pid"
  incrementalLock="$1"
  trap 'rm -rf "$incrementalLock"' EXIT
}

# What a compile (or a doc-test run) is given: plan.json's arguments in rustcArgs; the build
# scripts' directives and the dependencies' --extern and -L in directiveArgs; OUT_DIR and
# the manifest in unitEnv.
readCompileInputs() {
  local depRuns externs libDirs dep
  readList rustcArg rustcArgs
  readList depRun depRuns
  readList extern externs
  readList libDir libDirs
  unitEnv=(CARGO_MANIFEST_DIR="$src" CARGO_MANIFEST_PATH="$src/Cargo.toml")
  if [ -n "$ownRun" ]; then
    unitEnv+=(OUT_DIR="$ownRun/out")
    readDirectives "$ownRun/output" own
  fi
  for dep in "${depRuns[@]}"; do readDirectives "$dep/output" dep; done
  for dep in "${externs[@]}"; do directiveArgs+=(--extern "$dep"); done
  for dep in "${libDirs[@]}"; do directiveArgs+=(-L "dependency=$dep"); done
}

compileUnit() {
  local rustcArgs unitEnv
  readCompileInputs
  # Incremental state lives outside the store (host mode, local crates, as Cargo does).
  # rustc reuses it only while sources and outputs keep their paths, and every edit gives
  # both new store paths: compile a copy at a fixed place and move the result out.
  local workDir="$src" outputDir="$out"
  if [ -n "${incrementalDir:-}" ] && mkdir -p "$incrementalDir" 2>/dev/null && [ -w "$incrementalDir" ] \
    && lockIncremental "$incrementalDir.lock"; then
    workDir="$incrementalDir/source"
    outputDir="$incrementalDir/output"
    rm -rf "$workDir" "$outputDir"
    cp -r "$src" "$workDir"
    chmod -R u+w "$workDir"
    directiveArgs+=(-C "incremental=$incrementalDir/state")
  fi
  case "$targetKind" in
    bin | example | build-script | test)
      mkdir -p "$outputDir/bin"
      local binName="$targetName"
      if [ "$targetKind" = build-script ]; then binName=build-script-build; fi
      directiveArgs+=(-o "$outputDir/bin/$binName")
      ;;
    *)
      mkdir -p "$outputDir/lib"
      directiveArgs+=(--out-dir "$outputDir/lib")
      ;;
  esac
  cd "$workDir"
  echo "Running rustc ${rustcArgs[*]} ${directiveArgs[*]}"
  env -- "${userEnv[@]}" "${unitEnv[@]}" "${rustcEnv[@]}" "$RUSTC" "${rustcArgs[@]}" "${directiveArgs[@]}"
  if [ "$outputDir" != "$out" ]; then
    mv "$outputDir" "$out"
  fi
}

# A lib's doc tests, compiled and run by `rustdoc --test` in one step and recorded as a test
# run is (record-run.sh, passed as $recordRun).
runDocTests() {
  local rustcArgs unitEnv rustdoc="${RUSTC%rustc}rustdoc"
  if [ ! -x "$rustdoc" ]; then
    echo "error: doc tests need rustdoc, and there is none beside rustc ($RUSTC)" >&2
    exit 1
  fi
  readCompileInputs
  # A writable home, as test runs get (test-run.nix).
  unitEnv+=(HOME="$TMPDIR")
  # shellcheck source=/dev/null # record-run.sh, passed by default.nix
  source "$recordRun"
  echo "Running rustdoc ${rustcArgs[*]} --test-run-directory $src ${directiveArgs[*]}"
  recordRun env -- "${userEnv[@]}" "${unitEnv[@]}" "${rustcEnv[@]}" "$rustdoc" "${rustcArgs[@]}" \
    --test-run-directory "$src" "${directiveArgs[@]}"
}

# Cargo's name for metadata: upper case, `-` as `_`; set on the build script's command
# only, so any key works as it does with Cargo.
envify() {
  local name="${1^^}"
  printf '%s' "${name//-/_}"
}

runBuildScript() {
  local linksNames linksRuns i key value line body prefix declaredEnv
  local jobs="${NIX_BUILD_CORES:-1}"
  if [ "$jobs" = 0 ]; then jobs="$(nproc)"; fi
  # No jobserver to share: CARGO_MAKEFLAGS gives make (and the cc crate) the job count.
  local unitEnv=(OUT_DIR="$out/out" CARGO_MANIFEST_DIR="$src" CARGO_MANIFEST_PATH="$src/Cargo.toml"
    NUM_JOBS="$jobs" CARGO_MAKEFLAGS="-j$jobs" RUSTDOC="${RUSTC%rustc}rustdoc")
  readList linksName linksNames
  # The rerun-if-env-changed variables it declared last time, from the user's environment:
  # below Cargo.dependencies.nix and Cargo's own, as they are in Cargo's environment.
  readList declaredEnv declaredEnv
  readList linksRun linksRuns
  for i in "${!linksNames[@]}"; do
    prefix="DEP_$(envify "${linksNames[$i]}")_"
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        cargo::metadata=*) body="${line#cargo::metadata=}" ;;
        cargo::*) continue ;;
        cargo:*) body="${line#cargo:}" ;;
        *) continue ;;
      esac
      key="${body%%=*}"
      value="${body#*=}"
      case "$key" in
        rustc-* | rerun-if-* | warning | error) continue ;;
      esac
      unitEnv+=("$prefix$(envify "$key")=$value")
    done <"${linksRuns[$i]}/output"
  done
  mkdir -p "$out/out"
  cd "$src"
  local status=0
  local stderrFile="${TMPDIR:-/tmp}/build-script-stderr"
  env -- "${declaredEnv[@]}" "${userEnv[@]}" "${unitEnv[@]}" "$buildScript/bin/build-script-build" >"$out/output" 2>"$stderrFile" || status=$?
  # Show what the script said, as `cargo build -vv` would, and surface its warnings; its
  # stderr last, as Cargo reports a failure: a panic ends the log however long stdout was.
  local failed=""
  while IFS= read -r line || [ -n "$line" ]; do
    echo "$line"
    case "$line" in
      cargo::warning=* | cargo:warning=*) echo "warning: ${CARGO_PKG_NAME}@${CARGO_PKG_VERSION}: ${line#*warning=}" >&2 ;;
      cargo::error=*) echo "error: ${CARGO_PKG_NAME}@${CARGO_PKG_VERSION}: ${line#cargo::error=}" >&2; failed=1 ;;
    esac
  done <"$out/output"
  cat "$stderrFile" >&2
  if [ "$status" -ne 0 ]; then
    echo "error: failed to run custom build command for \`${CARGO_PKG_NAME} v${CARGO_PKG_VERSION}\` (exit status: $status)" >&2
    exit "$status"
  fi
  if [ -n "$failed" ]; then exit 1; fi
}

linkTarget() {
  local rootLinks spec link path
  readList rootLink rootLinks
  mkdir -p "$out/bin" "$out/lib"
  for spec in "${rootLinks[@]}"; do
    link="${spec%%=*}"
    path="${spec#*=}"
    case "$link" in
      bin/*) ln -s "$path/$link" "$out/$link" ;;
      # Uplifted as Cargo does: libfoo-<metadata hash>.so -> libfoo.so.
      lib)
        for file in "$path"/lib/*; do
          ln -sf "$file" "$out/lib/$(basename "$file" | sed -E 's/-[0-9a-f]{16}(\.[a-z]+)$/\1/')"
        done
        ;;
    esac
  done
}

case "$libnixUnit" in
  compile) if [ "$targetKind" = doctest ]; then runDocTests; else compileUnit; fi ;;
  run) runBuildScript ;;
  target) linkTarget ;;
  *) echo "libnix-tui: unknown unit kind '$libnixUnit'" >&2; exit 1 ;;
esac
