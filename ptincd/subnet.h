/*
 * tinc subnets: the MAC, IPv4 and IPv6 destinations a node owns.
 *
 * A struct subnet is a plain value (no pointers), zeroed where unused, so
 * it may be compared, copied and serialised field by field.
 */
#ifndef PTINC_SUBNET_H
#define PTINC_SUBNET_H

#include <stddef.h>
#include <stdint.h>

#define SUBNET_DEFAULT_WEIGHT	10
#define SUBNET_MAX_INPUT	1023	/* longer strings are refused */
#define SUBNET_STRLEN		64	/* longest printed form, with NUL */

enum subnet_type {
	SUBNET_MAC = 0,
	SUBNET_IPV4 = 1,
	SUBNET_IPV6 = 2,
};

struct subnet {
	enum subnet_type	 type;
	int			 prefixlen;	/* v4 0..32, v6 0..128, MAC 48 */
	int			 weight;	/* lower is preferred */
	union {
		uint8_t		 mac[6];
		uint8_t		 ipv4[4];
		uint8_t		 ipv6[16];	/* network byte order */
	} net;
};

/*
 * Parse the text form tinc 1.0.36 and 1.1 exchange and write in host
 * files: "addr[/prefix][#weight]".  0 on success, -1 if invalid.
 * Host bits beyond the prefix are accepted here (the wire allows them).
 */
int	 subnet_parse(const char *, struct subnet *);

/* Host files must not set host bits: -1 if they are set. */
int	 subnet_check_config(const struct subnet *);

/*
 * 1.0.36's print form: "a.b.c.d/p", eight "%x" groups "/p", or six "%x"
 * MAC groups, then "#weight" if with_weight is set (the SUBNET script
 * variable has no weight).  Returns the length of the whole string, as
 * snprintf does; the output is truncated (and NUL terminated) if the
 * buffer is too small.
 */
size_t	 subnet_format(const struct subnet *, char *, size_t, int with_weight);

/*
 * Total order for trees and for the order subnets are announced in:
 * type (MAC < IPv4 < IPv6), then prefix length, longest first, then the
 * address bytes, then weight, lowest first.  0 only for identical values.
 * Callers that key by owner compare the owner's name after this.
 */
int	 subnet_cmp(const struct subnet *, const struct subnet *);

/* Does the subnet cover this address?  Only the prefix bits count. */
int	 subnet_contains_mac(const struct subnet *, const uint8_t [6]);
int	 subnet_contains_v4(const struct subnet *, const uint8_t [4]);
int	 subnet_contains_v6(const struct subnet *, const uint8_t [16]);

#endif
