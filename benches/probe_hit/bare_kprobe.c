// SPDX-License-Identifier: GPL-2.0
/*
 * The limit for one probe hit: a bare kprobe whose handler increments a
 * per-CPU counter, nothing else. rstap's probes are measured against it.
 */
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>

static char *sym = "__do_sys_getppid";
module_param(sym, charp, 0444);
static DEFINE_PER_CPU(unsigned long, bare_hits);

static int bare_pre(struct kprobe *p, struct pt_regs *regs)
{
	this_cpu_inc(bare_hits);
	return 0;
}

static struct kprobe bare_kp = { .pre_handler = bare_pre };

static int __init bare_init(void)
{
	bare_kp.symbol_name = sym;
	return register_kprobe(&bare_kp);
}

static void __exit bare_exit(void)
{
	unsigned long n = 0;
	int cpu;

	unregister_kprobe(&bare_kp);
	for_each_possible_cpu(cpu)
		n += per_cpu(bare_hits, cpu);
	pr_info("bare_kprobe: %lu hits\n", n);
}

module_init(bare_init);
module_exit(bare_exit);
MODULE_LICENSE("GPL");
