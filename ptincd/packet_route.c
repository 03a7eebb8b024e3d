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
 * Where a frame goes (legacy spec section 12): router, switch and hub
 * mode, broadcasts, ICMP errors, and the choice between UDP and the meta
 * connection for each node.  The frame parsing, ICMP building, TTL, MSS
 * and fragmentation code is route.c's; this file makes the decisions.
 */

#include <sys/types.h>

#include <string.h>

#include "conf.h"
#include "log.h"
#include "packet.h"
#include "proto.h"

#define ROUTE_MIN_MTU4	590	/* tinc never goes below these */
#define ROUTE_MIN_MTU6	1294
#define PKT_MAX_DEPTH	4	/* send_packet recursion (PMTU detour) */

static int
pkt_reachable(uint32_t id, void *arg)
{
	struct pkt	*p = arg;
	struct pnode	*n = pnode_find(p, id);

	return n != NULL && n->reachable;
}

static const char *
pname(const struct pnode *n)
{
	return n != NULL ? n->name : "?";
}

static void
pkt_drop(struct pkt *p, struct pnode *n)
{
	p->stats.dropped++;
	if (n != NULL)
		n->stats.dropped++;
}

/* ---- transport choice (spec 12.10) ---------------------------------- */

void
pkt_send_packet(struct pkt *p, struct pnode *n, uint8_t *f, size_t len,
    int viatcp, int prio)
{
	struct pnode	*via;

	if (n == NULL) {
		pkt_drop(p, NULL);
		return;
	}
	if (n == p->self) {
		pkt_dev_write(p, f, len);
		return;
	}
	if (!n->reachable) {
		log_debug(DEBUG_TRAFFIC, "node %s is not reachable", n->name);
		pkt_drop(p, n);
		return;
	}
	via = (viatcp || n->via == p->self) ? n->nexthop : n->via;
	if (via == NULL || via == p->self) {
		log_debug(DEBUG_TRAFFIC, "no path to %s", n->name);
		pkt_drop(p, n);
		return;
	}
	if (p->depth >= PKT_MAX_DEPTH) {
		pkt_drop(p, n);
		return;
	}
	if (via != n)
		log_debug(DEBUG_TRAFFIC, "sending packet to %s via %s",
		    n->name, via->name);
	p->depth++;
	if (viatcp || ((p->self->options | via->options) & OPTION_TCPONLY))
		pkt_tcp_send(p, via, f, len);
	else
		pkt_udp_send(p, via, f, len, prio);
	p->depth--;
}

/* ---- ICMP, TTL, MSS -------------------------------------------------- */

/*
 * Turn the frame into an ICMP error in place and send it back to where
 * it came from.  At most ROUTE_ICMP_RATE per second.
 */
static void
pkt_icmp(struct pkt *p, struct pnode *src, uint8_t *f, size_t len, int v6,
    uint8_t type, uint8_t code, uint32_t mtu, int viatcp)
{
	size_t	 n;

	if (!route_icmp_allowed(&p->icmp_rl, p->now)) {
		pkt_drop(p, src);
		return;
	}
	if (v6)
		n = route_icmp6(f, len, f, PKT_BUFSZ, type, code, mtu, NULL);
	else
		n = route_icmp4(f, len, f, PKT_BUFSZ, type, code,
		    (uint16_t)mtu, NULL);
	if (n == 0) {
		pkt_drop(p, src);
		return;
	}
	pkt_send_packet(p, src, f, n, viatcp, -1);
}

/*
 * DecrementTTL: 1 to go on, 0 when the frame was dropped (time exceeded
 * sent back when due).  The sender of a time-exceeded message would be
 * the address the kernel picks towards the source; the sandbox cannot ask
 * the kernel, so it is the original destination.
 */
static uint16_t
pkt_l3type(const uint8_t *f, size_t len)
{
	uint16_t	 type = (uint16_t)(f[12] << 8 | f[13]);

	if (type == ROUTE_ETHERTYPE_VLAN && len >= ROUTE_ETH_HLEN + 4)
		type = (uint16_t)(f[16] << 8 | f[17]);
	return type;
}

static int
pkt_ttl(struct pkt *p, struct pnode *src, uint8_t *f, size_t len,
    int viatcp)
{
	switch (route_decrement_ttl(f, len)) {
	case ROUTE_TTL_OK:
		return 1;
	case ROUTE_TTL_EXPIRED:
		if (pkt_l3type(f, len) == ROUTE_ETHERTYPE_IPV4)
			pkt_icmp(p, src, f, len, 0, ICMP4_TIME_EXCEEDED,
			    ICMP4_EXC_TTL, 0, viatcp);
		else
			pkt_icmp(p, src, f, len, 1, ICMP6_TIME_EXCEEDED,
			    ICMP6_EXC_HOPLIMIT, 0, viatcp);
		return 0;
	default:
		pkt_drop(p, src);
		return 0;
	}
}

static void
pkt_clamp(struct pkt *p, struct pnode *src, struct pnode *via, uint8_t *f,
    size_t len)
{
	int	 mtu;

	if (src == NULL || via == NULL || !(via->options & OPTION_CLAMP_MSS))
		return;
	mtu = src->mtu;
	if (via != p->self && via->mtu < mtu)
		mtu = via->mtu;
	route_clamp_mss(f, len, mtu);
}

static struct pnode *
pkt_via(struct pkt *p, struct pnode *owner)
{
	return owner->via == p->self ? owner->nexthop : owner->via;
}

/* Fragment an IPv4 frame for via (spec 12.6); drop it if that fails. */
static void
pkt_fragment(struct pkt *p, struct pnode *src, struct pnode *via,
    uint8_t *f, size_t len, int viatcp, int prio)
{
	size_t	 lens[PKT_MAX_FRAGS];
	int	 n, i;

	n = route_fragment_v4(f, len, via->mtu, &p->frag[0][0], PKT_BUFSZ,
	    PKT_MAX_FRAGS, lens);
	if (n == -1) {
		log_debug(DEBUG_TRAFFIC, "cannot fragment a %zu byte packet "
		    "from %s", len, pname(src));
		pkt_drop(p, src);
		return;
	}
	log_debug(DEBUG_TRAFFIC, "fragmenting a %zu byte packet for %s "
	    "into %d", len, via->name, n);
	for (i = 0; i < n; i++)
		pkt_send_packet(p, via, p->frag[i], lens[i], viatcp, prio);
}

/* ---- router mode (spec 12.3, 12.4) ---------------------------------- */

static void
pkt_learn_mymac(struct pkt *p, const uint8_t *f)
{
	if (!p->overwrite_mac)
		return;
	memcpy(p->mymac, f + 6, 6);
	p->have_mymac = 1;
}

static void
route_arp(struct pkt *p, struct pnode *src, uint8_t *f, size_t len)
{
	uint8_t		 target[4];
	uint32_t	 owner;

	if (src != p->self) {
		log_debug(DEBUG_TRAFFIC, "got an ARP request from %s in "
		    "router mode", pname(src));
		pkt_drop(p, src);
		return;
	}
	if (route_arp_request(f, len, target) == -1) {
		log_debug(DEBUG_TRAFFIC, "cannot route packet: not an ARP "
		    "request");
		pkt_drop(p, src);
		return;
	}
	pkt_learn_mymac(p, f);
	if (route_lookup_v4(&p->routes, target, pkt_reachable, p,
	    &owner) == -1 || owner == p->self->id)
		return;
	if (route_arp_reply(f, len) == 0)
		pkt_dev_write(p, f, len);
}

static void
route_ns(struct pkt *p, struct pnode *src, uint8_t *f, size_t len)
{
	uint8_t		 target[16];
	uint32_t	 owner;

	if (src != p->self) {
		log_debug(DEBUG_TRAFFIC, "got a neighbour solicitation from "
		    "%s in router mode", pname(src));
		pkt_drop(p, src);
		return;
	}
	if (route_ns_request(f, len, target) == -1) {
		log_debug(DEBUG_TRAFFIC, "cannot route packet: bad neighbour "
		    "solicitation");
		pkt_drop(p, src);
		return;
	}
	pkt_learn_mymac(p, f);
	if (route_lookup_v6(&p->routes, target, pkt_reachable, p,
	    &owner) == -1 || owner == p->self->id)
		return;
	/* tinc would apply DecrementTTL here; the hosts refuse the result */
	if (route_ns_advert(f, len) == 0)
		pkt_dev_write(p, f, len);
}

/*
 * The common part of IPv4 and IPv6 unicast: 0 with the owner and via set
 * when the frame may go on, -1 when it was answered or dropped.
 */
static int
route_unicast(struct pkt *p, struct pnode *src, uint8_t *f, size_t len,
    int v6, uint32_t oid, int *viatcp, struct pnode **ownerp,
    struct pnode **viap)
{
	struct pnode	*owner, *via;

	owner = pnode_find(p, oid);
	if (owner == src) {
		log_debug(DEBUG_TRAFFIC, "packet looping back to %s",
		    pname(src));
		pkt_drop(p, src);
		return -1;
	}
	if (owner == NULL || !owner->reachable) {
		pkt_icmp(p, src, f, len, v6, v6 ? ICMP6_DST_UNREACH :
		    ICMP4_DEST_UNREACH, v6 ? ICMP6_DST_NOROUTE :
		    ICMP4_NET_UNREACH, 0, *viatcp);
		return -1;
	}
	if (p->conf.forwarding == FMODE_OFF && src != p->self &&
	    owner != p->self) {
		pkt_icmp(p, src, f, len, v6, v6 ? ICMP6_DST_UNREACH :
		    ICMP4_DEST_UNREACH, v6 ? ICMP6_DST_ADMIN : ICMP4_NET_ANO,
		    0, *viatcp);
		return -1;
	}
	if (p->conf.decrement_ttl && src != p->self && owner != p->self &&
	    !pkt_ttl(p, src, f, len, *viatcp))
		return -1;
	via = pkt_via(p, owner);
	if (via == NULL) {
		pkt_drop(p, src);
		return -1;
	}
	if (via == src) {
		log_debug(DEBUG_TRAFFIC, "routing loop for packet from %s",
		    pname(src));
		pkt_drop(p, src);
		return -1;
	}
	if (p->conf.direct_only && owner != via) {
		pkt_icmp(p, src, f, len, v6, v6 ? ICMP6_DST_UNREACH :
		    ICMP4_DEST_UNREACH, v6 ? ICMP6_DST_ADMIN : ICMP4_NET_ANO,
		    0, *viatcp);
		return -1;
	}
	*ownerp = owner;
	*viap = via;
	return 0;
}

static void
route_ipv4(struct pkt *p, struct pnode *src, uint8_t *f, size_t len,
    const struct frame_info *fi, int viatcp)
{
	struct pnode	*owner, *via;
	uint32_t	 oid;
	int		 prio = -1, mtu;

	if (fi->broadcast && p->conf.broadcast != BMODE_NONE) {
		pkt_broadcast(p, src, f, len, viatcp);
		return;
	}
	if (route_lookup_v4(&p->routes, fi->dst, pkt_reachable, p,
	    &oid) == -1) {
		log_debug(DEBUG_TRAFFIC, "cannot route packet from %s: "
		    "unknown IPv4 destination %u.%u.%u.%u", pname(src),
		    fi->dst[0], fi->dst[1], fi->dst[2], fi->dst[3]);
		pkt_icmp(p, src, f, len, 0, ICMP4_DEST_UNREACH,
		    ICMP4_NET_UNKNOWN, 0, viatcp);
		return;
	}
	if (route_unicast(p, src, f, len, 0, oid, &viatcp, &owner,
	    &via) == -1)
		return;
	if (p->conf.priority_inheritance) {
		prio = fi->priority;
		viatcp = 0;	/* tinc: the TOS replaces the TCP mark */
	}
	mtu = via->mtu > ROUTE_MIN_MTU4 ? via->mtu : ROUTE_MIN_MTU4;
	if (via != p->self && len > (size_t)mtu) {
		if (fi->df) {
			log_debug(DEBUG_TRAFFIC, "packet for %s (%zu bytes) "
			    "too long, sending frag needed", via->name, len);
			pkt_icmp(p, src, f, (size_t)mtu, 0,
			    ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED,
			    (uint32_t)mtu - ROUTE_ETH_HLEN, viatcp);
		} else
			pkt_fragment(p, src, via, f, len, viatcp, prio);
		return;
	}
	pkt_clamp(p, src, via, f, len);
	pkt_send_packet(p, owner, f, len, viatcp, prio);
}

static void
route_ipv6(struct pkt *p, struct pnode *src, uint8_t *f, size_t len,
    const struct frame_info *fi, int viatcp)
{
	struct pnode	*owner, *via;
	uint32_t	 oid;
	int		 prio = -1, mtu;

	if (fi->ns) {
		route_ns(p, src, f, len);
		return;
	}
	if (fi->broadcast && p->conf.broadcast != BMODE_NONE) {
		pkt_broadcast(p, src, f, len, viatcp);
		return;
	}
	if (route_lookup_v6(&p->routes, fi->dst, pkt_reachable, p,
	    &oid) == -1) {
		log_debug(DEBUG_TRAFFIC, "cannot route packet from %s: "
		    "unknown IPv6 destination", pname(src));
		pkt_icmp(p, src, f, len, 1, ICMP6_DST_UNREACH, ICMP6_DST_ADDR,
		    0, viatcp);
		return;
	}
	if (route_unicast(p, src, f, len, 1, oid, &viatcp, &owner,
	    &via) == -1)
		return;
	if (p->conf.priority_inheritance) {
		prio = fi->priority;
		viatcp = 0;
	}
	mtu = via->mtu > ROUTE_MIN_MTU6 ? via->mtu : ROUTE_MIN_MTU6;
	if (via != p->self && len > (size_t)mtu) {
		log_debug(DEBUG_TRAFFIC, "packet for %s (%zu bytes) too "
		    "long, sending packet too big", via->name, len);
		pkt_icmp(p, src, f, (size_t)mtu, 1, ICMP6_PACKET_TOO_BIG, 0,
		    (uint32_t)mtu - ROUTE_ETH_HLEN, viatcp);
		return;
	}
	pkt_clamp(p, src, via, f, len);
	pkt_send_packet(p, owner, f, len, viatcp, prio);
}

static void
route_router(struct pkt *p, struct pnode *src, uint8_t *f, size_t len,
    int viatcp)
{
	struct frame_info	 fi;

	if (route_parse(f, len, &fi) == -1) {
		log_debug(DEBUG_TRAFFIC, "dropping a malformed %zu byte "
		    "packet from %s", len, pname(src));
		pkt_drop(p, src);
		return;
	}
	switch (fi.type) {
	case FRAME_ARP:
		route_arp(p, src, f, len);
		break;
	case FRAME_IPV4:
		route_ipv4(p, src, f, len, &fi, viatcp);
		break;
	case FRAME_IPV6:
		route_ipv6(p, src, f, len, &fi, viatcp);
		break;
	default:
		log_debug(DEBUG_TRAFFIC, "cannot route packet from %s: "
		    "unknown type %02x%02x", pname(src), f[12], f[13]);
		pkt_drop(p, src);
		break;
	}
}

/* ---- switch mode (spec 12.7) ----------------------------------------- */

/* A source MAC seen on our device. */
static void
pkt_learn(struct pkt *p, const uint8_t *mac)
{
	uint32_t	 owner;
	int		 r;

	/* covered by one of our configured subnets: nothing to learn */
	if (!mac_table_has(&p->macs, mac) &&
	    route_lookup_mac(&p->routes, mac, NULL, NULL, &owner) == 0 &&
	    owner == p->self->id)
		return;
	r = mac_table_learn(&p->macs, mac, p->now, p->conf.mac_expire);
	if (r == 1) {
		log_debug(DEBUG_TRAFFIC, "learned new MAC address "
		    "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		    mac[3], mac[4], mac[5]);
		if (p->ops->mac_learned != NULL)
			p->ops->mac_learned(p, mac);
	} else if (r == -1 && !p->macs_full_logged) {
		log_warnx("MAC table full; not learning more addresses");
		p->macs_full_logged = 1;
	}
}

/* Too big for via in switch mode: ICMP or fragments for IP, else on. */
static int
route_mac_too_big(struct pkt *p, struct pnode *src, struct pnode *via,
    uint8_t *f, size_t len, int viatcp, int prio)
{
	size_t		 eth = ROUTE_ETH_HLEN, mtu = (size_t)via->mtu;
	uint16_t	 type = (uint16_t)(f[12] << 8 | f[13]);

	if (type == ROUTE_ETHERTYPE_VLAN) {
		if (len < eth + 4)
			return 0;
		eth += 4;
		type = (uint16_t)(f[16] << 8 | f[17]);
	}
	if (type == ROUTE_ETHERTYPE_IPV4 && len > 576 + eth) {
		if (len > eth + 6 && (f[eth + 6] & 0x40))
			pkt_icmp(p, src, f, mtu, 0, ICMP4_DEST_UNREACH,
			    ICMP4_FRAG_NEEDED, (uint32_t)(mtu - eth), viatcp);
		else
			pkt_fragment(p, src, via, f, len, viatcp, prio);
		return 1;
	}
	if (type == ROUTE_ETHERTYPE_IPV6 && len > 1280 + eth) {
		pkt_icmp(p, src, f, mtu, 1, ICMP6_PACKET_TOO_BIG, 0,
		    (uint32_t)(mtu - eth), viatcp);
		return 1;
	}
	return 0;
}

static void
route_switch(struct pkt *p, struct pnode *src, uint8_t *f, size_t len,
    int viatcp)
{
	struct frame_info	 fi;
	struct pnode		*owner, *via;
	uint32_t		 oid;
	int			 prio = -1;

	if (src == p->self)
		pkt_learn(p, f + 6);
	if (route_lookup_mac(&p->routes, f, pkt_reachable, p, &oid) == -1 ||
	    (owner = pnode_find(p, oid)) == NULL) {
		pkt_broadcast(p, src, f, len, viatcp);
		return;
	}
	if (owner == src) {
		log_debug(DEBUG_TRAFFIC, "packet looping back to %s",
		    pname(src));
		pkt_drop(p, src);
		return;
	}
	if (p->conf.forwarding == FMODE_OFF && src != p->self &&
	    owner != p->self) {
		pkt_drop(p, src);
		return;
	}
	if (p->conf.decrement_ttl && src != p->self && owner != p->self &&
	    !pkt_ttl(p, src, f, len, viatcp))
		return;
	if (p->conf.priority_inheritance && route_parse(f, len, &fi) == 0 &&
	    (fi.type == FRAME_IPV4 || fi.type == FRAME_IPV6)) {
		prio = fi.priority;
		viatcp = 0;
	}
	if ((via = pkt_via(p, owner)) == NULL) {
		pkt_drop(p, src);
		return;
	}
	if (p->conf.direct_only && owner != via) {
		pkt_drop(p, src);
		return;
	}
	if (via != p->self && len > (size_t)via->mtu &&
	    route_mac_too_big(p, src, via, f, len, viatcp, prio))
		return;
	pkt_clamp(p, src, via, f, len);
	pkt_send_packet(p, owner, f, len, viatcp, prio);
}

/* Our learned MACs past MACExpire: gone, and meta tells everybody. */
void
pkt_mac_sweep(struct pkt *p)
{
	uint8_t	 gone[32][6];
	size_t	 n, i;

	do {
		n = mac_table_expire(&p->macs, p->now, gone, 32);
		for (i = 0; i < n; i++) {
			log_debug(DEBUG_TRAFFIC, "MAC address %02x:%02x:%02x:"
			    "%02x:%02x:%02x expired", gone[i][0], gone[i][1],
			    gone[i][2], gone[i][3], gone[i][4], gone[i][5]);
			if (p->ops->mac_expired != NULL)
				p->ops->mac_expired(p, gone[i]);
		}
	} while (n == 32);
	if (p->macs.count < p->macs.max)
		p->macs_full_logged = 0;
}

/* ---- broadcast (spec 12.9) ------------------------------------------ */

void
pkt_broadcast(struct pkt *p, struct pnode *src, uint8_t *f, size_t len,
    int viatcp)
{
	struct pnode	*n, *back;

	if (p->conf.decrement_ttl && src != p->self &&
	    !pkt_ttl(p, src, f, len, viatcp))
		return;
	if (src != p->self)
		pkt_send_packet(p, p->self, f, len, 0, -1);
	if (p->conf.tunnel_server)
		return;
	switch (p->conf.broadcast) {
	case BMODE_MST:
		/* the tree without the link the frame came in on */
		back = src->nexthop;
		RB_FOREACH(n, pnode_ids, &p->ids) {
			if (n == p->self || !n->conn || !n->mst || n == back)
				continue;
			pkt_send_packet(p, n, f, len, viatcp, -1);
		}
		break;
	case BMODE_DIRECT:
		if (src != p->self)
			break;
		RB_FOREACH(n, pnode_ids, &p->ids) {
			if (n == p->self || !n->reachable || n->salen == 0)
				continue;
			if ((n->via == p->self && n->nexthop == n) ||
			    n->via == n)
				pkt_send_packet(p, n, f, len, viatcp, -1);
		}
		break;
	default:
		break;
	}
}

/* ---- entry point (spec 12.2) ------------------------------------------ */

/*
 * Route one frame from src (p->self: read from our device).  viatcp marks
 * a frame that came in a PACKET request (spec 9).  f holds PKT_BUFSZ.
 */
void
pkt_route(struct pkt *p, struct pnode *src, uint8_t *f, size_t len,
    int viatcp)
{
	if (p->self == NULL || src == NULL) {
		pkt_drop(p, NULL);
		return;
	}
	if (p->conf.forwarding == FMODE_KERNEL && src != p->self) {
		pkt_send_packet(p, p->self, f, len, 0, -1);
		return;
	}
	if (len < ROUTE_ETH_HLEN) {
		pkt_drop(p, src);
		return;
	}
	switch (p->conf.mode) {
	case RMODE_ROUTER:
		route_router(p, src, f, len, viatcp);
		break;
	case RMODE_SWITCH:
		route_switch(p, src, f, len, viatcp);
		break;
	default:
		pkt_broadcast(p, src, f, len, viatcp);
		break;
	}
}
