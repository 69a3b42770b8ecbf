/*
 * SDT markers for the user_sdt* VM tests: arguments of every size and sign in
 * registers, in memory (stack slots at -O0, a global through %rip), and
 * constants; built without semaphores and with them (WITH_SEMAPHORES: every
 * marker has one, and "guarded" runs only while a probe holds it up).
 */
// cc: -O2 -g -o user_sdt
// cc: -O0 -o user_sdt_O0
// cc: -O2 -DWITH_SEMAPHORES -o user_sdt_sema
#ifdef WITH_SEMAPHORES
#define _SDT_HAS_SEMAPHORES 1
#define SEM(name) unsigned short sdt_test_##name##_semaphore __attribute__((section(".probes")))
SEM(small); SEM(wide); SEM(consts); SEM(memory); SEM(string); SEM(guarded);
#endif
#include <sys/sdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long counter = 40;

struct rec {
	int id;
	long big;
	const char *label;
};

__attribute__((noinline)) static void work(int i, struct rec *r)
{
	signed char c = -i;
	unsigned char uc = 200 + i;
	short s = -300 * i;
	unsigned short us = 60000 + i;
	int n = -70000 * i;
	unsigned int un = 3000000000u + i;
	long l = -5000000000L * i;
	unsigned long ul = 0x8000000000000000UL + i;

	counter++;
	STAP_PROBE4(sdt_test, small, c, uc, s, us);
	STAP_PROBE4(sdt_test, wide, n, un, l, ul);
	STAP_PROBE3(sdt_test, consts, 5, -3, 1000000);
	STAP_PROBE3(sdt_test, memory, r->id, r->big, counter);
	STAP_PROBE2(sdt_test, string, r->label, i);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, guarded = 0;
	/* on the stack: a literal's page may not be mapped yet when the marker
	 * fires, and probes read user memory without faulting it in */
	char label[16];
	struct rec r = { 7, -1234567890123L, label };

	strcpy(label, "marked");
	for (int i = 1; i <= n; i++) {
		r.id = 7 * i;
		work(i, &r);
#ifdef WITH_SEMAPHORES
		/* the expensive part of a guarded marker runs only while traced */
		if (sdt_test_guarded_semaphore) {
			guarded++;
			STAP_PROBE1(sdt_test, guarded, guarded);
		}
	}
	printf("guarded ran %d times, small's semaphore %d\n", guarded, sdt_test_small_semaphore);
#else
	}
	(void)guarded;
#endif
	return 0;
}
