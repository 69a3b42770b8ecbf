/* SPDX-License-Identifier: GPL-2.0 */
/*
 * runtime.h - what a generated module includes first: kernel headers, the
 * limits, and the declarations of every runtime part. runtime.c holds the
 * definitions; the module is one translation unit (a single compile).
 */
#ifndef RSTAP_RUNTIME_H
#define RSTAP_RUNTIME_H

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <linux/atomic.h>
#include <asm/local.h>

#include "rt_features.h"	/* generated per kernel by kbuild/ feature tests */
#include "rt_limits.h"
#include "rand.h"
#include "session.h"
#include "stack.h"
#include "symbols.h"
#include "ustack.h"
#include "usyms.h"
#include "context.h"
#include "lock.h"
#include "print.h"
#include "strings.h"
#include "arith.h"
#include "stat.h"
#include "map.h"
#include "probe.h"
#include "timer.h"
#include "kprobes.h"
#include "tapset_helpers.h"
#include "namespaces.h"
#include "target_vars.h"
#include "kaslr.h"
#include "uentry.h"
#include "uprobes.h"
#include "tracepoints.h"
#include "syscalls.h"
#include "watchpoints.h"

#endif /* RSTAP_RUNTIME_H */
