// user_prog.c - the program the user-space probe tests (tests/vm/user_*.stp)
// probe, built without and with PIE (vm_tier.rs compiles each "cc:" line).
// cc: -O0 -g -fno-pie -no-pie -o user_prog_nopie
// cc: -O2 -g -fPIE -pie -o user_prog_pie
//
// user_prog N [MS]: calls middle() N times (0: forever), each calling
// leaf() once, sleeping MS milliseconds between calls, then prints the sum
// (N * N) and exits.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int leaf(int i)
{
	__asm__ volatile("" ::: "memory");
	return 2 * i;
}

__attribute__((noinline)) int middle(int i)
{
	return leaf(i) + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10;
	long ms = argc > 2 ? atol(argv[2]) : 0;
	long sum = 0;

	for (long i = 0; n == 0 || i < n; i++) {
		sum += middle((int)i);
		if (ms)
			usleep(ms * 1000);
	}
	printf("sum=%ld\n", sum);
	return 0;
}
