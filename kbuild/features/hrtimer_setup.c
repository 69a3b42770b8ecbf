/* hrtimer_setup(): init and set the callback in one call (6.13+), replacing hrtimer_init() */
#include <linux/hrtimer.h>

static enum hrtimer_restart rt_feature_cb(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

void rt_feature_hrtimer_setup(struct hrtimer *t);
void rt_feature_hrtimer_setup(struct hrtimer *t)
{
	hrtimer_setup(t, rt_feature_cb, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
}
