/*
 * Shared by the packet worker's unit tests: a struct pkt with a recording
 * pkt_ops, a socketpair standing in for the device, real UDP sockets on
 * 127.0.0.1 for the data plane and for each peer, and frame builders.
 * Included by exactly one test program at a time; everything is static.
 */
#ifndef PACKET_HARNESS_H
#define PACKET_HARNESS_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compress.h"
#include "conf.h"
#include "meta_graph.h"
#include "lcrypto.h"
#include "log.h"
#include "packet.h"
#include "subnet.h"

#define H_MAXREC	64

struct h_tcp {
	uint32_t	 node;
	size_t		 len;
	uint8_t		 f[PKT_BUFSZ];
};

/* What the data plane told "meta". */
static struct {
	int		 ntcp;
	struct h_tcp	 tcp[H_MAXREC];
	int		 nneed;
	uint32_t	 need[H_MAXREC];
	int		 naddr;
	uint32_t	 addr[H_MAXREC];
	int		 nstate;
	uint32_t	 state[H_MAXREC];
	int		 nlearn;
	uint8_t		 learn[H_MAXREC][6];
	int		 nexpire;
	uint8_t		 expire[H_MAXREC][6];
	int		 nrekey;
	int		 nflush;
} rec;

static inline void
h_tcp_out(struct pkt *p, struct pnode *n, const uint8_t *f, size_t len)
{
	if (rec.ntcp == H_MAXREC)
		return;
	rec.tcp[rec.ntcp].node = n->id;
	rec.tcp[rec.ntcp].len = len;
	memcpy(rec.tcp[rec.ntcp].f, f, len);
	rec.ntcp++;
}

static inline void
h_need_key(struct pkt *p, struct pnode *n)
{
	if (rec.nneed < H_MAXREC)
		rec.need[rec.nneed++] = n->id;
}

static inline void
h_udp_addr(struct pkt *p, struct pnode *n)
{
	if (rec.naddr < H_MAXREC)
		rec.addr[rec.naddr++] = n->id;
}

static inline void
h_udp_state(struct pkt *p, struct pnode *n)
{
	if (rec.nstate < H_MAXREC)
		rec.state[rec.nstate++] = n->id;
}

static inline void
h_mac_learned(struct pkt *p, const uint8_t *mac)
{
	if (rec.nlearn < H_MAXREC)
		memcpy(rec.learn[rec.nlearn++], mac, 6);
}

static inline void
h_mac_expired(struct pkt *p, const uint8_t *mac)
{
	if (rec.nexpire < H_MAXREC)
		memcpy(rec.expire[rec.nexpire++], mac, 6);
}

static inline void
h_rekey(struct pkt *p)
{
	rec.nrekey++;
}

static inline void
h_flush(struct pkt *p)
{
	rec.nflush++;
}

static const struct pkt_ops h_ops = {
	.tcp_out = h_tcp_out,
	.need_key = h_need_key,
	.udp_addr = h_udp_addr,
	.udp_state = h_udp_state,
	.mac_learned = h_mac_learned,
	.mac_expired = h_mac_expired,
	.rekey = h_rekey,
	.flush = h_flush,
};

static struct pkt	*P;
static int		 h_dev[2] = { -1, -1 };	/* [0] data plane, [1] test */
static int		 h_udp = -1;		/* the data plane's socket */

static inline void
h_conf_default(struct pkt_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = RMODE_ROUTER;
	c->forwarding = FMODE_INTERNAL;
	c->broadcast = BMODE_MST;
	c->mac_expire = 600;
	c->replay_window = 16;
	c->ping_interval = 60;
	c->ping_timeout = 5;
	c->options = OPTION_CLAMP_MSS;
}

/* A UDP socket on 127.0.0.x, any port; its port in *port. */
static inline int
h_udp_socket(const char *ip, uint16_t *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	if (port != NULL)
		*port = ntohs(sin.sin_port);
	return fd;
}

static inline void
h_start(const struct pkt_conf *c, int tap)
{
	memset(&rec, 0, sizeof(rec));
	P = calloc(1, sizeof(*P));
	ck_assert_ptr_nonnull(P);
	ck_assert_int_eq(pkt_init(P, c, &h_ops, NULL), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
	    0, h_dev), 0);
	pkt_set_device(P, h_dev[0], tap);
	h_udp = h_udp_socket("127.0.0.1", NULL);
	ck_assert_int_eq(pkt_add_udp(P, h_udp), 0);
	ck_assert_int_eq(pkt_set_self(P, 1, "alpha"), 0);
}

static inline void
h_stop(void)
{
	if (P != NULL) {
		pkt_free(P);
		free(P);
		P = NULL;
	}
	if (h_dev[0] != -1)
		close(h_dev[0]);
	if (h_dev[1] != -1)
		close(h_dev[1]);
	if (h_udp != -1)
		close(h_udp);
	h_dev[0] = h_dev[1] = h_udp = -1;
}

static inline void
h_node(uint32_t id, const char *name, int reachable, uint32_t nexthop,
    uint32_t via, uint32_t options, uint16_t port, int conn, int mst)
{
	struct pnode_info	 ni;

	memset(&ni, 0, sizeof(ni));
	ni.id = id;
	strlcpy(ni.name, name, sizeof(ni.name));
	ni.reachable = reachable;
	ni.nexthop = nexthop;
	ni.via = via;
	ni.options = options;
	if (port != 0) {
		ni.addr.family = 4;
		inet_pton(AF_INET, "127.0.0.1", ni.addr.addr);
		ni.addr.port = port;
	}
	ni.conn = conn;
	ni.mst = mst;
	ck_assert_int_eq(pkt_node_update(P, &ni), 0);
}

static inline void
h_subnet(uint32_t owner, const char *str)
{
	struct subnet	 s;

	ck_assert_int_eq(subnet_parse(str, &s), 0);
	ck_assert_int_eq(pkt_subnet_add(P, owner, &s), 0);
}

/* Deterministic key material: AES-256-CBC key + IV. */
static inline void
h_material(uint8_t km[48], uint8_t seed)
{
	int	 i;

	for (i = 0; i < 48; i++)
		km[i] = (uint8_t)(seed + i);
}

static inline void
h_pkey(struct pkt_key *k, uint8_t seed, int comp)
{
	memset(k, 0, sizeof(*k));
	k->cipher = 427;
	k->digest = 672;
	k->maclength = 4;
	k->compression = comp;
	k->len = 48;
	h_material(k->key, seed);
}

/*
 * Give node id a send key (seed_out, its "peer" opens with *rx) and a
 * receive key (seed_in, its "peer" seals with *tx).
 */
static inline void
h_keys(uint32_t id, uint8_t seed_out, uint8_t seed_in, int comp_out,
    int comp_in, struct legacy_key *rx, struct legacy_key *tx)
{
	struct pkt_key	 k;
	const char	*why;

	h_pkey(&k, seed_out, comp_out);
	ck_assert_int_eq(pkt_key_out(P, id, &k), 0);
	if (rx != NULL)
		ck_assert_int_eq(legacy_key_init(rx, 0, 427, 672, 4, comp_out,
		    k.key, 48, &why), 0);
	h_pkey(&k, seed_in, comp_in);
	ck_assert_int_eq(pkt_key_in(P, id, &k), 0);
	if (tx != NULL)
		ck_assert_int_eq(legacy_key_init(tx, 1, 427, 672, 4, comp_in,
		    k.key, 48, &why), 0);
}

/* A datagram on fd within ms, or -1. */
static inline ssize_t
h_recv(int fd, uint8_t *buf, size_t len, int ms)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/* Open a datagram from the data plane with rx: frame length or -1. */
static inline int
h_open(struct legacy_key *rx, const uint8_t *d, size_t len, uint8_t *frame,
    uint32_t *seqno)
{
	static struct compressor	*c;
	uint8_t				 tmp[PKT_BUFSZ];
	uint32_t			 sq;
	int				 n;

	if ((n = ldgram_open(rx, d, len, &sq, tmp, sizeof(tmp))) < 0)
		return -1;
	if (seqno != NULL)
		*seqno = sq;
	if (rx->compression == 0) {
		memcpy(frame, tmp, (size_t)n);
		return n;
	}
	if (c == NULL)
		c = compressor_new();
	return decompress_frame(c, rx->compression, tmp, (size_t)n, frame,
	    PKT_BUFSZ);
}

/* Receive one datagram on peer socket fd and open it. */
static inline int
h_peer_frame(int fd, struct legacy_key *rx, uint8_t *frame)
{
	uint8_t	 d[PKT_BUFSZ];
	ssize_t	 n;

	if ((n = h_recv(fd, d, sizeof(d), 200)) < 0)
		return -1;
	return h_open(rx, d, (size_t)n, frame, NULL);
}

/* Nothing more arrives on fd within 50 ms. */
static inline int
h_quiet(int fd)
{
	uint8_t	 d[PKT_BUFSZ];

	return h_recv(fd, d, sizeof(d), 50) < 0;
}

/* Seal frame f with tx and send it from peer socket fd to the plane. */
static inline void
h_peer_send(int fd, struct legacy_key *tx, uint32_t seqno,
    const uint8_t *f, size_t len)
{
	static struct compressor	*c;
	struct sockaddr_in		 sin;
	socklen_t			 sl = sizeof(sin);
	uint8_t				 body[PKT_BUFSZ], d[PKT_BUFSZ];
	int				 n, bl = (int)len;

	if (tx->compression != 0) {
		if (c == NULL)
			c = compressor_new();
		bl = compress_frame(c, tx->compression, f, len, body,
		    sizeof(body));
		ck_assert_int_gt(bl, 0);
	} else
		memcpy(body, f, len);
	n = ldgram_seal(tx, seqno, body, (size_t)bl, d, sizeof(d));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(getsockname(h_udp, (struct sockaddr *)&sin, &sl), 0);
	ck_assert_int_eq(sendto(fd, d, (size_t)n, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), n);
}

/* Let the data plane read what is waiting on its UDP socket. */
static inline void
h_plane_read(void)
{
	struct pollfd	 pfd = { .fd = h_udp, .events = POLLIN };

	ck_assert_int_eq(poll(&pfd, 1, 200), 1);
	pkt_udp_read(P, 0);
}

/* ---- frames --------------------------------------------------------- */

static inline uint16_t
h_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Tun-style IPv4 frame: zero MACs, total length len bytes. */
static inline size_t
h_frame4(uint8_t *f, const char *src, const char *dst, uint8_t proto,
    uint8_t ttl, int df, size_t len)
{
	uint8_t		*ip = f + 14;
	uint16_t	 c;
	size_t		 i;

	memset(f, 0, len);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len - 14) >> 8);
	ip[3] = (uint8_t)(len - 14);
	ip[6] = df ? 0x40 : 0;
	ip[8] = ttl;
	ip[9] = proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	c = h_csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	for (i = 34; i < len; i++)
		f[i] = (uint8_t)i;
	return len;
}

static inline size_t
h_frame6(uint8_t *f, const char *src, const char *dst, uint8_t nxt,
    uint8_t hlim, size_t len)
{
	uint8_t	*ip = f + 14;
	size_t	 i;

	memset(f, 0, len);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip[0] = 0x60;
	ip[4] = (uint8_t)((len - 54) >> 8);
	ip[5] = (uint8_t)(len - 54);
	ip[6] = nxt;
	ip[7] = hlim;
	inet_pton(AF_INET6, src, ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	for (i = 54; i < len; i++)
		f[i] = (uint8_t)i;
	return len;
}

/* Route a frame read from our device, then end the burst. */
static inline void
h_from_dev(uint8_t *f, size_t len)
{
	pkt_route(P, P->self, f, len, 0);
	pkt_flush(P);
}

/* What the data plane wrote to the device, or -1. */
static inline ssize_t
h_dev_read(uint8_t *buf, size_t len)
{
	return h_recv(h_dev[1], buf, len, 50);
}

#endif
