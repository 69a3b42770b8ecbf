/* security_locked_down(LOCKDOWN_DEBUGFS): whether lockdown restricts debugfs (5.4+) */
#include <linux/security.h>

int rt_feature_lockdown_debugfs(void);
int rt_feature_lockdown_debugfs(void)
{
	return security_locked_down(LOCKDOWN_DEBUGFS);
}
