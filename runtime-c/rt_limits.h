/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rt_limits.h - the bounds that keep a script safe in probe context.
 * Every one can be overridden with rstap -D NAME=VALUE, as with SystemTap.
 */
#ifndef RSTAP_LIMITS_H
#define RSTAP_LIMITS_H

#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512	/* bytes in every string value, NUL included */
#endif
#ifndef MAXACTION
#define MAXACTION 1000		/* statements in one probe hit */
#endif
#ifndef MAXACTION_INTERRUPTIBLE
#define MAXACTION_INTERRUPTIBLE (MAXACTION * 10)	/* begin/end probes */
#endif
#ifndef MAXNESTING
#define MAXNESTING 10		/* depth of script function calls */
#endif
#ifndef MAXTRYLOCK
#define MAXTRYLOCK MAXACTION	/* attempts to take a global's lock */
#endif
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 10		/* ns between attempts */
#endif
#ifndef MAXERRORS
#define MAXERRORS 0		/* errors tolerated before the script ends */
#endif
#ifndef MAXSKIPPED
#define MAXSKIPPED 100		/* skipped probe hits tolerated */
#endif
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048	/* default size of an associative array */
#endif
#ifndef MAXBACKTRACE
#define MAXBACKTRACE 20		/* kernel stack frames unwound for one hit */
#endif
#ifndef RT_PRINT_BUFSIZE
#define RT_PRINT_BUFSIZE 8192	/* one probe hit's output before a flush */
#endif

#if MAXSTRINGLEN < 16 || MAXSTRINGLEN > 65536
#error "MAXSTRINGLEN must be between 16 and 65536"
#endif
#if MAXBACKTRACE < 1 || MAXBACKTRACE > 1024
#error "MAXBACKTRACE must be between 1 and 1024"
#endif
#if MAXNESTING < 1
#error "MAXNESTING must be at least 1"
#endif

#endif /* RSTAP_LIMITS_H */
