// SPDX-License-Identifier: GPL-2.0
/*
 * transport_files.c - where the transport's files live (docs/transport.md,
 * "Files"): the directory rstap_<module name>/ with the control file and
 * the per-CPU relay files trace0..traceN-1, in debugfs
 * (/sys/kernel/debug/) or in procfs (/proc/).
 *
 * debugfs is the default.  procfs is chosen at load when
 *  - the module was built with -D RT_TRANSPORT_PROCFS;
 *  - the kernel is locked down (security_locked_down(LOCKDOWN_DEBUGFS):
 *    lockdown's integrity level refuses to open debugfs files that can be
 *    written or mmap'd, i.e. the control file and relay's files, so a
 *    signed module would load and then be unreachable);
 *  - the loader asks for it (_rstap_procfs=1: it found no debugfs mounted
 *    and could not mount one);
 *  - debugfs refuses the directory (not built in, or debugfs=off).
 *
 * In procfs, relay gets no files of its own: the channel is opened
 * buffer-only (relay_open() without a base name) and each online CPU's
 * buffer gets a proc file whose operations are relay's own
 * (relay_file_operations, reached through thin wrappers since proc_ops is
 * a different table).  procfs, not the module, holds open files safe at
 * removal: proc_remove() waits for running operations and releases the
 * files still open, so nothing is left behind at unload.
 *
 * Included by transport.c after the control file's operations and the
 * relay subbuf_start callback, which it only wires up.
 */

#include <linux/debugfs.h>
#include <linux/proc_fs.h>
#include <linux/relay.h>
#include <linux/security.h>

static bool _rstap_procfs;
module_param(_rstap_procfs, bool, 0444);
MODULE_PARM_DESC(_rstap_procfs, "put the transport's files in /proc, not debugfs");

/* Which of the two holds this module's files; set once by rt_files_open(). */
static bool rt_on_procfs;

/* debugfs */
static struct dentry *rt_dir;
static struct dentry *rt_control;

/* procfs */
static struct proc_dir_entry *rt_proc_dir;
static struct proc_dir_entry *rt_proc_control;

/* ---- debugfs: relay creates the files through these ------------------- */

static struct dentry *rt_create_buf_file(const char *filename,
					 struct dentry *parent, umode_t mode,
					 struct rchan_buf *buf, int *is_global)
{
	*is_global = 0;
	return debugfs_create_file(filename, mode, parent, buf,
				   &relay_file_operations);
}

static int rt_remove_buf_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

static const struct rchan_callbacks rt_debugfs_callbacks = {
	.subbuf_start = rt_subbuf_start,
	.create_buf_file = rt_create_buf_file,
	.remove_buf_file = rt_remove_buf_file,
};

static const struct file_operations rt_control_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = rt_control_read,
	.write = rt_control_write,
	.release = rt_control_release,
	.llseek = default_llseek,
};

/* ---- procfs: a buffer-only channel, and proc files over its buffers ---- */

/*
 * For a channel opened without a base name relay calls this only to learn
 * whether the buffers are per CPU; it keeps nothing of the answer but
 * wants it non-NULL and not an error, so any marker does.  It never
 * passes it back (remove_buf_file gets the buffer's dentry, NULL here).
 */
static char rt_buffer_only;

static struct dentry *rt_proc_create_buf_file(const char *filename,
					      struct dentry *parent,
					      umode_t mode,
					      struct rchan_buf *buf,
					      int *is_global)
{
	*is_global = 0;
	return (struct dentry *)&rt_buffer_only;
}

static int rt_proc_remove_buf_file(struct dentry *dentry)
{
	return 0;
}

static const struct rchan_callbacks rt_procfs_callbacks = {
	.subbuf_start = rt_subbuf_start,
	.create_buf_file = rt_proc_create_buf_file,
	.remove_buf_file = rt_proc_remove_buf_file,
};

/*
 * relay's open takes the buffer from inode->i_private, which procfs sets
 * to the entry's data (pde_data()): the rchan_buf given at creation.
 */
static int rt_proc_trace_open(struct inode *inode, struct file *file)
{
	if (!pde_data(inode))
		return -ENOENT;
	return relay_file_operations.open(inode, file);
}

static ssize_t rt_proc_trace_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	return relay_file_operations.read(file, ubuf, count, ppos);
}

static __poll_t rt_proc_trace_poll(struct file *file, poll_table *wait)
{
	return relay_file_operations.poll(file, wait);
}

static int rt_proc_trace_release(struct inode *inode, struct file *file)
{
	return relay_file_operations.release(inode, file);
}

/* No proc_lseek: procfs then makes the file unseekable, as relay's are. */
static const struct proc_ops rt_proc_trace_ops = {
	.proc_open = rt_proc_trace_open,
	.proc_read = rt_proc_trace_read,
	.proc_poll = rt_proc_trace_poll,
	.proc_release = rt_proc_trace_release,
};

/*
 * An open control file holds a reference on the module, as debugfs's
 * does through rt_control_fops.owner: the loader's delete_module waits
 * for the reader to close (docs/transport.md, "Loader sequence").  The
 * module_put() at the end of the release is safe: proc_remove() in
 * module_exit waits until a release in progress has returned.
 */
static int rt_proc_control_open(struct inode *inode, struct file *file)
{
	return try_module_get(THIS_MODULE) ? 0 : -ENODEV;
}

static int rt_proc_control_release(struct inode *inode, struct file *file)
{
	rt_control_release(inode, file);
	module_put(THIS_MODULE);
	return 0;
}

static const struct proc_ops rt_proc_control_ops = {
	.proc_open = rt_proc_control_open,
	.proc_read = rt_control_read,
	.proc_write = rt_control_write,
	.proc_release = rt_proc_control_release,
	.proc_lseek = default_llseek,
};

/* ---- choosing, creating, removing ------------------------------------- */

static bool rt_want_procfs(void)
{
#ifdef RT_TRANSPORT_PROCFS
	return true;
#else
	if (_rstap_procfs)
		return true;
#ifdef RT_HAVE_LOCKDOWN_DEBUGFS
	/* Logs lockdown's own notice ("debugfs access is restricted") once. */
	if (security_locked_down(LOCKDOWN_DEBUGFS))
		return true;
#endif
	return false;
#endif
}

static struct rchan *rt_debugfs_open(const char *dirname, size_t subbuf_size,
				     size_t n_subbufs, int *err)
{
	struct rchan *chan;

	rt_dir = debugfs_create_dir(dirname, NULL);
	if (IS_ERR_OR_NULL(rt_dir)) {
		*err = rt_dir ? PTR_ERR(rt_dir) : -ENOMEM;
		rt_dir = NULL;
		return NULL;
	}
	rt_control = debugfs_create_file("control", 0600, rt_dir, NULL,
					 &rt_control_fops);
	if (IS_ERR_OR_NULL(rt_control)) {
		*err = rt_control ? PTR_ERR(rt_control) : -ENOMEM;
		goto err_dir;
	}
	chan = relay_open("trace", rt_dir, subbuf_size, n_subbufs,
			  &rt_debugfs_callbacks, NULL);
	if (!chan) {
		*err = -ENOMEM;
		goto err_dir;
	}
	return chan;

err_dir:
	debugfs_remove(rt_dir);
	rt_dir = NULL;
	rt_control = NULL;
	return NULL;
}

static struct rchan *rt_procfs_open(const char *dirname, size_t subbuf_size,
				    size_t n_subbufs, int *err)
{
	struct rchan *chan;
	unsigned int cpu;

	rt_proc_dir = proc_mkdir(dirname, NULL);
	if (!rt_proc_dir) {
		*err = -ENOMEM;
		return NULL;
	}
	rt_proc_control = proc_create("control", 0600, rt_proc_dir,
				      &rt_proc_control_ops);
	if (!rt_proc_control) {
		*err = -ENOMEM;
		goto err_dir;
	}
	chan = relay_open(NULL, NULL, subbuf_size, n_subbufs,
			  &rt_procfs_callbacks, NULL);
	if (!chan) {
		*err = -ENOMEM;
		goto err_dir;
	}
	/*
	 * Files for the CPUs online now, as relay makes them in debugfs; a
	 * buffer made later for a CPU brought online has no file (the loader
	 * reads the files present at start in either place).
	 */
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct rchan_buf *buf = *per_cpu_ptr(chan->buf, cpu);
		char name[sizeof("trace") + 10];

		if (!buf)
			continue;
		snprintf(name, sizeof(name), "trace%u", cpu);
		if (!proc_create_data(name, 0400, rt_proc_dir,
				      &rt_proc_trace_ops, buf)) {
			cpus_read_unlock();
			*err = -ENOMEM;
			proc_remove(rt_proc_dir);
			rt_proc_dir = NULL;
			rt_proc_control = NULL;
			relay_close(chan);
			return NULL;
		}
	}
	cpus_read_unlock();
	return chan;

err_dir:
	proc_remove(rt_proc_dir);
	rt_proc_dir = NULL;
	rt_proc_control = NULL;
	return NULL;
}

/*
 * Creates the directory, the control file and the channel with its files,
 * in debugfs or procfs (above).  Returns the channel, or NULL with *err
 * set and nothing left behind.
 */
static struct rchan *rt_files_open(size_t subbuf_size, size_t n_subbufs,
				   int *err)
{
	char dirname[sizeof("rstap_") + MODULE_NAME_LEN];
	struct rchan *chan;

	snprintf(dirname, sizeof(dirname), "rstap_%s", THIS_MODULE->name);
	if (!rt_want_procfs()) {
		chan = rt_debugfs_open(dirname, subbuf_size, n_subbufs, err);
		if (chan || *err == -ENOMEM)
			return chan;
		/* debugfs refused the directory: not built in, or turned off. */
		pr_info("%s: debugfs unavailable (%d): using /proc/%s\n",
			THIS_MODULE->name, *err, dirname);
	}
	rt_on_procfs = true;
	chan = rt_procfs_open(dirname, subbuf_size, n_subbufs, err);
	if (!chan)
		pr_err("%s: cannot create /proc/%s: %d\n", THIS_MODULE->name,
		       dirname, *err);
	return chan;
}

/*
 * Removes the control file; returns once no control operation runs (and,
 * in procfs, after releasing a control file still open: the reader is
 * then gone).
 */
static void rt_files_remove_control(void)
{
	if (rt_on_procfs) {
		proc_remove(rt_proc_control);
		rt_proc_control = NULL;
	} else {
		debugfs_remove(rt_control);
		rt_control = NULL;
	}
}

/* Removes the trace files and the directory and closes the channel. */
static void rt_files_close(struct rchan *chan)
{
	if (rt_on_procfs) {
		/* Waits for reads in progress, releases files still open. */
		proc_remove(rt_proc_dir);
		rt_proc_dir = NULL;
		if (chan)
			relay_close(chan);
		return;
	}
	if (chan)
		relay_close(chan);
	debugfs_remove(rt_dir);
	rt_dir = NULL;
}
