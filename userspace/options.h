/* SPDX-License-Identifier: GPL-2.0 */
/* options.h - command line of sendmmsg-trace. */
#ifndef SMT_OPTIONS_H
#define SMT_OPTIONS_H

#include <stdint.h>

#include "filter.h"

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct options {
	const char *device;
	int json, verbose, stats, top;
	enum color_mode color;
	unsigned strlimit;
	struct filter filter;
	int has_count;
	uint64_t count;
	int has_duration;
	uint64_t duration_ns;
	int has_alert;
	uint64_t alert_bytes;
	int has_rt_offset;
	int64_t rt_offset;
};

enum parse_result { OPTS_RUN, OPTS_EXIT_OK, OPTS_USAGE_ERROR };

enum parse_result parse_options(int argc, char **argv, struct options *o);

/* "10M", "512k", "1Mi", "1500": bytes per second; 0 on success. */
int parse_rate(const char *s, uint64_t *out);
/* "5", "0.5": seconds as ns; 0 on success. */
int parse_seconds(const char *s, uint64_t *ns);

#endif
