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
 * The meta worker: TCP meta connections, topology and key relay of the
 * tinc 1.0 protocol.  It accepts on listeners the parent bound and gets
 * outgoing sockets from the parent, never creates sockets or opens files,
 * and asks the key holder for what needs our private key.
 *
 * Configuration arrives as a transaction (IMSG_CONF_SERVER, IMSG_CONF_HOST
 * per host, IMSG_CONF_END): before IMSG_INIT_DONE at start-up, and
 * again on every reload, swapped in whole at the end.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "ev.h"
#include "ipc.h"
#include "keyfile.h"
#include "log.h"
#include "meta.h"
#include "sandbox.h"
#include "worker.h"

struct meta_state	 M;

static uint64_t		 meta_last_slow;

static int
meta_host_cmp(struct meta_host *a, struct meta_host *b)
{
	return strcmp(a->name, b->name);
}

RB_GENERATE(meta_hosts, meta_host, entry, meta_host_cmp);

/* ---- small helpers ---------------------------------------------------- */

uint64_t
meta_now(void)
{
	return ev_now_ms();
}

/* Flooded requests carry a random 32-bit value (spec 3.8). */
uint32_t
meta_nonce(void)
{
	return arc4random();
}

/* Warnings about one kind of bound at most every 10 seconds. */
int
meta_warn_ok(int which)
{
	uint64_t	 now = meta_now();

	if (which < 0 || which >= META_WARN_MAX)
		return 1;
	if (M.warned[which] != 0 && now - M.warned[which] < 10000)
		return 0;
	M.warned[which] = now;
	return 1;
}

const struct meta_host *
meta_host_find(const char *name)
{
	struct meta_host	 key;

	if (M.conf == NULL || strlcpy(key.name, name, sizeof(key.name)) >=
	    sizeof(key.name))
		return NULL;
	return RB_FIND(meta_hosts, &M.conf->hosts, &key);
}

/* Numeric address and port, without getnameinfo (it may open sockets). */
int
meta_sockaddr_str(const struct sockaddr_storage *ss, socklen_t len,
    char *addr, size_t addrlen, char *port, size_t portlen)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;

	if (len == 0)
		return -1;
	switch (ss->ss_family) {
	case AF_INET:
		if (inet_ntop(AF_INET, &sin->sin_addr, addr, addrlen) == NULL)
			return -1;
		snprintf(port, portlen, "%u", ntohs(sin->sin_port));
		return 0;
	case AF_INET6:
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, addr, addrlen) ==
		    NULL)
			return -1;
		snprintf(port, portlen, "%u", ntohs(sin6->sin6_port));
		return 0;
	default:
		return -1;
	}
}

int
meta_pkt_compose(uint32_t type, uint32_t peerid, struct ibuf *b)
{
	return chan_send(&M.packet, b);
}

/* A message to packet whose payload is one u32 (a node id). */
int
meta_pkt_u32(uint32_t type, uint32_t id)
{
	struct ibuf	*b;

	if ((b = imsg_create(type, id, 4)) == NULL)
		return -1;
	if (ibuf_add_u32(b, id) == -1) {
		ibuf_free(b);
		return -1;
	}
	return chan_send(&M.packet, b);
}

/*
 * IMSG_SCRIPT_RUN: u8 kind, str node, u8 has_addr, u8 family, bytes[16],
 * u16 port, u8 has_subnet, subnet.  A node without a usable address gets
 * none (spec 14.6 item 8); our own node never has one.
 */
int
meta_script(int kind, struct node *n, const struct subnet *s)
{
	struct subnet	 none;
	struct ibuf	*b;
	int		 has_addr;

	if (!M.go)
		return 0;
	has_addr = n != M.g.me && n->udplen > 0 &&
	    (n->udp.ss_family == AF_INET || n->udp.ss_family == AF_INET6);
	if ((b = imsg_create(IMSG_SCRIPT_RUN, 0, 128)) == NULL)
		return -1;
	if (ibuf_add_u8(b, (uint8_t)kind) == -1 ||
	    ibuf_add_str(b, n->name) == -1 ||
	    ibuf_add_u8(b, has_addr) == -1) {
		ibuf_free(b);
		return -1;
	}
	ipc_put_sockaddr(b, &n->udp, has_addr ? n->udplen : 0);
	if (s == NULL) {
		memset(&none, 0, sizeof(none));
		ibuf_add_u8(b, 0);
		ipc_put_subnet(b, &none);
	} else {
		ibuf_add_u8(b, 1);
		ipc_put_subnet(b, s);
	}
	return chan_send(&worker_parent, b);
}

/* ---- configuration ---------------------------------------------------- */

static void
host_free(struct meta_host *h)
{
	EVP_PKEY_free(h->pub);
	free(h->der);
	free(h->addrs);
	free(h->subnets);
	free(h);
}

static void
conf_free(struct meta_conf *c)
{
	struct meta_host	*h, *next;

	if (c == NULL)
		return;
	RB_FOREACH_SAFE(h, meta_hosts, &c->hosts, next) {
		RB_REMOVE(meta_hosts, &c->hosts, h);
		host_free(h);
	}
	free(c->mykey);
	free(c->connect_to);
	free(c->subnets);
	free(c);
}

static int
get_tri(struct imsg *im, int *v)
{
	uint8_t	 t;

	if (imsg_get_u8(im, &t) == -1 || t > 2)
		return -1;
	*v = t == 2 ? -1 : t;
	return 0;
}

static int
get_subnets(struct imsg *im, struct subnet **v, size_t *n)
{
	uint16_t	 cnt, i;

	if (imsg_get_u16(im, &cnt) == -1)
		return -1;
	*n = 0;
	if (cnt == 0)
		return 0;
	if ((*v = calloc(cnt, sizeof(**v))) == NULL)
		return -1;
	for (i = 0; i < cnt; i++)
		if (ipc_get_subnet(im, &(*v)[i]) == -1)
			return -1;
	*n = cnt;
	return 0;
}

static int
conf_get_numbers(struct imsg *im, struct meta_conf *c)
{
	uint32_t	 cipher, digest, mcipher, pi, pt, maxt, mint, ke, mobs;
	uint16_t	 keylen, pmtu;
	uint8_t		 maclen, comp, legacy, strict, ts, mode, bcast;

	if (imsg_get_u32(im, &cipher) == -1 ||
	    imsg_get_u32(im, &digest) == -1 ||
	    imsg_get_u8(im, &maclen) == -1 || imsg_get_u8(im, &comp) == -1 ||
	    imsg_get_u16(im, &keylen) == -1 ||
	    imsg_get_u32(im, &mcipher) == -1 ||
	    imsg_get_u8(im, &legacy) == -1 ||
	    imsg_get_u32(im, &pi) == -1 || imsg_get_u32(im, &pt) == -1 ||
	    imsg_get_u32(im, &maxt) == -1 || imsg_get_u32(im, &mint) == -1 ||
	    imsg_get_u32(im, &ke) == -1 ||
	    imsg_get_u8(im, &strict) == -1 || imsg_get_u8(im, &ts) == -1 ||
	    imsg_get_u8(im, &mode) == -1 || imsg_get_u8(im, &bcast) == -1 ||
	    imsg_get_u32(im, &mobs) == -1 || imsg_get_u16(im, &pmtu) == -1)
		return -1;
	if (cipher > 0xffff || digest > 0xffff || mcipher > 0xffff ||
	    keylen == 0 || keylen > LKEY_MAX || comp > 11 || pi == 0 ||
	    pi > 86400 * 365 || pt == 0 || pt > pi || maxt == 0 ||
	    maxt > 86400 * 365 || mint > maxt || ke == 0 || ke > 0x7fffffff ||
	    mobs > 0x7fffffff)
		return -1;
	c->cipher = (int)cipher;
	c->digest = (int)digest;
	c->maclength = maclen;
	c->compression = comp;
	c->keylen = keylen;
	c->meta_cipher = (int)mcipher;
	c->legacy = legacy != 0;
	c->ping_interval = (int)pi;
	c->ping_timeout = (int)pt;
	c->max_timeout = (int)maxt;
	c->min_timeout = (int)mint;
	c->key_expire = (int)ke;
	c->strict_subnets = strict != 0;
	c->tunnel_server = ts != 0;
	c->mode = mode;
	c->broadcast = bcast;
	c->max_output_buffer_size = (int)mobs;
	c->pmtu = pmtu;
	return 0;
}

static int
meta_recv_conf(struct imsg *im, void *arg)
{
	struct meta_conf	*c;
	EVP_PKEY		*k;
	uint16_t		 len, n, i;
	const uint8_t		*p;
	int			 size;

	conf_free(M.staging);
	if ((M.staging = c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	RB_INIT(&c->hosts);
	if (imsg_get_u32(im, &c->options) == -1 ||
	    imsg_get_str(im, c->name, sizeof(c->name)) == -1 ||
	    imsg_get_str(im, c->myport, sizeof(c->myport)) == -1 ||
	    conf_get_numbers(im, c) == -1 ||
	    imsg_get_u16(im, &len) == -1 || len == 0 ||
	    (p = imsg_get_ptr(im, len)) == NULL)
		return -1;
	if (!valid_name(c->name) || (c->mykey = malloc(len)) == NULL)
		return -1;
	memcpy(c->mykey, p, len);
	c->mykeylen = len;
	if ((k = keyfile_rsa_pub_from_der(p, len)) == NULL)
		return -1;
	size = EVP_PKEY_get_size(k);
	EVP_PKEY_free(k);
	if (size < 64 || size > PROTO_MAX_STRING / 2)
		return -1;
	c->rsalen = (size_t)size;
	if (imsg_get_u16(im, &n) == -1)
		return -1;
	if (n > 0 && (c->connect_to = calloc(n, sizeof(*c->connect_to))) ==
	    NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (imsg_get_str(im, c->connect_to[i],
		    sizeof(c->connect_to[i])) == -1 ||
		    !valid_name(c->connect_to[i]))
			return -1;
	}
	c->nconnect_to = n;
	if (get_subnets(im, &c->subnets, &c->nsubnets) == -1)
		return -1;
	return imsg_get_end(im);
}

static int
host_get_addrs(struct imsg *im, struct meta_host *h)
{
	uint16_t	 n, i;

	if (imsg_get_u16(im, &n) == -1 || n > META_MAX_HOST_ADDRS)
		return -1;
	if (n == 0)
		return 0;
	if ((h->addrs = calloc(n, sizeof(*h->addrs))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (imsg_get_str(im, h->addrs[i].host,
		    sizeof(h->addrs[i].host)) == -1 ||
		    imsg_get_str(im, h->addrs[i].port,
		    sizeof(h->addrs[i].port)) == -1)
			return -1;
	h->naddrs = n;
	return 0;
}

static int
meta_recv_host(struct imsg *im, void *arg)
{
	struct meta_host	*h;
	const uint8_t		*p;
	uint16_t		 len, port, pmtu;
	uint8_t			 hw;
	uint32_t		 w;

	if (M.staging == NULL || (h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	if (imsg_get_str(im, h->name, sizeof(h->name)) == -1 ||
	    !valid_name(h->name) || imsg_get_u16(im, &len) == -1 ||
	    (p = imsg_get_ptr(im, len)) == NULL)
		goto fail;
	if (len > 0) {
		if ((h->der = malloc(len)) == NULL)
			goto fail;
		memcpy(h->der, p, len);
		h->derlen = len;
		if ((h->pub = keyfile_rsa_pub_from_der(p, len)) == NULL)
			log_warnx("unusable public key for %s", h->name);
	}
	if (imsg_get_u16(im, &port) == -1 ||
	    get_tri(im, &h->indirectdata) == -1 ||
	    get_tri(im, &h->tcponly) == -1 ||
	    get_tri(im, &h->clampmss) == -1 ||
	    imsg_get_u16(im, &pmtu) == -1 || imsg_get_u8(im, &hw) == -1 ||
	    imsg_get_u32(im, &w) == -1 || host_get_addrs(im, h) == -1 ||
	    get_subnets(im, &h->subnets, &h->nsubnets) == -1 ||
	    imsg_get_end(im) == -1)
		goto fail;
	h->pmtu = pmtu;
	h->has_weight = hw != 0;
	h->weight = (int32_t)w;
	if (RB_INSERT(meta_hosts, &M.staging->hosts, h) != NULL)
		goto fail;
	return 0;
 fail:
	host_free(h);
	return -1;
}

static int
host_key_changed(const struct meta_conf *old, const char *name)
{
	struct meta_host	 key, *a, *b;

	strlcpy(key.name, name, sizeof(key.name));
	a = RB_FIND(meta_hosts, (struct meta_hosts *)&old->hosts, &key);
	b = RB_FIND(meta_hosts, &M.conf->hosts, &key);
	if (a == NULL || b == NULL || a->pub == NULL || b->pub == NULL)
		return a != b;
	return a->derlen != b->derlen || memcmp(a->der, b->der,
	    a->derlen) != 0;
}

/* Spec 13.6 HUP, as far as it applies to a running meta worker. */
static void
meta_reload(const struct meta_conf *old)
{
	struct meta_conn	*c, *next;

	TAILQ_FOREACH_SAFE(c, &M.conns, entry, next) {
		if (c->dead || c->name[0] == '\0' ||
		    !host_key_changed(old, c->name))
			continue;
		log_info("Host configuration of %s changed; closing its "
		    "connection", c->name);
		meta_conn_terminate(c, c->state == MS_ACTIVE ?
		    META_T_REPORT : 0, NULL);
	}
	meta_topo_own_subnets(M.conf->subnets, M.conf->nsubnets, 0);
	meta_topo_strict(M.conf, 0);
	meta_topo_node_changed(M.g.me);
	if (M.go)
		meta_outgoing_sync();
	if (M.conf->key_expire != old->key_expire)
		meta_keys_reset();
}

static int
meta_recv_end(struct imsg *im, void *arg)
{
	struct meta_conf	*old;
	uint32_t		 gen;

	if (imsg_get_u32(im, &gen) == -1 || imsg_get_end(im) == -1 ||
	    M.staging == NULL)
		return -1;
	old = M.conf;
	if (old != NULL && strcmp(old->name, M.staging->name) != 0) {
		log_warnx("new configuration renames us; ignored");
		conf_free(M.staging);
		M.staging = NULL;
		return 0;
	}
	M.conf = M.staging;
	M.staging = NULL;
	M.conf->generation = gen;
	if (old != NULL) {
		log_debug(DEBUG_STATUS, "configuration %u in use", gen);
		meta_reload(old);
		conf_free(old);
	}
	return 0;
}

/* ---- start-up table ---------------------------------------------------- */

static int
meta_init_tcp(struct imsg *im, void *arg)
{
	uint32_t	 idx;
	int		 fd;

	if (imsg_get_u32(im, &idx) == -1 || imsg_get_end(im) == -1)
		return -1;
	if ((fd = imsg_take_fd(im)) == -1)
		return -1;
	if (M.nlisteners == META_MAX_LISTENERS) {
		close(fd);
		return -1;
	}
	M.listeners[M.nlisteners++] = fd;
	return 0;
}

static int
meta_init_done(struct imsg *im, void *arg)
{
	return imsg_get_end(im);
}

#define FROM_PARENT	(1u << ROLE_PARENT)
#define FROM_KEYS	(1u << ROLE_KEYS)
#define FROM_PACKET	(1u << ROLE_PACKET)
#define MAXPAY		(IMSG_MAX_PACKET - IMSG_HDR_LEN)

static const struct imsg_handler meta_start_tab[] = {
	{ IMSG_INIT_PROC, 16, 1024, FROM_PARENT, 0, worker_handle_init },
	{ IMSG_INIT_TCP, 4, 4, FROM_PARENT, 1, meta_init_tcp },
	{ IMSG_CONF_SERVER, 60, MAXPAY, FROM_PARENT, 0, meta_recv_conf },
	{ IMSG_CONF_HOST, 20, MAXPAY, FROM_PARENT, 0, meta_recv_host },
	{ IMSG_CONF_END, 4, 4, FROM_PARENT, 0, meta_recv_end },
	{ IMSG_INIT_DONE, 0, 0, FROM_PARENT, 0, meta_init_done },
};

/* ---- from the parent --------------------------------------------------- */

static int
meta_go(struct imsg *im, void *arg)
{
	if (imsg_get_end(im) == -1)
		return -1;
	if (M.go)
		return 0;
	M.go = 1;
	meta_listen_start();
	meta_outgoing_sync();
	return 0;
}

static int
meta_dump(struct imsg *im, void *arg)
{
	uint8_t	 what;

	if (imsg_get_u8(im, &what) == -1 || imsg_get_end(im) == -1)
		return -1;
	meta_topo_run();
	if (what == DUMP_CONNECTIONS)
		meta_conn_dump();
	else
		meta_topo_dump();
	return 0;
}

static int
meta_retry(struct imsg *im, void *arg)
{
	if (imsg_get_end(im) == -1)
		return -1;
	meta_outgoing_retry_all();
	meta_conn_ping_all();
	chan_compose(&M.packet, IMSG_CTL_ALRM, 0, -1, NULL, 0);
	return 0;
}

static int
meta_purge(struct imsg *im, void *arg)
{
	if (imsg_get_end(im) == -1)
		return -1;
	log_info("purging unreachable nodes");
	meta_topo_purge();
	return 0;
}

static int
meta_connect_result(struct imsg *im, void *arg)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	uint8_t			 ok;
	int			 fd = imsg_take_fd(im);

	if (imsg_get_u8(im, &ok) == -1 || ipc_get_sockaddr(im, &ss, &len) == -1 ||
	    imsg_get_end(im) == -1 || ok != 1 || fd == -1 || len == 0) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	return meta_outgoing_result(im->hdr.peerid, 1, &ss, len, fd);
}

static int
meta_connect_failed(struct imsg *im, void *arg)
{
	return meta_outgoing_result(im->hdr.peerid, 0, NULL, 0, -1);
}

static const struct imsg_handler meta_parent_tab[] = {
	{ IMSG_CTL_GO, 0, 0, FROM_PARENT, 0, meta_go },
	{ IMSG_CTL_DUMP, 1, 1, FROM_PARENT, 0, meta_dump },
	{ IMSG_CTL_DEBUG, 1, 1, FROM_PARENT, 0, worker_handle_debug },
	{ IMSG_CTL_RETRY, 0, 0, FROM_PARENT, 0, meta_retry },
	{ IMSG_CTL_PURGE, 0, 0, FROM_PARENT, 0, meta_purge },
	{ IMSG_CONF_SERVER, 60, MAXPAY, FROM_PARENT, 0, meta_recv_conf },
	{ IMSG_CONF_HOST, 20, MAXPAY, FROM_PARENT, 0, meta_recv_host },
	{ IMSG_CONF_END, 4, 4, FROM_PARENT, 0, meta_recv_end },
	{ IMSG_CONN_RESULT, 20, 20, FROM_PARENT, 1, meta_connect_result },
	{ IMSG_CONN_FAILED, 0, 0, FROM_PARENT, 0, meta_connect_failed },
};

/* ---- from the key holder ------------------------------------------------ */

static int
meta_keys_reply(struct imsg *im, void *arg)
{
	struct meta_conn	*c;
	uint8_t			*p = (uint8_t *)im->data;
	int			 r = 0;

	if ((c = meta_conn_find_id(im->hdr.peerid)) != NULL)
		r = meta_auth_key_reply(c, p[0] == 1, p + 1, im->len - 1);
	explicit_bzero(p, im->len);
	return r;
}

static const struct imsg_handler meta_keys_tab[] = {
	{ IMSG_CA_REPLY, 1, 1 + META_MAX_RSA, FROM_KEYS, 0,
	    meta_keys_reply },
};

/* ---- from the packet worker --------------------------------------------- */

static struct node *
pkt_node_arg(struct imsg *im)
{
	uint32_t	 id;
	struct node	*n;

	if (imsg_get_u32(im, &id) == -1)
		return NULL;
	if ((n = graph_node_find_id(&M.g, id)) == NULL)
		log_debug(DEBUG_TRAFFIC, "packet worker named unknown node %u",
		    id);
	return n;
}

static int
meta_need_key(struct imsg *im, void *arg)
{
	struct node	*n;

	if ((n = pkt_node_arg(im)) != NULL) {
		meta_topo_run();
		meta_keys_need(n);
	}
	return 0;
}

static int
meta_tcp_out(struct imsg *im, void *arg)
{
	struct node		*n;
	struct meta_node	*mn;
	const uint8_t		*frame;
	uint16_t		 len;

	if ((n = pkt_node_arg(im)) == NULL)
		return 0;
	if (imsg_get_u16(im, &len) == -1 || len == 0 || len > MTU ||
	    (frame = imsg_get_ptr(im, len)) == NULL || imsg_get_end(im) == -1)
		return -1;
	mn = meta_node_of(n);
	if (mn->conn == NULL) {
		log_debug(DEBUG_TRAFFIC, "No meta connection to %s for a TCP "
		    "packet", n->name);
		return 0;
	}
	meta_conn_send_packet(mn->conn, frame, len);
	return 0;
}

static int
meta_udp_addr(struct imsg *im, void *arg)
{
	struct sockaddr_storage	 ss;
	struct node		*n;
	socklen_t		 len;

	if ((n = pkt_node_arg(im)) == NULL)
		return 0;
	if (ipc_get_sockaddr(im, &ss, &len) == -1 || imsg_get_end(im) == -1)
		return -1;
	if (n != M.g.me && len > 0)
		meta_topo_udp_learned(n, &ss, len);
	return 0;
}

static int
meta_udp_state(struct imsg *im, void *arg)
{
	struct node		*n;
	struct meta_node	*mn;
	uint16_t		 minmtu, mtu;

	if ((n = pkt_node_arg(im)) == NULL)
		return 0;
	if (imsg_get_u16(im, &minmtu) == -1 || imsg_get_u16(im, &mtu) == -1 ||
	    imsg_get_end(im) == -1)
		return -1;
	mn = meta_node_of(n);
	mn->minmtu = minmtu;
	mn->mtu = mtu;
	return 0;
}

static int
meta_mac(struct imsg *im, void *arg)
{
	uint8_t	 mac[6];

	if (imsg_get_bytes(im, mac, sizeof(mac)) == -1 ||
	    imsg_get_end(im) == -1)
		return -1;
	meta_topo_mac(mac, im->hdr.type == IMSG_MAC_LEARNED);
	return 0;
}

static int
meta_rekey(struct imsg *im, void *arg)
{
	if (imsg_get_end(im) == -1)
		return -1;
	meta_keys_expire();
	return 0;
}

static const struct imsg_handler meta_packet_tab[] = {
	{ IMSG_KEY_NEED, 4, 4, FROM_PACKET, 0, meta_need_key },
	{ IMSG_TCP_OUT, 7, 6 + MTU, FROM_PACKET, 0, meta_tcp_out },
	{ IMSG_UDP_ADDR, 23, 23, FROM_PACKET, 0, meta_udp_addr },
	{ IMSG_UDP_STATE, 8, 8, FROM_PACKET, 0, meta_udp_state },
	{ IMSG_MAC_LEARNED, 6, 6, FROM_PACKET, 0, meta_mac },
	{ IMSG_MAC_EXPIRED, 6, 6, FROM_PACKET, 0, meta_mac },
	{ IMSG_KEY_REKEY, 0, 0, FROM_PACKET, 0, meta_rekey },
};

/* ---- the loop ------------------------------------------------------------ */

static void
meta_tick(void *arg)
{
	uint64_t	 now = meta_now();

	meta_conn_tick(now);
	if (now - meta_last_slow >= (uint64_t)M.conf->ping_timeout * 1000) {
		meta_last_slow = now;
		meta_seen_age(&M.seen, now,
		    (uint64_t)M.conf->ping_interval * 1000);
		meta_topo_tick();
	}
	meta_keys_tick(now);
	ev_timer_set(&M.tick, 1000, meta_tick, NULL);
}

static void
meta_peer_lost(struct chan *c, const char *why)
{
	fatalx("channel to %s: %s", role_name(c->peer), why);
}

/* Before the sandbox: the graph, our node, what packet must know. */
static void
meta_setup(void)
{
	struct ibuf	*b;

	meta_seen_init(&M.seen, META_SEEN_MAX);
	meta_topo_init();
	if ((b = imsg_create(IMSG_TOPO_SELF, M.g.me->id, 4)) == NULL ||
	    ibuf_add_u32(b, M.g.me->id) == -1 || chan_send(&M.packet, b) == -1)
		fatalx("%s: cannot reach the packet worker", __func__);
	meta_topo_own_subnets(M.conf->subnets, M.conf->nsubnets, 1);
	meta_topo_strict(M.conf, 1);
	graph_mark_dirty(&M.g);
	meta_topo_run();
	meta_keys_reset();
}

void
meta_main(void)
{
	TAILQ_INIT(&M.conns);
	TAILQ_INIT(&M.dead);
	TAILQ_INIT(&M.outgoing);
	worker_start(ROLE_META, meta_start_tab,
	    sizeof(meta_start_tab) / sizeof(meta_start_tab[0]));
	if (M.conf == NULL)
		fatalx("no configuration from the parent");
	worker_legacy_crypto(M.conf->legacy);
	chan_init(&M.keys, FD_PEER_A, ROLE_KEYS, IMSG_MAX_DEFAULT, 0,
	    meta_keys_tab, sizeof(meta_keys_tab) / sizeof(meta_keys_tab[0]),
	    NULL, meta_peer_lost);
	chan_init(&M.packet, FD_PEER_B, ROLE_PACKET, IMSG_MAX_PACKET, 0,
	    meta_packet_tab,
	    sizeof(meta_packet_tab) / sizeof(meta_packet_tab[0]), NULL,
	    meta_peer_lost);
	meta_setup();
	worker_sandbox(ROLE_META, meta_parent_tab,
	    sizeof(meta_parent_tab) / sizeof(meta_parent_tab[0]), NULL);
	ev_timer_set(&M.tick, 1000, meta_tick, NULL);
	if (ev_loop() == -1)
		fatalx("event loop failed");
	_exit(0);
}
