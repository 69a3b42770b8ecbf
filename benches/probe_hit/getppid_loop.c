// SPDX-License-Identifier: GPL-2.0
/*
 * The probe-hit workload: N getppid() system calls on CPU 0, in chunks of
 * 1000, each chunk paired with 1000 getpid() calls (never probed); prints
 * the fastest getppid chunk minus the fastest getpid chunk, per call. The
 * VM's host is shared: its preemption only ever adds time, and a chunk is
 * short enough that the fastest of many ran undisturbed. getppid is the
 * cheapest system call, so a probe on its entry function dominates the
 * difference (with no probe it is getppid's own small extra cost, the base).
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
	double fast_pid = 1e18, fast_ppid = 1e18;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (long c = 0; c < (n + CHUNK - 1) / CHUNK; c++) {
		double a = now_ns(), b, e;

		for (int i = 0; i < CHUNK; i++)
			syscall(SYS_getpid);
		b = now_ns();
		for (int i = 0; i < CHUNK; i++)
			syscall(SYS_getppid);
		e = now_ns();
		if (b - a < fast_pid)
			fast_pid = b - a;
		if (e - b < fast_ppid)
			fast_ppid = e - b;
	}
	printf("ns_per_call %.1f\n", (fast_ppid - fast_pid) / CHUNK);
	return 0;
}
