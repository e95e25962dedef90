// SPDX-License-Identifier: GPL-2.0
/*
 * smt_drain - the benchmark's reader: binary records from
 * /dev/sendmmsg_trace, read in large chunks and thrown away, so the cost
 * measured is the module's and the device's, not a formatter's.
 *
 *   smt_drain [-c] [-n]
 *       drain until SIGINT/SIGTERM, then print on stdout
 *       "bytes=B delivered=D lost=L missed=M seen=S" (counts since the
 *       drainer started); with -c print the module's configuration first:
 *       "memory_bytes=N buffer_kb=N nr_cpus=N nr_slots=N max_msgs=N"
 *       On SIGUSR1 print "counts seen=S lost=L missed=M" (module counters
 *       since the drainer started) and go on: the benchmark asks after each
 *       workload, so that a loss is charged to the workload that had it.
 *       -n: never block in read(): O_NONBLOCK, and a 5 ms nap whenever the
 *       device is empty.  No reader ever sleeps on the module's wait queue,
 *       so the probes never queue a wake-up: the difference to the blocking
 *       mode is what per-record wake-ups cost the traced calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "sendmmsg_trace.h"

#define CHUNK (1U << 20)

static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

/* No SA_RESTART: a blocked read() must return EINTR on the signal. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

static void get_stats(int fd, struct smt_stats *st)
{
	if (ioctl(fd, SMT_IOC_GET_STATS, st)) {
		perror("SMT_IOC_GET_STATS");
		exit(1);
	}
}

/* The counters since @a, for the SIGUSR1 report. */
static void print_counts(int fd, const struct smt_stats *a)
{
	struct smt_stats b;

	get_stats(fd, &b);
	printf("counts seen=%llu lost=%llu missed=%llu\n",
	       (unsigned long long)(b.seen - a->seen),
	       (unsigned long long)(b.lost - a->lost),
	       (unsigned long long)(b.missed - a->missed));
	fflush(stdout);
}

static void print_config(int fd)
{
	struct smt_config c;

	if (ioctl(fd, SMT_IOC_GET_CONFIG, &c)) {
		perror("SMT_IOC_GET_CONFIG");
		exit(1);
	}
	printf("memory_bytes=%llu buffer_kb=%u nr_cpus=%u nr_slots=%u max_msgs=%u\n",
	       (unsigned long long)c.memory_bytes, c.buffer_kb, c.nr_cpus,
	       c.nr_slots, c.max_msgs);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	const struct timespec nap = { .tv_nsec = 5000000 };
	struct smt_stats a, b;
	unsigned long long bytes = 0;
	__u32 fmt = SMT_FMT_BINARY;
	int fd, i, config = 0, nonblock = 0;
	ssize_t n;

	for (i = 1; i < argc; i++) {
		config |= !strcmp(argv[i], "-c");
		nonblock |= !strcmp(argv[i], "-n");
	}
	catch_signals();
	fd = open("/dev/" SMT_DEVICE_NAME, O_RDONLY | (nonblock ? O_NONBLOCK : 0));
	if (fd < 0 || ioctl(fd, SMT_IOC_SET_FORMAT, &fmt)) {
		perror("/dev/" SMT_DEVICE_NAME);
		return 1;
	}
	if (config)
		print_config(fd);
	get_stats(fd, &a);
	while (!stop) {
		if (report) {
			report = 0;
			print_counts(fd, &a);
		}
		n = read(fd, buf, sizeof(buf));
		if (n > 0)
			bytes += (unsigned long long)n;
		else if (n < 0 && errno == EAGAIN)
			nanosleep(&nap, NULL);
		else if (n < 0 && errno != EINTR)
			break;
	}
	get_stats(fd, &b);
	printf("bytes=%llu delivered=%llu lost=%llu missed=%llu seen=%llu\n", bytes,
	       (unsigned long long)(b.delivered - a.delivered),
	       (unsigned long long)(b.lost - a.lost),
	       (unsigned long long)(b.missed - a.missed),
	       (unsigned long long)(b.seen - a.seen));
	return 0;
}
