/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe.h - what every probe has, whatever fires it: its point and the
 * function that runs one hit of it. That function is generated for each
 * probe body (RT_PROBE_HIT below): the body and the globals it locks are
 * known there, so a hit calls the body directly and takes its locks with
 * constant addresses instead of following pointers.
 */
#ifndef RSTAP_PROBE_H
#define RSTAP_PROBE_H

/* Which session states a hit may run in. */
enum rt_phase {
	RT_PHASE_BEGIN,		/* begin probes: while starting */
	RT_PHASE_RUN,		/* ordinary probes: while running */
	RT_PHASE_END,		/* end and error probes: while stopping */
};

struct rt_probe;

/*
 * One hit: regs are the probed point's registers (CONTEXT->regs), addr the
 * probed address (CONTEXT->probe_addr; for a return probe the function's,
 * while regs are at its return), tp_args a tracepoint's arguments
 * (CONTEXT->tp_args), data a return instance's @entry values
 * (CONTEXT->kret_data); each may be NULL or 0. True when the body ran to
 * its end without an error.
 */
typedef bool (*rt_hit_fn)(const struct rt_probe *p, enum rt_phase phase,
			  struct pt_regs *regs, unsigned long addr,
			  const u64 *tp_args, void *data);

struct rt_probe {
	const char *pp;		/* probe point, for pp() */
	const char *pn;		/* as the script names it, for pn() */
	const char *type;	/* its mechanism, for probe_type(): "kprobe", ... */
	rt_hit_fn hit;		/* BODY_hit of RT_PROBE_HIT */
};

static inline void rt_probe_run(const struct rt_probe *p, enum rt_phase phase)
{
	p->hit(p, phase, NULL, 0, NULL, NULL);
}

static inline void rt_probe_run_at(const struct rt_probe *p, enum rt_phase phase,
				   struct pt_regs *regs, unsigned long addr)
{
	p->hit(p, phase, regs, addr, NULL, NULL);
}

static inline void rt_probe_run_args(const struct rt_probe *p, enum rt_phase phase,
				     struct pt_regs *regs, unsigned long addr,
				     const u64 *tp_args)
{
	p->hit(p, phase, regs, addr, tp_args, NULL);
}

static inline bool rt_probe_run_data(const struct rt_probe *p, enum rt_phase phase,
				     struct pt_regs *regs, unsigned long addr,
				     void *data)
{
	return p->hit(p, phase, regs, addr, NULL, data);
}

/* A hit that has the kernel's registers (watchpoints): CONTEXT->regs. */
static inline void rt_probe_run_regs(const struct rt_probe *p, enum rt_phase phase,
				     struct pt_regs *regs)
{
	rt_probe_run_at(p, phase, regs, regs ? instruction_pointer(regs) : 0);
}

/*
 * For each probe body BODY (void BODY(struct rt_context *)) with its lock
 * list (NULL, 0 when it uses no global), generated after the body:
 * BODY_hit, the rt_hit_fn of its probes, and BODY_run, the same always
 * inlined, for handlers generated per body (RT_KPROBE_PRE; atomic: true when
 * the handler always runs with preemption off). rt_probe_hit() is in probe.c.
 */
#define RT_PROBE_HIT(body, locks, nlocks)					\
static __always_inline bool body##_run(const struct rt_probe *p,		\
		enum rt_phase phase, struct pt_regs *regs, unsigned long addr,	\
		const u64 *tp_args, void *data, bool atomic)			\
{										\
	return rt_probe_hit(p, phase, regs, addr, tp_args, data, body,		\
			    locks, nlocks, atomic);				\
}										\
static bool __maybe_unused body##_hit(const struct rt_probe *p,		\
		enum rt_phase phase, struct pt_regs *regs, unsigned long addr,	\
		const u64 *tp_args, void *data)					\
{										\
	return body##_run(p, phase, regs, addr, tp_args, data, false);		\
}

#endif /* RSTAP_PROBE_H */
