// SPDX-License-Identifier: GPL-2.0
/*
 * transport.c - the module's end of the link to rstaprun (docs/transport.md).
 *
 * This file owns:
 *  - the directory rstap_<module name>/ and everything in it: the per-CPU
 *    relay files trace0..traceN-1 and the control file (where it lives,
 *    debugfs or procfs, is transport_files.c's concern);
 *  - struct rt_session rt_session (the session state and its counters);
 *  - the module parameters _rstap_bufsize_kb, _rstap_target,
 *    _rstap_overwrite, _rstap_pid, _rstap_uid and _rstap_tz_*, and the .modinfo tag rstap_kernel that the loader
 *    checks;
 *  - the reader: the control file that started or attached to the session.
 *    When it is closed without "detach" (the loader exited or was killed,
 *    even with SIGKILL) the session is stopped, so no probe stays armed
 *    without someone to read its output.  A detached session (flight
 *    recorder) stops itself when the script asks to exit;
 *  - rt_transport_write(), the one way records leave the module.
 *
 * The generated module owns the probes: it provides rt_probes_start() and
 * rt_probes_stop(), which the control file calls in process context under
 * a mutex, and calls rt_transport_init()/rt_transport_exit() from its
 * module_init/module_exit.
 *
 * It is meant to be #included by the generated module's C file (or built as
 * a second object of the same module); it defines no MODULE_LICENSE, but the
 * module must be GPL since relay is EXPORT_SYMBOL_GPL.
 */

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/relay.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <generated/utsrelease.h>

#include "session.h"

/* The loader refuses a module built for another kernel release. */
MODULE_INFO(rstap_kernel, UTS_RELEASE);

/* Per-CPU buffer size in KiB, split in RT_N_SUBBUFS sub-buffers. */
static unsigned int _rstap_bufsize_kb = 256;
module_param(_rstap_bufsize_kb, uint, 0444);
MODULE_PARM_DESC(_rstap_bufsize_kb, "relay buffer size per CPU, in KiB");

/* The target process (-x PID, or the pid of -c CMD); 0 if none. */
int _rstap_target;
module_param(_rstap_target, int, 0444);
MODULE_PARM_DESC(_rstap_target, "pid of the target process");

/*
 * What the loader knows of itself and its host, for stp_pid(), is_myproc()
 * and the tz_* functions: its pid, its real uid, the local time zone's
 * offset (seconds west of UTC, as tz_gmtoff() returns it) and name.
 */
static int _rstap_pid;
module_param(_rstap_pid, int, 0444);
MODULE_PARM_DESC(_rstap_pid, "pid of the loader");
static int _rstap_uid = -1;
module_param(_rstap_uid, int, 0444);
MODULE_PARM_DESC(_rstap_uid, "real uid of the user running the loader");
static int _rstap_tz_gmtoff;
module_param(_rstap_tz_gmtoff, int, 0444);
MODULE_PARM_DESC(_rstap_tz_gmtoff, "local time zone, seconds west of UTC");
static char _rstap_tz_name[32] = "UTC";
module_param_string(_rstap_tz_name, _rstap_tz_name, sizeof(_rstap_tz_name), 0444);
MODULE_PARM_DESC(_rstap_tz_name, "local time zone name");

/*
 * Flight recorder: when the buffers are full, overwrite the oldest
 * sub-buffer instead of dropping the newest record (rstaprun -L).
 */
static bool _rstap_overwrite;
module_param(_rstap_overwrite, bool, 0444);
MODULE_PARM_DESC(_rstap_overwrite, "overwrite the oldest output when the buffers are full");

#define RT_N_SUBBUFS		8
#define RT_MIN_SUBBUF_SIZE	4096
#define RT_CONTROL_CMD_MAX	16

/* On the wire: this header, then len payload bytes (native endianness). */
struct rt_rec_hdr {
	u32 len;
	u32 kind;
	u64 seq;
};

struct rt_session rt_session = {
	.state = ATOMIC_INIT(RT_STATE_LOADED),
};

static struct rchan *rt_chan;
static atomic64_t rt_seq = ATOMIC64_INIT(0);
static DEFINE_MUTEX(rt_control_lock);

/*
 * The open control file of the loader that reads the output, or NULL; only
 * compared, never dereferenced.  Protected by rt_control_lock.
 */
static const struct file *rt_reader;
static void rt_detached_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(rt_detached_work, rt_detached_fn);
#define RT_DETACHED_POLL	(HZ / 10)

/* ---- relay channel ---------------------------------------------------- */

/*
 * Non-overwrite mode: refuse a new sub-buffer while every sub-buffer still
 * holds unread data.  relay_switch_subbuf() then returns 0, and the writer
 * counts the record as dropped.  Overwrite mode (_rstap_overwrite) always
 * accepts: relay then reuses the oldest sub-buffer, and a later read starts
 * at the oldest sub-buffer still whole.
 */
static int rt_subbuf_start(struct rchan_buf *buf, void *subbuf,
			   void *prev_subbuf, size_t prev_padding)
{
	return _rstap_overwrite || !relay_buf_full(buf);
}

/*
 * Append one record to this CPU's buffer, irqs already off.  Like relay.h's
 * relay_write(), but the header and the payload are copied separately and
 * published together by one update of buf->offset, after a write barrier,
 * so a reader on another CPU never sees a record's bytes before they are
 * there.  The sequence number is taken only once the space is certain,
 * so a dropped record leaves no hole in the sequence.
 */
static bool rt_write_one(struct rchan *chan, u32 kind, u64 *seq, bool reserved,
			 const char *data, size_t len)
{
	struct rchan_buf *buf = *this_cpu_ptr(chan->buf);
	size_t total = sizeof(struct rt_rec_hdr) + len;
	struct rt_rec_hdr hdr;
	char *dst;

	if (unlikely(!buf))
		return false;
	if (unlikely(buf->offset + total > chan->subbuf_size)) {
		if (!relay_switch_subbuf(buf, total))
			return false;
	}
	hdr.len = len;
	hdr.kind = kind;
	hdr.seq = reserved ? (*seq)++ : (u64)atomic64_inc_return(&rt_seq) - 1;
	dst = (char *)buf->data + buf->offset;
	memcpy(dst, &hdr, sizeof(hdr));
	if (len)
		memcpy(dst + sizeof(hdr), data, len);
	smp_wmb();
	WRITE_ONCE(buf->offset, buf->offset + total);
	return true;
}

/**
 * rt_transport_write - send one record to the loader
 * @kind: RT_REC_STDOUT or RT_REC_STDERR
 * @data: payload
 * @len: payload length
 *
 * Callable from any context, NMI-like ones included: a kprobe hit by int3
 * (every probe away from a function's ftrace entry: statement probes) runs
 * with in_nmi() true.  What an NMI must not do is land inside another write
 * on the same CPU: a per-CPU count taken with one interrupt-safe increment
 * tells, and such a nested record is dropped and counted.  A payload
 * larger than a sub-buffer is split in pieces with consecutive sequence
 * numbers.  Records that find the CPU's buffer full are dropped and counted
 * in rt_session.dropped.
 */
/* Writes in progress on this CPU (1 inside a write; more: a nested NMI's). */
static DEFINE_PER_CPU(int, rt_writing);

void rt_transport_write(u32 kind, const char *data, size_t len)
{
	struct rchan *chan = READ_ONCE(rt_chan);
	unsigned long flags;
	size_t max, pieces;
	u64 seq = 0;

	if (unlikely(!chan)) {
		atomic_inc(&rt_session.dropped);
		return;
	}

	local_irq_save(flags);
	if (unlikely(this_cpu_inc_return(rt_writing) != 1)) {
		/* An NMI (or a probe hit in one) inside this CPU's write. */
		this_cpu_dec(rt_writing);
		local_irq_restore(flags);
		atomic_inc(&rt_session.dropped);
		return;
	}
	max = chan->subbuf_size - sizeof(struct rt_rec_hdr);
	if (likely(len <= max)) {
		if (!rt_write_one(chan, kind, NULL, false, data, len))
			atomic_inc(&rt_session.dropped);
		this_cpu_dec(rt_writing);
		local_irq_restore(flags);
		return;
	}

	/* Rare: one probe hit printed more than a sub-buffer. */
	pieces = DIV_ROUND_UP(len, max);
	seq = (u64)atomic64_add_return(pieces, &rt_seq) - pieces;
	while (len) {
		size_t n = min(len, max);

		if (!rt_write_one(chan, kind, &seq, true, data, n)) {
			seq++;
			atomic_inc(&rt_session.dropped);
		}
		data += n;
		len -= n;
	}
	this_cpu_dec(rt_writing);
	local_irq_restore(flags);
}

/* ---- control file ----------------------------------------------------- */

static const char *const rt_state_names[] = {
	[RT_STATE_LOADED] = "loaded",
	[RT_STATE_STARTING] = "starting",
	[RT_STATE_RUNNING] = "running",
	[RT_STATE_STOPPING] = "stopping",
	[RT_STATE_STOPPED] = "stopped",
};

static const char *rt_state_name(int state)
{
	if (state < 0 || (unsigned int)state >= ARRAY_SIZE(rt_state_names))
		return "unknown";
	return rt_state_names[state];
}

/*
 * Called with rt_control_lock held.  Makes @file the reader; -EBUSY if
 * another open control file is.
 */
static int rt_claim_reader(const struct file *file)
{
	if (rt_reader && rt_reader != file)
		return -EBUSY;
	rt_reader = file;
	return 0;
}

/* Called with rt_control_lock held. */
static int rt_do_start(void)
{
	int rc;

	if (atomic_read(&rt_session.state) != RT_STATE_LOADED)
		return -EBUSY;
	atomic_set(&rt_session.state, RT_STATE_STARTING);
	rc = rt_probes_start();
	if (rc) {
		/* rt_probes_start() has undone what it armed. */
		atomic_set(&rt_session.state, RT_STATE_STOPPED);
		return rc < 0 ? rc : -EINVAL;
	}
	atomic_set(&rt_session.state, RT_STATE_RUNNING);
	return 0;
}

/* Called with rt_control_lock held. */
static void rt_do_stop(void)
{
	switch (atomic_read(&rt_session.state)) {
	case RT_STATE_LOADED:
		/* Never started: nothing to disarm, no end probes to run. */
		atomic_set(&rt_session.state, RT_STATE_STOPPED);
		return;
	case RT_STATE_RUNNING:
		atomic_set(&rt_session.state, RT_STATE_STOPPING);
		rt_probes_stop();
		atomic_set(&rt_session.state, RT_STATE_STOPPED);
		return;
	default:
		return;
	}
}

/*
 * A detached session (no reader) has nobody to write "stop" when the
 * script calls exit(): poll for that from process context and stop.
 */
static void rt_detached_fn(struct work_struct *work)
{
	bool again;

	mutex_lock(&rt_control_lock);
	if (!rt_reader && atomic_read(&rt_session.exit_requested))
		rt_do_stop();
	again = !rt_reader &&
		atomic_read(&rt_session.state) == RT_STATE_RUNNING;
	mutex_unlock(&rt_control_lock);
	if (again)
		schedule_delayed_work(&rt_detached_work, RT_DETACHED_POLL);
}

static ssize_t rt_control_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char cmd[RT_CONTROL_CMD_MAX];
	int rc;

	if (count == 0 || count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	strim(cmd);

	if (mutex_lock_interruptible(&rt_control_lock))
		return -ERESTARTSYS;
	if (!strcmp(cmd, "start")) {
		rc = rt_claim_reader(file);
		if (!rc) {
			rc = rt_do_start();
			if (rc)
				rt_reader = NULL;
		}
	} else if (!strcmp(cmd, "stop")) {
		rt_do_stop();
		rc = 0;
	} else if (!strcmp(cmd, "attach")) {
		rc = rt_claim_reader(file);
	} else if (!strcmp(cmd, "detach")) {
		rc = rt_reader == file ? 0 : -EINVAL;
		if (!rc) {
			rt_reader = NULL;
			schedule_delayed_work(&rt_detached_work,
					      RT_DETACHED_POLL);
		}
	} else {
		rc = -EINVAL;
	}
	mutex_unlock(&rt_control_lock);
	return rc ? rc : count;
}

/*
 * The reader closed its control file without detaching: it exited or was
 * killed.  Nobody would read the output or ask for the end: stop now.
 */
static int rt_control_release(struct inode *inode, struct file *file)
{
	mutex_lock(&rt_control_lock);
	if (rt_reader == file) {
		rt_reader = NULL;
		if (atomic_read(&rt_session.state) == RT_STATE_RUNNING)
			pr_notice("%s: the loader is gone: stopping the probes\n",
				  THIS_MODULE->name);
		rt_do_stop();
	}
	mutex_unlock(&rt_control_lock);
	return 0;
}

static ssize_t rt_control_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char line[128];
	int n;

	n = scnprintf(line, sizeof(line),
		      "state=%s exit=%d errors=%d skipped=%d dropped=%d reader=%d\n",
		      rt_state_name(atomic_read(&rt_session.state)),
		      atomic_read(&rt_session.exit_requested) ? 1 : 0,
		      atomic_read(&rt_session.errors),
		      atomic_read(&rt_session.skipped),
		      atomic_read(&rt_session.dropped),
		      READ_ONCE(rt_reader) ? 1 : 0);
	return simple_read_from_buffer(ubuf, count, ppos, line, n);
}

/* The files, in debugfs or procfs, wired to the operations above. */
#include "transport_files.c"

/* ---- init and exit ---------------------------------------------------- */

/**
 * rt_transport_init - create the files and the relay channel
 *
 * Call from module_init before anything may call rt_transport_write().
 * Returns 0 or -errno; on failure nothing is left behind.
 */
int rt_transport_init(void)
{
	size_t bufsize, subbuf_size;
	struct rchan *chan;
	int rc = 0;

	bufsize = (size_t)_rstap_bufsize_kb * 1024;
	subbuf_size = max_t(size_t, bufsize / RT_N_SUBBUFS, RT_MIN_SUBBUF_SIZE);

	chan = rt_files_open(subbuf_size, RT_N_SUBBUFS, &rc);
	if (!chan) {
		if (rc == -ENOMEM)
			pr_err("%s: cannot open relay channel (%zu x %d bytes per CPU)\n",
			       THIS_MODULE->name, subbuf_size, RT_N_SUBBUFS);
		return rc ? rc : -ENOMEM;
	}
	rt_chan = chan;
	return 0;
}

/**
 * rt_transport_exit - stop the session if still running, remove the files
 *
 * Call from module_exit.  The loader normally wrote "stop" already; if the
 * module is removed without it (rmmod), the probes are stopped here.
 */
void rt_transport_exit(void)
{
	struct rchan *chan;

	/* No new control operations once the file is gone (waits for any). */
	rt_files_remove_control();
	cancel_delayed_work_sync(&rt_detached_work);

	mutex_lock(&rt_control_lock);
	rt_do_stop();
	mutex_unlock(&rt_control_lock);

	chan = rt_chan;
	WRITE_ONCE(rt_chan, NULL);
	/* Writers run with irqs off: wait for any still inside a write. */
	synchronize_rcu();
	rt_files_close(chan);
}
