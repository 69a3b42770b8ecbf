/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session.c - the one session of this module: its state and counters,
 * read by the control channel (transport.c) and the probe runner.
 */

struct rt_session rt_session = {
	.state = ATOMIC_INIT(RT_STATE_LOADED),
};

/* target(): the pid given with -x, or of the -c command. */
static int _rstap_target;
module_param(_rstap_target, int, 0444);
MODULE_PARM_DESC(_rstap_target, "pid of the target process (-x / -c)");

/* exit(): finish this hit, run no probe but end probes, tell the loader. */
static void rt_exit(void)
{
	atomic_cmpxchg(&rt_session.state, RT_STATE_RUNNING, RT_STATE_STOPPING);
	rt_request_exit();
}
