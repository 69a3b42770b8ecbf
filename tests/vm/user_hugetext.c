// user_hugetext.c - a program whose text can sit in a huge page, for
// tests/vm/user_hugetext.stp: linked with 2 MB segment alignment and padded
// to more than 2 MB of text, so that a copy on a tmpfs mounted with
// huge=always (shmem transparent huge pages) is mapped by a PMD.
// cc: -O2 -g -fno-pie -no-pie -Wl,-zcommon-page-size=2097152 -Wl,-zmax-page-size=2097152 -o user_hugetext
//
// user_hugetext N [MS]: prints how much of hop()'s text mapping is mapped by
// PMDs (kB), calls hop() N times (0: forever), MS milliseconds apart, and
// prints the sum.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) long hop(long i)
{
	__asm__ volatile("" ::: "memory");
	return 3 * i;
}

// 2 MB more text after hop(): the text segment covers a whole aligned 2 MB.
__asm__(".section .text.zpad,\"ax\",@progbits\n.fill 0x200000,1,0xcc\n.previous\n");

// PmdMapped kB (shmem or file) of the mapping holding addr, from /proc/self/smaps.
static long pmd_kb(unsigned long addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long lo, hi;
	int inside = 0;
	long kb, sum = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			inside = lo <= addr && addr < hi;
		else if (inside && (sscanf(line, "ShmemPmdMapped: %ld", &kb) == 1 ||
				    sscanf(line, "FilePmdMapped: %ld", &kb) == 1))
			sum += kb;
	}
	fclose(f);
	return sum;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10;
	long ms = argc > 2 ? atol(argv[2]) : 0;
	long sum = 0;

	printf("text pmd kB: %ld\n", pmd_kb((unsigned long)hop));
	fflush(stdout);
	for (long i = 0; n == 0 || i < n; i++) {
		sum += hop(i);
		if (ms)
			usleep(ms * 1000);
	}
	printf("sum=%ld\n", sum);
	return 0;
}
