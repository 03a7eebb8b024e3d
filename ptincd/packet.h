/*
 * The packet worker's data plane (legacy spec sections 9-12): the node
 * table with per-node packet keys, replay windows and PMTU state, the
 * routing decisions of router, switch and hub mode, and the UDP and device
 * I/O around them.
 *
 * Everything lives in one struct pkt, so a test can run two data planes
 * in one process.  Buffers are part of the struct: nothing is allocated
 * per packet, only when a node or subnet appears.
 *
 * Files:
 *	packet.c	worker main, channels, the meta side of pkt_ops
 *	packet_node.c	nodes, addresses, keys, PMTU discovery, try_harder
 *	packet_route.c	route(), broadcast, send_packet (transport choice)
 *	packet_io.c	device and UDP I/O, receive and send pipelines
 *
 * Every frame buffer handed to pkt_route() and below must hold PKT_BUFSZ
 * bytes: ICMP errors are written over the frame and may be longer.
 */
#ifndef PTINC_PACKET_H
#define PTINC_PACKET_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ev.h"
#include "lcrypto.h"
#include "ptinc.h"
#include "replay.h"
#include "packet_frame.h"
#include "subnet.h"

#define PKT_MAXSIZE	1661	/* tinc's MAXSIZE: largest frame handled */
#define PKT_BUFSZ	2048	/* every frame and datagram buffer */
#define PKT_BATCH	64	/* recvmmsg, sendmmsg, device reads */
#define PKT_MAX_UDP	128
#define PKT_MAX_NODES	16384
#define PKT_MAX_FRAGS	8	/* 1661 bytes in pieces of >= 552 */
#define PKT_REQ_KEY_INTERVAL	10	/* seconds between REQ_KEYs */
#define PKT_PROBE_MIN	LPROBE_MIN_LEN
#define PKT_META_QMAX	(4 * 1024 * 1024)	/* queued for meta: drop */
#define PKT_COMPRESS_SLACK	(MTU / 64 + 20)	/* spec 11.3: 43 */

/*
 * IMSG_CONF_PACKET payload (parent_packet.c writes it, packet.c reads it):
 *	u8 mode (enum conf_rmode), u8 forwarding (enum conf_fmode),
 *	u8 broadcast (enum conf_bmode), u8 direct_only, u8 decrement_ttl,
 *	u8 priority_inheritance, u8 local_discovery, u8 tunnel_server,
 *	u8 legacy (load the OpenSSL legacy provider), u32 mac_expire,
 *	u32 replay_window, u32 ping_interval, u32 ping_timeout,
 *	u32 options (our OPTION_* bits), u16 pmtu (0: none)
 */
#define PKT_CONF_LEN	31

struct pkt_conf {
	int		 mode;		/* enum conf_rmode */
	int		 forwarding;	/* enum conf_fmode */
	int		 broadcast;	/* enum conf_bmode */
	int		 direct_only;
	int		 decrement_ttl;
	int		 priority_inheritance;
	int		 local_discovery;
	int		 tunnel_server;
	int		 legacy;
	int		 mac_expire;	/* seconds */
	int		 replay_window;	/* bytes */
	int		 ping_interval;
	int		 ping_timeout;
	uint32_t	 options;	/* ours: OPTION_* of graph.h */
	int		 pmtu;		/* our PMTU, 0: none */
};

/* A UDP address as the IPC carries it: family 0 (none), 4 or 6. */
struct paddr {
	uint8_t		 family;
	uint8_t		 addr[16];
	uint16_t	 port;		/* host order */
};

#define PADDR_STRLEN	64		/* "[v6]:port" */

/* What IMSG_TOPO_NODE says about a node. */
struct pnode_info {
	uint32_t	 id;
	char		 name[MAX_NAME_LEN + 1];
	int		 reachable;
	uint32_t	 nexthop;
	uint32_t	 via;
	uint32_t	 options;
	struct paddr	 addr;
	int		 conn;		/* we have an active meta connection */
	int		 mst;		/* and its edge is in the MST */
	int		 pmtu;		/* PMTU option, 0: none */
};

/* A packet key as IMSG_KEY_IN/OUT carry it. */
struct pkt_key {
	int		 cipher;	/* NID, 0: none */
	int		 digest;
	int		 maclength;
	int		 compression;
	size_t		 len;
	uint8_t		 key[LKEY_MAX];	/* secret */
};

struct pnode_stats {
	uint64_t	 in_udp, in_udp_bytes;
	uint64_t	 in_tcp, in_tcp_bytes;
	uint64_t	 out_udp, out_udp_bytes;
	uint64_t	 out_tcp, out_tcp_bytes;
	uint64_t	 dropped;
};

struct pkt;

struct pnode {
	RB_ENTRY(pnode)		 id_entry;
	RB_ENTRY(pnode)		 addr_entry;
	struct pkt		*pkt;
	uint32_t		 id;
	char			 name[MAX_NAME_LEN + 1];

	/* topology, from meta */
	int			 reachable;
	uint32_t		 nexthop_id;
	uint32_t		 via_id;
	struct pnode		*nexthop;	/* NULL until known */
	struct pnode		*via;
	uint32_t		 options;
	int			 conn;
	int			 mst;
	int			 pmtu_opt;

	/* UDP address and the socket it last sent to us on */
	struct paddr		 addr;
	struct sockaddr_storage	 sa;
	socklen_t		 salen;		/* 0: no address */
	int			 in_addr_tree;
	int			 sock;		/* -1: none yet */

	/* receiving: the key we chose for its packets */
	struct legacy_key	 in;
	int			 inkey;
	struct replay		 replay;
	int			 rekey_sent;

	/* sending: the key it chose */
	struct legacy_key	 out;
	int			 validkey;
	uint32_t		 seqno;		/* last one sent */
	int			 req_key_sent;
	time_t			 last_req_key;

	/* path MTU discovery (spec 11) */
	int			 mtu;
	int			 minmtu;
	int			 maxmtu;
	int			 mtuprobes;
	struct ev_timer		 probe_timer;
	int			 probing;	/* probe_timer armed */
	int			 told_minmtu;	/* last IMSG_UDP_STATE */
	int			 told_mtu;

	struct pnode_stats	 stats;
};

RB_HEAD(pnode_ids, pnode);
RB_HEAD(pnode_addrs, pnode);
RB_PROTOTYPE(pnode_ids, pnode, id_entry, pnode_cmp_id);
RB_PROTOTYPE(pnode_addrs, pnode, addr_entry, pnode_cmp_addr);

/* Where the data plane's messages to the meta worker go. */
struct pkt_ops {
	void	(*tcp_out)(struct pkt *, struct pnode *, const uint8_t *,
		    size_t);
	void	(*need_key)(struct pkt *, struct pnode *);
	void	(*udp_addr)(struct pkt *, struct pnode *);
	void	(*udp_state)(struct pkt *, struct pnode *);
	void	(*mac_learned)(struct pkt *, const uint8_t *);
	void	(*mac_expired)(struct pkt *, const uint8_t *);
	void	(*rekey)(struct pkt *);
	void	(*flush)(struct pkt *);		/* end of a burst; may be NULL */
};

/* One datagram waiting for sendmmsg. */
struct pkt_txslot {
	struct sockaddr_storage	 to;
	socklen_t		 tolen;
	int			 sock;
	uint32_t		 node;
	size_t			 flen;		/* frame length (EMSGSIZE) */
	int			 prio;		/* -1: leave the TOS alone */
	int			 bcast;		/* LocalDiscovery probe */
	size_t			 len;
	uint8_t			 buf[PKT_BUFSZ];
};

struct pkt_stats {
	uint64_t	 dev_in, dev_in_bytes;
	uint64_t	 dev_out, dev_out_bytes;
	uint64_t	 udp_in, udp_in_bytes;
	uint64_t	 udp_out, udp_out_bytes;
	uint64_t	 udp_unknown;		/* no node for the source */
	uint64_t	 udp_bad;		/* MAC, decryption, replay */
	uint64_t	 tcp_in, tcp_out;
	uint64_t	 dropped;
	uint64_t	 send_errors;
};

struct pkt {
	struct pkt_conf		 conf;
	const struct pkt_ops	*ops;
	void			*arg;		/* the ops' own state */

	/* the device: tun carries IP packets, tap Ethernet frames */
	int			 devfd;		/* -1: none */
	char			 ifname[64];	/* for the dump */
	int			 devtap;
	int			 overwrite_mac;	/* router mode on tap (12.1) */
	uint8_t			 mymac[6];
	int			 have_mymac;

	int			 udp[PKT_MAX_UDP];
	int			 udp_family[PKT_MAX_UDP];	/* AF_* */
	size_t			 nudp;

	struct pnode		*self;
	struct pnode_ids	 ids;
	struct pnode_addrs	 addrs;
	size_t			 nnodes;

	struct route_table	 routes;
	struct mac_table	 macs;
	int			 macs_full_logged;
	struct ev_timer		 mac_timer;
	struct route_ratelimit	 icmp_rl;
	struct compressor	*comp;
	time_t			 now;		/* monotonic seconds */
	time_t			 last_hard_try;
	int			 depth;		/* send recursion guard */
	time_t			 last_err_log;	/* send errors: one a second */

	/* transmit queue, flushed with sendmmsg after each burst */
	struct pkt_txslot	 tx[PKT_BATCH];
	size_t			 ntx;
	struct mmsghdr		 txmsg[PKT_BATCH];
	struct iovec		 txiov[PKT_BATCH];
	uint8_t			 txcmsg[PKT_BATCH][64];

	/* receive batch */
	uint8_t			 rx[PKT_BATCH][PKT_BUFSZ];
	struct mmsghdr		 rxmsg[PKT_BATCH];
	struct iovec		 rxiov[PKT_BATCH];
	struct sockaddr_storage	 rxfrom[PKT_BATCH];

	/* scratch, one frame at a time */
	uint8_t			 fbuf[PKT_BUFSZ];	/* decrypted */
	uint8_t			 dbuf[PKT_BUFSZ];	/* decompressed */
	uint8_t			 cbuf[PKT_BUFSZ];	/* compressed */
	uint8_t			 ibuf[PKT_BUFSZ];	/* device, TCP in */
	uint8_t			 pbuf[PKT_BUFSZ];	/* probes */
	uint8_t			 frag[PKT_MAX_FRAGS][PKT_BUFSZ];

	struct pkt_stats	 stats;
};

/* packet_node.c */
int	 pkt_init(struct pkt *, const struct pkt_conf *, const struct pkt_ops *,
	    void *);
void	 pkt_free(struct pkt *);
void	 pkt_set_conf(struct pkt *, const struct pkt_conf *);
void	 pkt_clock(struct pkt *);
int	 pkt_set_self(struct pkt *, uint32_t, const char *);
struct pnode *pnode_find(struct pkt *, uint32_t);
struct pnode *pnode_find_addr(struct pkt *, const struct paddr *);
int	 pkt_node_update(struct pkt *, const struct pnode_info *);
int	 pkt_node_del(struct pkt *, uint32_t);
int	 pkt_subnet_add(struct pkt *, uint32_t, const struct subnet *);
int	 pkt_subnet_del(struct pkt *, uint32_t, const struct subnet *);
int	 pkt_key_in(struct pkt *, uint32_t, const struct pkt_key *);
int	 pkt_key_out(struct pkt *, uint32_t, const struct pkt_key *);
int	 pkt_key_invalid(struct pkt *, uint32_t);
void	 pkt_keys_forget(struct pkt *);
void	 pkt_node_set_addr(struct pkt *, struct pnode *, const struct paddr *);
struct pnode *pkt_try_harder(struct pkt *, const struct paddr *,
	    const uint8_t *, size_t);
void	 pkt_need_key(struct pkt *, struct pnode *);
void	 pkt_node_report(struct pkt *, struct pnode *);
void	 pkt_dump(struct pkt *);

/* PMTU discovery (spec 11.3) */
#define PMTU_MAX_PROBES	5
struct pmtu_round {
	int	 n;			/* probes to send */
	int	 len[PMTU_MAX_PROBES];
	int	 bcast[PMTU_MAX_PROBES];	/* LocalDiscovery broadcast */
	int	 delay;			/* seconds to the next round, 0: stop */
};
void	 pmtu_reset(struct pkt *, struct pnode *);
void	 pmtu_step(struct pkt *, struct pnode *, struct pmtu_round *);
void	 pmtu_reply(struct pkt *, struct pnode *, int);
void	 pmtu_start(struct pkt *, struct pnode *);
void	 pmtu_emsgsize(struct pkt *, struct pnode *, size_t);

/* packet_route.c */
void	 pkt_route(struct pkt *, struct pnode *, uint8_t *, size_t, int);
void	 pkt_send_packet(struct pkt *, struct pnode *, uint8_t *, size_t, int,
	    int);
void	 pkt_broadcast(struct pkt *, struct pnode *, uint8_t *, size_t, int);
void	 pkt_mac_sweep(struct pkt *);

/* packet_io.c */
int	 paddr_from_sa(struct paddr *, const struct sockaddr *, socklen_t);
socklen_t paddr_to_sa(const struct paddr *, struct sockaddr_storage *);
const char *paddr_str(const struct paddr *, char *, size_t);
int	 pkt_add_udp(struct pkt *, int);
void	 pkt_set_device(struct pkt *, int, int);
ssize_t	 pkt_tun_frame(uint8_t *, size_t);
void	 pkt_dev_write(struct pkt *, const uint8_t *, size_t);
void	 pkt_dev_input(struct pkt *, uint8_t *, size_t);
void	 pkt_dev_read(struct pkt *);
void	 pkt_udp_read(struct pkt *, size_t);
void	 pkt_udp_input(struct pkt *, size_t, const struct sockaddr *,
	    socklen_t, const uint8_t *, size_t);
void	 pkt_udp_receive(struct pkt *, struct pnode *, const uint8_t *,
	    size_t);
void	 pkt_udp_send(struct pkt *, struct pnode *, const uint8_t *, size_t,
	    int);
void	 pkt_tcp_send(struct pkt *, struct pnode *, const uint8_t *, size_t);
void	 pkt_tcp_input(struct pkt *, struct pnode *, const uint8_t *, size_t);
int	 pkt_send_probe(struct pkt *, struct pnode *, int, int);
void	 pkt_flush(struct pkt *);

#endif
