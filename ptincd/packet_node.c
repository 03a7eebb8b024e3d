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
 * The packet worker's nodes: the topology meta pushes, the UDP address
 * index, the packet keys of both directions, and PMTU discovery.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compress.h"
#include "conf.h"
#include "log.h"
#include "packet.h"
#include "proto.h"

static int	pnode_cmp_id(const struct pnode *, const struct pnode *);
static int	pnode_cmp_addr(const struct pnode *, const struct pnode *);
static void	pmtu_tick(void *);

RB_GENERATE(pnode_ids, pnode, id_entry, pnode_cmp_id);
RB_GENERATE(pnode_addrs, pnode, addr_entry, pnode_cmp_addr);

static int
pnode_cmp_id(const struct pnode *a, const struct pnode *b)
{
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/* By family, port, address; equal addresses are told apart by id. */
static int
pnode_cmp_addr(const struct pnode *a, const struct pnode *b)
{
	int	 c;

	if (a->addr.family != b->addr.family)
		return a->addr.family < b->addr.family ? -1 : 1;
	if (a->addr.port != b->addr.port)
		return a->addr.port < b->addr.port ? -1 : 1;
	if ((c = memcmp(a->addr.addr, b->addr.addr, 16)) != 0)
		return c;
	return pnode_cmp_id(a, b);
}

int
pkt_init(struct pkt *p, const struct pkt_conf *c, const struct pkt_ops *ops,
    void *arg)
{
	memset(p, 0, sizeof(*p));
	p->conf = *c;
	p->ops = ops;
	p->arg = arg;
	p->devfd = -1;
	RB_INIT(&p->ids);
	RB_INIT(&p->addrs);
	route_table_init(&p->routes, 0);
	if (mac_table_init(&p->macs, 0) == -1) {
		log_warnx("%s: MAC table", __func__);
		return -1;
	}
	if ((p->comp = compressor_new()) == NULL) {
		log_warnx("%s: compressor", __func__);
		mac_table_free(&p->macs);
		return -1;
	}
	pkt_clock(p);
	return 0;
}

static void
pnode_free(struct pkt *p, struct pnode *n)
{
	if (n->probing)
		ev_timer_del(&n->probe_timer);
	if (n->in_addr_tree)
		RB_REMOVE(pnode_addrs, &p->addrs, n);
	RB_REMOVE(pnode_ids, &p->ids, n);
	p->nnodes--;
	legacy_key_free(&n->in);
	legacy_key_free(&n->out);
	freezero(n, sizeof(*n));
}

void
pkt_free(struct pkt *p)
{
	struct pnode	*n;

	while ((n = RB_ROOT(&p->ids)) != NULL)
		pnode_free(p, n);
	ev_timer_del(&p->mac_timer);
	route_table_free(&p->routes);
	mac_table_free(&p->macs);
	compressor_free(p->comp);
	p->comp = NULL;
	p->self = NULL;
}

/* A reload: the data plane keeps its nodes and keys. */
void
pkt_set_conf(struct pkt *p, const struct pkt_conf *c)
{
	int	 mode = p->conf.mode;

	if (c->mode != mode)
		log_warnx("Mode changed; it takes effect after a restart");
	p->conf = *c;
	p->conf.mode = mode;
	if (p->self != NULL) {
		p->self->options = c->options;
		p->self->mtu = c->pmtu > 0 && c->pmtu < MTU ? c->pmtu : MTU;
	}
	/* a new ReplayWindow applies from each node's next key on */
}

void
pkt_clock(struct pkt *p)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->now = ts.tv_sec;
}

struct pnode *
pnode_find(struct pkt *p, uint32_t id)
{
	struct pnode	 key;

	key.id = id;
	return RB_FIND(pnode_ids, &p->ids, &key);
}

/* Exact (family, address, port) match, as tinc looks up UDP senders. */
struct pnode *
pnode_find_addr(struct pkt *p, const struct paddr *a)
{
	struct pnode	 key, *n;

	key.addr = *a;
	key.id = 0;
	n = RB_NFIND(pnode_addrs, &p->addrs, &key);
	if (n == NULL || n->addr.family != a->family ||
	    n->addr.port != a->port || memcmp(n->addr.addr, a->addr, 16) != 0)
		return NULL;
	return n;
}

/* Resolve every node's nexthop and via after a node came or went. */
static void
pnode_relink(struct pkt *p)
{
	struct pnode	*n;

	RB_FOREACH(n, pnode_ids, &p->ids) {
		n->nexthop = pnode_find(p, n->nexthop_id);
		n->via = pnode_find(p, n->via_id);
	}
}

static struct pnode *
pnode_new(struct pkt *p, uint32_t id)
{
	struct pnode	*n;

	if (p->nnodes >= PKT_MAX_NODES) {
		log_warnx("%s: more than %d nodes", __func__, PKT_MAX_NODES);
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	n->pkt = p;
	n->id = id;
	n->sock = -1;
	n->mtu = MTU;
	n->maxmtu = MTU;
	if (replay_init(&n->replay, (size_t)p->conf.replay_window) == -1)
		replay_init(&n->replay, REPLAY_MAX);
	RB_INSERT(pnode_ids, &p->ids, n);
	p->nnodes++;
	return n;
}

int
pkt_set_self(struct pkt *p, uint32_t id, const char *name)
{
	struct pnode	*n;

	if (id == 0)
		return -1;
	if (p->self != NULL && p->self->id != id) {
		log_warnx("%s: our node id changed", __func__);
		return -1;
	}
	if ((n = pnode_find(p, id)) == NULL && (n = pnode_new(p, id)) == NULL)
		return -1;
	if (name != NULL)
		strlcpy(n->name, name, sizeof(n->name));
	n->reachable = 1;
	n->nexthop_id = n->via_id = id;
	n->options = p->conf.options;
	n->mtu = p->conf.pmtu > 0 && p->conf.pmtu < MTU ? p->conf.pmtu : MTU;
	n->minmtu = n->maxmtu = n->mtu;
	p->self = n;
	pnode_relink(p);
	return 0;
}

void
pkt_node_set_addr(struct pkt *p, struct pnode *n, const struct paddr *a)
{
	if (n->in_addr_tree)
		RB_REMOVE(pnode_addrs, &p->addrs, n);
	n->in_addr_tree = 0;
	n->addr = *a;
	n->salen = paddr_to_sa(a, &n->sa);
	if (n->salen == 0) {
		memset(&n->addr, 0, sizeof(n->addr));
		return;
	}
	RB_INSERT(pnode_addrs, &p->addrs, n);
	n->in_addr_tree = 1;
}

static void
pnode_forget_out(struct pnode *n)
{
	legacy_key_free(&n->out);
	n->validkey = 0;
	n->req_key_sent = 0;
}

int
pkt_node_update(struct pkt *p, const struct pnode_info *ni)
{
	struct pnode	*n;
	int		 created = 0;

	if (ni->id == 0)
		return -1;
	if ((n = pnode_find(p, ni->id)) == NULL) {
		if ((n = pnode_new(p, ni->id)) == NULL)
			return 0;	/* logged; the node stays unknown */
		created = 1;
	}
	strlcpy(n->name, ni->name, sizeof(n->name));
	if (n == p->self)
		return 0;
	if (n->reachable != ni->reachable) {
		/* spec 6.3: a new key and a new PMTU discovery either way */
		n->reachable = ni->reachable;
		pnode_forget_out(n);
		pmtu_reset(p, n);
		log_debug(DEBUG_TRAFFIC, "node %s became %s", n->name,
		    n->reachable ? "reachable" : "unreachable");
	}
	n->nexthop_id = ni->nexthop;
	n->via_id = ni->via;
	n->options = ni->options;
	n->conn = ni->conn;
	n->mst = ni->mst;
	n->pmtu_opt = ni->pmtu;
	if (n->pmtu_opt > 0 && n->pmtu_opt < n->mtu)
		n->mtu = n->pmtu_opt;
	if (memcmp(&n->addr, &ni->addr, sizeof(n->addr)) != 0)
		pkt_node_set_addr(p, n, &ni->addr);
	if (created)
		pnode_relink(p);
	else {
		n->nexthop = pnode_find(p, n->nexthop_id);
		n->via = pnode_find(p, n->via_id);
	}
	pkt_node_report(p, n);
	return 0;
}

int
pkt_node_del(struct pkt *p, uint32_t id)
{
	struct pnode	*n;

	if ((n = pnode_find(p, id)) == NULL)
		return 0;
	if (n == p->self) {
		log_warnx("%s: meta deletes our own node", __func__);
		return -1;
	}
	route_del_owner(&p->routes, id);
	pnode_free(p, n);
	pnode_relink(p);
	return 0;
}

int
pkt_subnet_add(struct pkt *p, uint32_t owner, const struct subnet *s)
{
	struct pnode	*n = pnode_find(p, owner);
	const char	*name = n != NULL ? n->name : NULL;
	int		 r;

	switch (s->type) {
	case SUBNET_MAC:
		r = route_add_mac(&p->routes, s->net.mac, s->weight, owner,
		    name);
		/* fast handoff of a MAC that moved to another node */
		if (r == 0 && (p->self == NULL || owner != p->self->id) &&
		    mac_table_has(&p->macs, s->net.mac))
			mac_table_handoff(&p->macs, s->net.mac, p->now);
		break;
	case SUBNET_IPV4:
		r = route_add_v4(&p->routes, s->net.ipv4, s->prefixlen,
		    s->weight, owner, name);
		break;
	case SUBNET_IPV6:
		r = route_add_v6(&p->routes, s->net.ipv6, s->prefixlen,
		    s->weight, owner, name);
		break;
	default:
		return -1;
	}
	if (r == -1 && errno == EINVAL)
		return -1;
	if (r == -1 && errno != EEXIST)
		log_warn("%s: cannot add a subnet of node %u", __func__,
		    owner);
	return 0;
}

int
pkt_subnet_del(struct pkt *p, uint32_t owner, const struct subnet *s)
{
	int	 r;

	switch (s->type) {
	case SUBNET_MAC:
		r = route_del_mac(&p->routes, s->net.mac, s->weight, owner);
		break;
	case SUBNET_IPV4:
		r = route_del_v4(&p->routes, s->net.ipv4, s->prefixlen,
		    s->weight, owner);
		break;
	case SUBNET_IPV6:
		r = route_del_v6(&p->routes, s->net.ipv6, s->prefixlen,
		    s->weight, owner);
		break;
	default:
		return -1;
	}
	if (r == -1)
		log_debug(DEBUG_PROTOCOL, "%s: node %u had no such subnet",
		    __func__, owner);
	return 0;
}

/* The key we chose for packets from n: decrypt with it from now on. */
int
pkt_key_in(struct pkt *p, uint32_t id, const struct pkt_key *k)
{
	struct pnode	*n;
	const char	*why = NULL;

	if ((n = pnode_find(p, id)) == NULL || n == p->self) {
		log_warnx("%s: key for unknown node %u", __func__, id);
		return 0;
	}
	legacy_key_free(&n->in);
	n->inkey = 0;
	if (legacy_key_init(&n->in, 0, k->cipher, k->digest, k->maclength,
	    k->compression, k->key, k->len, &why) == -1) {
		log_warnx("cannot use our packet key for %s: %s", n->name, why);
		return 0;
	}
	n->inkey = 1;
	if (replay_init(&n->replay, (size_t)p->conf.replay_window) == -1)
		replay_init(&n->replay, REPLAY_MAX);
	n->rekey_sent = 0;
	return 0;
}

/* The key n chose (its ANS_KEY): our packets to n use it. */
int
pkt_key_out(struct pkt *p, uint32_t id, const struct pkt_key *k)
{
	struct pnode	*n;
	const char	*why = NULL;

	if ((n = pnode_find(p, id)) == NULL || n == p->self) {
		log_warnx("%s: key of unknown node %u", __func__, id);
		return 0;
	}
	pnode_forget_out(n);
	if (legacy_key_init(&n->out, 1, k->cipher, k->digest, k->maclength,
	    k->compression, k->key, k->len, &why) == -1) {
		log_warnx("cannot use the packet key of %s: %s", n->name, why);
		return 0;
	}
	n->validkey = 1;
	n->seqno = 0;
	if ((n->options & OPTION_PMTU_DISCOVERY) && !n->probing)
		pmtu_start(p, n);
	return 0;
}

int
pkt_key_invalid(struct pkt *p, uint32_t id)
{
	struct pnode	*n;

	if ((n = pnode_find(p, id)) != NULL && n != p->self)
		pnode_forget_out(n);
	return 0;
}

void
pkt_keys_forget(struct pkt *p)
{
	struct pnode	*n;

	RB_FOREACH(n, pnode_ids, &p->ids) {
		legacy_key_free(&n->in);
		n->inkey = 0;
		n->rekey_sent = 0;
	}
}

/* REQ_KEY through meta, at most every PKT_REQ_KEY_INTERVAL seconds. */
void
pkt_need_key(struct pkt *p, struct pnode *n)
{
	if (n->req_key_sent && p->now - n->last_req_key <
	    PKT_REQ_KEY_INTERVAL)
		return;
	n->req_key_sent = 1;
	n->last_req_key = p->now;
	if (p->ops->need_key != NULL)
		p->ops->need_key(p, n);
}

static int
paddr_same_ip(const struct paddr *a, const struct paddr *b)
{
	size_t	 len = a->family == 4 ? 4 : 16;

	return a->family == b->family && memcmp(a->addr, b->addr, len) == 0;
}

/*
 * A datagram from an address no node has (spec 10.9): find the node whose
 * receive key authenticates it.  The first attempt in a second tries every
 * node, later ones in the same second only nodes known at the same IP.
 * tinc walks edges; a node's own UDP address is what we know here.
 */
struct pnode *
pkt_try_harder(struct pkt *p, const struct paddr *from, const uint8_t *d,
    size_t len)
{
	struct pnode	*n, *found = NULL;
	int		 hard = p->last_hard_try == p->now;

	RB_FOREACH(n, pnode_ids, &p->ids) {
		if (n == p->self || !n->inkey || n->in.maclength == 0)
			continue;
		if (hard && !paddr_same_ip(&n->addr, from))
			continue;
		if (ldgram_verify(&n->in, d, len) == 0) {
			found = n;
			break;
		}
	}
	p->last_hard_try = p->now;
	return found;
}

/* Tell meta when the confirmed or the used MTU changed. */
void
pkt_node_report(struct pkt *p, struct pnode *n)
{
	if (n->minmtu == n->told_minmtu && n->mtu == n->told_mtu)
		return;
	n->told_minmtu = n->minmtu;
	n->told_mtu = n->mtu;
	if (p->ops->udp_state != NULL)
		p->ops->udp_state(p, n);
}

/* ---- path MTU discovery (spec 11.3) --------------------------------- */

void
pmtu_reset(struct pkt *p, struct pnode *n)
{
	n->maxmtu = MTU;
	n->minmtu = 0;
	n->mtuprobes = 0;
	if (n->probing)
		ev_timer_del(&n->probe_timer);
	n->probing = 0;
	pkt_node_report(p, n);
}

static int
pmtu_probe_len(struct pnode *n)
{
	if (n->maxmtu <= n->minmtu)
		return n->maxmtu;
	return n->minmtu + 1 +
	    (int)arc4random_uniform((uint32_t)(n->maxmtu - n->minmtu));
}

/*
 * One timer expiry: update the state, say which probes to send and when
 * to come back.  tinc's counter values are kept: up to 30 one-second
 * rounds, 31 waits PingInterval, 32 is the keepalive round.
 */
void
pmtu_step(struct pkt *p, struct pnode *n, struct pmtu_round *r)
{
	int	 i, len, nprobes;

	memset(r, 0, sizeof(*r));
	n->mtuprobes++;
	if (!n->reachable || !n->validkey) {
		n->mtuprobes = 0;
		return;
	}
	if (n->mtuprobes > 32) {
		if (n->minmtu == 0) {
			n->mtuprobes = 31;
			r->delay = p->conf.ping_interval;
			return;
		}
		log_debug(DEBUG_TRAFFIC, "%s did not respond to UDP ping, "
		    "restarting PMTU discovery", n->name);
		n->mtuprobes = 1;
		n->minmtu = 0;
		n->maxmtu = MTU;
	}
	if (n->mtuprobes >= 10 && n->mtuprobes < 32 && n->minmtu == 0) {
		log_debug(DEBUG_TRAFFIC, "no response to MTU probes from %s",
		    n->name);
		n->mtuprobes = 31;
	}
	if (n->mtuprobes == 30 || (n->mtuprobes < 30 &&
	    n->minmtu >= n->maxmtu)) {
		if (n->minmtu > n->maxmtu)
			n->minmtu = n->maxmtu;
		else
			n->maxmtu = n->minmtu;
		n->mtu = n->minmtu;
		if (n->pmtu_opt > 0 && n->mtu > n->pmtu_opt)
			n->mtu = n->pmtu_opt;
		log_debug(DEBUG_TRAFFIC, "Fixing MTU of %s to %d after %d "
		    "probes", n->name, n->mtu, n->mtuprobes);
		n->mtuprobes = 31;
	}
	if (n->mtuprobes == 31) {
		r->delay = p->conf.ping_interval;
		return;
	}
	r->delay = n->mtuprobes == 32 ? p->conf.ping_timeout : 1;
	nprobes = p->conf.local_discovery ? 5 : 4;
	for (i = 0; i < nprobes; i++) {
		if (i == 0) {
			/* has the path MTU grown? */
			if (n->mtuprobes < 30 || n->maxmtu + 8 >= MTU)
				continue;
			len = n->maxmtu + 8;
		} else
			len = pmtu_probe_len(n);
		if (len < PKT_PROBE_MIN)
			len = PKT_PROBE_MIN;
		r->len[r->n] = len;
		r->bcast[r->n] = i == 4 && n->mtuprobes <= 10;
		r->n++;
	}
}

/* A probe reply of len bytes came back. */
void
pmtu_reply(struct pkt *p, struct pnode *n, int len)
{
	if (n->mtuprobes > 30) {
		if (len == n->maxmtu + 8) {
			log_debug(DEBUG_TRAFFIC, "increase in PMTU to %s "
			    "detected, restarting PMTU discovery", n->name);
			n->maxmtu = MTU;
			n->mtuprobes = 10;
			return;
		}
		n->mtuprobes = n->minmtu > 0 ? 30 : 1;
	}
	if (len > n->maxmtu)
		len = n->maxmtu;
	if (n->minmtu < len)
		n->minmtu = len;
	pkt_node_report(p, n);
}

static void
pmtu_run(struct pkt *p, struct pnode *n)
{
	struct pmtu_round	 r;
	int			 i;

	pmtu_step(p, n, &r);
	for (i = 0; i < r.n; i++)
		pkt_send_probe(p, n, r.len[i], r.bcast[i]);
	if (r.delay > 0) {
		ev_timer_set(&n->probe_timer, (uint64_t)r.delay * 1000,
		    pmtu_tick, n);
		n->probing = 1;
	}
	pkt_node_report(p, n);
}

static void
pmtu_tick(void *arg)
{
	struct pnode	*n = arg;
	struct pkt	*p = n->pkt;

	n->probing = 0;
	pkt_clock(p);
	pmtu_run(p, n);
	pkt_flush(p);
}

/* A send key arrived for a node that wants PMTU discovery. */
void
pmtu_start(struct pkt *p, struct pnode *n)
{
	if (n->probing)
		return;
	pmtu_run(p, n);
}

/* sendto() said EMSGSIZE for a frame of flen bytes. */
void
pmtu_emsgsize(struct pkt *p, struct pnode *n, size_t flen)
{
	if (flen == 0)
		return;
	if ((size_t)n->maxmtu >= flen)
		n->maxmtu = (int)flen - 1;
	if ((size_t)n->mtu >= flen)
		n->mtu = (int)flen - 1;
	log_debug(DEBUG_TRAFFIC, "frame of %zu bytes too big for the path "
	    "to %s; MTU now %d", flen, n->name, n->mtu);
	pkt_node_report(p, n);
}

/* ---- SIGUSR2 -------------------------------------------------------- */

void
pkt_dump(struct pkt *p)
{
	struct pnode		*n;
	struct pnode_stats	*s;
	char			 a[PADDR_STRLEN];

	log_info("device %s: %llu frames in, %llu out; udp %llu in, "
	    "%llu out, %llu from unknown sources, %llu bad; tcp %llu in, "
	    "%llu out; %llu dropped, %llu send errors",
	    p->ifname[0] != '\0' ? p->ifname : "none",
	    (unsigned long long)p->stats.dev_in,
	    (unsigned long long)p->stats.dev_out,
	    (unsigned long long)p->stats.udp_in,
	    (unsigned long long)p->stats.udp_out,
	    (unsigned long long)p->stats.udp_unknown,
	    (unsigned long long)p->stats.udp_bad,
	    (unsigned long long)p->stats.tcp_in,
	    (unsigned long long)p->stats.tcp_out,
	    (unsigned long long)p->stats.dropped,
	    (unsigned long long)p->stats.send_errors);
	RB_FOREACH(n, pnode_ids, &p->ids) {
		if (n == p->self)
			continue;
		s = &n->stats;
		log_info("node %s %s at %s nexthop %s via %s "
		    "options %x key %s/%s mtu %d min %d max %d probes %d; "
		    "udp in %llu (%llu bytes) out %llu (%llu bytes); "
		    "tcp in %llu out %llu",
		    n->name, n->reachable ? "reachable" : "unreachable",
		    paddr_str(&n->addr, a, sizeof(a)),
		    n->nexthop != NULL ? n->nexthop->name : "-",
		    n->via != NULL ? n->via->name : "-", n->options,
		    n->inkey ? "in" : "-", n->validkey ? "out" : "-",
		    n->mtu, n->minmtu, n->maxmtu, n->mtuprobes,
		    (unsigned long long)s->in_udp,
		    (unsigned long long)s->in_udp_bytes,
		    (unsigned long long)s->out_udp,
		    (unsigned long long)s->out_udp_bytes,
		    (unsigned long long)s->in_tcp,
		    (unsigned long long)s->out_tcp);
	}
}
