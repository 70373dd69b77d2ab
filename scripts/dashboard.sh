#!/usr/bin/env bash
# Set up, build libnix-tui and open its dashboard on the bundled demo project.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --quiet
exec target/release/libnix-tui tui demo "$@"
