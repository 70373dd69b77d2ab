#!/usr/bin/env bash
# Runs a command under Nix 2.26: inside a Debian 13 (trixie) root with Debian's nix-bin
# 2.26 and its own /nix store, with this checkout, the rustup and Cargo homes and the
# unpacked real nixpkgs mounted at their host paths. Cargo builds into the cache's
# target-nix-2.26 (the root's glibc differs from the host's, so nothing built on the host
# is reused; kept beside the root so a fresh clone does not compile every crate again).
#
#   scripts/nix-2.26.sh [COMMAND [ARGS...]]     (default: an interactive shell)
#
# The root is made once with debootstrap under /var/cache/libnix-tui (LIBNIX_TUI_CACHE),
# built in a temporary directory and renamed when complete, and reused while present;
# packages added to the list below are installed into an existing root. Needs root (or
# sudo) and mount namespaces. Inside, LIBNIX_TUI_NIXPKGS names nixpkgs in the root's store.
set -euo pipefail

checkout=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=RUSTUP_HOME,CARGO_HOME,LIBNIX_TUI_CACHE,LIBNIX_TUI_SHARED,TERM \
    HOME="$HOME" "$0" "$@"
fi

cache=${LIBNIX_TUI_CACHE:-/var/cache/libnix-tui}
root=$cache/trixie-root
marker=etc/libnix-tui-root
suite=trixie
mirror=http://deb.debian.org/debian
packages=(nix-bin openssh-server openssh-client ca-certificates gcc libc6-dev pkg-config
  libssl-dev zlib1g-dev libsqlite3-dev git tmux procps)
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
cargo_home=${CARGO_HOME:-$HOME/.cargo}
nixpkgs_rev=7beb50e

fail() {
  echo "nix-2.26: $*" >&2
  exit 1
}

# shared/ (the real nixpkgs tarball) lies beside the checkout, or beside the main
# checkout when this is a git worktree.
find_shared() {
  local common
  if [ -n "${LIBNIX_TUI_SHARED:-}" ]; then
    echo "$LIBNIX_TUI_SHARED"
  elif [ -d "$checkout/../shared" ]; then
    (cd "$checkout/../shared" && pwd)
  elif common=$(git -C "$checkout" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) &&
    [ -d "$common/../../shared" ]; then
    (cd "$common/../../shared" && pwd)
  else
    fail "no shared/ directory beside $checkout (set LIBNIX_TUI_SHARED)"
  fi
}

# Runs CMD chrooted into ROOT in a private mount namespace (nothing leaks, nothing to
# clean up), with the kernel file systems, resolv.conf and each BIND directory (at its own
# path; read-only when written ro:DIR) mounted:  in_root ROOT [BIND...] -- CMD...
in_root() {
  unshare --mount --propagation private -- "$BASH" -c '
    set -e
    root=$1
    shift
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --rbind /sys "$root/sys"
    mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
    while [ "$1" != -- ]; do
      dir=${1#ro:}
      mkdir -p "$root$dir"
      mount --bind "$dir" "$root$dir"
      [ "$dir" = "$1" ] || mount -o remount,bind,ro "$root$dir"
      shift
    done
    shift
    exec chroot "$root" "$@"' in_root "$@"
}

missing_packages() { # prints the listed packages not installed in root $1
  local package
  for package in "${packages[@]}"; do
    chroot "$1" dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null |
      grep -q '^install ok installed$' || echo "$package"
  done
}

install_packages() { # installs the missing listed packages into root $1
  local missing
  mapfile -t missing < <(missing_packages "$1")
  [ ${#missing[@]} -eq 0 ] && return
  echo "nix-2.26: installing ${missing[*]} into $1" >&2
  # No services start inside the root.
  printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
  chmod +x "$1/usr/sbin/policy-rc.d"
  touch "$1/etc/resolv.conf"
  in_root "$1" -- env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    fail "apt-get update failed in $1"
  in_root "$1" -- env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "apt-get install ${missing[*]} failed in $1"
  mapfile -t missing < <(missing_packages "$1")
  [ ${#missing[@]} -eq 0 ] || fail "still missing in $1: ${missing[*]}"
}

remove_root() { # removes a root, unless something is mounted in it
  if awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    fail "$1 has file systems mounted in it; unmount them first"
  fi
  rm -rf "$1"
}

make_root() {
  local build=$root.tmp
  command -v debootstrap >/dev/null 2>&1 || {
    echo "nix-2.26: installing debootstrap" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  } || fail "could not install debootstrap"
  remove_root "$build"
  echo "nix-2.26: making the $suite root in $build (a few minutes)" >&2
  # Only the base system here: debootstrap resolves no virtual packages (nix-bin needs
  # one), so apt-get installs the rest inside the root.
  debootstrap --variant=minbase "$suite" "$build" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    fail "debootstrap failed; see $cache/debootstrap.log"
  install_packages "$build"
  echo "suite=$suite" >"$build/$marker"
  mv "$build" "$root"
}

prepare_root() {
  mkdir -p "$cache"
  exec 9>"$cache/trixie-root.lock"
  flock 9
  if [ -d "$root" ] && ! grep -qx "suite=$suite" "$root/$marker" 2>/dev/null; then
    echo "nix-2.26: $root is not a complete $suite root; making it again" >&2
    remove_root "$root"
  fi
  [ -d "$root" ] || make_root
  install_packages "$root"
  touch "$root/etc/resolv.conf"
  mkdir -p "$root/etc/nix"
  # As root without a daemon: no build users, no sandbox, no network caches.
  cat >"$root/etc/nix/nix.conf" <<'EOF'
build-users-group =
sandbox = false
substituters =
experimental-features = nix-command flakes
EOF
  flock -u 9
}

# The real nixpkgs, unpacked once into the cache (evaluation only).
prepare_nixpkgs() {
  local shared tarball unpacked=$cache/nixpkgs-$nixpkgs_rev
  if [ ! -f "$unpacked/lib/minfeatures.nix" ]; then
    shared=$(find_shared)
    tarball=$shared/nixpkgs/nixpkgs-$nixpkgs_rev.tar.gz
    [ -f "$tarball" ] || fail "missing $tarball"
    rm -rf "$unpacked.tmp"
    mkdir -p "$unpacked.tmp"
    tar -C "$unpacked.tmp" --strip-components=1 -xzf "$tarball" || fail "could not unpack $tarball"
    rm -rf "$unpacked"
    mv "$unpacked.tmp" "$unpacked"
  fi
  echo "$unpacked"
}

prepare_root
nixpkgs=$(prepare_nixpkgs)
[ -d "$rustup_home" ] || fail "no rustup home at $rustup_home"
[ -d "$cargo_home" ] || fail "no Cargo home at $cargo_home"
[ $# -gt 0 ] || set -- bash -l
target_dir=$cache/target-nix-2.26
mkdir -p "$target_dir"
binds=("$rustup_home" "$cargo_home" "$checkout" "$target_dir" "ro:$nixpkgs")
# A git worktree's repository lies elsewhere; git inside needs it.
git_dir=$(git -C "$checkout" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) &&
  case $git_dir in "$checkout"/*) ;; *) binds+=("ro:$git_dir") ;; esac

# Inside, nixpkgs is added to the root's store once (as "source", so flake inputs use it
# without copying 53,000 files again) and kept there by a GC root.
in_root "$root" "${binds[@]}" -- env -i \
  HOME="$HOME" USER=root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
  PATH="$cargo_home/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  RUSTUP_HOME="$rustup_home" CARGO_HOME="$cargo_home" \
  CARGO_TARGET_DIR="$target_dir" \
  "$BASH" -c '
    set -e
    checkout=$1 nixpkgs=$2 gcroot=/nix/var/nix/gcroots/libnix-tui-nixpkgs-$3
    shift 3
    if [ ! -e "$gcroot" ]; then
      echo "nix-2.26: adding nixpkgs to the store of the root (once)" >&2
      ln -sfn "$(nix store add --name source "$nixpkgs")" "$gcroot"
    fi
    LIBNIX_TUI_NIXPKGS=$(readlink "$gcroot")
    export LIBNIX_TUI_NIXPKGS
    cd "$checkout"
    exec "$@"' nix-2.26 "$checkout" "$nixpkgs" "$nixpkgs_rev" "$@"
