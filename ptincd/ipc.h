/*
 * Message types of the channels between ptinc processes, and the payload
 * layout of each (fields in order, as written by ibuf_add_* and read by
 * imsg_get_*).  Lengths are checked by each receiver's handler table.
 */
#ifndef PTINC_IPC_H
#define PTINC_IPC_H

#include <sys/socket.h>

#include "imsg.h"
#include "subnet.h"

/* Fixed descriptor numbers a worker finds after exec. */
#define FD_PARENT	3	/* every worker: channel to the parent */
#define FD_PEER_A	4	/* meta: keys; packet: keys; keys: meta */
#define FD_PEER_B	5	/* meta: packet; packet: meta; keys: packet */

/*
 * Message types, IMSG_<AREA>_<VERB>, grouped by subject.  Each area says
 * who sends to whom.  Common encodings:
 *   addr   = u8 family (0 none, 4, 6), bytes[16], u16 port
 *   subnet = u8 type (SUBNET_*), u8 prefixlen, u32 weight (int32),
 *            bytes[16] address (MAC in the first 6, IPv4 first 4)
 *   key    = u32 cipher nid, u32 digest nid, u8 maclength,
 *            u8 compression, u16 len + key material (secret)
 */
enum imsg_type {
	/* INIT: parent -> worker, before the sandbox */
	IMSG_INIT_PROC = 1,	/* u8 debug, u8 foreground, u8 mlock,
				 * u32 uid, u32 gid, str chroot, str netname,
				 * str name, str user, u32 nofile */
	IMSG_INIT_KEY,		/* keys only: peerid = KEY_* kind;
				 * bytes der (secret) */
	IMSG_INIT_TUN,		/* packet: fd; u8 devtype, u8 mode,
				 * str ifname */
	IMSG_INIT_UDP,		/* packet: fd; u32 index */
	IMSG_INIT_TCP,		/* meta: fd; u32 index */
	IMSG_INIT_DONE,		/* enter the sandbox now */

	/* PROC: worker -> parent */
	IMSG_PROC_READY,	/* sandboxed, loop running: str title */
	IMSG_PROC_LOG,		/* u8 prio, str line */

	/* SCRIPT: meta -> parent */
	IMSG_SCRIPT_RUN,	/* u8 kind, str node, u8 has_addr, addr,
				 * u8 has_subnet, subnet */

	/* CTL: parent -> worker, life cycle and signals */
	IMSG_CTL_GO,		/* meta: start outgoing connections */
	IMSG_CTL_DUMP,		/* u8 what: log the worker's state */
	IMSG_CTL_DEBUG,		/* u8 level */
	IMSG_CTL_RETRY,		/* meta: retry connections now (SIGALRM) */
	IMSG_CTL_ALRM,		/* packet: probe timers fire now (SIGALRM) */
	IMSG_CTL_PURGE,		/* meta (SIGWINCH): forget unreachable nodes */

	/* CA: worker <-> keys, the constrained oracle */
	IMSG_CA_RSA_DECRYPT,	/* peerid = request id; bytes ciphertext */
	IMSG_CA_SIGN,		/* peerid = request id; u8 initiator,
				 * u16 len + kex mine, u16 len + kex his,
				 * u16 len + label */
	IMSG_CA_REPLY,		/* peerid = request id; u8 ok, bytes result */

	/* CONF: parent -> workers, at start-up and every reload */
	IMSG_CONF_SERVER,	/* meta: server settings */
	IMSG_CONF_HOST,		/* meta: one per hosts/ file */
	IMSG_CONF_END,		/* meta: u32 generation: swap in what was sent */
	IMSG_CONF_PACKET,	/* packet: data plane settings */

	/* CONN: meta <-> parent, outgoing connections */
	IMSG_CONN_REQUEST,	/* meta: peerid = request id; str node,
				 * str host, str port */
	IMSG_CONN_RESULT,	/* parent: peerid = request id; u8 ok,
				 * addr; fd (connect in progress) */
	IMSG_CONN_FAILED,	/* parent: peerid = request id; the connect
				 * could not start (no payload, no fd: a
				 * handler takes a descriptor always or never) */

	/* TOPO: meta -> packet */
	IMSG_TOPO_SELF,		/* u32 id of myself */
	IMSG_TOPO_NODE,		/* u32 id, str name, u8 reachable, u32 nexthop,
				 * u32 via, u32 options, addr (UDP), u8 conn
				 * (active meta connection), u8 mst (that
				 * connection's edge is in the MST),
				 * u16 pmtu (PMTU option, 0 = none) */
	IMSG_TOPO_NODE_DEL,	/* u32 id */
	IMSG_TOPO_SUBNET_ADD,	/* u32 owner, subnet */
	IMSG_TOPO_SUBNET_DEL,	/* u32 owner, subnet */

	/* KEY: data keys between meta and packet */
	IMSG_KEY_IN,		/* meta -> packet: u32 node, key we chose for
				 * packets from it */
	IMSG_KEY_OUT,		/* meta -> packet: u32 node, key it chose */
	IMSG_KEY_INVALID,	/* meta -> packet: u32 node, forget send key */
	IMSG_KEY_FORGET,	/* meta -> packet: forget every receive key */
	IMSG_KEY_NEED,		/* packet -> meta: u32 node, send REQ_KEY */
	IMSG_KEY_REKEY,		/* packet -> meta: a seqno passed 2^30 */

	/* TCP: frames over meta connections */
	IMSG_TCP_IN,		/* meta -> packet: u32 from node,
				 * u16 len + frame (PACKET) */
	IMSG_TCP_OUT,		/* packet -> meta: u32 node to send PACKET to
				 * (a neighbour), u16 len + frame */

	/* UDP: packet -> meta, what datagrams taught us */
	IMSG_UDP_ADDR,		/* u32 node, addr */
	IMSG_UDP_STATE,		/* u32 node, u16 minmtu, u16 mtu */

	/* MAC: packet -> meta, switch mode */
	IMSG_MAC_LEARNED,	/* bytes[6] mac */
	IMSG_MAC_EXPIRED,	/* bytes[6] mac */

	IMSG_TYPE_MAX
};

/* What a IMSG_CTL_DUMP asks for (SIGUSR1, SIGUSR2). */
#define DUMP_CONNECTIONS	1
#define DUMP_GRAPH		2

/* Key kinds for IMSG_INIT_KEY. */
#define KEY_RSA		1
#define KEY_ED25519	2

/* Script kinds meta may ask for. */
#define IPC_SCRIPT_HOST_UP	1
#define IPC_SCRIPT_HOST_DOWN	2
#define IPC_SCRIPT_SUBNET_UP	3
#define IPC_SCRIPT_SUBNET_DOWN	4

/* ipc.c: the addr and subnet encodings above */
int	 ipc_put_sockaddr(struct ibuf *, const struct sockaddr_storage *,
	    socklen_t);
int	 ipc_get_sockaddr(struct imsg *, struct sockaddr_storage *,
	    socklen_t *);
int	 ipc_put_subnet(struct ibuf *, const struct subnet *);
int	 ipc_get_subnet(struct imsg *, struct subnet *);

#endif
