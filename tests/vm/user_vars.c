// user_vars.c - the program the user-space target-variable tests
// (tests/vm/user_target_*.stp) probe: parameters of several C types, a struct
// through a pointer with a string member and a char array, a return value.
// Built unoptimised and optimised, PIE and not (vm_tier.rs compiles each
// "cc:" line).
// cc: -O0 -g -fno-pie -no-pie -o uvars_O0
// cc: -O0 -g -fPIE -pie -o uvars_O0pie
// cc: -O2 -g -fPIE -pie -o uvars_O2pie
// cc: -O2 -g -fno-pie -no-pie -o uvars_O2
//
// uvars N: calls work() N times with a = 7, 8, ...; prints nothing (the
// probes' output is the test's), exits with 0. Probes read user memory with
// page faults disabled, so a page not yet touched reads as a fault: main
// touches its strings (in .rodata) before the first call.
#include <stdlib.h>

struct point {
	int x;
	int y;
	const char *label;
	char tag[8];
};

static long counter;
static const char hello[] = "hello user";

__attribute__((noipa)) int work(int a, char c, long big, const char *s, struct point *p)
{
	int local = a * 3;

	__asm__ volatile("" ::: "memory");
	counter += local + c + big + s[0];
	return local + p->x + p->y;
}

int main(int argc, char **argv)
{
	struct point pt = { 3, -4, "origin", "tagged" };
	long n = argc > 1 ? atol(argv[1]) : 3;
	int sum = 0;
	volatile char touch = hello[0] + pt.label[0];

	(void)touch;
	for (int i = 0; i < n; i++)
		sum += work(i + 7, 'q', -123456789012L, hello, &pt);
	return sum == 0 && counter == 0;
}
