#!/usr/bin/env bash
# Every test tier: unit (no kernel), build (Kbuild against the installed
# headers) and VM (modules loaded into Debian's kernel under QEMU).
# The build and VM tiers need scripts/setup.sh first. Ends with the failed
# VM cases (repeated there because CI shows only the log's head and tail)
# and one line adding up every test binary's result.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --release --workspace --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Each failed test, and each failed VM case with the first lines of its
# reason, 60 lines at most.
awk '/^---- .* stdout ----$/ { print "failed: " $2 }
     /^vm .* \.\.\. FAILED$/ { keep = 12; print "--- " $0; next }
     /^vm .* \.\.\. / { keep = 0 }
     /^vm tier on / { keep = 0 }
     keep > 0 { print "    " substr($0, 1, 200); keep-- }' "$log" | head -60
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
