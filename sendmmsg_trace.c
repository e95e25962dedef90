// SPDX-License-Identifier: GPL-2.0
/*
 * sendmmsg_trace - trace every sendmmsg(2) call and each message's fate.
 *
 * Two probes do the work:
 *  - a kretprobe on __sys_sendmmsg (native, compat and socketcall entries
 *    all pass through it): the entry handler copies the caller's mmsghdr
 *    vector into a preallocated staging slot, the return handler turns the
 *    slot into one record in the per-CPU ring of the CPU it returns on;
 *  - the per-message send function's (___sys_sendmsg) return value, which
 *    is the message's own result, including the error that sendmmsg
 *    drops when a later message fails after earlier ones were sent: from
 *    kprobes after its call sites in __sys_sendmmsg where they can be
 *    jumps, else from a kretprobe on it.
 *
 * Records are read from /dev/sendmmsg_trace, as text lines by default or
 * as the binary records of sendmmsg_trace.h.  See docs/design.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cgroup.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/math64.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/un.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#ifdef CONFIG_X86
#include <asm/text-patching.h>
#endif
#include <net/compat.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "sendmmsg_trace.h"

#define SMT_VERSION		"0.1.0"
#define SMT_REC_ALIGN		8
#define SMT_IOV_CHUNK		8	/* iovecs read per nofault copy */
#define SMT_HDR_CHUNK		4	/* mmsghdrs read per nofault copy */

/* ---- kernel compatibility --------------------------------------------- */

/*
 * Every difference between the kernels the module supports (5.10 to 7.x)
 * is shimmed here, so that the rest of the file is written against the
 * newest interfaces.  Each shim names the release that brought the newer
 * interface; where a macro tells whether it is there, the shim tests that
 * rather than the version.  The kernel matrix of tests/ boots a kernel
 * that needs each of them (5.10 for all of them).
 */

/* 5.11: irq_work_is_pending() and IRQ_WORK_INIT_LAZY(), with ->node. */
#ifndef IRQ_WORK_INIT_LAZY
#define IRQ_WORK_INIT_LAZY(fn) \
	((struct irq_work){ .flags = ATOMIC_INIT(IRQ_WORK_LAZY), .func = (fn) })

static inline bool irq_work_is_pending(struct irq_work *work)
{
	return atomic_read(&work->flags) & IRQ_WORK_PENDING;
}
#endif

/* 5.11: sock_from_file() lost its error argument. */
#if KERNEL_VERSION(5, 11, 0) > LINUX_VERSION_CODE
static inline struct socket *smt_sock_from_file(struct file *file)
{
	int err;

	return sock_from_file(file, &err);
}
#else
#define smt_sock_from_file(file) sock_from_file(file)
#endif

/* 6.12: struct fd became opaque, read through fd_file(). */
#ifndef fd_file
#define fd_file(f) ((f).file)
#endif

/*
 * 5.17: __set_task_comm() pads comm with NULs (strscpy_pad); before, its
 * strlcpy() left the tail of a longer earlier name behind the NUL, which
 * must not reach a record.
 */
static inline void smt_copy_comm(char *dst, const char *comm, size_t size)
{
	memcpy(dst, comm, size);
	dst[size - 1] = '\0';
#if KERNEL_VERSION(5, 17, 0) > LINUX_VERSION_CODE
	{
		size_t len = strnlen(dst, size);

		memset(dst + len, 0, size - len);
	}
#endif
}

/*
 * 5.14: a page fault taken inside a kprobe's handler no longer counts as
 * a miss of that kprobe.  Before, each user read of ours that faulted (a
 * bad pointer, a page not yet mapped: the *_nofault helpers fix it up)
 * added one to kp.nmissed.  Our probes sit on a syscall's path, which no
 * probe handler can enter, so there kp.nmissed counts those faults only,
 * never a call that went untraced: it is not a miss.
 */
static inline unsigned long smt_kprobe_missed(const struct kprobe *kp)
{
#if KERNEL_VERSION(5, 14, 0) > LINUX_VERSION_CODE
	return 0;
#else
	return READ_ONCE(kp->nmissed);
#endif
}

/* ---- module parameters ------------------------------------------------ */

/*
 * The default ring holds about 10 ms of records from one thread calling
 * as fast as it can (~200,000 calls/s of ~500-byte records under
 * emulation): a reader stalled for a few ms by the host loses nothing.
 * Machines with many possible CPUs get less per CPU, so that all rings
 * together stay within SMT_AUTO_TOTAL_KB.
 */
#define SMT_AUTO_RING_KB	2048
#define SMT_AUTO_MIN_KB		256
#define SMT_AUTO_TOTAL_KB	(64 * 1024)

static unsigned int buffer_kb;
module_param(buffer_kb, uint, 0444);
MODULE_PARM_DESC(buffer_kb,
		 "Ring buffer size per CPU in KiB, rounded up to a power of two (4-65536; default 0 = 2048, less with over 32 possible CPUs: 64 MiB in all, at least 256 per CPU)");

static unsigned int max_msgs = 16;
module_param(max_msgs, uint, 0444);
MODULE_PARM_DESC(max_msgs,
		 "Messages of a vector described per record (0-1024, default 16); totals cover the whole vector");

static unsigned int capture_bytes;
module_param(capture_bytes, uint, 0444);
MODULE_PARM_DESC(capture_bytes,
		 "Payload bytes captured per message (0-256, default 0 = off)");

static unsigned int nr_slots = 64;
module_param(nr_slots, uint, 0444);
MODULE_PARM_DESC(nr_slots,
		 "sendmmsg calls that can be in flight with their vector staged (8-4096, default 64); rounded up to a power of two");

static unsigned int max_active;
module_param(max_active, uint, 0444);
MODULE_PARM_DESC(max_active,
		 "kretprobe instances per probe (default 0 = max(2 * nr_slots, 4 * CPUs)); a call without one is counted as missed");

static char entry_symbol[SMT_SYM_LEN] = "__sys_sendmmsg";
module_param_string(entry_symbol, entry_symbol, sizeof(entry_symbol), 0444);
MODULE_PARM_DESC(entry_symbol,
		 "Function probed at entry and return of each sendmmsg call (default __sys_sendmmsg)");

static char msg_symbol[SMT_SYM_LEN];
module_param_string(msg_symbol, msg_symbol, sizeof(msg_symbol), 0444);
MODULE_PARM_DESC(msg_symbol,
		 "Per-message send function to probe (default: first of ___sys_sendmsg, ____sys_sendmsg, sock_sendmsg that registers)");

static char msg_hook[16] = "auto";
module_param_string(msg_hook, msg_hook, sizeof(msg_hook), 0444);
MODULE_PARM_DESC(msg_hook,
		 "How per-message results are taken: auto (default: kprobes at the call sites of the per-message function when they can be jumps, else a kretprobe on it), sites (call sites even as int3 traps), kretprobe");

static bool log_events;
module_param(log_events, bool, 0644);
MODULE_PARM_DESC(log_events,
		 "Log one rate-limited dmesg line per traced call (default off; pr_debug lines are always available through dynamic debug)");

static bool probe_only;
module_param(probe_only, bool, 0644);
MODULE_PARM_DESC(probe_only,
		 "Benchmark floor: keep the probes registered but capture and emit nothing (default off)");

static int smt_set_per_msg(const char *val, const struct kernel_param *kp);
static const struct kernel_param_ops smt_per_msg_ops = {
	.set = smt_set_per_msg,
	.get = param_get_bool,
};

static bool per_msg_results = true;
module_param_cb(per_msg_results, &smt_per_msg_ops, &per_msg_results, 0644);
MODULE_PARM_DESC(per_msg_results,
		 "Probe each message's own result (default on); off leaves only the return value");

static int smt_set_filter_int(const char *val, const struct kernel_param *kp);
static int smt_set_filter_str(const char *val, const struct kernel_param *kp);
static const struct kernel_param_ops smt_filter_int_ops = {
	.set = smt_set_filter_int,
	.get = param_get_int,
};

static const struct kernel_param_ops smt_filter_str_ops = {
	.set = smt_set_filter_str,
	.get = param_get_string,
};

static int filter_tgid;
module_param_cb(filter_tgid, &smt_filter_int_ops, &filter_tgid, 0644);
MODULE_PARM_DESC(filter_tgid, "Trace only this process id (default 0 = all)");

static int filter_uid = -1;
module_param_cb(filter_uid, &smt_filter_int_ops, &filter_uid, 0644);
MODULE_PARM_DESC(filter_uid, "Trace only this user id (default -1 = all)");

static char filter_comm[SMT_COMM_LEN];
static struct kparam_string filter_comm_param = {
	.maxlen = sizeof(filter_comm),
	.string = filter_comm,
};

module_param_cb(filter_comm, &smt_filter_str_ops, &filter_comm_param, 0644);
MODULE_PARM_DESC(filter_comm, "Trace only tasks with this comm (default empty = all)");

/* ---- state ------------------------------------------------------------ */

/*
 * One ring per CPU.  The producer is the return probe running on that CPU
 * with preemption disabled, the consumer the single reader: an SPSC ring
 * needs no lock, only acquire/release on head and tail.
 */
struct smt_ring {
	/* Written by the producer, on every call. */
	u64 head;		/* bytes produced */
	u64 writing;		/* lower bound of the stamp being written, or 0 */
	u64 tail_seen;		/* the producer's last look at tail */
	atomic64_t pending_lost; /* drops not yet reported in the stream */
	struct smt_stats stats;	/* delivered: see below */
	struct irq_work wake_lazy; /* this CPU's batched reader wake-up */
	/*
	 * Written by the reader, on every record: a cache line of its own,
	 * so that neither side's stores take the line the other writes.
	 */
	u64 tail ____cacheline_aligned_in_smp;	/* bytes consumed */
	u64 seen_head;		/* head when it chose the next record */
	u64 delivered;		/* stats.delivered */
	/* Set at load. */
	u8 *data ____cacheline_aligned_in_smp; /* the pages, mapped twice */
	struct page **pages;
	u32 size;		/* power of two, whole pages */
};

/* Kept in the kretprobe instance: survives sleeping and migration. */
struct smt_call_ctx {
	u64 ts_entry;		/* smt_clock_at() at entry */
	u64 msgvec;
	struct smt_slot *slot;
	unsigned long missed_msg; /* per-message hook misses seen at entry */
	s32 fd;
	u32 vlen;
	u32 flags;
	u32 status;
	bool active;		/* false: probe_only, emit nothing */
};

/* Staging area of one in-flight call: what the caller passed. */
struct smt_slot {
	struct smt_sock sock;
	u64 bytes_sent;
	u32 status;
	u32 nr_msgs;		/* entries of msgs[] filled at entry */
	u32 attempted;		/* per-message results seen */
	u32 sent;
	struct smt_msg *msgs;
	u8 *payload;		/* capture_bytes per message */
};

struct smt_msg_ctx {
	struct smt_slot *slot;
	struct socket *sock;	/* held by the syscall until it returns */
};

struct smt_filter_state {
	struct smt_filter f;
	struct rcu_head rcu;
};

struct smt_reader {
	struct mutex lock;	/* serialises read() on one open file */
	u32 format;
	bool set_filter;
	u8 *rec;		/* the record being delivered, binary */
	char *text;		/* its text form */
	size_t rec_cap;
	size_t text_cap;
	const u8 *out;		/* rec or text */
	size_t out_len;
	size_t out_pos;
	int out_cpu;		/* ring the record came from, -1 if none */
};

static struct smt_ring __percpu *smt_rings;
static struct smt_slot *smt_slots;
static struct task_struct **smt_slot_owner;
static unsigned int smt_slot_bits;
static struct smt_filter_state __rcu *smt_filter;
static DEFINE_MUTEX(smt_config_lock);
static bool smt_ready;
static atomic_t smt_open_count = ATOMIC_INIT(0);
static atomic64_t smt_missed_reported = ATOMIC64_INIT(0);
/* Records taken from a ring but never read whole (reader closed). */
static atomic64_t smt_reader_dropped = ATOMIC64_INIT(0);
static atomic64_t smt_reader_dropped_pending = ATOMIC64_INIT(0);
static u64 smt_memory_bytes;
static u32 smt_ring_size;
static size_t smt_max_record;
static const char *smt_msg_symbol_used = "";

static DECLARE_WAIT_QUEUE_HEAD(smt_wait);
static struct irq_work smt_wake_work;

static int smt_entry_handler(struct kretprobe_instance *ri,
			     struct pt_regs *regs);
static int smt_exit_handler(struct kretprobe_instance *ri,
			    struct pt_regs *regs);
static int smt_msg_entry_handler(struct kretprobe_instance *ri,
				 struct pt_regs *regs);
static int smt_msg_exit_handler(struct kretprobe_instance *ri,
				struct pt_regs *regs);

static struct kretprobe smt_entry_probe = {
	.entry_handler = smt_entry_handler,
	.handler = smt_exit_handler,
	.data_size = sizeof(struct smt_call_ctx),
};

static struct kretprobe smt_msg_probe = {
	.entry_handler = smt_msg_entry_handler,
	.handler = smt_msg_exit_handler,
	.data_size = sizeof(struct smt_msg_ctx),
};

static bool smt_msg_probe_registered;

/*
 * Per-message results from the call sites: a kprobe on the instruction
 * after each call of ___sys_sendmsg inside __sys_sendmmsg (a call site
 * has one or two: native and compat).  See smt_register_sites().
 */
#define SMT_MAX_SITES		4
#define SMT_MAX_SCAN		(64 * 1024)	/* bytes of code searched */
#define SMT_CALL_REL32		0xe8
#define SMT_CALL_LEN		5

static int smt_site_handler(struct kprobe *p, struct pt_regs *regs);
static struct kprobe smt_site_probes[SMT_MAX_SITES];
static struct kprobe *smt_site_ptrs[SMT_MAX_SITES];
static unsigned int smt_nr_sites;

/* Tried in order when msg_symbol is empty; see docs/design.md. */
static const char * const smt_msg_candidates[] = {
	"___sys_sendmsg",
	"____sys_sendmsg",
	"sock_sendmsg",
};

/* ---- filter ----------------------------------------------------------- */

static bool smt_filter_pass(void)
{
	const struct smt_filter_state *fs;
	bool pass = true;

	/* The usual case, no filter: no read-side section to enter. */
	if (!rcu_access_pointer(smt_filter))
		return true;
	rcu_read_lock();
	fs = rcu_dereference(smt_filter);
	if (fs) {
		const struct smt_filter *f = &fs->f;

		if ((f->mask & SMT_FILTER_TGID) && current->tgid != f->tgid)
			pass = false;
		else if ((f->mask & SMT_FILTER_UID) &&
			 from_kuid(&init_user_ns, current_uid()) != f->uid)
			pass = false;
		else if ((f->mask & SMT_FILTER_COMM) &&
			 strncmp(current->comm, f->comm, SMT_COMM_LEN))
			pass = false;
	}
	rcu_read_unlock();
	return pass;
}

/* Publish @f (copied) as the active filter; a zero mask removes it. */
static int smt_filter_install_locked(const struct smt_filter *f)
{
	struct smt_filter_state *fs = NULL, *old;

	lockdep_assert_held(&smt_config_lock);
	if (f->mask) {
		fs = kzalloc(sizeof(*fs), GFP_KERNEL);
		if (!fs)
			return -ENOMEM;
		fs->f = *f;
	}
	old = rcu_replace_pointer(smt_filter, fs,
				  lockdep_is_held(&smt_config_lock));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

static int smt_filter_install(const struct smt_filter *f)
{
	int ret;

	mutex_lock(&smt_config_lock);
	ret = smt_filter_install_locked(f);
	mutex_unlock(&smt_config_lock);
	return ret;
}

static void smt_filter_get(struct smt_filter *out)
{
	const struct smt_filter_state *fs;

	memset(out, 0, sizeof(*out));
	rcu_read_lock();
	fs = rcu_dereference(smt_filter);
	if (fs)
		*out = fs->f;
	rcu_read_unlock();
}

/* Install the filter described by the filter_* module parameters. */
static int smt_filter_from_params_locked(void)
{
	struct smt_filter f = {};

	lockdep_assert_held(&smt_config_lock);
	if (filter_tgid > 0) {
		f.mask |= SMT_FILTER_TGID;
		f.tgid = filter_tgid;
	}
	if (filter_uid >= 0) {
		f.mask |= SMT_FILTER_UID;
		f.uid = filter_uid;
	}
	strscpy(f.comm, filter_comm, sizeof(f.comm));
	strim(f.comm);		/* "echo name >" leaves a newline */
	if (f.comm[0])
		f.mask |= SMT_FILTER_COMM;
	return smt_filter_install_locked(&f);
}

static int smt_filter_from_params(void)
{
	int ret = 0;

	mutex_lock(&smt_config_lock);
	if (smt_ready)		/* not before init, not after exit */
		ret = smt_filter_from_params_locked();
	mutex_unlock(&smt_config_lock);
	return ret;
}

static int smt_set_filter_int(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_int(val, kp);

	return ret ? ret : smt_filter_from_params();
}

static int smt_set_filter_str(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_copystring(val, kp);

	return ret ? ret : smt_filter_from_params();
}

/* Arm or disarm whichever per-message hook is registered. */
static int smt_msg_hooks_arm(bool on)
{
	unsigned int i;
	int ret = 0;

	if (smt_msg_probe_registered)
		return on ? enable_kretprobe(&smt_msg_probe) :
			    disable_kretprobe(&smt_msg_probe);
	for (i = 0; i < smt_nr_sites && !ret; i++)
		ret = on ? enable_kprobe(&smt_site_probes[i]) :
			   disable_kprobe(&smt_site_probes[i]);
	return ret;
}

static int smt_set_per_msg(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (ret)
		return ret;
	mutex_lock(&smt_config_lock);
	if (smt_ready)
		ret = smt_msg_hooks_arm(per_msg_results);
	mutex_unlock(&smt_config_lock);
	return ret;
}

/* ---- staging slots ---------------------------------------------------- */

/*
 * Slots are found by task: open addressing from a hash of the task
 * pointer.  Only the owning task reads or writes a slot's contents, so
 * the only shared accesses are the cmpxchg/stores on the owner array.
 *
 * smt_slot_reach is one more than the farthest from its hash that a slot
 * was ever claimed, so a search for a task that has none (every plain
 * sendmsg(2) passes the per-message probe) stops there instead of
 * reading the whole array.  It only grows; a task that claimed a slot
 * raised it before it searches, so it always finds its own.
 */
static unsigned int smt_slot_reach;

static void smt_slot_extend_reach(unsigned int reach)
{
	unsigned int old = READ_ONCE(smt_slot_reach);

	while (old < reach) {
		unsigned int seen = cmpxchg(&smt_slot_reach, old, reach);

		if (seen == old)
			return;
		old = seen;
	}
}

static unsigned int smt_slot_home(void)
{
	return hash_ptr(current, smt_slot_bits);
}

static unsigned int smt_slot_index(unsigned int home, unsigned int i)
{
	return (home + i) & ((1U << smt_slot_bits) - 1);
}

/* A free slot for the current task, or NULL when all are in use. */
static struct smt_slot *smt_slot_acquire(void)
{
	unsigned int i, idx, home = smt_slot_home();

	for (i = 0; i < 1U << smt_slot_bits; i++) {
		idx = smt_slot_index(home, i);
		if (!READ_ONCE(smt_slot_owner[idx]) &&
		    !cmpxchg(&smt_slot_owner[idx], NULL, current)) {
			smt_slot_extend_reach(i + 1);
			return &smt_slots[idx];
		}
	}
	return NULL;
}

/* The slot of the current task's sendmmsg in flight, if any. */
static struct smt_slot *smt_slot_find(void)
{
	unsigned int i, idx, home = smt_slot_home();
	unsigned int reach = READ_ONCE(smt_slot_reach);

	for (i = 0; i < reach; i++) {
		idx = smt_slot_index(home, i);
		if (READ_ONCE(smt_slot_owner[idx]) == current)
			return &smt_slots[idx];
	}
	return NULL;
}

static void smt_slot_release(struct smt_slot *slot)
{
	/* Our writes to the slot happen before another task can take it. */
	smp_store_release(&smt_slot_owner[slot - smt_slots], NULL);
}

/* ---- copying the caller's vector (probe context: nofault only) -------- */

/* One mmsghdr, native or compat, widened. */
struct smt_uhdr {
	u64 name;
	u64 iov;
	u64 iovlen;
	u64 control;
	u64 controllen;
	u32 namelen;
	u32 flags;
};

/*
 * What the capture of one call carries from message to message: the
 * previous message (its name is reused when the next one points at the
 * same buffer) and the iovecs read ahead (consecutive messages' iovecs are
 * usually next to each other in memory).  One nofault copy per name and
 * per iovec array was most of the per-message capture cost.
 */
struct smt_vec_cursor {
	const struct smt_msg *prev;
	u32 msgs_after;		/* messages of the vector after this one */
	u64 iov_start;		/* user address of the first cached iovec */
	unsigned int iov_n;	/* iovecs cached */
	u64 iov_base[SMT_IOV_CHUNK];
	u64 iov_len[SMT_IOV_CHUNK];
};

static void smt_widen_hdr(struct smt_uhdr *h, const struct user_msghdr *m)
{
	h->name = (unsigned long)m->msg_name;
	h->namelen = m->msg_namelen;
	h->iov = (unsigned long)m->msg_iov;
	h->iovlen = m->msg_iovlen;
	h->control = (unsigned long)m->msg_control;
	h->controllen = m->msg_controllen;
	h->flags = m->msg_flags;
}

/* Headers [first, first + n) in one nofault copy; false on a fault. */
static bool smt_copy_hdrs(u64 vec, u32 first, u32 n, struct smt_uhdr *h)
{
	struct mmsghdr m[SMT_HDR_CHUNK] __uninitialized;
	const void __user *p = u64_to_user_ptr(vec + (u64)first * sizeof(m[0]));
	u32 i;

	if (copy_from_user_nofault(m, p, n * sizeof(m[0])))
		return false;
	for (i = 0; i < n; i++)
		smt_widen_hdr(&h[i], &m[i].msg_hdr);
	return true;
}

#ifdef CONFIG_COMPAT
static void smt_widen_compat_hdr(struct smt_uhdr *h,
				 const struct compat_msghdr *m)
{
	h->name = m->msg_name;
	h->namelen = m->msg_namelen;
	h->iov = m->msg_iov;
	h->iovlen = m->msg_iovlen;
	h->control = m->msg_control;
	h->controllen = m->msg_controllen;
	h->flags = m->msg_flags;
}

static bool smt_copy_compat_hdrs(u64 vec, u32 first, u32 n, struct smt_uhdr *h)
{
	struct compat_mmsghdr m[SMT_HDR_CHUNK] __uninitialized;
	const void __user *p = u64_to_user_ptr(vec + (u64)first * sizeof(m[0]));
	u32 i;

	if (copy_from_user_nofault(m, p, n * sizeof(m[0])))
		return false;
	for (i = 0; i < n; i++)
		smt_widen_compat_hdr(&h[i], &m[i].msg_hdr);
	return true;
}
#else
static bool smt_copy_compat_hdrs(u64 vec, u32 first, u32 n, struct smt_uhdr *h)
{
	return false;
}
#endif

static bool smt_copy_any_hdrs(u64 vec, u32 first, u32 n, bool compat,
			      struct smt_uhdr *h)
{
	return compat ? smt_copy_compat_hdrs(vec, first, n, h) :
			smt_copy_hdrs(vec, first, n, h);
}

/*
 * Up to SMT_HDR_CHUNK headers from @first, widened; returns how many were
 * readable.  One copy for the chunk (a copy per header was a third of the
 * per-message cost); if it faults, one by one, so that the headers before
 * the bad one are still captured.
 */
static u32 smt_read_hdrs(u64 vec, u32 first, u32 n, bool compat,
			 struct smt_uhdr *h)
{
	u32 i;

	if (smt_copy_any_hdrs(vec, first, n, compat, h))
		return n;
	for (i = 0; i < n; i++)
		if (!smt_copy_any_hdrs(vec, first + i, 1, compat, &h[i]))
			break;
	return i;
}

/* The previous message's name, if this one points at the same bytes. */
static bool smt_reuse_name(struct smt_msg *m, const struct smt_uhdr *h,
			   const struct smt_msg *prev)
{
	if (!prev || prev->name_ptr != h->name || prev->namelen != h->namelen ||
	    (prev->status & SMT_MSG_NAME_FAULT))
		return false;
	memcpy(m->name, prev->name, prev->name_len);
	m->name_len = prev->name_len;
	m->status |= prev->status & SMT_MSG_NAME_TRUNC;
	return true;
}

static void smt_capture_name(struct smt_msg *m, const struct smt_uhdr *h,
			     const struct smt_msg *prev)
{
	u32 len = min_t(u32, h->namelen, SMT_NAME_MAX);

	if (!h->name || !h->namelen || smt_reuse_name(m, h, prev))
		return;
	if (h->namelen > SMT_NAME_MAX)
		m->status |= SMT_MSG_NAME_TRUNC;
	/* On a fault name_len stays 0: no partly copied byte is emitted. */
	if (copy_from_user_nofault(m->name, u64_to_user_ptr(h->name), len)) {
		m->status |= SMT_MSG_NAME_FAULT;
		return;
	}
	m->name_len = len;
}

/* Read iovecs [first, first + n) into base/len arrays. */
static int smt_read_iovs(u64 iov, u64 first, unsigned int n, bool compat,
			 u64 *base, u64 *len)
{
	unsigned int i;

	if (!compat) {
		struct iovec v[SMT_IOV_CHUNK] __uninitialized;
		const void __user *p = u64_to_user_ptr(iov + first * sizeof(v[0]));

		if (copy_from_user_nofault(v, p, n * sizeof(v[0])))
			return -EFAULT;
		for (i = 0; i < n; i++) {
			base[i] = (unsigned long)v[i].iov_base;
			len[i] = v[i].iov_len;
		}
		return 0;
	}
#ifdef CONFIG_COMPAT
	{
		struct compat_iovec v[SMT_IOV_CHUNK] __uninitialized;
		const void __user *p = u64_to_user_ptr(iov + first * sizeof(v[0]));

		if (copy_from_user_nofault(v, p, n * sizeof(v[0])))
			return -EFAULT;
		for (i = 0; i < n; i++) {
			base[i] = v[i].iov_base;
			len[i] = v[i].iov_len;
		}
		return 0;
	}
#else
	return -EFAULT;
#endif
}

/* Append the start of one iovec's data to the message's payload. */
static void smt_capture_payload(struct smt_msg *m, u8 *payload, u64 base,
				u64 len)
{
	u32 room = capture_bytes - m->payload_len;
	u32 n = min_t(u64, len, room);

	if (!n || (m->status & SMT_MSG_PAYLOAD_FAULT))
		return;
	if (copy_from_user_nofault(payload + m->payload_len,
				   u64_to_user_ptr(base), n)) {
		m->status |= SMT_MSG_PAYLOAD_FAULT;
		return;
	}
	m->payload_len += n;
}

/*
 * The @n iovecs at user address @addr: their index in the cursor's cache,
 * read into it if they are not there, or -EFAULT.  A read takes up to a
 * chunk, for the next messages, but never past the page the first iovec
 * is on: no mapping is touched that the kernel would not read, and a
 * readable first iovec makes the whole read succeed.
 */
static int smt_iovs_get(struct smt_vec_cursor *cur, u64 addr, unsigned int n,
			bool compat)
{
	size_t isz = compat ? sizeof(struct compat_iovec) : sizeof(struct iovec);
	unsigned int ahead;

	if (cur->iov_n && addr >= cur->iov_start) {
		u64 off = addr - cur->iov_start;

		if (off % isz == 0 && off / isz + n <= cur->iov_n)
			return off / isz;
	}
	cur->iov_n = 0;
	ahead = min_t(u64, SMT_IOV_CHUNK, (PAGE_SIZE - offset_in_page(addr)) / isz);
	if (cur->msgs_after && ahead > n &&
	    !smt_read_iovs(addr, 0, ahead, compat, cur->iov_base, cur->iov_len))
		n = ahead;
	else if (smt_read_iovs(addr, 0, n, compat, cur->iov_base, cur->iov_len))
		return -EFAULT;
	cur->iov_start = addr;
	cur->iov_n = n;
	return 0;
}

static void smt_capture_iovs(struct smt_msg *m, u8 *payload,
			     const struct smt_uhdr *h, bool compat,
			     struct smt_vec_cursor *cur)
{
	size_t isz = compat ? sizeof(struct compat_iovec) : sizeof(struct iovec);
	u64 nr = min_t(u64, h->iovlen, SMT_MAX_IOVS_READ);
	unsigned int i, n;
	u64 done;
	int at;

	if (h->iovlen > SMT_MAX_IOVS_READ)
		m->status |= SMT_MSG_IOV_TRUNC;
	for (done = 0; done < nr; done += n) {
		n = min_t(u64, nr - done, SMT_IOV_CHUNK);
		at = smt_iovs_get(cur, h->iov + done * isz, n, compat);
		if (at < 0) {
			m->status |= SMT_MSG_IOV_FAULT;
			return;
		}
		for (i = at; i < at + n; i++) {
			m->bytes += cur->iov_len[i];
			if (capture_bytes)
				smt_capture_payload(m, payload, cur->iov_base[i],
						    cur->iov_len[i]);
		}
	}
}

/* Level and type of the first SMT_MAX_CMSGS control messages. */
static void smt_capture_cmsgs(struct smt_msg *m, const struct smt_uhdr *h,
			      bool compat)
{
	u64 off = 0;
	size_t hlen = compat ? sizeof(struct compat_cmsghdr) :
			       sizeof(struct cmsghdr);

	if (!h->control)
		return;
	while (off + hlen <= h->controllen) {
		const void __user *p = u64_to_user_ptr(h->control + off);
		u64 clen;
		s32 level, type;

		if (m->ncmsg == SMT_MAX_CMSGS) {
			m->status |= SMT_MSG_CMSG_MORE;
			return;
		}
		if (compat) {
			struct compat_cmsghdr c;

			if (copy_from_user_nofault(&c, p, sizeof(c)))
				goto fault;
			clen = c.cmsg_len;
			level = c.cmsg_level;
			type = c.cmsg_type;
		} else {
			struct cmsghdr c;

			if (copy_from_user_nofault(&c, p, sizeof(c)))
				goto fault;
			clen = c.cmsg_len;
			level = c.cmsg_level;
			type = c.cmsg_type;
		}
		m->cmsg[m->ncmsg].level = level;
		m->cmsg[m->ncmsg].type = type;
		m->ncmsg++;
		if (clen < hlen)	/* the kernel rejects it: stop here */
			return;
		off += compat ? ALIGN(clen, sizeof(s32)) : ALIGN(clen, sizeof(long));
	}
	return;
fault:
	m->status |= SMT_MSG_CTRL_FAULT;
}

/*
 * Every field before the name, as passed or zero.  Field by field: gcc
 * turns a memset of the whole into a string store (rep stos), which an
 * emulated CPU executes one word per step.
 */
static void smt_msg_init(struct smt_msg *m, const struct smt_uhdr *h)
{
	m->name_ptr = h->name;
	m->iov_ptr = h->iov;
	m->iovlen = h->iovlen;
	m->control_ptr = h->control;
	m->controllen = h->controllen;
	m->bytes = 0;
	m->result = 0;
	m->namelen = h->namelen;
	m->flags = h->flags;
	m->status = 0;
	m->name_len = 0;
	m->ncmsg = 0;
	memset(m->cmsg, 0, sizeof(m->cmsg));
	m->payload_off = 0;
	m->payload_len = 0;
}

static void smt_capture_msg(struct smt_msg *m, u8 *payload,
			    const struct smt_uhdr *h, bool compat,
			    struct smt_vec_cursor *cur)
{
	smt_msg_init(m, h);
	smt_capture_name(m, h, cur->prev);
	smt_capture_iovs(m, payload, h, compat, cur);
	smt_capture_cmsgs(m, h, compat);
	cur->prev = m;
}

#define SMT_MSG_ANY_FAULT (SMT_MSG_NAME_FAULT | SMT_MSG_IOV_FAULT | \
			   SMT_MSG_CTRL_FAULT | SMT_MSG_PAYLOAD_FAULT)

/*
 * Everything but the name bytes: those are emitted up to name_len and
 * zeroed after it (smt_ring_put_msgs), so zeroing 128 bytes per message
 * here would be wasted.
 */
static_assert(offsetof(struct smt_msg, name) + SMT_NAME_MAX ==
	      sizeof(struct smt_msg));
/* smt_msg_init() writes each field before the name: update it with them. */
static_assert(offsetof(struct smt_msg, name) == 112);

static void smt_msg_clear(struct smt_msg *m)
{
	memset(m, 0, offsetof(struct smt_msg, name));
}

static void smt_capture_one(struct smt_slot *slot, u32 i,
			    const struct smt_uhdr *h, bool compat,
			    struct smt_vec_cursor *cur)
{
	struct smt_msg *m = &slot->msgs[i];

	slot->nr_msgs = i + 1;
	smt_capture_msg(m, slot->payload + (size_t)i * capture_bytes, h, compat,
			cur);
	if (m->status & SMT_MSG_ANY_FAULT)
		slot->status |= SMT_ST_FIELD_FAULT;
}

/*
 * Copy up to max_msgs entries of the vector; stop at the first bad one.
 * The buffers on the stack here and below are __uninitialized: Debian's
 * kernels are built with CONFIG_INIT_STACK_ALL_ZERO, which would zero
 * them on every call before the copy from user memory overwrites them.
 */
static void smt_capture_vector(struct smt_slot *slot,
			       const struct smt_call_ctx *ctx)
{
	bool compat = ctx->status & SMT_ST_COMPAT;
	u32 n = min3(ctx->vlen, (u32)UIO_MAXIOV, max_msgs);
	struct smt_uhdr h[SMT_HDR_CHUNK] __uninitialized;
	struct smt_vec_cursor cur __uninitialized;
	u32 i, k, want, got;

	cur.prev = NULL;
	cur.iov_n = 0;

	if (min_t(u32, ctx->vlen, UIO_MAXIOV) > max_msgs)
		slot->status |= SMT_ST_TRUNCATED;
	for (i = 0; i < n; i += want) {
		want = min_t(u32, n - i, SMT_HDR_CHUNK);
		got = smt_read_hdrs(ctx->msgvec, i, want, compat, h);
		for (k = 0; k < got; k++) {
			cur.msgs_after = n - (i + k) - 1;
			smt_capture_one(slot, i + k, &h[k], compat, &cur);
		}
		if (got < want) {
			smt_msg_clear(&slot->msgs[i + got]);
			slot->msgs[i + got].status |= SMT_MSG_HDR_FAULT;
			slot->nr_msgs = i + got + 1;
			slot->status |= SMT_ST_VEC_FAULT;
			return;
		}
	}
}

/* ---- socket description ----------------------------------------------- */

static void smt_inet_addr(struct smt_inet_addr *a, u16 family, __be32 v4,
			  const struct in6_addr *v6, __be16 port)
{
	a->family = family;
	a->port = ntohs(port);
	a->scope_id = 0;
	memset(a->addr, 0, sizeof(a->addr));
	if (family == AF_INET)
		memcpy(a->addr, &v4, sizeof(v4));
	else if (v6)
		memcpy(a->addr, v6, sizeof(*v6));
}

static void smt_capture_inet(struct smt_sock *s, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	__be16 dport = READ_ONCE(inet->inet_dport);

	s->flags |= SMT_SOCK_INET_ADDRS;
	if (dport)
		s->flags |= SMT_SOCK_CONNECTED;
#if IS_ENABLED(CONFIG_IPV6)
	if (s->family == AF_INET6) {
		smt_inet_addr(&s->local, AF_INET6, 0, &sk->sk_v6_rcv_saddr,
			      READ_ONCE(inet->inet_sport));
		smt_inet_addr(&s->peer, AF_INET6, 0, &sk->sk_v6_daddr, dport);
		return;
	}
#endif
	smt_inet_addr(&s->local, AF_INET, READ_ONCE(inet->inet_saddr), NULL,
		      READ_ONCE(inet->inet_sport));
	smt_inet_addr(&s->peer, AF_INET, READ_ONCE(inet->inet_daddr), NULL,
		      dport);
}

/* Caller holds a reference on @sock's file (the syscall does). */
static void smt_capture_sock(struct smt_slot *slot, struct socket *sock)
{
	struct smt_sock *s = &slot->sock;
	struct sock *sk = sock ? READ_ONCE(sock->sk) : NULL;

	if (!sk)
		return;
	/*
	 * Every field written, no memset of the whole: gcc makes that a
	 * string store (see smt_msg_init).
	 */
	s->family = READ_ONCE(sk->sk_family);
	s->type = READ_ONCE(sock->type);
	s->protocol = READ_ONCE(sk->sk_protocol);
	s->flags = 0;
	if (s->family == AF_INET || s->family == AF_INET6) {
		smt_capture_inet(s, sk);
	} else {
		memset(&s->local, 0, sizeof(s->local));
		memset(&s->peer, 0, sizeof(s->peer));
	}
	slot->status |= SMT_ST_SOCK_VALID;
}

/*
 * The socket by its fd, at the call's return: when per-message results
 * come from the call sites, or no message reached the per-message probe.
 * fdget() takes no reference in a single-threaded caller (no other task
 * can close the fd); fdput() then has nothing to drop.
 */
static void smt_capture_sock_by_fd(struct smt_slot *slot, int fd)
{
	struct socket *sock;
	struct fd f;

	if (fd < 0)
		return;
	f = fdget(fd);
	if (!fd_file(f))
		return;
	sock = smt_sock_from_file(fd_file(f));
	if (sock)
		smt_capture_sock(slot, sock);
	fdput(f);
}

/* ---- timestamps ------------------------------------------------------- */

/*
 * Stamps are CLOCK_MONOTONIC without a clocksource read per call.  With
 * an HPET clocksource (a TCG guest, or hardware whose TSC failed its
 * checks) every ktime_get_ns() is an uncached device read, and reading it
 * at entry and return was most of the cost of tracing a call.
 *
 * Each CPU keeps an anchor, a (ktime_get_ns(), get_cycles()) pair read
 * together, renewed every SMT_ANCHOR_NS, and a time is the anchor's plus
 * the cycles since, converted at the counter's rate.  The rate is measured
 * at load (over a few milliseconds) and again on each CPU over every
 * SMT_RATE_NS, so the error stays within a few microseconds even where
 * the kernel's own calibration is off (as under emulation).  local_clock()
 * would do the conversion for us, but under TCG it costs twice as much and
 * jumps by tens of microseconds at every tick.
 *
 * Records of all CPUs are merged by stamp.  A CPU's stamps never go back
 * (smt_anchor.last), and no stamp is older than the newest record the
 * reader has decided to deliver (smt_floor, which only the reader
 * raises: callers read it and write nothing shared).
 */
#define SMT_ANCHOR_NS		(4 * NSEC_PER_MSEC)	/* renewed after */
#define SMT_ANCHOR_RETRY_NS	(NSEC_PER_MSEC / 2)	/* after a loose pair */
#define SMT_ANCHOR_MAX_NS	(64 * NSEC_PER_MSEC)	/* then a loose one will do */
#define SMT_ANCHOR_TRIES	4
#define SMT_ANCHOR_TIGHT_NS	4000
#define SMT_RATE_NS		(32 * NSEC_PER_MSEC)
#define SMT_RATE_MAX_NS		NSEC_PER_SEC
#define SMT_INIT_TRIES		16
#define SMT_INIT_SPAN_US	20000

struct smt_anchor {
	u64 mono;		/* ktime_get_ns() ... */
	u64 cycles;		/* ... and get_cycles() at the same moment */
	u64 reach;		/* cycles after which it is renewed */
	u64 max_reach;		/* cycles after which any pair replaces it */
	u64 mult;		/* ns per cycle, 32.32 fixed point */
	u64 rate_mono;		/* the pair the rate is next measured from */
	u64 rate_cycles;
	u64 last;		/* the newest stamp taken on this CPU */
};

static DEFINE_PER_CPU(struct smt_anchor, smt_anchor);
static u64 smt_cycle_mult;	/* the rate measured at load */
static bool smt_clock_direct;	/* no cycle counter: read the clocksource */
static atomic64_t smt_floor ____cacheline_aligned_in_smp;

static u64 smt_cycles_to_ns(u64 cycles, u64 mult)
{
	return mul_u64_u64_shr(cycles, mult, 32);
}

static u64 smt_ns_to_cycles(u64 ns, u64 mult)
{
	return div64_u64(ns << 32, mult);
}

/*
 * The clocksource is read between two counter reads, with interrupts off,
 * and paired with their midpoint, so the pair is off by at most half the
 * window.  A read can still stall (an emulated HPET waits for the
 * emulator's lock while another vCPU holds it: tens of microseconds), so
 * keep the tightest of up to @tries, stopping at a tight one when the
 * rate is known.  Returns the window in cycles.
 */
static u64 smt_clock_pair(u64 *mono, u64 *cycles, u64 mult, int tries)
{
	u64 best = U64_MAX;
	int i;

	for (i = 0; i < tries; i++) {
		unsigned long flags;
		u64 before, m, after;

		local_irq_save(flags);
		before = get_cycles();
		m = ktime_get_ns();
		after = get_cycles();
		local_irq_restore(flags);
		if (after - before < best) {
			best = after - before;
			*mono = m;
			*cycles = before + best / 2;
		}
		if (mult && smt_cycles_to_ns(best, mult) <= SMT_ANCHOR_TIGHT_NS)
			break;
	}
	return best;
}

/* ns per cycle between two pairs, 0 if the counter did not advance. */
static u64 smt_cycle_rate(u64 mono0, u64 cycles0, u64 mono1, u64 cycles1)
{
	if (cycles1 <= cycles0 || mono1 <= mono0)
		return 0;
	return div64_u64((mono1 - mono0) << 32, cycles1 - cycles0);
}

/* Re-measure the counter's rate from two tight pairs SMT_RATE_NS apart. */
static void smt_anchor_measure_rate(struct smt_anchor *a, u64 mono, u64 cycles)
{
	u64 since = mono - a->rate_mono;

	if (a->rate_mono && since < SMT_RATE_NS)
		return;
	if (a->rate_mono && since <= SMT_RATE_MAX_NS) {
		u64 mult = smt_cycle_rate(a->rate_mono, a->rate_cycles, mono,
					  cycles);

		if (mult)
			a->mult = mult;
	}
	a->rate_mono = mono;
	a->rate_cycles = cycles;
}

/*
 * A new anchor for a CPU whose counter reads @now.  A loose pair (see
 * smt_clock_pair) would be off by up to half its window, so it replaces
 * the anchor only when there is none or it is SMT_ANCHOR_MAX_NS old;
 * otherwise the old one is kept and a new pair tried a little later.
 */
static void smt_anchor_renew(struct smt_anchor *a, u64 now)
{
	bool must = !a->mono || now < a->cycles || now - a->cycles >= a->max_reach;
	u64 mono, cycles, window;

	if (!a->mult)
		a->mult = smt_cycle_mult;
	window = smt_clock_pair(&mono, &cycles, a->mult, SMT_ANCHOR_TRIES);
	if (smt_cycles_to_ns(window, a->mult) > SMT_ANCHOR_TIGHT_NS) {
		if (!must) {
			a->reach = now - a->cycles +
				   smt_ns_to_cycles(SMT_ANCHOR_RETRY_NS, a->mult);
			return;
		}
		a->rate_mono = 0;	/* no rate measured from this one */
	} else {
		smt_anchor_measure_rate(a, mono, cycles);
	}
	a->mono = mono;
	a->cycles = cycles;
	a->reach = smt_ns_to_cycles(SMT_ANCHOR_NS, a->mult);
	a->max_reach = smt_ns_to_cycles(SMT_ANCHOR_MAX_NS, a->mult);
}

/* CLOCK_MONOTONIC at the moment the counter read @cycles.  Preemption off. */
static u64 smt_clock_at(u64 cycles)
{
	struct smt_anchor *a = this_cpu_ptr(&smt_anchor);

	if (unlikely(smt_clock_direct))
		return ktime_get_ns();
	if (unlikely(cycles - a->cycles >= a->reach || cycles < a->cycles)) {
		smt_anchor_renew(a, cycles);
		/* @cycles was read before the renewal's pair */
		if (cycles < a->cycles)
			return a->mono - min(smt_cycles_to_ns(a->cycles - cycles,
							      a->mult), a->mono);
	}
	return a->mono + smt_cycles_to_ns(cycles - a->cycles, a->mult);
}

static u64 smt_floor_now(void)
{
	return atomic64_read(&smt_floor);
}

/*
 * The time of @cycles, never older than this CPU's previous stamp nor
 * than the floor.  Preemption off.
 */
static u64 smt_stamp(u64 cycles)
{
	struct smt_anchor *a = this_cpu_ptr(&smt_anchor);
	u64 stamp = max3(smt_clock_at(cycles), a->last, smt_floor_now());

	a->last = stamp;
	return stamp;
}

/* smt_stamp() now, from process context. */
static u64 smt_stamp_now(void)
{
	u64 stamp;

	preempt_disable();
	stamp = smt_stamp(get_cycles());
	preempt_enable();
	return stamp;
}

/*
 * A lower bound of this CPU's next stamp, for smt_ring_begin().
 * Preemption off.
 */
static u64 smt_stamp_bound(void)
{
	return max_t(u64, this_cpu_read(smt_anchor.last), smt_floor_now());
}

/*
 * The reader is about to deliver a record stamped @ts: from now on no
 * stamp may be older.  A caller that posted its bound before this is
 * waited for (smt_older_pending); one that posts it after sees the raised
 * floor (the barriers of smt_ring_begin and smt_older_pending pair).
 */
static void smt_raise_floor(u64 ts)
{
	s64 old = atomic64_read(&smt_floor);

	while (old < (s64)ts && !atomic64_try_cmpxchg(&smt_floor, &old, ts))
		;
}

/*
 * Before delivering a record stamped @ts the floor must be at least @ts.
 * Raising it to now covers every record published so far at once, so the
 * reader writes the line that every caller reads once per batch instead
 * of once per record.  A stamp that meets the floor is one whose CPU's
 * clock lags the reader's: it moves up by that lag, as before.
 */
static void smt_floor_cover(u64 ts)
{
	if (ts > smt_floor_now())
		smt_raise_floor(max(ts, smt_stamp_now()));
}

/*
 * The counter's rate, over 20 ms at load (process context, on one CPU: the
 * counters of different CPUs need not agree).  Each CPU re-measures it
 * within SMT_RATE_NS of use.  Without a counter that advances, every time
 * is read from the clocksource.
 */
static void smt_clock_init(void)
{
	u64 mono0, cycles0, mono1, cycles1;

	migrate_disable();
	smt_clock_pair(&mono0, &cycles0, 0, SMT_INIT_TRIES);
	usleep_range(SMT_INIT_SPAN_US, SMT_INIT_SPAN_US + 1000);
	smt_clock_pair(&mono1, &cycles1, 0, SMT_INIT_TRIES);
	migrate_enable();
	smt_cycle_mult = smt_cycle_rate(mono0, cycles0, mono1, cycles1);
	smt_clock_direct = !smt_cycle_mult;
	atomic64_set(&smt_floor, 0);
}

/* ---- ring buffer ------------------------------------------------------ */

/*
 * The bytes at @pos.  The ring's pages are mapped twice in a row, so a
 * record is contiguous wherever it starts: it is written in place and
 * read with one copy, and no code path splits at the wrap.
 *
 * The free part of a ring, from head to tail + size, is all zeros: the
 * pages start zeroed and the reader zeroes a record's bytes before it
 * releases them (smt_ring_release).  So the traced caller writes only
 * what is not zero, and never pays for the padding, the unused part of
 * each 128-byte name, or a socket that was not captured.
 */
static void *smt_ring_at(const struct smt_ring *r, u64 pos)
{
	return r->data + (pos & (r->size - 1));
}

static u64 smt_missed_total(void)
{
	return (u64)(unsigned int)READ_ONCE(smt_entry_probe.nmissed) +
	       smt_kprobe_missed(&smt_entry_probe.kp);
}

/* Probe misses not yet reported in the stream: claim them once. */
static u64 smt_claim_missed(void)
{
	s64 now = smt_missed_total();
	s64 prev = atomic64_read(&smt_missed_reported);

	while (now > prev) {
		if (atomic64_try_cmpxchg(&smt_missed_reported, &prev, now))
			return now - prev;
	}
	return 0;
}

static void smt_wake_reader(struct irq_work *work)
{
	wake_up_interruptible(&smt_wait);
}

/* Per-message hooks that did not run: results a record may lack. */
static unsigned long smt_msg_missed(void)
{
	unsigned long n = READ_ONCE(smt_msg_probe.nmissed) +
			  smt_kprobe_missed(&smt_msg_probe.kp);
	unsigned int i;

	for (i = 0; i < smt_nr_sites; i++)
		n += smt_kprobe_missed(&smt_site_probes[i]);
	return n;
}

/* This ring's drops not yet reported; no atomic write when there are none. */
static u64 smt_claim_pending_lost(struct smt_ring *r)
{
	return atomic64_read(&r->pending_lost) ?
	       atomic64_xchg(&r->pending_lost, 0) : 0;
}

/* Size of a record with @nr messages and @payload bytes of payload. */
static size_t smt_record_size(u32 nr, size_t payload)
{
	return ALIGN(sizeof(struct smt_call) + (size_t)nr * sizeof(struct smt_msg) +
		     payload, SMT_REC_ALIGN);
}

static size_t smt_payload_total(const struct smt_slot *slot, u32 nr)
{
	size_t total = 0;
	u32 i;

	for (i = 0; i < nr; i++)
		total += slot->msgs[i].payload_len;
	return total;
}

/*
 * Records are merged by timestamp at read time, so the reader must not
 * pass over a record that is stamped but not yet published.  Before
 * stamping, the producer posts a lower bound of the stamp in r->writing;
 * the reader waits for any ring whose bound is not newer than the record
 * it is about to deliver (smt_older_pending).  A non-zero r->writing also
 * refuses a nested producer on this CPU.
 */
static bool smt_ring_begin(struct smt_ring *r, u64 bound)
{
	if (READ_ONCE(r->writing))
		return false;
	WRITE_ONCE(r->writing, bound ? : 1);
	/*
	 * The bound is visible before the stamp reads the floor: pairs with
	 * the barrier between smt_raise_floor() and the reader's look at
	 * the bounds, so either it sees ours or our stamp sees its floor.
	 */
	smp_mb();
	return true;
}

/*
 * Waking the reader for every record cost the traced caller more than
 * capturing it (an interrupt on this CPU, an IPI and a context switch on
 * the reader's, one read() per record: see bench/).  So while the ring is
 * less than a quarter full the wake-up waits for this CPU's next tick (a
 * lazy irq_work raises no interrupt, at most 1/HZ later; with the tick
 * stopped it is raised at once) and one read() drains the batch; past a
 * quarter, the reader is woken at once.  The lazy work is per CPU so that
 * callers on different CPUs do not write a shared cache line.
 */
static void smt_wake_reader_soon(struct smt_ring *r)
{
	u64 used = READ_ONCE(r->head) - r->tail_seen;

	if (used >= r->size / 4) {
		/* A fresh look, which smt_ring_room() then trusts. */
		r->tail_seen = smp_load_acquire(&r->tail);
		used = READ_ONCE(r->head) - r->tail_seen;
	}
	if (used >= r->size / 4)
		irq_work_queue(&smt_wake_work);
	else if (!irq_work_is_pending(&r->wake_lazy))	/* no atomic */
		irq_work_queue(&r->wake_lazy);
}

static void smt_ring_end(struct smt_ring *r)
{
	/* The record (head) is visible before the bound goes away. */
	smp_store_release(&r->writing, 0);
	/* Pairs with the barrier in wait_event: see wq_has_sleeper(). */
	if (wq_has_sleeper(&smt_wait))
		smt_wake_reader_soon(r);
}

static void smt_count_lost(struct smt_ring *r)
{
	atomic64_inc(&r->pending_lost);
	r->stats.lost++;
}

/* ---- probes ----------------------------------------------------------- */

static int smt_entry_handler(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct smt_call_ctx *ctx = (struct smt_call_ctx *)ri->data;
	bool forbid_compat = regs_get_kernel_argument(regs, 4) & 0xff;
	struct smt_slot *slot;

	/* The return handler reads the rest only when active is set. */
	ctx->active = false;
	if (READ_ONCE(probe_only))
		return 0;
	if (!smt_filter_pass()) {
		this_cpu_inc(smt_rings->stats.filtered);
		return 1;	/* no return probe for this call */
	}
	ctx->active = true;
	ctx->ts_entry = smt_clock_at(get_cycles());
	ctx->fd = regs_get_kernel_argument(regs, 0);
	ctx->msgvec = regs_get_kernel_argument(regs, 1);
	ctx->vlen = regs_get_kernel_argument(regs, 2);
	ctx->flags = regs_get_kernel_argument(regs, 3);
	ctx->status = 0;
	ctx->slot = NULL;
	if ((ctx->flags & MSG_CMSG_COMPAT) && !forbid_compat) {
		ctx->status |= SMT_ST_COMPAT;
		ctx->flags &= ~MSG_CMSG_COMPAT;	/* added by the kernel */
	}
	if (ctx->vlen > UIO_MAXIOV)
		ctx->status |= SMT_ST_VLEN_CLAMPED;
	if (!READ_ONCE(per_msg_results))
		ctx->status |= SMT_ST_NO_RESULTS;
	ctx->missed_msg = smt_msg_missed();

	slot = smt_slot_acquire();
	if (!slot) {
		ctx->status |= SMT_ST_NO_SLOT;
		return 0;
	}
	slot->status = 0;
	slot->nr_msgs = 0;
	slot->attempted = 0;
	slot->sent = 0;
	slot->bytes_sent = 0;
	smt_capture_vector(slot, ctx);
	ctx->slot = slot;
	return 0;
}

/* Results the per-message probe could not have seen completely. */
static bool smt_results_incomplete(const struct smt_call_ctx *ctx,
				   const struct smt_slot *slot, int ret)
{
	if (smt_msg_missed() != ctx->missed_msg)
		return true;
	return ret > 0 && slot->sent < (u32)ret;
}

/* Preemption off (smt_exit_handler). */
static void smt_fill_task(struct smt_call *c)
{
	c->tgid = current->tgid;
	c->tid = current->pid;
	/*
	 * A kuid is the initial namespace's id: from_kuid_munged() with
	 * &init_user_ns maps it to itself, after a search of the map.
	 */
	c->uid = __kuid_val(current_uid());
	c->gid = __kgid_val(current_gid());
	/*
	 * comm is NUL-padded by __set_task_comm() (strscpy_pad), so a plain
	 * copy is what strscpy_pad() would give, without a byte loop; a
	 * rename racing with it can only tear the name, as it could anyway.
	 * Older kernels need the padding done here (smt_copy_comm).
	 */
	BUILD_BUG_ON(sizeof(current->comm) != sizeof(c->comm));
	smt_copy_comm(c->comm, current->comm, sizeof(c->comm));
#ifdef CONFIG_CGROUPS
	/*
	 * With preemption off this is an RCU read-side section, which
	 * task_css_set_check() accepts (rcu_read_lock_sched_held()) and
	 * which keeps the css_set and its cgroup from being freed.
	 */
	c->cgroup_id = cgroup_id(task_dfl_cgroup(current));
#endif
}

/* The call's status bits, with what the return brought to light. */
static u32 smt_call_status(const struct smt_call_ctx *ctx, int ret)
{
	struct smt_slot *slot = ctx->slot;
	u32 status = ctx->status;

	if (!slot)
		return status;
	if (!(slot->status & SMT_ST_SOCK_VALID))
		smt_capture_sock_by_fd(slot, ctx->fd);
	if (!(status & SMT_ST_NO_RESULTS) && smt_results_incomplete(ctx, slot, ret))
		status |= SMT_ST_NO_RESULTS;
	return status | slot->status;
}

static void smt_log_call(const struct smt_call *c)
{
	if (unlikely(READ_ONCE(log_events)))
		pr_info_ratelimited("%s[%u/%u] fd=%d vlen=%u flags=0x%x ret=%lld sent=%u/%u\n",
				    c->comm, c->tgid, c->tid, c->fd, c->vlen,
				    c->flags, c->ret, c->msgs_sent,
				    c->msgs_attempted);
	else
		pr_debug("%s[%u/%u] fd=%d vlen=%u flags=0x%x ret=%lld sent=%u/%u\n",
			 c->comm, c->tgid, c->tid, c->fd, c->vlen, c->flags,
			 c->ret, c->msgs_sent, c->msgs_attempted);
}

static void smt_stamp_call(struct smt_call *c, const struct smt_call_ctx *ctx)
{
	u64 ts = smt_stamp(get_cycles());

	c->hdr.ts_ns = ts;
	/* A call that migrated was timed by two CPUs' anchors: never below 0. */
	c->latency_ns = ts > ctx->ts_entry ? ts - ctx->ts_entry : 0;
	c->ts_entry_ns = ts - c->latency_ns;
}

/*
 * smt_put_call() writes every field of struct smt_call that is not zero
 * in place, in the ring's zeroed free space: a field added to the
 * structure must be written there too.
 */
static_assert(sizeof(struct smt_call) == 200);

static void smt_put_call(struct smt_call *c, const struct smt_call_ctx *ctx,
			 int ret, u32 status, u32 nr, u32 size)
{
	const struct smt_slot *slot = ctx->slot;

	c->hdr.size = size;
	c->hdr.type = SMT_REC_CALL;
	c->hdr.abi_version = SMT_ABI_VERSION;
	smt_stamp_call(c, ctx);
	c->msgvec = ctx->msgvec;
	c->ret = ret;
	c->fd = ctx->fd;
	c->vlen = ctx->vlen;
	c->flags = ctx->flags;
	c->status = status;
	c->cpu = smp_processor_id();
	c->call_size = sizeof(*c);
	c->msg_size = sizeof(struct smt_msg);
	c->nr_msgs = nr;
	smt_fill_task(c);
	c->msgs_attempted = slot ? slot->attempted : 0;
	c->msgs_sent = slot ? slot->sent : 0;
	c->bytes_sent = slot ? slot->bytes_sent : 0;
	/* slot->sock holds an older call's socket until it is captured */
	if (status & SMT_ST_SOCK_VALID)
		c->sock = slot->sock;	/* else the ring's zeros */
}

/* The messages after the call (name_len bytes of each name), then payloads. */
static void smt_put_msgs(struct smt_call *c, const struct smt_slot *slot,
			 u32 nr)
{
	const size_t fixed = offsetof(struct smt_msg, name);
	struct smt_msg *out = (struct smt_msg *)(c + 1);
	size_t off = sizeof(*c) + (size_t)nr * sizeof(*out);
	u32 i;

	for (i = 0; i < nr; i++) {
		const struct smt_msg *m = &slot->msgs[i];
		u32 name_len = min_t(u32, m->name_len, SMT_NAME_MAX);

		/* In two: a constant size is copied without a string move. */
		memcpy(&out[i], m, fixed);
		if (name_len)
			memcpy(out[i].name, m->name, name_len);	/* zeros after */
		if (!m->payload_len)
			continue;
		out[i].payload_off = off;
		memcpy((u8 *)c + off, slot->payload + (size_t)i * capture_bytes,
		       m->payload_len);
		off += m->payload_len;
	}
}

/*
 * Whether @size bytes fit at @pos.  The producer reads the reader's tail
 * only when its last look says they do not: most calls touch no line
 * the reader writes.
 */
static bool smt_ring_room(struct smt_ring *r, u64 pos, size_t size)
{
	if (pos - r->tail_seen + size <= r->size)
		return true;
	/* The reader is done with the bytes before tail: we may reuse them. */
	r->tail_seen = smp_load_acquire(&r->tail);
	return pos - r->tail_seen + size <= r->size;
}

/*
 * Write the record of a returning call in place in this CPU's ring; false
 * if the ring has no room.  A record too big for the ring even when empty
 * loses messages from the end (SMT_ST_SHORTENED).
 */
static bool smt_ring_put(struct smt_ring *r, const struct smt_call_ctx *ctx,
			 int ret)
{
	const struct smt_slot *slot = ctx->slot;
	u32 status = smt_call_status(ctx, ret);
	u32 nr = slot ? slot->nr_msgs : 0;
	size_t size = smt_record_size(nr, slot ? smt_payload_total(slot, nr) : 0);
	u64 pos = r->head;
	struct smt_call *c;

	if (status & (SMT_ST_VEC_FAULT | SMT_ST_FIELD_FAULT))
		r->stats.faults++;
	while (size > r->size && nr) {
		nr--;
		status |= SMT_ST_SHORTENED;
		size = smt_record_size(nr, smt_payload_total(slot, nr));
	}
	if (!smt_ring_room(r, pos, size))
		return false;
	c = smt_ring_at(r, pos);
	smt_put_call(c, ctx, ret, status, nr, size);
	c->hdr.lost = smt_claim_pending_lost(r) + smt_claim_missed();
	if (nr)
		smt_put_msgs(c, slot, nr);	/* the padding after is zero */
	smt_log_call(c);
	/* Publish: the record's bytes are visible before the new head. */
	smp_store_release(&r->head, pos + size);
	return true;
}

static int smt_exit_handler(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct smt_call_ctx *ctx = (struct smt_call_ctx *)ri->data;
	int ret = (int)regs_return_value(regs);
	struct smt_ring *r;

	if (!ctx->active)
		return 0;
	preempt_disable();	/* one CPU's ring from stamp to publish */
	r = this_cpu_ptr(smt_rings);
	r->stats.seen++;
	if (!smt_ring_begin(r, smt_stamp_bound())) {
		smt_count_lost(r);
	} else {
		if (!smt_ring_put(r, ctx, ret))
			smt_count_lost(r);
		smt_ring_end(r);
	}
	preempt_enable();
	if (ctx->slot)
		smt_slot_release(ctx->slot);
	return 0;
}

static int smt_msg_entry_handler(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	struct smt_msg_ctx *mctx = (struct smt_msg_ctx *)ri->data;
	struct smt_slot *slot;

	/*
	 * The benchmark's floor: the return hook armed as for a traced
	 * message, nothing looked up or recorded.
	 */
	if (unlikely(READ_ONCE(probe_only))) {
		mctx->slot = NULL;
		return 0;
	}
	slot = smt_slot_find();
	if (!slot)
		return 1;	/* plain sendmsg(2), or an untraced call */
	mctx->slot = slot;
	mctx->sock = (struct socket *)regs_get_kernel_argument(regs, 0);
	return 0;
}

/* One message's result, from whichever per-message hook is in use. */
static void smt_note_result(struct smt_slot *slot, int ret)
{
	u32 idx = slot->attempted++;

	if (ret >= 0) {
		slot->sent++;
		slot->bytes_sent += ret;
	}
	if (idx < slot->nr_msgs) {
		slot->msgs[idx].status |= SMT_MSG_ATTEMPTED;
		slot->msgs[idx].result = ret;
	}
}

static int smt_msg_exit_handler(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	struct smt_msg_ctx *mctx = (struct smt_msg_ctx *)ri->data;
	struct smt_slot *slot = mctx->slot;

	if (!slot)
		return 0;	/* probe_only */
	/* After the first send, so an autobound local port is there. */
	if (!(slot->status & SMT_ST_SOCK_VALID))
		smt_capture_sock(slot, mctx->sock);
	smt_note_result(slot, (int)regs_return_value(regs));
	return 0;
}

/*
 * At the instruction after a call of ___sys_sendmsg in __sys_sendmmsg,
 * the return register holds the message's result.  One kprobe there
 * (optimised into a jump where the code allows) replaces the entry and
 * return hooks of a kretprobe, and it never fires for plain sendmsg(2).
 * The socket is described at the call's return instead (by its fd).
 */
static int smt_site_handler(struct kprobe *p, struct pt_regs *regs)
{
	struct smt_slot *slot;

	if (unlikely(READ_ONCE(probe_only)))
		return 0;
	slot = smt_slot_find();
	if (slot)
		smt_note_result(slot, (int)regs_return_value(regs));
	return 0;
}

/* ---- reading: merge the rings ----------------------------------------- */

/* The CPU whose oldest record is the oldest of all, or -1. */
static int smt_oldest_cpu(u64 *best_ts)
{
	int cpu, best = -1;

	*best_ts = U64_MAX;
	for_each_possible_cpu(cpu) {
		struct smt_ring *r = per_cpu_ptr(smt_rings, cpu);
		struct smt_rec_hdr h;

		/* Pairs with the producer's release: the record is complete. */
		r->seen_head = smp_load_acquire(&r->head);
		if (r->seen_head == r->tail)
			continue;
		memcpy(&h, smt_ring_at(r, r->tail), sizeof(h));
		if (h.ts_ns < *best_ts) {
			*best_ts = h.ts_ns;
			best = cpu;
		}
	}
	return best;
}

/*
 * Whether a record older than best_ts may still appear on another CPU's
 * ring: one was published since smt_oldest_cpu() looked, or one is being
 * written whose stamp is not newer (see smt_ring_begin).  The ring that
 * holds best_ts is not asked: a CPU stamps its records in order.
 */
static bool smt_older_pending(u64 best_ts, int best_cpu)
{
	int cpu;

	/* Our look at the heads, and the floor, before the bounds. */
	smp_mb();
	for_each_possible_cpu(cpu) {
		struct smt_ring *r = per_cpu_ptr(smt_rings, cpu);

		u64 bound, head;

		if (cpu == best_cpu)
			continue;
		/* Pairs with smt_ring_end(): a cleared bound shows its head. */
		bound = smp_load_acquire(&r->writing);
		/* Pairs with the producer's release: published since? */
		head = smp_load_acquire(&r->head);

		if (head != r->seen_head || (bound && bound <= best_ts))
			return true;
	}
	return false;
}

/* Give @len bytes from the tail back to the producer, zeroed. */
static void smt_ring_release(struct smt_ring *r, u64 len)
{
	memset(smt_ring_at(r, r->tail), 0, len);
	/* Our copy and the zeros are done before the producer reuses them. */
	smp_store_release(&r->tail, r->tail + len);
}

/* Losses not yet reported in the stream. */
static bool smt_loss_pending(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (atomic64_read(&per_cpu_ptr(smt_rings, cpu)->pending_lost))
			return true;
	return smt_missed_total() > (u64)atomic64_read(&smt_missed_reported) ||
	       atomic64_read(&smt_reader_dropped_pending);
}

static bool smt_data_ready(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct smt_ring *r = per_cpu_ptr(smt_rings, cpu);

		/* Pairs with the producer's release of head. */
		if (smp_load_acquire(&r->head) != r->tail)
			return true;
	}
	return smt_loss_pending();
}

/* Losses that no later record will carry: report them on their own. */
static u64 smt_claim_lost(void)
{
	u64 lost = smt_claim_missed() +
		   atomic64_xchg(&smt_reader_dropped_pending, 0);
	int cpu;

	for_each_possible_cpu(cpu)
		lost += atomic64_xchg(&per_cpu_ptr(smt_rings, cpu)->pending_lost, 0);
	return lost;
}

/* A record, stamped @ts, of the losses that no later record will carry. */
static bool smt_fetch_lost(struct smt_reader *rd, u64 ts)
{
	struct smt_rec_hdr *h = (struct smt_rec_hdr *)rd->rec;
	u64 lost = smt_claim_lost();

	if (!lost)
		return false;
	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->type = SMT_REC_LOST;
	h->abi_version = SMT_ABI_VERSION;
	h->ts_ns = ts;
	h->lost = lost;
	rd->out_cpu = -1;
	return true;
}

/*
 * Move the next record into rd->rec: 1 if there is one, 0 if there is
 * none, -EAGAIN if an older one is being written and is due any moment.
 */
static int smt_fetch(struct smt_reader *rd)
{
	struct smt_rec_hdr *h = (struct smt_rec_hdr *)rd->rec;
	struct smt_ring *r;
	u64 best_ts;
	int cpu = smt_oldest_cpu(&best_ts);

	if (cpu < 0) {
		/* No record; a loss to report gets a stamp of now. */
		if (!smt_loss_pending())
			return smt_older_pending(U64_MAX, cpu) ? -EAGAIN : 0;
		best_ts = smt_stamp_now();
	}
	smt_floor_cover(best_ts);
	if (smt_older_pending(best_ts, cpu))
		return -EAGAIN;
	if (cpu < 0)
		return smt_fetch_lost(rd, best_ts);
	r = per_cpu_ptr(smt_rings, cpu);
	memcpy(h, smt_ring_at(r, r->tail), sizeof(*h));
	if (WARN_ON_ONCE(h->size < sizeof(*h) || h->size > rd->rec_cap ||
			 h->size > r->size)) {
		/* Corrupt ring: drop its contents. */
		smt_ring_release(r, smp_load_acquire(&r->head) - r->tail);
		return 0;
	}
	memcpy(rd->rec, smt_ring_at(r, r->tail), h->size);
	smt_ring_release(r, h->size);
	h->lost += atomic64_xchg(&smt_reader_dropped_pending, 0);
	rd->out_cpu = cpu;
	return 1;
}

/* ---- reading: text format --------------------------------------------- */

/* Bytes as a token without spaces: anything not graphic becomes \xNN. */
static size_t smt_put_escaped(char *buf, size_t room, const u8 *s, size_t n)
{
	size_t len = 0, i;

	for (i = 0; i < n && len < room; i++) {
		if (s[i] > 0x20 && s[i] < 0x7f && s[i] != '\\' && s[i] != '"')
			len += scnprintf(buf + len, room - len, "%c", s[i]);
		else
			len += scnprintf(buf + len, room - len, "\\x%02x", s[i]);
	}
	return len;
}

static size_t smt_put_sockaddr(char *buf, size_t room, const u8 *sa,
			       size_t n)
{
	u16 family;

	if (n < sizeof(family))
		return scnprintf(buf, room, "-");
	memcpy(&family, sa, sizeof(family));
	if (family == AF_INET && n >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		return scnprintf(buf, room, "%pI4:%u", &in->sin_addr,
				 ntohs(in->sin_port));
	}
	if (family == AF_INET6 && n >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		return scnprintf(buf, room, "[%pI6c]:%u", &in6->sin6_addr,
				 ntohs(in6->sin6_port));
	}
	if (family == AF_UNIX) {
		const u8 *path = sa + sizeof(family);
		size_t plen = n - sizeof(family);

		if (!plen)
			return scnprintf(buf, room, "unix:unnamed");
		if (path[0] == '\0')	/* abstract: length counts */
			return scnprintf(buf, room, "@") +
			       smt_put_escaped(buf + 1, room - 1, path + 1,
					       plen - 1);
		return smt_put_escaped(buf, room, path,
				       strnlen((const char *)path, plen));
	}
	return scnprintf(buf, room, "family%u:%*phN", family,
			 (int)min_t(size_t, n - sizeof(family), 64),
			 sa + sizeof(family));
}

static size_t smt_put_inet(char *buf, size_t room,
			   const struct smt_inet_addr *a)
{
	if (a->family == AF_INET6)
		return scnprintf(buf, room, "[%pI6c]:%u", a->addr, a->port);
	return scnprintf(buf, room, "%pI4:%u", a->addr, a->port);
}

static size_t smt_text_sock(char *buf, size_t room, const struct smt_call *c)
{
	size_t len;

	if (!(c->status & SMT_ST_SOCK_VALID))
		return scnprintf(buf, room, " sock=-");
	len = scnprintf(buf, room, " sock=%u/%u/%u", c->sock.family,
			c->sock.type, c->sock.protocol);
	if (!(c->sock.flags & SMT_SOCK_INET_ADDRS))
		return len;
	len += scnprintf(buf + len, room - len, " local=");
	len += smt_put_inet(buf + len, room - len, &c->sock.local);
	len += scnprintf(buf + len, room - len, " peer=");
	if (c->sock.flags & SMT_SOCK_CONNECTED)
		len += smt_put_inet(buf + len, room - len, &c->sock.peer);
	else
		len += scnprintf(buf + len, room - len, "-");
	return len;
}

static size_t smt_text_msg(char *buf, size_t room, const struct smt_call *c,
			   const struct smt_msg *m, u32 i)
{
	size_t len;
	u32 k;

	len = scnprintf(buf, room, " m%u.name=", i);
	if (m->status & SMT_MSG_NAME_FAULT)
		len += scnprintf(buf + len, room - len, "EFAULT");
	else
		len += smt_put_sockaddr(buf + len, room - len, m->name,
					m->name_len);
	len += scnprintf(buf + len, room - len,
			 " m%u.namelen=%u m%u.iovlen=%llu m%u.bytes=%llu m%u.ctllen=%llu m%u.flags=0x%x m%u.status=0x%x",
			 i, m->namelen, i, m->iovlen, i, m->bytes, i,
			 m->controllen, i, m->flags, i, m->status);
	for (k = 0; k < m->ncmsg; k++)
		len += scnprintf(buf + len, room - len, " m%u.cmsg%u=%d/%d",
				 i, k, m->cmsg[k].level, m->cmsg[k].type);
	if (!(m->status & SMT_MSG_ATTEMPTED))
		len += scnprintf(buf + len, room - len, " m%u.res=skipped", i);
	else if (m->result < 0)
		len += scnprintf(buf + len, room - len, " m%u.res=%lld m%u.err=%pe",
				 i, m->result, i, ERR_PTR(m->result));
	else
		len += scnprintf(buf + len, room - len, " m%u.res=%lld", i,
				 m->result);
	if (m->payload_len && m->payload_off + m->payload_len <= c->hdr.size) {
		len += scnprintf(buf + len, room - len, " m%u.data=", i);
		len += smt_put_escaped(buf + len, room - len,
				       (const u8 *)c + m->payload_off,
				       m->payload_len);
	}
	return len;
}

static size_t smt_text_time(char *buf, size_t room, u64 mono)
{
	u64 real = ktime_to_ns(ktime_mono_to_real(ns_to_ktime(mono)));
	u32 nsec;
	struct tm tm;
	time64_t sec = div_u64_rem(real, NSEC_PER_SEC, &nsec);

	time64_to_tm(sec, 0, &tm);
	return scnprintf(buf, room, " time=%04ld-%02d-%02dT%02d:%02d:%02d.%09uZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, nsec);
}

static size_t smt_text_call(char *buf, size_t room, const struct smt_call *c)
{
	u32 nsec, i;
	u64 sec = div_u64_rem(c->ts_entry_ns, NSEC_PER_SEC, &nsec);
	size_t len;

	len = scnprintf(buf, room, "call ts=%llu.%09u", sec, nsec);
	len += smt_text_time(buf + len, room - len, c->ts_entry_ns);
	len += scnprintf(buf + len, room - len,
			 " cpu=%u pid=%u tid=%u uid=%u gid=%u comm=",
			 c->cpu, c->tgid, c->tid, c->uid, c->gid);
	len += smt_put_escaped(buf + len, room - len, (const u8 *)c->comm,
			       strnlen(c->comm, sizeof(c->comm)));
	len += scnprintf(buf + len, room - len,
			 " cgroup=%llu fd=%d msgvec=0x%llx vlen=%u flags=0x%x compat=%u ret=%lld",
			 c->cgroup_id, c->fd, c->msgvec, c->vlen, c->flags,
			 !!(c->status & SMT_ST_COMPAT), c->ret);
	if (c->ret < 0)
		len += scnprintf(buf + len, room - len, " err=%pe",
				 ERR_PTR(c->ret));
	len += scnprintf(buf + len, room - len,
			 " latency_ns=%llu attempted=%u sent=%u bytes=%llu captured=%u status=0x%x",
			 c->latency_ns, c->msgs_attempted, c->msgs_sent,
			 c->bytes_sent, c->nr_msgs, c->status);
	len += smt_text_sock(buf + len, room - len, c);
	for (i = 0; i < c->nr_msgs; i++)
		len += smt_text_msg(buf + len, room - len, c,
				    (const struct smt_msg *)((const u8 *)c +
				    c->call_size + (size_t)i * c->msg_size), i);
	return len;
}

/* Render rd->rec as one or two text lines into rd->text. */
static size_t smt_format_text(struct smt_reader *rd)
{
	const struct smt_rec_hdr *h = (const void *)rd->rec;
	size_t room = rd->text_cap - 1, len = 0;

	if (h->lost)
		len += scnprintf(rd->text, room, "lost n=%llu\n", h->lost);
	if (h->type == SMT_REC_CALL) {
		len += smt_text_call(rd->text + len, room - len,
				     (const struct smt_call *)rd->rec);
		len += scnprintf(rd->text + len, room + 1 - len, "\n");
	}
	return len;
}

/* ---- device ----------------------------------------------------------- */

/* Text of one record: header, then per message fields (generous). */
static size_t smt_text_cap(void)
{
	return 1024 + (size_t)max_msgs * (1024 + 4 * capture_bytes);
}

static int smt_open(struct inode *inode, struct file *file)
{
	struct smt_reader *rd;

	/* Nothing can be written: an O_WRONLY opener would only hold the slot. */
	if (!(file->f_mode & FMODE_READ))
		return -EINVAL;
	if (atomic_cmpxchg(&smt_open_count, 0, 1))
		return -EBUSY;
	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		goto nomem;
	mutex_init(&rd->lock);
	rd->rec_cap = smt_max_record;
	rd->text_cap = smt_text_cap();
	rd->rec = kvzalloc(rd->rec_cap, GFP_KERNEL);
	rd->text = kvzalloc(rd->text_cap, GFP_KERNEL);
	if (!rd->rec || !rd->text)
		goto nomem;
	rd->out_cpu = -1;
	file->private_data = rd;
	return nonseekable_open(inode, file);
nomem:
	if (rd) {
		kvfree(rd->rec);
		kvfree(rd->text);
		kfree(rd);
	}
	atomic_set(&smt_open_count, 0);
	return -ENOMEM;
}

static int smt_release(struct inode *inode, struct file *file)
{
	struct smt_reader *rd = file->private_data;

	if (rd->out_pos < rd->out_len) {	/* a record read in part: lost */
		atomic64_inc(&smt_reader_dropped);
		atomic64_inc(&smt_reader_dropped_pending);
	}
	if (rd->set_filter)
		smt_filter_from_params();
	kvfree(rd->rec);
	kvfree(rd->text);
	kfree(rd);
	atomic_set(&smt_open_count, 0);
	return 0;
}

/* Make the next record current: 1, or 0 / -EAGAIN as smt_fetch(). */
static int smt_next_output(struct smt_reader *rd)
{
	int ret = smt_fetch(rd);

	if (ret <= 0)
		return ret;
	rd->out_pos = 0;
	if (rd->format == SMT_FMT_BINARY) {
		rd->out = rd->rec;
		rd->out_len = ((struct smt_rec_hdr *)rd->rec)->size;
	} else {
		rd->out = (const u8 *)rd->text;
		rd->out_len = smt_format_text(rd);
	}
	return 1;
}

static void smt_output_done(struct smt_reader *rd)
{
	if (rd->out_cpu >= 0)
		per_cpu_ptr(smt_rings, rd->out_cpu)->delivered++;
	rd->out_len = 0;
	rd->out_pos = 0;
}

/* Retries before sleeping while an older record is being written. */
#define SMT_WRITER_SPINS	64

/*
 * Wait for the next record: a moment when an older one is being written
 * (its producer runs with preemption disabled and is about done: spin a
 * little, then sleep a little), else until a record is published.
 * Called and returns without rd->lock.
 */
static int smt_wait_record(struct file *file, int state, unsigned int *spins)
{
	if (state == -EAGAIN) {
		if (signal_pending(current))
			return -ERESTARTSYS;
		if (++*spins < SMT_WRITER_SPINS) {
			cpu_relax();
			return 0;
		}
		*spins = 0;
		usleep_range(20, 100);
		return 0;
	}
	if (file->f_flags & O_NONBLOCK)
		return -EAGAIN;
	return wait_event_interruptible(smt_wait, smt_data_ready());
}

static ssize_t smt_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	struct smt_reader *rd = file->private_data;
	unsigned int spins = 0;
	size_t copied = 0;
	int ret;

	if (!count)
		return 0;
	if (mutex_lock_interruptible(&rd->lock))
		return -ERESTARTSYS;
	while (copied < count) {
		size_t n;

		if (rd->out_pos == rd->out_len) {
			ret = smt_next_output(rd);
			if (ret <= 0) {
				if (copied)
					break;
				mutex_unlock(&rd->lock);
				ret = smt_wait_record(file, ret, &spins);
				if (ret)
					return ret;
				if (mutex_lock_interruptible(&rd->lock))
					return -ERESTARTSYS;
				continue;
			}
		}
		n = min(count - copied, rd->out_len - rd->out_pos);
		if (copy_to_user(buf + copied, rd->out + rd->out_pos, n)) {
			/* Nothing consumed: the bytes stay for the next read */
			mutex_unlock(&rd->lock);
			return copied ? copied : -EFAULT;
		}
		rd->out_pos += n;
		copied += n;
		if (rd->out_pos == rd->out_len)
			smt_output_done(rd);
	}
	mutex_unlock(&rd->lock);
	return copied;
}

static __poll_t smt_poll(struct file *file, poll_table *wait)
{
	struct smt_reader *rd = file->private_data;

	poll_wait(file, &smt_wait, wait);
	if (READ_ONCE(rd->out_pos) != READ_ONCE(rd->out_len) ||
	    smt_data_ready())
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static void smt_sum_stats(struct smt_stats *sum, const struct smt_ring *r)
{
	const struct smt_stats *s = &r->stats;

	sum->seen += READ_ONCE(s->seen);
	sum->delivered += READ_ONCE(r->delivered);
	sum->lost += READ_ONCE(s->lost);
	sum->faults += READ_ONCE(s->faults);
	sum->filtered += READ_ONCE(s->filtered);
}

static void smt_total_stats(struct smt_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu)
		smt_sum_stats(st, per_cpu_ptr(smt_rings, cpu));
	st->missed = smt_missed_total();
	st->lost += atomic64_read(&smt_reader_dropped);
}

static long smt_ioctl_cpu_stats(void __user *arg)
{
	struct smt_cpu_stats cs;

	if (copy_from_user(&cs, arg, sizeof(cs)))
		return -EFAULT;
	if (cs.reserved || cs.cpu >= nr_cpu_ids || !cpu_possible(cs.cpu))
		return -EINVAL;
	memset(&cs.stats, 0, sizeof(cs.stats));
	smt_sum_stats(&cs.stats, per_cpu_ptr(smt_rings, cs.cpu));
	return copy_to_user(arg, &cs, sizeof(cs)) ? -EFAULT : 0;
}

static long smt_ioctl_set_filter(struct smt_reader *rd, void __user *arg)
{
	struct smt_filter f;
	long ret;

	if (copy_from_user(&f, arg, sizeof(f)))
		return -EFAULT;
	if (f.reserved || (f.mask & ~(SMT_FILTER_TGID | SMT_FILTER_UID |
				      SMT_FILTER_COMM)))
		return -EINVAL;
	if (strnlen(f.comm, sizeof(f.comm)) == sizeof(f.comm))
		return -EINVAL;
	if (!(f.mask & SMT_FILTER_COMM))
		memset(f.comm, 0, sizeof(f.comm));
	ret = smt_filter_install(&f);
	if (!ret)
		rd->set_filter = true;
	return ret;
}

static void smt_get_config(struct smt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->abi_version = SMT_ABI_VERSION;
	cfg->max_msgs = max_msgs;
	cfg->capture_bytes = capture_bytes;
	cfg->buffer_kb = smt_ring_size / 1024;
	cfg->nr_cpus = num_possible_cpus();
	cfg->nr_slots = 1U << smt_slot_bits;
	cfg->per_msg_results = READ_ONCE(per_msg_results);
	cfg->log_events = READ_ONCE(log_events);
	cfg->memory_bytes = smt_memory_bytes;
	strscpy(cfg->entry_symbol, entry_symbol, sizeof(cfg->entry_symbol));
	strscpy(cfg->msg_symbol, smt_msg_symbol_used, sizeof(cfg->msg_symbol));
}

static long smt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct smt_reader *rd = file->private_data;
	void __user *uarg = (void __user *)arg;
	union {
		struct smt_stats stats;
		struct smt_filter filter;
		struct smt_config config;
		struct smt_clock clock;
		u32 format;
	} u;

	switch (cmd) {
	case SMT_IOC_SET_FORMAT:
		if (get_user(u.format, (u32 __user *)uarg))
			return -EFAULT;
		if (u.format != SMT_FMT_TEXT && u.format != SMT_FMT_BINARY)
			return -EINVAL;
		WRITE_ONCE(rd->format, u.format);
		return 0;
	case SMT_IOC_GET_STATS:
		smt_total_stats(&u.stats);
		return copy_to_user(uarg, &u.stats, sizeof(u.stats)) ? -EFAULT : 0;
	case SMT_IOC_GET_CPU_STATS:
		return smt_ioctl_cpu_stats(uarg);
	case SMT_IOC_SET_FILTER:
		return smt_ioctl_set_filter(rd, uarg);
	case SMT_IOC_GET_FILTER:
		smt_filter_get(&u.filter);
		return copy_to_user(uarg, &u.filter, sizeof(u.filter)) ? -EFAULT : 0;
	case SMT_IOC_GET_CONFIG:
		smt_get_config(&u.config);
		return copy_to_user(uarg, &u.config, sizeof(u.config)) ? -EFAULT : 0;
	case SMT_IOC_GET_CLOCK:
		memset(&u.clock, 0, sizeof(u.clock));
		u.clock.mono_ns = ktime_get_ns();
		u.clock.real_ns = ktime_get_real_ns();
		return copy_to_user(uarg, &u.clock, sizeof(u.clock)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations smt_fops = {
	.owner = THIS_MODULE,
	.open = smt_open,
	.release = smt_release,
	.read = smt_read,
	.poll = smt_poll,
	.unlocked_ioctl = smt_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice smt_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SMT_DEVICE_NAME,
	.fops = &smt_fops,
	.mode = 0600,
};

/* ---- init and exit ---------------------------------------------------- */

static int smt_check_params(void)
{
	if (strcmp(msg_hook, "auto") && strcmp(msg_hook, "sites") &&
	    strcmp(msg_hook, "kretprobe")) {
		pr_err("invalid parameter: msg_hook is auto, sites or kretprobe, not \"%s\"\n",
		       msg_hook);
		return -EINVAL;
	}
	if (max_msgs > SMT_MAX_MSGS || capture_bytes > SMT_MAX_CAPTURE ||
	    (buffer_kb && buffer_kb < 4) || buffer_kb > 65536 ||
	    nr_slots < 8 || nr_slots > 4096) {
		pr_err("invalid parameter: max_msgs 0-%u, capture_bytes 0-%u, buffer_kb 0 or 4-65536, nr_slots 8-4096\n",
		       SMT_MAX_MSGS, SMT_MAX_CAPTURE);
		return -EINVAL;
	}
	return 0;
}

static void smt_ring_unmap(struct smt_ring *r)
{
	unsigned int i;

	if (r->data)
		vunmap(r->data);
	for (i = 0; r->pages && i < r->size >> PAGE_SHIFT; i++)
		if (r->pages[i])
			__free_page(r->pages[i]);
	kvfree(r->pages);
	r->data = NULL;
	r->pages = NULL;
}

/* r->size bytes of zeroed pages, mapped twice in a row (smt_ring_at). */
static int smt_ring_map(struct smt_ring *r, int node)
{
	unsigned int i, n = r->size >> PAGE_SHIFT;
	struct page **map;

	r->pages = kvcalloc(n, sizeof(*r->pages), GFP_KERNEL);
	map = kvmalloc_array(2 * n, sizeof(*map), GFP_KERNEL);
	if (!r->pages || !map)
		goto out;
	for (i = 0; i < n; i++) {
		r->pages[i] = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!r->pages[i])
			goto out;
		map[i] = r->pages[i];
		map[n + i] = r->pages[i];
	}
	r->data = vmap(map, 2 * n, VM_MAP, PAGE_KERNEL);
out:
	kvfree(map);
	return r->data ? 0 : -ENOMEM;
}

static void smt_free_rings(void)
{
	int cpu;

	if (!smt_rings)
		return;
	for_each_possible_cpu(cpu) {
		struct smt_ring *r = per_cpu_ptr(smt_rings, cpu);

		irq_work_sync(&r->wake_lazy);	/* a pending wake-up runs first */
		smt_ring_unmap(r);
	}
	free_percpu(smt_rings);
	smt_rings = NULL;
}

/* Bytes per ring: buffer_kb, or the automatic size when it is 0. */
static u32 smt_ring_bytes(void)
{
	unsigned long kb = buffer_kb;

	if (!kb) {
		kb = SMT_AUTO_TOTAL_KB / num_possible_cpus();
		kb = clamp_t(unsigned long, kb, SMT_AUTO_MIN_KB,
			     SMT_AUTO_RING_KB);
		kb = rounddown_pow_of_two(kb);
	}
	return max_t(u32, roundup_pow_of_two(kb * 1024), PAGE_SIZE);
}

static int smt_alloc_rings(void)
{
	int cpu;

	smt_ring_size = smt_ring_bytes();
	smt_rings = alloc_percpu(struct smt_ring);
	if (!smt_rings)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct smt_ring *r = per_cpu_ptr(smt_rings, cpu);

		r->wake_lazy = IRQ_WORK_INIT_LAZY(smt_wake_reader);
		r->size = smt_ring_size;
		if (smt_ring_map(r, cpu_to_node(cpu))) {
			smt_free_rings();
			return -ENOMEM;
		}
		smt_memory_bytes += smt_ring_size;
	}
	return 0;
}

static void smt_free_slots(void)
{
	unsigned int i, n = 1U << smt_slot_bits;

	if (smt_slots) {
		for (i = 0; i < n; i++) {
			vfree(smt_slots[i].msgs);
			vfree(smt_slots[i].payload);
		}
	}
	kfree(smt_slot_owner);
	kfree(smt_slots);
	smt_slot_owner = NULL;
	smt_slots = NULL;
}

static int smt_alloc_slots(void)
{
	unsigned int i, n;
	size_t msgs = max_t(size_t, 1, max_msgs) * sizeof(struct smt_msg);
	size_t payload = max_t(size_t, 1, (size_t)max_msgs * capture_bytes);

	smt_slot_bits = order_base_2(nr_slots);
	n = 1U << smt_slot_bits;
	smt_slots = kcalloc(n, sizeof(*smt_slots), GFP_KERNEL);
	smt_slot_owner = kcalloc(n, sizeof(*smt_slot_owner), GFP_KERNEL);
	if (!smt_slots || !smt_slot_owner)
		goto nomem;
	for (i = 0; i < n; i++) {
		smt_slots[i].msgs = vzalloc(msgs);
		smt_slots[i].payload = vzalloc(payload);
		if (!smt_slots[i].msgs || !smt_slots[i].payload)
			goto nomem;
	}
	smt_memory_bytes += n * (sizeof(*smt_slots) + msgs + payload);
	return 0;
nomem:
	smt_free_slots();
	return -ENOMEM;
}

static int smt_register(struct kretprobe *rp, const char *symbol,
			bool quiet)
{
	int ret;

	rp->kp.symbol_name = symbol;
	rp->kp.addr = NULL;
	ret = register_kretprobe(rp);
	if (ret && !quiet)
		pr_err("cannot probe %s: %pe (symbol missing, or kernel without CONFIG_KRETPROBES?)\n",
		       symbol, ERR_PTR(ret));
	return ret;
}

/* Where the function @name starts and its size, from a probe set for a moment. */
static int smt_symbol_extent(const char *name, unsigned long *start,
			     unsigned long *size)
{
	struct kprobe kp = { .symbol_name = name };
	char buf[KSYM_SYMBOL_LEN];
	unsigned long addr, off;
	const char *plus;
	int ret;

	ret = register_kprobe(&kp);
	if (ret)
		return ret;
	addr = (unsigned long)kp.addr;	/* may be past an endbr */
	unregister_kprobe(&kp);
	sprint_symbol(buf, addr);	/* "name+0x4/0x210" */
	plus = strrchr(buf, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", &off, size) != 2 || off > addr)
		return -EINVAL;
	*start = addr - off;
	return 0;
}

/*
 * Return addresses of the direct calls (e8 rel32) from @code, a copy of
 * the function at @start, to @callee or a thunk in the padding before it
 * (call depth tracking).  A byte pattern inside another instruction could
 * match too: register_kprobe() refuses an address that is not an
 * instruction boundary, and then call sites are not used at all.
 */
static unsigned int smt_scan_calls(const u8 *code, unsigned long size,
				   unsigned long start, unsigned long callee,
				   unsigned long *sites)
{
	unsigned long off, target;
	unsigned int n = 0;
	s32 rel;

	for (off = 0; off + SMT_CALL_LEN <= size; off++) {
		if (code[off] != SMT_CALL_REL32)
			continue;
		memcpy(&rel, code + off + 1, sizeof(rel));
		target = start + off + SMT_CALL_LEN + rel;
		if (target + 16 < callee || target > callee)
			continue;
		if (n == SMT_MAX_SITES)
			return 0;	/* not the code we know: do without */
		sites[n++] = start + off + SMT_CALL_LEN;
	}
	return n;
}

/* Call sites of @callee in entry_symbol, or 0 if none are found. */
static unsigned int smt_find_sites(const char *callee_name,
				   unsigned long *sites)
{
	unsigned long start, size, callee, callee_size;
	unsigned int n = 0;
	u8 *code;

	if (smt_symbol_extent(entry_symbol, &start, &size) ||
	    smt_symbol_extent(callee_name, &callee, &callee_size) ||
	    size > SMT_MAX_SCAN)
		return 0;
	code = kmalloc(size, GFP_KERNEL);
	if (!code)
		return 0;
	if (!copy_from_kernel_nofault(code, (void *)start, size))
		n = smt_scan_calls(code, size, start, callee, sites);
	kfree(code);
	return n;
}

#if defined(CONFIG_X86) && defined(CONFIG_OPTPROBES)
/*
 * Whether a kprobe at @site may become a jump (an x86 optprobe).  The
 * 5-byte jump displaces the instructions after the call, which must run
 * out of line as they are: a branch among them (6.12 compiles a
 * conditional jump right after the call; 6.1 does not) keeps the probe an
 * int3 trap, which costs more than the kretprobe it would replace.  The
 * kernel's decoder tells, through a temporary probe on each: ainsn.size
 * is the length, and ainsn.emulate_op is set for branches and calls.
 */
static bool smt_site_may_jump(unsigned long site)
{
	unsigned long at = site;

	while (at < site + JMP32_INSN_SIZE) {
		struct kprobe kp = { .addr = (kprobe_opcode_t *)at };
		unsigned int size;
		bool branch;

		if (register_kprobe(&kp))
			return false;
		branch = kp.ainsn.emulate_op;
		size = kp.ainsn.size;
		unregister_kprobe(&kp);
		if (branch || !size)
			return false;
		at += size;
	}
	return true;
}

/* The optimiser has put its jump at @site (an int3 is there until then). */
static bool smt_site_is_jump(unsigned long site)
{
	u8 op;

	return !copy_from_kernel_nofault(&op, (void *)site, 1) &&
	       op == JMP32_INSN_OPCODE;
}
#else
static bool smt_site_may_jump(unsigned long site)
{
	return false;
}

static bool smt_site_is_jump(unsigned long site)
{
	return false;
}
#endif

/*
 * The optimiser works in the background (after a delay and an RCU-tasks
 * grace period: about 150 ms in an idle TCG guest).  Until it has put
 * its jumps in, the probes trap; if it has not within SMT_SITES_WAIT_MS,
 * the kretprobe is used instead.  No call is traced yet: the call probe
 * is registered after this.
 */
#define SMT_SITES_WAIT_MS	1000
#define SMT_SITES_POLL_MS	10

static bool smt_sites_jump(const unsigned long *sites, unsigned int n)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(SMT_SITES_WAIT_MS);
	unsigned int done = 0;

	for (;;) {
		while (done < n && smt_site_is_jump(sites[done]))
			done++;
		if (done == n)
			return true;
		if (time_after(jiffies, deadline))
			return false;
		msleep(SMT_SITES_POLL_MS);
	}
}

/*
 * Per-message results from kprobes after the calls of @callee in
 * entry_symbol: one jump per message instead of a kretprobe's two hooks,
 * where every call site allows it (or, with @force, even as traps).
 */
static int smt_register_sites(const char *callee, bool force)
{
	unsigned long sites[SMT_MAX_SITES];
	unsigned int i, n;
	int ret;

	/* The scan decodes x86 calls (e8 rel32); elsewhere: the kretprobe. */
	if (!IS_ENABLED(CONFIG_X86)) {
		pr_info("call-site probes are x86 only: per-message results from a kretprobe\n");
		return -EOPNOTSUPP;
	}
	n = smt_find_sites(callee, sites);
	if (!n) {
		pr_info("no call of %s found in %s\n", callee, entry_symbol);
		return -ENOENT;
	}
	for (i = 0; i < n && !force; i++) {
		if (!smt_site_may_jump(sites[i])) {
			pr_info("call site %pS cannot take a jump: per-message results from a kretprobe\n",
				(void *)sites[i]);
			return -EOPNOTSUPP;
		}
	}
	for (i = 0; i < n; i++) {
		smt_site_probes[i] = (struct kprobe) {
			.addr = (kprobe_opcode_t *)sites[i],
			.pre_handler = smt_site_handler,
		};
		smt_site_ptrs[i] = &smt_site_probes[i];
	}
	ret = register_kprobes(smt_site_ptrs, n);
	if (ret) {
		pr_info("call sites of %s in %s unusable: %pe\n", callee,
			entry_symbol, ERR_PTR(ret));
		return ret;
	}
	if (!force && !smt_sites_jump(sites, n)) {
		pr_info("call sites of %s not optimised in time: per-message results from a kretprobe\n",
			callee);
		unregister_kprobes(smt_site_ptrs, n);
		return -ETIMEDOUT;
	}
	smt_nr_sites = n;
	smt_msg_symbol_used = callee;
	return 0;
}

static int smt_register_msg_kretprobe(void)
{
	unsigned int i;
	int ret;

	if (msg_symbol[0]) {
		ret = smt_register(&smt_msg_probe, msg_symbol, false);
		if (!ret) {
			smt_msg_symbol_used = msg_symbol;
			smt_msg_probe_registered = true;
		}
		return ret;
	}
	ret = -ENOENT;
	for (i = 0; i < ARRAY_SIZE(smt_msg_candidates); i++) {
		ret = smt_register(&smt_msg_probe, smt_msg_candidates[i], true);
		if (!ret) {
			smt_msg_symbol_used = smt_msg_candidates[i];
			smt_msg_probe_registered = true;
			return 0;
		}
		pr_info("per-message probe %s unavailable: %pe\n",
			smt_msg_candidates[i], ERR_PTR(ret));
	}
	pr_err("no per-message send function could be probed: %pe (kernel without CONFIG_KRETPROBES?)\n",
	       ERR_PTR(ret));
	return ret;
}

static int smt_register_msg_probe(void)
{
	const char *callee = msg_symbol[0] ? msg_symbol : smt_msg_candidates[0];
	bool force = !strcmp(msg_hook, "sites");
	int ret;

	if (!strcmp(msg_hook, "kretprobe"))
		return smt_register_msg_kretprobe();
	ret = smt_register_sites(callee, force);
	if (ret && force)
		pr_err("msg_hook=sites: no usable call site of %s in %s: %pe\n",
		       callee, entry_symbol, ERR_PTR(ret));
	if (!ret || force)
		return ret;
	return smt_register_msg_kretprobe();
}

static void smt_unregister_msg_hooks(void)
{
	if (smt_msg_probe_registered)
		unregister_kretprobe(&smt_msg_probe);
	if (smt_nr_sites)
		unregister_kprobes(smt_site_ptrs, smt_nr_sites);
	smt_msg_probe_registered = false;
	smt_nr_sites = 0;
}

static int smt_register_probes(void)
{
	int ret;

	smt_entry_probe.maxactive = max_active;
	smt_msg_probe.maxactive = max_active;
	ret = smt_register_msg_probe();
	if (ret)
		return ret;
	if (!per_msg_results)
		smt_msg_hooks_arm(false);
	ret = smt_register(&smt_entry_probe, entry_symbol, false);
	if (ret)
		smt_unregister_msg_hooks();
	return ret;
}

static void smt_unregister_probes(void)
{
	unregister_kretprobe(&smt_entry_probe);
	smt_unregister_msg_hooks();
}

static size_t smt_record_max(void)
{
	return smt_record_size(max_msgs, (size_t)max_msgs * capture_bytes);
}

static void smt_set_ready(bool ready)
{
	mutex_lock(&smt_config_lock);
	smt_ready = ready;
	if (!ready)
		smt_filter_install_locked(&(struct smt_filter){});
	mutex_unlock(&smt_config_lock);
	if (!ready)
		rcu_barrier();	/* the filter's kfree_rcu() */
}

static void smt_log_loaded(void)
{
	pr_info("version %s loaded: probing %s (call) and %s (messages%s), %u KiB buffer per CPU x %u CPUs, max_msgs=%u capture_bytes=%u, %llu KiB in all\n",
		SMT_VERSION, entry_symbol, smt_msg_symbol_used,
		smt_nr_sites ? ", at its call sites" : "",
		smt_ring_size / 1024, num_possible_cpus(), max_msgs,
		capture_bytes, smt_memory_bytes / 1024);
	if (!strcmp(smt_msg_symbol_used, "sock_sendmsg"))
		pr_warn("sock_sendmsg is not on the sendmmsg path of current kernels: per-message results will be missing\n");
}

static int __init smt_init(void)
{
	int ret = smt_check_params();

	if (ret)
		return ret;
	if (!max_active)
		max_active = max(2 * nr_slots, 4 * num_possible_cpus());
	smt_max_record = smt_record_max();
	smt_clock_init();
	init_irq_work(&smt_wake_work, smt_wake_reader);
	ret = smt_alloc_rings();
	if (ret)
		goto err;
	ret = smt_alloc_slots();
	if (ret)
		goto err_rings;
	smt_set_ready(true);
	ret = smt_filter_from_params();
	if (ret)
		goto err_ready;
	ret = misc_register(&smt_miscdev);
	if (ret)
		goto err_ready;
	mutex_lock(&smt_config_lock);
	ret = smt_register_probes();
	mutex_unlock(&smt_config_lock);
	if (ret)
		goto err_misc;
	smt_log_loaded();
	return 0;

err_misc:
	misc_deregister(&smt_miscdev);
err_ready:
	smt_set_ready(false);
	irq_work_sync(&smt_wake_work);	/* a probe may have run before failing */
	smt_free_slots();
err_rings:
	smt_free_rings();
err:
	if (ret == -ENOMEM)
		pr_err("out of memory for %u KiB per CPU and %u staging slots of %u messages\n",
		       smt_ring_bytes() / 1024, nr_slots, max_msgs);
	return ret;
}

static void __exit smt_exit(void)
{
	struct smt_stats st;

	mutex_lock(&smt_config_lock);
	smt_ready = false;	/* parameter writes stop touching probes */
	mutex_unlock(&smt_config_lock);
	smt_unregister_probes();	/* waits for running handlers */
	irq_work_sync(&smt_wake_work);
	misc_deregister(&smt_miscdev);
	smt_total_stats(&st);
	pr_info("unloaded: %llu calls traced, %llu records delivered, %llu lost, %llu missed, %llu filtered\n",
		st.seen, st.delivered, st.lost, st.missed, st.filtered);
	smt_set_ready(false);
	smt_free_slots();
	smt_free_rings();
}

module_init(smt_init);
module_exit(smt_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("sendmmsg_trace developers");
MODULE_DESCRIPTION("Trace every sendmmsg(2) call and each message's result through /dev/sendmmsg_trace");
MODULE_VERSION(SMT_VERSION);
