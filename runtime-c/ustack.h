/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ustack.h - the user stack of one probe hit, for ubacktrace(), ucallers(),
 * ustack() and their printing forms: unwound from the task's user registers
 * (a uprobe hit's own, else task_pt_regs() when the task entered the kernel
 * from user mode) with the embedded unwind rows (usyms.h), the frame-pointer
 * chain where no row covers the pc; at most MAXBACKTRACE frames, at most
 * once a hit and only when the script asks for it.
 */
#ifndef RSTAP_USTACK_H
#define RSTAP_USTACK_H

struct rt_context;

struct rt_ustack {
	int depth;	/* frames in addr[]; -1: not unwound in this hit yet */
	unsigned long addr[MAXBACKTRACE];
};

static inline void rt_ustack_reset(struct rt_ustack *s)
{
	s->depth = -1;
}

/*
 * The hit's user stack: addr[0] is where the task is in user space, then
 * the return addresses of its callers, outermost last. Empty when the task
 * has no user context (kernel threads, begin/end probes).
 */
const struct rt_ustack *rt_ustack_get(struct rt_context *c);

/* Frames from..from+n-1 (n < 0: all) as "0x..." separated by spaces. */
void rt_ustack_hex(struct rt_context *c, char *dst, int from, long n);

#endif /* RSTAP_USTACK_H */
