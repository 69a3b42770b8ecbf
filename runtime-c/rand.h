/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rand.h - random numbers in probe context: randint() and the jitter of
 * .randomize timers. The kernel's get_random_u32() takes a local_lock,
 * which PREEMPT_RT turns into a sleeping lock: never callable from a hard
 * interrupt (hrtimer probes) or with preemption off (every hit). Instead,
 * each user keeps its own small generator state (prandom, seeded from
 * get_random_u64() at load or arming time, in process context): pure
 * arithmetic, no lock. Not for cryptography, as SystemTap's randint.
 */
#ifndef RSTAP_RAND_H
#define RSTAP_RAND_H

#include <linux/prandom.h>
#include <linux/random.h>

/* Seeds @s; process context (get_random_u64 may take a sleeping lock on RT). */
static inline void rt_rand_seed(struct rnd_state *s)
{
	prandom_seed_state(s, get_random_u64());
}

/*
 * Uniform in [0, n), n >= 1: the high half of a 32x32-bit product, where
 * rejecting the low halves below 2^32 mod n removes the bias. A retry
 * happens with probability n / 2^32 (at most 1 in 4096 for randint's
 * n <= 2^20), so three retries bound the loop; after them the result is
 * biased by less than 2^-48.
 */
static inline u32 rt_rand_below(struct rnd_state *s, u32 n)
{
	u64 m = (u64)prandom_u32_state(s) * n;
	u32 t = -n % n;
	int i;

	for (i = 0; i < 3 && (u32)m < t; i++)
		m = (u64)prandom_u32_state(s) * n;
	return m >> 32;
}

#endif /* RSTAP_RAND_H */
