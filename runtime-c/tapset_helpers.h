/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tapset_helpers.h - small helpers shared by the embedded C of several
 * tapset functions: non-faulting reads of kernel and user memory (a bad
 * address is a script error, never an oops), and walking the current
 * process's argument and environment strings. All static inline: only what
 * a module's functions use is compiled in.
 */
#ifndef RSTAP_TAPSET_HELPERS_H
#define RSTAP_TAPSET_HELPERS_H

#include <linux/uaccess.h>
#include <linux/sched/mm.h>
#include <linux/mm_types.h>
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/sched/task_stack.h>
#include <linux/sched/prio.h>
#include <linux/sched/clock.h>
#include <linux/timekeeping.h>
#include <linux/ctype.h>
#include <linux/hash.h>
#include <linux/sched/loadavg.h>
#include <linux/fs_struct.h>
#include <linux/fdtable.h>

/* Bytes of arguments or environment scanned at most in one call. */
#define RT_PROC_STRINGS_MAX (64 * 1024)

/* Copy n bytes of kernel memory at addr; false (and nothing raised) on a fault. */
static inline bool rt_kread_ok(void *dst, unsigned long addr, size_t n)
{
	return copy_from_kernel_nofault(dst, (const void *)addr, n) == 0;
}

/* Copy n bytes of kernel memory at addr; a fault is a script error. */
static inline bool rt_kread(struct rt_context *c, void *dst, unsigned long addr, size_t n)
{
	if (rt_kread_ok(dst, addr, n))
		return true;
	rt_errorf(c, "kernel read fault at 0x%lx", addr);
	return false;
}

/*
 * Copy n bytes of the current task's user memory at addr, with page faults
 * disabled (a page that is not resident fails). Kernel threads have none.
 */
static inline bool rt_uread_ok(void *dst, unsigned long addr, size_t n)
{
	if (!current->mm || (current->flags & PF_KTHREAD))
		return false;
	return copy_from_user_nofault(dst, (const void __user *)addr, n) == 0;
}

/*
 * Copy the NUL-terminated string at addr (kernel memory if !user, else the
 * current task's user memory) into dst, at most size - 1 bytes, always
 * terminated. Reads page by page so that a string ending before an
 * unmapped page is read whole. Returns its length or -EFAULT.
 */
static inline long rt_read_string(char *dst, unsigned long addr, size_t size, bool user)
{
	size_t len = 0;

	dst[0] = '\0';
	while (len < size - 1) {
		size_t chunk = min_t(size_t, size - 1 - len,
				     PAGE_SIZE - ((addr + len) & ~PAGE_MASK));
		char *nul;
		bool ok = user ? rt_uread_ok(dst + len, addr + len, chunk)
			       : rt_kread_ok(dst + len, addr + len, chunk);

		if (!ok) {
			dst[len] = '\0';
			return -EFAULT;
		}
		nul = memchr(dst + len, '\0', chunk);
		if (nul)
			return nul - dst;
		len += chunk;
	}
	dst[len] = '\0';
	return len;
}

/*
 * The next string of the current process's arguments or environment, from
 * *pos (below end): copied into buf (truncated to size - 1), *pos moved
 * past its NUL. Returns the bytes copied, or -EFAULT (then stop).
 */
static inline long rt_proc_next_string(unsigned long *pos, unsigned long end,
				       char *buf, size_t size)
{
	unsigned long p = *pos;
	size_t room = min_t(size_t, size, end - p + 1);
	long n = rt_read_string(buf, p, room, true);
	char skip[64];

	if (n < 0)
		return n;
	p += n;
	/* Longer than buf: find its end, keeping its beginning. */
	while ((size_t)n == room - 1 && p < end) {
		room = min_t(size_t, sizeof(skip), end - p + 1);
		n = rt_read_string(skip, p, room, true);
		if (n < 0)
			return n;
		p += n;
	}
	*pos = p + 1;	/* past the NUL */
	return strlen(buf);
}

/* tokenize(): the string being split, per processor (a hit stays on one). */
struct rt_tokenize_state {
	char buf[MAXSTRINGLEN];
	char *next;
};
static __maybe_unused DEFINE_PER_CPU(struct rt_tokenize_state, rt_tokenize_state);

/*
 * text_str() and friends: srclen bytes of src (NULs included) with
 * unprintable characters escaped as C does (\n, \t, \", \\, \ooo ...), in
 * at most outmax characters (< MAXSTRINGLEN). With quoted, in double
 * quotes, and "..." after the closing quote when something was left out
 * (or cut is already true: the caller gave only part of its input).
 */
static inline void rt_escape(char *dst, const char *src, size_t srclen, size_t outmax,
			     bool quoted, bool cut)
{
	size_t room, len = 0, i;

	outmax = min_t(size_t, outmax, MAXSTRINGLEN - 1);
	room = outmax - (quoted ? min_t(size_t, outmax, 5) : 0);	/* "" and ... */
	if (quoted && outmax >= 2)
		dst[len++] = '"';
	for (i = 0; i < srclen; i++) {
		unsigned char ch = src[i];
		char esc[5];
		size_t n;

		switch (ch) {
		case '\a': strcpy(esc, "\\a"); break;
		case '\b': strcpy(esc, "\\b"); break;
		case '\f': strcpy(esc, "\\f"); break;
		case '\n': strcpy(esc, "\\n"); break;
		case '\r': strcpy(esc, "\\r"); break;
		case '\t': strcpy(esc, "\\t"); break;
		case '\v': strcpy(esc, "\\v"); break;
		case '"': strcpy(esc, "\\\""); break;
		case '\\': strcpy(esc, "\\\\"); break;
		default:
			if (ch < 0x20 || ch >= 0x7f) {
				snprintf(esc, sizeof(esc), "\\%03o", ch);
			} else {
				esc[0] = ch;
				esc[1] = '\0';
			}
		}
		n = strlen(esc);
		if (len + n > room + (quoted && outmax >= 2 ? 1 : 0)) {
			cut = true;
			break;
		}
		memcpy(dst + len, esc, n);
		len += n;
	}
	if (quoted && outmax >= 2) {
		dst[len++] = '"';
		if (cut && len + 3 <= outmax) {
			memcpy(dst + len, "...", 3);
			len += 3;
		}
	}
	dst[len] = '\0';
}

/* text_strn(): src up to its NUL, from its first inlen characters (0: all). */
static inline void rt_text_escape(char *dst, const char *src, long long inlen, bool quoted)
{
	size_t n = strlen(src);
	bool cut = false;

	if (inlen > 0 && inlen < n) {
		n = inlen;
		cut = true;
	}
	rt_escape(dst, src, n, MAXSTRINGLEN - 1, quoted, cut);
}

/* Per-processor scratch for a buffer read before escaping (a hit stays on one). */
static __maybe_unused DEFINE_PER_CPU(struct { char buf[MAXSTRINGLEN]; }, rt_scratch);

/*
 * thread_indent() and friends: a nesting depth per thread, in a fixed table
 * each function using it declares (static, so only what is used is built).
 * A thread claims a free slot with cmpxchg, and frees it when its depth is
 * back to 0; a full table gives depth 0. indent() shares one slot between
 * all threads (key 1, never freed).
 */
#define RT_INDENT_SLOTS 1024

struct rt_indent_slot {
	atomic_t key;		/* tid + 1; 0: free */
	atomic_t depth;
	u64 base_us;		/* time of the outermost entry */
};

/*
 * Changes the depth of key by delta; returns the depth the caller shows
 * (before an increase, after a decrease), in *after the new depth and in
 * *rel_us the microseconds since the outermost entry.
 */
static inline int rt_indent(struct rt_indent_slot *table, unsigned int nslots, int key,
			    long long delta, bool release, u64 *rel_us, int *after)
{
	u64 now = div_u64(ktime_get_real_fast_ns(), NSEC_PER_USEC);
	unsigned int h = hash_32(key, 16) % nslots, i;
	struct rt_indent_slot *s = NULL;
	int d = clamp_t(long long, delta, -1000, 1000);
	int depth;

	for (i = 0; i < nslots; i++) {
		struct rt_indent_slot *t = &table[(h + i) % nslots];

		if (atomic_read(&t->key) == key) {
			s = t;
			break;
		}
	}
	for (i = 0; !s && i < nslots; i++) {
		struct rt_indent_slot *t = &table[(h + i) % nslots];

		if (atomic_cmpxchg(&t->key, 0, key) == 0) {
			atomic_set(&t->depth, 0);
			s = t;
		}
	}
	*rel_us = 0;
	*after = 0;
	if (!s)
		return 0;
	if (atomic_read(&s->depth) <= 0)
		s->base_us = now;	/* the outermost entry */
	*rel_us = now - s->base_us;
	depth = atomic_add_return(d, &s->depth);
	if (depth < 0) {
		atomic_set(&s->depth, 0);
		depth = 0;
	}
	*after = depth;
	if (!depth && release)
		atomic_set(&s->key, 0);
	return d > 0 ? depth - d : depth;
}

/*
 * set_kernel_*() (guru mode): write n bytes to kernel memory at addr
 * without faulting, as copy_to_kernel_nofault (not exported) does. A user
 * address or a fault is -EFAULT.
 */
static inline int rt_kwrite_nofault(unsigned long addr, const void *src, size_t n)
{
	const u8 *s = src;
	size_t i;

	if (addr < TASK_SIZE_MAX || addr + n < addr)
		return -EFAULT;
	pagefault_disable();
	for (i = 0; i < n; i++)
		__put_kernel_nofault((u8 *)(addr + i), s + i, u8, fault);
	pagefault_enable();
	return 0;
fault:
	pagefault_enable();
	return -EFAULT;
}

/*
 * Pages of one kind (MM_FILEPAGES, MM_ANONPAGES, ...) an mm holds, as
 * /proc/PID/statm counts them. Per-cpu counters (RT_HAVE_MM_RSS_PERCPU) are
 * summed without their lock, which a probe may hit while it is held: exact
 * while the process is not faulting, within a batch per cpu otherwise.
 */
static inline long rt_mm_counter(struct mm_struct *mm, int member)
{
#if defined(RT_HAVE_MM_RSS_PERCPU) && defined(CONFIG_SMP)
	struct percpu_counter *fbc = &mm->rss_stat[member];
	s64 v = READ_ONCE(fbc->count);
	int cpu;

	for_each_possible_cpu(cpu)
		v += READ_ONCE(*per_cpu_ptr(fbc->counters, cpu));
	return v > 0 ? v : 0;
#else
	return get_mm_counter(mm, member);
#endif
}

/* The soft resource limit lim of the task (RLIM_INFINITY is -1), -1 for no such limit. */
static inline long rt_task_rlimit(struct rt_context *c, long task, long lim)
{
	struct task_struct *t = (struct task_struct *)(unsigned long)task;
	struct signal_struct *sig;
	unsigned long cur;

	if (lim < 0 || lim >= RLIM_NLIMITS)
		return -1;
	if (rt_kread(c, &sig, (unsigned long)&t->signal, sizeof(sig)) &&
	    rt_kread(c, &cur, (unsigned long)&sig->rlim[lim].rlim_cur, sizeof(cur)))
		return (long)cur;
	return 0;
}

/*
 * One 2- or 4-byte unit of a UTF-16/UTF-32 string at addr (kernel memory,
 * or the current task's user memory); false on a fault.
 */
static inline bool rt_read_utf_unit(u32 *ch, unsigned long addr, long unit, bool user)
{
	union { u16 h; u32 w; } v;
	bool ok = user ? rt_uread_ok(&v, addr, unit) : rt_kread_ok(&v, addr, unit);

	if (ok)
		*ch = unit == 2 ? v.h : v.w;
	return ok;
}

/* Character ch as UTF-8 in out: its length, 0 for a surrogate or above U+10FFFF. */
static inline size_t rt_utf8_encode(u8 out[4], u32 ch)
{
	if (ch < 0x80) {
		out[0] = ch;
		return 1;
	}
	if (ch < 0x800) {
		out[0] = 0xc0 | (ch >> 6);
		out[1] = 0x80 | (ch & 0x3f);
		return 2;
	}
	if (ch >= 0xd800 && ch <= 0xdfff)
		return 0;
	if (ch < 0x10000) {
		out[0] = 0xe0 | (ch >> 12);
		out[1] = 0x80 | ((ch >> 6) & 0x3f);
		out[2] = 0x80 | (ch & 0x3f);
		return 3;
	}
	if (ch > 0x10ffff)
		return 0;
	out[0] = 0xf0 | (ch >> 18);
	out[1] = 0x80 | ((ch >> 12) & 0x3f);
	out[2] = 0x80 | ((ch >> 6) & 0x3f);
	out[3] = 0x80 | (ch & 0x3f);
	return 4;
}

/*
 * set_user_*() (guru mode): write n bytes to the current task's user memory
 * at addr with page faults disabled (a page that is not resident, or not
 * writable, fails). Kernel threads have none. 0 or -EFAULT.
 */
static inline int rt_uwrite_nofault(unsigned long addr, const void *src, size_t n)
{
	if (!current->mm || (current->flags & PF_KTHREAD))
		return -EFAULT;
	return copy_to_user_nofault((void __user *)addr, src, n) ? -EFAULT : 0;
}

#endif /* RSTAP_TAPSET_HELPERS_H */
