/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ustack.c - unwinding a task's user stack (ustack.h). Each step looks the
 * pc up in the embedded objects (usyms.c) and applies that object's unwind
 * row: CFA = rsp or rbp + N, the return address at CFA - 8, the caller's
 * rbp at CFA + M or unchanged (x86-64). Where no object or row covers the
 * pc, the frame-pointer chain ([rbp] the caller's rbp, [rbp + 8] the return
 * address). User memory is read only with copy_from_user_nofault; the walk
 * stops at MAXBACKTRACE frames, at an outermost frame, at an unreadable
 * word, or when the stack pointer does not grow (no loops).
 */

static bool rt_uread(unsigned long addr, unsigned long *v)
{
	return copy_from_user_nofault(v, (const void __user *)addr, sizeof(*v)) == 0;
}

/* The unwind row covering link-time address vaddr of obj, or NULL. */
static const struct rt_ucfi *rt_ucfi_find(const struct rt_uobj *obj, u64 vaddr)
{
	unsigned int lo = 0, hi = obj->ncfi;

	if (vaddr > U32_MAX)
		return NULL;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (obj->cfi[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &obj->cfi[lo - 1] : NULL;
}

static struct pt_regs *rt_user_regs(struct rt_context *c)
{
	struct pt_regs *regs;

	if (c->regs && user_mode(c->regs))
		return c->regs;
	if (!c->regs || !current->mm || (current->flags & PF_KTHREAD))
		return NULL;
	regs = task_pt_regs(current);
	return regs && user_mode(regs) ? regs : NULL;
}

static int rt_ustack_unwind(struct rt_context *c, struct pt_regs *regs,
			    unsigned long *out)
{
	unsigned long pc = regs->ip, sp = regs->sp, bp = regs->bp;
	unsigned long cfa, ra, nbp;
	struct rt_uloc l = { .obj = NULL };
	const struct rt_ucfi *row;
	unsigned long at;
	int n = 0;

	out[n++] = pc;
	while (n < MAXBACKTRACE) {
		row = NULL;
		/* A return address may be just past its function's end. */
		at = n == 1 ? pc : pc - 1;
		if (rt_uaddr_locate_near(c, at, &l))
			row = rt_ucfi_find(l.obj, at - l.bias);
		if (row && row->kind == RT_UCFI_END)
			break;
		if (row && (row->kind == RT_UCFI_RSP || row->kind == RT_UCFI_RBP ||
			    row->kind == RT_UCFI_PLT)) {
			cfa = (row->kind == RT_UCFI_RBP ? bp : sp) + (long)row->cfa;
			/* Past the entry's push of its index: 8 more. */
			if (row->kind == RT_UCFI_PLT && (long)(at & 15) >= row->rbp)
				cfa += 8;
			if (!rt_uread(cfa - 8, &ra))
				break;
			nbp = bp;
			if (row->kind != RT_UCFI_PLT && row->rbp &&
			    !rt_uread(cfa + (long)row->rbp, &nbp))
				break;
		} else {
			/* The frame-pointer chain. */
			if (bp < sp || !rt_uread(bp, &nbp) || !rt_uread(bp + 8, &ra))
				break;
			cfa = bp + 16;
		}
		if (cfa <= sp || !ra)
			break;
		out[n++] = ra;
		pc = ra;
		sp = cfa;
		bp = nbp;
	}
	return n;
}

const struct rt_ustack *rt_ustack_get(struct rt_context *c)
{
	struct rt_ustack *s = &c->ustack;
	struct pt_regs *regs;

	if (s->depth >= 0)
		return s;
	regs = rt_user_regs(c);
	s->depth = regs ? rt_ustack_unwind(c, regs, s->addr) : 0;
	return s;
}

void rt_ustack_hex(struct rt_context *c, char *dst, int from, long n)
{
	const struct rt_ustack *s = rt_ustack_get(c);
	size_t len = 0;
	int i, k;

	dst[0] = '\0';
	for (i = from; i < s->depth && (n < 0 || i < from + n); i++) {
		k = snprintf(dst + len, MAXSTRINGLEN - len, "%s0x%lx",
			     len ? " " : "", s->addr[i]);
		if (len + k >= MAXSTRINGLEN) {
			dst[len] = '\0';	/* whole addresses only */
			break;
		}
		len += k;
	}
}
