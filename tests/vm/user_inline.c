/*
 * user_inline N: a static inline function, scale(), that -O2 inlines into
 * its two callers (three copies), and a helper that stays out of line too;
 * for the process(...).function(...).inline VM test.
 */
// cc: -O2 -g -o user_inline
#include <stdio.h>
#include <stdlib.h>

static volatile int sink;

static inline int scale(int v, int k)
{
	/* a store each copy starts with: its code stays its own */
	sink = v;
	return v * k + 1;
}

__attribute__((noinline)) int once(int x)
{
	return scale(x, 3);
}

__attribute__((noinline)) int twice(int x)
{
	return scale(x, 5) + scale(x + 1, 7);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	long sum = 0;

	for (int i = 1; i <= n; i++)
		sum += once(i) + twice(10 * i);
	printf("%ld\n", sum);
	return 0;
}
