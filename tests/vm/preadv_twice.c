// preadv_twice.c - calls the preadv system call (do_preadv is inlined there) with 2
// buffers at offset 77, then preadv2 (it calls do_preadv out of line) with 3 buffers at
// offset 99, on /bin/sh, for tests/vm/kernel_inline.stp. System calls by number: glibc
// may pick another one for preadv().
// cc: -O2 -o preadv_twice
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	char a[8], b[8], c[8];
	struct iovec iov[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
	int fd = open("/bin/sh", O_RDONLY);
	long r1, r2;

	if (fd < 0)
		return 1;
	r1 = syscall(SYS_preadv, fd, iov, 2, 77L, 0L);
	r2 = syscall(SYS_preadv2, fd, iov, 3, 99L, 0L, 0);
	printf("preadv: %s, preadv2: %s\n", r1 == 16 ? "ok" : "failed", r2 == 24 ? "ok" : "failed");
	return r1 == 16 && r2 == 24 ? 0 : 1;
}
