// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - sendmmsg-trace: read /dev/sendmmsg_trace and print one line
 * (or one JSON object) per sendmmsg(2) call.
 */
#include <signal.h>
#include <string.h>

#include "options.h"
#include "timefmt.h"
#include "trace.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * No SA_RESTART: a signal must interrupt poll() and read() so the loop
 * sees the flag, finishes the current batch and prints the summary.
 */
static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed output pipe shows up as EPIPE and ends the run cleanly. */
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct options o;

	switch (parse_options(argc, argv, &o)) {
	case OPTS_EXIT_OK:
		return 0;
	case OPTS_USAGE_ERROR:
		return 2;
	default:
		break;
	}
	timefmt_init();
	install_handlers();
	return trace_run(&o, &stop_signal);
}
