/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smt_test.h - reading sendmmsg_trace records in guest tests.
 *
 * A test opens the device once (it is exclusive), switches it to binary
 * records, makes calls, and after each call takes the next record of its
 * own thread: the module writes the record before sendmmsg returns, so it
 * is already there.
 */
#ifndef SMT_TEST_H
#define SMT_TEST_H

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sendmmsg_trace.h"

#define SMT_DEV_PATH "/dev/" SMT_DEVICE_NAME
#define SMT_STREAM_CAP (4u << 20)

_Static_assert(sizeof(struct smt_rec_hdr) == 24, "ABI: smt_rec_hdr");
_Static_assert(sizeof(struct smt_call) == 200, "ABI: smt_call");
_Static_assert(sizeof(struct smt_msg) == 240, "ABI: smt_msg");

struct smt_stream {
	int fd;
	unsigned char *buf;
	size_t len;		/* bytes in buf */
	size_t off;		/* start of the next record */
	unsigned long long lost;	/* lost counts seen so far */
	unsigned long long records;	/* call records seen (any thread) */
};

static inline pid_t smt_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline int smt_stream_open(struct smt_stream *s, int flags)
{
	__u32 fmt = SMT_FMT_BINARY;

	memset(s, 0, sizeof(*s));
	s->fd = open(SMT_DEV_PATH, O_RDONLY | flags);
	if (s->fd < 0)
		return -1;
	if (ioctl(s->fd, SMT_IOC_SET_FORMAT, &fmt) < 0)
		return -1;
	s->buf = malloc(SMT_STREAM_CAP);
	return s->buf ? 0 : -1;
}

static inline void smt_stream_close(struct smt_stream *s)
{
	close(s->fd);
	free(s->buf);
	s->buf = NULL;
}

/* Read more bytes, waiting at most timeout_ms; 0 on timeout. */
static inline ssize_t smt_stream_fill(struct smt_stream *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	ssize_t n;

	if (s->off) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(s->fd, s->buf + s->len, SMT_STREAM_CAP - s->len);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	s->len += (size_t)n;
	return n;
}

/* The next whole record in the stream, or NULL after timeout_ms. */
static inline const struct smt_rec_hdr *smt_next_record(struct smt_stream *s,
							 int timeout_ms)
{
	for (;;) {
		const struct smt_rec_hdr *h =
			(const void *)(s->buf + s->off);
		size_t avail = s->len - s->off;

		if (avail >= sizeof(*h) && h->size >= sizeof(*h) &&
		    avail >= h->size) {
			s->off += h->size;
			s->lost += h->lost;
			if (h->type == SMT_REC_CALL)
				s->records++;
			return h;
		}
		if (avail >= sizeof(*h) && h->size < sizeof(*h)) {
			fprintf(stderr, "# corrupt record size %u\n", h->size);
			return NULL;
		}
		if (smt_stream_fill(s, timeout_ms) <= 0)
			return NULL;
	}
}

/* The next call record of thread tid (others are skipped). */
static inline const struct smt_call *smt_next_call(struct smt_stream *s,
						    pid_t tid, int timeout_ms)
{
	const struct smt_rec_hdr *h;

	while ((h = smt_next_record(s, timeout_ms))) {
		const struct smt_call *c = (const void *)h;

		if (h->type == SMT_REC_CALL && (pid_t)c->tid == tid)
			return c;
	}
	return NULL;
}

static inline const struct smt_msg *smt_msg_at(const struct smt_call *c,
					       unsigned int i)
{
	return (const void *)((const unsigned char *)c + c->call_size +
			      (size_t)i * c->msg_size);
}

/* Run a shell command; its exit status. */
static inline int smt_sh(const char *cmd)
{
	int st = system(cmd);

	return st == -1 ? -1 : (st >> 8) & 0xff;
}

#endif /* SMT_TEST_H */
