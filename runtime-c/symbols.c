/* SPDX-License-Identifier: GPL-2.0 */
/*
 * symbols.c - kernel address to symbol, through sprint_symbol(): the one
 * kallsyms lookup exported on every kernel we build for (kallsyms_lookup_name
 * and lookup_symbol_name are not). It covers vmlinux, modules, BPF programs
 * and ftrace trampolines, walks no lists that take sleeping locks, and
 * writes "name+0xoff/0xsize [module]" (no module part for vmlinux), which is
 * taken apart here in the context's buffer: no allocation, no sleeping.
 */

bool rt_ksym_lookup(struct rt_context *c, unsigned long addr, struct rt_ksym *s)
{
	char *buf = c->ksym_buf;
	char *plus, *slash, *open;
	int len;

	len = sprint_symbol(buf, addr);
	/* No symbol: the address, in hexadecimal. */
	if (len <= 0 || len >= (int)sizeof(c->ksym_buf) ||
	    (buf[0] == '0' && buf[1] == 'x'))
		return false;
	s->module = "kernel";
	if (buf[len - 1] == ']') {
		open = strrchr(buf, '[');
		if (!open || open == buf || open[-1] != ' ')
			return false;
		buf[len - 1] = '\0';
		open[-1] = '\0';
		/* sprint_symbol_build_id's form adds " buildid": not ours */
		s->module = open + 1;
	}
	slash = strrchr(buf, '/');
	if (!slash)
		return false;
	*slash = '\0';
	plus = strrchr(buf, '+');
	if (!plus || plus == buf)
		return false;
	*plus = '\0';
	if (kstrtoul(plus + 1, 0, &s->offset) || kstrtoul(slash + 1, 0, &s->size))
		return false;
	s->name = buf;
	return true;
}

/*
 * Where formatted text goes: a MAXSTRINGLEN string (whole entries only:
 * one that does not fit is taken back and ends the list), or the hit's
 * output buffer (dst NULL).
 */
struct rt_symout {
	struct rt_context *c;
	char *dst;
	size_t len;
	bool full;
};

static __printf(2, 3) void rt_symout_add(struct rt_symout *o, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;
	int k;

	if (o->full)
		return;
	va_start(args, fmt);
	if (o->dst) {
		k = vsnprintf(o->dst + o->len, MAXSTRINGLEN - o->len, fmt, args);
		if (o->len + k >= MAXSTRINGLEN)
			o->full = true;
		else
			o->len += k;
	} else {
		vaf.fmt = fmt;
		vaf.va = &args;
		rt_printf(o->c, "%pV", &vaf);
	}
	va_end(args);
}

static void rt_symout_entry(struct rt_symout *o, unsigned long addr,
			    unsigned int flags)
{
	const char *nl = (flags & RT_SYM_NEWLINE) ? "\n" : "";
	size_t start = o->len;
	struct rt_ksym s;

	if (!rt_ksym_lookup(o->c, addr, &s)) {
		if (flags & RT_SYM_ADDR)
			rt_symout_add(o, " 0x%016lx%s", addr, nl);
		else
			rt_symout_add(o, "0x%lx%s", addr, nl);
	} else {
		if (flags & RT_SYM_ADDR)
			rt_symout_add(o, " 0x%016lx : ", addr);
		rt_symout_add(o, "%s", s.name);
		if (flags & RT_SYM_OFFSET)
			rt_symout_add(o, "+0x%lx", s.offset);
		if ((flags & RT_SYM_OFFSET) && (flags & RT_SYM_SIZE))
			rt_symout_add(o, "/0x%lx", s.size);
		if (flags & RT_SYM_MODULE)
			rt_symout_add(o, " [%s]", s.module);
		rt_symout_add(o, "%s", nl);
	}
	if (o->dst && o->full)
		o->len = start;
	if (o->dst)
		o->dst[o->len] = '\0';
}

void rt_ksym_sprint(struct rt_context *c, char *dst, unsigned long addr,
		    unsigned int flags)
{
	struct rt_symout o = { .c = c, .dst = dst };

	dst[0] = '\0';
	rt_symout_entry(&o, addr, flags);
}

static void rt_ksyms_out(struct rt_symout *o, const char *addrs,
			 unsigned int flags)
{
	unsigned long addr;

	/* Bounded by the string: at most MAXSTRINGLEN / 2 addresses. */
	while (!o->full && rt_addr_next(&addrs, &addr))
		rt_symout_entry(o, addr, flags);
}

void rt_ksyms_sprint(struct rt_context *c, char *dst, const char *addrs,
		     unsigned int flags)
{
	struct rt_symout o = { .c = c, .dst = dst };

	dst[0] = '\0';
	rt_ksyms_out(&o, addrs, flags);
}

void rt_ksyms_print(struct rt_context *c, const char *addrs, unsigned int flags)
{
	struct rt_symout o = { .c = c };

	rt_ksyms_out(&o, addrs, flags);
}

static void rt_kstack_out(struct rt_symout *o, int from, unsigned int flags)
{
	const struct rt_kstack *s = rt_kstack_get(o->c);
	int i;

	for (i = from; i < s->depth && !o->full; i++)
		rt_symout_entry(o, s->addr[i], flags);
}

void rt_kstack_sprint(struct rt_context *c, char *dst, int from,
		      unsigned int flags)
{
	struct rt_symout o = { .c = c, .dst = dst };

	dst[0] = '\0';
	rt_kstack_out(&o, from, flags);
}

void rt_kstack_print(struct rt_context *c, int from, unsigned int flags)
{
	struct rt_symout o = { .c = c };

	rt_kstack_out(&o, from, flags);
}
