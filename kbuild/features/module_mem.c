/* struct module's mem[MOD_*] regions (6.4+); older kernels have core_layout */
#include <linux/module.h>

unsigned int rt_feature_module_mem(struct module *m);
unsigned int rt_feature_module_mem(struct module *m)
{
	return m->mem[MOD_TEXT].size + m->mem[MOD_DATA].size;
}
