/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscalls.h - the syscall.* probe families: one callback on each of the
 * raw_syscalls tracepoints (sys_enter, sys_exit), whatever the number of
 * probed system calls, calling the generated dispatcher with the number and
 * the call's slots: RT_SC_NR, the six argument registers of the x86-64
 * syscall ABI (di, si, dx, r10, r8, r9), RT_SC_RET at exit. A hit sees them
 * as CONTEXT->tp_args; the tapset reads them through rt_sc_arg/rt_sc_ret,
 * which answer 0 in any other probe.
 */
#ifndef RSTAP_SYSCALLS_H
#define RSTAP_SYSCALLS_H

#define RT_SC_NR	0
#define RT_SC_ARG0	1
#define RT_SC_RET	7
#define RT_SC_EXIT	8	/* 1 in a sys_exit hit */
#define RT_SC_SLOTS	9

/* The generated dispatchers: run the probes of system call nr (or none). */
typedef void (*rt_sc_dispatch_fn)(long nr, const u64 *slots);

struct rt_syscall_hooks {
	rt_sc_dispatch_fn enter;	/* NULL: no entry probe */
	rt_sc_dispatch_fn exit;		/* NULL: no .return probe */
	bool enter_registered, exit_registered;
};

int rt_syscalls_arm(struct rt_syscall_hooks *h);
void rt_syscalls_disarm(struct rt_syscall_hooks *h);

struct rt_context;
long rt_sc_arg(struct rt_context *c, long i, long kind);
long rt_sc_ret(struct rt_context *c);
long rt_sc_nr(struct rt_context *c);
/* returnval(): the hit's return register or system call result; false if none. */
bool rt_returnval(struct rt_context *c, long *v);

/* The argument decoders (syscall_decode.c): each writes at most n bytes to out. */
void rt_sc_flags_str(char *out, size_t n, long flags, long table);
void rt_sc_protocol_str(char *out, size_t n, long family, long protocol);
void rt_sc_sockaddr_str(char *out, size_t n, unsigned long uaddr, long len);
void rt_sc_timespec_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_timeval_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_rlimit_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_sigset_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_sigaction_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_fdpair_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_itimerval_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_timespec2_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_itimerspec_str(char *out, size_t n, unsigned long uaddr);
void rt_sc_argv_str(char *out, size_t n, unsigned long argv);
void rt_sc_envc_str(char *out, size_t n, unsigned long envp);
void rt_sc_futex_argstr(char *out, size_t n, unsigned long uaddr, long op, long val,
			unsigned long utime, unsigned long uaddr2, long val3);
void rt_sc_prctl_argstr(char *out, size_t n, long option, unsigned long a2, unsigned long a3,
			unsigned long a4, unsigned long a5);

#endif /* RSTAP_SYSCALLS_H */
