/*
 * The key holder's constrained oracle (design.md section 4).
 *
 * The keys process owns our RSA and Ed25519 private keys and answers two
 * kinds of requests only:
 *  - an Ed25519 signature for an SPTPS handshake, built from the handshake
 *    pieces (role, both KEX records, label) after checking their form; the
 *    requester never chooses the signed bytes directly;
 *  - a raw RSA decryption of a legacy METAKEY: exactly one modulus of
 *    input, at handshake rates.
 *
 * Raw RSA decryption without padding is a universal private-key oracle: a
 * worker that can ask for it can decrypt or sign anything with the RSA key,
 * only slowed down by the rate limit.  Keep the RSA key for tinc 1.0 peers
 * only, or build with -Dlegacy=false.
 */
#ifndef PTINC_KEYS_ORACLE_H
#define PTINC_KEYS_ORACLE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "keyfile.h"
#include "ptinc.h"

#define SPTPS_KEX_LEN		65	/* version (0) || nonce (32) || ECDH (32) */
#define SPTPS_KEX_VERSION	0
#define SPTPS_NONCE_LEN		32
#define SPTPS_ECDH_LEN		32
#define SPTPS_SIG_LEN		ED25519_SIG_LEN
#define SPTPS_LABEL_TCP		"tinc TCP key expansion "
#define SPTPS_LABEL_UDP		"tinc UDP key expansion "
/* prefix, two names, a blank and the trailing NUL that tinc includes */
#define SPTPS_LABEL_MAX		(sizeof(SPTPS_LABEL_TCP) - 1 + \
				    2 * MAX_NAME_LEN + 2)

/*
 * Token bucket for RSA decryptions: KEYS_RSA_BURST at once, refilled with
 * KEYS_RSA_RATE per second.  A legacy handshake needs one decryption, and
 * tincd itself accepts at most 10 connections per second.
 */
#define KEYS_RSA_BURST		20
#define KEYS_RSA_RATE		10

struct keyring {
	EVP_PKEY		*rsa;
	EVP_PKEY_CTX		*rsa_ctx;	/* raw decryption, set up once */
	size_t			 rsa_len;	/* modulus length in bytes */
	int			 have_ed25519;
	struct ed25519_key	 ed25519;
	char			 myname[MAX_NAME_LEN + 1];
	unsigned int		 tokens;
	time_t			 refilled;
};

int	 keyring_init(struct keyring *, const char *myname);
int	 keyring_set_rsa(struct keyring *, EVP_PKEY *);	/* takes ownership */
int	 keyring_set_ed25519(struct keyring *, const struct ed25519_key *);
void	 keyring_clear(struct keyring *);

int	 keys_rsa_decrypt(struct keyring *, const uint8_t *in, size_t inlen,
	    uint8_t *out, size_t outsz, time_t now);
int	 keys_sign_handshake(struct keyring *, int initiator,
	    const uint8_t *kex_mine, size_t minelen,
	    const uint8_t *kex_his, size_t hislen,
	    const char *label, size_t labellen, uint8_t sig[SPTPS_SIG_LEN]);

/* Ed25519 from tinc's expanded key (RFC 8032 signatures). */
int	 ed25519_sign(const struct ed25519_key *, const uint8_t *, size_t,
	    uint8_t sig[ED25519_SIG_LEN]);
int	 ed25519_public(const uint8_t a[32], uint8_t pk[ED25519_PUB_LEN]);

#endif
