#!/bin/sh
# The run of rt_load_2cpu.stp: RSTAPRUN KO REPO. Two shell loops writing to
# /dev/null keep both CPUs busy (and the vfs_write probes hot) while the script
# runs; its output and stderr go through rt_load_2cpu_check.awk.
rstaprun=$1 ko=$2 repo=$3
echo "cpus: $(nproc)"
loop() { while :; do echo x >/dev/null; done; }
loop & a=$!
loop & b=$!
"$rstaprun" "$ko" >/tmp/rtl.out 2>/tmp/rtl.err
r=$?
kill $a $b
wait $a $b 2>/dev/null
awk -v errfile=/tmp/rtl.err -f "$repo/tests/vm/rt_load_2cpu_check.awk" /tmp/rtl.out
c=$?
# For a failure: what the script printed.
tail -n 5 /tmp/rtl.out >&2
cat /tmp/rtl.err >&2
[ $r -eq 0 ] && exit $c
exit $r
