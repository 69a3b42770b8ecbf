// user_stack.c - the program the user-stack tests (tests/vm/user_stack_*.stp)
// unwind, built with frame pointers and without PIE, and at -O2 without
// frame pointers as PIE (only .eh_frame unwinds it); libustack.so is its
// shared library (same source, USTACK_LIB), called between main and the
// functions the tests probe.
// cc: -O2 -g -fPIC -shared -fomit-frame-pointer -DUSTACK_LIB -o libustack.so
// cc: -O0 -g -fPIC -shared -fno-omit-frame-pointer -DUSTACK_LIB -o libustack_fp.so
// cc: -O0 -g -fno-omit-frame-pointer -fno-pie -no-pie -o ustack_fp -Wl,--no-as-needed -L. -lustack_fp -Wl,-rpath,$ORIGIN
// cc: -O2 -g -fomit-frame-pointer -fPIE -pie -o ustack_nofp -Wl,--no-as-needed -L. -lustack -Wl,-rpath,$ORIGIN
//
// ustack_* [N]: N times (default 1): main -> lib_call (libustack.so) ->
// outer -> inner -> qsort (libc) -> by_value, then inner writes a line
// naming the_table (a global the tests look up with usymdata) to stdout.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef USTACK_LIB
__attribute__((noinline)) int lib_call(int (*fn)(int), int x)
{
	int r = fn(x + 1);
	__asm__ volatile("" ::: "memory");
	return r + 1;
}
#else
int lib_call(int (*fn)(int), int x);

struct table {
	long v[5];
} the_table = { { 5, 3, 4, 1, 2 } };

__attribute__((noinline)) int by_value(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	__asm__ volatile("" ::: "memory");
	return (x > y) - (x < y);
}

__attribute__((noinline)) void inner(struct table *t)
{
	char line[64];
	int n;

	qsort(t->v, 5, sizeof(long), by_value);
	n = snprintf(line, sizeof(line), "sorted %ld..%ld\n", t->v[0], t->v[4]);
	if (write(1, line, n) != n)
		exit(1);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) int outer(int x)
{
	inner(&the_table);
	__asm__ volatile("" ::: "memory");
	return x * 2;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int s = 0;

	for (int i = 0; i < n; i++) {
		s += lib_call(outer, i);
		the_table.v[0] = 5;
	}
	return s == -1;
}
#endif
