// adjtimex_query.c - calls the adjtimex system call itself (glibc's adjtimex() goes
// through clock_adjtime), with modes 0 (a query: nothing changes) and tick 12345, for
// the statement-probe tests (tests/vm/kernel_statement_*.stp) to read back.
// cc: -O2 -o adjtimex_query
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <unistd.h>

int main(void)
{
	struct timex tx = { .modes = 0, .tick = 12345 };
	long rc = syscall(SYS_adjtimex, &tx);

	printf("adjtimex: %s\n", rc >= 0 ? "ok" : "failed");
	return rc >= 0 ? 0 : 1;
}
