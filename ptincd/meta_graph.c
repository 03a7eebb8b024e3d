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

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meta_graph.h"
#include "log.h"

static int	 parse_numeric(const char *, const char *,
		    struct sockaddr_storage *, socklen_t *);
static int	 parse_port(const char *, uint16_t *);
static int	 sockaddr_same(const struct sockaddr_storage *, socklen_t,
		    const struct sockaddr_storage *, socklen_t);
static int	 set_address(struct edge *, const char *, const char *);
static int	 queue_reserve(struct graph *, size_t);
static void	 forget_edge(struct edge *);
static void	 reachability(struct graph *);
static struct node *uf_find(struct node *);

static int
edge_cmp_to(struct edge *a, struct edge *b)
{
	return strcmp(a->to->name, b->to->name);
}

static int
edge_cmp_weight(struct edge *a, struct edge *b)
{
	int	 r;

	if (a->weight < b->weight)
		return -1;
	if (a->weight > b->weight)
		return 1;
	if ((r = strcmp(a->from->name, b->from->name)) != 0)
		return r;
	return strcmp(a->to->name, b->to->name);
}

static int
node_cmp_name(struct node *a, struct node *b)
{
	return strcmp(a->name, b->name);
}

static int
node_cmp_id(struct node *a, struct node *b)
{
	if (a->id < b->id)
		return -1;
	return a->id > b->id;
}

RB_GENERATE(edge_tree, edge, from_entry, edge_cmp_to);
RB_GENERATE(edge_weight_tree, edge, weight_entry, edge_cmp_weight);
RB_GENERATE(node_tree, node, name_entry, node_cmp_name);
RB_GENERATE(node_id_tree, node, id_entry, node_cmp_id);

int
graph_init(struct graph *g, const char *myname, size_t maxnodes,
    size_t maxedges)
{
	memset(g, 0, sizeof(*g));
	RB_INIT(&g->nodes);
	RB_INIT(&g->ids);
	RB_INIT(&g->edges);
	g->maxnodes = maxnodes ? maxnodes : GRAPH_MAX_NODES;
	g->maxedges = maxedges ? maxedges : GRAPH_MAX_EDGES;
	g->nextid = 1;

	if ((g->me = graph_node_add(g, myname)) == NULL) {
		log_warn("%s: %s", __func__, myname ? myname : "(null)");
		free(g->queue);
		g->queue = NULL;
		return -1;
	}
	g->me->reachable = 1;
	g->me->visited = 1;
	g->me->nexthop = g->me;
	g->me->via = g->me;
	return 0;
}

void
graph_free(struct graph *g)
{
	struct node	*n, *nn;
	struct edge	*e, *ee;

	RB_FOREACH_SAFE(e, edge_weight_tree, &g->edges, ee) {
		RB_REMOVE(edge_weight_tree, &g->edges, e);
		free(e);
	}
	RB_FOREACH_SAFE(n, node_tree, &g->nodes, nn) {
		RB_REMOVE(node_tree, &g->nodes, n);
		free(n);
	}
	free(g->queue);
	memset(g, 0, sizeof(*g));
}

void
graph_set_callback(struct graph *g, graph_reach_fn fn, void *arg)
{
	g->reach_cb = fn;
	g->reach_arg = arg;
}

static int
queue_reserve(struct graph *g, size_t nnodes)
{
	struct node	**q;
	size_t		  want, cap;

	want = 2 * nnodes + 1;
	if (g->queuecap >= want)
		return 0;
	cap = g->queuecap ? g->queuecap : 16;
	while (cap < want)
		cap *= 2;
	if ((q = reallocarray(g->queue, cap, sizeof(*q))) == NULL)
		return -1;
	g->queue = q;
	g->queuecap = cap;
	return 0;
}

struct node *
graph_node_add(struct graph *g, const char *name)
{
	struct node	*n, key;

	if (!valid_name(name)) {
		errno = EINVAL;
		return NULL;
	}
	if (graph_node_find(g, name) != NULL) {
		errno = EEXIST;
		return NULL;
	}
	if (g->nnodes >= g->maxnodes) {
		errno = ENOSPC;
		return NULL;
	}
	if (queue_reserve(g, g->nnodes + 1) == -1)
		return NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	strlcpy(n->name, name, sizeof(n->name));
	RB_INIT(&n->edges);

	/* ids are never 0 and never shared, even after wrapping */
	for (;;) {
		if (g->nextid == 0)
			g->nextid = 1;
		key.id = g->nextid++;
		if (RB_FIND(node_id_tree, &g->ids, &key) == NULL)
			break;
	}
	n->id = key.id;
	RB_INSERT(node_tree, &g->nodes, n);
	RB_INSERT(node_id_tree, &g->ids, n);
	g->nnodes++;
	return n;
}

struct node *
graph_node_find(struct graph *g, const char *name)
{
	struct node	 key;

	if (name == NULL || strlcpy(key.name, name, sizeof(key.name)) >=
	    sizeof(key.name))
		return NULL;
	return RB_FIND(node_tree, &g->nodes, &key);
}

struct node *
graph_node_find_id(struct graph *g, uint32_t id)
{
	struct node	 key;

	key.id = id;
	return RB_FIND(node_id_tree, &g->ids, &key);
}

int
graph_node_del(struct graph *g, struct node *n)
{
	struct edge	*e, *ee;

	if (n == g->me || n->reachable) {
		errno = EBUSY;
		return -1;
	}
	if (n->nin != 0) {
		errno = EBUSY;
		return -1;
	}
	RB_FOREACH_SAFE(e, edge_tree, &n->edges, ee)
		graph_edge_del(g, e);
	RB_REMOVE(node_tree, &g->nodes, n);
	RB_REMOVE(node_id_tree, &g->ids, n);
	g->nnodes--;
	free(n);
	return 0;
}

void
graph_node_set_udp(struct node *n, const struct sockaddr *sa, socklen_t len)
{
	if (sa == NULL || len == 0 || len > sizeof(n->udp)) {
		memset(&n->udp, 0, sizeof(n->udp));
		n->udplen = 0;
		return;
	}
	memset(&n->udp, 0, sizeof(n->udp));
	memcpy(&n->udp, sa, len);
	n->udplen = len;
}

static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (s[0] == '\0' || strlen(s) > 5)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/*
 * Numeric address and port to a socket address, as getaddrinfo() with
 * NUMERICHOST|NUMERICSERV would, but without touching any file or socket
 * (this runs in the sandbox).  An IPv6 scope must be numeric here.
 */
static int
parse_numeric(const char *addr, const char *port,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 buf[INET6_ADDRSTRLEN + 1];
	const char		*pct;
	uint16_t		 p;
	uint16_t		 scope = 0;

	memset(ss, 0, sizeof(*ss));
	*sslen = 0;
	if (parse_port(port, &p) == -1)
		return -1;

	sin = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*sslen = sizeof(*sin);
		return 0;
	}

	sin6 = (struct sockaddr_in6 *)ss;
	if ((pct = strchr(addr, '%')) != NULL) {
		if ((size_t)(pct - addr) >= sizeof(buf) ||
		    parse_port(pct + 1, &scope) == -1)
			return -1;
		memcpy(buf, addr, pct - addr);
		buf[pct - addr] = '\0';
	} else if (strlcpy(buf, addr, sizeof(buf)) >= sizeof(buf))
		return -1;
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1) {
		memset(ss, 0, sizeof(*ss));
		return -1;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(p);
	sin6->sin6_scope_id = scope;
	*sslen = sizeof(*sin6);
	return 0;
}

static int
sockaddr_same(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (alen != blen || a->ss_family != b->ss_family)
		return 0;
	switch (a->ss_family) {
	case AF_INET:
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	case AF_INET6:
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return a6->sin6_port == b6->sin6_port &&
		    a6->sin6_scope_id == b6->sin6_scope_id &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
	}
	return 0;
}

static int
set_address(struct edge *e, const char *address, const char *port)
{
	if (address == NULL || port == NULL ||
	    strlen(address) >= sizeof(e->address) ||
	    strlen(port) >= sizeof(e->port)) {
		errno = EINVAL;
		return -1;
	}
	strlcpy(e->address, address, sizeof(e->address));
	strlcpy(e->port, port, sizeof(e->port));
	if (parse_numeric(address, port, &e->sa, &e->salen) == -1)
		e->salen = 0;
	return 0;
}

struct edge *
graph_edge_add(struct graph *g, struct node *from, struct node *to,
    const char *address, const char *port, uint32_t options, int weight)
{
	struct edge	*e;

	if (from == NULL || to == NULL || from == to) {
		errno = EINVAL;
		return NULL;
	}
	if (graph_edge_find(from, to) != NULL) {
		errno = EEXIST;
		return NULL;
	}
	if (g->nedges >= g->maxedges) {
		errno = ENOSPC;
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (set_address(e, address, port) == -1) {
		free(e);
		return NULL;
	}
	e->from = from;
	e->to = to;
	e->options = options;
	e->weight = weight;
	RB_INSERT(edge_tree, &from->edges, e);
	RB_INSERT(edge_weight_tree, &g->edges, e);
	if ((e->reverse = graph_edge_find(to, from)) != NULL)
		e->reverse->reverse = e;
	to->nin++;
	g->nedges++;
	g->dirty = 1;
	return e;
}

struct edge *
graph_edge_find(struct node *from, struct node *to)
{
	struct edge	 key;

	key.to = to;
	return RB_FIND(edge_tree, &from->edges, &key);
}

int
graph_edge_update(struct graph *g, struct edge *e, const char *address,
    const char *port, uint32_t options, int weight)
{
	struct edge	 tmp;

	/* validate before touching the edge */
	if (set_address(&tmp, address, port) == -1)
		return -1;
	memcpy(e->address, tmp.address, sizeof(e->address));
	memcpy(e->port, tmp.port, sizeof(e->port));
	e->sa = tmp.sa;
	e->salen = tmp.salen;
	e->options = options;
	if (e->weight != weight) {
		RB_REMOVE(edge_weight_tree, &g->edges, e);
		e->weight = weight;
		RB_INSERT(edge_weight_tree, &g->edges, e);
	}
	g->dirty = 1;
	return 0;
}

int
graph_edge_same(const struct edge *e, const char *address, const char *port,
    uint32_t options, int weight)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;

	if (address == NULL || port == NULL)
		return 0;
	if (e->weight != weight || e->options != options)
		return 0;
	if (parse_numeric(address, port, &ss, &sslen) == -1)
		sslen = 0;
	if (sslen != 0 || e->salen != 0)
		return sockaddr_same(&e->sa, e->salen, &ss, sslen);
	return strcmp(e->address, address) == 0 &&
	    strcmp(e->port, port) == 0;
}

/*
 * No node may keep a pointer to an edge that goes away; only the edge's
 * target can have it as prevedge.
 */
static void
forget_edge(struct edge *e)
{
	if (e->to->prevedge == e)
		e->to->prevedge = NULL;
}

void
graph_edge_del(struct graph *g, struct edge *e)
{
	if (e->reverse != NULL)
		e->reverse->reverse = NULL;
	forget_edge(e);
	e->to->nin--;
	RB_REMOVE(edge_tree, &e->from->edges, e);
	RB_REMOVE(edge_weight_tree, &g->edges, e);
	g->nedges--;
	g->dirty = 1;
	free(e);
}

/*
 * Breadth-first search from us (spec 6.2).  Weights do not matter; ties go
 * to the queue order and, per node, to the target name order.  A node first
 * reached over an INDIRECT path is upgraded when a direct path shows up
 * later, keeping its nexthop, and is queued again; so a node is queued at
 * most twice.
 */
void
graph_bfs(struct graph *g)
{
	struct node	*n, *to, *me = g->me;
	struct edge	*e;
	size_t		 head = 0, tail = 0;
	int		 ind;

	RB_FOREACH(n, node_tree, &g->nodes) {
		n->visited = 0;
		n->indirect = 1;
	}
	me->visited = 1;
	me->indirect = 0;
	me->nexthop = me;
	me->via = me;
	me->prevedge = NULL;
	me->distance = 0;
	g->queue[tail++] = me;

	while (head < tail) {
		n = g->queue[head++];
		RB_FOREACH(e, edge_tree, &n->edges) {
			if (e->reverse == NULL)
				continue;
			to = e->to;
			ind = n->indirect || (e->options & OPTION_INDIRECT);
			if (to->visited && (!to->indirect || ind))
				continue;
			if (!to->visited)
				to->nexthop = n->nexthop == me ? to :
				    n->nexthop;
			to->visited = 1;
			to->indirect = ind;
			to->prevedge = e;
			to->distance = n->distance + 1;
			to->via = ind ? n->via : to;
			to->options = e->options;
			if (to->udplen == 0 && e->salen != 0)
				graph_node_set_udp(to,
				    (const struct sockaddr *)&e->sa, e->salen);
			if (tail >= g->queuecap)
				fatalx("%s: queue overflow", __func__);
			g->queue[tail++] = to;
		}
	}
	reachability(g);
}

/* Spec 6.3: report flips in name order. */
static void
reachability(struct graph *g)
{
	struct node	*n;

	RB_FOREACH(n, node_tree, &g->nodes) {
		if (n->visited == n->reachable)
			continue;
		n->reachable = n->visited;
		log_debug(DEBUG_TRAFFIC, "Node %s became %s", n->name,
		    n->reachable ? "reachable" : "unreachable");
		if (g->reach_cb != NULL)
			g->reach_cb(n, n->reachable, g->reach_arg);
		if (!n->reachable) {
			graph_node_set_udp(n, NULL, 0);
			n->options = 0;
			n->nexthop = NULL;
			n->via = NULL;
			n->prevedge = NULL;
			n->distance = 0;
		}
	}
}

static struct node *
uf_find(struct node *n)
{
	while (n->uf != n) {
		n->uf = n->uf->uf;	/* path halving */
		n = n->uf;
	}
	return n;
}

/*
 * Broadcast tree (spec 6.4).  tinc grows the tree from the first edge, in
 * global order, whose origin is reachable: it takes every usable edge
 * (one with a reverse) that joins a visited and an unvisited node, and
 * after taking one that followed a skipped edge scans again from the
 * start.  Each edge it takes is therefore the first usable edge in global
 * order that leaves the visited set, which is Prim's algorithm under the
 * total order (weight, from, to); the tree it builds is the unique minimum
 * spanning tree of the reachable nodes under that order.  Kruskal's
 * algorithm over the same order finds the same tree in O(E log E) instead
 * of tinc's O(V E) rescans; test_graph checks the two agree.
 */
void
graph_mst(struct graph *g)
{
	struct node	*n, *a, *b;
	struct edge	*e;

	RB_FOREACH(n, node_tree, &g->nodes)
		n->uf = n;
	RB_FOREACH(e, edge_weight_tree, &g->edges)
		e->mst = 0;
	RB_FOREACH(e, edge_weight_tree, &g->edges) {
		if (e->reverse == NULL || !e->from->reachable ||
		    !e->to->reachable || e->mst)
			continue;
		a = uf_find(e->from);
		b = uf_find(e->to);
		if (a == b)
			continue;
		a->uf = b;
		e->mst = 1;
		e->reverse->mst = 1;
	}
}

void
graph_run(struct graph *g)
{
	graph_bfs(g);
	graph_mst(g);
	g->dirty = 0;
}

int
graph_dirty(const struct graph *g)
{
	return g->dirty;
}

void
graph_mark_dirty(struct graph *g)
{
	g->dirty = 1;
}
