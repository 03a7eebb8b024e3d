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
 * The key holder's oracle, and Ed25519 signing from tinc's expanded key.
 *
 * OpenSSL signs only from an RFC 8032 seed, and tinc 1.1 key files hold
 * the expanded key (clamped scalar a, nonce prefix, public key A), from
 * which the seed cannot be recovered.  So the signature itself is computed
 * here: SHA-512 comes from OpenSSL, the group arithmetic is below.
 *
 * Field elements mod p = 2^255 - 19 have five 51-bit limbs; points are in
 * extended twisted Edwards coordinates (X:Y:Z:T, x = X/Z, y = Y/Z,
 * xy = T/Z) with a = -1.  The scalar multiple r*B is a Montgomery ladder
 * over the complete addition law, with constant-time swaps, so its timing
 * does not depend on the secret nonce r.  Scalars mod the group order L are
 * reduced one bit at a time with masked subtraction, likewise constant
 * time.
 */

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "keys_oracle.h"
#include "log.h"

typedef uint64_t	fe[5];

struct ge {
	fe	 X, Y, Z, T;
};

#define MASK51		((UINT64_C(1) << 51) - 1)

/* 2*d, d = -121665/121666 mod p, little endian */
static const uint8_t	 ed_2d[32] = {
	0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83, 0x82,
	0x9a, 0x14, 0xe0, 0x00, 0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80, 0x8e, 0x19,
	0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24
};

/* the base point B of RFC 8032 (y = 4/5, x even) */
static const uint8_t	 ed_bx[32] = {
	0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25, 0x95,
	0x60, 0xc7, 0x2c, 0x69, 0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0,
	0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21
};
static const uint8_t	 ed_by[32] = {
	0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
};

/* group order L = 2^252 + 27742317777372353535851937790883648493 */
static const uint64_t	 ed_l[4] = {
	UINT64_C(0x5812631a5cf5d3ed), UINT64_C(0x14def9dea2f79cd6),
	0, UINT64_C(0x1000000000000000)
};

static EVP_MD		*sha512_md;

static uint64_t
load64_le(const uint8_t *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
store64_le(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 0; i < 8; i++) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

/* Field arithmetic.  Inputs and outputs have limbs below 2^52. */

static void
fe_frombytes(fe h, const uint8_t s[32])
{
	uint64_t	 w0, w1, w2, w3;

	w0 = load64_le(s);
	w1 = load64_le(s + 8);
	w2 = load64_le(s + 16);
	w3 = load64_le(s + 24);
	h[0] = w0 & MASK51;
	h[1] = (w0 >> 51 | w1 << 13) & MASK51;
	h[2] = (w1 >> 38 | w2 << 26) & MASK51;
	h[3] = (w2 >> 25 | w3 << 39) & MASK51;
	h[4] = (w3 >> 12) & MASK51;	/* bit 255 is ignored */
}

static void
fe_carry(fe h)
{
	uint64_t	 c;

	c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
	c = h[1] >> 51; h[1] &= MASK51; h[2] += c;
	c = h[2] >> 51; h[2] &= MASK51; h[3] += c;
	c = h[3] >> 51; h[3] &= MASK51; h[4] += c;
	c = h[4] >> 51; h[4] &= MASK51; h[0] += 19 * c;
}

/* Canonical encoding: reduce fully below p, then pack 255 bits. */
static void
fe_tobytes(uint8_t s[32], const fe f)
{
	fe		 t;
	uint64_t	 q;

	memcpy(t, f, sizeof(t));
	fe_carry(t);
	fe_carry(t);
	/* q = 1 iff t >= p, i.e. t + 19 carries into bit 255 */
	q = (t[0] + 19) >> 51;
	q = (t[1] + q) >> 51;
	q = (t[2] + q) >> 51;
	q = (t[3] + q) >> 51;
	q = (t[4] + q) >> 51;
	t[0] += 19 * q;
	t[1] += t[0] >> 51; t[0] &= MASK51;
	t[2] += t[1] >> 51; t[1] &= MASK51;
	t[3] += t[2] >> 51; t[2] &= MASK51;
	t[4] += t[3] >> 51; t[3] &= MASK51;
	t[4] &= MASK51;
	store64_le(s, t[0] | t[1] << 51);
	store64_le(s + 8, t[1] >> 13 | t[2] << 38);
	store64_le(s + 16, t[2] >> 26 | t[3] << 25);
	store64_le(s + 24, t[3] >> 39 | t[4] << 12);
	explicit_bzero(t, sizeof(t));
}

static void
fe_add(fe h, const fe f, const fe g)
{
	int	 i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
	fe_carry(h);
}

/* h = f - g, computed as f + 4p - g so that no limb goes negative. */
static void
fe_sub(fe h, const fe f, const fe g)
{
	int	 i;

	h[0] = f[0] + (UINT64_C(4) * (MASK51 - 18)) - g[0];
	for (i = 1; i < 5; i++)
		h[i] = f[i] + (UINT64_C(4) * MASK51) - g[i];
	fe_carry(h);
}

static void
fe_mul(fe h, const fe f, const fe g)
{
	unsigned __int128	 t0, t1, t2, t3, t4;
	uint64_t		 g1, g2, g3, g4, c;

	/* 2^255 = 19 mod p: the limbs that wrap around are multiplied by 19 */
	g1 = 19 * g[1];
	g2 = 19 * g[2];
	g3 = 19 * g[3];
	g4 = 19 * g[4];
	t0 = (unsigned __int128)f[0] * g[0] + (unsigned __int128)f[1] * g4 +
	    (unsigned __int128)f[2] * g3 + (unsigned __int128)f[3] * g2 +
	    (unsigned __int128)f[4] * g1;
	t1 = (unsigned __int128)f[0] * g[1] + (unsigned __int128)f[1] * g[0] +
	    (unsigned __int128)f[2] * g4 + (unsigned __int128)f[3] * g3 +
	    (unsigned __int128)f[4] * g2;
	t2 = (unsigned __int128)f[0] * g[2] + (unsigned __int128)f[1] * g[1] +
	    (unsigned __int128)f[2] * g[0] + (unsigned __int128)f[3] * g4 +
	    (unsigned __int128)f[4] * g3;
	t3 = (unsigned __int128)f[0] * g[3] + (unsigned __int128)f[1] * g[2] +
	    (unsigned __int128)f[2] * g[1] + (unsigned __int128)f[3] * g[0] +
	    (unsigned __int128)f[4] * g4;
	t4 = (unsigned __int128)f[0] * g[4] + (unsigned __int128)f[1] * g[3] +
	    (unsigned __int128)f[2] * g[2] + (unsigned __int128)f[3] * g[1] +
	    (unsigned __int128)f[4] * g[0];

	t1 += (uint64_t)(t0 >> 51);
	t2 += (uint64_t)(t1 >> 51);
	t3 += (uint64_t)(t2 >> 51);
	t4 += (uint64_t)(t3 >> 51);
	c = (uint64_t)(t4 >> 51);
	h[0] = ((uint64_t)t0 & MASK51) + 19 * c;
	h[1] = (uint64_t)t1 & MASK51;
	h[2] = (uint64_t)t2 & MASK51;
	h[3] = (uint64_t)t3 & MASK51;
	h[4] = (uint64_t)t4 & MASK51;
	h[1] += h[0] >> 51;
	h[0] &= MASK51;
}

/* out = z^(p-2) = 1/z; the exponent is public, so its bits may branch. */
static void
fe_invert(fe out, const fe z)
{
	fe	 r = { 1, 0, 0, 0, 0 };
	int	 i;

	/* p - 2 = 2^255 - 21: bits 0..254 set except bits 2 and 4 */
	for (i = 254; i >= 0; i--) {
		fe_mul(r, r, r);
		if (i != 2 && i != 4)
			fe_mul(r, r, z);
	}
	memcpy(out, r, sizeof(r));
}

static void
fe_cswap(fe f, fe g, uint64_t bit)
{
	uint64_t	 mask = 0 - bit, t;
	int		 i;

	for (i = 0; i < 5; i++) {
		t = mask & (f[i] ^ g[i]);
		f[i] ^= t;
		g[i] ^= t;
	}
}

/*
 * r = p + q with the complete addition law for a = -1 (Hisil, Wong,
 * Carter, Dawson 2008, "add-2008-hwcd-3"); it also doubles.  r may alias
 * p or q.
 */
static void
ge_add(struct ge *r, const struct ge *p, const struct ge *q)
{
	fe	 a, b, c, d, e, f, g, h, t, k;

	fe_frombytes(k, ed_2d);
	fe_sub(a, p->Y, p->X);
	fe_sub(t, q->Y, q->X);
	fe_mul(a, a, t);
	fe_add(b, p->Y, p->X);
	fe_add(t, q->Y, q->X);
	fe_mul(b, b, t);
	fe_mul(c, p->T, q->T);
	fe_mul(c, c, k);
	fe_mul(d, p->Z, q->Z);
	fe_add(d, d, d);
	fe_sub(e, b, a);
	fe_sub(f, d, c);
	fe_add(g, d, c);
	fe_add(h, b, a);
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	fe_mul(r->T, e, h);
	fe_mul(r->Z, f, g);
}

static void
ge_cswap(struct ge *p, struct ge *q, uint64_t bit)
{
	fe_cswap(p->X, q->X, bit);
	fe_cswap(p->Y, q->Y, bit);
	fe_cswap(p->Z, q->Z, bit);
	fe_cswap(p->T, q->T, bit);
}

/* r = s*B for a 256-bit little-endian scalar, in constant time. */
static void
ge_scalarmult_base(struct ge *r, const uint8_t s[32])
{
	struct ge	 r0, r1;
	uint64_t	 bit;
	int		 i;

	memset(&r0, 0, sizeof(r0));
	r0.Y[0] = 1;
	r0.Z[0] = 1;
	fe_frombytes(r1.X, ed_bx);
	fe_frombytes(r1.Y, ed_by);
	memset(r1.Z, 0, sizeof(r1.Z));
	r1.Z[0] = 1;
	fe_mul(r1.T, r1.X, r1.Y);

	/* invariant: r1 = r0 + B */
	for (i = 255; i >= 0; i--) {
		bit = (s[i / 8] >> (i % 8)) & 1;
		ge_cswap(&r0, &r1, bit);
		ge_add(&r1, &r0, &r1);
		ge_add(&r0, &r0, &r0);
		ge_cswap(&r0, &r1, bit);
	}
	*r = r0;
	explicit_bzero(&r0, sizeof(r0));
	explicit_bzero(&r1, sizeof(r1));
}

static void
ge_encode(uint8_t s[32], const struct ge *p)
{
	fe	 zi, x, y;
	uint8_t	 xs[32];

	fe_invert(zi, p->Z);
	fe_mul(x, p->X, zi);
	fe_mul(y, p->Y, zi);
	fe_tobytes(s, y);
	fe_tobytes(xs, x);
	s[31] |= (xs[0] & 1) << 7;
	explicit_bzero(xs, sizeof(xs));
}

/* Scalars mod L. */

/* r = x mod L, x being nwords little-endian 64-bit words. */
static void
sc_reduce(uint64_t r[4], const uint64_t *x, size_t nwords)
{
	uint64_t		 acc[4] = { 0, 0, 0, 0 }, t[4], borrow, mask;
	unsigned __int128	 d;
	size_t			 i;
	int			 j;

	for (i = nwords * 64; i-- > 0;) {
		/* acc < L < 2^253, so 2 * acc + 1 fits in four words */
		acc[3] = acc[3] << 1 | acc[2] >> 63;
		acc[2] = acc[2] << 1 | acc[1] >> 63;
		acc[1] = acc[1] << 1 | acc[0] >> 63;
		acc[0] = acc[0] << 1 | ((x[i / 64] >> (i % 64)) & 1);
		borrow = 0;
		for (j = 0; j < 4; j++) {
			d = (unsigned __int128)acc[j] - ed_l[j] - borrow;
			t[j] = (uint64_t)d;
			borrow = (uint64_t)(d >> 64) & 1;
		}
		/* keep acc - L unless it went negative */
		mask = borrow - 1;
		for (j = 0; j < 4; j++)
			acc[j] = (t[j] & mask) | (acc[j] & ~mask);
	}
	memcpy(r, acc, sizeof(acc));
	explicit_bzero(acc, sizeof(acc));
	explicit_bzero(t, sizeof(t));
}

static void
sc_reduce64(uint8_t out[32], const uint8_t in[64])
{
	uint64_t	 w[8], r[4];
	int		 i;

	for (i = 0; i < 8; i++)
		w[i] = load64_le(in + 8 * i);
	sc_reduce(r, w, 8);
	for (i = 0; i < 4; i++)
		store64_le(out + 8 * i, r[i]);
	explicit_bzero(w, sizeof(w));
	explicit_bzero(r, sizeof(r));
}

/* out = (a * b + c) mod L */
static void
sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32],
    const uint8_t c[32])
{
	uint64_t		 aw[4], bw[4], p[8], r[4], carry;
	unsigned __int128	 t;
	int			 i, j;

	for (i = 0; i < 4; i++) {
		aw[i] = load64_le(a + 8 * i);
		bw[i] = load64_le(b + 8 * i);
	}
	memset(p, 0, sizeof(p));
	for (i = 0; i < 4; i++) {
		carry = 0;
		for (j = 0; j < 4; j++) {
			t = (unsigned __int128)aw[i] * bw[j] + p[i + j] + carry;
			p[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		p[i + 4] = carry;
	}
	/* a * b + c < 2^512: the last carry is always zero */
	carry = 0;
	for (i = 0; i < 8; i++) {
		t = (unsigned __int128)p[i] + carry;
		if (i < 4)
			t += load64_le(c + 8 * i);
		p[i] = (uint64_t)t;
		carry = (uint64_t)(t >> 64);
	}
	sc_reduce(r, p, 8);
	for (i = 0; i < 4; i++)
		store64_le(out + 8 * i, r[i]);
	explicit_bzero(aw, sizeof(aw));
	explicit_bzero(bw, sizeof(bw));
	explicit_bzero(p, sizeof(p));
	explicit_bzero(r, sizeof(r));
}

static const EVP_MD *
sha512(void)
{
	if (sha512_md == NULL)
		sha512_md = EVP_MD_fetch(NULL, "SHA512", NULL);
	return sha512_md;
}

/* out = SHA-512(p1 || p2 || p3); p2 and p3 may be empty */
static int
sha512_3(uint8_t out[64], const uint8_t *p1, size_t l1, const uint8_t *p2,
    size_t l2, const uint8_t *p3, size_t l3)
{
	EVP_MD_CTX	*ctx;
	const EVP_MD	*md;
	int		 ret = -1;

	if ((md = sha512()) == NULL) {
		log_warnx("%s: SHA-512 is not available", __func__);
		return -1;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, p1, l1) != 1 ||
	    (l2 > 0 && EVP_DigestUpdate(ctx, p2, l2) != 1) ||
	    (l3 > 0 && EVP_DigestUpdate(ctx, p3, l3) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
		log_warnx("%s: SHA-512 failed", __func__);
		goto done;
	}
	ret = 0;
 done:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* The public key A = a*B for a clamped scalar a. */
int
ed25519_public(const uint8_t a[32], uint8_t pk[ED25519_PUB_LEN])
{
	struct ge	 A;

	ge_scalarmult_base(&A, a);
	ge_encode(pk, &A);
	explicit_bzero(&A, sizeof(A));
	return 0;
}

/*
 * RFC 8032 Ed25519 from the expanded key:
 * r = SHA-512(prefix || M) mod L, R = r*B,
 * S = (SHA-512(R || A || M) * a + r) mod L, signature R || S.
 */
int
ed25519_sign(const struct ed25519_key *key, const uint8_t *msg, size_t len,
    uint8_t sig[ED25519_SIG_LEN])
{
	struct ge	 R;
	uint8_t		 h[64], r[32], k[32];
	int		 ret = -1;

	if (sha512_3(h, key->sk + 32, 32, msg, len, NULL, 0) == -1)
		goto done;
	sc_reduce64(r, h);
	ge_scalarmult_base(&R, r);
	ge_encode(sig, &R);
	if (sha512_3(h, sig, 32, key->pk, ED25519_PUB_LEN, msg, len) == -1)
		goto done;
	sc_reduce64(k, h);
	sc_muladd(sig + 32, k, key->sk, r);
	ret = 0;
 done:
	if (ret == -1)
		explicit_bzero(sig, ED25519_SIG_LEN);
	explicit_bzero(&R, sizeof(R));
	explicit_bzero(h, sizeof(h));
	explicit_bzero(r, sizeof(r));
	explicit_bzero(k, sizeof(k));
	return ret;
}

/* The key ring. */

int
keyring_init(struct keyring *kr, const char *myname)
{
	memset(kr, 0, sizeof(*kr));
	if (!valid_name(myname)) {
		log_warnx("%s: invalid name", __func__);
		return -1;
	}
	strlcpy(kr->myname, myname, sizeof(kr->myname));
	kr->tokens = KEYS_RSA_BURST;
	/* fetch SHA-512 now, before a sandbox could forbid loading it */
	if (sha512() == NULL) {
		log_warnx("%s: SHA-512 is not available", __func__);
		return -1;
	}
	return 0;
}

/* Install our RSA private key; the context for raw decryption is made now. */
int
keyring_set_rsa(struct keyring *kr, EVP_PKEY *pkey)
{
	EVP_PKEY_CTX	*ctx = NULL;
	int		 len;

	if (pkey == NULL || !EVP_PKEY_is_a(pkey, "RSA")) {
		log_warnx("%s: not an RSA key", __func__);
		goto fail;
	}
	if ((len = EVP_PKEY_get_size(pkey)) <= 0 ||
	    len < RSA_MIN_BITS / 8 || len > RSA_MAX_BITS / 8) {
		log_warnx("%s: RSA modulus of %d bytes", __func__, len);
		goto fail;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_decrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1) {
		log_warnx("%s: cannot set up RSA decryption", __func__);
		goto fail;
	}
	EVP_PKEY_CTX_free(kr->rsa_ctx);
	EVP_PKEY_free(kr->rsa);
	kr->rsa = pkey;
	kr->rsa_ctx = ctx;
	kr->rsa_len = (size_t)len;
	return 0;
 fail:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return -1;
}

/* Copy our Ed25519 key in; the caller wipes its own copy. */
int
keyring_set_ed25519(struct keyring *kr, const struct ed25519_key *key)
{
	uint8_t	 pk[ED25519_PUB_LEN];

	ed25519_public(key->sk, pk);
	if (memcmp(pk, key->pk, sizeof(pk)) != 0) {
		log_warnx("%s: public key does not match the private key",
		    __func__);
		return -1;
	}
	kr->ed25519 = *key;
	kr->have_ed25519 = 1;
	return 0;
}

void
keyring_clear(struct keyring *kr)
{
	EVP_PKEY_CTX_free(kr->rsa_ctx);
	EVP_PKEY_free(kr->rsa);
	explicit_bzero(kr, sizeof(*kr));
}

/* Token bucket: KEYS_RSA_BURST deep, KEYS_RSA_RATE tokens per second. */
static int
rsa_take_token(struct keyring *kr, time_t now)
{
	time_t	 elapsed;

	if (now < kr->refilled)
		kr->refilled = now;	/* the clock went back */
	elapsed = now - kr->refilled;
	if (elapsed > 0) {
		if (elapsed >= KEYS_RSA_BURST)	/* full; no overflow */
			kr->tokens = KEYS_RSA_BURST;
		else
			kr->tokens += (unsigned int)elapsed * KEYS_RSA_RATE;
		if (kr->tokens > KEYS_RSA_BURST)
			kr->tokens = KEYS_RSA_BURST;
		kr->refilled = now;
	}
	if (kr->tokens == 0)
		return -1;
	kr->tokens--;
	return 0;
}

/*
 * Raw RSA decryption of a METAKEY: the input must be exactly one modulus
 * long (and below the modulus), the output is exactly one modulus long,
 * leading zero bytes kept.  Returns the output length or -1.
 */
int
keys_rsa_decrypt(struct keyring *kr, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t outsz, time_t now)
{
	size_t	 outlen;

	if (!WITH_LEGACY) {
		log_warnx("%s: refused: built without tinc 1.0 support",
		    __func__);
		return -1;
	}
	if (kr->rsa == NULL) {
		log_warnx("%s: refused: no RSA key", __func__);
		return -1;
	}
	if (inlen != kr->rsa_len) {
		log_warnx("%s: refused: %zu bytes, the modulus has %zu",
		    __func__, inlen, kr->rsa_len);
		return -1;
	}
	if (outsz < kr->rsa_len) {
		log_warnx("%s: refused: output buffer of %zu bytes", __func__,
		    outsz);
		return -1;
	}
	if (rsa_take_token(kr, now) == -1) {
		log_warnx("%s: refused: more than %d decryptions per second",
		    __func__, KEYS_RSA_RATE);
		return -1;
	}
	outlen = outsz;
	if (EVP_PKEY_decrypt(kr->rsa_ctx, out, &outlen, in, inlen) != 1 ||
	    outlen != kr->rsa_len) {
		log_warnx("%s: refused: not a valid ciphertext", __func__);
		explicit_bzero(out, outsz);
		return -1;
	}
	return (int)outlen;
}

static int
kex_ok(const uint8_t *kex, size_t len, const char *which)
{
	if (kex == NULL || len != SPTPS_KEX_LEN) {
		log_warnx("keys_sign_handshake: refused: %s KEX of %zu bytes",
		    which, kex == NULL ? 0 : len);
		return 0;
	}
	if (kex[0] != SPTPS_KEX_VERSION) {
		log_warnx("keys_sign_handshake: refused: %s KEX version %u",
		    which, kex[0]);
		return 0;
	}
	return 1;
}

/*
 * Split "tinc TCP key expansion A B\0" (or UDP) into A and B; the label
 * must be exactly that, with the NUL as its last byte and nothing else.
 */
static int
label_names(const char *label, size_t len, char *a, char *b, size_t namesz)
{
	const char	*p, *sp, *end;
	size_t		 plen = sizeof(SPTPS_LABEL_TCP) - 1;

	if (label == NULL || len <= plen || len > SPTPS_LABEL_MAX)
		return -1;
	if (memcmp(label, SPTPS_LABEL_TCP, plen) != 0 &&
	    memcmp(label, SPTPS_LABEL_UDP, plen) != 0)
		return -1;
	end = label + len - 1;
	if (*end != '\0' || memchr(label, '\0', len - 1) != NULL)
		return -1;
	p = label + plen;
	if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
		return -1;
	if ((size_t)(sp - p) >= namesz || (size_t)(end - sp - 1) >= namesz)
		return -1;
	memcpy(a, p, (size_t)(sp - p));
	a[sp - p] = '\0';
	memcpy(b, sp + 1, (size_t)(end - sp - 1));
	b[end - sp - 1] = '\0';
	if (!valid_name(a) || !valid_name(b))
		return -1;
	return 0;
}

/*
 * Sign our side of an SPTPS handshake.  tinc signs
 * role || own KEX || peer's KEX || label, role = 1 when the signer is the
 * initiator, and the label names the initiator first.
 */
int
keys_sign_handshake(struct keyring *kr, int initiator,
    const uint8_t *kex_mine, size_t minelen, const uint8_t *kex_his,
    size_t hislen, const char *label, size_t labellen,
    uint8_t sig[SPTPS_SIG_LEN])
{
	uint8_t	 msg[1 + 2 * SPTPS_KEX_LEN + SPTPS_LABEL_MAX];
	char	 a[MAX_NAME_LEN + 1], b[MAX_NAME_LEN + 1];
	size_t	 len;
	int	 ret = -1;

	if (!kr->have_ed25519) {
		log_warnx("%s: refused: no Ed25519 key", __func__);
		return -1;
	}
	if (initiator != 0 && initiator != 1) {
		log_warnx("%s: refused: role %d", __func__, initiator);
		return -1;
	}
	if (!kex_ok(kex_mine, minelen, "own") || !kex_ok(kex_his, hislen,
	    "peer's"))
		return -1;
	if (memcmp(kex_mine, kex_his, SPTPS_KEX_LEN) == 0) {
		log_warnx("%s: refused: both KEX records are the same",
		    __func__);
		return -1;
	}
	if (label_names(label, labellen, a, b, sizeof(a)) == -1) {
		log_warnx("%s: refused: label is not \"tinc TCP|UDP key "
		    "expansion A B\" with valid names", __func__);
		return -1;
	}
	if (strcmp(a, b) == 0) {
		log_warnx("%s: refused: label names %s twice", __func__, a);
		return -1;
	}
	if (strcmp(initiator ? a : b, kr->myname) != 0) {
		log_warnx("%s: refused: label \"%s %s\" does not name us as %s",
		    __func__, a, b, initiator ? "initiator" : "responder");
		return -1;
	}

	msg[0] = initiator ? 1 : 0;
	memcpy(msg + 1, kex_mine, SPTPS_KEX_LEN);
	memcpy(msg + 1 + SPTPS_KEX_LEN, kex_his, SPTPS_KEX_LEN);
	memcpy(msg + 1 + 2 * SPTPS_KEX_LEN, label, labellen);
	len = 1 + 2 * SPTPS_KEX_LEN + labellen;
	if (ed25519_sign(&kr->ed25519, msg, len, sig) == -1) {
		log_warnx("%s: signing failed", __func__);
		goto done;
	}
	ret = 0;
 done:
	explicit_bzero(msg, sizeof(msg));
	return ret;
}
