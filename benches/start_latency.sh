#!/usr/bin/env bash
# rstaprun's start latency, measured side by side in one VM boot (a benchmark,
# not a test), on the guest's monotonic clock (start_latency/spawn_time.c):
#  - insmod+rmmod: `insmod M.ko; rmmod M` of the module, the kernel's own cost of
#    loading and removing it (module_init creates the transport; no probe runs);
#  - rstaprun, first output: `rstaprun M.ko` until the first byte its begin probe
#    printed reaches rstaprun's stdout;
#  - rstaprun, total: the same run until rstaprun exits (the script calls exit()
#    in that begin probe: load, start, relay, stop, drain, remove).
# Rounds alternate the two; each figure is the median over rounds and the fastest
# round (the shared host's load only ever adds time), each with its ratio to
# insmod+rmmod's. insmod and rmmod alone are shown too.
# Usage: benches/start_latency.sh [KVER] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
kver=${1:-$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')}
rounds=${2:-21}
rstap=${RSTAP:-$PWD/target/release/rstap}
rstaprun=${RSTAPRUN:-$PWD/target/loader/rstaprun}
[ -x "$rstap" ] || cargo build --release -q --bins
[ -x "$rstaprun" ] || cargo build --profile loader -q -p rstaprun --bin rstaprun
work=$(mktemp -d /tmp/rstap-start-latency.XXXXXX)
trap 'rm -rf "$work"' EXIT

cc -O2 -Wall -static -o "$work/spawn_time" benches/start_latency/spawn_time.c
(cd "$work" && "$rstap" -p4 -r "$kver" -m rstap_start -e 'probe begin { println("first"); exit() }' >/dev/null)

cat >"$work/run.sh" <<SH
#!/bin/sh
cd $work
# One unmeasured run of each: the files are read once from the host's 9p share.
insmod rstap_start.ko && rmmod rstap_start
$rstaprun rstap_start.ko >/dev/null
for r in \$(seq $rounds); do
	echo "insmod \$(./spawn_time insmod rstap_start.ko)"
	echo "rmmod \$(./spawn_time rmmod rstap_start)"
	echo "insmod+rmmod \$(./spawn_time insmod rstap_start.ko ';' rmmod rstap_start)"
	echo "rstaprun \$(./spawn_time $rstaprun rstap_start.ko)"
done
SH
echo "start_latency: booting $kver, $rounds rounds; rstaprun is $(stat -c %s "$rstaprun") bytes" >&2
"$rstap" vm --kernel "$kver" --timeout 3000 -- sh "$work/run.sh" | tee "$work/raw" >&2

. benches/report.sh
# The values of field $2 (first_us, total_us) of variant $1, one a line.
vals() { awk -v v="$1" -v f="$2" '$1 == v { for (i = 2; i <= NF; i++) if (index($i, f "=") == 1) print substr($i, length(f) + 2) }' "$work/raw"; }
base_med=$(vals insmod+rmmod total_us | median)
base_min=$(vals insmod+rmmod total_us | sort -n | head -1)
line() {
	local med min
	med=$(vals "$2" "$3" | median)
	min=$(vals "$2" "$3" | sort -n | head -1)
	awk -v n="$1" -v m="$med" -v f="$min" -v bm="$base_med" -v bf="$base_min" \
		'BEGIN { printf "%-24s %9.1f %7.2fx %9.1f %7.2fx\n", n, m / 1000, m / bm, f / 1000, f / bf }'
}
echo "kernel $kver, $rounds rounds; ratios to insmod+rmmod's median / fastest"
printf '%-24s %9s %8s %9s %8s\n' "" "median ms" "" "fastest" ""
line "insmod" insmod total_us
line "rmmod" rmmod total_us
line "insmod+rmmod" insmod+rmmod total_us
line "rstaprun, first output" rstaprun first_us
line "rstaprun, total" rstaprun total_us
awk -v a="$(vals rstaprun first_us | median)" -v b="$(vals insmod total_us | median)" \
	-v c="$(vals rstaprun first_us | sort -n | head -1)" -v d="$(vals insmod total_us | sort -n | head -1)" \
	'BEGIN { printf "rstaprun, first output / insmod alone: %.2fx median, %.2fx fastest\n", a / b, c / d }'
