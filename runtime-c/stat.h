/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stat.h - statistics (`x <<< v`): every CPU owns one slot per statistic
 * (preallocated), updated without locks or atomics since a CPU runs one
 * probe at a time; readers aggregate the slots of all CPUs. Extractors
 * @count @sum @min @max @avg @variance, and histograms (@hist_log,
 * @hist_linear) printed as SystemTap lays them out.
 */
#ifndef RSTAP_STAT_H
#define RSTAP_STAT_H

#ifndef HIST_WIDTH
#define HIST_WIDTH 50		/* characters of the widest bar */
#endif
#ifndef HIST_ELISION
#define HIST_ELISION 2		/* empty buckets kept around data; <0: all */
#endif

enum { RT_HIST_NONE, RT_HIST_LOG, RT_HIST_LINEAR };
enum { RT_STAT_COUNT, RT_STAT_SUM, RT_STAT_MIN, RT_STAT_MAX, RT_STAT_AVG,
       RT_STAT_VARIANCE };

/* Log buckets: 0..63 negative (-2^63 .. -1), 64 zero, 65..127 positive. */
#define RT_HIST_LOG_BUCKETS 128

struct rt_stat_desc {
	int hist;
	s64 lo, hi, step;	/* linear */
	unsigned int nbuckets;	/* log: 128; linear: payload + 2 */
	unsigned int shift;	/* @variance's bit shift */
};

/* One CPU's share of one statistic. */
struct rt_stat {
	s64 count, sum, min, max;
	s64 avg_s, m2;		/* Welford's running mean (shifted) and M2 */
	s64 hist[];
};

struct rt_stat_agg {
	s64 count, sum, min, max, avg, variance;
};

/* A global statistic that is not an array. */
struct rt_stat_var {
	const struct rt_stat_desc *desc;
	char *slots;		/* nr_cpu_ids slots */
	size_t size;
};

static inline size_t rt_stat_size(const struct rt_stat_desc *d)
{
	return sizeof(struct rt_stat) + d->nbuckets * sizeof(s64);
}

int rt_stat_var_init(struct rt_stat_var *v, const struct rt_stat_desc *d);
void rt_stat_var_free(struct rt_stat_var *v);

/* `<<<`: slots is the statistic's first slot; this CPU's is updated. */
void rt_stat_add(const struct rt_stat_desc *d, char *slots, size_t size, s64 v);
void rt_stat_reset(const struct rt_stat_desc *d, char *slots, size_t size);
void rt_stat_aggregate(const struct rt_stat_desc *d, char *slots, size_t size,
		       struct rt_stat_agg *a);
/* One extractor; @min/@max/@avg/@variance of nothing is an error. */
s64 rt_stat_get(struct rt_context *c, const struct rt_stat_desc *d,
		char *slots, size_t size, int op);
void rt_stat_print_hist(struct rt_context *c, const struct rt_stat_desc *d,
			char *slots, size_t size);
/* @hist_*(x)[i]: the count in bucket i, numbered as printed; outside, an error. */
s64 rt_stat_hist_bucket(struct rt_context *c, const struct rt_stat_desc *d,
			char *slots, size_t size, s64 i);

static inline void rt_stat_var_add(struct rt_stat_var *v, s64 x)
{
	rt_stat_add(v->desc, v->slots, v->size, x);
}

#endif /* RSTAP_STAT_H */
