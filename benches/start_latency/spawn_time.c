// SPDX-License-Identifier: GPL-2.0
/*
 * Times commands on the monotonic clock: `spawn_time CMD [ARGS...] [';' CMD [ARGS...]]...`
 * runs the commands one after the other (each waited for, stopping at the first that
 * fails), with their stdout on a pipe read here and discarded, and prints
 *
 *     first_us=F total_us=T
 *
 * F: from just before the first fork to the first byte any command wrote on stdout (-1 if
 * none did); T: to the exit of the last. The start-latency benchmark: `insmod M.ko ';'
 * rmmod M` against `rstaprun M.ko` of a module whose begin probe prints.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

/* Runs argv[0..] with stdout on a pipe; returns its exit status, sets *first. */
static int run(char **argv, long long t0, long long *first)
{
	int fd[2], status;
	char buf[4096];
	pid_t pid;

	if (pipe(fd))
		return perror("pipe"), 1;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		ssize_t n = read(fd[0], buf, sizeof(buf));

		if (n <= 0)
			break;
		if (*first < 0)
			*first = now_us() - t0;
	}
	close(fd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	long long t0, first = -1;
	int i = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: spawn_time CMD [ARGS...] [';' CMD [ARGS...]]...\n");
		return 2;
	}
	t0 = now_us();
	while (i < argc) {
		int j = i, rc;

		while (j < argc && strcmp(argv[j], ";"))
			j++;
		argv[j < argc ? j : argc] = NULL;
		rc = run(argv + i, t0, &first);
		if (rc) {
			fprintf(stderr, "spawn_time: %s exited with %d\n", argv[i], rc);
			return rc;
		}
		i = j + 1;
	}
	printf("first_us=%lld total_us=%lld\n", first, now_us() - t0);
	return 0;
}
