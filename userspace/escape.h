/* SPDX-License-Identifier: GPL-2.0 */
/*
 * escape.h - turning untrusted bytes (comm, unix paths, payloads) into
 * text that is safe to print: C-style escapes for the text output, JSON
 * string escapes and base64 for the JSON output.
 */
#ifndef SMT_ESCAPE_H
#define SMT_ESCAPE_H

#include <stddef.h>

#include "strbuf.h"

/* Printable ASCII as is, '\\' doubled, everything else as \xNN. */
void esc_text(struct strbuf *sb, const unsigned char *p, size_t n);

/* strace-style string body: \" \\ \t \n \r \v \f, others \xNN. */
void esc_payload(struct strbuf *sb, const unsigned char *p, size_t n);

/*
 * A quoted JSON string.  Valid UTF-8 passes through; control characters
 * and every byte that is not part of a valid UTF-8 sequence become
 * \u00XX, so the result is always valid JSON and valid UTF-8.
 */
void esc_json(struct strbuf *sb, const unsigned char *p, size_t n);
void esc_json_str(struct strbuf *sb, const char *s);

/* Length of the valid UTF-8 sequence starting at p, or 0 if invalid. */
size_t utf8_seq_len(const unsigned char *p, size_t n);

/* Standard base64 (RFC 4648) with '=' padding, unquoted. */
void base64(struct strbuf *sb, const unsigned char *p, size_t n);

/* Bytes up to the first NUL, at most max. */
size_t bounded_strlen(const char *s, size_t max);

#endif
