/* uprobe_register_refctr(inode, offset, ref_ctr_offset, uc): a uprobe that counts an SDT semaphore up while registered (4.20 to 6.11; 6.12 folds it into uprobe_register, uprobe_register_ref.c) */
#include <linux/uprobes.h>

int rt_feature_uprobe_register_refctr(struct inode *inode, struct uprobe_consumer *uc);
int rt_feature_uprobe_register_refctr(struct inode *inode, struct uprobe_consumer *uc)
{
	int rc = uprobe_register_refctr(inode, 0, 8, uc);

	if (!rc)
		uprobe_unregister(inode, 0, uc);
	return rc;
}
