// SPDX-License-Identifier: GPL-2.0
/* SMT-BUILD: m32 */
/*
 * reader_truth: makes known sendmmsg calls and prints, for each, one JSON
 * line with what the reader's --json output must say about it (the ground
 * truth this program knows: its ids, the arguments, the socket, every
 * message's name, sizes and fate).  tests/guest/reader_compare.py checks
 * the reader's lines against these, field by field.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAXV 8

struct call {
	int fd;
	unsigned int vlen;
	unsigned int flags;
	struct mmsghdr m[MAXV];
	struct iovec iov[MAXV][2];
	const char *names[MAXV];	/* expected "name" strings */
	const char *sock;		/* family/type/protocol names */
	char local[64], peer[64];	/* expected endpoints, "" = null */
	int ret, err;
	int bad;			/* index of the failing message */
};

static char data[4096];
static char comm[17];

static void json_str(const char *s)
{
	if (s)
		printf("\"%s\"", s);
	else
		printf("null");
}

static void endpoint(char *out, size_t n, int fd, int peer)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = sizeof(ss);
	char text[INET6_ADDRSTRLEN];
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		       getsockname(fd, (struct sockaddr *)&ss, &len);

	out[0] = '\0';
	if (!r && ss.ss_family == AF_INET)
		snprintf(out, n, "%s:%u", inet_ntoa(a->sin_addr), ntohs(a->sin_port));
	else if (!r && ss.ss_family == AF_INET6 &&
		 inet_ntop(AF_INET6, &a6->sin6_addr, text, sizeof(text)))
		snprintf(out, n, "[%s]:%u", text, ntohs(a6->sin6_port));
}

/* Run the call and print its expected JSON. */
static void run(struct call *c)
{
	unsigned int i, sent;
	int ret = sendmmsg(c->fd, c->m, c->vlen, c->flags);

	c->err = ret < 0 ? errno : 0;
	c->ret = ret < 0 ? -errno : ret;
	sent = ret > 0 ? (unsigned int)ret : 0;
	if (c->sock) {
		endpoint(c->local, sizeof(c->local), c->fd, 0);
		endpoint(c->peer, sizeof(c->peer), c->fd, 1);
	}
	printf("{\"processId\":%d,\"threadId\":%ld,\"processName\":\"%s\",",
	       (int)getpid(), (long)syscall(SYS_gettid), comm);
	printf("\"returnValue\":%d,\"isCompat\":%s,", c->ret,
	       sizeof(void *) == 4 ? "true" : "false");
	printf("\"args\":[%d,%lu,%u,%d],", c->fd,
	       (unsigned long)(uintptr_t)c->m, c->vlen, (int)c->flags);
	printf("\"error\":");
	json_str(c->err ? strerrorname_np(c->err) : NULL);
	printf(",\"socket\":");
	if (c->sock) {
		printf("{\"names\":\"%s\",\"local\":", c->sock);
		json_str(c->local[0] ? c->local : NULL);
		printf(",\"peer\":");
		json_str(c->peer[0] ? c->peer : NULL);
		printf("}");
	} else {
		printf("null");
	}
	printf(",\"messages\":[");
	for (i = 0; i < c->vlen; i++) {
		const struct msghdr *h = &c->m[i].msg_hdr;
		unsigned long bytes = 0, k;
		int attempted = ret >= 0 && (i < sent || (int)i == c->bad);

		for (k = 0; k < h->msg_iovlen; k++)
			bytes += h->msg_iov[k].iov_len;
		printf("%s{\"index\":%u,\"name\":", i ? "," : "", i);
		json_str(c->names[i]);
		printf(",\"namelen\":%u,\"iovlen\":%lu,\"bytes\":%lu,\"attempted\":%s,\"result\":",
		       h->msg_namelen, (unsigned long)h->msg_iovlen, bytes,
		       attempted ? "true" : "false");
		if (attempted && i < sent)
			printf("%u,\"error\":null}", c->m[i].msg_len);
		else if (attempted)
			printf("null,\"error\":\"EAFNOSUPPORT\"}");
		else
			printf("null,\"error\":null}");
	}
	printf("]}\n");
	fflush(stdout);
}

static void vec(struct call *c, unsigned int vlen, void *name, socklen_t nlen,
		const char *name_str)
{
	unsigned int i;

	memset(c->m, 0, sizeof(c->m));
	c->vlen = vlen;
	c->bad = -1;
	for (i = 0; i < vlen; i++) {
		c->iov[i][0].iov_base = data;
		c->iov[i][0].iov_len = 10 + i;
		c->iov[i][1].iov_base = data;
		c->iov[i][1].iov_len = 3;
		c->m[i].msg_hdr.msg_iov = c->iov[i];
		c->m[i].msg_hdr.msg_iovlen = 1 + i % 2;
		c->m[i].msg_hdr.msg_name = name;
		c->m[i].msg_hdr.msg_namelen = name ? nlen : 0;
		c->names[i] = name ? name_str : NULL;
	}
}

int main(void)
{
	struct sockaddr_in rx = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 rx6 = { .sin6_family = AF_INET6,
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in bad;
	socklen_t len = sizeof(rx), len6 = sizeof(rx6), ulen;
	int r4 = socket(AF_INET, SOCK_DGRAM, 0);
	int r6 = socket(AF_INET6, SOCK_DGRAM, 0);
	int ru = socket(AF_UNIX, SOCK_DGRAM, 0);
	char name4[64], name6[64];
	struct call c = { 0 };

	prctl(PR_GET_NAME, comm);	/* the kernel's comm, as in records */
	bind(r4, (struct sockaddr *)&rx, sizeof(rx));
	getsockname(r4, (struct sockaddr *)&rx, &len);
	bind(r6, (struct sockaddr *)&rx6, sizeof(rx6));
	getsockname(r6, (struct sockaddr *)&rx6, &len6);
	snprintf(un.sun_path, sizeof(un.sun_path), "/tmp/truth-%d", (int)getpid());
	unlink(un.sun_path);
	ulen = offsetof(struct sockaddr_un, sun_path) + strlen(un.sun_path) + 1;
	bind(ru, (struct sockaddr *)&un, ulen);
	snprintf(name4, sizeof(name4), "127.0.0.1:%u", ntohs(rx.sin_port));
	snprintf(name6, sizeof(name6), "[::1]:%u", ntohs(rx6.sin6_port));

	/* connected UDP, no names */
	c.fd = socket(AF_INET, SOCK_DGRAM, 0);
	connect(c.fd, (struct sockaddr *)&rx, sizeof(rx));
	c.sock = "AF_INET/SOCK_DGRAM/IPPROTO_UDP";
	vec(&c, 3, NULL, 0, NULL);
	c.flags = MSG_DONTWAIT;
	run(&c);
	/* unconnected UDP with IPv4 names, then the lost error */
	c.fd = socket(AF_INET, SOCK_DGRAM, 0);
	vec(&c, 4, &rx, sizeof(rx), name4);
	c.flags = MSG_NOSIGNAL;
	run(&c);
	bad = rx;
	bad.sin_family = AF_UNIX;
	vec(&c, 5, &rx, sizeof(rx), name4);
	c.m[2].msg_hdr.msg_name = &bad;
	c.names[2] = NULL;		/* garbage path: not compared */
	c.bad = 2;
	c.flags = 0;
	run(&c);
	/* IPv6 names */
	c.fd = socket(AF_INET6, SOCK_DGRAM, 0);
	c.sock = "AF_INET6/SOCK_DGRAM/IPPROTO_UDP";
	vec(&c, 2, &rx6, sizeof(rx6), name6);
	c.flags = MSG_DONTWAIT | MSG_CONFIRM;
	run(&c);
	/* unix datagram with a path */
	c.fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	c.sock = "AF_UNIX/SOCK_DGRAM/*";
	vec(&c, 2, &un, ulen, un.sun_path);
	run(&c);
	/* errors of the call itself */
	c.fd = 999;
	c.sock = NULL;
	vec(&c, 1, NULL, 0, NULL);
	run(&c);
	c.fd = open("/dev/null", O_RDONLY);
	run(&c);
	unlink(un.sun_path);
	return 0;
}
