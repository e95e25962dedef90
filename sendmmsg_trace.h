/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The ABI shared by the sendmmsg_trace module and user space.
 *
 * The device /dev/sendmmsg_trace delivers one record per sendmmsg(2) call.
 * By default read() returns text lines; SMT_IOC_SET_FORMAT switches an open
 * file to the binary records described here.
 *
 * Binary stream: records follow each other with no gap.  Every record
 * starts with struct smt_rec_hdr; hdr.size is the whole record in bytes and
 * is always a multiple of 8.  A reader must skip records whose type it does
 * not know, or whose abi_version is newer than its own, using hdr.size.
 *
 * Extensibility: fields are only ever added at the end of a structure.
 * struct smt_call carries its own size (call_size) and the size of one
 * message entry (msg_size), so an older reader finds the message array and
 * steps through it correctly even when a newer module appends fields.
 *
 * All padding and reserved fields are zero.  No kernel address ever
 * appears in a record: the pointer fields are the caller's user-space
 * values.
 */
#ifndef _UAPI_SENDMMSG_TRACE_H
#define _UAPI_SENDMMSG_TRACE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#else
#include <linux/types.h>
#include <sys/ioctl.h>
#endif

#define SMT_DEVICE_NAME		"sendmmsg_trace"
#define SMT_ABI_VERSION		1

/* Limits of what one record can describe. */
#define SMT_MAX_MSGS		1024	/* kernel clamps vlen to UIO_MAXIOV */
#define SMT_MAX_IOVS_READ	64	/* iovecs summed per message */
#define SMT_MAX_CMSGS		4	/* cmsg headers decoded per message */
#define SMT_NAME_MAX		128	/* sizeof(struct sockaddr_storage) */
#define SMT_COMM_LEN		16
#define SMT_MAX_CAPTURE		256	/* upper bound of capture_bytes */
#define SMT_SYM_LEN		64

/* Record types. */
enum smt_record_type {
	SMT_REC_CALL = 1,	/* struct smt_call (+ messages + payloads) */
	SMT_REC_LOST = 2,	/* struct smt_rec_hdr only: hdr.lost records lost */
};

/*
 * Common header of every record.
 * ts_ns: CLOCK_MONOTONIC when the record was produced (for a call record:
 * when sendmmsg returned).  Records come out ordered by ts_ns.
 * lost: records lost (buffer full, or a probe hit missed because no
 * instance was free) since the previous record delivered.
 */
struct smt_rec_hdr {
	__u32 size;
	__u16 type;
	__u16 abi_version;
	__u64 ts_ns;
	__u64 lost;
};

/* struct smt_call.status bits */
#define SMT_ST_COMPAT		0x0001U  /* 32-bit caller: compat_mmsghdr */
#define SMT_ST_TRUNCATED	0x0002U  /* more messages than max_msgs */
#define SMT_ST_VEC_FAULT	0x0004U  /* the vector itself was unreadable */
#define SMT_ST_FIELD_FAULT	0x0008U  /* some pointed-to field unreadable */
#define SMT_ST_NO_RESULTS	0x0010U  /* per-message results unavailable */
#define SMT_ST_SHORTENED	0x0020U  /* messages dropped to fit buffer */
#define SMT_ST_NO_SLOT		0x0040U  /* staging pool empty: no messages */
#define SMT_ST_VLEN_CLAMPED	0x0080U  /* vlen > 1024, kernel clamped it */
#define SMT_ST_SOCK_VALID	0x0100U  /* struct smt_sock is filled in */

/* struct smt_msg.status bits */
#define SMT_MSG_ATTEMPTED	0x0001U  /* the kernel tried to send it */
#define SMT_MSG_HDR_FAULT	0x0002U  /* its mmsghdr was unreadable */
#define SMT_MSG_NAME_FAULT	0x0004U
#define SMT_MSG_NAME_TRUNC	0x0008U  /* namelen > SMT_NAME_MAX */
#define SMT_MSG_IOV_FAULT	0x0010U
#define SMT_MSG_IOV_TRUNC	0x0020U  /* iovlen > SMT_MAX_IOVS_READ */
#define SMT_MSG_CTRL_FAULT	0x0040U
#define SMT_MSG_CMSG_MORE	0x0080U  /* more cmsgs than SMT_MAX_CMSGS */
#define SMT_MSG_PAYLOAD_FAULT	0x0100U

/* An inet endpoint: family AF_INET or AF_INET6, port in host order. */
struct smt_inet_addr {
	__u16 family;
	__u16 port;
	__u32 scope_id;
	__u8 addr[16];		/* AF_INET: first 4 bytes */
};

/* struct smt_sock.flags */
#define SMT_SOCK_INET_ADDRS	0x0001U  /* local/peer are filled in */
#define SMT_SOCK_CONNECTED	0x0002U  /* the peer is set */

struct smt_sock {
	__u16 family;		/* sk_family */
	__u16 type;		/* SOCK_DGRAM, SOCK_STREAM, ... */
	__u16 protocol;		/* IPPROTO_UDP, ... */
	__u16 flags;		/* SMT_SOCK_* */
	struct smt_inet_addr local;
	struct smt_inet_addr peer;
};

struct smt_cmsg {
	__s32 level;
	__s32 type;
};

/*
 * One message of the vector, as the caller passed it, and its fate.
 * result is valid only with SMT_MSG_ATTEMPTED: bytes sent (>= 0) or
 * -errno.  name holds name_len raw bytes of msg_name (a struct sockaddr).
 * payload_len bytes of payload start payload_off bytes after the start of
 * the record.
 */
struct smt_msg {
	__u64 name_ptr;
	__u64 iov_ptr;
	__u64 iovlen;
	__u64 control_ptr;
	__u64 controllen;
	__u64 bytes;		/* sum of iov_len over the iovecs read */
	__s64 result;
	__u32 namelen;		/* msg_namelen as passed */
	__u32 flags;		/* msg_flags as passed */
	__u32 status;		/* SMT_MSG_* */
	__u16 name_len;		/* bytes of name[] filled */
	__u16 ncmsg;		/* entries of cmsg[] filled */
	struct smt_cmsg cmsg[SMT_MAX_CMSGS];
	__u32 payload_off;
	__u32 payload_len;
	__u8 name[SMT_NAME_MAX];
};

/*
 * A sendmmsg(2) call.  Followed by nr_msgs entries of msg_size bytes
 * starting call_size bytes after the record's start, then the payloads.
 */
struct smt_call {
	struct smt_rec_hdr hdr;
	__u64 ts_entry_ns;	/* CLOCK_MONOTONIC at entry: ts_ns - latency_ns */
	__u64 latency_ns;	/* from entry to return */
	__u64 cgroup_id;
	__u64 msgvec;		/* user pointer as passed */
	__u64 bytes_sent;	/* over the whole vector */
	__s64 ret;		/* return value: messages sent or -errno */
	__s32 fd;
	__u32 vlen;		/* as passed */
	__u32 flags;		/* as passed (without the kernel's compat bit) */
	__u32 status;		/* SMT_ST_* */
	__u32 cpu;		/* CPU the call returned on */
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u32 msgs_attempted;	/* over the whole vector */
	__u32 msgs_sent;	/* over the whole vector */
	__u32 nr_msgs;		/* message entries in this record */
	__u16 call_size;	/* sizeof(struct smt_call) of the writer */
	__u16 msg_size;		/* sizeof(struct smt_msg) of the writer */
	__u32 reserved;
	char comm[SMT_COMM_LEN];
	struct smt_sock sock;
};

/* ioctls */
#define SMT_IOC_MAGIC		0xB5

enum smt_format {
	SMT_FMT_TEXT = 0,
	SMT_FMT_BINARY = 1,
};

struct smt_stats {
	__u64 seen;		/* calls that passed the filter */
	__u64 delivered;	/* records read out (whole) */
	__u64 lost;		/* records dropped: buffer full */
	__u64 missed;		/* probe hits missed (kretprobe nmissed) */
	__u64 faults;		/* calls with an unreadable field */
	__u64 filtered;		/* calls skipped by the filter */
};

struct smt_cpu_stats {
	__u32 cpu;		/* in */
	__u32 reserved;
	struct smt_stats stats;	/* out (missed is per module, not per CPU) */
};

/* struct smt_filter.mask bits; fields without their bit are ignored. */
#define SMT_FILTER_TGID		0x0001U
#define SMT_FILTER_UID		0x0002U
#define SMT_FILTER_COMM		0x0004U

struct smt_filter {
	__u32 mask;
	__u32 tgid;
	__u32 uid;
	__u32 reserved;
	char comm[SMT_COMM_LEN];
};

struct smt_config {
	__u32 abi_version;
	__u32 max_msgs;
	__u32 capture_bytes;
	__u32 buffer_kb;	/* per CPU */
	__u32 nr_cpus;		/* possible CPUs */
	__u32 nr_slots;		/* calls in flight that can be staged */
	__u32 per_msg_results;
	__u32 log_events;
	__u64 memory_bytes;	/* buffers + staging pool */
	char entry_symbol[SMT_SYM_LEN];
	char msg_symbol[SMT_SYM_LEN];
};

/* CLOCK_MONOTONIC and CLOCK_REALTIME read together, to convert ts_ns. */
struct smt_clock {
	__u64 mono_ns;
	__u64 real_ns;
};

#define SMT_IOC_SET_FORMAT	_IOW(SMT_IOC_MAGIC, 1, __u32)
#define SMT_IOC_GET_STATS	_IOR(SMT_IOC_MAGIC, 2, struct smt_stats)
#define SMT_IOC_GET_CPU_STATS	_IOWR(SMT_IOC_MAGIC, 3, struct smt_cpu_stats)
#define SMT_IOC_SET_FILTER	_IOW(SMT_IOC_MAGIC, 4, struct smt_filter)
#define SMT_IOC_GET_FILTER	_IOR(SMT_IOC_MAGIC, 5, struct smt_filter)
#define SMT_IOC_GET_CONFIG	_IOR(SMT_IOC_MAGIC, 6, struct smt_config)
#define SMT_IOC_GET_CLOCK	_IOR(SMT_IOC_MAGIC, 7, struct smt_clock)

#endif /* _UAPI_SENDMMSG_TRACE_H */
