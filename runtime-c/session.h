/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session.h - the life of one script run, shared by the transport (which the
 * loader drives) and the generated module (which owns the probes).
 */
#ifndef RSTAP_SESSION_H
#define RSTAP_SESSION_H

#include <linux/atomic.h>
#include <linux/types.h>

enum rt_state {
	RT_STATE_LOADED,
	RT_STATE_STARTING,
	RT_STATE_RUNNING,
	RT_STATE_STOPPING,
	RT_STATE_STOPPED,
};

/* Record kinds on the trace channel (docs/transport.md). */
#define RT_REC_STDOUT 0
#define RT_REC_STDERR 1

struct rt_session {
	atomic_t state;		/* enum rt_state */
	atomic_t exit_requested;	/* the script wants to end: loader must stop */
	atomic_t aborted;		/* abort(): no probe runs again, end probes neither */
	atomic_t errors;		/* script errors so far */
	atomic_t skipped;		/* probe hits skipped (reentrancy, lock timeout) */
	atomic_t dropped;		/* records lost to full buffers */
};

/* Defined in transport.c, with the module parameters below. */
extern struct rt_session rt_session;
extern int _rstap_target;	/* -x PID or the pid of -c CMD; 0 if none */

/* Provided by the generated module (templates/module.c.tera). */
int rt_probes_start(void);	/* run begin probes, arm all others; 0 or -errno */
void rt_probes_stop(void);	/* disarm, drain, run error/end probes; idempotent */

/* Provided by transport.c. */
int rt_transport_init(void);
void rt_transport_exit(void);
/* Write one record; any context (irqs off, NMI excepted). Drops and counts when full. */
void rt_transport_write(u32 kind, const char *data, size_t len);

static inline void rt_request_exit(void)
{
	atomic_set(&rt_session.exit_requested, 1);
}

#endif /* RSTAP_SESSION_H */
