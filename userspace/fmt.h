/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fmt.h - the two output formats: strace-like text lines (fmt_text.c)
 * and NDJSON in Tracee's event shape (fmt_json.c).  Each function appends
 * exactly one complete line, newline included, to the strbuf.
 */
#ifndef SMT_FMT_H
#define SMT_FMT_H

#include <stdint.h>

#include "record.h"
#include "strbuf.h"

struct fmt_opts {
	int color;		/* ANSI colours in the text output */
	int verbose;		/* every captured message, not just 4 */
	unsigned strlimit;	/* payload bytes shown in text (-s) */
	int64_t rt_offset;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
};

/* A process whose bytes/s went over --alert-bytes. */
struct rate_alert {
	uint64_t ts_ns;		/* record time (monotonic) of the trigger */
	uint32_t tgid;
	char comm[SMT_COMM_LEN];
	uint64_t bytes_per_sec;
	uint64_t threshold;
};

/* Messages shown without -v before "... N more". */
#define TEXT_MSGS_SHOWN	4

void fmt_text_call(struct strbuf *sb, const struct fmt_opts *fo,
		   const struct smt_view *v);
void fmt_text_lost(struct strbuf *sb, const struct fmt_opts *fo,
		   uint64_t lost);
void fmt_text_alert(struct strbuf *sb, const struct fmt_opts *fo,
		    const struct rate_alert *a);
/* The comm as text: escaped, NUL-terminated field of SMT_COMM_LEN. */
void fmt_text_comm(struct strbuf *sb, const char *comm);

void fmt_json_call(struct strbuf *sb, const struct fmt_opts *fo,
		   const struct smt_view *v, uint64_t lost);
void fmt_json_lost(struct strbuf *sb, const struct fmt_opts *fo,
		   uint64_t ts_ns, uint64_t lost);
void fmt_json_alert(struct strbuf *sb, const struct fmt_opts *fo,
		    const struct rate_alert *a);

#endif
