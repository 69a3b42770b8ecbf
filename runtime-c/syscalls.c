/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscalls.c - the raw_syscalls callbacks and what the syscall tapset reads
 * (syscalls.h). Tracepoint callbacks run with preemption off, so the slots
 * of the hit being dispatched are published per CPU: rt_sc_arg() trusts
 * CONTEXT->tp_args only when it is that array. 32-bit (ia32) system calls
 * have other numbers and are not dispatched. The AT_* table leaves out
 * AT_EACCESS: it shares its bit with AT_REMOVEDIR.
 */
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/signal.h>
#include <asm/syscall.h>

static DEFINE_PER_CPU(const u64 *, rt_sc_slots);

static bool rt_sc_native(void)
{
	return !in_ia32_syscall();
}

static void rt_sc_fill(u64 *s, struct pt_regs *regs, long nr)
{
	s[RT_SC_NR] = nr;
	s[RT_SC_ARG0 + 0] = regs->di;
	s[RT_SC_ARG0 + 1] = regs->si;
	s[RT_SC_ARG0 + 2] = regs->dx;
	s[RT_SC_ARG0 + 3] = regs->r10;
	s[RT_SC_ARG0 + 4] = regs->r8;
	s[RT_SC_ARG0 + 5] = regs->r9;
}

static void rt_sc_run(rt_sc_dispatch_fn fn, long nr, const u64 *s)
{
	this_cpu_write(rt_sc_slots, s);
	fn(nr, s);
	this_cpu_write(rt_sc_slots, NULL);
}

static void rt_sc_enter_cb(void *data, struct pt_regs *regs, long id)
{
	struct rt_syscall_hooks *h = data;
	u64 s[RT_SC_SLOTS];

	if (!rt_sc_native())
		return;
	rt_sc_fill(s, regs, id);
	s[RT_SC_RET] = 0;
	rt_sc_run(h->enter, id, s);
}

static void rt_sc_exit_cb(void *data, struct pt_regs *regs, long ret)
{
	struct rt_syscall_hooks *h = data;
	long nr = syscall_get_nr(current, regs);
	u64 s[RT_SC_SLOTS];

	if (nr < 0 || !rt_sc_native())
		return;
	rt_sc_fill(s, regs, nr);
	s[RT_SC_RET] = ret;
	rt_sc_run(h->exit, nr, s);
}

struct rt_sc_lookup {
	struct tracepoint *enter, *exit;
};

static void rt_sc_match(struct tracepoint *tp, void *priv)
{
	struct rt_sc_lookup *l = priv;

	if (strcmp(tp->name, "sys_enter") == 0)
		l->enter = tp;
	else if (strcmp(tp->name, "sys_exit") == 0)
		l->exit = tp;
}

static struct rt_sc_lookup rt_sc_tps;

static int rt_sc_refused(const char *tp, int rc)
{
	char msg[160];
	int n = scnprintf(msg, sizeof(msg),
			  "ERROR: syscall probes: tracepoint raw_syscalls:%s %s (rc %d)\n", tp,
			  rc == -ENOENT ? "not found in the running kernel" : "registration error", rc);

	rt_transport_write(RT_REC_STDERR, msg, n);
	return rc;
}

int rt_syscalls_arm(struct rt_syscall_hooks *h)
{
	int rc;

	memset(&rt_sc_tps, 0, sizeof(rt_sc_tps));
	for_each_kernel_tracepoint(rt_sc_match, &rt_sc_tps);
	if (h->enter) {
		if (!rt_sc_tps.enter)
			return rt_sc_refused("sys_enter", -ENOENT);
		rc = tracepoint_probe_register(rt_sc_tps.enter, (void *)rt_sc_enter_cb, h);
		if (rc)
			return rt_sc_refused("sys_enter", rc);
		h->enter_registered = true;
	}
	if (h->exit) {
		rc = rt_sc_tps.exit ? tracepoint_probe_register(rt_sc_tps.exit, (void *)rt_sc_exit_cb, h) : -ENOENT;
		if (rc) {
			rt_syscalls_disarm(h);
			return rt_sc_refused("sys_exit", rc);
		}
		h->exit_registered = true;
	}
	return 0;
}

void rt_syscalls_disarm(struct rt_syscall_hooks *h)
{
	bool any = h->enter_registered || h->exit_registered;

	if (h->enter_registered)
		tracepoint_probe_unregister(rt_sc_tps.enter, (void *)rt_sc_enter_cb, h);
	if (h->exit_registered)
		tracepoint_probe_unregister(rt_sc_tps.exit, (void *)rt_sc_exit_cb, h);
	h->enter_registered = h->exit_registered = false;
	/* No callback of ours runs or can start after this. */
	if (any)
		tracepoint_synchronize_unregister();
}

static const u64 *rt_sc_hit_slots(struct rt_context *c)
{
	const u64 *s = c->tp_args;

	return s && s == this_cpu_read(rt_sc_slots) ? s : NULL;
}

long rt_sc_arg(struct rt_context *c, long i, long kind)
{
	const u64 *s = rt_sc_hit_slots(c);
	u64 v;

	if (!s || i < 0 || i > 5)
		return 0;
	v = s[RT_SC_ARG0 + i];
	switch (kind) {
	case 1: return (s32)v;
	case 2: return (u32)v;
	case 3: return (u16)v;
	default: return (long)v;
	}
}

long rt_sc_nr(struct rt_context *c)
{
	const u64 *s = rt_sc_hit_slots(c);

	return s ? (long)s[RT_SC_NR] : -1;
}

long rt_sc_ret(struct rt_context *c)
{
	const u64 *s = rt_sc_hit_slots(c);

	return s ? (long)s[RT_SC_RET] : 0;
}

/* One flag's value and name; the values are the kernel's own macros. */
struct rt_sc_flag {
	unsigned long v;
	const char *name;
};

#define RT_SC_FLAG(f) { f, #f }

static const struct rt_sc_flag rt_sc_open_flags[] = {
	RT_SC_FLAG(O_CREAT), RT_SC_FLAG(O_EXCL), RT_SC_FLAG(O_NOCTTY), RT_SC_FLAG(O_TRUNC),
	RT_SC_FLAG(O_APPEND), RT_SC_FLAG(O_NONBLOCK), { __O_SYNC | O_DSYNC, "O_SYNC" },
	RT_SC_FLAG(O_DSYNC), RT_SC_FLAG(FASYNC), RT_SC_FLAG(O_DIRECT), RT_SC_FLAG(O_LARGEFILE),
	{ __O_TMPFILE | O_DIRECTORY, "O_TMPFILE" }, RT_SC_FLAG(O_DIRECTORY), RT_SC_FLAG(O_NOFOLLOW),
	RT_SC_FLAG(O_NOATIME), RT_SC_FLAG(O_CLOEXEC), RT_SC_FLAG(O_PATH),
};

static const struct rt_sc_flag rt_sc_prot_flags[] = {
	RT_SC_FLAG(PROT_READ), RT_SC_FLAG(PROT_WRITE), RT_SC_FLAG(PROT_EXEC), RT_SC_FLAG(PROT_SEM),
	RT_SC_FLAG(PROT_GROWSDOWN), RT_SC_FLAG(PROT_GROWSUP),
};

static const struct rt_sc_flag rt_sc_mmap_flags[] = {
	RT_SC_FLAG(MAP_FIXED), RT_SC_FLAG(MAP_ANONYMOUS), RT_SC_FLAG(MAP_32BIT),
	RT_SC_FLAG(MAP_GROWSDOWN), RT_SC_FLAG(MAP_DENYWRITE), RT_SC_FLAG(MAP_EXECUTABLE),
	RT_SC_FLAG(MAP_LOCKED), RT_SC_FLAG(MAP_NORESERVE), RT_SC_FLAG(MAP_POPULATE),
	RT_SC_FLAG(MAP_NONBLOCK), RT_SC_FLAG(MAP_STACK), RT_SC_FLAG(MAP_HUGETLB),
	RT_SC_FLAG(MAP_SYNC), RT_SC_FLAG(MAP_FIXED_NOREPLACE), RT_SC_FLAG(MAP_UNINITIALIZED),
};

static const struct rt_sc_flag rt_sc_at_flags[] = {
	RT_SC_FLAG(AT_SYMLINK_NOFOLLOW), RT_SC_FLAG(AT_REMOVEDIR), RT_SC_FLAG(AT_SYMLINK_FOLLOW),
	RT_SC_FLAG(AT_NO_AUTOMOUNT), RT_SC_FLAG(AT_EMPTY_PATH),
	RT_SC_FLAG(AT_STATX_FORCE_SYNC), RT_SC_FLAG(AT_STATX_DONT_SYNC), RT_SC_FLAG(AT_RECURSIVE),
};

/* The signals' names, by number: the kernel's macros. */
static const struct rt_sc_flag rt_sc_signals[] = {
	RT_SC_FLAG(SIGHUP), RT_SC_FLAG(SIGINT), RT_SC_FLAG(SIGQUIT), RT_SC_FLAG(SIGILL),
	RT_SC_FLAG(SIGTRAP), RT_SC_FLAG(SIGABRT), RT_SC_FLAG(SIGBUS), RT_SC_FLAG(SIGFPE),
	RT_SC_FLAG(SIGKILL), RT_SC_FLAG(SIGUSR1), RT_SC_FLAG(SIGSEGV), RT_SC_FLAG(SIGUSR2),
	RT_SC_FLAG(SIGPIPE), RT_SC_FLAG(SIGALRM), RT_SC_FLAG(SIGTERM), RT_SC_FLAG(SIGSTKFLT),
	RT_SC_FLAG(SIGCHLD), RT_SC_FLAG(SIGCONT), RT_SC_FLAG(SIGSTOP), RT_SC_FLAG(SIGTSTP),
	RT_SC_FLAG(SIGTTIN), RT_SC_FLAG(SIGTTOU), RT_SC_FLAG(SIGURG), RT_SC_FLAG(SIGXCPU),
	RT_SC_FLAG(SIGXFSZ), RT_SC_FLAG(SIGVTALRM), RT_SC_FLAG(SIGPROF), RT_SC_FLAG(SIGWINCH),
	RT_SC_FLAG(SIGIO), RT_SC_FLAG(SIGPWR), RT_SC_FLAG(SIGSYS),
};

static void rt_sc_signal_str(char *out, size_t n, long sig)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rt_sc_signals); i++) {
		if (rt_sc_signals[i].v == sig) {
			strscpy(out, rt_sc_signals[i].name, n);
			return;
		}
	}
	if (sig == SIGRTMIN)
		strscpy(out, "SIGRTMIN", n);
	else if (sig > SIGRTMIN && sig <= _NSIG)
		scnprintf(out, n, "SIGRTMIN+%ld", sig - SIGRTMIN);
	else
		scnprintf(out, n, "%ld", sig);
}

/* Append "|NAME" (no '|' first) to out, which holds len bytes. */
static size_t rt_sc_add(char *out, size_t n, size_t len, const char *name)
{
	return len + scnprintf(out + len, n - len, "%s%s", len ? "|" : "", name);
}

static size_t rt_sc_bits(char *out, size_t n, size_t len, unsigned long *v,
			 const struct rt_sc_flag *t, size_t nt)
{
	size_t i;

	for (i = 0; i < nt; i++) {
		if (t[i].v && (*v & t[i].v) == t[i].v) {
			len = rt_sc_add(out, n, len, t[i].name);
			*v &= ~t[i].v;
		}
	}
	return len;
}

void rt_sc_flags_str(char *out, size_t n, long flags, long table)
{
	unsigned long v = flags;
	size_t len = 0;

	out[0] = '\0';
	switch (table) {
	case 0: /* open: the access mode, then the flags */
		len = rt_sc_add(out, n, len, (v & O_ACCMODE) == O_WRONLY ? "O_WRONLY" :
				(v & O_ACCMODE) == O_RDWR ? "O_RDWR" :
				(v & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "O_ACCMODE");
		v &= ~(unsigned long)O_ACCMODE;
		len = rt_sc_bits(out, n, len, &v, rt_sc_open_flags, ARRAY_SIZE(rt_sc_open_flags));
		break;
	case 1:
		if (!v) {
			rt_sc_add(out, n, len, "PROT_NONE");
			return;
		}
		len = rt_sc_bits(out, n, len, &v, rt_sc_prot_flags, ARRAY_SIZE(rt_sc_prot_flags));
		break;
	case 2: /* mmap: the mapping type, then the flags */
		switch (v & MAP_TYPE) {
		case MAP_SHARED: len = rt_sc_add(out, n, len, "MAP_SHARED"); v &= ~(unsigned long)MAP_TYPE; break;
		case MAP_PRIVATE: len = rt_sc_add(out, n, len, "MAP_PRIVATE"); v &= ~(unsigned long)MAP_TYPE; break;
		case MAP_SHARED_VALIDATE: len = rt_sc_add(out, n, len, "MAP_SHARED_VALIDATE"); v &= ~(unsigned long)MAP_TYPE; break;
		}
		len = rt_sc_bits(out, n, len, &v, rt_sc_mmap_flags, ARRAY_SIZE(rt_sc_mmap_flags));
		break;
	case 4:
		rt_sc_signal_str(out, n, flags);
		return;
	case 3:
		if (!v) {
			rt_sc_add(out, n, len, "0");
			return;
		}
		len = rt_sc_bits(out, n, len, &v, rt_sc_at_flags, ARRAY_SIZE(rt_sc_at_flags));
		break;
	}
	/* Bits no name covers, in hex. */
	if (v || !len)
		scnprintf(out + len, n - len, "%s%#lx", len ? "|" : "", v);
}
