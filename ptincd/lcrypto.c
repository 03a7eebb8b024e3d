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

#include <limits.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "log.h"
#include "ptinc.h"
#include "lcrypto.h"

/*
 * Load OpenSSL's providers before the sandbox.  Blowfish and the other
 * ciphers of older tinc versions live in the legacy provider; loading any
 * provider explicitly stops the default one from loading on its own.
 */
int
lcrypto_init(int legacy)
{
	static OSSL_PROVIDER	*deflt, *old;

	if (deflt == NULL &&
	    (deflt = OSSL_PROVIDER_load(NULL, "default")) == NULL) {
		log_warnx("%s: cannot load the default provider", __func__);
		return -1;
	}
	if (legacy && old == NULL &&
	    (old = OSSL_PROVIDER_load(NULL, "legacy")) == NULL) {
		log_warnx("%s: cannot load the legacy provider", __func__);
		return -1;
	}
	return 0;
}

/* NID of a cipher name as written in tinc.conf ("none" is 0). */
int
lcrypto_cipher_nid(const char *name)
{
	const EVP_CIPHER	*c;
	EVP_CIPHER		*f;
	int			 nid;

	if (strcasecmp(name, "none") == 0)
		return 0;
	if ((c = EVP_get_cipherbyname(name)) != NULL)
		return EVP_CIPHER_get_nid(c) > 0 ? EVP_CIPHER_get_nid(c) : -1;
	if ((f = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL)
		return -1;
	nid = EVP_CIPHER_get_nid(f);
	EVP_CIPHER_free(f);
	return nid > 0 ? nid : -1;
}

int
lcrypto_digest_nid(const char *name)
{
	const EVP_MD	*d;
	EVP_MD		*f;
	int		 nid;

	if (strcasecmp(name, "none") == 0)
		return 0;
	if ((d = EVP_get_digestbyname(name)) != NULL)
		return EVP_MD_get_type(d) > 0 ? EVP_MD_get_type(d) : -1;
	if ((f = EVP_MD_fetch(NULL, name, NULL)) == NULL)
		return -1;
	nid = EVP_MD_get_type(f);
	EVP_MD_free(f);
	return nid > 0 ? nid : -1;
}

/* An explicitly fetched cipher, so contexts never fetch per call. */
EVP_CIPHER *
lcrypto_cipher_fetch(int nid)
{
	const char	*sn;

	if (nid <= 0 || (sn = OBJ_nid2sn(nid)) == NULL)
		return NULL;
	return EVP_CIPHER_fetch(NULL, sn, NULL);
}

EVP_MD *
lcrypto_digest_fetch(int nid)
{
	const char	*sn;

	if (nid <= 0 || (sn = OBJ_nid2sn(nid)) == NULL)
		return NULL;
	return EVP_MD_fetch(NULL, sn, NULL);
}

/* Length of the key material in ANS_KEY: key + IV, 1 for no cipher. */
int
lcrypto_keymat_len(int nid)
{
	EVP_CIPHER	*c;
	int		 len;

	if (nid == 0)
		return 1;
	if ((c = lcrypto_cipher_fetch(nid)) == NULL)
		return -1;
	len = EVP_CIPHER_get_key_length(c) + EVP_CIPHER_get_iv_length(c);
	EVP_CIPHER_free(c);
	return len;
}

int
lcrypto_digest_size(int nid)
{
	EVP_MD	*d;
	int	 len;

	if (nid == 0)
		return 0;
	if ((d = lcrypto_digest_fetch(nid)) == NULL)
		return -1;
	len = EVP_MD_get_size(d);
	EVP_MD_free(d);
	return len;
}

/*
 * The meta cipher a node announces: AES-CFB with the key size of its own
 * UDP cipher (<= 16 bytes: AES-128, <= 24: AES-192, else AES-256; none and
 * unknown ciphers: AES-128).
 */
int
lcrypto_meta_nid(int udp_nid)
{
	EVP_CIPHER	*c;
	int		 keylen = 0;

	if ((c = lcrypto_cipher_fetch(udp_nid)) != NULL) {
		keylen = EVP_CIPHER_get_key_length(c);
		EVP_CIPHER_free(c);
	}
	if (keylen <= 16)
		return NID_aes_128_cfb128;
	if (keylen <= 24)
		return NID_aes_192_cfb128;
	return NID_aes_256_cfb128;
}

/*
 * Digest and MAC length of a METAKEY (allow_null 0) or ANS_KEY
 * (allow_null 1): the digest must be known, the MAC length fit it.
 */
int
lcrypto_check_digest(int nid, int maclength, int allow_null,
    const char **reason)
{
	int	 size;

	if (nid == 0 && !allow_null) {
		*reason = "null digest";
		return -1;
	}
	if (nid < 0 || (size = lcrypto_digest_size(nid)) == -1) {
		*reason = "unknown digest";
		return -1;
	}
	if (maclength < 0 || (nid != 0 && maclength > size)) {
		*reason = "bogus MAC length";
		return -1;
	}
	return 0;
}

/* Our METAKEY plaintext: random, top bit clear so that K < n. */
int
lcrypto_meta_random(uint8_t *k, size_t len)
{
	if (len == 0 || len > INT_MAX || RAND_bytes(k, (int)len) != 1)
		return -1;
	k[0] &= 0x7f;
	return 0;
}

/* Key = the last keylen bytes of K, IV = the ivlen bytes before them. */
int
lcrypto_meta_split(int nid, const uint8_t *k, size_t len,
    struct meta_split *ms)
{
	EVP_CIPHER	*c;
	size_t		 keylen, ivlen;

	if ((c = lcrypto_cipher_fetch(nid)) == NULL)
		return -1;
	keylen = EVP_CIPHER_get_key_length(c);
	ivlen = EVP_CIPHER_get_iv_length(c);
	EVP_CIPHER_free(c);
	if (keylen + ivlen > len)
		return -1;
	ms->key = k + len - keylen;
	ms->keylen = keylen;
	ms->iv = k + len - keylen - ivlen;
	ms->ivlen = ivlen;
	return 0;
}

/*
 * Bytes one meta direction may carry: 2^(8L/2 - 1), L the block size, or
 * the IV length for stream modes, or 8.
 */
static uint64_t
meta_budget(const EVP_CIPHER *c)
{
	int	 l, bits;

	if ((l = EVP_CIPHER_get_block_size(c)) <= 1 &&
	    (l = EVP_CIPHER_get_iv_length(c)) <= 1)
		l = 8;
	bits = 8 * l / 2 - 1;
	return bits >= 64 ? UINT64_MAX : (uint64_t)1 << bits;
}

/*
 * Start one direction of the meta stream from the decrypted METAKEY block
 * K (enc 1: what we send, 0: what we receive).  Only stream-like modes can
 * work: every byte in must give one byte out.
 */
int
meta_cipher_init(struct meta_cipher *mc, int nid, const uint8_t *k,
    size_t len, int enc, const char **reason)
{
	EVP_CIPHER		*c = NULL;
	struct meta_split	 ms;
	int			 rv = -1;

	memset(mc, 0, sizeof(*mc));
	*reason = "unknown cipher";
	if (nid == 0) {
		*reason = "null cipher";
		goto done;
	}
	if ((c = lcrypto_cipher_fetch(nid)) == NULL)
		goto done;
	if (EVP_CIPHER_get_block_size(c) != 1) {
		*reason = "not a stream cipher";
		goto done;
	}
	if (lcrypto_meta_split(nid, k, len, &ms) == -1) {
		*reason = "key too short";
		goto done;
	}
	*reason = "cipher initialisation failed";
	if ((mc->ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex2(mc->ctx, c, ms.key, ms.iv, enc, NULL) != 1)
		goto done;
	mc->left = meta_budget(c);
	rv = 0;
 done:
	EVP_CIPHER_free(c);
	if (rv == -1)
		meta_cipher_free(mc);
	return rv;
}

/* Encrypt or decrypt the next len bytes of the stream; in may equal out. */
int
meta_cipher_update(struct meta_cipher *mc, const uint8_t *in, uint8_t *out,
    size_t len)
{
	size_t	 chunk;
	int	 outl;

	if (mc->ctx == NULL || len > mc->left)
		return -1;
	mc->left -= len;
	while (len > 0) {
		chunk = len > INT_MAX ? INT_MAX : len;
		if (EVP_CipherUpdate(mc->ctx, out, &outl, in,
		    (int)chunk) != 1 || (size_t)outl != chunk)
			return -1;
		in += chunk;
		out += chunk;
		len -= chunk;
	}
	return 0;
}

void
meta_cipher_free(struct meta_cipher *mc)
{
	EVP_CIPHER_CTX_free(mc->ctx);	/* wipes the key schedule */
	explicit_bzero(mc, sizeof(*mc));
}

/* C = K^e mod n, for the peer's key; K must be below n (top bit clear). */
int
lcrypto_rsa_encrypt_raw(EVP_PKEY *pub, const uint8_t *in, size_t len,
    uint8_t *out, size_t outsz)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 outl = outsz;
	int		 size, rv = -1;

	if ((size = EVP_PKEY_get_size(pub)) <= 0 || len != (size_t)size ||
	    outsz < len)
		return -1;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL)) == NULL)
		return -1;
	if (EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_encrypt(ctx, out, &outl, in, len) != 1 || outl != len)
		goto done;
	rv = (int)outl;
 done:
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

/* The CHAL_REPLY value: digest(nid) of the challenge bytes; its length. */
int
lcrypto_chal_digest(int nid, const uint8_t *chal, size_t len, uint8_t *out,
    size_t outsz)
{
	EVP_MD		*md;
	unsigned int	 outl;
	int		 rv = -1;

	if ((md = lcrypto_digest_fetch(nid)) == NULL)
		return -1;
	if ((size_t)EVP_MD_get_size(md) <= outsz &&
	    EVP_Digest(chal, len, out, &outl, md, NULL) == 1)
		rv = (int)outl;
	EVP_MD_free(md);
	return rv;
}

/*
 * Check a received CHAL_REPLY hex string against the challenge we sent,
 * with the digest we announced.  Either case of hex is accepted.
 */
int
lcrypto_chal_check(int nid, const uint8_t *chal, size_t len, const char *hex,
    const char **reason)
{
	uint8_t	 want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	int	 n, rv = -1;

	*reason = "unknown digest";
	if ((n = lcrypto_chal_digest(nid, chal, len, want, sizeof(want))) == -1)
		goto done;
	*reason = "wrong challenge reply length";
	if (strlen(hex) != 2 * (size_t)n)
		goto done;
	*reason = "wrong challenge reply";
	if (hex2bin(hex, got, n) == -1 || CRYPTO_memcmp(want, got, n) != 0)
		goto done;
	rv = 0;
 done:
	explicit_bzero(want, sizeof(want));
	return rv;
}

static int
key_cipher(struct legacy_key *k, int nid, size_t kmlen, const char **reason)
{
	EVP_CIPHER	*c = NULL;
	size_t		 keylen;
	int		 rv = -1;

	*reason = "wrong keylength";
	if (nid == 0) {		/* 1 byte, the MAC key (CVE-2018-16758) */
		if (kmlen == 1)
			rv = 0;
		goto done;
	}
	*reason = "unknown cipher";
	if (nid < 0 || (c = lcrypto_cipher_fetch(nid)) == NULL)
		goto done;
	/* one IV for every packet: only CBC keeps that from being fatal */
	*reason = "unsupported cipher mode";
	if (EVP_CIPHER_get_mode(c) != EVP_CIPH_CBC_MODE ||
	    EVP_CIPHER_get_block_size(c) < 8 ||
	    EVP_CIPHER_get_block_size(c) > EVP_MAX_BLOCK_LENGTH)
		goto done;
	keylen = EVP_CIPHER_get_key_length(c);
	*reason = "wrong keylength";
	if (kmlen != keylen + (size_t)EVP_CIPHER_get_iv_length(c))
		goto done;
	k->blocksize = EVP_CIPHER_get_block_size(c);
	k->ivoff = keylen;
	*reason = "cipher initialisation failed";
	if ((k->ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex2(k->ctx, c, k->key, k->key + k->ivoff,
	    k->encrypt, NULL) != 1)
		goto done;
	/* opening strips the padding itself, see open_cbc() */
	if (!k->encrypt && EVP_CIPHER_CTX_set_padding(k->ctx, 0) != 1)
		goto done;
	rv = 0;
 done:
	EVP_CIPHER_free(c);
	return rv;
}

static int
key_mac(struct legacy_key *k, int nid, int maclength, const char **reason)
{
	EVP_MAC		*hmac = NULL;
	EVP_MD		*md = NULL;
	OSSL_PARAM	 params[2];
	int		 rv = -1;

	if (lcrypto_check_digest(nid, maclength, 1, reason) == -1)
		return -1;
	if (nid == 0 || maclength == 0)
		return 0;
	*reason = "MAC initialisation failed";
	if ((md = lcrypto_digest_fetch(nid)) == NULL ||
	    (hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL ||
	    (k->mac = EVP_MAC_CTX_new(hmac)) == NULL)
		goto done;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)EVP_MD_get0_name(md), 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(k->mac, k->key, k->keylen, params) != 1)
		goto done;
	k->maclength = maclength;
	rv = 0;
 done:
	EVP_MAC_free(hmac);
	EVP_MD_free(md);
	return rv;
}

/*
 * Set up a packet key from the fields of an ANS_KEY: encrypt 1 for the
 * sender (the peer gave us this key), 0 for the receiver (we made it).
 * Checks everything tincd 1.0.36 checks, and refuses non-CBC ciphers.
 */
int
legacy_key_init(struct legacy_key *k, int encrypt, int cipher, int digest,
    int maclength, int compression, const uint8_t *km, size_t kmlen,
    const char **reason)
{
	memset(k, 0, sizeof(*k));
	k->encrypt = encrypt ? 1 : 0;
	k->cipher_nid = cipher;
	k->digest_nid = digest;
	k->compression = compression;
	if (compression < 0 || compression > 11) {
		*reason = "bogus compression level";
		goto fail;
	}
	if (kmlen == 0 || kmlen > sizeof(k->key)) {
		*reason = "wrong keylength";
		goto fail;
	}
	memcpy(k->key, km, kmlen);
	k->keylen = kmlen;
	if (key_cipher(k, cipher, kmlen, reason) == -1 ||
	    key_mac(k, digest, maclength, reason) == -1)
		goto fail;
	return 0;
 fail:
	legacy_key_free(k);
	return -1;
}

/* A fresh receive key with random material (for our ANS_KEY). */
int
legacy_key_generate(struct legacy_key *k, int cipher, int digest,
    int maclength, int compression, const char **reason)
{
	uint8_t	 km[LKEY_MAX];
	int	 len, rv = -1;

	memset(k, 0, sizeof(*k));
	*reason = "unknown cipher";
	if ((len = lcrypto_keymat_len(cipher)) <= 0 ||
	    (size_t)len > sizeof(km))
		goto done;
	*reason = "no random bytes";
	if (RAND_bytes(km, len) != 1)
		goto done;
	rv = legacy_key_init(k, 0, cipher, digest, maclength, compression,
	    km, len, reason);
 done:
	explicit_bzero(km, sizeof(km));
	return rv;
}

void
legacy_key_free(struct legacy_key *k)
{
	EVP_CIPHER_CTX_free(k->ctx);
	EVP_MAC_CTX_free(k->mac);
	explicit_bzero(k, sizeof(*k));
}

/* Datagram length for a frame (or compressed body) of len bytes. */
size_t
ldgram_size(const struct legacy_key *k, size_t len)
{
	size_t	 plain = 4 + len;

	if (k->ctx != NULL)
		plain = (plain / k->blocksize + 1) * k->blocksize;
	return plain + k->maclength;
}

/* HMAC of data with the whole key material; the MAC state stays keyed. */
static int
mac_compute(struct legacy_key *k, const uint8_t *data, size_t len,
    uint8_t *out)
{
	size_t	 outl;

	if (EVP_MAC_init(k->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(k->mac, data, len) != 1 ||
	    EVP_MAC_final(k->mac, out, &outl, EVP_MAX_MD_SIZE) != 1 ||
	    outl < (size_t)k->maclength)
		return -1;
	return 0;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * Build the datagram for one frame: E(seqno || frame) || MAC.  out must
 * not overlap frame.  Returns the datagram length or -1.
 */
int
ldgram_seal(struct legacy_key *k, uint32_t seqno, const uint8_t *frame,
    size_t len, uint8_t *out, size_t outsz)
{
	uint8_t	 sq[4], mac[EVP_MAX_MD_SIZE];
	size_t	 ctlen;
	int	 n1, n2, n3;

	if (!k->encrypt || len > LDGRAM_MAX_FRAME ||
	    ldgram_size(k, len) > outsz)
		return -1;
	put_be32(sq, seqno);
	if (k->ctx == NULL) {
		memcpy(out, sq, sizeof(sq));
		memcpy(out + sizeof(sq), frame, len);
		ctlen = sizeof(sq) + len;
	} else {
		if (EVP_CipherInit_ex2(k->ctx, NULL, NULL,
		    k->key + k->ivoff, 1, NULL) != 1 ||
		    EVP_EncryptUpdate(k->ctx, out, &n1, sq, sizeof(sq)) != 1 ||
		    EVP_EncryptUpdate(k->ctx, out + n1, &n2, frame,
		    (int)len) != 1 ||
		    EVP_EncryptFinal_ex(k->ctx, out + n1 + n2, &n3) != 1)
			return -1;
		ctlen = (size_t)n1 + n2 + n3;
	}
	if (k->maclength > 0) {
		if (mac_compute(k, out, ctlen, mac) == -1)
			return -1;
		memcpy(out + ctlen, mac, k->maclength);
	}
	return (int)(ctlen + k->maclength);
}

/* Length of PKCS#7 padding at the end of a block, or -1. */
static int
pad_len(const uint8_t *blk, size_t bs)
{
	size_t	 pad = blk[bs - 1], i;

	if (pad == 0 || pad > bs)
		return -1;
	for (i = bs - pad; i < bs; i++)
		if (blk[i] != pad)
			return -1;
	return (int)pad;
}

static int
dec(struct legacy_key *k, const uint8_t *in, size_t len, uint8_t *out)
{
	int	 outl;

	if (EVP_DecryptUpdate(k->ctx, out, &outl, in, (int)len) != 1 ||
	    (size_t)outl != len)
		return -1;
	return 0;
}

/*
 * Decrypt a CBC body straight into the frame buffer: the first block
 * (which holds the seqno) and the last one (which holds the padding) go
 * through small local buffers, everything in between lands in place.
 */
static int
open_cbc(struct legacy_key *k, const uint8_t *ct, size_t ctlen,
    uint32_t *seqno, uint8_t *frame, size_t framesz)
{
	uint8_t	 first[EVP_MAX_BLOCK_LENGTH], last[EVP_MAX_BLOCK_LENGTH];
	size_t	 bs = k->blocksize, mid, keep, flen;
	int	 pad, rv = -1;

	k->err = "decryption failed";
	if (ctlen == 0 || ctlen % bs != 0 ||
	    EVP_CipherInit_ex2(k->ctx, NULL, NULL, k->key + k->ivoff, 0,
	    NULL) != 1)
		return -1;
	if (ctlen == bs) {
		if (dec(k, ct, bs, first) == -1 ||
		    (pad = pad_len(first, bs)) == -1)
			goto done;
		k->err = "too short";
		if (bs - pad < 4)
			goto done;
		flen = bs - pad - 4;
		k->err = "frame too large";
		if (flen > framesz)
			goto done;
		memcpy(frame, first + 4, flen);
	} else {
		mid = ctlen - 2 * bs;
		k->err = "frame too large";
		if (bs - 4 + mid > framesz)
			goto done;
		k->err = "decryption failed";
		if (dec(k, ct, bs, first) == -1)
			goto done;
		memcpy(frame, first + 4, bs - 4);
		if ((mid > 0 && dec(k, ct + bs, mid, frame + bs - 4) == -1) ||
		    dec(k, ct + ctlen - bs, bs, last) == -1 ||
		    (pad = pad_len(last, bs)) == -1)
			goto done;
		keep = bs - pad;
		flen = bs - 4 + mid + keep;
		k->err = "frame too large";
		if (flen > framesz)
			goto done;
		memcpy(frame + bs - 4 + mid, last, keep);
	}
	*seqno = get_be32(first);
	rv = (int)flen;
 done:
	explicit_bzero(first, sizeof(first));
	explicit_bzero(last, sizeof(last));
	return rv;
}

static int
check_mac(struct legacy_key *k, const uint8_t *d, size_t len)
{
	uint8_t	 mac[EVP_MAX_MD_SIZE];
	size_t	 ctlen;

	if (len < 4 + (size_t)k->maclength) {
		k->err = "too short";
		return -1;
	}
	if (k->maclength == 0)
		return 0;
	ctlen = len - k->maclength;
	if (mac_compute(k, d, ctlen, mac) == -1 ||
	    CRYPTO_memcmp(mac, d + ctlen, k->maclength) != 0) {
		k->err = "unauthenticated packet";
		return -1;
	}
	return 0;
}

/*
 * Authenticate and decrypt one datagram into frame (which must not overlap
 * it).  Returns the frame length, or -1 with k->err saying why.
 */
int
ldgram_open(struct legacy_key *k, const uint8_t *d, size_t len,
    uint32_t *seqno, uint8_t *frame, size_t framesz)
{
	size_t	 ctlen;

	k->err = "wrong direction";
	if (k->encrypt)
		return -1;
	k->err = "too large";
	if (len > INT_MAX)
		return -1;
	if (check_mac(k, d, len) == -1)
		return -1;
	ctlen = len - k->maclength;
	if (k->ctx != NULL)
		return open_cbc(k, d, ctlen, seqno, frame, framesz);
	k->err = "frame too large";
	if (ctlen - 4 > framesz)
		return -1;
	*seqno = get_be32(d);
	memcpy(frame, d + 4, ctlen - 4);
	return (int)(ctlen - 4);
}

/* MAC check alone, to find the sender of a datagram from a new address. */
int
ldgram_verify(struct legacy_key *k, const uint8_t *d, size_t len)
{
	if (k->encrypt || k->maclength == 0)
		return -1;
	return check_mac(k, d, len);
}

/* A probe: 14 zero bytes, then random bytes; len LPROBE_MIN_LEN..MTU. */
int
lprobe_fill(uint8_t *frame, size_t len)
{
	if (len < LPROBE_MIN_LEN || len > MTU)
		return -1;
	memset(frame, 0, 14);
	if (RAND_bytes(frame + 14, (int)(len - 14)) != 1)
		return -1;
	return 0;
}

int
lprobe_is_probe(const uint8_t *frame, size_t len)
{
	return len >= 14 && frame[12] == 0 && frame[13] == 0;
}

int
lprobe_is_reply(const uint8_t *frame, size_t len)
{
	return lprobe_is_probe(frame, len) && frame[0] != 0;
}

void
lprobe_make_reply(uint8_t *frame, size_t len)
{
	if (len > 0)
		frame[0] = 1;
}
