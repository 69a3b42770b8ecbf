#!/usr/bin/env bash
# The cost of one probe hit, measured side by side in one VM boot (a
# benchmark, not a test): N getppid() calls on one CPU, timed against as
# many getpid() calls in interleaved chunks, the fastest chunk of each
# (probe_hit/getppid_loop.c: the shared host's noise only adds time), with
# no probe (the base), then with a probe on __do_sys_getppid (getppid's
# entry) whose handler counts the hit:
#  - bare:   a bare kprobe module (probe_hit/bare_kprobe.c), the limit;
#  - rstap kernel.function / kprobe.function: `global n; ... { n++ }`;
#  - bpftrace kprobe: `@n = count()` (when bpftrace is installed).
# SystemTap 4.8 cannot be compared: its runtime does not build on Debian's
# 6.1 and 6.12 kernels (task_work_cancel's type changed).
# Rounds alternate the variants; each figure is the median over rounds of
# (ns per call with the probe - ns per call of the base of that round).
# Usage: benches/probe_hit.sh [KVER] [ROUNDS] [CALLS]
set -euo pipefail
cd "$(dirname "$0")/.."
kver=${1:-$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')}
rounds=${2:-5}
calls=${3:-200000}
rstap=${RSTAP:-$PWD/target/release/rstap}
rstaprun=${RSTAPRUN:-$PWD/target/loader/rstaprun}
[ -x "$rstap" ] || cargo build --release -q --bins
[ -x "$rstaprun" ] || cargo build --profile loader -q -p rstaprun --bin rstaprun
work=$(mktemp -d /tmp/rstap-probe-hit.XXXXXX)
trap 'rm -rf "$work"' EXIT
fn=__do_sys_getppid

cc -O2 -static -o "$work/loop" benches/probe_hit/getppid_loop.c
cp benches/probe_hit/bare_kprobe.c benches/probe_hit/Kbuild "$work/"
make -s -C "/lib/modules/$kver/build" M="$work" modules 2>&1 | grep -v 'Skipping BTF' || true
(cd "$work" &&
	"$rstap" -p4 -r "$kver" -m rstap_kf -e "global n; probe kernel.function(\"$fn\") { n++ } probe end { printf(\"hits %d\\n\", n) }" >/dev/null &&
	"$rstap" -p4 -r "$kver" -m rstap_kp -e "global n; probe kprobe.function(\"$fn\") { n++ } probe end { printf(\"hits %d\\n\", n) }" >/dev/null)
bpftrace=$(command -v bpftrace || true)

cat >"$work/run.sh" <<SH
#!/bin/sh
cd $work
for r in \$(seq $rounds); do
	echo "base \$(./loop $calls)"
	insmod bare_kprobe.ko sym=$fn && echo "bare \$(./loop $calls)" && rmmod bare_kprobe
	echo "rstap_kernel.function \$($rstaprun -c './loop $calls' rstap_kf.ko | grep ns_per)"
	echo "rstap_kprobe.function \$($rstaprun -c './loop $calls' rstap_kp.ko | grep ns_per)"
	if [ -n "$bpftrace" ]; then
		echo "bpftrace_kprobe \$($bpftrace -q -e 'kprobe:$fn { @n = count(); }' -c './loop $calls' 2>/dev/null | grep ns_per)"
	fi
done
SH
echo "probe_hit: booting $kver, $rounds rounds of $calls calls per variant" >&2
"$rstap" vm --kernel "$kver" --timeout 3000 -- sh "$work/run.sh" | tee "$work/raw" >&2

. benches/report.sh
report_vs_bare "$work"
