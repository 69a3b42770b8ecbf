/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stack.h - the kernel stack of one probe hit, for backtrace(), callers(),
 * stack() and their printing forms: unwound from the probed point's
 * registers (the probed function's frame and its callers, never the
 * handler's own frames), at most MAXBACKTRACE frames, at most once a hit
 * and only when the script asks for it.
 */
#ifndef RSTAP_STACK_H
#define RSTAP_STACK_H

struct rt_context;

/*
 * Without the x86 unwinder the fallback saves the handler's own stack and
 * looks for the probed frame in it: room for the frames above that one.
 */
#if !defined(RT_HAVE_X86_UNWIND) && defined(RT_HAVE_STACK_TRACE_SAVE)
#define RT_KSTACK_SLACK 32
#else
#define RT_KSTACK_SLACK 0
#endif

struct rt_kstack {
	int depth;	/* frames in addr[]; -1: not unwound in this hit yet */
	unsigned long addr[MAXBACKTRACE + RT_KSTACK_SLACK];
};

static inline void rt_kstack_reset(struct rt_kstack *s)
{
	s->depth = -1;
}

/*
 * The hit's kernel stack: addr[0] is the probed address (for a return
 * probe, the address returned to), then the return addresses of the
 * callers, outermost last. Empty for a hit without kernel registers
 * (begin, end, timers, user-space probes).
 */
const struct rt_kstack *rt_kstack_get(struct rt_context *c);

/*
 * Frames from..from+n-1 (n < 0: all) as hexadecimal addresses separated
 * by single spaces, into a MAXSTRINGLEN string. Only whole addresses.
 */
void rt_kstack_hex(struct rt_context *c, char *dst, int from, long n);

/*
 * The next address of a backtrace()-form string at *s ("0x..." or bare
 * hexadecimal, separated by spaces); false at the end of the string.
 */
bool rt_addr_next(const char **s, unsigned long *addr);

#endif /* RSTAP_STACK_H */
