/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscalls.c - the raw_syscalls callbacks and what the syscall tapset reads
 * (syscalls.h). The slots of the hit being dispatched are published per
 * CPU, with preemption off (rt_sc_run): rt_sc_arg() trusts
 * CONTEXT->tp_args only when it is that array. 32-bit (ia32) system calls
 * have other numbers and are not dispatched. The argument decoders are in
 * syscall_decode.c.
 */
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

/*
 * Preemption off from publishing the slots to withdrawing them, so no other
 * task's hit on this CPU can see them and this one cannot migrate away from
 * them. The raw_syscalls tracepoints run their callbacks with preemption
 * off today, but kernels with faultable syscall tracepoints do not.
 */
static void rt_sc_run(rt_sc_dispatch_fn fn, long nr, const u64 *s)
{
	preempt_disable();
	this_cpu_write(rt_sc_slots, s);
	fn(nr, s);
	this_cpu_write(rt_sc_slots, NULL);
	preempt_enable();
}

static void rt_sc_enter_cb(void *data, struct pt_regs *regs, long id)
{
	struct rt_syscall_hooks *h = data;
	u64 s[RT_SC_SLOTS];

	if (!rt_sc_native())
		return;
	rt_sc_fill(s, regs, id);
	s[RT_SC_RET] = 0;
	s[RT_SC_EXIT] = 0;
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
	s[RT_SC_EXIT] = 1;
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

/*
 * A kprobe's or uprobe's registers hold the return value in rax (a guess
 * anywhere but at a return); a syscall hit has no registers of its own,
 * only the result at exit.
 */
bool rt_returnval(struct rt_context *c, long *v)
{
	const u64 *s;

	if (c->regs) {
		*v = regs_return_value(c->regs);
		return true;
	}
	s = rt_sc_hit_slots(c);
	if (s && s[RT_SC_EXIT]) {
		*v = (long)s[RT_SC_RET];
		return true;
	}
	return false;
}
