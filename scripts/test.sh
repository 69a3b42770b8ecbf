#!/usr/bin/env bash
# Every test tier: unit (no kernel), build (Kbuild against the installed
# headers) and VM (modules loaded into Debian's kernel under QEMU).
# The build and VM tiers need scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --workspace --no-fail-fast 2>&1
