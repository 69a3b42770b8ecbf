// user_entry.c - the program of the user-space @entry tests (tests/vm/user_entry*.stp):
// parameters and @entry values in .return probes, which the module keeps per thread
// between a function's entry and its return (runtime-c/uentry.h).
// cc: -O0 -g -fno-pie -no-pie -pthread -o uentry_O0
// cc: -O2 -g -fPIE -pie -pthread -o uentry_O2
//
// uentry rec N      depth(N, "rec"): recursion N+1 calls deep
// uentry threads K  two threads each call work(ID, k) for k < K (0: forever), overlapping
// uentry jump       leaves four calls of leap() by longjmp, then depth(3), depth(5)
// uentry cancel     a thread is cancelled inside stuck(); then main calls work(2, k), k < 3
// uentry apart K    as threads, the two threads on CPU 0 and main on CPU 1 (so a probe
//                   holding CPU 0 with interrupts off cannot delay main's wakeup)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) long depth(int n, const char *tag)
{
	long r;

	if (n == 0)
		return 0;
	r = depth(n - 1, tag) + n;
	// no tail call, no accumulator loop: every level returns on its own
	__asm__ volatile("" : "+r"(r));
	return r;
}

__attribute__((noinline)) long work(int id, int k)
{
	usleep(300);	// the other thread's calls start and end meanwhile
	return id * 1000L + k;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	long k, n = strtol(getenv("UENTRY_K"), NULL, 10), sum = 0;

	for (k = 0; n == 0 || k < n; k++)
		sum += work(id, (int)k);
	return (void *)sum;
}

__attribute__((noinline)) int stuck(int id)
{
	for (;;)
		pause();	// a cancellation point: the thread dies in here
	return id;
}

static void *stuck_thread(void *arg)
{
	stuck((int)(long)arg);
	return NULL;
}

static jmp_buf env;

__attribute__((noinline)) int leap(int n)
{
	int r;

	if (n == 0)
		longjmp(env, 1);
	r = leap(n - 1) + 1;
	__asm__ volatile("" : "+r"(r));
	return r;
}

// leap()'s frames lie below main's: what depth() later stores lies above them.
__attribute__((noinline)) int via(int n)
{
	int r = leap(n);

	__asm__ volatile("" : "+r"(r));
	return r;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "rec";
	long n = argc > 2 ? atol(argv[2]) : 4;

	if (!strcmp(mode, "rec")) {
		printf("%ld\n", depth((int)n, "rec"));
	} else if (!strcmp(mode, "threads") || !strcmp(mode, "apart")) {
		pthread_t a, b;
		pthread_attr_t attr;
		void *ra, *rb;
		char k[32];

		snprintf(k, sizeof(k), "%ld", n);
		setenv("UENTRY_K", k, 1);
		pthread_attr_init(&attr);
		if (!strcmp(mode, "apart")) {
			cpu_set_t cpus;

			CPU_ZERO(&cpus);
			CPU_SET(0, &cpus);
			pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
			CPU_ZERO(&cpus);
			CPU_SET(1, &cpus);
			if (sched_setaffinity(0, sizeof(cpus), &cpus))
				perror("sched_setaffinity");
		}
		pthread_create(&a, &attr, worker, (void *)1L);
		pthread_create(&b, &attr, worker, (void *)2L);
		pthread_join(a, &ra);
		pthread_join(b, &rb);
		printf("%ld %ld\n", (long)ra, (long)rb);
	} else if (!strcmp(mode, "cancel")) {
		pthread_t t;

		pthread_create(&t, NULL, stuck_thread, (void *)1L);
		usleep(200000);
		pthread_cancel(t);
		pthread_join(t, NULL);
		for (int k = 0; k < 3; k++)
			printf("%ld\n", work(2, k));
	} else if (!strcmp(mode, "jump")) {
		if (!setjmp(env))
			via(3);
		printf("%ld\n", depth(3, "after"));
		printf("%ld\n", depth(5, "full"));
	}
	return 0;
}
