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
 * The parent's side of the meta worker.
 *
 * Configuration: one IMSG_CONF_SERVER, one IMSG_CONF_HOST per usable host
 * file, then IMSG_CONF_END.  Payloads (big-endian, imsg.h encoders):
 *
 * IMSG_CONF_SERVER
 *	u32 options	own OPTION_* bits (INDIRECT, TCPONLY,
 *			PMTU_DISCOVERY, CLAMP_MSS; version byte 0)
 *	str name, str myport
 *	u32 cipher nid, u32 digest nid, u8 maclength, u8 compression,
 *	u16 key material length, u32 meta cipher nid, u8 legacy provider
 *	u32 PingInterval, u32 PingTimeout, u32 MaxTimeout, u32 MinTimeout,
 *	u32 KeyExpire
 *	u8 StrictSubnets, u8 TunnelServer, u8 Mode, u8 Broadcast
 *	u32 MaxOutputBufferSize, u16 PMTU
 *	u16 len + our RSA public key (DER, PKCS#1)
 *	u16 n, n x str ConnectTo
 *	u16 n, n x subnet (ipc.h encoding)	our own subnets
 *
 * IMSG_CONF_HOST
 *	str name
 *	u16 len + RSA public key (DER, PKCS#1)
 *	u16 Port
 *	u8 IndirectData, u8 TCPOnly, u8 ClampMSS	(0 no, 1 yes, 2 unset)
 *	u16 PMTU (0 unset), u8 has Weight, u32 Weight (int32)
 *	u16 n, n x (str host, str port)		Address lines
 *	u16 n, n x subnet			Subnet lines
 *
 * IMSG_CONF_END
 *	u32 generation
 *
 * Outgoing connections: IMSG_CONN_REQUEST asks us to resolve one Address line
 * and start a non-blocking connect; the descriptor goes back with
 * IMSG_CONN_RESULT {u8 ok = 1, addr}, a failure as IMSG_CONN_FAILED.
 * Name resolution blocks the parent for now; the design's resolver process
 * would take it over.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ipc.h"
#include "keyfile.h"
#include "lcrypto.h"
#include "log.h"
#include "parent.h"
#include "parent_meta.h"
#include "proto.h"

#define PM_MAX_SUBNETS	2048	/* per frame; more are left out */
#define PM_MAX_ADDRS	64
#define PM_MAX_HOSTNAME	255
#define PM_MAX_CONNECT	1024

struct pm_algos {
	int	 cipher;
	int	 digest;
	int	 keylen;
	int	 meta_cipher;
	int	 legacy;
};

static uint8_t	*pm_mykey;	/* the key holder's key never changes */
static size_t	 pm_mykeylen;

static uint8_t
pm_tri(int v)
{
	return v < 0 ? 2 : (v ? 1 : 0);
}

/*
 * Our Cipher, Digest, MACLength and Compression exactly as the packet
 * worker will use them: a packet key is built once as a check.
 */
static int
pm_algos(const struct conf *c, struct pm_algos *a)
{
	struct legacy_key	 k;
	const char		*why;

	memset(a, 0, sizeof(*a));
	if ((a->cipher = lcrypto_cipher_nid(c->cipher)) == -1) {
		log_warnx("Unrecognized cipher type %s", c->cipher);
		return -1;
	}
	if ((a->digest = lcrypto_digest_nid(c->digest)) == -1) {
		log_warnx("Unrecognized digest type %s", c->digest);
		return -1;
	}
	if ((a->keylen = lcrypto_keymat_len(a->cipher)) == -1) {
		/* Blowfish and friends live in OpenSSL's legacy provider. */
		if (lcrypto_init(1) == 0)
			a->keylen = lcrypto_keymat_len(a->cipher);
		a->legacy = 1;
	}
	if (a->keylen <= 0 || a->keylen > LKEY_MAX) {
		log_warnx("Cipher %s is not usable with this OpenSSL",
		    c->cipher);
		return -1;
	}
	if (legacy_key_generate(&k, a->cipher, a->digest, c->mac_length,
	    c->compression, &why) == -1) {
		log_warnx("Cipher %s, Digest %s, MACLength %d, Compression "
		    "%d: %s", c->cipher, c->digest, c->mac_length,
		    c->compression, why);
		return -1;
	}
	legacy_key_free(&k);
	a->meta_cipher = lcrypto_meta_nid(a->cipher);
	return 0;
}

int
parent_meta_check_conf(const struct conf *c)
{
	struct pm_algos	 a;

	return pm_algos(c, &a);
}

static uint32_t
pm_options(const struct conf *c)
{
	uint32_t	 o = 0;

	if (c->indirectdata)
		o |= OPTION_INDIRECT;
	if (c->tcponly)
		o |= OPTION_TCPONLY | OPTION_INDIRECT;
	if (c->pmtu_discovery && !(o & OPTION_TCPONLY))
		o |= OPTION_PMTU_DISCOVERY;
	if (c->clampmss)
		o |= OPTION_CLAMP_MSS;
	return o;
}

/* Our public key, from the private key the key holder got. */
static int
pm_own_key(const struct conf *c)
{
	EVP_PKEY	*k;
	int		 r;

	if (pm_mykey != NULL)
		return 0;
	if ((k = keyfile_own_rsa_key(c->private_key_file, c->private_key,
	    c->public_key)) == NULL) {
		log_warnx("cannot load our RSA key for the meta protocol");
		return -1;
	}
	r = keyfile_rsa_pub_to_der(k, &pm_mykey, &pm_mykeylen);
	EVP_PKEY_free(k);
	return r;
}

static int
pm_add_subnets(struct ibuf *b, const struct subnet *v, size_t n,
    const char *who)
{
	size_t	 i;

	if (n > PM_MAX_SUBNETS) {
		log_warnx("%s has %zu subnets; only the first %d are used",
		    who, n, PM_MAX_SUBNETS);
		n = PM_MAX_SUBNETS;
	}
	if (ibuf_add_u16(b, (uint16_t)n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (ipc_put_subnet(b, &v[i]) == -1)
			return -1;
	return 0;
}

static int
pm_send_server(const struct conf *c, const struct pm_algos *a,
    struct chan *meta)
{
	struct ibuf	*b;
	char		 port[8];
	size_t		 i, n;

	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	if ((b = imsg_create(IMSG_CONF_SERVER, 0, 1024)) == NULL)
		return -1;
	n = c->nconnect_to > PM_MAX_CONNECT ? PM_MAX_CONNECT : c->nconnect_to;
	if (ibuf_add_u32(b, pm_options(c)) == -1 ||
	    ibuf_add_str(b, c->name) == -1 ||
	    ibuf_add_str(b, port) == -1 ||
	    ibuf_add_u32(b, (uint32_t)a->cipher) == -1 ||
	    ibuf_add_u32(b, (uint32_t)a->digest) == -1 ||
	    ibuf_add_u8(b, (uint8_t)c->mac_length) == -1 ||
	    ibuf_add_u8(b, (uint8_t)c->compression) == -1 ||
	    ibuf_add_u16(b, (uint16_t)a->keylen) == -1 ||
	    ibuf_add_u32(b, (uint32_t)a->meta_cipher) == -1 ||
	    ibuf_add_u8(b, (uint8_t)a->legacy) == -1 ||
	    ibuf_add_u32(b, (uint32_t)c->ping_interval) == -1 ||
	    ibuf_add_u32(b, (uint32_t)c->ping_timeout) == -1 ||
	    ibuf_add_u32(b, (uint32_t)c->max_timeout) == -1 ||
	    ibuf_add_u32(b, (uint32_t)c->min_timeout) == -1 ||
	    ibuf_add_u32(b, (uint32_t)c->key_expire) == -1 ||
	    ibuf_add_u8(b, c->strict_subnets ? 1 : 0) == -1 ||
	    ibuf_add_u8(b, c->tunnel_server ? 1 : 0) == -1 ||
	    ibuf_add_u8(b, (uint8_t)c->mode) == -1 ||
	    ibuf_add_u8(b, (uint8_t)c->broadcast) == -1 ||
	    ibuf_add_u32(b, (uint32_t)c->max_output_buffer_size) == -1 ||
	    ibuf_add_u16(b, (uint16_t)c->pmtu) == -1 ||
	    ibuf_add_u16(b, (uint16_t)pm_mykeylen) == -1 ||
	    ibuf_add(b, pm_mykey, pm_mykeylen) == -1 ||
	    ibuf_add_u16(b, (uint16_t)n) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (ibuf_add_str(b, c->connect_to[i]) == -1)
			goto fail;
	if (pm_add_subnets(b, c->subnets, c->nsubnets, c->name) == -1)
		goto fail;
	return chan_send(meta, b);
 fail:
	ibuf_free(b);
	log_warnx("%s: configuration does not fit one message", __func__);
	return -1;
}

static int
pm_send_host(const struct conf_host *h, struct chan *meta)
{
	struct ibuf	*b;
	EVP_PKEY	*k;
	uint8_t		*der = NULL;
	size_t		 derlen = 0, i, n;
	char		 port[8];
	int		 r = -1;

	if ((k = keyfile_peer_rsa_key(h->file, conf_get(h, "PublicKey"),
	    conf_get(h, "PublicKeyFile"))) == NULL) {
		log_warnx("No usable RSA public key for %s in %s; "
		    "connections with it will be refused", h->name, h->file);
		return 0;
	}
	if (keyfile_rsa_pub_to_der(k, &der, &derlen) == -1) {
		EVP_PKEY_free(k);
		return 0;
	}
	EVP_PKEY_free(k);
	if ((b = imsg_create(IMSG_CONF_HOST, 0, 512 + derlen)) == NULL)
		goto done;
	snprintf(port, sizeof(port), "%u", (unsigned)h->port);
	n = h->naddresses > PM_MAX_ADDRS ? PM_MAX_ADDRS : h->naddresses;
	if (ibuf_add_str(b, h->name) == -1 ||
	    ibuf_add_u16(b, (uint16_t)derlen) == -1 ||
	    ibuf_add(b, der, derlen) == -1 ||
	    ibuf_add_u16(b, h->port) == -1 ||
	    ibuf_add_u8(b, pm_tri(h->indirectdata)) == -1 ||
	    ibuf_add_u8(b, pm_tri(h->tcponly)) == -1 ||
	    ibuf_add_u8(b, pm_tri(h->clampmss)) == -1 ||
	    ibuf_add_u16(b, (uint16_t)(h->pmtu > 0 && h->pmtu < 65536 ?
	    h->pmtu : 0)) == -1 ||
	    ibuf_add_u8(b, h->has_weight ? 1 : 0) == -1 ||
	    ibuf_add_u32(b, (uint32_t)h->weight) == -1)
		goto fail;
	/* Address lines we could never pass in IMSG_CONN_REQUEST are left out. */
	for (i = 0, derlen = 0; i < n; i++)
		if (h->addresses[i].host != NULL &&
		    strlen(h->addresses[i].host) <= PM_MAX_HOSTNAME)
			derlen++;
	if (ibuf_add_u16(b, (uint16_t)derlen) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (h->addresses[i].host == NULL ||
		    strlen(h->addresses[i].host) > PM_MAX_HOSTNAME) {
			log_warnx("%s: Address %zu is unusable", h->file,
			    i + 1);
			continue;
		}
		snprintf(port, sizeof(port), "%u",
		    (unsigned)h->addresses[i].port);
		if (ibuf_add_str(b, h->addresses[i].host) == -1 ||
		    ibuf_add_str(b, port) == -1)
			goto fail;
	}
	if (pm_add_subnets(b, h->subnets, h->nsubnets, h->name) == -1)
		goto fail;
	r = chan_send(meta, b);
	goto done;
 fail:
	ibuf_free(b);
	log_warnx("%s: host %s does not fit one message", __func__, h->name);
 done:
	free(der);
	return r;
}

static int
pm_send_end(struct chan *meta, uint32_t generation)
{
	struct ibuf	*b;

	if ((b = imsg_create(IMSG_CONF_END, 0, 4)) == NULL)
		return -1;
	if (ibuf_add_u32(b, generation) == -1) {
		ibuf_free(b);
		return -1;
	}
	return chan_send(meta, b);
}

int
parent_meta_send_conf(const struct conf *c, struct chan *meta,
    uint32_t generation)
{
	struct conf_host	*h;
	struct pm_algos		 a;
	const char		*proxy;
	static int		 proxy_warned;

	/* Check everything before the first frame goes out. */
	if (pm_algos(c, &a) == -1 || pm_own_key(c) == -1) {
		log_warnx("meta configuration refused");
		return -1;
	}
	if ((proxy = conf_get(c->server, "Proxy")) != NULL &&
	    strncasecmp(proxy, "none", 4) != 0 && !proxy_warned) {
		log_warnx("Proxy is not supported yet; connecting directly");
		proxy_warned = 1;
	}
	if (pm_send_server(c, &a, meta) == -1)
		return -1;
	RB_FOREACH(h, conf_hosts, (struct conf_hosts *)&c->hosts) {
		if (strcmp(h->name, c->name) == 0)
			continue;
		if (pm_send_host(h, meta) == -1)
			return -1;
	}
	return pm_send_end(meta, generation);
}

/* ---- outgoing connections ------------------------------------------ */

/* A host or port field: printable, no blanks, not empty. */
static int
pm_field_ok(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] <= ' ' || s[i] > '~')
			return 0;
	return i > 0;
}

static int
pm_port_ok(const char *s)
{
	char	*end;
	long	 v;

	if (!pm_field_ok(s, 5))
		return 0;
	v = strtol(s, &end, 10);
	return *end == '\0' && v > 0 && v <= 65535;
}

/*
 * Spec 2.2: when exactly one BindToAddress has the target's family, the
 * outgoing socket is bound to it (port 0).
 */
static void
pm_bind_source(const struct conf *c, int s, int family)
{
	struct addrinfo		 hints, *res, *ai;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = 0;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < c->nbind; i++) {
		if (c->bind[i].listen_only || c->bind[i].host == NULL)
			continue;
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = family;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE;
		if (getaddrinfo(c->bind[i].host, NULL, &hints, &res) != 0)
			continue;
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (ai->ai_family != family ||
			    ai->ai_addrlen > sizeof(ss))
				continue;
			if (n++ == 0) {
				memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
				sslen = ai->ai_addrlen;
			}
		}
		freeaddrinfo(res);
	}
	if (n != 1)
		return;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	if (bind(s, (struct sockaddr *)&ss, sslen) == -1)
		log_warn("Can't bind outgoing socket to the BindToAddress "
		    "address");
}

/* A non-blocking TCP socket with its connect() started, or -1. */
static int
pm_socket(const struct conf *c, const struct addrinfo *ai)
{
	int	 s, one = 1, tos = IPTOS_LOWDELAY, saved;

	if ((s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_TCP)) == -1)
		return -1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ai->ai_family == AF_INET)
		setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	else if (ai->ai_family == AF_INET6) {
		setsockopt(s, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (c->bind_to_interface != NULL &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, c->bind_to_interface,
	    strlen(c->bind_to_interface)) == -1)
		log_warn("Can't bind to interface %s", c->bind_to_interface);
	pm_bind_source(c, s, ai->ai_family);
	if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0 ||
	    errno == EINPROGRESS)
		return s;
	saved = errno;
	close(s);
	errno = saved;
	return -1;
}

static int
pm_reply(struct chan *meta, uint32_t reqid, int fd,
    const struct sockaddr *sa)
{
	struct sockaddr_storage	 ss;
	struct ibuf		*b;
	socklen_t		 len;

	if (fd == -1)
		return chan_compose(meta, IMSG_CONN_FAILED, reqid, -1, NULL,
		    0);
	len = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len);
	if ((b = imsg_create(IMSG_CONN_RESULT, reqid, 24)) == NULL) {
		close(fd);
		return -1;
	}
	if (ibuf_add_u8(b, 1) == -1 || ipc_put_sockaddr(b, &ss, len) == -1) {
		ibuf_free(b);
		close(fd);
		return -1;
	}
	ibuf_set_fd(b, fd);
	return chan_send(meta, b);
}

/*
 * IMSG_CONN_REQUEST {str node, str host, str port}: resolve, then try the
 * addresses in order until one connect() starts.  A malformed frame is
 * fatal for the channel; a request we cannot serve is answered "not ok".
 */
/*
 * Only what tincd would connect to: a ConnectTo node, at one of the
 * Address lines of its host file, exactly as we handed them to meta.  A
 * compromised meta cannot use the root parent to reach anything else.
 */
int
parent_meta_connect_allowed(const struct conf *c, const char *node, const char *host,
    const char *port)
{
	const struct conf_host	*h;
	char			 p[8];
	size_t			 i;

	for (i = 0; i < c->nconnect_to; i++)
		if (strcmp(c->connect_to[i], node) == 0)
			break;
	if (i == c->nconnect_to || (h = conf_host_find(c, node)) == NULL)
		return 0;
	for (i = 0; i < h->naddresses; i++) {
		if (h->addresses[i].host == NULL ||
		    strcmp(h->addresses[i].host, host) != 0)
			continue;
		snprintf(p, sizeof(p), "%u", (unsigned)h->addresses[i].port);
		if (strcmp(p, port) == 0)
			return 1;
	}
	return 0;
}

int
parent_meta_connect(struct imsg *im, void *arg)
{
	struct chan		*meta = arg;
	const struct conf	*c = parent_conf();
	struct addrinfo		 hints, *res = NULL, *ai;
	char			 node[MAX_NAME_LEN + 1];
	char			 host[PM_MAX_HOSTNAME + 1], port[8];
	int			 s = -1, e;

	if (imsg_get_str(im, node, sizeof(node)) == -1 ||
	    imsg_get_str(im, host, sizeof(host)) == -1 ||
	    imsg_get_str(im, port, sizeof(port)) == -1 ||
	    imsg_get_end(im) == -1)
		return -1;
	if (c == NULL || !valid_name(node) ||
	    !pm_field_ok(host, PM_MAX_HOSTNAME) || !pm_port_ok(port)) {
		log_warnx("%s: refused request %u for %s", __func__,
		    im->hdr.peerid, valid_name(node) ? node : "(invalid)");
		return pm_reply(meta, im->hdr.peerid, -1, NULL);
	}
	if (!parent_meta_connect_allowed(c, node, host, port)) {
		log_warnx("%s: refused request %u: %s port %s is not an "
		    "Address of ConnectTo node %s", __func__, im->hdr.peerid,
		    host, port, node);
		return pm_reply(meta, im->hdr.peerid, -1, NULL);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = c->address_family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_warnx("Error looking up %s port %s: %s", host, port,
		    gai_strerror(e));
		return pm_reply(meta, im->hdr.peerid, -1, NULL);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if ((s = pm_socket(c, ai)) != -1)
			break;
		log_debug(DEBUG_CONNECTIONS, "Could not connect to %s (%s "
		    "port %s): %s", node, host, port, strerror(errno));
	}
	e = pm_reply(meta, im->hdr.peerid, s, ai != NULL ? ai->ai_addr : NULL);
	freeaddrinfo(res);
	return e;
}
