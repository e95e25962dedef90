// SPDX-License-Identifier: GPL-2.0
/* addr.c - socket address formatting (see addr.h). */
#include "addr.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "escape.h"

#define FAM_UNIX  1
#define FAM_INET  2
#define FAM_INET6 10

static void put_ip_port(struct strbuf *sb, int family, const void *ip,
			unsigned port, uint32_t scope)
{
	char txt[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, ip, txt, sizeof(txt)))
		strcpy(txt, "?");
	if (family == AF_INET) {
		sb_printf(sb, "%s:%u", txt, port);
		return;
	}
	sb_printf(sb, "[%s", txt);
	if (scope)
		sb_printf(sb, "%%%u", scope);
	sb_printf(sb, "]:%u", port);
}

static void put_hex(struct strbuf *sb, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_printf(sb, "%02x", p[i]);
}

/* Families we cannot decode, or names too short for theirs. */
static void put_other(struct strbuf *sb, unsigned family,
		      const unsigned char *name, size_t len)
{
	sb_printf(sb, "family=%u:", family);
	put_hex(sb, name + 2, len - 2);
}

/*
 * sun_path: a path ends at its first NUL; an abstract name starts with a
 * NUL and is exactly the remaining bytes; no path at all is unnamed.
 */
static void put_path(struct strbuf *sb, const unsigned char *p, size_t n,
		     int raw)
{
	if (raw)
		sb_putn(sb, (const char *)p, n);
	else
		esc_text(sb, p, n);
}

static void put_unix(struct strbuf *sb, const unsigned char *name, size_t len,
		     int raw)
{
	const unsigned char *path = name + 2;
	size_t n = len - 2;

	if (n == 0) {
		sb_puts(sb, "(unnamed)");
	} else if (path[0] == '\0') {
		sb_putc(sb, '@');
		put_path(sb, path + 1, n - 1, raw);
	} else {
		const unsigned char *z = memchr(path, '\0', n);

		put_path(sb, path, z ? (size_t)(z - path) : n, raw);
	}
}

void addr_sockaddr(struct strbuf *sb, const unsigned char *name, size_t len,
		   int raw)
{
	uint16_t family, port_be;
	uint32_t scope = 0;

	if (len < 2) {
		sb_putc(sb, '?');
		return;
	}
	memcpy(&family, name, 2);
	if (family == FAM_UNIX) {
		put_unix(sb, name, len, raw);
		return;
	}
	memcpy(&port_be, name + 2, 2);
	/* sockaddr_in: family, port, 4-byte address. */
	if (family == FAM_INET && len >= 8) {
		put_ip_port(sb, AF_INET, name + 4, ntohs(port_be), 0);
		return;
	}
	/* sockaddr_in6: family, port, flowinfo, 16-byte address, scope. */
	if (family == FAM_INET6 && len >= 24) {
		if (len >= 28)
			memcpy(&scope, name + 24, 4);
		put_ip_port(sb, AF_INET6, name + 8, ntohs(port_be), scope);
		return;
	}
	put_other(sb, family, name, len);
}

void addr_inet(struct strbuf *sb, const struct smt_inet_addr *a)
{
	if (a->family == FAM_INET)
		put_ip_port(sb, AF_INET, a->addr, a->port, 0);
	else if (a->family == FAM_INET6)
		put_ip_port(sb, AF_INET6, a->addr, a->port, a->scope_id);
	else
		sb_printf(sb, "family=%u", a->family);
}
