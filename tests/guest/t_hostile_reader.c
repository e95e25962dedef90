// SPDX-License-Identifier: GPL-2.0
/* SMT-BUILD: m32 */
/*
 * t_hostile_reader: readers that misbehave, beyond what t_device covers.
 *
 *  - a reader SIGKILLed mid-record (binary and text), while blocked, and
 *    during a stream of 1-byte reads: the device can be opened again at
 *    once and the new reader gets well-formed records from a boundary;
 *  - openers in several processes racing: exactly one wins, the others
 *    get EBUSY, never two holders at once;
 *  - two processes sharing one open file split the stream without tearing
 *    or duplicating a record;
 *  - 1-byte reads while calls come from every CPU reassemble exactly;
 *    a read buffer running into a PROT_NONE page, readv, pread;
 *  - signals: EINTR without SA_RESTART, transparent restart with it;
 *  - every ioctl with bad pointers (NULL, low, unmapped, kernel, straddling
 *    into PROT_NONE, read-only for the ones that write): EFAULT and
 *    nothing changed; every number and size that is not an ioctl: ENOTTY.
 *
 * The module is loaded with its defaults (no filter).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>

#include "tap.h"
#include "smt_test.h"

#define PAGE 4096UL
#define IS32 (sizeof(void *) == 4)
#define BIG (8u << 20)

static int tx_fd;
static struct sockaddr_in rx_addr;

static void udp_setup(void)
{
	socklen_t len = sizeof(rx_addr);
	int rx = socket(AF_INET, SOCK_DGRAM, 0);

	rx_addr.sin_family = AF_INET;
	rx_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(rx, (struct sockaddr *)&rx_addr, sizeof(rx_addr)) ||
	    getsockname(rx, (struct sockaddr *)&rx_addr, &len))
		tap_bail("udp: %s", strerror(errno));
	tx_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (connect(tx_fd, (struct sockaddr *)&rx_addr, sizeof(rx_addr)))
		tap_bail("udp connect: %s", strerror(errno));
}

/* One call of vlen 8-byte messages; its return value. */
static int call(unsigned int vlen)
{
	struct mmsghdr m[16];
	struct iovec iov = { .iov_base = "12345678", .iov_len = 8 };
	unsigned int i;

	memset(m, 0, sizeof(m));
	for (i = 0; i < vlen && i < 16; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	return sendmmsg(tx_fd, m, vlen, 0);
}

static int open_fmt(int flags, __u32 fmt)
{
	int fd = smt_open_dev(O_RDONLY | flags, 2000);

	if (fd >= 0 && ioctl(fd, SMT_IOC_SET_FORMAT, &fmt)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read everything queued now (non-blocking fd) into buf; bytes read. */
static size_t slurp(int fd, unsigned char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	return len;
}

struct parsed {
	unsigned long calls, mine, lost_recs, bad;
	unsigned long long lost;
	size_t end;		/* bytes of whole records */
	char why[320];
};

/* Parse a binary stream from offset 0. */
static void parse(const unsigned char *buf, size_t len, pid_t tid,
		  struct parsed *p)
{
	size_t off = 0;

	memset(p, 0, sizeof(*p));
	while (len - off >= sizeof(struct smt_rec_hdr)) {
		const struct smt_rec_hdr *h = (const void *)(buf + off);
		char why[256];

		if (h->size < sizeof(*h) || h->size % 8 || h->size > len - off)
			break;
		if (smt_record_problem(h, 0, why, sizeof(why)) && !p->bad++)
			snprintf(p->why, sizeof(p->why), "at %zu: %s", off, why);
		p->lost += h->lost;
		if (h->type == SMT_REC_LOST)
			p->lost_recs++;
		if (h->type == SMT_REC_CALL) {
			p->calls++;
			p->mine += ((const struct smt_call *)h)->tid == (unsigned int)tid;
		}
		off += h->size;
	}
	p->end = off;
}

/* ---- killed readers ------------------------------------------------------ */

/*
 * A child opens the device (fmt), makes `calls` calls, reads `partial`
 * bytes (0: blocks in read with nothing queued), tells us, and is killed.
 * Then we open at once and check what we get.
 */
static void killed_reader(const char *what, __u32 fmt, int calls, size_t partial)
{
	unsigned char *buf = malloc(BIG);
	struct smt_stats s0, s1;
	unsigned long long new_lost = 0;
	int p[2], fd, st, i, rc;
	char c;
	pid_t pid;

	if (pipe(p))
		tap_bail("pipe");
	pid = fork();
	if (pid == 0) {
		unsigned char b[256];
		ssize_t n = 0;

		close(p[0]);
		fd = open_fmt(0, fmt);
		if (fd < 0)
			_exit(2);
		for (i = 0; i < calls; i++)
			call(3);
		if (partial) {
			n = read(fd, b, partial);
			if (n != (ssize_t)partial)
				_exit(3);
		}
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		if (!partial)
			n = read(fd, b, sizeof(b));	/* blocks */
		pause();
		_exit(4);
	}
	close(p[1]);
	rc = read(p[0], &c, 1);
	close(p[0]);
	if (!ok(rc == 1, "%s: the reader is in place", what)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		free(buf);
		return;
	}
	usleep(50000);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s: the reader died of SIGKILL", what);

	/* at once: the dead reader's file is closed by the time we reaped it */
	fd = open_fmt(O_NONBLOCK, fmt);
	if (!ok(fd >= 0, "%s: a new reader opens the device at once (%s)", what,
		fd < 0 ? strerror(errno) : "ok")) {
		free(buf);
		return;
	}
	ioctl(fd, SMT_IOC_GET_STATS, &s0);
	for (i = 0; i < 3; i++)
		call(2);
	{
		size_t len = slurp(fd, buf, BIG - 1);

		if (fmt == SMT_FMT_BINARY) {
			struct parsed pr;

			parse(buf, len, smt_gettid(), &pr);
			new_lost = pr.lost;
			ok(len > 0 && pr.end == len && pr.bad == 0,
			   "%s: the new reader's stream starts on a record boundary and parses (%zu bytes, %lu records%s%s)",
			   what, len, pr.calls, pr.bad ? ", " : "", pr.why);
			is_int(pr.mine, 3, "%s: the new reader gets the new calls", what);
		} else {
			char *line, *save = NULL;
			int lines = 0, good = 0, nl = len > 0 && buf[len - 1] == '\n';

			buf[len] = 0;
			for (line = strtok_r((char *)buf, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				lines++;
				if (!strncmp(line, "lost n=", 7))
					new_lost += strtoull(line + 7, NULL, 10);
				good += !strncmp(line, "call ts=", 8) ||
					!strncmp(line, "lost n=", 7);
			}
			ok(nl && lines == good && lines >= 3,
			   "%s: the new reader gets whole text lines (%d lines, %d well-formed)",
			   what, lines, good);
		}
	}
	ioctl(fd, SMT_IOC_GET_STATS, &s1);
	if (partial && calls) {
		/*
		 * The record the dead reader was partway through left the
		 * ring with it: it must count as lost, in the stats and in
		 * the stream the next reader gets.
		 */
		long long gap = (long long)(s1.seen - s1.delivered - s1.lost);

		is_int(gap, 0, "%s: the record it was partway through is counted: seen %llu == delivered %llu + lost %llu",
		       what, (unsigned long long)s1.seen,
		       (unsigned long long)s1.delivered, (unsigned long long)s1.lost);
		ok(new_lost >= 1, "%s: the new reader's stream reports it lost (%llu)", what, new_lost);
	}
	close(fd);
	free(buf);
}

struct churn {
	volatile int stop;
	unsigned long calls;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;

	while (!c->stop) {
		call(1 + c->calls % 4);
		c->calls++;
	}
	return NULL;
}

/* A child doing 1-byte reads while calls come in; killed at some point. */
static void killed_during_byte_reads(int delay_ms)
{
	struct churn ch = { 0 };
	pthread_t th;
	unsigned char *buf = malloc(BIG);
	int fd, st;
	pid_t pid;
	char what[64];

	snprintf(what, sizeof(what), "killed after %d ms of 1-byte reads", delay_ms);
	pthread_create(&th, NULL, churn_thread, &ch);
	pid = fork();
	if (pid == 0) {
		unsigned char b;

		fd = open_fmt(0, SMT_FMT_BINARY);
		if (fd < 0)
			_exit(2);
		for (;;)
			if (read(fd, &b, 1) != 1)
				_exit(3);
	}
	usleep((useconds_t)delay_ms * 1000);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s: the reader was reading until killed", what);
	fd = open_fmt(O_NONBLOCK, SMT_FMT_BINARY);
	ok(fd >= 0, "%s: the device opens again at once", what);
	usleep(100000);
	ch.stop = 1;
	pthread_join(th, NULL);
	if (fd >= 0) {
		size_t len = slurp(fd, buf, BIG);
		struct parsed pr;

		parse(buf, len, 0, &pr);
		ok(len > 0 && pr.end == len && pr.bad == 0,
		   "%s: the new reader gets well-formed records (%lu)%s%s", what,
		   pr.calls, pr.bad ? ": " : "", pr.why);
		close(fd);
	}
	free(buf);
}

/* ---- racing openers --------------------------------------------------------- */

struct race {
	int go;
	int attempted;
	int holders;
	int max_holders;
	int wins;
	int ebusy;
	int other;
	int other_errno;
};

static void race_child(struct race *r, int n)
{
	int fd;

	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		;
	fd = open(SMT_DEV_PATH, O_RDONLY);
	if (fd >= 0) {
		int h = __atomic_add_fetch(&r->holders, 1, __ATOMIC_SEQ_CST);
		int m = __atomic_load_n(&r->max_holders, __ATOMIC_SEQ_CST);

		while (h > m && !__atomic_compare_exchange_n(&r->max_holders, &m, h, 0,
							    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			;
		__atomic_add_fetch(&r->wins, 1, __ATOMIC_SEQ_CST);
	} else if (errno == EBUSY) {
		__atomic_add_fetch(&r->ebusy, 1, __ATOMIC_SEQ_CST);
	} else {
		__atomic_store_n(&r->other_errno, errno, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&r->other, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_add_fetch(&r->attempted, 1, __ATOMIC_SEQ_CST);
	if (fd >= 0) {
		/* hold until everybody has tried */
		while (__atomic_load_n(&r->attempted, __ATOMIC_ACQUIRE) < n)
			;
		__atomic_sub_fetch(&r->holders, 1, __ATOMIC_SEQ_CST);
		close(fd);
	}
	_exit(0);
}

static void racing_openers(int rounds, int n)
{
	struct race *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int round, i, st, one_winner = 0, others = 0, max_h = 0, last_errno = 0;
	pid_t pids[16];

	for (round = 0; round < rounds; round++) {
		memset(r, 0, sizeof(*r));
		for (i = 0; i < n; i++) {
			pids[i] = fork();
			if (pids[i] == 0)
				race_child(r, n);
		}
		usleep(2000);
		__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
		for (i = 0; i < n; i++)
			waitpid(pids[i], &st, 0);
		one_winner += r->wins == 1 && r->ebusy == n - 1;
		others += r->other;
		if (r->other)
			last_errno = r->other_errno;
		if (r->max_holders > max_h)
			max_h = r->max_holders;
	}
	is_int(one_winner, rounds, "%d processes open at once, %d rounds: exactly one wins, the others get EBUSY",
	       n, rounds);
	is_int(others, 0, "racing openers: no error but EBUSY (last: %s)", strerror(last_errno));
	is_int(max_h, 1, "racing openers: never two holders at once");
	munmap(r, sizeof(*r));
}

/* Several processes open and close in a loop for a while. */
static void churning_openers(int n, double secs)
{
	struct race *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[16];
	int i, st;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			double end = smt_now_s() + secs;

			while (smt_now_s() < end) {
				int fd = open(SMT_DEV_PATH, O_RDONLY | O_NONBLOCK);

				if (fd >= 0) {
					int h = __atomic_add_fetch(&r->holders, 1, __ATOMIC_SEQ_CST);

					if (h > 1)
						__atomic_store_n(&r->max_holders, h, __ATOMIC_SEQ_CST);
					__atomic_add_fetch(&r->wins, 1, __ATOMIC_SEQ_CST);
					__atomic_sub_fetch(&r->holders, 1, __ATOMIC_SEQ_CST);
					close(fd);
				} else if (errno == EBUSY) {
					__atomic_add_fetch(&r->ebusy, 1, __ATOMIC_SEQ_CST);
				} else {
					__atomic_store_n(&r->other_errno, errno, __ATOMIC_SEQ_CST);
					__atomic_add_fetch(&r->other, 1, __ATOMIC_SEQ_CST);
				}
			}
			_exit(0);
		}
	}
	for (i = 0; i < n; i++)
		waitpid(pids[i], &st, 0);
	tap_diag("churning openers: %d opens, %d EBUSY", r->wins, r->ebusy);
	ok(r->wins > 0 && r->other == 0 && r->max_holders <= 1,
	   "%d processes opening and closing for %.1f s: never two holders, no error but EBUSY (%d others, last %s)",
	   n, secs, r->other, strerror(r->other_errno));
	munmap(r, sizeof(*r));
}

/* ---- one file, two processes ------------------------------------------------ */

static void shared_file(void)
{
	struct churn ch = { 0 };
	pthread_t th;
	unsigned char *buf = malloc(BIG);
	int fd = open_fmt(O_NONBLOCK, SMT_FMT_BINARY), p[2], st;
	unsigned long parent_recs = 0, child_recs = 0, bad = 0;
	unsigned long long lost = 0;
	pid_t pid;
	struct parsed pr;
	double end;

	if (!ok(fd >= 0, "shared file: open"))
		return;
	slurp(fd, buf, BIG);
	if (pipe(p))
		tap_bail("pipe");
	pid = fork();
	if (pid == 0) {
		unsigned long recs = 0, b = 0;
		unsigned long long l = 0;
		ssize_t n;

		close(p[0]);
		end = smt_now_s() + 1.5;
		while (smt_now_s() < end) {
			n = read(fd, buf, BIG);
			if (n > 0) {
				parse(buf, (size_t)n, 0, &pr);
				recs += pr.calls;
				l += pr.lost;
				b += pr.bad + (pr.end != (size_t)n);
			} else {
				usleep(1000);
			}
		}
		n = write(p[1], &recs, sizeof(recs));
		n = write(p[1], &l, sizeof(l));
		n = write(p[1], &b, sizeof(b));
		_exit(n == sizeof(b) ? 0 : 1);
	}
	close(p[1]);
	pthread_create(&th, NULL, churn_thread, &ch);
	end = smt_now_s() + 1.0;
	while (smt_now_s() < end) {
		ssize_t n = read(fd, buf, BIG);

		if (n > 0) {
			parse(buf, (size_t)n, 0, &pr);
			parent_recs += pr.calls;
			lost += pr.lost;
			bad += pr.bad + (pr.end != (size_t)n);
		} else {
			usleep(1000);
		}
	}
	ch.stop = 1;
	pthread_join(th, NULL);
	{
		unsigned long cb = 0;
		unsigned long long cl = 0;

		if (read(p[0], &child_recs, sizeof(child_recs)) != sizeof(child_recs) ||
		    read(p[0], &cl, sizeof(cl)) != sizeof(cl) ||
		    read(p[0], &cb, sizeof(cb)) != sizeof(cb))
			tap_diag("shared file: no report from the child");
		bad += cb;
		lost += cl;
	}
	waitpid(pid, &st, 0);
	/* what neither took yet */
	{
		size_t len = slurp(fd, buf, BIG);

		parse(buf, len, 0, &pr);
		parent_recs += pr.calls;
		lost += pr.lost;
		bad += pr.bad + (pr.end != len);
	}
	tap_diag("shared file: %lu calls, parent read %lu records, child %lu, %llu lost",
		 ch.calls, parent_recs, child_recs, lost);
	if (!child_recs)	/* no fairness is promised between readers */
		tap_diag("shared file: the child got no record (the parent's reads kept the lock)");
	is_int(parent_recs + child_recs + lost, ch.calls,
	       "shared file: the two processes together read each call's record once (or its loss)");
	is_int(bad, 0, "shared file: no read returned a torn record");
	close(p[0]);
	close(fd);
	free(buf);
}

/* ---- reads ---------------------------------------------------------------------- */

struct spray {
	int cpu;
	int n;
};

static void *spray_thread(void *arg)
{
	struct spray *s = arg;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (i = 0; i < s->n; i++)
		call(1 + i % 8);
	return NULL;
}

static void byte_reads_under_load(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), i, fd;
	struct spray sp[16];
	pthread_t th[16];
	unsigned char *buf = malloc(BIG);
	size_t len = 0;
	struct parsed pr;
	ssize_t n;
	int idle = 0;

	if (ncpu > 16)
		ncpu = 16;
	fd = open_fmt(O_NONBLOCK, SMT_FMT_BINARY);
	if (!ok(fd >= 0, "1-byte reads: open"))
		return;
	slurp(fd, buf, BIG);
	for (i = 0; i < ncpu; i++) {
		sp[i].cpu = i;
		sp[i].n = 150;
		pthread_create(&th[i], NULL, spray_thread, &sp[i]);
	}
	/* read one byte at a time while the calls come */
	while (idle < 200 && len < BIG) {
		n = read(fd, buf + len, 1);
		if (n == 1) {
			len++;
			idle = 0;
		} else {
			idle++;
			usleep(1000);
		}
	}
	for (i = 0; i < ncpu; i++)
		pthread_join(th[i], NULL);
	while (len < BIG && read(fd, buf + len, 1) == 1)
		len++;
	parse(buf, len, 0, &pr);
	ok(pr.end == len && pr.bad == 0,
	   "1-byte reads during calls from %d CPUs: %zu bytes reassemble into whole, well-formed records%s%s",
	   ncpu, len, pr.bad ? ": " : "", pr.why);
	is_int(pr.calls + pr.lost, 150 * ncpu, "1-byte reads: every call's record (or its loss) is there");
	close(fd);
	free(buf);
}

static void straddling_read(void)
{
	unsigned char *pg = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *buf = malloc(BIG);
	int fd = open_fmt(O_NONBLOCK, SMT_FMT_BINARY), i;
	size_t len, first;
	ssize_t n;
	struct parsed pr;

	mprotect(pg + PAGE, PAGE, PROT_NONE);
	slurp(fd, buf, BIG);
	for (i = 0; i < 4; i++)
		call(1);	/* 4 records of 440 bytes */
	/* room for two records and a half before PROT_NONE */
	n = read(fd, pg + PAGE - 1100, 65536);
	ok(n == 880, "read running into PROT_NONE returns the 2 whole records that fit (%zd)", n);
	first = n > 0 ? (size_t)n : 0;
	memcpy(buf, pg + PAGE - 1100, first);
	len = first + slurp(fd, buf + first, BIG - first);
	parse(buf, len, smt_gettid(), &pr);
	ok(pr.end == len && pr.bad == 0 && pr.mine == 4,
	   "the record that did not fit comes whole with the next read (%lu of ours)", pr.mine);

	/* the first record does not fit at all: EFAULT, nothing lost */
	call(1);
	errno = 0;
	n = read(fd, pg + PAGE - 100, 65536);
	ok(n == -1 && errno == EFAULT, "read with no room for one record before PROT_NONE: EFAULT");
	len = slurp(fd, buf, BIG);
	parse(buf, len, smt_gettid(), &pr);
	ok(pr.mine == 1 && pr.end == len, "... and the record comes with the next read");

	/* read-only buffer */
	mprotect(pg, PAGE, PROT_READ);
	call(1);
	errno = 0;
	n = read(fd, pg, PAGE);
	ok(n == -1 && errno == EFAULT, "read into a read-only buffer: EFAULT");
	len = slurp(fd, buf, BIG);
	parse(buf, len, smt_gettid(), &pr);
	ok(pr.mine == 1, "... and the record comes with the next read");

	/* readv across three buffers, pread */
	call(1);
	{
		unsigned char a[100], b[1], c[4096];
		struct iovec v[4] = { { a, sizeof(a) }, { NULL, 0 }, { b, 1 }, { c, sizeof(c) } };

		n = readv(fd, v, 4);
		memcpy(buf, a, 100);
		memcpy(buf + 100, b, 1);
		memcpy(buf + 101, c, n > 101 ? (size_t)n - 101 : 0);
		parse(buf, n > 0 ? (size_t)n : 0, smt_gettid(), &pr);
		ok(n == 440 && pr.mine == 1 && pr.end == 440,
		   "readv over 4 iovecs (one empty) returns the whole record (%zd)", n);
	}
	errno = 0;
	ok(pread(fd, buf, 16, 0) == -1 && errno == ESPIPE, "pread: ESPIPE");
	errno = 0;
	ok(pwrite(fd, buf, 16, 0) == -1 && errno == ESPIPE, "pwrite: ESPIPE");
	ok(read(fd, buf, 0) == 0, "read of 0 bytes: 0");
	close(fd);
	munmap(pg, 2 * PAGE);
	free(buf);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct sigread {
	int fd;
	ssize_t n;
	int err;
	int tid;
	volatile int started;
	int done;
};

static void *sig_reader(void *arg)
{
	struct sigread *s = arg;
	char b[4096];

	s->tid = smt_gettid();
	s->started = 1;
	errno = 0;
	s->n = read(s->fd, b, sizeof(b));
	s->err = errno;
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The syscall the thread is in (/proc/self/task/TID/syscall), or -1. */
static long in_syscall(int tid)
{
	char path[64], line[128];
	FILE *f;
	long nr = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && line[0] >= '0' && line[0] <= '9')
		nr = strtol(line, NULL, 10);
	fclose(f);
	return nr;
}

/* Wait for the reader thread to return, at most ms; 0 if it did. */
static int wait_done(struct sigread *s, int ms)
{
	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) && ms-- > 0)
		usleep(1000);
	return s->done ? 0 : -1;
}

static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct sigread s = { 0 };
	unsigned char *buf = malloc(BIG);
	pthread_t th;
	int restart, i, blocked;

	for (restart = 0; restart < 2; restart++) {
		const char *what = restart ? "SA_RESTART" : "no SA_RESTART";

		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGUSR1, &sa, NULL);
		memset(&s, 0, sizeof(s));
		s.fd = open_fmt(0, SMT_FMT_BINARY);
		if (!ok(s.fd >= 0, "signals (%s): open", what))
			continue;
		fcntl(s.fd, F_SETFL, O_NONBLOCK);
		slurp(s.fd, buf, BIG);
		fcntl(s.fd, F_SETFL, 0);
		s.n = -2;
		pthread_create(&th, NULL, sig_reader, &s);
		/* the signal must find it asleep in read() */
		for (i = 0, blocked = 0; i < 5000 && !blocked; i++) {
			blocked = s.tid && in_syscall(s.tid) == SYS_read;
			if (!blocked)
				usleep(1000);
		}
		usleep(50000);
		ok(blocked && !s.done, "signals (%s): the reader blocks in read()", what);
		syscall(SYS_tgkill, getpid(), s.tid, SIGUSR1);
		if (restart) {
			ok(wait_done(&s, 300) && s.n == -2,
			   "signals: with SA_RESTART the blocked read goes on");
			call(1);
			if (wait_done(&s, 5000))
				call(1);
			pthread_join(th, NULL);
			ok(s.n == 440, "signals: ... and returns the next record (%zd)", s.n);
		} else {
			int rc = wait_done(&s, 5000);

			if (rc)		/* release it, to go on */
				call(1);
			pthread_join(th, NULL);
			ok(!rc && s.n == -1 && s.err == EINTR,
			   "signals: without SA_RESTART the blocked read fails with EINTR (%zd, %s)",
			   s.n, strerror(s.err));
			call(1);
			fcntl(s.fd, F_SETFL, O_NONBLOCK);
			ok(read(s.fd, buf, BIG) == 440, "signals: the next read works");
		}
		close(s.fd);
	}
	signal(SIGUSR1, SIG_DFL);
	free(buf);
}

/* ---- ioctls ------------------------------------------------------------------------ */

struct ioc {
	const char *name;
	unsigned long cmd;
	size_t size;
	int writes;	/* the kernel writes to the argument */
};

static const struct ioc iocs[] = {
	{ "SET_FORMAT", SMT_IOC_SET_FORMAT, sizeof(__u32), 0 },
	{ "GET_STATS", SMT_IOC_GET_STATS, sizeof(struct smt_stats), 1 },
	{ "GET_CPU_STATS", SMT_IOC_GET_CPU_STATS, sizeof(struct smt_cpu_stats), 1 },
	{ "SET_FILTER", SMT_IOC_SET_FILTER, sizeof(struct smt_filter), 0 },
	{ "GET_FILTER", SMT_IOC_GET_FILTER, sizeof(struct smt_filter), 1 },
	{ "GET_CONFIG", SMT_IOC_GET_CONFIG, sizeof(struct smt_config), 1 },
	{ "GET_CLOCK", SMT_IOC_GET_CLOCK, sizeof(struct smt_clock), 1 },
};

#define NIOCS (sizeof(iocs) / sizeof(iocs[0]))

static void ioctl_bad_pointers(void)
{
	unsigned char *pg = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *ro = pg + 2 * PAGE;	/* zeros, read-only */
	unsigned char *ro_filter = pg + 3 * PAGE;
	unsigned long kern = IS32 ? 0xfffff000UL : (unsigned long)0xffffffff81000000ULL;
	unsigned char *gone;
	int fd = open_fmt(O_NONBLOCK, SMT_FMT_BINARY);
	struct smt_filter f0, f1, good = { .mask = SMT_FILTER_COMM, .comm = "nobody-here" };
	unsigned int i, k, fails = 0, total = 0;
	char failed[512] = "";
	size_t fl = 0;

	if (!ok(fd >= 0, "ioctl pointers: open"))
		return;
	gone = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, PAGE);
	mprotect(pg + PAGE, PAGE, PROT_NONE);
	/* a valid filter in the read-only page, for SET_FILTER's sake */
	memcpy(ro_filter, &good, sizeof(good));
	mprotect(ro, 2 * PAGE, PROT_READ);
	ioctl(fd, SMT_IOC_GET_FILTER, &f0);

	for (i = 0; i < NIOCS; i++) {
		const struct ioc *c = &iocs[i];
		struct {
			const char *name;
			unsigned long p;
			int applies;
		} bad[] = {
			{ "NULL", 0, 1 },
			{ "8", 8, 1 },
			{ "unmapped", (unsigned long)gone, 1 },
			{ "kernel", kern, 1 },
			{ "straddling", (unsigned long)(pg + PAGE - c->size / 2), 1 },
			{ "PROT_NONE", (unsigned long)(pg + PAGE), 1 },
			{ "read-only", (unsigned long)ro, c->writes },
		};

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			long r;

			if (!bad[k].applies)
				continue;
			total++;
			errno = 0;
			r = ioctl(fd, c->cmd, bad[k].p);
			if (r != -1 || errno != EFAULT) {
				fails++;
				if (fl < sizeof(failed) - 80)
					fl += snprintf(failed + fl, sizeof(failed) - fl,
						       " %s(%s)=%ld/%s;", c->name, bad[k].name,
						       r, strerror(errno));
			}
		}
	}
	ok(fails == 0, "every ioctl with NULL, low, unmapped, kernel, straddling, PROT_NONE (and read-only when it writes) pointers: EFAULT (%u cases)%s",
	   total, failed);
	ioctl(fd, SMT_IOC_GET_FILTER, &f1);
	ok(!memcmp(&f0, &f1, sizeof(f0)), "the filter is unchanged after the faulting SET_FILTERs");
	/* the format is unchanged too: still binary */
	{
		unsigned char *buf = malloc(BIG);
		struct parsed pr;
		size_t len;

		slurp(fd, buf, BIG);
		call(1);
		len = slurp(fd, buf, BIG);
		parse(buf, len, smt_gettid(), &pr);
		ok(pr.mine == 1 && pr.end == len, "the format is unchanged after the faulting SET_FORMATs");
		free(buf);
	}
	/* SET_FILTER from a read-only page is fine: it only reads */
	ok(!ioctl(fd, SMT_IOC_SET_FILTER, ro_filter), "SET_FILTER from a read-only page works");
	memset(&f1, 0, sizeof(f1));
	ok(!ioctl(fd, SMT_IOC_SET_FILTER, &f1), "SET_FILTER mask 0 clears it");
	close(fd);
	munmap(pg, 4 * PAGE);
}

static void ioctl_bad_numbers(void)
{
	int fd = open_fmt(O_NONBLOCK, SMT_FMT_BINARY);
	static const unsigned int sizes[] = { 0, 1, 2, 4, 8, 16, 24, 47, 48, 49, 56,
					      168, 200, 4095, 16383 };
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE,
					     _IOC_READ | _IOC_WRITE };
	unsigned char *arg = calloc(1, 65536);
	unsigned int nr, d, s, i, total = 0, fails = 0;
	char failed[512] = "";
	size_t fl = 0;
	static const unsigned long other[] = { TCGETS, FIONREAD, 0x4004667f, 0 };

	if (!ok(fd >= 0, "ioctl numbers: open"))
		return;
	for (nr = 0; nr < 20; nr++)
		for (d = 0; d < 4; d++)
			for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
				unsigned long cmd = _IOC(dirs[d], SMT_IOC_MAGIC, nr, sizes[s]);
				long r;
				int known = 0;

				for (i = 0; i < NIOCS; i++)
					known |= iocs[i].cmd == cmd;
				if (known)
					continue;
				/* SET_FORMAT-sized args are harmless: zeroed */
				total++;
				errno = 0;
				r = ioctl(fd, cmd, arg);
				if (r != -1 || errno != ENOTTY) {
					fails++;
					if (fl < sizeof(failed) - 60)
						fl += snprintf(failed + fl, sizeof(failed) - fl,
							       " 0x%lx=%ld/%s;", cmd, r, strerror(errno));
				}
			}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		long r;

		total++;
		errno = 0;
		r = ioctl(fd, other[i], arg);
		if (r != -1 || errno != ENOTTY) {
			fails++;
			if (fl < sizeof(failed) - 60)
				fl += snprintf(failed + fl, sizeof(failed) - fl,
					       " 0x%lx=%ld/%s;", other[i], r, strerror(errno));
		}
	}
	ok(fails == 0, "every ioctl number, direction and size that is not an ioctl of ours: ENOTTY (%u cases)%s",
	   total, failed);
	free(arg);
	close(fd);
}

/* The device refuses what it does not do; opening for writing. */
static void odd_opens(void)
{
	int fd = smt_open_dev(O_WRONLY, 2000);

	ok(fd < 0 && errno == EINVAL, "open O_WRONLY is refused with EINVAL (%s)",
	   fd < 0 ? strerror(errno) : "it opened");
	if (fd >= 0)
		close(fd);
	fd = open_fmt(O_NONBLOCK, SMT_FMT_BINARY);
	ok(fd >= 0, "the device opens for reading after the O_WRONLY opener closed");
	close(fd);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	udp_setup();
	if (!smt_module_loaded())
		tap_bail("the module is not loaded");

	killed_reader("binary, killed mid-record", SMT_FMT_BINARY, 3, 13);
	killed_reader("text, killed mid-line", SMT_FMT_TEXT, 3, 10);
	killed_reader("killed while blocked in read", SMT_FMT_BINARY, 0, 0);
	killed_during_byte_reads(150);
	killed_during_byte_reads(400);
	racing_openers(100, 4);
	churning_openers(4, 1.5);
	shared_file();
	byte_reads_under_load();
	straddling_read();
	signals();
	ioctl_bad_pointers();
	ioctl_bad_numbers();
	odd_opens();
	return tap_exit();
}
