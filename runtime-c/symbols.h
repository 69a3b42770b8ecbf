/* SPDX-License-Identifier: GPL-2.0 */
/*
 * symbols.h - kernel addresses as symbols, in SystemTap's formats, for
 * symname(), symdata(), modname(), print_syms() and the backtraces:
 * "vfs_read+0x0/0x160 [kernel]", " 0xffffffff811c2f40 : vfs_read+0x0/0x160
 * [kernel]", "ext4_file_read_iter+0x4/0x1c0 [ext4]".
 */
#ifndef RSTAP_SYMBOLS_H
#define RSTAP_SYMBOLS_H

#include <linux/kallsyms.h>

struct rt_context;

/* One address, looked up. The strings point into the context's buffer:
 * they last until the next lookup of the hit. */
struct rt_ksym {
	const char *name;	/* the symbol covering the address */
	unsigned long offset;	/* of the address in it */
	unsigned long size;	/* of the symbol */
	const char *module;	/* "kernel" for vmlinux */
};

/* false: no symbol covers addr (nor any module, then) */
bool rt_ksym_lookup(struct rt_context *c, unsigned long addr, struct rt_ksym *s);

/* What one address shows; an unknown one shows as its hexadecimal value. */
#define RT_SYM_OFFSET	0x1	/* "+0x4" */
#define RT_SYM_SIZE	0x2	/* "/0x160", after the offset */
#define RT_SYM_MODULE	0x4	/* " [kernel]" */
#define RT_SYM_ADDR	0x8	/* " 0xffffffff811c2f40 : " first */
#define RT_SYM_NEWLINE	0x10

#define RT_SYM_NAME	0					/* symname() */
#define RT_SYM_DATA	(RT_SYM_OFFSET | RT_SYM_SIZE | RT_SYM_MODULE)	/* symdata() */
#define RT_SYM_LINE	(RT_SYM_OFFSET | RT_SYM_MODULE | RT_SYM_NEWLINE) /* sprint_syms() */
#define RT_SYM_FULL	(RT_SYM_ADDR | RT_SYM_DATA | RT_SYM_NEWLINE)	/* print_syms() */

/* One address into a MAXSTRINGLEN string. */
void rt_ksym_sprint(struct rt_context *c, char *dst, unsigned long addr,
		    unsigned int flags);

/*
 * Every address of a backtrace()-form string: into a MAXSTRINGLEN string
 * (whole lines only), or appended to the hit's output.
 */
void rt_ksyms_sprint(struct rt_context *c, char *dst, const char *addrs,
		     unsigned int flags);
void rt_ksyms_print(struct rt_context *c, const char *addrs, unsigned int flags);

/* The same for frames from.. of the hit's own kernel stack (stack.h). */
void rt_kstack_sprint(struct rt_context *c, char *dst, int from,
		      unsigned int flags);
void rt_kstack_print(struct rt_context *c, int from, unsigned int flags);

#endif /* RSTAP_SYMBOLS_H */
