/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uentry.c - the table of pending @entry values of user-space .return
 * probes (uentry.h says what it promises).
 *
 * Rows are found by hashing the thread id over RT_UENTRY_PROBE consecutive
 * rows. A row's owner (thread id and start time: ids are reused) is set by
 * one compare-and-exchange through a "being claimed" state, so two threads
 * never own one row; everything else in a row is touched by its owner only,
 * from its own uprobe handlers, which never run concurrently for one thread.
 * Finding a row costs at most RT_UENTRY_PROBE comparisons, and taking over a
 * dead thread's row one pid lookup under RCU per candidate: nothing loops
 * without bound, allocates or sleeps in probe context.
 */

#include <linux/vmalloc.h>
#include <linux/pid_namespace.h>
#include <linux/hash.h>
#include <linux/overflow.h>

#define RT_UENTRY_PROBE 8	/* rows looked at for one thread */
#define RT_UENTRY_CLAIMING (-1)	/* owner while a thread takes the row */

struct rt_uentry_row {
	int owner;		/* thread id (global), 0: free */
	u64 start;		/* the owner's start time */
	const void *mm;		/* its memory map when the row was filled
				 * (a tag, never followed): exec drops all */
	unsigned int used;	/* slots holding values */
	unsigned long sp[RT_UENTRY_DEPTH];	/* entry sp of each; 0: free */
	const void *tag[RT_UENTRY_DEPTH];	/* the probe that stored it */
};

static struct rt_uentry_row *rt_uentry_rows;
static char *rt_uentry_data;
static size_t rt_uentry_slot_size;

int rt_uentry_alloc(size_t data_size)
{
	rt_uentry_slot_size = ALIGN(max_t(size_t, data_size, 1), 8);
	rt_uentry_rows = vzalloc(array_size(RT_UENTRY_THREADS,
					    sizeof(*rt_uentry_rows)));
	rt_uentry_data = vzalloc(array3_size(RT_UENTRY_THREADS, RT_UENTRY_DEPTH,
					     rt_uentry_slot_size));
	if (!rt_uentry_rows || !rt_uentry_data) {
		rt_uentry_free();
		return -ENOMEM;
	}
	return 0;
}

void rt_uentry_free(void)
{
	vfree(rt_uentry_rows);
	vfree(rt_uentry_data);
	rt_uentry_rows = NULL;
	rt_uentry_data = NULL;
}

static void *rt_uentry_slot_data(struct rt_uentry_row *r, unsigned int k)
{
	size_t i = (size_t)(r - rt_uentry_rows) * RT_UENTRY_DEPTH + k;

	return rt_uentry_data + i * rt_uentry_slot_size;
}

/* Whether thread @tid started at @start still runs (may hit a uprobe). */
static bool rt_uentry_alive(pid_t tid, u64 start)
{
	struct task_struct *t;
	bool alive;

	rcu_read_lock();
	t = pid_task(find_pid_ns(tid, &init_pid_ns), PIDTYPE_PID);
	alive = t && t->start_time == start && !(READ_ONCE(t->flags) & PF_EXITING);
	rcu_read_unlock();
	return alive;
}

static void rt_uentry_clear(struct rt_uentry_row *r)
{
	memset(r->sp, 0, sizeof(r->sp));
	r->used = 0;
	r->mm = current->mm;
}

/* The current thread's row; with @claim, a free or dead thread's one. */
static struct rt_uentry_row *rt_uentry_row_of_current(bool claim)
{
	pid_t tid = task_pid_nr(current);
	u64 start = current->start_time;
	unsigned int h = hash_32((u32)tid, 32) % RT_UENTRY_THREADS;
	struct rt_uentry_row *r;
	unsigned int i;
	int o;

	if (unlikely(!rt_uentry_rows))
		return NULL;
	for (i = 0; i < RT_UENTRY_PROBE; i++) {
		r = &rt_uentry_rows[(h + i) % RT_UENTRY_THREADS];
		/* acquire: the start written before the owner was published */
		if (smp_load_acquire(&r->owner) == tid && r->start == start)
			goto mine;
	}
	if (!claim)
		return NULL;
	for (i = 0; i < RT_UENTRY_PROBE; i++) {
		r = &rt_uentry_rows[(h + i) % RT_UENTRY_THREADS];
		if (cmpxchg(&r->owner, 0, RT_UENTRY_CLAIMING) == 0)
			goto take;
	}
	for (i = 0; i < RT_UENTRY_PROBE; i++) {
		r = &rt_uentry_rows[(h + i) % RT_UENTRY_THREADS];
		o = smp_load_acquire(&r->owner);
		/*
		 * If the row changed hands meanwhile, the exchange fails; if it
		 * went to a new thread with the same id, that thread loses its
		 * values (its returns do not run), never gets ours.
		 */
		if (o > 0 && !rt_uentry_alive(o, READ_ONCE(r->start)) &&
		    cmpxchg(&r->owner, o, RT_UENTRY_CLAIMING) == o)
			goto take;
	}
	return NULL;
take:
	r->start = start;
	rt_uentry_clear(r);
	smp_store_release(&r->owner, tid);
	return r;
mine:
	if (unlikely(r->mm != current->mm))
		rt_uentry_clear(r);	/* exec: the old program's calls are gone */
	return r;
}

static void rt_uentry_drop_row(struct rt_uentry_row *r)
{
	smp_store_release(&r->owner, 0);
}

void *rt_uentry_claim(const void *tag, unsigned long sp,
		      struct rt_uentry_row **row, unsigned int *slot)
{
	struct rt_uentry_row *r = rt_uentry_row_of_current(true);
	unsigned int k, free = RT_UENTRY_DEPTH;
	void *data;

	if (!r)
		return NULL;
	for (k = 0; k < RT_UENTRY_DEPTH; k++) {
		unsigned long s = r->sp[k];

		/*
		 * Below the entering call's sp: a frame that is gone. The same
		 * sp for the same probe: a call whose return never came.
		 */
		if (s && (s < sp || (s == sp && r->tag[k] == tag))) {
			r->sp[k] = 0;
			r->used--;
			s = 0;
		}
		if (!s && free == RT_UENTRY_DEPTH)
			free = k;
	}
	if (free == RT_UENTRY_DEPTH) {
		if (!r->used)
			rt_uentry_drop_row(r);
		return NULL;
	}
	*row = r;
	*slot = free;
	data = rt_uentry_slot_data(r, free);
	memset(data, 0, rt_uentry_slot_size);
	return data;
}

void rt_uentry_commit(struct rt_uentry_row *r, unsigned int slot,
		      const void *tag, unsigned long sp)
{
	r->tag[slot] = tag;
	r->sp[slot] = sp;
	r->used++;
}

void rt_uentry_abort(struct rt_uentry_row *r)
{
	if (!r->used)
		rt_uentry_drop_row(r);
}

void *rt_uentry_find(const void *tag, unsigned long sp,
		     struct rt_uentry_row **row, unsigned int *slot)
{
	struct rt_uentry_row *r = rt_uentry_row_of_current(false);
	unsigned int k, found = RT_UENTRY_DEPTH;

	if (!r)
		return NULL;
	for (k = 0; k < RT_UENTRY_DEPTH; k++) {
		unsigned long s = r->sp[k];

		if (!s)
			continue;
		if (s < sp) {	/* returned past without its return hit */
			r->sp[k] = 0;
			r->used--;
		} else if (s == sp && r->tag[k] == tag) {
			found = k;
		}
	}
	if (found == RT_UENTRY_DEPTH) {
		if (!r->used)
			rt_uentry_drop_row(r);
		return NULL;
	}
	*row = r;
	*slot = found;
	return rt_uentry_slot_data(r, found);
}

void rt_uentry_done(struct rt_uentry_row *r, unsigned int slot)
{
	r->sp[slot] = 0;
	if (!--r->used)
		rt_uentry_drop_row(r);
}
