// SPDX-License-Identifier: GPL-2.0
/* filter.c - call selection (see filter.h). */
#include "filter.h"

#include <string.h>

#include "escape.h"

static int comm_equal(const char *want, const char *comm)
{
	size_t n = bounded_strlen(comm, SMT_COMM_LEN);

	return strlen(want) == n && memcmp(want, comm, n) == 0;
}

int filter_match(const struct filter *f, const struct smt_view *v)
{
	const struct smt_call *c = &v->call;

	if (f->has_pid && c->tgid != f->pid)
		return 0;
	if (f->has_tid && c->tid != f->tid)
		return 0;
	if (f->has_uid && c->uid != f->uid)
		return 0;
	if (f->has_fd && c->fd != f->fd)
		return 0;
	if (f->has_comm && !comm_equal(f->comm, c->comm))
		return 0;
	/* Last: it is the only test that walks the messages. */
	if (f->errors && !rec_call_failed(v))
		return 0;
	return 1;
}

int filter_to_kernel(const struct filter *f, struct smt_filter *k)
{
	memset(k, 0, sizeof(*k));
	if (f->has_pid) {
		k->mask |= SMT_FILTER_TGID;
		k->tgid = f->pid;
	}
	if (f->has_uid) {
		k->mask |= SMT_FILTER_UID;
		k->uid = f->uid;
	}
	if (f->has_comm) {
		k->mask |= SMT_FILTER_COMM;
		memcpy(k->comm, f->comm, sizeof(k->comm));
	}
	return k->mask != 0;
}
