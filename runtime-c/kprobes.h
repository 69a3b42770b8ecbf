/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobes.h - kernel.function(...) and kprobe.function(...) probes, with
 * their .return variants, and kernel.statement(...) probes: kprobes and
 * kretprobes registered by symbol name + offset (the kernel resolves it, so
 * KASLR needs nothing from us); in guru mode, .statement(ADDRESS).absolute
 * at a run-time address as given.
 */
#ifndef RSTAP_KPROBES_H
#define RSTAP_KPROBES_H

#include <linux/kprobes.h>

struct rt_kprobe {
	const struct rt_probe *probe;
	/* An entry kprobe's pre-handler: RT_KPROBE_PRE of its probe's body. */
	int (*pre)(struct kprobe *kp, struct pt_regs *regs);
	/* .return with @entry: run at the function's entry (the kretprobe's
	 * entry_handler) into the instance's data_size bytes, which the
	 * return hit reads (CONTEXT->kret_data). NULL: no entry handler. */
	const struct rt_probe *entry;
	size_t data_size;
	const char *symbol;	/* a function symbol, or "_stext" for ambiguous names */
	unsigned int offset;	/* from symbol */
	unsigned long addr;	/* symbol NULL: an absolute run-time address (guru mode) */
	int maxactive;		/* .return: concurrent instances, 0 = kernel default */
	bool ret;		/* a kretprobe (.return) */
	bool optional;		/* the kernel refusing it is a warning (wildcards, '?') */
	bool registered;
	union {
		struct kprobe kp;
		struct kretprobe rp;
	} u;
};

/*
 * The pre-handler of the entry kprobes of probe body BODY (after its
 * RT_PROBE_HIT): BODY_kprobe, which runs the body inlined, without a call
 * through a pointer. On x86 ip is past the breakpoint here (int3, and
 * ftrace-based kprobes imitate it). During the handler it is the probed
 * address, as if the instruction had not been reached: what addr() shows
 * and where the unwinder must start (an ip inside a half-executed push
 * would find the wrong frame).
 */
#define RT_KPROBE_PRE(body)							\
static int body##_kprobe(struct kprobe *kp, struct pt_regs *regs)		\
{										\
	struct rt_kprobe *k = container_of(kp, struct rt_kprobe, u.kp);	\
	unsigned long ip = instruction_pointer(regs);				\
										\
	instruction_pointer_set(regs, (unsigned long)kp->addr);			\
	body##_run(k->probe, RT_PHASE_RUN, regs, (unsigned long)kp->addr,	\
		   NULL, NULL, true);	/* kprobes: preemption is off */	\
	instruction_pointer_set(regs, ip);					\
	return 0;								\
}

int rt_kprobes_arm(struct rt_kprobe *ks, size_t n);
void rt_kprobes_disarm(struct rt_kprobe *ks, size_t n);

#endif /* RSTAP_KPROBES_H */
