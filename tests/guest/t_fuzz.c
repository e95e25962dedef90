// SPDX-License-Identifier: GPL-2.0
/* SMT-BUILD: m32 */
/*
 * t_fuzz: hostile arguments.  For a fixed time, threads call sendmmsg with
 * random file descriptors (sockets of several kinds, closed fds, files that
 * are not sockets), random and hostile msgvec pointers (NULL, unmapped,
 * kernel addresses, unaligned, straddling into a PROT_NONE guard page,
 * read-only, a page another thread keeps unmapping, memory another thread
 * rewrites during the call), random vlen up to 4096 and random message
 * fields and flags (always with MSG_DONTWAIT: nothing blocks).  Built
 * 64-bit and 32-bit; the 64-bit build also puts garbage in the upper half
 * of the 32-bit arguments, the 32-bit build also goes through socketcall.
 *
 * Every call must give exactly one record, in order per thread, with the
 * fd, vlen, flags, msgvec and return value of the call (flags without the
 * MSG_CMSG_COMPAT bit the kernel adds for a 32-bit caller; a 64-bit caller
 * passing that bit gets EINVAL and the record shows it), the status bits
 * these imply, per-message results consistent with the return value, and
 * no loss.  The module must be loaded with an ample buffer
 * (buffer_kb=4096); this program sets a tgid filter for itself.
 *
 *   t_fuzz [SEED]     seed also from $SMT_FUZZ_SEED (default: the time);
 *                     $SMT_FUZZ_SECONDS (default 10), $SMT_FUZZ_THREADS
 *                     (default: CPUs, at most 8).  The seed is printed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tap.h"
#include "smt_test.h"

#ifndef MSG_CMSG_COMPAT
#define MSG_CMSG_COMPAT 0x80000000U
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#define UDP_SEGMENT_TYPE 103

#define IS32 (sizeof(void *) == 4)
#define PAGE 4096UL
#define MAX_THREADS 8
#define LOG_CAP 128		/* room for calls not yet matched */
#define VEC_ENTRIES 1024
#define ARENA_SIZE (1UL << 20)

/* ---- random numbers: splitmix64 --------------------------------------- */

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(rnd_next(s) % n) : 0;
}

/* ---- the world the calls point into ------------------------------------- */

static int fd_pool[64];
static const char *fd_kind[64];
static int nfds;
static int closed_fd;

static uintptr_t unmapped;	/* a hole: mapped once, then unmapped */
static uintptr_t flip_page;	/* mprotect'ed RW <-> NONE by the mutator */
static uintptr_t remap_page;	/* munmap'ed and mapped again by the mutator */
static unsigned char *toctou;	/* rewritten by the mutator during calls */
#define TOCTOU_SIZE (64 * 1024)

static volatile int stop;
static volatile int go;
static uint64_t seed;
static int nthreads;
static unsigned int max_msgs = 16;
static unsigned long log_cap = LOG_CAP;	/* calls a thread may be ahead */

struct expect {
	uint64_t msgvec;
	int32_t fd;
	uint32_t vlen;
	uint32_t flags;
	int32_t ret;
	uint8_t vec_kind;
	uint8_t hostile;	/* msgvec cannot be read at all */
};

struct fuzz_thread {
	pthread_t th;
	int idx;
	int tid;
	uint64_t rng;
	unsigned char *arena;		/* ARENA_SIZE, RW */
	unsigned char *guard;		/* a RW page followed by a PROT_NONE page */
	unsigned char *ro;		/* a read-only page holding a vector */
	struct expect log[LOG_CAP];
	unsigned long head;		/* calls logged (written by the thread) */
	unsigned long tail;		/* calls matched (written by the reader) */
	unsigned long calls;
	unsigned long by_vec[10];
};

static struct fuzz_thread ft[MAX_THREADS];

enum vec_kind {
	V_NULL, V_UNMAPPED, V_KERNEL, V_UNALIGNED, V_STRADDLE, V_VALID,
	V_TOCTOU, V_FLIP, V_READONLY, V_RANDOM, V_KINDS
};

static const char *const vec_name[V_KINDS] = {
	"NULL", "unmapped", "kernel", "unaligned", "straddling", "valid",
	"rewritten", "flipping", "read-only", "random"
};

static uintptr_t kernel_ptr(uint64_t *r)
{
	if (IS32) {
		static const uint32_t k32[] = { 0xffffe000u, 0xfffff000u,
						0xffffffc0u, 0xfffff800u };

		return (uintptr_t)k32[rnd(r, 4)];
	} else {
		static const uint64_t k64[] = {
			0xffffffff81000000ULL, 0xffff888000000000ULL,
			0x8000000000000000ULL, 0xffffffffff600000ULL,
			0x00007ffffffff000ULL, 0xfffffffffffff000ULL,
		};

		return (uintptr_t)k64[rnd(r, 6)];
	}
}

static uintptr_t random_ptr(uint64_t *r)
{
	return IS32 ? (uintptr_t)(uint32_t)rnd_next(r) : (uintptr_t)rnd_next(r);
}

/* A pointer for a field: mostly into our arena, sometimes hostile. */
static uintptr_t field_ptr(struct fuzz_thread *t, uintptr_t good, size_t len)
{
	uint64_t *r = &t->rng;

	switch (rnd(r, 12)) {
	case 0:
		return 0;
	case 1:
		return unmapped + rnd(r, PAGE);
	case 2:
		return kernel_ptr(r);
	case 3:		/* the last bytes of a page, then PROT_NONE */
		return (uintptr_t)t->guard + PAGE - 1 - rnd(r, len ? len : 1);
	case 4:
		return random_ptr(r);
	case 5:
		return (uintptr_t)toctou + rnd(r, TOCTOU_SIZE);
	case 6:
		return flip_page + rnd(r, 64);
	default:
		return good;
	}
}

static uint64_t random_len(uint64_t *r, uint64_t sane)
{
	switch (rnd(r, 10)) {
	case 0:
		return 0;
	case 1:
		return rnd_next(r);
	case 2:
		return rnd(r, 256);
	case 3:
		return sane + 1;
	case 4:
		return 0xffffffffULL;
	default:
		return sane;
	}
}

/* sockaddrs: some valid, some not */
static void fill_name(struct fuzz_thread *t, unsigned char *p, socklen_t *len)
{
	uint64_t *r = &t->rng;

	memset(p, 0, 128);
	switch (rnd(r, 6)) {
	case 0: {
		struct sockaddr_in a = { .sin_family = AF_INET };

		a.sin_addr.s_addr = htonl(rnd(r, 4) ? INADDR_LOOPBACK : (uint32_t)rnd_next(r));
		a.sin_port = htons((uint16_t)rnd(r, 65536));
		memcpy(p, &a, sizeof(a));
		*len = sizeof(a);
		break;
	}
	case 1: {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6 };

		a.sin6_addr = in6addr_loopback;
		a.sin6_port = htons((uint16_t)rnd(r, 65536));
		a.sin6_scope_id = rnd(r, 3);
		memcpy(p, &a, sizeof(a));
		*len = sizeof(a);
		break;
	}
	case 2: {
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "smt-fuzz-%u",
			 rnd(r, 4));
		memcpy(p, &a, sizeof(a));
		*len = offsetof(struct sockaddr_un, sun_path) + 12;
		break;
	}
	default: {
		unsigned int i;

		for (i = 0; i < 128; i++)
			p[i] = (unsigned char)rnd_next(r);
		*len = rnd(r, 130);
		break;
	}
	}
}

/* A control buffer of a few cmsgs, mostly plausible; returns its length. */
static size_t fill_control(struct fuzz_thread *t, unsigned char *p, size_t cap)
{
	static const int lt[][2] = {
		{ SOL_SOCKET, SCM_RIGHTS }, { SOL_SOCKET, SCM_CREDENTIALS },
		{ SOL_IP, IP_TTL }, { SOL_IP, IP_TOS }, { SOL_IP, IP_PKTINFO },
		{ SOL_IPV6, IPV6_HOPLIMIT }, { SOL_IPV6, IPV6_TCLASS },
		{ SOL_IPV6, IPV6_PKTINFO }, { SOL_SOCKET, 36 /* SO_MARK */ },
		{ SOL_SOCKET, 37 /* SO_TIMESTAMPING_OLD */ },
		{ SOL_SOCKET, 61 /* SCM_TXTIME */ },
	};
	uint64_t *r = &t->rng;
	size_t off = 0;
	unsigned int n = 1 + rnd(r, 6), i, k;

	memset(p, 0, cap);
	for (i = 0; i < n; i++) {
		struct cmsghdr *c = (struct cmsghdr *)(p + off);
		unsigned int dl = rnd(r, 5) * 4;
		int level, type;

		if (off + CMSG_SPACE(dl) > cap)
			break;
		if (rnd(r, 3)) {
			k = rnd(r, sizeof(lt) / sizeof(lt[0]));
			level = lt[k][0];
			type = lt[k][1];
		} else {
			level = (int)rnd_next(r);
			type = (int)rnd_next(r);
		}
		if (level == SOL_UDP && type == UDP_SEGMENT_TYPE)
			type = 0;	/* GSO: not the module's business */
		c->cmsg_level = level;
		c->cmsg_type = type;
		switch (rnd(r, 8)) {
		case 0:
			c->cmsg_len = rnd(r, sizeof(*c));	/* too short */
			break;
		case 1:
			c->cmsg_len = (size_t)rnd_next(r);
			break;
		default:
			c->cmsg_len = CMSG_LEN(dl);
		}
		for (k = 0; k < dl; k += 4) {
			/* never the device itself: an fd in flight in a unix
			 * socket queue would keep it open after we exit */
			int v = level == SOL_SOCKET && type == SCM_RIGHTS ?
				fd_pool[rnd(r, nfds - 1)] : (int)rnd_next(r);

			memcpy(CMSG_DATA(c) + k, &v, 4);
		}
		off += CMSG_SPACE(dl);
	}
	return off;
}

/*
 * A vector of n entries at vec (n <= VEC_ENTRIES), pointing into the
 * thread's arena: iovecs, data, names and control buffers.
 */
static void fill_vector(struct fuzz_thread *t, struct mmsghdr *vec, unsigned int n)
{
	uint64_t *r = &t->rng;
	unsigned char *a = t->arena;
	struct iovec *iovs = (struct iovec *)(a + 128 * 1024);	/* 64 KB */
	unsigned char *names = a + 192 * 1024;			/* 64 KB */
	unsigned char *ctrl = a + 256 * 1024;			/* 64 KB */
	unsigned char *data = a + 512 * 1024;			/* 512 KB */
	unsigned int i, k, distinct = n < 32 ? n : 32;

	for (i = 0; i < n; i++) {
		struct msghdr *h = &vec[i].msg_hdr;
		unsigned int slot = i % distinct;

		if (i >= distinct) {	/* long vectors: repeat the first ones */
			vec[i] = vec[slot];
			continue;
		}
		memset(&vec[i], 0, sizeof(vec[i]));
		if (rnd(r, 3) == 0) {
			socklen_t nl;

			fill_name(t, names + slot * 256, &nl);
			h->msg_name = (void *)field_ptr(t, (uintptr_t)(names + slot * 256), nl);
			h->msg_namelen = (socklen_t)random_len(r, nl);
		} else if (rnd(r, 8) == 0) {
			h->msg_name = (void *)field_ptr(t, 0, 16);
			h->msg_namelen = (socklen_t)rnd_next(r);
		}
		if (rnd(r, 8)) {
			unsigned int niov = rnd(r, 9);
			struct iovec *v = iovs + slot * 64;

			for (k = 0; k < niov; k++) {
				size_t len = rnd(r, 4) ? rnd(r, 512) : rnd(r, 70000);

				v[k].iov_base = (void *)field_ptr(t, (uintptr_t)(data + rnd(r, 4096)), len);
				v[k].iov_len = rnd(r, 16) ? len : (size_t)rnd_next(r);
			}
			h->msg_iov = (struct iovec *)field_ptr(t, (uintptr_t)v, niov * sizeof(*v));
			h->msg_iovlen = (size_t)(rnd(r, 10) ? niov : random_len(r, niov));
			if (rnd(r, 20) == 0)
				h->msg_iovlen = 1024 + rnd(r, 3);	/* UIO_MAXIOV edge */
		}
		if (rnd(r, 4) == 0) {
			size_t cl = fill_control(t, ctrl + slot * 1024, 1024);

			h->msg_control = (void *)field_ptr(t, (uintptr_t)(ctrl + slot * 1024), cl);
			h->msg_controllen = (size_t)(rnd(r, 6) ? cl : random_len(r, cl));
		}
		h->msg_flags = rnd(r, 4) ? 0 : (int)rnd_next(r);
		vec[i].msg_len = (unsigned int)rnd_next(r);
	}
}

static uint32_t random_vlen(uint64_t *r)
{
	switch (rnd(r, 10)) {
	case 0:
		return 0;
	case 1:
		return 1020 + rnd(r, 10);	/* around UIO_MAXIOV */
	case 2:
		return rnd(r, 4097);
	case 3:
		return 16 + rnd(r, 48);
	default:
		return 1 + rnd(r, 8);
	}
}

static uint32_t random_flags(uint64_t *r)
{
	static const uint32_t known[] = {
		MSG_OOB, MSG_DONTROUTE, 0x10 /* MSG_PROBE */, MSG_EOR, MSG_CONFIRM,
		MSG_NOSIGNAL, MSG_MORE, MSG_BATCH, MSG_ZEROCOPY, MSG_FASTOPEN,
		MSG_CMSG_CLOEXEC, MSG_CMSG_COMPAT, MSG_WAITALL, MSG_TRUNC,
		MSG_ERRQUEUE, MSG_PEEK,
	};
	uint32_t f = 0;
	unsigned int i, n;

	switch (rnd(r, 6)) {
	case 0:
		f = (uint32_t)rnd_next(r);
		break;
	case 1:
	case 2:
		n = rnd(r, 4);
		for (i = 0; i < n; i++)
			f |= known[rnd(r, sizeof(known) / sizeof(known[0]))];
		break;
	default:
		break;
	}
	return f | MSG_DONTWAIT;
}

/* fds: the pool (sockets and non-sockets), closed, negative, huge */
static int random_fd(uint64_t *r, const char **kind)
{
	switch (rnd(r, 12)) {
	case 0:
		*kind = "closed";
		return closed_fd;
	case 1: {
		static const int odd[] = { -1, INT_MIN, INT_MAX, 1 << 20, -9 };

		*kind = "invalid";
		return odd[rnd(r, 5)];
	}
	default: {
		unsigned int i = rnd(r, nfds);

		*kind = fd_kind[i];
		return fd_pool[i];
	}
	}
}

/* ---- the calls ------------------------------------------------------------ */

static long do_sendmmsg(struct fuzz_thread *t, int fd, uintptr_t vec,
			uint32_t vlen, uint32_t flags)
{
	uint64_t *r = &t->rng;
	long ret;

#if defined(__i386__)
	if (rnd(r, 3) == 0) {	/* socketcall(SYS_SENDMMSG, args) */
		unsigned long a[4] = { (unsigned long)fd, vec, vlen, flags };

		ret = syscall(SYS_socketcall, 20, a);
		return ret < 0 ? -errno : ret;
	}
	ret = syscall(SYS_sendmmsg, fd, vec, vlen, flags);
#else
	/* garbage in the upper halves of the int arguments */
	uint64_t hi = rnd(r, 3) ? 0 : rnd_next(r) & 0xffffffff00000000ULL;

	ret = syscall(SYS_sendmmsg, (long)((uint64_t)(uint32_t)fd | hi), vec,
		      (long)((uint64_t)vlen | hi), (long)((uint64_t)flags | hi));
#endif
	return ret < 0 ? -errno : ret;
}

static void *fuzz_thread(void *arg)
{
	struct fuzz_thread *t = arg;
	uint64_t *r = &t->rng;
	struct mmsghdr *vecbuf = (struct mmsghdr *)t->arena;	/* 64 KB */
	size_t esz = sizeof(struct mmsghdr);

	t->tid = smt_gettid();
	while (!go && !stop)
		usleep(1000);
	while (!stop) {
		struct expect e;
		const char *fk;
		uintptr_t vec = 0;
		uint32_t vlen = random_vlen(r), flags = random_flags(r);
		unsigned int kind = rnd(r, V_KINDS), n = vlen < VEC_ENTRIES ? vlen : VEC_ENTRIES;
		int fd = random_fd(r, &fk);
		long ret;

		/* never more than LOG_CAP calls ahead of the reader */
		while (t->head - __atomic_load_n(&t->tail, __ATOMIC_ACQUIRE) >= log_cap && !stop)
			usleep(200);
		if (stop)
			break;
		if (kind == V_VALID || kind == V_UNALIGNED)
			fill_vector(t, vecbuf, n ? n : 1);
		switch (kind) {
		case V_NULL:
			vec = 0;
			break;
		case V_UNMAPPED:
			vec = unmapped + rnd(r, PAGE);
			break;
		case V_KERNEL:
			vec = kernel_ptr(r);
			break;
		case V_UNALIGNED:
			memmove((unsigned char *)vecbuf + 1 + rnd(r, 7), vecbuf, n * esz);
			vec = (uintptr_t)vecbuf + 1 + rnd(r, 7);
			break;
		case V_STRADDLE:	/* entries running into PROT_NONE */
			fill_vector(t, (struct mmsghdr *)(t->guard + PAGE - 2 * esz), 2);
			vec = (uintptr_t)t->guard + PAGE - 1 - rnd(r, 2 * esz);
			break;
		case V_VALID:
			vec = (uintptr_t)vecbuf;
			break;
		case V_TOCTOU:
			vec = (uintptr_t)toctou + rnd(r, 256) * 8;
			break;
		case V_FLIP:
			vec = rnd(r, 2) ? flip_page : remap_page;
			break;
		case V_READONLY:
			vec = (uintptr_t)t->ro;
			break;
		default:
			vec = random_ptr(r);
			break;
		}
		ret = do_sendmmsg(t, fd, vec, vlen, flags);
		e.msgvec = (uint64_t)vec;
		e.fd = fd;
		e.vlen = vlen;
		e.flags = IS32 ? flags & ~MSG_CMSG_COMPAT : flags;
		e.ret = (int32_t)ret;
		e.vec_kind = (uint8_t)kind;
		e.hostile = kind == V_NULL || kind == V_UNMAPPED || kind == V_KERNEL;
		(void)fk;
		t->log[t->head % LOG_CAP] = e;
		__atomic_store_n(&t->head, t->head + 1, __ATOMIC_RELEASE);
		t->calls++;
		t->by_vec[kind]++;
	}
	return NULL;
}

/* ---- the mutator: TOCTOU ------------------------------------------------- */

static void *mutator(void *arg)
{
	uint64_t r = seed ^ 0x6d75746174ULL;
	unsigned long n = 0;

	(void)arg;
	while (!go && !stop)
		usleep(1000);
	while (!stop) {
		unsigned int i, off = rnd(&r, TOCTOU_SIZE - 64) & ~7U;

		/* plausible headers at random places, garbage elsewhere */
		if (rnd(&r, 2)) {
			struct mmsghdr m;

			memset(&m, 0, sizeof(m));
			m.msg_hdr.msg_iov = (struct iovec *)(toctou + rnd(&r, TOCTOU_SIZE - 64));
			m.msg_hdr.msg_iovlen = rnd(&r, 4) ? rnd(&r, 8) : (size_t)rnd_next(&r);
			m.msg_hdr.msg_name = rnd(&r, 2) ? NULL :
				(void *)(toctou + rnd(&r, TOCTOU_SIZE - 128));
			m.msg_hdr.msg_namelen = rnd(&r, 130);
			m.msg_hdr.msg_control = rnd(&r, 3) ? NULL :
				(void *)(toctou + rnd(&r, TOCTOU_SIZE - 64));
			m.msg_hdr.msg_controllen = rnd(&r, 4) ? rnd(&r, 200) : (size_t)rnd_next(&r);
			memcpy(toctou + off, &m, sizeof(m));
		} else {
			for (i = 0; i < 64; i += 8) {
				uint64_t v = rnd_next(&r);

				if (rnd(&r, 2))	/* small lengths */
					v &= 0xff;
				memcpy(toctou + off + i, &v, 8);
			}
		}
		if ((++n & 63) == 0) {
			/* the flipping page: RW and filled, or PROT_NONE */
			if (rnd(&r, 2)) {
				mprotect((void *)flip_page, PAGE, PROT_READ | PROT_WRITE);
				memcpy((void *)flip_page, toctou + off, 64);
			} else {
				mprotect((void *)flip_page, PAGE, PROT_NONE);
			}
			/* the remapped page: gone, then back (zero-filled) */
			munmap((void *)remap_page, PAGE);
			sched_yield();
			mmap((void *)remap_page, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		}
	}
	return NULL;
}

/* ---- setup ---------------------------------------------------------------- */

static void add_fd(int fd, const char *kind)
{
	if (fd >= 0 && nfds < 64) {
		fd_pool[nfds] = fd;
		fd_kind[nfds++] = kind;
	}
}

static void setup_fds(int devfd)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t len;
	int s, rx, sv[2], lst;

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	len = sizeof(in);
	bind(rx, (struct sockaddr *)&in, sizeof(in));
	getsockname(rx, (struct sockaddr *)&in, &len);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	connect(s, (struct sockaddr *)&in, sizeof(in));
	add_fd(s, "udp4 connected");
	add_fd(socket(AF_INET, SOCK_DGRAM, 0), "udp4");
	add_fd(rx, "udp4 bound");

	in6.sin6_addr = in6addr_loopback;
	rx = socket(AF_INET6, SOCK_DGRAM, 0);
	len = sizeof(in6);
	if (rx >= 0 && !bind(rx, (struct sockaddr *)&in6, sizeof(in6)) &&
	    !getsockname(rx, (struct sockaddr *)&in6, &len)) {
		s = socket(AF_INET6, SOCK_DGRAM, 0);
		connect(s, (struct sockaddr *)&in6, sizeof(in6));
		add_fd(s, "udp6 connected");
	}
	add_fd(socket(AF_INET6, SOCK_DGRAM, 0), "udp6");

	lst = socket(AF_INET, SOCK_STREAM, 0);
	in.sin_port = 0;
	len = sizeof(in);
	bind(lst, (struct sockaddr *)&in, sizeof(in));
	listen(lst, 16);
	getsockname(lst, (struct sockaddr *)&in, &len);
	s = socket(AF_INET, SOCK_STREAM, 0);
	connect(s, (struct sockaddr *)&in, sizeof(in));
	add_fd(s, "tcp4 connected");
	add_fd(socket(AF_INET, SOCK_STREAM, 0), "tcp4");
	add_fd(lst, "tcp4 listening");

	if (!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
		add_fd(sv[0], "unix dgram pair");
	}
	if (!socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		add_fd(sv[0], "unix stream pair");
	}
	if (!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		add_fd(sv[0], "unix seqpacket pair");
	}
	/* a bound unix datagram socket the fuzz names may reach */
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "smt-fuzz-%u", 0);
	bind(s, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + 12);
	add_fd(s, "unix dgram bound");
	add_fd(socket(AF_UNIX, SOCK_DGRAM, 0), "unix dgram");

	if (!pipe(sv))
		add_fd(sv[1], "pipe");
	add_fd(open("/dev/null", O_WRONLY), "/dev/null");
	add_fd(eventfd(0, 0), "eventfd");
	add_fd(open("/", O_RDONLY | O_DIRECTORY), "directory");
	add_fd(devfd, "the trace device");

	closed_fd = dup(0);
	close(closed_fd);
}

static void *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	return p;
}

static void setup_memory(void)
{
	int i;

	flip_page = (uintptr_t)map(PAGE, PROT_READ | PROT_WRITE);
	remap_page = (uintptr_t)map(PAGE, PROT_READ | PROT_WRITE);
	toctou = map(TOCTOU_SIZE, PROT_READ | PROT_WRITE);
	for (i = 0; i < nthreads; i++) {
		struct fuzz_thread *t = &ft[i];

		t->idx = i;
		t->rng = seed + 0x1000 * (uint64_t)(i + 1);
		t->arena = map(ARENA_SIZE, PROT_READ | PROT_WRITE);
		t->guard = map(2 * PAGE, PROT_READ | PROT_WRITE);
		mprotect(t->guard + PAGE, PAGE, PROT_NONE);
		t->ro = map(PAGE, PROT_READ | PROT_WRITE);
		fill_vector(t, (struct mmsghdr *)t->ro, PAGE / sizeof(struct mmsghdr));
		mprotect(t->ro, PAGE, PROT_READ);
	}
}

/*
 * The unmapped hole, made once every thread (and its stack) exists: from
 * then on nothing maps memory but at fixed addresses, so it stays a hole.
 */
static void make_hole(void)
{
	unmapped = (uintptr_t)map(4 * PAGE, PROT_NONE) + PAGE;
	munmap((void *)unmapped, 2 * PAGE);
}

static int still_a_hole(void)
{
	return msync((void *)unmapped, 2 * PAGE, MS_ASYNC) == -1 && errno == ENOMEM;
}

/* ---- the reader: match records with calls ------------------------------ */

struct verdict {
	unsigned long long records, lost, bad_abi, mismatch, unmatched, foreign;
	unsigned long long vec_fault_expected, vec_fault_seen, results_bad;
	unsigned long long clamped, compat_calls;
	unsigned int bad_kinds;
	char first_bad[960], first_mismatch[300], first_results[300], first_vf[200];
};

static struct fuzz_thread *thread_of(unsigned int tid)
{
	int i;

	for (i = 0; i < nthreads; i++)
		if ((unsigned int)ft[i].tid == tid)
			return &ft[i];
	return NULL;
}

static void check_record(struct verdict *v, const struct smt_call *c)
{
	struct fuzz_thread *t = thread_of(c->tid);
	const struct expect *e;
	char why[256];
	uint32_t want_status = IS32 ? SMT_ST_COMPAT : 0;
	uint32_t clamp;
	int i;

	if (c->tgid != (uint32_t)getpid() || !t) {
		v->foreign++;
		return;
	}
	v->records++;
	if (smt_record_problem(&c->hdr, 0, why, sizeof(why))) {
		/* the first record of each of 3 kinds of problem */
		size_t l = strlen(v->first_bad), k = strcspn(why, ":(0123456789");

		v->bad_abi++;
		if (v->bad_kinds < 3 && (!l || !memmem(v->first_bad, l, why, k))) {
			snprintf(v->first_bad + l, sizeof(v->first_bad) - l, "%s%s",
				 l ? " | " : "", why);
			v->bad_kinds++;
		}
	}
	/* the call may not be logged yet: its record is out before it returns */
	for (i = 0; i < 50000 && t->tail == __atomic_load_n(&t->head, __ATOMIC_ACQUIRE); i++)
		usleep(100);
	if (t->tail == t->head) {
		if (!v->unmatched++)
			snprintf(v->first_mismatch, sizeof(v->first_mismatch),
				 "record of tid %u vlen %u ret %lld with no call logged",
				 c->tid, c->vlen, (long long)c->ret);
		return;
	}
	e = &t->log[t->tail % LOG_CAP];
	clamp = e->vlen < 1024 ? e->vlen : 1024;
	if (e->vlen > 1024)
		want_status |= SMT_ST_VLEN_CLAMPED;
	if (clamp > max_msgs)
		want_status |= SMT_ST_TRUNCATED;
	v->clamped += e->vlen > 1024;
	if (c->fd != e->fd || c->vlen != e->vlen || c->flags != e->flags ||
	    c->ret != e->ret || c->msgvec != e->msgvec ||
	    (c->status & (SMT_ST_COMPAT | SMT_ST_VLEN_CLAMPED | SMT_ST_TRUNCATED)) != want_status ||
	    c->nr_msgs > (clamp < max_msgs ? clamp : max_msgs)) {
		if (!v->mismatch++)
			snprintf(v->first_mismatch, sizeof(v->first_mismatch),
				 "call %lu of thread %d (vec %s): fd %d/%d vlen %u/%u flags 0x%x/0x%x ret %lld/%d msgvec 0x%llx/0x%llx status 0x%x (want bits 0x%x) nr_msgs %u",
				 t->tail, t->idx, vec_name[e->vec_kind], c->fd, e->fd,
				 c->vlen, e->vlen, c->flags, e->flags, (long long)c->ret,
				 e->ret, (unsigned long long)c->msgvec,
				 (unsigned long long)e->msgvec, c->status, want_status,
				 c->nr_msgs);
	}
	if (e->hostile && clamp && max_msgs) {
		v->vec_fault_expected++;
		if ((c->status & SMT_ST_VEC_FAULT) && c->nr_msgs == 1 &&
		    (smt_msg_at(c, 0)->status & SMT_MSG_HDR_FAULT))
			v->vec_fault_seen++;
		else if (!v->first_vf[0])
			snprintf(v->first_vf, sizeof(v->first_vf),
				 "vec %s 0x%llx vlen %u: status 0x%x nr_msgs %u msg0 status 0x%x",
				 vec_name[e->vec_kind], (unsigned long long)e->msgvec,
				 e->vlen, c->status, c->nr_msgs,
				 c->nr_msgs ? smt_msg_at(c, 0)->status : 0);
	}
	/* per-message results against the return value */
	if (!(c->status & SMT_ST_NO_RESULTS)) {
		int bad;

		if (c->ret >= 0)
			bad = c->msgs_sent < c->ret || c->msgs_sent > c->ret + 1 ||
			      c->msgs_attempted < c->ret || c->msgs_attempted > c->ret + 1;
		else
			bad = c->msgs_attempted > 1;
		if (bad && !v->results_bad++)
			snprintf(v->first_results, sizeof(v->first_results),
				 "vec %s vlen %u ret %lld: attempted %u sent %u",
				 vec_name[e->vec_kind], c->vlen, (long long)c->ret,
				 c->msgs_attempted, c->msgs_sent);
	}
	__atomic_store_n(&t->tail, t->tail + 1, __ATOMIC_RELEASE);
}

static unsigned char *rbuf;
static size_t rlen;
#define RBUF_CAP (8u << 20)

static ssize_t drain(int fd, struct verdict *v, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t off = 0;
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(fd, rbuf + rlen, RBUF_CAP - rlen);
	if (n <= 0)
		return 0;
	rlen += (size_t)n;
	while (rlen - off >= sizeof(struct smt_rec_hdr)) {
		const struct smt_rec_hdr *h = (const void *)(rbuf + off);

		if (h->size < sizeof(*h) || h->size % 8)
			tap_bail("stream out of step: record size %u", h->size);
		if (rlen - off < h->size)
			break;
		v->lost += h->lost;
		if (h->type == SMT_REC_CALL)
			check_record(v, (const void *)h);
		off += h->size;
	}
	memmove(rbuf, rbuf + off, rlen - off);
	rlen -= off;
	return n;
}

int main(int argc, char **argv)
{
	const char *env = getenv("SMT_FUZZ_SEED");
	double secs = smt_env_num("SMT_FUZZ_SECONDS", 10), t0, el;
	struct smt_filter f = { .mask = SMT_FILTER_TGID };
	struct smt_config cfg;
	struct verdict v;
	__u32 fmt = SMT_FMT_BINARY;
	pthread_t mt;
	unsigned long long calls = 0, by_vec[V_KINDS] = { 0 };
	int fd, i, k, empty;
	char line[512];
	size_t ll = 0;

	signal(SIGPIPE, SIG_IGN);
	seed = argc > 1 ? strtoull(argv[1], NULL, 0) :
	       env && *env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	nthreads = (int)smt_env_num("SMT_FUZZ_THREADS", sysconf(_SC_NPROCESSORS_ONLN));
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	tap_diag("t_fuzz%s: seed %llu (rerun: SMT_FUZZ_SEED=%llu), %d threads, %.0f s",
		 IS32 ? " (32-bit)" : "", (unsigned long long)seed,
		 (unsigned long long)seed, nthreads, secs);

	fd = smt_open_dev(O_RDONLY | O_NONBLOCK, 2000);
	if (fd < 0)
		tap_bail("open %s: %s", SMT_DEV_PATH, strerror(errno));
	if (ioctl(fd, SMT_IOC_SET_FORMAT, &fmt) || ioctl(fd, SMT_IOC_GET_CONFIG, &cfg))
		tap_bail("SET_FORMAT/GET_CONFIG: %s", strerror(errno));
	max_msgs = cfg.max_msgs;
	/*
	 * Flow control: what the threads may have in flight must fit in
	 * half of one CPU's buffer, whatever CPU the records land on.
	 */
	{
		unsigned long rec = 200 + (unsigned long)max_msgs * (240 + cfg.capture_bytes);

		log_cap = (unsigned long)cfg.buffer_kb * 512 / (rec * (unsigned long)nthreads);
		if (log_cap > LOG_CAP)
			log_cap = LOG_CAP;
		if (log_cap < 2)
			log_cap = 2;
	}
	f.tgid = (uint32_t)getpid();
	ok(!ioctl(fd, SMT_IOC_SET_FILTER, &f), "fuzz: filter on our own tgid");
	tap_diag("module: buffer_kb %u, max_msgs %u, capture_bytes %u, %u CPUs; up to %lu calls in flight per thread",
		 cfg.buffer_kb, cfg.max_msgs, cfg.capture_bytes, cfg.nr_cpus, log_cap);
	rbuf = malloc(RBUF_CAP);
	memset(&v, 0, sizeof(v));
	while (drain(fd, &v, 50) > 0)	/* anything from before */
		;
	memset(&v, 0, sizeof(v));
	rlen = 0;

	setup_fds(fd);
	ll = snprintf(line, sizeof(line), "fds:");
	for (i = 0; i < nfds && ll < sizeof(line); i++)
		ll += snprintf(line + ll, sizeof(line) - ll, " %d=%s;", fd_pool[i], fd_kind[i]);
	tap_diag("%s closed=%d", line, closed_fd);
	setup_memory();

	for (i = 0; i < nthreads; i++)
		pthread_create(&ft[i].th, NULL, fuzz_thread, &ft[i]);
	pthread_create(&mt, NULL, mutator, &ft[0]);
	make_hole();
	t0 = smt_now_s();
	go = 1;
	while (smt_now_s() - t0 < secs)
		drain(fd, &v, 100);
	stop = 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(ft[i].th, NULL);
	pthread_join(mt, NULL);
	el = smt_now_s() - t0;
	for (empty = 0; empty < 3;)
		empty = drain(fd, &v, 100) > 0 ? 0 : empty + 1;

	for (i = 0; i < nthreads; i++) {
		calls += ft[i].calls;
		for (k = 0; k < V_KINDS; k++)
			by_vec[k] += ft[i].by_vec[k];
		if (ft[i].tail != ft[i].head)
			v.unmatched += ft[i].head - ft[i].tail;
	}
	ll = snprintf(line, sizeof(line), "msgvec kinds:");
	for (k = 0; k < V_KINDS && ll < sizeof(line); k++)
		ll += snprintf(line + ll, sizeof(line) - ll, " %s %llu;", vec_name[k], by_vec[k]);
	tap_diag("%s", line);
	tap_diag("fuzz%s: %llu calls made in %.1f s (%.0f/s), %llu records, %llu lost, %llu with vlen > 1024",
		 IS32 ? " 32-bit" : "", calls, el, calls / el, v.records, v.lost, v.clamped);
	ok(calls > 0, "fuzz: calls were made (%llu)", calls);
	is_int(v.records, calls, "fuzz: one record per call");
	is_int(v.lost, 0, "fuzz: no loss");
	is_int(v.foreign, 0, "fuzz: no record of another process");
	ok(v.mismatch == 0, "fuzz: fd, vlen, flags, msgvec, ret and status bits of every record match the call (%llu mismatches)%s%s",
	   v.mismatch, v.mismatch ? ": first: " : "", v.first_mismatch);
	ok(v.unmatched == 0, "fuzz: every record matched a call, in order (%llu unmatched)%s%s",
	   v.unmatched, v.unmatched ? ": " : "", v.first_mismatch);
	ok(still_a_hole(), "fuzz: the unmapped hole stayed unmapped");
	if (!is_int(v.vec_fault_seen, v.vec_fault_expected,
		    "fuzz: unreadable vectors (NULL, unmapped, kernel) are flagged SMT_ST_VEC_FAULT"))
		tap_diag("first: %s", v.first_vf);
	ok(v.results_bad == 0, "fuzz: per-message results agree with the return value (%llu disagree)%s%s",
	   v.results_bad, v.results_bad ? ": first: " : "", v.first_results);
	ok(v.bad_abi == 0, "fuzz: every record follows the ABI's padding rules (%llu break them)%s%s",
	   v.bad_abi, v.bad_abi ? ": first: " : "", v.first_bad);
	close(fd);
	return tap_exit();
}
