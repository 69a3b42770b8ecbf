/* SPDX-License-Identifier: GPL-2.0 */
/*
 * target_vars.h - what the C of target variables ($var, $var->m, $var$, $$parms)
 * calls at run time. The translator computes every location, offset and size from
 * DWARF; here are only the non-faulting reads and the string building of pretty
 * printing. A read that faults sets the hit's error ("kernel read fault at 0x...",
 * in a uprobe hit "user read fault at 0x..."); pretty printing never fails: what
 * cannot be read shows as "?". An address below TASK_SIZE_MAX is the current
 * task's user memory (a user probe's variables, or a __user pointer), read with
 * copy_from_user_nofault (tapset_helpers.h); any other is kernel memory.
 */
#ifndef RSTAP_TARGET_VARS_H
#define RSTAP_TARGET_VARS_H

#include <linux/uaccess.h>

/* How rt_tv_put_num / rt_tv_put_value show a number. */
#define RT_TV_DEC 0	/* decimal, signed or not */
#define RT_TV_HEX 1	/* 0x... */
#define RT_TV_CHAR 2	/* 'c' when printable, else decimal */

/* Copy n bytes at addr, user or kernel memory by the address; false on a fault. */
static inline bool rt_tv_copy(void *dst, u64 addr, size_t n)
{
	if (addr < TASK_SIZE_MAX)
		return rt_uread_ok(dst, (unsigned long)addr, n);
	return rt_kread_ok(dst, (unsigned long)addr, n);
}

/* Copy size (1..8) bytes at addr without faulting; false on a fault. */
static inline bool rt_tv_read_ok(u64 *v, u64 addr, unsigned int size, int sign)
{
	u64 q = 0;

	if (size == 0 || size > 8)
		return false;
	if (!rt_tv_copy(&q, addr, size))
		return false;
	if (sign && size < 8)
		q = (u64)(((s64)(q << (64 - 8 * size))) >> (64 - 8 * size));
	*v = q;
	return true;
}

/*
 * The size-byte value at addr, sign-extended when sign; 0 and the hit's error on a
 * fault. After an earlier fault in the same hit nothing more is read.
 */
static inline u64 rt_tv_read(struct rt_context *c, u64 addr, unsigned int size, int sign)
{
	u64 v = 0;

	if (unlikely(c->last_error))
		return 0;
	if (!rt_tv_read_ok(&v, addr, size, sign))
		rt_errorf(c, "%s read fault at 0x%llx",
			  c->regs && user_mode(c->regs) ? "user" : "kernel",
			  (unsigned long long)addr);
	return v;
}

/*
 * Guru mode's `$var->m = v`: store the low size (1..8) bytes of v at addr without
 * faulting (little endian: the first bytes of v); a fault sets the hit's error.
 */
static inline bool rt_tv_write_ok(u64 addr, u64 v, unsigned int size)
{
	/* copy_to_kernel_nofault() is not exported to modules: the same, inline, with
	 * the architecture's non-faulting store (a fault jumps to the label). */
#ifdef __put_kernel_nofault
	void *dst = (void *)(unsigned long)addr;

	if (addr < TASK_SIZE_MAX)
		return false;	/* a user address: not ours to write */
	pagefault_disable();
	switch (size) {
	case 1: __put_kernel_nofault(dst, &(u8){ (u8)v }, u8, fault); break;
	case 2: __put_kernel_nofault(dst, &(u16){ (u16)v }, u16, fault); break;
	case 4: __put_kernel_nofault(dst, &(u32){ (u32)v }, u32, fault); break;
	case 8: __put_kernel_nofault(dst, &v, u64, fault); break;
	default: goto fault;
	}
	pagefault_enable();
	return true;
fault:
	pagefault_enable();
#endif
	return false;
}

static inline void rt_tv_write(struct rt_context *c, u64 addr, u64 v, unsigned int size)
{
	if (unlikely(c->last_error))
		return;
	if (!rt_tv_write_ok(addr, v, size))
		rt_errorf(c, "kernel write fault at 0x%llx", (unsigned long long)addr);
}

/* Append a string, cut at MAXSTRINGLEN - 1. */
static inline void rt_tv_puts(char *buf, const char *s)
{
	size_t n = strlen(buf);

	if (n < MAXSTRINGLEN - 1)
		strscpy(buf + n, s, MAXSTRINGLEN - n);
}

static inline __printf(2, 3) void rt_tv_printf(char *buf, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n >= MAXSTRINGLEN - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, MAXSTRINGLEN - n, fmt, ap);
	va_end(ap);
}

/* Append the value v (already read) of a size-byte scalar. */
static inline void rt_tv_put_value(char *buf, u64 v, unsigned int size, int sign, int fmt)
{
	if (size < 8) {
		v &= (1ULL << (8 * size)) - 1;
		if (sign)
			v = (u64)(((s64)(v << (64 - 8 * size))) >> (64 - 8 * size));
	}
	switch (fmt) {
	case RT_TV_HEX:
		rt_tv_printf(buf, "0x%llx", (unsigned long long)v);
		break;
	case RT_TV_CHAR:
		if (v >= 0x20 && v < 0x7f && v != '\'' && v != '\\') {
			rt_tv_printf(buf, "'%c'", (char)v);
			break;
		}
		fallthrough;
	default:
		if (sign)
			rt_tv_printf(buf, "%lld", (long long)v);
		else
			rt_tv_printf(buf, "%llu", (unsigned long long)v);
	}
}

/* Append the scalar at addr (a bit-field when width != 0), or "?". */
static inline void rt_tv_put_num(char *buf, u64 addr, unsigned int size, int sign,
				 unsigned int bit, unsigned int width, int fmt)
{
	u64 v;

	if (!rt_tv_read_ok(&v, addr, size, width ? 0 : sign)) {
		rt_tv_puts(buf, "?");
		return;
	}
	if (width) {
		v >>= bit;
		if (width < 64)
			v &= (1ULL << width) - 1;
		if (sign && width < 64)
			v = (u64)(((s64)(v << (64 - width))) >> (64 - width));
		rt_tv_put_value(buf, v, 8, sign, fmt);
		return;
	}
	rt_tv_put_value(buf, v, size, sign, fmt);
}

/* Append the NUL-terminated string at addr quoted, or its address when unreadable. */
static inline void rt_tv_put_string(char *buf, u64 addr)
{
	char *tmp = this_cpu_ptr(&rt_scratch)->buf;

	if (!addr) {
		rt_tv_puts(buf, "0x0");
		return;
	}
	if (rt_read_string(tmp, addr, MAXSTRINGLEN, addr < TASK_SIZE_MAX) < 0) {
		rt_tv_printf(buf, "0x%llx", (unsigned long long)addr);
		return;
	}
	{
		size_t n = strlen(buf);

		if (n < MAXSTRINGLEN - 1)
			rt_escape(buf + n, tmp, strlen(tmp), MAXSTRINGLEN - 1 - n, true, false);
	}
}

/* Append the char * stored at addr as a quoted string. */
static inline void rt_tv_put_charp(char *buf, u64 addr)
{
	u64 p;

	if (!rt_tv_read_ok(&p, addr, 8, 0)) {
		rt_tv_puts(buf, "?");
		return;
	}
	rt_tv_put_string(buf, p);
}

/* Append a char[len] at addr quoted, up to its first NUL. */
static inline void rt_tv_put_chars(char *buf, u64 addr, u64 len)
{
	char *tmp = this_cpu_ptr(&rt_scratch)->buf;
	size_t n = min_t(u64, len, MAXSTRINGLEN - 1), k;

	if (!rt_tv_copy(tmp, addr, n)) {
		rt_tv_puts(buf, "?");
		return;
	}
	tmp[n] = '\0';
	k = strlen(buf);
	if (k < MAXSTRINGLEN - 1)
		rt_escape(buf + k, tmp, strlen(tmp), MAXSTRINGLEN - 1 - k, true, false);
}

#endif /* RSTAP_TARGET_VARS_H */
