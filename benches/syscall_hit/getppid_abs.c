// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall-probe workload: N getppid() system calls on CPU 0 in chunks of
 * 1000; prints the fastest chunk's time per call. Unlike probe_hit's loop it
 * subtracts nothing: a syscall.* probe turns on the raw_syscalls tracepoints,
 * which every system call then pays (getpid too), so its cost shows only in
 * absolute time, against a run without the module. The VM's host is shared:
 * its preemption only ever adds time, and the fastest chunk ran undisturbed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 1000

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	double fast = 1e18;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (long c = 0; c < (n + CHUNK - 1) / CHUNK; c++) {
		double a = now_ns(), e;

		for (int i = 0; i < CHUNK; i++)
			syscall(SYS_getppid);
		e = now_ns();
		if (e - a < fast)
			fast = e - a;
	}
	printf("ns_per_call %.1f\n", fast / CHUNK);
	return 0;
}
