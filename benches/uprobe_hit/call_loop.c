// SPDX-License-Identifier: GPL-2.0
/*
 * The uprobe-hit workload: N calls of probed() on CPU 0, in chunks of 1000,
 * each chunk paired with 1000 calls of unprobed(), an identical function
 * that no probe touches; prints the fastest probed chunk minus the fastest
 * unprobed chunk, per call. The VM's host is shared: its preemption only
 * ever adds time, so the fastest of many short chunks ran undisturbed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHUNK 1000

__attribute__((noinline)) long probed(long x)
{
	asm volatile("" : "+r"(x));
	return x + 1;
}

__attribute__((noinline)) long unprobed(long x)
{
	asm volatile("" : "+r"(x));
	return x + 1;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	double fast_un = 1e18, fast_pr = 1e18;
	long sum = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (long c = 0; c < (n + CHUNK - 1) / CHUNK; c++) {
		double a = now_ns(), b, e;

		for (int i = 0; i < CHUNK; i++)
			sum += unprobed(i);
		b = now_ns();
		for (int i = 0; i < CHUNK; i++)
			sum += probed(i);
		e = now_ns();
		if (b - a < fast_un)
			fast_un = b - a;
		if (e - b < fast_pr)
			fast_pr = e - b;
	}
	printf("ns_per_call %.1f (sum %ld)\n", (fast_pr - fast_un) / CHUNK, sum);
	return 0;
}
