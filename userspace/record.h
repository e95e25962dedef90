/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record.h - validating one binary record and giving safe access to it.
 *
 * The record bytes come from the kernel or from a file and are not
 * trusted: rec_decode() checks every size and offset once, so the
 * formatters can walk messages and payloads without bounds checks of
 * their own.  Structures are copied out with memcpy into zeroed local
 * copies, which both avoids unaligned access and gives a newer writer's
 * longer structures (call_size/msg_size larger than ours) the right
 * meaning: the fields we know, at the offsets we know.
 */
#ifndef SMT_RECORD_H
#define SMT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "sendmmsg_trace.h"

enum rec_kind {
	REC_CALL,		/* a valid SMT_REC_CALL: view is filled in */
	REC_LOST,		/* SMT_REC_LOST: hdr.lost records were lost */
	REC_SKIP_VERSION,	/* abi_version we do not speak: skip it */
	REC_SKIP_TYPE,		/* type we do not know: skip it */
	REC_BAD,		/* sizes or offsets are impossible: skip it */
};

struct smt_view {
	struct smt_rec_hdr hdr;
	struct smt_call call;		/* zero-extended copy (REC_CALL only) */
	const unsigned char *rec;	/* the whole record */
	size_t size;			/* == hdr.size */
};

/*
 * Classify and check a record of 'size' bytes (the stream layer has
 * already checked that size >= sizeof(struct smt_rec_hdr) and that the
 * bytes are all there).  For REC_BAD, *why says what was wrong.
 */
enum rec_kind rec_decode(const unsigned char *rec, size_t size,
			 struct smt_view *v, const char **why);

/* Copy message i (< call.nr_msgs) of a REC_CALL view into *m. */
void rec_msg(const struct smt_view *v, uint32_t i, struct smt_msg *m);

/* The captured payload bytes of a message (payload_len of them). */
const unsigned char *rec_payload(const struct smt_view *v,
				 const struct smt_msg *m);

/* Messages the call really had: vlen as the kernel clamps it. */
uint32_t rec_total_msgs(const struct smt_call *c);

/* The call failed, or one of its messages did (what --errors selects). */
int rec_call_failed(const struct smt_view *v);

#endif
