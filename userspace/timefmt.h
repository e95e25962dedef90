/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timefmt.h - record timestamps (CLOCK_MONOTONIC ns) as wall-clock text,
 * and latencies in human units.
 */
#ifndef SMT_TIMEFMT_H
#define SMT_TIMEFMT_H

#include <stdint.h>

#include "strbuf.h"

#define NSEC_PER_SEC	1000000000ULL

/* Decide UTC vs local time once: UTC unless TZ is set. */
void timefmt_init(void);

/* mono + (realtime - monotonic) offset, as ns since the epoch. */
int64_t wall_ns(uint64_t mono_ns, int64_t rt_offset);

/* "HH:MM:SS.uuuuuu" and "HH:MM:SS". */
void put_clock_us(struct strbuf *sb, int64_t wall);
void put_clock_s(struct strbuf *sb, int64_t wall);

/* "850ns", "12.3us", "4.56ms", "1.234s" (truncated, never rounded up). */
void put_latency(struct strbuf *sb, uint64_t ns);

#endif
