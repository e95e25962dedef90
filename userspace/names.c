// SPDX-License-Identifier: GPL-2.0
/* names.c - tables of symbolic names (see names.h). */
#include "names.h"

#include <errno.h>
#include <string.h>

#include "sendmmsg_trace.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct numname {
	int num;
	const char *name;
};

static const char *lookup(const struct numname *t, size_t n, int num)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].num == num)
			return t[i].name;
	return NULL;
}

#define E(x) { x, #x }
/* Linux errno values; the aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) are left
 * out so each number has one name, the one strace prints. */
static const struct numname errnos[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
	E(EFAULT), E(ENOTBLK), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
	E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK),
	E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK),
	E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG), E(EIDRM), E(ECHRNG),
	E(EL2NSYNC), E(EL3HLT), E(EL3RST), E(ELNRNG), E(EUNATCH), E(ENOCSI),
	E(EL2HLT), E(EBADE), E(EBADR), E(EXFULL), E(ENOANO), E(EBADRQC),
	E(EBADSLT), E(EBFONT), E(ENOSTR), E(ENODATA), E(ETIME), E(ENOSR),
	E(ENONET), E(ENOPKG), E(EREMOTE), E(ENOLINK), E(EADV), E(ESRMNT),
	E(ECOMM), E(EPROTO), E(EMULTIHOP), E(EDOTDOT), E(EBADMSG),
	E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD), E(EREMCHG), E(ELIBACC),
	E(ELIBBAD), E(ELIBSCN), E(ELIBMAX), E(ELIBEXEC), E(EILSEQ),
	E(ERESTART), E(ESTRPIPE), E(EUSERS), E(ENOTSOCK), E(EDESTADDRREQ),
	E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT), E(EPROTONOSUPPORT),
	E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT), E(EAFNOSUPPORT),
	E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH),
	E(ENETRESET), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN),
	E(ENOTCONN), E(ESHUTDOWN), E(ETOOMANYREFS), E(ETIMEDOUT),
	E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY),
	E(EINPROGRESS), E(ESTALE), E(EUCLEAN), E(ENOTNAM), E(ENAVAIL),
	E(EISNAM), E(EREMOTEIO), E(EDQUOT), E(ENOMEDIUM), E(EMEDIUMTYPE),
	E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED), E(EKEYREVOKED),
	E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ERFKILL),
	E(EHWPOISON),
	/* Kernel-internal codes: the probe sees the value before the signal
	 * code turns it into EINTR or a restart. */
	{ 512, "ERESTARTSYS" }, { 513, "ERESTARTNOINTR" },
	{ 514, "ERESTARTNOHAND" }, { 515, "ENOIOCTLCMD" },
	{ 516, "ERESTART_RESTARTBLOCK" }, { 517, "EPROBE_DEFER" },
	{ 518, "EOPENSTALE" }, { 519, "ENOPARAM" }, { 521, "EBADHANDLE" },
	{ 522, "ENOTSYNC" }, { 523, "EBADCOOKIE" }, { 524, "ENOTSUPP" },
	{ 525, "ETOOSMALL" }, { 526, "ESERVERFAULT" }, { 527, "EBADTYPE" },
	{ 528, "EJUKEBOX" }, { 529, "EIOCBQUEUED" }, { 530, "ERECALLCONFLICT" },
};
#undef E

static const struct numname internal_desc[] = {
	{ 512, "To be restarted if SA_RESTART is set" },
	{ 513, "To be restarted" },
	{ 514, "To be restarted if no handler" },
	{ 516, "Interrupted by signal" },
};

const char *errno_name(int e)
{
	return lookup(errnos, ARRAY_SIZE(errnos), e);
}

const char *errno_desc(int e)
{
	if (e >= 512)
		return lookup(internal_desc, ARRAY_SIZE(internal_desc), e);
	if (!errno_name(e))
		return NULL;
	/* glibc's texts in the C locale; the reader never calls setlocale. */
	return strerror(e);
}

void errno_put(struct strbuf *sb, int e)
{
	const char *n = errno_name(e);

	if (n)
		sb_puts(sb, n);
	else
		sb_printf(sb, "ERRNO_%d", e);
}

unsigned bit_index(uint32_t bit)
{
	unsigned i = 0;

	while (i < 31 && !(bit & (1U << i)))
		i++;
	return i;
}

/* Indexed by bit number; values from include/linux/socket.h. */
static const char *const msg_flags[32] = {
	[0] = "MSG_OOB",		/* 0x1 */
	[1] = "MSG_PEEK",		/* 0x2 */
	[2] = "MSG_DONTROUTE",		/* 0x4 */
	[3] = "MSG_CTRUNC",		/* 0x8 */
	[4] = "MSG_PROBE",		/* 0x10 */
	[5] = "MSG_TRUNC",		/* 0x20 */
	[6] = "MSG_DONTWAIT",		/* 0x40 */
	[7] = "MSG_EOR",		/* 0x80 */
	[8] = "MSG_WAITALL",		/* 0x100 */
	[9] = "MSG_FIN",		/* 0x200 */
	[10] = "MSG_SYN",		/* 0x400 */
	[11] = "MSG_CONFIRM",		/* 0x800 */
	[12] = "MSG_RST",		/* 0x1000 */
	[13] = "MSG_ERRQUEUE",		/* 0x2000 */
	[14] = "MSG_NOSIGNAL",		/* 0x4000 */
	[15] = "MSG_MORE",		/* 0x8000 */
	[16] = "MSG_WAITFORONE",	/* 0x10000 */
	[18] = "MSG_BATCH",		/* 0x40000 */
	[26] = "MSG_ZEROCOPY",		/* 0x4000000 */
	[27] = "MSG_SPLICE_PAGES",	/* 0x8000000 */
	[29] = "MSG_FASTOPEN",		/* 0x20000000 */
	[30] = "MSG_CMSG_CLOEXEC",	/* 0x40000000 */
	[31] = "MSG_CMSG_COMPAT",	/* 0x80000000 */
};

const char *msg_flag_name(uint32_t bit)
{
	if (bit == 0 || (bit & (bit - 1)))
		return NULL;
	return msg_flags[bit_index(bit)];
}

void msg_flags_put(struct strbuf *sb, uint32_t flags)
{
	uint32_t unknown = 0;
	int first = 1;

	if (flags == 0) {
		sb_putc(sb, '0');
		return;
	}
	for (unsigned i = 0; i < 32; i++) {
		uint32_t bit = 1U << i;
		const char *n;

		if (!(flags & bit))
			continue;
		n = msg_flag_name(bit);
		if (!n) {
			unknown |= bit;
			continue;
		}
		sb_printf(sb, "%s%s", first ? "" : "|", n);
		first = 0;
	}
	if (unknown)
		sb_printf(sb, "%s%#x", first ? "" : "|", unknown);
}

static const char *const families[] = {
	"AF_UNSPEC", "AF_UNIX", "AF_INET", "AF_AX25", "AF_IPX",
	"AF_APPLETALK", "AF_NETROM", "AF_BRIDGE", "AF_ATMPVC", "AF_X25",
	"AF_INET6", "AF_ROSE", "AF_DECnet", "AF_NETBEUI", "AF_SECURITY",
	"AF_KEY", "AF_NETLINK", "AF_PACKET", "AF_ASH", "AF_ECONET",
	"AF_ATMSVC", "AF_RDS", "AF_SNA", "AF_IRDA", "AF_PPPOX",
	"AF_WANPIPE", "AF_LLC", "AF_IB", "AF_MPLS", "AF_CAN",
	"AF_TIPC", "AF_BLUETOOTH", "AF_IUCV", "AF_RXRPC", "AF_ISDN",
	"AF_PHONET", "AF_IEEE802154", "AF_CAIF", "AF_ALG", "AF_NFC",
	"AF_VSOCK", "AF_KCM", "AF_QIPCRTR", "AF_SMC", "AF_XDP", "AF_MCTP",
};

const char *family_name(unsigned family)
{
	return family < ARRAY_SIZE(families) ? families[family] : NULL;
}

static const struct numname socktypes[] = {
	{ 1, "SOCK_STREAM" }, { 2, "SOCK_DGRAM" }, { 3, "SOCK_RAW" },
	{ 4, "SOCK_RDM" }, { 5, "SOCK_SEQPACKET" }, { 6, "SOCK_DCCP" },
	{ 10, "SOCK_PACKET" },
};

const char *socktype_name(unsigned type)
{
	return lookup(socktypes, ARRAY_SIZE(socktypes), (int)type);
}

static const struct numname ipprotos[] = {
	{ 0, "IPPROTO_IP" }, { 1, "IPPROTO_ICMP" }, { 2, "IPPROTO_IGMP" },
	{ 6, "IPPROTO_TCP" }, { 17, "IPPROTO_UDP" }, { 33, "IPPROTO_DCCP" },
	{ 41, "IPPROTO_IPV6" }, { 47, "IPPROTO_GRE" }, { 58, "IPPROTO_ICMPV6" },
	{ 132, "IPPROTO_SCTP" }, { 136, "IPPROTO_UDPLITE" },
	{ 255, "IPPROTO_RAW" }, { 262, "IPPROTO_MPTCP" },
};

/* Protocol numbers only mean IPPROTO_* for the inet families. */
const char *proto_name(unsigned family, unsigned proto)
{
	if (family != 2 && family != 10)
		return NULL;
	return lookup(ipprotos, ARRAY_SIZE(ipprotos), (int)proto);
}

static const char *inet_label(unsigned type, unsigned proto, int v6)
{
	static const struct {
		unsigned type, proto;
		const char *v4, *v6;
	} t[] = {
		{ 2, 17, "UDP", "UDPv6" },
		{ 1, 6, "TCP", "TCPv6" },
		{ 2, 136, "UDPLITE", "UDPLITEv6" },
		{ 5, 132, "SCTP", "SCTPv6" },
		{ 1, 132, "SCTP", "SCTPv6" },
		{ 1, 262, "MPTCP", "MPTCPv6" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i].type == type && t[i].proto == proto)
			return v6 ? t[i].v6 : t[i].v4;
	return NULL;
}

const char *sock_label(unsigned family, unsigned type, unsigned proto)
{
	if (family == 2 || family == 10)
		return inet_label(type, proto, family == 10);
	if (family != 1)
		return NULL;
	switch (type) {
	case 1: return "UNIX-STREAM";
	case 2: return "UNIX-DGRAM";
	case 5: return "UNIX-SEQPACKET";
	default: return NULL;
	}
}

static const struct numname cmsg_levels[] = {
	{ 0, "SOL_IP" }, { 1, "SOL_SOCKET" }, { 6, "SOL_TCP" },
	{ 17, "SOL_UDP" }, { 41, "SOL_IPV6" }, { 132, "SOL_SCTP" },
	{ 136, "SOL_UDPLITE" }, { 255, "SOL_RAW" }, { 263, "SOL_PACKET" },
	{ 279, "SOL_ALG" }, { 282, "SOL_TLS" },
};

const char *cmsg_level_name(int level)
{
	return lookup(cmsg_levels, ARRAY_SIZE(cmsg_levels), level);
}

static const struct numname cmsg_ip[] = {
	{ 1, "IP_TOS" }, { 2, "IP_TTL" }, { 4, "IP_OPTIONS" },
	{ 7, "IP_RETOPTS" }, { 8, "IP_PKTINFO" },
};
static const struct numname cmsg_socket[] = {
	{ 1, "SCM_RIGHTS" }, { 2, "SCM_CREDENTIALS" }, { 3, "SCM_SECURITY" },
	{ 12, "SO_PRIORITY" }, { 29, "SCM_TIMESTAMP" },
	{ 35, "SCM_TIMESTAMPNS" }, { 36, "SO_MARK" },
	{ 37, "SCM_TIMESTAMPING" }, { 41, "SCM_WIFI_STATUS" },
	{ 61, "SCM_TXTIME" },
};
static const struct numname cmsg_udp[] = {
	{ 103, "UDP_SEGMENT" }, { 104, "UDP_GRO" },
};
static const struct numname cmsg_ipv6[] = {
	{ 50, "IPV6_PKTINFO" }, { 52, "IPV6_HOPLIMIT" }, { 54, "IPV6_HOPOPTS" },
	{ 57, "IPV6_RTHDR" }, { 59, "IPV6_DSTOPTS" }, { 62, "IPV6_DONTFRAG" },
	{ 67, "IPV6_TCLASS" },
};
static const struct numname cmsg_alg[] = {
	{ 2, "ALG_SET_IV" }, { 3, "ALG_SET_OP" }, { 4, "ALG_SET_AEAD_ASSOCLEN" },
};
static const struct numname cmsg_tls[] = {
	{ 1, "TLS_SET_RECORD_TYPE" },
};

const char *cmsg_type_name(int level, int type)
{
	switch (level) {
	case 0:   return lookup(cmsg_ip, ARRAY_SIZE(cmsg_ip), type);
	case 1:   return lookup(cmsg_socket, ARRAY_SIZE(cmsg_socket), type);
	case 17:  return lookup(cmsg_udp, ARRAY_SIZE(cmsg_udp), type);
	case 41:  return lookup(cmsg_ipv6, ARRAY_SIZE(cmsg_ipv6), type);
	case 279: return lookup(cmsg_alg, ARRAY_SIZE(cmsg_alg), type);
	case 282: return lookup(cmsg_tls, ARRAY_SIZE(cmsg_tls), type);
	default:  return NULL;
	}
}

static const struct {
	uint32_t bit;
	const char *json, *text;
} call_status[] = {
	{ SMT_ST_COMPAT, "compat", "compat" },
	{ SMT_ST_TRUNCATED, "truncated", "truncated" },
	{ SMT_ST_VEC_FAULT, "vectorFault", "vector unreadable" },
	{ SMT_ST_FIELD_FAULT, "fieldFault", "field unreadable" },
	{ SMT_ST_NO_RESULTS, "noResults", "results unavailable" },
	{ SMT_ST_SHORTENED, "shortened", "shortened" },
	{ SMT_ST_NO_SLOT, "noSlot", "no staging slot" },
	{ SMT_ST_VLEN_CLAMPED, "vlenClamped", "vlen clamped" },
	{ SMT_ST_SOCK_VALID, "sockValid", NULL },
};

const char *call_status_json(uint32_t bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(call_status); i++)
		if (call_status[i].bit == bit)
			return call_status[i].json;
	return NULL;
}

const char *call_status_text(uint32_t bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(call_status); i++)
		if (call_status[i].bit == bit)
			return call_status[i].text;
	return NULL;
}

static const struct {
	uint32_t bit;
	const char *json;
} msg_status[] = {
	{ SMT_MSG_ATTEMPTED, "attempted" },
	{ SMT_MSG_HDR_FAULT, "headerFault" },
	{ SMT_MSG_NAME_FAULT, "nameFault" },
	{ SMT_MSG_NAME_TRUNC, "nameTruncated" },
	{ SMT_MSG_IOV_FAULT, "iovFault" },
	{ SMT_MSG_IOV_TRUNC, "iovTruncated" },
	{ SMT_MSG_CTRL_FAULT, "controlFault" },
	{ SMT_MSG_CMSG_MORE, "cmsgMore" },
	{ SMT_MSG_PAYLOAD_FAULT, "payloadFault" },
};

const char *msg_status_json(uint32_t bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(msg_status); i++)
		if (msg_status[i].bit == bit)
			return msg_status[i].json;
	return NULL;
}
