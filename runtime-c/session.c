/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session.c - how a script asks to end. The session state and counters
 * themselves live in transport.c, which the loader drives.
 */

/*
 * exit(): this hit finishes; no probe but end (and error) probes runs
 * again; the loader sees exit=1 and stops the session.
 */
static void __maybe_unused rt_exit(void)
{
	rt_request_exit();
}

/*
 * abort(): as exit(), but this hit stops at once with an error that no
 * try/catch takes (the translator's catch passes rt_abort_marker on), is
 * not reported, and no end or error probe runs.
 */
static const char rt_abort_marker[] = "abort()";

static void __maybe_unused rt_abort(struct rt_context *c)
{
	atomic_set(&rt_session.aborted, 1);
	rt_request_exit();
	c->last_error = rt_abort_marker;
}

/*
 * Whether a timer should fire again: also while the session is still
 * starting (arming many kprobes can outlast a short period), not once it
 * stops or the script asked to exit.
 */
static inline bool rt_session_rearm(void)
{
	int state = atomic_read(&rt_session.state);

	return (state == RT_STATE_STARTING || state == RT_STATE_RUNNING) &&
	       !atomic_read(&rt_session.exit_requested);
}
