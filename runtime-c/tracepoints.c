/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracepoints.c - attaching a module's callbacks to vmlinux tracepoints and
 * detaching them. The tracepoints are looked up by name in one walk of the
 * kernel's table; each callback is registered with its own rt_tracepoint as
 * the data cookie, so a hit knows its probe. After the last unregister,
 * tracepoint_synchronize_unregister() waits until no CPU can still be in a
 * callback: only then may the module's text and data go.
 */

struct rt_tp_lookup {
	struct rt_tracepoint *ts;
	size_t n;
};

static void rt_tp_match(struct tracepoint *tp, void *priv)
{
	struct rt_tp_lookup *l = priv;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!l->ts[i].tp && strcmp(tp->name, l->ts[i].name) == 0)
			l->ts[i].tp = tp;
}

void rt_tracepoint_hit(void *data, const u64 *args)
{
	struct rt_tracepoint *t = data;

	rt_probe_run_args(t->probe, RT_PHASE_RUN, NULL, 0, args);
}

static void rt_tracepoint_refused(const struct rt_tracepoint *t, const char *why,
				  int rc)
{
	char msg[256];
	int n;

	n = scnprintf(msg, sizeof(msg), "%s: probe %s (tracepoint %s) %s (rc %d)\n",
		      t->optional ? "WARNING" : "ERROR", t->probe->pp,
		      t->name, why, rc);
	rt_transport_write(RT_REC_STDERR, msg, n);
}

int rt_tracepoints_arm(struct rt_tracepoint *ts, size_t n)
{
	struct rt_tp_lookup l = { .ts = ts, .n = n };
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		ts[i].tp = NULL;
	for_each_kernel_tracepoint(rt_tp_match, &l);
	for (i = 0; i < n; i++) {
		struct rt_tracepoint *t = &ts[i];

		if (!t->tp) {
			rc = -ENOENT;
			rt_tracepoint_refused(t, "not found in the running kernel", rc);
		} else {
			rc = tracepoint_probe_register(t->tp, t->func, t);
			if (rc)
				rt_tracepoint_refused(t, "registration error", rc);
		}
		if (rc) {
			if (!t->optional) {
				rt_tracepoints_disarm(ts, i);
				return rc;
			}
			continue;
		}
		t->registered = true;
	}
	return 0;
}

void rt_tracepoints_disarm(struct rt_tracepoint *ts, size_t n)
{
	bool any = false;
	size_t i;

	for (i = 0; i < n; i++) {
		struct rt_tracepoint *t = &ts[i];

		if (!t->registered)
			continue;
		tracepoint_probe_unregister(t->tp, t->func, t);
		t->registered = false;
		any = true;
	}
	/* No callback of ours runs or can start after this. */
	if (any)
		tracepoint_synchronize_unregister();
}
