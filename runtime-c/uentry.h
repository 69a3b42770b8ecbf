/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uentry.h - where the @entry values of user-space .return probes wait
 * between the function's entry and its return. A uretprobe, unlike a
 * kretprobe, carries no per-instance data, so the entry part of the probe
 * (a uprobe at the function's entry, or after its prologue) stores them in
 * a table preallocated at start, in a row owned by the calling thread, under
 * the stack pointer the function was entered with; the uretprobe finds them
 * again with the stack pointer after `ret` (entry sp + 8 on x86-64).
 *
 * Stale values (a longjmp past the function, a thread killed inside it, an
 * exec, a return the kernel could not hook) are reclaimed by the kernel's own
 * rule for pending returns: a value stored below the current stack pointer
 * belongs to a frame that is gone. A row of a thread that has exited is
 * taken over by the next thread that needs one. A full row or table is a
 * counted skip of that call's entry part, and its return then does not run:
 * never a value of another call.
 */
#ifndef RSTAP_UENTRY_H
#define RSTAP_UENTRY_H

#ifndef RT_UENTRY_THREADS
#define RT_UENTRY_THREADS 128	/* threads with pending @entry values at once */
#endif
#ifndef RT_UENTRY_DEPTH
#define RT_UENTRY_DEPTH 32	/* pending calls per thread (recursion, nesting) */
#endif
#if RT_UENTRY_THREADS < 1 || RT_UENTRY_DEPTH < 1 || RT_UENTRY_DEPTH > 4096
#error "RT_UENTRY_THREADS must be positive, RT_UENTRY_DEPTH between 1 and 4096"
#endif

/* One thread's pending calls; see uentry.c. */
struct rt_uentry_row;

/* Allocates the table for values of up to @data_size bytes (at start). */
int rt_uentry_alloc(size_t data_size);
/* Frees it, once no uprobe handler can run. */
void rt_uentry_free(void);

/*
 * At the entry part of a call entered with stack pointer @sp, for the probe
 * @tag: zeroed room for its values, or NULL when there is none (a counted
 * skip for the caller). Then rt_uentry_commit() once the values are there,
 * or rt_uentry_abort() to give the room back.
 */
void *rt_uentry_claim(const void *tag, unsigned long sp,
		      struct rt_uentry_row **row, unsigned int *slot);
void rt_uentry_commit(struct rt_uentry_row *row, unsigned int slot,
		      const void *tag, unsigned long sp);
void rt_uentry_abort(struct rt_uentry_row *row);

/*
 * At the return of the call entered with @sp: its values, or NULL (its entry
 * part did not run). rt_uentry_done() frees them after the return's body.
 */
void *rt_uentry_find(const void *tag, unsigned long sp,
		     struct rt_uentry_row **row, unsigned int *slot);
void rt_uentry_done(struct rt_uentry_row *row, unsigned int slot);

#endif /* RSTAP_UENTRY_H */
