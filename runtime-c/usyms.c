/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usyms.c - user-space address to object and symbol (usyms.h): the embedded
 * objects' inodes, the current task's VMAs, the remembered mappings, the
 * binary searches in the constant symbol tables, and SystemTap's formats
 * (the output helpers of symbols.c, same translation unit).
 */

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/namei.h>
#include <linux/dcache.h>

static struct rt_uobj *rt_uobjs;
static unsigned int rt_nuobjs;

void rt_uobjs_start(struct rt_uobj *objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		objs[i].inode = NULL;
		/* A file that is gone only loses its symbols. */
		if (kern_path(objs[i].path, LOOKUP_FOLLOW, &objs[i].file))
			continue;
		/* The inode behind the pages (overlayfs), as uprobes.c does. */
		objs[i].inode = d_real_inode(objs[i].file.dentry);
		if (!objs[i].inode)
			path_put(&objs[i].file);
	}
	rt_uobjs = objs;
	rt_nuobjs = n;
}

void rt_uobjs_stop(void)
{
	unsigned int i;

	for (i = 0; i < rt_nuobjs; i++) {
		if (rt_uobjs[i].inode)
			path_put(&rt_uobjs[i].file);
		rt_uobjs[i].inode = NULL;
	}
	rt_nuobjs = 0;
}

/*
 * Mappings seen in hits: [start, end) of the object at bias, in the mm
 * (compared, never followed). A ring under a try-lock: a lookup or a record
 * that finds it taken is simply skipped.
 */
#define RT_UMAPS 64
struct rt_umap {
	unsigned long start, end, bias;
	const struct mm_struct *mm;
	const struct rt_uobj *obj;
};
static struct rt_umap rt_umaps[RT_UMAPS];
static unsigned int rt_umaps_next;
static DEFINE_RAW_SPINLOCK(rt_umaps_lock);

static void rt_umap_record(const struct rt_umap *m)
{
	unsigned long flags;
	unsigned int i;

	if (!raw_spin_trylock_irqsave(&rt_umaps_lock, flags))
		return;
	for (i = 0; i < RT_UMAPS; i++)
		if (rt_umaps[i].obj == m->obj && rt_umaps[i].start == m->start &&
		    rt_umaps[i].mm == m->mm)
			break;
	if (i == RT_UMAPS) {
		rt_umaps[rt_umaps_next] = *m;
		rt_umaps_next = (rt_umaps_next + 1) % RT_UMAPS;
	}
	raw_spin_unlock_irqrestore(&rt_umaps_lock, flags);
}

/* A remembered mapping of addr, this mm's first. */
static bool rt_umap_find(unsigned long addr, struct rt_uloc *l)
{
	const struct mm_struct *mm = current->mm;
	unsigned long flags;
	bool found = false;
	unsigned int i;

	if (!raw_spin_trylock_irqsave(&rt_umaps_lock, flags))
		return false;
	for (i = 0; i < RT_UMAPS; i++) {
		const struct rt_umap *m = &rt_umaps[i];

		if (!m->obj || addr < m->start || addr >= m->end)
			continue;
		if (!found || m->mm == mm) {
			l->obj = m->obj;
			l->bias = m->bias;
			l->start = m->start;
			l->end = m->end;
			found = true;
		}
		if (m->mm == mm)
			break;
	}
	raw_spin_unlock_irqrestore(&rt_umaps_lock, flags);
	return found;
}

static const struct rt_uobj *rt_uobj_of(struct vm_area_struct *vma)
{
	struct inode *inode;
	unsigned int i;

	if (!vma || !vma->vm_file)
		return NULL;
	inode = file_inode(vma->vm_file);
	for (i = 0; i < rt_nuobjs; i++)
		if (rt_uobjs[i].inode && rt_uobjs[i].inode == inode)
			return &rt_uobjs[i];
	return NULL;
}

/* The VMA ending where vma starts, or NULL (find_vma_prev is not exported). */
static struct vm_area_struct *rt_vma_before(struct mm_struct *mm,
					    struct vm_area_struct *vma)
{
	struct vm_area_struct *p;

	if (!vma->vm_start)
		return NULL;
	p = find_vma(mm, vma->vm_start - 1);
	return p && p != vma && p->vm_end == vma->vm_start ? p : NULL;
}

/*
 * The object's load bias from a VMA mapping it. The loader maps the first
 * PT_LOAD segment (file offset 0) lowest, then the others after it, all from
 * the same file: walk back (a few steps) to the VMA at file offset 0, whose
 * start is the first segment's page. Failing that, the segment holding the
 * VMA's file offset (two segments may share a file page: less certain).
 */
static bool rt_uobj_bias(struct mm_struct *mm, const struct rt_uobj *o,
			 struct vm_area_struct *vma, unsigned long *bias)
{
	struct vm_area_struct *cur = vma, *prev;
	u64 off;
	int steps;
	unsigned int i;

	for (steps = 0; steps < 8 && cur->vm_pgoff; steps++) {
		prev = rt_vma_before(mm, cur);
		if (!prev || !prev->vm_file ||
		    file_inode(prev->vm_file) != file_inode(vma->vm_file))
			break;
		cur = prev;
	}
	if (!cur->vm_pgoff && o->nsegs && !o->segs[0].offset) {
		*bias = cur->vm_start - (o->segs[0].vaddr & PAGE_MASK);
		return true;
	}
	off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	for (i = 0; i < o->nsegs; i++) {
		const struct rt_useg *s = &o->segs[i];

		if (off >= (s->offset & PAGE_MASK) && off < s->offset + s->memsz) {
			/* vm_start maps file offset off, link address
			 * s->vaddr + (off - s->offset). */
			*bias = vma->vm_start - (s->vaddr + off - s->offset);
			return true;
		}
	}
	return false;
}

/* The current task's mapping of addr, under the mmap lock (task context). */
static bool rt_uvma_find(unsigned long addr, struct rt_uloc *l)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma, *prev;
	const struct rt_uobj *o;
	struct rt_umap m;
	bool ok = false;

	if (!in_task() || !mm || (current->flags & PF_KTHREAD) || !rt_nuobjs)
		return false;
	/*
	 * On PREEMPT_RT the mmap lock is an rtmutex-based rwsem: releasing it
	 * while a writer waits wakes the writer under raw_spin_lock_irq(),
	 * which turns interrupts back on. With them off (a probe inside an
	 * irq-off section), use only the mappings remembered.
	 */
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && irqs_disabled())
		return false;
	if (!mmap_read_trylock(mm))
		return false;
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr)
		goto out;
	prev = rt_vma_before(mm, vma);
	m.start = vma->vm_start;
	m.end = vma->vm_end;
	o = rt_uobj_of(vma);
	/* .bss past the file's last page: anonymous, right after its data. */
	if (!o && !vma->vm_file && prev && prev->vm_end == vma->vm_start) {
		o = rt_uobj_of(prev);
		vma = prev;
	}
	if (o && rt_uobj_bias(mm, o, vma, &m.bias)) {
		l->obj = o;
		l->bias = m.bias;
		l->start = m.start;
		l->end = m.end;
		m.mm = mm;
		m.obj = o;
		ok = true;
	}
out:
	mmap_read_unlock(mm);
	if (ok)
		rt_umap_record(&m);
	return ok;
}

bool rt_uaddr_locate(struct rt_context *c, unsigned long addr, struct rt_uloc *l)
{
	/*
	 * In a hit the current task's own mappings first; in begin/end
	 * probes (the loader's task) the mappings remembered from hits.
	 */
	if (c->regs)
		return rt_uvma_find(addr, l) || rt_umap_find(addr, l);
	return rt_umap_find(addr, l) || rt_uvma_find(addr, l);
}

const struct rt_usym *rt_usym_find(const struct rt_uobj *obj, u64 vaddr)
{
	unsigned int lo = 0, hi = obj->nsyms;

	/* The last symbol starting at or before vaddr. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (obj->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	/* Past the symbol's end (a .plt entry after .init's _init): none. */
	if (obj->syms[lo - 1].size && vaddr - obj->syms[lo - 1].addr >= obj->syms[lo - 1].size)
		return NULL;
	return &obj->syms[lo - 1];
}

static void rt_usymout_entry(struct rt_symout *o, unsigned long addr,
			     unsigned int flags, struct rt_uloc *near)
{
	const char *nl = (flags & RT_SYM_NEWLINE) ? "\n" : "";
	const struct rt_usym *s = NULL;
	size_t start = o->len;
	struct rt_uloc l;
	u64 vaddr = 0;
	bool known;

	known = rt_uaddr_locate_near(o->c, addr, near);
	l = *near;
	if (known) {
		vaddr = addr - l.bias;
		s = rt_usym_find(l.obj, vaddr);
	}
	if (flags & RT_SYM_ADDR)
		rt_symout_add(o, " 0x%016lx", addr);
	if (s) {
		if (flags & RT_SYM_ADDR)
			rt_symout_add(o, " : ");
		rt_symout_add(o, "%s", l.obj->strs + s->name);
		if (flags & RT_SYM_OFFSET)
			rt_symout_add(o, "+0x%llx", (unsigned long long)(vaddr - s->addr));
		if ((flags & RT_SYM_OFFSET) && (flags & RT_SYM_SIZE))
			rt_symout_add(o, "/0x%x", s->size);
		if (flags & RT_SYM_MODULE)
			rt_symout_add(o, " [%s]", l.obj->path);
	} else {
		/* No symbol: the address, and where in its object if known. */
		if (!(flags & RT_SYM_ADDR))
			rt_symout_add(o, "0x%lx", addr);
		if (known && (flags & RT_SYM_MODULE))
			rt_symout_add(o, " [%s+0x%llx]", l.obj->path,
				      (unsigned long long)vaddr);
	}
	rt_symout_add(o, "%s", nl);
	if (o->dst && o->full)
		o->len = start;
	if (o->dst)
		o->dst[o->len] = '\0';
}

void rt_usym_sprint(struct rt_context *c, char *dst, unsigned long addr,
		    unsigned int flags)
{
	struct rt_symout o = { .c = c, .dst = dst };
	struct rt_uloc near = { .obj = NULL };

	dst[0] = '\0';
	rt_usymout_entry(&o, addr, flags, &near);
}

static void rt_usyms_out(struct rt_symout *o, const char *addrs,
			 unsigned int flags)
{
	struct rt_uloc near = { .obj = NULL };
	unsigned long addr;

	/* Bounded by the string: at most MAXSTRINGLEN / 2 addresses. */
	while (!o->full && rt_addr_next(&addrs, &addr))
		rt_usymout_entry(o, addr, flags, &near);
}

void rt_usyms_sprint(struct rt_context *c, char *dst, const char *addrs,
		     unsigned int flags)
{
	struct rt_symout o = { .c = c, .dst = dst };

	dst[0] = '\0';
	rt_usyms_out(&o, addrs, flags);
}

void rt_usyms_print(struct rt_context *c, const char *addrs, unsigned int flags)
{
	struct rt_symout o = { .c = c };

	rt_usyms_out(&o, addrs, flags);
}

static void rt_ustack_out(struct rt_symout *o, int from, unsigned int flags)
{
	const struct rt_ustack *s = rt_ustack_get(o->c);
	struct rt_uloc near = { .obj = NULL };
	int i;

	for (i = from; i < s->depth && !o->full; i++)
		rt_usymout_entry(o, s->addr[i], flags, &near);
}

void rt_ustack_sprint(struct rt_context *c, char *dst, int from,
		      unsigned int flags)
{
	struct rt_symout o = { .c = c, .dst = dst };

	dst[0] = '\0';
	rt_ustack_out(&o, from, flags);
}

void rt_ustack_print(struct rt_context *c, int from, unsigned int flags)
{
	struct rt_symout o = { .c = c };

	rt_ustack_out(&o, from, flags);
}
