# Checks seed 04's whole output (seed_04_user_stacks*.stp): the kernel half's
# lines as seed_04_check.awk has them, and the user half: after "User space
# callstack:", hit lines each followed by its user frames from print_usyms,
# " 0x<16 hex digits>" alone (no embedded object there), with
# " : name+0xoff/0xsize [/path]", or with " [/path+0xoff]" (an embedded
# object, no symbol there). Reports whether a user stack was listed and
# whether one names calltree's main (it can only when libc's unwind data is
# embedded: --ldd).
BEGIN { h16 = "[0-9a-f][0-9a-f][0-9a-f][0-9a-f]"; h16 = h16 h16 h16 h16; hit = "^ *[^ ]+ +[0-9]+ \\[[0-9][0-9][0-9]\\] [0-9]+m[0-9]+\\.[0-9]+s " }
/^========(begining|ended)========$/ || /^$/ || /^(Kernel|User) space callstack:$/ || /^[0-9]+$/ { next_ok = 1 }
/^User space callstack:$/ { user = 1 }
$0 ~ hit "vfs_read => file=0x[0-9a-f]+ buf=0x[0-9a-f]+ count=0x[0-9a-f]+ pos=0x[0-9a-f]+ ret=\\?$" { next_ok = 1 }
$0 ~ hit "ksys_write => fd=0x[0-9a-f]+ buf=0x[0-9a-f]+ count=0x[0-9a-f]+ .*$" { next_ok = 1; if ($1 == "calltree") wrote = 1 }
!user && /^ 0x[0-9a-f]+ : [A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+ \[[A-Za-z0-9_]+\]$/ { next_ok = 1 }
user && $0 ~ ("^ 0x" h16 "( : [A-Za-z0-9_.]+\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[/[^]]+\\]| \\[/[^]]+\\+0x[0-9a-f]+\\])?$") {
	next_ok = 1; frames++
	if ($0 ~ / : main\+0x[0-9a-f]+\/0x[0-9a-f]+ \[\/.*\/calltree\]$/) main = 1
}
{ if (!next_ok) { bad++; print "bad: " $0 > "/dev/stderr" } next_ok = 0 }
END {
	printf("bad lines: %d\n", bad)
	printf("calltree wrote: %s\n", wrote ? "yes" : "no")
	printf("user frames listed: %s\n", frames > 0 ? "yes" : "no")
	printf("calltree main named: %s\n", main ? "yes" : "no")
}
