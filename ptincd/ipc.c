/*
 * Copyright (c) 2026 The ptinc developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * The two compound encodings of ipc.h, in one place for every process:
 *   addr   = u8 family (0 none, 4, 6), bytes[16], u16 port
 *   subnet = u8 type, u8 prefixlen, u32 weight (int32), bytes[16]
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include "ipc.h"

int
ipc_put_sockaddr(struct ibuf *b, const struct sockaddr_storage *ss,
    socklen_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;
	uint8_t				 a[16], fam = 0;
	uint16_t			 port = 0;

	memset(a, 0, sizeof(a));
	if (ss != NULL && len > 0 && ss->ss_family == AF_INET) {
		fam = 4;
		memcpy(a, &sin->sin_addr, 4);
		port = ntohs(sin->sin_port);
	} else if (ss != NULL && len > 0 && ss->ss_family == AF_INET6) {
		fam = 6;
		memcpy(a, &sin6->sin6_addr, 16);
		port = ntohs(sin6->sin6_port);
	}
	if (ibuf_add_u8(b, fam) == -1 || ibuf_add(b, a, sizeof(a)) == -1 ||
	    ibuf_add_u16(b, port) == -1)
		return -1;
	return 0;
}

/* *len is 0 for "no address". */
int
ipc_get_sockaddr(struct imsg *im, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	uint8_t			 fam, a[16];
	uint16_t		 port;

	if (imsg_get_u8(im, &fam) == -1 ||
	    imsg_get_bytes(im, a, sizeof(a)) == -1 ||
	    imsg_get_u16(im, &port) == -1)
		return -1;
	memset(ss, 0, sizeof(*ss));
	*len = 0;
	switch (fam) {
	case 0:
		return 0;
	case 4:
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a, 4);
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	case 6:
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a, 16);
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	default:
		return -1;
	}
}

int
ipc_put_subnet(struct ibuf *b, const struct subnet *s)
{
	uint8_t	 a[16];

	memset(a, 0, sizeof(a));
	switch (s->type) {
	case SUBNET_MAC:
		memcpy(a, s->net.mac, 6);
		break;
	case SUBNET_IPV4:
		memcpy(a, s->net.ipv4, 4);
		break;
	default:
		memcpy(a, s->net.ipv6, 16);
		break;
	}
	if (ibuf_add_u8(b, (uint8_t)s->type) == -1 ||
	    ibuf_add_u8(b, (uint8_t)s->prefixlen) == -1 ||
	    ibuf_add_u32(b, (uint32_t)s->weight) == -1 ||
	    ibuf_add(b, a, sizeof(a)) == -1)
		return -1;
	return 0;
}

/* Fails on an unknown type or a prefix length the type cannot have. */
int
ipc_get_subnet(struct imsg *im, struct subnet *s)
{
	uint8_t		 type, plen, a[16];
	uint32_t	 w;

	if (imsg_get_u8(im, &type) == -1 || imsg_get_u8(im, &plen) == -1 ||
	    imsg_get_u32(im, &w) == -1 ||
	    imsg_get_bytes(im, a, sizeof(a)) == -1)
		return -1;
	memset(s, 0, sizeof(*s));
	s->weight = (int32_t)w;
	s->prefixlen = plen;
	switch (type) {
	case SUBNET_MAC:
		s->type = SUBNET_MAC;
		memcpy(s->net.mac, a, 6);
		return plen == 48 ? 0 : -1;
	case SUBNET_IPV4:
		s->type = SUBNET_IPV4;
		memcpy(s->net.ipv4, a, 4);
		return plen <= 32 ? 0 : -1;
	case SUBNET_IPV6:
		s->type = SUBNET_IPV6;
		memcpy(s->net.ipv6, a, 16);
		return plen <= 128 ? 0 : -1;
	default:
		return -1;
	}
}
