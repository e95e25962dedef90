// SPDX-License-Identifier: GPL-2.0
/* rate.c - sliding one-second windows (see rate.h). */
#include "rate.h"

#include <string.h>

static void counts_add(struct rate_counts *a, const struct rate_counts *b)
{
	a->calls += b->calls;
	a->msgs += b->msgs;
	a->bytes += b->bytes;
	a->failed += b->failed;
	a->lost += b->lost;
}

static void counts_sub(struct rate_counts *a, const struct rate_counts *b)
{
	a->calls -= b->calls;
	a->msgs -= b->msgs;
	a->bytes -= b->bytes;
	a->failed -= b->failed;
	a->lost -= b->lost;
}

/* Expire the slots that fall out of the window when 'idx' is newest. */
static void advance(struct rate_win *w, uint64_t idx)
{
	if (!w->started) {
		w->started = 1;
		w->head = idx;
		return;
	}
	if (idx <= w->head)
		return;
	if (idx - w->head >= RATE_SLOTS) {
		memset(w->slot, 0, sizeof(w->slot));
		memset(&w->sum, 0, sizeof(w->sum));
	} else {
		for (uint64_t k = w->head + 1; k <= idx; k++) {
			struct rate_counts *s = &w->slot[k % RATE_SLOTS];

			counts_sub(&w->sum, s);
			memset(s, 0, sizeof(*s));
		}
	}
	w->head = idx;
}

void rate_add(struct rate_win *w, uint64_t ts, const struct rate_counts *c)
{
	uint64_t idx = ts / RATE_SLOT_NS;

	advance(w, idx);
	/* Records are ordered, but a late one must not wrap onto new slots. */
	if (w->head - idx >= RATE_SLOTS)
		return;
	counts_add(&w->slot[idx % RATE_SLOTS], c);
	counts_add(&w->sum, c);
}

struct rate_counts rate_at(struct rate_win *w, uint64_t ts)
{
	if (!w->started) {
		struct rate_counts none = { 0, 0, 0, 0, 0 };

		return none;
	}
	advance(w, ts / RATE_SLOT_NS);
	return w->sum;
}
