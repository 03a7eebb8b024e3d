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
 * Topology (legacy spec 5 and 6): subnets and edges learned from the meta
 * connections, flooded on verbatim, de-duplicated by line; contradictions
 * about ourselves; StrictSubnets and TunnelServer; purging unreachable
 * nodes; the graph run, coalesced to once per event-loop turn; scripts
 * for reachability changes; and the node and subnet tables the packet
 * worker routes with.
 *
 * Every table an authenticated peer can grow is bounded: nodes and edges
 * by the graph, subnets per owner and in total here, the seen-cache in
 * meta_seen.c.  Past a bound a request is logged and ignored, not
 * forwarded.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "log.h"
#include "meta.h"

static int
meta_subnet_cmp(struct meta_subnet *a, struct meta_subnet *b)
{
	return subnet_cmp(&a->s, &b->s);
}

RB_GENERATE(meta_subnet_tree, meta_subnet, entry, meta_subnet_cmp);

static int	 purge_pending;

static void	 reach_changed(struct node *, int, void *);
static void	 topo_timer(void *);

/* ---- nodes ------------------------------------------------------------ */

struct meta_node *
meta_node_of(struct node *n)
{
	struct meta_node	*mn;

	if (n->data != NULL)
		return n->data;
	if ((mn = calloc(1, sizeof(*mn))) == NULL)
		fatal("%s", __func__);
	mn->n = n;
	mn->mtu = MTU;
	RB_INIT(&mn->subnets);
	n->data = mn;
	return mn;
}

/* A node by name; with create, made if unknown (NULL past the bound). */
struct meta_node *
meta_node_get(const char *name, int create)
{
	struct node	*n;

	if ((n = graph_node_find(&M.g, name)) != NULL)
		return meta_node_of(n);
	if (!create)
		return NULL;
	if ((n = graph_node_add(&M.g, name)) == NULL) {
		if (meta_warn_ok(META_WARN_NODES))
			log_warnx("Cannot add node %s: %s", name,
			    strerror(errno));
		return NULL;
	}
	return meta_node_of(n);
}

static int
is_me(const struct node *n)
{
	return n == M.g.me;
}

/* ---- the packet worker's tables ------------------------------------- */

static void
pkt_subnet(uint32_t type, const struct meta_node *mn, const struct subnet *s)
{
	struct ibuf	*b;

	if ((b = imsg_create(type, mn->n->id, 32)) == NULL)
		return;
	if (ibuf_add_u32(b, mn->n->id) == -1) {
		ibuf_free(b);
		return;
	}
	ipc_put_subnet(b, s);
	meta_pkt_compose(type, mn->n->id, b);
}

static uint16_t
node_pmtu(const struct meta_node *mn)
{
	const struct meta_host	*h;
	int			 p = 0;

	if (mn->conn == NULL)
		return 0;
	if ((h = meta_host_find(mn->n->name)) != NULL && h->pmtu > 0 &&
	    h->pmtu < MTU)
		p = h->pmtu;
	if (M.conf->pmtu > 0 && M.conf->pmtu < MTU &&
	    (p == 0 || M.conf->pmtu < p))
		p = M.conf->pmtu;
	return (uint16_t)p;
}

static void
node_state(const struct meta_node *mn, struct meta_pkt_state *st)
{
	const struct node	*n = mn->n;

	memset(st, 0, sizeof(*st));
	st->reachable = n->reachable;
	st->nexthop = n->nexthop != NULL ? n->nexthop->id : 0;
	st->via = n->via != NULL ? n->via->id : 0;
	st->options = is_me(n) ? M.conf->options : n->options;
	if (n->udplen > 0 && n->udplen <= sizeof(st->udp)) {
		memcpy(&st->udp, &n->udp, n->udplen);
		st->udplen = n->udplen;
	}
	st->conn = mn->conn != NULL;
	st->mst = mn->conn != NULL && mn->conn->edge != NULL &&
	    mn->conn->edge->mst;
	st->pmtu = node_pmtu(mn);
}

/* IMSG_TOPO_NODE when what packet knows about the node is out of date. */
static void
pkt_node(struct meta_node *mn, int force)
{
	struct meta_pkt_state	 st;
	struct ibuf		*b;
	const struct node	*n = mn->n;

	node_state(mn, &st);
	if (mn->sent && !force && memcmp(&st, &mn->last, sizeof(st)) == 0)
		return;
	if ((b = imsg_create(IMSG_TOPO_NODE, n->id, 96)) == NULL)
		return;
	if (ibuf_add_u32(b, n->id) == -1 || ibuf_add_str(b, n->name) == -1 ||
	    ibuf_add_u8(b, st.reachable ? 1 : 0) == -1 ||
	    ibuf_add_u32(b, st.nexthop) == -1 ||
	    ibuf_add_u32(b, st.via) == -1 ||
	    ibuf_add_u32(b, st.options) == -1) {
		ibuf_free(b);
		return;
	}
	ipc_put_sockaddr(b, &st.udp, st.udplen);
	if (ibuf_add_u8(b, st.conn) == -1 || ibuf_add_u8(b, st.mst) == -1 ||
	    ibuf_add_u16(b, st.pmtu) == -1) {
		ibuf_free(b);
		return;
	}
	meta_pkt_compose(IMSG_TOPO_NODE, n->id, b);
	/* a reachability flip voids the old send key (spec 6.3) */
	if (mn->sent && mn->last.reachable != st.reachable)
		meta_pkt_u32(IMSG_KEY_INVALID, n->id);
	mn->last = st;
	mn->sent = 1;
}

/* ---- subnets ------------------------------------------------------------ */

static struct meta_subnet *
subnet_find(struct meta_node *mn, const struct subnet *s)
{
	struct meta_subnet	 key;

	key.s = *s;
	return RB_FIND(meta_subnet_tree, &mn->subnets, &key);
}

/* 1 added, 0 known already, -1 past a bound. */
static int
subnet_add(struct meta_node *mn, const struct subnet *s, int learned,
    int scripts)
{
	struct meta_subnet	*ms;

	if (subnet_find(mn, s) != NULL)
		return 0;
	if (mn->nsubnets >= META_MAX_NODE_SUBNETS ||
	    M.nsubnets >= META_MAX_SUBNETS) {
		if (meta_warn_ok(META_WARN_SUBNETS))
			log_warnx("Too many subnets (%zu for %s, %zu in all); "
			    "ignoring more", mn->nsubnets, mn->n->name,
			    M.nsubnets);
		return -1;
	}
	if ((ms = calloc(1, sizeof(*ms))) == NULL)
		return -1;
	ms->s = *s;
	ms->learned = learned;
	RB_INSERT(meta_subnet_tree, &mn->subnets, ms);
	mn->nsubnets++;
	M.nsubnets++;
	pkt_subnet(IMSG_TOPO_SUBNET_ADD, mn, s);
	if (scripts && mn->n->reachable)
		meta_script(IPC_SCRIPT_SUBNET_UP, mn->n, s);
	return 1;
}

static void
subnet_del(struct meta_node *mn, struct meta_subnet *ms, int scripts)
{
	RB_REMOVE(meta_subnet_tree, &mn->subnets, ms);
	mn->nsubnets--;
	M.nsubnets--;
	pkt_subnet(IMSG_TOPO_SUBNET_DEL, mn, &ms->s);
	if (scripts && mn->n->reachable)
		meta_script(IPC_SCRIPT_SUBNET_DOWN, mn->n, &ms->s);
	free(ms);
}

static int
subnet_line(char *buf, size_t len, int type, const char *owner,
    const struct subnet *s)
{
	char	 str[SUBNET_STRLEN];
	int	 n;

	subnet_format(s, str, sizeof(str), 1);
	n = snprintf(buf, len, "%d %x %s %s", type, meta_nonce(), owner, str);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

static void
send_subnet(struct meta_conn *c, int type, const char *owner,
    const struct subnet *s)
{
	char	 buf[256];
	int	 n;

	if ((n = subnet_line(buf, sizeof(buf), type, owner, s)) == -1)
		return;
	if (c != NULL)
		meta_conn_send(c, buf, (size_t)n);
	else
		meta_topo_broadcast(NULL, buf, (size_t)n);
}

/* ---- edges ---------------------------------------------------------- */

/* Spec 14.6 item 8: an edge without a numeric address is not passed on. */
int
meta_edge_forwardable(const struct edge *e)
{
	return e->salen != 0;
}

static int
edge_line(char *buf, size_t len, const struct edge *e)
{
	int	 n;

	n = snprintf(buf, len, "%d %x %s %s %s %s %x %d", REQ_ADD_EDGE,
	    meta_nonce(), e->from->name, e->to->name, e->address, e->port,
	    e->options, e->weight);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

static void
send_edge(struct meta_conn *c, const struct edge *e)
{
	char	 buf[PROTO_MAX_LINE + 1];
	int	 n;

	if ((n = edge_line(buf, sizeof(buf), e)) == -1)
		return;
	if (c != NULL)
		meta_conn_send(c, buf, (size_t)n);
	else
		meta_topo_broadcast(NULL, buf, (size_t)n);
}

static void
send_del_edge(struct meta_conn *c, const char *from, const char *to)
{
	char	 buf[2 * MAX_NAME_LEN + 32];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%d %x %s %s", REQ_DEL_EDGE,
	    meta_nonce(), from, to);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	if (c != NULL)
		meta_conn_send(c, buf, (size_t)n);
	else
		meta_topo_broadcast(NULL, buf, (size_t)n);
}

/* Send a line on every active connection but one. */
void
meta_topo_broadcast(struct meta_conn *except, const char *line, size_t len)
{
	struct meta_conn	*c;

	TAILQ_FOREACH(c, &M.conns, entry)
		if (c != except && c->state == MS_ACTIVE && !c->dead)
			meta_conn_send(c, line, len);
}

/* ---- graph runs ------------------------------------------------------ */

void
meta_topo_init(void)
{
	if (graph_init(&M.g, M.conf->name, META_MAX_NODES,
	    META_MAX_EDGES) == -1)
		fatalx("%s: cannot create the graph", __func__);
	graph_set_callback(&M.g, reach_changed, NULL);
	meta_node_of(M.g.me);
	M.graph_ready = 1;
}

void
meta_topo_dirty(void)
{
	if (!M.graph_timer.active)
		ev_timer_set(&M.graph_timer, 0, topo_timer, NULL);
}

static void
topo_timer(void *arg)
{
	meta_topo_run();
}

/* Spec 6.3: scripts, and a packet key for a new direct neighbour. */
static void
reach_changed(struct node *n, int reachable, void *arg)
{
	struct meta_node	*mn = meta_node_of(n);
	struct meta_subnet	*ms;
	char			 a[INET6_ADDRSTRLEN], p[8];

	if (meta_sockaddr_str(&n->udp, n->udplen, a, sizeof(a), p,
	    sizeof(p)) == -1) {
		strlcpy(a, "unknown", sizeof(a));
		strlcpy(p, "0", sizeof(p));
	}
	log_debug(DEBUG_STATUS, "Node %s (%s port %s) became %s", n->name, a,
	    p, reachable ? "reachable" : "unreachable");
	mn->last_req_key = 0;
	mn->minmtu = 0;
	mn->mtu = MTU;
	mn->send_key = reachable && mn->conn != NULL;
	meta_script(reachable ? IPC_SCRIPT_HOST_UP : IPC_SCRIPT_HOST_DOWN, n,
	    NULL);
	RB_FOREACH(ms, meta_subnet_tree, &mn->subnets)
		meta_script(reachable ? IPC_SCRIPT_SUBNET_UP :
		    IPC_SCRIPT_SUBNET_DOWN, n, &ms->s);
}

/*
 * Spec 5.5 and 5.10: after a DEL_EDGE or a lost connection, a node that
 * is now unreachable loses its edge to us too.
 */
static void
reverse_edges(void)
{
	struct node		*n;
	struct meta_node	*mn;
	struct edge		*e;

	RB_FOREACH(n, node_tree, &M.g.nodes) {
		mn = meta_node_of(n);
		if (!mn->check_reverse)
			continue;
		mn->check_reverse = 0;
		if (n->reachable || (e = graph_edge_find(n, M.g.me)) == NULL)
			continue;
		if (!M.conf->tunnel_server)
			send_del_edge(NULL, n->name, M.g.me->name);
		graph_edge_del(&M.g, e);
	}
}

static void
node_free(struct meta_node *mn)
{
	struct meta_subnet	*ms, *next;
	struct node		*n = mn->n;

	RB_FOREACH_SAFE(ms, meta_subnet_tree, &mn->subnets, next)
		subnet_del(mn, ms, 0);
	if (mn->sent)
		meta_pkt_u32(IMSG_TOPO_NODE_DEL, n->id);
	if (graph_node_del(&M.g, n) == -1) {
		log_warn("%s: %s", __func__, n->name);
		return;
	}
	free(mn);
}

/* Spec 5.10; runs after a graph run, so reachability is current. */
static void
purge(void)
{
	struct node		*n, *next;
	struct meta_node	*mn;
	struct meta_subnet	*ms, *mnext;
	struct edge		*e, *enext;

	log_debug(DEBUG_PROTOCOL, "Purging unreachable nodes");
	RB_FOREACH(n, node_tree, &M.g.nodes) {
		if (n->reachable || is_me(n))
			continue;
		mn = meta_node_of(n);
		RB_FOREACH_SAFE(ms, meta_subnet_tree, &mn->subnets, mnext) {
			send_subnet(NULL, REQ_DEL_SUBNET, n->name, &ms->s);
			if (!M.conf->strict_subnets)
				subnet_del(mn, ms, 0);
		}
		RB_FOREACH_SAFE(e, edge_tree, &n->edges, enext) {
			if (!M.conf->tunnel_server)
				send_del_edge(NULL, n->name, e->to->name);
			graph_edge_del(&M.g, e);
		}
	}
	RB_FOREACH_SAFE(n, node_tree, &M.g.nodes, next) {
		if (n->reachable || is_me(n) || n->nin != 0)
			continue;
		mn = meta_node_of(n);
		if (mn->conn != NULL ||
		    (M.conf->strict_subnets && mn->nsubnets > 0))
			continue;
		node_free(mn);
	}
}

void
meta_topo_purge(void)
{
	purge_pending = 1;
	graph_mark_dirty(&M.g);
	meta_topo_dirty();
}

/*
 * Recompute paths and the broadcast tree if anything changed, then tell
 * the packet worker what changed and hand out keys to new neighbours.
 */
void
meta_topo_run(void)
{
	struct node		*n;
	struct meta_node	*mn;
	int			 i;

	ev_timer_del(&M.graph_timer);
	if (!M.graph_ready || (!graph_dirty(&M.g) && !purge_pending))
		return;
	for (i = 0; i < 4 && graph_dirty(&M.g); i++) {
		graph_run(&M.g);
		reverse_edges();
		if (purge_pending && !graph_dirty(&M.g)) {
			purge_pending = 0;
			purge();
		}
	}
	RB_FOREACH(n, node_tree, &M.g.nodes)
		pkt_node(meta_node_of(n), 0);
	RB_FOREACH(n, node_tree, &M.g.nodes) {
		mn = meta_node_of(n);
		if (!mn->send_key)
			continue;
		mn->send_key = 0;
		if (n->reachable && mn->conn != NULL)
			meta_keys_send_ans(n);
	}
}

/* Tell packet about one node now (a UDP address learned outside a run). */
void
meta_topo_node_changed(struct node *n)
{
	pkt_node(meta_node_of(n), 0);
}

/* The packet worker learned n's address itself: no need to echo it. */
void
meta_topo_udp_learned(struct node *n, const struct sockaddr_storage *ss,
    socklen_t len)
{
	struct meta_node	*mn = meta_node_of(n);

	graph_node_set_udp(n, (const struct sockaddr *)ss, len);
	if (!mn->sent)
		return;
	memset(&mn->last.udp, 0, sizeof(mn->last.udp));
	if (n->udplen > 0)
		memcpy(&mn->last.udp, &n->udp, n->udplen);
	mn->last.udplen = n->udplen;
}

/* ---- activation and loss of a connection ------------------------------- */

/* Spec 4.10: everything we know, node by node. */
void
meta_topo_send_all(struct meta_conn *c)
{
	struct node		*n;
	struct meta_node	*mn;
	struct meta_subnet	*ms;
	struct edge		*e;

	RB_FOREACH(n, node_tree, &M.g.nodes) {
		if (M.conf->tunnel_server && !is_me(n))
			continue;
		mn = meta_node_of(n);
		RB_FOREACH(ms, meta_subnet_tree, &mn->subnets)
			send_subnet(c, REQ_ADD_SUBNET, n->name, &ms->s);
		if (M.conf->tunnel_server)
			continue;
		RB_FOREACH(e, edge_tree, &n->edges)
			if (meta_edge_forwardable(e))
				send_edge(c, e);
	}
}

/* Spec 4.9 steps 2, 3, 8, 9, 10. */
void
meta_topo_activate(struct meta_conn *c, const char *port, int weight)
{
	struct meta_node	*mn;
	struct meta_conn	*old;
	struct edge		*e;

	if ((mn = meta_node_get(c->name, 1)) == NULL) {
		meta_conn_terminate(c, META_T_TARPIT, "no room for the node");
		return;
	}
	if ((old = mn->conn) != NULL && old != c) {
		log_debug(DEBUG_CONNECTIONS, "Established a second connection "
		    "with %s, closing the old connection", c->name);
		if (old->outgoing != NULL && c->outgoing == NULL) {
			c->outgoing = old->outgoing;
			c->outgoing->conn = c;
			old->outgoing = NULL;
		}
		meta_conn_terminate(old, 0, NULL);
	}
	mn->conn = c;
	c->node = mn->n;
	meta_topo_send_all(c);
	if ((e = graph_edge_find(M.g.me, mn->n)) != NULL) {
		if (graph_edge_update(&M.g, e, c->addr, port, c->options,
		    weight) == -1)
			e = NULL;
	} else
		e = graph_edge_add(&M.g, M.g.me, mn->n, c->addr, port,
		    c->options, weight);
	if (e == NULL) {
		log_warn("cannot add the edge to %s", c->name);
		meta_conn_terminate(c, 0, NULL);
		return;
	}
	e->data = c;
	c->edge = e;
	if (M.conf->tunnel_server)
		send_edge(c, e);
	else
		send_edge(NULL, e);
	meta_topo_dirty();
}

/* Spec 5.10: an active connection closed. */
void
meta_topo_conn_lost(struct meta_conn *c, int report)
{
	struct meta_node	*mn;

	if (c->node == NULL)
		return;
	mn = meta_node_of(c->node);
	if (mn->conn == c)
		mn->conn = NULL;
	if (c->edge != NULL) {
		if (report && !M.conf->tunnel_server)
			send_del_edge(NULL, M.g.me->name, c->node->name);
		graph_edge_del(&M.g, c->edge);
		c->edge = NULL;
	}
	if (report)
		mn->check_reverse = 1;
	c->node = NULL;
	meta_topo_dirty();
}

/* ---- requests ----------------------------------------------------------- */

/* TunnelServer: only what concerns us or the peer of this connection. */
static int
ts_ignore(const struct meta_conn *c, const char *a, const char *b)
{
	if (!M.conf->tunnel_server)
		return 0;
	if (strcmp(a, M.conf->name) == 0 || strcmp(a, c->name) == 0)
		return 0;
	if (b != NULL && (strcmp(b, M.conf->name) == 0 ||
	    strcmp(b, c->name) == 0))
		return 0;
	return 1;
}

static int
seen(const char *line)
{
	return meta_seen_check(&M.seen, line, meta_now()) == 1;
}

static void
forward(struct meta_conn *from, const char *line)
{
	if (!M.conf->tunnel_server)
		meta_topo_broadcast(from, line, strlen(line));
}

/* Spec 5.2 */
static int
add_subnet(struct meta_conn *c, const char *line, const struct req_subnet *r)
{
	struct meta_node	*mn;
	struct subnet		 s;

	if (subnet_parse(r->subnet, &s) == -1) {
		log_warnx("Got bad ADD_SUBNET from %s: invalid subnet string "
		    "%s", meta_conn_label(c), r->subnet);
		return 0;
	}
	if (seen(line) || ts_ignore(c, r->owner, NULL))
		return 0;
	if ((mn = meta_node_get(r->owner, 1)) == NULL)
		return 0;
	if (subnet_find(mn, &s) != NULL)
		return 0;
	if (is_me(mn->n)) {
		log_debug(DEBUG_PROTOCOL, "Got ADD_SUBNET from %s for "
		    "ourself", meta_conn_label(c));
		send_subnet(c, REQ_DEL_SUBNET, M.conf->name, &s);
		return 0;
	}
	if (M.conf->tunnel_server)
		return 0;
	if (M.conf->strict_subnets) {
		log_debug(DEBUG_PROTOCOL, "Ignoring unauthorized ADD_SUBNET "
		    "from %s: %s", meta_conn_label(c), r->subnet);
		forward(c, line);
		return 0;
	}
	if (subnet_add(mn, &s, 0, 1) != 1)
		return 0;
	forward(c, line);
	return 0;
}

/* Spec 5.3 */
static int
del_subnet(struct meta_conn *c, const char *line, const struct req_subnet *r)
{
	struct meta_node	*mn;
	struct meta_subnet	*ms;
	struct subnet		 s;

	if (subnet_parse(r->subnet, &s) == -1) {
		log_warnx("Got bad DEL_SUBNET from %s: invalid subnet string "
		    "%s", meta_conn_label(c), r->subnet);
		return 0;
	}
	if (seen(line) || ts_ignore(c, r->owner, NULL))
		return 0;
	if ((mn = meta_node_get(r->owner, 0)) == NULL) {
		log_debug(DEBUG_PROTOCOL, "Got DEL_SUBNET from %s for %s "
		    "which is not in our node tree", meta_conn_label(c),
		    r->owner);
		return 0;
	}
	if ((ms = subnet_find(mn, &s)) == NULL) {
		if (M.conf->strict_subnets)
			forward(c, line);
		return 0;
	}
	if (is_me(mn->n)) {
		log_debug(DEBUG_PROTOCOL, "Got DEL_SUBNET from %s for "
		    "ourself", meta_conn_label(c));
		send_subnet(c, REQ_ADD_SUBNET, M.conf->name, &s);
		return 0;
	}
	if (M.conf->tunnel_server)
		return 0;
	forward(c, line);
	if (M.conf->strict_subnets)
		return 0;
	subnet_del(mn, ms, 1);
	return 0;
}

/* Spec 5.4 */
static int
add_edge(struct meta_conn *c, const char *line, const struct req_add_edge *r)
{
	struct meta_node	*from, *to;
	struct edge		*e;

	if (seen(line) || ts_ignore(c, r->from, r->to))
		return 0;
	if ((from = meta_node_get(r->from, 1)) == NULL ||
	    (to = meta_node_get(r->to, 1)) == NULL)
		return 0;
	if ((e = graph_edge_find(from->n, to->n)) != NULL) {
		if (graph_edge_same(e, r->address, r->port, r->options,
		    r->weight))
			return 0;
		if (is_me(from->n)) {
			log_debug(DEBUG_PROTOCOL, "Got ADD_EDGE from %s for "
			    "ourself which does not match existing entry",
			    meta_conn_label(c));
			send_edge(c, e);
			return 0;
		}
		if (graph_edge_update(&M.g, e, r->address, r->port,
		    r->options, r->weight) == -1) {
			log_warnx("Got bad ADD_EDGE from %s: unusable address",
			    meta_conn_label(c));
			return 0;
		}
	} else if (is_me(from->n)) {
		log_debug(DEBUG_PROTOCOL, "Got ADD_EDGE from %s for ourself "
		    "which does not exist", meta_conn_label(c));
		M.contradicting_add++;
		send_del_edge(c, r->from, r->to);
		return 0;
	} else if ((e = graph_edge_add(&M.g, from->n, to->n, r->address,
	    r->port, r->options, r->weight)) == NULL) {
		if (errno == ENOSPC) {
			if (meta_warn_ok(META_WARN_EDGES))
				log_warnx("Too many edges (%zu); ignoring "
				    "more", M.g.nedges);
		} else
			log_warnx("Got bad ADD_EDGE from %s: unusable "
			    "address", meta_conn_label(c));
		return 0;
	}
	if (meta_edge_forwardable(e))
		forward(c, line);
	else
		log_debug(DEBUG_PROTOCOL, "Not forwarding ADD_EDGE %s -> %s "
		    "from %s: address %s port %s is not numeric", r->from,
		    r->to, meta_conn_label(c), e->address, e->port);
	meta_topo_dirty();
	return 0;
}

/* Spec 5.5 */
static int
del_edge(struct meta_conn *c, const char *line, const struct req_del_edge *r)
{
	struct meta_node	*from, *to;
	struct edge		*e;

	if (seen(line) || ts_ignore(c, r->from, r->to))
		return 0;
	if ((from = meta_node_get(r->from, 0)) == NULL ||
	    (to = meta_node_get(r->to, 0)) == NULL ||
	    (e = graph_edge_find(from->n, to->n)) == NULL) {
		log_debug(DEBUG_PROTOCOL, "Got DEL_EDGE from %s for an "
		    "unknown edge %s -> %s", meta_conn_label(c), r->from,
		    r->to);
		return 0;
	}
	if (is_me(from->n)) {
		log_debug(DEBUG_PROTOCOL, "Got DEL_EDGE from %s for ourself",
		    meta_conn_label(c));
		M.contradicting_del++;
		send_edge(c, e);
		return 0;
	}
	forward(c, line);
	graph_edge_del(&M.g, e);
	to->check_reverse = 1;
	meta_topo_dirty();
	return 0;
}

int
meta_topo_line(struct meta_conn *c, const char *line,
    const struct proto_msg *m)
{
	switch (m->type) {
	case REQ_ADD_SUBNET:
		return add_subnet(c, line, &m->subnet);
	case REQ_DEL_SUBNET:
		return del_subnet(c, line, &m->subnet);
	case REQ_ADD_EDGE:
		return add_edge(c, line, &m->add_edge);
	case REQ_DEL_EDGE:
		return del_edge(c, line, &m->del_edge);
	default:
		return -1;
	}
}

/* ---- configuration -------------------------------------------------- */

static int
in_list(const struct subnet *v, size_t n, const struct subnet *s)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (subnet_cmp(&v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * Our configured subnets.  At start-up the parent ran subnet-up for them;
 * on a reload, what changed is announced and scripted here.
 */
void
meta_topo_own_subnets(const struct subnet *v, size_t n, int initial)
{
	struct meta_node	*me = meta_node_of(M.g.me);
	struct meta_subnet	*ms, *next;
	size_t			 i;

	RB_FOREACH_SAFE(ms, meta_subnet_tree, &me->subnets, next) {
		if (ms->learned || in_list(v, n, &ms->s))
			continue;
		if (!initial)
			send_subnet(NULL, REQ_DEL_SUBNET, M.conf->name,
			    &ms->s);
		subnet_del(me, ms, !initial);
	}
	for (i = 0; i < n; i++)
		if (subnet_add(me, &v[i], 0, !initial) == 1 && !initial)
			send_subnet(NULL, REQ_ADD_SUBNET, M.conf->name, &v[i]);
}

/* StrictSubnets: the subnets of every host file, kept in step on reload. */
void
meta_topo_strict(const struct meta_conf *conf, int initial)
{
	struct meta_host	*h;
	struct meta_node	*mn;
	struct meta_subnet	*ms, *next;
	struct node		*n;
	size_t			 i;

	if (!conf->strict_subnets)
		return;
	RB_FOREACH(h, meta_hosts, (struct meta_hosts *)&conf->hosts) {
		if (h->nsubnets == 0 || strcmp(h->name, conf->name) == 0)
			continue;
		if ((mn = meta_node_get(h->name, 1)) == NULL)
			continue;
		for (i = 0; i < h->nsubnets; i++)
			if (subnet_add(mn, &h->subnets[i], 0, 1) == 1 &&
			    !initial)
				send_subnet(NULL, REQ_ADD_SUBNET, h->name,
				    &h->subnets[i]);
	}
	if (initial)
		return;
	RB_FOREACH(n, node_tree, &M.g.nodes) {
		if (is_me(n))
			continue;
		mn = meta_node_of(n);
		h = (struct meta_host *)meta_host_find(n->name);
		RB_FOREACH_SAFE(ms, meta_subnet_tree, &mn->subnets, next) {
			if (h != NULL && in_list(h->subnets, h->nsubnets,
			    &ms->s))
				continue;
			send_subnet(NULL, REQ_DEL_SUBNET, n->name, &ms->s);
			subnet_del(mn, ms, 1);
		}
	}
}

/* Switch mode: the packet worker learned (or forgot) a MAC behind us. */
void
meta_topo_mac(const uint8_t *mac, int learned)
{
	struct meta_node	*me = meta_node_of(M.g.me);
	struct meta_subnet	*ms;
	struct subnet		 s;

	memset(&s, 0, sizeof(s));
	s.type = SUBNET_MAC;
	s.prefixlen = 48;
	s.weight = SUBNET_DEFAULT_WEIGHT;
	memcpy(s.net.mac, mac, sizeof(s.net.mac));
	if (learned) {
		if (subnet_add(me, &s, 1, 1) == 1)
			send_subnet(NULL, REQ_ADD_SUBNET, M.conf->name, &s);
		return;
	}
	if ((ms = subnet_find(me, &s)) == NULL || !ms->learned)
		return;
	send_subnet(NULL, REQ_DEL_SUBNET, M.conf->name, &s);
	subnet_del(me, ms, 1);
}

/* ---- periodic, dump ------------------------------------------------- */

/* Spec 5.6, without the blocking sleep: warn about a likely name clash. */
void
meta_topo_tick(void)
{
	if (M.contradicting_add > 100 && M.contradicting_del > 100)
		log_warnx("Possible node with same Name as us! (%llu "
		    "contradicting ADD_EDGE, %llu DEL_EDGE)",
		    (unsigned long long)M.contradicting_add,
		    (unsigned long long)M.contradicting_del);
	M.contradicting_add = M.contradicting_del = 0;
}

void
meta_topo_dump(void)
{
	struct node		*n;
	struct meta_node	*mn;
	struct meta_subnet	*ms;
	struct edge		*e;
	char			 a[INET6_ADDRSTRLEN], p[8], s[SUBNET_STRLEN];

	log_info("Nodes: %zu", M.g.nnodes);
	RB_FOREACH(n, node_tree, &M.g.nodes) {
		mn = meta_node_of(n);
		if (meta_sockaddr_str(&n->udp, n->udplen, a, sizeof(a), p,
		    sizeof(p)) == -1) {
			strlcpy(a, "unknown", sizeof(a));
			strlcpy(p, "0", sizeof(p));
		}
		log_info(" %s id %u at %s port %s options %x %s nexthop %s "
		    "via %s distance %d subnets %zu%s", n->name, n->id, a, p,
		    is_me(n) ? M.conf->options : n->options,
		    n->reachable ? "reachable" : "unreachable",
		    n->nexthop != NULL ? n->nexthop->name : "-",
		    n->via != NULL ? n->via->name : "-", n->distance,
		    mn->nsubnets, mn->conn != NULL ? " connected" : "");
	}
	log_info("End of nodes.");
	log_info("Edges: %zu", M.g.nedges);
	RB_FOREACH(n, node_tree, &M.g.nodes)
		RB_FOREACH(e, edge_tree, &n->edges)
			log_info(" %s to %s at %s port %s options %x weight "
			    "%d%s", e->from->name, e->to->name, e->address,
			    e->port, e->options, e->weight,
			    e->mst ? " mst" : "");
	log_info("End of edges.");
	log_info("Subnet list: %zu", M.nsubnets);
	RB_FOREACH(n, node_tree, &M.g.nodes) {
		mn = meta_node_of(n);
		RB_FOREACH(ms, meta_subnet_tree, &mn->subnets) {
			subnet_format(&ms->s, s, sizeof(s), 1);
			log_info(" %s owner %s%s", s, n->name,
			    ms->learned ? " (learned)" : "");
		}
	}
	log_info("End of subnet list.");
}
