// SPDX-License-Identifier: GPL-2.0
/*
 * t_device: the semantics of /dev/sendmmsg_trace - exclusive open,
 * blocking and non-blocking reads, poll, byte-exact streams whatever the
 * read size, text and binary carrying the same content, filters, ioctls
 * and the operations the device refuses.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include "tap.h"
#include "smt_test.h"

static pid_t me;
static int tx_fd, rx_fd;
static struct sockaddr_in rx_addr, tx_addr;

static void udp_pair(void)
{
	socklen_t len = sizeof(rx_addr);

	rx_fd = socket(AF_INET, SOCK_DGRAM, 0);
	rx_addr.sin_family = AF_INET;
	rx_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(rx_fd, (struct sockaddr *)&rx_addr, sizeof(rx_addr));
	getsockname(rx_fd, (struct sockaddr *)&rx_addr, &len);
	tx_fd = socket(AF_INET, SOCK_DGRAM, 0);
	connect(tx_fd, (struct sockaddr *)&rx_addr, sizeof(rx_addr));
	len = sizeof(tx_addr);
	getsockname(tx_fd, (struct sockaddr *)&tx_addr, &len);
}

/*
 * A call with vlen messages of 9 bytes; message `bad` (if < vlen) has a
 * bad address family so it fails with EAFNOSUPPORT after the earlier ones.
 */
static int send_batch(unsigned int vlen, unsigned int bad)
{
	struct mmsghdr m[8];
	struct iovec iov[8];
	struct sockaddr_in badname = rx_addr;
	char data[9] = "abcdefgh";
	unsigned int i;

	badname.sin_family = AF_UNIX;
	memset(m, 0, sizeof(m));
	for (i = 0; i < vlen && i < 8; i++) {
		iov[i].iov_base = data;
		iov[i].iov_len = sizeof(data);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		if (i == bad) {
			m[i].msg_hdr.msg_name = &badname;
			m[i].msg_hdr.msg_namelen = sizeof(badname);
		}
	}
	return sendmmsg(tx_fd, m, vlen, 0);
}

/* Drain whatever is queued, without blocking. */
static void drain(int fd)
{
	static char junk[1 << 16];
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (read(fd, junk, sizeof(junk)) > 0)
		;
	fcntl(fd, F_SETFL, fl);
}

static void test_exclusive_open(void)
{
	int a = open(SMT_DEV_PATH, O_RDONLY);
	int b = open(SMT_DEV_PATH, O_RDONLY);

	ok(a >= 0, "first open succeeds");
	ok(b < 0 && errno == EBUSY, "second open fails with EBUSY");
	close(a);
	if (b >= 0)
		close(b);
	a = open(SMT_DEV_PATH, O_RDONLY);
	ok(a >= 0, "open again after close");
	close(a);
}

static void test_nonblock_and_poll(void)
{
	struct pollfd p;
	char buf[4096];
	int fd = open(SMT_DEV_PATH, O_RDONLY | O_NONBLOCK);

	drain(fd);
	errno = 0;
	ok(read(fd, buf, sizeof(buf)) == -1 && errno == EAGAIN,
	   "O_NONBLOCK read with nothing queued: EAGAIN");
	p.fd = fd;
	p.events = POLLIN;
	is_int(poll(&p, 1, 0), 0, "poll: not readable when empty");
	send_batch(1, 99);
	is_int(poll(&p, 1, 1000), 1, "poll: readable after a call");
	ok(p.revents & POLLIN, "poll: POLLIN");
	ok(read(fd, buf, sizeof(buf)) > 0, "read after poll returns data");
	close(fd);
}

struct blocked_read {
	int fd;
	ssize_t got;
};

static void *reader_thread(void *arg)
{
	struct blocked_read *br = arg;
	char buf[4096];

	br->got = read(br->fd, buf, sizeof(buf));
	return NULL;
}

static void test_blocking_wakeup(void)
{
	struct blocked_read br = { .fd = open(SMT_DEV_PATH, O_RDONLY) };
	struct timespec t = { 0, 300 * 1000 * 1000 };
	pthread_t th;
	int i;

	drain(br.fd);
	br.got = -2;
	pthread_create(&th, NULL, reader_thread, &br);
	nanosleep(&t, NULL);
	ok(br.got == -2, "blocking read waits while nothing is queued");
	send_batch(2, 99);
	for (i = 0; i < 50 && br.got == -2; i++)
		nanosleep(&t, NULL);
	ok(br.got > 0, "blocking read is woken by a call (%zd)", br.got);
	if (br.got == -2)
		pthread_cancel(th);
	pthread_join(th, NULL);
	close(br.fd);
}

/*
 * Read the stream back with reads of `chunk` bytes and check it parses
 * into exactly the expected records, in order: no byte lost or repeated.
 */
static void test_read_size(int format, size_t chunk)
{
	const char *fname = format == SMT_FMT_BINARY ? "binary" : "text";
	size_t cap = 1 << 20;
	unsigned char *buf = malloc(cap + 1);
	int fd = open(SMT_DEV_PATH, O_RDONLY | O_NONBLOCK);
	__u32 fmt = format;
	size_t len = 0, off = 0;
	unsigned int i, n = 0, good = 0;
	ssize_t r;

	drain(fd);
	ioctl(fd, SMT_IOC_SET_FORMAT, &fmt);
	for (i = 1; i <= 6; i++)
		send_batch(i, i == 4 ? 2 : 99);
	while (len < cap &&
	       (r = read(fd, buf + len, chunk < cap - len ? chunk : cap - len)) > 0)
		len += (size_t)r;
	if (format == SMT_FMT_BINARY) {
		while (off + sizeof(struct smt_rec_hdr) <= len) {
			const struct smt_call *c = (const void *)(buf + off);

			if (c->hdr.size < sizeof(c->hdr) || off + c->hdr.size > len)
				break;
			if (c->hdr.type == SMT_REC_CALL && (pid_t)c->tid == me) {
				n++;
				good += c->vlen == n && c->fd == tx_fd &&
					c->ret == (n == 4 ? 2 : (long)n);
			}
			off += c->hdr.size;
		}
		ok(off == len, "%s reads of %zu bytes: stream ends on a record boundary",
		   fname, chunk);
	} else {
		char *line, *save = NULL, needle[64];
		int ends_nl = len > 0 && buf[len - 1] == '\n';

		buf[len] = '\0';
		for (line = strtok_r((char *)buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			snprintf(needle, sizeof(needle), " tid=%d ", (int)me);
			if (strncmp(line, "call ", 5) || !strstr(line, needle))
				continue;
			n++;
			snprintf(needle, sizeof(needle), " fd=%d ", tx_fd);
			good += strstr(line, needle) != NULL;
		}
		ok(ends_nl, "%s reads of %zu bytes: %zu bytes ending in a newline",
		   fname, chunk, len);
	}
	is_int(n, 6, "%s reads of %zu bytes: 6 records", fname, chunk);
	is_int(good, 6, "%s reads of %zu bytes: every record intact", fname, chunk);
	free(buf);
	close(fd);
}

/* The value of key in a text line, copied to out. */
static int text_value(const char *line, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p;
	size_t len;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	len = strcspn(p, " \n");
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static void expect_text(const char *line, const char *key, const char *want)
{
	char got[256] = "(missing)";

	text_value(line, key, got, sizeof(got));
	ok(!strcmp(got, want), "text: %s=%s (got %s)", key, want, got);
}

static void expect_text_num(const char *line, const char *key, long long want)
{
	char w[32];

	snprintf(w, sizeof(w), "%lld", want);
	expect_text(line, key, w);
}

/* The same call once as a text line and once as a binary record. */
static void test_text_matches_binary(void)
{
	struct smt_stream st;
	const struct smt_call *c;
	char line[8192], name[64], hex[32], *nl;
	ssize_t len = 0, r;
	int fd = open(SMT_DEV_PATH, O_RDONLY | O_NONBLOCK);
	__u32 fmt = SMT_FMT_BINARY;
	unsigned int i;

	drain(fd);
	send_batch(4, 2);
	while ((r = read(fd, line + len, sizeof(line) - 1 - len)) > 0)
		len += r;
	line[len] = '\0';
	nl = strchr(line, '\n');
	ok(nl && nl[1] == '\0', "text: exactly one line for one call");
	ok(!strncmp(line, "call ts=", 8), "text: line starts with 'call ts='");
	ioctl(fd, SMT_IOC_SET_FORMAT, &fmt);
	send_batch(4, 2);
	memset(&st, 0, sizeof(st));
	st.fd = fd;
	st.buf = malloc(SMT_STREAM_CAP);
	c = smt_next_call(&st, me, 2000);
	ok(c != NULL, "binary: record of the same call");
	if (!c)
		goto out;
	expect_text_num(line, "pid", c->tgid);
	expect_text_num(line, "tid", c->tid);
	expect_text_num(line, "uid", c->uid);
	expect_text_num(line, "gid", c->gid);
	expect_text(line, "comm", "t_device");
	expect_text_num(line, "fd", c->fd);
	expect_text_num(line, "vlen", c->vlen);
	expect_text(line, "flags", "0x0");
	expect_text_num(line, "ret", c->ret);
	expect_text_num(line, "attempted", c->msgs_attempted);
	expect_text_num(line, "sent", c->msgs_sent);
	expect_text_num(line, "bytes", (long long)c->bytes_sent);
	expect_text_num(line, "captured", c->nr_msgs);
	snprintf(hex, sizeof(hex), "0x%x", c->status);
	expect_text(line, "status", hex);
	snprintf(name, sizeof(name), "%s:%u", inet_ntoa(tx_addr.sin_addr),
		 ntohs(tx_addr.sin_port));
	expect_text(line, "local", name);
	snprintf(name, sizeof(name), "127.0.0.1:%u", ntohs(rx_addr.sin_port));
	expect_text(line, "peer", name);
	expect_text(line, "sock", "2/2/17");
	expect_text(line, "m2.namelen", "16");
	for (i = 0; i < c->nr_msgs; i++) {
		const struct smt_msg *m = smt_msg_at(c, i);
		char key[32];

		snprintf(key, sizeof(key), "m%u.bytes", i);
		expect_text_num(line, key, (long long)m->bytes);
		snprintf(key, sizeof(key), "m%u.res", i);
		if (m->status & SMT_MSG_ATTEMPTED)
			expect_text_num(line, key, m->result);
		else
			expect_text(line, key, "skipped");
	}
	expect_text(line, "m2.err", "-EAFNOSUPPORT");
	ok(c->ret == 2 && smt_msg_at(c, 2)->result == -EAFNOSUPPORT,
	   "binary: message 2 carries the lost EAFNOSUPPORT");
out:
	free(st.buf);
	close(fd);
}

static void test_filters(void)
{
	struct smt_stream st;
	struct smt_filter f = { .mask = SMT_FILTER_TGID, .tgid = 1 }, g;
	struct smt_stats s0, s1;
	const struct smt_call *c;

	smt_stream_open(&st, O_NONBLOCK);
	drain(st.fd);
	ok(!ioctl(st.fd, SMT_IOC_SET_FILTER, &f), "SET_FILTER tgid=1");
	ok(!ioctl(st.fd, SMT_IOC_GET_FILTER, &g) && g.mask == SMT_FILTER_TGID &&
	   g.tgid == 1, "GET_FILTER returns it");
	ioctl(st.fd, SMT_IOC_GET_STATS, &s0);
	send_batch(1, 99);
	ioctl(st.fd, SMT_IOC_GET_STATS, &s1);
	ok(smt_next_call(&st, me, 300) == NULL, "tgid filter: our call is not traced");
	is_int(s1.filtered - s0.filtered, 1, "tgid filter: counted as filtered");

	memset(&f, 0, sizeof(f));
	f.mask = SMT_FILTER_COMM | SMT_FILTER_UID;
	f.uid = getuid();
	strcpy(f.comm, "t_device");
	ok(!ioctl(st.fd, SMT_IOC_SET_FILTER, &f), "SET_FILTER comm+uid");
	send_batch(3, 99);
	c = smt_next_call(&st, me, 2000);
	ok(c && c->vlen == 3, "comm+uid filter: our call is traced");
	f.mask = SMT_FILTER_TGID;
	f.tgid = (unsigned int)getpid();
	memset(f.comm, 0, sizeof(f.comm));
	ok(!ioctl(st.fd, SMT_IOC_SET_FILTER, &f), "SET_FILTER own tgid");
	send_batch(2, 99);
	c = smt_next_call(&st, me, 2000);
	ok(c && c->vlen == 2, "own tgid filter: traced");

	errno = 0;
	f.mask = 1u << 9;
	ok(ioctl(st.fd, SMT_IOC_SET_FILTER, &f) == -1 && errno == EINVAL,
	   "SET_FILTER unknown mask bit: EINVAL");
	f.mask = SMT_FILTER_COMM;
	memset(f.comm, 'x', sizeof(f.comm));
	ok(ioctl(st.fd, SMT_IOC_SET_FILTER, &f) == -1 && errno == EINVAL,
	   "SET_FILTER unterminated comm: EINVAL");
	f.mask = 0;
	f.reserved = 1;
	ok(ioctl(st.fd, SMT_IOC_SET_FILTER, &f) == -1 && errno == EINVAL,
	   "SET_FILTER reserved field: EINVAL");
	smt_stream_close(&st);

	smt_stream_open(&st, O_NONBLOCK);
	ok(!ioctl(st.fd, SMT_IOC_GET_FILTER, &g) && g.mask == 0,
	   "filter set through ioctl is dropped when its reader closes");
	smt_stream_close(&st);
}

static void test_ioctls(void)
{
	int fd = open(SMT_DEV_PATH, O_RDWR);
	struct smt_config cfg;
	struct smt_clock clk;
	struct smt_cpu_stats cs = { .cpu = 0 };
	struct timespec mono, real;
	__u32 fmt = 7;
	long long d;

	errno = 0;
	ok(ioctl(fd, _IO(SMT_IOC_MAGIC, 99)) == -1 && errno == ENOTTY,
	   "unknown ioctl: ENOTTY");
	ok(ioctl(fd, _IOR(SMT_IOC_MAGIC, 2, int)) == -1 && errno == ENOTTY,
	   "known number, wrong size: ENOTTY");
	ok(ioctl(fd, SMT_IOC_GET_STATS, (void *)8) == -1 && errno == EFAULT,
	   "GET_STATS to a bad pointer: EFAULT");
	ok(ioctl(fd, SMT_IOC_SET_FORMAT, (void *)8) == -1 && errno == EFAULT,
	   "SET_FORMAT from a bad pointer: EFAULT");
	ok(ioctl(fd, SMT_IOC_SET_FORMAT, &fmt) == -1 && errno == EINVAL,
	   "SET_FORMAT 7: EINVAL");
	ok(!ioctl(fd, SMT_IOC_GET_CPU_STATS, &cs), "GET_CPU_STATS cpu 0");
	cs.cpu = 100000;
	ok(ioctl(fd, SMT_IOC_GET_CPU_STATS, &cs) == -1 && errno == EINVAL,
	   "GET_CPU_STATS cpu 100000: EINVAL");
	ok(!ioctl(fd, SMT_IOC_GET_CONFIG, &cfg), "GET_CONFIG");
	ok(cfg.abi_version == SMT_ABI_VERSION && cfg.nr_cpus >= 1 &&
	   cfg.memory_bytes > 0 && cfg.buffer_kb >= 4,
	   "GET_CONFIG: abi %u, %u cpus, %u KiB", cfg.abi_version, cfg.nr_cpus,
	   cfg.buffer_kb);
	ok(!strcmp(cfg.entry_symbol, "__sys_sendmmsg") &&
	   !strcmp(cfg.msg_symbol, "___sys_sendmsg"),
	   "GET_CONFIG: probes %s and %s", cfg.entry_symbol, cfg.msg_symbol);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ok(!ioctl(fd, SMT_IOC_GET_CLOCK, &clk), "GET_CLOCK");
	d = (long long)clk.mono_ns - (mono.tv_sec * 1000000000LL + mono.tv_nsec);
	ok(d >= 0 && d < 1000000000LL, "GET_CLOCK: monotonic within 1 s (%lld ns)", d);
	d = (long long)clk.real_ns - (real.tv_sec * 1000000000LL + real.tv_nsec);
	ok(d > -1000000000LL && d < 1000000000LL, "GET_CLOCK: realtime within 1 s");

	errno = 0;
	ok(write(fd, "x", 1) == -1 && errno == EINVAL, "write: EINVAL");
	ok(lseek(fd, 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek: ESPIPE");
	ok(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED &&
	   errno == ENODEV, "mmap: ENODEV");
	close(fd);
}

/* A read into an unmapped buffer fails and loses nothing. */
static void test_efault_read(void)
{
	struct smt_stream st;
	void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const struct smt_call *c;

	munmap(gone, 4096);
	smt_stream_open(&st, O_NONBLOCK);
	drain(st.fd);
	send_batch(5, 99);
	errno = 0;
	ok(read(st.fd, gone, 4096) == -1 && errno == EFAULT,
	   "read into an unmapped buffer: EFAULT");
	c = smt_next_call(&st, me, 2000);
	ok(c && c->vlen == 5, "the record is still delivered to the next read");
	smt_stream_close(&st);
}

static void *cpu_sender(void *arg)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET((int)(long)arg, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (i = 0; i < 50; i++)
		send_batch(1, 99);
	return NULL;
}

/* Records from several CPUs come out in timestamp order. */
static void test_cpu_order(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), i;
	struct smt_stream st;
	const struct smt_rec_hdr *h;
	pthread_t th[8];
	unsigned long long last = 0, n = 0, bad = 0;
	unsigned int cpus = 0;

	if (ncpu > 8)
		ncpu = 8;
	smt_stream_open(&st, O_NONBLOCK);
	drain(st.fd);
	for (i = 0; i < ncpu; i++)
		pthread_create(&th[i], NULL, cpu_sender, (void *)i);
	for (i = 0; i < ncpu; i++)
		pthread_join(th[i], NULL);
	while ((h = smt_next_record(&st, 200))) {
		const struct smt_call *c = (const void *)h;

		if (h->type != SMT_REC_CALL)
			continue;
		bad += h->ts_ns < last;
		last = h->ts_ns;
		cpus |= 1u << (c->cpu & 31);
		n++;
	}
	is_int(n, 50 * ncpu, "CPU order: all %ld x 50 records", ncpu);
	is_int(bad, 0, "CPU order: timestamps never go back");
	ok(ncpu < 2 || __builtin_popcount(cpus) >= 2,
	   "CPU order: records came from %d CPUs", __builtin_popcount(cpus));
	smt_stream_close(&st);
}

static int write_param(const char *name, const char *val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/sendmmsg_trace/parameters/%s",
		 name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(val, f) < 0 ? -1 : 0;
	return fclose(f) ? -1 : ret;
}

/* Runtime parameters: per-message results and the filter. */
static void test_runtime_params(void)
{
	struct smt_stream st;
	struct smt_filter g;
	const struct smt_call *c;

	smt_stream_open(&st, O_NONBLOCK);
	drain(st.fd);
	ok(!write_param("per_msg_results", "0"), "per_msg_results=0 at runtime");
	send_batch(3, 1);
	c = smt_next_call(&st, me, 2000);
	ok(c && (c->status & SMT_ST_NO_RESULTS) && c->msgs_attempted == 0 &&
	   !(smt_msg_at(c, 0)->status & SMT_MSG_ATTEMPTED) && c->ret == 1,
	   "per_msg_results=0: record says results unavailable");
	ok(!write_param("per_msg_results", "1"), "per_msg_results=1 at runtime");
	send_batch(3, 1);
	c = smt_next_call(&st, me, 2000);
	ok(c && !(c->status & SMT_ST_NO_RESULTS) && c->msgs_attempted == 2 &&
	   smt_msg_at(c, 1)->result == -EAFNOSUPPORT,
	   "per_msg_results=1: results are back");

	ok(!write_param("filter_comm", "nobody-else\n"), "filter_comm set in sysfs");
	ok(!ioctl(st.fd, SMT_IOC_GET_FILTER, &g) && g.mask == SMT_FILTER_COMM &&
	   !strcmp(g.comm, "nobody-else"), "filter_comm: active filter '%s'",
	   g.comm);
	send_batch(1, 99);
	ok(smt_next_call(&st, me, 300) == NULL, "filter_comm: our call filtered");
	ok(!write_param("filter_comm", "\n"), "filter_comm cleared");
	send_batch(2, 99);
	c = smt_next_call(&st, me, 2000);
	ok(c && c->vlen == 2, "filter cleared: traced again");
	smt_stream_close(&st);
}

int main(void)
{
	me = smt_gettid();
	udp_pair();
	test_exclusive_open();
	test_nonblock_and_poll();
	test_blocking_wakeup();
	test_read_size(SMT_FMT_BINARY, 1);
	test_read_size(SMT_FMT_BINARY, 7);
	test_read_size(SMT_FMT_BINARY, 1 << 20);
	test_read_size(SMT_FMT_TEXT, 1);
	test_read_size(SMT_FMT_TEXT, 1 << 20);
	test_text_matches_binary();
	test_filters();
	test_ioctls();
	test_efault_read();
	test_cpu_order();
	test_runtime_params();
	tap_done();
	return tap_exit();
}
