/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raise.c - raise(): a signal to the current thread from probe context.
 *
 * send_sig() takes the task's sighand lock, a spinlock_t: on PREEMPT_RT a
 * sleeping lock, which a hit (preemption off, maybe a hard interrupt or an
 * NMI) must not take. There the signal is handed to an irq_work of this CPU,
 * which PREEMPT_RT runs in the CPU's irq_work thread (SCHED_FIFO): it runs
 * as soon as the hit ends, before an interrupted task returns to user
 * space, so the signal is there when a syscall probe's task gets back. One
 * signal per CPU may wait at a time: another is the error -EBUSY. Elsewhere
 * send_sig() is called directly, as before. rt_raise_init() (module init)
 * sets the works up; rt_raise_sync() (module exit) waits until none is
 * pending or running.
 */
#include <linux/irq_work.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#ifdef CONFIG_PREEMPT_RT
struct rt_raise_slot {
	struct irq_work work;
	struct task_struct *task;	/* held; NULL: the slot is free */
	int sig;
};

/* Set up by rt_raise_init(): a module's per-CPU data keeps no initializer's
 * pointers (the kernel does not relocate that section's template). */
static DEFINE_PER_CPU(struct rt_raise_slot, rt_raise_slots);

static void rt_raise_fn(struct irq_work *work)
{
	struct rt_raise_slot *s = container_of(work, struct rt_raise_slot, work);
	struct task_struct *t = s->task;
	int sig = s->sig;

	/* Free the slot first: a hit may fill it again and queue the work,
	 * whose pending bit is already clear here. */
	smp_store_release(&s->task, NULL);
	if (t) {
		send_sig(sig, t, 1);
		put_task_struct(t);
	}
}
#endif

/* 0, or the error send_sig() gives (-EINVAL for no signal), or -EBUSY. */
static int __maybe_unused rt_raise(int sig)
{
#ifdef CONFIG_PREEMPT_RT
	struct rt_raise_slot *s;

	if (!valid_signal(sig))
		return -EINVAL;
	s = this_cpu_ptr(&rt_raise_slots);	/* preemption is off in a hit */
	if (READ_ONCE(s->task))
		return -EBUSY;
	s->sig = sig;
	s->task = get_task_struct(current);
	irq_work_queue(&s->work);
	return 0;
#else
	return send_sig(sig, current, 1);
#endif
}

/* Module init: each CPU's slot free, its work calling rt_raise_fn. */
static void rt_raise_init(void)
{
#ifdef CONFIG_PREEMPT_RT
	int cpu;

	for_each_possible_cpu(cpu)
		init_irq_work(&per_cpu_ptr(&rt_raise_slots, cpu)->work, rt_raise_fn);
#endif
}

static void rt_raise_sync(void)
{
#ifdef CONFIG_PREEMPT_RT
	int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(&rt_raise_slots, cpu)->work);
#endif
}
