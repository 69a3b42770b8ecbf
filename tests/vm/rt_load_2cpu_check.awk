# Checks rt_load_2cpu.stp's output; prints a fixed summary (a bad line names the
# problem instead). errfile: the loader's stderr: no error, no dropped output, and at
# most its count of skipped probes (see below).
function fail(why) { bad++; print "bad: " why }
{ line[NR] = $0 }
END {
	if (line[1] == "begin") print "begin: first"; else fail("first line: " line[1])
	for (i = 2; i <= NR; i++) {
		split(line[i], f, " ")
		if (f[1] == "end") { if (!end) end = i; continue }
		if (end) fail("after end: " line[i])
		if (f[1] !~ /^(kprobe|kretprobe|timer_ms|timer_jiffies|tracepoint)$/ || f[2] !~ /^cpu=[01]$/)
			fail("unexpected: " line[i])
		seen[f[1]]++
	}
	s = ""
	split("kprobe kretprobe timer_ms timer_jiffies tracepoint", kinds, " ")
	for (k = 1; k <= 5; k++) if (seen[kinds[k]]) s = s " " kinds[k]
	print "lines:" s
	if (end && NR - end == 3) print "end: last"; else fail("end lines: " end " of " NR)
	if (line[end] ~ /^end kp=[1-9][0-9]* kr=[1-9][0-9]* ms=[1-9][0-9]* jiffies=[1-9][0-9]* tp=[1-9][0-9]*$/)
		print "counts: all above 0"
	else fail("counts: " line[end])
	if (line[end + 2] == "end agree kp=1 sizes=1 lat=1 ms=1 jiffies=1 tp=1" && line[end + 3] == "end lat_min_ok=1")
		print "aggregates: agree"
	else fail("aggregates: " line[end + 2] " / " line[end + 3])
	if (line[end + 1] == "end cpus=2") print "cpus hit: both"; else fail("cpus hit: " line[end + 1])
	# A hit that finds its CPU busy (a timer interrupting a body) or a global
	# locked too long is skipped and counted: expected now and then under this
	# load, but never more than 1 in 100 hits, and never an error or lost output.
	split(line[end], c, /[ =]/)
	hits = c[3] + c[5] + c[7] + c[9] + c[11]
	n = 0
	while ((getline l < errfile) > 0) {
		if (!n++ && l ~ /^WARNING: Number of errors: 0, skipped probes: [0-9]+$/) {
			split(l, w, " ")
			if (w[8] * 100 <= hits) continue
		}
		fail("stderr: " l)
		errbad++
	}
	if (!errbad) print "stderr: nothing but under 1% skipped"
	exit bad ? 1 : 0
}
