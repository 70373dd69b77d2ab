# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# This project's build system, written by `libnix-tui export`. Build it with
#   nix-build <this directory> -A target
# nixpkgs mode uses <nixpkgs>; another one with --arg nixpkgs PATH (or -I nixpkgs=URL).
# host mode (plan.json: "mode": "host") uses this machine's rustc and cc and needs
#   --option sandbox false   (as root without a daemon also --option build-users-group "")
# From a flake or an overlay, import build.nix instead and pass your pkgs (see there).
{
  nixpkgs ? <nixpkgs>,
  system ? builtins.currentSystem,
  depsFile ? null,
}:
import ./build.nix {
  # Not evaluated in host mode: a bare Nix without nixpkgs builds it.
  pkgs = import nixpkgs { inherit system; };
  inherit nixpkgs depsFile;
}
