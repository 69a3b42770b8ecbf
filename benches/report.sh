# Sourced by the VM benchmarks: their raw lines ("base ns_per_call N" and
# "VARIANT ns_per_call N", several rounds) turned into medians.

median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Per round: cost = variant - that round's base, into $1/costs.
round_costs() {
	awk '$1 == "base" { base = $3; next }
	     $2 == "ns_per_call" { print $1, $3 - base }' "$1/raw" >"$1/costs"
}

# The median cost of every variant of $1/raw, and its ratio to "bare".
report_vs_bare() {
	round_costs "$1"
	local base bare m v
	base=$(awk '$1 == "base" { print $3 }' "$1/raw" | median)
	bare=$(awk '$1 == "bare" { print $2 }' "$1/costs" | median)
	printf '%-24s %10s %8s\n' variant ns/hit "vs bare"
	printf '%-24s %10.1f\n' "(base: ns per call)" "$base"
	for v in $(awk '{ print $1 }' "$1/costs" | sort -u); do
		m=$(awk -v v="$v" '$1 == v { print $2 }' "$1/costs" | median)
		printf '%-24s %10.1f %7.2fx\n' "$v" "$m" "$(awk -v m="$m" -v b="$bare" 'BEGIN { print m / b }')"
	done
}
