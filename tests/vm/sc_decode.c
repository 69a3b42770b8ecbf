// sc_decode.c - makes system calls with known arguments, for tests/vm/syscall_decoders.stp
// (each by number: the C library may pick another call, or none, for its wrappers). It
// starts with getppid (the script's marker, with its name: the shell that runs
// it calls getppid too) and makes every call from here on in order.
// Files live in /tmp/sc_decode (the guest's own memory: 9p does not rename with flags).
// cc: -O2 -o sc_decode
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT 47321

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct timespec ts = { 0, 1000 }, ts2 = { 0, 2000 }, now;
	struct rlimit rl = { 512, 1024 }, old;
	struct epoll_event ev = { .events = EPOLLIN };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	struct itimerval it = { .it_interval = { 1, 500 } };
	struct rusage ru;
	sigset_t set;
	int one = 1, word = 1, p[2] = { -1, -1 }, st = 0, n = 0, ctid = 0;
	struct timespec times[2] = { { 5, 7 }, { 0, UTIME_OMIT } };
	struct itimerspec its = { .it_value = { 3, 0 } };
	long s, c, child, fd, ep, efd, tfd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	syscall(SYS_getppid);
	/* Sockets: a listener on 127.0.0.1:PORT and a client. */
	s = syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	syscall(SYS_bind, s, &a, sizeof(a));
	syscall(SYS_setsockopt, s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	syscall(SYS_listen, s, 4);
	c = syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	syscall(SYS_connect, c, &a, sizeof(a));
	syscall(SYS_fcntl, c, F_SETFL, O_NONBLOCK);
	syscall(SYS_accept4, s, NULL, NULL, SOCK_CLOEXEC);
	syscall(SYS_sendto, c, "hi", 2, MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
	syscall(SYS_shutdown, c, SHUT_RDWR);
	syscall(SYS_ioctl, c, FIONREAD, &n);
	/* futex: a wake nobody waits for, a wait whose value differs (EAGAIN). */
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 2, &ts, NULL, 0);
	/* A child by clone (as fork: no new stack) that exits 7, waited for. */
	child = syscall(SYS_clone, CLONE_CHILD_SETTID | SIGCHLD, 0, NULL, &ctid, 0);
	if (child == 0)
		syscall(SYS_exit_group, 7);
	syscall(SYS_wait4, child, &st, WUNTRACED | __WALL, NULL);
	/* prctl, rlimits, clocks. */
	syscall(SYS_prctl, PR_SET_NAME, "sdname", 0, 0, 0);
	syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
	syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);
	syscall(SYS_setrlimit, RLIMIT_NOFILE, &rl);
	syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &old);
	syscall(SYS_getrlimit, RLIMIT_STACK, &old);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now);
	syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
	syscall(SYS_nanosleep, &ts2, NULL);
	syscall(SYS_setitimer, ITIMER_VIRTUAL, &it, NULL);
	syscall(SYS_getrusage, RUSAGE_CHILDREN, &ru);
	syscall(SYS_getpriority, PRIO_PROCESS, 0);
	syscall(SYS_memfd_create, "sdmem", MFD_CLOEXEC);
	syscall(SYS_getrandom, &n, sizeof(n), GRND_NONBLOCK);
	/* Files. */
	syscall(SYS_mkdir, "/tmp/sc_decode", 0755);
	fd = syscall(SYS_openat, AT_FDCWD, "/tmp/sc_decode/a", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	syscall(SYS_renameat2, AT_FDCWD, "/tmp/sc_decode/a", AT_FDCWD, "/tmp/sc_decode/b", RENAME_NOREPLACE);
	syscall(SYS_chmod, "/tmp/sc_decode/b", 0644);
	syscall(SYS_utimensat, AT_FDCWD, "/tmp/sc_decode/b", times, 0);
	syscall(SYS_mknodat, AT_FDCWD, "/tmp/sc_decode/fifo", S_IFIFO | 0600, 0);
	syscall(SYS_access, "/tmp/sc_decode/b", R_OK | W_OK);
	syscall(SYS_access, "/tmp/sc_decode/b", F_OK);
	syscall(SYS_write, fd, "abc\n", 4);
	syscall(SYS_lseek, fd, 0, SEEK_END);
	syscall(SYS_dup3, fd, 9, O_CLOEXEC);
	syscall(SYS_umount2, "/tmp/sc_decode/b", MNT_DETACH);
	/* Descriptors with flags. */
	syscall(SYS_pipe2, p, O_NONBLOCK | O_CLOEXEC);
	efd = syscall(SYS_eventfd2, 3, EFD_CLOEXEC | EFD_NONBLOCK);
	tfd = syscall(SYS_timerfd_create, CLOCK_BOOTTIME, TFD_CLOEXEC);
	syscall(SYS_timerfd_settime, tfd, 0, &its, NULL);
	syscall(SYS_inotify_init1, IN_NONBLOCK);
	ep = syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
	syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, &ev);
	syscall(SYS_poll, NULL, 0, 1);
	/* Signals. */
	syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 8);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8);
	syscall(SYS_unlink, "/tmp/sc_decode/fifo");
	syscall(SYS_unlink, "/tmp/sc_decode/b");
	syscall(SYS_rmdir, "/tmp/sc_decode");
	return WEXITSTATUS(st) == 7 ? 0 : 1;
}
