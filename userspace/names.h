/* SPDX-License-Identifier: GPL-2.0 */
/*
 * names.h - symbolic names for the numbers a record carries: errnos,
 * MSG_* flags, address families, socket types, protocols, cmsg levels
 * and types, and the SMT_ST_* / SMT_MSG_* status bits.
 *
 * Every lookup returns NULL for a number it does not know; callers then
 * print the number, so nothing is ever hidden.
 */
#ifndef SMT_NAMES_H
#define SMT_NAMES_H

#include <stdint.h>

#include "strbuf.h"

const char *errno_name(int e);
/* Human text for an errno ("Bad file descriptor"), NULL if none. */
const char *errno_desc(int e);
/* errno_name() or "ERRNO_<n>" for an unknown one. */
void errno_put(struct strbuf *sb, int e);

/* Name of a single MSG_* bit (bit = 1 << n), NULL if unknown. */
const char *msg_flag_name(uint32_t bit);
/* "MSG_A|MSG_B|0x..." or "0". */
void msg_flags_put(struct strbuf *sb, uint32_t flags);

const char *family_name(unsigned family);
const char *socktype_name(unsigned type);
const char *proto_name(unsigned family, unsigned proto);
/* Short label like "UDP" or "UNIX-DGRAM", NULL when there is none. */
const char *sock_label(unsigned family, unsigned type, unsigned proto);

const char *cmsg_level_name(int level);
const char *cmsg_type_name(int level, int type);

/* SMT_ST_* bit names for JSON ("vectorFault") and text ("vector unreadable"). */
const char *call_status_json(uint32_t bit);
const char *call_status_text(uint32_t bit);
/* SMT_MSG_* bit names for JSON ("nameFault"). */
const char *msg_status_json(uint32_t bit);

/* Index of the lowest set bit; the loops over flag words use it. */
unsigned bit_index(uint32_t bit);

#endif
