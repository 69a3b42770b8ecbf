#!/usr/bin/env bash
# Build-speed benchmarks, measured side by side in one run (not tests):
#  - the floor: a bare Kbuild build of a one-kprobe module;
#  - rstap -p4 of the hello script, cold (module cache empty, kernel
#    feature tests cached), and warm (cache hit);
#  - the largest language test script (tests/vm/lang*.stp without build
#    options): its generated C and module sizes and its -p4 cold time, with
#    the optimisations and without them (-u);
#  - passes 1-3 (-p3) of each seed script that gets through pass 3.
# Usage: benches/bench.sh [KVER] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
kver=${1:-$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')}
runs=${2:-5}
rstap=$PWD/target/release/rstap
[ -x "$rstap" ] || cargo build --release -q --bins
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hello='probe begin { printf("hello world!\n"); exit() }'

# Median of N runs of a command, in milliseconds.
median_ms() {
	local n=$1; shift
	local times=()
	for _ in $(seq "$n"); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((n + 1) / 2))p"
}

floor() {
	rm -rf "$work/floor" && cp -r benches/floor "$work/floor"
	make -s -C "/lib/modules/$kver/build" M="$work/floor" modules
}
cold() {
	rm -rf "$work/cache/modules"
	RSTAP_CACHE_DIR=$work/cache "$rstap" -p4 -r "$kver" -m hello -e "$hello"
}
warm() {
	RSTAP_CACHE_DIR=$work/cache "$rstap" -p4 -r "$kver" -m hello -e "$hello"
}
cd "$work"
RSTAP_CACHE_DIR=$work/cache "$rstap" -p4 -r "$kver" -m hello -e "$hello" >/dev/null # feature tests, once
f=$(median_ms "$runs" floor)
c=$(median_ms "$runs" cold)
w=$(median_ms "$runs" warm)
echo "kernel $kver, median of $runs runs"
echo "floor (bare Kbuild, one kprobe):   ${f} ms"
echo "rstap -p4 hello, cold:             ${c} ms  ($(awk "BEGIN{printf \"%.2f\", $c/$f}") x floor)"
echo "rstap -p4 hello, warm (cache hit): ${w} ms  ($(awk "BEGIN{printf \"%.3f\", $w/$f}") x floor)"
big=$(ls -S "$OLDPWD"/tests/vm/lang*.stp | while read -r f; do grep -q '^# build:' "$f" || { echo "$f"; break; }; done)
big_cold() {
	rm -rf "$work/cache/modules"
	RSTAP_CACHE_DIR=$work/cache "$rstap" -p4 -r "$kver" -m big "$@" "$big"
}
echo "largest language test, $(basename "$big") ($(wc -c <"$big") bytes of script):"
for opt in "" -u; do
	csize=$("$rstap" -p3 -w $opt -r "$kver" "$big" | wc -c)
	t=$(median_ms "$runs" big_cold $opt)
	big_cold $opt >/dev/null 2>&1
	echo "  ${opt:-optimised}: C ${csize} bytes, module $(stat -c %s big.ko) bytes, -p4 cold ${t} ms ($(awk "BEGIN{printf \"%.2f\", $t/$f}") x floor)"
done
echo "passes 1-3 (-p3), per seed script:"
for s in "$OLDPWD"/../shared/corpus/seed/*.stp; do
	name=$(basename "$s" .stp)
	args=()
	case $name in 01_* | 02_*) args=(1234) ;; 04_*) args=(vfs_read ksys_write) ;; 15_*) args=(x) ;; 18_*) args=(x) ;; esac
	if "$rstap" -p3 -r "$kver" "$s" "${args[@]}" >/dev/null 2>&1; then
		echo "  $name ($(wc -c <"$s") bytes): $(median_ms "$runs" "$rstap" -p3 -r "$kver" "$s" "${args[@]}") ms"
	else
		echo "  $name ($(wc -c <"$s") bytes): pass 1 $(median_ms "$runs" "$rstap" -p1 -r "$kver" "$s" "${args[@]}") ms; passes 2-3 not yet supported"
	fi
done
