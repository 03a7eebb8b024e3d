/*
 * The meta worker's own declarations (tinc 1.0 meta protocol, legacy spec
 * sections 3 to 9).  Only meta*.c and their unit tests include this.
 *
 *	meta.c		role main, the channels to parent, keys and packet,
 *			configuration transactions, the periodic tick
 *	meta_input.c	the per-connection input buffer (pure, unit tested)
 *	meta_seen.c	the flooded-request de-duplication cache (pure)
 *	meta_conn.c	connections: accept, connect, I/O, encryption,
 *			tarpit, timeouts, dispatch of request lines
 *	meta_auth.c	ID, METAKEY, CHALLENGE, CHAL_REPLY, ACK, activation
 *	meta_topo.c	subnets, edges, flooding, graph runs, scripts, the
 *			topology the packet worker routes with
 *	meta_keys.c	REQ_KEY, ANS_KEY, KEY_CHANGED, key expiry
 */
#ifndef PTINC_META_H
#define PTINC_META_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "chan.h"
#include "ev.h"
#include "meta_graph.h"
#include "lcrypto.h"
#include "proto.h"
#include "ptinc.h"
#include "subnet.h"

#define META_INBUF		2176	/* tinc's MAXBUFSIZE */
#define META_OUTBUF_MAX		(8 * 1024 * 1024)
#define META_MAX_CONNS		512
#define META_TARPIT		10
#define META_ACCEPT_BURST	10	/* per second, then tarpit */
#define META_MAX_LISTENERS	128
#define META_MAX_NODES		4096
#define META_MAX_EDGES		32768
#define META_MAX_SUBNETS	16384	/* all owners together */
#define META_MAX_NODE_SUBNETS	4096	/* one owner */
#define META_SEEN_MAX		65536
#define META_REQKEY_INTERVAL	10	/* seconds between REQ_KEYs */
#define META_RETRY_STEP		5	/* back-off step, seconds */
#define META_MAX_HOST_ADDRS	64
#define META_MAX_HOSTNAME	255
#define META_MAX_RSA		(16384 / 8)
#define META_ERR_BUDGET		100	/* bad lines per minute, then close */

/* meta_conn_terminate(): how */
#define META_T_REPORT		0x1	/* announce our edge's deletion */
#define META_T_TARPIT		0x2	/* park the socket, do not close */

/* ---- configuration (from the parent: IMSG_CONF_SERVER/HOST/CONF_END) ---- */

struct meta_addr {
	char		 host[META_MAX_HOSTNAME + 1];
	char		 port[8];
};

struct meta_host {
	RB_ENTRY(meta_host)	 entry;
	char			 name[MAX_NAME_LEN + 1];
	uint8_t			*der;		/* RSA public key */
	size_t			 derlen;
	EVP_PKEY		*pub;
	struct meta_addr	*addrs;
	size_t			 naddrs;
	struct subnet		*subnets;
	size_t			 nsubnets;
	int			 indirectdata;	/* -1 unset, 0, 1 */
	int			 tcponly;
	int			 clampmss;
	int			 pmtu;		/* 0 unset */
	int			 has_weight;
	int			 weight;
};
RB_HEAD(meta_hosts, meta_host);
RB_PROTOTYPE(meta_hosts, meta_host, entry, meta_host_cmp);

/* Own option bits sent in IMSG_CONF_SERVER (legacy spec 4.9). */
struct meta_conf {
	uint32_t		 generation;
	char			 name[MAX_NAME_LEN + 1];
	char			 myport[8];
	uint32_t		 options;	/* OPTION_*: our own settings */
	int			 cipher;	/* ANS_KEY: NID, 0 none */
	int			 digest;
	int			 maclength;
	int			 compression;
	int			 keylen;	/* key material of our cipher */
	int			 meta_cipher;	/* AES-CFB NID for METAKEY */
	int			 legacy;	/* needs the legacy provider */
	int			 ping_interval;
	int			 ping_timeout;
	int			 max_timeout;
	int			 min_timeout;
	int			 key_expire;
	int			 strict_subnets;
	int			 tunnel_server;
	int			 mode;		/* enum conf_rmode */
	int			 broadcast;	/* enum conf_bmode */
	int			 max_output_buffer_size;
	int			 pmtu;		/* own PMTU, MTU if unset */
	uint8_t			*mykey;		/* our RSA public key, DER */
	size_t			 mykeylen;
	size_t			 rsalen;	/* our modulus in bytes */
	char			 (*connect_to)[MAX_NAME_LEN + 1];
	size_t			 nconnect_to;
	struct subnet		*subnets;	/* our own */
	size_t			 nsubnets;
	struct meta_hosts	 hosts;
};

/* ---- input buffer (meta_input.c) ---------------------------------------- */

/*
 * Bytes received on one meta connection, legacy spec 3.4: lines, PACKET
 * payloads, and the switch to decryption right after the peer's METAKEY
 * line (even inside the same read).
 *
 * A line callback returns -1 (fatal), 0 (go on) or 1 (pause: stop after
 * this line, keep the rest buffered, e.g. while the key holder decrypts a
 * METAKEY).  It may call meta_in_set_cipher() and meta_in_expect().
 */
struct meta_in_ops {
	int	(*line)(void *, char *, size_t);
	int	(*frame)(void *, const uint8_t *, size_t);
};

struct meta_in {
	uint8_t			 buf[META_INBUF];
	size_t			 start;		/* first unconsumed byte */
	size_t			 end;		/* one past the last byte */
	size_t			 scanned;	/* searched for LF up to here */
	size_t			 pending;	/* PACKET bytes awaited */
	size_t			 cur_end;	/* in a callback: past LF */
	int			 in_cb;
	int			 decrypting;
	struct meta_cipher	 mc;
};

void	 meta_in_init(struct meta_in *);
void	 meta_in_clear(struct meta_in *);
uint8_t	*meta_in_space(struct meta_in *, size_t *);
int	 meta_in_process(struct meta_in *, size_t, const struct meta_in_ops *,
	    void *, const char **);
int	 meta_in_set_cipher(struct meta_in *, struct meta_cipher *);
void	 meta_in_expect(struct meta_in *, size_t);

/* ---- de-duplication of flooded lines (meta_seen.c) ---------------------- */

struct meta_seen_entry {
	RB_ENTRY(meta_seen_entry)	 entry;
	TAILQ_ENTRY(meta_seen_entry)	 age;
	uint8_t				 hash[16];
	uint64_t			 when;		/* ms */
};
RB_HEAD(meta_seen_tree, meta_seen_entry);
RB_PROTOTYPE(meta_seen_tree, meta_seen_entry, entry, meta_seen_cmp);

struct meta_seen {
	struct meta_seen_tree			 tree;
	TAILQ_HEAD(, meta_seen_entry)		 fifo;	/* oldest first */
	size_t					 n;
	size_t					 max;
	uint64_t				 evicted;
};

void	 meta_seen_init(struct meta_seen *, size_t);
int	 meta_seen_check(struct meta_seen *, const char *, uint64_t);
size_t	 meta_seen_age(struct meta_seen *, uint64_t, uint64_t);
void	 meta_seen_clear(struct meta_seen *);

/* ---- connections (meta_conn.c) ------------------------------------------ */

enum meta_cstate {
	MS_CONNECTING,		/* parent's fd, waiting for POLLOUT */
	MS_ID,			/* waiting for ID */
	MS_METAKEY,
	MS_KEYWAIT,		/* key holder decrypts the peer's METAKEY */
	MS_CHALLENGE,
	MS_CHAL_REPLY,
	MS_ACK,
	MS_ACTIVE
};

struct meta_out {
	uint8_t		*buf;
	size_t		 size;
	size_t		 start;
	size_t		 end;
};

struct meta_outgoing;

struct meta_conn {
	TAILQ_ENTRY(meta_conn)	 entry;
	TAILQ_ENTRY(meta_conn)	 dead_entry;
	uint32_t		 id;
	int			 fd;
	enum meta_cstate	 state;
	int			 dead;
	int			 failing;	/* close at the next reap */
	int			 fail_report;
	const char		*fail_reason;
	int			 outgoing_side;	/* we called connect() */
	struct meta_outgoing	*outgoing;	/* reconnect duty */
	char			 name[MAX_NAME_LEN + 1];
	char			 hostname[INET6_ADDRSTRLEN + 16];
	char			 addr[INET6_ADDRSTRLEN];	/* numeric */
	char			 port[8];
	struct sockaddr_storage	 sa;
	socklen_t		 salen;

	struct meta_in		 in;
	struct meta_out		 out;
	struct meta_cipher	 outc;
	int			 encrypting;
	uint64_t		 out_since;	/* ms: output not drained */

	EVP_PKEY		*pub;		/* the peer's key (ref) */
	size_t			 hislen;	/* his modulus, bytes */
	int			 hiscipher;	/* NIDs from his METAKEY */
	int			 hisdigest;
	uint8_t			*mychal;	/* sent, hislen bytes */
	uint8_t			*hischal;	/* received, our length */
	int			 chal_received;

	uint64_t		 created;	/* ms */
	uint64_t		 last_ping;	/* ms: PING sent / activation */
	int			 pinged;
	int			 got_pong;
	int			 weight;	/* what our ACK said */
	uint32_t		 options;
	struct node		*node;		/* once active */
	struct edge		*edge;		/* our edge to the peer */
	uint64_t		 err_window;
	int			 nerrs;
	uint64_t		 bytes_in, bytes_out;
};
TAILQ_HEAD(meta_conn_list, meta_conn);

struct meta_outgoing {
	TAILQ_ENTRY(meta_outgoing) entry;
	char			 name[MAX_NAME_LEN + 1];
	int			 timeout;	/* back-off, seconds */
	size_t			 addr_next;	/* next Address line */
	uint32_t		 reqid;		/* IMSG_CONN_REQUEST waiting */
	uint64_t		 started;	/* ms: attempt began */
	struct meta_conn	*conn;
	struct ev_timer		 timer;
	int			 removed;
};
TAILQ_HEAD(meta_outgoing_list, meta_outgoing);

int	 meta_backoff(int, int, int);

void	 meta_listen_start(void);
void	 meta_conn_outgoing_fd(struct meta_outgoing *, int,
	    const struct sockaddr_storage *, socklen_t);
struct meta_conn *meta_conn_find_id(uint32_t);
void	 meta_conn_terminate(struct meta_conn *, int, const char *);
void	 meta_conn_fail(struct meta_conn *, int, const char *);
int	 meta_conn_send(struct meta_conn *, const char *, size_t);
int	 meta_conn_sendf(struct meta_conn *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 meta_conn_send_msg(struct meta_conn *, const struct proto_msg *);
int	 meta_conn_send_packet(struct meta_conn *, const uint8_t *, size_t);
void	 meta_conn_pause(struct meta_conn *, int);
void	 meta_conn_resume(struct meta_conn *);
void	 meta_conn_tick(uint64_t);
void	 meta_conn_ping_all(void);
void	 meta_conn_dump(void);
void	 meta_conn_close_all(void);
const char *meta_conn_label(const struct meta_conn *);

void	 meta_outgoing_sync(void);
void	 meta_outgoing_retry_all(void);
void	 meta_outgoing_failed(struct meta_outgoing *, int);
void	 meta_outgoing_connected(struct meta_outgoing *);
int	 meta_outgoing_result(uint32_t, int, const struct sockaddr_storage *,
	    socklen_t, int);

/* ---- authentication (meta_auth.c) --------------------------------------- */

int	 meta_auth_start(struct meta_conn *);
int	 meta_auth_line(struct meta_conn *, const struct proto_msg *);
int	 meta_auth_key_reply(struct meta_conn *, int, const uint8_t *, size_t);
void	 meta_auth_clear(struct meta_conn *);
uint32_t meta_auth_options(const struct meta_host *);

/* ---- topology (meta_topo.c) --------------------------------------------- */

struct meta_subnet {
	RB_ENTRY(meta_subnet)	 entry;
	struct subnet		 s;
	int			 learned;	/* MAC learned by packet */
};
RB_HEAD(meta_subnet_tree, meta_subnet);
RB_PROTOTYPE(meta_subnet_tree, meta_subnet, entry, meta_subnet_cmp);

/* What the packet worker was last told about a node. */
struct meta_pkt_state {
	int		 reachable;
	uint32_t	 nexthop;
	uint32_t	 via;
	uint32_t	 options;
	struct sockaddr_storage udp;
	socklen_t	 udplen;
	int		 conn;
	int		 mst;
	uint16_t	 pmtu;
};

struct meta_node {
	struct node		*n;
	struct meta_subnet_tree	 subnets;
	size_t			 nsubnets;
	struct meta_conn	*conn;		/* active connection */
	uint64_t		 last_req_key;	/* ms, 0 never */
	uint16_t		 minmtu;
	uint16_t		 mtu;
	int			 check_reverse;	/* after a DEL_EDGE/close */
	int			 send_key;	/* ANS_KEY after the run */
	int			 sent;		/* packet knows the node */
	struct meta_pkt_state	 last;
};

struct meta_node *meta_node_get(const char *, int);
struct meta_node *meta_node_of(struct node *);
void	 meta_topo_init(void);
void	 meta_topo_dirty(void);
void	 meta_topo_run(void);
int	 meta_topo_line(struct meta_conn *, const char *,
	    const struct proto_msg *);
void	 meta_topo_activate(struct meta_conn *, const char *, int);
void	 meta_topo_conn_lost(struct meta_conn *, int);
void	 meta_topo_send_all(struct meta_conn *);
void	 meta_topo_broadcast(struct meta_conn *, const char *, size_t);
void	 meta_topo_purge(void);
void	 meta_topo_own_subnets(const struct subnet *, size_t, int);
void	 meta_topo_strict(const struct meta_conf *, int);
void	 meta_topo_node_changed(struct node *);
void	 meta_topo_udp_learned(struct node *, const struct sockaddr_storage *,
	    socklen_t);
void	 meta_topo_mac(const uint8_t *, int);
void	 meta_topo_dump(void);
void	 meta_topo_tick(void);
int	 meta_edge_forwardable(const struct edge *);

/* ---- packet keys (meta_keys.c) ------------------------------------------ */

int	 meta_anskey_validate(const struct req_ans_key *, uint8_t *, size_t *,
	    const char **);
int	 meta_keys_line(struct meta_conn *, const char *,
	    const struct proto_msg *);
int	 meta_keys_send_ans(struct node *);
void	 meta_keys_need(struct node *);
void	 meta_keys_expire(void);
void	 meta_keys_tick(uint64_t);
void	 meta_keys_reset(void);

/* ---- the worker (meta.c) ------------------------------------------------ */

struct meta_state {
	struct meta_conf		*conf;		/* running */
	struct meta_conf		*staging;	/* being received */
	struct graph			 g;
	int				 graph_ready;
	struct meta_seen		 seen;
	struct meta_conn_list		 conns;
	struct meta_conn_list		 dead;
	size_t				 nconns;
	uint32_t			 next_id;
	struct meta_outgoing_list	 outgoing;
	int				 listeners[META_MAX_LISTENERS];
	size_t				 nlisteners;
	struct chan			 keys;
	struct chan			 packet;
	int				 go;
	struct ev_timer			 tick;
	struct ev_timer			 graph_timer;
	struct ev_timer			 reap_timer;
	uint64_t			 keyexpires;	/* ms */
	size_t				 nsubnets;	/* every owner */
	uint64_t			 contradicting_add;
	uint64_t			 contradicting_del;
	uint64_t			 warned[3];	/* rate limits, ms */
};

extern struct meta_state	 M;

uint64_t meta_now(void);
uint32_t meta_nonce(void);
const struct meta_host *meta_host_find(const char *);
int	 meta_script(int, struct node *, const struct subnet *);
int	 meta_pkt_compose(uint32_t, uint32_t, struct ibuf *);
int	 meta_pkt_u32(uint32_t, uint32_t);
int	 meta_sockaddr_str(const struct sockaddr_storage *, socklen_t,
	    char *, size_t, char *, size_t);
int	 meta_warn_ok(int);

/* meta_warn_ok(): one rate limit per kind of bound */
#define META_WARN_NODES		0
#define META_WARN_EDGES		1
#define META_WARN_SUBNETS	2
#define META_WARN_MAX		3

#endif
