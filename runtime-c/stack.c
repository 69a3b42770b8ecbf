/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stack.c - unwinding the kernel stack of a probe hit from its pt_regs.
 *
 * With x86's unwinder (ORC on Debian's kernels; exported, RT_HAVE_X86_UNWIND)
 * the walk starts at the probed point's registers, so it begins in the
 * probed function whatever way the probe was entered (int3, ftrace, a
 * kretprobe's trampoline, whose return addresses the unwinder recovers).
 * Otherwise stack_trace_save() records the handler's stack, which runs
 * through the exception or ftrace frame into the probed function; the
 * walk keeps what follows the probed address. Without either, the stack
 * is the probed address alone: short, never wrong.
 *
 * Nothing here sleeps or allocates: the frames live in the context.
 */

#ifdef RT_HAVE_X86_UNWIND
#include <asm/unwind.h>
#endif
#ifdef RT_HAVE_STACK_TRACE_SAVE
#include <linux/stacktrace.h>
#endif

#if defined(RT_HAVE_X86_UNWIND)

static int rt_kstack_unwind(struct pt_regs *regs, unsigned long *out)
{
	struct unwind_state state;
	unsigned long a;
	int n = 0;

	out[n++] = instruction_pointer(regs);
	/* Starting from regs, the unwinder skips the probed frame's own ip. */
	for (unwind_start(&state, current, regs, NULL);
	     !unwind_done(&state) && n < MAXBACKTRACE;
	     unwind_next_frame(&state)) {
		a = unwind_get_return_address(&state);
		if (!a)
			break;
		out[n++] = a;
	}
	return n;
}

#elif defined(RT_HAVE_STACK_TRACE_SAVE)

static int rt_kstack_unwind(struct pt_regs *regs, unsigned long *out)
{
	unsigned long ip = instruction_pointer(regs);
	unsigned int n, i;

	n = stack_trace_save(out, MAXBACKTRACE + RT_KSTACK_SLACK, 0);
	/*
	 * The probed frame: its address itself (an exception frame), or the
	 * return from the ftrace call a few bytes after it.
	 */
	for (i = 0; i < n; i++)
		if (out[i] - ip < 16)
			break;
	out[0] = ip;
	if (i >= n)
		return 1;
	n = min_t(unsigned int, n - i, MAXBACKTRACE);
	memmove(&out[1], &out[i + 1], (n - 1) * sizeof(*out));
	return n;
}

#else

static int rt_kstack_unwind(struct pt_regs *regs, unsigned long *out)
{
	out[0] = instruction_pointer(regs);
	return 1;
}

#endif

const struct rt_kstack *rt_kstack_get(struct rt_context *c)
{
	struct rt_kstack *s = &c->kstack;

	if (s->depth >= 0)
		return s;
	if (!c->regs || user_mode(c->regs))
		s->depth = 0;
	else
		s->depth = rt_kstack_unwind(c->regs, s->addr);
	return s;
}

void rt_kstack_hex(struct rt_context *c, char *dst, int from, long n)
{
	const struct rt_kstack *s = rt_kstack_get(c);
	size_t len = 0;
	int i, k;

	dst[0] = '\0';
	for (i = from; i < s->depth && (n < 0 || i < from + n); i++) {
		k = snprintf(dst + len, MAXSTRINGLEN - len, "%s0x%lx",
			     len ? " " : "", s->addr[i]);
		if (len + k >= MAXSTRINGLEN) {
			dst[len] = '\0';	/* whole addresses only */
			break;
		}
		len += k;
	}
}

bool rt_addr_next(const char **s, unsigned long *addr)
{
	const char *p = *s;
	unsigned long v = 0;
	int d, digits = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',')
		p++;
	if (!*p)
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	while ((d = hex_to_bin(*p)) >= 0) {
		v = (v << 4) | d;
		p++;
		digits++;
	}
	/* Anything else ends the list, as at the end of the string. */
	if (!digits || (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != ','))
		return false;
	*s = p;
	*addr = v;
	return true;
}
