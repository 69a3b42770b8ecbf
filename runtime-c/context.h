/* SPDX-License-Identifier: GPL-2.0 */
/*
 * context.h - the per-CPU state of one probe hit: the reentrancy guard,
 * the current probe point, error state, action counting, the output
 * buffer and the script's local variables (frames, laid out by the
 * generated code; kernel stacks are too small for them).
 */
#ifndef RSTAP_CONTEXT_H
#define RSTAP_CONTEXT_H

struct rt_probe;

struct rt_printbuf {
	size_t len;
	char data[RT_PRINT_BUFSIZE];
};

struct rt_context {
	/* What every hit reads or sets first, together (few cache lines). */
	local_t busy;			/* 1 while a probe runs on this CPU: only
					 * this CPU touches it, so no LOCK prefix */
	const struct rt_probe *probe;	/* the probe being run */
	const char *last_error;		/* set: the hit is failing */
	const char *last_loc;		/* "identifier 'x' at file:l:c" */
	unsigned long actions;		/* statements run in this hit */
	unsigned long max_actions;
	unsigned int nesting;		/* script function depth */
	struct pt_regs *regs;		/* registers at a kprobe hit (kernel's) or a uprobe hit (user's), else NULL */
	unsigned long probe_addr;	/* the probed kernel address, or 0 */
	const u64 *tp_args;		/* a tracepoint hit's arguments, else NULL */
	void *kret_data;		/* a return instance's @entry values, or NULL */
	void *frames;			/* struct rt_frames, generated */
	struct rt_kstack kstack;	/* unwound from regs on demand (stack.h) */
	struct rt_ustack ustack;	/* the task's user stack, on demand (ustack.h) */
	struct rnd_state rnd;		/* randint()'s generator (rand.h) */
	/* Then the large buffers. */
	struct rt_printbuf out;
	char error_buf[128];		/* formatted error messages */
	char ksym_buf[KSYM_SYMBOL_LEN];	/* sprint_symbol()'s text (symbols.h) */
};

int rt_contexts_alloc(size_t frames_size);
void rt_contexts_free(void);

/* Set the error of this hit; the first error wins. */
void rt_error(struct rt_context *c, const char *msg);
__printf(2, 3) void rt_errorf(struct rt_context *c, const char *fmt, ...);
void rt_error_string(struct rt_context *c, const char *msg);

/* Count one statement; false when MAXACTION is exceeded (the hit fails). */
static inline bool rt_action(struct rt_context *c, unsigned long n)
{
	c->actions += n;
	if (unlikely(c->actions > c->max_actions)) {
		rt_error(c, "MAXACTION exceeded");
		return false;
	}
	return true;
}

#endif /* RSTAP_CONTEXT_H */
