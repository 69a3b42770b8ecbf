/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probe.c - running one probe hit: the reentrancy guard, the global locks,
 * action limits, flushing output, and turning an error into a message
 * and the end of the script.
 */

static const int rt_phase_state[] = {
	[RT_PHASE_BEGIN] = RT_STATE_STARTING,
	[RT_PHASE_RUN] = RT_STATE_RUNNING,
	[RT_PHASE_END] = RT_STATE_STOPPING,
};

/* Cold paths, out of line: every body's hit function calls them. */
static noinline __cold void rt_skip(void)
{
	if (atomic_inc_return(&rt_session.skipped) > MAXSKIPPED) {
		static const char msg[] =
			"ERROR: Skipped too many probes, check MAXSKIPPED or try again with -t for more details.\n";

		if (!atomic_xchg(&rt_session.exit_requested, 1)) {
			rt_transport_write(RT_REC_STDERR, msg, sizeof(msg) - 1);
			atomic_inc(&rt_session.errors);
		}
	}
}

static noinline __cold void rt_report_error(struct rt_context *c)
{
	char msg[256];
	int n;

	if (c->last_loc)
		n = scnprintf(msg, sizeof(msg), "ERROR: %s near %s\n",
			      c->last_error, c->last_loc);
	else
		n = scnprintf(msg, sizeof(msg), "ERROR: %s\n", c->last_error);
	rt_transport_write(RT_REC_STDERR, msg, n);
	if (atomic_inc_return(&rt_session.errors) > MAXERRORS)
		rt_request_exit();
}

/*
 * Every hit, inlined into each body's BODY_hit (probe.h's RT_PROBE_HIT), where
 * body, locks and nlocks are constants. atomic: the caller runs with
 * preemption off already (kprobe handlers), else the hit turns it off. Only what a hit changes is reset:
 * last_error and last_loc are NULL and nesting is 0 between hits (an error
 * is cleared below once reported; calls undo their nesting on every path).
 */
static __always_inline bool rt_probe_hit(const struct rt_probe *p, enum rt_phase phase,
					 struct pt_regs *regs, unsigned long addr,
					 const u64 *tp_args, void *data,
					 void (*body)(struct rt_context *c),
					 const struct rt_lock_req *locks,
					 unsigned int nlocks, bool atomic)
{
	struct rt_context *c;
	bool ok = false;

	if (atomic_read(&rt_session.state) != rt_phase_state[phase])
		return false;
	/* After exit() or a fatal error only end and error probes run;
	 * after abort() none. */
	if (phase != RT_PHASE_END ? atomic_read(&rt_session.exit_requested)
				  : atomic_read(&rt_session.aborted))
		return false;
	if (!atomic)
		preempt_disable();
	c = rt_context_this();
	if (local_inc_return(&c->busy) != 1) {
		rt_skip();
		goto out;
	}
	if (!rt_locks_take(locks, nlocks)) {
		rt_skip();
		goto out;
	}
	/* After the locks (compiler barriers): the body's first reads of
	 * these fold into the stores. */
	c->probe = p;
	c->actions = 0;
	c->max_actions = phase == RT_PHASE_RUN ? MAXACTION
					       : MAXACTION_INTERRUPTIBLE;
	c->regs = regs;
	c->probe_addr = addr;
	c->tp_args = tp_args;
	c->kret_data = data;
	rt_kstack_reset(&c->kstack);
	rt_ustack_reset(&c->ustack);
	body(c);
	rt_locks_release(locks, nlocks);
	rt_print_flush(c);
	if (unlikely(c->last_error)) {
		if (c->last_error != rt_abort_marker)
			rt_report_error(c);
		c->last_error = NULL;
		c->last_loc = NULL;
	} else {
		ok = true;
	}
out:
	local_dec(&c->busy);
	if (!atomic)
		preempt_enable();
	return ok;
}
