/* x86's unwinder API (<asm/unwind.h>: unwind_start from pt_regs, unwind_next_frame, unwind_get_return_address) */
#include <linux/sched.h>
#include <asm/unwind.h>

unsigned long rt_feature_x86_unwind(struct pt_regs *regs);
unsigned long rt_feature_x86_unwind(struct pt_regs *regs)
{
	struct unwind_state state;
	unsigned long sum = 0;

	for (unwind_start(&state, current, regs, NULL); !unwind_done(&state);
	     unwind_next_frame(&state))
		sum += unwind_get_return_address(&state);
	return sum;
}
