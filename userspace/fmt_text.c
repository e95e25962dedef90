// SPDX-License-Identifier: GPL-2.0
/*
 * fmt_text.c - one strace-like line per call:
 *
 * TIME COMM(PID/TID) sendmmsg(FD<SOCK>, [MSG, ...], vlen=N, FLAGS) = RET <LAT> [STATUS]
 */
#include <inttypes.h>

#include "addr.h"
#include "escape.h"
#include "fmt.h"
#include "names.h"
#include "timefmt.h"

#define RED	"\033[31m"
#define YELLOW	"\033[33m"
#define RESET	"\033[0m"

static void color_on(struct strbuf *sb, const struct fmt_opts *fo,
		     const char *c)
{
	if (fo->color)
		sb_puts(sb, c);
}

static void color_off(struct strbuf *sb, const struct fmt_opts *fo)
{
	if (fo->color)
		sb_puts(sb, RESET);
}

void fmt_text_comm(struct strbuf *sb, const char *comm)
{
	esc_text(sb, (const unsigned char *)comm,
		 bounded_strlen(comm, SMT_COMM_LEN));
}

/* 3<UDP:127.0.0.1:40000->127.0.0.1:53>, or just 3 without socket info. */
static void put_socket(struct strbuf *sb, const struct smt_call *c)
{
	const struct smt_sock *s = &c->sock;
	const char *label;

	sb_printf(sb, "%d", c->fd);
	if (!(c->status & SMT_ST_SOCK_VALID))
		return;
	label = sock_label(s->family, s->type, s->protocol);
	if (label)
		sb_printf(sb, "<%s", label);
	else
		sb_printf(sb, "<%u/%u/%u", s->family, s->type, s->protocol);
	if (s->flags & SMT_SOCK_INET_ADDRS) {
		sb_putc(sb, ':');
		addr_inet(sb, &s->local);
		if (s->flags & SMT_SOCK_CONNECTED) {
			sb_puts(sb, "->");
			addr_inet(sb, &s->peer);
		}
	}
	sb_putc(sb, '>');
}

static void put_name(struct strbuf *sb, const struct smt_msg *m)
{
	if (m->status & SMT_MSG_NAME_FAULT) {
		sb_puts(sb, "name=EFAULT, ");
		return;
	}
	if (m->name_len == 0 && (m->name_ptr == 0 || m->namelen == 0))
		return;	/* no destination: the socket's peer is used */
	sb_puts(sb, "name=");
	if (m->name_len)
		addr_sockaddr(sb, m->name, m->name_len, 0);
	else
		sb_putc(sb, '?');
	if (m->status & SMT_MSG_NAME_TRUNC)
		sb_puts(sb, "...");
	sb_puts(sb, ", ");
}

static void put_iov(struct strbuf *sb, const struct smt_msg *m)
{
	if (m->status & SMT_MSG_IOV_FAULT) {
		sb_puts(sb, "iov=EFAULT");
		return;
	}
	sb_printf(sb, "iov=%" PRIu64 "/%" PRIu64 "B", (uint64_t)m->iovlen,
		  (uint64_t)m->bytes);
	/* Only the first SMT_MAX_IOVS_READ iovecs were summed. */
	if (m->status & SMT_MSG_IOV_TRUNC)
		sb_putc(sb, '+');
}

static void put_cmsg(struct strbuf *sb, const struct smt_cmsg *cm)
{
	const char *l = cmsg_level_name(cm->level);
	const char *t = cmsg_type_name(cm->level, cm->type);

	if (l)
		sb_puts(sb, l);
	else
		sb_printf(sb, "%d", cm->level);
	if (t)
		sb_printf(sb, "/%s", t);
	else
		sb_printf(sb, "/%d", cm->type);
}

static void put_ctl(struct strbuf *sb, const struct smt_msg *m)
{
	if (m->status & SMT_MSG_CTRL_FAULT) {
		sb_puts(sb, ", ctl=EFAULT");
		return;
	}
	sb_printf(sb, ", ctl=%" PRIu64, (uint64_t)m->controllen);
	if (m->ncmsg == 0 && !(m->status & SMT_MSG_CMSG_MORE))
		return;
	sb_putc(sb, '[');
	for (unsigned i = 0; i < m->ncmsg; i++) {
		if (i)
			sb_putc(sb, ',');
		put_cmsg(sb, &m->cmsg[i]);
	}
	if (m->status & SMT_MSG_CMSG_MORE)
		sb_puts(sb, m->ncmsg ? ",..." : "...");
	sb_putc(sb, ']');
}

static void put_data(struct strbuf *sb, const struct fmt_opts *fo,
		     const struct smt_view *v, const struct smt_msg *m)
{
	uint32_t n = m->payload_len;

	if (m->status & SMT_MSG_PAYLOAD_FAULT) {
		sb_puts(sb, ", data=EFAULT");
		return;
	}
	if (n == 0)
		return;
	if (n > fo->strlimit)
		n = fo->strlimit;
	sb_puts(sb, ", data=\"");
	esc_payload(sb, rec_payload(v, m), n);
	sb_putc(sb, '"');
	/* Like strace: "..." when more bytes were sent than are shown. */
	if (n < m->bytes)
		sb_puts(sb, "...");
}

static void put_result(struct strbuf *sb, const struct fmt_opts *fo,
		       const struct smt_msg *m)
{
	if (!(m->status & SMT_MSG_ATTEMPTED)) {
		sb_puts(sb, ", not sent");
		return;
	}
	if (m->result >= 0) {
		sb_printf(sb, ", sent=%" PRId64, (int64_t)m->result);
		return;
	}
	sb_puts(sb, ", ");
	color_on(sb, fo, RED);
	sb_puts(sb, "err=");
	errno_put(sb, (int)-m->result);
	color_off(sb, fo);
}

static void put_msg(struct strbuf *sb, const struct fmt_opts *fo,
		    const struct smt_view *v, uint32_t i)
{
	struct smt_msg m;

	rec_msg(v, i, &m);
	sb_putc(sb, '{');
	if (m.status & SMT_MSG_HDR_FAULT) {
		/* Nothing else of the message could be read. */
		sb_puts(sb, "hdr=EFAULT");
	} else {
		put_name(sb, &m);
		put_iov(sb, &m);
		put_ctl(sb, &m);
		if (m.flags) {
			sb_puts(sb, ", flags=");
			msg_flags_put(sb, m.flags);
		}
		put_data(sb, fo, v, &m);
	}
	if (!(v->call.status & SMT_ST_NO_RESULTS))
		put_result(sb, fo, &m);
	sb_putc(sb, '}');
}

/* The vector: the captured messages (4 without -v), then what is left. */
static void put_msgs(struct strbuf *sb, const struct fmt_opts *fo,
		     const struct smt_view *v)
{
	const struct smt_call *c = &v->call;
	uint32_t total = rec_total_msgs(c);
	uint32_t shown = c->nr_msgs;

	if (shown == 0) {
		/* Nothing captured: show the pointer, as strace does. */
		if (c->vlen == 0)
			sb_puts(sb, "[]");
		else
			sb_printf(sb, "%#" PRIx64, (uint64_t)c->msgvec);
		return;
	}
	if (!fo->verbose && shown > TEXT_MSGS_SHOWN)
		shown = TEXT_MSGS_SHOWN;
	sb_putc(sb, '[');
	for (uint32_t i = 0; i < shown; i++) {
		if (i)
			sb_puts(sb, ", ");
		put_msg(sb, fo, v, i);
	}
	if (total > shown)
		sb_printf(sb, ", ... %" PRIu32 " more", total - shown);
	sb_putc(sb, ']');
}

static void put_return(struct strbuf *sb, const struct fmt_opts *fo,
		       const struct smt_call *c)
{
	int e;
	const char *desc;

	if (c->ret >= 0) {
		sb_printf(sb, " = %" PRId64, (int64_t)c->ret);
		return;
	}
	/* What the caller saw: -1 and errno, like strace. */
	e = (int)-c->ret;
	desc = errno_desc(e);
	sb_putc(sb, ' ');
	color_on(sb, fo, RED);
	sb_puts(sb, "= -1 ");
	errno_put(sb, e);
	if (desc)
		sb_printf(sb, " (%s)", desc);
	color_off(sb, fo);
}

static void put_status(struct strbuf *sb, const struct fmt_opts *fo,
		       const struct smt_call *c)
{
	for (unsigned i = 0; i < 32; i++) {
		uint32_t bit = 1U << i;
		const char *t;

		if (!(c->status & bit) || bit == SMT_ST_SOCK_VALID)
			continue;
		t = call_status_text(bit);
		sb_putc(sb, ' ');
		color_on(sb, fo, YELLOW);
		if (bit == SMT_ST_TRUNCATED)
			sb_printf(sb, "[truncated to %" PRIu32 " of %" PRIu32 "]",
				  c->nr_msgs, rec_total_msgs(c));
		else if (t)
			sb_printf(sb, "[%s]", t);
		else
			sb_printf(sb, "[status %#x]", bit);
		color_off(sb, fo);
	}
}

void fmt_text_call(struct strbuf *sb, const struct fmt_opts *fo,
		   const struct smt_view *v)
{
	const struct smt_call *c = &v->call;

	put_clock_us(sb, wall_ns(c->hdr.ts_ns, fo->rt_offset));
	sb_putc(sb, ' ');
	fmt_text_comm(sb, c->comm);
	sb_printf(sb, "(%" PRIu32 "/%" PRIu32 ") sendmmsg(", c->tgid, c->tid);
	put_socket(sb, c);
	sb_puts(sb, ", ");
	put_msgs(sb, fo, v);
	sb_printf(sb, ", vlen=%" PRIu32 ", ", c->vlen);
	msg_flags_put(sb, c->flags);
	sb_putc(sb, ')');
	put_return(sb, fo, c);
	sb_puts(sb, " <");
	put_latency(sb, c->latency_ns);
	sb_putc(sb, '>');
	put_status(sb, fo, c);
	sb_putc(sb, '\n');
}

void fmt_text_lost(struct strbuf *sb, const struct fmt_opts *fo,
		   uint64_t lost)
{
	color_on(sb, fo, YELLOW);
	sb_printf(sb, "--- lost %" PRIu64 " record%s ---", lost,
		  lost == 1 ? "" : "s");
	color_off(sb, fo);
	sb_putc(sb, '\n');
}

void fmt_text_alert(struct strbuf *sb, const struct fmt_opts *fo,
		    const struct rate_alert *a)
{
	put_clock_us(sb, wall_ns(a->ts_ns, fo->rt_offset));
	sb_putc(sb, ' ');
	color_on(sb, fo, RED);
	sb_puts(sb, "!!! rate alert ");
	fmt_text_comm(sb, a->comm);
	sb_printf(sb, "(%" PRIu32 "): %" PRIu64 " bytes/s > %" PRIu64
		  " bytes/s", a->tgid, a->bytes_per_sec, a->threshold);
	color_off(sb, fo);
	sb_putc(sb, '\n');
}
