/* mm->rss_stat as per-cpu counters, one per MM_* member (6.2+); older kernels keep
 * atomic counts in struct mm_rss_stat, with per-task caches (SPLIT_RSS_COUNTING) */
#include <linux/mm_types.h>
#include <linux/percpu_counter.h>

s64 rt_feature_mm_rss_percpu(struct mm_struct *mm);
s64 rt_feature_mm_rss_percpu(struct mm_struct *mm)
{
	return percpu_counter_read(&mm->rss_stat[MM_ANONPAGES]);
}
