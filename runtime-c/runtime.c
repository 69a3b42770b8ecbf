/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime.c - pulls every runtime part into the module's one translation
 * unit, after runtime.h and before the generated code.
 */
#include "session.c"
#include "context.c"
#include "params.c"
#include "print.c"
#include "probe.c"
#include "stat.c"
#include "map.c"
#include "timer.c"
#include "kprobes.c"
#include "stack.c"
#include "symbols.c"
#include "usyms.c"
#include "ustack.c"
#include "uentry.c"
#include "uprobes.c"
#include "tracepoints.c"
#include "syscalls.c"
#include "syscall_decode.c"
#include "watchpoints.c"
#include "raise.c"
#include "transport.c"
