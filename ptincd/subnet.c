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

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ptinc.h"
#include "subnet.h"

/*
 * The grammar, as 1.0.36 accepts it and 1.1 writes it:
 *
 *	subnet	= address [ "/" prefix ] [ "#" weight ]
 *	address	= mac | ipv4 | ipv6
 *	mac	= 6 groups of 1-4 hex digits, each <= ff, joined by ":"
 *	ipv4	= 4 groups of 1-3 decimal digits, each <= 255, joined by "."
 *	ipv6	= 8 groups of 1-4 hex digits joined by ":", one "::" standing
 *		  for one or more zero groups, the last two groups optionally
 *		  written as a dotted quad
 *	prefix	= decimal digits; none for a MAC, <= 32 or <= 128
 *	weight	= optional sign and decimal digits, within an int
 *
 * tinc reads the groups with sscanf(), which also takes blanks, signs,
 * "0x" and overlong groups; those forms never appear on the wire and are
 * refused here.  A MAC group above ff (tinc keeps its low byte) is refused
 * as the specification recommends.
 */

/* A decimal number making up all of s, optionally signed, within int. */
static int
parse_decimal(const char *s, int allow_sign, int *out)
{
	long long	 v = 0;
	int		 neg = 0;

	if (allow_sign && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > (long long)INT_MAX + 1)
			return -1;
	}
	if (neg)
		v = -v;
	if (v > INT_MAX || v < INT_MIN)
		return -1;
	*out = (int)v;
	return 0;
}

/* 1 to maxdigits hex digits at *sp; advances *sp past them. */
static int
parse_hex_group(const char **sp, int maxdigits, unsigned int *out)
{
	const char	*s = *sp;
	unsigned int	 v = 0;
	int		 n, d;

	for (n = 0; (d = hex_digit((unsigned char)s[n])) != -1; n++) {
		if (n == maxdigits)
			return -1;
		v = v << 4 | (unsigned int)d;
	}
	if (n == 0)
		return -1;
	*sp = s + n;
	*out = v;
	return 0;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int	 v;
	int		 i;

	for (i = 0; i < 6; i++) {
		if (i > 0 && *s++ != ':')
			return -1;
		if (parse_hex_group(&s, 4, &v) == -1 || v > 0xff)
			return -1;
		mac[i] = (uint8_t)v;
	}
	return *s == '\0' ? 0 : -1;
}

static int
parse_ipv4(const char *s, uint8_t addr[4])
{
	unsigned int	 v;
	int		 i, n;

	for (i = 0; i < 4; i++) {
		if (i > 0 && *s++ != '.')
			return -1;
		v = 0;
		for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
			if (n == 3)
				return -1;
			v = v * 10 + (unsigned int)(s[n] - '0');
		}
		if (n == 0 || v > 255)
			return -1;
		addr[i] = (uint8_t)v;
		s += n;
	}
	return *s == '\0' ? 0 : -1;
}

/* A trailing dotted quad inside an IPv6 address: two more groups. */
static int
parse_ipv6_quad(const char *s, uint16_t *groups, int *n)
{
	uint8_t	 quad[4];

	if (*n > 6 || parse_ipv4(s, quad) == -1)
		return -1;
	groups[(*n)++] = (uint16_t)(quad[0] << 8 | quad[1]);
	groups[(*n)++] = (uint16_t)(quad[2] << 8 | quad[3]);
	return 0;
}

static int
parse_ipv6(const char *s, uint8_t addr[16])
{
	uint16_t	 groups[8];
	unsigned int	 v;
	int		 n = 0, gap = -1, i, tail;

	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = 0;
		s += 2;
	}
	while (*s != '\0') {
		if (strchr(s, ':') == NULL && strchr(s, '.') != NULL) {
			if (parse_ipv6_quad(s, groups, &n) == -1)
				return -1;
			break;
		}
		if (n == 8 || parse_hex_group(&s, 4, &v) == -1)
			return -1;
		groups[n++] = (uint16_t)v;
		if (*s == '\0')
			break;
		if (*s++ != ':' || *s == '\0')
			return -1;	/* junk, or a single trailing colon */
		if (*s == ':') {
			if (gap != -1)
				return -1;	/* a second "::" */
			gap = n;
			s++;
		}
	}

	if (gap == -1 && n != 8)
		return -1;
	if (gap != -1) {
		if (n > 7)
			return -1;	/* "::" must stand for a group */
		tail = n - gap;
		memmove(&groups[8 - tail], &groups[gap],
		    (size_t)tail * sizeof(groups[0]));
		for (i = gap; i < 8 - tail; i++)
			groups[i] = 0;
	}
	for (i = 0; i < 8; i++) {
		addr[2 * i] = (uint8_t)(groups[i] >> 8);
		addr[2 * i + 1] = (uint8_t)(groups[i] & 0xff);
	}
	return 0;
}

int
subnet_parse(const char *str, struct subnet *out)
{
	char		 buf[SUBNET_MAX_INPUT + 1];
	char		*p;
	struct subnet	 s;
	int		 weight = SUBNET_DEFAULT_WEIGHT, prefixlen = -1;

	if (strlcpy(buf, str, sizeof(buf)) >= sizeof(buf))
		return -1;
	memset(&s, 0, sizeof(s));

	if ((p = strchr(buf, '#')) != NULL) {
		*p++ = '\0';
		if (parse_decimal(p, 1, &weight) == -1)
			return -1;
	}
	if ((p = strchr(buf, '/')) != NULL) {
		*p++ = '\0';
		if (parse_decimal(p, 0, &prefixlen) == -1)
			return -1;
	}

	if (parse_mac(buf, s.net.mac) == 0) {
		if (prefixlen != -1)
			return -1;
		s.type = SUBNET_MAC;
		s.prefixlen = 48;
	} else if (parse_ipv4(buf, s.net.ipv4) == 0) {
		if (prefixlen > 32)
			return -1;
		s.type = SUBNET_IPV4;
		s.prefixlen = prefixlen == -1 ? 32 : prefixlen;
	} else if (parse_ipv6(buf, s.net.ipv6) == 0) {
		if (prefixlen > 128)
			return -1;
		s.type = SUBNET_IPV6;
		s.prefixlen = prefixlen == -1 ? 128 : prefixlen;
	} else
		return -1;

	s.weight = weight;
	*out = s;
	return 0;
}

/* Compare the first bits bits of a and b; memcmp-like result. */
static int
prefix_cmp(const uint8_t *a, const uint8_t *b, int bits)
{
	int	 bytes = bits / 8, rest = bits % 8, r;
	uint8_t	 mask;

	if (bytes > 0 && (r = memcmp(a, b, (size_t)bytes)) != 0)
		return r;
	if (rest == 0)
		return 0;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) - (b[bytes] & mask);
}

/* Are all bits from bit "bits" on zero? */
static int
host_bits_zero(const uint8_t *a, size_t len, int bits)
{
	size_t	 i = (size_t)bits / 8;
	int	 rest = bits % 8;

	if (rest != 0) {
		if ((a[i] & (0xff >> rest)) != 0)
			return 0;
		i++;
	}
	for (; i < len; i++)
		if (a[i] != 0)
			return 0;
	return 1;
}

int
subnet_check_config(const struct subnet *s)
{
	switch (s->type) {
	case SUBNET_IPV4:
		return host_bits_zero(s->net.ipv4, 4, s->prefixlen) ? 0 : -1;
	case SUBNET_IPV6:
		return host_bits_zero(s->net.ipv6, 16, s->prefixlen) ? 0 : -1;
	case SUBNET_MAC:
		return 0;
	}
	return -1;
}

size_t
subnet_format(const struct subnet *s, char *buf, size_t len, int with_weight)
{
	const uint8_t	*a;
	char		 addr[SUBNET_STRLEN], weight[16] = "";
	int		 r = -1;

	if (with_weight)
		snprintf(weight, sizeof(weight), "#%d", s->weight);

	switch (s->type) {
	case SUBNET_MAC:
		a = s->net.mac;
		r = snprintf(addr, sizeof(addr), "%x:%x:%x:%x:%x:%x",
		    a[0], a[1], a[2], a[3], a[4], a[5]);
		break;
	case SUBNET_IPV4:
		a = s->net.ipv4;
		r = snprintf(addr, sizeof(addr), "%u.%u.%u.%u/%d",
		    a[0], a[1], a[2], a[3], s->prefixlen);
		break;
	case SUBNET_IPV6:
		a = s->net.ipv6;
		r = snprintf(addr, sizeof(addr), "%x:%x:%x:%x:%x:%x:%x:%x/%d",
		    a[0] << 8 | a[1], a[2] << 8 | a[3], a[4] << 8 | a[5],
		    a[6] << 8 | a[7], a[8] << 8 | a[9], a[10] << 8 | a[11],
		    a[12] << 8 | a[13], a[14] << 8 | a[15], s->prefixlen);
		break;
	}
	if (r < 0)
		addr[0] = '\0';

	r = snprintf(buf, len, "%s%s", addr, weight);
	return r < 0 ? 0 : (size_t)r;
}

static const uint8_t *
subnet_addr(const struct subnet *s, size_t *len)
{
	switch (s->type) {
	case SUBNET_MAC:
		*len = sizeof(s->net.mac);
		return s->net.mac;
	case SUBNET_IPV4:
		*len = sizeof(s->net.ipv4);
		return s->net.ipv4;
	case SUBNET_IPV6:
		break;
	}
	*len = sizeof(s->net.ipv6);
	return s->net.ipv6;
}

int
subnet_cmp(const struct subnet *a, const struct subnet *b)
{
	const uint8_t	*aa, *ba;
	size_t		 len;
	int		 r;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->prefixlen != b->prefixlen)
		return a->prefixlen > b->prefixlen ? -1 : 1;
	aa = subnet_addr(a, &len);
	ba = subnet_addr(b, &len);
	if ((r = memcmp(aa, ba, len)) != 0)
		return r < 0 ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight < b->weight ? -1 : 1;
	return 0;
}

int
subnet_contains_mac(const struct subnet *s, const uint8_t mac[6])
{
	return s->type == SUBNET_MAC &&
	    memcmp(s->net.mac, mac, sizeof(s->net.mac)) == 0;
}

int
subnet_contains_v4(const struct subnet *s, const uint8_t addr[4])
{
	return s->type == SUBNET_IPV4 &&
	    prefix_cmp(s->net.ipv4, addr, s->prefixlen) == 0;
}

int
subnet_contains_v6(const struct subnet *s, const uint8_t addr[16])
{
	return s->type == SUBNET_IPV6 &&
	    prefix_cmp(s->net.ipv6, addr, s->prefixlen) == 0;
}
