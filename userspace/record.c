// SPDX-License-Identifier: GPL-2.0
/* record.c - record validation and access (see record.h). */
#include "record.h"

#include <string.h>

static void copy_prefix(void *dst, size_t dst_size, const void *src,
			size_t src_size)
{
	memset(dst, 0, dst_size);
	memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
}

void rec_msg(const struct smt_view *v, uint32_t i, struct smt_msg *m)
{
	size_t off = v->call.call_size + (size_t)i * v->call.msg_size;

	copy_prefix(m, sizeof(*m), v->rec + off, v->call.msg_size);
}

const unsigned char *rec_payload(const struct smt_view *v,
				 const struct smt_msg *m)
{
	return v->rec + m->payload_off;
}

/* One message's own fields must stay inside what the ABI allows. */
static const char *check_msg(const struct smt_msg *m, size_t first_payload,
			     size_t size)
{
	if (m->name_len > SMT_NAME_MAX)
		return "message name_len larger than SMT_NAME_MAX";
	if (m->ncmsg > SMT_MAX_CMSGS)
		return "message ncmsg larger than SMT_MAX_CMSGS";
	if (m->payload_len == 0)
		return NULL;
	/* 64-bit sums: a crafted offset cannot wrap around. */
	if ((uint64_t)m->payload_off < first_payload ||
	    (uint64_t)m->payload_off + m->payload_len > size)
		return "payload outside the record";
	return NULL;
}

static const char *check_call(struct smt_view *v)
{
	const struct smt_call *c = &v->call;
	uint64_t msgs_end;

	if (c->call_size < sizeof(struct smt_call))
		return "call_size smaller than struct smt_call";
	if (c->call_size > v->size)
		return "call_size larger than the record";
	if (c->nr_msgs == 0)
		return NULL;
	if (c->msg_size < sizeof(struct smt_msg))
		return "msg_size smaller than struct smt_msg";
	msgs_end = c->call_size + (uint64_t)c->nr_msgs * c->msg_size;
	if (msgs_end > v->size)
		return "nr_msgs * msg_size does not fit the record";
	for (uint32_t i = 0; i < c->nr_msgs; i++) {
		struct smt_msg m;
		const char *why;

		rec_msg(v, i, &m);
		why = check_msg(&m, (size_t)msgs_end, v->size);
		if (why)
			return why;
	}
	return NULL;
}

enum rec_kind rec_decode(const unsigned char *rec, size_t size,
			 struct smt_view *v, const char **why)
{
	memcpy(&v->hdr, rec, sizeof(v->hdr));
	v->rec = rec;
	v->size = size;
	*why = NULL;
	if (v->hdr.abi_version != SMT_ABI_VERSION)
		return REC_SKIP_VERSION;
	if (v->hdr.type == SMT_REC_LOST)
		return REC_LOST;
	if (v->hdr.type != SMT_REC_CALL)
		return REC_SKIP_TYPE;
	/* Version 1 is the first ABI, so a v1 call is never shorter. */
	if (size < sizeof(struct smt_call)) {
		*why = "call record shorter than struct smt_call";
		return REC_BAD;
	}
	copy_prefix(&v->call, sizeof(v->call), rec, size);
	*why = check_call(v);
	return *why ? REC_BAD : REC_CALL;
}

uint32_t rec_total_msgs(const struct smt_call *c)
{
	return c->vlen > SMT_MAX_MSGS ? SMT_MAX_MSGS : c->vlen;
}

int rec_call_failed(const struct smt_view *v)
{
	const struct smt_call *c = &v->call;

	if (c->ret < 0 || c->msgs_sent < c->msgs_attempted)
		return 1;
	for (uint32_t i = 0; i < c->nr_msgs; i++) {
		struct smt_msg m;

		rec_msg(v, i, &m);
		if ((m.status & SMT_MSG_ATTEMPTED) && m.result < 0)
			return 1;
	}
	return 0;
}
