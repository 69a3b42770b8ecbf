# Checks seed 03's output (seed_03_sched_aliases.stp): calltree's pid line, then for each
# alias that fired a first line in the seed's format about calltree's pid, and one
# "ALIAS fired N times" line per alias at the end, sorted by name. Prints a summary.
function fail(why) { bad++; print "bad: " why > "/dev/stderr" }
{ line[NR] = $0 }
/^[0-9]+$/ { pid = $0 }
END {
	if (pid == "") fail("no pid line")
	for (i = 1; i <= NR; i++) {
		l = line[i]
		if (l == pid) continue
		if (l ~ /^[a-z_]+ fired [1-9][0-9]* times$/) {
			split(l, f, " ")
			if (f[1] in count) fail("twice: " l)
			count[f[1]] = f[3]
			if (last != "" && f[1] <= last) fail("not sorted: " l)
			last = f[1]
			continue
		}
		if (last != "") { fail("after the counts: " l); continue }
		split(l, f, " ")
		a = f[1]
		if (a in first) { fail("second first line: " l); continue }
		first[a] = 1
		ok = 0
		p = "\\(" pid "/" pid "\\) prio=120"
		if (a == "ctxswitch")
			ok = l ~ ("^ctxswitch prev=[^()]+" p " state=[012] next=[^()]+\\([0-9]+/[0-9]+\\) prio=[0-9]+ state=0$") ||
			     l ~ ("^ctxswitch prev=[^()]+\\([0-9]+/[0-9]+\\) prio=[0-9]+ state=[0-9]+ next=[^()]+" p " state=0$")
		else if (a == "cpu_on") ok = l ~ /^cpu_on idle=0 prev=0x[0-9a-f]+$/
		else if (a == "cpu_off") ok = l ~ /^cpu_off idle=0 next=0x[0-9a-f]+$/
		else if (a == "wakeup") ok = l ~ ("^wakeup pid=" pid " tid=" pid " prio=120 cpu=[01] state=0$")
		else if (a == "migrate") ok = l ~ ("^migrate pid=" pid " prio=120 from=[01] to=[01]$") && substr(l, length(l) - 5, 1) != substr(l, length(l), 1)
		else if (a == "signal_send") ok = l ~ ("^signal_send pid=" pid " sig=[1-9][0-9]*$")
		else if (a == "process_wait") ok = l ~ /^process_wait pid=[0-9]+$/
		else if (a == "wait_task") ok = l ~ /^wait_task pid=[1-9][0-9]* prio=[0-9]+$/
		if (!ok) fail("format: " l)
	}
	for (a in first) if (!(a in count)) fail("no count for " a)
	for (a in count) if (!(a in first)) fail("count without a first line: " a)
	printf("bad lines: %d\n", bad)
	printf("always fired: %s %s %s %s\n", ("ctxswitch" in count) ? "ctxswitch" : "-", ("cpu_on" in count) ? "cpu_on" : "-",
	       ("cpu_off" in count) ? "cpu_off" : "-", ("wakeup" in count) ? "wakeup" : "-")
}
