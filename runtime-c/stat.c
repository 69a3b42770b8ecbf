/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stat.c - statistics: per-CPU updates, aggregation on read, extractors
 * and histogram printing (value column, bars of '@' scaled to HIST_WIDTH,
 * count column, runs of empty buckets elided as '~').
 */

int rt_stat_var_init(struct rt_stat_var *v, const struct rt_stat_desc *d)
{
	v->desc = d;
	v->size = rt_stat_size(d);
	v->slots = rt_vzalloc_counted(v->size * nr_cpu_ids);
	return v->slots ? 0 : -ENOMEM;
}

void rt_stat_var_free(struct rt_stat_var *v)
{
	vfree(v->slots);
	v->slots = NULL;
}

static int rt_hist_log_bucket(s64 v)
{
	if (v == 0)
		return 64;
	if (v > 0)
		return 65 + ilog2((u64)v);
	if (v == S64_MIN)
		return 0;
	return 63 - ilog2((u64)-v);
}

static s64 rt_hist_log_value(int b)
{
	if (b == 64)
		return 0;
	if (b > 64)
		return (s64)1 << (b - 65);
	if (b == 0)
		return S64_MIN;
	return -((s64)1 << (63 - b));
}

void rt_stat_add(const struct rt_stat_desc *d, char *slots, size_t size, s64 v)
{
	struct rt_stat *s = (struct rt_stat *)(slots + size * smp_processor_id());
	s64 x = v << d->shift, delta;
	int b;

	if (s->count == 0 || v < s->min)
		s->min = v;
	if (s->count == 0 || v > s->max)
		s->max = v;
	s->count++;
	s->sum += v;
	/* Welford's online algorithm, in integers. */
	delta = x - s->avg_s;
	s->avg_s += div64_s64(delta, s->count);
	s->m2 += delta * (x - s->avg_s);
	switch (d->hist) {
	case RT_HIST_LOG:
		s->hist[rt_hist_log_bucket(v)]++;
		break;
	case RT_HIST_LINEAR:
		if (v < d->lo) {
			b = 0;
		} else {
			s64 i = div64_s64(v - d->lo, d->step);

			b = i >= d->nbuckets - 2 ? d->nbuckets - 1 : i + 1;
		}
		s->hist[b]++;
		break;
	}
}

void rt_stat_reset(const struct rt_stat_desc *d, char *slots, size_t size)
{
	memset(slots, 0, size * nr_cpu_ids);
}

void rt_stat_aggregate(const struct rt_stat_desc *d, char *slots, size_t size,
		       struct rt_stat_agg *a)
{
	s64 avg_s, m2 = 0;
	int cpu;

	memset(a, 0, sizeof(*a));
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct rt_stat *s = (struct rt_stat *)(slots + size * cpu);

		if (!s->count)
			continue;
		if (!a->count || s->min < a->min)
			a->min = s->min;
		if (!a->count || s->max > a->max)
			a->max = s->max;
		a->count += s->count;
		a->sum += s->sum;
	}
	if (!a->count)
		return;
	a->avg = div64_s64(a->sum, a->count);
	if (a->count < 2)
		return;
	/* Combine the CPUs' M2 around the overall (shifted) mean. */
	avg_s = div64_s64(a->sum << d->shift, a->count);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct rt_stat *s = (struct rt_stat *)(slots + size * cpu);
		s64 diff = s->avg_s - avg_s;

		if (s->count)
			m2 += s->m2 + s->count * diff * diff;
	}
	a->variance = div64_s64(m2, a->count - 1) >> (2 * d->shift);
}

s64 rt_stat_get(struct rt_context *c, const struct rt_stat_desc *d,
		char *slots, size_t size, int op)
{
	struct rt_stat_agg a;

	rt_stat_aggregate(d, slots, size, &a);
	if (op == RT_STAT_COUNT)
		return a.count;
	if (op == RT_STAT_SUM)
		return a.sum;
	if (!a.count) {
		rt_error(c, "empty aggregate");
		return 0;
	}
	switch (op) {
	case RT_STAT_MIN:
		return a.min;
	case RT_STAT_MAX:
		return a.max;
	case RT_STAT_AVG:
		return a.avg;
	default:
		return a.variance;
	}
}

static s64 rt_hist_bucket(const struct rt_stat_desc *d, char *slots,
			  size_t size, int b)
{
	s64 n = 0;
	int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		n += ((struct rt_stat *)(slots + size * cpu))->hist[b];
	return n;
}

s64 rt_stat_hist_bucket(struct rt_context *c, const struct rt_stat_desc *d,
			char *slots, size_t size, s64 i)
{
	if (i < 0 || i >= d->nbuckets) {
		rt_errorf(c, "histogram index %lld out of range (0 to %u)", i,
			  d->nbuckets - 1);
		return 0;
	}
	return slots ? rt_hist_bucket(d, slots, size, i) : 0;
}

static int rt_hist_label(const struct rt_stat_desc *d, int b, char *buf,
			 size_t len)
{
	if (d->hist == RT_HIST_LOG)
		return scnprintf(buf, len, "%lld", rt_hist_log_value(b));
	if (b == 0)
		return scnprintf(buf, len, "<%lld", d->lo);
	if (b == d->nbuckets - 1)
		return scnprintf(buf, len, ">%lld", d->hi);
	return scnprintf(buf, len, "%lld", d->lo + (s64)(b - 1) * d->step);
}

static void rt_hist_row(struct rt_context *c, const struct rt_stat_desc *d,
			int b, s64 n, int vw, int cw, s64 scale)
{
	static const char bar[HIST_WIDTH + 1] = {
		[0 ... HIST_WIDTH - 1] = '@'
	};
	char label[32];
	int at = (int)div64_s64(n, scale);

	rt_hist_label(d, b, label, sizeof(label));
	rt_printf(c, "%*s |%.*s%*s %*lld\n", vw, label, at, bar,
		  HIST_WIDTH - at, "", cw, n);
}

void rt_stat_print_hist(struct rt_context *c, const struct rt_stat_desc *d,
			char *slots, size_t size)
{
	int nb = d->nbuckets, lo, hi, first = -1, last = -1, b, vw = 5, cw;
	s64 max = 0, scale = 1;
	char label[32];

	for (b = 0; b < nb; b++) {
		s64 n = rt_hist_bucket(d, slots, size, b);

		if (!n)
			continue;
		if (first < 0)
			first = b;
		last = b;
		if (n > max)
			max = n;
	}
	if (first < 0) {
		rt_error(c, "empty aggregate");
		return;
	}
	/* The buckets that may be shown: no negative ones without data,
	 * no out-of-range ones without data. */
	if (d->hist == RT_HIST_LOG) {
		lo = first < 64 ? 0 : 64;
		hi = nb - 1;
	} else {
		lo = first == 0 ? 0 : 1;
		hi = last == nb - 1 ? nb - 1 : nb - 2;
	}
	if (HIST_ELISION >= 0) {
		lo = max_t(int, lo, first - HIST_ELISION);
		hi = min_t(int, hi, last + HIST_ELISION);
	}
	for (b = lo; b <= hi; b++)
		vw = max(vw, rt_hist_label(d, b, label, sizeof(label)));
	cw = scnprintf(label, sizeof(label), "%lld", max);
	if (max > HIST_WIDTH)
		scale = div64_s64(max + HIST_WIDTH - 1, HIST_WIDTH);

	rt_printf(c, "%*s |", vw, "value");
	for (b = 0; b < HIST_WIDTH; b++)
		rt_printf(c, "-");
	rt_printf(c, " count\n");
	for (b = lo; b <= hi; b++) {
		s64 n = rt_hist_bucket(d, slots, size, b);
		int run = 0;

		if (!n && HIST_ELISION >= 0) {
			while (b + run <= hi &&
			       !rt_hist_bucket(d, slots, size, b + run))
				run++;
			/* Inside the data, a long empty run keeps its ends. */
			if (b > first && b + run - 1 < last &&
			    run > 2 * HIST_ELISION) {
				int i;

				for (i = 0; i < HIST_ELISION; i++)
					rt_hist_row(c, d, b + i, 0, vw, cw, scale);
				rt_printf(c, "%*s ~\n", vw, "");
				for (i = run - HIST_ELISION; i < run; i++)
					rt_hist_row(c, d, b + i, 0, vw, cw, scale);
				b += run - 1;
				continue;
			}
		}
		rt_hist_row(c, d, b, n, vw, cw, scale);
	}
	rt_printf(c, "\n");
}
