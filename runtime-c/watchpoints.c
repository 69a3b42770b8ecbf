/* SPDX-License-Identifier: GPL-2.0 */
/*
 * watchpoints.c - registering a module's hardware watchpoints and their
 * handler. The handler runs in the debug exception after the access, on
 * the accessing CPU, with its registers: it only runs the probe (nothing
 * sleeps there). Unregistering a wide breakpoint removes it from every CPU
 * and waits for running handlers (perf's event teardown), so nothing calls
 * into the module afterwards.
 */

static void rt_watchpoint_hit(struct perf_event *bp,
			      struct perf_sample_data *data,
			      struct pt_regs *regs)
{
	struct rt_watchpoint *w = bp->overflow_handler_context;

	rt_probe_run_regs(w->probe, RT_PHASE_RUN, regs);
}

static void rt_watchpoint_refused(const struct rt_watchpoint *w, int rc)
{
	char msg[256];
	int n;

	n = scnprintf(msg, sizeof(msg),
		      "%s: probe %s (watchpoint at %#lx, %u bytes) registration error: %s (rc %d)\n",
		      w->optional ? "WARNING" : "ERROR", w->probe->pp, w->addr,
		      w->len, rc == -ENOSPC ? "no free hardware debug register"
					    : "refused by the kernel", rc);
	rt_transport_write(RT_REC_STDERR, msg, n);
}

static int rt_hw_len(unsigned int len)
{
	switch (len) {
	case 2:
		return HW_BREAKPOINT_LEN_2;
	case 4:
		return HW_BREAKPOINT_LEN_4;
	case 8:
		return HW_BREAKPOINT_LEN_8;
	default:
		return HW_BREAKPOINT_LEN_1;
	}
}

int rt_watchpoints_arm(struct rt_watchpoint *ws, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct rt_watchpoint *w = &ws[i];
		struct perf_event_attr attr;
		struct perf_event * __percpu *ev;

		hw_breakpoint_init(&attr);
		attr.bp_addr = w->addr;
		attr.bp_len = rt_hw_len(w->len);
		attr.bp_type = w->rw ? HW_BREAKPOINT_RW : HW_BREAKPOINT_W;
		ev = register_wide_hw_breakpoint(&attr, rt_watchpoint_hit, w);
		if (IS_ERR(ev)) {
			int rc = PTR_ERR(ev);

			rt_watchpoint_refused(w, rc);
			if (!w->optional) {
				rt_watchpoints_disarm(ws, i);
				return rc;
			}
			continue;
		}
		w->events = ev;
	}
	return 0;
}

void rt_watchpoints_disarm(struct rt_watchpoint *ws, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!ws[i].events)
			continue;
		unregister_wide_hw_breakpoint(ws[i].events);
		ws[i].events = NULL;
	}
}
