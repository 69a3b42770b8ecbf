/* SPDX-License-Identifier: GPL-2.0 */
/*
 * map.h - script associative arrays: fixed pools of entries with hash
 * buckets, allocated once at module load (vmalloc), never in probe
 * context. Keys are one to nine longs and strings laid out in a struct
 * the translator generates per array (struct rt_map_layout describes it);
 * values are longs, strings or statistics (per-CPU slots, stat.h).
 *
 * Locking: the script global's reader-writer lock (lock.h) guards a map.
 * Writers hold it exclusively, except `<<<` into a statistics array, which
 * holds it shared: inserts (and deletes, clears) therefore also take the
 * map's own raw spin lock, and publish entries with release stores so
 * that lookups and iterations under a shared lock never see half an entry.
 */
#ifndef RSTAP_MAP_H
#define RSTAP_MAP_H

#define RT_MAP_MAXKEYS 9

enum { RT_KEY_LONG, RT_KEY_STR };
enum { RT_VAL_LONG, RT_VAL_STR, RT_VAL_STAT };

struct rt_stat_desc;

struct rt_map_layout {
	unsigned int nkeys;
	unsigned char key_type[RT_MAP_MAXKEYS];
	unsigned short key_off[RT_MAP_MAXKEYS];
	unsigned int key_size;			/* sizeof the generated key struct */
	unsigned int val_type;
	const struct rt_stat_desc *stat;	/* RT_VAL_STAT */
};

struct rt_map_entry {
	u32 hnext;		/* hash chain: index + 1; 0 ends it */
	u32 lprev, lnext;	/* live list (insertion order) or free list */
	u32 hash;
	u32 used;
	u32 pad;
	/* then the key (layout->key_size bytes, 8-aligned), then the value */
};

/* One element of a sorted iteration's snapshot. */
struct rt_map_sortent {
	s64 val;		/* a statistics aggregate, when sorting by one */
	u32 idx;		/* entry index + 1 */
	u32 seq;		/* position in insertion order: ties keep it */
};

struct rt_map {
	const struct rt_map_layout *lay;
	unsigned int max_entries;
	bool wrap;
	bool sortable;
	unsigned int entry_size, key_off, val_off, nbuckets;
	unsigned int count;
	u32 head, tail, free;	/* entry index + 1 */
	char *pool;
	u32 *buckets;
	size_t stat_size;	/* one CPU's slot of one entry */
	char *stats;		/* max_entries * nr_cpu_ids slots */
	struct rt_map_sortent *sortbuf;	/* max_entries per CPU */
	raw_spinlock_t lock;
};

struct rt_map_iter {
	u32 cur;			/* unsorted: next entry index + 1 */
	unsigned int pos, n;		/* sorted: place in the snapshot */
	struct rt_map_sortent *buf;
};

int rt_map_init(struct rt_map *m, const struct rt_map_layout *lay,
		unsigned int max_entries, bool wrap, bool sortable);
void rt_map_free(struct rt_map *m);

struct rt_map_entry *rt_map_find(struct rt_map *m, const void *key);
/* Find or add (value zeroed); NULL and an error when the map is full. */
struct rt_map_entry *rt_map_insert(struct rt_map *m, const void *key,
				   struct rt_context *c);
void rt_map_delete(struct rt_map *m, const void *key);
void rt_map_clear(struct rt_map *m);
/* `[a, *] in m`: whether an entry matches the keys whose bit is in mask. */
bool rt_map_match_any(struct rt_map *m, const void *key, unsigned int mask);
bool rt_map_entry_match(struct rt_map *m, struct rt_map_entry *e,
			const void *key, unsigned int mask);

/*
 * Iteration. column 0 sorts by value (by the statistics aggregate
 * stat_op for statistics arrays), N by key N; dir is 1 (+), -1 (-) or 0
 * (unsorted, insertion order).
 */
void rt_map_iter_start(struct rt_map *m, struct rt_map_iter *it, int column,
		       int dir, int stat_op);
struct rt_map_entry *rt_map_iter_next(struct rt_map *m, struct rt_map_iter *it);

static inline void *rt_map_val(struct rt_map *m, struct rt_map_entry *e)
{
	return (char *)e + m->val_off;
}

static inline s64 rt_map_key_long(struct rt_map *m, struct rt_map_entry *e,
				  unsigned int i)
{
	return *(s64 *)((char *)e + m->key_off + m->lay->key_off[i]);
}

static inline const char *rt_map_key_str(struct rt_map *m,
					 struct rt_map_entry *e, unsigned int i)
{
	return (char *)e + m->key_off + m->lay->key_off[i];
}

static inline u32 rt_map_index(struct rt_map *m, struct rt_map_entry *e)
{
	return ((char *)e - m->pool) / m->entry_size;
}

/* The statistics slots of an entry: one per CPU, m->stat_size apart. */
static inline char *rt_map_stats(struct rt_map *m, struct rt_map_entry *e)
{
	return m->stats + (size_t)rt_map_index(m, e) * nr_cpu_ids * m->stat_size;
}

/* Reads: absent elements read as 0 and "". */
static inline s64 rt_map_get_long(struct rt_map *m, const void *key)
{
	struct rt_map_entry *e = rt_map_find(m, key);

	return e ? *(s64 *)rt_map_val(m, e) : 0;
}

static inline const char *rt_map_get_str(struct rt_map *m, const void *key)
{
	struct rt_map_entry *e = rt_map_find(m, key);

	return e ? (const char *)rt_map_val(m, e) : "";
}

/* Writes: a pointer to the element's value, NULL (error set) when full. */
static inline s64 *rt_map_ref_long(struct rt_map *m, const void *key,
				   struct rt_context *c)
{
	struct rt_map_entry *e = rt_map_insert(m, key, c);

	return e ? (s64 *)rt_map_val(m, e) : NULL;
}

static inline char *rt_map_ref_str(struct rt_map *m, const void *key,
				   struct rt_context *c)
{
	struct rt_map_entry *e = rt_map_insert(m, key, c);

	return e ? (char *)rt_map_val(m, e) : NULL;
}

/* An extractor of an element of a statistics array: an absent element
 * has no samples. */
static inline s64 rt_map_stat_get(struct rt_context *c, struct rt_map *m,
				  const void *key, int op)
{
	struct rt_map_entry *e = rt_map_find(m, key);

	if (!e) {
		if (op != RT_STAT_COUNT && op != RT_STAT_SUM)
			rt_error(c, "empty aggregate");
		return 0;
	}
	return rt_stat_get(c, m->lay->stat, rt_map_stats(m, e), m->stat_size, op);
}

/* @hist_*(arr[k])[i]: an element not there has empty buckets. */
static inline s64 rt_map_stat_hist_bucket(struct rt_context *c, struct rt_map *m,
					  const void *key, s64 i)
{
	struct rt_map_entry *e = rt_map_find(m, key);

	return rt_stat_hist_bucket(c, m->lay->stat, e ? rt_map_stats(m, e) : NULL,
				   m->stat_size, i);
}

static inline void rt_map_stat_print_hist(struct rt_context *c,
					  struct rt_map *m, const void *key)
{
	struct rt_map_entry *e = rt_map_find(m, key);

	if (!e) {
		rt_error(c, "empty aggregate");
		return;
	}
	rt_stat_print_hist(c, m->lay->stat, rt_map_stats(m, e), m->stat_size);
}

#endif /* RSTAP_MAP_H */
