// user_fork.c - a program that forks, execs, exits and dlopens while probed,
// for tests/vm/user_fork*.stp (with libuplug.so, user_plug.c).
// cc: -O2 -g -fPIE -pie -pthread -o user_fork
//
// user_fork fork    step(1) x3, a child does step(2) x3 and exits, the parent waits, step(3)
// user_fork exec    step(1) x2, then execs ./user_prog_pie 4 (which calls leaf() 4 times)
// user_fork exit    a thread calls step() without pause while main exits after 300 ms
// user_fork dlopen  step(1), then dlopen("./libuplug.so") and plug(i) for i < 5
// user_fork forkloop  forever: step(1), a child does step(2) and exits, 20 ms pause
// user_fork reexec  step(5) every 20 ms until a file "go" exists, then execs itself as forkloop
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) int step(int who)
{
	__asm__ volatile("" ::: "memory");
	return who * 10;
}

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		step(4);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "fork";

	if (!strcmp(mode, "fork")) {
		for (int i = 0; i < 3; i++)
			step(1);
		pid_t c = fork();
		if (c == 0) {
			for (int i = 0; i < 3; i++)
				step(2);
			_exit(0);
		}
		waitpid(c, NULL, 0);
		step(3);
	} else if (!strcmp(mode, "exec")) {
		step(1);
		step(1);
		execl("./user_prog_pie", "user_prog_pie", "4", (char *)NULL);
		perror("exec");
		return 1;
	} else if (!strcmp(mode, "exit")) {
		pthread_t t;

		pthread_create(&t, NULL, spin, NULL);
		usleep(300000);
		exit(0);	// the thread dies with the process, mid-loop
	} else if (!strcmp(mode, "forkloop")) {
		for (;;) {
			step(1);
			pid_t c = fork();
			if (c == 0) {
				step(2);
				_exit(0);
			}
			waitpid(c, NULL, 0);
			usleep(20000);
		}
	} else if (!strcmp(mode, "reexec")) {
		while (access("go", F_OK)) {
			step(5);
			usleep(20000);
		}
		execl("/proc/self/exe", "user_fork", "forkloop", (char *)NULL);
		perror("exec");
		return 1;
	} else if (!strcmp(mode, "dlopen")) {
		step(1);
		void *h = dlopen("./libuplug.so", RTLD_NOW);
		int (*plug)(int) = h ? (int (*)(int))dlsym(h, "plug") : NULL;
		if (!plug) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		for (int i = 0; i < 5; i++)
			plug(i);
		dlclose(h);
	}
	return 0;
}
