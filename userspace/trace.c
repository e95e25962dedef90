// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the reading loop and what happens to each record.
 *
 * Output is built one complete line at a time in s->out and written out
 * after each batch of records, so stopping (bound, signal, error) never
 * leaves a partial line behind.
 */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "input.h"
#include "proctab.h"
#include "rate.h"
#include "record.h"
#include "report.h"
#include "stream.h"
#include "timefmt.h"

#define FLUSH_AT	(64u << 10)
#define POLL_MAX_MS	1000

struct session {
	const struct options *o;
	volatile sig_atomic_t *stop;
	struct fmt_opts fo;
	struct input in;
	struct stream st;
	struct proctab procs;
	struct rate_win total;		/* all processes: the top title */
	struct run_counts rc;
	struct strbuf out;
	int tty;
	int warned_version, warned_type, warned_bad;
	int top_started;
	uint64_t top_second;		/* file input: record-time second */
	uint64_t deadline;		/* monotonic ns; 0: no --duration */
	uint64_t next_tick;		/* monotonic ns of the next live table */
	int done;
	int status;
};

static uint64_t now_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NSEC_PER_SEC + (uint64_t)t.tv_nsec;
}

/*
 * A closed pipe (sendmmsg-trace | head) ends the run quietly; any other
 * write error is reported.  SIGPIPE is ignored so this is where we learn.
 */
static void flush_out(struct session *s)
{
	int bad = s->out.len &&
		  fwrite(s->out.buf, 1, s->out.len, stdout) != s->out.len;

	if (fflush(stdout) != 0)
		bad = 1;
	sb_reset(&s->out);
	if (!bad || s->done)
		return;
	s->done = 1;
	if (errno != EPIPE) {
		fprintf(stderr, "sendmmsg-trace: writing output: %s\n",
			strerror(errno));
		s->status = 1;
	}
}

static int want_color(enum color_mode m)
{
	const char *term = getenv("TERM");

	if (m != COLOR_AUTO)
		return m == COLOR_ALWAYS;
	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
	       !(term && strcmp(term, "dumb") == 0);
}

/* Rows for process lines on a terminal; 0 means no limit. */
static unsigned top_rows(int tty)
{
	struct winsize ws;

	if (!tty || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 ||
	    ws.ws_row < 4)
		return 0;
	return ws.ws_row - 3u;
}

static void emit_lost(struct session *s, uint64_t ts, uint64_t lost)
{
	if (s->o->top)
		return;
	if (s->o->json)
		fmt_json_lost(&s->out, &s->fo, ts, lost);
	else
		fmt_text_lost(&s->out, &s->fo, lost);
}

/* Losses belong to no process but always count, whatever the filter. */
static void count_lost(struct session *s, uint64_t ts, uint64_t lost)
{
	struct rate_counts c = { .lost = lost };

	s->rc.lost += lost;
	rate_add(&s->total, ts, &c);
}

static void top_table(struct session *s, uint64_t ts, int64_t wall)
{
	report_top(&s->out, &s->procs, &s->total, ts, wall, s->tty,
		   top_rows(s->tty));
}

/*
 * File input: one table per second of record time, printed when the
 * first record of a later second shows up (and at the end).
 */
static void top_file_advance(struct session *s, uint64_t ts)
{
	uint64_t sec = ts / NSEC_PER_SEC;
	uint64_t end;

	if (!s->o->top || s->in.is_device)
		return;
	if (!s->top_started) {
		s->top_started = 1;
		s->top_second = sec;
		return;
	}
	if (sec <= s->top_second)
		return;
	end = (s->top_second + 1) * NSEC_PER_SEC;
	top_table(s, end - 1, wall_ns(end, s->fo.rt_offset));
	s->top_second = sec;
}

static void check_alert(struct session *s, struct proc *p, uint64_t ts)
{
	struct rate_alert a;

	if (!s->o->has_alert || p->rate.sum.bytes <= s->o->alert_bytes ||
	    ts < p->next_alert_ns)
		return;
	p->next_alert_ns = ts + NSEC_PER_SEC;	/* one per process per second */
	a.ts_ns = ts;
	a.tgid = p->tgid;
	memcpy(a.comm, p->comm, sizeof(a.comm));
	a.bytes_per_sec = p->rate.sum.bytes;
	a.threshold = s->o->alert_bytes;
	if (s->o->json)
		fmt_json_alert(&s->out, &s->fo, &a);
	else
		fmt_text_alert(&s->out, &s->fo, &a);
}

/* Per-process bookkeeping for --stats, --top and --alert-bytes. */
static struct proc *account(struct session *s, const struct smt_call *c)
{
	struct proc *p = proc_get(&s->procs, c->tgid);
	struct rate_counts rc = {
		.calls = 1, .msgs = c->msgs_sent, .bytes = c->bytes_sent,
		.failed = c->ret < 0,
	};

	memcpy(p->comm, c->comm, sizeof(p->comm));
	if (s->o->stats)
		pstats_add(&p->stats, c);
	if (s->o->top || s->o->has_alert) {
		rate_add(&p->rate, c->hdr.ts_ns, &rc);
		rate_add(&s->total, c->hdr.ts_ns, &rc);
	}
	return p;
}

static void handle_call(struct session *s, const struct smt_view *v)
{
	const struct smt_call *c = &v->call;
	struct proc *p;

	if (!filter_match(&s->o->filter, v)) {
		if (c->hdr.lost)
			emit_lost(s, c->hdr.ts_ns, c->hdr.lost);
		return;
	}
	s->rc.calls++;
	p = account(s, c);
	if (s->o->json) {
		if (!s->o->top)
			fmt_json_call(&s->out, &s->fo, v, c->hdr.lost);
	} else if (!s->o->top) {
		if (c->hdr.lost)
			fmt_text_lost(&s->out, &s->fo, c->hdr.lost);
		fmt_text_call(&s->out, &s->fo, v);
	}
	check_alert(s, p, c->hdr.ts_ns);
	if (s->o->has_count && s->rc.calls >= s->o->count)
		s->done = 1;
}

/* Bad records are reported once each kind, not once per record. */
static void warn_once(int *warned, const struct strbuf *msg)
{
	if (*warned)
		return;
	*warned = 1;
	fprintf(stderr, "sendmmsg-trace: warning: %s; further ones are "
		"skipped silently\n", msg->buf);
}

static void handle_skipped(struct session *s, enum rec_kind kind,
			   const struct smt_view *v, uint64_t off,
			   const char *why)
{
	struct strbuf msg;

	sb_init(&msg);
	switch (kind) {
	case REC_SKIP_VERSION:
		s->rc.skipped_version++;
		sb_printf(&msg, "skipping a record of ABI version %u (this "
			  "reader speaks version %d)", v->hdr.abi_version,
			  SMT_ABI_VERSION);
		warn_once(&s->warned_version, &msg);
		break;
	case REC_SKIP_TYPE:
		s->rc.skipped_type++;
		sb_printf(&msg, "skipping a record of unknown type %u",
			  v->hdr.type);
		warn_once(&s->warned_type, &msg);
		break;
	default:
		s->rc.malformed++;
		sb_printf(&msg, "skipping a malformed record at offset %"
			  PRIu64 ": %s", off, why);
		warn_once(&s->warned_bad, &msg);
		break;
	}
	sb_free(&msg);
}

static void handle_record(struct session *s, const unsigned char *rec,
			  size_t size, uint64_t off)
{
	struct smt_view v;
	const char *why;
	enum rec_kind kind = rec_decode(rec, size, &v, &why);

	/* The header layout is the same in every version: lost counts. */
	if (v.hdr.lost)
		count_lost(s, v.hdr.ts_ns, v.hdr.lost);
	if (kind == REC_CALL || kind == REC_LOST)
		top_file_advance(s, v.hdr.ts_ns);
	if (kind == REC_CALL) {
		handle_call(s, &v);
		return;
	}
	if (kind == REC_LOST) {
		emit_lost(s, v.hdr.ts_ns, v.hdr.lost);
		return;
	}
	handle_skipped(s, kind, &v, off, why);
	if (v.hdr.lost)
		emit_lost(s, v.hdr.ts_ns, v.hdr.lost);
}

static void stop_with_error(struct session *s)
{
	s->status = 1;
	s->done = 1;
}

/* All whole records now in the buffer, until a bound is reached. */
static void drain(struct session *s)
{
	const unsigned char *rec;
	const char *why = NULL;
	size_t size;

	while (!s->done) {
		enum stream_next r = stream_next(&s->st, &rec, &size, &why);
		if (r == STREAM_NEED_MORE)
			break;
		if (r == STREAM_CORRUPT) {
			flush_out(s);
			fprintf(stderr, "sendmmsg-trace: corrupt record at "
				"offset %" PRIu64 ": %s; stopping\n",
				s->st.offset, why);
			stop_with_error(s);
			break;
		}
		handle_record(s, rec, size, s->st.offset - size);
		if (s->out.len >= FLUSH_AT)
			flush_out(s);
	}
	flush_out(s);
}

static void at_eof(struct session *s)
{
	size_t left = stream_pending(&s->st);

	s->done = 1;
	if (!left)
		return;
	flush_out(s);
	fprintf(stderr, "sendmmsg-trace: input ends inside a record at offset "
		"%" PRIu64 " (%zu bytes left over); stopping\n", s->st.offset,
		left);
	s->status = 1;
}

static int poll_timeout(const struct session *s, uint64_t now)
{
	uint64_t ms = POLL_MAX_MS;

	if (s->deadline)
		ms = s->deadline > now ? (s->deadline - now + 999999) / 1000000
				       : 0;
	if (s->next_tick) {
		uint64_t t = s->next_tick > now
			? (s->next_tick - now + 999999) / 1000000 : 0;

		if (t < ms)
			ms = t;
	}
	return ms > POLL_MAX_MS ? POLL_MAX_MS : (int)ms;
}

/* Wall-clock driven work: --duration and the live --top table. */
static void timers(struct session *s)
{
	uint64_t now = now_mono();

	if (s->deadline && now >= s->deadline)
		s->done = 1;
	if (s->next_tick && now >= s->next_tick && !s->done) {
		top_table(s, now, wall_ns(now, s->fo.rt_offset));
		flush_out(s);
		s->next_tick += NSEC_PER_SEC;
		if (s->next_tick <= now)
			s->next_tick = now + NSEC_PER_SEC;
	}
}

static void read_once(struct session *s)
{
	ssize_t n = stream_fill(&s->st, s->in.fd);

	if (n > 0) {
		drain(s);
	} else if (n == 0) {
		at_eof(s);
	} else if (errno != EINTR && errno != EAGAIN) {
		fprintf(stderr, "sendmmsg-trace: reading %s: %s\n",
			s->in.path, strerror(errno));
		stop_with_error(s);
	}
}

static void loop(struct session *s)
{
	struct pollfd pfd = { .fd = s->in.fd, .events = POLLIN };

	while (!s->done && !*s->stop) {
		int r = poll(&pfd, 1, poll_timeout(s, now_mono()));

		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "sendmmsg-trace: poll: %s\n",
				strerror(errno));
			stop_with_error(s);
		} else if (r > 0 && !*s->stop) {
			read_once(s);
		}
		timers(s);
	}
}

static void print_summary(struct session *s)
{
	struct smt_stats ms;
	struct strbuf sb;
	int have_ms = input_module_stats(&s->in, &ms) == 0;

	sb_init(&sb);
	report_summary(&sb, &s->procs, &s->rc, have_ms ? &ms : NULL);
	fwrite(sb.buf, 1, sb.len, stderr);
	sb_free(&sb);
}

static void finish(struct session *s)
{
	if (s->top_started) {
		uint64_t end = (s->top_second + 1) * NSEC_PER_SEC;

		top_table(s, end - 1, wall_ns(end, s->fo.rt_offset));
	}
	flush_out(s);
	if (s->o->stats)
		print_summary(s);
	else if (s->rc.lost || *s->stop)
		fprintf(stderr, "sendmmsg-trace: %" PRIu64 " records lost\n",
			s->rc.lost);
}

static void session_init(struct session *s, const struct options *o,
			 volatile sig_atomic_t *stop)
{
	uint64_t now = now_mono();

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->stop = stop;
	s->tty = isatty(STDOUT_FILENO);
	s->fo.color = !o->json && want_color(o->color);
	s->fo.verbose = o->verbose;
	s->fo.strlimit = o->strlimit;
	s->fo.rt_offset = o->rt_offset;	/* or the module's, once open */
	stream_init(&s->st);
	proctab_init(&s->procs);
	sb_init(&s->out);
	if (o->has_duration)
		s->deadline = now + o->duration_ns;
}

int trace_run(const struct options *o, volatile sig_atomic_t *stop)
{
	struct session *s = calloc(1, sizeof(*s));
	int status;

	if (!s) {
		fputs("sendmmsg-trace: out of memory\n", stderr);
		return 1;
	}
	session_init(s, o, stop);
	if (input_open(&s->in, o->device, &o->filter) != 0) {
		status = 1;
	} else {
		if (!o->has_rt_offset)
			s->fo.rt_offset = s->in.rt_offset;
		if (o->top && s->in.is_device)
			s->next_tick = now_mono() + NSEC_PER_SEC;
		loop(s);
		finish(s);
		input_close(&s->in);
		status = s->status;
	}
	stream_free(&s->st);
	proctab_free(&s->procs);
	sb_free(&s->out);
	free(s);
	return status;
}
