/* uprobe_register(inode, offset, ref_ctr_offset, uc) returning the struct uprobe * (6.12+), undone by uprobe_unregister_nosync() + uprobe_unregister_sync(); older kernels return an int and undo with uprobe_unregister(inode, offset, uc) */
#include <linux/uprobes.h>

struct uprobe *rt_feature_uprobe_register_ref(struct inode *inode, struct uprobe_consumer *uc);
struct uprobe *rt_feature_uprobe_register_ref(struct inode *inode, struct uprobe_consumer *uc)
{
	struct uprobe *u = uprobe_register(inode, 0, 0, uc);

	if (!IS_ERR(u)) {
		uprobe_unregister_nosync(u, uc);
		uprobe_unregister_sync();
	}
	return u;
}
