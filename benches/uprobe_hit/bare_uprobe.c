// SPDX-License-Identifier: GPL-2.0
/*
 * The limit for one uprobe hit: a bare uprobe on PATH at file offset OFF
 * whose handler increments a per-CPU counter, nothing else. rstap's
 * process(...).function probes are measured against it. The uprobe API
 * differs between kernels: rt_features.h (rstap's kbuild feature tests for
 * this kernel, copied in by benches/uprobe_hit.sh) says which one this is.
 */
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/percpu.h>
#include <linux/uprobes.h>
#include "rt_features.h"

static char *path;
module_param(path, charp, 0444);
static long off;
module_param(off, long, 0444);
static DEFINE_PER_CPU(unsigned long, bare_hits);
static struct path file;
static struct inode *inode;
#ifdef RT_HAVE_UPROBE_REGISTER_REF
static struct uprobe *probe;
#endif

static int bare_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	this_cpu_inc(bare_hits);
	return 0;
}

static struct uprobe_consumer bare_uc = { .handler = bare_handler };

static int __init bare_init(void)
{
	int err = kern_path(path, LOOKUP_FOLLOW, &file);

	if (err)
		return err;
	/* the inode backing the pages (beneath overlayfs), as trace_uprobe does */
	inode = d_real_inode(file.dentry);
#ifdef RT_HAVE_UPROBE_REGISTER_REF
	probe = uprobe_register(inode, off, 0, &bare_uc);
	err = IS_ERR(probe) ? PTR_ERR(probe) : 0;
#else
	err = uprobe_register(inode, off, &bare_uc);
#endif
	if (err)
		path_put(&file);
	return err;
}

static void __exit bare_exit(void)
{
	unsigned long n = 0;
	int cpu;

#ifdef RT_HAVE_UPROBE_REGISTER_REF
	uprobe_unregister_nosync(probe, &bare_uc);
	uprobe_unregister_sync();
#else
	uprobe_unregister(inode, off, &bare_uc);
#endif
	path_put(&file);
	for_each_possible_cpu(cpu)
		n += per_cpu(bare_hits, cpu);
	pr_info("bare_uprobe: %lu hits\n", n);
}

module_init(bare_init);
module_exit(bare_exit);
MODULE_LICENSE("GPL");
