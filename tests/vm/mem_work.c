// cc: -O1 -o mem_work
// A workload whose memory operations are known in advance, for the memory
// tapset tests (tapset_vm*.stp, tapset_proc_mem.stp, tapset_task_files.stp).
//   mem_work vm      maps 8 anonymous pages at 0x10000000 and touches some,
//                    breaks copy-on-write of a zero page and of a file page
//                    (a memfd mapped privately at 0x20000000), unmaps 2
//                    pages, grows the heap by 5 pages, looks up a path
//                    (setxattr on /) and adds a key with a 1000-byte payload
//                    (add_key copies it into a kmalloc'd buffer), and
//                    creates BPF array maps of 100 and 16384 8-byte values
//                    on NUMA node 0 (kmalloc_node, vmalloc on that node)
//   mem_work hold MB FILE
//                    touches MB megabytes, opens FILE as fd 100 and 4 more
//                    fds, then creates FILE.ready and sleeps (a second at a time) until killed
// No stdio: its buffer would come from malloc and grow the heap.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define PAGE 4096
#define ANON ((char *)0x10000000)
#define FILEMAP ((char *)0x20000000)

static void die(const char *what)
{
	write(2, what, strlen(what));
	write(2, "\n", 1);
	exit(1);
}

static void bpf_array_on_node0(unsigned int entries)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = entries;
	attr.map_flags = BPF_F_NUMA_NODE;
	attr.numa_node = 0;
	if (syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)) < 0)
		die("bpf");
}

static void vm(void)
{
	static char value[1000], page[PAGE];
	char *a, *f, *brk0;
	volatile char sink;
	int fd;

	a = mmap(ANON, 8 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (a != ANON)
		die("mmap anon");
	a[0 * PAGE + 8] = 1;    /* write fault, new page */
	a[2 * PAGE + 16] = 1;   /* write fault, new page */
	sink = a[4 * PAGE + 24]; /* read fault: the zero page */
	a[4 * PAGE + 32] = 1;   /* write to the zero page: COW, cleared */

	fd = memfd_create("mem_work", 0);
	if (fd < 0 || write(fd, page, PAGE) != PAGE)
		die("memfd");
	f = mmap(FILEMAP, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	if (f != FILEMAP)
		die("mmap file");
	sink = f[40];           /* read fault: the file's page, read-only */
	f[48] = 1;              /* write: COW, copied */
	(void)sink;

	if (munmap(ANON + 6 * PAGE, 2 * PAGE))
		die("munmap");
	brk0 = sbrk(0);
	if (brk(brk0 + 5 * PAGE))
		die("brk");
	/* a path lookup (setxattr's result does not matter), then a key
	 * whose 1000-byte payload the kernel copies into a kmalloc'd buffer */
	setxattr("/", "user.rstap_mem_work", "v", 1, 0);
	memset(value, 'v', sizeof(value));
	if (syscall(SYS_add_key, "user", "rstap_mem_work", value, sizeof(value), -2 /* process keyring */) < 0)
		die("add_key");
	/* array maps asked for on NUMA node 0: 100 entries are kmalloc'd
	 * (kmalloc_node), 16384 (128 KB) vmalloc'd, whose vmap_area comes
	 * from its slab cache for that node (kmem_cache_alloc_node) */
	bpf_array_on_node0(100);
	bpf_array_on_node0(16384);
}

static void hold(long mb, const char *file)
{
	char *m = mmap(NULL, mb << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char ready[4096];
	int fd, i;

	if (m == MAP_FAILED)
		die("mmap");
	for (long off = 0; off < mb << 20; off += PAGE)
		m[off] = 1;
	/* fds 0-2, FILE as fd 100, and 4 more: 8 open */
	for (i = 3; i < 1024; i++)
		close(i);
	fd = open(file, O_RDONLY);
	if (fd < 0 || dup2(fd, 100) != 100)
		die("open");
	close(fd);
	for (i = 0; i < 4; i++)
		if (open("/dev/null", O_RDONLY) < 0)
			die("open /dev/null");
	strcpy(ready, file);
	strcat(ready, ".ready");
	fd = open(ready, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		die("ready");
	close(fd);
	for (;;)
		sleep(1);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "vm"))
		vm();
	else if (argc == 4 && !strcmp(argv[1], "hold"))
		hold(atol(argv[2]), argv[3]);
	else
		die("usage: mem_work vm | hold MB FILE");
	return 0;
}
