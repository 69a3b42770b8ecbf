/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arith.h - 64-bit script arithmetic without undefined behaviour:
 * wrapping add/sub/mul, division and modulo by zero as script errors,
 * shift counts taken modulo 64.
 */
#ifndef RSTAP_ARITH_H
#define RSTAP_ARITH_H

static inline s64 rt_add(s64 a, s64 b) { return (s64)((u64)a + (u64)b); }
static inline s64 rt_sub(s64 a, s64 b) { return (s64)((u64)a - (u64)b); }
static inline s64 rt_mul(s64 a, s64 b) { return (s64)((u64)a * (u64)b); }
static inline s64 rt_neg(s64 a) { return (s64)(0 - (u64)a); }
static inline s64 rt_shl(s64 a, s64 b) { return (s64)((u64)a << (b & 63)); }
static inline s64 rt_shr(s64 a, s64 b) { return a >> (b & 63); }
static inline s64 rt_ushr(s64 a, s64 b) { return (s64)((u64)a >> (b & 63)); }

static inline s64 rt_div(struct rt_context *c, s64 a, s64 b)
{
	if (unlikely(b == 0)) {
		rt_error(c, "division by 0");
		return 0;
	}
	if (unlikely(b == -1))
		return rt_neg(a);	/* S64_MIN / -1 would trap */
	return div64_s64(a, b);
}

static inline s64 rt_mod(struct rt_context *c, s64 a, s64 b)
{
	if (unlikely(b == 0)) {
		rt_error(c, "division by 0");
		return 0;
	}
	if (unlikely(b == -1))
		return 0;
	return a - div64_s64(a, b) * b;
}

#endif /* RSTAP_ARITH_H */
