/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscall_decode.c - the argument decoders of the syscall.* tapset
 * (tapsets/syscalls.stp): numbers to the names SystemTap's argstr prints
 * (tables of the kernel's own macros), and the few structures it prints from
 * user memory (sockaddr, timespec, rlimit, sigset, sigaction), read without
 * faulting (a page that is not resident prints the address in hex, as
 * SystemTap does). Everything writes at most n bytes to out, terminated.
 *
 * Two ways to print a number with a table: RT_SCD_ONE (the name of the
 * value, else the value in hex) and RT_SCD_BITS (the names of its flags
 * joined by '|', then the bits no name covers in hex; 0 is the table's name
 * for 0, else "0x0"). The AT_* table leaves out AT_EACCESS: it shares its
 * bit with AT_REMOVEDIR.
 */
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/signal.h>
#include <linux/socket.h>
#include <linux/net.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/un.h>
#include <linux/netlink.h>
#include <linux/wait.h>
#include <uapi/linux/wait.h>
#include <linux/eventpoll.h>
#include <linux/resource.h>
#include <linux/time.h>
#include <linux/fs.h>
#include <uapi/linux/mount.h>
#include <linux/stat.h>
#include <linux/eventfd.h>
#include <linux/signalfd.h>
#include <linux/inotify.h>
#include <linux/futex.h>
#include <linux/prctl.h>
#include <uapi/linux/timerfd.h>
#include <linux/fadvise.h>
#include <uapi/linux/memfd.h>
#include <uapi/linux/random.h>

/*
 * The decoders, by number: syscalls/tapset.rs's Decoder has the same names
 * and numbers (a unit test reads this enum).
 */
enum rt_sc_decoder {
	RT_SCD_OPEN = 0,
	RT_SCD_PROT = 1,
	RT_SCD_MMAP = 2,
	RT_SCD_AT = 3,
	RT_SCD_SIGNAL = 4,
	RT_SCD_SOCK_FAMILY = 5,
	RT_SCD_SOCK_TYPE = 6,
	RT_SCD_SOCK_FLAGS = 7,
	RT_SCD_MSG_FLAGS = 8,
	RT_SCD_CLONE_FLAGS = 9,
	RT_SCD_FCNTL_CMD = 10,
	RT_SCD_WAIT_OPTIONS = 11,
	RT_SCD_WAITID_WHICH = 12,
	RT_SCD_EPOLL_OP = 13,
	RT_SCD_EPOLL_FLAGS = 14,
	RT_SCD_RLIMIT = 15,
	RT_SCD_CLOCK = 16,
	RT_SCD_TIMER_FLAGS = 17,
	RT_SCD_MOUNT_FLAGS = 18,
	RT_SCD_UMOUNT_FLAGS = 19,
	RT_SCD_RENAME_FLAGS = 20,
	RT_SCD_MKNOD_MODE = 21,
	RT_SCD_ACCESS_MODE = 22,
	RT_SCD_SIGPROCMASK_HOW = 23,
	RT_SCD_SEEK_WHENCE = 24,
	RT_SCD_FD_FLAGS = 25,
	RT_SCD_PIPE_FLAGS = 26,
	RT_SCD_EVENTFD_FLAGS = 27,
	RT_SCD_TIMERFD_FLAGS = 28,
	RT_SCD_SIGNALFD_FLAGS = 29,
	RT_SCD_INOTIFY_FLAGS = 30,
	RT_SCD_SHUTDOWN_HOW = 31,
	RT_SCD_FLOCK_OP = 32,
	RT_SCD_MADVISE = 33,
	RT_SCD_MSYNC_FLAGS = 34,
	RT_SCD_MLOCKALL_FLAGS = 35,
	RT_SCD_INOTIFY_MASK = 36,
	RT_SCD_ITIMER_WHICH = 37,
	RT_SCD_RUSAGE_WHO = 38,
	RT_SCD_PRIORITY_WHICH = 39,
	RT_SCD_SCHED_POLICY = 40,
	RT_SCD_FADVISE = 41,
	RT_SCD_MREMAP_FLAGS = 42,
	RT_SCD_GETRANDOM_FLAGS = 43,
	RT_SCD_MEMFD_FLAGS = 44,
	RT_SCD_MLOCK2_FLAGS = 45,
	RT_SCD_SOCKOPT_LEVEL = 46,
	RT_SCD_SOCKOPT_NAME = 47,
	RT_SCD_COUNT
};

/* One flag's value and name; the values are the kernel's own macros. */
struct rt_sc_flag {
	unsigned long v;
	const char *name;
};

#define RT_SC_FLAG(f) { f, #f }

enum { RT_SCD_ONE, RT_SCD_BITS };

struct rt_sc_table {
	const struct rt_sc_flag *t;
	size_t n;
	int how;
	/* Bits of the value that count (an int argument's sign extension is not a flag). */
	unsigned long mask;
};

static const struct rt_sc_flag rt_sc_open_flags[] = {
	RT_SC_FLAG(O_CREAT), RT_SC_FLAG(O_EXCL), RT_SC_FLAG(O_NOCTTY), RT_SC_FLAG(O_TRUNC),
	RT_SC_FLAG(O_APPEND), RT_SC_FLAG(O_NONBLOCK), { __O_SYNC | O_DSYNC, "O_SYNC" },
	RT_SC_FLAG(O_DSYNC), RT_SC_FLAG(FASYNC), RT_SC_FLAG(O_DIRECT), RT_SC_FLAG(O_LARGEFILE),
	{ __O_TMPFILE | O_DIRECTORY, "O_TMPFILE" }, RT_SC_FLAG(O_DIRECTORY), RT_SC_FLAG(O_NOFOLLOW),
	RT_SC_FLAG(O_NOATIME), RT_SC_FLAG(O_CLOEXEC), RT_SC_FLAG(O_PATH),
};

static const struct rt_sc_flag rt_sc_prot_flags[] = {
	RT_SC_FLAG(PROT_READ), RT_SC_FLAG(PROT_WRITE), RT_SC_FLAG(PROT_EXEC), RT_SC_FLAG(PROT_SEM),
	RT_SC_FLAG(PROT_GROWSDOWN), RT_SC_FLAG(PROT_GROWSUP),
};

static const struct rt_sc_flag rt_sc_mmap_flags[] = {
	RT_SC_FLAG(MAP_FIXED), RT_SC_FLAG(MAP_ANONYMOUS), RT_SC_FLAG(MAP_32BIT),
	RT_SC_FLAG(MAP_GROWSDOWN), RT_SC_FLAG(MAP_DENYWRITE), RT_SC_FLAG(MAP_EXECUTABLE),
	RT_SC_FLAG(MAP_LOCKED), RT_SC_FLAG(MAP_NORESERVE), RT_SC_FLAG(MAP_POPULATE),
	RT_SC_FLAG(MAP_NONBLOCK), RT_SC_FLAG(MAP_STACK), RT_SC_FLAG(MAP_HUGETLB),
	RT_SC_FLAG(MAP_SYNC), RT_SC_FLAG(MAP_FIXED_NOREPLACE), RT_SC_FLAG(MAP_UNINITIALIZED),
};

static const struct rt_sc_flag rt_sc_at_flags[] = {
	RT_SC_FLAG(AT_SYMLINK_NOFOLLOW), RT_SC_FLAG(AT_REMOVEDIR), RT_SC_FLAG(AT_SYMLINK_FOLLOW),
	RT_SC_FLAG(AT_NO_AUTOMOUNT), RT_SC_FLAG(AT_EMPTY_PATH),
	RT_SC_FLAG(AT_STATX_FORCE_SYNC), RT_SC_FLAG(AT_STATX_DONT_SYNC), RT_SC_FLAG(AT_RECURSIVE),
};

/* The signals' names, by number: the kernel's macros. */
static const struct rt_sc_flag rt_sc_signals[] = {
	RT_SC_FLAG(SIGHUP), RT_SC_FLAG(SIGINT), RT_SC_FLAG(SIGQUIT), RT_SC_FLAG(SIGILL),
	RT_SC_FLAG(SIGTRAP), RT_SC_FLAG(SIGABRT), RT_SC_FLAG(SIGBUS), RT_SC_FLAG(SIGFPE),
	RT_SC_FLAG(SIGKILL), RT_SC_FLAG(SIGUSR1), RT_SC_FLAG(SIGSEGV), RT_SC_FLAG(SIGUSR2),
	RT_SC_FLAG(SIGPIPE), RT_SC_FLAG(SIGALRM), RT_SC_FLAG(SIGTERM), RT_SC_FLAG(SIGSTKFLT),
	RT_SC_FLAG(SIGCHLD), RT_SC_FLAG(SIGCONT), RT_SC_FLAG(SIGSTOP), RT_SC_FLAG(SIGTSTP),
	RT_SC_FLAG(SIGTTIN), RT_SC_FLAG(SIGTTOU), RT_SC_FLAG(SIGURG), RT_SC_FLAG(SIGXCPU),
	RT_SC_FLAG(SIGXFSZ), RT_SC_FLAG(SIGVTALRM), RT_SC_FLAG(SIGPROF), RT_SC_FLAG(SIGWINCH),
	RT_SC_FLAG(SIGIO), RT_SC_FLAG(SIGPWR), RT_SC_FLAG(SIGSYS),
};

/* Families by their PF_ names, as SystemTap prints them (PF_LOCAL before its alias PF_UNIX). */
static const struct rt_sc_flag rt_sc_families[] = {
	RT_SC_FLAG(PF_UNSPEC), RT_SC_FLAG(PF_LOCAL), RT_SC_FLAG(PF_INET), RT_SC_FLAG(PF_AX25),
	RT_SC_FLAG(PF_IPX), RT_SC_FLAG(PF_APPLETALK), RT_SC_FLAG(PF_NETROM), RT_SC_FLAG(PF_BRIDGE),
	RT_SC_FLAG(PF_ATMPVC), RT_SC_FLAG(PF_X25), RT_SC_FLAG(PF_INET6), RT_SC_FLAG(PF_ROSE),
	RT_SC_FLAG(PF_NETBEUI), RT_SC_FLAG(PF_SECURITY), RT_SC_FLAG(PF_KEY), RT_SC_FLAG(PF_NETLINK),
	RT_SC_FLAG(PF_PACKET), RT_SC_FLAG(PF_ASH), RT_SC_FLAG(PF_ECONET), RT_SC_FLAG(PF_ATMSVC),
	RT_SC_FLAG(PF_RDS), RT_SC_FLAG(PF_SNA), RT_SC_FLAG(PF_IRDA), RT_SC_FLAG(PF_PPPOX),
	RT_SC_FLAG(PF_WANPIPE), RT_SC_FLAG(PF_LLC), RT_SC_FLAG(PF_IB), RT_SC_FLAG(PF_MPLS),
	RT_SC_FLAG(PF_CAN), RT_SC_FLAG(PF_TIPC), RT_SC_FLAG(PF_BLUETOOTH), RT_SC_FLAG(PF_IUCV),
	RT_SC_FLAG(PF_RXRPC), RT_SC_FLAG(PF_ISDN), RT_SC_FLAG(PF_PHONET), RT_SC_FLAG(PF_IEEE802154),
	RT_SC_FLAG(PF_CAIF), RT_SC_FLAG(PF_ALG), RT_SC_FLAG(PF_NFC), RT_SC_FLAG(PF_VSOCK),
	RT_SC_FLAG(PF_KCM), RT_SC_FLAG(PF_QIPCRTR), RT_SC_FLAG(PF_SMC), RT_SC_FLAG(PF_XDP),
	RT_SC_FLAG(PF_MCTP),
};

static const struct rt_sc_flag rt_sc_sock_types[] = {
	RT_SC_FLAG(SOCK_STREAM), RT_SC_FLAG(SOCK_DGRAM), RT_SC_FLAG(SOCK_RAW), RT_SC_FLAG(SOCK_RDM),
	RT_SC_FLAG(SOCK_SEQPACKET), RT_SC_FLAG(SOCK_DCCP), RT_SC_FLAG(SOCK_PACKET),
};

static const struct rt_sc_flag rt_sc_sock_flags[] = {
	RT_SC_FLAG(SOCK_CLOEXEC), RT_SC_FLAG(SOCK_NONBLOCK),
};

static const struct rt_sc_flag rt_sc_protocols[] = {
	RT_SC_FLAG(IPPROTO_IP), RT_SC_FLAG(IPPROTO_ICMP), RT_SC_FLAG(IPPROTO_IGMP),
	RT_SC_FLAG(IPPROTO_IPIP), RT_SC_FLAG(IPPROTO_TCP), RT_SC_FLAG(IPPROTO_EGP),
	RT_SC_FLAG(IPPROTO_PUP), RT_SC_FLAG(IPPROTO_UDP), RT_SC_FLAG(IPPROTO_IDP),
	RT_SC_FLAG(IPPROTO_TP), RT_SC_FLAG(IPPROTO_DCCP), RT_SC_FLAG(IPPROTO_IPV6),
	RT_SC_FLAG(IPPROTO_RSVP), RT_SC_FLAG(IPPROTO_GRE), RT_SC_FLAG(IPPROTO_ESP),
	RT_SC_FLAG(IPPROTO_AH), RT_SC_FLAG(IPPROTO_MTP), RT_SC_FLAG(IPPROTO_ENCAP),
	RT_SC_FLAG(IPPROTO_PIM), RT_SC_FLAG(IPPROTO_COMP), RT_SC_FLAG(IPPROTO_SCTP),
	RT_SC_FLAG(IPPROTO_UDPLITE), RT_SC_FLAG(IPPROTO_MPLS), RT_SC_FLAG(IPPROTO_RAW),
};

static const struct rt_sc_flag rt_sc_msg_flags[] = {
	RT_SC_FLAG(MSG_OOB), RT_SC_FLAG(MSG_PEEK), RT_SC_FLAG(MSG_DONTROUTE), RT_SC_FLAG(MSG_CTRUNC),
	RT_SC_FLAG(MSG_PROBE), RT_SC_FLAG(MSG_TRUNC), RT_SC_FLAG(MSG_DONTWAIT), RT_SC_FLAG(MSG_EOR),
	RT_SC_FLAG(MSG_WAITALL), RT_SC_FLAG(MSG_FIN), RT_SC_FLAG(MSG_SYN), RT_SC_FLAG(MSG_CONFIRM),
	RT_SC_FLAG(MSG_RST), RT_SC_FLAG(MSG_ERRQUEUE), RT_SC_FLAG(MSG_NOSIGNAL), RT_SC_FLAG(MSG_MORE),
	RT_SC_FLAG(MSG_WAITFORONE), RT_SC_FLAG(MSG_BATCH), RT_SC_FLAG(MSG_ZEROCOPY),
	RT_SC_FLAG(MSG_FASTOPEN), RT_SC_FLAG(MSG_CMSG_CLOEXEC),
};

static const struct rt_sc_flag rt_sc_clone_flags[] = {
	RT_SC_FLAG(CLONE_VM), RT_SC_FLAG(CLONE_FS), RT_SC_FLAG(CLONE_FILES), RT_SC_FLAG(CLONE_SIGHAND),
	RT_SC_FLAG(CLONE_PIDFD), RT_SC_FLAG(CLONE_PTRACE), RT_SC_FLAG(CLONE_VFORK),
	RT_SC_FLAG(CLONE_PARENT), RT_SC_FLAG(CLONE_THREAD), RT_SC_FLAG(CLONE_NEWNS),
	RT_SC_FLAG(CLONE_SYSVSEM), RT_SC_FLAG(CLONE_SETTLS), RT_SC_FLAG(CLONE_PARENT_SETTID),
	RT_SC_FLAG(CLONE_CHILD_CLEARTID), RT_SC_FLAG(CLONE_DETACHED), RT_SC_FLAG(CLONE_UNTRACED),
	RT_SC_FLAG(CLONE_CHILD_SETTID), RT_SC_FLAG(CLONE_NEWCGROUP), RT_SC_FLAG(CLONE_NEWUTS),
	RT_SC_FLAG(CLONE_NEWIPC), RT_SC_FLAG(CLONE_NEWUSER), RT_SC_FLAG(CLONE_NEWPID),
	RT_SC_FLAG(CLONE_NEWNET), RT_SC_FLAG(CLONE_IO),
};

static const struct rt_sc_flag rt_sc_fcntl_cmds[] = {
	RT_SC_FLAG(F_DUPFD), RT_SC_FLAG(F_GETFD), RT_SC_FLAG(F_SETFD), RT_SC_FLAG(F_GETFL),
	RT_SC_FLAG(F_SETFL), RT_SC_FLAG(F_GETLK), RT_SC_FLAG(F_SETLK), RT_SC_FLAG(F_SETLKW),
	RT_SC_FLAG(F_SETOWN), RT_SC_FLAG(F_GETOWN), RT_SC_FLAG(F_SETSIG), RT_SC_FLAG(F_GETSIG),
	RT_SC_FLAG(F_SETOWN_EX), RT_SC_FLAG(F_GETOWN_EX), RT_SC_FLAG(F_GETOWNER_UIDS),
	RT_SC_FLAG(F_OFD_GETLK), RT_SC_FLAG(F_OFD_SETLK), RT_SC_FLAG(F_OFD_SETLKW),
	RT_SC_FLAG(F_SETLEASE), RT_SC_FLAG(F_GETLEASE), RT_SC_FLAG(F_DUPFD_CLOEXEC),
	RT_SC_FLAG(F_NOTIFY), RT_SC_FLAG(F_SETPIPE_SZ), RT_SC_FLAG(F_GETPIPE_SZ),
	RT_SC_FLAG(F_ADD_SEALS), RT_SC_FLAG(F_GET_SEALS), RT_SC_FLAG(F_GET_RW_HINT),
	RT_SC_FLAG(F_SET_RW_HINT), RT_SC_FLAG(F_GET_FILE_RW_HINT), RT_SC_FLAG(F_SET_FILE_RW_HINT),
};

static const struct rt_sc_flag rt_sc_wait_options[] = {
	RT_SC_FLAG(WNOHANG), RT_SC_FLAG(WUNTRACED), RT_SC_FLAG(WEXITED), RT_SC_FLAG(WCONTINUED),
	RT_SC_FLAG(WNOWAIT), RT_SC_FLAG(__WNOTHREAD), RT_SC_FLAG(__WALL), RT_SC_FLAG(__WCLONE),
};

static const struct rt_sc_flag rt_sc_waitid_which[] = {
	RT_SC_FLAG(P_ALL), RT_SC_FLAG(P_PID), RT_SC_FLAG(P_PGID), RT_SC_FLAG(P_PIDFD),
};

static const struct rt_sc_flag rt_sc_epoll_ops[] = {
	RT_SC_FLAG(EPOLL_CTL_ADD), RT_SC_FLAG(EPOLL_CTL_DEL), RT_SC_FLAG(EPOLL_CTL_MOD),
};

static const struct rt_sc_flag rt_sc_epoll_flags[] = { RT_SC_FLAG(EPOLL_CLOEXEC) };

static const struct rt_sc_flag rt_sc_rlimits[] = {
	RT_SC_FLAG(RLIMIT_CPU), RT_SC_FLAG(RLIMIT_FSIZE), RT_SC_FLAG(RLIMIT_DATA),
	RT_SC_FLAG(RLIMIT_STACK), RT_SC_FLAG(RLIMIT_CORE), RT_SC_FLAG(RLIMIT_RSS),
	RT_SC_FLAG(RLIMIT_NPROC), RT_SC_FLAG(RLIMIT_NOFILE), RT_SC_FLAG(RLIMIT_MEMLOCK),
	RT_SC_FLAG(RLIMIT_AS), RT_SC_FLAG(RLIMIT_LOCKS), RT_SC_FLAG(RLIMIT_SIGPENDING),
	RT_SC_FLAG(RLIMIT_MSGQUEUE), RT_SC_FLAG(RLIMIT_NICE), RT_SC_FLAG(RLIMIT_RTPRIO),
	RT_SC_FLAG(RLIMIT_RTTIME), RT_SC_FLAG(RLIM_NLIMITS),
};

static const struct rt_sc_flag rt_sc_clocks[] = {
	RT_SC_FLAG(CLOCK_REALTIME), RT_SC_FLAG(CLOCK_MONOTONIC), RT_SC_FLAG(CLOCK_PROCESS_CPUTIME_ID),
	RT_SC_FLAG(CLOCK_THREAD_CPUTIME_ID), RT_SC_FLAG(CLOCK_MONOTONIC_RAW),
	RT_SC_FLAG(CLOCK_REALTIME_COARSE), RT_SC_FLAG(CLOCK_MONOTONIC_COARSE),
	RT_SC_FLAG(CLOCK_BOOTTIME), RT_SC_FLAG(CLOCK_REALTIME_ALARM), RT_SC_FLAG(CLOCK_BOOTTIME_ALARM),
	RT_SC_FLAG(CLOCK_SGI_CYCLE), RT_SC_FLAG(CLOCK_TAI),
};

static const struct rt_sc_flag rt_sc_timer_flags[] = { RT_SC_FLAG(TIMER_ABSTIME) };

static const struct rt_sc_flag rt_sc_mount_flags[] = {
	RT_SC_FLAG(MS_RDONLY), RT_SC_FLAG(MS_NOSUID), RT_SC_FLAG(MS_NODEV), RT_SC_FLAG(MS_NOEXEC),
	RT_SC_FLAG(MS_SYNCHRONOUS), RT_SC_FLAG(MS_REMOUNT), RT_SC_FLAG(MS_MANDLOCK),
	RT_SC_FLAG(MS_DIRSYNC), RT_SC_FLAG(MS_NOSYMFOLLOW), RT_SC_FLAG(MS_NOATIME),
	RT_SC_FLAG(MS_NODIRATIME), RT_SC_FLAG(MS_BIND), RT_SC_FLAG(MS_MOVE), RT_SC_FLAG(MS_REC),
	RT_SC_FLAG(MS_SILENT), RT_SC_FLAG(MS_POSIXACL), RT_SC_FLAG(MS_UNBINDABLE),
	RT_SC_FLAG(MS_PRIVATE), RT_SC_FLAG(MS_SLAVE), RT_SC_FLAG(MS_SHARED), RT_SC_FLAG(MS_RELATIME),
	RT_SC_FLAG(MS_KERNMOUNT), RT_SC_FLAG(MS_I_VERSION), RT_SC_FLAG(MS_STRICTATIME),
	RT_SC_FLAG(MS_LAZYTIME),
};

static const struct rt_sc_flag rt_sc_umount_flags[] = {
	RT_SC_FLAG(MNT_FORCE), RT_SC_FLAG(MNT_DETACH), RT_SC_FLAG(MNT_EXPIRE),
	RT_SC_FLAG(UMOUNT_NOFOLLOW),
};

static const struct rt_sc_flag rt_sc_rename_flags[] = {
	RT_SC_FLAG(RENAME_NOREPLACE), RT_SC_FLAG(RENAME_EXCHANGE), RT_SC_FLAG(RENAME_WHITEOUT),
};

/* access(2)'s modes by their user-space names (the kernel's MAY_* have the same bits). */
static const struct rt_sc_flag rt_sc_access_modes[] = {
	{ 0, "F_OK" }, { MAY_READ, "R_OK" }, { MAY_WRITE, "W_OK" }, { MAY_EXEC, "X_OK" },
};

static const struct rt_sc_flag rt_sc_sigprocmask_how[] = {
	RT_SC_FLAG(SIG_BLOCK), RT_SC_FLAG(SIG_UNBLOCK), RT_SC_FLAG(SIG_SETMASK),
};

static const struct rt_sc_flag rt_sc_seek_whence[] = {
	RT_SC_FLAG(SEEK_SET), RT_SC_FLAG(SEEK_CUR), RT_SC_FLAG(SEEK_END), RT_SC_FLAG(SEEK_DATA),
	RT_SC_FLAG(SEEK_HOLE),
};

static const struct rt_sc_flag rt_sc_pipe_flags[] = {
	RT_SC_FLAG(O_NONBLOCK), RT_SC_FLAG(O_CLOEXEC), RT_SC_FLAG(O_DIRECT),
};

static const struct rt_sc_flag rt_sc_eventfd_flags[] = {
	RT_SC_FLAG(EFD_NONBLOCK), RT_SC_FLAG(EFD_CLOEXEC), RT_SC_FLAG(EFD_SEMAPHORE),
};

static const struct rt_sc_flag rt_sc_timerfd_flags[] = {
	RT_SC_FLAG(TFD_TIMER_ABSTIME), RT_SC_FLAG(TFD_TIMER_CANCEL_ON_SET), RT_SC_FLAG(TFD_CLOEXEC),
	RT_SC_FLAG(TFD_NONBLOCK),
};

static const struct rt_sc_flag rt_sc_signalfd_flags[] = {
	RT_SC_FLAG(SFD_NONBLOCK), RT_SC_FLAG(SFD_CLOEXEC),
};

static const struct rt_sc_flag rt_sc_inotify_flags[] = {
	RT_SC_FLAG(IN_NONBLOCK), RT_SC_FLAG(IN_CLOEXEC),
};

static const struct rt_sc_flag rt_sc_shutdown_how[] = {
	RT_SC_FLAG(SHUT_RD), RT_SC_FLAG(SHUT_WR), RT_SC_FLAG(SHUT_RDWR),
};

static const struct rt_sc_flag rt_sc_flock_ops[] = {
	RT_SC_FLAG(LOCK_SH), RT_SC_FLAG(LOCK_EX), RT_SC_FLAG(LOCK_NB), RT_SC_FLAG(LOCK_UN),
	RT_SC_FLAG(LOCK_MAND), RT_SC_FLAG(LOCK_READ), RT_SC_FLAG(LOCK_WRITE),
};

static const struct rt_sc_flag rt_sc_madvise[] = {
	RT_SC_FLAG(MADV_NORMAL), RT_SC_FLAG(MADV_RANDOM), RT_SC_FLAG(MADV_SEQUENTIAL),
	RT_SC_FLAG(MADV_WILLNEED), RT_SC_FLAG(MADV_DONTNEED), RT_SC_FLAG(MADV_FREE),
	RT_SC_FLAG(MADV_REMOVE), RT_SC_FLAG(MADV_DONTFORK), RT_SC_FLAG(MADV_DOFORK),
	RT_SC_FLAG(MADV_HWPOISON), RT_SC_FLAG(MADV_SOFT_OFFLINE), RT_SC_FLAG(MADV_MERGEABLE),
	RT_SC_FLAG(MADV_UNMERGEABLE), RT_SC_FLAG(MADV_HUGEPAGE), RT_SC_FLAG(MADV_NOHUGEPAGE),
	RT_SC_FLAG(MADV_DONTDUMP), RT_SC_FLAG(MADV_DODUMP), RT_SC_FLAG(MADV_WIPEONFORK),
	RT_SC_FLAG(MADV_KEEPONFORK), RT_SC_FLAG(MADV_COLD), RT_SC_FLAG(MADV_PAGEOUT),
	RT_SC_FLAG(MADV_POPULATE_READ), RT_SC_FLAG(MADV_POPULATE_WRITE),
	RT_SC_FLAG(MADV_DONTNEED_LOCKED),
};

static const struct rt_sc_flag rt_sc_msync_flags[] = {
	RT_SC_FLAG(MS_ASYNC), RT_SC_FLAG(MS_INVALIDATE), RT_SC_FLAG(MS_SYNC),
};

static const struct rt_sc_flag rt_sc_mlockall_flags[] = {
	RT_SC_FLAG(MCL_CURRENT), RT_SC_FLAG(MCL_FUTURE), RT_SC_FLAG(MCL_ONFAULT),
};

static const struct rt_sc_flag rt_sc_inotify_mask[] = {
	RT_SC_FLAG(IN_ACCESS), RT_SC_FLAG(IN_MODIFY), RT_SC_FLAG(IN_ATTRIB),
	RT_SC_FLAG(IN_CLOSE_WRITE), RT_SC_FLAG(IN_CLOSE_NOWRITE), RT_SC_FLAG(IN_OPEN),
	RT_SC_FLAG(IN_MOVED_FROM), RT_SC_FLAG(IN_MOVED_TO), RT_SC_FLAG(IN_CREATE),
	RT_SC_FLAG(IN_DELETE), RT_SC_FLAG(IN_DELETE_SELF), RT_SC_FLAG(IN_MOVE_SELF),
	RT_SC_FLAG(IN_UNMOUNT), RT_SC_FLAG(IN_Q_OVERFLOW), RT_SC_FLAG(IN_IGNORED),
	RT_SC_FLAG(IN_ONLYDIR), RT_SC_FLAG(IN_DONT_FOLLOW), RT_SC_FLAG(IN_EXCL_UNLINK),
	RT_SC_FLAG(IN_MASK_CREATE), RT_SC_FLAG(IN_MASK_ADD), RT_SC_FLAG(IN_ISDIR),
	RT_SC_FLAG(IN_ONESHOT),
};

static const struct rt_sc_flag rt_sc_itimer_which[] = {
	RT_SC_FLAG(ITIMER_REAL), RT_SC_FLAG(ITIMER_VIRTUAL), RT_SC_FLAG(ITIMER_PROF),
};

/* The negative ones as the int argument's 32 bits. */
static const struct rt_sc_flag rt_sc_rusage_who[] = {
	RT_SC_FLAG(RUSAGE_SELF), { (u32)RUSAGE_CHILDREN, "RUSAGE_CHILDREN" },
	{ (u32)RUSAGE_BOTH, "RUSAGE_BOTH" }, RT_SC_FLAG(RUSAGE_THREAD),
};

static const struct rt_sc_flag rt_sc_priority_which[] = {
	RT_SC_FLAG(PRIO_PROCESS), RT_SC_FLAG(PRIO_PGRP), RT_SC_FLAG(PRIO_USER),
};

/* SCHED_NORMAL by its POSIX name, as SystemTap prints it. */
static const struct rt_sc_flag rt_sc_sched_policies[] = {
	{ SCHED_NORMAL, "SCHED_OTHER" }, RT_SC_FLAG(SCHED_FIFO), RT_SC_FLAG(SCHED_RR),
	RT_SC_FLAG(SCHED_BATCH), RT_SC_FLAG(SCHED_IDLE), RT_SC_FLAG(SCHED_DEADLINE),
};

static const struct rt_sc_flag rt_sc_fadvise[] = {
	RT_SC_FLAG(POSIX_FADV_NORMAL), RT_SC_FLAG(POSIX_FADV_RANDOM), RT_SC_FLAG(POSIX_FADV_SEQUENTIAL),
	RT_SC_FLAG(POSIX_FADV_WILLNEED), RT_SC_FLAG(POSIX_FADV_DONTNEED), RT_SC_FLAG(POSIX_FADV_NOREUSE),
};

static const struct rt_sc_flag rt_sc_mremap_flags[] = {
	RT_SC_FLAG(MREMAP_MAYMOVE), RT_SC_FLAG(MREMAP_FIXED), RT_SC_FLAG(MREMAP_DONTUNMAP),
};

static const struct rt_sc_flag rt_sc_getrandom_flags[] = {
	RT_SC_FLAG(GRND_NONBLOCK), RT_SC_FLAG(GRND_RANDOM), RT_SC_FLAG(GRND_INSECURE),
};

static const struct rt_sc_flag rt_sc_memfd_flags[] = {
	RT_SC_FLAG(MFD_CLOEXEC), RT_SC_FLAG(MFD_ALLOW_SEALING), RT_SC_FLAG(MFD_HUGETLB),
};

static const struct rt_sc_flag rt_sc_mlock2_flags[] = { RT_SC_FLAG(MLOCK_ONFAULT) };

static const struct rt_sc_flag rt_sc_sockopt_levels[] = {
	RT_SC_FLAG(SOL_IP), RT_SC_FLAG(SOL_SOCKET), RT_SC_FLAG(SOL_TCP), RT_SC_FLAG(SOL_UDP),
	RT_SC_FLAG(SOL_IPV6), RT_SC_FLAG(SOL_ICMPV6), RT_SC_FLAG(SOL_SCTP), RT_SC_FLAG(SOL_UDPLITE),
	RT_SC_FLAG(SOL_RAW), RT_SC_FLAG(SOL_PACKET), RT_SC_FLAG(SOL_NETLINK), RT_SC_FLAG(SOL_TIPC),
	RT_SC_FLAG(SOL_RXRPC), RT_SC_FLAG(SOL_BLUETOOTH), RT_SC_FLAG(SOL_RDS), RT_SC_FLAG(SOL_ALG),
	RT_SC_FLAG(SOL_NFC), RT_SC_FLAG(SOL_TLS), RT_SC_FLAG(SOL_XDP), RT_SC_FLAG(SOL_MPTCP),
};

/*
 * Socket-level option names (SystemTap prints these whatever the level); the
 * time options by their user-space names, which are the _OLD values on x86-64.
 */
static const struct rt_sc_flag rt_sc_sockopt_names[] = {
	RT_SC_FLAG(SO_DEBUG), RT_SC_FLAG(SO_REUSEADDR), RT_SC_FLAG(SO_TYPE), RT_SC_FLAG(SO_ERROR),
	RT_SC_FLAG(SO_DONTROUTE), RT_SC_FLAG(SO_BROADCAST), RT_SC_FLAG(SO_SNDBUF), RT_SC_FLAG(SO_RCVBUF),
	RT_SC_FLAG(SO_SNDBUFFORCE), RT_SC_FLAG(SO_RCVBUFFORCE), RT_SC_FLAG(SO_KEEPALIVE),
	RT_SC_FLAG(SO_OOBINLINE), RT_SC_FLAG(SO_NO_CHECK), RT_SC_FLAG(SO_PRIORITY), RT_SC_FLAG(SO_LINGER),
	RT_SC_FLAG(SO_BSDCOMPAT), RT_SC_FLAG(SO_REUSEPORT), RT_SC_FLAG(SO_PASSCRED), RT_SC_FLAG(SO_PEERCRED),
	RT_SC_FLAG(SO_RCVLOWAT), RT_SC_FLAG(SO_SNDLOWAT), { SO_RCVTIMEO_OLD, "SO_RCVTIMEO" }, { SO_SNDTIMEO_OLD, "SO_SNDTIMEO" },
	RT_SC_FLAG(SO_BINDTODEVICE), RT_SC_FLAG(SO_ATTACH_FILTER), RT_SC_FLAG(SO_DETACH_FILTER),
	RT_SC_FLAG(SO_PEERNAME), { SO_TIMESTAMP_OLD, "SO_TIMESTAMP" }, RT_SC_FLAG(SO_ACCEPTCONN), RT_SC_FLAG(SO_PEERSEC),
	RT_SC_FLAG(SO_PASSSEC), { SO_TIMESTAMPNS_OLD, "SO_TIMESTAMPNS" }, RT_SC_FLAG(SO_MARK), { SO_TIMESTAMPING_OLD, "SO_TIMESTAMPING" },
	RT_SC_FLAG(SO_PROTOCOL), RT_SC_FLAG(SO_DOMAIN), RT_SC_FLAG(SO_RXQ_OVFL), RT_SC_FLAG(SO_WIFI_STATUS),
	RT_SC_FLAG(SO_PEEK_OFF), RT_SC_FLAG(SO_NOFCS), RT_SC_FLAG(SO_LOCK_FILTER),
	RT_SC_FLAG(SO_SELECT_ERR_QUEUE), RT_SC_FLAG(SO_BUSY_POLL), RT_SC_FLAG(SO_MAX_PACING_RATE),
	RT_SC_FLAG(SO_BPF_EXTENSIONS), RT_SC_FLAG(SO_INCOMING_CPU), RT_SC_FLAG(SO_ATTACH_BPF),
	RT_SC_FLAG(SO_ATTACH_REUSEPORT_CBPF), RT_SC_FLAG(SO_ATTACH_REUSEPORT_EBPF),
	RT_SC_FLAG(SO_CNX_ADVICE), RT_SC_FLAG(SO_MEMINFO), RT_SC_FLAG(SO_INCOMING_NAPI_ID),
	RT_SC_FLAG(SO_COOKIE), RT_SC_FLAG(SO_PEERGROUPS), RT_SC_FLAG(SO_ZEROCOPY), RT_SC_FLAG(SO_TXTIME),
	RT_SC_FLAG(SO_BINDTOIFINDEX),
};

#define RT_SC_TABLE(t, how, mask) { t, ARRAY_SIZE(t), how, mask }

/* The plain tables, by decoder; the others (n == 0) are decoded below. */
static const struct rt_sc_table rt_sc_tables[RT_SCD_COUNT] = {
	[RT_SCD_SOCK_FAMILY] = RT_SC_TABLE(rt_sc_families, RT_SCD_ONE, ~0UL),
	[RT_SCD_SOCK_FLAGS] = RT_SC_TABLE(rt_sc_sock_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_MSG_FLAGS] = RT_SC_TABLE(rt_sc_msg_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_FCNTL_CMD] = RT_SC_TABLE(rt_sc_fcntl_cmds, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_WAIT_OPTIONS] = RT_SC_TABLE(rt_sc_wait_options, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_WAITID_WHICH] = RT_SC_TABLE(rt_sc_waitid_which, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_EPOLL_OP] = RT_SC_TABLE(rt_sc_epoll_ops, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_EPOLL_FLAGS] = RT_SC_TABLE(rt_sc_epoll_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_RLIMIT] = RT_SC_TABLE(rt_sc_rlimits, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_CLOCK] = RT_SC_TABLE(rt_sc_clocks, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_TIMER_FLAGS] = RT_SC_TABLE(rt_sc_timer_flags, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_MOUNT_FLAGS] = RT_SC_TABLE(rt_sc_mount_flags, RT_SCD_BITS, ~0UL),
	[RT_SCD_UMOUNT_FLAGS] = RT_SC_TABLE(rt_sc_umount_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_RENAME_FLAGS] = RT_SC_TABLE(rt_sc_rename_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_ACCESS_MODE] = RT_SC_TABLE(rt_sc_access_modes, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_SIGPROCMASK_HOW] = RT_SC_TABLE(rt_sc_sigprocmask_how, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_SEEK_WHENCE] = RT_SC_TABLE(rt_sc_seek_whence, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_FD_FLAGS] = RT_SC_TABLE(rt_sc_open_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_PIPE_FLAGS] = RT_SC_TABLE(rt_sc_pipe_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_EVENTFD_FLAGS] = RT_SC_TABLE(rt_sc_eventfd_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_TIMERFD_FLAGS] = RT_SC_TABLE(rt_sc_timerfd_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_SIGNALFD_FLAGS] = RT_SC_TABLE(rt_sc_signalfd_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_INOTIFY_FLAGS] = RT_SC_TABLE(rt_sc_inotify_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_SHUTDOWN_HOW] = RT_SC_TABLE(rt_sc_shutdown_how, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_FLOCK_OP] = RT_SC_TABLE(rt_sc_flock_ops, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_MADVISE] = RT_SC_TABLE(rt_sc_madvise, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_MSYNC_FLAGS] = RT_SC_TABLE(rt_sc_msync_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_MLOCKALL_FLAGS] = RT_SC_TABLE(rt_sc_mlockall_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_INOTIFY_MASK] = RT_SC_TABLE(rt_sc_inotify_mask, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_ITIMER_WHICH] = RT_SC_TABLE(rt_sc_itimer_which, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_RUSAGE_WHO] = RT_SC_TABLE(rt_sc_rusage_who, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_PRIORITY_WHICH] = RT_SC_TABLE(rt_sc_priority_which, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_FADVISE] = RT_SC_TABLE(rt_sc_fadvise, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_MREMAP_FLAGS] = RT_SC_TABLE(rt_sc_mremap_flags, RT_SCD_BITS, ~0UL),
	[RT_SCD_GETRANDOM_FLAGS] = RT_SC_TABLE(rt_sc_getrandom_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_MEMFD_FLAGS] = RT_SC_TABLE(rt_sc_memfd_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_MLOCK2_FLAGS] = RT_SC_TABLE(rt_sc_mlock2_flags, RT_SCD_BITS, 0xffffffffUL),
	[RT_SCD_SOCKOPT_LEVEL] = RT_SC_TABLE(rt_sc_sockopt_levels, RT_SCD_ONE, 0xffffffffUL),
	[RT_SCD_SOCKOPT_NAME] = RT_SC_TABLE(rt_sc_sockopt_names, RT_SCD_ONE, 0xffffffffUL),
};

/* Append "|NAME" (no '|' first) to out, which holds len bytes. */
static size_t rt_sc_add(char *out, size_t n, size_t len, const char *name)
{
	if (len >= n)
		return len;
	return len + scnprintf(out + len, n - len, "%s%s", len ? "|" : "", name);
}

/* Append "|0x..." (no '|' first). */
static size_t rt_sc_add_hex(char *out, size_t n, size_t len, unsigned long v)
{
	if (len >= n)
		return len;
	return len + scnprintf(out + len, n - len, "%s0x%lx", len ? "|" : "", v);
}

static size_t rt_sc_bits(char *out, size_t n, size_t len, unsigned long *v,
			 const struct rt_sc_flag *t, size_t nt)
{
	size_t i;

	for (i = 0; i < nt; i++) {
		if (t[i].v && (*v & t[i].v) == t[i].v) {
			len = rt_sc_add(out, n, len, t[i].name);
			*v &= ~t[i].v;
		}
	}
	return len;
}

/* The name of v in t, or NULL. */
static const char *rt_sc_name(const struct rt_sc_flag *t, size_t nt, unsigned long v)
{
	size_t i;

	for (i = 0; i < nt; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}

/* v by name, else in hex (as SystemTap prints an unknown value). */
static void rt_sc_one(char *out, size_t n, const struct rt_sc_flag *t, size_t nt, unsigned long v)
{
	const char *name = rt_sc_name(t, nt, v);

	if (name)
		strscpy(out, name, n);
	else
		scnprintf(out, n, "0x%lx", v);
}

static void rt_sc_signal_str(char *out, size_t n, long sig)
{
	const char *name = rt_sc_name(rt_sc_signals, ARRAY_SIZE(rt_sc_signals), sig);

	if (name)
		strscpy(out, name, n);
	else if (sig == SIGRTMIN)
		strscpy(out, "SIGRTMIN", n);
	else if (sig > SIGRTMIN && sig <= _NSIG)
		scnprintf(out, n, "SIGRTMIN+%ld", sig - SIGRTMIN);
	else
		scnprintf(out, n, "%ld", sig);
}

/* A socket type: the type by name, then SOCK_CLOEXEC, SOCK_NONBLOCK, then what is left. */
static void rt_sc_sock_type_str(char *out, size_t n, unsigned long v)
{
	const char *name = rt_sc_name(rt_sc_sock_types, ARRAY_SIZE(rt_sc_sock_types), v & SOCK_TYPE_MASK);
	size_t len = 0;

	v &= 0xffffffffUL;
	if (name) {
		len = rt_sc_add(out, n, len, name);
		v &= ~(unsigned long)SOCK_TYPE_MASK;
	}
	len = rt_sc_bits(out, n, len, &v, rt_sc_sock_flags, ARRAY_SIZE(rt_sc_sock_flags));
	if (v || !len)
		rt_sc_add_hex(out, n, len, v);
}

/* clone's flags, then its exit signal (the low byte), as SystemTap prints them. */
static void rt_sc_clone_str(char *out, size_t n, unsigned long v)
{
	unsigned long f = v & ~0xffUL;
	size_t len = 0;

	len = rt_sc_bits(out, n, len, &f, rt_sc_clone_flags, ARRAY_SIZE(rt_sc_clone_flags));
	if (f || !len)
		len = rt_sc_add_hex(out, n, len, f);
	if (v & 0xff) {
		char sig[24];
		const char *name = rt_sc_name(rt_sc_signals, ARRAY_SIZE(rt_sc_signals), v & 0xff);

		if (!name) {
			scnprintf(sig, sizeof(sig), "0x%lx", v & 0xff);
			name = sig;
		}
		rt_sc_add(out, n, len, name);
	}
}

/* mknod's mode: its file type by name, then the permissions in octal. */
static void rt_sc_mknod_mode_str(char *out, size_t n, unsigned long v)
{
	static const struct rt_sc_flag types[] = {
		RT_SC_FLAG(S_IFREG), RT_SC_FLAG(S_IFCHR), RT_SC_FLAG(S_IFBLK), RT_SC_FLAG(S_IFIFO),
		RT_SC_FLAG(S_IFSOCK),
	};
	const char *name = rt_sc_name(types, ARRAY_SIZE(types), v & S_IFMT);

	if (name)
		scnprintf(out, n, "%s|%#lo", name, v & ~(unsigned long)S_IFMT);
	else
		scnprintf(out, n, "%#lo", v);
}

void rt_sc_flags_str(char *out, size_t n, long flags, long table)
{
	unsigned long v = flags;
	size_t len = 0;
	const struct rt_sc_table *t;

	out[0] = '\0';
	switch (table) {
	case RT_SCD_OPEN: /* the access mode, then the flags */
		len = rt_sc_add(out, n, len, (v & O_ACCMODE) == O_WRONLY ? "O_WRONLY" :
				(v & O_ACCMODE) == O_RDWR ? "O_RDWR" :
				(v & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "O_ACCMODE");
		v &= ~(unsigned long)O_ACCMODE;
		len = rt_sc_bits(out, n, len, &v, rt_sc_open_flags, ARRAY_SIZE(rt_sc_open_flags));
		break;
	case RT_SCD_PROT:
		if (!v) {
			rt_sc_add(out, n, len, "PROT_NONE");
			return;
		}
		len = rt_sc_bits(out, n, len, &v, rt_sc_prot_flags, ARRAY_SIZE(rt_sc_prot_flags));
		break;
	case RT_SCD_MMAP: /* the mapping type, then the flags */
		switch (v & MAP_TYPE) {
		case MAP_SHARED: len = rt_sc_add(out, n, len, "MAP_SHARED"); v &= ~(unsigned long)MAP_TYPE; break;
		case MAP_PRIVATE: len = rt_sc_add(out, n, len, "MAP_PRIVATE"); v &= ~(unsigned long)MAP_TYPE; break;
		case MAP_SHARED_VALIDATE: len = rt_sc_add(out, n, len, "MAP_SHARED_VALIDATE"); v &= ~(unsigned long)MAP_TYPE; break;
		}
		len = rt_sc_bits(out, n, len, &v, rt_sc_mmap_flags, ARRAY_SIZE(rt_sc_mmap_flags));
		break;
	case RT_SCD_SIGNAL:
		rt_sc_signal_str(out, n, flags);
		return;
	case RT_SCD_AT:
		if (!v) {
			rt_sc_add(out, n, len, "0");
			return;
		}
		len = rt_sc_bits(out, n, len, &v, rt_sc_at_flags, ARRAY_SIZE(rt_sc_at_flags));
		break;
	case RT_SCD_SOCK_TYPE:
		rt_sc_sock_type_str(out, n, v);
		return;
	case RT_SCD_CLONE_FLAGS:
		rt_sc_clone_str(out, n, v);
		return;
	case RT_SCD_MKNOD_MODE:
		rt_sc_mknod_mode_str(out, n, v);
		return;
	case RT_SCD_SCHED_POLICY: /* SCHED_RESET_ON_FORK|, then the policy */
		v &= 0xffffffffUL;
		if ((int)v > 0 && (v & SCHED_RESET_ON_FORK)) {
			len = rt_sc_add(out, n, len, "SCHED_RESET_ON_FORK|");
			v &= ~(unsigned long)SCHED_RESET_ON_FORK;
		}
		if (len < n)
			rt_sc_one(out + len, n - len, rt_sc_sched_policies, ARRAY_SIZE(rt_sc_sched_policies), v);
		return;
	default:
		if (table < 0 || table >= RT_SCD_COUNT || !rt_sc_tables[table].n) {
			scnprintf(out, n, "0x%lx", v);
			return;
		}
		t = &rt_sc_tables[table];
		v &= t->mask;
		if (t->how == RT_SCD_ONE) {
			rt_sc_one(out, n, t->t, t->n, v);
			return;
		}
		if (!v) {
			rt_sc_one(out, n, t->t, t->n, 0);
			return;
		}
		len = rt_sc_bits(out, n, len, &v, t->t, t->n);
		break;
	}
	/* Bits no name covers, in hex. */
	if (v || !len)
		rt_sc_add_hex(out, n, len, v);
}

/* A socket's protocol: IPPROTO_* in the IP families, else the number. */
void rt_sc_protocol_str(char *out, size_t n, long family, long protocol)
{
	const char *name = NULL;

	if (family == PF_INET || family == PF_INET6)
		name = rt_sc_name(rt_sc_protocols, ARRAY_SIZE(rt_sc_protocols), (unsigned long)protocol);
	if (name)
		strscpy(out, name, n);
	else
		scnprintf(out, n, "%d", (int)protocol);
}

/* Read n bytes of the current task's user memory; false on a fault or NULL. */
static bool rt_sc_uread(void *dst, unsigned long uaddr, size_t n)
{
	return uaddr && rt_uread_ok(dst, uaddr, n);
}

/* "NULL" or the address in hex: what a structure that cannot be read prints. */
static void rt_sc_unread(char *out, size_t n, unsigned long uaddr)
{
	if (uaddr)
		scnprintf(out, n, "0x%lx", uaddr);
	else
		strscpy(out, "NULL", n);
}

/*
 * A socket address of len bytes: {AF_INET, 127.0.0.1, 80}, {AF_INET6, ::1, 80},
 * {AF_UNIX, "/path"}, {AF_NETLINK, pid=0, groups=00000000}; "{...}" when it
 * cannot be read.
 */
void rt_sc_sockaddr_str(char *out, size_t n, unsigned long uaddr, long len)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_un un;
		struct sockaddr_nl nl;
		char raw[128];
	} a;
	size_t l = clamp_t(long, len, 0, (long)sizeof(a.raw));

	if (!uaddr) {
		strscpy(out, "NULL", n);
		return;
	}
	memset(&a, 0, sizeof(a));
	if (!rt_sc_uread(&a, uaddr, l)) {
		strscpy(out, "{...}", n);
		return;
	}
	if (l == sizeof(a.in) && a.sa.sa_family == AF_INET)
		scnprintf(out, n, "{AF_INET, %pI4, %u}", &a.in.sin_addr, be16_to_cpu(a.in.sin_port));
	else if (l == sizeof(a.in6) && a.sa.sa_family == AF_INET6)
		scnprintf(out, n, "{AF_INET6, %pI6, %u}", &a.in6.sin6_addr, be16_to_cpu(a.in6.sin6_port));
	else if (l > sizeof(sa_family_t) && a.sa.sa_family == AF_UNIX && a.un.sun_path[0])
		/* l <= 128 and the union is zeroed: the path ends within raw. */
		scnprintf(out, n, "{AF_UNIX, \"%.*s\"}", (int)(l - sizeof(sa_family_t)), a.un.sun_path);
	else if (l > sizeof(sa_family_t) + 1 && a.sa.sa_family == AF_UNIX)
		scnprintf(out, n, "{AF_UNIX, \"\\000%.*s\"}", (int)(l - sizeof(sa_family_t) - 1), a.un.sun_path + 1);
	else if (l == sizeof(a.nl) && a.sa.sa_family == AF_NETLINK)
		scnprintf(out, n, "{AF_NETLINK, pid=%u, groups=%08x}", a.nl.nl_pid, a.nl.nl_groups);
	else if (l >= sizeof(sa_family_t))
		scnprintf(out, n, "{unknown sockaddr with sa=%u, salen=%zu}", a.sa.sa_family, l);
	else
		scnprintf(out, n, "{unknown sockaddr with salen=%zu}", l);
}

/* A struct __kernel_timespec: [SEC.NSEC] (nine digits). */
void rt_sc_timespec_str(char *out, size_t n, unsigned long uaddr)
{
	struct __kernel_timespec ts;

	if (!rt_sc_uread(&ts, uaddr, sizeof(ts))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	scnprintf(out, n, "[%lld.%09lld]", (long long)ts.tv_sec, (long long)ts.tv_nsec);
}

/* utimensat's two times: [SEC.NSEC][SEC.NSEC], [UTIME_NOW], [UTIME_OMIT]. */
void rt_sc_timespec2_str(char *out, size_t n, unsigned long uaddr)
{
	struct __kernel_timespec ts[2];
	size_t len = 0;
	int i;

	if (!rt_sc_uread(ts, uaddr, sizeof(ts))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	for (i = 0; i < 2 && len < n; i++) {
		if (ts[i].tv_nsec == UTIME_NOW || ts[i].tv_nsec == UTIME_OMIT)
			len += scnprintf(out + len, n - len, "[%s]", ts[i].tv_nsec == UTIME_NOW ? "UTIME_NOW" : "UTIME_OMIT");
		else
			len += scnprintf(out + len, n - len, "[%lld.%09lld]", (long long)ts[i].tv_sec, (long long)ts[i].tv_nsec);
	}
}

/* A struct __kernel_itimerspec: [INTERVAL,VALUE], each SEC.NSEC with six digits as SystemTap prints it. */
void rt_sc_itimerspec_str(char *out, size_t n, unsigned long uaddr)
{
	struct __kernel_itimerspec it;

	if (!rt_sc_uread(&it, uaddr, sizeof(it))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	scnprintf(out, n, "[%d.%06d,%d.%06d]", (int)it.it_interval.tv_sec, (int)it.it_interval.tv_nsec,
		  (int)it.it_value.tv_sec, (int)it.it_value.tv_nsec);
}

/* A struct __kernel_old_timeval (select): [SEC.USEC] (six digits). */
void rt_sc_timeval_str(char *out, size_t n, unsigned long uaddr)
{
	struct __kernel_old_timeval tv;

	if (!rt_sc_uread(&tv, uaddr, sizeof(tv))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	scnprintf(out, n, "[%ld.%06ld]", (long)tv.tv_sec, (long)tv.tv_usec);
}

/* A struct rlimit (64-bit): [CUR,MAX], signed (RLIM_INFINITY prints -1). */
void rt_sc_rlimit_str(char *out, size_t n, unsigned long uaddr)
{
	struct rlimit64 rl;

	if (!rt_sc_uread(&rl, uaddr, sizeof(rl))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	scnprintf(out, n, "[%lld,%lld]", (long long)rl.rlim_cur, (long long)rl.rlim_max);
}

/* The signals of a kernel sigset_t: [SIGINT|SIGTERM], [EMPTY] (named signals only). */
static void rt_sc_sigset_print(char *out, size_t n, sigset_t *set)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(rt_sc_signals); i++)
		if (sigismember(set, rt_sc_signals[i].v))
			len = rt_sc_add(out, n, len, rt_sc_signals[i].name);
	if (!len) {
		strscpy(out, "[EMPTY]", n);
		return;
	}
	if (len + 3 > n)
		return;
	memmove(out + 1, out, len + 1);
	out[0] = '[';
	out[len + 1] = ']';
	out[len + 2] = '\0';
}

void rt_sc_sigset_str(char *out, size_t n, unsigned long uaddr)
{
	sigset_t set;

	if (!rt_sc_uread(&set, uaddr, sizeof(set))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	rt_sc_sigset_print(out, n, &set);
}

/*
 * A struct sigaction (x86-64's: handler, flags, restorer, mask): SIG_DFL,
 * SIG_IGN, or the handler, its SA_* flags, restorer and mask.
 */
void rt_sc_sigaction_str(char *out, size_t n, unsigned long uaddr)
{
	static const struct rt_sc_flag sa_flags[] = {
		RT_SC_FLAG(SA_NOCLDSTOP), RT_SC_FLAG(SA_NOCLDWAIT), RT_SC_FLAG(SA_RESETHAND),
		RT_SC_FLAG(SA_ONSTACK), RT_SC_FLAG(SA_RESTART), RT_SC_FLAG(SA_NODEFER),
		RT_SC_FLAG(SA_SIGINFO), RT_SC_FLAG(SA_RESTORER),
	};
	struct sigaction act;
	char fl[160] = "", mask[256];
	unsigned long h, f;
	size_t len;

	if (!rt_sc_uread(&act, uaddr, sizeof(act))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	h = (unsigned long)act.sa_handler;
	if (h == (unsigned long)SIG_DFL || h == (unsigned long)SIG_IGN) {
		strscpy(out, h == (unsigned long)SIG_DFL ? "SIG_DFL" : "SIG_IGN", n);
		return;
	}
	f = act.sa_flags;
	len = rt_sc_bits(fl, sizeof(fl), 0, &f, sa_flags, ARRAY_SIZE(sa_flags));
	if (f || !len)
		rt_sc_add_hex(fl, sizeof(fl), len, f);
	rt_sc_sigset_print(mask, sizeof(mask), &act.sa_mask);
	scnprintf(out, n, "0x%lx, %s, 0x%lx, %s", h, fl, (unsigned long)act.sa_restorer, mask);
}

/* A struct __kernel_old_itimerval (setitimer): [INTERVAL,VALUE], each SEC.USEC. */
void rt_sc_itimerval_str(char *out, size_t n, unsigned long uaddr)
{
	struct __kernel_old_itimerval it;

	if (!rt_sc_uread(&it, uaddr, sizeof(it))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	scnprintf(out, n, "[%ld.%06ld,%ld.%06ld]", (long)it.it_interval.tv_sec, (long)it.it_interval.tv_usec,
		  (long)it.it_value.tv_sec, (long)it.it_value.tv_usec);
}

/* Bounds of execve's argument and environment walks (each step one user read). */
#define RT_SC_ARGV_MAX 256
#define RT_SC_ENVP_MAX 4096

/*
 * execve's argv: ["sh", "-c", "true"], each string quoted as user_string_quoted
 * does, the list cut where out is full; an unreadable slot ends it with its
 * address in hex.
 */
void rt_sc_argv_str(char *out, size_t n, unsigned long argv)
{
	char *tmp = this_cpu_ptr(&rt_scratch)->buf;
	size_t len;
	int i;

	len = scnprintf(out, n, "[");
	for (i = 0; argv && i < RT_SC_ARGV_MAX && len + 2 < n; i++, argv += sizeof(long)) {
		unsigned long p;

		if (!rt_uread_ok(&p, argv, sizeof(p))) {
			len += scnprintf(out + len, n - len, "%s0x%lx", i ? ", " : "", argv);
			break;
		}
		if (!p)
			break;
		if (i)
			len += scnprintf(out + len, n - len, ", ");
		if (rt_read_string(tmp, p, MAXSTRINGLEN, true) < 0) {
			len += scnprintf(out + len, n - len, "0x%lx", p);
		} else if (len + 2 < n) {
			/* Room for the closing ']' kept. */
			rt_escape(out + len, tmp, strlen(tmp), n - len - 2, true, false);
			len += strlen(out + len);
		}
	}
	scnprintf(out + len, n - len, "]");
}

/* execve's environment, counted: [/ * 20 vars * /] (without the spaces). */
void rt_sc_envc_str(char *out, size_t n, unsigned long envp)
{
	unsigned long p;
	int count = 0;

	while (envp && count < RT_SC_ENVP_MAX && rt_uread_ok(&p, envp, sizeof(p)) && p) {
		count++;
		envp += sizeof(long);
	}
	scnprintf(out, n, "[/* %d var%s */]", count, count == 1 ? "" : "s");
}

/* pipe's two descriptors: [READ, WRITE]. */
void rt_sc_fdpair_str(char *out, size_t n, unsigned long uaddr)
{
	int fd[2];

	if (!rt_sc_uread(fd, uaddr, sizeof(fd))) {
		rt_sc_unread(out, n, uaddr);
		return;
	}
	scnprintf(out, n, "[%d, %d]", fd[0], fd[1]);
}

static const struct rt_sc_flag rt_sc_futex_ops[] = {
	RT_SC_FLAG(FUTEX_WAIT), RT_SC_FLAG(FUTEX_WAKE), RT_SC_FLAG(FUTEX_FD),
	RT_SC_FLAG(FUTEX_REQUEUE), RT_SC_FLAG(FUTEX_CMP_REQUEUE), RT_SC_FLAG(FUTEX_WAKE_OP),
	RT_SC_FLAG(FUTEX_LOCK_PI), RT_SC_FLAG(FUTEX_UNLOCK_PI), RT_SC_FLAG(FUTEX_TRYLOCK_PI),
	RT_SC_FLAG(FUTEX_WAIT_BITSET), RT_SC_FLAG(FUTEX_WAKE_BITSET),
	RT_SC_FLAG(FUTEX_WAIT_REQUEUE_PI), RT_SC_FLAG(FUTEX_CMP_REQUEUE_PI),
	RT_SC_FLAG(FUTEX_LOCK_PI2),
};

/* FUTEX_WAKE_OP's encoded operation: {[FUTEX_OP_OPARG_SHIFT|]OP, OPARG, CMP, CMPARG}. */
static size_t rt_sc_futex_wake_op(char *out, size_t n, int e)
{
	static const struct rt_sc_flag ops[] = {
		RT_SC_FLAG(FUTEX_OP_SET), RT_SC_FLAG(FUTEX_OP_ADD), RT_SC_FLAG(FUTEX_OP_OR),
		RT_SC_FLAG(FUTEX_OP_ANDN), RT_SC_FLAG(FUTEX_OP_XOR),
	};
	static const struct rt_sc_flag cmps[] = {
		RT_SC_FLAG(FUTEX_OP_CMP_EQ), RT_SC_FLAG(FUTEX_OP_CMP_NE), RT_SC_FLAG(FUTEX_OP_CMP_LT),
		RT_SC_FLAG(FUTEX_OP_CMP_LE), RT_SC_FLAG(FUTEX_OP_CMP_GT), RT_SC_FLAG(FUTEX_OP_CMP_GE),
	};
	char op[24], cmp[24];

	rt_sc_one(op, sizeof(op), ops, ARRAY_SIZE(ops), (e >> 28) & 7);
	rt_sc_one(cmp, sizeof(cmp), cmps, ARRAY_SIZE(cmps), (e >> 24) & 15);
	return scnprintf(out, n, "{%s%s, %d, %s, %d}", (e >> 28) & FUTEX_OP_OPARG_SHIFT ? "FUTEX_OP_OPARG_SHIFT|" : "",
			 op, (int)((u32)e << 8) >> 20, cmp, (int)((u32)e << 20) >> 20);
}

/*
 * futex's argstr: the address, the operation (FUTEX_WAIT_PRIVATE ...), the
 * value, then what that operation reads: a timeout ([SEC.NSEC], NULL), a
 * second address, a count, a bitset or an encoded operation.
 */
void rt_sc_futex_argstr(char *out, size_t n, unsigned long uaddr, long op, long val,
			unsigned long utime, unsigned long uaddr2, long val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	const char *name = rt_sc_name(rt_sc_futex_ops, ARRAY_SIZE(rt_sc_futex_ops), cmd);
	char opname[48], ts[48];
	size_t len;

	if (!name)
		scnprintf(opname, sizeof(opname), "0x%lx", (unsigned long)(u32)op);
	else
		scnprintf(opname, sizeof(opname), "%s%s%s", name,
			  op & FUTEX_PRIVATE_FLAG ? "_PRIVATE" : "",
			  op & FUTEX_CLOCK_REALTIME ? "|FUTEX_CLOCK_REALTIME" : "");
	len = scnprintf(out, n, "0x%lx, %s, %d", uaddr, opname, (int)val);
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAIT_REQUEUE_PI:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		rt_sc_timespec_str(ts, sizeof(ts), utime);
		len += scnprintf(out + len, n - len, ", %s", ts);
		if (cmd == FUTEX_WAIT_BITSET)
			scnprintf(out + len, n - len, ", 0x%x", (u32)val3);
		else if (cmd == FUTEX_WAIT_REQUEUE_PI)
			scnprintf(out + len, n - len, ", 0x%lx", uaddr2);
		break;
	case FUTEX_WAKE_BITSET:
		scnprintf(out + len, n - len, ", 0x%x", (u32)val3);
		break;
	case FUTEX_REQUEUE:
		scnprintf(out + len, n - len, ", %d, 0x%lx", (int)utime, uaddr2);
		break;
	case FUTEX_CMP_REQUEUE:
	case FUTEX_CMP_REQUEUE_PI:
		scnprintf(out + len, n - len, ", %u, 0x%lx, %d", (u32)utime, uaddr2, (int)val3);
		break;
	case FUTEX_WAKE_OP:
		len += scnprintf(out + len, n - len, ", %u, 0x%lx, ", (u32)utime, uaddr2);
		if (len < n)
			rt_sc_futex_wake_op(out + len, n - len, (int)val3);
		break;
	}
}

static const struct rt_sc_flag rt_sc_prctl_options[] = {
	RT_SC_FLAG(PR_SET_PDEATHSIG), RT_SC_FLAG(PR_GET_PDEATHSIG), RT_SC_FLAG(PR_GET_DUMPABLE),
	RT_SC_FLAG(PR_SET_DUMPABLE), RT_SC_FLAG(PR_GET_UNALIGN), RT_SC_FLAG(PR_SET_UNALIGN),
	RT_SC_FLAG(PR_GET_KEEPCAPS), RT_SC_FLAG(PR_SET_KEEPCAPS), RT_SC_FLAG(PR_GET_FPEMU),
	RT_SC_FLAG(PR_SET_FPEMU), RT_SC_FLAG(PR_GET_FPEXC), RT_SC_FLAG(PR_SET_FPEXC),
	RT_SC_FLAG(PR_GET_TIMING), RT_SC_FLAG(PR_SET_TIMING), RT_SC_FLAG(PR_SET_NAME),
	RT_SC_FLAG(PR_GET_NAME), RT_SC_FLAG(PR_GET_ENDIAN), RT_SC_FLAG(PR_SET_ENDIAN),
	RT_SC_FLAG(PR_GET_SECCOMP), RT_SC_FLAG(PR_SET_SECCOMP), RT_SC_FLAG(PR_CAPBSET_READ),
	RT_SC_FLAG(PR_CAPBSET_DROP), RT_SC_FLAG(PR_GET_TSC), RT_SC_FLAG(PR_SET_TSC),
	RT_SC_FLAG(PR_GET_SECUREBITS), RT_SC_FLAG(PR_SET_SECUREBITS), RT_SC_FLAG(PR_SET_TIMERSLACK),
	RT_SC_FLAG(PR_GET_TIMERSLACK), RT_SC_FLAG(PR_TASK_PERF_EVENTS_DISABLE),
	RT_SC_FLAG(PR_TASK_PERF_EVENTS_ENABLE), RT_SC_FLAG(PR_MCE_KILL), RT_SC_FLAG(PR_MCE_KILL_GET),
	RT_SC_FLAG(PR_SET_MM), RT_SC_FLAG(PR_SET_PTRACER), RT_SC_FLAG(PR_SET_CHILD_SUBREAPER),
	RT_SC_FLAG(PR_GET_CHILD_SUBREAPER), RT_SC_FLAG(PR_SET_NO_NEW_PRIVS),
	RT_SC_FLAG(PR_GET_NO_NEW_PRIVS), RT_SC_FLAG(PR_GET_TID_ADDRESS),
	RT_SC_FLAG(PR_SET_THP_DISABLE), RT_SC_FLAG(PR_GET_THP_DISABLE),
	RT_SC_FLAG(PR_MPX_ENABLE_MANAGEMENT), RT_SC_FLAG(PR_MPX_DISABLE_MANAGEMENT),
	RT_SC_FLAG(PR_SET_FP_MODE), RT_SC_FLAG(PR_GET_FP_MODE), RT_SC_FLAG(PR_CAP_AMBIENT),
	RT_SC_FLAG(PR_SVE_SET_VL), RT_SC_FLAG(PR_SVE_GET_VL), RT_SC_FLAG(PR_GET_SPECULATION_CTRL),
	RT_SC_FLAG(PR_SET_SPECULATION_CTRL), RT_SC_FLAG(PR_PAC_RESET_KEYS),
	RT_SC_FLAG(PR_SET_TAGGED_ADDR_CTRL), RT_SC_FLAG(PR_GET_TAGGED_ADDR_CTRL),
	RT_SC_FLAG(PR_SET_IO_FLUSHER), RT_SC_FLAG(PR_GET_IO_FLUSHER),
	RT_SC_FLAG(PR_SET_SYSCALL_USER_DISPATCH), RT_SC_FLAG(PR_SCHED_CORE),
	RT_SC_FLAG(PR_SET_VMA),
};

/*
 * prctl's argstr: the option by name, then the arguments it reads: none
 * (the PR_GET_ options that return their value), one (in hex for an
 * address or a signal, in decimal for a boolean or a number), or all four
 * in hex.
 */
void rt_sc_prctl_argstr(char *out, size_t n, long option, unsigned long a2, unsigned long a3,
			unsigned long a4, unsigned long a5)
{
	size_t len;

	rt_sc_one(out, n, rt_sc_prctl_options, ARRAY_SIZE(rt_sc_prctl_options), (u32)option);
	len = strnlen(out, n);
	switch ((u32)option) {
	case PR_GET_DUMPABLE:
	case PR_GET_TIMING:
	case PR_GET_KEEPCAPS:
	case PR_GET_SECCOMP:
	case PR_TASK_PERF_EVENTS_DISABLE:
	case PR_TASK_PERF_EVENTS_ENABLE:
	case PR_GET_TIMERSLACK:
	case PR_MCE_KILL_GET:
	case PR_GET_NO_NEW_PRIVS:
	case PR_GET_THP_DISABLE:
	case PR_MPX_ENABLE_MANAGEMENT:
	case PR_MPX_DISABLE_MANAGEMENT:
	case PR_GET_SECUREBITS:
		break;
	case PR_SET_PDEATHSIG:
	case PR_GET_PDEATHSIG:
	case PR_GET_UNALIGN:
	case PR_GET_FPEMU:
	case PR_GET_FPEXC:
	case PR_SET_NAME:
	case PR_GET_NAME:
	case PR_GET_ENDIAN:
	case PR_GET_TSC:
	case PR_GET_TID_ADDRESS:
	case PR_GET_CHILD_SUBREAPER:
	case PR_SET_THP_DISABLE:
		scnprintf(out + len, n - len, ", 0x%lx", a2);
		break;
	case PR_SET_DUMPABLE:
	case PR_SET_KEEPCAPS:
	case PR_SET_CHILD_SUBREAPER:
	case PR_SET_NO_NEW_PRIVS:
	case PR_SET_TIMERSLACK:
		scnprintf(out + len, n - len, ", %lu", a2);
		break;
	default:
		scnprintf(out + len, n - len, ", 0x%lx, 0x%lx, 0x%lx, 0x%lx", a2, a3, a4, a5);
		break;
	}
}
