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
void rt_print_flush(struct rt_context *c);

/* sprintf(): into a MAXSTRINGLEN buffer, truncating. */
__printf(2, 3) char *rt_sprintf(char *dst, const char *fmt, ...);

#endif /* RSTAP_PRINT_H */
