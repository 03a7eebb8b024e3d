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

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

#define MAX_FIELDS	12	/* fields remembered; more are counted only */

/* A line cut into fields; the fields point into the caller's line. */
struct fields {
	const char	*line;
	int		 n;
	const char	*f[MAX_FIELDS];
	size_t		 len[MAX_FIELDS];
};

struct req_desc {
	const char	*name;
	int		 minfields;	/* including the request number */
	int		(*parse)(const struct fields *, struct proto_msg *,
			    const char **);
	int		(*format)(char *, size_t, const struct proto_msg *);
};

static int	 parse_id(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_metakey(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_challenge(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_chal_reply(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_ack(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_none(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_subnet(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_add_edge(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_del_edge(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_key_changed(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_req_key(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_ans_key(const struct fields *, struct proto_msg *,
		    const char **);
static int	 parse_packet(const struct fields *, struct proto_msg *,
		    const char **);

static int	 format_id(char *, size_t, const struct proto_msg *);
static int	 format_metakey(char *, size_t, const struct proto_msg *);
static int	 format_challenge(char *, size_t, const struct proto_msg *);
static int	 format_chal_reply(char *, size_t, const struct proto_msg *);
static int	 format_ack(char *, size_t, const struct proto_msg *);
static int	 format_none(char *, size_t, const struct proto_msg *);
static int	 format_subnet(char *, size_t, const struct proto_msg *);
static int	 format_add_edge(char *, size_t, const struct proto_msg *);
static int	 format_del_edge(char *, size_t, const struct proto_msg *);
static int	 format_key_changed(char *, size_t, const struct proto_msg *);
static int	 format_req_key(char *, size_t, const struct proto_msg *);
static int	 format_ans_key(char *, size_t, const struct proto_msg *);
static int	 format_packet(char *, size_t, const struct proto_msg *);

static const struct req_desc	 reqs[REQ_MAX] = {
	[REQ_ID] = { "ID", 3, parse_id, format_id },
	[REQ_METAKEY] = { "METAKEY", 6, parse_metakey, format_metakey },
	[REQ_CHALLENGE] = { "CHALLENGE", 2, parse_challenge,
	    format_challenge },
	[REQ_CHAL_REPLY] = { "CHAL_REPLY", 2, parse_chal_reply,
	    format_chal_reply },
	[REQ_ACK] = { "ACK", 4, parse_ack, format_ack },
	[REQ_STATUS] = { "STATUS", 0, NULL, NULL },
	[REQ_ERROR] = { "ERROR", 0, NULL, NULL },
	[REQ_TERMREQ] = { "TERMREQ", 0, NULL, NULL },
	[REQ_PING] = { "PING", 1, parse_none, format_none },
	[REQ_PONG] = { "PONG", 1, parse_none, format_none },
	[REQ_ADD_SUBNET] = { "ADD_SUBNET", 4, parse_subnet, format_subnet },
	[REQ_DEL_SUBNET] = { "DEL_SUBNET", 4, parse_subnet, format_subnet },
	[REQ_ADD_EDGE] = { "ADD_EDGE", 8, parse_add_edge, format_add_edge },
	[REQ_DEL_EDGE] = { "DEL_EDGE", 4, parse_del_edge, format_del_edge },
	[REQ_KEY_CHANGED] = { "KEY_CHANGED", 3, parse_key_changed,
	    format_key_changed },
	[REQ_REQ_KEY] = { "REQ_KEY", 3, parse_req_key, format_req_key },
	[REQ_ANS_KEY] = { "ANS_KEY", 8, parse_ans_key, format_ans_key },
	[REQ_PACKET] = { "PACKET", 2, parse_packet, format_packet },
};

/* Field separators: what scanf's whitespace matches in the C locale. */
static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\r';
}

static int
is_printable(char c)
{
	return (unsigned char)c >= 0x21 && (unsigned char)c <= 0x7e;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
split_line(const char *line, struct fields *fl, const char **reason)
{
	const char	*p, *start;
	size_t		 len;

	memset(fl, 0, sizeof(*fl));
	fl->line = line;
	if (strnlen(line, PROTO_MAX_LINE + 1) > PROTO_MAX_LINE) {
		*reason = "line too long";
		return -1;
	}
	for (p = line;;) {
		while (is_sep(*p))
			p++;
		if (*p == '\0')
			break;
		for (start = p; *p != '\0' && !is_sep(*p); p++) {
			if (!is_printable(*p)) {
				*reason = "invalid character";
				return -1;
			}
		}
		len = p - start;
		if (len > PROTO_MAX_STRING) {
			*reason = "field too long";
			return -1;
		}
		if (fl->n < MAX_FIELDS) {
			fl->f[fl->n] = start;
			fl->len[fl->n] = len;
		}
		fl->n++;
	}
	if (fl->n == 0) {
		*reason = "empty line";
		return -1;
	}
	return 0;
}

/* A complete decimal integer in [min, max]; '-' only when min < 0. */
static int
get_int(const struct fields *fl, int i, int min, int max, int *out)
{
	const char	*s = fl->f[i];
	size_t		 len = fl->len[i], k = 0;
	long long	 v = 0;
	int		 neg = 0;

	if (s[0] == '-' && min < 0) {
		neg = 1;
		k = 1;
	}
	if (k == len)
		return -1;
	for (; k < len; k++) {
		if (!is_digit(s[k]))
			return -1;
		v = v * 10 + (s[k] - '0');
		if (v > (long long)INT_MAX + 1)
			return -1;
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* %x as tinc prints it: 1 to 8 hex digits, either case. */
static int
get_hex32(const struct fields *fl, int i, uint32_t *out)
{
	const char	*s = fl->f[i];
	size_t		 len = fl->len[i], k;
	uint32_t	 v = 0;
	int		 d;

	if (len == 0 || len > 8)
		return -1;
	for (k = 0; k < len; k++) {
		if ((d = hex_digit((unsigned char)s[k])) == -1)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

static int
get_str(const struct fields *fl, int i, char *dst, size_t dstsz)
{
	if (fl->len[i] >= dstsz)
		return -1;
	memcpy(dst, fl->f[i], fl->len[i]);
	dst[fl->len[i]] = '\0';
	return 0;
}

static int
get_name(const struct fields *fl, int i, char *dst)
{
	if (get_str(fl, i, dst, MAX_NAME_LEN + 1) == -1)
		return -1;
	return valid_name(dst) ? 0 : -1;
}

/* An even number of hex digits, at least two. */
static int
get_hexstr(const struct fields *fl, int i, char *dst, size_t dstsz)
{
	size_t	 k;

	if (fl->len[i] % 2 != 0)
		return -1;
	for (k = 0; k < fl->len[i]; k++)
		if (hex_digit((unsigned char)fl->f[i][k]) == -1)
			return -1;
	return get_str(fl, i, dst, dstsz);
}

/* Decimal port; zero allowed only when allow0. */
static int
get_port(const struct fields *fl, int i, int allow0, char *dst)
{
	int	 port;

	if (fl->len[i] >= PROTO_MAX_PORT ||
	    get_int(fl, i, allow0 ? 0 : 1, 65535, &port) == -1)
		return -1;
	return get_str(fl, i, dst, PROTO_MAX_PORT);
}

static int
get_numeric_addr(const struct fields *fl, int i, char *dst)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (get_str(fl, i, dst, PROTO_MAX_ADDR) == -1)
		return -1;
	if (inet_pton(AF_INET, dst, &a4) == 1 ||
	    inet_pton(AF_INET6, dst, &a6) == 1)
		return 0;
	return -1;
}

static int
parse_id(const struct fields *fl, struct proto_msg *m, const char **reason)
{
	struct req_id	*r = &m->id;
	const char	*s = fl->f[2];
	size_t		 len = fl->len[2], k;
	int		 v;

	if (get_name(fl, 1, r->name) == -1) {
		*reason = "invalid name";
		return -1;
	}
	/* "17" or "17.<minor>", both parts plain decimal */
	r->major = r->minor = -1;
	for (k = 0, v = 0; k < len && is_digit(s[k]); k++)
		if ((v = v * 10 + (s[k] - '0')) > 65535)
			goto bad;
	if (k == 0)
		goto bad;
	r->major = v;
	if (k == len)
		return 0;
	if (s[k++] != '.' || k == len)
		goto bad;
	for (v = 0; k < len; k++) {
		if (!is_digit(s[k]) || (v = v * 10 + (s[k] - '0')) > 65535)
			goto bad;
	}
	r->minor = v;
	return 0;
 bad:
	*reason = "invalid version";
	return -1;
}

static int
parse_metakey(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	struct req_metakey	*r = &m->metakey;

	if (get_int(fl, 1, 0, INT_MAX, &r->cipher) == -1 ||
	    get_int(fl, 2, 0, INT_MAX, &r->digest) == -1 ||
	    get_int(fl, 3, 0, INT_MAX, &r->maclength) == -1 ||
	    get_int(fl, 4, 0, INT_MAX, &r->compression) == -1) {
		*reason = "invalid number";
		return -1;
	}
	if (get_hexstr(fl, 5, r->key, sizeof(r->key)) == -1) {
		*reason = "invalid hex";
		return -1;
	}
	return 0;
}

static int
parse_challenge(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	if (get_hexstr(fl, 1, m->challenge.hex,
	    sizeof(m->challenge.hex)) == -1) {
		*reason = "invalid hex";
		return -1;
	}
	return 0;
}

static int
parse_chal_reply(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	if (get_hexstr(fl, 1, m->chal_reply.hex,
	    sizeof(m->chal_reply.hex)) == -1) {
		*reason = "invalid hex";
		return -1;
	}
	return 0;
}

static int
parse_ack(const struct fields *fl, struct proto_msg *m, const char **reason)
{
	struct req_ack	*r = &m->ack;

	if (get_port(fl, 1, 1, r->port) == -1) {
		*reason = "invalid port";
		return -1;
	}
	if (get_int(fl, 2, INT_MIN, INT_MAX, &r->weight) == -1 ||
	    get_hex32(fl, 3, &r->options) == -1) {
		*reason = "invalid number";
		return -1;
	}
	return 0;
}

static int
parse_none(const struct fields *fl, struct proto_msg *m, const char **reason)
{
	return 0;
}

static int
parse_subnet(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	struct req_subnet	*r = &m->subnet;

	if (get_hex32(fl, 1, &r->nonce) == -1) {
		*reason = "invalid nonce";
		return -1;
	}
	if (get_name(fl, 2, r->owner) == -1) {
		*reason = "invalid name";
		return -1;
	}
	/* the field splitter bounds it to PROTO_MAX_STRING */
	if (get_str(fl, 3, r->subnet, sizeof(r->subnet)) == -1) {
		*reason = "field too long";
		return -1;
	}
	return 0;
}

static int
parse_add_edge(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	struct req_add_edge	*r = &m->add_edge;

	if (get_hex32(fl, 1, &r->nonce) == -1) {
		*reason = "invalid nonce";
		return -1;
	}
	if (get_name(fl, 2, r->from) == -1 || get_name(fl, 3, r->to) == -1) {
		*reason = "invalid name";
		return -1;
	}
	if (strcmp(r->from, r->to) == 0) {
		*reason = "edge from a node to itself";
		return -1;
	}
	if (get_str(fl, 4, r->address, sizeof(r->address)) == -1 ||
	    get_str(fl, 5, r->port, sizeof(r->port)) == -1) {
		*reason = "field too long";
		return -1;
	}
	if (get_hex32(fl, 6, &r->options) == -1 ||
	    get_int(fl, 7, INT_MIN, INT_MAX, &r->weight) == -1) {
		*reason = "invalid number";
		return -1;
	}
	return 0;
}

static int
parse_del_edge(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	struct req_del_edge	*r = &m->del_edge;

	if (get_hex32(fl, 1, &r->nonce) == -1) {
		*reason = "invalid nonce";
		return -1;
	}
	if (get_name(fl, 2, r->from) == -1 || get_name(fl, 3, r->to) == -1) {
		*reason = "invalid name";
		return -1;
	}
	if (strcmp(r->from, r->to) == 0) {
		*reason = "edge from a node to itself";
		return -1;
	}
	return 0;
}

static int
parse_key_changed(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	struct req_key_changed	*r = &m->key_changed;

	if (get_hex32(fl, 1, &r->nonce) == -1) {
		*reason = "invalid nonce";
		return -1;
	}
	if (get_name(fl, 2, r->name) == -1) {
		*reason = "invalid name";
		return -1;
	}
	return 0;
}

static int
parse_req_key(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	struct req_req_key	*r = &m->req_key;
	size_t			 len;

	if (get_name(fl, 1, r->from) == -1 || get_name(fl, 2, r->to) == -1) {
		*reason = "invalid name";
		return -1;
	}
	r->ext[0] = '\0';
	/* the line is at most PROTO_MAX_LINE long, so is its tail */
	if (fl->n > 3) {
		len = strlcpy(r->ext, fl->f[3], sizeof(r->ext));
		while (len > 0 && is_sep(r->ext[len - 1]))
			r->ext[--len] = '\0';
	}
	return 0;
}

static int
parse_ans_key(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	struct req_ans_key	*r = &m->ans_key;

	if (get_name(fl, 1, r->from) == -1 || get_name(fl, 2, r->to) == -1) {
		*reason = "invalid name";
		return -1;
	}
	if (get_str(fl, 3, r->key, sizeof(r->key)) == -1) {
		*reason = "field too long";
		return -1;
	}
	if (get_int(fl, 4, INT_MIN, INT_MAX, &r->cipher) == -1 ||
	    get_int(fl, 5, INT_MIN, INT_MAX, &r->digest) == -1 ||
	    get_int(fl, 6, INT_MIN, INT_MAX, &r->maclength) == -1 ||
	    get_int(fl, 7, INT_MIN, INT_MAX, &r->compression) == -1) {
		*reason = "invalid number";
		return -1;
	}
	r->has_address = 0;
	r->address[0] = r->port[0] = '\0';
	/* a lone eighth field is ignored, as tincd does */
	if (fl->n < 10)
		return 0;
	if (get_numeric_addr(fl, 8, r->address) == -1 ||
	    get_port(fl, 9, 0, r->port) == -1) {
		*reason = "invalid address";
		return -1;
	}
	r->has_address = 1;
	return 0;
}

static int
parse_packet(const struct fields *fl, struct proto_msg *m,
    const char **reason)
{
	int	 len;

	if (get_int(fl, 1, 1, MTU, &len) == -1) {
		*reason = "invalid length";
		return -1;
	}
	m->packet.len = (uint16_t)len;
	return 0;
}

const char *
proto_req_name(int type)
{
	if (type < 0 || type >= REQ_MAX)
		return "UNKNOWN";
	return reqs[type].name;
}

/* Optional '-' and at least one digit, nothing else. */
static int
is_number(const char *s, size_t len)
{
	size_t	 k = (len > 0 && s[0] == '-') ? 1 : 0;

	if (k == len)
		return 0;
	for (; k < len; k++)
		if (!is_digit(s[k]))
			return 0;
	return 1;
}

static int
request_number(const struct fields *fl, const char **reason)
{
	int	 type;

	if (!is_number(fl->f[0], fl->len[0])) {
		*reason = "bogus data";
		return -1;
	}
	if (get_int(fl, 0, 0, REQ_MAX - 1, &type) == -1 ||
	    reqs[type].parse == NULL) {
		*reason = "unknown request";
		return -1;
	}
	return type;
}

/* The request number of a line, or -1. */
int
proto_req_type(const char *line, const char **reason)
{
	struct fields	 fl;

	if (split_line(line, &fl, reason) == -1)
		return -1;
	return request_number(&fl, reason);
}

/*
 * Parse one meta line (without its LF).  On failure return -1 and point
 * *reason at a short static text for the caller's log line.
 */
int
proto_parse(const char *line, struct proto_msg *m, const char **reason)
{
	struct fields	 fl;
	int		 type;

	*reason = "malformed";
	memset(m, 0, sizeof(*m));
	if (split_line(line, &fl, reason) == -1)
		return -1;
	if ((type = request_number(&fl, reason)) == -1)
		return -1;
	m->type = type;
	m->nfields = fl.n;
	if (fl.n < reqs[type].minfields) {
		*reason = "missing fields";
		return -1;
	}
	return reqs[type].parse(&fl, m, reason);
}

/* A field we are about to send: non-empty, printable, no separators. */
static int
field_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!is_printable(s[i]) || i >= PROTO_MAX_STRING)
			return 0;
	return i > 0;
}

static int
format_id(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_id	*r = &m->id;

	if (!valid_name(r->name) || r->major < 0)
		return -1;
	if (r->minor < 0)
		return snprintf(buf, sz, "%d %s %d", REQ_ID, r->name,
		    r->major);
	return snprintf(buf, sz, "%d %s %d.%d", REQ_ID, r->name, r->major,
	    r->minor);
}

static int
format_metakey(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_metakey	*r = &m->metakey;

	if (!field_ok(r->key))
		return -1;
	return snprintf(buf, sz, "%d %d %d %d %d %s", REQ_METAKEY, r->cipher,
	    r->digest, r->maclength, r->compression, r->key);
}

static int
format_challenge(char *buf, size_t sz, const struct proto_msg *m)
{
	if (!field_ok(m->challenge.hex))
		return -1;
	return snprintf(buf, sz, "%d %s", REQ_CHALLENGE, m->challenge.hex);
}

static int
format_chal_reply(char *buf, size_t sz, const struct proto_msg *m)
{
	if (!field_ok(m->chal_reply.hex))
		return -1;
	return snprintf(buf, sz, "%d %s", REQ_CHAL_REPLY, m->chal_reply.hex);
}

static int
format_ack(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_ack	*r = &m->ack;

	if (!field_ok(r->port))
		return -1;
	return snprintf(buf, sz, "%d %s %d %x", REQ_ACK, r->port, r->weight,
	    r->options);
}

static int
format_none(char *buf, size_t sz, const struct proto_msg *m)
{
	return snprintf(buf, sz, "%d", m->type);
}

static int
format_subnet(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_subnet	*r = &m->subnet;

	if (!valid_name(r->owner) || !field_ok(r->subnet))
		return -1;
	return snprintf(buf, sz, "%d %x %s %s", m->type, r->nonce, r->owner,
	    r->subnet);
}

static int
format_add_edge(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_add_edge	*r = &m->add_edge;

	if (!valid_name(r->from) || !valid_name(r->to) ||
	    !field_ok(r->address) || !field_ok(r->port))
		return -1;
	return snprintf(buf, sz, "%d %x %s %s %s %s %x %d", REQ_ADD_EDGE,
	    r->nonce, r->from, r->to, r->address, r->port, r->options,
	    r->weight);
}

static int
format_del_edge(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_del_edge	*r = &m->del_edge;

	if (!valid_name(r->from) || !valid_name(r->to))
		return -1;
	return snprintf(buf, sz, "%d %x %s %s", REQ_DEL_EDGE, r->nonce,
	    r->from, r->to);
}

static int
format_key_changed(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_key_changed	*r = &m->key_changed;

	if (!valid_name(r->name))
		return -1;
	return snprintf(buf, sz, "%d %x %s", REQ_KEY_CHANGED, r->nonce,
	    r->name);
}

static int
format_req_key(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_req_key	*r = &m->req_key;
	size_t				 i;

	if (!valid_name(r->from) || !valid_name(r->to))
		return -1;
	if (r->ext[0] == '\0')
		return snprintf(buf, sz, "%d %s %s", REQ_REQ_KEY, r->from,
		    r->to);
	for (i = 0; r->ext[i] != '\0'; i++)
		if (!is_printable(r->ext[i]) && r->ext[i] != ' ')
			return -1;
	return snprintf(buf, sz, "%d %s %s %s", REQ_REQ_KEY, r->from, r->to,
	    r->ext);
}

static int
format_ans_key(char *buf, size_t sz, const struct proto_msg *m)
{
	const struct req_ans_key	*r = &m->ans_key;

	if (!valid_name(r->from) || !valid_name(r->to) || !field_ok(r->key))
		return -1;
	if (!r->has_address)
		return snprintf(buf, sz, "%d %s %s %s %d %d %d %d",
		    REQ_ANS_KEY, r->from, r->to, r->key, r->cipher, r->digest,
		    r->maclength, r->compression);
	if (!field_ok(r->address) || !field_ok(r->port))
		return -1;
	return snprintf(buf, sz, "%d %s %s %s %d %d %d %d %s %s", REQ_ANS_KEY,
	    r->from, r->to, r->key, r->cipher, r->digest, r->maclength,
	    r->compression, r->address, r->port);
}

static int
format_packet(char *buf, size_t sz, const struct proto_msg *m)
{
	if (m->packet.len == 0 || m->packet.len > MTU)
		return -1;
	return snprintf(buf, sz, "%d %d", REQ_PACKET, m->packet.len);
}

/*
 * Write the line for m (without LF) into buf.  Returns its length, or -1
 * when a field is unusable, or the line does not fit buf or the protocol's
 * PROTO_MAX_LINE.
 */
int
proto_format(char *buf, size_t sz, const struct proto_msg *m)
{
	int	 n;

	if (m->type < 0 || m->type >= REQ_MAX || reqs[m->type].format == NULL)
		return -1;
	if ((n = reqs[m->type].format(buf, sz, m)) < 0 || (size_t)n >= sz ||
	    n > PROTO_MAX_LINE) {
		if (sz > 0)
			buf[0] = '\0';
		return -1;
	}
	return n;
}
