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

/*
 * Id which of the task (0: current) in the target namespaces: 0 process,
 * 1 thread, 2 parent process, 3 process group, 4 session, 5 uid, 6 euid,
 * 7 gid, 8 egid. A task given by address must be a live task (it is looked
 * up by its thread id). An id the namespace cannot see is a script error.
 */
static inline long rt_ns_id(struct rt_context *c, long task, int which)
{
	struct task_struct *t = current;
	const struct cred *cred;
	long id = -1, ret = 0;
	pid_t tid;

	rcu_read_lock();
	if (task) {
		t = (struct task_struct *)(unsigned long)task;
		if (!rt_kread(c, &tid, (unsigned long)&t->pid, sizeof(tid)))
			goto out;
		if (pid_task(find_pid_ns(tid, &init_pid_ns), PIDTYPE_PID) != t) {
			rt_errorf(c, "invalid task struct pointer 0x%lx", (unsigned long)t);
			goto out;
		}
	}
	cred = rcu_dereference(t->real_cred);
	switch (which) {
	case 0: id = task_tgid_nr_ns(t, rt_target_pid_ns); break;
	case 1: id = task_pid_nr_ns(t, rt_target_pid_ns); break;
	case 2: id = task_tgid_nr_ns(rcu_dereference(t->real_parent), rt_target_pid_ns); break;
	case 3: id = task_pgrp_nr_ns(t, rt_target_pid_ns); break;
	case 4: id = task_session_nr_ns(t, rt_target_pid_ns); break;
	case 5: id = from_kuid(rt_target_user_ns, cred->uid); break;
	case 6: id = from_kuid(rt_target_user_ns, cred->euid); break;
	case 7: id = from_kgid(rt_target_user_ns, cred->gid); break;
	default: id = from_kgid(rt_target_user_ns, cred->egid); break;
	}
	/* pid 0 is "not in this namespace" for all but the idle tasks; an
	 * unmapped uid or gid is (uid_t)-1 */
	if (which <= 4 ? (id == 0 && !is_idle_task(t)) : id == (uid_t)-1)
		rt_errorf(c, "cannot resolve id in namespace");
	else
		ret = id;
out:
	rcu_read_unlock();
	return ret;
}

#endif
