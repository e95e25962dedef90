/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rate.h - sliding one-second windows over record timestamps, for --top
 * and --alert-bytes.
 *
 * A window is 100 slots of 10 ms; "the last second" at time T is the slot
 * holding T and the 99 before it.  Using record time (not the clock of
 * the reader) makes a file of records give the same rates every time.
 */
#ifndef SMT_RATE_H
#define SMT_RATE_H

#include <stdint.h>

#define RATE_SLOT_NS	10000000ULL
#define RATE_SLOTS	100

struct rate_counts {
	uint64_t calls, msgs, bytes, failed, lost;
};

struct rate_win {
	int started;
	uint64_t head;			/* slot number (ts / RATE_SLOT_NS) */
	struct rate_counts slot[RATE_SLOTS];
	struct rate_counts sum;		/* over all slots */
};

/* Count c at time ts (ns); older than the window is ignored. */
void rate_add(struct rate_win *w, uint64_t ts, const struct rate_counts *c);

/* Totals of the second ending at ts (moves the window forward to ts). */
struct rate_counts rate_at(struct rate_win *w, uint64_t ts);

#endif
