/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracepoints.h - kernel.trace("...") probes: callbacks attached to vmlinux
 * tracepoints, found by name at arm time (for_each_kernel_tracepoint()), and
 * to modules' tracepoints, found whenever their module is or comes loaded.
 * The generated module supplies one callback per arity, taking every
 * argument as a 64-bit slot, which calls rt_tracepoint_hit().
 */
#ifndef RSTAP_TRACEPOINTS_H
#define RSTAP_TRACEPOINTS_H

#include <linux/tracepoint.h>

struct rt_tracepoint {
	const struct rt_probe *probe;
	const char *name;		/* the tracepoint, without its system */
	const char *module;		/* its module, NULL: the vmlinux's */
	void *func;			/* the generated callback for its arity */
	bool optional;			/* not found or refused: a warning */
	struct tracepoint *tp;		/* found at arm time */
	bool registered;
};

int rt_tracepoints_arm(struct rt_tracepoint *ts, size_t n);
void rt_tracepoints_disarm(struct rt_tracepoint *ts, size_t n);
void rt_tracepoint_hit(void *data, const u64 *args);

#endif /* RSTAP_TRACEPOINTS_H */
