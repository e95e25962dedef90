// SPDX-License-Identifier: GPL-2.0
/* SMT-BUILD: m32 */
/*
 * t_record: every field of the record of real sendmmsg calls, against the
 * values this program passed and the kernel returned.  Built 64-bit and
 * 32-bit (compat): the same cases must decode the same way.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tap.h"
#include "smt_test.h"

#define WAIT_MS 2000

static struct smt_stream st;
static pid_t me;
static int is_compat;
static unsigned int capture;	/* capture_bytes of the loaded module */

static unsigned int loaded_max_msgs(void)
{
	struct smt_config cfg;

	if (ioctl(st.fd, SMT_IOC_GET_CONFIG, &cfg))
		return 16;
	capture = cfg.capture_bytes;
	return cfg.max_msgs;
}

/* The record of the call just made; NULL (and a failed test) if none. */
static const struct smt_call *record_of(const char *what)
{
	const struct smt_call *c = smt_next_call(&st, me, WAIT_MS);

	ok(c != NULL, "%s: record delivered", what);
	return c;
}

/* Fields every record must carry whatever the call. */
static void check_call(const struct smt_call *c, const char *what, int fd,
		       const void *vec, unsigned int vlen, unsigned int flags,
		       long ret)
{
	char comm[17] = "";

	is_int(c->fd, fd, "%s: fd", what);
	ok(c->msgvec == (uint64_t)(uintptr_t)vec, "%s: msgvec pointer", what);
	is_int(c->vlen, vlen, "%s: vlen as passed", what);
	is_int(c->flags, flags, "%s: flags as passed", what);
	is_int(c->ret, ret, "%s: return value", what);
	is_int(!!(c->status & SMT_ST_COMPAT), is_compat, "%s: compat flag", what);
	ok(c->tgid == (uint32_t)getpid() && c->tid == (uint32_t)me,
	   "%s: tgid/tid", what);
	ok(c->uid == getuid() && c->gid == getgid(), "%s: uid/gid", what);
	memcpy(comm, c->comm, 16);
	ok(strstr(comm, "t_record") == comm, "%s: comm '%s'", what, comm);
	ok(c->hdr.abi_version == SMT_ABI_VERSION && c->hdr.type == SMT_REC_CALL &&
	   c->hdr.size % 8 == 0 && c->call_size == sizeof(*c) &&
	   c->msg_size == sizeof(struct smt_msg), "%s: header", what);
	ok(c->hdr.ts_ns >= c->ts_entry_ns &&
	   c->latency_ns == c->hdr.ts_ns - c->ts_entry_ns, "%s: timestamps", what);
}

static void check_totals(const struct smt_call *c, const char *what,
			 unsigned int captured, unsigned int attempted,
			 unsigned int sent, unsigned long long bytes)
{
	is_int(c->nr_msgs, captured, "%s: messages captured", what);
	is_int(c->msgs_attempted, attempted, "%s: messages attempted", what);
	is_int(c->msgs_sent, sent, "%s: messages sent", what);
	is_int(c->bytes_sent, bytes, "%s: bytes sent", what);
}

/* Payload capture: off by default, else the first capture_bytes bytes. */
static void check_payload(const struct smt_call *c, unsigned int i,
			  const char *what, const void *data, size_t len)
{
	const struct smt_msg *m = smt_msg_at(c, i);
	size_t want = len < capture ? len : capture;

	is_int(m->payload_len, want, "%s: msg %u payload length", what, i);
	if (want && m->payload_len == want)
		ok(m->payload_off >= c->call_size &&
		   m->payload_off + want <= c->hdr.size &&
		   !memcmp((const char *)c + m->payload_off, data, want),
		   "%s: msg %u payload bytes", what, i);
}

static void check_msg(const struct smt_call *c, unsigned int i,
		      const char *what, unsigned long long bytes,
		      unsigned long long iovlen, int attempted, long result)
{
	const struct smt_msg *m = smt_msg_at(c, i);

	is_int(m->bytes, bytes, "%s: msg %u bytes", what, i);
	is_int(m->iovlen, iovlen, "%s: msg %u iovlen", what, i);
	is_int(!!(m->status & SMT_MSG_ATTEMPTED), attempted,
	       "%s: msg %u attempted", what, i);
	if (attempted)
		is_int(m->result, result, "%s: msg %u result", what, i);
}

/* ---- sockets ---------------------------------------------------------- */

static int udp_receiver(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    getsockname(fd, (struct sockaddr *)addr, &len))
		tap_diag("udp receiver: %s", strerror(errno));
	return fd;
}

static int udp_connected(const struct sockaddr_in *to, struct sockaddr_in *local)
{
	socklen_t len = sizeof(*local);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) ||
	    getsockname(fd, (struct sockaddr *)local, &len))
		tap_diag("udp connect: %s", strerror(errno));
	return fd;
}

/* A vector of n messages of size bytes each, one iovec per message. */
struct vec {
	struct mmsghdr *m;
	struct iovec *iov;
	char *data;
	unsigned int n;
};

static void vec_init(struct vec *v, unsigned int n, size_t size)
{
	unsigned int i;

	v->n = n;
	v->m = calloc(n, sizeof(*v->m));
	v->iov = calloc(n, sizeof(*v->iov));
	v->data = calloc(n ? n : 1, size ? size : 1);
	for (i = 0; i < n * size && i < 65536; i++)
		v->data[i] = (char)(i * 7 + 1);
	for (i = 0; i < n; i++) {
		v->iov[i].iov_base = v->data + i * size;
		v->iov[i].iov_len = size;
		v->m[i].msg_hdr.msg_iov = &v->iov[i];
		v->m[i].msg_hdr.msg_iovlen = 1;
	}
}

static void vec_free(struct vec *v)
{
	free(v->m);
	free(v->iov);
	free(v->data);
}

/* ---- cases ------------------------------------------------------------ */

static void check_inet(const struct smt_inet_addr *a, const struct sockaddr_in *sa,
		       const char *what, const char *which)
{
	ok(a->family == AF_INET && a->port == ntohs(sa->sin_port) &&
	   !memcmp(a->addr, &sa->sin_addr, 4), "%s: %s address %s:%u", what,
	   which, inet_ntoa(sa->sin_addr), ntohs(sa->sin_port));
}

static void test_connected_udp(unsigned int vlen, unsigned int max_msgs)
{
	struct sockaddr_in raddr, laddr;
	int rfd = udp_receiver(&raddr);
	int fd = udp_connected(&raddr, &laddr);
	unsigned int sent_want = vlen > 1024 ? 1024 : vlen;
	unsigned int cap = sent_want < max_msgs ? sent_want : max_msgs;
	const struct smt_call *c;
	struct vec v;
	char what[64];
	int ret, sz = 8, i;

	snprintf(what, sizeof(what), "connected UDP vlen %u", vlen);
	vec_init(&v, vlen, (size_t)sz);
	ret = sendmmsg(fd, v.m, vlen, 0);
	is_int(ret, sent_want, "%s: sendmmsg returns", what);
	c = record_of(what);
	if (c) {
		check_call(c, what, fd, v.m, vlen, 0, sent_want);
		check_totals(c, what, cap, sent_want, sent_want,
			     (unsigned long long)sent_want * sz);
		for (i = 0; i < (int)cap; i++) {
			check_msg(c, i, what, sz, 1, 1, sz);
			check_payload(c, i, what, v.iov[i].iov_base, sz);
		}
		ok(c->sock.family == AF_INET && c->sock.type == SOCK_DGRAM &&
		   c->sock.protocol == IPPROTO_UDP, "%s: socket UDP", what);
		ok((c->sock.flags & SMT_SOCK_CONNECTED) &&
		   (c->status & SMT_ST_SOCK_VALID), "%s: socket connected", what);
		check_inet(&c->sock.local, &laddr, what, "local");
		check_inet(&c->sock.peer, &raddr, what, "peer");
		is_int(!!(c->status & SMT_ST_TRUNCATED), sent_want > max_msgs,
		       "%s: truncated flag", what);
		is_int(!!(c->status & SMT_ST_VLEN_CLAMPED), vlen > 1024,
		       "%s: clamped flag", what);
		ok(!(c->status & (SMT_ST_VEC_FAULT | SMT_ST_FIELD_FAULT |
				  SMT_ST_NO_RESULTS | SMT_ST_NO_SLOT)),
		   "%s: no fault flags (status 0x%x)", what, c->status);
		is_int(c->hdr.lost, 0, "%s: nothing lost", what);
	}
	vec_free(&v);
	close(fd);
	close(rfd);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The stamps against the caller's own CLOCK_MONOTONIC around each call:
 * the module extrapolates them from a per-CPU anchor renewed every 4 ms,
 * so allow a little error, and report the largest seen.  Pauses of up
 * to 4 ms between calls let the anchors age.
 */
#define STAMP_CALLS	200
#define STAMP_TOL_NS	10000LL

static void test_stamps(void)
{
	static uint64_t before[STAMP_CALLS], after[STAMP_CALLS];
	struct sockaddr_in raddr, laddr;
	int rfd = udp_receiver(&raddr);
	int fd = udp_connected(&raddr, &laddr);
	long long early = LLONG_MIN, late = LLONG_MIN;
	int i, got = 0, sent = 0;
	struct vec v;

	vec_init(&v, 1, 8);
	for (i = 0; i < STAMP_CALLS; i++) {
		usleep((i % 8) * 600);
		before[i] = mono_ns();
		sent += sendmmsg(fd, v.m, 1, 0) == 1;
		after[i] = mono_ns();
	}
	for (i = 0; i < STAMP_CALLS; i++) {
		const struct smt_call *c = smt_next_call(&st, me, WAIT_MS);

		if (!c)
			break;
		got++;
		if ((long long)(before[i] - c->ts_entry_ns) > early)
			early = before[i] - c->ts_entry_ns;
		if ((long long)(c->hdr.ts_ns - after[i]) > late)
			late = c->hdr.ts_ns - after[i];
		if ((long long)(c->hdr.ts_ns - after[i]) > 5000 ||
		    (long long)(before[i] - c->ts_entry_ns) > 5000)
			tap_diag("stamps: call %d cpu %u: entry %lld ns before the call, return %lld ns after it, latency %llu, call took %llu",
				 i, c->cpu, (long long)(before[i] - c->ts_entry_ns),
				 (long long)(c->hdr.ts_ns - after[i]),
				 (unsigned long long)c->latency_ns,
				 (unsigned long long)(after[i] - before[i]));
	}
	is_int(sent, STAMP_CALLS, "stamps: %d calls sent", STAMP_CALLS);
	is_int(got, STAMP_CALLS, "stamps: a record for every call");
	ok(early <= STAMP_TOL_NS,
	   "stamps: entry stamp not before the caller's clock read (worst %lld ns earlier, tolerance %lld)",
	   early, STAMP_TOL_NS);
	ok(late <= STAMP_TOL_NS,
	   "stamps: return stamp not after the caller's clock read (worst %lld ns later, tolerance %lld)",
	   late, STAMP_TOL_NS);
	vec_free(&v);
	close(fd);
	close(rfd);
}

static void test_udp_names(void)
{
	struct sockaddr_in r4;
	struct sockaddr_in6 r6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(r6);
	int rfd4 = udp_receiver(&r4);
	int rfd6 = socket(AF_INET6, SOCK_DGRAM, 0);
	int fd4 = socket(AF_INET, SOCK_DGRAM, 0);
	int fd6 = socket(AF_INET6, SOCK_DGRAM, 0);
	const struct smt_call *c;
	const struct smt_msg *m;
	struct vec v;

	if (bind(rfd6, (struct sockaddr *)&r6, sizeof(r6)) ||
	    getsockname(rfd6, (struct sockaddr *)&r6, &len))
		tap_diag("ipv6 receiver: %s", strerror(errno));

	vec_init(&v, 2, 12);
	v.m[0].msg_hdr.msg_name = &r4;
	v.m[0].msg_hdr.msg_namelen = sizeof(r4);
	v.m[1].msg_hdr.msg_name = &r4;
	v.m[1].msg_hdr.msg_namelen = sizeof(r4);
	is_int(sendmmsg(fd4, v.m, 2, 0), 2, "UDP names v4: sendmmsg");
	c = record_of("UDP names v4");
	if (c) {
		check_call(c, "UDP names v4", fd4, v.m, 2, 0, 2);
		check_totals(c, "UDP names v4", 2, 2, 2, 24);
		m = smt_msg_at(c, 1);
		ok(m->name_len == sizeof(r4) && m->namelen == sizeof(r4) &&
		   !memcmp(m->name, &r4, sizeof(r4)) &&
		   m->name_ptr == (uint64_t)(uintptr_t)&r4,
		   "UDP names v4: msg_name bytes, namelen and pointer");
		ok(!(c->sock.flags & SMT_SOCK_CONNECTED) &&
		   (c->sock.flags & SMT_SOCK_INET_ADDRS),
		   "UDP names v4: socket not connected");
	}

	v.m[0].msg_hdr.msg_name = &r6;
	v.m[0].msg_hdr.msg_namelen = sizeof(r6);
	v.m[1].msg_hdr.msg_name = &r6;
	v.m[1].msg_hdr.msg_namelen = sizeof(r6);
	is_int(sendmmsg(fd6, v.m, 2, MSG_DONTWAIT | MSG_NOSIGNAL), 2,
	       "UDP names v6: sendmmsg");
	c = record_of("UDP names v6");
	if (c) {
		check_call(c, "UDP names v6", fd6, v.m, 2,
			   MSG_DONTWAIT | MSG_NOSIGNAL, 2);
		m = smt_msg_at(c, 0);
		ok(m->name_len == sizeof(r6) && !memcmp(m->name, &r6, sizeof(r6)),
		   "UDP names v6: sockaddr_in6 bytes");
		ok(c->sock.family == AF_INET6 && c->sock.protocol == IPPROTO_UDP,
		   "UDP names v6: socket family");
		check_msg(c, 1, "UDP names v6", 12, 1, 1, 12);
	}
	vec_free(&v);
	close(rfd4);
	close(rfd6);
	close(fd4);
	close(fd6);
}

/*
 * Messages that share a name buffer and messages that do not, and an
 * iovec array that ends at an unmapped page: the module reuses a name
 * read for the previous message and reads iovecs ahead, and neither may
 * change what a record says.
 */
static void test_shared_buffers(void)
{
	const char *what = "shared names, iovecs at a page end";
	struct sockaddr_in ra, rb;
	int rfa = udp_receiver(&ra), rfb = udp_receiver(&rb);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	const struct sockaddr_in *want[4] = { &ra, &ra, &rb, &ra };
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec *iov = (struct iovec *)(pages + 4096) - 4;
	const struct smt_call *c;
	struct vec v;
	int i;

	munmap(pages + 4096, 4096);
	vec_init(&v, 4, 10);
	for (i = 0; i < 4; i++) {
		iov[i].iov_base = v.data + i * 10;
		iov[i].iov_len = 10 - i;
		v.m[i].msg_hdr.msg_iov = &iov[i];
		v.m[i].msg_hdr.msg_name = (void *)want[i];
		v.m[i].msg_hdr.msg_namelen = sizeof(*want[i]);
	}
	is_int(sendmmsg(fd, v.m, 4, 0), 4, "%s: sendmmsg", what);
	c = record_of(what);
	if (c) {
		check_totals(c, what, 4, 4, 4, 10 + 9 + 8 + 7);
		for (i = 0; i < 4; i++) {
			const struct smt_msg *m = smt_msg_at(c, i);

			check_msg(c, i, what, 10 - i, 1, 1, 10 - i);
			ok(m->name_len == sizeof(*want[i]) &&
			   !memcmp(m->name, want[i], sizeof(*want[i])),
			   "%s: msg %d name is its own (port %u)", what, i,
			   ntohs(want[i]->sin_port));
		}
	}
	vec_free(&v);
	munmap(pages, 4096);
	close(fd);
	close(rfa);
	close(rfb);
}

static void test_unix_names(int abstract)
{
	const char *what = abstract ? "unix abstract name" : "unix path name";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int rfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	socklen_t len;
	const struct smt_call *c;
	const struct smt_msg *m;
	struct vec v;

	if (abstract) {
		len = offsetof(struct sockaddr_un, sun_path) + 1 +
		      snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			       "smt-abs-%d", (int)getpid());
	} else {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/smt-%d.sock",
			 (int)getpid());
		unlink(sun.sun_path);
		len = offsetof(struct sockaddr_un, sun_path) +
		      strlen(sun.sun_path) + 1;
	}
	if (bind(rfd, (struct sockaddr *)&sun, len))
		tap_diag("%s: bind: %s", what, strerror(errno));
	vec_init(&v, 1, 5);
	v.m[0].msg_hdr.msg_name = &sun;
	v.m[0].msg_hdr.msg_namelen = len;
	is_int(sendmmsg(fd, v.m, 1, 0), 1, "%s: sendmmsg", what);
	c = record_of(what);
	if (c) {
		check_call(c, what, fd, v.m, 1, 0, 1);
		m = smt_msg_at(c, 0);
		ok(m->namelen == len && m->name_len == len &&
		   !memcmp(m->name, &sun, len), "%s: name bytes (%u)", what, len);
		ok(c->sock.family == AF_UNIX && c->sock.type == SOCK_DGRAM &&
		   !(c->sock.flags & SMT_SOCK_INET_ADDRS),
		   "%s: socket AF_UNIX dgram", what);
		check_msg(c, 0, what, 5, 1, 1, 5);
	}
	if (!abstract)
		unlink(sun.sun_path);
	vec_free(&v);
	close(fd);
	close(rfd);
}

static void test_socketpair_rights(void)
{
	int sv[2], pass[2] = { 0, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(pass)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct cmsghdr *cm;
	const struct smt_call *c;
	const struct smt_msg *m;
	struct vec v;

	memset(&ctl, 0, sizeof(ctl));
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	vec_init(&v, 2, 3);
	v.m[0].msg_hdr.msg_control = ctl.buf;
	v.m[0].msg_hdr.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&v.m[0].msg_hdr);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(pass));
	memcpy(CMSG_DATA(cm), pass, sizeof(pass));
	cm = CMSG_NXTHDR(&v.m[0].msg_hdr, cm);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), pass, sizeof(int));
	is_int(sendmmsg(sv[0], v.m, 2, 0), 2, "SCM_RIGHTS: sendmmsg");
	c = record_of("SCM_RIGHTS");
	if (c) {
		check_call(c, "SCM_RIGHTS", sv[0], v.m, 2, 0, 2);
		m = smt_msg_at(c, 0);
		ok(m->controllen == sizeof(ctl.buf) &&
		   m->control_ptr == (uint64_t)(uintptr_t)ctl.buf,
		   "SCM_RIGHTS: control pointer and length");
		ok(m->ncmsg == 2 && m->cmsg[0].level == SOL_SOCKET &&
		   m->cmsg[0].type == SCM_RIGHTS && m->cmsg[1].type == SCM_RIGHTS,
		   "SCM_RIGHTS: two cmsgs decoded (%u)", m->ncmsg);
		ok(smt_msg_at(c, 1)->ncmsg == 0 && smt_msg_at(c, 1)->controllen == 0,
		   "SCM_RIGHTS: message without control");
		ok(c->sock.family == AF_UNIX, "SCM_RIGHTS: socketpair family");
	}
	vec_free(&v);
	close(sv[0]);
	close(sv[1]);
}

static void test_iovecs(void)
{
	struct sockaddr_in raddr, laddr;
	int rfd = udp_receiver(&raddr);
	int fd = udp_connected(&raddr, &laddr);
	struct iovec three[3], many[70];
	char data[128];
	struct mmsghdr m[2];
	const struct smt_call *c;
	const struct smt_msg *msg;
	int i;

	memset(m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		three[i].iov_base = data;
		three[i].iov_len = 10 * (i + 1);
	}
	for (i = 0; i < 70; i++) {
		many[i].iov_base = data + i;
		many[i].iov_len = 1;
	}
	m[0].msg_hdr.msg_iov = three;
	m[0].msg_hdr.msg_iovlen = 3;
	m[1].msg_hdr.msg_iov = many;
	m[1].msg_hdr.msg_iovlen = 70;
	is_int(sendmmsg(fd, m, 2, MSG_CONFIRM), 2, "iovecs: sendmmsg");
	c = record_of("iovecs");
	if (c) {
		check_call(c, "iovecs", fd, m, 2, MSG_CONFIRM, 2);
		check_msg(c, 0, "iovecs", 60, 3, 1, 60);
		msg = smt_msg_at(c, 1);
		ok(msg->iovlen == 70 && msg->bytes == 64 &&
		   (msg->status & SMT_MSG_IOV_TRUNC) && msg->result == 70,
		   "iovecs: 70 iovecs: first 64 summed, truncation flagged, 70 sent");
		ok(smt_msg_at(c, 0)->iov_ptr == (uint64_t)(uintptr_t)three,
		   "iovecs: iov pointer");
		is_int(c->bytes_sent, 130, "iovecs: bytes sent");
	}
	close(fd);
	close(rfd);
}

static void test_tcp_partial(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int small = 4096, afd;
	size_t big = 4 << 20;
	const struct smt_call *c;
	const struct smt_msg *m;
	struct vec v;
	int ret;

	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	bind(lfd, (struct sockaddr *)&a, sizeof(a));
	getsockname(lfd, (struct sockaddr *)&a, &len);
	listen(lfd, 1);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		tap_diag("tcp connect: %s", strerror(errno));
	afd = accept(lfd, NULL, NULL);
	vec_init(&v, 3, big);
	ret = sendmmsg(fd, v.m, 3, MSG_DONTWAIT);
	is_int(ret, 1, "TCP partial: sendmmsg stops after the partial message");
	c = record_of("TCP partial");
	if (c) {
		check_call(c, "TCP partial", fd, v.m, 3, MSG_DONTWAIT, 1);
		m = smt_msg_at(c, 0);
		ok((m->status & SMT_MSG_ATTEMPTED) && m->result > 0 &&
		   (uint64_t)m->result < big && m->bytes == big,
		   "TCP partial: message 0 sent %lld of %llu bytes",
		   (long long)m->result, (unsigned long long)m->bytes);
		check_totals(c, "TCP partial", 3, 1, 1, (unsigned long long)m->result);
		ok(!(smt_msg_at(c, 1)->status & SMT_MSG_ATTEMPTED),
		   "TCP partial: message 1 not attempted");
		ok(c->sock.type == SOCK_STREAM && c->sock.protocol == IPPROTO_TCP &&
		   (c->sock.flags & SMT_SOCK_CONNECTED) &&
		   c->sock.peer.port == ntohs(a.sin_port), "TCP partial: socket TCP");
	}
	vec_free(&v);
	close(afd);
	close(fd);
	close(lfd);
}

/* Message k fails after k successes: the error sendmmsg throws away. */
static void test_lost_error(int bad_iov)
{
	const char *what = bad_iov ? "lost error (bad iov)" : "lost error (bad family)";
	struct sockaddr_in r, bad;
	int rfd = udp_receiver(&r);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int want_err = bad_iov ? -EFAULT : -EAFNOSUPPORT;
	const struct smt_call *c;
	struct vec v;
	unsigned int i;

	bad = r;
	bad.sin_family = AF_UNIX;
	vec_init(&v, 5, 10);
	for (i = 0; i < 5; i++) {
		v.m[i].msg_hdr.msg_name = &r;
		v.m[i].msg_hdr.msg_namelen = sizeof(r);
	}
	if (bad_iov)
		v.iov[2].iov_base = (void *)16;
	else
		v.m[2].msg_hdr.msg_name = &bad;
	is_int(sendmmsg(fd, v.m, 5, 0), 2, "%s: sendmmsg returns 2", what);
	c = record_of(what);
	if (c) {
		check_call(c, what, fd, v.m, 5, 0, 2);
		check_totals(c, what, 5, 3, 2, 20);
		check_msg(c, 0, what, 10, 1, 1, 10);
		check_msg(c, 1, what, 10, 1, 1, 10);
		check_msg(c, 2, what, 10, 1, 1, want_err);
		check_msg(c, 3, what, 10, 1, 0, 0);
		check_msg(c, 4, what, 10, 1, 0, 0);
	}
	vec_free(&v);
	close(fd);
	close(rfd);
}

/*
 * A vector whose third entry lies on an unmapped page: the first two are
 * captured and sent, the third is flagged, nothing after it is read.
 */
static void test_partial_vector(void)
{
	const char *what = "vector ending at an unmapped page";
	struct sockaddr_in raddr, laddr;
	int rfd = udp_receiver(&raddr);
	int fd = udp_connected(&raddr, &laddr);
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mmsghdr *vec = (struct mmsghdr *)(pages + 4096) - 2;
	const struct smt_call *c;
	struct vec v;

	munmap(pages + 4096, 4096);
	vec_init(&v, 2, 12);
	memcpy(vec, v.m, 2 * sizeof(*vec));
	is_int(sendmmsg(fd, vec, 5, 0), 2, "%s: sendmmsg sends the readable two", what);
	c = record_of(what);
	if (c) {
		check_call(c, what, fd, vec, 5, 0, 2);
		/* the kernel's copy of the third one fails inside ___sys_sendmsg */
		check_totals(c, what, 3, 3, 2, 24);
		check_msg(c, 0, what, 12, 1, 1, 12);
		check_msg(c, 1, what, 12, 1, 1, 12);
		check_msg(c, 2, what, 0, 0, 1, -EFAULT);
		ok((smt_msg_at(c, 2)->status & SMT_MSG_HDR_FAULT) &&
		   (c->status & SMT_ST_VEC_FAULT),
		   "%s: the third entry is flagged unreadable", what);
	}
	vec_free(&v);
	munmap(pages, 4096);
	close(fd);
	close(rfd);
}

static void test_call_error(const char *what, int fd, void *vec,
			    unsigned int vlen, unsigned int flags, int err,
			    unsigned int captured, unsigned int status)
{
	const struct smt_call *c;
	int ret;

	errno = 0;
	ret = sendmmsg(fd, vec, vlen, flags);
	ok(ret == -1 && errno == err, "%s: sendmmsg fails with %s (%s)", what,
	   strerrorname_np(err), strerror(errno));
	c = record_of(what);
	if (c) {
		check_call(c, what, fd, vec, vlen, flags, -err);
		is_int(c->nr_msgs, captured, "%s: messages captured", what);
		ok((c->status & status) == status, "%s: status 0x%x has 0x%x",
		   what, c->status, status);
		is_int(c->msgs_sent, 0, "%s: nothing sent", what);
	}
}

static void test_call_errors(void)
{
	struct sockaddr_in r;
	int rfd = udp_receiver(&r);
	int ufd = socket(AF_INET, SOCK_DGRAM, 0);
	int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	int nfd = open("/dev/null", O_RDONLY);
	void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const struct smt_call *c;
	struct vec v;

	munmap(gone, 4096);
	vec_init(&v, 1, 4);
	test_call_error("EBADF", 999, v.m, 1, 0, EBADF, 1, 0);
	test_call_error("ENOTSOCK", nfd, v.m, 1, 0, ENOTSOCK, 1, 0);
	test_call_error("EDESTADDRREQ", ufd, v.m, 1, 0, EDESTADDRREQ, 1,
			SMT_ST_SOCK_VALID);
	test_call_error("ENOTCONN", sfd, v.m, 1, MSG_NOSIGNAL, ENOTCONN, 1,
			SMT_ST_SOCK_VALID);
	test_call_error("EFAULT NULL vector", ufd, NULL, 1, 0, EFAULT, 1,
			SMT_ST_VEC_FAULT);
	test_call_error("EFAULT unmapped vector", ufd, gone, 3, 0, EFAULT, 1,
			SMT_ST_VEC_FAULT);
	if (!is_compat)
		test_call_error("MSG_CMSG_COMPAT from 64-bit", ufd, v.m, 1,
				0x80000000u, EINVAL, 1, 0);

	is_int(sendmmsg(ufd, v.m, 0, 0), 0, "vlen 0: returns 0");
	c = record_of("vlen 0");
	if (c) {
		check_call(c, "vlen 0", ufd, v.m, 0, 0, 0);
		check_totals(c, "vlen 0", 0, 0, 0, 0);
		ok((c->status & SMT_ST_SOCK_VALID) && c->sock.family == AF_INET,
		   "vlen 0: socket described");
	}
	vec_free(&v);
	close(rfd);
	close(ufd);
	close(sfd);
	close(nfd);
}

/* sendmsg(2) and sendto(2) share the per-message path: no record. */
static void test_no_record_for_sendmsg(void)
{
	struct sockaddr_in raddr, laddr;
	int rfd = udp_receiver(&raddr);
	int fd = udp_connected(&raddr, &laddr);
	const struct smt_call *c;
	struct vec v;

	vec_init(&v, 3, 2);
	sendmsg(fd, &v.m[0].msg_hdr, 0);
	sendto(fd, "x", 1, 0, NULL, 0);
	send(fd, "y", 1, 0);
	is_int(sendmmsg(fd, v.m, 3, 0), 3, "sendmsg/sendto: marker sendmmsg");
	c = record_of("sendmsg/sendto");
	ok(c && c->vlen == 3 && c->msgs_attempted == 3,
	   "sendmsg/sendto: the next record is the marker sendmmsg");
	vec_free(&v);
	close(fd);
	close(rfd);
}

#ifdef __i386__
/* i386 socketcall(SYS_SENDMMSG) reaches the same probe. */
static void test_socketcall(void)
{
	struct sockaddr_in raddr, laddr;
	int rfd = udp_receiver(&raddr);
	int fd = udp_connected(&raddr, &laddr);
	const struct smt_call *c;
	unsigned long args[4];
	struct vec v;

	vec_init(&v, 2, 6);
	args[0] = fd;
	args[1] = (unsigned long)v.m;
	args[2] = 2;
	args[3] = MSG_DONTWAIT;
	is_int(syscall(SYS_socketcall, 20 /* SYS_SENDMMSG */, args), 2,
	       "socketcall: returns 2");
	c = record_of("socketcall");
	if (c) {
		check_call(c, "socketcall", fd, v.m, 2, MSG_DONTWAIT, 2);
		check_totals(c, "socketcall", 2, 2, 2, 12);
	}
	vec_free(&v);
	close(fd);
	close(rfd);
}
#endif

int main(void)
{
	unsigned int max_msgs;

	me = smt_gettid();
	is_compat = sizeof(void *) == 4;
	if (smt_stream_open(&st, O_NONBLOCK)) {
		ok(0, "open %s: %s", SMT_DEV_PATH, strerror(errno));
		tap_done();
		return tap_exit();
	}
	max_msgs = loaded_max_msgs();
	tap_diag("max_msgs=%u compat=%d", max_msgs, is_compat);
	test_connected_udp(1, max_msgs);
	test_connected_udp(2, max_msgs);
	test_connected_udp(16, max_msgs);
	test_connected_udp(1024, max_msgs);
	test_connected_udp(1500, max_msgs);
	test_stamps();
	test_udp_names();
	test_shared_buffers();
	test_unix_names(0);
	test_unix_names(1);
	test_socketpair_rights();
	test_iovecs();
	test_tcp_partial();
	test_lost_error(0);
	test_lost_error(1);
	test_call_errors();
	test_partial_vector();
	test_no_record_for_sendmsg();
#ifdef __i386__
	test_socketcall();
#endif
	smt_stream_close(&st);
	tap_done();
	return tap_exit();
}
