/* SPDX-License-Identifier: GPL-2.0 */
/*
 * context.c - allocation of the per-CPU contexts and error recording.
 * Contexts are allocated once at module load: probe context never allocates.
 */

/* Per CPU: a hit finds its context with one %gs-relative load. */
static DEFINE_PER_CPU(struct rt_context *, rt_context_ptr);

/* Bytes allocated at load, for module_size(): contexts, and globals' storage. */
static unsigned long rt_ctx_bytes;
static unsigned long rt_alloc_bytes;

/* vzalloc() at load time, counted in rt_alloc_bytes (module_size()). */
static void *rt_vzalloc_counted(size_t n)
{
	void *p = vzalloc(n);

	if (p)
		rt_alloc_bytes += n;
	return p;
}

int rt_contexts_alloc(size_t frames_size)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct rt_context *c = vzalloc(sizeof(*c));

		if (!c)
			goto fail;
		per_cpu(rt_context_ptr, cpu) = c;
		rt_rand_seed(&c->rnd);
		rt_ctx_bytes += sizeof(*c) + frames_size;
		if (frames_size) {
			c->frames = vzalloc(frames_size);
			if (!c->frames)
				goto fail;
		}
	}
	return 0;
fail:
	rt_contexts_free();
	return -ENOMEM;
}

void rt_contexts_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct rt_context *c = per_cpu(rt_context_ptr, cpu);

		if (!c)
			continue;
		vfree(c->frames);
		vfree(c);
		per_cpu(rt_context_ptr, cpu) = NULL;
	}
}

/* This CPU's context; preemption must be off. */
static __always_inline struct rt_context *rt_context_this(void)
{
	return this_cpu_read(rt_context_ptr);
}

void rt_error(struct rt_context *c, const char *msg)
{
	if (!c->last_error)
		c->last_error = msg;
}

void rt_errorf(struct rt_context *c, const char *fmt, ...)
{
	va_list args;

	if (c->last_error)
		return;
	va_start(args, fmt);
	vsnprintf(c->error_buf, sizeof(c->error_buf), fmt, args);
	va_end(args);
	c->last_error = c->error_buf;
}

/* error(msg): the message is copied, the script's string may not outlive the hit. */
void rt_error_string(struct rt_context *c, const char *msg)
{
	if (c->last_error)
		return;
	strscpy(c->error_buf, msg, sizeof(c->error_buf));
	c->last_error = c->error_buf;
}
