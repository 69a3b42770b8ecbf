# Checks seed 16's trace (see seed_16_trace_kernel_flow.stp): every line after
# "begin" is "%6d sh(P):" + indentation + " -> NAME" or " <- NAME", calls one
# level (4 spaces) deeper than their caller, returns at their call's level.
NR == 1 { print; next }
{
	head = "^ *[0-9]+ sh\\(" p "\\):"
	if (!match($0, head) || length(substr($0, 1, RLENGTH)) < 6) { bad++; next }
	rest = substr($0, RLENGTH + 1)
	sp = match(rest, /[^ ]/) - 2	# the indentation, before " -> "
	arrow = substr(rest, sp + 2, 2)
	name = substr(rest, sp + 5)
	if (name !~ /^[A-Za-z0-9_.]+$/) { bad++; next }
	if (arrow == "->") {
		if (sp != 4 * d) bad++
		d++
		seen[name] = 1
	} else if (arrow == "<-") {
		if (d > 0) d--
		if (sp != 4 * d) bad++
	} else bad++
	n++
}
END {
	print (n > 0 && bad == 0) ? "trace well-formed" : "bad lines: " bad+0
	print "lines: " n+0
	s = "called:"
	split("get_signal dequeue_signal exit_signals do_notify_parent __send_signal_locked", want, " ")
	for (i = 1; i in want; i++)
		s = s " " (want[i] in seen ? want[i] : "(no " want[i] ")")
	print s
}
