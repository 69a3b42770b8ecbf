/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kaslr.h - kernel data addresses under KASLR. kallsyms_lookup_name() is
 * not exported to modules, so a data address (a watched variable, @var, a
 * kernel global) comes from the target's vmlinux symbol table at translate
 * time, as linked. The kernel was moved as a whole by one offset, which the
 * address of an exported variable tells: jiffies_64 at run time minus
 * jiffies_64 as linked (RT_LINK_JIFFIES_64, emitted by the translator into
 * the generated C whenever the script's code calls rt_kernel_addr()).
 */
#ifndef RSTAP_KASLR_H
#define RSTAP_KASLR_H

#include <linux/jiffies.h>

#ifdef RT_LINK_JIFFIES_64
/* The run-time address of the vmlinux symbol linked at @link_addr. */
static inline unsigned long rt_kernel_addr(unsigned long link_addr)
{
	return link_addr + ((unsigned long)&jiffies_64 - RT_LINK_JIFFIES_64);
}
#endif

#endif /* RSTAP_KASLR_H */
