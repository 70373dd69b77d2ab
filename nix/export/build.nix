# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# This project's build system, written by `libnix-tui export`: the entry for a flake or an
# overlay, which passes its own package set (nixpkgs mode) and may pass its own rustc/cargo:
#   packages.default = (import ./libnix-build/build.nix { inherit pkgs; }).target;
# Evaluates to { target; units; }: `target` links the root units' binaries and libraries,
# `units` has one derivation per compilation unit, by unit key. The project's source is
# the local checkout or a fetched release, as source.json says.
{
  # nixpkgs mode: the package set to build with; null imports `nixpkgs`.
  pkgs ? null,
  nixpkgs ? <nixpkgs>,
  # nixpkgs mode: derivations with bin/rustc and bin/cargo instead of pkgs.rustc/pkgs.cargo.
  rustc ? null,
  cargo ? null,
  # A Cargo.dependencies.nix; null uses the project's own when it has one.
  depsFile ? null,
}:
let
  plan = builtins.fromJSON (builtins.readFile ./plan.json);
  source = builtins.fromJSON (builtins.readFile ./source.json);
  published =
    if source.type == "tarball" then
      builtins.fetchTarball { inherit (source) url sha256; }
    else
      (builtins.fetchGit { inherit (source) url rev; }).outPath;
  projectRoot =
    if source.type == "local" then
      ./. + "/${source.path}"
    else if source.subdir == "" then
      published
    else
      "${published}/${source.subdir}";
  projectDepsFile = projectRoot + "/Cargo.dependencies.nix";
in
import ./nix/default.nix {
  planFile = ./plan.json;
  toolchain = plan.toolchain.mode;
  inherit
    pkgs
    nixpkgs
    rustc
    cargo
    projectRoot
    ;
  depsFile =
    if depsFile != null then
      depsFile
    else if builtins.pathExists projectDepsFile then
      projectDepsFile
    else
      null;
}
