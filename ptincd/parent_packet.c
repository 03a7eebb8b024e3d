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
 * The parent's side of the packet worker: the part of the configuration
 * the data plane needs, as IMSG_CONF_PACKET (layout in packet.h).
 */

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "ipc.h"
#include "proto.h"
#include "lcrypto.h"
#include "log.h"
#include "packet.h"
#include "parent_packet.h"

/*
 * 1 when a configured algorithm is known to OpenSSL but not served by its
 * default provider (Blowfish, CAST, ...): the worker must load the legacy
 * provider before it enters the sandbox.
 */
static int
parent_packet_legacy_cipher(const char *name)
{
	EVP_CIPHER	*c;
	int		 nid;

	if (name == NULL || (nid = lcrypto_cipher_nid(name)) <= 0)
		return 0;
	if ((c = EVP_CIPHER_fetch(NULL, OBJ_nid2sn(nid),
	    "provider=default")) != NULL) {
		EVP_CIPHER_free(c);
		return 0;
	}
	ERR_clear_error();
	return 1;
}

static int
parent_packet_legacy_digest(const char *name)
{
	EVP_MD	*md;
	int	 nid;

	if (name == NULL || (nid = lcrypto_digest_nid(name)) <= 0)
		return 0;
	if ((md = EVP_MD_fetch(NULL, OBJ_nid2sn(nid),
	    "provider=default")) != NULL) {
		EVP_MD_free(md);
		return 0;
	}
	ERR_clear_error();
	return 1;
}

/* Our own node options (tinc's myself->options). */
static uint32_t
parent_packet_options(const struct conf *c)
{
	uint32_t	 o = 0;

	if (c->indirectdata)
		o |= OPTION_INDIRECT;
	if (c->tcponly)
		o |= OPTION_TCPONLY | OPTION_INDIRECT;
	if (c->pmtu_discovery && !c->tcponly)
		o |= OPTION_PMTU_DISCOVERY;
	if (c->clampmss)
		o |= OPTION_CLAMP_MSS;
	return o;
}

int
parent_packet_send_conf(const struct conf *c, struct chan *packet)
{
	struct ibuf	*b;
	int		 legacy, replay, pmtu;

	legacy = parent_packet_legacy_cipher(c->cipher) ||
	    parent_packet_legacy_digest(c->digest);
	replay = c->replay_window;
	if (replay < 0 || replay > REPLAY_MAX) {
		log_warnx("ReplayWindow %d is more than %d; using %d", replay,
		    REPLAY_MAX, REPLAY_MAX);
		replay = REPLAY_MAX;
	}
	pmtu = c->pmtu > 0 && c->pmtu < MTU ? c->pmtu : 0;
	if ((b = imsg_create(IMSG_CONF_PACKET, 0, PKT_CONF_LEN)) == NULL)
		return -1;
	if (ibuf_add_u8(b, (uint8_t)c->mode) == -1 ||
	    ibuf_add_u8(b, (uint8_t)c->forwarding) == -1 ||
	    ibuf_add_u8(b, (uint8_t)c->broadcast) == -1 ||
	    ibuf_add_u8(b, c->direct_only ? 1 : 0) == -1 ||
	    ibuf_add_u8(b, c->decrement_ttl ? 1 : 0) == -1 ||
	    ibuf_add_u8(b, c->priority_inheritance ? 1 : 0) == -1 ||
	    ibuf_add_u8(b, c->local_discovery ? 1 : 0) == -1 ||
	    ibuf_add_u8(b, c->tunnel_server ? 1 : 0) == -1 ||
	    ibuf_add_u8(b, legacy ? 1 : 0) == -1 ||
	    ibuf_add_u32(b, (uint32_t)(c->mac_expire > 0 ?
	    c->mac_expire : 600)) == -1 ||
	    ibuf_add_u32(b, (uint32_t)replay) == -1 ||
	    ibuf_add_u32(b, (uint32_t)(c->ping_interval > 0 ?
	    c->ping_interval : 60)) == -1 ||
	    ibuf_add_u32(b, (uint32_t)(c->ping_timeout > 0 ?
	    c->ping_timeout : 5)) == -1 ||
	    ibuf_add_u32(b, parent_packet_options(c)) == -1 ||
	    ibuf_add_u16(b, (uint16_t)pmtu) == -1) {
		ibuf_free(b);
		return -1;
	}
	return chan_send(packet, b);
}
