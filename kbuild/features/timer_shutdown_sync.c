/* timer_shutdown_sync(): stop a timer for good (6.2+); older kernels use del_timer_sync() */
#include <linux/timer.h>

void rt_feature_timer_shutdown_sync(struct timer_list *t);
void rt_feature_timer_shutdown_sync(struct timer_list *t)
{
	timer_shutdown_sync(t);
}
