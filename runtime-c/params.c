/* SPDX-License-Identifier: GPL-2.0 */
/*
 * params.c - module parameters for script globals, so that
 * `rstaprun mod.ko name=value` (stap -G) sets them before the script starts.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stringify.h>

/* The longest string global value + 1: rstaprun refuses a longer name=value before
 * loading, naming the option (compiler/loader/src/params.rs), where the kernel would
 * give a bare ENOSPC. */
MODULE_INFO(rstap_maxstringlen, __stringify(MAXSTRINGLEN));

static int rt_param_set_s64(const char *val, const struct kernel_param *kp)
{
	return kstrtoll(val, 0, (s64 *)kp->arg);
}

static int rt_param_get_s64(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%lld\n", *(s64 *)kp->arg);
}

static const struct kernel_param_ops rt_param_ops_s64 __maybe_unused = {
	.set = rt_param_set_s64,
	.get = rt_param_get_s64,
};
