// SPDX-License-Identifier: GPL-2.0
/*
 * smoke - the loaded module's device and one traced sendmmsg(2) call.
 *
 * Expects sendmmsg_trace.ko to be loaded (suite-smoke.sh does it).  Checks
 * /dev/sendmmsg_trace (char device, 0600, misc major, a dynamic minor),
 * opens it in binary mode, makes one sendmmsg() of one 5-byte message on a
 * connected UDP socket to 127.0.0.1 and looks for the record of that call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include "sendmmsg_trace.h"
#include "tap.h"

#define DEV_PATH	"/dev/" SMT_DEVICE_NAME
#define SYS_DEV		"/sys/class/misc/" SMT_DEVICE_NAME "/dev"
#define MISC_MAJOR	10
#define READ_BUF	(4u << 20)
#define WAIT_MS		5000

/* Minors reserved in include/linux/miscdevice.h (6.1 .. 6.12), and 255
 * (MISC_DYNAMIC_MINOR itself): a dynamic minor is none of these. */
static const unsigned int fixed_minors[] = {
	1, 2, 3, 4, 5, 6, 7, 9, 10, 130, 131, 134, 135, 136, 137, 139, 140,
	144, 152, 153, 154, 155, 156, 157, 158, 160, 162, 166, 174, 175, 181,
	183, 184, 185, 187, 193, 196, 197, 200, 203, 219, 220, 221, 222, 223,
	227, 228, 229, 231, 232, 234, 235, 236, 237, 238, 239, 240, 241, 242,
	255,
};

static int is_fixed_minor(unsigned int minor)
{
	size_t i;

	for (i = 0; i < sizeof(fixed_minors) / sizeof(fixed_minors[0]); i++)
		if (fixed_minors[i] == minor)
			return 1;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void check_device(void)
{
	struct stat st;
	char want[32], got[32] = "";
	FILE *f;

	if (!ok(stat(DEV_PATH, &st) == 0, "%s exists", DEV_PATH)) {
		tap_diag("stat: %s", strerror(errno));
		return;
	}
	ok(S_ISCHR(st.st_mode), "%s is a character device", DEV_PATH);
	if (!ok((st.st_mode & 07777) == 0600, "%s has mode 0600", DEV_PATH))
		tap_diag("mode is %04o", st.st_mode & 07777);
	is_int(major(st.st_rdev), MISC_MAJOR, "%s is a misc device (major 10)", DEV_PATH);
	if (!ok(!is_fixed_minor(minor(st.st_rdev)), "its minor %u is a dynamic one",
		minor(st.st_rdev)))
		tap_diag("minor %u is reserved in miscdevice.h", minor(st.st_rdev));
	snprintf(want, sizeof(want), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	f = fopen(SYS_DEV, "r");
	if (f) {
		if (fgets(got, sizeof(got), f))
			got[strcspn(got, "\n")] = 0;
		fclose(f);
	}
	is_str(got, want, "%s matches the device node", SYS_DEV);
}

/* Finds the record of this thread's call in buf[0..len). */
static const struct smt_call *find_call(const char *buf, size_t len, pid_t tid)
{
	size_t off = 0;

	while (off + sizeof(struct smt_rec_hdr) <= len) {
		const struct smt_rec_hdr *h = (const void *)(buf + off);

		if (h->size < sizeof(*h) || h->size % 8 || off + h->size > len) {
			tap_diag("malformed record at offset %zu: size %u", off, h->size);
			return NULL;
		}
		if (h->type == SMT_REC_CALL && h->size >= sizeof(struct smt_call)) {
			const struct smt_call *c = (const void *)h;

			if (c->tid == (__u32)tid)
				return c;
		}
		off += h->size;
	}
	return NULL;
}

static void check_trace(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof(addr);
	char payload[5] = "hello", rbuf[16];
	struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
	struct mmsghdr mm;
	const struct smt_call *call = NULL;
	const struct smt_msg *msg;
	pid_t tid = gettid();
	long long deadline;
	int dev, rx, tx, n;
	char *buf;
	ssize_t len = 0;

	dev = open(DEV_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (!ok(dev >= 0, "open %s", DEV_PATH)) {
		tap_diag("open: %s", strerror(errno));
		return;
	}
	if (!ok(ioctl(dev, SMT_IOC_SET_FORMAT, &(__u32){ SMT_FMT_BINARY }) == 0,
		"SMT_IOC_SET_FORMAT binary"))
		tap_diag("ioctl: %s", strerror(errno));

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rx < 0 || tx < 0 || bind(rx, (void *)&addr, sizeof(addr)) ||
	    getsockname(rx, (void *)&addr, &alen) ||
	    connect(tx, (void *)&addr, sizeof(addr)))
		tap_bail("UDP socket setup on 127.0.0.1: %s", strerror(errno));

	memset(&mm, 0, sizeof(mm));
	mm.msg_hdr.msg_iov = &iov;
	mm.msg_hdr.msg_iovlen = 1;
	n = sendmmsg(tx, &mm, 1, 0);
	if (!is_int(n, 1, "sendmmsg() of one message returns 1"))
		tap_diag("sendmmsg: %s", strerror(errno));
	is_int(mm.msg_len, 5, "its msg_len is 5");
	is_int(recv(rx, rbuf, sizeof(rbuf), MSG_DONTWAIT), 5, "the receiver got 5 bytes");

	buf = malloc(READ_BUF);
	if (!buf)
		tap_bail("malloc");
	deadline = now_ms() + WAIT_MS;
	while (!call) {
		long long left = deadline - now_ms();
		struct pollfd pfd = { .fd = dev, .events = POLLIN };

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			tap_diag("poll: %s", strerror(errno));
			break;
		}
		len = read(dev, buf, READ_BUF);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			tap_diag("read: %s", strerror(errno));
			break;
		}
		if (len == 0) {		/* nothing yet */
			usleep(10000);
			continue;
		}
		call = find_call(buf, (size_t)len, tid);
	}
	if (ok(call != NULL, "a record for this thread's call (tid %d) within %d ms",
	       tid, WAIT_MS)) {
		is_int(call->hdr.abi_version, SMT_ABI_VERSION, "record abi_version");
		is_int(call->fd, tx, "record fd is the socket");
		is_int(call->vlen, 1, "record vlen is 1");
		is_int(call->ret, 1, "record ret is 1");
		is_int(call->nr_msgs, 1, "record nr_msgs is 1");
		if (ok(call->call_size >= sizeof(struct smt_call) &&
		       call->msg_size >= sizeof(struct smt_msg) &&
		       (size_t)call->call_size + call->msg_size <= call->hdr.size,
		       "record call_size/msg_size are sane")) {
			msg = (const void *)((const char *)call + call->call_size);
			is_int(msg->bytes, 5, "message bytes is 5");
			is_int(msg->result, 5, "message result is 5");
		} else {
			tap_diag("size %u call_size %u msg_size %u", call->hdr.size,
				 call->call_size, call->msg_size);
		}
	}
	free(buf);
	close(tx);
	close(rx);
	close(dev);
}

int main(void)
{
	check_device();
	check_trace();
	return tap_exit();
}
