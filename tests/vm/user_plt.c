/*
 * user_plt N: calls getppid() and usleep(1) N times and puts() once, through
 * the PLT; built with lazy binding (.plt entries) and with immediate binding
 * and IBT entries (.plt.sec), for the process(...).plt VM test.
 */
// cc: -O2 -Wl,-z,lazy -o user_plt_lazy
// cc: -O2 -fcf-protection -Wl,-z,now -Wl,-z,ibtplt -o user_plt_now
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;

	for (int i = 0; i < n; i++) {
		usleep(1);
		getppid();
	}
	puts("done");
	return 0;
}
