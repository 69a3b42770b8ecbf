/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lock.h - locks on script globals. A reader-writer spin lock on one
 * atomic: readers share, so probes that only read a global never
 * serialise; never sleeps (also on PREEMPT_RT); only ever tried, a
 * bounded number of times, so a probe cannot hang the CPU.
 * (Named rt_lock_*: PREEMPT_RT kernels own rt_read_lock() and friends.)
 */
#ifndef RSTAP_LOCK_H
#define RSTAP_LOCK_H

#include <linux/delay.h>

typedef struct {
	atomic_t v;	/* > 0: readers; -1: a writer; 0: free */
} rt_rwlock_t;

static inline bool rt_lock_read_try(rt_rwlock_t *l)
{
	int v = atomic_read(&l->v);

	while (v >= 0)
		if (atomic_try_cmpxchg_acquire(&l->v, &v, v + 1))
			return true;
	return false;
}

static inline void rt_lock_read_release(rt_rwlock_t *l)
{
	atomic_dec_return_release(&l->v);
}

static inline bool rt_lock_write_try(rt_rwlock_t *l)
{
	int v = 0;

	return atomic_try_cmpxchg_acquire(&l->v, &v, -1);
}

static inline void rt_lock_write_release(rt_rwlock_t *l)
{
	atomic_set_release(&l->v, 0);
}

/* One global a probe uses, and how. Lists are sorted by lock address order. */
struct rt_lock_req {
	rt_rwlock_t *lock;
	bool write;
};

/* Take every lock of a probe, in order; false (nothing held) on timeout. */
static inline bool rt_locks_take(const struct rt_lock_req *req, unsigned int n)
{
	unsigned int i, tries;

	for (i = 0; i < n; i++) {
		for (tries = 0;; tries++) {
			bool ok = req[i].write ? rt_lock_write_try(req[i].lock)
					       : rt_lock_read_try(req[i].lock);
			if (ok)
				break;
			if (tries >= MAXTRYLOCK)
				goto fail;
			/*
			 * PAUSE first: a spin-wait hint to the CPU, and under
			 * QEMU's TCG (one host thread running the vCPUs in
			 * turn) what hands the host thread to the other vCPUs,
			 * one of which holds the lock: without it every try of
			 * this vCPU's turn fails and the hit is skipped.
			 */
			cpu_relax();
			ndelay(TRYLOCKDELAY);
		}
	}
	return true;
fail:
	while (i--) {
		if (req[i].write)
			rt_lock_write_release(req[i].lock);
		else
			rt_lock_read_release(req[i].lock);
	}
	return false;
}

static inline void rt_locks_release(const struct rt_lock_req *req, unsigned int n)
{
	while (n--) {
		if (req[n].write)
			rt_lock_write_release(req[n].lock);
		else
			rt_lock_read_release(req[n].lock);
	}
}

#endif /* RSTAP_LOCK_H */
