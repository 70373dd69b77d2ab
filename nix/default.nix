# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# The static half of libnix-tui: turns the generated plan.json (pure data) into one
# derivation per compilation unit. Nothing here is generated; nothing in plan.json is code.
{
  planFile,
  # Cargo.dependencies.nix (optional): per-crate native deps and env vars.
  depsFile ? null,
  # "host": the host's rustc and cc (impure, for a bare Nix binary); "nixpkgs": pure.
  toolchain ? "host",
  nixpkgs ? <nixpkgs>,
  # nixpkgs mode: a package set to use instead of importing `nixpkgs` (flakes pass theirs).
  pkgs ? null,
  # nixpkgs mode: a rustc and a cargo to use instead of pkgs.rustc and pkgs.cargo.
  rustc ? null,
  cargo ? null,
  # Set by an exported build system: where relative package paths in plan.json start (a
  # path, or the store path of a fetched source).
  projectRoot ? null,
}:
let
  plan = builtins.fromJSON (builtins.readFile planFile);

  # A list for builder.sh as attributes NAMECount, NAME0, NAME1, ...: one environment
  # variable per element, so no element is split or globbed whatever it holds.
  indexed =
    name: list:
    builtins.listToAttrs (
      builtins.genList (i: {
        name = "${name}${toString i}";
        value = builtins.elemAt list i;
      }) (builtins.length list)
    )
    // {
      "${name}Count" = toString (builtins.length list);
    };

  tc =
    if toolchain == "nixpkgs" then
      import ./nixpkgs.nix {
        inherit
          nixpkgs
          pkgs
          rustc
          cargo
          ;
      }
    else if rustc != null || cargo != null then
      throw "libnix-tui: rustc and cargo can only be given in nixpkgs mode; this plan's toolchain is the host's"
    else
      import ./host.nix { inherit plan indexed; };

  overrides = import ./overrides.nix {
    inherit depsFile;
    inherit (tc) pkgs;
  };

  unpackCrate =
    package: crate:
    tc.runScript "${package.storeName}-src" { inherit crate; } ''
      mkdir -p "$out"
      tar -xzf "$crate" -C "$out" --strip-components=1
    '';

  sourcePath = path: if projectRoot == null then /. + path else projectRoot + "/${path}";

  excluded = exclude: path: builtins.any (dir: path == toString (sourcePath dir)) exclude;

  pathSource =
    package:
    builtins.path {
      name = "${package.storeName}-src";
      path = sourcePath package.source.path;
      filter =
        path: type:
        !(excluded package.source.exclude path)
        && !(type == "directory" && baseNameOf path == ".git")
        && !(type == "symlink" && builtins.match "result(-.*)?" (baseNameOf path) != null);
    };

  sources = builtins.mapAttrs (
    _: package:
    if package.source.type == "registry" then
      unpackCrate package (tc.fetchCrate package.source)
    else
      pathSource package
  ) plan.packages;

  hasPrefix = prefix: s: builtins.substring 0 (builtins.stringLength prefix) s == prefix;

  # Only `files` (paths relative to the package; a directory with all it holds) of a path
  # package: a build script's source, so editing other files does not rerun it.
  narrowedSource =
    package: files:
    let
      root = toString (sourcePath package.source.path);
      relative = path: builtins.substring (builtins.stringLength root + 1) (-1) (toString path);
    in
    builtins.path {
      name = "${package.name}-${package.version}-build-src";
      path = sourcePath package.source.path;
      filter =
        path: type:
        let
          rel = relative path;
        in
        !(excluded package.source.exclude path)
        && builtins.any (f: rel == f || hasPrefix "${rel}/" f || hasPrefix "${f}/" rel) files;
    };

  # A unit takes the files plan.json narrows it to, or the whole package; it keeps the
  # whole package while that is still the source it was last built from (a switch would
  # rebuild it and its dependents once, for nothing).
  unitSource =
    u: narrowed:
    let
      whole = sources.${u.package};
    in
    if narrowed == null || toString whole == narrowed.previousSource then
      whole
    else
      narrowedSource plan.packages.${u.package} narrowed.files;

  # A run's record counts only when it is of this very build script.
  runNarrowed =
    u:
    let
      learnt = u.rerunIfChanged or null;
    in
    if learnt == null || learnt.script != (unitAt u.buildScript).outPath then null else learnt;

  unitCount = builtins.length plan.units;
  unitAt = i: builtins.elemAt units i;
  units = builtins.genList (i: mkUnit (builtins.elemAt plan.units i)) unitCount;
  flag = b: if b then "1" else "";

  runAttrs =
    u:
    {
      buildScript = unitAt u.buildScript;
      src = unitSource u (runNarrowed u);
    }
    // indexed "declaredEnv" (
      map (name: "${name}=${u.declaredEnv.${name}}") (builtins.attrNames (u.declaredEnv or { }))
    )
    // indexed "linksName" (map (l: l.links) u.linksDeps)
    // indexed "linksRun" (map (l: unitAt l.unit) u.linksDeps);

  compileAttrs =
    u:
    {
      ownRun = if u.ownRun == null then "" else unitAt u.ownRun;
      inherit (u) targetKind targetName;
      passLinkLib = flag u.passLinkLib;
      incrementalDir = if u.incrementalDir == null then "" else u.incrementalDir;
      src = unitSource u (u.narrowedSource or null);
    }
    // indexed "rustcArg" u.rustcArgs
    // indexed "extern" (map (e: "${e.name}=${unitAt e.unit}/${e.file}") u.externs)
    // indexed "libDir" (map (i: "${unitAt i}/lib") u.libDeps)
    // indexed "depRun" (map unitAt u.depRuns)
    // (
      if u.targetKind == "doctest" then
        {
          recordRun = ./record-run.sh;
          salt = if u.salt == null then "" else u.salt;
        }
      else
        { }
    );

  # Cargo.dependencies.nix's variables as NAME=VALUE, kept apart from the derivation's own
  # attributes: a variable named src, name or out must not replace them.
  userEnvOf =
    package:
    let
      envs = overrides.envsFor package.name package.version;
    in
    map (name: "${name}=${envs.${name}}") (builtins.attrNames envs);

  testRun = import ./test-run.nix {
    inherit (tc) runScript;
    inherit indexed unitAt sources;
  };

  # An integration test's CARGO_BIN_EXE_<name>: the package's binary in the store.
  binExeEnv = u: map (b: "CARGO_BIN_EXE_${b.name}=${unitAt b.unit}/bin/${b.name}") (u.binExes or [ ]);

  mkUnit =
    u:
    let
      package = plan.packages.${u.package};
    in
    if u.kind == "test-run" then
      testRun u
    else
    tc.mkUnitDerivation (
      {
        inherit (u) name;
        libnixUnit = u.kind;
        rustcIdentity = plan.toolchain.identity;
        nativeDeps = overrides.depsFor package.name package.version;
      }
      // u.env
      // indexed "userEnv" (userEnvOf package ++ binExeEnv u)
      // (if u.kind == "run" then runAttrs u else compileAttrs u)
    );

  target = tc.mkUnitDerivation (
    {
      name = "libnix-${plan.profile}";
      libnixUnit = "target";
      nativeDeps = [ ];
    }
    // indexed "userEnv" [ ]
    // indexed "rootLink" (map (r: "${r.link}=${unitAt r.unit}") plan.roots)
  );
in
{
  inherit target;
  units = builtins.listToAttrs (
    builtins.genList (i: {
      name = (builtins.elemAt plan.units i).key;
      value = unitAt i;
    }) unitCount
  );
  # Everything the engine needs to map Nix's log back to units, in one evaluation.
  paths = {
    units = map (d: {
      drv = d.drvPath;
      out = d.outPath;
    }) units;
  };
}
