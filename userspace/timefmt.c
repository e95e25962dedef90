// SPDX-License-Identifier: GPL-2.0
/* timefmt.c - time and duration text (see timefmt.h). */
#include "timefmt.h"

#include <stdlib.h>
#include <time.h>

static int use_utc = 1;

void timefmt_init(void)
{
	use_utc = getenv("TZ") == NULL;
	tzset();
}

int64_t wall_ns(uint64_t mono_ns, int64_t rt_offset)
{
	return (int64_t)mono_ns + rt_offset;
}

static void split(int64_t wall, struct tm *tm, unsigned *us)
{
	time_t sec;

	if (wall < 0)
		wall = 0;
	sec = (time_t)(wall / (int64_t)NSEC_PER_SEC);
	*us = (unsigned)(wall % (int64_t)NSEC_PER_SEC / 1000);
	if (use_utc)
		gmtime_r(&sec, tm);
	else
		localtime_r(&sec, tm);
}

void put_clock_us(struct strbuf *sb, int64_t wall)
{
	struct tm tm;
	unsigned us;

	split(wall, &tm, &us);
	sb_printf(sb, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min,
		  tm.tm_sec, us);
}

void put_clock_s(struct strbuf *sb, int64_t wall)
{
	struct tm tm;
	unsigned us;

	split(wall, &tm, &us);
	sb_printf(sb, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Integer arithmetic so the text is exact and the same everywhere. */
void put_latency(struct strbuf *sb, uint64_t ns)
{
	unsigned long long v = ns;

	if (v < 1000ULL)
		sb_printf(sb, "%lluns", v);
	else if (v < 1000000ULL)
		sb_printf(sb, "%llu.%lluus", v / 1000, v / 100 % 10);
	else if (v < NSEC_PER_SEC)
		sb_printf(sb, "%llu.%02llums", v / 1000000, v / 10000 % 100);
	else
		sb_printf(sb, "%llu.%03llus", v / NSEC_PER_SEC,
			  v / 1000000 % 1000);
}
