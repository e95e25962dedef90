// SPDX-License-Identifier: GPL-2.0
/* input.c - device and file input (see input.h). */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *open_error_hint(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "is the module loaded? insmod sendmmsg_trace.ko";
	case EACCES:
	case EPERM:
		return "needs root";
	case EBUSY:
		return "another reader has the device open";
	default:
		return NULL;
	}
}

static int fail_open(const char *path, int err)
{
	const char *hint = open_error_hint(err);

	fprintf(stderr, "sendmmsg-trace: cannot open %s: %s%s%s\n", path,
		strerror(err), hint ? " - " : "", hint ? hint : "");
	return -1;
}

/* A module built from another sendmmsg_trace.h must not be misread. */
static int check_abi(const struct input *in)
{
	struct smt_config cfg;

	if (ioctl(in->fd, SMT_IOC_GET_CONFIG, &cfg) != 0)
		return 0;	/* older module without it: SET_FORMAT decides */
	if (cfg.abi_version == SMT_ABI_VERSION)
		return 0;
	fprintf(stderr, "sendmmsg-trace: ABI mismatch: %s speaks ABI version "
		"%u, this reader version %d; rebuild the reader\n", in->path,
		cfg.abi_version, SMT_ABI_VERSION);
	return -1;
}

/* No GET_CLOCK: read both clocks here, close enough for display. */
static int64_t local_rt_offset(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000LL +
	       (r.tv_nsec - m.tv_nsec);
}

static void setup_device(struct input *in, const struct filter *f)
{
	struct smt_clock clk;
	struct smt_filter kf;

	if (ioctl(in->fd, SMT_IOC_GET_CLOCK, &clk) == 0)
		in->rt_offset = (int64_t)(clk.real_ns - clk.mono_ns);
	else
		in->rt_offset = local_rt_offset();
	/* Best effort: the reader filters everything again anyway. */
	if (filter_to_kernel(f, &kf))
		ioctl(in->fd, SMT_IOC_SET_FILTER, &kf);
}

int input_open(struct input *in, const char *path, const struct filter *f)
{
	__u32 fmt = SMT_FMT_BINARY;
	struct stat st;

	memset(in, 0, sizeof(*in));
	in->path = path;
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return fail_open(path, errno);
	if (fstat(in->fd, &st) != 0) {
		int err = errno;

		input_close(in);
		return fail_open(path, err);
	}
	if (S_ISDIR(st.st_mode)) {
		input_close(in);
		return fail_open(path, EISDIR);
	}
	if (check_abi(in)) {
		input_close(in);
		return -1;
	}
	if (ioctl(in->fd, SMT_IOC_SET_FORMAT, &fmt) == 0) {
		in->is_device = 1;
		setup_device(in, f);
		return 0;
	}
	/* ENOTTY on a file or pipe: it holds records already in binary. */
	if ((errno == ENOTTY || errno == EINVAL) && !S_ISCHR(st.st_mode))
		return 0;
	fprintf(stderr, "sendmmsg-trace: %s does not take SMT_IOC_SET_FORMAT "
		"(%s): not the sendmmsg_trace device, or an ABI mismatch\n",
		path, strerror(errno));
	input_close(in);
	return -1;
}

void input_close(struct input *in)
{
	/* The module drops our filter when the file is closed. */
	if (in->fd < 0)
		return;
	close(in->fd);
	in->fd = -1;
}

int input_module_stats(const struct input *in, struct smt_stats *st)
{
	if (!in->is_device)
		return -1;
	return ioctl(in->fd, SMT_IOC_GET_STATS, st);
}
