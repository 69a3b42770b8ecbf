/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usyms.h - user-space addresses as symbols, in SystemTap's formats, for
 * usymname(), usymdata(), umodname(), print_usyms(), sprint_usyms() and the
 * user backtraces: "main+0x1a/0x40 [/path/to/prog]". The objects known are
 * the ones the translator embedded (-d, --ldd, the probed files, the -c
 * command: userspace/embed.rs), each with its symbols, unwind rows
 * (ustack.c) and loadable segments, as constant tables.
 *
 * An address belongs to an object when the current task maps that object's
 * file (same inode) there; the mapping is looked up in the task's VMAs under
 * mmap_read_trylock, only in task context, and remembered in a small table
 * so that begin/end probes, interrupts, and hits finding the lock taken can
 * still name addresses seen before. Nothing here sleeps or allocates.
 */
#ifndef RSTAP_USYMS_H
#define RSTAP_USYMS_H

#include <linux/path.h>

struct rt_context;

struct rt_usym {
	u64 addr;	/* link-time address */
	u32 size;
	u32 name;	/* offset in the object's names */
};

struct rt_ucfi {
	u32 start;	/* link-time address where the rule starts */
	s32 cfa;	/* CFA = rsp/rbp + cfa */
	s16 rbp;	/* the caller's rbp is saved at CFA + rbp; 0: unchanged */
	u8 kind;	/* RT_UCFI_* */
};

#define RT_UCFI_NONE	0	/* no rule: the frame-pointer walk */
#define RT_UCFI_RSP	1
#define RT_UCFI_RBP	2
#define RT_UCFI_END	3	/* outermost frame */
#define RT_UCFI_PLT	4	/* a .plt entry: CFA = rsp + cfa, + 8 at (pc & 15) >= rbp */

struct rt_useg {
	u64 vaddr, memsz, offset;	/* a PT_LOAD segment */
};

struct rt_uobj {
	const char *path;
	const struct rt_usym *syms;
	unsigned int nsyms;
	const char *strs;
	const struct rt_ucfi *cfi;
	unsigned int ncfi;
	const struct rt_useg *segs;
	unsigned int nsegs;
	/* Held from start to stop: keeps the inode compared with VMAs'. */
	struct path file;
	struct inode *inode;
};

/* Where an address is: its object and the object's load bias there. */
struct rt_uloc {
	const struct rt_uobj *obj;
	unsigned long bias;	/* address - bias = link-time address */
	unsigned long start, end;	/* the mapping found: same answer inside */
};

/* At start (process context): resolve each object's path; at stop: release. */
void rt_uobjs_start(struct rt_uobj *objs, unsigned int n);
void rt_uobjs_stop(void);

/* false: no embedded object is known to be mapped at addr. */
bool rt_uaddr_locate(struct rt_context *c, unsigned long addr, struct rt_uloc *l);

/*
 * The same, first trying l's previous answer (a walk or a list of addresses
 * mostly stays in a few mappings); l->obj is NULL when nothing is known.
 */
static inline bool rt_uaddr_locate_near(struct rt_context *c, unsigned long addr,
					struct rt_uloc *l)
{
	if (l->obj && addr >= l->start && addr < l->end)
		return true;
	if (rt_uaddr_locate(c, addr, l))
		return true;
	l->obj = NULL;
	return false;
}

/* The symbol covering the link-time address vaddr of obj, or NULL. */
const struct rt_usym *rt_usym_find(const struct rt_uobj *obj, u64 vaddr);

/* One address into a MAXSTRINGLEN string; flags as symbols.h's RT_SYM_*. */
void rt_usym_sprint(struct rt_context *c, char *dst, unsigned long addr,
		    unsigned int flags);

/* Every address of a ubacktrace()-form string, as rt_ksyms_* (symbols.h). */
void rt_usyms_sprint(struct rt_context *c, char *dst, const char *addrs,
		     unsigned int flags);
void rt_usyms_print(struct rt_context *c, const char *addrs, unsigned int flags);

/* The same for frames from.. of the hit's own user stack (ustack.h). */
void rt_ustack_sprint(struct rt_context *c, char *dst, int from,
		      unsigned int flags);
void rt_ustack_print(struct rt_context *c, int from, unsigned int flags);

#endif /* RSTAP_USYMS_H */
