// SPDX-License-Identifier: GPL-2.0
/* options.c - command-line parsing and --help (see options.h). */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sendmmsg_trace.h"

#define DEFAULT_DEVICE "/dev/" SMT_DEVICE_NAME

static const char usage_text[] =
"Usage: sendmmsg-trace [OPTION]...\n"
"Print every sendmmsg(2) call traced by the sendmmsg_trace module.\n"
"\n"
"Input:\n"
"  -d, --device PATH        read PATH instead of " DEFAULT_DEVICE "; a\n"
"                           regular file or pipe is read as binary records\n"
"      --realtime-offset NS add NS to record times for the wall clock\n"
"                           (default: from the module; 0 for a file)\n"
"Output:\n"
"  -j, --json               one JSON object per line instead of text\n"
"  -v, --verbose            show every captured message, not the first 4\n"
"  -s, --string-limit N     payload bytes shown in text (default 32)\n"
"      --color=WHEN         auto (default), always or never\n"
"Filters (all must match):\n"
"  -p, --pid PID            calls of this process (thread group)\n"
"      --tid TID            calls of this thread\n"
"  -u, --uid UID            calls of this user\n"
"      --comm NAME          calls of tasks with this name\n"
"      --fd FD              calls on this file descriptor\n"
"  -e, --errors             calls that failed or where a message failed\n"
"Bounds:\n"
"  -c, --count N            stop after N calls\n"
"      --duration SECONDS   stop after SECONDS (may be fractional)\n"
"Watching:\n"
"      --stats              print a summary on stderr at exit\n"
"      --top                per-process rates every second instead of calls\n"
"      --alert-bytes RATE   alert when a process sends more than RATE\n"
"                           bytes/s (k=1000, M=10^6, G=10^9; Ki, Mi, Gi\n"
"                           are powers of 1024)\n"
"  -h, --help               this text\n"
"  -V, --version            version and ABI version\n"
"\n"
"Exit status: 0 success, 1 error (device, ABI, corrupt input), 2 usage.\n";

enum {
	OPT_TID = 256, OPT_COMM, OPT_FD, OPT_DURATION, OPT_STATS, OPT_TOP,
	OPT_ALERT, OPT_RTOFF, OPT_COLOR,
};

static const struct option longopts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "string-limit", required_argument, NULL, 's' },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "pid", required_argument, NULL, 'p' },
	{ "tid", required_argument, NULL, OPT_TID },
	{ "uid", required_argument, NULL, 'u' },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "fd", required_argument, NULL, OPT_FD },
	{ "errors", no_argument, NULL, 'e' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "top", no_argument, NULL, OPT_TOP },
	{ "alert-bytes", required_argument, NULL, OPT_ALERT },
	{ "realtime-offset", required_argument, NULL, OPT_RTOFF },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The long name of an option, for messages. */
static const char *opt_name(int opt)
{
	for (const struct option *lo = longopts; lo->name; lo++)
		if (lo->val == opt)
			return lo->name;
	return "?";
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "sendmmsg-trace: %s%s%s (see --help)\n", what,
		arg ? ": " : "", arg ? arg : "");
	return OPTS_USAGE_ERROR;
}

/* A whole-string unsigned number no larger than max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, UINT32_MAX, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* A positive decimal number (fraction allowed) followed by the rest. */
static int parse_decimal(const char *s, double *v, const char **rest)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || !isfinite(*v) || *v <= 0)
		return -1;
	*rest = end;
	return 0;
}

int parse_rate(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "", 1 }, { "k", 1e3 }, { "m", 1e6 }, { "g", 1e9 },
		{ "ki", 1024.0 }, { "mi", 1048576.0 }, { "gi", 1073741824.0 },
	};
	const char *rest;
	double v;

	if (parse_decimal(s, &v, &rest))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(rest, units[i].suffix) == 0) {
			v *= units[i].mult;
			if (v < 1 || v >= 9.2e18)
				return -1;
			*out = (uint64_t)v;
			return 0;
		}
	}
	return -1;
}

int parse_seconds(const char *s, uint64_t *ns)
{
	const char *rest;
	double v;

	if (parse_decimal(s, &v, &rest) || *rest || v > 1e9)
		return -1;
	*ns = (uint64_t)(v * 1e9);
	return *ns ? 0 : -1;
}

static int set_comm(struct filter *f, const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return -1;
	/* The kernel keeps 15 bytes of a task name: compare what it keeps. */
	if (n > SMT_COMM_LEN - 1)
		n = SMT_COMM_LEN - 1;
	memcpy(f->comm, name, n);
	f->comm[n] = '\0';
	f->has_comm = 1;
	return 0;
}

static int parse_color(const char *s, enum color_mode *c)
{
	if (strcmp(s, "auto") == 0)
		*c = COLOR_AUTO;
	else if (strcmp(s, "always") == 0)
		*c = COLOR_ALWAYS;
	else if (strcmp(s, "never") == 0)
		*c = COLOR_NEVER;
	else
		return -1;
	return 0;
}

/* One option with an argument; returns non-zero on a bad value. */
static int take_arg(int opt, const char *arg, struct options *o)
{
	struct filter *f = &o->filter;
	uint64_t v;
	int64_t sv;

	switch (opt) {
	case 'd': o->device = arg; return 0;
	case 's':
		if (parse_u64(arg, UINT32_MAX, &v))
			return -1;
		o->strlimit = (unsigned)v;
		return 0;
	case OPT_COLOR: return parse_color(arg, &o->color);
	case 'p': f->has_pid = 1; return parse_u32(arg, &f->pid);
	case OPT_TID: f->has_tid = 1; return parse_u32(arg, &f->tid);
	case 'u': f->has_uid = 1; return parse_u32(arg, &f->uid);
	case OPT_COMM: return set_comm(f, arg);
	case OPT_FD:
		f->has_fd = 1;
		if (parse_i64(arg, INT32_MIN, INT32_MAX, &sv))
			return -1;
		f->fd = (int32_t)sv;
		return 0;
	case 'c':
		o->has_count = 1;
		return parse_u64(arg, UINT64_MAX, &o->count) || !o->count;
	case OPT_DURATION:
		o->has_duration = 1;
		return parse_seconds(arg, &o->duration_ns);
	case OPT_ALERT:
		o->has_alert = 1;
		return parse_rate(arg, &o->alert_bytes);
	case OPT_RTOFF:
		o->has_rt_offset = 1;
		return parse_i64(arg, INT64_MIN, INT64_MAX, &o->rt_offset);
	default:
		return -1;
	}
}

static void set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->device = DEFAULT_DEVICE;
	o->color = COLOR_AUTO;
	o->strlimit = 32;
}

enum parse_result parse_options(int argc, char **argv, struct options *o)
{
	int opt;

	set_defaults(o);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":d:jvs:p:u:ec:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'j': o->json = 1; break;
		case 'v': o->verbose = 1; break;
		case 'e': o->filter.errors = 1; break;
		case OPT_STATS: o->stats = 1; break;
		case OPT_TOP: o->top = 1; break;
		case 'h': fputs(usage_text, stdout); return OPTS_EXIT_OK;
		case 'V':
			printf("sendmmsg-trace (sendmmsg_trace ABI %d)\n",
			       SMT_ABI_VERSION);
			return OPTS_EXIT_OK;
		case ':':
			return usage_error("option needs a value",
					   argv[optind - 1]);
		case '?':
			if (optopt) {
				char shortopt[3] = { '-', (char)optopt, 0 };

				return usage_error("unknown option", shortopt);
			}
			return usage_error("unknown option", argv[optind - 1]);
		default:
			if (take_arg(opt, optarg, o)) {
				fprintf(stderr, "sendmmsg-trace: bad value for "
					"--%s: %s (see --help)\n",
					opt_name(opt), optarg);
				return OPTS_USAGE_ERROR;
			}
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (o->top && o->json)
		return usage_error("--top and --json cannot be combined", NULL);
	return OPTS_RUN;
}
