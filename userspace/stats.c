// SPDX-License-Identifier: GPL-2.0
/* stats.c - per-process totals (see stats.h). */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		fputs("sendmmsg-trace: out of memory\n", stderr);
		exit(1);
	}
	return q;
}

static void count_errno(struct pstats *p, int err)
{
	for (size_t i = 0; i < p->nerrs; i++) {
		if (p->errs[i].err == err) {
			p->errs[i].count++;
			return;
		}
	}
	p->errs = xrealloc(p->errs, (p->nerrs + 1) * sizeof(*p->errs));
	p->errs[p->nerrs].err = err;
	p->errs[p->nerrs].count = 1;
	p->nerrs++;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void sample_latency(struct pstats *p, uint64_t ns)
{
	uint64_t j;

	p->lat_seen++;
	if (p->nlat < LAT_SAMPLES) {
		if (p->nlat == 0)
			p->lat = xrealloc(NULL, LAT_SAMPLES * sizeof(*p->lat));
		p->lat[p->nlat++] = ns;
		return;
	}
	/* Algorithm R: keep each new sample with probability n/seen. */
	j = xorshift64(&p->rng) % p->lat_seen;
	if (j < LAT_SAMPLES)
		p->lat[j] = ns;
}

void pstats_add(struct pstats *p, const struct smt_call *c)
{
	p->calls++;
	p->msgs += c->msgs_sent;
	p->bytes += c->bytes_sent;
	if (c->ret < 0) {
		p->failed++;
		count_errno(p, (int)-c->ret);
	}
	sample_latency(p, c->latency_ns);
}

void pstats_free(struct pstats *p)
{
	free(p->errs);
	free(p->lat);
	p->errs = NULL;
	p->lat = NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

uint64_t pstats_percentile(struct pstats *p, unsigned pct)
{
	size_t rank;

	if (p->nlat == 0)
		return 0;
	qsort(p->lat, p->nlat, sizeof(*p->lat), cmp_u64);
	/* Nearest rank: the smallest value with pct% of samples <= it. */
	rank = (p->nlat * pct + 99) / 100;
	if (rank == 0)
		rank = 1;
	return p->lat[rank - 1];
}
