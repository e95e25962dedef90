// SPDX-License-Identifier: GPL-2.0
/*
 * smt_bench - the guest workload of the sendmmsg_trace benchmark.
 *
 *   smt_bench WORKLOAD SECONDS   run WORKLOAD for SECONDS (after a short
 *                                warm-up) and print "<ns per call> <calls>"
 *   smt_bench pace RATE SECONDS  UDP vlen 1 at RATE calls/s (0: as fast as
 *                                possible); print "<calls/s achieved> <calls>"
 *
 * Workloads:
 *   fail   unconnected UDP socket, no address, vlen 1: fails fast with
 *          EDESTADDRREQ (the worst case for relative overhead)
 *   udp1, udp16, udp64
 *          64-byte messages to 127.0.0.1 (msg_name set), vlen 1/16/64
 *   mt16   udp16 from one thread per online CPU; ns per call is the
 *          elapsed time times the threads over all their calls, i.e. what
 *          one call costs one thread
 *
 * The receiving socket is never read: once its queue is full the kernel
 * drops further datagrams after sending them, which costs the same in
 * every configuration and keeps the reader and the tracers alone on the
 * other vCPU.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_BYTES	64
#define MAX_VLEN	64
#define MAX_THREADS	64
#define WARMUP_NS	20000000ULL	/* caches, slabs, kretprobe pools */

struct sender {
	int fd;
	unsigned int vlen;
	struct sockaddr_in dst;
	struct iovec iov[MAX_VLEN];
	struct mmsghdr msgs[MAX_VLEN];
	char payload[MAX_VLEN][MSG_BYTES];
};

struct thread_arg {
	struct sender s;
	uint64_t end_ns;
	uint64_t calls;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A bound receiver on 127.0.0.1 (never read); returns its port. */
static in_port_t receiver_port(void)
{
	static in_port_t port;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd;

	if (port)
		return port;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		die("receiver");
	port = a.sin_port;
	return port;
}

/* with_addr 0: the fail-fast vector (no msg_name on an unconnected socket). */
static void sender_init(struct sender *s, unsigned int vlen, int with_addr)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->vlen = vlen;
	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (s->fd < 0)
		die("socket");
	s->dst.sin_family = AF_INET;
	s->dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (with_addr)
		s->dst.sin_port = receiver_port();
	for (i = 0; i < vlen; i++) {
		memset(s->payload[i], 'a' + (int)(i % 26), MSG_BYTES);
		s->iov[i].iov_base = s->payload[i];
		s->iov[i].iov_len = MSG_BYTES;
		s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
		s->msgs[i].msg_hdr.msg_iovlen = 1;
		if (with_addr) {
			s->msgs[i].msg_hdr.msg_name = &s->dst;
			s->msgs[i].msg_hdr.msg_namelen = sizeof(s->dst);
		}
	}
}

static void send_once(struct sender *s, int expect_fail)
{
	int r = sendmmsg(s->fd, s->msgs, s->vlen, 0);

	if (expect_fail ? r >= 0 || errno != EDESTADDRREQ : r < 0)
		die("sendmmsg (unexpected result)");
}

/*
 * Calls until end_ns.  The clock is read once per CLOCK_EVERY calls: in a
 * TCG guest the clocksource is the HPET, which the vDSO cannot read, so
 * each clock_gettime() is a system call and an emulated device access,
 * about as costly as the fail-fast sendmmsg itself.
 */
#define CLOCK_EVERY	16

static uint64_t run_until(struct sender *s, int expect_fail, uint64_t end_ns)
{
	uint64_t calls = 0;
	unsigned int i;

	while (now_ns() < end_ns) {
		for (i = 0; i < CLOCK_EVERY; i++)
			send_once(s, expect_fail);
		calls += CLOCK_EVERY;
	}
	return calls;
}

static void report(uint64_t elapsed_ns, uint64_t calls, unsigned int threads)
{
	if (!calls) {
		fprintf(stderr, "no call completed\n");
		exit(1);
	}
	printf("%.0f %llu\n", (double)elapsed_ns * threads / (double)calls,
	       (unsigned long long)calls);
}

static void single(unsigned int vlen, int fail, double seconds)
{
	static struct sender s;
	uint64_t t0, calls;

	sender_init(&s, vlen, !fail);
	run_until(&s, fail, now_ns() + WARMUP_NS);
	t0 = now_ns();
	calls = run_until(&s, fail, t0 + (uint64_t)(seconds * 1e9));
	report(now_ns() - t0, calls, 1);
}

static void *mt_thread(void *p)
{
	struct thread_arg *a = p;

	a->calls = run_until(&a->s, 0, a->end_ns);
	return NULL;
}

static void multi(unsigned int vlen, double seconds)
{
	static struct thread_arg args[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t t0, end, calls = 0;
	long i;

	if (n < 1)
		n = 1;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	t0 = now_ns() + WARMUP_NS;	/* the warm-up is the thread start */
	end = t0 + (uint64_t)(seconds * 1e9);
	for (i = 0; i < n; i++) {
		sender_init(&args[i].s, vlen, 1);
		args[i].end_ns = end;
	}
	for (i = 0; i < n; i++) {
		if (pthread_create(&tids[i], NULL, mt_thread, &args[i]))
			die("pthread_create");
	}
	for (i = 0; i < n; i++) {
		pthread_join(tids[i], NULL);
		calls += args[i].calls;
	}
	report(end - (t0 - WARMUP_NS), calls, (unsigned int)n);
}

/*
 * Paced UDP vlen 1: keep the number of calls at rate * elapsed; sleep in
 * short naps when ahead, so the reader gets the CPU it needs.
 */
static void pace(double rate, double seconds)
{
	static struct sender s;
	const struct timespec nap = { .tv_nsec = 50000 };
	uint64_t t0, t, end, calls = 0;

	sender_init(&s, 1, 1);
	t0 = now_ns();
	end = t0 + (uint64_t)(seconds * 1e9);
	while ((t = now_ns()) < end) {
		if (rate > 0 && (double)calls >= (double)(t - t0) * rate / 1e9) {
			nanosleep(&nap, NULL);
			continue;
		}
		send_once(&s, 0);
		calls++;
	}
	printf("%.0f %llu\n", (double)calls * 1e9 / (double)(now_ns() - t0),
	       (unsigned long long)calls);
}

static void usage(void)
{
	fprintf(stderr, "usage: smt_bench fail|udp1|udp16|udp64|mt16 SECONDS\n"
			"       smt_bench pace RATE SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *w;
	double secs;

	if (argc < 3)
		usage();
	w = argv[1];
	secs = atof(argv[argc - 1]);
	if (secs <= 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(w, "pace") && argc == 4)
		pace(atof(argv[2]), secs);
	else if (argc != 3)
		usage();
	else if (!strcmp(w, "fail"))
		single(1, 1, secs);
	else if (!strcmp(w, "udp1"))
		single(1, 0, secs);
	else if (!strcmp(w, "udp16"))
		single(16, 0, secs);
	else if (!strcmp(w, "udp64"))
		single(64, 0, secs);
	else if (!strcmp(w, "mt16"))
		multi(16, secs);
	else
		usage();
	return 0;
}
