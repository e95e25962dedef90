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

/* ---- reliability helpers (t_load, t_fuzz, t_unload, t_leak, ...) ------ */

#include <sys/socket.h>
#include <time.h>

#define SMT_MODULE_NAME "sendmmsg_trace"
#define SMT_KO_DEFAULT "/lib/sendmmsg_trace.ko"

/* The module file: $SMT_KO or /lib/sendmmsg_trace.ko. */
static inline const char *smt_ko_path(void)
{
	const char *p = getenv("SMT_KO");

	return p && *p ? p : SMT_KO_DEFAULT;
}

/* insmod with a parameter string ("" for defaults); 0 or -1 with errno. */
static inline int smt_load_module(const char *params)
{
	int fd = open(smt_ko_path(), O_RDONLY | O_CLOEXEC);
	long r;
	int e;

	if (fd < 0)
		return -1;
	r = syscall(SYS_finit_module, fd, params ? params : "", 0);
	e = errno;
	close(fd);
	errno = e;
	return r ? -1 : 0;
}

/* delete_module(2) as rmmod does (O_NONBLOCK): 0 or -1 with errno. */
static inline int smt_unload_module(void)
{
	return syscall(SYS_delete_module, SMT_MODULE_NAME, O_NONBLOCK) ? -1 : 0;
}

static inline int smt_module_loaded(void)
{
	return access("/sys/module/" SMT_MODULE_NAME "/initstate", F_OK) == 0;
}

/* Open the device, waiting up to wait_ms for its node to appear. */
static inline int smt_open_dev(int flags, int wait_ms)
{
	int fd, i;

	for (i = 0;; i++) {
		fd = open(SMT_DEV_PATH, flags);
		if (fd >= 0 || errno != ENOENT || i * 10 >= wait_ms)
			return fd;
		usleep(10000);
	}
}

static inline double smt_now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* A number from the environment, or def. */
static inline double smt_env_num(const char *name, double def)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (!v || !*v)
		return def;
	d = strtod(v, &end);
	return end != v ? d : def;
}

/* The value of "Key:" in /proc/meminfo, in KiB; -1 if missing. */
static inline long long smt_meminfo_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Checks of smt_record_problem(). */
#define SMT_CHK_NO_KADDR 0x1	/* no u64 field looks like a kernel address */

static inline int smt_all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static inline int smt_is_kaddr(__u64 v)
{
	return v >= 0xffff800000000000ULL;
}

/*
 * The ABI rules one whole record (h->size bytes at h) must follow: NULL
 * when it does, else a description of the first rule broken, in why.
 * Header and sizes; every padding and reserved byte zero (smt_call.reserved,
 * comm after its NUL, smt_sock when SMT_ST_SOCK_VALID is clear, the unused
 * bytes of an AF_INET address, name[] after name_len, unused cmsg[]
 * entries, the result of a message not attempted, the pad up to hdr.size);
 * payload placement.  With SMT_CHK_NO_KADDR, no 8-byte-aligned u64 of the
 * record (but the signed ret/result, the raw name bytes and payloads, all
 * caller data) is >= 0xffff800000000000.
 */
static inline const char *smt_record_problem(const struct smt_rec_hdr *h,
					     unsigned int checks,
					     char *why, size_t whylen)
{
	const unsigned char *base = (const void *)h;
	const struct smt_call *c = (const void *)h;
	size_t end, msgs_end, o;
	unsigned char skip[8192 / 8];	/* 8-byte words not scanned */
	unsigned int i, k;

#define SMT_SKIP(word) do { if ((word) < 8192) skip[(word) / 8] |= 1u << ((word) % 8); } while (0)

#define SMT_BAD(...) do { snprintf(why, whylen, __VA_ARGS__); return why; } while (0)
	if (h->size < sizeof(*h) || h->size % 8)
		SMT_BAD("hdr.size %u", h->size);
	if (h->abi_version != SMT_ABI_VERSION)
		SMT_BAD("hdr.abi_version %u", h->abi_version);
	if (h->type == SMT_REC_LOST) {
		if (h->size != sizeof(*h))
			SMT_BAD("lost record of %u bytes", h->size);
		if (!h->lost)
			SMT_BAD("lost record with lost 0");
		return NULL;
	}
	if (h->type != SMT_REC_CALL)
		SMT_BAD("hdr.type %u", h->type);
	if (h->size < sizeof(*c) || c->call_size != sizeof(*c) ||
	    c->msg_size != sizeof(struct smt_msg))
		SMT_BAD("size %u call_size %u msg_size %u", h->size,
			c->call_size, c->msg_size);
	if (c->nr_msgs > SMT_MAX_MSGS)
		SMT_BAD("nr_msgs %u", c->nr_msgs);
	msgs_end = (size_t)c->call_size + (size_t)c->nr_msgs * c->msg_size;
	if (msgs_end > h->size)
		SMT_BAD("%u messages do not fit in %u bytes", c->nr_msgs, h->size);
	if (c->reserved)
		SMT_BAD("smt_call.reserved 0x%x", c->reserved);
	if (c->status & ~0x1ffU)
		SMT_BAD("unknown status bits 0x%x", c->status);
	if (c->hdr.ts_ns < c->ts_entry_ns ||
	    c->latency_ns != c->hdr.ts_ns - c->ts_entry_ns)
		SMT_BAD("timestamps entry %llu exit %llu latency %llu",
			(unsigned long long)c->ts_entry_ns,
			(unsigned long long)c->hdr.ts_ns,
			(unsigned long long)c->latency_ns);
	if (c->msgs_sent > c->msgs_attempted)
		SMT_BAD("sent %u > attempted %u", c->msgs_sent, c->msgs_attempted);
	for (i = 0; i < SMT_COMM_LEN && c->comm[i]; i++)
		;
	if (i == SMT_COMM_LEN)
		SMT_BAD("comm not terminated");
	if (!smt_all_zero(c->comm + i, SMT_COMM_LEN - i))
		SMT_BAD("comm: non-zero bytes after the NUL");
	if (!(c->status & SMT_ST_SOCK_VALID)) {
		if (!smt_all_zero(&c->sock, sizeof(c->sock)))
			SMT_BAD("smt_sock not zero without SMT_ST_SOCK_VALID");
	} else {
		const struct smt_inet_addr *a[2] = { &c->sock.local, &c->sock.peer };

		if (c->sock.flags & ~0x3U)
			SMT_BAD("unknown smt_sock.flags 0x%x", c->sock.flags);
		if (!(c->sock.flags & SMT_SOCK_INET_ADDRS)) {
			if (!smt_all_zero(a[0], sizeof(*a[0])) ||
			    !smt_all_zero(a[1], sizeof(*a[1])))
				SMT_BAD("inet addresses set without SMT_SOCK_INET_ADDRS");
		} else {
			for (k = 0; k < 2; k++) {
				if (a[k]->family != AF_INET && a[k]->family != AF_INET6)
					SMT_BAD("inet address family %u", a[k]->family);
				if (a[k]->family == AF_INET &&
				    (a[k]->scope_id || !smt_all_zero(a[k]->addr + 4, 12)))
					SMT_BAD("AF_INET address: unused bytes not zero");
			}
		}
	}
	memset(skip, 0, sizeof(skip));
	end = msgs_end;
	for (i = 0; i < c->nr_msgs; i++) {
		const struct smt_msg *m = smt_msg_at(c, i);
		size_t mo = (const unsigned char *)m - base;

		if (m->status & ~0x1ffU)
			SMT_BAD("msg %u: unknown status bits 0x%x", i, m->status);
		if (m->name_len > SMT_NAME_MAX || m->name_len > m->namelen)
			SMT_BAD("msg %u: name_len %u namelen %u", i, m->name_len,
				m->namelen);
		if (!smt_all_zero(m->name + m->name_len, SMT_NAME_MAX - m->name_len))
			SMT_BAD("msg %u: name[] not zero after name_len %u (namelen %u, status 0x%x)",
				i, m->name_len, m->namelen, m->status);
		if (m->ncmsg > SMT_MAX_CMSGS)
			SMT_BAD("msg %u: ncmsg %u", i, m->ncmsg);
		if (!smt_all_zero(&m->cmsg[m->ncmsg],
				  (SMT_MAX_CMSGS - m->ncmsg) * sizeof(m->cmsg[0])))
			SMT_BAD("msg %u: unused cmsg[] entries not zero", i);
		if (!(m->status & SMT_MSG_ATTEMPTED) && m->result)
			SMT_BAD("msg %u: result %lld without SMT_MSG_ATTEMPTED", i,
				(long long)m->result);
		if (m->status & SMT_MSG_HDR_FAULT) {
			struct smt_msg z;

			/* only its fate (the kernel failed on it too) */
			memset(&z, 0, sizeof(z));
			z.status = m->status;
			z.result = m->result;
			if (memcmp(&z, m, sizeof(z)))
				SMT_BAD("msg %u: fields set although its header was unreadable", i);
		}
		if (m->payload_len > SMT_MAX_CAPTURE)
			SMT_BAD("msg %u: payload_len %u", i, m->payload_len);
		if (!m->payload_len) {
			if (m->payload_off)
				SMT_BAD("msg %u: payload_off %u with no payload", i,
					m->payload_off);
		} else {
			if (m->payload_off != end ||
			    (size_t)m->payload_off + m->payload_len > h->size)
				SMT_BAD("msg %u: payload at %u+%u, expected at %zu (size %u)",
					i, m->payload_off, m->payload_len, end, h->size);
			end += m->payload_len;
			for (o = m->payload_off / 8;
			     o <= (m->payload_off + m->payload_len - 1) / 8; o++)
				SMT_SKIP(o);
		}
		/* name bytes and the signed result are caller data / -errno */
		for (o = (mo + offsetof(struct smt_msg, name)) / 8;
		     o < (mo + offsetof(struct smt_msg, name) + SMT_NAME_MAX) / 8; o++)
			SMT_SKIP(o);
		SMT_SKIP((mo + offsetof(struct smt_msg, result)) / 8);
		if (m->status & SMT_MSG_ATTEMPTED && m->result < -4095)
			SMT_BAD("msg %u: result %lld", i, (long long)m->result);
	}
	if ((end + 7) / 8 * 8 != h->size)
		SMT_BAD("size %u, content ends at %zu", h->size, end);
	if (!smt_all_zero(base + end, h->size - end))
		SMT_BAD("pad after byte %zu not zero", end);
	if (c->ret < -4095)
		SMT_BAD("ret %lld", (long long)c->ret);
	if (checks & SMT_CHK_NO_KADDR) {
		if (h->size > sizeof(skip) * 64)
			SMT_BAD("record too large to scan (%u)", h->size);
		SMT_SKIP(offsetof(struct smt_call, ret) / 8);
		for (o = 0; o < h->size / 8; o++) {
			__u64 v;

			if (skip[o / 8] & (1u << (o % 8)))
				continue;
			memcpy(&v, base + o * 8, 8);
			if (smt_is_kaddr(v))
				SMT_BAD("u64 at offset %zu looks like a kernel address: 0x%llx",
					o * 8, (unsigned long long)v);
		}
	}
	return NULL;
#undef SMT_BAD
#undef SMT_SKIP
}

#endif /* SMT_TEST_H */
