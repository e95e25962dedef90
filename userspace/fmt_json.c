// SPDX-License-Identifier: GPL-2.0
/*
 * fmt_json.c - one JSON object per line.  Field names follow Tracee's
 * event where they overlap; everything specific to sendmmsg lives in the
 * "sendmmsg" object.  Unlike the text output, every captured message and
 * the whole captured payload are always included.
 */
#include <inttypes.h>

#include "addr.h"
#include "escape.h"
#include "fmt.h"
#include "names.h"
#include "timefmt.h"

static void put_bool(struct strbuf *sb, const char *key, int val, int comma)
{
	sb_printf(sb, "\"%s\":%s%s", key, val ? "true" : "false",
		  comma ? "," : "");
}

static void put_errno_or_null(struct strbuf *sb, int failed, int e)
{
	struct strbuf tmp;

	if (!failed) {
		sb_puts(sb, "null");
		return;
	}
	sb_init(&tmp);
	errno_put(&tmp, e);
	esc_json_str(sb, tmp.buf);
	sb_free(&tmp);
}

/* A known name as a string, otherwise the number as a string. */
static void put_name_or_num(struct strbuf *sb, const char *name, long num)
{
	if (name)
		esc_json_str(sb, name);
	else
		sb_printf(sb, "\"%ld\"", num);
}

static void put_comm(struct strbuf *sb, const char *comm)
{
	esc_json(sb, (const unsigned char *)comm,
		 bounded_strlen(comm, SMT_COMM_LEN));
}

/* Names of the set bits; unknown ones as "0x..." so none is dropped. */
static void put_bits(struct strbuf *sb, uint32_t word,
		     const char *(*name)(uint32_t))
{
	int first = 1;

	sb_putc(sb, '[');
	for (unsigned i = 0; i < 32; i++) {
		uint32_t bit = 1U << i;
		const char *n;

		if (!(word & bit))
			continue;
		n = name(bit);
		if (!first)
			sb_putc(sb, ',');
		if (n)
			sb_printf(sb, "\"%s\"", n);
		else
			sb_printf(sb, "\"%#x\"", bit);
		first = 0;
	}
	sb_putc(sb, ']');
}

static void put_addr_or_null(struct strbuf *sb, int valid,
			     const struct smt_inet_addr *a)
{
	struct strbuf tmp;

	if (!valid) {
		sb_puts(sb, "null");
		return;
	}
	sb_init(&tmp);
	addr_inet(&tmp, a);
	esc_json_str(sb, tmp.buf);
	sb_free(&tmp);
}

static void put_socket(struct strbuf *sb, const struct smt_call *c)
{
	const struct smt_sock *s = &c->sock;
	int valid = (c->status & SMT_ST_SOCK_VALID) != 0;
	int addrs = valid && (s->flags & SMT_SOCK_INET_ADDRS);

	if (!valid) {
		sb_puts(sb, "\"socket\":{\"family\":null,\"type\":null,"
			"\"protocol\":null,\"local\":null,\"peer\":null},");
		return;
	}
	sb_puts(sb, "\"socket\":{\"family\":");
	put_name_or_num(sb, family_name(s->family), s->family);
	sb_puts(sb, ",\"type\":");
	put_name_or_num(sb, socktype_name(s->type), s->type);
	sb_puts(sb, ",\"protocol\":");
	put_name_or_num(sb, proto_name(s->family, s->protocol), s->protocol);
	sb_puts(sb, ",\"local\":");
	put_addr_or_null(sb, addrs, &s->local);
	sb_puts(sb, ",\"peer\":");
	put_addr_or_null(sb, addrs && (s->flags & SMT_SOCK_CONNECTED),
			 &s->peer);
	sb_puts(sb, "},");
}

static void put_msg_name(struct strbuf *sb, const struct smt_msg *m)
{
	struct strbuf tmp;

	if ((m->status & (SMT_MSG_HDR_FAULT | SMT_MSG_NAME_FAULT)) ||
	    m->name_len == 0) {
		sb_puts(sb, "null");
		return;
	}
	sb_init(&tmp);
	addr_sockaddr(&tmp, m->name, m->name_len, 1);
	esc_json(sb, (const unsigned char *)tmp.buf, tmp.len);
	sb_free(&tmp);
}

static void put_cmsgs(struct strbuf *sb, const struct smt_msg *m)
{
	sb_puts(sb, "\"cmsgs\":[");
	for (unsigned i = 0; i < m->ncmsg; i++) {
		const struct smt_cmsg *cm = &m->cmsg[i];

		sb_puts(sb, i ? ",{\"level\":" : "{\"level\":");
		put_name_or_num(sb, cmsg_level_name(cm->level), cm->level);
		sb_puts(sb, ",\"type\":");
		put_name_or_num(sb, cmsg_type_name(cm->level, cm->type),
				cm->type);
		sb_putc(sb, '}');
	}
	sb_puts(sb, "],");
}

static void put_msg(struct strbuf *sb, const struct smt_view *v, uint32_t i)
{
	struct smt_msg m;
	int attempted, results, failed;

	rec_msg(v, i, &m);
	attempted = (m.status & SMT_MSG_ATTEMPTED) != 0;
	results = attempted && !(v->call.status & SMT_ST_NO_RESULTS);
	failed = results && m.result < 0;
	sb_printf(sb, "{\"index\":%" PRIu32 ",\"name\":", i);
	put_msg_name(sb, &m);
	sb_printf(sb, ",\"namelen\":%" PRIu32 ",\"iovlen\":%" PRIu64
		  ",\"bytes\":%" PRIu64 ",\"controllen\":%" PRIu64 ",",
		  m.namelen, (uint64_t)m.iovlen, (uint64_t)m.bytes,
		  (uint64_t)m.controllen);
	put_cmsgs(sb, &m);
	sb_printf(sb, "\"flags\":%" PRIu32 ",\"result\":", m.flags);
	if (results && !failed)
		sb_printf(sb, "%" PRId64, (int64_t)m.result);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"error\":");
	put_errno_or_null(sb, failed, (int)-m.result);
	sb_putc(sb, ',');
	put_bool(sb, "attempted", attempted, 1);
	sb_puts(sb, "\"status\":");
	put_bits(sb, m.status, msg_status_json);
	if (m.payload_len) {
		sb_puts(sb, ",\"payload\":\"");
		base64(sb, rec_payload(v, &m), m.payload_len);
		sb_putc(sb, '"');
	}
	sb_putc(sb, '}');
}

/* The Tracee-shaped part of the event. */
static void put_tracee(struct strbuf *sb, const struct fmt_opts *fo,
		       const struct smt_call *c)
{
	sb_printf(sb, "{\"timestamp\":%" PRId64 ",\"processorId\":%" PRIu32
		  ",\"processId\":%" PRIu32 ",\"threadId\":%" PRIu32
		  ",\"userId\":%" PRIu32 ",\"processName\":",
		  wall_ns(c->hdr.ts_ns, fo->rt_offset), c->cpu, c->tgid,
		  c->tid, c->uid);
	put_comm(sb, c->comm);
	sb_printf(sb, ",\"cgroupId\":%" PRIu64 ",\"eventName\":\"sendmmsg\","
		  "\"syscall\":\"sendmmsg\",\"returnValue\":%" PRId64
		  ",\"argsNum\":4,\"args\":["
		  "{\"name\":\"sockfd\",\"type\":\"int\",\"value\":%" PRId32 "},"
		  "{\"name\":\"msgvec\",\"type\":\"struct mmsghdr*\","
		  "\"value\":%" PRIu64 "},"
		  "{\"name\":\"vlen\",\"type\":\"unsigned int\",\"value\":%"
		  PRIu32 "},"
		  "{\"name\":\"flags\",\"type\":\"int\",\"value\":%" PRId32
		  "}],\"contextFlags\":{",
		  (uint64_t)c->cgroup_id, (int64_t)c->ret, c->fd,
		  (uint64_t)c->msgvec, c->vlen, (int32_t)c->flags);
	put_bool(sb, "isCompat", (c->status & SMT_ST_COMPAT) != 0, 0);
	sb_puts(sb, "},");
}

static void put_flag_names(struct strbuf *sb, uint32_t flags)
{
	uint32_t unknown = 0;
	int first = 1;

	sb_puts(sb, "\"flagNames\":[");
	for (unsigned i = 0; i < 32; i++) {
		uint32_t bit = 1U << i;
		const char *n = msg_flag_name(bit);

		if (!(flags & bit))
			continue;
		if (!n) {
			unknown |= bit;
			continue;
		}
		sb_printf(sb, "%s\"%s\"", first ? "" : ",", n);
		first = 0;
	}
	if (unknown)
		sb_printf(sb, "%s\"%#x\"", first ? "" : ",", unknown);
	sb_puts(sb, "],");
}

void fmt_json_call(struct strbuf *sb, const struct fmt_opts *fo,
		   const struct smt_view *v, uint64_t lost)
{
	const struct smt_call *c = &v->call;

	put_tracee(sb, fo, c);
	sb_printf(sb, "\"sendmmsg\":{\"latencyNs\":%" PRIu64 ",\"error\":",
		  (uint64_t)c->latency_ns);
	put_errno_or_null(sb, c->ret < 0, (int)-c->ret);
	sb_putc(sb, ',');
	put_flag_names(sb, c->flags);
	put_socket(sb, c);
	sb_printf(sb, "\"messagesCaptured\":%" PRIu32
		  ",\"messagesAttempted\":%" PRIu32
		  ",\"messagesSent\":%" PRIu32 ",\"bytesSent\":%" PRIu64 ",",
		  c->nr_msgs, c->msgs_attempted, c->msgs_sent,
		  (uint64_t)c->bytes_sent);
	put_bool(sb, "truncated",
		 (c->status & (SMT_ST_TRUNCATED | SMT_ST_SHORTENED)) != 0, 1);
	sb_printf(sb, "\"lost\":%" PRIu64 ",\"status\":", lost);
	put_bits(sb, c->status, call_status_json);
	sb_puts(sb, ",\"messages\":[");
	for (uint32_t i = 0; i < c->nr_msgs; i++) {
		if (i)
			sb_putc(sb, ',');
		put_msg(sb, v, i);
	}
	sb_puts(sb, "]}}\n");
}

void fmt_json_lost(struct strbuf *sb, const struct fmt_opts *fo,
		   uint64_t ts_ns, uint64_t lost)
{
	sb_printf(sb, "{\"eventName\":\"sendmmsg_lost\",\"timestamp\":%" PRId64
		  ",\"lost\":%" PRIu64 "}\n", wall_ns(ts_ns, fo->rt_offset),
		  lost);
}

void fmt_json_alert(struct strbuf *sb, const struct fmt_opts *fo,
		    const struct rate_alert *a)
{
	sb_printf(sb, "{\"eventName\":\"sendmmsg_rate_alert\",\"processId\":%"
		  PRIu32 ",\"processName\":", a->tgid);
	put_comm(sb, a->comm);
	sb_printf(sb, ",\"bytesPerSec\":%" PRIu64 ",\"threshold\":%" PRIu64
		  ",\"timestamp\":%" PRId64 "}\n", a->bytes_per_sec,
		  a->threshold, wall_ns(a->ts_ns, fo->rt_offset));
}
