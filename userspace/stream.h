/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stream.h - cutting the byte stream from read() into whole records.
 *
 * A read() may end in the middle of a record (a file, a pipe, or a small
 * buffer), so bytes are kept until the whole record is there.  Framing
 * is the one thing that cannot be skipped over: a header whose size is
 * impossible means the stream is lost, and the caller has to stop.
 */
#ifndef SMT_STREAM_H
#define SMT_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Large enough for the biggest record the module can produce
 * (1024 messages and their payloads) and then some. */
#define STREAM_INITIAL_CAP	(4u << 20)
/* No valid record is anywhere near this: a bigger size is corruption. */
#define STREAM_MAX_RECORD	(64u << 20)

struct stream {
	unsigned char *buf;
	size_t cap;
	size_t start;		/* first unconsumed byte */
	size_t len;		/* bytes from start that are valid */
	uint64_t offset;	/* input offset of buf[start], for messages */
};

enum stream_next {
	STREAM_RECORD,		/* rec and size give a whole record */
	STREAM_NEED_MORE,	/* read more input first */
	STREAM_CORRUPT,		/* impossible header: *why says what */
};

void stream_init(struct stream *s);
void stream_free(struct stream *s);

/* read() once into the free space; returns what read() returned. */
ssize_t stream_fill(struct stream *s, int fd);

enum stream_next stream_next(struct stream *s, const unsigned char **rec,
			     size_t *size, const char **why);

/* Bytes of an incomplete record left over (non-zero at EOF = cut file). */
size_t stream_pending(const struct stream *s);

#endif
