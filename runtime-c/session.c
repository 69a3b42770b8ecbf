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
