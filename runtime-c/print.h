/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - formatted output. The translator turns a script's format
 * string into a kernel vsnprintf format at compile time (%d -> %lld, ...),
 * checked by the compiler through __printf; output collects in the
 * context's buffer and leaves as one record per probe hit.
 */
#ifndef RSTAP_PRINT_H
#define RSTAP_PRINT_H

__printf(2, 3) void rt_printf(struct rt_context *c, const char *fmt, ...);
void rt_print_str(struct rt_context *c, const char *s);
/* Send this hit's output as one record; inline: most hits print nothing. */
static inline void rt_print_flush(struct rt_context *c)
{
	if (!c->out.len)
		return;
	rt_transport_write(RT_REC_STDOUT, c->out.data, c->out.len);
	c->out.len = 0;
}

/* sprintf(): into a MAXSTRINGLEN buffer, truncating. */
__printf(2, 3) char *rt_sprintf(char *dst, const char *fmt, ...);

/*
 * A printf whose format holds %b, %m or %M (raw bytes, which vsnprintf
 * cannot write) is split by the translator into calls on an rt_out: the
 * context's output buffer, or for sprintf a MAXSTRINGLEN string whose
 * bytes are kept as written (a NUL byte ends the string, as in any C
 * string).
 */
struct rt_out {
	struct rt_context *c;
	char *str;		/* NULL: the context's output buffer */
	size_t len;		/* bytes in str, at most MAXSTRINGLEN - 1 */
};

/* Bytes one %m or %M writes at most. */
#ifndef RT_PRINT_MEM_MAX
#define RT_PRINT_MEM_MAX 1024
#endif

/* rt_out_mem() flags */
#define RT_MEM_HEX	0x1	/* %M: two hex digits a byte */
#define RT_MEM_USER	0x2	/* '#': the address is in user space */
#define RT_MEM_LEFT	0x4	/* '-': pad on the right */
#define RT_MEM_PREC	0x8	/* a precision was given */

__printf(2, 3) void rt_out_printf(struct rt_out *o, const char *fmt, ...);
void rt_out_bytes(struct rt_out *o, const void *p, size_t n);
/* %b: the low size (1, 2, 4 or 8) bytes of v, in native byte order. */
void rt_out_binary(struct rt_out *o, s64 v, int size);
/*
 * %m/%M: the bytes of string s or, when s is NULL, of kernel (or user)
 * memory at addr; a fault is a script error.
 */
void rt_out_mem(struct rt_out *o, const char *s, s64 addr, unsigned int flags,
		s64 width, s64 prec);
/* sprintf's result: the string, terminated. */
const char *rt_out_string(struct rt_out *o);

#endif /* RSTAP_PRINT_H */
