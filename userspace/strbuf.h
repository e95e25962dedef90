/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strbuf.h - growable byte buffer used to build one output line at a time.
 *
 * Every event is formatted completely into a strbuf and then written with
 * a single fwrite(), so a signal or an error never leaves half a line.
 */
#ifndef SMT_STRBUF_H
#define SMT_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;	/* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_putc(struct strbuf *sb, char c);
void sb_putn(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Pad with spaces up to column width counted from byte 'from'. */
void sb_pad(struct strbuf *sb, size_t from, size_t width);

#endif
