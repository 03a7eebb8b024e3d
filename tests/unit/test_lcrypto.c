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

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "lcrypto.h"
#include "proto.h"
#include "ptinc.h"

/*
 * Count OpenSSL's allocations, to prove the packet path makes none of its
 * own.  OpenSSL 3.0's HMAC duplicates a digest context inside libcrypto
 * on every re-initialisation and final (providers/.../digests/); those
 * are counted apart.
 */
static unsigned long	 nallocs, ndigest;

static void
count(const char *file)
{
	if (file != NULL && strstr(file, "implementations/digests/") != NULL)
		ndigest++;
	else
		nallocs++;
}

static void *
count_malloc(size_t n, const char *file, int line)
{
	count(file);
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	count(file);
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	free(p);
}

static void
unhex(const char *hex, uint8_t *out, size_t len)
{
	ck_assert_uint_eq(strlen(hex), 2 * len);
	ck_assert_int_eq(hex2bin(hex, out, len), 0);
}

static void
seq_bytes(uint8_t *b, size_t len, uint8_t start)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		b[i] = start + i;
}

/* spec 16.6 */
static const char	 frame_hex[] =
    "000000000000000000000000"
    "0800"
    "4500001c000100004001db8dc0a80a01c0a81401"
    "0800f7ff00000000";
static const char	 dgram1_hex[] =
    "9c5048e8cb08b2b5aadb74a4b6da429c11cef2a6bc2ed457367b7ebdca700750"
    "9bceb43679389f6e60ff362900310b37bf0109d5";
static const char	 dgram2_hex[] =
    "24987b2f2d03baece0b705d4903979a601163ce1033e23d40bdec7c9d12b57b7"
    "71aaaeb4e5326f5c40b488fed52ea031ddf576bc";
static const char	 dgram_null_hex[] =
    "00000001000000000000000000000000"
    "08004500001c000100004001db8dc0a80a01c0a81401"
    "0800f7ff0000000021c9d985";

START_TEST(test_lookups)
{
	ck_assert_int_eq(lcrypto_cipher_nid("aes-256-cbc"), 427);
	ck_assert_int_eq(lcrypto_cipher_nid("AES-256-CBC"), 427);
	ck_assert_int_eq(lcrypto_cipher_nid("aes-128-cbc"), 419);
	ck_assert_int_eq(lcrypto_cipher_nid("aes-256-cfb"), 429);
	ck_assert_int_eq(lcrypto_cipher_nid("none"), 0);
	ck_assert_int_eq(lcrypto_cipher_nid("bogus-cipher"), -1);
	ck_assert_int_eq(lcrypto_digest_nid("sha256"), 672);
	ck_assert_int_eq(lcrypto_digest_nid("SHA1"), 64);
	ck_assert_int_eq(lcrypto_digest_nid("none"), 0);
	ck_assert_int_eq(lcrypto_digest_nid("bogus"), -1);

	ck_assert_int_eq(lcrypto_keymat_len(427), 48);
	ck_assert_int_eq(lcrypto_keymat_len(419), 32);
	ck_assert_int_eq(lcrypto_keymat_len(0), 1);
	ck_assert_int_eq(lcrypto_keymat_len(-1), -1);
	ck_assert_int_eq(lcrypto_keymat_len(999999), -1);
	ck_assert_int_eq(lcrypto_digest_size(672), 32);
	ck_assert_int_eq(lcrypto_digest_size(64), 20);
	ck_assert_int_eq(lcrypto_digest_size(0), 0);

	/* meta cipher sized after the UDP cipher's key */
	ck_assert_int_eq(lcrypto_meta_nid(427), 429);
	ck_assert_int_eq(lcrypto_meta_nid(423), 425);
	ck_assert_int_eq(lcrypto_meta_nid(419), 421);
	ck_assert_int_eq(lcrypto_meta_nid(0), 421);
}
END_TEST

START_TEST(test_legacy_provider)
{
	ck_assert_int_eq(lcrypto_init(1), 0);
	/* Blowfish-CBC: key 16 + IV 8; its meta cipher is AES-128-CFB */
	ck_assert_int_eq(lcrypto_cipher_nid("bf-cbc"), 91);
	ck_assert_int_eq(lcrypto_keymat_len(91), 24);
	ck_assert_int_eq(lcrypto_meta_nid(91), 421);
}
END_TEST

START_TEST(test_check_digest)
{
	const char	*why;

	ck_assert_int_eq(lcrypto_check_digest(672, 0, 0, &why), 0);
	ck_assert_int_eq(lcrypto_check_digest(672, 32, 0, &why), 0);
	ck_assert_int_eq(lcrypto_check_digest(672, 33, 0, &why), -1);
	ck_assert_str_eq(why, "bogus MAC length");
	ck_assert_int_eq(lcrypto_check_digest(672, -1, 1, &why), -1);
	ck_assert_int_eq(lcrypto_check_digest(0, 0, 0, &why), -1);
	ck_assert_str_eq(why, "null digest");
	ck_assert_int_eq(lcrypto_check_digest(0, 4, 1, &why), 0);
	ck_assert_int_eq(lcrypto_check_digest(4242, 0, 0, &why), -1);
	ck_assert_str_eq(why, "unknown digest");
}
END_TEST

/* spec 16.3 */
static void
cfb_vector(int nid, size_t keyoff, size_t keylen, size_t ivoff,
    const char *want_hex)
{
	static const char	 text[] = "4 655 2 c\n8\n";
	struct meta_cipher	 enc, dec;
	struct meta_split	 ms;
	uint8_t			 k[128], want[12], out[12], back[12];
	const char		*why;

	seq_bytes(k, sizeof(k), 0);
	unhex(want_hex, want, sizeof(want));
	ck_assert_int_eq(lcrypto_meta_split(nid, k, sizeof(k), &ms), 0);
	ck_assert_ptr_eq(ms.key, k + keyoff);
	ck_assert_uint_eq(ms.keylen, keylen);
	ck_assert_ptr_eq(ms.iv, k + ivoff);
	ck_assert_uint_eq(ms.ivlen, 16);

	/* one write */
	ck_assert_int_eq(meta_cipher_init(&enc, nid, k, sizeof(k), 1, &why),
	    0);
	ck_assert_int_eq(meta_cipher_update(&enc, (const uint8_t *)text,
	    out, 12), 0);
	ck_assert_mem_eq(out, want, 12);
	meta_cipher_free(&enc);
	ck_assert_ptr_null(enc.ctx);

	/* two writes of 5 and 7 continue the same stream */
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(meta_cipher_init(&enc, nid, k, sizeof(k), 1, &why),
	    0);
	ck_assert_int_eq(meta_cipher_update(&enc, (const uint8_t *)text,
	    out, 5), 0);
	ck_assert_int_eq(meta_cipher_update(&enc, (const uint8_t *)text + 5,
	    out + 5, 7), 0);
	ck_assert_mem_eq(out, want, 12);
	meta_cipher_free(&enc);

	/* decrypt in place, in odd pieces */
	ck_assert_int_eq(meta_cipher_init(&dec, nid, k, sizeof(k), 0, &why),
	    0);
	memcpy(back, want, sizeof(back));
	ck_assert_int_eq(meta_cipher_update(&dec, back, back, 1), 0);
	ck_assert_int_eq(meta_cipher_update(&dec, back + 1, back + 1, 10), 0);
	ck_assert_int_eq(meta_cipher_update(&dec, back + 11, back + 11, 1),
	    0);
	ck_assert_mem_eq(back, text, 12);
	meta_cipher_free(&dec);
}

START_TEST(test_meta_cfb_vectors)
{
	cfb_vector(429, 96, 32, 80, "0c87f35dc55cac04fb6f6268");
	cfb_vector(421, 112, 16, 96, "6460c142b13a88b2b4c8558b");
}
END_TEST

START_TEST(test_meta_cipher_errors)
{
	struct meta_cipher	 mc;
	struct meta_split	 ms;
	uint8_t			 k[128], buf[16] = { 0 };
	const char		*why;

	seq_bytes(k, sizeof(k), 0);
	ck_assert_int_eq(meta_cipher_init(&mc, 0, k, sizeof(k), 0, &why), -1);
	ck_assert_str_eq(why, "null cipher");
	ck_assert_int_eq(meta_cipher_init(&mc, 4242, k, sizeof(k), 0, &why),
	    -1);
	ck_assert_str_eq(why, "unknown cipher");
	ck_assert_int_eq(meta_cipher_init(&mc, 427, k, sizeof(k), 0, &why),
	    -1);
	ck_assert_str_eq(why, "not a stream cipher");
	/* AES-256-CFB needs 48 bytes of K */
	ck_assert_int_eq(meta_cipher_init(&mc, 429, k, 47, 0, &why), -1);
	ck_assert_int_eq(lcrypto_meta_split(429, k, 47, &ms), -1);
	ck_assert_int_eq(meta_cipher_init(&mc, 429, k, 48, 0, &why), 0);
	ck_assert_ptr_nonnull(mc.ctx);
	/* AES-CFB: 2^63 bytes per direction */
	ck_assert(mc.left == (uint64_t)1 << 63);
	mc.left = 20;
	ck_assert_int_eq(meta_cipher_update(&mc, buf, buf, 16), 0);
	ck_assert_int_eq(meta_cipher_update(&mc, buf, buf, 5), -1);
	meta_cipher_free(&mc);
	ck_assert_int_eq(meta_cipher_update(&mc, buf, buf, 1), -1);
}
END_TEST

/* spec 16.4 */
static const char	 rsa_n[] =
    "C570CAF672B69E7939B92F142893D3340376FB67B0C8F0EA9102782003A30B5E"
    "0824843C2ADB9C24DCEC7365EF625A787A6150F11FF1A62FBAC5D5707F724685";
static const char	 rsa_d[] =
    "3DAD9BA9DB72131579A3D102321EE3D696D27F7D07EBEDDEC9080570B2D22745"
    "5E8B829BA3C1601891C9316F1F2BCA071C9E30DC16FE1F8E6F5ABBF9698C894D";
static const char	 rsa_k[] =
    "550DA307DA32FC474ACD2E1C36AA89ED4600CDE4A550796328F36354BB474E2D"
    "CB909E5FB98E05FB2C983029106A3B72F13C8B14F96CBD57DD1CC7CDE2A5BE0B";
static const char	 rsa_line[] =
    "1 429 672 0 0 "
    "C115782C08762B38875A61AF74C60C8EF352FC9939704E088DCDCACEA9F2E639"
    "646D82C516C7A5DC1D1C59C8BC917C24928CFF020C9592A30E0BF9E2ADABAD4A";

static EVP_PKEY *
test_rsa_key(int private)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pk = NULL;
	BIGNUM		*n = NULL, *e = NULL, *d = NULL;

	ck_assert(BN_hex2bn(&n, rsa_n) > 0);
	ck_assert(BN_hex2bn(&d, rsa_d) > 0);
	ck_assert_ptr_nonnull(e = BN_new());
	ck_assert(BN_set_word(e, 65537));
	ck_assert_ptr_nonnull(bld = OSSL_PARAM_BLD_new());
	ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n));
	ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e));
	if (private)
		ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D,
		    d));
	ck_assert_ptr_nonnull(params = OSSL_PARAM_BLD_to_param(bld));
	ck_assert_ptr_nonnull(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA",
	    NULL));
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pk,
	    private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	BN_free(d);
	return pk;
}

/* What the key holder does with a METAKEY (keys.c), for the vectors. */
static int
rsa_decrypt(EVP_PKEY *priv, const uint8_t *in, size_t len, uint8_t *out,
    size_t outsz)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 outl = outsz;
	int		 rv = -1;

	ck_assert_ptr_nonnull(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv,
	    NULL));
	if (EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_decrypt(ctx, out, &outl, in, len) == 1)
		rv = (int)outl;
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

START_TEST(test_rsa_metakey_vector)
{
	struct proto_msg	 m;
	struct meta_split	 ms;
	EVP_PKEY		*priv = test_rsa_key(1), *pub = test_rsa_key(0);
	uint8_t			 c[64], k[64], want[64], out[64], n[64];
	char			 line[PROTO_MAX_LINE + 1];
	const char		*why;

	ck_assert_int_eq(proto_parse(rsa_line, &m, &why), 0);
	ck_assert_int_eq(m.type, REQ_METAKEY);
	ck_assert_int_eq(m.metakey.cipher, 429);
	ck_assert_int_eq(m.metakey.digest, 672);
	ck_assert_uint_eq(strlen(m.metakey.key), 2 * 64);
	unhex(m.metakey.key, c, sizeof(c));
	unhex(rsa_k, want, sizeof(want));

	ck_assert_int_eq(rsa_decrypt(priv, c, sizeof(c), k,
	    sizeof(k)), 64);
	ck_assert_mem_eq(k, want, 64);
	ck_assert_int_eq(lcrypto_meta_split(m.metakey.cipher, k, sizeof(k),
	    &ms), 0);
	unhex("CB909E5FB98E05FB2C983029106A3B72"
	    "F13C8B14F96CBD57DD1CC7CDE2A5BE0B", want, 32);
	ck_assert_mem_eq(ms.key, want, 32);
	unhex("4600CDE4A550796328F36354BB474E2D", want, 16);
	ck_assert_mem_eq(ms.iv, want, 16);

	/* raw RSA is deterministic: encrypting K gives the line back */
	unhex(rsa_k, want, sizeof(want));
	ck_assert_int_eq(lcrypto_rsa_encrypt_raw(pub, want, sizeof(want), out,
	    sizeof(out)), 64);
	ck_assert_mem_eq(out, c, 64);
	m.metakey.key[0] = '\0';
	bin2hex(out, sizeof(out), m.metakey.key, sizeof(m.metakey.key));
	ck_assert_int_eq(proto_format(line, sizeof(line), &m),
	    (int)strlen(rsa_line));
	ck_assert_str_eq(line, rsa_line);

	/* wrong sizes and K >= n are refused */
	ck_assert_int_eq(lcrypto_rsa_encrypt_raw(pub, want, 63, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(lcrypto_rsa_encrypt_raw(pub, want, 64, out, 63), -1);
	unhex(rsa_n, n, sizeof(n));
	ck_assert_int_eq(lcrypto_rsa_encrypt_raw(pub, n, 64, k, sizeof(k)),
	    -1);
	ck_assert_int_eq(rsa_decrypt(priv, n, 64, k, sizeof(k)), -1);
	memset(n, 0xff, sizeof(n));
	ck_assert_int_eq(lcrypto_rsa_encrypt_raw(pub, n, 64, k, sizeof(k)),
	    -1);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
}
END_TEST

/* Our own METAKEY blocks: top bit clear, through RSA and back. */
START_TEST(test_rsa_random_blocks)
{
	EVP_PKEY	*priv = test_rsa_key(1), *pub = test_rsa_key(0);
	uint8_t		 k[64], c[64], back[64];
	int		 i;

	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(lcrypto_meta_random(k, sizeof(k)), 0);
		ck_assert_int_lt(k[0], 0x80);
		ck_assert_int_eq(lcrypto_rsa_encrypt_raw(pub, k, sizeof(k), c,
		    sizeof(c)), 64);
		ck_assert_int_eq(rsa_decrypt(priv, c, sizeof(c),
		    back, sizeof(back)), 64);
		ck_assert_mem_eq(back, k, 64);
	}
	ck_assert_int_eq(lcrypto_meta_random(k, 0), -1);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
}
END_TEST

/* spec 16.5 */
START_TEST(test_chal_reply_vectors)
{
	static const char	 r64[] =
	    "FDEAB9ACF3710362BD2658CDC9A29E8F9C757FCF9811603A8C447CD1D9151108";
	static const char	 r128[] =
	    "E9175DB65A9789096CA9CB5524D3ABC2107DF03E3C9BA3AF1ACA628F9C5D3BD2";
	struct proto_msg	 m;
	uint8_t			 chal[128], d[EVP_MAX_MD_SIZE], want[32];
	char			 hex[65], lower[65], line[80];
	const char		*why;
	size_t			 i;

	seq_bytes(chal, 64, 0);
	ck_assert_int_eq(lcrypto_chal_digest(672, chal, 64, d, sizeof(d)),
	    32);
	unhex(r64, want, 32);
	ck_assert_mem_eq(d, want, 32);
	/* the line the peer sends, parsed and checked */
	m.type = REQ_CHAL_REPLY;
	bin2hex(d, 32, m.chal_reply.hex, sizeof(m.chal_reply.hex));
	ck_assert_int_gt(proto_format(line, sizeof(line), &m), 0);
	ck_assert_str_eq(line, "3 FDEAB9ACF3710362BD2658CDC9A29E8F9C757FCF"
	    "9811603A8C447CD1D9151108");
	ck_assert_int_eq(proto_parse(line, &m, &why), 0);
	ck_assert_int_eq(lcrypto_chal_check(672, chal, 64, m.chal_reply.hex,
	    &why), 0);

	memset(chal, 0xff, sizeof(chal));
	ck_assert_int_eq(lcrypto_chal_digest(672, chal, 128, d, sizeof(d)),
	    32);
	unhex(r128, want, 32);
	ck_assert_mem_eq(d, want, 32);
	ck_assert_int_eq(lcrypto_chal_check(672, chal, 128, r128, &why), 0);

	/* lowercase is fine */
	for (i = 0; i <= strlen(r128); i++)
		lower[i] = r128[i] >= 'A' && r128[i] <= 'F' ?
		    r128[i] - 'A' + 'a' : r128[i];
	ck_assert_int_eq(lcrypto_chal_check(672, chal, 128, lower, &why), 0);
	/* 62 and 66 digits */
	strlcpy(hex, r128, 63);
	ck_assert_int_eq(lcrypto_chal_check(672, chal, 128, hex, &why), -1);
	ck_assert_str_eq(why, "wrong challenge reply length");
	{
		char	 longer[67];

		snprintf(longer, sizeof(longer), "%s00", r128);
		ck_assert_int_eq(lcrypto_chal_check(672, chal, 128, longer,
		    &why), -1);
		ck_assert_str_eq(why, "wrong challenge reply length");
	}
	/* one bit off, or not hex */
	strlcpy(hex, r128, sizeof(hex));
	hex[63] = '3';
	ck_assert_int_eq(lcrypto_chal_check(672, chal, 128, hex, &why), -1);
	ck_assert_str_eq(why, "wrong challenge reply");
	hex[63] = 'G';
	ck_assert_int_eq(lcrypto_chal_check(672, chal, 128, hex, &why), -1);
	/* the reply to the other challenge */
	ck_assert_int_eq(lcrypto_chal_check(672, chal, 64, r128, &why), -1);
	ck_assert_int_eq(lcrypto_chal_check(0, chal, 64, r128, &why), -1);
	/* SHA-1 (pre-1.0.30 peers) gives 40 digits */
	ck_assert_int_eq(lcrypto_chal_digest(64, chal, 64, d, sizeof(d)), 20);
	ck_assert_int_eq(lcrypto_chal_digest(672, chal, 64, d, 31), -1);
}
END_TEST

static void
key_16_6(struct legacy_key *k, int encrypt)
{
	uint8_t		 km[48];
	const char	*why = NULL;

	seq_bytes(km, sizeof(km), 0);
	ck_assert_msg(legacy_key_init(k, encrypt, 427, 672, 4, 0, km,
	    sizeof(km), &why) == 0, "%s", why);
	ck_assert_uint_eq(k->keylen, 48);
	ck_assert_int_eq(k->maclength, 4);
}

/* spec 16.6 */
START_TEST(test_udp_vectors)
{
	struct legacy_key	 tx, rx;
	uint8_t			 frame[42], want[52], out[128], back[64];
	uint32_t		 seqno;

	unhex(frame_hex, frame, sizeof(frame));
	key_16_6(&tx, 1);
	key_16_6(&rx, 0);

	unhex(dgram1_hex, want, sizeof(want));
	ck_assert_uint_eq(ldgram_size(&tx, sizeof(frame)), 52);
	ck_assert_int_eq(ldgram_seal(&tx, 1, frame, sizeof(frame), out,
	    sizeof(out)), 52);
	ck_assert_mem_eq(out, want, 52);
	ck_assert_int_eq(ldgram_open(&rx, want, 52, &seqno, back,
	    sizeof(back)), 42);
	ck_assert_uint_eq(seqno, 1);
	ck_assert_mem_eq(back, frame, 42);

	/* same key, same IV, next seqno */
	unhex(dgram2_hex, want, sizeof(want));
	ck_assert_int_eq(ldgram_seal(&tx, 2, frame, sizeof(frame), out,
	    sizeof(out)), 52);
	ck_assert_mem_eq(out, want, 52);
	ck_assert_int_eq(ldgram_open(&rx, want, 52, &seqno, back, 42), 42);
	ck_assert_uint_eq(seqno, 2);
	ck_assert_mem_eq(back, frame, 42);
	/* and seqno 1 again: the IV really is reset per packet */
	ck_assert_int_eq(ldgram_seal(&tx, 1, frame, sizeof(frame), out,
	    sizeof(out)), 52);
	unhex(dgram1_hex, want, sizeof(want));
	ck_assert_mem_eq(out, want, 52);

	/* frame buffer one byte short; output buffer one byte short */
	ck_assert_int_eq(ldgram_open(&rx, want, 52, &seqno, back, 41), -1);
	ck_assert_int_eq(ldgram_seal(&tx, 1, frame, sizeof(frame), out, 51),
	    -1);
	/* the wrong direction */
	ck_assert_int_eq(ldgram_open(&tx, want, 52, &seqno, back, 64), -1);
	ck_assert_int_eq(ldgram_seal(&rx, 1, frame, 42, out, sizeof(out)),
	    -1);
	legacy_key_free(&tx);
	legacy_key_free(&rx);
}
END_TEST

START_TEST(test_udp_tamper)
{
	struct legacy_key	 rx;
	uint8_t			 d[52], back[64];
	uint32_t		 seqno;
	size_t			 bit;

	key_16_6(&rx, 0);
	unhex(dgram1_hex, d, sizeof(d));
	for (bit = 0; bit < 8 * sizeof(d); bit++) {
		d[bit / 8] ^= 1 << (bit % 8);
		ck_assert_int_eq(ldgram_open(&rx, d, sizeof(d), &seqno, back,
		    sizeof(back)), -1);
		ck_assert_str_eq(rx.err, "unauthenticated packet");
		ck_assert_int_eq(ldgram_verify(&rx, d, sizeof(d)), -1);
		d[bit / 8] ^= 1 << (bit % 8);
	}
	ck_assert_int_eq(ldgram_verify(&rx, d, sizeof(d)), 0);
	/* 4 bytes with a 4-byte MAC: too short; so are 0..7 */
	for (bit = 0; bit < 8; bit++) {
		ck_assert_int_eq(ldgram_open(&rx, d, bit, &seqno, back,
		    sizeof(back)), -1);
		ck_assert_str_eq(rx.err, "too short");
	}
	/* truncated datagrams fail the MAC */
	ck_assert_int_eq(ldgram_open(&rx, d, 51, &seqno, back, sizeof(back)),
	    -1);
	legacy_key_free(&rx);
}
END_TEST

START_TEST(test_udp_null_cipher)
{
	struct legacy_key	 tx, rx;
	uint8_t			 km = 0xab, frame[42], want[50], out[64];
	uint8_t			 back[64];
	uint32_t		 seqno;
	const char		*why;

	unhex(frame_hex, frame, sizeof(frame));
	unhex(dgram_null_hex, want, sizeof(want));
	ck_assert_int_eq(legacy_key_init(&tx, 1, 0, 672, 4, 0, &km, 1, &why),
	    0);
	ck_assert_int_eq(legacy_key_init(&rx, 0, 0, 672, 4, 0, &km, 1, &why),
	    0);
	ck_assert_uint_eq(ldgram_size(&tx, 42), 50);
	ck_assert_int_eq(ldgram_seal(&tx, 1, frame, sizeof(frame), out,
	    sizeof(out)), 50);
	ck_assert_mem_eq(out, want, 50);
	ck_assert_int_eq(ldgram_open(&rx, want, 50, &seqno, back,
	    sizeof(back)), 42);
	ck_assert_uint_eq(seqno, 1);
	ck_assert_mem_eq(back, frame, 42);
	want[10] ^= 1;
	ck_assert_int_eq(ldgram_open(&rx, want, 50, &seqno, back,
	    sizeof(back)), -1);
	legacy_key_free(&tx);
	legacy_key_free(&rx);

	/* no cipher, no digest: seqno || frame in clear, nothing checked */
	ck_assert_int_eq(legacy_key_init(&tx, 1, 0, 0, 4, 0, &km, 1, &why), 0);
	ck_assert_int_eq(legacy_key_init(&rx, 0, 0, 0, 4, 0, &km, 1, &why), 0);
	ck_assert_int_eq(tx.maclength, 0);
	ck_assert_int_eq(ldgram_seal(&tx, 7, frame, sizeof(frame), out,
	    sizeof(out)), 46);
	ck_assert_mem_eq(out, "\0\0\0\7", 4);
	ck_assert_mem_eq(out + 4, frame, 42);
	ck_assert_int_eq(ldgram_open(&rx, out, 46, &seqno, back,
	    sizeof(back)), 42);
	ck_assert_uint_eq(seqno, 7);
	ck_assert_int_eq(ldgram_open(&rx, out, 4, &seqno, back,
	    sizeof(back)), 0);
	ck_assert_int_eq(ldgram_open(&rx, out, 3, &seqno, back,
	    sizeof(back)), -1);
	ck_assert_int_eq(ldgram_verify(&rx, out, 46), -1);	/* no MAC */
	legacy_key_free(&tx);
	legacy_key_free(&rx);
}
END_TEST

/* Every padding length, with and without MAC, long and short frames. */
START_TEST(test_udp_round_trips)
{
	static const int	 macs[][2] = {
		{ 672, 4 }, { 672, 32 }, { 672, 1 }, { 672, 0 }, { 0, 0 },
		{ 64, 20 },
	};
	static const int	 ciphers[] = { 427, 419, 0 };
	struct legacy_key	 tx, rx;
	uint8_t			 frame[MTU], out[2048], back[MTU];
	uint32_t		 seqno;
	const char		*why;
	size_t			 len, m, c;
	int			 n;

	seq_bytes(frame, sizeof(frame), 7);
	for (c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++)
	for (m = 0; m < sizeof(macs) / sizeof(macs[0]); m++) {
		ck_assert_int_eq(legacy_key_generate(&rx, ciphers[c],
		    macs[m][0], macs[m][1], 0, &why), 0);
		ck_assert_int_eq(legacy_key_init(&tx, 1, ciphers[c],
		    macs[m][0], macs[m][1], 0, rx.key, rx.keylen, &why), 0);
		for (len = 0; len <= MTU; len += len < 80 ? 1 : 97) {
			n = ldgram_seal(&tx, len + 1, frame, len, out,
			    sizeof(out));
			ck_assert_int_eq(n, ldgram_size(&tx, len));
			ck_assert_int_eq(ldgram_open(&rx, out, n, &seqno, back,
			    len), len);
			ck_assert_uint_eq(seqno, len + 1);
			ck_assert_mem_eq(back, frame, len);
		}
		ck_assert_int_eq(ldgram_seal(&tx, 1, frame, MTU, out,
		    sizeof(out)), ldgram_size(&tx, MTU));
		legacy_key_free(&tx);
		legacy_key_free(&rx);
	}
}
END_TEST

/* Without a MAC the padding is all that is checked: it must be PKCS#7. */
static void
raw_cbc(const uint8_t *km, const uint8_t *plain, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX	*ctx;
	int		 n;

	ck_assert_ptr_nonnull(ctx = EVP_CIPHER_CTX_new());
	ck_assert_int_eq(EVP_EncryptInit_ex2(ctx, EVP_aes_256_cbc(), km,
	    km + 32, NULL), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(ctx, out, &n, plain, len), 1);
	ck_assert_int_eq(n, len);
	EVP_CIPHER_CTX_free(ctx);
}

START_TEST(test_udp_padding)
{
	struct legacy_key	 rx;
	uint8_t			 km[48], plain[48], ct[48], back[64];
	uint32_t		 seqno;
	const char		*why;
	size_t			 len;

	seq_bytes(km, sizeof(km), 0);
	ck_assert_int_eq(legacy_key_init(&rx, 0, 427, 0, 0, 0, km, 48, &why),
	    0);
	for (len = 16; len <= 48; len += 16) {
		memset(plain, 0, sizeof(plain));
		plain[3] = 9;				/* seqno 9 */
		/* good: 3 bytes of 3 */
		memset(plain + len - 3, 3, 3);
		raw_cbc(km, plain, len, ct);
		ck_assert_int_eq(ldgram_open(&rx, ct, len, &seqno, back,
		    sizeof(back)), len - 7);
		ck_assert_uint_eq(seqno, 9);
		/* a full block of padding */
		memset(plain + len - 16, 16, 16);
		if (len > 16) {
			raw_cbc(km, plain, len, ct);
			ck_assert_int_eq(ldgram_open(&rx, ct, len, &seqno, back,
			    sizeof(back)), len - 20);
		}
		/* bad: 0, more than a block, inconsistent */
		plain[len - 1] = 0;
		raw_cbc(km, plain, len, ct);
		ck_assert_int_eq(ldgram_open(&rx, ct, len, &seqno, back,
		    sizeof(back)), -1);
		plain[len - 1] = 17;
		raw_cbc(km, plain, len, ct);
		ck_assert_int_eq(ldgram_open(&rx, ct, len, &seqno, back,
		    sizeof(back)), -1);
		memset(plain + len - 3, 3, 3);
		plain[len - 2] = 2;
		raw_cbc(km, plain, len, ct);
		ck_assert_int_eq(ldgram_open(&rx, ct, len, &seqno, back,
		    sizeof(back)), -1);
		ck_assert_str_eq(rx.err, "decryption failed");
		/* not a whole number of blocks */
		ck_assert_int_eq(ldgram_open(&rx, ct, len - 1, &seqno, back,
		    sizeof(back)), -1);
	}
	/* one block whose padding eats into the seqno */
	memset(plain, 13, 16);
	raw_cbc(km, plain, 16, ct);
	ck_assert_int_eq(ldgram_open(&rx, ct, 16, &seqno, back, sizeof(back)),
	    -1);
	ck_assert_str_eq(rx.err, "too short");
	memset(plain, 12, 16);
	raw_cbc(km, plain, 16, ct);
	ck_assert_int_eq(ldgram_open(&rx, ct, 16, &seqno, back, sizeof(back)),
	    0);
	ck_assert_uint_eq(seqno, 0x0c0c0c0c);
	legacy_key_free(&rx);
}
END_TEST

/* spec 16.9: datagram sizes of AES-256-CBC with a 4-byte MAC */
START_TEST(test_udp_sizes)
{
	struct legacy_key	 tx;

	key_16_6(&tx, 1);
	ck_assert_uint_eq(ldgram_size(&tx, 42), 52);
	ck_assert_uint_eq(ldgram_size(&tx, 98), 116);
	ck_assert_uint_eq(ldgram_size(&tx, 1451), 1460);
	ck_assert_uint_eq(ldgram_size(&tx, 1452), 1476);
	ck_assert_uint_eq(ldgram_size(&tx, 11), 20);
	ck_assert_uint_eq(ldgram_size(&tx, 12), 36);
	legacy_key_free(&tx);
}
END_TEST

START_TEST(test_udp_key_checks)
{
	struct legacy_key	 k;
	uint8_t			 km[LKEY_MAX + 1];
	const char		*why;

	seq_bytes(km, sizeof(km), 0);
	/* CVE-2018-16758: no cipher takes exactly one byte */
	ck_assert_int_eq(legacy_key_init(&k, 1, 0, 672, 4, 0, km, 48, &why),
	    -1);
	ck_assert_str_eq(why, "wrong keylength");
	ck_assert_int_eq(legacy_key_init(&k, 1, 0, 672, 4, 0, km, 1, &why), 0);
	legacy_key_free(&k);
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, 4, 0, km, 47, &why),
	    -1);
	ck_assert_str_eq(why, "wrong keylength");
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, 4, 0, km, 49, &why),
	    -1);
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, 4, 0, km, 0, &why),
	    -1);
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, 4, 0, km,
	    sizeof(km), &why), -1);
	ck_assert_int_eq(legacy_key_init(&k, 1, 4242, 672, 4, 0, km, 48,
	    &why), -1);
	ck_assert_str_eq(why, "unknown cipher");
	ck_assert_int_eq(legacy_key_init(&k, 1, -1, 672, 4, 0, km, 48, &why),
	    -1);
	/* stream modes would reuse the key stream on every packet */
	ck_assert_int_eq(legacy_key_init(&k, 1, 429, 672, 4, 0, km, 48, &why),
	    -1);
	ck_assert_str_eq(why, "unsupported cipher mode");
	ck_assert_int_eq(legacy_key_init(&k, 1, NID_aes_128_ecb, 672, 4, 0, km,
	    16, &why), -1);
	ck_assert_str_eq(why, "unsupported cipher mode");
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, 33, 0, km, 48,
	    &why), -1);
	ck_assert_str_eq(why, "bogus MAC length");
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, -1, 0, km, 48,
	    &why), -1);
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 4242, 4, 0, km, 48,
	    &why), -1);
	ck_assert_str_eq(why, "unknown digest");
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, 4, 12, km, 48,
	    &why), -1);
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, 4, -1, km, 48,
	    &why), -1);
	ck_assert_int_eq(legacy_key_init(&k, 1, 427, 672, 4, 11, km, 48,
	    &why), 0);
	ck_assert_int_eq(k.compression, 11);
	legacy_key_free(&k);
	ck_assert_ptr_null(k.ctx);

	/* a generated key is fresh every time */
	{
		struct legacy_key	 a, b;

		ck_assert_int_eq(legacy_key_generate(&a, 427, 672, 4, 0,
		    &why), 0);
		ck_assert_int_eq(legacy_key_generate(&b, 427, 672, 4, 0,
		    &why), 0);
		ck_assert_uint_eq(a.keylen, 48);
		ck_assert_int_eq(a.encrypt, 0);
		ck_assert(memcmp(a.key, b.key, 48) != 0);
		legacy_key_free(&a);
		legacy_key_free(&b);
		ck_assert_int_eq(legacy_key_generate(&a, 0, 672, 4, 0, &why),
		    0);
		ck_assert_uint_eq(a.keylen, 1);
		legacy_key_free(&a);
		ck_assert_int_eq(legacy_key_generate(&a, 4242, 672, 4, 0,
		    &why), -1);
	}
}
END_TEST

static void
no_alloc_loop(struct legacy_key *tx, struct legacy_key *rx)
{
	uint8_t			 frame[MTU], out[2048], back[MTU];
	uint32_t		 seqno, i;
	unsigned long		 before, dbefore;
	int			 n;

	seq_bytes(frame, sizeof(frame), 1);
	/* warm up once: OpenSSL may set up per-thread state lazily */
	n = ldgram_seal(tx, 1, frame, 100, out, sizeof(out));
	ck_assert_int_eq(ldgram_open(rx, out, n, &seqno, back, MTU), 100);
	before = nallocs;
	dbefore = ndigest;
	for (i = 1; i <= 1000; i++) {
		n = ldgram_seal(tx, i, frame, i % MTU, out, sizeof(out));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(ldgram_open(rx, out, n, &seqno, back, MTU),
		    i % MTU);
		out[n - 1] ^= 1;
		ldgram_open(rx, out, n, &seqno, back, MTU);
	}
	ck_assert_uint_eq(nallocs, before);
	/* at most two digest contexts per MAC computed (3 per round) */
	ck_assert_uint_le(ndigest - dbefore, 2 * 3 * 1000);
	if (tx->maclength == 0)
		ck_assert_uint_eq(ndigest, dbefore);
}

/* The hot path allocates nothing: contexts live as long as the key. */
START_TEST(test_udp_no_alloc)
{
	struct legacy_key	 tx, rx;
	uint8_t			 km[48];
	const char		*why;

	key_16_6(&tx, 1);
	key_16_6(&rx, 0);
	no_alloc_loop(&tx, &rx);
	legacy_key_free(&tx);
	legacy_key_free(&rx);

	/* without a MAC: not a single allocation */
	seq_bytes(km, sizeof(km), 0);
	ck_assert_int_eq(legacy_key_init(&tx, 1, 427, 0, 0, 0, km, 48, &why),
	    0);
	ck_assert_int_eq(legacy_key_init(&rx, 0, 427, 0, 0, 0, km, 48, &why),
	    0);
	no_alloc_loop(&tx, &rx);
	legacy_key_free(&tx);
	legacy_key_free(&rx);
}
END_TEST

/* spec 11.1 */
START_TEST(test_probes)
{
	uint8_t	 f[MTU + 1];
	size_t	 i;

	ck_assert_int_eq(lprobe_fill(f, LPROBE_MIN_LEN - 1), -1);
	ck_assert_int_eq(lprobe_fill(f, MTU + 1), -1);
	memset(f, 0x55, sizeof(f));
	ck_assert_int_eq(lprobe_fill(f, 100), 0);
	for (i = 0; i < 14; i++)
		ck_assert_int_eq(f[i], 0);
	ck_assert(lprobe_is_probe(f, 100));
	ck_assert(!lprobe_is_reply(f, 100));
	lprobe_make_reply(f, 100);
	ck_assert_int_eq(f[0], 1);
	ck_assert(lprobe_is_reply(f, 100));
	ck_assert(!lprobe_is_probe(f, 13));
	f[13] = 0x08;
	ck_assert(!lprobe_is_probe(f, 100));
	ck_assert_int_eq(lprobe_fill(f, MTU), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("lcrypto");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	/* before OpenSSL allocates anything */
	if (!CRYPTO_set_mem_functions(count_malloc, count_realloc,
	    count_free))
		return EXIT_FAILURE;
	tcase_add_test(tc, test_lookups);
	tcase_add_test(tc, test_legacy_provider);
	tcase_add_test(tc, test_check_digest);
	tcase_add_test(tc, test_meta_cfb_vectors);
	tcase_add_test(tc, test_meta_cipher_errors);
	tcase_add_test(tc, test_rsa_metakey_vector);
	tcase_add_test(tc, test_rsa_random_blocks);
	tcase_add_test(tc, test_chal_reply_vectors);
	tcase_add_test(tc, test_udp_vectors);
	tcase_add_test(tc, test_udp_tamper);
	tcase_add_test(tc, test_udp_null_cipher);
	tcase_add_test(tc, test_udp_round_trips);
	tcase_add_test(tc, test_udp_padding);
	tcase_add_test(tc, test_udp_sizes);
	tcase_add_test(tc, test_udp_key_checks);
	tcase_add_test(tc, test_udp_no_alloc);
	tcase_add_test(tc, test_probes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
