// user_plug.c - a shared library that user_fork dlopens (tests/vm/user_fork_dlopen.stp).
// cc: -O2 -g -fPIC -shared -o libuplug.so
__attribute__((noinline)) int plug(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * x + 1;
}
