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
 * Packet keys (legacy spec 7): REQ_KEY and ANS_KEY relayed hop by hop
 * along nexthop, ANS_KEY for us checked and handed to the packet worker,
 * KEY_CHANGED flooded, and our receive keys renewed every KeyExpire.
 * Key material only passes through here: it is made with RAND_bytes, sent
 * to the packet worker and on the wire, and wiped.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ipc.h"
#include "log.h"
#include "meta.h"

/*
 * Spec 7.3 steps 4 to 8 for an ANS_KEY addressed to us: the key material
 * decodes, and cipher, digest, MAC length and compression make a packet
 * key the packet worker will accept (CBC only; NID 0 needs exactly one
 * byte, CVE-2018-16758).  km gets the key material, at most LKEY_MAX.
 */
int
meta_anskey_validate(const struct req_ans_key *r, uint8_t *km, size_t *kmlen,
    const char **reason)
{
	struct legacy_key	 k;
	size_t			 len = strlen(r->key);

	*kmlen = 0;
	if (len == 0 || len % 2 != 0 || len / 2 > LKEY_MAX) {
		*reason = "wrong keylength";
		return -1;
	}
	if (hex2bin(r->key, km, len / 2) == -1) {
		*reason = "invalid key";
		return -1;
	}
	if (legacy_key_init(&k, 1, r->cipher, r->digest, r->maclength,
	    r->compression, km, len / 2, reason) == -1) {
		explicit_bzero(km, len / 2);
		return -1;
	}
	legacy_key_free(&k);
	*kmlen = len / 2;
	return 0;
}

static struct meta_conn *
nexthop_conn(struct node *n)
{
	if (!n->reachable || n->nexthop == NULL)
		return NULL;
	return meta_node_of(n->nexthop)->conn;
}

/* key = u32 cipher, u32 digest, u8 maclength, u8 compression, u16 + bytes */
static int
pkt_key(uint32_t type, struct node *n, int cipher, int digest, int maclen,
    int compression, const uint8_t *km, size_t kmlen)
{
	struct ibuf	*b;

	if ((b = imsg_create(type, n->id, 16 + kmlen)) == NULL)
		return -1;
	if (ibuf_add_u32(b, n->id) == -1 ||
	    ibuf_add_u32(b, (uint32_t)cipher) == -1 ||
	    ibuf_add_u32(b, (uint32_t)digest) == -1 ||
	    ibuf_add_u8(b, (uint8_t)maclen) == -1 ||
	    ibuf_add_u8(b, (uint8_t)compression) == -1 ||
	    ibuf_add_u16(b, (uint16_t)kmlen) == -1 ||
	    ibuf_add(b, km, kmlen) == -1) {
		ibuf_free(b);
		return -1;
	}
	return meta_pkt_compose(type, n->id, b);
}

/* Spec 7.3 "generating": a fresh receive key for n, to packet and to n. */
int
meta_keys_send_ans(struct node *n)
{
	struct meta_conn	*c;
	struct proto_msg	*m;
	uint8_t			 km[LKEY_MAX];
	size_t			 len = (size_t)M.conf->keylen;
	int			 r = -1;

	if (n == M.g.me || (c = nexthop_conn(n)) == NULL)
		return -1;
	if (len == 0 || len > sizeof(km) || RAND_bytes(km, (int)len) != 1)
		return -1;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto done;
	/* packet first: the first datagrams may overtake the line */
	if (pkt_key(IMSG_KEY_IN, n, M.conf->cipher, M.conf->digest,
	    M.conf->maclength, M.conf->compression, km, len) == -1)
		goto done;
	m->type = REQ_ANS_KEY;
	strlcpy(m->ans_key.from, M.conf->name, sizeof(m->ans_key.from));
	strlcpy(m->ans_key.to, n->name, sizeof(m->ans_key.to));
	bin2hex(km, len, m->ans_key.key, sizeof(m->ans_key.key));
	m->ans_key.cipher = M.conf->cipher;
	m->ans_key.digest = M.conf->digest;
	m->ans_key.maclength = M.conf->maclength;
	m->ans_key.compression = M.conf->compression;
	log_debug(DEBUG_PROTOCOL, "Sending ANS_KEY to %s", n->name);
	r = meta_conn_send_msg(c, m);
 done:
	explicit_bzero(km, sizeof(km));
	if (m != NULL)
		freezero(m, sizeof(*m));
	return r;
}

/* The packet worker has no key for n: REQ_KEY, at most every 10 s. */
void
meta_keys_need(struct node *n)
{
	struct meta_node	*mn = meta_node_of(n);
	struct meta_conn	*c;
	uint64_t		 now = meta_now();

	if (n == M.g.me || (c = nexthop_conn(n)) == NULL)
		return;
	if (mn->last_req_key != 0 &&
	    now - mn->last_req_key < META_REQKEY_INTERVAL * 1000)
		return;
	mn->last_req_key = now;
	log_debug(DEBUG_PROTOCOL, "Sending REQ_KEY to %s", n->name);
	meta_conn_sendf(c, "%d %s %s", REQ_REQ_KEY, M.conf->name, n->name);
}

static int
req_key(struct meta_conn *c, const char *line, const struct req_req_key *r)
{
	struct meta_node	*from, *to;
	struct meta_conn	*nc;

	if ((from = meta_node_get(r->from, 0)) == NULL ||
	    (to = meta_node_get(r->to, 0)) == NULL) {
		log_debug(DEBUG_PROTOCOL, "Got REQ_KEY from %s for unknown "
		    "node %s -> %s", meta_conn_label(c), r->from, r->to);
		return 0;
	}
	if (from->n == M.g.me) {
		/* errata 2 */
		log_warnx("Got REQ_KEY from %s claiming to come from us",
		    meta_conn_label(c));
		return 0;
	}
	if (to->n == M.g.me) {
		if (r->ext[0] != '\0') {
			log_debug(DEBUG_PROTOCOL, "Ignoring extended REQ_KEY "
			    "from %s", meta_conn_label(c));
			return 0;
		}
		if (meta_keys_send_ans(from->n) == -1)
			log_debug(DEBUG_PROTOCOL, "Cannot answer REQ_KEY from "
			    "%s: no route", r->from);
		return 0;
	}
	if (M.conf->tunnel_server)
		return 0;
	if ((nc = nexthop_conn(to->n)) == NULL) {
		log_warnx("Got REQ_KEY from %s destination %s which is not "
		    "reachable", meta_conn_label(c), r->to);
		return 0;
	}
	meta_conn_send(nc, line, strlen(line));
	return 0;
}

/* Spec 7.3 "forwarding": the reflexive address of from goes along. */
static void
ans_key_forward(struct meta_conn *c, const char *line,
    const struct req_ans_key *r, struct meta_node *from, struct meta_node *to)
{
	struct meta_conn	*nc;
	char			 buf[PROTO_MAX_LINE + 1];
	char			 a[INET6_ADDRSTRLEN], p[8];
	int			 n;

	if (M.conf->tunnel_server)
		return;
	if ((nc = nexthop_conn(to->n)) == NULL) {
		log_warnx("Got ANS_KEY from %s destination %s which is not "
		    "reachable", meta_conn_label(c), r->to);
		return;
	}
	if (!r->has_address && to->minmtu > 0 &&
	    meta_sockaddr_str(&from->n->udp, from->n->udplen, a, sizeof(a),
	    p, sizeof(p)) == 0) {
		n = snprintf(buf, sizeof(buf), "%s %s %s", line, a, p);
		if (n > 0 && (size_t)n < sizeof(buf)) {
			meta_conn_send(nc, buf, (size_t)n);
			explicit_bzero(buf, sizeof(buf));
			return;
		}
	}
	meta_conn_send(nc, line, strlen(line));
}

static void
udp_from_ans(struct node *n, const struct req_ans_key *r)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 port = atoi(r->port);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, r->address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, r->address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	} else
		return;		/* errata 3: numeric only */
	if (port <= 0 || port > 65535)
		return;
	log_debug(DEBUG_PROTOCOL, "Using reflexive UDP address from %s: %s "
	    "port %s", n->name, r->address, r->port);
	graph_node_set_udp(n, (struct sockaddr *)&ss, len);
	meta_topo_node_changed(n);
}

static int
ans_key(struct meta_conn *c, const char *line, const struct req_ans_key *r)
{
	struct meta_node	*from, *to;
	uint8_t			 km[LKEY_MAX];
	size_t			 kmlen;
	const char		*why;

	if ((from = meta_node_get(r->from, 0)) == NULL ||
	    (to = meta_node_get(r->to, 0)) == NULL) {
		log_debug(DEBUG_PROTOCOL, "Got ANS_KEY from %s for unknown "
		    "node %s -> %s", meta_conn_label(c), r->from, r->to);
		return 0;
	}
	if (from->n == M.g.me) {
		/* errata 2 */
		log_warnx("Got ANS_KEY from %s claiming to come from us",
		    meta_conn_label(c));
		return 0;
	}
	if (to->n != M.g.me) {
		ans_key_forward(c, line, r, from, to);
		return 0;
	}
	/* spec 7.3 step 3: whatever comes next, the old key is gone */
	meta_pkt_u32(IMSG_KEY_INVALID, from->n->id);
	if (meta_anskey_validate(r, km, &kmlen, &why) == -1) {
		log_warnx("Got bad ANS_KEY from %s (from %s): %s",
		    meta_conn_label(c), r->from, why);
		return 0;
	}
	pkt_key(IMSG_KEY_OUT, from->n, r->cipher, r->digest,
	    r->maclength, r->compression, km, kmlen);
	explicit_bzero(km, sizeof(km));
	log_debug(DEBUG_PROTOCOL, "Got ANS_KEY from %s (cipher %d digest %d "
	    "maclength %d compression %d)", r->from, r->cipher, r->digest,
	    r->maclength, r->compression);
	if (r->has_address)
		udp_from_ans(from->n, r);
	return 0;
}

static int
key_changed(struct meta_conn *c, const char *line,
    const struct req_key_changed *r)
{
	struct meta_node	*mn;

	if (meta_seen_check(&M.seen, line, meta_now()) == 1)
		return 0;
	if ((mn = meta_node_get(r->name, 0)) == NULL) {
		log_debug(DEBUG_PROTOCOL, "Got KEY_CHANGED from %s for unknown "
		    "node %s", meta_conn_label(c), r->name);
		return 0;
	}
	if (mn->n != M.g.me) {
		meta_pkt_u32(IMSG_KEY_INVALID, mn->n->id);
		mn->last_req_key = 0;
	}
	if (!M.conf->tunnel_server)
		meta_topo_broadcast(c, line, strlen(line));
	return 0;
}

int
meta_keys_line(struct meta_conn *c, const char *line,
    const struct proto_msg *m)
{
	/* reachability must be current before it is used */
	meta_topo_run();
	switch (m->type) {
	case REQ_KEY_CHANGED:
		return key_changed(c, line, &m->key_changed);
	case REQ_REQ_KEY:
		return req_key(c, line, &m->req_key);
	case REQ_ANS_KEY:
		return ans_key(c, line, &m->ans_key);
	default:
		return -1;
	}
}

/* Spec 7.5: forget every receive key, tell everyone, re-key neighbours. */
void
meta_keys_expire(void)
{
	struct node	*n;
	char		 buf[MAX_NAME_LEN + 32];
	int		 len;

	log_debug(DEBUG_STATUS, "Expiring symmetric keys");
	M.keyexpires = meta_now() + (uint64_t)M.conf->key_expire * 1000;
	chan_compose(&M.packet, IMSG_KEY_FORGET, 0, -1, NULL, 0);
	len = snprintf(buf, sizeof(buf), "%d %x %s", REQ_KEY_CHANGED,
	    meta_nonce(), M.conf->name);
	if (len > 0 && (size_t)len < sizeof(buf))
		meta_topo_broadcast(NULL, buf, (size_t)len);
	meta_topo_run();
	RB_FOREACH(n, node_tree, &M.g.nodes)
		if (n != M.g.me && n->reachable &&
		    meta_node_of(n)->conn != NULL)
			meta_keys_send_ans(n);
}

void
meta_keys_tick(uint64_t now)
{
	if (now >= M.keyexpires)
		meta_keys_expire();
}

void
meta_keys_reset(void)
{
	M.keyexpires = meta_now() + (uint64_t)M.conf->key_expire * 1000;
}
