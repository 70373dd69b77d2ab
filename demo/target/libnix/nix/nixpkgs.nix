# Pure toolchain from nixpkgs. The surface used is kept small: stdenv.mkDerivation,
# runCommand, fetchurl, rustc and cargo.
{ plan, nixpkgs }:
let
  pkgs = import nixpkgs { };
in
{
  inherit pkgs;

  runScript = pkgs.runCommand;

  mkUnitDerivation =
    attrs:
    pkgs.stdenv.mkDerivation (
      builtins.removeAttrs attrs [ "nativeDeps" ]
      // {
        # stdenv places deps as it always does: bin/ on PATH, pkg-config paths via
        # pkg-config's setup hook, lib/ and include/ via the cc wrapper.
        nativeBuildInputs = [ pkgs.rustc ] ++ attrs.nativeDeps;
        buildInputs = attrs.nativeDeps;
        buildCommand = "source ${./builder.sh}";
        RUSTC = "${pkgs.rustc}/bin/rustc";
        CARGO = "${pkgs.cargo}/bin/cargo";
      }
    );

  fetchCrate =
    source:
    pkgs.fetchurl {
      inherit (source) name url sha256;
    };
}
