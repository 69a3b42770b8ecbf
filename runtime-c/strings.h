/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strings.h - script string values: fixed MAXSTRINGLEN buffers, always
 * NUL-terminated, silently truncated as SystemTap does.
 */
#ifndef RSTAP_STRINGS_H
#define RSTAP_STRINGS_H

typedef char rt_string[MAXSTRINGLEN];

static inline char *rt_str_assign(char *dst, const char *src)
{
	if (dst != src)
		strscpy(dst, src, MAXSTRINGLEN);
	return dst;
}

/* dst = a . b; dst may be a (for .=) but never b: the translator ensures it. */
static inline char *rt_str_concat(char *dst, const char *a, const char *b)
{
	if (dst != a)
		strscpy(dst, a, MAXSTRINGLEN);
	strlcat(dst, b, MAXSTRINGLEN);
	return dst;
}

static inline int rt_str_cmp(const char *a, const char *b)
{
	return strcmp(a, b);
}

#endif /* RSTAP_STRINGS_H */
