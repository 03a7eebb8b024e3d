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

#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet_frame.h"

/* ---- independent helpers ------------------------------------------------ */

/* Internet checksum, written byte by byte (not the code under test). */
static uint16_t
ref_sum(const uint8_t *p, size_t len, uint64_t acc)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		acc += (i % 2 == 0) ? (uint64_t)p[i] * 256 : p[i];
	while (acc > 0xffff)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)(~acc & 0xffff);
}

/* checksum of an ICMPv6/TCP-over-v6 message with its pseudo header */
static uint16_t
ref_sum6(const uint8_t *src, const uint8_t *dst, uint8_t nh,
    const uint8_t *msg, size_t len)
{
	uint8_t		 ph[40];
	uint64_t	 acc = 0;
	size_t		 i;

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (len >> 24) & 0xff;
	ph[33] = (len >> 16) & 0xff;
	ph[34] = (len >> 8) & 0xff;
	ph[35] = len & 0xff;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = nh;
	for (i = 0; i < 40; i++)
		acc += (i % 2 == 0) ? (uint64_t)ph[i] * 256 : ph[i];
	return ref_sum(msg, len, acc);
}

static uint16_t
ref_sum4(const uint8_t *src, const uint8_t *dst, uint8_t proto,
    const uint8_t *msg, size_t len)
{
	uint8_t	 ph[12];

	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (len >> 8) & 0xff;
	ph[11] = len & 0xff;
	return ref_sum(msg, len, (uint64_t)(uint16_t)~ref_sum(ph, 12, 0));
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t ip_a[4] = { 10, 1, 0, 1 };
static const uint8_t ip_b[4] = { 10, 2, 0, 7 };
static uint8_t ip6_a[16], ip6_b[16];

static void
setup6(void)
{
	inet_pton(AF_INET6, "fd00:1::1", ip6_a);
	inet_pton(AF_INET6, "fd00:2::7", ip6_b);
}

/* Ethernet + IPv4 (IHL 5) + payload pattern; total frame length len. */
static void
mk_ipv4(uint8_t *f, size_t len, uint8_t proto, uint8_t ttl)
{
	size_t	 i;

	memset(f, 0, len);
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	wr16(f + 12, 0x0800);
	f[14] = 0x45;
	f[15] = 0x10;
	wr16(f + 16, (uint16_t)(len - 14));
	wr16(f + 18, 0x1234);
	f[22] = ttl;
	f[23] = proto;
	memcpy(f + 26, ip_a, 4);
	memcpy(f + 30, ip_b, 4);
	for (i = 34; i < len; i++)
		f[i] = (uint8_t)(i * 7);
	wr16(f + 24, ref_sum(f + 14, 20, 0));
}

static void
mk_ipv6(uint8_t *f, size_t len, uint8_t nh, uint8_t hlim)
{
	size_t	 i;

	memset(f, 0, len);
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	wr16(f + 12, 0x86dd);
	f[14] = 0x6a;		/* traffic class 0xa5 */
	f[15] = 0x50;
	wr16(f + 18, (uint16_t)(len - 54));
	f[20] = nh;
	f[21] = hlim;
	memcpy(f + 22, ip6_a, 16);
	memcpy(f + 38, ip6_b, 16);
	for (i = 54; i < len; i++)
		f[i] = (uint8_t)(i * 3);
}

/* ---- subnet table ------------------------------------------------------- */

static uint32_t	 down_owner = 0;
static int	 all_down = 0;

static int
is_up(uint32_t owner, void *arg)
{
	(void)arg;
	return !all_down && owner != down_owner;
}

static uint32_t
look4(struct route_table *t, const char *addr)
{
	uint8_t		 a[4];
	uint32_t	 o = 0;

	ck_assert_int_eq(inet_pton(AF_INET, addr, a), 1);
	if (route_lookup_v4(t, a, is_up, NULL, &o) == -1)
		return 0;
	return o;
}

static uint32_t
look6(struct route_table *t, const char *addr)
{
	uint8_t		 a[16];
	uint32_t	 o = 0;

	ck_assert_int_eq(inet_pton(AF_INET6, addr, a), 1);
	if (route_lookup_v6(t, a, is_up, NULL, &o) == -1)
		return 0;
	return o;
}

static int
add4(struct route_table *t, const char *addr, int prefix, int weight,
    uint32_t owner, const char *name)
{
	uint8_t	 a[4];

	ck_assert_int_eq(inet_pton(AF_INET, addr, a), 1);
	return route_add_v4(t, a, prefix, weight, owner, name);
}

static int
add6(struct route_table *t, const char *addr, int prefix, int weight,
    uint32_t owner)
{
	uint8_t	 a[16];

	ck_assert_int_eq(inet_pton(AF_INET6, addr, a), 1);
	return route_add_v6(t, a, prefix, weight, owner, NULL);
}

START_TEST(test_lookup_v4)
{
	struct route_table	 t;
	uint8_t			 a[4];

	route_table_init(&t, 0);
	down_owner = 0;
	all_down = 0;
	ck_assert_uint_eq(look4(&t, "10.1.2.3"), 0);
	ck_assert_int_eq(add4(&t, "10.0.0.0", 8, 10, 1, "one"), 0);
	ck_assert_int_eq(add4(&t, "10.1.0.0", 16, 10, 2, "two"), 0);
	ck_assert_int_eq(add4(&t, "10.1.2.3", 32, 10, 3, "three"), 0);
	ck_assert_int_eq(add4(&t, "10.1.128.0", 17, 10, 5, "five"), 0);
	ck_assert_uint_eq(look4(&t, "10.1.2.3"), 3);
	ck_assert_uint_eq(look4(&t, "10.1.2.4"), 2);
	ck_assert_uint_eq(look4(&t, "10.1.127.255"), 2);
	ck_assert_uint_eq(look4(&t, "10.1.128.0"), 5);
	ck_assert_uint_eq(look4(&t, "10.9.9.9"), 1);
	ck_assert_uint_eq(look4(&t, "11.0.0.1"), 0);
	ck_assert_int_eq(add4(&t, "0.0.0.0", 0, 10, 4, "four"), 0);
	ck_assert_uint_eq(look4(&t, "11.0.0.1"), 4);

	/* an unreachable owner is passed over ... */
	down_owner = 3;
	ck_assert_uint_eq(look4(&t, "10.1.2.3"), 2);
	/* ... unless nobody is reachable: then the last match (spec 12.3) */
	all_down = 1;
	ck_assert_uint_eq(look4(&t, "10.1.2.3"), 4);
	all_down = 0;
	down_owner = 0;

	/* duplicates, deletion */
	errno = 0;
	ck_assert_int_eq(add4(&t, "10.1.0.0", 16, 10, 2, "two"), -1);
	ck_assert_int_eq(errno, EEXIST);
	inet_pton(AF_INET, "10.1.2.3", a);
	ck_assert_int_eq(route_del_v4(&t, a, 32, 11, 3), -1);	/* weight */
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(route_del_v4(&t, a, 32, 10, 3), 0);
	ck_assert_int_eq(route_del_v4(&t, a, 32, 10, 3), -1);
	ck_assert_uint_eq(look4(&t, "10.1.2.3"), 2);
	ck_assert_uint_eq(route_del_owner(&t, 2), 1);
	ck_assert_uint_eq(look4(&t, "10.1.2.3"), 1);
	ck_assert_uint_eq(t.count, 3);

	/* bad prefixes */
	errno = 0;
	ck_assert_int_eq(add4(&t, "10.0.0.0", 33, 10, 9, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(add4(&t, "10.0.0.0", -1, 10, 9, NULL), -1);
	route_table_free(&t);
}
END_TEST

START_TEST(test_lookup_order)
{
	struct route_table	 t;

	route_table_init(&t, 0);
	down_owner = 0;
	all_down = 0;
	/* same subnet: lower weight wins */
	ck_assert_int_eq(add4(&t, "192.168.1.0", 24, 10, 5, "e"), 0);
	ck_assert_int_eq(add4(&t, "192.168.1.0", 24, 5, 6, "f"), 0);
	ck_assert_uint_eq(look4(&t, "192.168.1.9"), 6);
	down_owner = 6;
	ck_assert_uint_eq(look4(&t, "192.168.1.9"), 5);
	down_owner = 0;

	/* same subnet and weight: owner name order, not id */
	ck_assert_int_eq(add4(&t, "172.16.0.0", 12, 10, 7, "zed"), 0);
	ck_assert_int_eq(add4(&t, "172.16.0.0", 12, 10, 8, "adam"), 0);
	ck_assert_uint_eq(look4(&t, "172.20.0.1"), 8);
	all_down = 1;			/* last match: zed */
	ck_assert_uint_eq(look4(&t, "172.20.0.1"), 7);
	all_down = 0;

	/* host bits beyond the prefix do not matter for matching */
	ck_assert_int_eq(add4(&t, "10.9.9.99", 24, 10, 11, "k"), 0);
	ck_assert_uint_eq(look4(&t, "10.9.9.5"), 11);
	ck_assert_uint_eq(look4(&t, "10.9.8.5"), 0);
	/* two such entries of one network: ordered by address bytes */
	ck_assert_int_eq(add4(&t, "10.9.9.1", 24, 10, 12, "l"), 0);
	ck_assert_uint_eq(look4(&t, "10.9.9.5"), 12);
	route_table_free(&t);
}
END_TEST

START_TEST(test_lookup_v6)
{
	struct route_table	 t;

	setup6();
	route_table_init(&t, 0);
	down_owner = 0;
	all_down = 0;
	ck_assert_int_eq(add6(&t, "fd00::", 64, 10, 1), 0);
	ck_assert_int_eq(add6(&t, "fd00::1", 128, 10, 2), 0);
	ck_assert_int_eq(add6(&t, "fd00:0:0:0:8000::", 65, 10, 3), 0);
	ck_assert_int_eq(add6(&t, "fd00::", 8, 10, 4), 0);
	ck_assert_uint_eq(look6(&t, "fd00::1"), 2);
	ck_assert_uint_eq(look6(&t, "fd00::2"), 1);
	ck_assert_uint_eq(look6(&t, "fd00::8000:0:0:1"), 3);
	ck_assert_uint_eq(look6(&t, "fd00::7fff:0:0:1"), 1);
	ck_assert_uint_eq(look6(&t, "fd99::1"), 4);
	ck_assert_uint_eq(look6(&t, "fe80::1"), 0);
	ck_assert_int_eq(add6(&t, "::", 0, 10, 5), 0);
	ck_assert_uint_eq(look6(&t, "fe80::1"), 5);
	errno = 0;
	ck_assert_int_eq(add6(&t, "::", 129, 10, 5), -1);
	ck_assert_int_eq(errno, EINVAL);
	route_table_free(&t);
}
END_TEST

START_TEST(test_lookup_mac)
{
	struct route_table	 t;
	uint8_t			 m[6] = { 0x02, 0, 0, 0, 0, 0x0c };
	uint32_t		 o;

	route_table_init(&t, 0);
	ck_assert_int_eq(route_add_mac(&t, mac_a, 10, 1, "a"), 0);
	ck_assert_int_eq(route_add_mac(&t, mac_b, 10, 2, "b"), 0);
	ck_assert_int_eq(route_add_mac(&t, mac_b, 10, 3, "c"), 0);
	ck_assert_int_eq(route_lookup_mac(&t, mac_a, NULL, NULL, &o), 0);
	ck_assert_uint_eq(o, 1);
	ck_assert_int_eq(route_lookup_mac(&t, mac_b, NULL, NULL, &o), 0);
	ck_assert_uint_eq(o, 2);
	down_owner = 2;
	all_down = 0;
	ck_assert_int_eq(route_lookup_mac(&t, mac_b, is_up, NULL, &o), 0);
	ck_assert_uint_eq(o, 3);
	down_owner = 0;
	ck_assert_int_eq(route_lookup_mac(&t, m, NULL, NULL, &o), -1);
	ck_assert_int_eq(route_del_mac(&t, mac_b, 10, 2), 0);
	ck_assert_int_eq(route_lookup_mac(&t, mac_b, NULL, NULL, &o), 0);
	ck_assert_uint_eq(o, 3);
	route_table_free(&t);
}
END_TEST

START_TEST(test_table_bound)
{
	struct route_table	 t;
	uint8_t			 a[4] = { 10, 0, 0, 0 };
	int			 i;

	route_table_init(&t, 100);
	for (i = 0; i < 100; i++) {
		a[2] = (uint8_t)i;
		ck_assert_int_eq(route_add_v4(&t, a, 24, 10, 1, "x"), 0);
	}
	errno = 0;
	a[2] = 200;
	ck_assert_int_eq(route_add_v4(&t, a, 24, 10, 1, "x"), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(route_add_mac(&t, mac_a, 10, 1, "x"), -1);
	a[2] = 50;
	ck_assert_int_eq(route_del_v4(&t, a, 24, 10, 1), 0);
	ck_assert_int_eq(route_add_mac(&t, mac_a, 10, 1, "x"), 0);
	route_table_free(&t);
}
END_TEST

/* ---- classification ----------------------------------------------------- */

START_TEST(test_parse)
{
	uint8_t			 f[200];
	struct frame_info	 fi;

	setup6();
	ck_assert_int_eq(route_parse(f, 13, &fi), -1);
	ck_assert_int_eq(route_parse(f, 0, &fi), -1);

	mk_ipv4(f, 60, 17, 64);
	ck_assert_int_eq(route_parse(f, 60, &fi), 0);
	ck_assert_int_eq(fi.type, FRAME_IPV4);
	ck_assert_mem_eq(fi.dst, ip_b, 4);
	ck_assert_int_eq(fi.broadcast, 0);
	ck_assert_int_eq(fi.priority, 0x10);
	ck_assert_int_eq(fi.df, 0);
	ck_assert_int_eq(route_parse(f, 33, &fi), -1);
	f[20] = 0x40;
	ck_assert_int_eq(route_parse(f, 60, &fi), 0);
	ck_assert_int_eq(fi.df, 1);
	f[30] = 224;
	route_parse(f, 60, &fi);
	ck_assert_int_eq(fi.broadcast, 1);
	f[30] = 239;
	route_parse(f, 60, &fi);
	ck_assert_int_eq(fi.broadcast, 1);
	f[30] = 240;
	route_parse(f, 60, &fi);
	ck_assert_int_eq(fi.broadcast, 0);
	memset(f + 30, 0xff, 4);
	route_parse(f, 60, &fi);
	ck_assert_int_eq(fi.broadcast, 1);
	f[14] = 0x44;			/* IHL 4 */
	ck_assert_int_eq(route_parse(f, 60, &fi), -1);
	f[14] = 0x4f;			/* 60-byte header in a 40-byte frame */
	ck_assert_int_eq(route_parse(f, 40, &fi), -1);
	f[14] = 0x65;			/* wrong version */
	ck_assert_int_eq(route_parse(f, 60, &fi), -1);

	mk_ipv6(f, 100, 17, 64);
	ck_assert_int_eq(route_parse(f, 100, &fi), 0);
	ck_assert_int_eq(fi.type, FRAME_IPV6);
	ck_assert_mem_eq(fi.dst, ip6_b, 16);
	ck_assert_int_eq(fi.priority, 0xa5);
	ck_assert_int_eq(fi.broadcast, 0);
	ck_assert_int_eq(fi.ns, 0);
	ck_assert_int_eq(route_parse(f, 53, &fi), -1);
	f[38] = 0xff;
	route_parse(f, 100, &fi);
	ck_assert_int_eq(fi.broadcast, 1);
	f[20] = 58;
	f[54] = 135;
	route_parse(f, 100, &fi);
	ck_assert_int_eq(fi.ns, 1);
	route_parse(f, 61, &fi);
	ck_assert_int_eq(fi.ns, 0);

	wr16(f + 12, 0x0806);
	ck_assert_int_eq(route_parse(f, 14, &fi), 0);
	ck_assert_int_eq(fi.type, FRAME_ARP);
	wr16(f + 12, 0x88b5);
	ck_assert_int_eq(route_parse(f, 14, &fi), 0);
	ck_assert_int_eq(fi.type, FRAME_OTHER);

	f[0] = 0x01;
	ck_assert(route_eth_multicast(f, 14));
	f[0] = 0xff;
	ck_assert(route_eth_multicast(f, 14));
	ck_assert(!route_eth_multicast(f, 13));
	f[0] = 0x02;
	ck_assert(!route_eth_multicast(f, 14));
}
END_TEST

/* ---- ARP ---------------------------------------------------------------- */

START_TEST(test_arp_reply)
{
	/* who-has 10.2.0.7 tell 10.1.0.1, from 02:00:00:00:00:0a, padded */
	uint8_t f[60] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 10, 1, 0, 1,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 10, 2, 0, 7,
	};
	static const uint8_t want[42] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x02, 0x00, 0x00, 0x00, 0x00, 0xf5,
		0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
		0x02, 0x00, 0x00, 0x00, 0x00, 0xf5, 10, 2, 0, 7,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 10, 1, 0, 1,
	};
	uint8_t	 target[4], g[60], h[60];
	int	 i;

	ck_assert_int_eq(route_arp_request(f, 60, target), 0);
	ck_assert_mem_eq(target, ip_b, 4);
	ck_assert_int_eq(route_arp_request(f, 41, target), -1);

	/* not a request, wrong sizes or protocol */
	for (i = 14; i < 22; i++) {
		memcpy(g, f, sizeof(g));
		g[i] ^= 0x01;
		ck_assert_int_eq(route_arp_request(g, 60, target), -1);
		memcpy(h, g, sizeof(h));
		ck_assert_int_eq(route_arp_reply(g, 60), -1);
		ck_assert_mem_eq(g, h, sizeof(h));
	}

	ck_assert_int_eq(route_arp_reply(f, 60), 0);
	ck_assert_mem_eq(f, want, 42);
	/* a reply is not a request any more */
	ck_assert_int_eq(route_arp_reply(f, 60), -1);
}
END_TEST

/* ---- neighbour discovery ------------------------------------------------ */

/* A solicitation for fd00:2::7 from fd00:1::1, with or without option. */
static size_t
mk_ns(uint8_t *f, int withopt)
{
	uint8_t	 sn[16];
	size_t	 icmplen = withopt ? 32 : 24;

	inet_pton(AF_INET6, "ff02::1:ff00:7", sn);
	memset(f, 0, 86);
	f[0] = 0x33; f[1] = 0x33; f[2] = 0xff; f[3] = 0x00; f[4] = 0x00;
	f[5] = 0x07;
	memcpy(f + 6, mac_a, 6);
	wr16(f + 12, 0x86dd);
	f[14] = 0x60;
	wr16(f + 18, (uint16_t)icmplen);
	f[20] = 58;
	f[21] = 255;
	memcpy(f + 22, ip6_a, 16);
	memcpy(f + 38, sn, 16);
	f[54] = 135;
	memcpy(f + 62, ip6_b, 16);
	if (withopt) {
		f[78] = 1;
		f[79] = 1;
		memcpy(f + 80, mac_a, 6);
	}
	wr16(f + 56, ref_sum6(f + 22, f + 38, 58, f + 54, icmplen));
	return 54 + icmplen;
}

START_TEST(test_ns_advert)
{
	uint8_t	 f[86], g[86], target[16], fake[6];
	size_t	 len;
	int	 opt;

	setup6();
	memcpy(fake, mac_a, 6);
	fake[5] ^= 0xff;
	for (opt = 0; opt <= 1; opt++) {
		len = mk_ns(f, opt);
		ck_assert_int_eq(route_ns_request(f, len, target), 0);
		ck_assert_mem_eq(target, ip6_b, 16);
		ck_assert_int_eq(route_ns_request(f, 77, target), -1);

		/* bad checksum */
		memcpy(g, f, len);
		g[57] ^= 0x10;
		ck_assert_int_eq(route_ns_request(g, len, target), -1);
		ck_assert_int_eq(route_ns_advert(g, len), -1);
		/* not a solicitation */
		memcpy(g, f, len);
		g[54] = 136;
		ck_assert_int_eq(route_ns_request(g, len, target), -1);

		ck_assert_int_eq(route_ns_advert(f, len), 0);
		ck_assert_mem_eq(f, mac_a, 6);
		ck_assert_mem_eq(f + 6, fake, 6);
		ck_assert_int_eq(rd16(f + 12), 0x86dd);
		ck_assert_int_eq(rd16(f + 18), opt ? 32 : 24);
		ck_assert_int_eq(f[21], 255);
		ck_assert_mem_eq(f + 22, ip6_b, 16);	/* from the target */
		ck_assert_mem_eq(f + 38, ip6_a, 16);	/* to the asker */
		ck_assert_int_eq(f[54], 136);
		ck_assert_int_eq(f[55], 0);
		ck_assert_int_eq(f[58], 0x40);
		ck_assert_int_eq(f[59] | f[60] | f[61], 0);
		ck_assert_mem_eq(f + 62, ip6_b, 16);
		if (opt) {
			ck_assert_int_eq(f[78], 2);
			ck_assert_int_eq(f[79], 1);
			ck_assert_mem_eq(f + 80, fake, 6);
		}
		ck_assert_uint_eq(ref_sum6(f + 22, f + 38, 58, f + 54, len - 54),
		    0);
	}

	/* an option of another type is refused */
	len = mk_ns(f, 1);
	f[78] = 14;
	wr16(f + 56, 0);
	wr16(f + 56, ref_sum6(f + 22, f + 38, 58, f + 54, 32));
	ck_assert_int_eq(route_ns_request(f, len, target), -1);
}
END_TEST

/* ---- ICMP --------------------------------------------------------------- */

START_TEST(test_icmp4)
{
	uint8_t	 in[1200], out[700], big[1600];
	size_t	 n;

	mk_ipv4(in, 1000, 17, 64);
	n = route_icmp4(in, 1000, out, sizeof(out), ICMP4_DEST_UNREACH,
	    ICMP4_NET_UNKNOWN, 1437, NULL);
	ck_assert_uint_eq(n, 14 + 20 + 8 + 548);
	ck_assert_mem_eq(out, mac_a, 6);
	ck_assert_mem_eq(out + 6, mac_b, 6);
	ck_assert_int_eq(rd16(out + 12), 0x0800);
	ck_assert_int_eq(out[14], 0x45);
	ck_assert_int_eq(out[15], 0);
	ck_assert_int_eq(rd16(out + 16), 20 + 8 + 548);
	ck_assert_int_eq(rd16(out + 18), 0);
	ck_assert_int_eq(rd16(out + 20), 0);
	ck_assert_int_eq(out[22], 255);
	ck_assert_int_eq(out[23], 1);
	ck_assert_mem_eq(out + 26, ip_b, 4);	/* from the original dst */
	ck_assert_mem_eq(out + 30, ip_a, 4);
	ck_assert_uint_eq(ref_sum(out + 14, 20, 0), 0);
	ck_assert_int_eq(out[34], 3);
	ck_assert_int_eq(out[35], 6);
	ck_assert_int_eq(rd16(out + 38) | rd16(out + 40), 0);	/* no mtu */
	ck_assert_uint_eq(ref_sum(out + 34, 8 + 548, 0), 0);
	ck_assert_mem_eq(out + 42, in + 14, 548);

	/* frag needed carries the mtu; a given source address is used */
	n = route_icmp4(in, 1000, out, sizeof(out), ICMP4_DEST_UNREACH,
	    ICMP4_FRAG_NEEDED, 1437, ip_a);
	ck_assert_int_eq(rd16(out + 40), 1437);
	ck_assert_mem_eq(out + 26, ip_a, 4);
	ck_assert_uint_eq(ref_sum(out + 14, 20, 0), 0);
	ck_assert_uint_eq(ref_sum(out + 34, n - 34, 0), 0);

	/* short original: quoted whole; in place */
	mk_ipv4(in, 60, 6, 64);
	memcpy(big, in, 60);
	n = route_icmp4(in, 60, in, sizeof(in), ICMP4_TIME_EXCEEDED,
	    ICMP4_EXC_TTL, 0, NULL);
	ck_assert_uint_eq(n, 14 + 28 + 46);
	ck_assert_mem_eq(in + 42, big + 14, 46);
	ck_assert_int_eq(in[34], 11);
	ck_assert_uint_eq(ref_sum(in + 14, 20, 0), 0);
	ck_assert_uint_eq(ref_sum(in + 34, n - 34, 0), 0);

	/* full-size frame in place in a 1600-byte buffer */
	mk_ipv4(big, 1518, 17, 64);
	memcpy(in, big, 600);
	n = route_icmp4(big, 1518, big, sizeof(big), 3, 0, 0, NULL);
	ck_assert_uint_eq(n, 590);
	ck_assert_mem_eq(big + 42, in + 14, 548);

	/* refusals */
	ck_assert_uint_eq(route_icmp4(in, 33, out, sizeof(out), 3, 0, 0, NULL),
	    0);
	mk_ipv4(in, 1000, 17, 64);
	ck_assert_uint_eq(route_icmp4(in, 1000, out, 589, 3, 0, 0, NULL), 0);
	mk_ipv6(in, 100, 17, 64);
	ck_assert_uint_eq(route_icmp4(in, 100, out, sizeof(out), 3, 0, 0,
	    NULL), 0);
}
END_TEST

START_TEST(test_icmp6)
{
	uint8_t	 in[1200], out[700];
	size_t	 n;

	setup6();
	mk_ipv6(in, 1200, 17, 64);
	n = route_icmp6(in, 1200, out, sizeof(out), ICMP6_PACKET_TOO_BIG, 0,
	    1280, NULL);
	ck_assert_uint_eq(n, 14 + 40 + 8 + 528);
	ck_assert_mem_eq(out, mac_a, 6);
	ck_assert_mem_eq(out + 6, mac_b, 6);
	ck_assert_int_eq(out[14], 0x60);
	ck_assert_int_eq(out[15] | out[16] | out[17], 0);
	ck_assert_int_eq(rd16(out + 18), 8 + 528);
	ck_assert_int_eq(out[20], 58);
	ck_assert_int_eq(out[21], 255);
	ck_assert_mem_eq(out + 22, ip6_b, 16);
	ck_assert_mem_eq(out + 38, ip6_a, 16);
	ck_assert_int_eq(out[54], 2);
	ck_assert_int_eq(out[55], 0);
	ck_assert_int_eq(rd16(out + 58), 0);
	ck_assert_int_eq(rd16(out + 60), 1280);
	ck_assert_mem_eq(out + 62, in + 14, 528);
	ck_assert_uint_eq(ref_sum6(out + 22, out + 38, 58, out + 54, 8 + 528),
	    0);

	n = route_icmp6(in, 100, out, sizeof(out), ICMP6_DST_UNREACH,
	    ICMP6_DST_ADDR, 1280, ip6_a);
	ck_assert_uint_eq(n, 14 + 48 + 86);
	ck_assert_int_eq(out[54], 1);
	ck_assert_int_eq(out[55], 3);
	ck_assert_int_eq(rd16(out + 60), 0);	/* no mtu here */
	ck_assert_mem_eq(out + 22, ip6_a, 16);
	ck_assert_uint_eq(ref_sum6(out + 22, out + 38, 58, out + 54, n - 54),
	    0);

	ck_assert_uint_eq(route_icmp6(in, 53, out, sizeof(out), 1, 0, 0, NULL),
	    0);
	mk_ipv4(in, 100, 17, 64);
	ck_assert_uint_eq(route_icmp6(in, 100, out, sizeof(out), 1, 0, 0,
	    NULL), 0);
}
END_TEST

START_TEST(test_ratelimit)
{
	struct route_ratelimit	 rl;

	memset(&rl, 0, sizeof(rl));
	ck_assert(route_icmp_allowed(&rl, 1000));
	ck_assert(route_icmp_allowed(&rl, 1000));
	ck_assert(route_icmp_allowed(&rl, 1000));
	ck_assert(!route_icmp_allowed(&rl, 1000));
	ck_assert(!route_icmp_allowed(&rl, 1000));
	ck_assert(route_icmp_allowed(&rl, 1001));
	ck_assert(route_icmp_allowed(&rl, 1001));
	ck_assert(route_icmp_allowed(&rl, 1001));
	ck_assert(!route_icmp_allowed(&rl, 1001));
	ck_assert(route_icmp_allowed(&rl, 1005));
}
END_TEST

/* ---- DecrementTTL ------------------------------------------------------- */

START_TEST(test_ttl)
{
	uint8_t	 f[200], v[204];
	int	 ttl;

	setup6();
	/* every TTL value keeps a valid header checksum */
	for (ttl = 2; ttl <= 255; ttl++) {
		mk_ipv4(f, 100, 17, (uint8_t)ttl);
		ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_OK);
		ck_assert_int_eq(f[22], ttl - 1);
		ck_assert_uint_eq(ref_sum(f + 14, 20, 0), 0);
	}
	mk_ipv4(f, 100, 17, 1);
	ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_EXPIRED);
	ck_assert_int_eq(f[22], 1);
	mk_ipv4(f, 100, 17, 0);
	ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_EXPIRED);
	/* an expiring time-exceeded message is dropped silently */
	mk_ipv4(f, 100, 1, 1);
	f[34] = 11;
	ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_DROP);
	f[34] = 3;
	ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_EXPIRED);
	/* a short IPv4 header */
	ck_assert_int_eq(route_decrement_ttl(f, 33), ROUTE_TTL_DROP);

	mk_ipv6(f, 100, 17, 64);
	ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_OK);
	ck_assert_int_eq(f[21], 63);
	f[21] = 1;
	ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_EXPIRED);
	f[20] = 58;
	f[54] = 3;
	ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_DROP);
	ck_assert_int_eq(route_decrement_ttl(f, 53), ROUTE_TTL_DROP);

	/* through one 802.1Q tag */
	mk_ipv4(f, 100, 17, 9);
	memcpy(v, f, 12);
	wr16(v + 12, 0x8100);
	wr16(v + 14, 0x0005);
	memcpy(v + 16, f + 12, 88);
	ck_assert_int_eq(route_decrement_ttl(v, 104), ROUTE_TTL_OK);
	ck_assert_int_eq(v[26], 8);
	ck_assert_uint_eq(ref_sum(v + 18, 20, 0), 0);
	ck_assert_int_eq(route_decrement_ttl(v, 17), ROUTE_TTL_DROP);

	/* others pass unchanged */
	wr16(f + 12, 0x0806);
	memcpy(v, f, 100);
	ck_assert_int_eq(route_decrement_ttl(f, 100), ROUTE_TTL_OK);
	ck_assert_mem_eq(f, v, 100);
	ck_assert_int_eq(route_decrement_ttl(f, 13), ROUTE_TTL_DROP);
}
END_TEST

/* ---- ClampMSS ----------------------------------------------------------- */

/* TCP SYN with the given options; returns the frame length. */
static size_t
mk_syn4(uint8_t *f, const uint8_t *opts, size_t optlen)
{
	size_t	 tcplen = 20 + optlen, len = 34 + tcplen;
	uint8_t	*tcp = f + 34;

	mk_ipv4(f, len, 6, 64);
	memset(tcp, 0, tcplen);
	wr16(tcp, 40000);
	wr16(tcp + 2, 80);
	tcp[12] = (uint8_t)((tcplen / 4) << 4);
	tcp[13] = 0x02;
	wr16(tcp + 14, 64240);
	memcpy(tcp + 20, opts, optlen);
	wr16(tcp + 16, ref_sum4(f + 26, f + 30, 6, tcp, tcplen));
	return len;
}

static size_t
mk_syn6(uint8_t *f, const uint8_t *opts, size_t optlen)
{
	size_t	 tcplen = 20 + optlen, len = 54 + tcplen;
	uint8_t	*tcp = f + 54;

	mk_ipv6(f, len, 6, 64);
	memset(tcp, 0, tcplen);
	wr16(tcp, 40000);
	wr16(tcp + 2, 80);
	tcp[12] = (uint8_t)((tcplen / 4) << 4);
	tcp[13] = 0x02;
	memcpy(tcp + 20, opts, optlen);
	wr16(tcp + 16, ref_sum6(f + 22, f + 38, 6, tcp, tcplen));
	return len;
}

START_TEST(test_clamp_mss)
{
	static const uint8_t mss_first[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	static const uint8_t nop_mss[] = { 1, 2, 4, 0x05, 0xb4, 0, 0, 0 };
	static const uint8_t sack_mss[] = { 4, 2, 1, 1, 2, 4, 0x05, 0xb4 };
	static const uint8_t bad_len[] = { 2, 9, 0x05, 0xb4, 0, 0, 0, 0 };
	static const uint8_t zero_len[] = { 3, 0, 2, 4, 0x05, 0xb4, 0, 0 };
	uint8_t	 f[200], g[200];
	size_t	 len;

	setup6();
	/* spec 12.12 example: via mtu 1451 -> 1451 - 34 - 20 = 1397 */
	len = mk_syn4(f, mss_first, sizeof(mss_first));
	ck_assert_int_eq(route_clamp_mss(f, len, 1451), 1);
	ck_assert_int_eq(rd16(f + 56), 1397);
	ck_assert_uint_eq(ref_sum4(f + 26, f + 30, 6, f + 34, len - 34), 0);
	/* already small enough */
	ck_assert_int_eq(route_clamp_mss(f, len, 1451), 0);
	ck_assert_int_eq(route_clamp_mss(f, len, 1500), 0);
	ck_assert_int_eq(rd16(f + 56), 1397);

	/* MSS at an odd offset, and after another option (1.0.36 misses it) */
	len = mk_syn4(f, nop_mss, sizeof(nop_mss));
	ck_assert_int_eq(route_clamp_mss(f, len, 1400), 1);
	ck_assert_int_eq(rd16(f + 57), 1400 - 54);
	ck_assert_uint_eq(ref_sum4(f + 26, f + 30, 6, f + 34, len - 34), 0);
	len = mk_syn4(f, sack_mss, sizeof(sack_mss));
	ck_assert_int_eq(route_clamp_mss(f, len, 1400), 1);
	ck_assert_int_eq(rd16(f + 60), 1346);
	ck_assert_uint_eq(ref_sum4(f + 26, f + 30, 6, f + 34, len - 34), 0);

	/* IPv6: 1451 - 54 - 20 */
	len = mk_syn6(f, mss_first, sizeof(mss_first));
	ck_assert_int_eq(route_clamp_mss(f, len, 1451), 1);
	ck_assert_int_eq(rd16(f + 76), 1377);
	ck_assert_uint_eq(ref_sum6(f + 22, f + 38, 6, f + 54, len - 54), 0);

	/* malformed options or frames leave everything alone */
	len = mk_syn4(f, bad_len, sizeof(bad_len));
	memcpy(g, f, len);
	ck_assert_int_eq(route_clamp_mss(f, len, 600), 0);
	ck_assert_mem_eq(f, g, len);
	len = mk_syn4(f, zero_len, sizeof(zero_len));
	memcpy(g, f, len);
	ck_assert_int_eq(route_clamp_mss(f, len, 600), 0);
	ck_assert_mem_eq(f, g, len);
	len = mk_syn4(f, mss_first, sizeof(mss_first));
	memcpy(g, f, len);
	ck_assert_int_eq(route_clamp_mss(f, len - 1, 600), 0);	/* cut */
	ck_assert_int_eq(route_clamp_mss(f, 54, 600), 0);
	f[46] = 0x40;		/* data offset 4 */
	ck_assert_int_eq(route_clamp_mss(f, len, 600), 0);
	f[46] = 0xf0;		/* data offset 15: beyond the frame */
	ck_assert_int_eq(route_clamp_mss(f, len, 600), 0);
	memcpy(f, g, len);
	f[23] = 17;		/* UDP */
	ck_assert_int_eq(route_clamp_mss(f, len, 600), 0);
	memcpy(f, g, len);
	wr16(f + 20, 0x0010);	/* a later fragment */
	ck_assert_int_eq(route_clamp_mss(f, len, 600), 0);
	memcpy(f, g, len);
	ck_assert_int_eq(route_clamp_mss(f, len, 40), 0);	/* silly mtu */
	ck_assert_mem_eq(f, g, len);
}
END_TEST

/* ---- fragmentation ------------------------------------------------------ */

START_TEST(test_fragment)
{
	uint8_t	 f[1518], out[4][700], re[1518];
	size_t	 lens[4], pos;
	int	 n, i;

	mk_ipv4(f, 1514, 17, 64);
	n = route_fragment_v4(f, 1514, 500, &out[0][0], sizeof(out[0]), 4,
	    lens);
	/* max(500, 590) - 14 - 20 = 556 -> 552 per piece */
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(lens[0], 14 + 20 + 552);
	ck_assert_uint_eq(lens[1], 14 + 20 + 552);
	ck_assert_uint_eq(lens[2], 14 + 20 + 376);
	memcpy(re, f, 34);
	for (i = 0, pos = 0; i < n; i++) {
		ck_assert_mem_eq(out[i], f, 14);
		ck_assert_int_eq(rd16(out[i] + 16), lens[i] - 14);
		ck_assert_int_eq(rd16(out[i] + 18), 0x1234);
		ck_assert_int_eq(rd16(out[i] + 20) & 0x1fff, pos / 8);
		ck_assert_int_eq(!!(rd16(out[i] + 20) & 0x2000), i < n - 1);
		ck_assert_uint_eq(ref_sum(out[i] + 14, 20, 0), 0);
		memcpy(re + 34 + pos, out[i] + 34, lens[i] - 34);
		pos += lens[i] - 34;
	}
	ck_assert_uint_eq(pos, 1480);
	ck_assert_mem_eq(re + 34, f + 34, 1480);

	/* a fragment of a fragment: offsets add up, MF kept, DF kept */
	mk_ipv4(f, 1000, 17, 64);
	wr16(f + 20, 0x4000 | 0x2000 | 100);
	wr16(f + 24, 0);
	n = route_fragment_v4(f, 1000, 600, &out[0][0], sizeof(out[0]), 4,
	    lens);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(rd16(out[0] + 20), 0x4000 | 0x2000 | 100);
	ck_assert_int_eq(rd16(out[1] + 20), 0x4000 | 0x2000 | (100 + 70));
	ck_assert_uint_eq(ref_sum(out[1] + 14, 20, 0), 0);

	/* refusals */
	mk_ipv4(f, 1514, 17, 64);
	ck_assert_int_eq(route_fragment_v4(f, 1514, 590, &out[0][0],
	    sizeof(out[0]), 2, lens), -1);	/* too few buffers */
	ck_assert_int_eq(route_fragment_v4(f, 1514, 590, &out[0][0], 500, 4,
	    lens), -1);				/* buffers too small */
	ck_assert_int_eq(route_fragment_v4(f, 1500, 590, &out[0][0],
	    sizeof(out[0]), 4, lens), -1);	/* length mismatch */
	f[14] = 0x46;
	ck_assert_int_eq(route_fragment_v4(f, 1514, 590, &out[0][0],
	    sizeof(out[0]), 4, lens), -1);	/* options */
	ck_assert_int_eq(route_fragment_v4(f, 20, 590, &out[0][0],
	    sizeof(out[0]), 4, lens), -1);
}
END_TEST

/* ---- garbage ------------------------------------------------------------ */

/*
 * Every function on every short length and on random bytes, each frame in a
 * heap block of exactly its length (so a sanitizer build catches overreads).
 */
START_TEST(test_garbage)
{
	struct frame_info	 fi;
	uint8_t			*f, out[700], frags[4 * 700], t[16];
	size_t			 len, lens[4];
	int			 round;
	static const uint16_t	 types[] = { 0x0800, 0x86dd, 0x0806, 0x8100 };

	srandom(12345);
	for (round = 0; round < 400; round++) {
		for (len = 0; len < 120; len++) {
			f = malloc(len ? len : 1);
			ck_assert_ptr_nonnull(f);
			for (size_t i = 0; i < len; i++)
				f[i] = (uint8_t)random();
			if (len >= 14)
				wr16(f + 12, types[round % 4]);
			if (len >= 18 && round % 8 == 3)
				wr16(f + 16, types[(round / 8) % 3]);
			if (len >= 15 && round % 3 == 0)
				f[14] = (round % 2) ? 0x45 : 0x60;
			route_parse(f, len, &fi);
			route_eth_multicast(f, len);
			route_arp_request(f, len, t);
			route_arp_reply(f, len);
			route_ns_request(f, len, t);
			route_ns_advert(f, len);
			route_icmp4(f, len, out, sizeof(out), 3, 4, 1400, NULL);
			route_icmp6(f, len, out, sizeof(out), 2, 0, 1400, NULL);
			route_decrement_ttl(f, len);
			route_clamp_mss(f, len, (int)(random() % 2000) - 100);
			route_fragment_v4(f, len, 590, frags, 700, 4, lens);
			free(f);
		}
	}
}
END_TEST

/* ---- MAC learning ------------------------------------------------------- */

START_TEST(test_mac_learn)
{
	struct mac_table	 mt;
	uint8_t			 m[6] = { 0x02, 0, 0, 0, 0, 0 }, out[8][6];
	uint8_t			 bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t			 n;

	ck_assert_int_eq(mac_table_init(&mt, 4), 0);
	ck_assert_int_eq(mac_table_learn(&mt, mac_a, 100, 600), 1);
	ck_assert_int_eq(mac_table_learn(&mt, mac_a, 200, 600), 0);
	ck_assert(mac_table_has(&mt, mac_a));
	ck_assert(!mac_table_has(&mt, mac_b));
	ck_assert_int_eq(mac_table_learn(&mt, bc, 100, 600), 0);
	ck_assert(!mac_table_has(&mt, bc));
	ck_assert_int_eq(mac_table_learn(&mt, mac_b, 300, 600), 1);

	/* refreshed at 200: still there at 799, gone at 800 */
	ck_assert_uint_eq(mac_table_expire(&mt, 799, out, 8), 0);
	n = mac_table_expire(&mt, 800, out, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(out[0], mac_a, 6);
	ck_assert(!mac_table_has(&mt, mac_a));
	ck_assert(mac_table_has(&mt, mac_b));

	/* roaming hand-off: expire at the next sweep */
	ck_assert_int_eq(mac_table_handoff(&mt, mac_a, 801), 0);
	ck_assert_int_eq(mac_table_handoff(&mt, mac_b, 801), 1);
	ck_assert_uint_eq(mac_table_expire(&mt, 801, out, 8), 1);
	ck_assert_mem_eq(out[0], mac_b, 6);
	ck_assert_uint_eq(mt.count, 0);

	/* full */
	for (m[5] = 1; m[5] <= 4; m[5]++)
		ck_assert_int_eq(mac_table_learn(&mt, m, 1000, 10), 1);
	ck_assert_int_eq(mac_table_learn(&mt, mac_a, 1000, 10), -1);
	m[5] = 2;
	ck_assert_int_eq(mac_table_learn(&mt, m, 1000, 10), 0);

	/* expiry in portions */
	ck_assert_uint_eq(mac_table_expire(&mt, 2000, out, 3), 3);
	ck_assert_uint_eq(mac_table_expire(&mt, 2000, out, 3), 1);
	ck_assert_uint_eq(mac_table_expire(&mt, 2000, out, 3), 0);
	ck_assert_uint_eq(mt.count, 0);
	mac_table_free(&mt);
}
END_TEST

/* Many entries, random lifetimes: the table agrees with a plain model. */
START_TEST(test_mac_churn)
{
	struct mac_table	 mt;
	static uint8_t		 macs[2000][6];
	static time_t		 exp[2000];
	static int		 in[2000];
	uint8_t			 out[64][6];
	size_t			 n, k;
	time_t			 now, life;
	int			 i, j, r, count = 0;

	ck_assert_int_eq(mac_table_init(&mt, 500), 0);
	for (i = 0; i < 2000; i++) {
		macs[i][0] = 0x02;
		macs[i][3] = (uint8_t)(i >> 8);
		macs[i][4] = (uint8_t)i;
		macs[i][5] = (uint8_t)(i * 37);
	}
	srandom(7);
	for (now = 1; now < 3000; now++) {
		for (j = 0; j < 5; j++) {
			i = (int)(random() % 2000);
			life = 1 + random() % 50;
			r = mac_table_learn(&mt, macs[i], now, life);
			if (in[i]) {
				ck_assert_int_eq(r, 0);
			} else if (count < 500) {
				ck_assert_int_eq(r, 1);
				in[i] = 1;
				count++;
			} else
				ck_assert_int_eq(r, -1);
			if (r >= 0)
				exp[i] = now + life;
		}
		do {
			n = mac_table_expire(&mt, now, out, 64);
			for (k = 0; k < n; k++) {
				for (i = 0; i < 2000; i++)
					if (memcmp(macs[i], out[k], 6) == 0)
						break;
				ck_assert_int_lt(i, 2000);
				ck_assert(in[i]);
				ck_assert_int_le(exp[i], now);
				in[i] = 0;
				count--;
			}
		} while (n == 64);
		ck_assert_uint_eq(mt.count, (size_t)count);
		for (i = 0; i < 2000; i++)
			if (in[i])
				ck_assert_int_gt(exp[i], now);
		if (now % 97 == 0)
			for (i = 0; i < 2000; i++)
				ck_assert_int_eq(mac_table_has(&mt, macs[i]),
				    in[i]);
	}
	mac_table_free(&mt);
}
END_TEST

static Suite *
route_suite(void)
{
	Suite	*s = suite_create("route");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_lookup_v4);
	tcase_add_test(tc, test_lookup_order);
	tcase_add_test(tc, test_lookup_v6);
	tcase_add_test(tc, test_lookup_mac);
	tcase_add_test(tc, test_table_bound);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_arp_reply);
	tcase_add_test(tc, test_ns_advert);
	tcase_add_test(tc, test_icmp4);
	tcase_add_test(tc, test_icmp6);
	tcase_add_test(tc, test_ratelimit);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_clamp_mss);
	tcase_add_test(tc, test_fragment);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_mac_learn);
	tcase_add_test(tc, test_mac_churn);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(route_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
