/* uprobe_consumer.filter(self, mm) without the enum uprobe_filter_ctx argument (6.12+) */
#include <linux/uprobes.h>

static bool rt_feature_filter(struct uprobe_consumer *self, struct mm_struct *mm)
{
	return true;
}

struct uprobe_consumer rt_feature_uprobe_filter_mm = {
	.filter = rt_feature_filter,
};
