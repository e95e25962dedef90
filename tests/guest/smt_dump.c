// SPDX-License-Identifier: GPL-2.0
/*
 * smt_dump: copy the device's binary records to a file until SIGTERM or
 * SIGINT, then drain what is left and exit.  Used by suite scripts that
 * check records with a program of their own.
 *
 *   smt_dump FILE &  ...  kill -TERM $!; wait
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sendmmsg_trace.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int copy_available(int dev, int out)
{
	static char buf[1 << 16];
	ssize_t n;

	while ((n = read(dev, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	return n < 0 && errno != EAGAIN && errno != EINTR ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	__u32 fmt = SMT_FMT_BINARY;
	int dev, out;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	dev = open("/dev/" SMT_DEVICE_NAME, O_RDONLY | O_NONBLOCK);
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (dev < 0 || out < 0 || ioctl(dev, SMT_IOC_SET_FORMAT, &fmt)) {
		perror("smt_dump");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "smt_dump: ready\n");
	while (!stop) {
		struct pollfd p = { .fd = dev, .events = POLLIN };

		poll(&p, 1, 200);
		if (copy_available(dev, out))
			return 1;
	}
	return copy_available(dev, out) ? 1 : 0;
}
