{
  description = "libnix-tui: build Rust projects through Nix, one derivation per compilation unit, and watch it in a terminal dashboard";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: {
        default = pkgs.rustPlatform.buildRustPackage {
          pname = "libnix-tui";
          version = "0.1.0";
          src = pkgs.lib.cleanSource ./.;
          cargoLock.lockFile = ./Cargo.lock;
          nativeBuildInputs = [ pkgs.makeWrapper ];
          # The test suite builds real projects with Nix and needs crates from Cargo's
          # cache; it runs with scripts/test.sh, not inside a derivation.
          doCheck = false;
          # Cargo plans the build and nix-store realises it; the user's own versions win.
          postInstall = ''
            for program in $out/bin/libnix-tui $out/bin/cargo-libnix; do
              wrapProgram $program --suffix PATH : ${
                pkgs.lib.makeBinPath [
                  pkgs.cargo
                  pkgs.rustc
                  pkgs.nix
                ]
              }
            done
          '';
          meta = {
            description = "Build Rust projects through Nix, one derivation per compilation unit";
            mainProgram = "libnix-tui";
          };
        };
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/libnix-tui";
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.cargo
            pkgs.rustc
            pkgs.clippy
            pkgs.rustfmt
            pkgs.pkg-config
            pkgs.openssl
            pkgs.tmux
          ];
        };
      });
    };
}
