#!/usr/bin/env bash
# Every test tier: unit (no kernel), build (Kbuild against the installed
# headers) and VM (modules loaded into Debian's kernel under QEMU).
# The build and VM tiers need scripts/setup.sh first. Ends with one line
# adding up every test binary's result.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --release --workspace --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
