# Cargo.dependencies.nix semantics.
#   deps.<crate> = [ ... ]                     every version of the crate
#   deps.<crate> = { "<version>" = [ ... ]; } that version only; a "*" key means every version
#   envs.<crate> = { VAR = "value"; }          every version
#   envs.<crate> = { "<version>" = { VAR = "value"; }; }  that version only
# When both apply, deps are concatenated (every-version entries first) and env vars are
# merged with the version entry winning.
{ depsFile, pkgs }:
let
  file = if depsFile == null then { } else import depsFile { inherit pkgs; };
  deps = file.deps or { };
  envs = file.envs or { };
in
{
  depsFor =
    name: version:
    let
      entry = deps.${name} or [ ];
    in
    if builtins.isList entry then entry else (entry."*" or [ ]) ++ (entry.${version} or [ ]);

  envsFor =
    name: version:
    let
      entry = envs.${name} or { };
      everyVersion = builtins.removeAttrs entry (
        builtins.filter (key: builtins.isAttrs entry.${key}) (builtins.attrNames entry)
      );
    in
    everyVersion // (entry."*" or { }) // (entry.${version} or { });
}
