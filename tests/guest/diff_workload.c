// SPDX-License-Identifier: GPL-2.0
/* SMT-BUILD: m32 */
/*
 * diff_workload: a mix of sendmmsg calls for the differential test, which
 * runs it under strace and compares strace's decoding with the records
 * (tests/guest/strace_diff.py).  It checks nothing itself.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define N 16

static struct mmsghdr m[N];
static struct iovec iov[N][3];
static char data[4096];

/* vlen messages; message i has (i % 3) + 1 iovecs of 8 + i bytes each. */
static void build(unsigned int vlen, void *name, socklen_t namelen)
{
	unsigned int i, k;

	memset(m, 0, sizeof(m));
	for (i = 0; i < vlen; i++) {
		for (k = 0; k <= i % 3; k++) {
			iov[i][k].iov_base = data;
			iov[i][k].iov_len = 8 + i;
		}
		m[i].msg_hdr.msg_iov = iov[i];
		m[i].msg_hdr.msg_iovlen = i % 3 + 1;
		m[i].msg_hdr.msg_name = name;
		m[i].msg_hdr.msg_namelen = name ? namelen : 0;
	}
}

static int bound_udp(int family, void *addr, socklen_t *len)
{
	int fd = socket(family, SOCK_DGRAM, 0);

	if (bind(fd, addr, *len) || getsockname(fd, addr, len))
		perror("bind");
	return fd;
}

int main(void)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in bad;
	socklen_t l4 = sizeof(a4), l6 = sizeof(a6), lun;
	int r4 = bound_udp(AF_INET, &a4, &l4);
	int r6 = bound_udp(AF_INET6, &a6, &l6);
	int s4 = socket(AF_INET, SOCK_DGRAM, 0);
	int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	int c4 = socket(AF_INET, SOCK_DGRAM, 0);
	int ux = socket(AF_UNIX, SOCK_DGRAM, 0);
	int ru = socket(AF_UNIX, SOCK_DGRAM, 0);
	int nul = open("/dev/null", O_RDONLY);
	unsigned int v;

	memset(data, 'd', sizeof(data));
	connect(c4, (struct sockaddr *)&a4, sizeof(a4));
	snprintf(un.sun_path, sizeof(un.sun_path), "/tmp/smt-diff-%d",
		 (int)getpid());
	unlink(un.sun_path);
	lun = offsetof(struct sockaddr_un, sun_path) + strlen(un.sun_path) + 1;
	bind(ru, (struct sockaddr *)&un, lun);

	for (v = 1; v <= N; v *= 2) {		/* connected, growing vectors */
		build(v, NULL, 0);
		sendmmsg(c4, m, v, 0);
	}
	build(4, &a4, sizeof(a4));		/* IPv4 names */
	sendmmsg(s4, m, 4, MSG_DONTWAIT | MSG_NOSIGNAL);
	build(3, &a6, sizeof(a6));		/* IPv6 names */
	sendmmsg(s6, m, 3, MSG_CONFIRM);
	build(2, &un, lun);			/* unix path */
	sendmmsg(ux, m, 2, 0);
	build(5, &a4, sizeof(a4));		/* the lost error */
	bad = a4;
	bad.sin_family = AF_UNIX;
	m[3].msg_hdr.msg_name = &bad;
	sendmmsg(s4, m, 5, 0);
	build(2, NULL, 0);			/* call errors */
	sendmmsg(s4, m, 2, 0);			/* EDESTADDRREQ */
	sendmmsg(nul, m, 2, 0);			/* ENOTSOCK */
	sendmmsg(999, m, 2, 0);			/* EBADF */
	sendmmsg(c4, NULL, 1, 0);		/* EFAULT */
	sendmmsg(c4, m, 0, 0);			/* vlen 0 */
	unlink(un.sun_path);
	close(r4);
	close(r6);
	return 0;
}
