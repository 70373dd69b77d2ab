# Unit tests of default.nix (plan.json -> derivations), with host.nix as the toolchain.
# Nothing is built: the tests read the derivations' attributes. Run with
#   nix-instantiate --eval --strict --read-write-mode nix/tests/default.nix
# Evaluates to the list of failed test names: [ ] when all pass.
let
  tools = {
    sh = "/bin/sh";
    bash = "/bin/bash";
    mkdir = "/bin/mkdir";
    ln = "/bin/ln";
  };

  unit =
    attrs:
    {
      env = { };
      externs = [ ];
      libDeps = [ ];
      depRuns = [ ];
      ownRun = null;
      passLinkLib = true;
      incrementalDir = null;
      kind = "compile";
    }
    // attrs;

  # A local build script compiled from kept.txt alone, last built from `previousSource`.
  localBuildScript =
    previousSource:
    unit {
      key = "local-build-script";
      name = "local-0.1.0-build-script";
      package = "local";
      targetKind = "build-script";
      targetName = "build-script-build";
      rustcArgs = [ ];
      narrowedSource = {
        files = [ "kept.txt" ];
        inherit previousSource;
      };
    };

  plan = {
    toolchain = {
      mode = "host";
      identity = "rustc test";
      rustc = "/bin/rustc";
      cargo = null;
      inherit tools;
    };
    profile = "debug";
    packages = {
      reg = {
        name = "reg";
        version = "1.0.0";
        storeName = "reg-1.0.0";
        source = {
          type = "registry";
          name = "reg-1.0.0.crate";
          url = "https://static.crates.io/crates/reg/reg-1.0.0.crate";
          sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
          crateFile = "/nonexistent/reg-1.0.0.crate";
        };
      };
      local = {
        name = "local";
        version = "0.1.0";
        storeName = "local-0.1.0";
        source = {
          type = "path";
          path = "local";
          exclude = [ "local/excluded" ];
        };
      };
    };
    units = [
      (unit {
        key = "reg-build-script";
        name = "reg-1.0.0-build-script";
        package = "reg";
        targetKind = "build-script";
        targetName = "build-script-build";
        rustcArgs = [ "build.rs" ];
      })
      {
        key = "reg-run";
        name = "reg-1.0.0-build-script-run";
        kind = "run";
        package = "reg";
        env.OUT_OF_PLAN = "run";
        buildScript = 0;
        linksDeps = [ ];
      }
      (unit {
        key = "local-lib";
        name = "local-0.1.0-lib";
        package = "local";
        targetKind = "lib";
        targetName = "local";
        rustcArgs = [
          "--cfg"
          "x=\"a\nb c*\""
        ];
        env.CARGO_PKG_NAME = "local";
        depRuns = [ 1 ];
        passLinkLib = false;
      })
      (unit {
        key = "local-bin";
        name = "local-0.1.0-bin";
        package = "local";
        targetKind = "bin";
        targetName = "app";
        rustcArgs = [ ];
        externs = [
          {
            name = "local";
            unit = 2;
            file = "lib/liblocal.rlib";
          }
        ];
        libDeps = [ 2 ];
        ownRun = 1;
        incrementalDir = "/tmp/incremental";
      })
      (localBuildScript null)
      {
        key = "local-run";
        name = "local-0.1.0-build-script-run";
        kind = "run";
        package = "local";
        env = { };
        buildScript = 4;
        linksDeps = [ ];
        declaredEnv.FROM_SHELL = "x";
        rerunIfChanged = {
          script = "/nix/store/00000000000000000000000000000000-another-script";
          files = [ "kept.txt" ];
          previousSource = null;
        };
      }
    ];
    roots = [
      {
        unit = 3;
        link = "bin/app";
      }
    ];
  };

  depsFile = builtins.toFile "Cargo.dependencies.nix" ''
    { pkgs }: {
      deps.local = [ "/libnix/native-dep" ];
      envs.local = { src = "user-src"; out = "user-out"; FOO = "bar"; };
    }
  '';

  result = import ../default.nix {
    planFile = builtins.toFile "plan.json" (builtins.toJSON plan);
    inherit depsFile;
    projectRoot = ./project;
  };

  # An exported build fetches its source: the root is a store path's string, not a path,
  # and the root package's directory is "." in plan.json.
  fetchedRoot = "${./project}";
  fromFetchedRoot =
    path: exclude:
    (import ../default.nix {
      planFile = builtins.toFile "plan.json" (
        builtins.toJSON (plan // { packages = plan.packages // { local = plan.packages.local // { source = { type = "path"; inherit path exclude; }; }; }; })
      );
      projectRoot = fetchedRoot;
    }).units.local-lib.drvAttrs.src;

  # crateFile only has to exist: the copy is never built here.
  cachedCrateFile = toString ./project/local/kept.txt;
  crateOf =
    crateFile:
    (import ../default.nix {
      planFile = builtins.toFile "plan.json" (
        builtins.toJSON (plan // { packages = plan.packages // { reg = plan.packages.reg // { source = plan.packages.reg.source // { inherit crateFile; }; }; }; })
      );
    }).units.reg-build-script.drvAttrs.src.drvAttrs.crate;
  cachedCrate = crateOf cachedCrateFile;
  downloadedCrate = crateOf "/nonexistent/reg-1.0.0.crate";
  # The build script again, last built from the whole package as it is now.
  unchanged = import ../default.nix {
    planFile = builtins.toFile "plan.json" (
      builtins.toJSON (
        plan
        // {
          units = plan.units ++ [
            (
              localBuildScript (builtins.unsafeDiscardStringContext (toString lib.src))
              // {
                key = "local-build-script-unchanged";
              }
            )
          ];
        }
      )
    );
    inherit depsFile;
    projectRoot = ./project;
  };

  attrsOf = key: result.units.${key}.drvAttrs;
  outOf = key: result.units.${key}.outPath;
  lib = attrsOf "local-lib";
  bin = attrsOf "local-bin";
  run = attrsOf "reg-run";
  buildScript = attrsOf "reg-build-script";

  tests = {
    unitsAreKeyedByPlanKey =
      builtins.attrNames result.units == [
        "local-bin"
        "local-build-script"
        "local-lib"
        "local-run"
        "reg-build-script"
        "reg-run"
      ];
    listsArriveOneAttributePerElement =
      lib.rustcArgCount == "2" && lib.rustcArg0 == "--cfg" && lib.rustcArg1 == "x=\"a\nb c*\"";
    emptyListsHaveACountOfZero = bin.rustcArgCount == "0" && !(bin ? rustcArg0);
    planEnvBecomesAttributes = lib.CARGO_PKG_NAME == "local" && run.OUT_OF_PLAN == "run";
    userEnvStaysApartFromAttributes =
      lib.src != "user-src"
      && !(lib ? FOO)
      && lib.userEnvCount == "3"
      && builtins.sort builtins.lessThan [
        lib.userEnv0
        lib.userEnv1
        lib.userEnv2
      ] == [
        "FOO=bar"
        "out=user-out"
        "src=user-src"
      ];
    userEnvOnlyForItsCrate = buildScript.userEnvCount == "0";
    nativeDepsReachTheHostBuilder = lib.hostDepCount == "1" && lib.hostDep0 == "/libnix/native-dep";
    externsPointIntoTheirUnit = bin.externCount == "1" && bin.extern0 == "local=${outOf "local-lib"}/lib/liblocal.rlib";
    libDepsAreSearchDirs = bin.libDirCount == "1" && bin.libDir0 == "${outOf "local-lib"}/lib";
    depRunsAreRunOutputs = lib.depRunCount == "1" && toString lib.depRun0 == outOf "reg-run";
    ownRunIsEmptyWithoutABuildScript = lib.ownRun == "" && toString bin.ownRun == outOf "reg-run";
    passLinkLibIsAShellFlag = lib.passLinkLib == "" && bin.passLinkLib == "1";
    incrementalDirIsEmptyWhenNull = lib.incrementalDir == "" && bin.incrementalDir == "/tmp/incremental";
    runUnitsRunTheirBuildScript =
      run.libnixUnit == "run" && toString run.buildScript == outOf "reg-build-script" && run.linksNameCount == "0";
    compileUnitsCarryTheirTarget =
      lib.libnixUnit == "compile" && bin.targetKind == "bin" && bin.targetName == "app";
    toolchainIdentityIsPartOfEveryUnit = lib.rustcIdentity == "rustc test";
    registryCratesAreCopiedFromCargosCache =
      cachedCrate.drvAttrs.outputHash == plan.packages.reg.source.sha256
      && cachedCrate.drvAttrs.crateFile == cachedCrateFile;
    registryCratesMissingFromCargosCacheAreDownloaded =
      downloadedCrate.drvAttrs.builder == "builtin:fetchurl"
      && downloadedCrate.drvAttrs.url == plan.packages.reg.source.url;
    registryCratesAreTheSamePathEitherWay = cachedCrate.outPath == downloadedCrate.outPath;
    pathSourcesLeaveExcludedDirsOut = builtins.attrNames (builtins.readDir lib.src) == [ "kept.txt" ];
    targetLinksEveryRoot =
      result.target.drvAttrs.rootLinkCount == "1"
      && result.target.drvAttrs.rootLink0 == "bin/app=${outOf "local-bin"}"
      && result.target.drvAttrs.name == "libnix-debug";
    fetchedRootsLeaveExcludedDirsOut =
      builtins.attrNames (builtins.readDir (fromFetchedRoot "local" [ "local/excluded" ])) == [ "kept.txt" ];
    theRootPackageOfAFetchedRootLeavesExcludedDirsOut =
      builtins.attrNames (builtins.readDir "${fromFetchedRoot "." [ "local/excluded" ]}/local") == [ "kept.txt" ];
    rustcAndCargoAreOnlyForNixpkgsMode =
      !(builtins.tryEval (import ../default.nix {
        planFile = builtins.toFile "plan.json" (builtins.toJSON plan);
        rustc = "/some/rustc";
      }).target.drvPath).success;
    pathsListEveryUnitInPlanOrder =
      map (p: p.out) result.paths.units == map outOf [
        "reg-build-script"
        "reg-run"
        "local-lib"
        "local-bin"
        "local-build-script"
        "local-run"
      ];
    narrowedSourcesHoldOnlyTheirFiles =
      builtins.attrNames (builtins.readDir (attrsOf "local-build-script").src) == [ "kept.txt" ]
      && (attrsOf "local-build-script").src != lib.src;
    aUnitStaysOnTheWholePackageItWasBuiltFrom =
      toString unchanged.units.local-build-script-unchanged.drvAttrs.src == toString lib.src;
    aRunRecordOfAnotherScriptCountsForNothing = toString (attrsOf "local-run").src == toString lib.src;
    declaredEnvReachesTheRun =
      (attrsOf "local-run").declaredEnvCount == "1" && (attrsOf "local-run").declaredEnv0 == "FROM_SHELL=x";
  };
in
builtins.filter (name: !tests.${name}) (builtins.attrNames tests)
