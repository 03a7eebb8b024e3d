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
 * The topology model of the meta worker (legacy spec sections 5 and 6).
 *
 * Nodes are kept by name (strcmp order) and by a locally assigned id, which
 * the meta worker uses as the peer id towards the packet worker.  Each node
 * keeps its outgoing edges ordered by target name; the graph keeps every
 * edge in the global order (weight ascending, from name, to name) that the
 * broadcast tree depends on.
 *
 * Changing edges only marks the graph dirty.  The caller coalesces: after
 * handling a batch of input it calls graph_run() once if graph_dirty().
 * Between a change and the next graph_run() the path fields (nexthop, via,
 * prevedge, reachable) describe the old topology, but never point to freed
 * memory.
 */
#ifndef PTINC_META_GRAPH_H
#define PTINC_META_GRAPH_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>

#include "ptinc.h"
#include "proto.h"


#define GRAPH_MAX_NODES		4096	/* defaults for graph_init() */
#define GRAPH_MAX_EDGES		32768

#define EDGE_ADDRSTRLEN		256	/* longest address text kept + NUL */
#define EDGE_PORTSTRLEN		32

struct node;
struct edge;

RB_HEAD(edge_tree, edge);		/* a node's edges, by target name */
RB_HEAD(edge_weight_tree, edge);	/* all edges, (weight, from, to) */
RB_HEAD(node_tree, node);		/* by name */
RB_HEAD(node_id_tree, node);		/* by id */

struct edge {
	RB_ENTRY(edge)	 from_entry;
	RB_ENTRY(edge)	 weight_entry;
	struct node	*from;
	struct node	*to;
	struct edge	*reverse;	/* to->from, or NULL */

	/* Where from reaches to, as announced; forwarded as is. */
	char		 address[EDGE_ADDRSTRLEN];
	char		 port[EDGE_PORTSTRLEN];
	/* The same, parsed; salen 0 when the text is not numeric. */
	struct sockaddr_storage sa;
	socklen_t	 salen;

	uint32_t	 options;
	int		 weight;
	int		 mst;		/* in the broadcast tree */
	void		*data;		/* caller's: e.g. our connection */
};

struct node {
	RB_ENTRY(node)	 name_entry;
	RB_ENTRY(node)	 id_entry;
	char		 name[MAX_NAME_LEN + 1];
	uint32_t	 id;		/* local, never 0, unique */

	struct edge_tree edges;		/* outgoing */

	/* Results of the last graph_run(). */
	int		 reachable;
	int		 indirect;
	struct node	*nexthop;	/* neighbour carrying meta traffic */
	struct node	*via;		/* where UDP packets are sent */
	struct edge	*prevedge;	/* last edge of the path */
	int		 distance;	/* hops along prevedge */
	uint32_t	 options;	/* of prevedge; ours are the caller's */

	/* UDP address: first numeric edge address seen by the search. */
	struct sockaddr_storage udp;
	socklen_t	 udplen;	/* 0: unknown */

	size_t		 nin;		/* edges pointing here */
	int		 visited;	/* search scratch */
	struct node	*uf;		/* tree scratch */
	void		*data;		/* caller's */
};

/* Called for each node whose reachability changed, in name order. */
typedef void (*graph_reach_fn)(struct node *, int reachable, void *arg);

struct graph {
	struct node_tree	 nodes;
	struct node_id_tree	 ids;
	struct edge_weight_tree	 edges;
	struct node		*me;
	size_t			 nnodes;
	size_t			 nedges;
	size_t			 maxnodes;
	size_t			 maxedges;
	uint32_t		 nextid;
	int			 dirty;
	struct node		**queue;	/* search FIFO, 2 slots/node */
	size_t			 queuecap;
	graph_reach_fn		 reach_cb;
	void			*reach_arg;
};

RB_PROTOTYPE(edge_tree, edge, from_entry, edge_cmp_to);
RB_PROTOTYPE(edge_weight_tree, edge, weight_entry, edge_cmp_weight);
RB_PROTOTYPE(node_tree, node, name_entry, node_cmp_name);
RB_PROTOTYPE(node_id_tree, node, id_entry, node_cmp_id);

/* maxnodes/maxedges 0 pick the defaults.  Our own node is created. */
int		 graph_init(struct graph *, const char *myname, size_t maxnodes,
		    size_t maxedges);
void		 graph_free(struct graph *);
void		 graph_set_callback(struct graph *, graph_reach_fn, void *);

/*
 * graph_node_add: NULL with errno EINVAL (bad name), EEXIST, ENOSPC (limit)
 * or ENOMEM.  graph_node_del refuses (-1, EBUSY) our node, a reachable
 * node and a node that an edge points to; it deletes the node's outgoing
 * edges.
 */
struct node	*graph_node_add(struct graph *, const char *name);
struct node	*graph_node_find(struct graph *, const char *name);
struct node	*graph_node_find_id(struct graph *, uint32_t id);
int		 graph_node_del(struct graph *, struct node *);
void		 graph_node_set_udp(struct node *, const struct sockaddr *,
		    socklen_t);

/*
 * graph_edge_add links the reverse edge if present.  NULL with errno EINVAL
 * (from == to, overlong address or port), EEXIST, ENOSPC or ENOMEM.
 * address/port are kept as text and parsed numerically when possible.
 */
struct edge	*graph_edge_add(struct graph *, struct node *from,
		    struct node *to, const char *address, const char *port,
		    uint32_t options, int weight);
struct edge	*graph_edge_find(struct node *from, struct node *to);
int		 graph_edge_update(struct graph *, struct edge *,
		    const char *address, const char *port, uint32_t options,
		    int weight);
/* 1 if weight, options and address+port equal the edge's (spec 5.4) */
int		 graph_edge_same(const struct edge *, const char *address,
		    const char *port, uint32_t options, int weight);
void		 graph_edge_del(struct graph *, struct edge *);

/*
 * graph_bfs: unicast paths and reachability (spec 6.2, 6.3); the callback
 * runs after each flip, before an unreachable node loses its UDP address
 * and options.  It must not add or delete nodes or edges.
 * graph_mst: broadcast tree (spec 6.4) over the reachable nodes, using
 * the reachability of the last graph_bfs(); sets edge->mst on both
 * directions of every tree link, clears it elsewhere.
 * graph_run: both, then clears the dirty mark.
 */
void		 graph_bfs(struct graph *);
void		 graph_mst(struct graph *);
void		 graph_run(struct graph *);
int		 graph_dirty(const struct graph *);
void		 graph_mark_dirty(struct graph *);

#endif
