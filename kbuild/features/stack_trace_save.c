/* stack_trace_save(): the current task's stack into an array (5.2+, replacing save_stack_trace) */
#include <linux/stacktrace.h>

unsigned int rt_feature_stack_trace_save(unsigned long *store, unsigned int size);
unsigned int rt_feature_stack_trace_save(unsigned long *store, unsigned int size)
{
	return stack_trace_save(store, size, 0);
}
