// SPDX-License-Identifier: GPL-2.0
/*
 * unit_tests.c - checks of the reader's small functions, linked with its
 * objects (all but main.o).  Prints one "ok - name" or "not ok - name"
 * line per check; run.sh numbers them into TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "input.h"
#include "names.h"
#include "options.h"
#include "rate.h"
#include "record.h"
#include "stats.h"
#include "strbuf.h"
#include "timefmt.h"

static int failures;

static void report(int ok, const char *name, const char *got,
		   const char *want)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	if (!ok) {
		printf("#   got:  %s\n#   want: %s\n", got, want);
		failures++;
	}
}

static void same(const char *name, const char *got, const char *want)
{
	report(strcmp(got, want) == 0, name, got, want);
}

static void same_u64(const char *name, unsigned long long got,
		     unsigned long long want)
{
	char g[32], w[32];

	snprintf(g, sizeof(g), "%llu", got);
	snprintf(w, sizeof(w), "%llu", want);
	report(got == want, name, g, w);
}

static void test_json_bytes(void)
{
	struct strbuf sb;
	int ok = 1;
	char want[16];

	/* Every single byte on its own: the exact escape JSON needs. */
	sb_init(&sb);
	for (int b = 0; b < 256; b++) {
		unsigned char c = (unsigned char)b;

		sb_reset(&sb);
		esc_json(&sb, &c, 1);
		if (b == '"')
			strcpy(want, "\"\\\"\"");
		else if (b == '\\')
			strcpy(want, "\"\\\\\"");
		else if (b < 0x20 || b >= 0x7f)
			snprintf(want, sizeof(want), "\"\\u%04x\"", b);
		else
			snprintf(want, sizeof(want), "\"%c\"", b);
		if (strcmp(sb.buf, want) != 0) {
			report(0, "esc_json: every single byte", sb.buf, want);
			ok = 0;
			break;
		}
	}
	if (ok)
		report(1, "esc_json: every single byte", "", "");
	sb_reset(&sb);
	esc_json(&sb, (const unsigned char *)"\xf0\x9f\x98\x80\xc3\xa9\xe2\x82", 8);
	same("esc_json: valid UTF-8 kept, cut sequence escaped", sb.buf,
	     "\"\xf0\x9f\x98\x80\xc3\xa9\\u00e2\\u0082\"");
	sb_free(&sb);
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		size_t n, want;
	} t[] = {
		{ "a", 1, 1 }, { "\xc3\xa9", 2, 2 }, { "\xc0\xaf", 2, 0 },
		{ "\xe0\x80\x80", 3, 0 }, { "\xe0\xa0\x80", 3, 3 },
		{ "\xed\xa0\x80", 3, 0 }, { "\xed\x9f\xbf", 3, 3 },
		{ "\xf0\x9f\x98\x80", 4, 4 }, { "\xf4\x90\x80\x80", 4, 0 },
		{ "\xf5\x80\x80\x80", 4, 0 }, { "\xe2\x82", 2, 0 },
		{ "\x80", 1, 0 },
	};
	int ok = 1;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t got = utf8_seq_len((const unsigned char *)t[i].s,
					  t[i].n);

		if (got != t[i].want) {
			printf("# case %zu: got %zu want %zu\n", i, got,
			       t[i].want);
			ok = 0;
		}
	}
	report(ok, "utf8_seq_len: overlong, surrogate, range, cut", "", "");
}

static void test_base64(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob",
					   "fooba", "foobar" };
	static const char *const want[] = { "", "Zg==", "Zm8=", "Zm9v",
					     "Zm9vYg==", "Zm9vYmE=",
					     "Zm9vYmFy" };
	struct strbuf sb;

	sb_init(&sb);
	for (int i = 0; i < 7; i++) {
		char name[64];

		sb_reset(&sb);
		base64(&sb, (const unsigned char *)in[i], strlen(in[i]));
		snprintf(name, sizeof(name), "base64: RFC 4648 \"%s\"", in[i]);
		same(name, sb.buf, want[i]);
	}
	sb_free(&sb);
}

static void test_rate_parse(void)
{
	static const struct {
		const char *s;
		unsigned long long want;
	} good[] = {
		{ "1500", 1500 }, { "512k", 512000 }, { "512K", 512000 },
		{ "10M", 10000000 }, { "1.5k", 1500 }, { "1Ki", 1024 },
		{ "1Mi", 1048576 }, { "2G", 2000000000 }, { "1gi", 1073741824 },
	};
	static const char *const bad[] = { "", "k", "10X", "-5", "0", "1e30",
					   " 5", "5 " };
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "parse_rate \"%s\"", good[i].s);
		v = 0;
		if (parse_rate(good[i].s, &v) != 0)
			v = ~0ULL;
		same_u64(name, v, good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "parse_rate rejects \"%s\"", bad[i]);
		report(parse_rate(bad[i], &v) != 0, name, "accepted", "error");
	}
	v = 0;
	parse_seconds("0.5", &v);
	same_u64("parse_seconds 0.5", v, 500000000ULL);
	report(parse_seconds("0", &v) != 0 && parse_seconds("1s", &v) != 0,
	       "parse_seconds rejects 0 and 1s", "accepted", "error");
}

static void test_hints(void)
{
	same("ENOENT hint", open_error_hint(ENOENT),
	     "is the module loaded? insmod sendmmsg_trace.ko");
	same("EACCES hint", open_error_hint(EACCES), "needs root");
	same("EBUSY hint", open_error_hint(EBUSY),
	     "another reader has the device open");
	report(open_error_hint(EIO) == NULL, "no hint for EIO", "a hint",
	       "none");
}

static void test_names(void)
{
	struct strbuf sb;

	same("errno_name EBADF", errno_name(EBADF), "EBADF");
	same("errno_name 512", errno_name(512), "ERESTARTSYS");
	report(errno_name(200) == NULL, "errno_name 200 unknown", "a name",
	       "NULL");
	sb_init(&sb);
	msg_flags_put(&sb, 0);
	same("flags 0", sb.buf, "0");
	sb_reset(&sb);
	msg_flags_put(&sb, 0x80000000u | 0x100000 | 0x2000);
	same("flags compat+errqueue+unknown", sb.buf,
	     "MSG_ERRQUEUE|MSG_CMSG_COMPAT|0x100000");
	sb_reset(&sb);
	put_latency(&sb, 999);
	sb_puts(&sb, " ");
	put_latency(&sb, 12399);
	sb_puts(&sb, " ");
	put_latency(&sb, 4567890);
	sb_puts(&sb, " ");
	put_latency(&sb, 1234567890);
	same("put_latency units", sb.buf, "999ns 12.3us 4.56ms 1.234s");
	sb_free(&sb);
}

static void test_rate_window(void)
{
	struct rate_win w;
	struct rate_counts c = { .bytes = 100 };

	memset(&w, 0, sizeof(w));
	rate_add(&w, 0, &c);
	rate_add(&w, 500000000ULL, &c);
	same_u64("window: both in the first second",
		 rate_at(&w, 990000000ULL).bytes, 200);
	same_u64("window: first slot out at 1.0 s",
		 rate_at(&w, 1000000000ULL).bytes, 100);
	same_u64("window: empty at 1.5 s", rate_at(&w, 1500000000ULL).bytes,
		 0);
	rate_add(&w, 100000000ULL, &c);	/* too old now: ignored */
	same_u64("window: a late record is ignored",
		 rate_at(&w, 1500000000ULL).bytes, 0);
}

static void test_percentile(void)
{
	struct pstats p;
	struct smt_call c;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	for (int i = 100; i >= 1; i--) {
		c.latency_ns = (uint64_t)i;
		pstats_add(&p, &c);
	}
	same_u64("p50 of 1..100", pstats_percentile(&p, 50), 50);
	same_u64("p99 of 1..100", pstats_percentile(&p, 99), 99);
	same_u64("p100 of 1..100", pstats_percentile(&p, 100), 100);
	for (int i = 0; i < 3 * LAT_SAMPLES; i++)
		pstats_add(&p, &c);	/* reservoir: memory stays bounded */
	same_u64("reservoir keeps LAT_SAMPLES", p.nlat, LAT_SAMPLES);
	pstats_free(&p);
}

static void test_short_call(void)
{
	unsigned char rec[24];
	struct smt_rec_hdr h = { 24, SMT_REC_CALL, SMT_ABI_VERSION, 1, 0 };
	struct smt_view v;
	const char *why;

	memcpy(rec, &h, sizeof(h));
	report(rec_decode(rec, sizeof(rec), &v, &why) == REC_BAD,
	       "a call record of header size only is malformed", "accepted",
	       "REC_BAD");
}

int main(void)
{
	timefmt_init();
	test_json_bytes();
	test_utf8();
	test_base64();
	test_rate_parse();
	test_hints();
	test_names();
	test_rate_window();
	test_percentile();
	test_short_call();
	return failures ? 1 : 0;
}
