// SPDX-License-Identifier: GPL-2.0
/* SMT-BUILD: m32 */
/*
 * t_unload: unloading the module under fire.  Every mode expects the
 * module NOT to be loaded when it starts, and leaves it unloaded.
 *
 *   t_unload fire     rmmod while threads on every CPU (and a 32-bit
 *                     process, t_unload_32 traffic) are in the middle of
 *                     sendmmsg, and while two threads are blocked inside
 *                     sendmmsg on full AF_UNIX datagram sockets; one is
 *                     released after the unload, the other after the
 *                     module is loaded again.  Both calls complete; the
 *                     reloaded module traces correctly.
 *   t_unload busy     rmmod while a reader (another process) is blocked in
 *                     read() or poll() on the device fails, the module
 *                     stays usable; once the reader is gone rmmod works.
 *   t_unload cycles [N]
 *                     N (default $SMT_UNLOAD_CYCLES or 200) load / read /
 *                     unload cycles with varied parameters while threads
 *                     on every CPU call sendmmsg; the time per cycle, and
 *                     Slab / SUnreclaim / VmallocUsed / Percpu of
 *                     /proc/meminfo before and after (within tolerance).
 *                     $SMT_UNLOAD_PARAMS: the same parameters every cycle;
 *                     $SMT_UNLOAD_TRAFFIC_THREADS / _NICE / _BURST: the
 *                     traffic (default one thread per CPU, nice 19, 1 ms
 *                     pause every 10 calls).
 *   t_unload traffic  just the traffic, until killed (the 32-bit helper).
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "tap.h"
#include "smt_test.h"

#ifndef SYS_socketcall
#define SYS_socketcall -1
#endif

static int ncpu;
static int traffic_nice;	/* nice level of the traffic threads */
static int traffic_burst;	/* calls between 1 ms pauses; 0: no pause */
static volatile int traffic_stop;
static volatile int traffic_pause;
static unsigned long long traffic_calls[64];
static int traffic_paused[64];

/* ---- traffic: threads on every CPU calling sendmmsg -------------------- */

static void *traffic_thread(void *arg)
{
	long idx = (long)arg;
	struct sockaddr_in rx = { .sin_family = AF_INET };
	struct mmsghdr m[16];
	struct iovec iov;
	char data[32] = "unload under fire";
	socklen_t len = sizeof(rx);
	int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned int i, seed = (unsigned int)idx * 7919u + 1;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)idx % ncpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (traffic_nice)
		setpriority(PRIO_PROCESS, 0, traffic_nice);
	rx.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(r, (struct sockaddr *)&rx, sizeof(rx)) ||
	    getsockname(r, (struct sockaddr *)&rx, &len) ||
	    connect(s, (struct sockaddr *)&rx, sizeof(rx)))
		return NULL;
	iov.iov_base = data;
	iov.iov_len = sizeof(data);
	memset(m, 0, sizeof(m));
	for (i = 0; i < 16; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (!traffic_stop) {
		if (traffic_pause) {
			/* a quiet point for /proc/meminfo: empty queues */
			if (!traffic_paused[idx])
				while (recv(r, data, sizeof(data), MSG_DONTWAIT) > 0)
					;
			traffic_paused[idx] = 1;
			usleep(2000);
			continue;
		}
		traffic_paused[idx] = 0;
		seed = seed * 1103515245u + 12345u;
		switch ((seed >> 16) % 5) {
		case 0:
		case 1:
			sendmmsg(s, m, 1 + (seed >> 8) % 16, 0);
			break;
		case 2:
			sendmmsg(u, m, 1, MSG_DONTWAIT);	/* EDESTADDRREQ */
			break;
		case 3:
			sendmmsg(s, NULL, 3, 0);		/* EFAULT */
			break;
		case 4:
#if defined(__i386__)
			{	/* the socketcall(2) entry as well */
				unsigned long a[4] = { (unsigned long)s,
						       (unsigned long)m, 2, 0 };

				syscall(SYS_socketcall, 20 /* SYS_SENDMMSG */, a);
			}
#else
			sendmmsg(-1, m, 1, 0);			/* EBADF */
#endif
			break;
		}
		traffic_calls[idx]++;
		if (traffic_burst && traffic_calls[idx] % traffic_burst == 0)
			usleep(1000);
		/* keep the receive queue from filling up for good */
		if ((traffic_calls[idx] & 63) == 0)
			while (recv(r, data, sizeof(data), MSG_DONTWAIT) > 0)
				;
	}
	close(r);
	close(s);
	close(u);
	return NULL;
}

static pthread_t traffic_th[64];
static int traffic_n;
static pid_t helper32 = -1;

static void traffic_start(int with_32bit, const char *argv0)
{
	long i;

	traffic_stop = 0;
	traffic_pause = 0;
	traffic_n = (int)smt_env_num("SMT_UNLOAD_TRAFFIC_THREADS", ncpu * 2);
	if (traffic_n == 0)
		traffic_n = ncpu;
	if (traffic_n < 1 || traffic_n > 64)
		traffic_n = ncpu * 2 > 64 ? 64 : ncpu * 2;
	for (i = 0; i < traffic_n; i++)
		pthread_create(&traffic_th[i], NULL, traffic_thread, (void *)i);
	if (with_32bit) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s_32", argv0);
		if (access(path, X_OK)) {
			tap_diag("no %s: no 32-bit traffic", path);
			return;
		}
		helper32 = fork();
		if (helper32 == 0) {
			execl(path, path, "traffic", (char *)NULL);
			_exit(127);
		}
	}
}

static unsigned long long traffic_total(void)
{
	unsigned long long n = 0;
	int i;

	for (i = 0; i < traffic_n; i++)
		n += traffic_calls[i];
	return n;
}

static void traffic_set_pause(int on)
{
	int i;

	double end = smt_now_s() + 20;

	traffic_pause = on;
	if (!on)
		return;
	/* bounded: a thread killed by an oops never pauses */
	for (i = 0; i < traffic_n; i++)
		while (!traffic_paused[i] && smt_now_s() < end)
			usleep(1000);
	if (smt_now_s() >= end)
		tap_diag("traffic threads did not all pause (did the kernel kill one?)");
}

static void traffic_end(void)
{
	int i, st;

	traffic_stop = 1;
	for (i = 0; i < traffic_n; i++)
		pthread_join(traffic_th[i], NULL);
	if (helper32 > 0) {
		kill(helper32, SIGKILL);
		waitpid(helper32, &st, 0);
		helper32 = -1;
	}
}

/* ---- threads blocked inside sendmmsg ------------------------------------- */

struct blocked {
	int rx, tx;
	pthread_t th;
	int tid;
	volatile int done;
	int ret, err;
	char name[32];
};

static void *blocked_thread(void *arg)
{
	struct blocked *b = arg;
	struct mmsghdr m[3];
	struct iovec iov;
	char data[64] = "blocked in sendmmsg";
	int i;

	b->tid = smt_gettid();
	iov.iov_base = data;
	iov.iov_len = sizeof(data);
	memset(m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	errno = 0;
	b->ret = sendmmsg(b->tx, m, 3, 0);	/* no MSG_DONTWAIT: blocks */
	b->err = errno;
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The syscall number the thread is blocked in (/proc/.../syscall), or -1. */
static long blocked_in(int tid)
{
	char path[64], buf[256];
	FILE *f;
	long nr = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		nr = strtol(buf, NULL, 10);
	fclose(f);
	return nr;
}

static int block_one(struct blocked *b, int n)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char data[64] = "fill";
	socklen_t alen;
	int i, fills = 0;

	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "smt-unload-%d-%d", getpid(), n);
	/* abstract address: sun_path[0] == 0 */
	memcpy(a.sun_path + 1, b->name, strlen(b->name));
	alen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(b->name);
	b->rx = socket(AF_UNIX, SOCK_DGRAM, 0);
	b->tx = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (bind(b->rx, (struct sockaddr *)&a, alen) ||
	    connect(b->tx, (struct sockaddr *)&a, alen))
		return -1;
	while (send(b->tx, data, sizeof(data), MSG_DONTWAIT) > 0)
		fills++;
	if (errno != EAGAIN)
		return -1;
	pthread_create(&b->th, NULL, blocked_thread, b);
	/* blocked when its syscall is sendmmsg and it has not returned */
	for (i = 0; i < 500; i++) {
		usleep(10000);
		if (b->tid && blocked_in(b->tid) == SYS_sendmmsg)
			break;
	}
	usleep(100000);
	tap_diag("%s: queue filled with %d datagrams", b->name, fills);
	return b->done ? -1 : (blocked_in(b->tid) == SYS_sendmmsg ? 0 : -1);
}

/* Read from the peer until the blocked call returns. */
static int release(struct blocked *b)
{
	char data[64];
	int i;

	for (i = 0; i < 1000 && !__atomic_load_n(&b->done, __ATOMIC_ACQUIRE); i++) {
		while (recv(b->rx, data, sizeof(data), MSG_DONTWAIT) > 0)
			;
		usleep(5000);
	}
	if (!b->done)
		return -1;
	pthread_join(b->th, NULL);
	close(b->rx);
	close(b->tx);
	return 0;
}

/* ---- the device ----------------------------------------------------------- */

/*
 * Open, make a call of our own, find its record; -1 if none.  The traffic
 * threads may be flooding the rings: filter on a comm of our own.
 */
static int traced_ok(const char *what)
{
	struct smt_stream st;
	struct smt_filter f = { .mask = SMT_FILTER_COMM, .comm = "smt-probe" };
	struct mmsghdr m[2];
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct sockaddr_in to = { .sin_family = AF_INET };
	const struct smt_call *c = NULL;
	char why[200], comm[16] = "";
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret;
	double end;

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(9);
	memset(m, 0, sizeof(m));
	m[0].msg_hdr.msg_iov = m[1].msg_hdr.msg_iov = &iov;
	m[0].msg_hdr.msg_iovlen = m[1].msg_hdr.msg_iovlen = 1;
	m[0].msg_hdr.msg_name = m[1].msg_hdr.msg_name = &to;
	m[0].msg_hdr.msg_namelen = m[1].msg_hdr.msg_namelen = sizeof(to);
	if (smt_stream_open(&st, O_NONBLOCK) || ioctl(st.fd, SMT_IOC_SET_FILTER, &f)) {
		ok(0, "%s: open the device and set a filter (%s)", what, strerror(errno));
		close(s);
		return -1;
	}
	while (smt_next_record(&st, 50))	/* what the traffic left */
		;
	prctl(PR_GET_NAME, comm);
	prctl(PR_SET_NAME, "smt-probe");
	ret = sendmmsg(s, m, 2, 0);
	prctl(PR_SET_NAME, comm);
	for (end = smt_now_s() + 5; !c && smt_now_s() < end;) {
		const struct smt_rec_hdr *h = smt_next_record(&st, 200);

		if (h && h->type == SMT_REC_CALL &&
		    ((const struct smt_call *)h)->tid == (unsigned int)smt_gettid())
			c = (const void *)h;
	}
	ok(c && c->fd == s && c->vlen == 2 && c->ret == ret && ret == 2 &&
	   !smt_record_problem(&c->hdr, 0, why, sizeof(why)),
	   "%s: a call is traced correctly", what);
	smt_stream_close(&st);
	close(s);
	return c ? 0 : -1;
}

static int unload_timed(double *secs)
{
	double t0 = smt_now_s();
	int r = smt_unload_module();
	int e = errno;

	*secs = smt_now_s() - t0;
	errno = e;
	return r;
}

/* ---- fire ----------------------------------------------------------------- */

static void fire(const char *argv0)
{
	struct blocked a, b;
	unsigned long long n0;
	double secs = 0;
	int rc;

	rc = smt_load_module("");
	if (!ok(!rc, "fire: insmod (%s)", rc ? strerror(errno) : "ok"))
		return;
	traffic_start(1, argv0);
	ok(!block_one(&a, 1), "fire: thread A blocked inside sendmmsg on a full AF_UNIX datagram socket");
	ok(!block_one(&b, 2), "fire: thread B blocked inside sendmmsg on a full AF_UNIX datagram socket");
	n0 = traffic_total();
	usleep(300000);
	ok(traffic_total() > n0, "fire: traffic is running on %d threads (+32-bit)", traffic_n);

	rc = unload_timed(&secs);
	ok(!rc, "fire: rmmod while calls are in flight and two are blocked (%.2f s; %s)",
	   secs, rc ? strerror(errno) : "ok");
	ok(!smt_module_loaded(), "fire: the module is gone");
	n0 = traffic_total();
	usleep(300000);
	ok(traffic_total() > n0, "fire: traffic goes on after the unload");

	ok(!release(&a), "fire: thread A's sendmmsg returns once its peer is read, module unloaded");
	is_int(a.ret, 3, "fire: thread A's sendmmsg sent its 3 messages (errno %d)", a.err);

	rc = smt_load_module("");
	ok(!rc, "fire: insmod again while B is still blocked (%s)", rc ? strerror(errno) : "ok");
	usleep(200000);
	ok(!release(&b), "fire: thread B's sendmmsg returns once its peer is read, module reloaded");
	is_int(b.ret, 3, "fire: thread B's sendmmsg sent its 3 messages (errno %d)", b.err);
	traced_ok("fire: reloaded module");

	/* And once more: unload with a blocked thread, release, reload. */
	ok(!block_one(&a, 3), "fire: thread C blocked inside sendmmsg");
	rc = unload_timed(&secs);
	ok(!rc, "fire: rmmod again (%.2f s)", secs);
	rc = release(&a);
	ok(!rc && a.ret == 3, "fire: thread C's sendmmsg completes (ret %d)", a.ret);
	traffic_end();
	tap_diag("fire: %llu traffic calls", traffic_total());
	if (smt_module_loaded())
		smt_unload_module();
}

/* ---- busy ----------------------------------------------------------------- */

/* A child process blocked in read (how=0) or poll (how=1) on the device. */
static pid_t blocked_reader(int how, int *ready_fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct smt_filter f = { .mask = SMT_FILTER_TGID, .tgid = 1 };
		char buf[4096];
		int fd = smt_open_dev(O_RDONLY, 2000);

		close(p[0]);
		if (fd < 0)
			_exit(2);
		/* nothing but init's calls: stay blocked */
		ioctl(fd, SMT_IOC_SET_FILTER, &f);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		if (how == 0) {
			ssize_t r = read(fd, buf, sizeof(buf));

			_exit(r < 0 ? 3 : 4);
		} else {
			struct pollfd pf = { .fd = fd, .events = POLLIN };

			poll(&pf, 1, -1);
			_exit(4);
		}
	}
	close(p[1]);
	*ready_fd = p[0];
	return pid;
}

static int wait_state_sleeping(pid_t pid)
{
	char path[64], buf[512], *s;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (i = 0; i < 300; i++) {
		FILE *f = fopen(path, "r");

		if (f) {
			s = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
			fclose(f);
			if (s && s[1] == ' ' && s[2] == 'S')
				return 0;
		}
		usleep(10000);
	}
	return -1;
}

static void busy_case(int how)
{
	const char *what = how ? "poll" : "read";
	char c;
	int rfd, st, e, rc;
	pid_t pid;
	double secs = 0;

	rc = smt_load_module("");
	if (!ok(!rc, "busy: insmod (%s)", rc ? strerror(errno) : "ok"))
		return;
	pid = blocked_reader(how, &rfd);
	ok(pid > 0 && read(rfd, &c, 1) == 1, "busy: a reader opened the device");
	close(rfd);
	ok(!wait_state_sleeping(pid), "busy: the reader sleeps in %s", what);
	usleep(100000);

	errno = 0;
	rc = smt_unload_module();
	e = errno;
	ok(rc == -1 && (e == EWOULDBLOCK || e == EBUSY),
	   "busy: delete_module while a reader is blocked in %s fails: %s (errno %d)",
	   what, strerror(e), e);
	if (e != EBUSY)
		tap_diag("busy: delete_module(2) reports a module in use with EWOULDBLOCK (EAGAIN): 'in use' is not EBUSY");
	rc = smt_sh("rmmod sendmmsg_trace 2>/dev/null");
	ok(rc != 0, "busy: rmmod(8) fails too (exit status %d)", rc);
	ok(smt_module_loaded(), "busy: the module is still loaded");
	ok(kill(pid, 0) == 0 && waitpid(pid, &st, WNOHANG) == 0,
	   "busy: the reader is still blocked, unharmed");

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "busy: the reader ends on SIGTERM");
	rc = unload_timed(&secs);
	ok(!rc, "busy: rmmod succeeds once the reader is gone (%.2f s; %s)",
	   secs, rc ? strerror(errno) : "ok");
}

static void busy(void)
{
	busy_case(0);
	busy_case(1);
}

/* ---- cycles --------------------------------------------------------------- */

static const char *const cycle_params[] = {
	"",
	"buffer_kb=4",
	"capture_bytes=16 max_msgs=64",
	"nr_slots=8 max_active=8",
	"per_msg_results=0 filter_comm=t_unload",
	"max_msgs=0 buffer_kb=64",
	"log_events=0 probe_only=1",
	"max_msgs=1024 capture_bytes=256 buffer_kb=1024",
};

#define NPARAMS (sizeof(cycle_params) / sizeof(cycle_params[0]))

struct mem {
	long long slab, sunreclaim, vmalloc, percpu, memfree;
};

static void mem_read(struct mem *m)
{
	/* quiet point: no traffic; give RCU callbacks time to run */
	sync();
	smt_sh("echo 3 >/proc/sys/vm/drop_caches");
	usleep(1500000);
	m->slab = smt_meminfo_kb("Slab");
	m->sunreclaim = smt_meminfo_kb("SUnreclaim");
	m->vmalloc = smt_meminfo_kb("VmallocUsed");
	m->percpu = smt_meminfo_kb("Percpu");
	m->memfree = smt_meminfo_kb("MemFree");
}

/* One cycle: load, read a little, unload; 0 if all went well. */
static int one_cycle(unsigned int i, char *err, size_t errlen)
{
	const char *params = getenv("SMT_UNLOAD_PARAMS") ? getenv("SMT_UNLOAD_PARAMS") :
			     cycle_params[i % NPARAMS];
	char buf[65536];
	int fd, k;

	if (smt_load_module(params)) {
		snprintf(err, errlen, "cycle %u: insmod %s: %s", i, params, strerror(errno));
		return -1;
	}
	fd = smt_open_dev(O_RDONLY | O_NONBLOCK, 2000);
	if (fd < 0) {
		snprintf(err, errlen, "cycle %u: open: %s", i, strerror(errno));
		smt_unload_module();
		return -1;
	}
	if (i & 1) {
		__u32 fmt = SMT_FMT_BINARY;

		ioctl(fd, SMT_IOC_SET_FORMAT, &fmt);
	}
	for (k = 0; k < 3; k++)
		if (read(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN) {
			snprintf(err, errlen, "cycle %u: read: %s", i, strerror(errno));
			close(fd);
			smt_unload_module();
			return -1;
		}
	close(fd);
	if (smt_unload_module()) {
		snprintf(err, errlen, "cycle %u: rmmod: %s", i, strerror(errno));
		return -1;
	}
	return 0;
}

static void cycles(int n)
{
	struct mem m0, m1;
	char err[256] = "";
	double t0, el;
	int i, failed = 0, done = 0, warm = 4;
	/*
	 * Tolerances: the noise measured under TCG over 30-200 cycles was
	 * -40..+360 kB of slab (most of it in the first cycles of a boot:
	 * hence 4 warm-up cycles); a reader's text buffer (32 kB) leaked per
	 * cycle would exceed this one after 27 cycles.  Rings leaked per cycle
	 * (kvzalloc: large kmalloc or vmalloc) show in MemFree or VmallocUsed.
	 * MemFree moved by up to ~22 MB over 30 cycles without any leak (page
	 * and socket caches under traffic); the rings of the cycles' parameter
	 * sets average ~450 kB per CPU, so a ring leaked per cycle loses
	 * ~1.8 MB per cycle on 4 CPUs, far above 256 kB per cycle.
	 */
	long long tol_slab = 768 + 2LL * n, tol_vmalloc = 1024, tol_percpu = 256;
	long long tol_free = n * 256LL > 32768 ? n * 256LL : 32768;

	/*
	 * Traffic below insmod/rmmod's priority: at equal priority the busy
	 * threads make every cycle take seconds under emulation (RCU and
	 * tasks-RCU grace periods, text patching on busy vCPUs).
	 */
	traffic_nice = (int)smt_env_num("SMT_UNLOAD_TRAFFIC_NICE", 19);
	/*
	 * Bursts of 10 calls and 1 ms pauses: a few thousand calls per
	 * second on every CPU, and insmod/rmmod still take ~0.9 s rather than
	 * ~3 s under emulation (busy vCPUs slow every grace period and text
	 * patch down).
	 */
	traffic_burst = (int)smt_env_num("SMT_UNLOAD_TRAFFIC_BURST", 10);
	if (!getenv("SMT_UNLOAD_TRAFFIC_THREADS"))
		setenv("SMT_UNLOAD_TRAFFIC_THREADS", "0", 1);	/* one per CPU */
	traffic_start(0, NULL);
	/* warm up: first loads allocate caches that stay */
	for (i = 0; i < warm && !failed; i++)
		failed = one_cycle(i, err, sizeof(err));
	traffic_set_pause(1);
	mem_read(&m0);
	traffic_set_pause(0);
	t0 = smt_now_s();
	for (i = 0; i < n && !failed; i++) {
		failed = one_cycle(i, err, sizeof(err));
		done += !failed;
	}
	el = smt_now_s() - t0;
	traffic_set_pause(1);
	mem_read(&m1);
	traffic_end();

	ok(!failed, "cycles: %d of %d load/read/unload cycles with traffic running%s%s",
	   done, n, failed ? ": " : "", err);
	tap_diag("cycles: %d in %.1f s = %.3f s per cycle; %llu traffic calls",
		 done, el, done ? el / done : 0.0, traffic_total());
	tap_diag("meminfo kB before -> after: Slab %lld -> %lld, SUnreclaim %lld -> %lld, VmallocUsed %lld -> %lld, Percpu %lld -> %lld, MemFree %lld -> %lld",
		 m0.slab, m1.slab, m0.sunreclaim, m1.sunreclaim, m0.vmalloc,
		 m1.vmalloc, m0.percpu, m1.percpu, m0.memfree, m1.memfree);
	ok(m1.sunreclaim - m0.sunreclaim <= tol_slab,
	   "cycles: SUnreclaim grew by %lld kB (<= %lld)", m1.sunreclaim - m0.sunreclaim, tol_slab);
	ok(m1.slab - m0.slab <= tol_slab,
	   "cycles: Slab grew by %lld kB (<= %lld)", m1.slab - m0.slab, tol_slab);
	ok(m1.vmalloc - m0.vmalloc <= tol_vmalloc,
	   "cycles: VmallocUsed grew by %lld kB (<= %lld)", m1.vmalloc - m0.vmalloc, tol_vmalloc);
	ok(m1.percpu - m0.percpu <= tol_percpu,
	   "cycles: Percpu grew by %lld kB (<= %lld)", m1.percpu - m0.percpu, tol_percpu);
	ok(m0.memfree - m1.memfree <= tol_free,
	   "cycles: MemFree fell by %lld kB (<= %lld)", m0.memfree - m1.memfree, tol_free);
	ok(!smt_module_loaded(), "cycles: the module is unloaded at the end");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	if (!strcmp(mode, "traffic")) {
		traffic_nice = (int)smt_env_num("SMT_UNLOAD_TRAFFIC_NICE", 0);
		traffic_burst = (int)smt_env_num("SMT_UNLOAD_TRAFFIC_BURST", 0);
		traffic_start(0, NULL);
		for (;;)
			pause();
	}
	if (smt_module_loaded() && smt_unload_module())
		tap_bail("the module is loaded and cannot be unloaded: %s", strerror(errno));
	if (!strcmp(mode, "fire"))
		fire(argv[0]);
	else if (!strcmp(mode, "busy"))
		busy();
	else if (!strcmp(mode, "cycles"))
		cycles(argc > 2 ? atoi(argv[2]) :
		       (int)smt_env_num("SMT_UNLOAD_CYCLES", 200));
	else
		tap_bail("usage: t_unload fire|busy|cycles [N]|traffic");
	return tap_exit();
}
