/* SPDX-License-Identifier: GPL-2.0 */
/*
 * map.c - associative arrays (see map.h): allocation at load, lookup,
 * insertion with MAXMAPENTRIES (or the declared size) as a hard bound or
 * wrapping, deletion, and iteration in insertion order or sorted through
 * a per-CPU snapshot buffer.
 */
#include <linux/sort.h>

#define RT_MAP_E(m, i) ((struct rt_map_entry *)((m)->pool + (size_t)((i) - 1) * (m)->entry_size))

int rt_map_init(struct rt_map *m, const struct rt_map_layout *lay,
		unsigned int max_entries, bool wrap, bool sortable)
{
	size_t val;
	u32 i;

	memset(m, 0, sizeof(*m));
	raw_spin_lock_init(&m->lock);
	m->lay = lay;
	m->max_entries = max_entries ? max_entries : 1;
	m->wrap = wrap;
	m->sortable = sortable;
	m->key_off = ALIGN(sizeof(struct rt_map_entry), 8);
	m->val_off = m->key_off + ALIGN(lay->key_size, 8);
	val = lay->val_type == RT_VAL_LONG ? sizeof(s64) :
	      lay->val_type == RT_VAL_STR ? ALIGN(MAXSTRINGLEN, 8) : 0;
	m->entry_size = m->val_off + val;
	m->nbuckets = roundup_pow_of_two(m->max_entries);
	m->pool = rt_vzalloc_counted((size_t)m->max_entries * m->entry_size);
	m->buckets = rt_vzalloc_counted(m->nbuckets * sizeof(u32));
	if (!m->pool || !m->buckets)
		goto fail;
	if (lay->val_type == RT_VAL_STAT) {
		m->stat_size = rt_stat_size(lay->stat);
		m->stats = rt_vzalloc_counted((size_t)m->max_entries * nr_cpu_ids *
				   m->stat_size);
		if (!m->stats)
			goto fail;
	}
	if (sortable) {
		m->sortbuf = rt_vzalloc_counted((size_t)m->max_entries * nr_cpu_ids *
				     sizeof(struct rt_map_sortent));
		if (!m->sortbuf)
			goto fail;
	}
	for (i = 1; i <= m->max_entries; i++)
		RT_MAP_E(m, i)->lnext = i < m->max_entries ? i + 1 : 0;
	m->free = 1;
	return 0;
fail:
	rt_map_free(m);
	return -ENOMEM;
}

void rt_map_free(struct rt_map *m)
{
	vfree(m->pool);
	vfree(m->buckets);
	vfree(m->stats);
	vfree(m->sortbuf);
	m->pool = NULL;
	m->buckets = NULL;
	m->stats = NULL;
	m->sortbuf = NULL;
}

static u32 rt_map_hash(const struct rt_map_layout *lay, const void *key)
{
	u32 h = 2166136261u;
	unsigned int i;

	for (i = 0; i < lay->nkeys; i++) {
		const unsigned char *p = (const unsigned char *)key + lay->key_off[i];

		if (lay->key_type[i] == RT_KEY_LONG) {
			int j;

			for (j = 0; j < 8; j++)
				h = (h ^ p[j]) * 16777619u;
		} else {
			unsigned int j;

			for (j = 0; j < MAXSTRINGLEN && p[j]; j++)
				h = (h ^ p[j]) * 16777619u;
			h = (h ^ 0xff) * 16777619u;
		}
	}
	return h;
}

static bool rt_map_key_eq(const struct rt_map_layout *lay, const void *a,
			  const void *b, unsigned int mask)
{
	unsigned int i;

	for (i = 0; i < lay->nkeys; i++) {
		const char *x = (const char *)a + lay->key_off[i];
		const char *y = (const char *)b + lay->key_off[i];

		if (!(mask & (1u << i)))
			continue;
		if (lay->key_type[i] == RT_KEY_LONG) {
			if (*(const s64 *)x != *(const s64 *)y)
				return false;
		} else if (strncmp(x, y, MAXSTRINGLEN)) {
			return false;
		}
	}
	return true;
}

static void *rt_map_key(struct rt_map *m, struct rt_map_entry *e)
{
	return (char *)e + m->key_off;
}

static struct rt_map_entry *rt_map_lookup(struct rt_map *m, const void *key,
					  u32 h)
{
	u32 i = smp_load_acquire(&m->buckets[h & (m->nbuckets - 1)]);
	unsigned int guard = 0;

	while (i && i <= m->max_entries && guard++ < m->max_entries) {
		struct rt_map_entry *e = RT_MAP_E(m, i);

		if (e->used && e->hash == h &&
		    rt_map_key_eq(m->lay, rt_map_key(m, e), key, ~0u))
			return e;
		i = smp_load_acquire(&e->hnext);
	}
	return NULL;
}

struct rt_map_entry *rt_map_find(struct rt_map *m, const void *key)
{
	return rt_map_lookup(m, key, rt_map_hash(m->lay, key));
}

/* Unlink entry i from its hash chain and the live list; lock held. */
static void rt_map_unlink(struct rt_map *m, u32 i)
{
	struct rt_map_entry *e = RT_MAP_E(m, i);
	u32 *p = &m->buckets[e->hash & (m->nbuckets - 1)];

	while (*p && *p != i)
		p = &RT_MAP_E(m, *p)->hnext;
	if (*p)
		WRITE_ONCE(*p, e->hnext);
	if (e->lprev)
		WRITE_ONCE(RT_MAP_E(m, e->lprev)->lnext, e->lnext);
	else
		m->head = e->lnext;
	if (e->lnext)
		RT_MAP_E(m, e->lnext)->lprev = e->lprev;
	else
		m->tail = e->lprev;
	WRITE_ONCE(e->used, 0);
	e->lnext = m->free;
	m->free = i;
	m->count--;
}

struct rt_map_entry *rt_map_insert(struct rt_map *m, const void *key,
				   struct rt_context *c)
{
	u32 h = rt_map_hash(m->lay, key);
	struct rt_map_entry *e = rt_map_lookup(m, key, h);
	unsigned long flags;
	u32 i, *b;

	if (likely(e))
		return e;
	raw_spin_lock_irqsave(&m->lock, flags);
	e = rt_map_lookup(m, key, h);	/* lost a race with another CPU? */
	if (e)
		goto out;
	if (!m->free) {
		if (!m->wrap || !m->head) {
			rt_error(c, "Array overflow, check MAXMAPENTRIES");
			goto out;
		}
		rt_map_unlink(m, m->head);	/* %: the oldest goes */
	}
	i = m->free;
	e = RT_MAP_E(m, i);
	m->free = e->lnext;
	memset(e, 0, m->entry_size);
	memcpy(rt_map_key(m, e), key, m->lay->key_size);
	e->hash = h;
	e->used = 1;
	if (m->stats)
		memset(rt_map_stats(m, e), 0, nr_cpu_ids * m->stat_size);
	e->lprev = m->tail;
	if (m->tail)
		smp_store_release(&RT_MAP_E(m, m->tail)->lnext, i);
	else
		smp_store_release(&m->head, i);
	m->tail = i;
	b = &m->buckets[h & (m->nbuckets - 1)];
	e->hnext = *b;
	smp_store_release(b, i);
	m->count++;
out:
	raw_spin_unlock_irqrestore(&m->lock, flags);
	return e;
}

void rt_map_delete(struct rt_map *m, const void *key)
{
	struct rt_map_entry *e = rt_map_find(m, key);
	unsigned long flags;

	if (!e)
		return;
	raw_spin_lock_irqsave(&m->lock, flags);
	if (e->used)
		rt_map_unlink(m, rt_map_index(m, e) + 1);
	raw_spin_unlock_irqrestore(&m->lock, flags);
}

void rt_map_clear(struct rt_map *m)
{
	unsigned long flags;
	u32 i;

	raw_spin_lock_irqsave(&m->lock, flags);
	while ((i = m->head))
		rt_map_unlink(m, i);
	raw_spin_unlock_irqrestore(&m->lock, flags);
}

bool rt_map_entry_match(struct rt_map *m, struct rt_map_entry *e,
			const void *key, unsigned int mask)
{
	return rt_map_key_eq(m->lay, rt_map_key(m, e), key, mask);
}

bool rt_map_match_any(struct rt_map *m, const void *key, unsigned int mask)
{
	u32 i = smp_load_acquire(&m->head);
	unsigned int guard = 0;

	while (i && i <= m->max_entries && guard++ < m->max_entries) {
		struct rt_map_entry *e = RT_MAP_E(m, i);

		if (!READ_ONCE(e->used))
			break;
		if (rt_map_entry_match(m, e, key, mask))
			return true;
		i = smp_load_acquire(&e->lnext);
	}
	return false;
}

struct rt_map_sortspec {
	struct rt_map *m;
	int column, dir;
	bool by_val;	/* sortent.val holds the sort key */
};

static int rt_map_cmp(const void *pa, const void *pb, const void *priv)
{
	const struct rt_map_sortspec *s = priv;
	const struct rt_map_sortent *a = pa, *b = pb;
	struct rt_map *m = s->m;
	struct rt_map_entry *ea = RT_MAP_E(m, a->idx), *eb = RT_MAP_E(m, b->idx);
	int r = 0;

	if (s->by_val) {
		r = a->val < b->val ? -1 : a->val > b->val;
	} else if (s->column == 0) {
		if (m->lay->val_type == RT_VAL_STR)
			r = strncmp(rt_map_val(m, ea), rt_map_val(m, eb), MAXSTRINGLEN);
		else {
			s64 x = *(s64 *)rt_map_val(m, ea), y = *(s64 *)rt_map_val(m, eb);

			r = x < y ? -1 : x > y;
		}
	} else {
		unsigned int k = s->column - 1;

		if (m->lay->key_type[k] == RT_KEY_STR)
			r = strncmp(rt_map_key_str(m, ea, k), rt_map_key_str(m, eb, k), MAXSTRINGLEN);
		else {
			s64 x = rt_map_key_long(m, ea, k), y = rt_map_key_long(m, eb, k);

			r = x < y ? -1 : x > y;
		}
	}
	r = r < 0 ? -1 : r > 0;
	r *= s->dir;
	if (!r)
		r = a->seq < b->seq ? -1 : 1;
	return r;
}

void rt_map_iter_start(struct rt_map *m, struct rt_map_iter *it, int column,
		       int dir, int stat_op)
{
	struct rt_map_sortspec spec = { m, column, dir, false };
	u32 i;
	unsigned int n = 0;

	memset(it, 0, sizeof(*it));
	if (!dir || !m->sortbuf) {
		it->cur = smp_load_acquire(&m->head);
		return;
	}
	it->buf = m->sortbuf + (size_t)smp_processor_id() * m->max_entries;
	for (i = smp_load_acquire(&m->head); i && i <= m->max_entries &&
	     n < m->max_entries; i = smp_load_acquire(&RT_MAP_E(m, i)->lnext)) {
		struct rt_map_entry *e = RT_MAP_E(m, i);

		if (!READ_ONCE(e->used))
			break;
		it->buf[n].idx = i;
		it->buf[n].seq = n;
		it->buf[n].val = 0;
		if (m->stats && column == 0) {
			struct rt_stat_agg a;

			rt_stat_aggregate(m->lay->stat, rt_map_stats(m, e),
					  m->stat_size, &a);
			switch (stat_op) {
			case RT_STAT_SUM: it->buf[n].val = a.sum; break;
			case RT_STAT_MIN: it->buf[n].val = a.min; break;
			case RT_STAT_MAX: it->buf[n].val = a.max; break;
			case RT_STAT_AVG: it->buf[n].val = a.avg; break;
			case RT_STAT_VARIANCE: it->buf[n].val = a.variance; break;
			default: it->buf[n].val = a.count; break;
			}
			spec.by_val = true;
		}
		n++;
	}
	it->n = n;
	sort_r(it->buf, n, sizeof(*it->buf), rt_map_cmp, NULL, &spec);
}

struct rt_map_entry *rt_map_iter_next(struct rt_map *m, struct rt_map_iter *it)
{
	struct rt_map_entry *e;

	if (it->buf) {
		while (it->pos < it->n) {
			e = RT_MAP_E(m, it->buf[it->pos++].idx);
			if (READ_ONCE(e->used))
				return e;
		}
		return NULL;
	}
	if (!it->cur || it->cur > m->max_entries)
		return NULL;
	e = RT_MAP_E(m, it->cur);
	if (!READ_ONCE(e->used))
		return NULL;
	it->cur = smp_load_acquire(&e->lnext);
	return e;
}
