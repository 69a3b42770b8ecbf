/* SPDX-License-Identifier: GPL-2.0 */
/*
 * watchpoints.h - kernel.data(...).write/.rw probes: hardware watchpoints
 * on every CPU (register_wide_hw_breakpoint), one debug register each.
 */
#ifndef RSTAP_WATCHPOINTS_H
#define RSTAP_WATCHPOINTS_H

#include <linux/perf_event.h>
#include <linux/hw_breakpoint.h>

struct rt_watchpoint {
	const struct rt_probe *probe;
	unsigned long addr;		/* run-time address (relocated symbol) */
	unsigned int len;		/* 1, 2, 4 or 8 bytes */
	bool rw;			/* reads and writes, else writes only */
	bool optional;			/* no free debug register: a warning */
	struct perf_event * __percpu *events;	/* while registered */
};

int rt_watchpoints_arm(struct rt_watchpoint *ws, size_t n);
void rt_watchpoints_disarm(struct rt_watchpoint *ws, size_t n);

#endif /* RSTAP_WATCHPOINTS_H */
