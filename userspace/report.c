// SPDX-License-Identifier: GPL-2.0
/* report.c - summary and top tables (see report.h). */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>

#include "fmt.h"
#include "names.h"
#include "timefmt.h"

/* Heaviest first; the pid breaks ties so the order is always the same. */
static int heavier(uint64_t b1, uint64_t c1, uint32_t p1,
		   uint64_t b2, uint64_t c2, uint32_t p2)
{
	if (b1 != b2)
		return b1 > b2 ? -1 : 1;
	if (c1 != c2)
		return c1 > c2 ? -1 : 1;
	return (p1 > p2) - (p1 < p2);
}

static int cmp_total(const void *a, const void *b)
{
	const struct proc *x = *(struct proc *const *)a;
	const struct proc *y = *(struct proc *const *)b;

	return heavier(x->stats.bytes, x->stats.calls, x->tgid,
		       y->stats.bytes, y->stats.calls, y->tgid);
}

static int cmp_errcount(const void *a, const void *b)
{
	const struct errcount *x = a, *y = b;

	return (x->err > y->err) - (x->err < y->err);
}

/* "    812 dnsperf         " : pid and comm columns of both tables. */
static void put_proc_cols(struct strbuf *sb, const struct proc *p)
{
	size_t from;

	sb_printf(sb, "%7" PRIu32 " ", p->tgid);
	from = sb->len;
	fmt_text_comm(sb, p->comm);
	sb_pad(sb, from, 16);
}

static void put_lat_col(struct strbuf *sb, uint64_t ns)
{
	struct strbuf tmp;

	sb_init(&tmp);
	put_latency(&tmp, ns);
	sb_printf(sb, " %9s", tmp.buf);
	sb_free(&tmp);
}

static void summary_row(struct strbuf *sb, struct proc *p)
{
	struct pstats *s = &p->stats;

	put_proc_cols(sb, p);
	sb_printf(sb, " %10" PRIu64 " %10" PRIu64 " %12" PRIu64 " %8" PRIu64,
		  s->calls, s->msgs, s->bytes, s->failed);
	put_lat_col(sb, pstats_percentile(s, 50));
	put_lat_col(sb, pstats_percentile(s, 99));
	sb_putc(sb, '\n');
}

static void summary_errors(struct strbuf *sb, struct proc **v, size_t n)
{
	int header = 0;

	for (size_t i = 0; i < n; i++) {
		struct pstats *s = &v[i]->stats;

		if (!s->nerrs)
			continue;
		if (!header)
			sb_puts(sb, "failed calls by errno:\n");
		header = 1;
		put_proc_cols(sb, v[i]);
		qsort(s->errs, s->nerrs, sizeof(*s->errs), cmp_errcount);
		for (size_t k = 0; k < s->nerrs; k++) {
			sb_puts(sb, k ? ", " : " ");
			errno_put(sb, s->errs[k].err);
			sb_printf(sb, " %" PRIu64, s->errs[k].count);
		}
		sb_putc(sb, '\n');
	}
}

void report_summary(struct strbuf *sb, struct proctab *t,
		    const struct run_counts *rc, const struct smt_stats *module)
{
	size_t n;
	struct proc **v = proctab_list(t, &n);

	qsort(v, n, sizeof(*v), cmp_total);
	sb_puts(sb, "--- sendmmsg-trace summary ---\n");
	sb_printf(sb, "%7s %-16s %10s %10s %12s %8s %9s %9s\n", "PID", "COMM",
		  "CALLS", "MSGS", "BYTES", "FAILED", "LAT_P50", "LAT_P99");
	for (size_t i = 0; i < n; i++)
		summary_row(sb, v[i]);
	summary_errors(sb, v, n);
	sb_printf(sb, "calls: %" PRIu64 "\n", rc->calls);
	sb_printf(sb, "lost records: %" PRIu64 "\n", rc->lost);
	sb_printf(sb, "skipped records: %" PRIu64 " newer ABI, %" PRIu64
		  " unknown type, %" PRIu64 " malformed\n",
		  rc->skipped_version, rc->skipped_type, rc->malformed);
	if (module)
		sb_printf(sb, "module: seen %llu, delivered %llu, lost %llu, "
			  "missed %llu, faults %llu, filtered %llu\n",
			  (unsigned long long)module->seen,
			  (unsigned long long)module->delivered,
			  (unsigned long long)module->lost,
			  (unsigned long long)module->missed,
			  (unsigned long long)module->faults,
			  (unsigned long long)module->filtered);
	free(v);
}

struct top_row {
	struct proc *p;
	struct rate_counts r;
};

static int cmp_row(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	return heavier(x->r.bytes, x->r.calls, x->p->tgid,
		       y->r.bytes, y->r.calls, y->p->tgid);
}

/* Processes active in the second ending at ts, heaviest first. */
static struct top_row *top_rows(struct proctab *t, uint64_t ts, size_t *nr)
{
	size_t n, k = 0;
	struct proc **v = proctab_list(t, &n);
	struct top_row *rows = calloc(n ? n : 1, sizeof(*rows));

	if (!rows) {
		free(v);
		*nr = 0;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct rate_counts r = rate_at(&v[i]->rate, ts);

		if (r.calls == 0)
			continue;
		rows[k].p = v[i];
		rows[k].r = r;
		k++;
	}
	free(v);
	qsort(rows, k, sizeof(*rows), cmp_row);
	*nr = k;
	return rows;
}

void report_top(struct strbuf *sb, struct proctab *t, struct rate_win *total,
		uint64_t ts, int64_t wall, int clear, unsigned max_rows)
{
	struct rate_counts all = rate_at(total, ts);
	size_t n;
	struct top_row *rows = top_rows(t, ts, &n);

	if (clear)
		sb_puts(sb, "\033[H\033[2J");
	sb_puts(sb, "sendmmsg-trace top - ");
	put_clock_s(sb, wall);
	sb_printf(sb, "  calls/s %" PRIu64 "  msgs/s %" PRIu64 "  bytes/s %"
		  PRIu64 "  failed/s %" PRIu64 "  lost/s %" PRIu64 "\n",
		  all.calls, all.msgs, all.bytes, all.failed, all.lost);
	sb_printf(sb, "%7s %-16s %10s %10s %12s %10s\n", "PID", "COMM",
		  "CALLS/s", "MSGS/s", "BYTES/s", "FAILED/s");
	for (size_t i = 0; i < n && (!max_rows || i < max_rows); i++) {
		put_proc_cols(sb, rows[i].p);
		sb_printf(sb, " %10" PRIu64 " %10" PRIu64 " %12" PRIu64
			  " %10" PRIu64 "\n", rows[i].r.calls, rows[i].r.msgs,
			  rows[i].r.bytes, rows[i].r.failed);
	}
	if (!clear)
		sb_putc(sb, '\n');
	free(rows);
}
