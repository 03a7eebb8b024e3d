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
 * The key holder.  After start-up it holds the RSA and Ed25519 private
 * keys and answers only handshake-shaped requests (keys.c does the
 * checks).  A refused request gets a negative answer and a log line; the
 * channel stays up, so a confused peer cannot make us exit and a hostile
 * one learns nothing more than "no".
 */

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "ev.h"
#include "ipc.h"
#include "keyfile.h"
#include "keys.h"
#include "log.h"
#include "worker.h"

#define KEYS_MAX_RSA	(16384 / 8)

static struct keyring	 kh_ring;
static struct keyring	*kh = &kh_ring;
static struct chan	 kh_meta, kh_packet;

void
keyholder_set_ring(struct keyring *k)
{
	kh = k;
}

/* Seconds on a clock that does not jump, for the rate limiter. */
static time_t
kh_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * meta signs for meta connections only, packet for datagram sessions only:
 * a compromised worker cannot borrow the other's label.
 */
static int
kh_label_allowed(const struct chan *c, const uint8_t *label, size_t len)
{
	const char	*want;

	want = c->peer == ROLE_META ? SPTPS_LABEL_TCP : SPTPS_LABEL_UDP;
	return len >= strlen(want) && memcmp(label, want, strlen(want)) == 0;
}

static int
kh_reply(struct chan *c, uint32_t reqid, int ok, const uint8_t *data,
    size_t len)
{
	struct ibuf	*b;

	if ((b = imsg_create(IMSG_CA_REPLY, reqid, len + 1)) == NULL)
		return -1;
	if (ibuf_add_u8(b, ok ? 1 : 0) == -1 ||
	    (ok && ibuf_add(b, data, len) == -1)) {
		ibuf_free(b);
		return -1;
	}
	return chan_send(c, b);
}

static int
kh_rsa_decrypt(struct imsg *im, void *arg)
{
	uint8_t	 out[KEYS_MAX_RSA];
	int	 n, r;

	n = keys_rsa_decrypt(kh, im->data, im->len, out, sizeof(out),
	    kh_now());
	if (n < 0)
		log_warnx("refused RSA decryption request %u from %s",
		    im->hdr.peerid, role_name(((struct chan *)arg)->peer));
	r = kh_reply(arg, im->hdr.peerid, n >= 0, out, n >= 0 ? (size_t)n : 0);
	explicit_bzero(out, sizeof(out));
	return r;
}

static int
kh_sign(struct imsg *im, void *arg)
{
	const uint8_t	*mine, *his, *label;
	uint8_t		 sig[SPTPS_SIG_LEN], initiator;
	uint16_t	 lm, lh, ll;
	int		 ok = 0;

	if (imsg_get_u8(im, &initiator) == -1 ||
	    imsg_get_u16(im, &lm) == -1 ||
	    (mine = imsg_get_ptr(im, lm)) == NULL ||
	    imsg_get_u16(im, &lh) == -1 ||
	    (his = imsg_get_ptr(im, lh)) == NULL ||
	    imsg_get_u16(im, &ll) == -1 ||
	    (label = imsg_get_ptr(im, ll)) == NULL ||
	    imsg_get_end(im) == -1 || initiator > 1)
		log_warnx("malformed signing request %u from %s",
		    im->hdr.peerid, role_name(((struct chan *)arg)->peer));
	else if (!kh_label_allowed(arg, label, ll))
		log_warnx("refused signing request %u from %s: label not "
		    "for this process", im->hdr.peerid,
		    role_name(((struct chan *)arg)->peer));
	else if (keys_sign_handshake(kh, initiator, mine, lm, his, lh,
	    (const char *)label, ll, sig) == 0)
		ok = 1;
	else
		log_warnx("refused signing request %u from %s",
		    im->hdr.peerid, role_name(((struct chan *)arg)->peer));
	return kh_reply(arg, im->hdr.peerid, ok, sig, sizeof(sig));
}

const struct imsg_handler keyholder_tab[] = {
	{ IMSG_CA_RSA_DECRYPT, 1, KEYS_MAX_RSA, 1u << ROLE_META, 0,
	    kh_rsa_decrypt },
	{ IMSG_CA_SIGN, 7, 1024, 1u << ROLE_META | 1u << ROLE_PACKET, 0,
	    kh_sign },
};
const size_t keyholder_ntab = sizeof(keyholder_tab) / sizeof(keyholder_tab[0]);

/* ---- start-up ------------------------------------------------------ */

static int
kh_init_key(struct imsg *im, void *arg)
{
	struct ed25519_key	 ek;
	EVP_PKEY		*k;
	int			 r = -1;

	if (kh->myname[0] == '\0' &&
	    keyring_init(kh, worker_conf.name) == -1)
		return -1;
	switch (im->hdr.peerid) {
	case KEY_RSA:
		if ((k = keyfile_rsa_from_der(im->data, im->len)) != NULL)
			r = keyring_set_rsa(kh, k);
		break;
	case KEY_ED25519:
		if (keyfile_ed25519_from_raw(im->data, im->len, &ek) == 0)
			r = keyring_set_ed25519(kh, &ek);
		explicit_bzero(&ek, sizeof(ek));
		break;
	}
	if (r == -1)
		log_warnx("%s: unusable key of kind %u", __func__,
		    im->hdr.peerid);
	return r;
}

static int
kh_init_done(struct imsg *im, void *arg)
{
	return imsg_get_end(im);
}

static const struct imsg_handler kh_start_tab[] = {
	{ IMSG_INIT_PROC, 16, 1024, 1u << ROLE_PARENT, 0, worker_handle_init },
	{ IMSG_INIT_KEY, 32, 12288, 1u << ROLE_PARENT, 0, kh_init_key },
	{ IMSG_INIT_DONE, 0, 0, 1u << ROLE_PARENT, 0, kh_init_done },
};

static const struct imsg_handler kh_parent_tab[] = {
	{ IMSG_CTL_DEBUG, 1, 1, 1u << ROLE_PARENT, 0, worker_handle_debug },
};

static void
kh_peer_lost(struct chan *c, const char *why)
{
	fatalx("channel to %s: %s", role_name(c->peer), why);
}

void
keys_main(void)
{
	worker_start(ROLE_KEYS, kh_start_tab,
	    sizeof(kh_start_tab) / sizeof(kh_start_tab[0]));
	if (kh->rsa == NULL && !kh->have_ed25519)
		fatalx("no private key received");
	chan_init(&kh_meta, FD_PEER_A, ROLE_META, IMSG_MAX_DEFAULT, 0,
	    keyholder_tab, keyholder_ntab, &kh_meta, kh_peer_lost);
	chan_init(&kh_packet, FD_PEER_B, ROLE_PACKET, IMSG_MAX_DEFAULT, 0,
	    keyholder_tab, keyholder_ntab, &kh_packet, kh_peer_lost);
	worker_sandbox(ROLE_KEYS, kh_parent_tab,
	    sizeof(kh_parent_tab) / sizeof(kh_parent_tab[0]), NULL);
	if (ev_loop() == -1)
		fatalx("event loop failed");
	_exit(0);
}
