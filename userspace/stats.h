/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats.h - per-process totals for the --stats summary.
 *
 * Latency percentiles are exact for the first LAT_SAMPLES calls of a
 * process; after that a reservoir sample of that size (reservoir
 * sampling, fixed seed) keeps memory bounded on long runs.
 */
#ifndef SMT_STATS_H
#define SMT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define LAT_SAMPLES 4096

struct errcount {
	int err;
	uint64_t count;
};

struct pstats {
	uint64_t calls, msgs, bytes, failed;
	struct errcount *errs;		/* failed calls by errno */
	size_t nerrs;
	uint64_t *lat;			/* latency samples, ns */
	size_t nlat;
	uint64_t lat_seen;		/* calls offered to the reservoir */
	uint64_t rng;			/* xorshift state for the reservoir */
};

/* Totals that belong to no process. */
struct run_counts {
	uint64_t calls;			/* call records shown (after filters) */
	uint64_t lost;			/* records the module lost */
	uint64_t skipped_version;	/* newer ABI records skipped */
	uint64_t skipped_type;		/* unknown record types skipped */
	uint64_t malformed;		/* records with impossible sizes */
};

void pstats_add(struct pstats *p, const struct smt_call *c);
void pstats_free(struct pstats *p);

/* Nearest-rank percentile (0 < pct <= 100) of the samples; sorts them. */
uint64_t pstats_percentile(struct pstats *p, unsigned pct);

#endif
