#!/usr/bin/env bash
# The cost of one uprobe hit, measured side by side in one VM boot (a
# benchmark, not a test): N calls of probed() against as many calls of an
# identical unprobed() in interleaved chunks, the fastest chunk of each
# (uprobe_hit/call_loop.c), with no probe (the base), then with a probe on
# probed()'s entry whose handler counts the hit:
#  - bare:  a bare uprobe module (uprobe_hit/bare_uprobe.c), the limit;
#  - rstap process("loop").function("probed"): `global n; ... { n++ }`;
#  - bpftrace uprobe: `@n = count()` (when bpftrace is installed).
# SystemTap 4.8 cannot be compared: its runtime does not build on Debian's
# 6.1 and 6.12 kernels (task_work_cancel's type changed).
# Rounds alternate the variants; each figure is the median over rounds of
# (ns per call with the probe - ns per call of the base of that round).
# Usage: benches/uprobe_hit.sh [KVER] [ROUNDS] [CALLS]
set -euo pipefail
cd "$(dirname "$0")/.."
kver=${1:-$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')}
rounds=${2:-5}
calls=${3:-50000}
rstap=${RSTAP:-$PWD/target/release/rstap}
rstaprun=${RSTAPRUN:-$PWD/target/loader/rstaprun}
[ -x "$rstap" ] || cargo build --release -q --bins
[ -x "$rstaprun" ] || cargo build --profile loader -q -p rstaprun --bin rstaprun
work=$(mktemp -d /tmp/rstap-uprobe-hit.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

cc -g -O2 -o "$work/loop" benches/uprobe_hit/call_loop.c
# probed's file offset: its address in the first (offset 0) PT_LOAD, which
# a default gcc link places at address 0.
off=$(nm "$work/loop" | awk '$3 == "probed" { print "0x" $1 }')
(cd "$work" &&
	"$rstap" -p4 -k -r "$kver" -m rstap_uf -e "global n; probe process(\"$work/loop\").function(\"probed\") { n++ } probe end { printf(\"hits %d\\n\", n) }" 2>"$work/kept" >/dev/null)
# The bare module is built with rstap's feature tests for this kernel.
kept=$(sed -n 's/^Keeping temporary directory "\(.*\)"$/\1/p' "$work/kept")
features=$(for d in $(grep -o -- '-I[^ ]*' "$kept/Kbuild" | cut -c3-); do [ -f "$d/rt_features.h" ] && echo "$d/rt_features.h"; done | head -1)
rm -rf "$kept"
cp benches/uprobe_hit/bare_uprobe.c benches/uprobe_hit/Kbuild "$features" "$work/"
make -s -C "/lib/modules/$kver/build" M="$work" modules 2>&1 | grep -v 'Skipping BTF' || true
bpftrace=$(command -v bpftrace || true)

cat >"$work/run.sh" <<SH
#!/bin/sh
cd $work
for r in \$(seq $rounds); do
	echo "base \$(./loop $calls)"
	insmod bare_uprobe.ko path=$work/loop off=$off && echo "bare \$(./loop $calls)" && rmmod bare_uprobe
	echo "rstap_process.function \$($rstaprun -c './loop $calls' rstap_uf.ko | grep ns_per)"
	if [ -n "$bpftrace" ]; then
		echo "bpftrace_uprobe \$($bpftrace -q -e 'uprobe:$work/loop:probed { @n = count(); }' -c './loop $calls' 2>/dev/null | grep ns_per)"
	fi
done
SH
echo "uprobe_hit: booting $kver, $rounds rounds of $calls calls per variant" >&2
"$rstap" vm --kernel "$kver" --timeout 3000 -- sh "$work/run.sh" | tee "$work/raw" >&2

. benches/report.sh
report_vs_bare "$work"
