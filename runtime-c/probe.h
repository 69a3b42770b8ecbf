/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe.h - what every probe has, whatever fires it: its point, its body,
 * the globals it locks; and the one function that runs a hit.
 */
#ifndef RSTAP_PROBE_H
#define RSTAP_PROBE_H

struct rt_probe {
	const char *pp;			/* probe point, for pp() */
	void (*body)(struct rt_context *c);
	const struct rt_lock_req *locks;
	unsigned int nlocks;
};

/* Which session states a hit may run in. */
enum rt_phase {
	RT_PHASE_BEGIN,		/* begin probes: while starting */
	RT_PHASE_RUN,		/* ordinary probes: while running */
	RT_PHASE_END,		/* end and error probes: while stopping */
};

void rt_probe_run(const struct rt_probe *p, enum rt_phase phase);
/*
 * The same, for a hit at a kernel address: regs are the probed point's
 * registers (CONTEXT->regs), addr the probed address (CONTEXT->probe_addr;
 * for a return probe, the function's, while regs are at its return).
 */
void rt_probe_run_at(const struct rt_probe *p, enum rt_phase phase,
		     struct pt_regs *regs, unsigned long addr);
/* The same, for a tracepoint hit: its arguments (CONTEXT->tp_args). */
void rt_probe_run_args(const struct rt_probe *p, enum rt_phase phase,
		       struct pt_regs *regs, unsigned long addr,
		       const u64 *tp_args);
/*
 * The same, with data for the hit (CONTEXT->kret_data: a return instance's
 * @entry values). True when the body ran to its end without an error.
 */
bool rt_probe_run_data(const struct rt_probe *p, enum rt_phase phase,
		       struct pt_regs *regs, unsigned long addr, void *data);
/* The same, for a hit that has the kernel's registers (kprobes): CONTEXT->regs. */
static inline void rt_probe_run_regs(const struct rt_probe *p, enum rt_phase phase,
				     struct pt_regs *regs)
{
	rt_probe_run_at(p, phase, regs, regs ? instruction_pointer(regs) : 0);
}

#endif /* RSTAP_PROBE_H */
