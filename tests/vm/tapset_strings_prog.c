// tapset_strings_prog.c - known user memory for the tapset tests
// (tests/vm/tapset_utf.stp, tapset_set_user.stp, tapset_regs.stp): show()
// gets UTF-16 and UTF-32 strings (one with a surrogate pair), invalid ones
// and a char buffer, all on the stack (resident: the tapset reads user
// memory with page faults off); main then prints the buffer, which
// tapset_set_user.stp rewrites. regs_probe() takes three known arguments.
// cc: -O0 -g -o tapset_strings_prog
#include <stdio.h>
#include <uchar.h>

__attribute__((noinline)) void show(const char16_t *w16, const char32_t *w32,
				    const char16_t *bad16, const char32_t *bad32, char *buf)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) long regs_probe(long a, long b, long c)
{
	__asm__ volatile("" ::: "memory");
	return a ^ b ^ c;
}

int main(void)
{
	char16_t w16[] = u"h\u00e9llo \u20ac\U0001D11E!";
	char32_t w32[] = U"h\u00e9llo \u20ac\U0001D11E!";
	char16_t bad16[] = { 'a', 0xd800, 'b', 0 };
	char32_t bad32[] = { 'a', 0x110000, 0 };
	char buf[32] = "original";

	show(w16, w32, bad16, bad32, buf);
	printf("buf=%s\n", buf);
	printf("%lx\n", regs_probe(0x1122334455667788, 0x0a0b0c0d, 0x77));
	return 0;
}
