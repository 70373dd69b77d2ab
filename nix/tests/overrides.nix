# Unit tests of overrides.nix (Cargo.dependencies.nix semantics), run with
#   nix-instantiate --eval --strict --read-write-mode nix/tests/overrides.nix
# Evaluates to the list of failed test names: [ ] when all pass.
let
  overridesFor =
    file:
    import ../overrides.nix {
      depsFile = builtins.toFile "Cargo.dependencies.nix" file;
      pkgs = {
        pkg-config = "pkg-config";
        openssl = "openssl";
        zlib = "zlib";
        cmake = "cmake";
      };
    };

  example = overridesFor ''
    { pkgs }: with pkgs; {
      deps = {
        "openssl-sys" = [ pkg-config openssl ];
        "libz-sys" = { "*" = [ pkg-config ]; "1.1.20" = [ zlib ]; };
        "only-one" = { "0.2.0" = [ cmake ]; };
      };
      envs = {
        "app" = { FOO = "every"; BAR = "every"; "1.0.0" = { BAR = "one"; }; };
        "lib" = { "2.0.0" = { X = "y"; }; };
      };
    }
  '';

  invalidName = overridesFor ''
    { pkgs }: { envs."odd-crate" = { "1.0.0" = { "BAD-NAME" = "x"; }; }; }
  '';

  withoutKeys = overridesFor "{ pkgs }: { }";
  noFile = import ../overrides.nix {
    depsFile = null;
    pkgs = { };
  };

  tests = {
    listAppliesToEveryVersion = example.depsFor "openssl-sys" "0.9.1" == [
      "pkg-config"
      "openssl"
    ];
    starAndVersionConcatenate = example.depsFor "libz-sys" "1.1.20" == [
      "pkg-config"
      "zlib"
    ];
    starAloneForOtherVersions = example.depsFor "libz-sys" "1.0.0" == [ "pkg-config" ];
    versionEntryOnlyForItsVersion =
      example.depsFor "only-one" "0.2.0" == [ "cmake" ] && example.depsFor "only-one" "0.3.0" == [ ];
    unknownCrateHasNoDeps = example.depsFor "serde" "1.0.0" == [ ];
    envsOfEveryVersion = example.envsFor "app" "2.0.0" == {
      FOO = "every";
      BAR = "every";
    };
    versionEnvWins = example.envsFor "app" "1.0.0" == {
      FOO = "every";
      BAR = "one";
    };
    versionOnlyEnvs = example.envsFor "lib" "2.0.0" == { X = "y"; } && example.envsFor "lib" "1.0.0" == { };
    bothKeysOptional = withoutKeys.depsFor "a" "1" == [ ] && withoutKeys.envsFor "a" "1" == { };
    invalidEnvNameIsAnError =
      !(builtins.tryEval (invalidName.envsFor "odd-crate" "1.0.0")).success
      && invalidName.envsFor "odd-crate" "2.0.0" == { };
    fileOptional = noFile.depsFor "a" "1" == [ ] && noFile.envsFor "a" "1" == { };
  };
in
builtins.filter (name: !tests.${name}) (builtins.attrNames tests)
