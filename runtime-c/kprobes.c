/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobes.c - registering and unregistering a module's kprobes and
 * kretprobes, and their handlers. Each probe is registered on its own so
 * that the kernel refusing one (a blocklisted function) fails only that
 * one; all are unregistered in two batches, which costs one RCU grace
 * period instead of one per probe. When unregistering returns, no handler
 * runs and no return instance can call into the module any more.
 */

#if defined(CONFIG_KPROBES) && defined(CONFIG_KRETPROBES)

/* The rt_kprobe of a return instance; NULL once it is being unregistered. */
static struct rt_kprobe *rt_kretprobe_of(struct kretprobe_instance *ri)
{
#ifdef RT_HAVE_GET_KRETPROBE
	struct kretprobe *rp = get_kretprobe(ri);
#else
	struct kretprobe *rp = ri->rp;
#endif

	return rp ? container_of(rp, struct rt_kprobe, u.rp) : NULL;
}

static int rt_kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rt_kprobe *k = rt_kretprobe_of(ri);

	if (unlikely(!k))
		return 0;
	/* ip is the address returned to: the kernel restored it. */
	rt_probe_run_data(k->probe, RT_PHASE_RUN, regs, (unsigned long)k->u.rp.kp.addr,
			  k->entry ? (void *)ri->data : NULL);
	return 0;
}

/*
 * The entry of a function whose .return probe uses @entry: its values are
 * computed into this instance's data (preallocated by the kernel with the
 * maxactive instances). A nonzero return drops the instance, so a return
 * whose entry did not run (CPU busy, an error, not running) is not seen.
 */
static int rt_kretprobe_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rt_kprobe *k = rt_kretprobe_of(ri);
	unsigned long ip = instruction_pointer(regs);
	unsigned long addr;
	bool ok;

	if (unlikely(!k))
		return 1;
	addr = (unsigned long)k->u.rp.kp.addr;
	memset(ri->data, 0, k->data_size);
	/* As in RT_KPROBE_PRE: the probed address while the handler runs. */
	instruction_pointer_set(regs, addr);
	ok = rt_probe_run_data(k->entry, RT_PHASE_RUN, regs, addr, ri->data);
	instruction_pointer_set(regs, ip);
	return ok ? 0 : 1;
}

static void rt_kprobe_refused(const struct rt_kprobe *k, int rc)
{
	char msg[320];
	const char *colon = k->symbol ? strchr(k->symbol, ':') : NULL;
	int n;

	/*
	 * MODULE:symbol not found: the module is not loaded. Probes are armed
	 * at start only (no module notifier yet), so say what to do.
	 */
	if (colon && rc == -ENOENT)
		n = scnprintf(msg, sizeof(msg),
			      "%s: probe %s: module %.*s is not loaded (load it before the script starts)\n",
			      k->optional ? "WARNING" : "ERROR", k->probe->pp,
			      (int)(colon - k->symbol), k->symbol);
	else if (k->symbol)
		n = scnprintf(msg, sizeof(msg),
			      "%s: probe %s (symbol %s+%#x) registration error (rc %d)\n",
			      k->optional ? "WARNING" : "ERROR", k->probe->pp,
			      k->symbol, k->offset, rc);
	else
		n = scnprintf(msg, sizeof(msg),
			      "%s: probe %s (address %#lx) registration error (rc %d)\n",
			      k->optional ? "WARNING" : "ERROR", k->probe->pp,
			      k->addr, rc);
	rt_transport_write(RT_REC_STDERR, msg, n);
}

int rt_kprobes_arm(struct rt_kprobe *ks, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct rt_kprobe *k = &ks[i];

		if (k->ret) {
			memset(&k->u.rp, 0, sizeof(k->u.rp));
			k->u.rp.kp.symbol_name = k->symbol;
			k->u.rp.kp.offset = k->offset;
			k->u.rp.handler = rt_kretprobe_ret;
			k->u.rp.maxactive = k->maxactive;
			if (k->entry) {
				k->u.rp.entry_handler = rt_kretprobe_entry;
				k->u.rp.data_size = k->data_size;
			}
			rc = register_kretprobe(&k->u.rp);
		} else {
			memset(&k->u.kp, 0, sizeof(k->u.kp));
			if (k->symbol) {
				k->u.kp.symbol_name = k->symbol;
				k->u.kp.offset = k->offset;
			} else {
				k->u.kp.addr = (kprobe_opcode_t *)k->addr;
			}
			k->u.kp.pre_handler = k->pre;
			rc = register_kprobe(&k->u.kp);
		}
		if (rc) {
			rt_kprobe_refused(k, rc);
			if (!k->optional) {
				rt_kprobes_disarm(ks, i);
				return rc;
			}
			continue;
		}
		k->registered = true;
	}
	return 0;
}

void rt_kprobes_disarm(struct rt_kprobe *ks, size_t n)
{
	struct kprobe **kps;
	struct kretprobe **rps;
	size_t i, nk = 0, nr = 0;

	kps = kcalloc(n ?: 1, sizeof(*kps), GFP_KERNEL);
	rps = kcalloc(n ?: 1, sizeof(*rps), GFP_KERNEL);
	for (i = 0; i < n; i++) {
		struct rt_kprobe *k = &ks[i];

		if (!k->registered)
			continue;
		/* Hits the kernel dropped (another kprobe running, no free
		 * return instance: see .maxactive) count as skipped probes. */
		atomic_add(k->ret ? k->u.rp.nmissed : k->u.kp.nmissed,
			   &rt_session.skipped);
		if (!kps || !rps) {
			/* No memory for the batch: one by one, slower. */
			if (k->ret)
				unregister_kretprobe(&k->u.rp);
			else
				unregister_kprobe(&k->u.kp);
		} else if (k->ret) {
			rps[nr++] = &k->u.rp;
		} else {
			kps[nk++] = &k->u.kp;
		}
		k->registered = false;
	}
	if (nk)
		unregister_kprobes(kps, nk);
	if (nr)
		unregister_kretprobes(rps, nr);
	kfree(kps);
	kfree(rps);
}

#else /* no kprobes in this kernel */

int rt_kprobes_arm(struct rt_kprobe *ks, size_t n)
{
	return n ? -ENOSYS : 0;
}

void rt_kprobes_disarm(struct rt_kprobe *ks, size_t n)
{
}

#endif
