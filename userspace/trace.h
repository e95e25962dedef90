/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - one tracing run: read records until a bound, the end of the
 * input or a signal, print them, and print the summary.
 */
#ifndef SMT_TRACE_H
#define SMT_TRACE_H

#include <signal.h>

#include "options.h"

/* Returns the exit status.  *stop is set by the signal handlers. */
int trace_run(const struct options *o, volatile sig_atomic_t *stop);

#endif
