// SPDX-License-Identifier: GPL-2.0
/* SMT-BUILD: m32 */
/*
 * t_leak: privilege and leaks.
 *
 *  - the device is root's (0600): an unprivileged process (uid/gid 65534)
 *    cannot open it for reading or writing (EACCES), nor write the
 *    module's parameters; its own calls are traced with its uid/gid;
 *  - the binary records of a long, varied run (sockets of several
 *    families, names, iovecs, control messages and payloads straddling
 *    into PROT_NONE, thread names of every length, failing calls, long
 *    vectors) hold no kernel address and no non-zero padding or reserved
 *    byte (smt_record_problem() with SMT_CHK_NO_KADDR);
 *  - payloads: none at all with capture_bytes=0 (the default); with
 *    capture_bytes=N, never more than N per message, exactly the first
 *    min(N, bytes) bytes of the message.
 *
 *   t_leak [CALLS]    default 3000 calls ($SMT_LEAK_CALLS)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "tap.h"
#include "smt_test.h"

#define PAGE 4096UL
#define IS32 (sizeof(void *) == 4)
#define NOBODY 65534

static struct smt_stream st;
static struct smt_config cfg;

/* ---- privilege ------------------------------------------------------------- */

static void privilege(void)
{
	struct stat sb;
	int p[2], st_, rc, res[5] = { -1, -1, -1, -1, -1 };
	pid_t pid;
	const struct smt_call *c;
	unsigned long long seen = 0;

	memset(&sb, 0, sizeof(sb));
	rc = stat(SMT_DEV_PATH, &sb);
	ok(!rc && S_ISCHR(sb.st_mode) &&
	   (sb.st_mode & 07777) == 0600 && sb.st_uid == 0 && sb.st_gid == 0,
	   "%s is a character device, mode 0600, owned by root:root (mode %o, %u:%u)",
	   SMT_DEV_PATH, sb.st_mode & 07777, sb.st_uid, sb.st_gid);
	if (pipe(p))
		tap_bail("pipe");
	pid = fork();
	if (pid == 0) {
		int r[5], fd, s;
		struct mmsghdr m;
		struct iovec iov = { .iov_base = "nobody", .iov_len = 6 };
		struct sockaddr_in to = { .sin_family = AF_INET };

		close(p[0]);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		errno = 0;
		fd = open(SMT_DEV_PATH, O_RDONLY);
		r[0] = fd < 0 ? errno : 0;
		errno = 0;
		fd = open(SMT_DEV_PATH, O_WRONLY);
		r[1] = fd < 0 ? errno : 0;
		errno = 0;
		fd = open(SMT_DEV_PATH, O_RDONLY | O_NONBLOCK);
		r[2] = fd < 0 ? errno : 0;
		errno = 0;
		fd = open("/sys/module/sendmmsg_trace/parameters/filter_comm", O_WRONLY);
		r[3] = fd < 0 ? errno : 0;
		/* a traced call of our own */
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		to.sin_port = htons(9);
		memset(&m, 0, sizeof(m));
		m.msg_hdr.msg_iov = &iov;
		m.msg_hdr.msg_iovlen = 1;
		m.msg_hdr.msg_name = &to;
		m.msg_hdr.msg_namelen = sizeof(to);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		r[4] = sendmmsg(s, &m, 1, 0);
		_exit(write(p[1], r, sizeof(r)) == sizeof(r) ? 0 : 3);
	}
	close(p[1]);
	if (read(p[0], res, sizeof(res)) != sizeof(res))
		tap_diag("the unprivileged child reported nothing");
	close(p[0]);
	waitpid(pid, &st_, 0);
	ok(WIFEXITED(st_) && WEXITSTATUS(st_) == 0, "unprivileged child (uid/gid %d) ran", NOBODY);
	is_int(res[0], EACCES, "unprivileged open O_RDONLY: EACCES (so no ioctl either)");
	is_int(res[1], EACCES, "unprivileged open O_WRONLY: EACCES");
	is_int(res[2], EACCES, "unprivileged open O_RDONLY|O_NONBLOCK: EACCES");
	is_int(res[3], EACCES, "unprivileged write to a module parameter: EACCES");
	is_int(res[4], 1, "unprivileged sendmmsg works");
	while ((c = smt_next_call(&st, pid, 1000))) {
		seen++;
		ok(c->uid == NOBODY && c->gid == NOBODY && c->tgid == (unsigned int)pid,
		   "the unprivileged call is traced with uid %u gid %u", c->uid, c->gid);
		break;
	}
	ok(seen == 1, "the unprivileged call's record was delivered");
}

/* ---- a long, varied run ------------------------------------------------------ */

static int fds[16];
static int nfds;
static unsigned char *guard;	/* a RW page, then PROT_NONE */
static unsigned char data[16][2048];	/* message i: pattern from base(i) */

static unsigned char base_of(unsigned int i)
{
	return (unsigned char)(i * 29 + 3);
}

static void setup(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(in);
	int rx, s, sv[2], lst;
	unsigned int i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < sizeof(data[i]); j++)
			data[i][j] = (unsigned char)(base_of(i) + 7 * j);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	bind(rx, (struct sockaddr *)&in, sizeof(in));
	getsockname(rx, (struct sockaddr *)&in, &len);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	connect(s, (struct sockaddr *)&in, sizeof(in));
	fds[nfds++] = s;
	fds[nfds++] = socket(AF_INET, SOCK_DGRAM, 0);
	in6.sin6_addr = in6addr_loopback;
	rx = socket(AF_INET6, SOCK_DGRAM, 0);
	len = sizeof(in6);
	if (!bind(rx, (struct sockaddr *)&in6, sizeof(in6)) &&
	    !getsockname(rx, (struct sockaddr *)&in6, &len)) {
		s = socket(AF_INET6, SOCK_DGRAM, 0);
		connect(s, (struct sockaddr *)&in6, sizeof(in6));
		fds[nfds++] = s;
	}
	lst = socket(AF_INET, SOCK_STREAM, 0);
	in.sin_port = 0;
	len = sizeof(in);
	bind(lst, (struct sockaddr *)&in, sizeof(in));
	listen(lst, 4);
	getsockname(lst, (struct sockaddr *)&in, &len);
	s = socket(AF_INET, SOCK_STREAM, 0);
	connect(s, (struct sockaddr *)&in, sizeof(in));
	fds[nfds++] = s;
	if (!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		fds[nfds++] = sv[0];
	fds[nfds++] = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (!pipe(sv))
		fds[nfds++] = sv[1];	/* not a socket */
	fds[nfds++] = -1;
	guard = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(guard + PAGE, PAGE, PROT_NONE);
}

static const char *const names[] = {
	"a", "ab", "t_leak", "abcdefg", "abcdefgh", "abcdefghijklmno", "x y\tz",
};

/* One call of the varied run; n is its number. */
static void one_call(unsigned int n)
{
	static struct mmsghdr m[20];
	static struct iovec iov[20][3];
	static unsigned char ctl[20][512];
	static struct sockaddr_storage nm[20];
	unsigned int vlen = n % 7 == 0 ? 20 : 1 + n % 6, i, k;
	unsigned int flags = MSG_DONTWAIT | (n % 5 == 0 ? MSG_NOSIGNAL : 0);
	int fd = fds[n % nfds];

	if (n % 50 == 0)
		prctl(PR_SET_NAME, names[(n / 50) % (sizeof(names) / sizeof(names[0]))]);
	memset(m, 0, sizeof(m));
	for (i = 0; i < vlen; i++) {
		struct msghdr *h = &m[i].msg_hdr;
		unsigned int mi = i % 16, pieces = 1 + (n + i) % 3, off = 0;
		size_t len = 1 + (n * 13 + i * 7) % 300;

		/* the message: pieces of data[mi], contiguous */
		for (k = 0; k < pieces; k++) {
			size_t l = k + 1 == pieces ? len - off : len / pieces;

			iov[i][k].iov_base = data[mi] + off;
			iov[i][k].iov_len = l;
			off += l;
		}
		h->msg_iov = iov[i];
		h->msg_iovlen = pieces;
		switch ((n + i) % 9) {
		case 0: {	/* a name running into PROT_NONE */
			struct sockaddr_in a = { .sin_family = AF_INET };

			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			a.sin_port = htons(9);
			memcpy(guard + PAGE - 8, &a, 8);
			h->msg_name = guard + PAGE - 8;
			h->msg_namelen = sizeof(a);
			break;
		}
		case 1: {
			struct sockaddr_in *a = (struct sockaddr_in *)&nm[i];

			memset(&nm[i], 0, sizeof(nm[i]));
			a->sin_family = AF_INET;
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			a->sin_port = htons(9);
			h->msg_name = a;
			h->msg_namelen = sizeof(*a);
			break;
		}
		case 2: {
			struct sockaddr_un *a = (struct sockaddr_un *)&nm[i];

			memset(&nm[i], 0, sizeof(nm[i]));
			a->sun_family = AF_UNIX;
			strcpy(a->sun_path + 1, "smt-leak");
			h->msg_name = a;
			h->msg_namelen = offsetof(struct sockaddr_un, sun_path) + 9;
			break;
		}
		case 3:	/* control messages, up to 6 (4 are decoded) */
			memset(ctl[i], 0, sizeof(ctl[i]));
			{
				unsigned int nc = 1 + (n + i) % 6, c;
				size_t o = 0;

				for (c = 0; c < nc; c++) {
					struct cmsghdr *ch = (struct cmsghdr *)(ctl[i] + o);
					int v = 64;

					ch->cmsg_len = CMSG_LEN(sizeof(v));
					ch->cmsg_level = SOL_IP;
					ch->cmsg_type = IP_TTL;
					memcpy(CMSG_DATA(ch), &v, sizeof(v));
					o += CMSG_SPACE(sizeof(v));
				}
				h->msg_control = ctl[i];
				h->msg_controllen = o;
			}
			break;
		case 4:	/* control running into PROT_NONE */
			h->msg_control = guard + PAGE - 8;
			h->msg_controllen = 64;
			break;
		case 5:	/* iovec array running into PROT_NONE */
			memcpy(guard + PAGE - sizeof(struct iovec), &iov[i][0],
			       sizeof(struct iovec));
			h->msg_iov = (struct iovec *)(guard + PAGE - sizeof(struct iovec));
			h->msg_iovlen = 2;
			break;
		case 6:	/* payload running into PROT_NONE */
			iov[i][0].iov_base = guard + PAGE - 3;
			iov[i][0].iov_len = 64;
			h->msg_iovlen = 1;
			break;
		case 7:	/* a long name, truncated to 128 */
			memset(&nm[i], 'n', sizeof(nm[i]));
			((struct sockaddr *)&nm[i])->sa_family = AF_INET6;
			h->msg_name = &nm[i];
			h->msg_namelen = 200;
			break;
		default:
			break;
		}
	}
	if (n % 97 == 0)
		sendmmsg(fd, (struct mmsghdr *)(guard + PAGE - 16), 2, flags);
	else
		sendmmsg(fd, m, vlen, flags);
}

struct leak_verdict {
	unsigned long long records, bad, payload_bad, payload_msgs, payload_bytes;
	unsigned long long name_faults, msgs;
	unsigned int kinds;
	char why[960], pwhy[200];
};

static void check_payloads(struct leak_verdict *v, const struct smt_call *c)
{
	unsigned int i, j;

	for (i = 0; i < c->nr_msgs; i++) {
		const struct smt_msg *m = smt_msg_at(c, i);
		const unsigned char *p = (const unsigned char *)c + m->payload_off;
		unsigned long long want = m->bytes < cfg.capture_bytes ? m->bytes : cfg.capture_bytes;
		int clean = !(m->status & (SMT_MSG_HDR_FAULT | SMT_MSG_IOV_FAULT |
					   SMT_MSG_IOV_TRUNC | SMT_MSG_PAYLOAD_FAULT));
		const char *bad = NULL;

		v->msgs++;
		v->name_faults += !!(m->status & SMT_MSG_NAME_FAULT);
		if (m->payload_len > cfg.capture_bytes)
			bad = "payload_len > capture_bytes";
		else if (!cfg.capture_bytes && m->payload_len)
			bad = "payload captured with capture_bytes=0";
		else if (clean && m->payload_len != want)
			bad = "payload_len != min(capture_bytes, bytes)";
		else if (m->payload_len && m->iov_ptr < (uintptr_t)guard + PAGE &&
			 m->iov_ptr >= (uintptr_t)guard - 2 * PAGE)
			; /* iovecs in the guard page: data not ours to predict */
		else if (m->payload_len) {
			unsigned char b = base_of(i % 16);

			for (j = 0; j < m->payload_len && !bad; j++)
				if (p[j] != (unsigned char)(b + 7 * j))
					bad = "payload bytes differ from the message's first bytes";
		}
		if (m->payload_len) {
			v->payload_msgs++;
			v->payload_bytes += m->payload_len;
		}
		if (bad && !v->payload_bad++)
			snprintf(v->pwhy, sizeof(v->pwhy),
				 "msg %u: %s (len %u, bytes %llu, status 0x%x)", i, bad,
				 m->payload_len, (unsigned long long)m->bytes, m->status);
	}
}

/* Check one record; keep the first 3 distinct kinds of problem. */
static void account(struct leak_verdict *v, const struct smt_rec_hdr *h)
{
	char why[300];
	const char *bad;

	v->records++;
	bad = smt_record_problem(h, SMT_CHK_NO_KADDR, why, sizeof(why));
	if (bad) {
		size_t l = strlen(v->why), k = strcspn(bad, ":(0123456789");

		v->bad++;
		if (v->kinds < 3 && (l == 0 || !memmem(v->why, l, bad, k))) {
			snprintf(v->why + l, sizeof(v->why) - l, "%s%s", l ? " | " : "", bad);
			v->kinds++;
		}
	}
	check_payloads(v, (const void *)h);
}

static void long_run(unsigned int calls)
{
	struct leak_verdict v;
	const struct smt_rec_hdr *h;
	unsigned int n, made = 0;
	char comm[16] = "";

	memset(&v, 0, sizeof(v));
	prctl(PR_GET_NAME, comm);
	for (n = 1; n <= calls; n++) {
		one_call(n);
		made++;
		/* read as we go: the run is longer than the buffer */
		while ((h = smt_next_record(&st, n % 64 ? 0 : 50))) {
			if (h->type != SMT_REC_CALL)
				continue;
			account(&v, h);
		}
	}
	prctl(PR_SET_NAME, comm);
	while ((h = smt_next_record(&st, 200))) {
		if (h->type != SMT_REC_CALL)
			continue;
		account(&v, h);
	}
	tap_diag("long run%s: %u calls, %llu records, %llu messages, %llu lost, %llu names unreadable, %llu payloads (%llu bytes), capture_bytes %u",
		 IS32 ? " (32-bit)" : "", made, v.records, v.msgs, st.lost,
		 v.name_faults, v.payload_msgs, v.payload_bytes, cfg.capture_bytes);
	is_int(v.records + st.lost, made, "long run: a record for every call");
	ok(v.bad == 0, "long run: no kernel address, no non-zero padding or reserved byte in any record (%llu bad)%s%s",
	   v.bad, v.bad ? ": first: " : "", v.why);
	if (cfg.capture_bytes)
		ok(v.payload_bad == 0 && v.payload_msgs > 0,
		   "long run: payloads never exceed capture_bytes=%u and are the messages' first bytes (%llu bad)%s%s",
		   cfg.capture_bytes, v.payload_bad, v.payload_bad ? ": first: " : "", v.pwhy);
	else
		ok(v.payload_bad == 0 && v.payload_msgs == 0,
		   "long run: payload capture is off by default: payload_len 0 everywhere (%llu bad)%s%s",
		   v.payload_bad, v.payload_bad ? ": first: " : "", v.pwhy);
}

/* The known case: a name of which only the first bytes are readable. */
static void straddling_name(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct mmsghdr m;
	struct iovec iov = { .iov_base = "abc", .iov_len = 3 };
	const struct smt_call *c;
	const struct smt_msg *mm;
	unsigned int k, nz = 0;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(9);
	memcpy(guard + PAGE - 8, &a, 8);
	memset(&m, 0, sizeof(m));
	m.msg_hdr.msg_iov = &iov;
	m.msg_hdr.msg_iovlen = 1;
	m.msg_hdr.msg_name = guard + PAGE - 8;
	m.msg_hdr.msg_namelen = sizeof(a);
	sendmmsg(s, &m, 1, MSG_DONTWAIT);
	c = smt_next_call(&st, smt_gettid(), 2000);
	if (!ok(c && c->nr_msgs == 1, "name of 16 bytes with 8 readable: record delivered"))
		goto out;
	mm = smt_msg_at(c, 0);
	for (k = 0; k < SMT_NAME_MAX; k++)
		nz += mm->name[k] != 0;
	ok(mm->status & SMT_MSG_NAME_FAULT, "... flagged SMT_MSG_NAME_FAULT");
	is_int(mm->name_len, 0, "... name_len 0");
	if (!is_int(nz, 0, "... name[] all zero (no partial copy left behind)"))
		tap_diag("name[0..7] = %02x %02x %02x %02x %02x %02x %02x %02x",
			 mm->name[0], mm->name[1], mm->name[2], mm->name[3],
			 mm->name[4], mm->name[5], mm->name[6], mm->name[7]);
out:
	close(s);
}

int main(int argc, char **argv)
{
	struct smt_filter f = { .mask = SMT_FILTER_UID };
	unsigned int calls = argc > 1 ? (unsigned int)atoi(argv[1]) :
			     (unsigned int)smt_env_num("SMT_LEAK_CALLS", 3000);

	if (smt_stream_open(&st, O_NONBLOCK))
		tap_bail("open %s: %s", SMT_DEV_PATH, strerror(errno));
	if (ioctl(st.fd, SMT_IOC_GET_CONFIG, &cfg))
		tap_bail("GET_CONFIG: %s", strerror(errno));
	tap_diag("t_leak%s: capture_bytes %u, max_msgs %u", IS32 ? " (32-bit)" : "",
		 cfg.capture_bytes, cfg.max_msgs);
	while (smt_next_record(&st, 50))
		;
	setup();
	privilege();
	/* only root's and our calls from here (uid filter: root) */
	f.uid = 0;
	ioctl(st.fd, SMT_IOC_SET_FILTER, &f);
	straddling_name();
	long_run(calls);
	smt_stream_close(&st);
	return tap_exit();
}
