/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uprobes.h - user-space probes: process("PATH").function(...) and its
 * .return as uprobes and uretprobes placed by inode and file offset (the
 * translator reads the offsets from the file's ELF symbol table; the module
 * resolves PATH to an inode when it starts), optionally limited to one
 * process; and process[...].begin / .end from the scheduler's exec and exit
 * tracepoints.
 */
#ifndef RSTAP_UPROBES_H
#define RSTAP_UPROBES_H

#include <linux/uprobes.h>

struct rt_uprobe {
	const struct rt_probe *probe;
	const char *path;	/* absolute path of the executable or library */
	loff_t offset;		/* file offset of the probed instruction */
	u64 vaddr;		/* its link-time address (for the load bias) */
	pid_t pid;		/* process(PID): only this process; 0: all */
	const char *exe;	/* process("EXE").library(...): only processes
				 * running EXE; NULL: all */
	bool ret;		/* a uretprobe (.return) */
	/*
	 * A .return whose body uses @entry: its entry part, run by a second
	 * uprobe at entry_offset (the function's entry, or after its prologue
	 * where parameters are in place) into the pending values' slot
	 * (uentry.h) of size data_size; entry_sp gives the stack pointer the
	 * function was entered with from the registers there. NULL: none.
	 */
	const struct rt_probe *entry;
	size_t data_size;
	loff_t entry_offset;
	u64 entry_vaddr;
	unsigned long (*entry_sp)(const struct pt_regs *regs);
	bool optional;		/* the kernel refusing it is a warning */
	loff_t ref_ctr_offset;	/* an SDT semaphore's file offset, which the
				 * kernel counts up in each process while
				 * registered; 0: none */
	bool registered;
	struct path file;	/* held while registered: keeps the dentry, so
				 * filesystems that drop unused dentries (9p,
				 * NFS) give exec the same inode */
	struct inode *inode;	/* file's inode */
	struct mm_struct *mm;	/* process(PID): its mm, held by mmgrab */
	struct path exe_file;	/* exe, held while registered */
	struct inode *exe_inode;
	struct uprobe *uprobe, *entry_uprobe;	/* where registering returns one */
	struct uprobe_consumer uc;
	struct uprobe_consumer entry_uc;
	bool entry_registered;
};

/* How many processes one process("PATH").end follows. */
#define RT_PROC_TRACKED 64

struct rt_proc_event {
	const struct rt_probe *probe;
	const char *path;	/* NULL: any executable */
	pid_t pid;		/* 0: any process */
	bool end;		/* .end (exit), else .begin (exec, fork) */
	bool thread;		/* .thread.begin/.end: threads but the first */
	struct path file;
	struct inode *inode;
	pid_t tracked[RT_PROC_TRACKED];	/* .end with a path: who runs it */
};

/*
 * The load bias of the file of the uprobe hit running on this CPU (where it
 * is loaded minus its link-time addresses: PIE executables, libraries; 0 for
 * fixed executables), which DWARF addresses (DW_OP_addr) need. Set by the
 * uprobe handler with preemption off, just before the hit.
 */
DECLARE_PER_CPU(unsigned long, rt_ubias);

int rt_uprobes_arm(struct rt_uprobe *us, size_t n);
void rt_uprobes_disarm(struct rt_uprobe *us, size_t n);
int rt_proc_events_arm(struct rt_proc_event *es, size_t n);
void rt_proc_events_disarm(struct rt_proc_event *es, size_t n);

#endif /* RSTAP_UPROBES_H */
