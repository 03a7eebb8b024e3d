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

enum imsg_type {
	/* parent -> worker: start-up */
	IMSG_INIT = 1,		/* u8 debug, u8 foreground, u8 mlock,
				 * u32 uid, u32 gid, str chroot, str netname,
				 * str name, u32 nofile */
	IMSG_INIT_KEY,		/* keys only: u8 kind, bytes der (secret) */
	IMSG_INIT_TUN,		/* packet: fd; u8 devtype, u8 mode,
				 * str ifname */
	IMSG_INIT_UDP,		/* packet: fd; u32 index */
	IMSG_INIT_TCP,		/* meta: fd; u32 index */
	IMSG_INIT_DONE,		/* enter the sandbox now */

	/* worker -> parent */
	IMSG_READY,		/* sandboxed, loop running: str title */
	IMSG_LOG,		/* u8 prio, str line */
	IMSG_SCRIPT,		/* meta: u8 kind, str node, u8 has_addr,
				 * u8 family, bytes[16] addr, u16 port,
				 * u8 has_subnet, subnet (see ipc_subnet) */

	/* parent -> worker: life cycle */
	IMSG_GO,		/* meta: start outgoing connections */
	IMSG_DUMP,		/* u8 what: log the worker's state */
	IMSG_DEBUG,		/* u8 level */
	IMSG_RETRY,		/* meta: retry connections now (SIGALRM) */
	IMSG_RECONF,		/* u32 generation: new configuration */

	/* worker <-> keys */
	IMSG_KEYS_RSA_DECRYPT,	/* peerid = request id; bytes ciphertext */
	IMSG_KEYS_SIGN,		/* peerid = request id; u8 initiator,
				 * u16 len + kex mine, u16 len + kex his,
				 * u16 len + label */
	IMSG_KEYS_REPLY,	/* peerid = request id; u8 ok, bytes result */

	/*
	 * tinc 1.0 wire protocol (issue 3).  Common encodings:
	 *   addr   = u8 family (0 none, 4, 6), bytes[16], u16 port
	 *   subnet = u8 type (SUBNET_*), u8 prefixlen, u32 weight (int32),
	 *            bytes[16] address (MAC in the first 6, IPv4 first 4)
	 *   key    = u32 cipher nid, u32 digest nid, u8 maclength,
	 *            u8 compression, u16 len + key material (secret)
	 */

	/* parent -> meta: configuration (start-up and every reload) */
	IMSG_META_CONF,		/* see parent_meta.c: server settings */
	IMSG_META_HOST,		/* one per hosts/ file: name, RSA pub DER,
				 * addresses, subnets, options */
	IMSG_META_CONF_END,	/* u32 generation: swap in what was sent */
	/* meta <-> parent: outgoing connections */
	IMSG_CONNECT,		/* meta: peerid = request id; str node,
				 * str host, str port */
	IMSG_CONNECT_RESULT,	/* parent: peerid = request id; u8 ok,
				 * addr; fd when ok (connect in progress) */

	/* parent -> packet: configuration */
	IMSG_PKT_CONF,		/* see parent_packet.c */

	/* meta -> packet: topology, keys, frames */
	IMSG_PKT_SELF,		/* u32 id of myself */
	IMSG_PKT_NODE,		/* u32 id, str name, u8 reachable, u32 nexthop,
				 * u32 via, u32 options, addr (UDP), u8 conn
				 * (active meta connection), u8 mst (that
				 * connection's edge is in the MST),
				 * u16 pmtu (PMTU option, 0 = none) */
	IMSG_PKT_NODE_DEL,	/* u32 id */
	IMSG_PKT_SUBNET_ADD,	/* u32 owner, subnet */
	IMSG_PKT_SUBNET_DEL,	/* u32 owner, subnet */
	IMSG_PKT_KEY_IN,	/* u32 node: key we chose for packets from it */
	IMSG_PKT_KEY_OUT,	/* u32 node: key it chose (from ANS_KEY) */
	IMSG_PKT_KEY_INVALID,	/* u32 node: KEY_CHANGED, forget send key */
	IMSG_PKT_KEYS_FORGET,	/* forget every receive key (KeyExpire) */
	IMSG_PKT_TCP_IN,	/* u32 from node, u16 len + frame (PACKET) */
	IMSG_PKT_ALRM,		/* SIGALRM: probe timers fire now */

	/* packet -> meta */
	IMSG_META_NEED_KEY,	/* u32 node: send REQ_KEY (meta rate-limits) */
	IMSG_META_TCP_OUT,	/* u32 node to send PACKET to (a neighbour),
				 * u16 len + frame */
	IMSG_META_UDP_ADDR,	/* u32 node, addr: learned from a datagram */
	IMSG_META_UDP_STATE,	/* u32 node, u16 minmtu, u16 mtu */
	IMSG_META_MAC_LEARNED,	/* bytes[6] mac */
	IMSG_META_MAC_EXPIRED,	/* bytes[6] mac */
	IMSG_META_REKEY,	/* a seqno passed 2^30: regenerate keys */

	/*
	 * parent -> meta: IMSG_CONNECT could not start (no payload, no fd;
	 * peerid = request id).  IMSG_CONNECT_RESULT is then only sent with
	 * ok = 1 and its descriptor, as handler tables require a descriptor
	 * either always or never.
	 */
	IMSG_CONNECT_FAILED,

	IMSG_PURGE,		/* parent -> meta (SIGWINCH): forget unreachable
				 * nodes, no payload */

	IMSG_TYPE_MAX
};

/* What a IMSG_DUMP asks for (SIGUSR1, SIGUSR2). */
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
