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
 * The packet worker: owns the TUN/TAP descriptor and the UDP sockets and
 * runs the data plane of packet_*.c.  Meta tells it the topology and the
 * keys; it tells meta what it learns from the wire.  Every buffer is made
 * at start-up; the loop allocates nothing per packet except the frames it
 * queues for meta (the TCP fallback).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "conf.h"
#include "device.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "packet.h"
#include "sandbox.h"
#include "worker.h"

static struct pkt	 pkt;
static struct pkt_conf	 pkt_conf;
static int		 pkt_have_conf;
static int		 pkt_devfd = -1, pkt_devtap;
static char		 pkt_ifname[64];
static int		 pkt_udpfd[PKT_MAX_UDP];
static size_t		 pkt_nudpfd;
static struct chan	 pkt_keys, pkt_meta;
static int		 pkt_meta_dirty;
static uint64_t		 pkt_meta_drops;

/* ---- IPC encodings ---------------------------------------------------- */

static int
pkt_get_addr(struct imsg *im, struct paddr *a)
{
	memset(a, 0, sizeof(*a));
	if (imsg_get_u8(im, &a->family) == -1 ||
	    imsg_get_bytes(im, a->addr, sizeof(a->addr)) == -1 ||
	    imsg_get_u16(im, &a->port) == -1)
		return -1;
	switch (a->family) {
	case 0:
		memset(a, 0, sizeof(*a));
		return 0;
	case 4:
		memset(a->addr + 4, 0, sizeof(a->addr) - 4);
		return 0;
	case 6:
		return 0;
	default:
		return -1;
	}
}

static int
pkt_add_addr(struct ibuf *b, const struct paddr *a)
{
	if (ibuf_add_u8(b, a->family) == -1 ||
	    ibuf_add(b, a->addr, sizeof(a->addr)) == -1 ||
	    ibuf_add_u16(b, a->port) == -1)
		return -1;
	return 0;
}

static int
pkt_get_key(struct imsg *im, struct pkt_key *k)
{
	uint32_t	 cipher, digest;
	uint8_t		 maclen, comp;
	uint16_t	 len;

	memset(k, 0, sizeof(*k));
	if (imsg_get_u32(im, &cipher) == -1 ||
	    imsg_get_u32(im, &digest) == -1 ||
	    imsg_get_u8(im, &maclen) == -1 || imsg_get_u8(im, &comp) == -1 ||
	    imsg_get_u16(im, &len) == -1 || len == 0 || len > sizeof(k->key) ||
	    imsg_get_bytes(im, k->key, len) == -1 || imsg_get_end(im) == -1)
		return -1;
	if (cipher > INT32_MAX || digest > INT32_MAX)
		return -1;
	k->cipher = (int)cipher;
	k->digest = (int)digest;
	k->maclength = maclen;
	k->compression = comp;
	k->len = len;
	return 0;
}

/* IMSG_CONF_PACKET; see packet.h for the layout. */
static int
pkt_get_conf(struct imsg *im, struct pkt_conf *c)
{
	uint8_t		 b[9];
	uint32_t	 w[5];
	uint16_t	 pmtu;
	size_t		 i;

	for (i = 0; i < sizeof(b); i++)
		if (imsg_get_u8(im, &b[i]) == -1)
			return -1;
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (imsg_get_u32(im, &w[i]) == -1)
			return -1;
	if (imsg_get_u16(im, &pmtu) == -1 || imsg_get_end(im) == -1)
		return -1;
	if (b[0] > RMODE_HUB || b[1] > FMODE_KERNEL || b[2] > BMODE_DIRECT)
		return -1;
	for (i = 3; i < sizeof(b); i++)
		if (b[i] > 1)
			return -1;
	if (w[0] > INT32_MAX || w[1] > REPLAY_MAX || w[2] == 0 ||
	    w[2] > INT32_MAX || w[3] == 0 || w[3] > INT32_MAX || pmtu > MTU)
		return -1;
	memset(c, 0, sizeof(*c));
	c->mode = b[0];
	c->forwarding = b[1];
	c->broadcast = b[2];
	c->direct_only = b[3];
	c->decrement_ttl = b[4];
	c->priority_inheritance = b[5];
	c->local_discovery = b[6];
	c->tunnel_server = b[7];
	c->legacy = b[8];
	c->mac_expire = (int)w[0];
	c->replay_window = (int)w[1];
	c->ping_interval = (int)w[2];
	c->ping_timeout = (int)w[3];
	c->options = w[4];
	c->pmtu = pmtu;
	return 0;
}

/* ---- to meta ---------------------------------------------------------- */

static struct ibuf *
pkt_meta_start(uint32_t type, size_t len)
{
	if (pkt_meta.dead)
		return NULL;
	return imsg_create(type, 0, len);
}

static void
pkt_meta_queue(struct ibuf *b, int ok)
{
	if (b == NULL)
		return;
	if (!ok) {
		ibuf_free(b);
		return;
	}
	if (imsg_close(&pkt_meta.ic, b) == 0)
		pkt_meta_dirty = 1;
}

static void
pkt_meta_node(uint32_t type, struct pnode *n)
{
	struct ibuf	*b = pkt_meta_start(type, 4);

	if (b != NULL)
		pkt_meta_queue(b, ibuf_add_u32(b, n->id) == 0);
}

static void
pkt_op_tcp_out(struct pkt *p, struct pnode *n, const uint8_t *f,
    size_t len)
{
	struct ibuf	*b;

	/* meta is not keeping up: shed the TCP fallback first */
	if (pkt_meta.ic.wqbytes > PKT_META_QMAX) {
		pkt_meta_drops++;
		p->stats.dropped++;
		return;
	}
	if ((b = pkt_meta_start(IMSG_TCP_OUT, 6 + len)) == NULL)
		return;
	pkt_meta_queue(b, ibuf_add_u32(b, n->id) == 0 &&
	    ibuf_add_u16(b, (uint16_t)len) == 0 && ibuf_add(b, f, len) == 0);
}

static void
pkt_op_need_key(struct pkt *p, struct pnode *n)
{
	pkt_meta_node(IMSG_KEY_NEED, n);
}

static void
pkt_op_udp_addr(struct pkt *p, struct pnode *n)
{
	struct ibuf	*b = pkt_meta_start(IMSG_UDP_ADDR, 23);

	if (b != NULL)
		pkt_meta_queue(b, ibuf_add_u32(b, n->id) == 0 &&
		    pkt_add_addr(b, &n->addr) == 0);
}

static void
pkt_op_udp_state(struct pkt *p, struct pnode *n)
{
	struct ibuf	*b = pkt_meta_start(IMSG_UDP_STATE, 8);

	if (b != NULL)
		pkt_meta_queue(b, ibuf_add_u32(b, n->id) == 0 &&
		    ibuf_add_u16(b, (uint16_t)n->minmtu) == 0 &&
		    ibuf_add_u16(b, (uint16_t)n->mtu) == 0);
}

static void
pkt_op_mac(uint32_t type, const uint8_t *mac)
{
	struct ibuf	*b = pkt_meta_start(type, 6);

	if (b != NULL)
		pkt_meta_queue(b, ibuf_add(b, mac, 6) == 0);
}

static void
pkt_op_mac_learned(struct pkt *p, const uint8_t *mac)
{
	pkt_op_mac(IMSG_MAC_LEARNED, mac);
}

static void
pkt_op_mac_expired(struct pkt *p, const uint8_t *mac)
{
	pkt_op_mac(IMSG_MAC_EXPIRED, mac);
}

static void
pkt_op_rekey(struct pkt *p)
{
	struct ibuf	*b = pkt_meta_start(IMSG_KEY_REKEY, 0);

	pkt_meta_queue(b, 1);
}

static void
pkt_op_flush(struct pkt *p)
{
	if (!pkt_meta_dirty || pkt_meta.dead)
		return;
	pkt_meta_dirty = 0;
	if (imsg_flush(&pkt_meta.ic) == -1)
		fatal("%s: channel to meta", __func__);
	chan_update(&pkt_meta);
}

static const struct pkt_ops pkt_meta_ops = {
	.tcp_out = pkt_op_tcp_out,
	.need_key = pkt_op_need_key,
	.udp_addr = pkt_op_udp_addr,
	.udp_state = pkt_op_udp_state,
	.mac_learned = pkt_op_mac_learned,
	.mac_expired = pkt_op_mac_expired,
	.rekey = pkt_op_rekey,
	.flush = pkt_op_flush,
};

/* ---- start-up --------------------------------------------------------- */

static int
pkt_init_tun(struct imsg *im, void *arg)
{
	uint8_t	 devtype, mode;

	if (imsg_get_u8(im, &devtype) == -1 ||
	    imsg_get_u8(im, &mode) == -1 ||
	    imsg_get_str(im, pkt_ifname, sizeof(pkt_ifname)) == -1 ||
	    imsg_get_end(im) == -1)
		return -1;
	if (pkt_devfd != -1 || (devtype != DEVICE_TUN && devtype != DEVICE_TAP))
		return -1;
	pkt_devtap = devtype == DEVICE_TAP;
	pkt_devfd = imsg_take_fd(im);
	return 0;
}

static int
pkt_init_udp(struct imsg *im, void *arg)
{
	uint32_t	 idx;
	int		 fd;

	if (imsg_get_u32(im, &idx) == -1 || imsg_get_end(im) == -1)
		return -1;
	if ((fd = imsg_take_fd(im)) == -1)
		return -1;
	if (pkt_nudpfd == PKT_MAX_UDP || idx != pkt_nudpfd) {
		close(fd);
		return -1;
	}
	pkt_udpfd[pkt_nudpfd++] = fd;
	return 0;
}

static int
pkt_init_conf(struct imsg *im, void *arg)
{
	if (pkt_get_conf(im, &pkt_conf) == -1)
		return -1;
	pkt_have_conf = 1;
	return 0;
}

static int
pkt_init_done(struct imsg *im, void *arg)
{
	return imsg_get_end(im);
}

static const struct imsg_handler pkt_start_tab[] = {
	{ IMSG_INIT_PROC, 16, 1024, 1u << ROLE_PARENT, 0, worker_handle_init },
	{ IMSG_INIT_TUN, 4, 128, 1u << ROLE_PARENT, 1, pkt_init_tun },
	{ IMSG_INIT_UDP, 4, 4, 1u << ROLE_PARENT, 1, pkt_init_udp },
	{ IMSG_CONF_PACKET, PKT_CONF_LEN, PKT_CONF_LEN, 1u << ROLE_PARENT, 0,
	    pkt_init_conf },
	{ IMSG_INIT_DONE, 0, 0, 1u << ROLE_PARENT, 0, pkt_init_done },
};

/* ---- from the parent -------------------------------------------------- */

static int
pkt_parent_dump(struct imsg *im, void *arg)
{
	uint8_t	 what;

	if (imsg_get_u8(im, &what) == -1 || imsg_get_end(im) == -1)
		return -1;
	pkt_dump(&pkt);
	if (pkt_meta_drops > 0)
		log_info("%llu frames for meta dropped (queue full)",
		    (unsigned long long)pkt_meta_drops);
	return 0;
}

/* A reload: the new settings apply at once (Mode needs a restart). */
static int
pkt_parent_conf(struct imsg *im, void *arg)
{
	struct pkt_conf	 c;

	if (pkt_get_conf(im, &c) == -1)
		return -1;
	pkt_set_conf(&pkt, &c);
	return 0;
}

static const struct imsg_handler pkt_parent_tab[] = {
	{ IMSG_CTL_DUMP, 1, 1, 1u << ROLE_PARENT, 0, pkt_parent_dump },
	{ IMSG_CTL_DEBUG, 1, 1, 1u << ROLE_PARENT, 0, worker_handle_debug },
	{ IMSG_CONF_PACKET, PKT_CONF_LEN, PKT_CONF_LEN, 1u << ROLE_PARENT, 0,
	    pkt_parent_conf },
};

/* ---- from meta -------------------------------------------------------- */

static int
pkt_meta_self(struct imsg *im, void *arg)
{
	uint32_t	 id;

	if (imsg_get_u32(im, &id) == -1 || imsg_get_end(im) == -1)
		return -1;
	return pkt_set_self(&pkt, id, worker_conf.name);
}

static int
pkt_meta_node_update(struct imsg *im, void *arg)
{
	struct pnode_info	 ni;
	uint8_t			 reach, conn, mst;
	uint16_t		 pmtu;

	memset(&ni, 0, sizeof(ni));
	if (imsg_get_u32(im, &ni.id) == -1 ||
	    imsg_get_str(im, ni.name, sizeof(ni.name)) == -1 ||
	    imsg_get_u8(im, &reach) == -1 ||
	    imsg_get_u32(im, &ni.nexthop) == -1 ||
	    imsg_get_u32(im, &ni.via) == -1 ||
	    imsg_get_u32(im, &ni.options) == -1 ||
	    pkt_get_addr(im, &ni.addr) == -1 ||
	    imsg_get_u8(im, &conn) == -1 || imsg_get_u8(im, &mst) == -1 ||
	    imsg_get_u16(im, &pmtu) == -1 || imsg_get_end(im) == -1)
		return -1;
	if (!valid_name(ni.name) || reach > 1 || conn > 1 || mst > 1 ||
	    pmtu > MTU)
		return -1;
	ni.reachable = reach;
	ni.conn = conn;
	ni.mst = mst;
	ni.pmtu = pmtu;
	return pkt_node_update(&pkt, &ni);
}

static int
pkt_meta_node_del(struct imsg *im, void *arg)
{
	uint32_t	 id;

	if (imsg_get_u32(im, &id) == -1 || imsg_get_end(im) == -1)
		return -1;
	return pkt_node_del(&pkt, id);
}

static int
pkt_meta_subnet(struct imsg *im, void *arg)
{
	struct subnet	 s;
	uint32_t	 owner;

	if (imsg_get_u32(im, &owner) == -1 || ipc_get_subnet(im, &s) == -1 ||
	    imsg_get_end(im) == -1)
		return -1;
	pkt_clock(&pkt);
	if (im->hdr.type == IMSG_TOPO_SUBNET_ADD)
		return pkt_subnet_add(&pkt, owner, &s);
	return pkt_subnet_del(&pkt, owner, &s);
}

static int
pkt_meta_key(struct imsg *im, void *arg)
{
	struct pkt_key	 k;
	uint32_t	 id;
	int		 r = -1;

	if (imsg_get_u32(im, &id) == -1 || pkt_get_key(im, &k) == -1)
		goto done;
	pkt_clock(&pkt);
	if (im->hdr.type == IMSG_KEY_IN)
		r = pkt_key_in(&pkt, id, &k);
	else
		r = pkt_key_out(&pkt, id, &k);
	pkt_flush(&pkt);
 done:
	explicit_bzero(&k, sizeof(k));
	return r;
}

static int
pkt_meta_key_invalid(struct imsg *im, void *arg)
{
	uint32_t	 id;

	if (imsg_get_u32(im, &id) == -1 || imsg_get_end(im) == -1)
		return -1;
	return pkt_key_invalid(&pkt, id);
}

static int
pkt_meta_keys_forget(struct imsg *im, void *arg)
{
	if (imsg_get_end(im) == -1)
		return -1;
	pkt_keys_forget(&pkt);
	return 0;
}

static int
pkt_meta_tcp_in(struct imsg *im, void *arg)
{
	const uint8_t	*f;
	struct pnode	*n;
	uint32_t	 id;
	uint16_t	 len;

	if (imsg_get_u32(im, &id) == -1 || imsg_get_u16(im, &len) == -1 ||
	    (f = imsg_get_ptr(im, len)) == NULL || imsg_get_end(im) == -1)
		return -1;
	if ((n = pnode_find(&pkt, id)) == NULL || n == pkt.self) {
		log_debug(DEBUG_TRAFFIC, "%s: frame from unknown node %u",
		    __func__, id);
		return 0;
	}
	pkt_clock(&pkt);
	pkt_tcp_input(&pkt, n, f, len);
	pkt_flush(&pkt);
	return 0;
}

static int
pkt_meta_alrm(struct imsg *im, void *arg)
{
	if (imsg_get_end(im) == -1)
		return -1;
	ev_timer_fire_all();
	return 0;
}

#define PKT_NODE_MIN	43	/* with a one-character name */
#define PKT_KEY_MIN	17

static const struct imsg_handler pkt_meta_tab[] = {
	{ IMSG_TOPO_SELF, 4, 4, 1u << ROLE_META, 0, pkt_meta_self },
	{ IMSG_TOPO_NODE, PKT_NODE_MIN, PKT_NODE_MIN - 1 + MAX_NAME_LEN,
	    1u << ROLE_META, 0, pkt_meta_node_update },
	{ IMSG_TOPO_NODE_DEL, 4, 4, 1u << ROLE_META, 0, pkt_meta_node_del },
	{ IMSG_TOPO_SUBNET_ADD, 26, 26, 1u << ROLE_META, 0, pkt_meta_subnet },
	{ IMSG_TOPO_SUBNET_DEL, 26, 26, 1u << ROLE_META, 0, pkt_meta_subnet },
	{ IMSG_KEY_IN, PKT_KEY_MIN, PKT_KEY_MIN - 1 + LKEY_MAX,
	    1u << ROLE_META, 0, pkt_meta_key },
	{ IMSG_KEY_OUT, PKT_KEY_MIN, PKT_KEY_MIN - 1 + LKEY_MAX,
	    1u << ROLE_META, 0, pkt_meta_key },
	{ IMSG_KEY_INVALID, 4, 4, 1u << ROLE_META, 0,
	    pkt_meta_key_invalid },
	{ IMSG_KEY_FORGET, 0, 0, 1u << ROLE_META, 0,
	    pkt_meta_keys_forget },
	{ IMSG_TCP_IN, 7, 6 + PKT_MAXSIZE, 1u << ROLE_META, 0,
	    pkt_meta_tcp_in },
	{ IMSG_CTL_ALRM, 0, 0, 1u << ROLE_META, 0, pkt_meta_alrm },
};

static int
pkt_keys_reply(struct imsg *im, void *arg)
{
	return -1;	/* we never ask the key holder anything */
}

static const struct imsg_handler pkt_keys_tab[] = {
	{ IMSG_CA_REPLY, 1, 1024, 1u << ROLE_KEYS, 0, pkt_keys_reply },
};

/* ---- the loop --------------------------------------------------------- */

static void
pkt_peer_lost(struct chan *c, const char *why)
{
	fatalx("channel to %s: %s", role_name(c->peer), why);
}

static void
pkt_ev_dev(int fd, short revents, void *arg)
{
	pkt_dev_read(&pkt);
}

static void
pkt_ev_udp(int fd, short revents, void *arg)
{
	pkt_udp_read(&pkt, (size_t)(uintptr_t)arg);
}

static void
pkt_mac_timer(void *arg)
{
	pkt_clock(&pkt);
	pkt_mac_sweep(&pkt);
	pkt_flush(&pkt);
	ev_timer_set(&pkt.mac_timer, (uint64_t)pkt.conf.ping_timeout * 1000,
	    pkt_mac_timer, NULL);
}

void
packet_main(void)
{
	size_t	 i;

	worker_start(ROLE_PACKET, pkt_start_tab,
	    sizeof(pkt_start_tab) / sizeof(pkt_start_tab[0]));
	if (!pkt_have_conf)
		fatalx("%s: no configuration from the parent", __func__);
	worker_legacy_crypto(pkt_conf.legacy);
	if (pkt_init(&pkt, &pkt_conf, &pkt_meta_ops, NULL) == -1)
		fatalx("%s: cannot set up the data plane", __func__);
	if (pkt_devfd != -1) {
		pkt_set_device(&pkt, pkt_devfd, pkt_devtap);
		strlcpy(pkt.ifname, pkt_ifname, sizeof(pkt.ifname));
		if (ev_add(pkt_devfd, POLLIN, pkt_ev_dev, NULL) == -1)
			fatal("%s: ev_add", __func__);
	}
	for (i = 0; i < pkt_nudpfd; i++) {
		if (pkt_add_udp(&pkt, pkt_udpfd[i]) == -1)
			fatalx("%s: UDP socket %zu", __func__, i);
		if (ev_add(pkt_udpfd[i], POLLIN, pkt_ev_udp,
		    (void *)(uintptr_t)i) == -1)
			fatal("%s: ev_add", __func__);
	}
	chan_init(&pkt_keys, FD_PEER_A, ROLE_KEYS, IMSG_MAX_DEFAULT, 0,
	    pkt_keys_tab, sizeof(pkt_keys_tab) / sizeof(pkt_keys_tab[0]),
	    NULL, pkt_peer_lost);
	chan_init(&pkt_meta, FD_PEER_B, ROLE_META, IMSG_MAX_PACKET, 0,
	    pkt_meta_tab, sizeof(pkt_meta_tab) / sizeof(pkt_meta_tab[0]),
	    NULL, pkt_peer_lost);
	if (pkt_conf.mode == RMODE_SWITCH)
		ev_timer_set(&pkt.mac_timer,
		    (uint64_t)pkt_conf.ping_timeout * 1000, pkt_mac_timer,
		    NULL);
	log_debug(DEBUG_STATUS, "device %s (%s), %zu UDP sockets",
	    pkt_devfd != -1 ? pkt_ifname : "none",
	    pkt_devtap ? "tap" : "tun", pkt_nudpfd);
	worker_sandbox(ROLE_PACKET, pkt_parent_tab,
	    sizeof(pkt_parent_tab) / sizeof(pkt_parent_tab[0]), NULL);
	if (ev_loop() == -1)
		fatalx("event loop failed");
	_exit(0);
}
