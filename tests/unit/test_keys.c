/*
 * The key holder's request handling, through its real handler table and
 * framing: only handshake-shaped requests get an answer with key material.
 */
#include <sys/socket.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "chan.h"
#include "ev.h"
#include "ipc.h"
#include "keys.h"
#include "keys_oracle.h"
#include "log.h"

static struct keyring	 kr;
static EVP_PKEY		*rsa;
static int		 sv[2];
static struct chan	 kh;		/* the key holder's end */
static struct imsgchan	 peer;		/* the requester's end */

static void
quiet(int prio, const char *line, void *arg)
{
}

static void
setup(void)
{
	struct ed25519_key	 ek;
	uint8_t			 seed[32];
	int			 i;

	log_set_sink(quiet, NULL);
	ck_assert_int_eq(keyring_init(&kr, "alice"), 0);
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	ck_assert_int_eq(keyfile_ed25519_from_seed(seed, &ek), 0);
	ck_assert_int_eq(keyring_set_ed25519(&kr, &ek), 0);
	rsa = EVP_RSA_gen(1024);
	ck_assert_ptr_nonnull(rsa);
	EVP_PKEY_up_ref(rsa);
	ck_assert_int_eq(keyring_set_rsa(&kr, rsa), 0);
	keyholder_set_ring(&kr);
	ev_init();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void
teardown(void)
{
	chan_close(&kh);
	imsgchan_clear(&peer);
	close(sv[1]);
	keyring_clear(&kr);
	EVP_PKEY_free(rsa);
}

/* Send one frame as `from', let the key holder handle it; its result. */
static int
request(enum proc_role from, uint32_t type, uint32_t id, const void *p,
    size_t len)
{
	struct imsg	 im;
	int		 r;

	chan_init(&kh, sv[0], from, IMSG_MAX_DEFAULT, 0, keyholder_tab,
	    keyholder_ntab, &kh, NULL);
	imsgchan_init(&peer, sv[1], IMSG_MAX_DEFAULT, 0);
	ck_assert_int_eq(imsg_compose(&peer, type, id, -1, p, len), 0);
	ck_assert_int_eq(imsg_flush_blocking(&peer), 0);
	ck_assert_int_gt(imsg_read(&kh.ic), 0);
	ck_assert_int_eq(imsg_get(&kh.ic, &im), 1);
	r = imsg_dispatch(keyholder_tab, keyholder_ntab, from, &im, &kh);
	imsg_free(&im);
	imsg_flush_blocking(&kh.ic);
	return r;
}

/* The answer: 1 ok, 0 refused; payload copied into out. */
static int
answer(uint32_t id, uint8_t *out, size_t *len)
{
	struct imsg	 im;
	uint8_t		 ok;

	ck_assert_int_gt(imsg_read(&peer), 0);
	ck_assert_int_eq(imsg_get(&peer, &im), 1);
	ck_assert_uint_eq(im.hdr.type, IMSG_CA_REPLY);
	ck_assert_uint_eq(im.hdr.peerid, id);
	ck_assert_int_eq(imsg_get_u8(&im, &ok), 0);
	*len = im.len - 1;
	if (*len > 0)
		ck_assert_int_eq(imsg_get_bytes(&im, out, *len), 0);
	imsg_free(&im);
	return ok;
}

START_TEST(test_rsa_exact_length_only)
{
	uint8_t		 pt[128], ct[128], out[200];
	EVP_PKEY_CTX	*ctx;
	size_t		 ctlen = sizeof(ct), len;

	memset(pt, 0x41, sizeof(pt));
	pt[0] = 0x01;
	ctx = EVP_PKEY_CTX_new(rsa, NULL);
	ck_assert_int_eq(EVP_PKEY_encrypt_init(ctx), 1);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 0);
	ck_assert_int_eq(EVP_PKEY_encrypt(ctx, ct, &ctlen, pt, sizeof(pt)), 1);
	EVP_PKEY_CTX_free(ctx);

	ck_assert_int_eq(request(ROLE_META, IMSG_CA_RSA_DECRYPT, 7, ct, 127),
	    0);
	ck_assert_int_eq(answer(7, out, &len), 0);
	ck_assert_uint_eq(len, 0);
	chan_close(&kh);
	imsgchan_clear(&peer);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

	ck_assert_int_eq(request(ROLE_META, IMSG_CA_RSA_DECRYPT, 8, ct, 128),
	    0);
	ck_assert_int_eq(answer(8, out, &len), 1);
	ck_assert_uint_eq(len, 128);
	ck_assert_mem_eq(out, pt, 128);
}
END_TEST

START_TEST(test_rsa_not_from_packet)
{
	uint8_t	 ct[128];

	memset(ct, 1, sizeof(ct));
	ck_assert_int_eq(request(ROLE_PACKET, IMSG_CA_RSA_DECRYPT, 1, ct,
	    sizeof(ct)), -1);
}
END_TEST

static size_t
sign_request(uint8_t *buf, int initiator, const char *label)
{
	size_t	 n = 0, ll = strlen(label) + 1;
	int	 i;

	buf[n++] = (uint8_t)initiator;
	buf[n++] = 0;
	buf[n++] = SPTPS_KEX_LEN;
	buf[n] = 0;
	for (i = 1; i < SPTPS_KEX_LEN; i++)
		buf[n + i] = (uint8_t)i;
	n += SPTPS_KEX_LEN;
	buf[n++] = 0;
	buf[n++] = SPTPS_KEX_LEN;
	buf[n] = 0;
	for (i = 1; i < SPTPS_KEX_LEN; i++)
		buf[n + i] = (uint8_t)(0x80 + i);
	n += SPTPS_KEX_LEN;
	buf[n++] = (uint8_t)(ll >> 8);
	buf[n++] = (uint8_t)ll;
	memcpy(buf + n, label, ll);
	return n + ll;
}

START_TEST(test_sign_handshake_shape)
{
	uint8_t	 req[512], out[128];
	size_t	 n, len;

	n = sign_request(req, 1, "tinc TCP key expansion alice bob");
	ck_assert_int_eq(request(ROLE_META, IMSG_CA_SIGN, 3, req, n), 0);
	ck_assert_int_eq(answer(3, out, &len), 1);
	ck_assert_uint_eq(len, SPTPS_SIG_LEN);
}
END_TEST

START_TEST(test_sign_label_of_other_process)
{
	uint8_t	 req[512], out[128];
	size_t	 n, len;

	n = sign_request(req, 1, "tinc TCP key expansion alice bob");
	ck_assert_int_eq(request(ROLE_PACKET, IMSG_CA_SIGN, 4, req, n), 0);
	ck_assert_int_eq(answer(4, out, &len), 0);
}
END_TEST

START_TEST(test_sign_arbitrary_bytes)
{
	uint8_t	 req[512], out[128];
	size_t	 n, len;
	int	 i;

	/* a well-framed request whose "label" is not a tinc label */
	n = sign_request(req, 1, "tinc TCP key expansion mallory bob");
	ck_assert_int_eq(request(ROLE_META, IMSG_CA_SIGN, 5, req, n), 0);
	ck_assert_int_eq(answer(5, out, &len), 0);
	chan_close(&kh);
	imsgchan_clear(&peer);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

	/* 200 bytes of anything */
	for (i = 0; i < 200; i++)
		req[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(request(ROLE_META, IMSG_CA_SIGN, 6, req, 200), 0);
	ck_assert_int_eq(answer(6, out, &len), 0);
}
END_TEST

START_TEST(test_unknown_request)
{
	uint8_t	 b[8] = { 0 };

	ck_assert_int_eq(request(ROLE_META, IMSG_PROC_LOG, 1, b, sizeof(b)), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("keyholder");
	TCase	*tc = tcase_create("requests");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rsa_exact_length_only);
	tcase_add_test(tc, test_rsa_not_from_packet);
	tcase_add_test(tc, test_sign_handshake_shape);
	tcase_add_test(tc, test_sign_label_of_other_process);
	tcase_add_test(tc, test_sign_arbitrary_bytes);
	tcase_add_test(tc, test_unknown_request);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
