/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.c - the per-hit output buffer: append, and flush as one transport
 * record so that one hit's output is never interleaved with another's.
 * Also the pieces of split formats (%b, %m, %M: raw bytes).
 */

static void rt_print_bytes(struct rt_context *c, const char *s, size_t n);

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
	rt_print_bytes(c, s, strlen(s));
}

static void rt_print_bytes(struct rt_context *c, const char *s, size_t n)
{
	struct rt_printbuf *b = &c->out;

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

void rt_out_printf(struct rt_out *o, const char *fmt, ...)
{
	va_list args;
	size_t room;
	int n;

	va_start(args, fmt);
	if (!o->str) {
		rt_vprintf(o->c, fmt, args);
	} else {
		room = MAXSTRINGLEN - o->len;
		n = vsnprintf(o->str + o->len, room, fmt, args);
		if (n > 0)
			o->len += min_t(size_t, n, room - 1);
	}
	va_end(args);
}

void rt_out_bytes(struct rt_out *o, const void *p, size_t n)
{
	if (!o->str) {
		rt_print_bytes(o->c, p, n);
		return;
	}
	n = min_t(size_t, n, MAXSTRINGLEN - 1 - o->len);
	memcpy(o->str + o->len, p, n);
	o->len += n;
}

void rt_out_binary(struct rt_out *o, s64 v, int size)
{
	u8 b = v;
	u16 h = v;
	u32 w = v;
	u64 q = v;

	switch (size) {
	case 1:
		rt_out_bytes(o, &b, 1);
		break;
	case 2:
		rt_out_bytes(o, &h, 2);
		break;
	case 4:
		rt_out_bytes(o, &w, 4);
		break;
	default:
		rt_out_bytes(o, &q, 8);
		break;
	}
}

static void rt_out_pad(struct rt_out *o, s64 n)
{
	static const char spaces[16] = "                ";

	while (n > 0) {
		size_t k = min_t(s64, n, sizeof(spaces));

		rt_out_bytes(o, spaces, k);
		n -= k;
	}
}

void rt_out_mem(struct rt_out *o, const char *s, s64 addr, unsigned int flags,
		s64 width, s64 prec)
{
	u8 buf[32];
	char hex[2 * sizeof(buf)];
	s64 n, out, done = 0;

	if (flags & RT_MEM_PREC)
		n = clamp_t(s64, prec, 0, RT_PRINT_MEM_MAX);
	else
		n = s ? RT_PRINT_MEM_MAX : 1;
	if (s)
		n = strnlen(s, n);
	out = flags & RT_MEM_HEX ? 2 * n : n;
	width = min_t(s64, width, RT_PRINT_MEM_MAX * 2);
	if (!(flags & RT_MEM_LEFT))
		rt_out_pad(o, width - out);
	while (done < n) {
		size_t k = min_t(s64, n - done, sizeof(buf));
		unsigned long at = (unsigned long)addr + done;
		size_t i;

		if (s) {
			memcpy(buf, s + done, k);
		} else if (!((flags & RT_MEM_USER) ? rt_uread_ok(buf, at, k)
						     : rt_kread_ok(buf, at, k))) {
			rt_errorf(o->c, "%s read fault at 0x%lx",
				  (flags & RT_MEM_USER) ? "user" : "kernel", at);
			return;
		}
		if (flags & RT_MEM_HEX) {
			for (i = 0; i < k; i++)
				hex_byte_pack(hex + 2 * i, buf[i]);
			rt_out_bytes(o, hex, 2 * k);
		} else {
			rt_out_bytes(o, buf, k);
		}
		done += k;
	}
	if (flags & RT_MEM_LEFT)
		rt_out_pad(o, width - out);
}

const char *rt_out_string(struct rt_out *o)
{
	o->str[o->len] = '\0';
	return o->str;
}
