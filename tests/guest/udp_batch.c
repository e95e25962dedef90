// SPDX-License-Identifier: GPL-2.0
/*
 * udp_batch: a small batch UDP sender, the demo's workload and a call
 * generator for suite scripts.
 *
 *   udp_batch [-n BATCHES] [-v VLEN] [-s SIZE] [-f FAIL] [-c]
 *
 * Sends BATCHES sendmmsg calls of VLEN messages of SIZE bytes to a
 * receiver on 127.0.0.1, each message addressed with msg_name (or, with
 * -c, on a connected socket).  With -f FAIL, one more call is made whose
 * message FAIL has a bad address family: the kernel sends the messages
 * before it, returns their count and drops that message's error, which
 * the trace shows.  Prints each call and its result.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_VLEN 1024

static struct mmsghdr msgs[MAX_VLEN];
static struct iovec iovs[MAX_VLEN];

static void fill(unsigned int vlen, size_t size, struct sockaddr_in *to,
		 int named)
{
	static char data[65536];
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = 'a' + i % 26;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < vlen; i++) {
		iovs[i].iov_base = data;
		iovs[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (named) {
			msgs[i].msg_hdr.msg_name = to;
			msgs[i].msg_hdr.msg_namelen = sizeof(*to);
		}
	}
}

static int call(int fd, unsigned int vlen)
{
	int ret = sendmmsg(fd, msgs, vlen, MSG_DONTWAIT);

	if (ret < 0)
		printf("sendmmsg(fd=%d, vlen=%u) = -1 %s\n", fd, vlen,
		       strerror(errno));
	else
		printf("sendmmsg(fd=%d, vlen=%u) = %d\n", fd, vlen, ret);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned int batches = 3, vlen = 4, fail = MAX_VLEN, i;
	size_t size = 64;
	int connected = 0, opt, rx, tx;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in bad;
	socklen_t len = sizeof(to);

	while ((opt = getopt(argc, argv, "n:v:s:f:c")) != -1) {
		switch (opt) {
		case 'n': batches = strtoul(optarg, NULL, 0); break;
		case 'v': vlen = strtoul(optarg, NULL, 0); break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		case 'f': fail = strtoul(optarg, NULL, 0); break;
		case 'c': connected = 1; break;
		default:
			fprintf(stderr, "usage: %s [-n batches] [-v vlen] [-s size] [-f fail_index] [-c]\n",
				argv[0]);
			return 2;
		}
	}
	if (vlen > MAX_VLEN || size > 65536) {
		fprintf(stderr, "vlen <= %d, size <= 65536\n", MAX_VLEN);
		return 2;
	}
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(rx, (struct sockaddr *)&to, sizeof(to)) ||
	    getsockname(rx, (struct sockaddr *)&to, &len)) {
		perror("receiver");
		return 1;
	}
	if (connected && connect(tx, (struct sockaddr *)&to, sizeof(to))) {
		perror("connect");
		return 1;
	}
	fill(vlen, size, &to, !connected);
	for (i = 0; i < batches; i++)
		call(tx, vlen);
	if (fail < vlen) {
		bad = to;
		bad.sin_family = AF_UNIX;
		fill(vlen, size, &to, 1);
		msgs[fail].msg_hdr.msg_name = &bad;
		printf("message %u has a bad address family:\n", fail);
		call(tx, vlen);
	}
	close(tx);
	close(rx);
	return 0;
}
