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
 * tracepoints, found with for_each_kernel_tracepoint(), and a kretprobe on
 * schedule_tail(), whose return is the first thing a new task runs (in its
 * own context, the run queue unlocked). A .begin fires in the new program's
 * context after exec, and in a forked child (which runs its parent's
 * program); an .end when the last thread of a process (its leader, once the
 * group is dead) exits. .thread.begin/.thread.end fire in each thread but a
 * process's first, when it starts and when it exits. A PATH .end remembers
 * the processes seen running PATH, as the exiting task has already dropped
 * its memory map.
 */

#include <linux/namei.h>
#include <linux/binfmts.h>
#include <linux/tracepoint.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>

DEFINE_PER_CPU(unsigned long, rt_ubias);

#ifdef CONFIG_UPROBES

/*
 * A hit at run-time address @at of the instruction the translator knows at
 * link-time address @vaddr: the difference is the file's load bias. @data:
 * a .return's @entry values (CONTEXT->kret_data), or NULL. True when the
 * body ran to its end.
 */
static bool rt_uprobe_run(const struct rt_probe *p, u64 vaddr,
			  struct pt_regs *regs, unsigned long at, void *data)
{
	bool ok;

	/*
	 * Preemption off from here to the hit's end, so the bias stays this
	 * CPU's: only uprobe handlers write it, and none can run in between.
	 */
	preempt_disable();
	__this_cpu_write(rt_ubias, at - (unsigned long)vaddr);
	ok = rt_probe_run_data(p, RT_PHASE_RUN, regs, 0, data);
	preempt_enable();
	return ok;
}

/* The inode of the executable @mm runs, or NULL (compared, never followed). */
static const struct inode *rt_mm_exe(struct mm_struct *mm)
{
	const struct inode *inode = NULL;
	struct file *exe;

	rcu_read_lock();
	exe = mm ? rcu_dereference(mm->exe_file) : NULL;
	if (exe)
		inode = file_inode(exe);
	rcu_read_unlock();
	return inode;
}

/*
 * Whether a hit in current is this probe's. The filter keeps the
 * breakpoint out of other processes, but another consumer of the same
 * uprobe may have put it there.
 */
static bool rt_uprobe_mine(const struct rt_uprobe *u)
{
	if (u->pid && task_tgid_nr(current) != u->pid)
		return false;
	return !u->exe_inode || rt_mm_exe(current->mm) == u->exe_inode;
}

static int rt_uprobe_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct rt_uprobe *u = container_of(uc, struct rt_uprobe, uc);

	/* ip is still the probed instruction's address here */
	if (rt_uprobe_mine(u))
		rt_uprobe_run(u->probe, u->vaddr, regs,
			      instruction_pointer(regs), NULL);
	return 0;
}

/*
 * The entry part of a .return with @entry (uentry.h): its values go into a
 * slot of the calling thread, under the sp the function was entered with.
 * No room is a counted skip; the return then finds nothing and does not run.
 */
static int rt_uentry_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct rt_uprobe *u = container_of(uc, struct rt_uprobe, entry_uc);
	unsigned long sp;
	struct rt_uentry_row *row;
	unsigned int slot;
	void *data;

	if (!rt_uprobe_mine(u))
		return 0;
	sp = u->entry_sp(regs);
	data = rt_uentry_claim(u, sp, &row, &slot);
	if (!data) {
		rt_skip();
		return 0;
	}
	if (rt_uprobe_run(u->entry, u->entry_vaddr, regs,
			  instruction_pointer(regs), data))
		rt_uentry_commit(row, slot, u, sp);
	else
		rt_uentry_abort(row);
	return 0;
}

static int rt_uretprobe_handler(struct uprobe_consumer *uc,
				unsigned long func, struct pt_regs *regs)
{
	struct rt_uprobe *u = container_of(uc, struct rt_uprobe, uc);
	struct rt_uentry_row *row;
	unsigned int slot;
	void *data;

	if (!rt_uprobe_mine(u))
		return 0;
	/* func: where the probed function was entered (a uretprobe sits there) */
	if (!u->entry) {
		rt_uprobe_run(u->probe, u->vaddr, regs, func, NULL);
		return 0;
	}
	/* `ret` popped the return address the entry's sp pointed at. */
	data = rt_uentry_find(u, user_stack_pointer(regs) - sizeof(long),
			      &row, &slot);
	if (!data)
		return 0;	/* its entry part was skipped (and counted) */
	rt_uprobe_run(u->probe, u->vaddr, regs, func, data);
	rt_uentry_done(row, slot);
	return 0;
}

/*
 * Whether @mm is process(PID)'s: the one it had at start, or (with memory
 * cgroups, which keep an mm's owner) one it has since exec'd into, which
 * a program that re-executes itself needs. A forked child is not it.
 */
static bool rt_uprobe_pid_mm(const struct rt_uprobe *u, struct mm_struct *mm)
{
#ifdef CONFIG_MEMCG
	struct task_struct *owner;
	bool same;
#endif

	if (u->mm == mm)
		return true;
#ifdef CONFIG_MEMCG
	rcu_read_lock();
	owner = rcu_dereference(mm->owner);
	same = owner && task_tgid_nr(owner) == u->pid;
	rcu_read_unlock();
	return same;
#else
	return false;
#endif
}

static bool rt_uprobe_wants(struct rt_uprobe *u, struct mm_struct *mm)
{
	return (!u->mm || rt_uprobe_pid_mm(u, mm)) &&
	       (!u->exe_inode || rt_mm_exe(mm) == u->exe_inode);
}

#ifdef RT_HAVE_UPROBE_FILTER_MM
#define RT_UPROBE_FILTER(name, member)						\
static bool name(struct uprobe_consumer *uc, struct mm_struct *mm)		\
{										\
	return rt_uprobe_wants(container_of(uc, struct rt_uprobe, member), mm);	\
}
#else
#define RT_UPROBE_FILTER(name, member)						\
static bool name(struct uprobe_consumer *uc, enum uprobe_filter_ctx ctx,	\
		 struct mm_struct *mm)						\
{										\
	return rt_uprobe_wants(container_of(uc, struct rt_uprobe, member), mm);	\
}
#endif
RT_UPROBE_FILTER(rt_uprobe_filter, uc)
RT_UPROBE_FILTER(rt_uprobe_entry_filter, entry_uc)

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

/*
 * Registers @uc at @offset of @inode, with the SDT semaphore at file offset
 * @ref_ctr (0: none) counted up while registered; 0 or the kernel's error.
 */
static int rt_uprobe_register(struct inode *inode, loff_t offset,
			      loff_t ref_ctr, struct uprobe_consumer *uc,
			      struct uprobe **up)
{
#ifdef RT_HAVE_UPROBE_REGISTER_REF
	*up = uprobe_register(inode, offset, ref_ctr, uc);
	return IS_ERR(*up) ? PTR_ERR(*up) : 0;
#elif defined(RT_HAVE_UPROBE_REGISTER_REFCTR)
	return uprobe_register_refctr(inode, offset, ref_ctr, uc);
#else
	/* no reference counters in this kernel: semaphores stay down */
	if (ref_ctr)
		return -EOPNOTSUPP;
	return uprobe_register(inode, offset, uc);
#endif
}

static void rt_uprobe_unregister(struct inode *inode, loff_t offset,
				 struct uprobe_consumer *uc, struct uprobe *up)
{
#ifdef RT_HAVE_UPROBE_REGISTER_REF
	uprobe_unregister_nosync(up, uc);
#else
	uprobe_unregister(inode, offset, uc);
#endif
}

static int rt_uprobe_arm_one(struct rt_uprobe *u)
{
	struct uprobe *up = NULL;
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
	if (u->exe) {
		/* As exec's file: the inode mm->exe_file has (not d_real's). */
		u->exe_inode = rt_path_inode(u->exe, &u->exe_file, &rc);
		if (!u->exe_inode) {
			rt_uprobe_refused(u, "cannot open its executable", rc);
			goto fail;
		}
	}
	memset(&u->uc, 0, sizeof(u->uc));
	memset(&u->entry_uc, 0, sizeof(u->entry_uc));
	if (u->ret)
		u->uc.ret_handler = rt_uretprobe_handler;
	else
		u->uc.handler = rt_uprobe_handler;
	u->entry_uc.handler = rt_uentry_handler;
	if (u->pid || u->exe) {
		u->uc.filter = rt_uprobe_filter;
		u->entry_uc.filter = rt_uprobe_entry_filter;
	}
	/* The entry part first: a return it did not see finds nothing. */
	if (u->entry) {
		rc = rt_uprobe_register(u->inode, u->entry_offset, 0, &u->entry_uc,
					&up);
		if (rc) {
			rt_uprobe_refused(u, "the kernel refused its entry part", rc);
			goto fail;
		}
		u->entry_uprobe = up;
		u->entry_registered = true;
	}
	rc = rt_uprobe_register(u->inode, u->offset, u->ref_ctr_offset, &u->uc,
				&up);
	if (rc) {
		rt_uprobe_refused(u, "the kernel refused it", rc);
		goto fail;
	}
	u->uprobe = up;
	u->registered = true;
	return 0;
fail:
	if (u->entry_registered) {
		rt_uprobe_unregister(u->inode, u->entry_offset, &u->entry_uc,
				     u->entry_uprobe);
#ifdef RT_HAVE_UPROBE_REGISTER_REF
		uprobe_unregister_sync();
#endif
		u->entry_registered = false;
	}
	if (u->mm)
		mmdrop(u->mm);
	u->mm = NULL;
	if (u->exe_inode)
		path_put(&u->exe_file);
	u->exe_inode = NULL;
	path_put(&u->file);
	u->inode = NULL;
	return rc;
}

int rt_uprobes_arm(struct rt_uprobe *us, size_t n)
{
	size_t i, data_size = 0;
	bool entry = false;
	int rc;

	for (i = 0; i < n; i++)
		if (us[i].entry) {
			entry = true;
			data_size = max(data_size, us[i].data_size);
		}
	if (entry) {
		rc = rt_uentry_alloc(data_size);
		if (rc)
			return rc;
	}
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

		if (u->entry_registered) {
			rt_uprobe_unregister(u->inode, u->entry_offset,
					     &u->entry_uc, u->entry_uprobe);
			any = true;
		}
		if (u->registered) {
			rt_uprobe_unregister(u->inode, u->offset, &u->uc,
					     u->uprobe);
			any = true;
		}
	}
#ifdef RT_HAVE_UPROBE_REGISTER_REF
	if (any)
		uprobe_unregister_sync();
#endif
	for (i = 0; i < n; i++) {
		struct rt_uprobe *u = &us[i];

		if (!u->registered && !u->entry_registered)
			continue;
		u->registered = false;
		u->entry_registered = false;
		if (u->mm)
			mmdrop(u->mm);
		u->mm = NULL;
		if (u->exe_inode)
			path_put(&u->exe_file);
		u->exe_inode = NULL;
		path_put(&u->file);
		u->inode = NULL;
	}
	/* No handler runs any more: the pending values go. */
	rt_uentry_free();
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

/* Whether no task of thread group @tgid is left, not even a zombie. */
static bool rt_group_released(pid_t tgid)
{
	bool gone;

	rcu_read_lock();
	gone = !pid_task(find_pid_ns(tgid, &init_pid_ns), PIDTYPE_TGID);
	rcu_read_unlock();
	return gone;
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
	/*
	 * Full: a .thread.end may keep the groups whose leader exited before
	 * its other threads (see rt_on_exit); those fully released are free.
	 */
	for (i = 0; i < RT_PROC_TRACKED; i++) {
		pid_t old = READ_ONCE(e->tracked[i]);

		if (old && rt_group_released(old) &&
		    cmpxchg(&e->tracked[i], old, tgid) == old)
			return;
	}
}

static bool rt_is_tracked(struct rt_proc_event *e, pid_t tgid)
{
	int i;

	for (i = 0; i < RT_PROC_TRACKED; i++)
		if (READ_ONCE(e->tracked[i]) == tgid)
			return true;
	return false;
}

/* Whether @tgid was tracked; it is not any more. */
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
		if (match && !e->thread)
			rt_probe_run(e->probe, RT_PHASE_RUN);
	}
}

static void rt_on_exit(void *data, struct task_struct *p)
{
	pid_t tgid = task_tgid_nr(p);
	bool leader = thread_group_leader(p);
	/* The process ends with its group: its leader, once all are gone. */
	bool gone = leader && !atomic_read(&p->signal->live);
	size_t i;

	for (i = 0; i < rt_nevents; i++) {
		struct rt_proc_event *e = &rt_events[i];

		if (!e->end || (e->pid && tgid != e->pid))
			continue;
		if (e->thread) {
			/*
			 * Not a thread's end; maybe the process's. Other threads
			 * can still be on their way here (a pthread_join()
			 * returns before the joined thread reaches this
			 * tracepoint), so the group stays followed until its
			 * thread list is empty: a thread leaves it after this
			 * tracepoint. A group kept is freed once released (see
			 * rt_track), or reset by its pid's next fork or exec.
			 */
			if (leader) {
				if (gone && e->inode && thread_group_empty(p))
					rt_track(e, tgid, false);
				continue;
			}
			if (e->inode && !rt_is_tracked(e, tgid))
				continue;
		} else {
			if (!gone || (e->inode && !rt_tracked(e, tgid)))
				continue;
		}
		rt_probe_run(e->probe, RT_PHASE_RUN);
	}
}

#ifdef CONFIG_KRETPROBES
/* The executable current runs (its inode), or NULL. */
static struct inode *rt_current_exe(void)
{
	struct inode *inode = NULL;
	struct file *exe;

	rcu_read_lock();
	exe = current->mm ? rcu_dereference(current->mm->exe_file) : NULL;
	if (exe)
		inode = file_inode(exe);
	rcu_read_unlock();
	return inode;
}

/* schedule_tail() returns in a new task: a forked process, or a thread. */
static int rt_on_new_task(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct task_struct *p = current;
	pid_t tgid = task_tgid_nr(p);
	struct inode *exe;
	bool leader;
	size_t i;

	if (!p->mm || (p->flags & PF_KTHREAD))
		return 0;
	leader = thread_group_leader(p);
	exe = rt_current_exe();
	for (i = 0; i < rt_nevents; i++) {
		struct rt_proc_event *e = &rt_events[i];

		/* A reused pid: whether the new process runs PATH decides. */
		if (e->end && e->inode && leader && exe != e->inode)
			rt_track(e, tgid, false);
		if ((e->pid && tgid != e->pid) || (e->inode && exe != e->inode))
			continue;
		if (e->end) {
			/* A new process running PATH: its end is this event's. */
			if (leader && e->inode)
				rt_track(e, tgid, true);
			continue;
		}
		if (e->thread == leader)
			continue;
		rt_probe_run(e->probe, RT_PHASE_RUN);
	}
	return 0;
}

static struct kretprobe rt_newtask_rp;
static bool rt_newtask_on;

static int rt_newtask_arm(void)
{
	int rc;

	memset(&rt_newtask_rp, 0, sizeof(rt_newtask_rp));
	rt_newtask_rp.kp.symbol_name = "schedule_tail";
	rt_newtask_rp.handler = rt_on_new_task;
	rc = register_kretprobe(&rt_newtask_rp);
	rt_newtask_on = !rc;
	return rc;
}

static void rt_newtask_disarm(void)
{
	if (rt_newtask_on) {
		unregister_kretprobe(&rt_newtask_rp);
		/* New tasks the kernel did not report (no free instance, or
		 * another kprobe running) count as skipped probes. */
		atomic_add(rt_newtask_rp.nmissed + rt_newtask_rp.kp.nmissed,
			   &rt_session.skipped);
	}
	rt_newtask_on = false;
}
#else
static int rt_newtask_arm(void)
{
	return -ENOSYS;
}

static void rt_newtask_disarm(void)
{
}
#endif

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
	bool begin = false, end = false, tracks = false, thread_begin = false;
	int rc = 0;

	for (i = 0; i < n; i++) {
		struct rt_proc_event *e = &es[i];

		if (e->end)
			end = true;
		else
			begin = true;
		if (!e->end && e->thread)
			thread_begin = true;
		if (e->end && e->path)
			tracks = true;
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
	/*
	 * New tasks: .begin in forked children, threads' begins, and who
	 * runs PATH for its .end. Without the hook only a thread begin is
	 * impossible; the others miss forked children, which is said.
	 */
	if (begin || tracks) {
		rc = rt_newtask_arm();
		if (rc && thread_begin) {
			char msg[160];
			int len = scnprintf(msg, sizeof(msg),
					    "ERROR: process.thread.begin: cannot probe schedule_tail() (rc %d)\n",
					    rc);

			rt_transport_write(RT_REC_STDERR, msg, len);
			goto fail;
		}
		if (rc) {
			static const char msg[] =
				"WARNING: process begin/end probes will not see forked children: cannot probe schedule_tail()\n";

			rt_transport_write(RT_REC_STDERR, msg, sizeof(msg) - 1);
			rc = 0;
		}
	}
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
	rt_newtask_disarm();
	rt_tp_exec_on = rt_tp_exit_on = false;
	for (i = 0; i < n; i++) {
		if (es[i].inode)
			path_put(&es[i].file);
		es[i].inode = NULL;
	}
}
