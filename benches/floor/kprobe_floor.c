// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for pass 4: the smallest useful module, one kprobe, built by a
 * bare Kbuild run. rstap's -p4 is measured against this.
 */
#include <linux/module.h>
#include <linux/kprobes.h>

static int floor_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

static struct kprobe floor_kp = {
	.symbol_name = "vfs_read",
	.pre_handler = floor_pre,
};

static int __init floor_init(void)
{
	return register_kprobe(&floor_kp);
}

static void __exit floor_exit(void)
{
	unregister_kprobe(&floor_kp);
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
