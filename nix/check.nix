# Evaluates a Cargo.dependencies.nix candidate the way the build does and checks its shape.
# Called by `nix-instantiate --eval --strict` with `--argstr file PATH --arg pkgs EXPR`.
# Problems are thrown as "FILE:LINE:COLUMN: ATTRIBUTE-PATH: PROBLEM"; success is `true`.
{ file, pkgs }:
let
  inherit (builtins) all attrNames elem isAttrs isFunction isList isString match seq toJSON typeOf unsafeGetAttrPos;

  positionOf = set: name:
    let pos = unsafeGetAttrPos name set;
    in if pos == null then "${file}: " else "${pos.file}:${toString pos.line}:${toString pos.column}: ";
  fail = set: name: path: problem: throw "${positionOf set name}${path}: ${problem}";
  child = path: name: "${path}.${toJSON name}";
  forEach = set: check: all (name: check name set.${name}) (attrNames set);

  # Forcing each element to weak head normal form makes an unknown package an error.
  checkList = set: name: path: value:
    if isList value then all (element: seq element true) value
    else fail set name path "expected a list of packages, found ${typeOf value}";

  checkDeps = deps: forEach deps (crate: value:
    let path = child "deps" crate; in
    if isAttrs value then forEach value (version: checkList value version (child path version))
    else if isList value then checkList deps crate path value
    else fail deps crate path "expected a list of packages, or an attribute set from versions to lists, found ${typeOf value}");

  # A name a process environment can hold and a shell can set, as overrides.nix requires.
  checkVariable = set: path: var: value:
    if match "[A-Za-z_][A-Za-z0-9_]*" var == null then
      fail set var (child path var) "not a valid environment variable name (letters, digits and _, not starting with a digit)"
    else isString value || fail set var (child path var) "expected a string, found ${typeOf value}";

  checkVariables = set: path: forEach set (checkVariable set path);

  checkEnvs = envs: forEach envs (crate: value:
    let path = child "envs" crate; in
    if isAttrs value then forEach value (key: inner:
      if isAttrs inner then checkVariables inner (child path key)
      else if isString inner then checkVariable value path key inner
      else fail value key (child path key) "expected a string (a variable) or an attribute set (a version), found ${typeOf inner}")
    else fail envs crate path "expected an attribute set of variables and versions, found ${typeOf value}");

  checkSection = result: name: check:
    !(result ? ${name}) || (
      if isAttrs result.${name} then check result.${name}
      else fail result name name "expected an attribute set, found ${typeOf result.${name}}");

  function = import (/. + file);
  result = function { inherit pkgs; };
in
if !isFunction function then throw "${file}: the file must be a function such as `{ pkgs }: { deps = { }; }`"
else if !isAttrs result then throw "${file}: the function must return an attribute set, found ${typeOf result}"
else
  forEach result (key: _: elem key [ "deps" "envs" ] || fail result key key "unknown attribute; only `deps` and `envs` are read")
  && checkSection result "deps" checkDeps
  && checkSection result "envs" checkEnvs
