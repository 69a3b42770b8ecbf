/* SPDX-License-Identifier: GPL-2.0 */
/*
 * namespaces.h - the "target namespaces" of the ns_* tapset functions: the
 * pid and user namespaces of the loader, as SystemTap defaults them to
 * stap's own. module_init runs in the loader's init_module call, so
 * current is the loader there; the references are dropped at unload.
 */
#ifndef RSTAP_NAMESPACES_H
#define RSTAP_NAMESPACES_H

#include <linux/pid_namespace.h>
#include <linux/user_namespace.h>

static struct pid_namespace *rt_target_pid_ns;
static struct user_namespace *rt_target_user_ns;

static inline void rt_ns_capture(void)
{
	rt_target_pid_ns = get_pid_ns(task_active_pid_ns(current));
	rt_target_user_ns = get_user_ns(current_user_ns());
}

static inline void rt_ns_release(void)
{
	put_pid_ns(rt_target_pid_ns);
	put_user_ns(rt_target_user_ns);
}

#endif
