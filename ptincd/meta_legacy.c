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
 * Authentication of a meta connection (legacy spec 4.4 to 4.9), in the
 * 1.0.35+ order: the responder stays silent until the initiator's ID and
 * answers a challenge only after the initiator answered its own.  Our
 * METAKEY is encrypted here with the peer's public key; the peer's is
 * decrypted by the key holder, asynchronously: the connection waits in
 * MS_KEYWAIT meanwhile.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/rand.h>

#include "ipc.h"
#include "log.h"
#include "meta.h"
#include "worker.h"

#define CHAL_DIGEST	NID_sha256	/* what our METAKEY announces */

static int
auth_fail(struct meta_conn *c, const char *why)
{
	log_warnx("Error during authentication with %s: %s",
	    meta_conn_label(c), why);
	return -1;
}

void
meta_auth_clear(struct meta_conn *c)
{
	if (c->mychal != NULL)
		freezero(c->mychal, c->hislen);
	if (c->hischal != NULL)
		freezero(c->hischal, M.conf != NULL ? M.conf->rsalen : 0);
	c->mychal = c->hischal = NULL;
	EVP_PKEY_free(c->pub);
	c->pub = NULL;
}

/* Our options for a peer (spec 4.9): own settings, then its host file. */
uint32_t
meta_auth_options(const struct meta_host *h)
{
	uint32_t	 own = M.conf->options, o;

	o = own & (OPTION_INDIRECT | OPTION_TCPONLY);
	if (h != NULL && h->indirectdata == 1)
		o |= OPTION_INDIRECT;
	if (h != NULL && h->tcponly == 1)
		o |= OPTION_TCPONLY | OPTION_INDIRECT;
	if ((own & OPTION_PMTU_DISCOVERY) && !(o & OPTION_TCPONLY))
		o |= OPTION_PMTU_DISCOVERY;
	if (h != NULL && h->clampmss != -1) {
		if (h->clampmss)
			o |= OPTION_CLAMP_MSS;
	} else if (own & OPTION_CLAMP_MSS)
		o |= OPTION_CLAMP_MSS;
	return o;
}

/* The initiator speaks first. */
int
meta_auth_start(struct meta_conn *c)
{
	return meta_conn_sendf(c, "%d %s %d", REQ_ID, M.conf->name,
	    PTINC_PROTOCOL_MAJOR);
}

/* K, encrypted raw with the peer's key; then our output is encrypted. */
static int
send_metakey(struct meta_conn *c)
{
	struct proto_msg	*m;
	uint8_t			*k = NULL, *ct = NULL;
	const char		*why;
	size_t			 len = c->hislen;
	int			 r = -1;

	if ((m = calloc(1, sizeof(*m))) == NULL || (k = malloc(len)) == NULL ||
	    (ct = malloc(len)) == NULL)
		goto done;
	if (lcrypto_meta_random(k, len) == -1 ||
	    lcrypto_rsa_encrypt_raw(c->pub, k, len, ct, len) != (int)len) {
		auth_fail(c, "cannot encrypt our METAKEY");
		goto done;
	}
	m->type = REQ_METAKEY;
	m->metakey.cipher = M.conf->meta_cipher;
	m->metakey.digest = CHAL_DIGEST;
	m->metakey.maclength = 0;
	m->metakey.compression = 0;
	bin2hex(ct, len, m->metakey.key, sizeof(m->metakey.key));
	if (meta_conn_send_msg(c, m) == -1)
		goto done;
	if (meta_cipher_init(&c->outc, M.conf->meta_cipher, k, len, 1,
	    &why) == -1) {
		auth_fail(c, why);
		goto done;
	}
	c->encrypting = 1;
	r = 0;
 done:
	if (k != NULL)
		freezero(k, len);
	free(ct);
	free(m);
	return r;
}

static int
auth_id(struct meta_conn *c, const struct req_id *r)
{
	const struct meta_host	*h;
	int			 size;

	if (strcmp(r->name, M.conf->name) == 0) {
		log_warnx("Got bad ID from %s: invalid name (our own)",
		    meta_conn_label(c));
		return -1;
	}
	if (c->outgoing_side) {
		if (strcmp(c->name, r->name) != 0) {
			log_warnx("Peer %s is %s instead of %s", c->hostname,
			    r->name, c->name);
			return -1;
		}
	} else
		strlcpy(c->name, r->name, sizeof(c->name));
	if (r->major != PTINC_PROTOCOL_MAJOR) {
		log_warnx("Peer %s uses incompatible version %d",
		    meta_conn_label(c), r->major);
		return -1;
	}
	if ((h = meta_host_find(c->name)) == NULL || h->pub == NULL) {
		log_warnx("Peer %s had unknown identity (%s)", c->hostname,
		    c->name);
		return -1;
	}
	size = EVP_PKEY_get_size(h->pub);
	if (size < 64 || size > PROTO_MAX_STRING / 2 || size > META_MAX_RSA) {
		log_warnx("Peer %s: unusable RSA key size %d bytes",
		    meta_conn_label(c), size);
		return -1;
	}
	if (EVP_PKEY_up_ref(h->pub) != 1)
		return -1;
	c->pub = h->pub;
	c->hislen = (size_t)size;
	if (!c->outgoing_side && meta_auth_start(c) == -1)
		return -1;
	c->state = MS_METAKEY;
	return send_metakey(c);
}

/* Check what we can before asking the key holder (spec 4.6). */
static int
auth_metakey(struct meta_conn *c, const struct req_metakey *r)
{
	EVP_CIPHER	*ci;
	uint8_t		*ct;
	const char	*why;
	size_t		 len = M.conf->rsalen;
	int		 stream;

	if (strlen(r->key) != 2 * len)
		return auth_fail(c, "wrong keylength");
	if (r->cipher == 0)
		return auth_fail(c, "null cipher");
	if ((ci = lcrypto_cipher_fetch(r->cipher)) == NULL)
		return auth_fail(c, "unknown cipher");
	stream = EVP_CIPHER_get_block_size(ci) == 1;
	EVP_CIPHER_free(ci);
	if (!stream)
		return auth_fail(c, "meta cipher is not a stream cipher");
	if (lcrypto_check_digest(r->digest, r->maclength, 0, &why) == -1)
		return auth_fail(c, why);
	if ((ct = malloc(len)) == NULL)
		return -1;
	if (hex2bin(r->key, ct, len) == -1) {
		free(ct);
		return auth_fail(c, "invalid key");
	}
	c->hiscipher = r->cipher;
	c->hisdigest = r->digest;
	c->state = MS_KEYWAIT;
	if (chan_compose(&M.keys, IMSG_CA_RSA_DECRYPT, c->id, -1, ct,
	    len) == -1) {
		free(ct);
		return auth_fail(c, "key holder unavailable");
	}
	free(ct);
	meta_conn_pause(c, 1);
	return 1;
}

/* The key holder's answer: K of the peer's METAKEY. */
int
meta_auth_key_reply(struct meta_conn *c, int ok, const uint8_t *k, size_t len)
{
	struct meta_cipher	 mc;
	struct proto_msg	*m;
	const char		*why;

	if (c->dead || c->state != MS_KEYWAIT)
		return 0;
	if (!ok || len != M.conf->rsalen) {
		auth_fail(c, "the key holder refused the METAKEY");
		goto fail;
	}
	if (meta_cipher_init(&mc, c->hiscipher, k, len, 0, &why) == -1) {
		auth_fail(c, why);
		goto fail;
	}
	if (meta_in_set_cipher(&c->in, &mc) == -1) {
		meta_cipher_free(&mc);
		auth_fail(c, "decryption of buffered input failed");
		goto fail;
	}
	/* our challenge: as long as the peer's modulus */
	if ((c->mychal = malloc(c->hislen)) == NULL ||
	    (m = calloc(1, sizeof(*m))) == NULL)
		goto fail;
	if (RAND_bytes(c->mychal, (int)c->hislen) != 1) {
		free(m);
		goto fail;
	}
	m->type = REQ_CHALLENGE;
	bin2hex(c->mychal, c->hislen, m->challenge.hex,
	    sizeof(m->challenge.hex));
	c->state = MS_CHALLENGE;
	if (meta_conn_send_msg(c, m) == -1) {
		free(m);
		goto fail;
	}
	free(m);
	meta_conn_resume(c);
	return 0;
 fail:
	meta_conn_terminate(c, META_T_TARPIT, NULL);
	return 0;
}

static int
send_chal_reply(struct meta_conn *c)
{
	uint8_t	 md[EVP_MAX_MD_SIZE];
	char	 hex[2 * EVP_MAX_MD_SIZE + 1];
	int	 n;

	if ((n = lcrypto_chal_digest(c->hisdigest, c->hischal,
	    M.conf->rsalen, md, sizeof(md))) <= 0)
		return auth_fail(c, "cannot answer the challenge");
	bin2hex(md, (size_t)n, hex, sizeof(hex));
	return meta_conn_sendf(c, "%d %s", REQ_CHAL_REPLY, hex);
}

static int
auth_challenge(struct meta_conn *c, const struct req_hex *r)
{
	size_t	 len = M.conf->rsalen;

	if (strlen(r->hex) != 2 * len)
		return auth_fail(c, "wrong challenge length");
	if ((c->hischal = malloc(len)) == NULL)
		return -1;
	if (hex2bin(r->hex, c->hischal, len) == -1)
		return auth_fail(c, "invalid challenge");
	c->state = MS_CHAL_REPLY;
	/* the responder answers only after the initiator proved itself */
	if (c->outgoing_side)
		return send_chal_reply(c);
	return 0;
}

static int
send_ack(struct meta_conn *c)
{
	const struct meta_host	*h = meta_host_find(c->name);
	uint64_t		 ms = meta_now() - c->created;

	c->weight = ms > 1000000 ? 1000000 : (int)ms;
	if (h != NULL && h->has_weight)
		c->weight = h->weight;
	c->options = meta_auth_options(h);
	return meta_conn_sendf(c, "%d %s %d %x", REQ_ACK, M.conf->myport,
	    c->weight, c->options);
}

static int
auth_chal_reply(struct meta_conn *c, const struct req_hex *r)
{
	const char	*why;

	if (lcrypto_chal_check(CHAL_DIGEST, c->mychal, c->hislen, r->hex,
	    &why) == -1)
		return auth_fail(c, why);
	if (!c->outgoing_side && send_chal_reply(c) == -1)
		return -1;
	c->state = MS_ACK;
	return send_ack(c);
}

/* Spec 4.9: negotiate the options, become active, add our edge. */
static int
auth_ack(struct meta_conn *c, const struct req_ack *r)
{
	const struct meta_host	*h = meta_host_find(c->name);
	uint32_t		 his = r->options;
	long long		 w;

	if (!(c->options & OPTION_PMTU_DISCOVERY) ||
	    !(his & OPTION_PMTU_DISCOVERY)) {
		c->options &= ~OPTION_PMTU_DISCOVERY;
		his &= ~OPTION_PMTU_DISCOVERY;
	}
	c->options |= his;
	if (h != NULL && h->clampmss == 1)
		c->options |= OPTION_CLAMP_MSS;
	else if (h != NULL && h->clampmss == 0)
		c->options &= ~OPTION_CLAMP_MSS;
	w = ((long long)r->weight + c->weight) / 2;
	if (w > 1000000000LL)
		w = 1000000000LL;
	if (w < -1000000000LL)
		w = -1000000000LL;
	c->state = MS_ACTIVE;
	c->last_ping = meta_now();
	c->pinged = 0;
	meta_auth_clear(c);
	log_info("Connection with %s activated", meta_conn_label(c));
	meta_topo_activate(c, atoi(r->port) == 0 ? c->port : r->port, (int)w);
	return 0;
}

/* A request of the authentication phase; -1 fatal, 1 pause. */
int
meta_auth_line(struct meta_conn *c, const struct proto_msg *m)
{
	switch (m->type) {
	case REQ_ID:
		return auth_id(c, &m->id);
	case REQ_METAKEY:
		return auth_metakey(c, &m->metakey);
	case REQ_CHALLENGE:
		return auth_challenge(c, &m->challenge);
	case REQ_CHAL_REPLY:
		return auth_chal_reply(c, &m->chal_reply);
	case REQ_ACK:
		return auth_ack(c, &m->ack);
	default:
		return -1;
	}
}
