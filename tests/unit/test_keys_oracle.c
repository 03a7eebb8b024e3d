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
 * The key holder's oracle: Ed25519 from tinc's expanded key against the
 * vectors of sptps-protocol.md and against OpenSSL, the handshake signing
 * checks, and raw RSA decryption with its rate limit.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "keyfile.h"
#include "keys_oracle.h"
#include "log.h"
#include "ptinc.h"

static char	 lastlog[4096];
static int	 nlogs;

static void
capture(int prio, const char *line, void *arg)
{
	(void)prio; (void)arg;
	strlcpy(lastlog, line, sizeof(lastlog));
	nlogs++;
}

static void
capture_start(void)
{
	lastlog[0] = '\0';
	nlogs = 0;
	log_set_sink(capture, NULL);
}

static void
hex(const char *s, uint8_t *out, size_t len)
{
	ck_assert_msg(hex2bin(s, out, len) == 0, "bad test vector %s", s);
}

/* sptps-protocol.md 2.4 and 10 */
#define SIG_A_ABC "cc46d62d3754f41754b27b6ea2cb2c272bafa7a5a1f6062bd060f414e50caaea" \
		  "c2da66ad39cef4424a90236ea907b7d8057e3443dc5abfc9986967ee7213a407"
#define SIG_B_ABC "109a000b930ceef5d124d6166702ab22f3f6997f0b409b15b69294ea900611b2" \
		  "7d6bb295ffb4082500409c6aff1e0a0b97c67bd92825f43a3094c268e24cb700"
#define PK_A	"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define PK_B	"29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7"
#define ECDH_A	"8bb04e1c1b83dddf311f5bcddf7c50ede3c0802f47ec796e2a131cf41298d9f3"
#define ECDH_B	"1ce56a48c82ff99162a14bc544612674e5d61fb9317e65d4055780fdbcb4dc35"
#define TCP_SIG_A "49a3760a2499bcad6b5f49df92575281099376b3c5e7792478f9e273cf4eb738" \
		  "d72a69271bd4e5d87155533e7b92b2037e38cc7052791f2362799b12f914270d"
#define TCP_SIG_B "4e0e7b96764b97f361e21988fd851e906675d299dda00d923ab46bcd50da103d" \
		  "09e542a8fdbfcb7c54f0b19ca6fbd06a11286dea80ee22d2a7c386573e218c04"
#define UDP_SIG_A "1a578f8f471172aeff56b226ac5ce63370890d8feb760ca7515a72a4eba17789" \
		  "b5db073d7e120b4541dbd9b87b1ab35bde8686cbe071c9f09bcc1206f643ea0b"
#define UDP_SIG_B "7b3b8078755452fe3c95471764c4729209113d540d227896c89a5958dca83c24" \
		  "b6253a38ff23a937a4b00a3346915271d226decd90e7a3c9c4af68d1496ad501"

static const char	 tcp_label[] = "tinc TCP key expansion alice bob";
static const char	 udp_label[] = "tinc UDP key expansion alice bob";

/* key A: seed 00..1f, key B: seed 20..3f */
static void
test_key(int which, struct ed25519_key *key)
{
	uint8_t	 seed[32];
	int	 i;

	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(which * 0x20 + i);
	ck_assert_int_eq(keyfile_ed25519_from_seed(seed, key), 0);
}

/* KEX of A (nonce 10..2f) or B (nonce 50..6f) from 10.1 */
static void
test_kex(int which, uint8_t kex[SPTPS_KEX_LEN])
{
	int	 i;

	kex[0] = 0;
	for (i = 0; i < 32; i++)
		kex[1 + i] = (uint8_t)((which ? 0x50 : 0x10) + i);
	hex(which ? ECDH_B : ECDH_A, kex + 33, 32);
}

static void
ring(struct keyring *kr, const char *name, int which)
{
	struct ed25519_key	 key;

	ck_assert_int_eq(keyring_init(kr, name), 0);
	test_key(which, &key);
	ck_assert_int_eq(keyring_set_ed25519(kr, &key), 0);
}

static int
openssl_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
    const uint8_t sig[64])
{
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*ctx;
	int		 r;

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
	ck_assert_ptr_nonnull(pkey);
	ctx = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey), 1);
	r = EVP_DigestVerify(ctx, sig, 64, msg, len);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return r == 1;
}

START_TEST(test_ed25519_vectors)
{
	struct ed25519_key	 a, b;
	uint8_t			 sig[64], want[64], pk[32];

	test_key(0, &a);
	test_key(1, &b);
	hex(PK_A, pk, 32);
	ck_assert_mem_eq(a.pk, pk, 32);
	ed25519_public(a.sk, pk);
	ck_assert_mem_eq(a.pk, pk, 32);
	ck_assert_int_eq(ed25519_sign(&a, (const uint8_t *)"abc", 3, sig), 0);
	hex(SIG_A_ABC, want, 64);
	ck_assert_mem_eq(sig, want, 64);

	hex(PK_B, pk, 32);
	ck_assert_mem_eq(b.pk, pk, 32);
	ck_assert_int_eq(ed25519_sign(&b, (const uint8_t *)"abc", 3, sig), 0);
	hex(SIG_B_ABC, want, 64);
	ck_assert_mem_eq(sig, want, 64);
}
END_TEST

/* Deterministic signatures: ours must equal OpenSSL's from the seed. */
START_TEST(test_ed25519_against_openssl)
{
	struct ed25519_key	 key;
	EVP_PKEY		*pkey;
	EVP_MD_CTX		*ctx;
	uint8_t			 seed[32], msg[300], ours[64], theirs[64], pk[32];
	size_t			 siglen, len;
	int			 i;

	for (i = 0; i < 40; i++) {
		ck_assert_int_eq(RAND_bytes(seed, sizeof(seed)), 1);
		len = (size_t)i * 7;
		ck_assert_int_eq(RAND_bytes(msg, sizeof(msg)), 1);
		ck_assert_int_eq(keyfile_ed25519_from_seed(seed, &key), 0);
		ed25519_public(key.sk, pk);
		ck_assert_mem_eq(pk, key.pk, 32);
		ck_assert_int_eq(ed25519_sign(&key, msg, len, ours), 0);

		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    seed, 32);
		ctx = EVP_MD_CTX_new();
		ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, NULL, NULL,
		    pkey), 1);
		siglen = sizeof(theirs);
		ck_assert_int_eq(EVP_DigestSign(ctx, theirs, &siglen, msg,
		    len), 1);
		ck_assert_mem_eq(ours, theirs, 64);
		EVP_MD_CTX_free(ctx);
		EVP_PKEY_free(pkey);
	}
}
END_TEST

static void
check_handshake(const char *label, const char *sig_a, const char *sig_b)
{
	struct keyring	 alice, bob;
	uint8_t		 ka[SPTPS_KEX_LEN], kb[SPTPS_KEX_LEN], sig[64];
	uint8_t		 want[64], msg[200];
	size_t		 llen = strlen(label) + 1;	/* with the NUL */

	ck_assert_uint_eq(llen, 33);
	ring(&alice, "alice", 0);
	ring(&bob, "bob", 1);
	test_kex(0, ka);
	test_kex(1, kb);

	ck_assert_int_eq(keys_sign_handshake(&alice, 1, ka, sizeof(ka), kb,
	    sizeof(kb), label, llen, sig), 0);
	hex(sig_a, want, 64);
	ck_assert_mem_eq(sig, want, 64);
	/* the verifier's view: 01 || KEX_A || KEX_B || label */
	msg[0] = 1;
	memcpy(msg + 1, ka, 65);
	memcpy(msg + 66, kb, 65);
	memcpy(msg + 131, label, llen);
	ck_assert(openssl_verify(alice.ed25519.pk, msg, 131 + llen, sig));

	ck_assert_int_eq(keys_sign_handshake(&bob, 0, kb, sizeof(kb), ka,
	    sizeof(ka), label, llen, sig), 0);
	hex(sig_b, want, 64);
	ck_assert_mem_eq(sig, want, 64);
	msg[0] = 0;
	memcpy(msg + 1, kb, 65);
	memcpy(msg + 66, ka, 65);
	ck_assert(openssl_verify(bob.ed25519.pk, msg, 131 + llen, sig));

	keyring_clear(&alice);
	keyring_clear(&bob);
}

START_TEST(test_sign_tcp_vector)
{
	check_handshake(tcp_label, TCP_SIG_A, TCP_SIG_B);
}
END_TEST

START_TEST(test_sign_udp_vector)
{
	check_handshake(udp_label, UDP_SIG_A, UDP_SIG_B);
}
END_TEST

/* A refused request: -1, a log line saying so, no signature bytes. */
static void
refused(struct keyring *kr, int initiator, const uint8_t *mine,
    size_t minelen, const uint8_t *his, size_t hislen, const char *label,
    size_t labellen, const char *why)
{
	uint8_t	 sig[64], zero[64];

	memset(sig, 0, sizeof(sig));
	memset(zero, 0, sizeof(zero));
	capture_start();
	ck_assert_msg(keys_sign_handshake(kr, initiator, mine, minelen, his,
	    hislen, label, labellen, sig) == -1, "signed: %s", why);
	log_set_sink(NULL, NULL);
	ck_assert_msg(nlogs == 1 && strstr(lastlog, "refused") != NULL,
	    "no log line for %s (%s)", why, lastlog);
	ck_assert_mem_eq(sig, zero, 64);
}

START_TEST(test_sign_refusals)
{
	struct keyring	 kr, nokey;
	uint8_t		 ka[80], kb[80], junk[64];
	char		 label[200];

	ring(&kr, "alice", 0);
	test_kex(0, ka);
	test_kex(1, kb);
	memset(junk, 0x41, sizeof(junk));

#define L(s)	s, sizeof(s)
	/* sanity: the good request passes */
	{
		uint8_t	 sig[64];

		ck_assert_int_eq(keys_sign_handshake(&kr, 1, ka, 65, kb, 65,
		    L("tinc TCP key expansion alice bob"), sig), 0);
	}
	refused(&kr, 1, ka, 64, kb, 65, L("tinc TCP key expansion alice bob"),
	    "short own KEX");
	refused(&kr, 1, ka, 65, kb, 66, L("tinc TCP key expansion alice bob"),
	    "long peer KEX");
	refused(&kr, 1, ka, 68, kb, 68, L("tinc TCP key expansion alice bob"),
	    "alt-ciphersuite KEX size");
	refused(&kr, 1, NULL, 65, kb, 65, L("tinc TCP key expansion alice bob"),
	    "no KEX");
	kb[0] = 1;
	refused(&kr, 1, ka, 65, kb, 65, L("tinc TCP key expansion alice bob"),
	    "KEX version 1");
	kb[0] = 0;
	refused(&kr, 1, ka, 65, ka, 65, L("tinc TCP key expansion alice bob"),
	    "same KEX twice");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc TCP key expansion x y"),
	    "foreign label");
	refused(&kr, 0, ka, 65, kb, 65, L("tinc TCP key expansion alice bob"),
	    "our name in the initiator's place while responder");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc TCP key expansion bob alice"),
	    "our name in the responder's place while initiator");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc TCP key expansion alice alice"),
	    "our name twice");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc TCP key expansion alice b-b"),
	    "invalid name");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc TCP key expansion alice "),
	    "empty name");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc TCP key expansion alice  bob"),
	    "two blanks");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc TCP key expansion alice bob x"),
	    "three names");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc XYZ key expansion alice bob"),
	    "unknown label kind");
	refused(&kr, 1, ka, 65, kb, 65, L("tinc invitation"),
	    "invitation label");
	refused(&kr, 1, ka, 65, kb, 65, "tinc TCP key expansion alice bob", 32,
	    "label without its NUL");
	refused(&kr, 1, ka, 65, kb, 65, "tinc TCP key expansion alice bob\0X",
	    34, "extra byte after the NUL");
	refused(&kr, 1, ka, 65, kb, 65, "tinc TCP key expansion alice\0bob", 33,
	    "NUL inside the label");
	refused(&kr, 1, ka, 65, kb, 65, (const char *)junk, sizeof(junk),
	    "arbitrary 64 bytes");
	refused(&kr, 1, ka, 65, kb, 65, NULL, 0, "no label");
	refused(&kr, 2, ka, 65, kb, 65, L("tinc TCP key expansion alice bob"),
	    "role 2");
	/* a name longer than MAX_NAME_LEN */
	snprintf(label, sizeof(label), "tinc TCP key expansion alice %0*d",
	    MAX_NAME_LEN + 1, 0);
	refused(&kr, 1, ka, 65, kb, 65, label, strlen(label) + 1,
	    "name too long");

	ck_assert_int_eq(keyring_init(&nokey, "alice"), 0);
	refused(&nokey, 1, ka, 65, kb, 65,
	    L("tinc TCP key expansion alice bob"), "no Ed25519 key");
#undef L
	keyring_clear(&kr);
	keyring_clear(&nokey);
}
END_TEST

START_TEST(test_keyring)
{
	struct keyring		 kr;
	struct ed25519_key	 key;
	size_t			 i;
	const uint8_t		*p;

	ck_assert_int_eq(keyring_init(&kr, "bad name"), -1);
	ck_assert_int_eq(keyring_init(&kr, ""), -1);
	ck_assert_int_eq(keyring_init(&kr, "alice"), 0);
	test_key(0, &key);
	key.pk[0] ^= 1;
	ck_assert_int_eq(keyring_set_ed25519(&kr, &key), -1);
	ck_assert_int_eq(kr.have_ed25519, 0);
	key.pk[0] ^= 1;
	ck_assert_int_eq(keyring_set_ed25519(&kr, &key), 0);
	keyring_clear(&kr);
	for (p = (const uint8_t *)&kr, i = 0; i < sizeof(kr); i++)
		ck_assert_uint_eq(p[i], 0);
}
END_TEST

/* Our fixture key copied to a private file (git does not keep 0600). */
static EVP_PKEY *
fixture_private(void)
{
	char		 tmp[] = "/tmp/test_keys.XXXXXX";
	char		 src[512], buf[8192];
	EVP_PKEY	*pkey;
	FILE		*f;
	size_t		 n;
	int		 fd;

	snprintf(src, sizeof(src), "%s/keys/tincd-1.0.36/rsa_key.priv",
	    TEST_DATA);
	ck_assert_ptr_nonnull(f = fopen(src, "r"));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_ne(fd = mkstemp(tmp), -1);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
	pkey = keyfile_read_rsa_private(tmp);
	unlink(tmp);
	ck_assert_ptr_nonnull(pkey);
	return pkey;
}

static void
raw_encrypt(EVP_PKEY *pub, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 outlen = len;

	ctx = EVP_PKEY_CTX_new(pub, NULL);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_PKEY_encrypt_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
	ck_assert_int_eq(EVP_PKEY_encrypt(ctx, out, &outlen, in, len), 1);
	ck_assert_uint_eq(outlen, len);
	EVP_PKEY_CTX_free(ctx);
}

START_TEST(test_rsa_fixture_pair)
{
	struct keyring	 kr;
	EVP_PKEY	*pub;
	char		 path[512];
	uint8_t		 k[256], c[256], out[300];
	int		 i;

	if (!WITH_LEGACY)
		return;
	snprintf(path, sizeof(path), "%s/keys/tincd-1.0.36/hosts/fixture",
	    TEST_DATA);
	ck_assert_ptr_nonnull(pub = keyfile_read_rsa_public(path));
	ck_assert_int_eq(keyring_init(&kr, "fixture"), 0);
	ck_assert_int_eq(keyring_set_rsa(&kr, fixture_private()), 0);
	ck_assert_uint_eq(kr.rsa_len, 256);

	for (i = 0; i < 3; i++) {
		/* a METAKEY as tincd makes it: random, top bit clear */
		ck_assert_int_eq(RAND_bytes(k, sizeof(k)), 1);
		k[0] &= 0x7f;
		if (i == 1)
			k[0] = k[1] = 0;	/* leading zeros are kept */
		raw_encrypt(pub, k, sizeof(k), c);
		memset(out, 0xee, sizeof(out));
		ck_assert_int_eq(keys_rsa_decrypt(&kr, c, sizeof(c), out,
		    sizeof(out), 1000), 256);
		ck_assert_mem_eq(out, k, 256);
	}

	capture_start();
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 255, out, sizeof(out), 1000),
	    -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "refused"));
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 257, out, sizeof(out), 1000),
	    -1);
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 255, 1000), -1);
	memset(c, 0xff, sizeof(c));	/* >= n */
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, sizeof(out), 1000),
	    -1);
	log_set_sink(NULL, NULL);

	EVP_PKEY_free(pub);
	keyring_clear(&kr);
}
END_TEST

/* legacy-protocol.md 16.4: a 512-bit key given as n and d only */
START_TEST(test_rsa_spec_vector)
{
	static const char	 n_hex[] = "C570CAF672B69E7939B92F142893D3340376FB67B0C8F0EA9102782003A30B5E0824843C2ADB9C24DCEC7365EF625A787A6150F11FF1A62FBAC5D5707F724685";
	static const char	 d_hex[] = "3DAD9BA9DB72131579A3D102321EE3D696D27F7D07EBEDDEC9080570B2D227455E8B829BA3C1601891C9316F1F2BCA071C9E30DC16FE1F8E6F5ABBF9698C894D";
	static const char	 k_hex[] = "550DA307DA32FC474ACD2E1C36AA89ED4600CDE4A550796328F36354BB474E2DCB909E5FB98E05FB2C983029106A3B72F13C8B14F96CBD57DD1CC7CDE2A5BE0B";
	static const char	 c_hex[] = "C115782C08762B38875A61AF74C60C8EF352FC9939704E088DCDCACEA9F2E639646D82C516C7A5DC1D1C59C8BC917C24928CFF020C9592A30E0BF9E2ADABAD4A";
	struct keyring		 kr;
	OSSL_PARAM_BLD		*bld;
	OSSL_PARAM		*params;
	EVP_PKEY_CTX		*ctx;
	EVP_PKEY		*pkey = NULL;
	BIGNUM			*n = NULL, *d = NULL, *e;
	uint8_t			 k[64], c[64], out[64];

	if (!WITH_LEGACY)
		return;
	ck_assert_int_ne(BN_hex2bn(&n, n_hex), 0);
	ck_assert_int_ne(BN_hex2bn(&d, d_hex), 0);
	e = BN_new();
	BN_set_word(e, 65537);
	bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR,
	    params), 1);

	ck_assert_int_eq(keyring_init(&kr, "alice"), 0);
	ck_assert_int_eq(keyring_set_rsa(&kr, pkey), 0);
	hex(k_hex, k, 64);
	hex(c_hex, c, 64);
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 64, out, sizeof(out), 5), 64);
	ck_assert_mem_eq(out, k, 64);
	/* a 128-hex-digit line is refused by a 1024-bit key and vice versa */
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 128, out, sizeof(out), 5),
	    -1);

	keyring_clear(&kr);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(d);
	BN_free(e);
}
END_TEST

START_TEST(test_rsa_rate_limit)
{
	struct keyring	 kr;
	EVP_PKEY	*pub;
	char		 path[512];
	uint8_t		 k[256], c[256], out[256];
	int		 i;

	if (!WITH_LEGACY)
		return;
	snprintf(path, sizeof(path), "%s/keys/tincd-1.0.36/hosts/fixture",
	    TEST_DATA);
	ck_assert_ptr_nonnull(pub = keyfile_read_rsa_public(path));
	ck_assert_int_eq(keyring_init(&kr, "fixture"), 0);
	ck_assert_int_eq(keyring_set_rsa(&kr, fixture_private()), 0);
	memset(k, 0x35, sizeof(k));
	raw_encrypt(pub, k, sizeof(k), c);

	/* a burst of KEYS_RSA_BURST, then nothing in the same second */
	for (i = 0; i < KEYS_RSA_BURST; i++)
		ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 1000),
		    256);
	capture_start();
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 1000), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "per second"));
	log_set_sink(NULL, NULL);

	/* one second later: KEYS_RSA_RATE more */
	for (i = 0; i < KEYS_RSA_RATE; i++)
		ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 1001),
		    256);
	log_set_sink(capture, NULL);
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 1001), -1);

	/*
	 * The clock going back gives nothing at once, but the bucket counts
	 * from the new time instead of waiting for the old one.
	 */
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 900), -1);
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 900), -1);
	log_set_sink(NULL, NULL);
	for (i = 0; i < KEYS_RSA_RATE; i++)
		ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 901),
		    256);
	log_set_sink(capture, NULL);
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 901), -1);
	log_set_sink(NULL, NULL);

	/* a long pause refills the bucket to the burst, not beyond */
	for (i = 0; i < KEYS_RSA_BURST; i++) {
		ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256,
		    100000), 256);
		ck_assert_mem_eq(out, k, 256);
	}
	log_set_sink(capture, NULL);
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 100000), -1);
	log_set_sink(NULL, NULL);

	EVP_PKEY_free(pub);
	keyring_clear(&kr);
}
END_TEST

START_TEST(test_rsa_wrong_key_kind)
{
	struct keyring	 kr;
	EVP_PKEY	*ed;
	uint8_t		 c[256], out[256];

	ck_assert_int_eq(keyring_init(&kr, "alice"), 0);
	log_set_sink(capture, NULL);
	ck_assert_int_eq(keys_rsa_decrypt(&kr, c, 256, out, 256, 1), -1);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_int_eq(keyring_set_rsa(&kr, ed), -1);	/* frees it */
	ck_assert_ptr_null(kr.rsa);
	log_set_sink(NULL, NULL);
	keyring_clear(&kr);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("keys");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ed25519_vectors);
	tcase_add_test(tc, test_ed25519_against_openssl);
	tcase_add_test(tc, test_sign_tcp_vector);
	tcase_add_test(tc, test_sign_udp_vector);
	tcase_add_test(tc, test_sign_refusals);
	tcase_add_test(tc, test_keyring);
	tcase_add_test(tc, test_rsa_fixture_pair);
	tcase_add_test(tc, test_rsa_spec_vector);
	tcase_add_test(tc, test_rsa_rate_limit);
	tcase_add_test(tc, test_rsa_wrong_key_kind);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
