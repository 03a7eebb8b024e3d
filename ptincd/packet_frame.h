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
 * Frame-level routing for the packet worker (legacy spec section 12): the
 * subnet table, frame classification, the ARP / neighbour discovery proxy,
 * ICMP errors, DecrementTTL, ClampMSS, IPv4 fragmentation and the learned
 * MAC table of switch mode.  No I/O, no allocation per frame.
 *
 * Frames are Ethernet frames (dst MAC, src MAC, ethertype, payload).  All
 * functions check lengths against the given frame length before reading.
 */
#ifndef PTINC_PACKET_FRAME_H
#define PTINC_PACKET_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ptinc.h"

#define ROUTE_ETH_HLEN		14
#define ROUTE_ETHERTYPE_IPV4	0x0800
#define ROUTE_ETHERTYPE_ARP	0x0806
#define ROUTE_ETHERTYPE_VLAN	0x8100
#define ROUTE_ETHERTYPE_IPV6	0x86dd

/* ---- subnet table ------------------------------------------------------ */

/*
 * Entries are kept in tinc's global subnet order (spec 5.7): longer prefix
 * first, then address, then weight (lower preferred), then owner name.  A
 * lookup returns the first entry containing the address whose owner is
 * reachable, else the last entry containing it, as tinc does (spec 12.3).
 */
struct route_entry {
	uint8_t		 addr[16];	/* as announced */
	uint8_t		 key[16];	/* addr with host bits cleared */
	int		 prefix;
	int		 weight;
	uint32_t	 owner;
	char		 owner_name[MAX_NAME_LEN + 1];
};

struct route_vec {
	struct route_entry	*v;
	size_t			 n;
	size_t			 cap;
	uint32_t		 nplen[129];	/* entries per prefix length */
};

struct route_table {
	struct route_vec	 mac;
	struct route_vec	 v4;
	struct route_vec	 v6;
	size_t			 count;
	size_t			 max;
};

#define ROUTE_MAX_ENTRIES	16384	/* route_table_init() default */

/* 1 if the owner is reachable; NULL callback means every owner is. */
typedef int (*route_reachable_fn)(uint32_t owner, void *arg);

void	 route_table_init(struct route_table *, size_t max);	/* 0: default */
void	 route_table_free(struct route_table *);

/*
 * Add: 0, or -1 with errno EINVAL (prefix out of range, overlong name),
 * EEXIST (same type, address, prefix, weight and owner), ENOSPC, ENOMEM.
 * owner_name (may be NULL) only orders equal subnets of different owners.
 * Delete: 0, or -1 with errno ENOENT.
 */
int	 route_add_mac(struct route_table *, const uint8_t mac[6], int weight,
	    uint32_t owner, const char *owner_name);
int	 route_add_v4(struct route_table *, const uint8_t addr[4], int prefix,
	    int weight, uint32_t owner, const char *owner_name);
int	 route_add_v6(struct route_table *, const uint8_t addr[16], int prefix,
	    int weight, uint32_t owner, const char *owner_name);
int	 route_del_mac(struct route_table *, const uint8_t mac[6], int weight,
	    uint32_t owner);
int	 route_del_v4(struct route_table *, const uint8_t addr[4], int prefix,
	    int weight, uint32_t owner);
int	 route_del_v6(struct route_table *, const uint8_t addr[16], int prefix,
	    int weight, uint32_t owner);
size_t	 route_del_owner(struct route_table *, uint32_t owner);

/* 0 and *owner set, or -1 when no entry contains the address. */
int	 route_lookup_mac(const struct route_table *, const uint8_t mac[6],
	    route_reachable_fn, void *, uint32_t *owner);
int	 route_lookup_v4(const struct route_table *, const uint8_t addr[4],
	    route_reachable_fn, void *, uint32_t *owner);
int	 route_lookup_v6(const struct route_table *, const uint8_t addr[16],
	    route_reachable_fn, void *, uint32_t *owner);

/* ---- classification (spec 12.2, 12.3) ---------------------------------- */

enum frame_type {
	FRAME_OTHER = 0,	/* router mode drops these */
	FRAME_ARP,
	FRAME_IPV4,
	FRAME_IPV6,
};

struct frame_info {
	enum frame_type	 type;
	uint8_t		 dst[16];	/* IPv4: first 4 bytes */
	int		 broadcast;	/* v4 multicast/255.255.255.255, v6 ff */
	int		 ns;		/* IPv6 neighbour solicitation; check
					   before broadcast (spec 12.3) */
	int		 df;		/* IPv4 don't-fragment */
	uint8_t		 priority;	/* IPv4 TOS, IPv6 traffic class */
};

/*
 * -1 for a frame to drop: shorter than 14 bytes, or IPv4/IPv6 with a short
 * or inconsistent header (IPv4 needs 34 bytes, version 4 and a header
 * length that fits; IPv6 needs 54 bytes and version 6).
 */
int	 route_parse(const uint8_t *, size_t, struct frame_info *);
int	 route_eth_multicast(const uint8_t *, size_t);

/* ---- ARP and neighbour discovery proxy (spec 12.4) -------------------- */

/* 0 and the requested address for a well-formed ARP request, else -1. */
int	 route_arp_request(const uint8_t *, size_t, uint8_t target[4]);
/* Turns a request into our reply in place (length unchanged); -1 if not */
int	 route_arp_reply(uint8_t *, size_t);
/* 0 and the target for a well-formed, checksummed solicitation, else -1 */
int	 route_ns_request(const uint8_t *, size_t, uint8_t target[16]);
int	 route_ns_advert(uint8_t *, size_t);

/* ---- ICMP errors (spec 12.5) ------------------------------------------- */

#define ICMP4_DEST_UNREACH	3
#define ICMP4_TIME_EXCEEDED	11
#define ICMP4_NET_UNREACH	0
#define ICMP4_HOST_UNREACH	1
#define ICMP4_FRAG_NEEDED	4
#define ICMP4_NET_UNKNOWN	6
#define ICMP4_NET_ANO		9	/* network administratively prohibited */
#define ICMP4_EXC_TTL		0

#define ICMP6_DST_UNREACH	1
#define ICMP6_PACKET_TOO_BIG	2
#define ICMP6_TIME_EXCEEDED	3
#define ICMP6_DST_NOROUTE	0
#define ICMP6_DST_ADMIN		1
#define ICMP6_DST_ADDR		3
#define ICMP6_EXC_HOPLIMIT	0

#define ROUTE_ICMP_RATE		3	/* per second, v4 and v6 together */
#define ROUTE_ICMP4_QUOTE	548	/* 576 - 20 - 8 */
#define ROUTE_ICMP6_QUOTE	528	/* 576 - 40 - 8 */

struct route_ratelimit {
	time_t		 second;
	int		 count;
};

/* 1 if one more ICMP message may be sent in the second `now` */
int	 route_icmp_allowed(struct route_ratelimit *, time_t now);

/*
 * Build the error about frame `in` into `out` (which may be `in` itself,
 * otherwise it must not overlap): MACs swapped (an 802.1Q tag is kept),
 * new IP header from `src` (NULL: the original destination) to the original
 * source, the ICMP header, then the original IP packet truncated to the
 * quote limit.  mtu is carried by frag-needed / packet-too-big only.
 * Returns the length of the new frame, 0 if `in` is no IPv4 (IPv6) frame
 * or `out` is too small (590 bytes always suffice).
 */
size_t	 route_icmp4(const uint8_t *in, size_t inlen, uint8_t *out,
	    size_t outsize, uint8_t type, uint8_t code, uint16_t mtu,
	    const uint8_t src[4]);
size_t	 route_icmp6(const uint8_t *in, size_t inlen, uint8_t *out,
	    size_t outsize, uint8_t type, uint8_t code, uint32_t mtu,
	    const uint8_t src[16]);

/* ---- DecrementTTL (spec 12.11) ----------------------------------------- */

#define ROUTE_TTL_OK		0	/* decremented, or not IP: forward */
#define ROUTE_TTL_EXPIRED	1	/* send time exceeded, then drop */
#define ROUTE_TTL_DROP		(-1)	/* drop silently */

int	 route_decrement_ttl(uint8_t *, size_t);

/* ---- ClampMSS (spec 12.12) --------------------------------------------- */

/* 1 if the MSS option was lowered to mtu - headers, else 0 */
int	 route_clamp_mss(uint8_t *, size_t, int mtu);

/* ---- IPv4 fragmentation (spec 12.6) ------------------------------------ */

/*
 * Split an IPv4 frame (IHL 5, total length matching the frame) into pieces
 * of at most max(mtu, 590) bytes each.  Fragment i is written to
 * out + i * fragsize and its length to lens[i].  Returns the number of
 * fragments, or -1 (malformed, or not enough room).
 */
int	 route_fragment_v4(const uint8_t *, size_t, int mtu, uint8_t *out,
	    size_t fragsize, size_t nfrags, size_t *lens);

/* ---- learned MACs, switch mode (spec 12.7) ----------------------------- */

struct mac_entry {
	uint8_t		 mac[6];
	uint8_t		 used;
	time_t		 expires;
};

struct mac_table {
	struct mac_entry	*slot;
	size_t			 nslots;	/* power of two, >= 2 * max */
	size_t			 count;
	size_t			 max;
	uint32_t		 seed;
};

int	 mac_table_init(struct mac_table *, size_t max);
void	 mac_table_free(struct mac_table *);
/*
 * A source MAC seen on our device: 1 if newly learned (announce it),
 * 0 if known (expiry refreshed) or multicast (never learned), -1 if full.
 * The caller skips MACs covered by one of our configured subnets.
 */
int	 mac_table_learn(struct mac_table *, const uint8_t mac[6], time_t now,
	    time_t lifetime);
int	 mac_table_has(const struct mac_table *, const uint8_t mac[6]);
/* Another node announced this MAC: expire ours at the next sweep. */
int	 mac_table_handoff(struct mac_table *, const uint8_t mac[6],
	    time_t now);
/* Remove entries with expiry <= now, copying up to maxout of them to out. */
size_t	 mac_table_expire(struct mac_table *, time_t now, uint8_t (*out)[6],
	    size_t maxout);

#endif
