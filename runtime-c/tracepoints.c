/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracepoints.c - attaching a module's callbacks to vmlinux tracepoints and
 * to other modules' tracepoints, and detaching them. The vmlinux's are looked
 * up by name in one walk of the kernel's table. A module's come from the
 * tracepoint module notifier, which also reports the modules loaded before
 * it was registered: on COMING the module's own table is searched and the
 * callbacks registered, on GOING (the module's text still there) they are
 * unregistered, so a module reloaded later is traced again. Each callback
 * is registered with its own rt_tracepoint as the data cookie, so a hit
 * knows its probe. After the last unregister,
 * tracepoint_synchronize_unregister() waits until no CPU can still be in a
 * callback: only then may the module's text and data go.
 */

#include <linux/module.h>
#include <linux/notifier.h>

/* The table the module notifier works on; set while it is registered. */
static struct rt_tracepoint *rt_tp_mod_table;
static size_t rt_tp_mod_n;
static bool rt_tp_notifier_on;

struct rt_tp_lookup {
	struct rt_tracepoint *ts;
	size_t n;
};

static void rt_tp_match(struct tracepoint *tp, void *priv)
{
	struct rt_tp_lookup *l = priv;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!l->ts[i].module && !l->ts[i].tp &&
		    strcmp(tp->name, l->ts[i].name) == 0)
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

/* Registers @t's callback on @tp; false (said) when the kernel refuses. */
static bool rt_tracepoint_attach(struct rt_tracepoint *t, struct tracepoint *tp)
{
	int rc = tracepoint_probe_register(tp, t->func, t);

	if (rc) {
		rt_tracepoint_refused(t, "registration error", rc);
		return false;
	}
	t->tp = tp;
	t->registered = true;
	return true;
}

/* @mod came: attach the probes on its tracepoints. */
static void rt_tp_module_coming(struct module *mod)
{
	unsigned int k;
	size_t i;

	for (i = 0; i < rt_tp_mod_n; i++) {
		struct rt_tracepoint *t = &rt_tp_mod_table[i];
		bool found = false;

		if (!t->module || t->registered || strcmp(t->module, mod->name))
			continue;
		for (k = 0; k < mod->num_tracepoints; k++) {
			struct tracepoint *tp =
				tracepoint_ptr_deref(&mod->tracepoints_ptrs[k]);

			if (!strcmp(tp->name, t->name)) {
				found = true;
				rt_tracepoint_attach(t, tp);
				break;
			}
		}
		if (!found)
			rt_tracepoint_refused(t, "not found in its module", -ENOENT);
	}
}

/* @mod goes (its text still there): detach what is attached to it. */
static void rt_tp_module_going(struct module *mod)
{
	size_t i;

	for (i = 0; i < rt_tp_mod_n; i++) {
		struct rt_tracepoint *t = &rt_tp_mod_table[i];

		if (!t->module || !t->registered || strcmp(t->module, mod->name))
			continue;
		tracepoint_probe_unregister(t->tp, t->func, t);
		t->registered = false;
		t->tp = NULL;
	}
}

/* Called under the kernel's tracepoint module list mutex. */
static int rt_tp_module_event(struct notifier_block *nb, unsigned long val,
			      void *data)
{
	struct tp_module *tp_mod = data;

	if (val == MODULE_STATE_COMING)
		rt_tp_module_coming(tp_mod->mod);
	else if (val == MODULE_STATE_GOING)
		rt_tp_module_going(tp_mod->mod);
	return NOTIFY_OK;
}

static struct notifier_block rt_tp_module_nb = {
	.notifier_call = rt_tp_module_event,
};

int rt_tracepoints_arm(struct rt_tracepoint *ts, size_t n)
{
	struct rt_tp_lookup l = { .ts = ts, .n = n };
	bool modules = false;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		ts[i].tp = NULL;
		ts[i].registered = false;
		modules |= ts[i].module != NULL;
	}
	for_each_kernel_tracepoint(rt_tp_match, &l);
	for (i = 0; i < n; i++) {
		struct rt_tracepoint *t = &ts[i];

		if (t->module)
			continue;
		if (!t->tp) {
			rc = -ENOENT;
			rt_tracepoint_refused(t, "not found in the running kernel", rc);
		} else if (!rt_tracepoint_attach(t, t->tp)) {
			rc = -EINVAL;
		} else {
			continue;
		}
		if (!t->optional) {
			rt_tracepoints_disarm(ts, n);
			return rc;
		}
	}
	if (!modules)
		return 0;
	/* A module not loaded yet is traced from when it loads. */
	rt_tp_mod_table = ts;
	rt_tp_mod_n = n;
	rc = register_tracepoint_module_notifier(&rt_tp_module_nb);
	if (rc) {
		rt_tp_mod_table = NULL;
		rt_tp_mod_n = 0;
		rt_tracepoints_disarm(ts, n);
		return rc;
	}
	rt_tp_notifier_on = true;
	return 0;
}

void rt_tracepoints_disarm(struct rt_tracepoint *ts, size_t n)
{
	bool any = false;
	size_t i;

	/* No module event can run after this: the list mutex is taken. */
	if (rt_tp_notifier_on) {
		unregister_tracepoint_module_notifier(&rt_tp_module_nb);
		rt_tp_notifier_on = false;
	}
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
