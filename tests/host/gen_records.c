// SPDX-License-Identifier: GPL-2.0
/*
 * gen_records.c - write crafted binary record files for the host tests.
 *
 * Usage: gen_records DIR
 * Writes DIR/<scenario>.bin for every scenario below.  Records are laid
 * out exactly as the ABI in sendmmsg_trace.h describes (header, struct
 * smt_call, nr_msgs entries of msg_size bytes, then the payloads), and
 * some are deliberately wrong.  All times are CLOCK_MONOTONIC ns; the
 * tests add --realtime-offset 1700000000000000000 (2023-11-14 22:13:20
 * UTC), so ts 1.0 s prints as 22:13:21.000000.
 *
 * Build from the repository root: cc -I. -o gen tests/host/gen_records.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sendmmsg_trace.h"

#define SEC 1000000000ULL
#define MS  1000000ULL
#define MAX_MSGS 32
#define BUF_SIZE (1 << 20)

static FILE *out;
static unsigned char buf[BUF_SIZE];

/* One message and the payload bytes that go with it. */
struct msg {
	struct smt_msg m;
	const void *payload;
	uint32_t plen;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void open_out(const char *dir, const char *name)
{
	char path[4096];

	if (out && fclose(out))
		die("fclose");
	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	out = fopen(path, "wb");
	if (!out)
		die(path);
}

static void put(const void *p, size_t n)
{
	if (fwrite(p, 1, n, out) != n)
		die("fwrite");
}

/* A plain successful call on a connected UDP socket; callers adjust. */
static struct smt_call base_call(uint64_t ts, uint32_t tgid, uint32_t tid,
				 const char *comm)
{
	struct smt_call c;

	memset(&c, 0, sizeof(c));
	c.hdr.type = SMT_REC_CALL;
	c.hdr.abi_version = SMT_ABI_VERSION;
	c.hdr.ts_ns = ts;
	c.latency_ns = 12300;
	c.ts_entry_ns = ts - c.latency_ns;
	c.cgroup_id = 4242;
	c.msgvec = 0x7ffc1000;
	c.fd = 3;
	c.cpu = 1;
	c.tgid = tgid;
	c.tid = tid;
	c.uid = 1000;
	c.gid = 1000;
	c.status = SMT_ST_SOCK_VALID;
	/* strncpy is right here: a full 16-byte comm has no NUL. */
	strncpy(c.comm, comm, sizeof(c.comm));
	c.sock.family = AF_INET;
	c.sock.type = SOCK_DGRAM;
	c.sock.protocol = IPPROTO_UDP;
	c.sock.flags = SMT_SOCK_INET_ADDRS | SMT_SOCK_CONNECTED;
	c.sock.local.family = AF_INET;
	c.sock.local.port = 40000;
	inet_pton(AF_INET, "127.0.0.1", c.sock.local.addr);
	c.sock.peer.family = AF_INET;
	c.sock.peer.port = 53;
	inet_pton(AF_INET, "127.0.0.1", c.sock.peer.addr);
	return c;
}

static void set_ep(struct smt_inet_addr *a, int family, const char *ip,
		   unsigned port, uint32_t scope)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint16_t)family;
	a->port = (uint16_t)port;
	a->scope_id = scope;
	if (inet_pton(family, ip, a->addr) != 1)
		die(ip);
}

static void set_sock(struct smt_call *c, unsigned family, unsigned type,
		     unsigned proto, unsigned flags)
{
	memset(&c->sock, 0, sizeof(c->sock));
	c->sock.family = (uint16_t)family;
	c->sock.type = (uint16_t)type;
	c->sock.protocol = (uint16_t)proto;
	c->sock.flags = (uint16_t)flags;
}

/* A message that was sent whole: one iovec of 'bytes'. */
static struct msg sent_msg(uint64_t bytes)
{
	struct msg x;

	memset(&x, 0, sizeof(x));
	x.m.iov_ptr = 0x7ffc2000;
	x.m.iovlen = 1;
	x.m.bytes = bytes;
	x.m.result = (int64_t)bytes;
	x.m.status = SMT_MSG_ATTEMPTED;
	return x;
}

static void name_raw(struct msg *x, const void *p, uint16_t len)
{
	x->m.name_ptr = 0x7ffc3000;
	x->m.namelen = len;
	x->m.name_len = len;
	memcpy(x->m.name, p, len);
}

static void name_in4(struct msg *x, const char *ip, unsigned port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	name_raw(x, &sa, sizeof(sa));
}

static void name_in6(struct msg *x, const char *ip, unsigned port,
		     uint32_t scope, uint16_t len)
{
	struct sockaddr_in6 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons((uint16_t)port);
	sa.sin6_scope_id = scope;
	if (inet_pton(AF_INET6, ip, &sa.sin6_addr) != 1)
		die(ip);
	name_raw(x, &sa, len);
}

/* family (host order, as in struct sockaddr) followed by raw bytes */
static void name_fam(struct msg *x, uint16_t family, const void *rest,
		     uint16_t n)
{
	unsigned char tmp[SMT_NAME_MAX];

	memcpy(tmp, &family, 2);
	memcpy(tmp + 2, rest, n);
	name_raw(x, tmp, (uint16_t)(2 + n));
}

static void payload(struct msg *x, const void *p, uint32_t n)
{
	x->payload = p;
	x->plen = n;
}

/*
 * Lay out and write one call record.  extra_call/extra_msg make the
 * structures longer, as a newer writer's would be (filled with 0xaa to
 * show the reader ignores them).
 */
static void emit_ext(struct smt_call *c, struct msg *msgs, uint32_t n,
		     unsigned extra_call, unsigned extra_msg)
{
	size_t call_size = sizeof(*c) + extra_call;
	size_t msg_size = sizeof(struct smt_msg) + extra_msg;
	size_t off = call_size + n * msg_size;

	memset(buf, 0, sizeof(buf));
	for (uint32_t i = 0; i < n; i++) {
		struct smt_msg *m = &msgs[i].m;

		if (msgs[i].plen) {
			m->payload_off = (uint32_t)off;
			m->payload_len = msgs[i].plen;
			memcpy(buf + off, msgs[i].payload, msgs[i].plen);
			off += msgs[i].plen;
		}
		memcpy(buf + call_size + i * msg_size, m, sizeof(*m));
		memset(buf + call_size + i * msg_size + sizeof(*m), 0xaa,
		       extra_msg);
	}
	c->nr_msgs = n;
	c->call_size = (uint16_t)call_size;
	c->msg_size = (uint16_t)msg_size;
	c->hdr.size = (uint32_t)((off + 7) & ~(size_t)7);
	memcpy(buf, c, sizeof(*c));
	memset(buf + sizeof(*c), 0xaa, extra_call);
	put(buf, c->hdr.size);
}

static void emit(struct smt_call *c, struct msg *msgs, uint32_t n)
{
	emit_ext(c, msgs, n, 0, 0);
}

/* Totals of the call from its messages (ret, attempted, sent, bytes). */
static void tally(struct smt_call *c, const struct msg *msgs, uint32_t n)
{
	c->msgs_attempted = 0;
	c->msgs_sent = 0;
	c->bytes_sent = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!(msgs[i].m.status & SMT_MSG_ATTEMPTED))
			continue;
		c->msgs_attempted++;
		if (msgs[i].m.result >= 0) {
			c->msgs_sent++;
			c->bytes_sent += (uint64_t)msgs[i].m.result;
		}
	}
	c->ret = c->msgs_sent ? c->msgs_sent
		 : (c->msgs_attempted ? msgs[0].m.result : 0);
	if (!c->vlen)
		c->vlen = n;
}

/* A header-only record (SMT_REC_LOST, or an unknown type/version). */
static void emit_hdr(uint16_t type, uint16_t abi, uint64_t ts, uint64_t lost,
		     uint32_t size)
{
	struct smt_rec_hdr h;

	memset(buf, 0, size);
	h.size = size;
	h.type = type;
	h.abi_version = abi;
	h.ts_ns = ts;
	h.lost = lost;
	memcpy(buf, &h, sizeof(h));
	put(buf, size);
}

/* A simple successful call: n messages of 'bytes', no names. */
static void simple(uint64_t ts, uint32_t tgid, uint32_t tid,
		   const char *comm, uint32_t n, uint64_t bytes)
{
	struct smt_call c = base_call(ts, tgid, tid, comm);
	struct msg m[MAX_MSGS];

	for (uint32_t i = 0; i < n; i++)
		m[i] = sent_msg(bytes);
	tally(&c, m, n);
	emit(&c, m, n);
}

static void gen_families(void)
{
	struct smt_call c;
	struct msg m[4];
	static const unsigned char path[] = "/run/log.sock";
	static const unsigned char abstract[] = "\0my\001sock\"\\\377";
	static const unsigned char pkt[] = { 0x08, 0x00, 0x01, 0x02 };
	static const unsigned char short_in[] = { 0x00, 0x35, 0xc0, 0x00 };

	/* UDP, connected, a name and no name */
	c = base_call(1 * SEC, 812, 815, "dnsperf");
	c.flags = 0x40 | 0x4000;	/* MSG_DONTWAIT|MSG_NOSIGNAL */
	m[0] = sent_msg(48);
	name_in4(&m[0], "127.0.0.1", 53);
	m[1] = sent_msg(32);
	tally(&c, m, 2);
	emit(&c, m, 2);

	/* TCP, connected */
	c = base_call(1 * SEC + 100 * MS, 812, 815, "dnsperf");
	c.fd = 4;
	set_sock(&c, AF_INET, SOCK_STREAM, IPPROTO_TCP,
		 SMT_SOCK_INET_ADDRS | SMT_SOCK_CONNECTED);
	set_ep(&c.sock.local, AF_INET, "192.0.2.1", 5000, 0);
	set_ep(&c.sock.peer, AF_INET, "198.51.100.2", 80, 0);
	m[0] = sent_msg(100);
	tally(&c, m, 1);
	emit(&c, m, 1);

	/* UDPv6, not connected: local only; names with and without scope */
	c = base_call(1 * SEC + 200 * MS, 812, 815, "dnsperf");
	c.fd = 5;
	set_sock(&c, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, SMT_SOCK_INET_ADDRS);
	set_ep(&c.sock.local, AF_INET6, "::", 5353, 0);
	m[0] = sent_msg(40);
	name_in6(&m[0], "ff02::fb", 5353, 0, 28);
	m[1] = sent_msg(40);
	name_in6(&m[1], "fe80::1", 53, 2, 28);
	tally(&c, m, 2);
	emit(&c, m, 2);

	/* TCPv6, connected */
	c = base_call(1 * SEC + 300 * MS, 812, 815, "dnsperf");
	c.fd = 6;
	set_sock(&c, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
		 SMT_SOCK_INET_ADDRS | SMT_SOCK_CONNECTED);
	set_ep(&c.sock.local, AF_INET6, "2001:db8::1", 443, 0);
	set_ep(&c.sock.peer, AF_INET6, "2001:db8::2", 50000, 0);
	m[0] = sent_msg(10);
	tally(&c, m, 1);
	emit(&c, m, 1);

	/* UNIX-DGRAM: path, abstract with odd bytes, unnamed, AF_PACKET */
	c = base_call(1 * SEC + 400 * MS, 900, 900, "logger");
	c.fd = 7;
	set_sock(&c, AF_UNIX, SOCK_DGRAM, 0, 0);
	m[0] = sent_msg(20);
	name_fam(&m[0], AF_UNIX, path, sizeof(path));	/* with its NUL */
	m[1] = sent_msg(20);
	name_fam(&m[1], AF_UNIX, abstract, sizeof(abstract) - 1);
	m[2] = sent_msg(20);
	name_fam(&m[2], AF_UNIX, "", 0);
	m[3] = sent_msg(20);
	name_fam(&m[3], 17, pkt, sizeof(pkt));
	tally(&c, m, 4);
	emit(&c, m, 4);

	/* UNIX-STREAM, UNIX-SEQPACKET, an unknown socket */
	c = base_call(1 * SEC + 500 * MS, 900, 900, "logger");
	c.fd = 8;
	set_sock(&c, AF_UNIX, SOCK_STREAM, 0, 0);
	m[0] = sent_msg(5);
	tally(&c, m, 1);
	emit(&c, m, 1);
	c = base_call(1 * SEC + 600 * MS, 900, 900, "logger");
	c.fd = 9;
	set_sock(&c, AF_UNIX, SOCK_SEQPACKET, 0, 0);
	tally(&c, m, 1);
	emit(&c, m, 1);
	c = base_call(1 * SEC + 700 * MS, 901, 901, "pktgen");
	c.fd = 10;
	set_sock(&c, 17, SOCK_RAW, 768, 0);
	tally(&c, m, 1);
	emit(&c, m, 1);

	/* No socket info; a short inet name, a scope-less in6 name, 1 byte */
	c = base_call(1 * SEC + 800 * MS, 901, 901, "pktgen");
	c.fd = 11;
	c.status = 0;
	memset(&c.sock, 0, sizeof(c.sock));
	m[0] = sent_msg(1);
	name_fam(&m[0], AF_INET, short_in, sizeof(short_in));
	m[1] = sent_msg(1);
	name_in6(&m[1], "::1", 53, 0, 24);
	m[2] = sent_msg(1);
	name_raw(&m[2], "\002", 1);
	tally(&c, m, 3);
	emit(&c, m, 3);
}

static void gen_ipv6(void)
{
	static const char *const ips[] = {
		"::1", "::ffff:192.0.2.1", "2001:db8:1:2:3:4:5:6", "fe80::1",
		"2001:db8:0:0:1:0:0:1", "2001:db8:0:1:1:1:1:1",
	};
	struct smt_call c = base_call(1 * SEC, 53, 53, "resolver");
	struct msg m[6];

	set_sock(&c, AF_INET6, SOCK_DGRAM, IPPROTO_UDP,
		 SMT_SOCK_INET_ADDRS | SMT_SOCK_CONNECTED);
	set_ep(&c.sock.local, AF_INET6, "fe80::2", 1000, 5);
	set_ep(&c.sock.peer, AF_INET6, "2001:db8:1:2:3:4:5:6", 53, 0);
	for (int i = 0; i < 6; i++) {
		m[i] = sent_msg(30);
		name_in6(&m[i], ips[i], 53, i == 3 ? 3 : 0, 28);
	}
	tally(&c, m, 6);
	emit(&c, m, 6);
}

static void gen_comm(void)
{
	static const char *const comms[] = {
		"a\"b'c", "back\\slash", "tab\there\n\033", "\377\376bad\303",
		"caf\303\251", "abcdefghijklmnop", "x\300\257y\355\240\200z",
	};

	for (uint32_t i = 0; i < 7; i++)
		simple(1 * SEC + i * 100 * MS, 100 + i, 100 + i, comms[i], 1,
		       8);
}

static void gen_vectors(void)
{
	struct smt_call c;
	struct msg m[16];

	/* A failed message in the middle, the rest not attempted */
	c = base_call(1 * SEC, 812, 815, "dnsperf");
	for (int i = 0; i < 4; i++)
		m[i] = sent_msg(48);
	m[1].m.result = -EFAULT;
	m[2].m.status = 0;
	m[2].m.result = 0;
	m[3].m.status = 0;
	m[3].m.result = 0;
	tally(&c, m, 4);
	emit(&c, m, 4);

	/* 1024 messages, 16 captured */
	c = base_call(1 * SEC + 100 * MS, 812, 815, "dnsperf");
	c.vlen = 1024;
	c.status |= SMT_ST_TRUNCATED;
	for (int i = 0; i < 16; i++)
		m[i] = sent_msg(10);
	tally(&c, m, 16);
	c.ret = 1024;
	c.msgs_attempted = 1024;
	c.msgs_sent = 1024;
	c.bytes_sent = 10240;
	emit(&c, m, 16);

	/* vlen above UIO_MAXIOV */
	c = base_call(1 * SEC + 200 * MS, 812, 815, "dnsperf");
	c.vlen = 2000;
	c.status |= SMT_ST_TRUNCATED | SMT_ST_VLEN_CLAMPED;
	tally(&c, m, 2);
	c.ret = 1024;
	c.msgs_attempted = 1024;
	c.msgs_sent = 1024;
	c.bytes_sent = 10240;
	emit(&c, m, 2);

	/* The vector itself unreadable */
	c = base_call(1 * SEC + 300 * MS, 812, 815, "dnsperf");
	c.vlen = 3;
	c.msgvec = 0x10;
	c.status |= SMT_ST_VEC_FAULT;
	c.ret = -EFAULT;
	emit(&c, m, 0);

	/* vlen 0 */
	c = base_call(1 * SEC + 400 * MS, 812, 815, "dnsperf");
	emit(&c, m, 0);

	/* Bad descriptor: no socket info, nothing captured */
	c = base_call(1 * SEC + 500 * MS, 812, 815, "dnsperf");
	c.fd = 99;
	c.status = 0;
	c.vlen = 1;
	c.ret = -EBADF;
	emit(&c, m, 0);
}

static void gen_status(void)
{
	struct smt_call c;
	struct msg m[6];

	/* 32-bit caller */
	c = base_call(1 * SEC, 700, 700, "legacy32");
	c.status |= SMT_ST_COMPAT;
	c.flags = 0x40;
	c.msgvec = 0xffd0;
	m[0] = sent_msg(16);
	tally(&c, m, 1);
	emit(&c, m, 1);

	/* Shortened to fit the buffer: 2 of 8 */
	c = base_call(1 * SEC + 100 * MS, 700, 700, "legacy32");
	c.vlen = 8;
	c.status |= SMT_ST_SHORTENED;
	m[0] = sent_msg(16);
	m[1] = sent_msg(16);
	tally(&c, m, 2);
	c.ret = 8;
	c.msgs_attempted = 8;
	c.msgs_sent = 8;
	c.bytes_sent = 128;
	emit(&c, m, 2);

	/* No staging slot: nothing captured */
	c = base_call(1 * SEC + 200 * MS, 700, 700, "legacy32");
	c.vlen = 4;
	c.status |= SMT_ST_NO_SLOT;
	c.ret = 4;
	c.msgs_attempted = 4;
	c.msgs_sent = 4;
	c.bytes_sent = 64;
	emit(&c, m, 0);

	/* Per-message results unavailable */
	c = base_call(1 * SEC + 300 * MS, 700, 700, "legacy32");
	c.status |= SMT_ST_NO_RESULTS;
	m[0] = sent_msg(48);
	m[1] = sent_msg(48);
	tally(&c, m, 2);
	m[0].m.status = 0;
	m[0].m.result = 0;
	m[1].m.status = 0;
	m[1].m.result = 0;
	emit(&c, m, 2);

	/* Unreadable fields of every kind */
	c = base_call(1 * SEC + 400 * MS, 700, 700, "legacy32");
	c.status |= SMT_ST_FIELD_FAULT;
	for (int i = 0; i < 6; i++)
		m[i] = sent_msg(48);
	m[0].m.status |= SMT_MSG_NAME_FAULT;
	m[0].m.name_ptr = 0x1;
	m[0].m.namelen = 16;
	m[0].m.result = -EFAULT;
	m[1].m.status = SMT_MSG_IOV_FAULT;
	m[1].m.result = 0;
	m[2].m.status = SMT_MSG_CTRL_FAULT;
	m[2].m.result = 0;
	m[2].m.control_ptr = 0x2;
	m[2].m.controllen = 24;
	m[3].m.status |= SMT_MSG_PAYLOAD_FAULT;
	m[4].m.status = SMT_MSG_HDR_FAULT;
	m[4].m.result = 0;
	name_in6(&m[5], "::1", 53, 0, 28);
	m[5].m.namelen = 200;
	m[5].m.name_len = SMT_NAME_MAX;
	m[5].m.status |= SMT_MSG_NAME_TRUNC | SMT_MSG_IOV_TRUNC;
	m[5].m.iovlen = 100;
	m[5].m.bytes = 6400;
	m[5].m.result = 6400;
	tally(&c, m, 6);
	emit(&c, m, 6);

	/* Control messages, message flags, every call flag we name */
	c = base_call(1 * SEC + 500 * MS, 700, 700, "legacy32");
	c.flags = 0x1 | 0x4 | 0x10 | 0x800 | 0x8000 | 0x40000 | 0x100000 |
		  0x4000000 | 0x8000000 | 0x20000000;
	for (int i = 0; i < 3; i++)
		m[i] = sent_msg(48);
	m[0].m.controllen = 24;
	m[0].m.ncmsg = 1;
	m[0].m.cmsg[0] = (struct smt_cmsg){ 1, 1 };
	m[1].m.controllen = 64;
	m[1].m.ncmsg = 2;
	m[1].m.cmsg[0] = (struct smt_cmsg){ 17, 103 };
	m[1].m.cmsg[1] = (struct smt_cmsg){ 0, 1 };
	m[1].m.flags = 0x100080;
	m[2].m.controllen = 200;
	m[2].m.ncmsg = 4;
	m[2].m.cmsg[0] = (struct smt_cmsg){ 41, 67 };
	m[2].m.cmsg[1] = (struct smt_cmsg){ 99, 7 };
	m[2].m.cmsg[2] = (struct smt_cmsg){ 1, 77 };
	m[2].m.cmsg[3] = (struct smt_cmsg){ 1, 61 };
	m[2].m.status |= SMT_MSG_CMSG_MORE;
	tally(&c, m, 3);
	emit(&c, m, 3);

	/* Interrupted: the kernel-internal ERESTARTSYS */
	c = base_call(1 * SEC + 600 * MS, 700, 701, "legacy32");
	c.vlen = 1;
	c.ret = -512;
	emit(&c, m, 0);

	/* An errno and a status bit nobody knows */
	c = base_call(1 * SEC + 700 * MS, 700, 701, "legacy32");
	c.vlen = 1;
	c.ret = -200;
	c.status |= 1U << 12;
	emit(&c, m, 0);
}

static void gen_lost(void)
{
	struct smt_call c;
	struct msg m[1];

	simple(1 * SEC, 812, 812, "dnsperf", 1, 48);
	c = base_call(1 * SEC + 100 * MS, 812, 812, "dnsperf");
	c.hdr.lost = 37;
	m[0] = sent_msg(48);
	tally(&c, m, 1);
	emit(&c, m, 1);
	emit_hdr(SMT_REC_LOST, SMT_ABI_VERSION, 1 * SEC + 200 * MS, 5, 24);
	emit_hdr(SMT_REC_LOST, SMT_ABI_VERSION, 1 * SEC + 300 * MS, 1, 24);
	c = base_call(1 * SEC + 400 * MS, 900, 900, "other");
	c.hdr.lost = 2;
	tally(&c, m, 1);
	emit(&c, m, 1);
}

static void gen_skip(void)
{
	struct smt_call c;
	struct msg m[1];

	simple(1 * SEC, 1, 1, "first", 1, 8);
	/* A newer ABI: a whole call record, version 2 */
	c = base_call(1 * SEC + 100 * MS, 2, 2, "newer");
	c.hdr.abi_version = 2;
	m[0] = sent_msg(8);
	tally(&c, m, 1);
	emit(&c, m, 1);
	emit_hdr(9, SMT_ABI_VERSION, 1 * SEC + 200 * MS, 0, 32);
	emit_hdr(SMT_REC_CALL, 3, 1 * SEC + 300 * MS, 4, 24);
	emit_hdr(7, SMT_ABI_VERSION, 1 * SEC + 400 * MS, 0, 40);
	/* Version 1 with longer structures, as a later module may write */
	c = base_call(1 * SEC + 500 * MS, 3, 3, "extended");
	m[0] = sent_msg(2);
	name_in4(&m[0], "127.0.0.1", 53);
	payload(&m[0], "hi", 2);
	tally(&c, m, 1);
	emit_ext(&c, m, 1, 16, 8);
	simple(1 * SEC + 600 * MS, 4, 4, "last", 1, 8);
}

/* A good record after a bad one shows the reader carried on. */
static void gen_bad_then_good(const char *dir, const char *name, int kind)
{
	struct smt_call c = base_call(1 * SEC, 66, 66, "bad");
	struct msg m[1];

	open_out(dir, name);
	m[0] = sent_msg(4);
	payload(&m[0], "data", 4);
	tally(&c, m, 1);
	emit(&c, m, 1);
	/* emit() wrote the record; rewrite it with the damage applied. */
	if (fseek(out, 0, SEEK_SET))
		die("fseek");
	switch (kind) {
	case 0: /* nr_msgs * msg_size (32-bit overflow) beyond the record */
		((struct smt_call *)buf)->nr_msgs = 0x40000000;
		break;
	case 1: /* payload past the end */
		((struct smt_msg *)(buf + sizeof(c)))->payload_off = 0xfffffff0;
		break;
	case 2: /* name_len over SMT_NAME_MAX */
		((struct smt_msg *)(buf + sizeof(c)))->name_len = 200;
		break;
	case 3: /* call_size smaller than struct smt_call */
		((struct smt_call *)buf)->call_size = 16;
		break;
	case 4: /* msg_size smaller than struct smt_msg */
		((struct smt_call *)buf)->msg_size = 8;
		break;
	default: /* payload overlapping the message array */
		((struct smt_msg *)(buf + sizeof(c)))->payload_off = 8;
		break;
	}
	put(buf, c.hdr.size);
	simple(1 * SEC + 100 * MS, 67, 67, "good", 1, 8);
}

static void gen_corrupt(const char *dir)
{
	static const char *const bad[] = {
		"bad_msgs", "bad_payload", "bad_name", "bad_callsize",
		"bad_msgsize", "bad_overlap",
	};
	size_t size;

	for (int i = 0; i < 6; i++)
		gen_bad_then_good(dir, bad[i], i);

	open_out(dir, "corrupt_small");
	simple(1 * SEC, 1, 1, "ok", 1, 8);
	emit_hdr(SMT_REC_CALL, SMT_ABI_VERSION, 1 * SEC, 0, 24);
	/* now patch: size 8 is smaller than the header */
	if (fseek(out, -24, SEEK_END))
		die("fseek");
	size = 8;
	put(&(uint32_t){ (uint32_t)size }, 4);
	if (fseek(out, 0, SEEK_END))
		die("fseek");
	simple(1 * SEC + 100 * MS, 2, 2, "never", 1, 8);

	open_out(dir, "corrupt_huge");
	simple(1 * SEC, 1, 1, "ok", 1, 8);
	emit_hdr(SMT_REC_CALL, SMT_ABI_VERSION, 1 * SEC, 0, 24);
	if (fseek(out, -24, SEEK_END))
		die("fseek");
	put(&(uint32_t){ 0xfffffff8u }, 4);

	open_out(dir, "corrupt_align");
	simple(1 * SEC, 1, 1, "ok", 1, 8);
	emit_hdr(SMT_REC_CALL, SMT_ABI_VERSION, 1 * SEC, 0, 48);
	if (fseek(out, -48, SEEK_END))
		die("fseek");
	put(&(uint32_t){ 36 }, 4);

	open_out(dir, "corrupt_eof");
	simple(1 * SEC, 1, 1, "ok", 1, 8);
	simple(1 * SEC + 100 * MS, 2, 2, "cut", 1, 8);
	if (fflush(out) || ftruncate(fileno(out), 440 + 100))
		die("ftruncate");
}

static void gen_payload(void)
{
	static const unsigned char odd[] =
		"abc\001\"\\\t\n\r\v\f\177\377xyz";
	unsigned char bin[64];
	struct smt_call c = base_call(1 * SEC, 77, 77, "sender");
	struct msg m[3];

	for (int i = 0; i < 64; i++)
		bin[i] = (unsigned char)i;
	m[0] = sent_msg(5);
	payload(&m[0], "hello", 5);
	m[1] = sent_msg(300);
	payload(&m[1], odd, sizeof(odd) - 1);
	m[2] = sent_msg(64);
	payload(&m[2], bin, 64);
	tally(&c, m, 3);
	emit(&c, m, 3);
}

/* Several processes, threads, users and descriptors; some failures. */
static void gen_filters(void)
{
	static const struct {
		uint32_t pid, tid, uid;
		const char *comm;
		int32_t fd;
		uint64_t bytes;
		int err;	/* call error, or -1: second message fails */
	} f[] = {
		{ 100, 100, 0, "nginx", 3, 100, 0 },
		{ 100, 101, 0, "worker", 4, 0, EAGAIN },
		{ 200, 200, 1000, "dnsperf", 3, 300, -1 },
		{ 200, 201, 1000, "dnsperf", 5, 400, 0 },
		{ 300, 300, 1000, "curl", 3, 0, EBADF },
		{ 100, 100, 0, "nginx", 3, 600, 0 },
	};

	for (uint32_t i = 0; i < 6; i++) {
		struct smt_call c = base_call(1 * SEC + i * 100 * MS, f[i].pid,
					      f[i].tid, f[i].comm);
		struct msg m[2];
		uint32_t n = 1;

		c.uid = f[i].uid;
		c.fd = f[i].fd;
		c.latency_ns = 1000 * (i + 1);
		m[0] = sent_msg(f[i].bytes);
		if (f[i].err > 0) {
			m[0].m.result = -f[i].err;
		} else if (f[i].err < 0) {
			m[1] = sent_msg(50);
			m[1].m.result = -EFAULT;
			n = 2;
		}
		tally(&c, m, n);
		if (f[i].err == EBADF) {
			c.status = 0;
			n = 0;
		}
		emit(&c, m, n);
	}
}

/* --alert-bytes / --top: 'quiet' 1000 B/s, 'heavy' 2.4 MB/s. */
static void gen_alert(void)
{
	for (uint64_t q = 0; q < 10; q++) {
		uint64_t ts = 1 * SEC + q * 250 * MS;

		simple(ts, 20, 20, "heavy", 1, 600000);
		if (q % 4 == 0)
			simple(ts + 50 * MS, 10, 10, "quiet", 1, 1000);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";

	open_out(dir, "families");
	gen_families();
	open_out(dir, "ipv6");
	gen_ipv6();
	open_out(dir, "comm");
	gen_comm();
	open_out(dir, "vectors");
	gen_vectors();
	open_out(dir, "status");
	gen_status();
	open_out(dir, "lost");
	gen_lost();
	open_out(dir, "skip");
	gen_skip();
	open_out(dir, "payload");
	gen_payload();
	open_out(dir, "filters");
	gen_filters();
	open_out(dir, "alert");
	gen_alert();
	gen_corrupt(dir);
	if (fclose(out))
		die("fclose");
	return 0;
}
