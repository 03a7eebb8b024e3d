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

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "packet_frame.h"

#define MAC_TABLE_DEFAULT	1024

/* Byte offsets inside the layer 3 headers. */
#define IP4_TTL		8
#define IP4_PROTO	9
#define IP4_CSUM	10
#define IP4_SRC		12
#define IP4_DST		16
#define IP6_PLEN	4
#define IP6_NXT		6
#define IP6_HLIM	7
#define IP6_SRC		8
#define IP6_DST		24
#define IPPROTO_ICMP4	1
#define IPPROTO_TCP_	6
#define IPPROTO_ICMP6	58
#define ND_SOLICIT	135
#define ND_ADVERT	136

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* ---- checksums ---------------------------------------------------------- */

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ICMPv6 pseudo header (RFC 8200 8.1) plus the message. */
static uint16_t
csum_icmp6(const uint8_t *src, const uint8_t *dst, const uint8_t *msg,
    size_t len)
{
	uint32_t	 sum = 0;

	sum = csum_add(sum, src, 16);
	sum = csum_add(sum, dst, 16);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	sum += IPPROTO_ICMP6;
	return csum_fold(csum_add(sum, msg, len));
}

/*
 * Incremental update (RFC 1624, eqn. 3) for a 16-bit field that changed
 * from old to new.  A field at an odd offset of the summed data enters the
 * sum byte-swapped.
 */
static uint16_t
csum_update(uint16_t csum, uint16_t old, uint16_t new, int odd)
{
	uint32_t	 sum;

	if (odd) {
		old = (uint16_t)(old << 8 | old >> 8);
		new = (uint16_t)(new << 8 | new >> 8);
	}
	sum = (uint16_t)~csum;
	sum += (uint16_t)~old;
	sum += new;
	return csum_fold(sum);
}

/* Length of the Ethernet header, looking through one 802.1Q tag; 0: short */
static size_t
l2_header(const uint8_t *f, size_t len, uint16_t *type)
{
	if (len < ROUTE_ETH_HLEN)
		return 0;
	*type = get16(f + 12);
	if (*type != ROUTE_ETHERTYPE_VLAN)
		return ROUTE_ETH_HLEN;
	if (len < ROUTE_ETH_HLEN + 4)
		return 0;
	*type = get16(f + 16);
	return ROUTE_ETH_HLEN + 4;
}

/* ---- subnet table ------------------------------------------------------- */

static void
mask_addr(const uint8_t *in, int prefix, size_t alen, uint8_t *out)
{
	size_t	 full = (size_t)prefix / 8;
	int	 rest = prefix % 8;

	memset(out, 0, 16);
	memcpy(out, in, full < alen ? full : alen);
	if (full < alen && rest != 0)
		out[full] = in[full] & (uint8_t)(0xff << (8 - rest));
}

/* Order of (prefix, key) alone: longer prefix first, then key bytes. */
static int
cmp_pk(const struct route_entry *e, int prefix, const uint8_t *key,
    size_t alen)
{
	if (e->prefix != prefix)
		return e->prefix > prefix ? -1 : 1;
	return memcmp(e->key, key, alen);
}

/* Full order of spec 5.7 (owner id last, to make it total). */
static int
cmp_entry(const struct route_entry *a, const struct route_entry *b,
    size_t alen)
{
	int	 r;

	if ((r = cmp_pk(a, b->prefix, b->key, alen)) != 0)
		return r;
	if ((r = memcmp(a->addr, b->addr, alen)) != 0)
		return r;
	if (a->weight != b->weight)
		return a->weight < b->weight ? -1 : 1;
	if ((r = strcmp(a->owner_name, b->owner_name)) != 0)
		return r;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	return 0;
}

/* First index whose (prefix, key) is not before the given one. */
static size_t
lower_bound(const struct route_vec *rv, int prefix, const uint8_t *key,
    size_t alen)
{
	size_t	 lo = 0, hi = rv->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cmp_pk(&rv->v[mid], prefix, key, alen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t
find_exact(const struct route_vec *rv, const struct route_entry *want,
    size_t alen)
{
	size_t	 i;

	for (i = lower_bound(rv, want->prefix, want->key, alen); i < rv->n &&
	    cmp_pk(&rv->v[i], want->prefix, want->key, alen) == 0; i++) {
		if (memcmp(rv->v[i].addr, want->addr, alen) == 0 &&
		    rv->v[i].weight == want->weight &&
		    rv->v[i].owner == want->owner)
			return i;
	}
	return rv->n;
}

void
route_table_init(struct route_table *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max ? max : ROUTE_MAX_ENTRIES;
}

void
route_table_free(struct route_table *t)
{
	free(t->mac.v);
	free(t->v4.v);
	free(t->v6.v);
	memset(t, 0, sizeof(*t));
}

static int
vec_add(struct route_table *t, struct route_vec *rv, const uint8_t *addr,
    size_t alen, int prefix, int weight, uint32_t owner, const char *name)
{
	struct route_entry	 e, *nv;
	size_t			 i, cap;

	memset(&e, 0, sizeof(e));
	if (name != NULL &&
	    strlcpy(e.owner_name, name, sizeof(e.owner_name)) >=
	    sizeof(e.owner_name)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(e.addr, addr, alen);
	mask_addr(addr, prefix, alen, e.key);
	e.prefix = prefix;
	e.weight = weight;
	e.owner = owner;

	if (find_exact(rv, &e, alen) != rv->n) {
		errno = EEXIST;
		return -1;
	}
	if (t->count >= t->max) {
		errno = ENOSPC;
		return -1;
	}
	if (rv->n == rv->cap) {
		cap = rv->cap ? rv->cap * 2 : 16;
		if ((nv = reallocarray(rv->v, cap, sizeof(*nv))) == NULL)
			return -1;
		rv->v = nv;
		rv->cap = cap;
	}
	/* after the last entry that sorts before e */
	i = lower_bound(rv, prefix, e.key, alen);
	while (i < rv->n && cmp_entry(&rv->v[i], &e, alen) < 0)
		i++;
	memmove(&rv->v[i + 1], &rv->v[i], (rv->n - i) * sizeof(rv->v[0]));
	rv->v[i] = e;
	rv->n++;
	rv->nplen[prefix]++;
	t->count++;
	return 0;
}

static int
vec_del(struct route_table *t, struct route_vec *rv, const uint8_t *addr,
    size_t alen, int prefix, int weight, uint32_t owner)
{
	struct route_entry	 e;
	size_t			 i;

	memset(&e, 0, sizeof(e));
	memcpy(e.addr, addr, alen);
	mask_addr(addr, prefix, alen, e.key);
	e.prefix = prefix;
	e.weight = weight;
	e.owner = owner;
	if ((i = find_exact(rv, &e, alen)) == rv->n) {
		errno = ENOENT;
		return -1;
	}
	memmove(&rv->v[i], &rv->v[i + 1], (rv->n - i - 1) * sizeof(rv->v[0]));
	rv->n--;
	rv->nplen[prefix]--;
	t->count--;
	return 0;
}

static int
vec_lookup(const struct route_vec *rv, const uint8_t *addr, size_t alen,
    int maxprefix, route_reachable_fn reachable, void *arg, uint32_t *owner)
{
	const struct route_entry	*last = NULL;
	uint8_t				 key[16];
	size_t				 i;
	int				 p;

	for (p = maxprefix; p >= 0; p--) {
		if (rv->nplen[p] == 0)
			continue;
		mask_addr(addr, p, alen, key);
		for (i = lower_bound(rv, p, key, alen); i < rv->n &&
		    cmp_pk(&rv->v[i], p, key, alen) == 0; i++) {
			if (reachable == NULL ||
			    reachable(rv->v[i].owner, arg)) {
				*owner = rv->v[i].owner;
				return 0;
			}
			last = &rv->v[i];
		}
	}
	if (last == NULL)
		return -1;
	*owner = last->owner;
	return 0;
}

static size_t
vec_del_owner(struct route_vec *rv, uint32_t owner)
{
	size_t	 i, j, gone;

	for (i = j = 0; i < rv->n; i++) {
		if (rv->v[i].owner == owner) {
			rv->nplen[rv->v[i].prefix]--;
			continue;
		}
		if (i != j)
			rv->v[j] = rv->v[i];
		j++;
	}
	gone = rv->n - j;
	rv->n = j;
	return gone;
}

int
route_add_mac(struct route_table *t, const uint8_t mac[6], int weight,
    uint32_t owner, const char *owner_name)
{
	return vec_add(t, &t->mac, mac, 6, 48, weight, owner, owner_name);
}

int
route_add_v4(struct route_table *t, const uint8_t addr[4], int prefix,
    int weight, uint32_t owner, const char *owner_name)
{
	if (prefix < 0 || prefix > 32) {
		errno = EINVAL;
		return -1;
	}
	return vec_add(t, &t->v4, addr, 4, prefix, weight, owner, owner_name);
}

int
route_add_v6(struct route_table *t, const uint8_t addr[16], int prefix,
    int weight, uint32_t owner, const char *owner_name)
{
	if (prefix < 0 || prefix > 128) {
		errno = EINVAL;
		return -1;
	}
	return vec_add(t, &t->v6, addr, 16, prefix, weight, owner, owner_name);
}

int
route_del_mac(struct route_table *t, const uint8_t mac[6], int weight,
    uint32_t owner)
{
	return vec_del(t, &t->mac, mac, 6, 48, weight, owner);
}

int
route_del_v4(struct route_table *t, const uint8_t addr[4], int prefix,
    int weight, uint32_t owner)
{
	if (prefix < 0 || prefix > 32) {
		errno = ENOENT;
		return -1;
	}
	return vec_del(t, &t->v4, addr, 4, prefix, weight, owner);
}

int
route_del_v6(struct route_table *t, const uint8_t addr[16], int prefix,
    int weight, uint32_t owner)
{
	if (prefix < 0 || prefix > 128) {
		errno = ENOENT;
		return -1;
	}
	return vec_del(t, &t->v6, addr, 16, prefix, weight, owner);
}

size_t
route_del_owner(struct route_table *t, uint32_t owner)
{
	size_t	 n;

	n = vec_del_owner(&t->mac, owner);
	n += vec_del_owner(&t->v4, owner);
	n += vec_del_owner(&t->v6, owner);
	t->count -= n;
	return n;
}

int
route_lookup_mac(const struct route_table *t, const uint8_t mac[6],
    route_reachable_fn reachable, void *arg, uint32_t *owner)
{
	return vec_lookup(&t->mac, mac, 6, 48, reachable, arg, owner);
}

int
route_lookup_v4(const struct route_table *t, const uint8_t addr[4],
    route_reachable_fn reachable, void *arg, uint32_t *owner)
{
	return vec_lookup(&t->v4, addr, 4, 32, reachable, arg, owner);
}

int
route_lookup_v6(const struct route_table *t, const uint8_t addr[16],
    route_reachable_fn reachable, void *arg, uint32_t *owner)
{
	return vec_lookup(&t->v6, addr, 16, 128, reachable, arg, owner);
}

/* ---- classification ----------------------------------------------------- */

int
route_parse(const uint8_t *f, size_t len, struct frame_info *fi)
{
	const uint8_t	*ip = f + ROUTE_ETH_HLEN;
	size_t		 ihl;
	static const uint8_t bcast[4] = { 0xff, 0xff, 0xff, 0xff };

	memset(fi, 0, sizeof(*fi));
	if (len < ROUTE_ETH_HLEN)
		return -1;
	switch (get16(f + 12)) {
	case ROUTE_ETHERTYPE_ARP:
		fi->type = FRAME_ARP;
		return 0;
	case ROUTE_ETHERTYPE_IPV4:
		if (len < ROUTE_ETH_HLEN + 20 || ip[0] >> 4 != 4)
			return -1;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		if (ihl < 20 || ROUTE_ETH_HLEN + ihl > len)
			return -1;
		fi->type = FRAME_IPV4;
		memcpy(fi->dst, ip + IP4_DST, 4);
		fi->broadcast = (ip[IP4_DST] >= 224 && ip[IP4_DST] <= 239) ||
		    memcmp(ip + IP4_DST, bcast, 4) == 0;
		fi->df = (ip[6] & 0x40) != 0;
		fi->priority = ip[1];
		return 0;
	case ROUTE_ETHERTYPE_IPV6:
		if (len < ROUTE_ETH_HLEN + 40 || ip[0] >> 4 != 6)
			return -1;
		fi->type = FRAME_IPV6;
		memcpy(fi->dst, ip + IP6_DST, 16);
		fi->broadcast = ip[IP6_DST] == 0xff;
		fi->ns = ip[IP6_NXT] == IPPROTO_ICMP6 &&
		    len >= ROUTE_ETH_HLEN + 48 && ip[40] == ND_SOLICIT;
		fi->priority = (uint8_t)(ip[0] << 4 | ip[1] >> 4);
		return 0;
	default:
		fi->type = FRAME_OTHER;
		return 0;
	}
}

int
route_eth_multicast(const uint8_t *f, size_t len)
{
	return len >= ROUTE_ETH_HLEN && (f[0] & 0x01);
}

/* ---- ARP and neighbour discovery proxy ---------------------------------- */

/*
 * ARP request for IPv4 over Ethernet: 14 Ethernet, then htype 2, ptype 2,
 * hlen 1, plen 1, op 2, sender MAC 6 (22), sender IP 4 (28), target MAC 6
 * (32), target IP 4 (38); 42 bytes in all.
 */
int
route_arp_request(const uint8_t *f, size_t len, uint8_t target[4])
{
	if (len < 42 || get16(f + 12) != ROUTE_ETHERTYPE_ARP)
		return -1;
	if (get16(f + 14) != 1 || get16(f + 16) != ROUTE_ETHERTYPE_IPV4 ||
	    f[18] != 6 || f[19] != 4 || get16(f + 20) != 1)
		return -1;
	memcpy(target, f + 38, 4);
	return 0;
}

int
route_arp_reply(uint8_t *f, size_t len)
{
	uint8_t	 target[4], spa[4], sha[6], fake[6];

	if (route_arp_request(f, len, target) == -1)
		return -1;
	memcpy(fake, f + 6, 6);
	fake[5] ^= 0xff;
	memcpy(sha, f + 22, 6);
	memcpy(spa, f + 28, 4);

	memcpy(f, f + 6, 6);		/* back to the asker */
	memcpy(f + 6, fake, 6);
	put16(f + 20, 2);		/* reply */
	memcpy(f + 22, fake, 6);
	memcpy(f + 28, target, 4);
	memcpy(f + 32, sha, 6);
	memcpy(f + 38, spa, 4);
	return 0;
}

/*
 * Neighbour solicitation: IPv6 header at 14, ICMPv6 at 54 (type, code,
 * checksum, 4 reserved), target at 62, optional source link-layer address
 * option at 78 (type 1, length 1, MAC) ending at 86.
 */
int
route_ns_request(const uint8_t *f, size_t len, uint8_t target[16])
{
	const uint8_t	*ip = f + ROUTE_ETH_HLEN;
	size_t		 icmplen;

	if (len < 78 || get16(f + 12) != ROUTE_ETHERTYPE_IPV6 ||
	    ip[0] >> 4 != 6 || ip[IP6_NXT] != IPPROTO_ICMP6 ||
	    f[54] != ND_SOLICIT)
		return -1;
	icmplen = 24;
	if (len >= 86) {
		if (f[78] != 1)
			return -1;
		icmplen = 32;
	}
	if (csum_icmp6(ip + IP6_SRC, ip + IP6_DST, f + 54, icmplen) != 0)
		return -1;
	memcpy(target, f + 62, 16);
	return 0;
}

int
route_ns_advert(uint8_t *f, size_t len)
{
	uint8_t	*ip = f + ROUTE_ETH_HLEN;
	uint8_t	 target[16], fake[6];
	size_t	 icmplen;

	if (route_ns_request(f, len, target) == -1)
		return -1;
	icmplen = len >= 86 ? 32 : 24;
	memcpy(fake, f + 6, 6);
	fake[5] ^= 0xff;

	memcpy(f, f + 6, 6);
	memcpy(f + 6, fake, 6);
	memcpy(ip + IP6_DST, ip + IP6_SRC, 16);
	memcpy(ip + IP6_SRC, target, 16);
	f[54] = ND_ADVERT;
	put16(f + 56, 0);
	put32(f + 58, 0x40000000);	/* solicited */
	if (icmplen == 32) {
		f[78] = 2;		/* target link-layer address */
		memcpy(f + 80, fake, 6);
	}
	put16(f + 56, csum_icmp6(ip + IP6_SRC, ip + IP6_DST, f + 54, icmplen));
	return 0;
}

/* ---- ICMP errors -------------------------------------------------------- */

int
route_icmp_allowed(struct route_ratelimit *rl, time_t now)
{
	if (rl->second != now) {
		rl->second = now;
		rl->count = 0;
	}
	if (rl->count >= ROUTE_ICMP_RATE)
		return 0;
	rl->count++;
	return 1;
}

/* Copy the layer 2 header of in to out with the MACs swapped. */
static void
l2_swap(const uint8_t *in, uint8_t *out, size_t l2)
{
	uint8_t	 dst[6], src[6];

	memcpy(dst, in, 6);
	memcpy(src, in + 6, 6);
	if (out != in)
		memcpy(out + 12, in + 12, l2 - 12);
	memcpy(out, src, 6);
	memcpy(out + 6, dst, 6);
}

size_t
route_icmp4(const uint8_t *in, size_t inlen, uint8_t *out, size_t outsize,
    uint8_t type, uint8_t code, uint16_t mtu, const uint8_t src[4])
{
	uint8_t		 osrc[4], odst[4], *ip, *icmp;
	uint16_t	 l3type;
	size_t		 l2, quote, total;

	if ((l2 = l2_header(in, inlen, &l3type)) == 0 ||
	    l3type != ROUTE_ETHERTYPE_IPV4 || inlen < l2 + 20 ||
	    in[l2] >> 4 != 4)
		return 0;
	quote = inlen - l2;
	if (quote > ROUTE_ICMP4_QUOTE)
		quote = ROUTE_ICMP4_QUOTE;
	total = l2 + 20 + 8 + quote;
	if (outsize < total)
		return 0;

	memcpy(osrc, in + l2 + IP4_SRC, 4);
	memcpy(odst, in + l2 + IP4_DST, 4);
	memmove(out + l2 + 28, in + l2, quote);
	l2_swap(in, out, l2);

	ip = out + l2;
	memset(ip, 0, 28);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + quote));
	ip[IP4_TTL] = 255;
	ip[IP4_PROTO] = IPPROTO_ICMP4;
	memcpy(ip + IP4_SRC, src != NULL ? src : odst, 4);
	memcpy(ip + IP4_DST, osrc, 4);
	put16(ip + IP4_CSUM, csum_fold(csum_add(0, ip, 20)));

	icmp = ip + 20;
	icmp[0] = type;
	icmp[1] = code;
	if (type == ICMP4_DEST_UNREACH && code == ICMP4_FRAG_NEEDED)
		put16(icmp + 6, mtu);
	put16(icmp + 2, csum_fold(csum_add(0, icmp, 8 + quote)));
	return total;
}

size_t
route_icmp6(const uint8_t *in, size_t inlen, uint8_t *out, size_t outsize,
    uint8_t type, uint8_t code, uint32_t mtu, const uint8_t src[16])
{
	uint8_t		 osrc[16], odst[16], *ip, *icmp;
	uint16_t	 l3type;
	size_t		 l2, quote, total;

	if ((l2 = l2_header(in, inlen, &l3type)) == 0 ||
	    l3type != ROUTE_ETHERTYPE_IPV6 || inlen < l2 + 40 ||
	    in[l2] >> 4 != 6)
		return 0;
	quote = inlen - l2;
	if (quote > ROUTE_ICMP6_QUOTE)
		quote = ROUTE_ICMP6_QUOTE;
	total = l2 + 40 + 8 + quote;
	if (outsize < total)
		return 0;

	memcpy(osrc, in + l2 + IP6_SRC, 16);
	memcpy(odst, in + l2 + IP6_DST, 16);
	memmove(out + l2 + 48, in + l2, quote);
	l2_swap(in, out, l2);

	ip = out + l2;
	memset(ip, 0, 48);
	ip[0] = 0x60;
	put16(ip + IP6_PLEN, (uint16_t)(8 + quote));
	ip[IP6_NXT] = IPPROTO_ICMP6;
	ip[IP6_HLIM] = 255;
	memcpy(ip + IP6_SRC, src != NULL ? src : odst, 16);
	memcpy(ip + IP6_DST, osrc, 16);

	icmp = ip + 40;
	icmp[0] = type;
	icmp[1] = code;
	if (type == ICMP6_PACKET_TOO_BIG)
		put32(icmp + 4, mtu);
	put16(icmp + 2, csum_icmp6(ip + IP6_SRC, ip + IP6_DST, icmp,
	    8 + quote));
	return total;
}

/* ---- DecrementTTL ------------------------------------------------------- */

static int
ttl_ipv4(uint8_t *ip, size_t l3len)
{
	size_t		 ihl;
	uint16_t	 old, new;

	if (l3len < 20)
		return ROUTE_TTL_DROP;
	if (ip[IP4_TTL] <= 1) {
		/* no time exceeded about a time exceeded */
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		if (ip[IP4_PROTO] == IPPROTO_ICMP4 && ihl >= 20 &&
		    l3len > ihl && ip[ihl] == ICMP4_TIME_EXCEEDED)
			return ROUTE_TTL_DROP;
		return ROUTE_TTL_EXPIRED;
	}
	old = get16(ip + IP4_TTL);
	ip[IP4_TTL]--;
	new = get16(ip + IP4_TTL);
	put16(ip + IP4_CSUM, csum_update(get16(ip + IP4_CSUM), old, new, 0));
	return ROUTE_TTL_OK;
}

static int
ttl_ipv6(uint8_t *ip, size_t l3len)
{
	if (l3len < 40)
		return ROUTE_TTL_DROP;
	if (ip[IP6_HLIM] <= 1) {
		if (ip[IP6_NXT] == IPPROTO_ICMP6 && l3len > 40 &&
		    ip[40] == ICMP6_TIME_EXCEEDED)
			return ROUTE_TTL_DROP;
		return ROUTE_TTL_EXPIRED;
	}
	ip[IP6_HLIM]--;
	return ROUTE_TTL_OK;
}

int
route_decrement_ttl(uint8_t *f, size_t len)
{
	uint16_t	 type;
	size_t		 l2;

	if ((l2 = l2_header(f, len, &type)) == 0)
		return ROUTE_TTL_DROP;
	switch (type) {
	case ROUTE_ETHERTYPE_IPV4:
		return ttl_ipv4(f + l2, len - l2);
	case ROUTE_ETHERTYPE_IPV6:
		return ttl_ipv6(f + l2, len - l2);
	default:
		return ROUTE_TTL_OK;
	}
}

/* ---- ClampMSS ----------------------------------------------------------- */

/* Offset of the TCP header in the frame, or 0 when there is none. */
static size_t
tcp_offset(const uint8_t *f, size_t len)
{
	uint16_t	 type;
	size_t		 l2, ihl;

	if ((l2 = l2_header(f, len, &type)) == 0)
		return 0;
	if (type == ROUTE_ETHERTYPE_IPV4) {
		if (len < l2 + 20 || f[l2] >> 4 != 4 ||
		    f[l2 + IP4_PROTO] != IPPROTO_TCP_)
			return 0;
		/* later fragments carry no TCP header */
		if ((get16(f + l2 + 6) & 0x1fff) != 0)
			return 0;
		ihl = (size_t)(f[l2] & 0x0f) * 4;
		if (ihl < 20)
			return 0;
		return l2 + ihl;
	}
	if (type == ROUTE_ETHERTYPE_IPV6) {
		if (len < l2 + 40 || f[l2 + IP6_NXT] != IPPROTO_TCP_)
			return 0;
		return l2 + 40;
	}
	return 0;
}

int
route_clamp_mss(uint8_t *f, size_t len, int mtu)
{
	uint8_t		*opt;
	size_t		 off, optlen, i, olen;
	uint16_t	 oldmss, csum;
	long		 newmss;

	if ((off = tcp_offset(f, len)) == 0 || len <= off + 20)
		return 0;
	if ((f[off + 12] >> 4) <= 5)
		return 0;
	optlen = (size_t)((f[off + 12] >> 4) - 5) * 4;
	if (len < off + 20 + optlen)
		return 0;
	opt = f + off + 20;

	for (i = 0; i < optlen; i += olen) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			olen = 1;
			continue;
		}
		if (i + 1 >= optlen)
			break;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > optlen)
			break;
		if (opt[i] != 2)
			continue;
		if (olen != 4)
			break;
		newmss = (long)mtu - (long)off - 20;
		oldmss = get16(opt + i + 2);
		if (newmss <= 0 || oldmss <= newmss)
			break;
		put16(opt + i + 2, (uint16_t)newmss);
		csum = csum_update(get16(f + off + 16), oldmss,
		    (uint16_t)newmss, (int)((20 + i + 2) & 1));
		put16(f + off + 16, csum);
		return 1;
	}
	return 0;
}

/* ---- IPv4 fragmentation ------------------------------------------------- */

int
route_fragment_v4(const uint8_t *f, size_t len, int mtu, uint8_t *out,
    size_t fragsize, size_t nfrags, size_t *lens)
{
	const uint8_t	*ip;
	uint8_t		*frag;
	uint16_t	 type, fo, keep, mf, offset;
	size_t		 l2, maxlen, todo, pos, piece, n;
	long		 room;

	if ((l2 = l2_header(f, len, &type)) == 0 ||
	    type != ROUTE_ETHERTYPE_IPV4 || len < l2 + 20)
		return -1;
	ip = f + l2;
	if (ip[0] != 0x45 || get16(ip + 2) != len - l2)
		return -1;
	if (mtu < 590)
		mtu = 590;
	room = ((long)mtu - (long)l2 - 20) & ~7L;
	if (room <= 0)
		return -1;
	maxlen = (size_t)room;

	fo = get16(ip + 6);
	offset = fo & 0x1fff;
	mf = fo & 0x2000;
	keep = fo & 0xc000;
	todo = len - l2 - 20;
	for (pos = 0, n = 0; todo > 0; n++) {
		piece = todo > maxlen ? maxlen : todo;
		if (n >= nfrags || fragsize < l2 + 20 + piece ||
		    offset + pos / 8 > 0x1fff)
			return -1;
		frag = out + n * fragsize;
		memcpy(frag, f, l2 + 20);
		memcpy(frag + l2 + 20, ip + 20 + pos, piece);
		put16(frag + l2 + 2, (uint16_t)(20 + piece));
		put16(frag + l2 + 6, (uint16_t)(keep |
		    (todo > piece ? 0x2000 : mf) | (offset + pos / 8)));
		put16(frag + l2 + IP4_CSUM, 0);
		put16(frag + l2 + IP4_CSUM,
		    csum_fold(csum_add(0, frag + l2, 20)));
		lens[n] = l2 + 20 + piece;
		pos += piece;
		todo -= piece;
	}
	return (int)n;
}

/* ---- learned MACs ------------------------------------------------------- */

static size_t
mac_hash(const struct mac_table *mt, const uint8_t *mac)
{
	uint32_t	 h = mt->seed ^ 2166136261u;
	int		 i;

	for (i = 0; i < 6; i++) {
		h ^= mac[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h & (mt->nslots - 1);
}

static size_t
mac_slot(const struct mac_table *mt, const uint8_t *mac)
{
	size_t	 i = mac_hash(mt, mac);

	/* load stays <= 1/2, so an empty slot always ends the probe */
	while (mt->slot[i].used && memcmp(mt->slot[i].mac, mac, 6) != 0)
		i = (i + 1) & (mt->nslots - 1);
	return i;
}

int
mac_table_init(struct mac_table *mt, size_t max)
{
	size_t	 n = 8;

	memset(mt, 0, sizeof(*mt));
	mt->max = max ? max : MAC_TABLE_DEFAULT;
	if (mt->max > SIZE_MAX / 4 / sizeof(*mt->slot)) {
		errno = EINVAL;
		return -1;
	}
	while (n < 2 * mt->max)
		n *= 2;
	if ((mt->slot = calloc(n, sizeof(*mt->slot))) == NULL)
		return -1;
	mt->nslots = n;
	mt->seed = arc4random();
	return 0;
}

void
mac_table_free(struct mac_table *mt)
{
	free(mt->slot);
	memset(mt, 0, sizeof(*mt));
}

int
mac_table_learn(struct mac_table *mt, const uint8_t mac[6], time_t now,
    time_t lifetime)
{
	size_t	 i;

	/* a group address as source is bogus; learning it would pull
	 * every broadcast of the VPN to us */
	if (mac[0] & 0x01)
		return 0;
	i = mac_slot(mt, mac);
	if (mt->slot[i].used) {
		mt->slot[i].expires = now + lifetime;
		return 0;
	}
	if (mt->count >= mt->max)
		return -1;
	memcpy(mt->slot[i].mac, mac, 6);
	mt->slot[i].used = 1;
	mt->slot[i].expires = now + lifetime;
	mt->count++;
	return 1;
}

int
mac_table_has(const struct mac_table *mt, const uint8_t mac[6])
{
	return mt->slot[mac_slot(mt, mac)].used;
}

int
mac_table_handoff(struct mac_table *mt, const uint8_t mac[6], time_t now)
{
	size_t	 i = mac_slot(mt, mac);

	if (!mt->slot[i].used)
		return 0;
	mt->slot[i].expires = now;
	return 1;
}

/* Remove slot i, moving later members of its cluster back (no tombstones). */
static void
mac_remove(struct mac_table *mt, size_t i)
{
	size_t	 mask = mt->nslots - 1, j, home;

	mt->slot[i].used = 0;
	mt->count--;
	for (j = (i + 1) & mask; mt->slot[j].used; j = (j + 1) & mask) {
		home = mac_hash(mt, mt->slot[j].mac);
		/* move j to i unless its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		mt->slot[i] = mt->slot[j];
		mt->slot[j].used = 0;
		i = j;
	}
}

size_t
mac_table_expire(struct mac_table *mt, time_t now, uint8_t (*out)[6],
    size_t maxout)
{
	size_t	 i = 0, n = 0;

	while (i < mt->nslots && n < maxout) {
		if (!mt->slot[i].used || mt->slot[i].expires > now) {
			i++;
			continue;
		}
		memcpy(out[n++], mt->slot[i].mac, 6);
		mac_remove(mt, i);	/* slot i may hold another entry now */
	}
	return n;
}
