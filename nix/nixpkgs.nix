# Pure toolchain from nixpkgs. The surface used is kept small: stdenv.mkDerivation,
# runCommand, fetchurl, rustc and cargo.
{
  nixpkgs,
  # A package set to use as is (a flake's); otherwise `nixpkgs` is imported.
  pkgs ? null,
}:
let
  packageSet = if pkgs == null then import nixpkgs { } else pkgs;
in
{
  pkgs = packageSet;

  runScript = packageSet.runCommand;

  mkUnitDerivation =
    attrs:
    packageSet.stdenv.mkDerivation (
      builtins.removeAttrs attrs [ "nativeDeps" ]
      // {
        # stdenv places deps as it always does: bin/ on PATH, pkg-config paths via
        # pkg-config's setup hook, lib/ and include/ via the cc wrapper.
        nativeBuildInputs = [ packageSet.rustc ] ++ attrs.nativeDeps;
        buildInputs = attrs.nativeDeps;
        buildCommand = "source ${./builder.sh}";
        RUSTC = "${packageSet.rustc}/bin/rustc";
        CARGO = "${packageSet.cargo}/bin/cargo";
      }
    );

  fetchCrate =
    source:
    packageSet.fetchurl {
      inherit (source) name url sha256;
    };
}
