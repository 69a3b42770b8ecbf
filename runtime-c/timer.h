/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timer.h - timer.{s,ms,us,ns,hz}(N) on hrtimers and timer.jiffies(N) on
 * the timer wheel, each with an optional .randomize(M) jitter.
 */
#ifndef RSTAP_TIMER_H
#define RSTAP_TIMER_H

#include <linux/hrtimer.h>
#include <linux/timer.h>

struct rt_hrtimer_probe {
	const struct rt_probe *probe;
	u64 period_ns;
	u64 randomize_ns;	/* period varies by +/- this much */
	struct rnd_state rnd;	/* the jitter's generator (rand.h) */
	struct hrtimer timer;
	bool armed;
};

struct rt_jiffies_probe {
	const struct rt_probe *probe;
	unsigned long period;	/* jiffies */
	unsigned long randomize;
	struct rnd_state rnd;
	struct timer_list timer;
	bool armed;
};

int rt_hrtimer_probe_arm(struct rt_hrtimer_probe *t);
void rt_hrtimer_probe_disarm(struct rt_hrtimer_probe *t);
int rt_jiffies_probe_arm(struct rt_jiffies_probe *t);
void rt_jiffies_probe_disarm(struct rt_jiffies_probe *t);

#endif /* RSTAP_TIMER_H */
