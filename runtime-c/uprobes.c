/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uprobes.c - registering a module's uprobes and uretprobes and running
 * their hits, and the process begin/end events.
 *
 * Uprobes: each PATH is resolved with kern_path() at start and held (path
 * and dentry, hence the inode) until the probe is unregistered. A process(PID) probe
 * keeps the process's mm (mmgrab: the pointer stays unique) so that the
 * consumer's filter keeps the breakpoint out of every other process; the
 * handler checks the process again because another consumer of the same
 * uprobe may have installed it there. Handlers run in process context,
 * possibly preemptible: rt_probe_run() disables preemption itself. When
 * unregistering has returned (after uprobe_unregister_sync() where the
 * kernel splits it), no handler runs and no pending return calls into the
 * module.
 *
 * Process events: probes on the sched_process_exec and sched_process_exit
 * tracepoints, found with for_each_kernel_tracepoint(). A .begin fires in
 * the new program's context after exec; an .end when the last thread of a
 * process (its leader, once the group is dead) exits. process("PATH").end
 * remembers the processes seen running PATH, as the exiting task has
 * already dropped its memory map.
 */

#include <linux/namei.h>
#include <linux/binfmts.h>
#include <linux/tracepoint.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>

DEFINE_PER_CPU(unsigned long, rt_ubias);

#ifdef CONFIG_UPROBES

/*
 * A hit at run-time address @at of the instruction the translator knows at
 * link-time address u->vaddr: the difference is the file's load bias.
 */
static void rt_uprobe_hit(struct rt_uprobe *u, struct pt_regs *regs,
			  unsigned long at)
{
	if (u->pid && task_tgid_nr(current) != u->pid)
		return;
	/*
	 * Preemption off from here to the hit's end, so the bias stays this
	 * CPU's: only uprobe handlers write it, and none can run in between.
	 */
	preempt_disable();
	__this_cpu_write(rt_ubias, at - (unsigned long)u->vaddr);
	rt_probe_run_at(u->probe, RT_PHASE_RUN, regs, 0);
	preempt_enable();
}

static int rt_uprobe_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	/* ip is still the probed instruction's address here */
	rt_uprobe_hit(container_of(uc, struct rt_uprobe, uc), regs,
		      instruction_pointer(regs));
	return 0;
}

static int rt_uretprobe_handler(struct uprobe_consumer *uc,
				unsigned long func, struct pt_regs *regs)
{
	/* func: where the probed function was entered (a uretprobe sits there) */
	rt_uprobe_hit(container_of(uc, struct rt_uprobe, uc), regs, func);
	return 0;
}

static bool rt_uprobe_wants(struct rt_uprobe *u, struct mm_struct *mm)
{
	return !u->mm || u->mm == mm;
}

#ifdef RT_HAVE_UPROBE_FILTER_MM
static bool rt_uprobe_filter(struct uprobe_consumer *uc, struct mm_struct *mm)
{
	return rt_uprobe_wants(container_of(uc, struct rt_uprobe, uc), mm);
}
#else
static bool rt_uprobe_filter(struct uprobe_consumer *uc,
			     enum uprobe_filter_ctx ctx, struct mm_struct *mm)
{
	return rt_uprobe_wants(container_of(uc, struct rt_uprobe, uc), mm);
}
#endif

static void rt_uprobe_refused(const struct rt_uprobe *u, const char *what,
			      int rc)
{
	char msg[384];
	int n;

	n = scnprintf(msg, sizeof(msg),
		      "%s: probe %s (%s+%#llx) registration error: %s (rc %d)\n",
		      u->optional ? "WARNING" : "ERROR", u->probe->pp,
		      u->path, (unsigned long long)u->offset, what, rc);
	rt_transport_write(RT_REC_STDERR, msg, n);
}

/* The mm of process @nr, held with mmgrab(), or NULL. */
static struct mm_struct *rt_pid_mm(pid_t nr)
{
	struct task_struct *t;
	struct mm_struct *mm = NULL;
	struct pid *pid = find_get_pid(nr);

	if (!pid)
		return NULL;
	t = get_pid_task(pid, PIDTYPE_TGID);
	put_pid(pid);
	if (!t)
		return NULL;
	task_lock(t);
	if (t->mm) {
		mm = t->mm;
		mmgrab(mm);
	}
	task_unlock(t);
	put_task_struct(t);
	return mm;
}

/* Looks @name up and holds it in @file; its inode, or NULL with *rc set. */
static struct inode *rt_path_inode(const char *name, struct path *file, int *rc)
{
	*rc = kern_path(name, LOOKUP_FOLLOW, file);
	if (*rc)
		return NULL;
	if (!d_is_reg(file->dentry)) {
		path_put(file);
		*rc = -EINVAL;
		return NULL;
	}
	return d_inode(file->dentry);
}

static int rt_uprobe_arm_one(struct rt_uprobe *u)
{
	int rc;

	/*
	 * Uprobes live on the inode that backs the pages: on overlayfs that is
	 * the real inode beneath (as the kernel's own uprobe tracer does).
	 */
	u->inode = rt_path_inode(u->path, &u->file, &rc);
	if (u->inode)
		u->inode = d_real_inode(u->file.dentry);
	if (!u->inode) {
		rt_uprobe_refused(u, "cannot open the file", rc);
		return rc;
	}
	if (u->pid) {
		u->mm = rt_pid_mm(u->pid);
		if (!u->mm) {
			rc = -ESRCH;
			rt_uprobe_refused(u, "no such process", rc);
			goto fail;
		}
	}
	memset(&u->uc, 0, sizeof(u->uc));
	if (u->ret)
		u->uc.ret_handler = rt_uretprobe_handler;
	else
		u->uc.handler = rt_uprobe_handler;
	if (u->pid)
		u->uc.filter = rt_uprobe_filter;
#ifdef RT_HAVE_UPROBE_REGISTER_REF
	u->uprobe = uprobe_register(u->inode, u->offset, 0, &u->uc);
	rc = IS_ERR(u->uprobe) ? PTR_ERR(u->uprobe) : 0;
#else
	rc = uprobe_register(u->inode, u->offset, &u->uc);
#endif
	if (rc) {
		rt_uprobe_refused(u, "the kernel refused it", rc);
		goto fail;
	}
	u->registered = true;
	return 0;
fail:
	if (u->mm)
		mmdrop(u->mm);
	u->mm = NULL;
	path_put(&u->file);
	u->inode = NULL;
	return rc;
}

int rt_uprobes_arm(struct rt_uprobe *us, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = rt_uprobe_arm_one(&us[i]);
		if (rc && !us[i].optional)
			return rc;	/* the caller disarms what is armed */
		cond_resched();
	}
	return 0;
}

void rt_uprobes_disarm(struct rt_uprobe *us, size_t n)
{
	size_t i;
	bool any = false;

	for (i = 0; i < n; i++) {
		struct rt_uprobe *u = &us[i];

		if (!u->registered)
			continue;
#ifdef RT_HAVE_UPROBE_REGISTER_REF
		uprobe_unregister_nosync(u->uprobe, &u->uc);
#else
		uprobe_unregister(u->inode, u->offset, &u->uc);
#endif
		any = true;
	}
#ifdef RT_HAVE_UPROBE_REGISTER_REF
	if (any)
		uprobe_unregister_sync();
#endif
	for (i = 0; i < n; i++) {
		struct rt_uprobe *u = &us[i];

		if (!u->registered)
			continue;
		u->registered = false;
		if (u->mm)
			mmdrop(u->mm);
		u->mm = NULL;
		path_put(&u->file);
		u->inode = NULL;
	}
}

#else /* no uprobes in this kernel */

int rt_uprobes_arm(struct rt_uprobe *us, size_t n)
{
	return n ? -ENOSYS : 0;
}

void rt_uprobes_disarm(struct rt_uprobe *us, size_t n)
{
}

#endif

/* ---- process begin / end ---- */

static struct rt_proc_event *rt_events;
static size_t rt_nevents;
static struct tracepoint *rt_tp_exec, *rt_tp_exit;
static bool rt_tp_exec_on, rt_tp_exit_on;

static void rt_tp_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exec"))
		rt_tp_exec = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		rt_tp_exit = tp;
}

static void rt_track(struct rt_proc_event *e, pid_t tgid, bool on)
{
	int i;

	for (i = 0; i < RT_PROC_TRACKED; i++)
		if (READ_ONCE(e->tracked[i]) == tgid) {
			if (!on)
				cmpxchg(&e->tracked[i], tgid, 0);
			return;
		}
	if (!on)
		return;
	for (i = 0; i < RT_PROC_TRACKED; i++)
		if (!READ_ONCE(e->tracked[i]) &&
		    cmpxchg(&e->tracked[i], 0, tgid) == 0)
			return;
}

static bool rt_tracked(struct rt_proc_event *e, pid_t tgid)
{
	int i;

	for (i = 0; i < RT_PROC_TRACKED; i++)
		if (READ_ONCE(e->tracked[i]) == tgid)
			return cmpxchg(&e->tracked[i], tgid, 0) == tgid;
	return false;
}

static void rt_on_exec(void *data, struct task_struct *p, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	size_t i;

	for (i = 0; i < rt_nevents; i++) {
		struct rt_proc_event *e = &rt_events[i];
		bool match = (!e->pid || task_tgid_nr(p) == e->pid) &&
			     (!e->inode || file_inode(bprm->file) == e->inode);

		if (e->end) {
			if (e->inode)
				rt_track(e, task_tgid_nr(p), match);
			continue;
		}
		if (match)
			rt_probe_run(e->probe, RT_PHASE_RUN);
	}
}

static void rt_on_exit(void *data, struct task_struct *p)
{
	size_t i;

	/* The process ends with its group: its leader, once all are gone. */
	if (!thread_group_leader(p) || atomic_read(&p->signal->live))
		return;
	for (i = 0; i < rt_nevents; i++) {
		struct rt_proc_event *e = &rt_events[i];

		if (!e->end || (e->pid && task_tgid_nr(p) != e->pid))
			continue;
		if (e->inode && !rt_tracked(e, task_tgid_nr(p)))
			continue;
		rt_probe_run(e->probe, RT_PHASE_RUN);
	}
}

/* process("PATH").end also ends the processes running PATH already. */
static void rt_track_running(struct rt_proc_event *e)
{
	struct task_struct *t;

	rcu_read_lock();
	for_each_process(t) {
		struct file *exe = NULL;

		task_lock(t);
		if (t->mm)
			exe = rcu_dereference(t->mm->exe_file);
		if (exe && file_inode(exe) == e->inode)
			rt_track(e, task_tgid_nr(t), true);
		task_unlock(t);
	}
	rcu_read_unlock();
}

int rt_proc_events_arm(struct rt_proc_event *es, size_t n)
{
	size_t i;
	bool begin = false, end = false;
	int rc = 0;

	for (i = 0; i < n; i++) {
		struct rt_proc_event *e = &es[i];

		if (e->end)
			end = true;
		else
			begin = true;
		if (!e->path)
			continue;
		e->inode = rt_path_inode(e->path, &e->file, &rc);
		if (!e->inode) {
			char msg[320];
			int len = scnprintf(msg, sizeof(msg),
					    "ERROR: probe %s: cannot open %s (rc %d)\n",
					    e->probe->pp, e->path, rc);

			rt_transport_write(RT_REC_STDERR, msg, len);
			goto fail;
		}
		if (e->end)
			rt_track_running(e);
	}
	rt_events = es;
	rt_nevents = n;
	for_each_kernel_tracepoint(rt_tp_find, NULL);
	/* A path-filtered .end needs exec to learn who runs the path. */
	if (begin || end) {
		rc = rt_tp_exec ? tracepoint_probe_register(rt_tp_exec,
							    (void *)rt_on_exec, NULL)
				: -ENOENT;
		if (rc)
			goto fail;
		rt_tp_exec_on = true;
	}
	if (end) {
		rc = rt_tp_exit ? tracepoint_probe_register(rt_tp_exit,
							    (void *)rt_on_exit, NULL)
				: -ENOENT;
		if (rc)
			goto fail;
		rt_tp_exit_on = true;
	}
	return 0;
fail:
	rt_proc_events_disarm(es, n);
	return rc ?: -ENOENT;
}

void rt_proc_events_disarm(struct rt_proc_event *es, size_t n)
{
	size_t i;

	if (rt_tp_exec_on)
		tracepoint_probe_unregister(rt_tp_exec, (void *)rt_on_exec, NULL);
	if (rt_tp_exit_on)
		tracepoint_probe_unregister(rt_tp_exit, (void *)rt_on_exit, NULL);
	if (rt_tp_exec_on || rt_tp_exit_on)
		tracepoint_synchronize_unregister();
	rt_tp_exec_on = rt_tp_exit_on = false;
	for (i = 0; i < n; i++) {
		if (es[i].inode)
			path_put(&es[i].file);
		es[i].inode = NULL;
	}
}
