// SPDX-License-Identifier: GPL-2.0
/* stream.c - record framing over read() (see stream.h). */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sendmmsg_trace.h"

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		fputs("sendmmsg-trace: out of memory\n", stderr);
		exit(1);
	}
	return q;
}

void stream_init(struct stream *s)
{
	s->cap = STREAM_INITIAL_CAP;
	s->buf = xrealloc(NULL, s->cap);
	s->start = 0;
	s->len = 0;
	s->offset = 0;
}

void stream_free(struct stream *s)
{
	free(s->buf);
	s->buf = NULL;
}

/*
 * Move the unconsumed bytes to the front (keeps records 8-byte aligned,
 * since sizes are multiples of 8) and grow if one record needs more.
 */
static void make_room(struct stream *s, size_t need)
{
	if (s->start) {
		memmove(s->buf, s->buf + s->start, s->len);
		s->start = 0;
	}
	if (need > s->cap) {
		s->buf = xrealloc(s->buf, need);
		s->cap = need;
	}
}

ssize_t stream_fill(struct stream *s, int fd)
{
	ssize_t n;

	if (s->start + s->len == s->cap)
		make_room(s, s->cap);
	n = read(fd, s->buf + s->start + s->len, s->cap - s->start - s->len);
	if (n > 0)
		s->len += (size_t)n;
	return n;
}

enum stream_next stream_next(struct stream *s, const unsigned char **rec,
			     size_t *size, const char **why)
{
	struct smt_rec_hdr hdr;

	if (s->len < sizeof(hdr))
		return STREAM_NEED_MORE;
	memcpy(&hdr, s->buf + s->start, sizeof(hdr));
	if (hdr.size < sizeof(hdr)) {
		*why = "record size smaller than its header";
		return STREAM_CORRUPT;
	}
	if (hdr.size % 8) {
		*why = "record size not a multiple of 8";
		return STREAM_CORRUPT;
	}
	if (hdr.size > STREAM_MAX_RECORD) {
		*why = "record size impossibly large";
		return STREAM_CORRUPT;
	}
	if (s->len < hdr.size) {
		if (hdr.size > s->cap - s->start)
			make_room(s, hdr.size);
		return STREAM_NEED_MORE;
	}
	*rec = s->buf + s->start;
	*size = hdr.size;
	s->start += hdr.size;
	s->len -= hdr.size;
	s->offset += hdr.size;
	if (s->len == 0)
		s->start = 0;
	return STREAM_RECORD;
}

size_t stream_pending(const struct stream *s)
{
	return s->len;
}
