/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter.h - which calls to show.  The module can filter on tgid, uid and
 * comm itself (cheaper: nothing is copied for other processes); the
 * reader always applies the whole filter again, so file input and a
 * module without filter support give the same result.
 */
#ifndef SMT_FILTER_H
#define SMT_FILTER_H

#include <stdint.h>

#include "record.h"

struct filter {
	int has_pid, has_tid, has_uid, has_fd, has_comm;
	int errors;		/* only failed calls (see rec_call_failed) */
	uint32_t pid, tid, uid;
	int32_t fd;
	char comm[SMT_COMM_LEN];	/* NUL-terminated, <= 15 chars */
};

int filter_match(const struct filter *f, const struct smt_view *v);

/* The part of the filter the module understands; 0 if there is none. */
int filter_to_kernel(const struct filter *f, struct smt_filter *k);

#endif
