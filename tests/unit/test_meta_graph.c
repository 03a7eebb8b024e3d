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

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meta_graph.h"

/* ---- helpers ------------------------------------------------------------ */

static struct node *
N(struct graph *g, const char *name)
{
	struct node	*n;

	if ((n = graph_node_find(g, name)) == NULL)
		n = graph_node_add(g, name);
	ck_assert_ptr_nonnull(n);
	return n;
}

static struct edge *
E1(struct graph *g, const char *a, const char *b, int weight, uint32_t opts)
{
	struct edge	*e;

	e = graph_edge_add(g, N(g, a), N(g, b), "10.0.0.1", "655", opts,
	    weight);
	ck_assert_ptr_nonnull(e);
	return e;
}

/* both directions, same weight and options */
static void
E2(struct graph *g, const char *a, const char *b, int weight, uint32_t opts)
{
	E1(g, a, b, weight, opts);
	E1(g, b, a, weight, opts);
}

static const char *
nexthop(struct graph *g, const char *name)
{
	struct node	*n = graph_node_find(g, name);

	ck_assert_ptr_nonnull(n);
	return n->nexthop ? n->nexthop->name : "-";
}

static const char *
via(struct graph *g, const char *name)
{
	struct node	*n = graph_node_find(g, name);

	ck_assert_ptr_nonnull(n);
	return n->via ? n->via->name : "-";
}

static int
reachable(struct graph *g, const char *name)
{
	struct node	*n = graph_node_find(g, name);

	ck_assert_ptr_nonnull(n);
	return n->reachable;
}

/* The tree as "from-to" pairs (from < to), in global edge order. */
static void
mst_string(struct graph *g, char *buf, size_t len)
{
	struct edge	*e;

	buf[0] = '\0';
	RB_FOREACH(e, edge_weight_tree, &g->edges) {
		if (!e->mst || strcmp(e->from->name, e->to->name) > 0)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, " ", len);
		strlcat(buf, e->from->name, len);
		strlcat(buf, "-", len);
		strlcat(buf, e->to->name, len);
	}
}

/* reachability callback recorder */
static char	 events[1024];
static int	 cb_saw_udp;

static void
record(struct node *n, int up, void *arg)
{
	(void)arg;
	if (events[0] != '\0')
		strlcat(events, " ", sizeof(events));
	strlcat(events, up ? "+" : "-", sizeof(events));
	strlcat(events, n->name, sizeof(events));
	if (!up && n->udplen != 0)
		cb_saw_udp = 1;
}

/* ---- the worked example of spec 6.5 -------------------------------------- */

static void
worked_example(struct graph *g, int order)
{
	ck_assert_int_eq(graph_init(g, "alpha", 0, 0), 0);
	if (order == 0) {
		E2(g, "alpha", "beta", 100, 0);
		E2(g, "alpha", "gamma", 1, 0);
		E2(g, "beta", "delta", 1, OPTION_INDIRECT);
		E2(g, "gamma", "delta", 1, 0);
		E2(g, "delta", "eps", 50, 0);
		E2(g, "beta", "gamma", 7, 0);
		E1(g, "eps", "foxtrot", 5, 0);
	} else {
		/* another insertion order must not change anything */
		E1(g, "eps", "foxtrot", 5, 0);
		E1(g, "gamma", "beta", 7, 0);
		E1(g, "eps", "delta", 50, 0);
		E1(g, "delta", "gamma", 1, 0);
		E1(g, "delta", "beta", 1, OPTION_INDIRECT);
		E1(g, "gamma", "alpha", 1, 0);
		E1(g, "beta", "alpha", 100, 0);
		E1(g, "alpha", "beta", 100, 0);
		E1(g, "beta", "gamma", 7, 0);
		E1(g, "delta", "eps", 50, 0);
		E1(g, "gamma", "delta", 1, 0);
		E1(g, "beta", "delta", 1, OPTION_INDIRECT);
		E1(g, "alpha", "gamma", 1, 0);
	}
	graph_run(g);
}

static void
check_worked_example(struct graph *g)
{
	char		 buf[256];
	struct node	*delta;

	ck_assert(reachable(g, "alpha"));
	ck_assert(reachable(g, "beta"));
	ck_assert(reachable(g, "gamma"));
	ck_assert(reachable(g, "delta"));
	ck_assert(reachable(g, "eps"));
	ck_assert(!reachable(g, "foxtrot"));

	ck_assert_str_eq(nexthop(g, "beta"), "beta");
	ck_assert_str_eq(via(g, "beta"), "beta");
	ck_assert_str_eq(nexthop(g, "gamma"), "gamma");
	ck_assert_str_eq(via(g, "gamma"), "gamma");
	/* first reached through beta (indirect), upgraded via gamma */
	ck_assert_str_eq(nexthop(g, "delta"), "beta");
	ck_assert_str_eq(via(g, "delta"), "delta");
	ck_assert_str_eq(nexthop(g, "eps"), "beta");
	ck_assert_str_eq(via(g, "eps"), "eps");
	ck_assert_str_eq(nexthop(g, "foxtrot"), "-");
	ck_assert_str_eq(via(g, "foxtrot"), "-");

	delta = graph_node_find(g, "delta");
	ck_assert_int_eq(delta->indirect, 0);
	ck_assert_str_eq(delta->prevedge->from->name, "gamma");
	ck_assert_int_eq(delta->options, 0);
	ck_assert_int_eq(delta->distance, 2);
	ck_assert_int_eq(graph_node_find(g, "eps")->distance, 3);

	mst_string(g, buf, sizeof(buf));
	ck_assert_str_eq(buf, "alpha-gamma beta-delta delta-gamma delta-eps");

	/* at alpha only the link to gamma is in the tree */
	ck_assert_int_eq(graph_edge_find(g->me,
	    graph_node_find(g, "gamma"))->mst, 1);
	ck_assert_int_eq(graph_edge_find(g->me,
	    graph_node_find(g, "beta"))->mst, 0);
}

START_TEST(test_worked_example)
{
	struct graph	 g;

	worked_example(&g, 0);
	check_worked_example(&g);
	ck_assert_int_eq(graph_dirty(&g), 0);
	graph_free(&g);
}
END_TEST

START_TEST(test_worked_example_other_order)
{
	struct graph	 g;

	worked_example(&g, 1);
	check_worked_example(&g);
	graph_free(&g);
}
END_TEST

/* MST order of spec 6.4 on the example, step by step. */
START_TEST(test_mst_same_everywhere)
{
	struct graph	 g1, g2;
	char		 b1[256], b2[256];

	/* the same topology computed at beta must give the same tree */
	ck_assert_int_eq(graph_init(&g2, "beta", 0, 0), 0);
	E2(&g2, "alpha", "beta", 100, 0);
	E2(&g2, "alpha", "gamma", 1, 0);
	E2(&g2, "beta", "delta", 1, OPTION_INDIRECT);
	E2(&g2, "gamma", "delta", 1, 0);
	E2(&g2, "delta", "eps", 50, 0);
	E2(&g2, "beta", "gamma", 7, 0);
	E1(&g2, "eps", "foxtrot", 5, 0);
	graph_run(&g2);
	worked_example(&g1, 0);
	mst_string(&g1, b1, sizeof(b1));
	mst_string(&g2, b2, sizeof(b2));
	ck_assert_str_eq(b1, b2);
	/* beta's own view of its links */
	ck_assert_int_eq(graph_edge_find(g2.me,
	    graph_node_find(&g2, "delta"))->mst, 1);
	ck_assert_int_eq(graph_edge_find(g2.me,
	    graph_node_find(&g2, "alpha"))->mst, 0);
	ck_assert_int_eq(graph_edge_find(g2.me,
	    graph_node_find(&g2, "gamma"))->mst, 0);
	graph_free(&g1);
	graph_free(&g2);
}
END_TEST

/* Weight changes move an edge in the global order. */
START_TEST(test_mst_weight_update)
{
	struct graph	 g;
	struct edge	*e;
	char		 buf[256];

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	E2(&g, "a", "b", 1, 0);
	E2(&g, "b", "c", 2, 0);
	E2(&g, "a", "c", 3, 0);
	graph_run(&g);
	mst_string(&g, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a-b b-c");

	e = graph_edge_find(N(&g, "b"), N(&g, "c"));
	ck_assert_int_eq(graph_edge_update(&g, e, "10.0.0.1", "655", 0, 9), 0);
	e = graph_edge_find(N(&g, "c"), N(&g, "b"));
	ck_assert_int_eq(graph_edge_update(&g, e, "10.0.0.1", "655", 0, 9), 0);
	ck_assert(graph_dirty(&g));
	graph_run(&g);
	mst_string(&g, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a-b a-c");
	graph_free(&g);
}
END_TEST

/* Equal weight and origin: the lower target name goes first. */
START_TEST(test_mst_tie_names)
{
	struct graph	 g;
	char		 buf[256];

	ck_assert_int_eq(graph_init(&g, "b", 0, 0), 0);
	E2(&g, "b", "c", 0, 0);
	E2(&g, "a", "c", 1, 0);
	E2(&g, "a", "b", 1, 0);
	graph_run(&g);
	mst_string(&g, buf, sizeof(buf));
	ck_assert_str_eq(buf, "b-c a-b");

	/* and the lower origin name before that */
	graph_free(&g);
	ck_assert_int_eq(graph_init(&g, "b", 0, 0), 0);
	E2(&g, "b", "c", 0, 0);
	E1(&g, "a", "c", 1, 0);
	E1(&g, "c", "a", 1, 0);
	E1(&g, "d", "b", 1, 0);
	E1(&g, "b", "d", 1, 0);
	E1(&g, "d", "a", 1, 0);
	E1(&g, "a", "d", 1, 0);
	graph_run(&g);
	mst_string(&g, buf, sizeof(buf));
	ck_assert_str_eq(buf, "b-c a-c a-d");
	graph_free(&g);
}
END_TEST

/* An empty graph or unreachable islands do not break the tree. */
START_TEST(test_mst_islands)
{
	struct graph	 g;
	char		 buf[256];

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	graph_run(&g);
	ck_assert(RB_EMPTY(&g.edges));
	E2(&g, "x", "y", 1, 0);		/* not connected to us */
	E2(&g, "a", "b", 5, 0);
	graph_run(&g);
	mst_string(&g, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a-b");
	ck_assert(!reachable(&g, "x"));
	graph_free(&g);
}
END_TEST

/*
 * The tree algorithm exactly as spec 6.4 writes it (tinc's rescanning
 * loop), marking edges through ref[]; graph_mst must pick the same edges.
 */
static void
reference_mst(struct graph *g, struct edge **all, int *ref, size_t nall)
{
	struct node	*n;
	size_t		 i, j;
	int		 skipped = 0;

	memset(ref, 0, nall * sizeof(*ref));
	if (nall == 0)
		return;
	RB_FOREACH(n, node_tree, &g->nodes)
		n->visited = 0;
	for (i = 0; i < nall; i++) {
		if (all[i]->from->reachable) {
			all[i]->from->visited = 1;
			break;
		}
	}
	for (i = 0; i < nall; i++) {
		struct edge *e = all[i];

		if (e->reverse == NULL ||
		    e->from->visited == e->to->visited) {
			skipped = 1;
			continue;
		}
		e->from->visited = e->to->visited = 1;
		ref[i] = 1;
		for (j = 0; j < nall; j++)
			if (all[j] == e->reverse)
				ref[j] = 1;
		if (skipped) {
			skipped = 0;
			i = (size_t)-1;		/* back to the first edge */
		}
	}
}

static int
spec_order(const void *pa, const void *pb)
{
	const struct edge *a = *(struct edge * const *)pa;
	const struct edge *b = *(struct edge * const *)pb;
	int		 r;

	if (a->weight != b->weight)
		return a->weight < b->weight ? -1 : 1;
	if ((r = strcmp(a->from->name, b->from->name)) != 0)
		return r;
	return strcmp(a->to->name, b->to->name);
}

START_TEST(test_mst_matches_reference)
{
	struct graph	 g;
	struct edge	*all[600], *e;
	struct node	*n;
	int		 ref[600];
	char		 a[8], b[8];
	size_t		 nall, i;
	int		 round, k, nn, ne, w, trees = 0;

	srandom(4242);
	for (round = 0; round < 3000; round++) {
		ck_assert_int_eq(graph_init(&g, "n0", 0, 0), 0);
		nn = 2 + (int)(random() % 25);
		ne = (int)(random() % (3 * nn));
		for (k = 0; k < ne; k++) {
			snprintf(a, sizeof(a), "n%ld", random() % nn);
			snprintf(b, sizeof(b), "n%ld", random() % nn);
			if (strcmp(a, b) == 0 || graph_edge_find(N(&g, a),
			    N(&g, b)) != NULL)
				continue;
			w = (int)(random() % 4);
			E1(&g, a, b, w, random() % 4 == 0 ? OPTION_INDIRECT : 0);
			/* mostly symmetric, sometimes one-way or lopsided */
			switch (random() % 6) {
			case 0:
				break;
			case 1:
				w = (int)(random() % 4);
				/* FALLTHROUGH */
			default:
				if (graph_edge_find(N(&g, b), N(&g, a)) == NULL)
					E1(&g, b, a, w, 0);
			}
		}
		graph_run(&g);
		/* the order of spec 6.1, sorted here independently */
		nall = 0;
		RB_FOREACH(n, node_tree, &g.nodes)
			RB_FOREACH(e, edge_tree, &n->edges)
				all[nall++] = e;
		qsort(all, nall, sizeof(all[0]), spec_order);
		reference_mst(&g, all, ref, nall);
		for (i = 0; i < nall; i++) {
			ck_assert_msg(all[i]->mst == ref[i],
			    "round %d edge %s->%s: mst %d, reference %d",
			    round, all[i]->from->name, all[i]->to->name,
			    all[i]->mst, ref[i]);
			trees += ref[i];
		}
		graph_free(&g);
	}
	ck_assert_int_gt(trees, 1000);		/* the test did something */
}
END_TEST

/* ---- tie-breaking --------------------------------------------------------- */

START_TEST(test_tie_target_name)
{
	struct graph	 g;

	/* d is two hops away through z and through m: m sorts first */
	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	E2(&g, "a", "z", 1, 0);
	E2(&g, "z", "d", 1, 0);
	E2(&g, "a", "m", 1, 0);
	E2(&g, "m", "d", 1, 0);
	graph_run(&g);
	ck_assert_str_eq(nexthop(&g, "d"), "m");
	ck_assert_str_eq(via(&g, "d"), "d");
	ck_assert_str_eq(graph_node_find(&g, "d")->prevedge->from->name, "m");
	graph_free(&g);
}
END_TEST

START_TEST(test_tie_queue_order)
{
	struct graph	 g;

	/*
	 * b is dequeued before c, so t is found through b's child even
	 * though c's child has a smaller name.
	 */
	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	E2(&g, "a", "b", 1, 0);
	E2(&g, "a", "c", 1, 0);
	E2(&g, "b", "y", 1, 0);
	E2(&g, "c", "x", 1, 0);
	E2(&g, "y", "t", 1, 0);
	E2(&g, "x", "t", 1, 0);
	graph_run(&g);
	ck_assert_str_eq(nexthop(&g, "t"), "b");
	ck_assert_str_eq(graph_node_find(&g, "t")->prevedge->from->name, "y");
	graph_free(&g);
}
END_TEST

START_TEST(test_bfs_ignores_weight)
{
	struct graph	 g;

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	E2(&g, "a", "slow", 10000, 0);
	E2(&g, "slow", "t", 10000, 0);
	E2(&g, "a", "b", 1, 0);
	E2(&g, "b", "c", 1, 0);
	E2(&g, "c", "t", 1, 0);
	graph_run(&g);
	ck_assert_str_eq(nexthop(&g, "t"), "slow");
	ck_assert_int_eq(graph_node_find(&g, "t")->distance, 2);
	graph_free(&g);
}
END_TEST

/* ---- INDIRECT -------------------------------------------------------------- */

START_TEST(test_indirect_only)
{
	struct graph	 g;
	struct node	*c, *d;

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	E2(&g, "a", "b", 1, 0);
	E2(&g, "b", "c", 1, OPTION_INDIRECT | OPTION_TCPONLY);
	E2(&g, "c", "d", 1, 0);
	graph_run(&g);
	c = graph_node_find(&g, "c");
	d = graph_node_find(&g, "d");
	ck_assert(c->reachable);
	ck_assert_int_eq(c->indirect, 1);
	ck_assert_str_eq(nexthop(&g, "c"), "b");
	ck_assert_str_eq(via(&g, "c"), "b");
	ck_assert_int_eq(c->options, OPTION_INDIRECT | OPTION_TCPONLY);
	/* behind an indirect node everything stays indirect */
	ck_assert(d->reachable);
	ck_assert_int_eq(d->indirect, 1);
	ck_assert_str_eq(via(&g, "d"), "b");
	ck_assert_int_eq(d->options, 0);
	graph_free(&g);
}
END_TEST

START_TEST(test_indirect_neighbour)
{
	struct graph	 g;

	/* our own neighbour behind an INDIRECT edge: via falls back to us */
	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	E2(&g, "a", "b", 1, OPTION_INDIRECT);
	graph_run(&g);
	ck_assert(reachable(&g, "b"));
	ck_assert_str_eq(nexthop(&g, "b"), "b");
	ck_assert_str_eq(via(&g, "b"), "a");
	graph_free(&g);
}
END_TEST

/* ---- edges ------------------------------------------------------------------ */

START_TEST(test_self_edge)
{
	struct graph	 g;
	struct node	*a;

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	a = g.me;
	errno = 0;
	ck_assert_ptr_null(graph_edge_add(&g, a, a, "1.2.3.4", "655", 0, 1));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(g.nedges, 0);
	E2(&g, "a", "b", 1, 0);
	errno = 0;
	ck_assert_ptr_null(graph_edge_add(&g, a, N(&g, "b"), "1.2.3.4", "655",
	    0, 1));
	ck_assert_int_eq(errno, EEXIST);
	graph_free(&g);
}
END_TEST

START_TEST(test_one_way_edge)
{
	struct graph	 g;
	struct edge	*e;

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	e = E1(&g, "a", "b", 1, 0);
	ck_assert_ptr_null(e->reverse);
	graph_run(&g);
	ck_assert(!reachable(&g, "b"));
	E1(&g, "b", "a", 1, 0);
	ck_assert_ptr_nonnull(e->reverse);
	ck_assert_ptr_eq(e->reverse->reverse, e);
	graph_run(&g);
	ck_assert(reachable(&g, "b"));
	graph_free(&g);
}
END_TEST

START_TEST(test_reachability_callbacks)
{
	struct graph	 g;
	struct edge	*e;
	struct node	*c;

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	graph_set_callback(&g, record, NULL);
	events[0] = '\0';
	E2(&g, "a", "c", 1, 0);
	E2(&g, "c", "b", 1, 0);
	E2(&g, "b", "d", 1, 0);
	graph_run(&g);
	ck_assert_str_eq(events, "+b +c +d");	/* name order */
	c = graph_node_find(&g, "c");
	ck_assert_uint_ne(c->udplen, 0);

	/* nothing changed: no callbacks */
	events[0] = '\0';
	graph_run(&g);
	ck_assert_str_eq(events, "");

	/* cut c->b: b and d go, c stays */
	events[0] = '\0';
	cb_saw_udp = 0;
	e = graph_edge_find(c, graph_node_find(&g, "b"));
	graph_edge_del(&g, e);
	ck_assert(graph_dirty(&g));
	ck_assert_ptr_null(graph_edge_find(graph_node_find(&g, "b"),
	    c)->reverse);
	/* no node keeps the deleted edge */
	ck_assert_ptr_ne(graph_node_find(&g, "b")->prevedge, e);
	graph_run(&g);
	ck_assert_str_eq(events, "-b -d");
	/* the callback still saw the address; afterwards it is gone */
	ck_assert_int_eq(cb_saw_udp, 1);
	ck_assert_uint_eq(graph_node_find(&g, "b")->udplen, 0);
	ck_assert_int_eq(graph_node_find(&g, "b")->options, 0);
	ck_assert_ptr_null(graph_node_find(&g, "b")->nexthop);
	ck_assert(reachable(&g, "c"));

	/* and back */
	events[0] = '\0';
	E1(&g, "c", "b", 1, 0);
	graph_run(&g);
	ck_assert_str_eq(events, "+b +d");
	graph_free(&g);
}
END_TEST

START_TEST(test_udp_address)
{
	struct graph		 g;
	struct node		*b, *c;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	struct edge		*e;

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	b = N(&g, "b");
	c = N(&g, "c");
	ck_assert_ptr_nonnull(graph_edge_add(&g, g.me, b, "192.0.2.7", "700",
	    0, 1));
	ck_assert_ptr_nonnull(graph_edge_add(&g, b, g.me, "192.0.2.1", "655",
	    0, 1));
	e = graph_edge_add(&g, b, c, "peer.example", "655", 0, 1);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->salen, 0);
	ck_assert_str_eq(e->address, "peer.example");
	ck_assert_ptr_nonnull(graph_edge_add(&g, c, b, "2001:db8::5", "655",
	    0, 1));
	graph_run(&g);

	ck_assert_uint_eq(b->udplen, sizeof(struct sockaddr_in));
	sin = (struct sockaddr_in *)&b->udp;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_int_eq(ntohs(sin->sin_port), 700);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0xc0000207);
	/* c is reached over an edge with a host name: no address */
	ck_assert(c->reachable);
	ck_assert_uint_eq(c->udplen, 0);

	/* numeric v6, a numeric scope, and garbage */
	ck_assert_int_eq(graph_edge_update(&g, e, "fe80::1%3", "6550", 0, 1),
	    0);
	ck_assert_uint_eq(e->salen, sizeof(struct sockaddr_in6));
	sin6 = (struct sockaddr_in6 *)&e->sa;
	ck_assert_uint_eq(sin6->sin6_scope_id, 3);
	ck_assert_int_eq(ntohs(sin6->sin6_port), 6550);
	ck_assert_int_eq(graph_edge_update(&g, e, "1.2.3.4", "65536", 0, 1),
	    0);
	ck_assert_uint_eq(e->salen, 0);
	ck_assert_int_eq(graph_edge_update(&g, e, "1.2.3.4x", "1", 0, 1), 0);
	ck_assert_uint_eq(e->salen, 0);
	graph_run(&g);
	graph_free(&g);
}
END_TEST

START_TEST(test_edge_same)
{
	struct graph	 g;
	struct edge	*e, *h;
	char		 longaddr[EDGE_ADDRSTRLEN + 1];

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	e = graph_edge_add(&g, g.me, N(&g, "b"), "10.0.0.2", "655", 0xc, 6);
	ck_assert_ptr_nonnull(e);
	ck_assert(graph_edge_same(e, "10.0.0.2", "655", 0xc, 6));
	ck_assert(graph_edge_same(e, "10.0.0.2", "0655", 0xc, 6));
	ck_assert(!graph_edge_same(e, "10.0.0.2", "656", 0xc, 6));
	ck_assert(!graph_edge_same(e, "10.0.0.3", "655", 0xc, 6));
	ck_assert(!graph_edge_same(e, "10.0.0.2", "655", 0xd, 6));
	ck_assert(!graph_edge_same(e, "10.0.0.2", "655", 0xc, 7));
	ck_assert(!graph_edge_same(e, "host", "655", 0xc, 6));
	h = graph_edge_add(&g, g.me, N(&g, "c"), "host", "655", 0, 1);
	ck_assert_ptr_nonnull(h);
	ck_assert(graph_edge_same(h, "host", "655", 0, 1));
	ck_assert(!graph_edge_same(h, "Host", "655", 0, 1));

	/* overlong address text is refused, the edge is left alone */
	memset(longaddr, 'x', sizeof(longaddr) - 1);
	longaddr[sizeof(longaddr) - 1] = '\0';
	errno = 0;
	ck_assert_int_eq(graph_edge_update(&g, h, longaddr, "655", 0, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(h->address, "host");
	ck_assert_ptr_null(graph_edge_add(&g, N(&g, "c"), g.me, longaddr,
	    "655", 0, 1));
	graph_free(&g);
}
END_TEST

/* ---- nodes and bounds --------------------------------------------------------- */

START_TEST(test_nodes)
{
	struct graph	 g;
	struct node	*b, *c;

	ck_assert_int_eq(graph_init(&g, "a", 0, 0), 0);
	ck_assert_ptr_eq(graph_node_find(&g, "a"), g.me);
	ck_assert(g.me->reachable);
	errno = 0;
	ck_assert_ptr_null(graph_node_add(&g, "a-b"));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(graph_node_add(&g, ""));
	errno = 0;
	ck_assert_ptr_null(graph_node_add(&g, "a"));
	ck_assert_int_eq(errno, EEXIST);

	b = N(&g, "b");
	c = N(&g, "c");
	ck_assert_uint_ne(b->id, 0);
	ck_assert_uint_ne(b->id, c->id);
	ck_assert_uint_ne(b->id, g.me->id);
	ck_assert_ptr_eq(graph_node_find_id(&g, c->id), c);
	ck_assert_ptr_null(graph_node_find_id(&g, 0));

	E2(&g, "a", "b", 1, 0);
	E1(&g, "c", "b", 1, 0);
	graph_run(&g);

	/* ourselves, a reachable node, a node something points to */
	errno = 0;
	ck_assert_int_eq(graph_node_del(&g, g.me), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(graph_node_del(&g, b), -1);
	ck_assert_int_eq(graph_edge_add(&g, b, c, "1.1.1.1", "1", 0, 1) !=
	    NULL, 1);
	ck_assert_int_eq(graph_node_del(&g, c), -1);
	graph_edge_del(&g, graph_edge_find(b, c));
	/* c is unreachable and only has an outgoing edge: it goes, edge too */
	ck_assert_uint_eq(g.nedges, 3);
	ck_assert_int_eq(graph_node_del(&g, c), 0);
	ck_assert_uint_eq(g.nedges, 2);
	ck_assert_ptr_null(graph_node_find(&g, "c"));
	ck_assert_uint_eq(g.nnodes, 2);
	graph_run(&g);
	graph_free(&g);
}
END_TEST

START_TEST(test_bounds)
{
	struct graph	 g;
	struct node	*b, *c, *d;

	ck_assert_int_eq(graph_init(&g, "a", 3, 2), 0);
	b = N(&g, "b");
	c = N(&g, "c");
	errno = 0;
	ck_assert_ptr_null(graph_node_add(&g, "d"));
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(g.nnodes, 3);

	ck_assert_ptr_nonnull(graph_edge_add(&g, g.me, b, "1.1.1.1", "1", 0,
	    1));
	ck_assert_ptr_nonnull(graph_edge_add(&g, b, g.me, "1.1.1.1", "1", 0,
	    1));
	errno = 0;
	ck_assert_ptr_null(graph_edge_add(&g, b, c, "1.1.1.1", "1", 0, 1));
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(g.nedges, 2);

	/* room again after deleting */
	ck_assert_int_eq(graph_node_del(&g, c), 0);
	d = graph_node_add(&g, "d");
	ck_assert_ptr_nonnull(d);
	graph_edge_del(&g, graph_edge_find(b, g.me));
	ck_assert_ptr_nonnull(graph_edge_add(&g, b, d, "1.1.1.1", "1", 0, 1));
	graph_run(&g);
	ck_assert(!b->reachable);
	graph_free(&g);
}
END_TEST

/* 4096 nodes in a ring plus chords: well inside the time budget. */
START_TEST(test_large)
{
	struct graph	 g;
	char		 a[16], b[16];
	int		 i, n = 4000;
	clock_t		 t0;

	ck_assert_int_eq(graph_init(&g, "n0", 4096, 32768), 0);
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "n%d", i);
		snprintf(b, sizeof(b), "n%d", (i + 1) % n);
		E2(&g, a, b, i % 7, i % 5 == 0 ? OPTION_INDIRECT : 0);
		snprintf(b, sizeof(b), "n%d", (i * 7 + 3) % n);
		if (strcmp(a, b) != 0 && graph_edge_find(N(&g, a),
		    N(&g, b)) == NULL && graph_edge_find(N(&g, b),
		    N(&g, a)) == NULL)
			E2(&g, a, b, 10, 0);
	}
	t0 = clock();
	for (i = 0; i < 20; i++)
		graph_run(&g);
	ck_assert((clock() - t0) / CLOCKS_PER_SEC < 10);
	ck_assert(reachable(&g, "n2000"));
	graph_free(&g);
}
END_TEST

static Suite *
graph_suite(void)
{
	Suite	*s = suite_create("graph");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_worked_example);
	tcase_add_test(tc, test_worked_example_other_order);
	tcase_add_test(tc, test_mst_same_everywhere);
	tcase_add_test(tc, test_mst_weight_update);
	tcase_add_test(tc, test_mst_islands);
	tcase_add_test(tc, test_mst_tie_names);
	tcase_add_test(tc, test_mst_matches_reference);
	tcase_add_test(tc, test_tie_target_name);
	tcase_add_test(tc, test_tie_queue_order);
	tcase_add_test(tc, test_bfs_ignores_weight);
	tcase_add_test(tc, test_indirect_only);
	tcase_add_test(tc, test_indirect_neighbour);
	tcase_add_test(tc, test_self_edge);
	tcase_add_test(tc, test_one_way_edge);
	tcase_add_test(tc, test_reachability_callbacks);
	tcase_add_test(tc, test_udp_address);
	tcase_add_test(tc, test_edge_same);
	tcase_add_test(tc, test_nodes);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_large);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(graph_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
