#!/usr/bin/env bash
# The cost of the syscall.* probes per system call, measured side by side in
# one VM boot (a benchmark, not a test): N getppid() calls on one CPU, the
# fastest chunk's time per call (syscall_hit/getppid_abs.c), with no module
# (the base), then with rstap modules whose handler counts hits:
#  - syscall.getppid:  one probed call (the raw_syscalls:sys_enter callback
#                      on every call of every task, the body on getppid's);
#  - syscall.*:        every call probed (~350 bodies, one dispatch switch);
#  - syscall.*, syscall.*.return: both tracepoints, every call;
#  - kernel.trace("raw_syscalls:sys_enter"): rstap's plain tracepoint probe
#    (DWARF-typed arguments, no dispatch), for comparison.
# Each figure is the median over rounds of (ns per call - that round's base).
# Measured on 6.1 under the VM's TCG (5 rounds of 200000 calls; TCG inflates
# every figure, compare them with the base): base 452 ns per getppid,
# syscall.getppid +215, syscall.* +289, syscall.* and syscall.*.return +577,
# kernel.trace("raw_syscalls:sys_enter") +188. On 6.12: base 473, +224, +364,
# +665, +259.
# Usage: benches/syscall_hit.sh [KVER] [ROUNDS] [CALLS]
set -euo pipefail
cd "$(dirname "$0")/.."
kver=${1:-$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')}
rounds=${2:-5}
calls=${3:-200000}
rstap=${RSTAP:-$PWD/target/release/rstap}
rstaprun=${RSTAPRUN:-$PWD/target/loader/rstaprun}
[ -x "$rstap" ] || cargo build --release -q --bins
[ -x "$rstaprun" ] || cargo build --profile loader -q -p rstaprun --bin rstaprun
work=$(mktemp -d /tmp/rstap-syscall-hit.XXXXXX)
trap 'rm -rf "$work"' EXIT

cc -O2 -static -o "$work/loop" benches/syscall_hit/getppid_abs.c
end='probe end { printf("hits %d\n", n) }'
(cd "$work" &&
	"$rstap" -p4 -r "$kver" -m sc_one -e "global n; probe syscall.getppid { n++ } $end" >/dev/null &&
	"$rstap" -p4 -r "$kver" -m sc_all -e "global n; probe syscall.* { n++ } $end" >/dev/null &&
	"$rstap" -p4 -r "$kver" -m sc_both -e "global n; probe syscall.*, syscall.*.return { n++ } $end" >/dev/null &&
	"$rstap" -p4 -r "$kver" -m sc_tp -e "global n; probe kernel.trace(\"raw_syscalls:sys_enter\") { n++ } $end" >/dev/null)

cat >"$work/run.sh" <<SH
#!/bin/sh
cd $work
for r in \$(seq $rounds); do
	echo "base \$(./loop $calls)"
	for m in sc_one sc_all sc_both sc_tp; do
		echo "\$m \$($rstaprun -c './loop $calls' \$m.ko | grep ns_per)"
	done
done
SH
echo "syscall_hit: booting $kver, $rounds rounds of $calls calls per variant" >&2
"$rstap" vm --kernel "$kver" --timeout 3000 -- sh "$work/run.sh" | tee "$work/raw" >&2

. benches/report.sh
round_costs "$work"
base=$(awk '$1 == "base" { print $3 }' "$work/raw" | median)
printf '%-24s %10s\n' variant "ns/call"
printf '%-24s %10.1f\n' "(base: ns per call)" "$base"
for v in sc_one sc_all sc_both sc_tp; do
	m=$(awk -v v="$v" '$1 == v { print $2 }' "$work/costs" | median)
	printf '%-24s %10.1f\n' "$v" "$m"
done
