# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# Pure toolchain from nixpkgs. The surface used is kept small: stdenv.mkDerivation,
# runCommand, fetchurl, rustc and cargo.
{
  nixpkgs,
  # A package set to use as is (a flake's); otherwise `nixpkgs` is imported.
  pkgs ? null,
  # A rustc and a cargo to use instead of the package set's (e.g. from an overlay).
  rustc ? null,
  cargo ? null,
}:
let
  packageSet = if pkgs == null then import nixpkgs { } else pkgs;
  rustcPackage = if rustc == null then packageSet.rustc else rustc;
  cargoPackage = if cargo == null then packageSet.cargo else cargo;
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
        nativeBuildInputs = [ rustcPackage ] ++ attrs.nativeDeps;
        buildInputs = attrs.nativeDeps;
        buildCommand = "source ${./builder.sh}";
        RUSTC = "${rustcPackage}/bin/rustc";
        CARGO = "${cargoPackage}/bin/cargo";
      }
    );

  fetchCrate =
    source:
    packageSet.fetchurl {
      inherit (source) name url sha256;
    };
}
