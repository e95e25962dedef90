/* SPDX-License-Identifier: GPL-2.0 */
/*
 * addr.h - socket addresses as text: 127.0.0.1:53, [::1]:53,
 * [fe80::1%2]:53, /path, @abstract, (unnamed), family=N:hexbytes.
 */
#ifndef SMT_ADDR_H
#define SMT_ADDR_H

#include <stddef.h>

#include "sendmmsg_trace.h"
#include "strbuf.h"

/*
 * A raw msg_name (struct sockaddr bytes, len of them).  The bytes of a
 * unix path or abstract name are escaped as \xNN for the text output;
 * with raw set they are copied as they are (NULs included), for the JSON
 * output to escape with its own rules.
 */
void addr_sockaddr(struct strbuf *sb, const unsigned char *name, size_t len,
		   int raw);

/* An endpoint of struct smt_sock (port already in host order). */
void addr_inet(struct strbuf *sb, const struct smt_inet_addr *a);

#endif
