/* SPDX-License-Identifier: GPL-2.0 */
/*
 * input.h - opening /dev/sendmmsg_trace (or a file of binary records)
 * and talking to the module with its ioctls.
 */
#ifndef SMT_INPUT_H
#define SMT_INPUT_H

#include <stdint.h>

#include "filter.h"
#include "sendmmsg_trace.h"

struct input {
	int fd;
	int is_device;		/* 0: a regular file or pipe of records */
	int64_t rt_offset;	/* realtime - monotonic, from the module */
	const char *path;
};

/*
 * Open and set up the input.  On failure one line saying what is wrong
 * (and what to do) has been printed on stderr, and -1 is returned.
 */
int input_open(struct input *in, const char *path, const struct filter *f);
void input_close(struct input *in);

/* The module's counters; 0 on success. */
int input_module_stats(const struct input *in, struct smt_stats *st);

/* The advice added to an open() error, or NULL (exposed for tests). */
const char *open_error_hint(int err);

#endif
