/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proctab.h - one entry per traced process (tgid), holding what --stats,
 * --top and --alert-bytes keep about it.
 */
#ifndef SMT_PROCTAB_H
#define SMT_PROCTAB_H

#include <stddef.h>
#include <stdint.h>

#include "rate.h"
#include "sendmmsg_trace.h"
#include "stats.h"

struct proc {
	uint32_t tgid;
	char comm[SMT_COMM_LEN];	/* of the latest call seen */
	struct proc *next;		/* hash chain */
	struct pstats stats;
	struct rate_win rate;
	uint64_t next_alert_ns;		/* no alert before this record time */
};

#define PROCTAB_BUCKETS 1024

struct proctab {
	struct proc *bucket[PROCTAB_BUCKETS];
	size_t count;
};

void proctab_init(struct proctab *t);
void proctab_free(struct proctab *t);
/* The entry for tgid, created (zeroed) on first use. */
struct proc *proc_get(struct proctab *t, uint32_t tgid);
/* All entries in a new array (free() it); *n is set to the count. */
struct proc **proctab_list(const struct proctab *t, size_t *n);

#endif
