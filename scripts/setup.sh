#!/usr/bin/env bash
# Installs what libnix-tui and its tests need on a fresh Debian machine: Nix (Debian's
# nix-bin), tmux for the end-to-end tests, and the native libraries the demo and the
# tests build against. Does nothing for what is already there.
set -euo pipefail

packages=()
command -v nix-store >/dev/null 2>&1 || packages+=(nix-bin)
command -v tmux >/dev/null 2>&1 || packages+=(tmux)
command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
for dev in libssl-dev libsqlite3-dev zlib1g-dev; do
  dpkg -s "$dev" >/dev/null 2>&1 || packages+=("$dev")
done

if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${packages[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi
