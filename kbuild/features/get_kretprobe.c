/* get_kretprobe(): a kretprobe instance's probe (5.11+), replacing ri->rp */
#include <linux/kprobes.h>

struct kretprobe *rt_feature_get_kretprobe(struct kretprobe_instance *ri);
struct kretprobe *rt_feature_get_kretprobe(struct kretprobe_instance *ri)
{
	return get_kretprobe(ri);
}
