// SPDX-License-Identifier: GPL-2.0
/* escape.c - safe rendering of untrusted bytes (see escape.h). */
#include "escape.h"

#include <string.h>

static const char hexdig[] = "0123456789abcdef";

static void put_hex_escape(struct strbuf *sb, unsigned char c)
{
	char e[4] = { '\\', 'x', hexdig[c >> 4], hexdig[c & 15] };

	sb_putn(sb, e, sizeof(e));
}

void esc_text(struct strbuf *sb, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\')
			sb_puts(sb, "\\\\");
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			sb_putc(sb, (char)p[i]);
		else
			put_hex_escape(sb, p[i]);
	}
}

/* The short escapes strace uses; 0 when the byte has none. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"':  return '"';
	case '\\': return '\\';
	case '\t': return 't';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\v': return 'v';
	case '\f': return 'f';
	default:   return 0;
	}
}

void esc_payload(struct strbuf *sb, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char s = short_escape(p[i]);

		if (s) {
			sb_putc(sb, '\\');
			sb_putc(sb, s);
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			sb_putc(sb, (char)p[i]);
		} else {
			put_hex_escape(sb, p[i]);
		}
	}
}

static int is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * RFC 3629 well-formed sequences only: no overlong forms, no surrogates,
 * nothing above U+10FFFF.  The second byte's range depends on the lead.
 */
size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (!is_cont(p[i]))
			return 0;
	return len;
}

static void put_json_u00(struct strbuf *sb, unsigned char c)
{
	char e[6] = { '\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15] };

	sb_putn(sb, e, sizeof(e));
}

void esc_json(struct strbuf *sb, const unsigned char *p, size_t n)
{
	size_t i = 0;

	sb_putc(sb, '"');
	while (i < n) {
		size_t len = utf8_seq_len(p + i, n - i);

		if (len == 0) {
			/* Not UTF-8: keep the byte's value, visibly. */
			put_json_u00(sb, p[i]);
			i++;
		} else if (len > 1) {
			sb_putn(sb, (const char *)p + i, len);
			i += len;
		} else {
			if (p[i] == '"' || p[i] == '\\') {
				sb_putc(sb, '\\');
				sb_putc(sb, (char)p[i]);
			} else if (p[i] < 0x20 || p[i] == 0x7f) {
				put_json_u00(sb, p[i]);
			} else {
				sb_putc(sb, (char)p[i]);
			}
			i++;
		}
	}
	sb_putc(sb, '"');
}

void esc_json_str(struct strbuf *sb, const char *s)
{
	esc_json(sb, (const unsigned char *)s, strlen(s));
}

void base64(struct strbuf *sb, const unsigned char *p, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16 |
				  (unsigned long)p[i + 1] << 8 | p[i + 2];
		char q[4] = { tbl[v >> 18], tbl[(v >> 12) & 63],
			      tbl[(v >> 6) & 63], tbl[v & 63] };

		sb_putn(sb, q, 4);
	}
	if (n - i == 1) {
		unsigned long v = (unsigned long)p[i] << 16;
		char q[4] = { tbl[v >> 18], tbl[(v >> 12) & 63], '=', '=' };

		sb_putn(sb, q, 4);
	} else if (n - i == 2) {
		unsigned long v = (unsigned long)p[i] << 16 |
				  (unsigned long)p[i + 1] << 8;
		char q[4] = { tbl[v >> 18], tbl[(v >> 12) & 63],
			      tbl[(v >> 6) & 63], '=' };

		sb_putn(sb, q, 4);
	}
}

size_t bounded_strlen(const char *s, size_t max)
{
	const char *z = memchr(s, '\0', max);

	return z ? (size_t)(z - s) : max;
}
