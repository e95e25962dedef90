/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.h - the two tables: the --stats summary printed at exit and the
 * --top table printed every second.
 */
#ifndef SMT_REPORT_H
#define SMT_REPORT_H

#include <stdint.h>

#include "proctab.h"
#include "rate.h"
#include "sendmmsg_trace.h"
#include "stats.h"
#include "strbuf.h"

/* module may be NULL when the input is not the device. */
void report_summary(struct strbuf *sb, struct proctab *t,
		    const struct run_counts *rc, const struct smt_stats *module);

/*
 * The second ending at ts (record time).  wall is ts as wall-clock ns for
 * the title; clear adds the ANSI "home + clear screen" (terminal only);
 * max_rows limits the process rows (0: no limit).
 */
void report_top(struct strbuf *sb, struct proctab *t, struct rate_win *total,
		uint64_t ts, int64_t wall, int clear, unsigned max_rows);

#endif
