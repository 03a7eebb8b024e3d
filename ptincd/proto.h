/*
 * tinc 1.0 meta protocol (protocol 17): request lines.
 *
 * A meta line is parsed once, here, into a plain struct; the handlers never
 * look at the text again (except to relay flooded lines verbatim).  Parsing
 * follows tincd 1.0.36's scanf-like field splitting (whitespace separated
 * fields, trailing extra fields ignored) but is strict on the fields
 * themselves: numbers must be complete and in range, names valid, hex
 * fields hex.  Formatting produces exactly what tincd 1.0.36 sends.
 *
 * Neither parser nor formatter handles the LF: the caller strips it before
 * parsing and appends it after formatting.
 */
#ifndef PTINC_PROTO_H
#define PTINC_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "ptinc.h"

#define PROTO_MAX_STRING	2048	/* longest field */
#define PROTO_MAX_LINE		2175	/* longest line, without the LF */
#define PROTO_MAX_ADDR		46	/* numeric IPv6 address + NUL */
#define PROTO_MAX_PORT		6	/* "65535" + NUL */

/* Request numbers; 5, 6 and 7 are reserved and never accepted or sent. */
enum req_type {
	REQ_ID = 0,
	REQ_METAKEY,
	REQ_CHALLENGE,
	REQ_CHAL_REPLY,
	REQ_ACK,
	REQ_STATUS,
	REQ_ERROR,
	REQ_TERMREQ,
	REQ_PING,
	REQ_PONG,
	REQ_ADD_SUBNET,
	REQ_DEL_SUBNET,
	REQ_ADD_EDGE,
	REQ_DEL_EDGE,
	REQ_KEY_CHANGED,
	REQ_REQ_KEY,
	REQ_ANS_KEY,
	REQ_PACKET,
	REQ_MAX
};

/* ACK and edge option bits; the top byte is a tinc 1.1 minor version. */
#define OPTION_INDIRECT		0x0001
#define OPTION_TCPONLY		0x0002
#define OPTION_PMTU_DISCOVERY	0x0004
#define OPTION_CLAMP_MSS	0x0008
#define OPTION_VERSION(x)	((uint32_t)(x) >> 24)	/* 1.1 minor */

/* 0 alpha 17  (tinc 1.1 sends 17.7) */
struct req_id {
	char		 name[MAX_NAME_LEN + 1];
	int		 major;
	int		 minor;		/* -1 when absent */
};

/* 1 429 672 0 0 <hex> */
struct req_metakey {
	int		 cipher;	/* NID */
	int		 digest;	/* NID */
	int		 maclength;
	int		 compression;
	char		 key[PROTO_MAX_STRING + 1];	/* hex, not decoded */
};

/* 2 <hex> and 3 <hex> */
struct req_hex {
	char		 hex[PROTO_MAX_STRING + 1];	/* not decoded */
};

/* 4 655 2 c */
struct req_ack {
	char		 port[PROTO_MAX_PORT];	/* decimal, 0..65535 */
	int		 weight;
	uint32_t	 options;
};

/* 10/11 <nonce> <owner> <subnet>; the subnet is left to subnet.c */
struct req_subnet {
	uint32_t	 nonce;
	char		 owner[MAX_NAME_LEN + 1];
	char		 subnet[PROTO_MAX_STRING + 1];
};

/* 12 <nonce> <from> <to> <address> <port> <options> <weight> */
struct req_add_edge {
	uint32_t	 nonce;
	char		 from[MAX_NAME_LEN + 1];
	char		 to[MAX_NAME_LEN + 1];
	char		 address[PROTO_MAX_STRING + 1];	/* raw, any text */
	char		 port[PROTO_MAX_STRING + 1];	/* raw */
	uint32_t	 options;
	int		 weight;
};

/* 13 <nonce> <from> <to> */
struct req_del_edge {
	uint32_t	 nonce;
	char		 from[MAX_NAME_LEN + 1];
	char		 to[MAX_NAME_LEN + 1];
};

/* 14 <nonce> <name> */
struct req_key_changed {
	uint32_t	 nonce;
	char		 name[MAX_NAME_LEN + 1];
};

/* 15 <from> <to> [tinc 1.1 extension, kept raw for relaying] */
struct req_req_key {
	char		 from[MAX_NAME_LEN + 1];
	char		 to[MAX_NAME_LEN + 1];
	char		 ext[PROTO_MAX_LINE + 1];	/* "" when absent */
};

/*
 * 16 <from> <to> <key> <cipher> <digest> <maclength> <compression>
 *    [<address> <port>]
 * The key and the numbers are as sent: tinc 1.1 relays SPTPS lines with a
 * base64 key and -1 numbers through us.  lcrypto.c validates them for use.
 */
struct req_ans_key {
	char		 from[MAX_NAME_LEN + 1];
	char		 to[MAX_NAME_LEN + 1];
	char		 key[PROTO_MAX_STRING + 1];
	int		 cipher;
	int		 digest;
	int		 maclength;
	int		 compression;
	int		 has_address;
	char		 address[PROTO_MAX_ADDR];	/* numeric only */
	char		 port[PROTO_MAX_PORT];		/* 1..65535 */
};

/* 17 <length>, followed by length raw bytes */
struct req_packet {
	uint16_t	 len;		/* 1..MTU */
};

struct proto_msg {
	enum req_type	 type;
	int		 nfields;	/* fields, the request number too */
	union {
		struct req_id		 id;
		struct req_metakey	 metakey;
		struct req_hex		 challenge;
		struct req_hex		 chal_reply;
		struct req_ack		 ack;
		struct req_subnet	 subnet;	/* ADD_/DEL_SUBNET */
		struct req_add_edge	 add_edge;
		struct req_del_edge	 del_edge;
		struct req_key_changed	 key_changed;
		struct req_req_key	 req_key;
		struct req_ans_key	 ans_key;
		struct req_packet	 packet;
	};
};

const char	*proto_req_name(int);
int		 proto_req_type(const char *line, const char **reason);
int		 proto_parse(const char *line, struct proto_msg *,
		    const char **reason);
int		 proto_format(char *buf, size_t bufsz,
		    const struct proto_msg *);

#endif
