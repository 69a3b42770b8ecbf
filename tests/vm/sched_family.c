// cc: -O2 -o sched_family
/* The workload of the scheduler.* and kprocess.* tests: known scheduler events
 * between known pids. It pins itself to CPU 0 then CPU 1 (a migration 0->1),
 * spins for 100 ms, forks child A that sleeps in sigsuspend until it gets SIGUSR1, then fails to
 * exec /nonexistent/x and execs `sh -c "exit 3"`; the parent sends the signal and
 * waits for A by its pid. Then child B stops itself under ptrace (PTRACE_TRACEME,
 * SIGSTOP) and the parent reads its registers (the kernel waits for B to be off
 * its CPU) before killing it. Writes "PARENT A B" to the file of argv[1]. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set)) { perror("sched_setaffinity"); exit(1); }
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: sched_family PIDFILE\n"); return 2; }
    pin(0);
    pin(1);
    /* 100 ms on the CPU: scheduler ticks land in this process */
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 100000000L);

    sigset_t usr1, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    signal(SIGUSR1, on_usr1);

    pid_t a = fork();
    if (a == 0) {
        /* The exec strings on the stack: a probe's non-faulting read of a string
         * in a read-only page the child has not touched since the fork fails. */
        char bad[] = "/nonexistent/x", x[] = "x", sh[] = "/bin/sh", shn[] = "sh", c[] = "-c", code[] = "exit 3";
        char *bad_argv[] = { x, NULL }, *sh_argv[] = { shn, c, code, NULL };
        sigsuspend(&none);
        execv(bad, bad_argv);
        execv(sh, sh_argv);
        _exit(127);
    }
    usleep(200000); /* let A reach sigsuspend */
    kill(a, SIGUSR1);
    int st;
    if (waitpid(a, &st, 0) != a || !WIFEXITED(st) || WEXITSTATUS(st) != 3) { fprintf(stderr, "child A: %#x\n", st); return 1; }

    pid_t b = fork();
    if (b == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        _exit(0);
    }
    if (waitpid(b, &st, 0) != b || !WIFSTOPPED(st)) { fprintf(stderr, "child B: %#x\n", st); return 1; }
    ptrace(PTRACE_PEEKUSER, b, 0, 0);
    kill(b, SIGKILL);
    waitpid(b, &st, 0);

    FILE *f = fopen(argv[1], "w");
    if (!f) { perror(argv[1]); return 1; }
    fprintf(f, "%d %d %d\n", getpid(), a, b);
    fclose(f);
    usleep(300000); /* the reaped children's task_structs are freed after an RCU grace period */
    return 0;
}
