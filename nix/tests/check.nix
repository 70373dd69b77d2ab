# Unit tests of check.nix (the Cargo.dependencies.nix checker), run with
#   nix-instantiate --eval --strict --read-write-mode nix/tests/check.nix
# Evaluates to the list of failed test names: [ ] when all pass. The checker's messages
# (position, attribute path) and errors `tryEval` cannot catch (an unknown package) are
# tested from Rust, which sees Nix's stderr.
let
  pkgs = {
    pkg-config = "pkg-config";
    openssl = "openssl";
  };

  accepts =
    text:
    (builtins.tryEval (
      import ../check.nix {
        file = builtins.unsafeDiscardStringContext (builtins.toFile "Cargo.dependencies.nix" text);
        inherit pkgs;
      }
    )).value or false == true;

  tests = {
    acceptsTheDocumentedShapes = accepts ''
      { pkgs }: with pkgs; {
        deps = {
          openssl-sys = [ pkg-config openssl ];
          libz-sys = { "*" = [ pkg-config ]; "1.1.20" = [ openssl ]; };
        };
        envs = {
          app = { FOO = "every"; _bar2 = "x"; "1.0.0" = { BAR = "one"; }; };
        };
      }
    '';
    acceptsAnEmptyFile = accepts "{ pkgs }: { }";
    rejectsANonFunction = !accepts "{ deps = { }; }";
    rejectsANonAttributeSetResult = !accepts "{ pkgs }: [ ]";
    rejectsUnknownTopLevelKeys = !accepts "{ pkgs }: { dependencies = { }; }";
    rejectsASectionThatIsNoAttributeSet = !accepts "{ pkgs }: { deps = [ ]; }";
    rejectsDepsThatAreNoList = !accepts ''{ pkgs }: { deps.a = "openssl"; }'';
    rejectsVersionDepsThatAreNoList = !accepts ''{ pkgs }: { deps.a = { "1.0.0" = "openssl"; }; }'';
    rejectsEnvsThatAreNoAttributeSet = !accepts ''{ pkgs }: { envs.a = "x"; }'';
    rejectsVariablesThatAreNoString = !accepts "{ pkgs }: { envs.a = { X = 1; }; }";
    rejectsVersionVariablesThatAreNoString = !accepts ''{ pkgs }: { envs.a = { "1.0.0" = { X = 1; }; }; }'';
    rejectsAnEmptyVariableName = !accepts ''{ pkgs }: { envs.a = { "" = "x"; }; }'';
    rejectsAVariableNameWithEquals = !accepts ''{ pkgs }: { envs.a = { "A=B" = "x"; }; }'';
    rejectsAVariableNameWithADash = !accepts ''{ pkgs }: { envs.a = { "1.0.0" = { "A-B" = "x"; }; }; }'';
    rejectsAVariableNameStartingWithADigit = !accepts ''{ pkgs }: { envs.a = { "1X" = "x"; }; }'';
  };
in
builtins.filter (name: !tests.${name}) (builtins.attrNames tests)
