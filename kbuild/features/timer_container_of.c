/* timer_container_of(): the new name of from_timer() (6.16+) */
#include <linux/timer.h>

struct rt_feature_t {
	struct timer_list timer;
};

struct rt_feature_t *rt_feature_timer_container_of(struct timer_list *t);
struct rt_feature_t *rt_feature_timer_container_of(struct timer_list *t)
{
	struct rt_feature_t *x = timer_container_of(x, t, timer);

	return x;
}
