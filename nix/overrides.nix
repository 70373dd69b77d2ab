# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# Cargo.dependencies.nix semantics.
#   deps.<crate> = [ ... ]                     every version of the crate
#   deps.<crate> = { "<version>" = [ ... ]; } that version only; a "*" key means every version
#   envs.<crate> = { VAR = "value"; }          every version
#   envs.<crate> = { "<version>" = { VAR = "value"; }; }  that version only
# When both apply, deps are concatenated (every-version entries first) and env vars are
# merged with the version entry winning. A variable name that no process environment can
# hold (empty, with `=` or other characters than letters, digits and `_`) is an error.
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
      merged = everyVersion // (entry."*" or { }) // (entry.${version} or { });
      invalid = builtins.filter (var: builtins.match "[A-Za-z_][A-Za-z0-9_]*" var == null) (
        builtins.attrNames merged
      );
    in
    if invalid == [ ] then
      merged
    else
      throw "Cargo.dependencies.nix: envs.${builtins.toJSON name}: ${builtins.toJSON (builtins.head invalid)} is not a valid environment variable name";
}
