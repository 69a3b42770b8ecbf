// signal_workload.c - sends, blocks, queues and handles known signals, for the
// signal tapset tests (tests/vm/signal_*.stp), which check what they see against
// the values below. Silent when all went as expected; exits 1 otherwise.
// cc: -O2 -o signal_workload
//
// signal_workload        the sequence in main() below
// signal_workload raise  installs a SIGUSR2 handler, calls getppid() (where the
//                        guru test raises SIGUSR2) and exits 0 if the handler ran
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_seen, usr2_seen;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	usr1_seen++;
}

static void on_usr2(int sig)
{
	(void)sig;
	usr2_seen++;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(7);
}

static int fail(const char *what)
{
	fprintf(stderr, "signal_workload: %s\n", what);
	return 1;
}

// A child named sig_child that handles SIGTERM (exit 7); the parent sends it
// SIGTERM once the handler is in place, while the child sleeps in pause().
static int term_child(void)
{
	int fds[2];
	char c;
	int status;
	pid_t child;

	if (pipe(fds))
		return fail("pipe");
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "sig_child");
		signal(SIGTERM, on_term);
		if (write(fds[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	if (child < 0 || read(fds[0], &c, 1) != 1)
		return fail("fork");
	usleep(100000); // let the child reach pause()
	kill(child, SIGTERM);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
		return fail("sig_child did not exit 7 on SIGTERM");
	return 0;
}

// A child named sig_segv whose SIGUSR2 handler runs on an alternate stack it cannot
// write: the kernel cannot build the signal frame and forces SIGSEGV.
static int segv_child(void)
{
	int status;
	pid_t child = fork();

	if (child == 0) {
		size_t size = 1 << 16;
		stack_t ss = { .ss_size = size };
		struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_ONSTACK };

		prctl(PR_SET_NAME, "sig_segv");
		ss.ss_sp = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL) || sigaction(SIGUSR2, &sa, NULL))
			_exit(2);
		raise(SIGUSR2);
		_exit(3);
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return fail("fork");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
		return fail("sig_segv was not killed by SIGSEGV");
	return 0;
}

// A POSIX timer that signals SIGALRM once (queued by send_sigqueue), taken with
// sigwaitinfo while blocked.
static int timer_signal(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct itimerspec its = { .it_value = { .tv_nsec = 1000000 } };
	sigset_t set;
	timer_t t;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) || timer_settime(t, 0, &its, NULL))
		return fail("timer");
	if (sigwaitinfo(&set, &si) != SIGALRM || si.si_code != SI_TIMER)
		return fail("timer signal");
	timer_delete(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigset_t set;
	int bad = 0;

	if (argc > 1 && !strcmp(argv[1], "raise")) {
		signal(SIGUSR2, on_usr2);
		syscall(SYS_getppid);
		return usr2_seen == 1 ? 0 : fail("SIGUSR2 was not raised");
	}

	// sigaction: a handler with SA_SIGINFO|SA_RESTART that blocks SIGINT and SIGUSR2
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);
	// SIGURG ignored, sent (and dropped), then back to its default
	signal(SIGURG, SIG_IGN);
	kill(getpid(), SIGURG);
	signal(SIGURG, SIG_DFL);

	// sigprocmask: block then unblock SIGHUP and SIGUSR2
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	// SIGUSR1 three ways: kill, tkill, tgkill; each handled
	kill(getpid(), SIGUSR1);
	syscall(SYS_tkill, gettid(), SIGUSR1);
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
	if (usr1_seen != 3)
		bad = fail("SIGUSR1 not handled 3 times");
	sigpending(&set);

	bad |= term_child();
	bad |= timer_signal();
	bad |= segv_child();
	return bad;
}
