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
 * Routing decisions of the packet worker (legacy spec section 12): a table
 * of nodes and subnets, frames fed in, and what came out where: the
 * device, a peer's UDP socket (decrypted), or "meta" (TCP, REQ_KEY).
 *
 *	alpha (1, us)	10.0.1.0/24	fd00:1::/64
 *	beta (2)	10.0.2.0/24	fd00:2::/64	direct, UDP at sock_b
 *	gamma (3)	10.0.3.0/24			direct, UDP at sock_c
 *	delta (4)	10.0.4.0/24			behind beta
 *	eps (5)		10.0.5.0/24			unreachable
 */

#include "packet_harness.h"

static int		 sock_b = -1, sock_c = -1;
static uint16_t		 port_b, port_c;
static struct legacy_key rx_b, tx_b, rx_c, tx_c;

static void
topo(const struct pkt_conf *c, int tap)
{
	h_start(c, tap);
	sock_b = h_udp_socket("127.0.0.1", &port_b);
	sock_c = h_udp_socket("127.0.0.1", &port_c);
	h_node(2, "beta", 1, 2, 2, OPTION_CLAMP_MSS, port_b, 1, 1);
	h_node(3, "gamma", 1, 3, 3, OPTION_CLAMP_MSS, port_c, 1, 1);
	h_node(4, "delta", 1, 2, 2, OPTION_CLAMP_MSS, 0, 0, 0);
	h_node(5, "eps", 0, 0, 0, 0, 0, 0, 0);
	h_subnet(1, "10.0.1.0/24");
	h_subnet(1, "fd00:1::/64");
	h_subnet(2, "10.0.2.0/24");
	h_subnet(2, "fd00:2::/64");
	h_subnet(3, "10.0.3.0/24");
	h_subnet(4, "10.0.4.0/24");
	h_subnet(5, "10.0.5.0/24");
	h_keys(2, 0x10, 0x20, 0, 0, &rx_b, &tx_b);
	h_keys(3, 0x30, 0x40, 0, 0, &rx_c, &tx_c);
}

static void
setup(void)
{
	struct pkt_conf	 c;

	h_conf_default(&c);
	topo(&c, 0);
}

static void
teardown(void)
{
	legacy_key_free(&rx_b);
	legacy_key_free(&tx_b);
	legacy_key_free(&rx_c);
	legacy_key_free(&tx_c);
	if (sock_b != -1)
		close(sock_b);
	if (sock_c != -1)
		close(sock_c);
	sock_b = sock_c = -1;
	h_stop();
}

/* The ICMP (v4) message the device got: type, code, next-hop MTU. */
static void
dev_icmp4(int *type, int *code, int *mtu, uint8_t src[4])
{
	uint8_t	 b[PKT_BUFSZ];
	ssize_t	 n;

	n = h_dev_read(b, sizeof(b));
	ck_assert_int_ge(n, 28);
	ck_assert_int_eq(b[0], 0x45);
	ck_assert_int_eq(b[9], 1);
	ck_assert_int_eq(h_csum(b, 20, 0), 0);		/* header checksum */
	ck_assert_int_eq(h_csum(b + 20, (size_t)n - 20, 0), 0);
	*type = b[20];
	*code = b[21];
	*mtu = b[26] << 8 | b[27];
	if (src != NULL)
		memcpy(src, b + 12, 4);
}

START_TEST(test_unicast_udp)
{
	uint8_t	 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t	 len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 100);
	uint8_t	 copy[PKT_BUFSZ];

	memcpy(copy, f, len);
	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), (int)len);
	ck_assert_mem_eq(g, copy, len);
	ck_assert(h_quiet(sock_c));
	ck_assert_int_eq(rec.ntcp, 0);
	ck_assert_uint_eq(pnode_find(P, 2)->stats.out_udp, 1);
}
END_TEST

/* delta sits behind beta: its frames go to beta's UDP address. */
START_TEST(test_indirect_via)
{
	uint8_t	 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t	 len = h_frame4(f, "10.0.1.1", "10.0.4.4", 17, 64, 0, 80);

	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), (int)len);
	ck_assert_int_eq(g[14 + 19], 4);
}
END_TEST

/* No key: REQ_KEY once per 10 s, the frame goes over TCP meanwhile. */
START_TEST(test_no_key_tcp)
{
	uint8_t	 f[PKT_BUFSZ];
	size_t	 len;

	pkt_key_invalid(P, 2);
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 90);
	h_from_dev(f, len);
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 91);
	h_from_dev(f, len);
	ck_assert_int_eq(rec.nneed, 1);
	ck_assert_int_eq(rec.need[0], 2);
	ck_assert_int_eq(rec.ntcp, 2);
	ck_assert_int_eq(rec.tcp[0].node, 2);
	ck_assert_int_eq(rec.tcp[1].len, 91);
	ck_assert(h_quiet(sock_b));
	P->now += PKT_REQ_KEY_INTERVAL;
	h_from_dev(f, len);
	ck_assert_int_eq(rec.nneed, 2);
	/* delta is reached via beta: beta's key counts, not delta's */
	len = h_frame4(f, "10.0.1.1", "10.0.4.4", 17, 64, 0, 70);
	h_from_dev(f, len);
	ck_assert_int_eq(rec.nneed, 2);
	ck_assert_int_eq(rec.ntcp, 4);
	ck_assert_int_eq(rec.tcp[3].node, 2);
	ck_assert_int_eq(rec.tcp[3].len, 70);
}
END_TEST

START_TEST(test_unknown_destination)
{
	uint8_t	 f[PKT_BUFSZ], src[4], want[4];
	int	 type, code, mtu;
	size_t	 len = h_frame4(f, "10.0.1.1", "10.9.9.9", 17, 64, 0, 60);

	h_from_dev(f, len);
	dev_icmp4(&type, &code, &mtu, src);
	ck_assert_int_eq(type, ICMP4_DEST_UNREACH);
	ck_assert_int_eq(code, ICMP4_NET_UNKNOWN);
	inet_pton(AF_INET, "10.9.9.9", want);
	ck_assert_mem_eq(src, want, 4);
}
END_TEST

START_TEST(test_unreachable_owner)
{
	uint8_t	 f[PKT_BUFSZ];
	int	 type, code, mtu;
	size_t	 len = h_frame4(f, "10.0.1.1", "10.0.5.5", 17, 64, 0, 60);

	h_from_dev(f, len);
	dev_icmp4(&type, &code, &mtu, NULL);
	ck_assert_int_eq(type, ICMP4_DEST_UNREACH);
	ck_assert_int_eq(code, ICMP4_NET_UNREACH);
}
END_TEST

/* At most ROUTE_ICMP_RATE ICMP messages per second. */
START_TEST(test_icmp_rate)
{
	uint8_t	 f[PKT_BUFSZ], b[PKT_BUFSZ];
	size_t	 len;
	int	 i, n = 0;

	for (i = 0; i < 6; i++) {
		len = h_frame4(f, "10.0.1.1", "10.9.9.9", 17, 64, 0, 60);
		h_from_dev(f, len);
	}
	while (h_dev_read(b, sizeof(b)) > 0)
		n++;
	ck_assert_int_eq(n, ROUTE_ICMP_RATE);
}
END_TEST

START_TEST(test_looping_back)
{
	uint8_t	 f[PKT_BUFSZ], b[PKT_BUFSZ];
	size_t	 len = h_frame4(f, "10.0.2.1", "10.0.2.9", 17, 64, 0, 60);

	pkt_route(P, pnode_find(P, 2), f, len, 0);
	pkt_flush(P);
	ck_assert(h_quiet(sock_b));
	ck_assert_int_lt(h_dev_read(b, sizeof(b)), 0);
	/* and a frame from our device to our own subnet */
	len = h_frame4(f, "10.0.1.1", "10.0.1.9", 17, 64, 0, 60);
	h_from_dev(f, len);
	ck_assert_int_lt(h_dev_read(b, sizeof(b)), 0);
}
END_TEST

/* From beta for us: to the device, IP packet without the header. */
START_TEST(test_to_device)
{
	uint8_t	 f[PKT_BUFSZ], b[PKT_BUFSZ];
	size_t	 len = h_frame4(f, "10.0.2.1", "10.0.1.9", 17, 64, 0, 77);

	h_peer_send(sock_b, &tx_b, 1, f, len);
	h_plane_read();
	ck_assert_int_eq(h_dev_read(b, sizeof(b)), (ssize_t)len - 14);
	ck_assert_mem_eq(b, f + 14, len - 14);
	ck_assert_uint_eq(pnode_find(P, 2)->stats.in_udp, 1);
}
END_TEST

/* Relaying: beta sends a frame for gamma; it leaves to gamma by UDP. */
START_TEST(test_relay)
{
	uint8_t	 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t	 len = h_frame4(f, "10.0.2.1", "10.0.3.9", 17, 64, 0, 200);

	h_peer_send(sock_b, &tx_b, 1, f, len);
	h_plane_read();
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), (int)len);
	ck_assert_mem_eq(g, f, len);
	ck_assert(h_quiet(sock_b));
}
END_TEST

START_TEST(test_forwarding_off)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t		 len;

	c = P->conf;
	c.forwarding = FMODE_OFF;
	pkt_set_conf(P, &c);
	len = h_frame4(f, "10.0.2.1", "10.0.3.9", 17, 64, 0, 100);
	h_peer_send(sock_b, &tx_b, 1, f, len);
	h_plane_read();
	ck_assert(h_quiet(sock_c));
	/* beta gets "administratively prohibited" back */
	ck_assert_int_gt(h_peer_frame(sock_b, &rx_b, g), 34);
	ck_assert_int_eq(g[14 + 9], 1);
	ck_assert_int_eq(g[34], ICMP4_DEST_UNREACH);
	ck_assert_int_eq(g[35], ICMP4_NET_ANO);
	/* but frames for us still arrive */
	len = h_frame4(f, "10.0.2.1", "10.0.1.9", 17, 64, 0, 100);
	h_peer_send(sock_b, &tx_b, 2, f, len);
	h_plane_read();
	ck_assert_int_eq(h_dev_read(g, sizeof(g)), (ssize_t)len - 14);
}
END_TEST

START_TEST(test_forwarding_kernel)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t		 len;

	c = P->conf;
	c.forwarding = FMODE_KERNEL;
	pkt_set_conf(P, &c);
	len = h_frame4(f, "10.0.2.1", "10.0.3.9", 17, 64, 0, 100);
	h_peer_send(sock_b, &tx_b, 1, f, len);
	h_plane_read();
	ck_assert(h_quiet(sock_c));
	ck_assert_int_eq(h_dev_read(g, sizeof(g)), (ssize_t)len - 14);
}
END_TEST

START_TEST(test_direct_only)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ];
	int		 type, code, mtu;
	size_t		 len;

	c = P->conf;
	c.direct_only = 1;
	pkt_set_conf(P, &c);
	len = h_frame4(f, "10.0.1.1", "10.0.4.4", 17, 64, 0, 60);
	h_from_dev(f, len);
	dev_icmp4(&type, &code, &mtu, NULL);
	ck_assert_int_eq(type, ICMP4_DEST_UNREACH);
	ck_assert_int_eq(code, ICMP4_NET_ANO);
	ck_assert(h_quiet(sock_b));
}
END_TEST

/* PMTU discovery gates frames above minmtu onto TCP (spec 10.2). */
START_TEST(test_pmtu_gating)
{
	struct pnode	*b = pnode_find(P, 2), *d = pnode_find(P, 4);
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t		 len;

	b->options |= OPTION_PMTU_DISCOVERY;
	b->minmtu = 0;
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 100);
	h_from_dev(f, len);
	ck_assert_int_eq(rec.ntcp, 1);
	ck_assert_int_eq(rec.tcp[0].node, 2);
	ck_assert(h_quiet(sock_b));
	b->minmtu = 1000;
	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), (int)len);
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 1001);
	h_from_dev(f, len);
	ck_assert_int_eq(rec.ntcp, 2);
	/* a node behind another: the frame goes to the nexthop instead */
	d->options |= OPTION_PMTU_DISCOVERY;
	d->via = d;
	d->via_id = 4;
	{
		struct pkt_key	 k;

		h_pkey(&k, 0x50, 0);
		pkt_key_out(P, 4, &k);
	}
	d->minmtu = 0;
	len = h_frame4(f, "10.0.1.1", "10.0.4.4", 17, 64, 0, 300);
	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), (int)len);
	ck_assert_int_eq(rec.ntcp, 2);
}
END_TEST

START_TEST(test_frag_needed)
{
	struct pnode	*b = pnode_find(P, 2);
	uint8_t		 f[PKT_BUFSZ];
	int		 type, code, mtu;
	size_t		 len;

	b->mtu = 1000;
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 1, 1200);
	h_from_dev(f, len);
	dev_icmp4(&type, &code, &mtu, NULL);
	ck_assert_int_eq(type, ICMP4_DEST_UNREACH);
	ck_assert_int_eq(code, ICMP4_FRAG_NEEDED);
	ck_assert_int_eq(mtu, 1000 - 14);
	ck_assert(h_quiet(sock_b));
	/* never below 590 */
	b->mtu = 300;
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 1, 1200);
	P->now++;
	h_from_dev(f, len);
	dev_icmp4(&type, &code, &mtu, NULL);
	ck_assert_int_eq(mtu, 590 - 14);
}
END_TEST

START_TEST(test_fragment)
{
	struct pnode	*b = pnode_find(P, 2);
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ], orig[PKT_BUFSZ];
	size_t		 len, got = 0;
	int		 n, nfrag = 0, off, mf;

	b->mtu = 700;
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 1500);
	memcpy(orig, f, len);
	h_from_dev(f, len);
	while ((n = h_peer_frame(sock_b, &rx_b, g)) > 0) {
		ck_assert_int_le(n, 700);
		ck_assert_int_eq(h_csum(g + 14, 20, 0), 0);
		off = ((g[20] & 0x1f) << 8 | g[21]) * 8;
		mf = (g[20] & 0x20) != 0;
		ck_assert_mem_eq(g + 34, orig + 34 + off, (size_t)n - 34);
		got += (size_t)n - 34;
		nfrag++;
		if (!mf)
			break;
	}
	ck_assert_int_eq(nfrag, 3);
	ck_assert_uint_eq(got, len - 34);
}
END_TEST

START_TEST(test_packet_too_big6)
{
	struct pnode	*b = pnode_find(P, 2);
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ];
	ssize_t		 n;
	size_t		 len;

	b->mtu = 1300;
	len = h_frame6(f, "fd00:1::1", "fd00:2::9", 17, 64, 1400);
	h_from_dev(f, len);
	n = h_dev_read(g, sizeof(g));
	ck_assert_int_gt(n, 48);
	ck_assert_int_eq(g[6], 58);
	ck_assert_int_eq(g[40], ICMP6_PACKET_TOO_BIG);
	ck_assert_int_eq(g[44] << 24 | g[45] << 16 | g[46] << 8 | g[47],
	    1300 - 14);
	ck_assert(h_quiet(sock_b));
	/* smaller ones pass */
	len = h_frame6(f, "fd00:1::1", "fd00:2::9", 17, 64, 1200);
	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), (int)len);
}
END_TEST

START_TEST(test_unknown6)
{
	uint8_t	 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t	 len = h_frame6(f, "fd00:1::1", "fd00:9::9", 17, 64, 100);

	h_from_dev(f, len);
	ck_assert_int_gt(h_dev_read(g, sizeof(g)), 48);
	ck_assert_int_eq(g[40], ICMP6_DST_UNREACH);
	ck_assert_int_eq(g[41], ICMP6_DST_ADDR);
}
END_TEST

/* Our TCPOnly or the via node's: the meta connection. */
START_TEST(test_tcponly)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ];
	size_t		 len = h_frame4(f, "10.0.1.1", "10.0.3.9", 17, 64, 0,
			    100);

	pnode_find(P, 3)->options |= OPTION_TCPONLY;
	h_from_dev(f, len);
	ck_assert_int_eq(rec.ntcp, 1);
	ck_assert_int_eq(rec.tcp[0].node, 3);
	ck_assert(h_quiet(sock_c));
	c = P->conf;
	c.options |= OPTION_TCPONLY;
	pkt_set_conf(P, &c);
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 100);
	h_from_dev(f, len);
	ck_assert_int_eq(rec.ntcp, 2);
	ck_assert_int_eq(rec.tcp[1].node, 2);
	ck_assert(h_quiet(sock_b));
}
END_TEST

/* A frame that came in a PACKET request leaves by TCP again (spec 9). */
START_TEST(test_viatcp_stays_tcp)
{
	uint8_t	 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t	 len = h_frame4(f, "10.0.2.1", "10.0.3.9", 17, 64, 0, 120);

	pkt_tcp_input(P, pnode_find(P, 2), f, len);
	pkt_flush(P);
	ck_assert_int_eq(rec.ntcp, 1);
	ck_assert_int_eq(rec.tcp[0].node, 3);
	ck_assert_mem_eq(rec.tcp[0].f, f, len);
	ck_assert(h_quiet(sock_c));
	/* from a TCPOnly neighbour it is not marked: UDP onwards */
	pnode_find(P, 2)->options |= OPTION_TCPONLY;
	pkt_tcp_input(P, pnode_find(P, 2), f, len);
	pkt_flush(P);
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), (int)len);
	ck_assert_int_eq(rec.ntcp, 1);
	/* PriorityInheritance drops the mark, as tinc's does */
	pnode_find(P, 2)->options &= ~OPTION_TCPONLY;
	{
		struct pkt_conf	 c = P->conf;

		c.priority_inheritance = 1;
		pkt_set_conf(P, &c);
	}
	pkt_tcp_input(P, pnode_find(P, 2), f, len);
	pkt_flush(P);
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), (int)len);
}
END_TEST

START_TEST(test_decrement_ttl)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t		 len;

	c = P->conf;
	c.decrement_ttl = 1;
	pkt_set_conf(P, &c);
	len = h_frame4(f, "10.0.2.1", "10.0.3.9", 17, 64, 0, 100);
	h_peer_send(sock_b, &tx_b, 1, f, len);
	h_plane_read();
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), (int)len);
	ck_assert_int_eq(g[14 + 8], 63);
	ck_assert_int_eq(h_csum(g + 14, 20, 0), 0);
	/* TTL 1: time exceeded back to beta, nothing to gamma */
	len = h_frame4(f, "10.0.2.1", "10.0.3.9", 17, 1, 0, 100);
	h_peer_send(sock_b, &tx_b, 2, f, len);
	h_plane_read();
	ck_assert(h_quiet(sock_c));
	ck_assert_int_gt(h_peer_frame(sock_b, &rx_b, g), 34);
	ck_assert_int_eq(g[34], ICMP4_TIME_EXCEEDED);
	/* our own frames are not touched */
	len = h_frame4(f, "10.0.1.1", "10.0.3.9", 17, 1, 0, 100);
	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), (int)len);
	ck_assert_int_eq(g[14 + 8], 1);
}
END_TEST

/* A SYN with MSS 1460 towards a 1451 byte path: 1451 - 34 - 20. */
START_TEST(test_clamp_mss)
{
	uint8_t	 f[PKT_BUFSZ], g[PKT_BUFSZ];
	uint8_t	*tcp = f + 34;
	size_t	 len = h_frame4(f, "10.0.1.1", "10.0.2.9", 6, 64, 1, 58);

	pnode_find(P, 2)->mtu = 1451;
	memset(tcp, 0, 24);
	tcp[12] = 6 << 4;		/* data offset: 24 bytes */
	tcp[13] = 0x02;			/* SYN */
	tcp[20] = 2;
	tcp[21] = 4;
	tcp[22] = 1460 >> 8;
	tcp[23] = 1460 & 0xff;
	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), (int)len);
	ck_assert_int_eq(g[34 + 22] << 8 | g[34 + 23], 1451 - 34 - 20);
}
END_TEST

static void
mkarp(uint8_t *f, const uint8_t *mac, const char *target)
{
	memset(f, 0, 42);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	f[15] = 1;
	f[16] = 0x08;
	f[18] = 6;
	f[19] = 4;
	f[21] = 1;
	memcpy(f + 22, mac, 6);
	inet_pton(AF_INET, "10.0.1.1", f + 28);
	inet_pton(AF_INET, target, f + 38);
}

/* Router mode on tap: ARP requests answered for remote subnets only. */
START_TEST(test_arp_proxy)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ], want[4];
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x11 };
	size_t		 len;

	teardown();
	h_conf_default(&c);
	topo(&c, 1);
	mkarp(f, mac, "10.0.2.7");
	h_from_dev(f, 42);
	ck_assert_int_eq(h_dev_read(g, sizeof(g)), 42);
	ck_assert_mem_eq(g, mac, 6);
	ck_assert_int_eq(g[21], 2);
	ck_assert_int_eq(g[6 + 5], mac[5] ^ 0xff);
	ck_assert_mem_eq(g + 22, g + 6, 6);
	inet_pton(AF_INET, "10.0.2.7", want);
	ck_assert_mem_eq(g + 28, want, 4);
	ck_assert_mem_eq(g + 32, mac, 6);
	inet_pton(AF_INET, "10.0.1.1", want);
	ck_assert_mem_eq(g + 38, want, 4);
	/* for our own subnet, or nobody's: no answer */
	mkarp(f, mac, "10.0.1.7");
	h_from_dev(f, 42);
	mkarp(f, mac, "10.9.1.7");
	h_from_dev(f, 42);
	ck_assert_int_lt(h_dev_read(g, sizeof(g)), 0);
	/* frames to the device now carry the interface's MAC */
	ck_assert_int_eq(P->have_mymac, 1);
	len = h_frame4(f, "10.0.2.1", "10.0.1.9", 17, 64, 0, 60);
	h_peer_send(sock_b, &tx_b, 1, f, len);
	h_plane_read();
	ck_assert_int_eq(h_dev_read(g, sizeof(g)), (ssize_t)len);
	ck_assert_mem_eq(g, mac, 6);
	ck_assert_int_eq(g[11], mac[5] ^ 0xff);
	ck_assert_mem_eq(g + 12, f + 12, len - 12);
	/* an ARP request from a peer is dropped */
	mkarp(f, mac, "10.0.2.7");
	pkt_route(P, pnode_find(P, 2), f, 42, 0);
	pkt_flush(P);
	ck_assert_int_lt(h_dev_read(g, sizeof(g)), 0);
	ck_assert(h_quiet(sock_b));
}
END_TEST

/* ICMPv6 checksum of the 32-byte message at f + 54 (RFC 8200 8.1). */
static uint16_t
ns_csum(const uint8_t *f)
{
	uint8_t	 b[72];

	memset(b, 0, sizeof(b));
	memcpy(b, f + 22, 32);		/* source, destination */
	b[35] = 32;
	b[39] = 58;
	memcpy(b + 40, f + 54, 32);
	return h_csum(b, sizeof(b), 0);
}

/* Neighbour solicitation from our device for target, with its option. */
static void
mkns(uint8_t *f, const uint8_t *mac, const char *target)
{
	uint16_t	 c;

	memset(f, 0, 86);
	f[0] = 0x33;
	f[1] = 0x33;
	f[2] = 0xff;
	memcpy(f + 6, mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[19] = 32;
	f[20] = 58;
	f[21] = 255;
	inet_pton(AF_INET6, "fd00:1::1", f + 22);
	inet_pton(AF_INET6, "ff02::1:ff00:7", f + 38);
	f[54] = 135;
	inet_pton(AF_INET6, target, f + 62);
	f[78] = 1;
	f[79] = 1;
	memcpy(f + 80, mac, 6);
	c = ns_csum(f);
	f[56] = (uint8_t)(c >> 8);
	f[57] = (uint8_t)c;
}

/* Router mode on tap: neighbour solicitations for remote subnets. */
START_TEST(test_ndp_proxy)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ], want[16], fake[6];
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x22 };

	teardown();
	h_conf_default(&c);
	topo(&c, 1);
	memcpy(fake, mac, 6);
	fake[5] ^= 0xff;
	mkns(f, mac, "fd00:2::7");
	h_from_dev(f, 86);
	ck_assert_int_eq(h_dev_read(g, sizeof(g)), 86);
	ck_assert_mem_eq(g, mac, 6);
	ck_assert_mem_eq(g + 6, fake, 6);
	ck_assert_int_eq(g[54], 136);
	ck_assert_int_eq(g[58], 0x40);		/* solicited */
	inet_pton(AF_INET6, "fd00:2::7", want);
	ck_assert_mem_eq(g + 22, want, 16);	/* from the target */
	ck_assert_mem_eq(g + 62, want, 16);
	inet_pton(AF_INET6, "fd00:1::1", want);
	ck_assert_mem_eq(g + 38, want, 16);	/* to the asker */
	ck_assert_int_eq(g[78], 2);
	ck_assert_mem_eq(g + 80, fake, 6);
	ck_assert_int_eq(ns_csum(g), 0);
	/* ours, unknown, or a bad checksum: no answer */
	mkns(f, mac, "fd00:1::7");
	h_from_dev(f, 86);
	mkns(f, mac, "fd00:9::7");
	h_from_dev(f, 86);
	mkns(f, mac, "fd00:2::7");
	f[57] ^= 1;
	h_from_dev(f, 86);
	ck_assert_int_lt(h_dev_read(g, sizeof(g)), 0);
	/* from a peer: dropped */
	mkns(f, mac, "fd00:2::7");
	pkt_route(P, pnode_find(P, 3), f, 86, 0);
	pkt_flush(P);
	ck_assert_int_lt(h_dev_read(g, sizeof(g)), 0);
}
END_TEST

/* Switch mode: learning, unknown destinations flood, known ones don't. */
START_TEST(test_switch)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ];
	static const uint8_t me[6] = { 2, 0, 0, 0, 1, 1 };
	static const uint8_t other[6] = { 2, 0, 0, 0, 2, 2 };
	struct subnet	 s;

	teardown();
	h_conf_default(&c);
	c.mode = RMODE_SWITCH;
	topo(&c, 1);
	memset(f, 0, 100);
	memcpy(f, other, 6);
	memcpy(f + 6, me, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	h_from_dev(f, 100);
	ck_assert_int_eq(rec.nlearn, 1);
	ck_assert_mem_eq(rec.learn[0], me, 6);
	/* unknown: flooded along the MST to beta and gamma */
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), 100);
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), 100);
	/* known: to its owner only; and no second "learned" */
	memset(&s, 0, sizeof(s));
	s.type = SUBNET_MAC;
	s.weight = 10;
	memcpy(s.net.mac, other, 6);
	ck_assert_int_eq(pkt_subnet_add(P, 3, &s), 0);
	h_from_dev(f, 100);
	ck_assert_int_eq(rec.nlearn, 1);
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), 100);
	ck_assert(h_quiet(sock_b));
	/* our learned MAC expires after MACExpire */
	P->now += 599;
	pkt_mac_sweep(P);
	ck_assert_int_eq(rec.nexpire, 0);
	P->now += 1;
	pkt_mac_sweep(P);
	ck_assert_int_eq(rec.nexpire, 1);
	ck_assert_mem_eq(rec.expire[0], me, 6);
}
END_TEST

/* MST broadcast from beta: device copy, gamma, but not back to beta. */
START_TEST(test_broadcast_mst)
{
	uint8_t	 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t	 len = h_frame4(f, "10.0.2.1", "255.255.255.255", 17, 64, 0,
		    90);

	h_peer_send(sock_b, &tx_b, 1, f, len);
	h_plane_read();
	ck_assert_int_eq(h_dev_read(g, sizeof(g)), (ssize_t)len - 14);
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), (int)len);
	ck_assert(h_quiet(sock_b));
	/* gamma not in the tree: only the device */
	pnode_find(P, 3)->mst = 0;
	h_peer_send(sock_b, &tx_b, 2, f, len);
	h_plane_read();
	ck_assert_int_eq(h_dev_read(g, sizeof(g)), (ssize_t)len - 14);
	ck_assert(h_quiet(sock_c));
}
END_TEST

START_TEST(test_broadcast_direct)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t		 len = h_frame4(f, "10.0.1.1", "224.0.0.9", 17, 1, 0,
			    90);

	c = P->conf;
	c.broadcast = BMODE_DIRECT;
	pkt_set_conf(P, &c);
	pnode_find(P, 3)->mst = 0;
	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), (int)len);
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), (int)len);
	/* from others: only our device */
	h_peer_send(sock_b, &tx_b, 1, f, len);
	h_plane_read();
	ck_assert_int_eq(h_dev_read(g, sizeof(g)), (ssize_t)len - 14);
	ck_assert(h_quiet(sock_c));
	/* Broadcast = no: multicast is routed like unicast (no subnet) */
	c.broadcast = BMODE_NONE;
	pkt_set_conf(P, &c);
	h_from_dev(f, len);
	ck_assert(h_quiet(sock_b));
	ck_assert_int_gt(h_dev_read(g, sizeof(g)), 0);	/* ICMP */
}
END_TEST

START_TEST(test_hub)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], g[PKT_BUFSZ];
	size_t		 len;

	teardown();
	h_conf_default(&c);
	c.mode = RMODE_HUB;
	topo(&c, 1);
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 90);
	h_from_dev(f, len);
	ck_assert_int_eq(h_peer_frame(sock_b, &rx_b, g), (int)len);
	ck_assert_int_eq(h_peer_frame(sock_c, &rx_c, g), (int)len);
	ck_assert_int_eq(rec.nlearn, 0);
}
END_TEST

/* PriorityInheritance: the inner TOS on the outer datagram. */
START_TEST(test_priority_inheritance)
{
	struct pkt_conf	 c;
	uint8_t		 f[PKT_BUFSZ], d[PKT_BUFSZ];
	uint8_t		 cbuf[64];
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	struct pollfd	 pfd = { .fd = -1, .events = POLLIN };
	int		 one = 1, tos = -1;
	size_t		 len;

	c = P->conf;
	c.priority_inheritance = 1;
	pkt_set_conf(P, &c);
	ck_assert_int_eq(setsockopt(sock_b, IPPROTO_IP, IP_RECVTOS, &one,
	    sizeof(one)), 0);
	len = h_frame4(f, "10.0.1.1", "10.0.2.9", 17, 64, 0, 90);
	f[15] = 0xb8;
	h_from_dev(f, len);
	pfd.fd = sock_b;
	ck_assert_int_eq(poll(&pfd, 1, 200), 1);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = d;
	iov.iov_len = sizeof(d);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	ck_assert_int_gt(recvmsg(sock_b, &mh, 0), 0);
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
			tos = *(uint8_t *)CMSG_DATA(cm);
	ck_assert_int_eq(tos, 0xb8);
}
END_TEST

/*
 * Random frames, mostly well-formed headers with random contents, from us
 * and from a peer, in every mode: nothing may read or write out of bounds
 * (run under ASan) and the plane must stay consistent.
 */
START_TEST(test_random_frames)
{
	static const uint16_t	 types[] = { 0x0800, 0x86dd, 0x0806, 0x8100,
				    0x0000, 0x1234 };
	struct pkt_conf		 c;
	uint8_t			 f[PKT_BUFSZ], g[PKT_BUFSZ];
	uint32_t		 seed = 12345;
	size_t			 len, i, j;
	int			 mode;

	for (mode = RMODE_ROUTER; mode <= RMODE_HUB; mode++) {
		teardown();
		h_conf_default(&c);
		c.mode = mode;
		c.decrement_ttl = mode == RMODE_SWITCH;
		topo(&c, mode != RMODE_ROUTER);
		for (i = 0; i < 3000; i++) {
			seed = seed * 1103515245 + 12345;
			len = 14 + (seed >> 8) % (PKT_MAXSIZE - 14 + 1);
			for (j = 0; j < len; j++) {
				seed = seed * 1103515245 + 12345;
				f[j] = (uint8_t)(seed >> 16);
			}
			f[12] = (uint8_t)(types[i % 6] >> 8);
			f[13] = (uint8_t)types[i % 6];
			if (i % 3 == 0)
				f[14] = (f[12] == 0x86) ? 0x60 : 0x45;
			if (i % 2)
				pkt_route(P, P->self, f, len, (int)(i & 4));
			else
				pkt_route(P, pnode_find(P, 2 + (uint32_t)(i % 3)),
				    f, len, (int)(i & 4));
			if (i % 32 == 0) {
				P->now++;
				pkt_flush(P);
				while (recv(h_dev[1], g, sizeof(g),
				    MSG_DONTWAIT) > 0 ||
				    recv(sock_b, g, sizeof(g), MSG_DONTWAIT) > 0 ||
				    recv(sock_c, g, sizeof(g), MSG_DONTWAIT) > 0)
					;
			}
		}
		pkt_flush(P);
		ck_assert_uint_eq(P->ntx, 0);
		ck_assert_int_eq(P->depth, 0);
		ck_assert_uint_gt(P->stats.udp_out, 100);
		ck_assert_uint_gt(P->stats.dropped, 100);
	}
}
END_TEST

static Suite *
packet_route_suite(void)
{
	Suite	*s = suite_create("packet_route");
	TCase	*tc = tcase_create("route");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unicast_udp);
	tcase_add_test(tc, test_indirect_via);
	tcase_add_test(tc, test_no_key_tcp);
	tcase_add_test(tc, test_unknown_destination);
	tcase_add_test(tc, test_unreachable_owner);
	tcase_add_test(tc, test_icmp_rate);
	tcase_add_test(tc, test_looping_back);
	tcase_add_test(tc, test_to_device);
	tcase_add_test(tc, test_relay);
	tcase_add_test(tc, test_forwarding_off);
	tcase_add_test(tc, test_forwarding_kernel);
	tcase_add_test(tc, test_direct_only);
	tcase_add_test(tc, test_pmtu_gating);
	tcase_add_test(tc, test_frag_needed);
	tcase_add_test(tc, test_fragment);
	tcase_add_test(tc, test_packet_too_big6);
	tcase_add_test(tc, test_unknown6);
	tcase_add_test(tc, test_tcponly);
	tcase_add_test(tc, test_viatcp_stays_tcp);
	tcase_add_test(tc, test_decrement_ttl);
	tcase_add_test(tc, test_clamp_mss);
	tcase_add_test(tc, test_arp_proxy);
	tcase_add_test(tc, test_ndp_proxy);
	tcase_add_test(tc, test_switch);
	tcase_add_test(tc, test_broadcast_mst);
	tcase_add_test(tc, test_broadcast_direct);
	tcase_add_test(tc, test_hub);
	tcase_add_test(tc, test_priority_inheritance);
	tcase_add_test(tc, test_random_frames);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	log_setlevel(0);
	sr = srunner_create(packet_route_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
