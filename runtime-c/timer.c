/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timer.c - timer probes. hrtimer handlers run in hard interrupt context
 * (also on PREEMPT_RT, through HRTIMER_MODE_REL_HARD); jiffies timers in
 * softirq context (on PREEMPT_RT a preemptible thread: rt_probe_run turns
 * preemption off for the hit). Disarming waits for a running handler.
 */

/*
 * period +/- randomize. From the timer's own generator (rand.h): a hard
 * hrtimer handler may not call get_random_u32(), whose lock sleeps on
 * PREEMPT_RT. One timer's handler never runs twice at once, so its state
 * needs no lock. A 32-bit draw, as before.
 */
static u64 rt_jitter(struct rnd_state *rnd, u64 period, u64 randomize)
{
	u64 r;

	if (!randomize)
		return period;
	r = (u64)prandom_u32_state(rnd) % (2 * randomize + 1);
	/* period - randomize + r, never below 1 */
	if (period + r <= randomize)
		return 1;
	return period + r - randomize;
}

static enum hrtimer_restart rt_hrtimer_fire(struct hrtimer *timer)
{
	struct rt_hrtimer_probe *t =
		container_of(timer, struct rt_hrtimer_probe, timer);

	rt_probe_run(t->probe, RT_PHASE_RUN);
	if (!rt_session_rearm())
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer,
			    ns_to_ktime(rt_jitter(&t->rnd, t->period_ns, t->randomize_ns)));
	return HRTIMER_RESTART;
}

int rt_hrtimer_probe_arm(struct rt_hrtimer_probe *t)
{
	rt_rand_seed(&t->rnd);
#ifdef RT_HAVE_HRTIMER_SETUP
	hrtimer_setup(&t->timer, rt_hrtimer_fire, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL_HARD);
#else
	hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	t->timer.function = rt_hrtimer_fire;
#endif
	hrtimer_start(&t->timer,
		      ns_to_ktime(rt_jitter(&t->rnd, t->period_ns, t->randomize_ns)),
		      HRTIMER_MODE_REL_HARD);
	t->armed = true;
	return 0;
}

void rt_hrtimer_probe_disarm(struct rt_hrtimer_probe *t)
{
	if (!t->armed)
		return;
	hrtimer_cancel(&t->timer);
	t->armed = false;
}

static void rt_jiffies_fire(struct timer_list *timer)
{
#ifdef RT_HAVE_TIMER_CONTAINER_OF
	struct rt_jiffies_probe *t = timer_container_of(t, timer, timer);
#else
	struct rt_jiffies_probe *t = from_timer(t, timer, timer);
#endif

	rt_probe_run(t->probe, RT_PHASE_RUN);
	if (rt_session_rearm())
		mod_timer(timer, jiffies + rt_jitter(&t->rnd, t->period, t->randomize));
}

int rt_jiffies_probe_arm(struct rt_jiffies_probe *t)
{
	rt_rand_seed(&t->rnd);
	timer_setup(&t->timer, rt_jiffies_fire, 0);
	mod_timer(&t->timer, jiffies + rt_jitter(&t->rnd, t->period, t->randomize));
	t->armed = true;
	return 0;
}

void rt_jiffies_probe_disarm(struct rt_jiffies_probe *t)
{
	if (!t->armed)
		return;
#ifdef RT_HAVE_TIMER_SHUTDOWN_SYNC
	timer_shutdown_sync(&t->timer);	/* also stops a re-arm from the handler */
#else
	del_timer_sync(&t->timer);
#endif
	t->armed = false;
}
