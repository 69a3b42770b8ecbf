/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.c - the per-hit output buffer: append, and flush as one transport
 * record so that one hit's output is never interleaved with another's.
 */

void rt_print_flush(struct rt_context *c)
{
	if (!c->out.len)
		return;
	rt_transport_write(RT_REC_STDOUT, c->out.data, c->out.len);
	c->out.len = 0;
}

static void rt_vprintf(struct rt_context *c, const char *fmt, va_list args)
{
	struct rt_printbuf *b = &c->out;
	size_t room = sizeof(b->data) - b->len;
	va_list again;
	int n;

	va_copy(again, args);
	n = vsnprintf(b->data + b->len, room, fmt, args);
	if (n >= 0 && (size_t)n >= room && b->len) {
		/* Did not fit behind earlier output: flush, then retry whole. */
		rt_print_flush(c);
		room = sizeof(b->data);
		n = vsnprintf(b->data, room, fmt, again);
	}
	va_end(again);
	if (n < 0)
		return;
	b->len += min_t(size_t, n, room - 1);
}

void rt_printf(struct rt_context *c, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	rt_vprintf(c, fmt, args);
	va_end(args);
}

void rt_print_str(struct rt_context *c, const char *s)
{
	struct rt_printbuf *b = &c->out;
	size_t n = strlen(s);

	while (n) {
		size_t room = sizeof(b->data) - b->len;
		size_t k = min(n, room);

		memcpy(b->data + b->len, s, k);
		b->len += k;
		s += k;
		n -= k;
		if (b->len == sizeof(b->data))
			rt_print_flush(c);
	}
}

char *rt_sprintf(char *dst, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(dst, MAXSTRINGLEN, fmt, args);
	va_end(args);
	return dst;
}
