/* SPDX-License-Identifier: GPL-2.0 */
/*
 * context.c - allocation of the per-CPU contexts and error recording.
 * Contexts are allocated once at module load: probe context never allocates.
 */

static struct rt_context *rt_contexts[NR_CPUS];

int rt_contexts_alloc(size_t frames_size)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct rt_context *c = vzalloc(sizeof(*c));

		if (!c)
			goto fail;
		rt_contexts[cpu] = c;
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
		struct rt_context *c = rt_contexts[cpu];

		if (!c)
			continue;
		vfree(c->frames);
		vfree(c);
		rt_contexts[cpu] = NULL;
	}
}

struct rt_context *rt_context_get(int cpu)
{
	return rt_contexts[cpu];
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
