# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# Host toolchain: the host's rustc, cc and a stdenv-like set of tools. Impure (needs
# `sandbox = false`); the toolchain's identity is part of every derivation.
{ plan, indexed }:
let
  toolchain = plan.toolchain;
  system = builtins.currentSystem;
  hostSh = toolchain.tools.sh or "/bin/sh";

  # Only these tools are on a builder's PATH: a missing native tool fails here as it
  # would under nixpkgs.
  hostTools = derivation {
    name = "libnix-host-tools";
    inherit system;
    builder = hostSh;
    args = [
      "-ec"
      ''
        "$mkdir" -p "$out/bin"
        for tool in $toolLinks; do "$ln" -s "''${tool#*=}" "$out/bin/''${tool%%=*}"; done
        "$ln" -s "$rustc" "$out/bin/rustc"
        if [ -n "$rustdoc" ]; then "$ln" -s "$rustdoc" "$out/bin/rustdoc"; fi
      ''
    ];
    mkdir = toolchain.tools.mkdir;
    ln = toolchain.tools.ln;
    toolLinks = builtins.attrValues (builtins.mapAttrs (name: path: "${name}=${path}") toolchain.tools);
    inherit (toolchain) rustc;
    rustdoc = if toolchain.rustdoc or null == null then "" else toolchain.rustdoc;
    rustcIdentity = toolchain.identity;
  };

  # Nix 2.x without a sandbox decides a build is over when the log pipe closes and then
  # kills the builder's process group; a builder still inside exit() is reported as
  # "killed by signal 9" (NixOS/nix#2176). So the log is written through a child that
  # closes it only after the builder has fully exited.
  logThroughChild = "exec > >(cat; sleep 0.01) 2>&1\n";

  runScript =
    name: env: script:
    derivation (
      {
        inherit name system;
        builder = "${hostTools}/bin/bash";
        args = [
          "-ec"
          (logThroughChild + script)
        ];
        PATH = "${hostTools}/bin";
      }
      // env
    );
in
{
  inherit runScript;
  pkgs = import ./host-pkgs.nix { inherit runScript; };

  mkUnitDerivation =
    attrs:
    derivation (
      builtins.removeAttrs attrs [ "nativeDeps" ]
      // indexed "hostDep" attrs.nativeDeps
      // {
        inherit system;
        builder = "${hostTools}/bin/bash";
        args = [
          "-ec"
          (logThroughChild + "source ${./builder.sh}")
        ];
        PATH = "${hostTools}/bin";
        RUSTC = "${hostTools}/bin/rustc";
        CARGO = if toolchain.cargo == null then "" else toolchain.cargo;
      }
    );

  # Crates are seeded into the store by the engine (`nix-store --add-fixed`), which yields
  # exactly this fixed-output path; the copy only runs when seeding did not happen. On a
  # machine without Cargo's copy (an exported build elsewhere) Nix's built-in fetchurl
  # downloads it: the same path, so the same derivations depend on it.
  fetchCrate =
    source:
    if builtins.pathExists source.crateFile then
      derivation {
        inherit system;
        inherit (source) name crateFile;
        builder = "${hostTools}/bin/sh";
        args = [
          "-ec"
          ''cp "$crateFile" "$out"''
        ];
        PATH = "${hostTools}/bin";
        outputHashMode = "flat";
        outputHashAlgo = "sha256";
        outputHash = source.sha256;
      }
    else
      import <nix/fetchurl.nix> { inherit (source) name url sha256; };
}
