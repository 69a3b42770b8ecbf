# Checks seed 04's kernel-half output (seed_04_kernel_half.stp).
BEGIN { hit = "^ *[^ ]+ +[0-9]+ \\[[0-9][0-9][0-9]\\] [0-9]+m[0-9]+\\.[0-9]+s " }
/^========(begining|ended)========$/ || /^$/ || /^Kernel space callstack:$/ || /^[0-9]+$/ { next_ok = 1 }
$0 ~ hit "vfs_read => file=0x[0-9a-f]+ buf=0x[0-9a-f]+ count=0x[0-9a-f]+ pos=0x[0-9a-f]+ ret=\\?$" { next_ok = 1; if (ended) stacks++; last = "vfs_read" }
$0 ~ hit "ksys_write => fd=0x[0-9a-f]+ buf=0x[0-9a-f]+ count=0x[0-9a-f]+ .*$" { next_ok = 1; if (ended) stacks++; last = "ksys_write"; if ($1 == "calltree") wrote = 1 }
/^ 0x[0-9a-f]+ : [A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+ \[[A-Za-z0-9_]+\]$/ { next_ok = 1; if (ended && last == "vfs_read" && prev_hit) { if ($3 ~ /^(ksys_read|kernel_read|__kernel_read)\+/) named = 1 } }
/^========ended========$/ { ended = 1 }
{ if (!next_ok) { bad++; print "bad: " $0 > "/dev/stderr" } prev_hit = ($0 ~ hit); next_ok = 0 }
END {
	printf("bad lines: %d\n", bad)
	printf("calltree wrote: %s\n", wrote ? "yes" : "no")
	printf("stacks listed: %s\n", stacks > 0 ? "yes" : "no")
	printf("vfs_read caller named: %s\n", named ? "yes" : "no")
}
