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
 * The pure parts of the meta worker: the input buffer (lines, PACKET
 * payloads, decryption starting right after the peer's METAKEY line, also
 * inside one read and across split reads), the seen-cache, the reconnect
 * back-off, our ACK options and the checks on an ANS_KEY for us.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>

#include "meta.h"

/* ---- a recorder for the input callbacks ------------------------------- */

struct rec {
	char	 lines[16][PROTO_MAX_LINE + 1];
	int	 nlines;
	uint8_t	 frames[4][MTU];
	size_t	 framelen[4];
	int	 nframes;
	int	 pause_on_metakey;
	int	 decrypt_on_metakey;
	int	 packet_on_17;
	struct meta_in *in;
};

static uint8_t	 spec_k[128];	/* spec 16.3: 00 01 .. 7F */

static int
rec_line(void *arg, char *line, size_t len)
{
	struct rec		*r = arg;
	struct meta_cipher	 mc;
	const char		*why;
	int			 n;

	ck_assert_uint_eq(strlen(line), len);
	ck_assert_int_lt(r->nlines, 16);
	strlcpy(r->lines[r->nlines++], line, sizeof(r->lines[0]));
	if (strncmp(line, "1 ", 2) == 0) {
		if (r->pause_on_metakey)
			return 1;
		if (r->decrypt_on_metakey) {
			ck_assert_int_eq(meta_cipher_init(&mc, 429, spec_k,
			    sizeof(spec_k), 0, &why), 0);
			ck_assert_int_eq(meta_in_set_cipher(r->in, &mc), 0);
		}
	}
	if (r->packet_on_17 && sscanf(line, "17 %d", &n) == 1)
		meta_in_expect(r->in, (size_t)n);
	return 0;
}

static int
rec_frame(void *arg, const uint8_t *f, size_t len)
{
	struct rec	*r = arg;

	ck_assert_int_lt(r->nframes, 4);
	memcpy(r->frames[r->nframes], f, len);
	r->framelen[r->nframes++] = len;
	return 0;
}

static const struct meta_in_ops	 rec_ops = { rec_line, rec_frame };

/* Feed bytes as one read. */
static int
feed(struct meta_in *in, struct rec *r, const void *data, size_t len,
    const char **why)
{
	uint8_t	*p;
	size_t	 avail;

	p = meta_in_space(in, &avail);
	ck_assert_uint_ge(avail, len);
	memcpy(p, data, len);
	return meta_in_process(in, len, &rec_ops, r, why);
}

static void
setup_k(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(spec_k); i++)
		spec_k[i] = (uint8_t)i;
}

/* spec 16.3: "4 655 2 c\n8\n" under AES-256-CFB with K = 00..7F */
static const uint8_t	 spec_ct[12] = {
	0x0c, 0x87, 0xf3, 0x5d, 0xc5, 0x5c, 0xac, 0x04, 0xfb, 0x6f, 0x62, 0x68
};

START_TEST(test_lines_split)
{
	struct meta_in	 in;
	struct rec	 r;
	const char	*why;

	meta_in_init(&in);
	memset(&r, 0, sizeof(r));
	r.in = &in;
	ck_assert_int_eq(feed(&in, &r, "8", 1, &why), 0);
	ck_assert_int_eq(r.nlines, 0);
	ck_assert_int_eq(feed(&in, &r, "\n9", 2, &why), 0);
	ck_assert_int_eq(r.nlines, 1);
	ck_assert_int_eq(feed(&in, &r, "\n0 alpha 17\n4 6", 15, &why), 0);
	ck_assert_int_eq(feed(&in, &r, "55 2 c\n", 7, &why), 0);
	ck_assert_int_eq(r.nlines, 4);
	ck_assert_str_eq(r.lines[0], "8");
	ck_assert_str_eq(r.lines[1], "9");
	ck_assert_str_eq(r.lines[2], "0 alpha 17");
	ck_assert_str_eq(r.lines[3], "4 655 2 c");
	meta_in_clear(&in);
}
END_TEST

/* The peer's METAKEY and the first ciphertext arrive in one read. */
START_TEST(test_metakey_same_read)
{
	struct meta_in	 in;
	struct rec	 r;
	uint8_t		 buf[64];
	const char	*why;
	const char	*mk = "1 429 672 0 0 00\n";

	setup_k();
	meta_in_init(&in);
	memset(&r, 0, sizeof(r));
	r.in = &in;
	r.decrypt_on_metakey = 1;
	memcpy(buf, mk, strlen(mk));
	memcpy(buf + strlen(mk), spec_ct, sizeof(spec_ct));
	ck_assert_int_eq(feed(&in, &r, buf, strlen(mk) + sizeof(spec_ct),
	    &why), 0);
	ck_assert_int_eq(r.nlines, 3);
	ck_assert_str_eq(r.lines[0], "1 429 672 0 0 00");
	ck_assert_str_eq(r.lines[1], "4 655 2 c");
	ck_assert_str_eq(r.lines[2], "8");
	meta_in_clear(&in);
}
END_TEST

/* The same bytes cut at every position: the stream must not care. */
START_TEST(test_metakey_split_reads)
{
	struct meta_in	 in;
	struct rec	 r;
	uint8_t		 buf[64];
	const char	*why;
	const char	*mk = "0 beta 17\n1 429 672 0 0 00\n";
	size_t		 total, cut, cut2;

	setup_k();
	memcpy(buf, mk, strlen(mk));
	memcpy(buf + strlen(mk), spec_ct, sizeof(spec_ct));
	total = strlen(mk) + sizeof(spec_ct);
	for (cut = 1; cut < total; cut++) {
		for (cut2 = cut; cut2 < total; cut2 += 5) {
			meta_in_init(&in);
			memset(&r, 0, sizeof(r));
			r.in = &in;
			r.decrypt_on_metakey = 1;
			ck_assert_int_eq(feed(&in, &r, buf, cut, &why), 0);
			if (cut2 > cut)
				ck_assert_int_eq(feed(&in, &r, buf + cut,
				    cut2 - cut, &why), 0);
			ck_assert_int_eq(feed(&in, &r, buf + cut2,
			    total - cut2, &why), 0);
			ck_assert_int_eq(r.nlines, 4);
			ck_assert_str_eq(r.lines[0], "0 beta 17");
			ck_assert_str_eq(r.lines[2], "4 655 2 c");
			ck_assert_str_eq(r.lines[3], "8");
			meta_in_clear(&in);
		}
	}
}
END_TEST

/* The key holder answers later: the ciphertext waits, then decrypts. */
START_TEST(test_metakey_pause)
{
	struct meta_in		 in;
	struct meta_cipher	 mc;
	struct rec		 r;
	uint8_t			 buf[64];
	const char		*why;
	const char		*mk = "1 429 672 0 0 00\n";

	setup_k();
	meta_in_init(&in);
	memset(&r, 0, sizeof(r));
	r.in = &in;
	r.pause_on_metakey = 1;
	memcpy(buf, mk, strlen(mk));
	memcpy(buf + strlen(mk), spec_ct, 10);
	ck_assert_int_eq(feed(&in, &r, buf, strlen(mk) + 10, &why), 1);
	ck_assert_int_eq(r.nlines, 1);
	/* nothing more is parsed while paused, even after more bytes */
	ck_assert_int_eq(meta_cipher_init(&mc, 429, spec_k, sizeof(spec_k), 0,
	    &why), 0);
	ck_assert_int_eq(meta_in_set_cipher(&in, &mc), 0);
	ck_assert_int_eq(meta_in_set_cipher(&in, &mc), -1);
	r.pause_on_metakey = 0;
	ck_assert_int_eq(meta_in_process(&in, 0, &rec_ops, &r, &why), 0);
	ck_assert_int_eq(r.nlines, 2);
	ck_assert_str_eq(r.lines[1], "4 655 2 c");
	ck_assert_int_eq(feed(&in, &r, spec_ct + 10, 1, &why), 0);
	ck_assert_int_eq(r.nlines, 2);
	ck_assert_int_eq(feed(&in, &r, spec_ct + 11, 1, &why), 0);
	ck_assert_int_eq(r.nlines, 3);
	ck_assert_str_eq(r.lines[2], "8");
	meta_in_clear(&in);
}
END_TEST

/* "17 <len>" then raw bytes (LF and NUL included), then more lines. */
START_TEST(test_packet_payload)
{
	struct meta_in	 in;
	struct rec	 r;
	const char	*why;
	const uint8_t	 frame[6] = { '\n', 0, '1', '7', '\n', 0xff };

	meta_in_init(&in);
	memset(&r, 0, sizeof(r));
	r.in = &in;
	r.packet_on_17 = 1;
	ck_assert_int_eq(feed(&in, &r, "17 6\n\n", 6, &why), 0);
	ck_assert_int_eq(r.nframes, 0);
	ck_assert_int_eq(feed(&in, &r, frame + 1, 5, &why), 0);
	ck_assert_int_eq(r.nframes, 1);
	ck_assert_uint_eq(r.framelen[0], 6);
	ck_assert_mem_eq(r.frames[0], frame, 6);
	ck_assert_int_eq(feed(&in, &r, "8\n17 1\nx9\n", 10, &why), 0);
	ck_assert_int_eq(r.nframes, 2);
	ck_assert_uint_eq(r.framelen[1], 1);
	ck_assert_int_eq(r.frames[1][0], 'x');
	ck_assert_int_eq(r.nlines, 4);
	ck_assert_str_eq(r.lines[1], "8");
	ck_assert_str_eq(r.lines[3], "9");
	meta_in_clear(&in);
}
END_TEST

START_TEST(test_overflow_and_nul)
{
	struct meta_in	 in;
	struct rec	 r;
	const char	*why;
	uint8_t		 junk[META_INBUF];

	memset(junk, 'a', sizeof(junk));
	meta_in_init(&in);
	memset(&r, 0, sizeof(r));
	r.in = &in;
	ck_assert_int_eq(feed(&in, &r, junk, sizeof(junk) - 1, &why), 0);
	ck_assert_int_eq(feed(&in, &r, junk, 1, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(r.nlines, 0);
	meta_in_clear(&in);

	/* the longest line that fits: 2175 characters and the LF */
	meta_in_init(&in);
	memset(&r, 0, sizeof(r));
	r.in = &in;
	junk[sizeof(junk) - 1] = '\n';
	ck_assert_int_eq(feed(&in, &r, junk, sizeof(junk), &why), 0);
	ck_assert_int_eq(r.nlines, 1);
	ck_assert_uint_eq(strlen(r.lines[0]), PROTO_MAX_LINE);
	meta_in_clear(&in);

	meta_in_init(&in);
	memset(&r, 0, sizeof(r));
	r.in = &in;
	ck_assert_int_eq(feed(&in, &r, "8\0x\n", 4, &why), -1);
	ck_assert_int_eq(r.nlines, 0);
	meta_in_clear(&in);
}
END_TEST

/* ---- seen-cache ------------------------------------------------------- */

START_TEST(test_seen)
{
	struct meta_seen	 s;

	meta_seen_init(&s, 3);
	ck_assert_int_eq(meta_seen_check(&s, "10 1 a 10.0.0.0/8#10", 0), 0);
	ck_assert_int_eq(meta_seen_check(&s, "10 1 a 10.0.0.0/8#10", 1), 1);
	/* another nonce is another line */
	ck_assert_int_eq(meta_seen_check(&s, "10 2 a 10.0.0.0/8#10", 2000), 0);
	ck_assert_int_eq(meta_seen_check(&s, "13 3 a b", 3000), 0);
	ck_assert_uint_eq(s.n, 3);
	/* full: the oldest goes */
	ck_assert_int_eq(meta_seen_check(&s, "13 4 a b", 4000), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.evicted, 1);
	ck_assert_int_eq(meta_seen_check(&s, "13 4 a b", 4001), 1);
	ck_assert_int_eq(meta_seen_check(&s, "10 2 a 10.0.0.0/8#10", 4002), 1);
	/* aging: entries with when + maxage <= now go */
	ck_assert_uint_eq(meta_seen_age(&s, 5000, 3000), 1);	/* the 2000 */
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(meta_seen_check(&s, "13 3 a b", 5001), 1);
	ck_assert_uint_eq(meta_seen_age(&s, 100000, 3000), 2);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(meta_seen_check(&s, "13 3 a b", 100001), 0);
	meta_seen_clear(&s);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

/* ---- reconnect back-off (spec 8.4) ------------------------------------- */

START_TEST(test_backoff)
{
	int	 t = 0, i;
	int	 want[] = { 5, 10, 15, 20 };

	for (i = 0; i < 4; i++) {
		t = meta_backoff(t, 0, 900);
		ck_assert_int_eq(t, want[i]);
	}
	ck_assert_int_eq(meta_backoff(895, 0, 900), 900);
	ck_assert_int_eq(meta_backoff(900, 0, 900), 900);
	ck_assert_int_eq(meta_backoff(0, 30, 900), 30);
	ck_assert_int_eq(meta_backoff(0, 0, 3), 3);
	ck_assert_int_eq(meta_backoff(2147483640, 0, 2147483647), 2147483645);
	ck_assert_int_eq(meta_backoff(2147483645, 0, 2147483647), 2147483647);
}
END_TEST

/* ---- ACK options (spec 4.9, 16.10) -------------------------------------- */

START_TEST(test_ack_options)
{
	struct meta_conf	 conf;
	struct meta_host	 h;
	struct meta_conf	*saved = M.conf;

	memset(&conf, 0, sizeof(conf));
	memset(&h, 0, sizeof(h));
	M.conf = &conf;
	h.indirectdata = h.tcponly = h.clampmss = -1;

	conf.options = OPTION_PMTU_DISCOVERY | OPTION_CLAMP_MSS;
	ck_assert_uint_eq(meta_auth_options(&h), 0xc);
	ck_assert_uint_eq(meta_auth_options(NULL), 0xc);
	h.indirectdata = 1;
	ck_assert_uint_eq(meta_auth_options(&h), 0xd);
	h.indirectdata = -1;
	h.tcponly = 1;		/* PMTU discovery is suppressed */
	ck_assert_uint_eq(meta_auth_options(&h), 0xb);
	h.tcponly = -1;
	h.clampmss = 0;
	ck_assert_uint_eq(meta_auth_options(&h), 0x4);
	conf.options = 0;	/* PMTUDiscovery = no, ClampMSS = no */
	h.clampmss = -1;
	ck_assert_uint_eq(meta_auth_options(&h), 0);
	h.clampmss = 1;
	ck_assert_uint_eq(meta_auth_options(&h), 0x8);
	conf.options = OPTION_TCPONLY | OPTION_INDIRECT | OPTION_CLAMP_MSS;
	h.clampmss = -1;
	ck_assert_uint_eq(meta_auth_options(&h), 0xb);
	M.conf = saved;
}
END_TEST

/* ---- ANS_KEY for us (spec 7.3, CVE-2018-16758) ------------------------- */

struct anskey_case {
	int		 keylen;	/* bytes; -1: use hex as is */
	const char	*hex;
	int		 cipher, digest, maclength, compression;
	int		 ok;
};

START_TEST(test_anskey_validate)
{
	static const struct anskey_case	 cases[] = {
		{ 48, NULL, 427, 672, 4, 0, 1 },	/* the default */
		{ 48, NULL, 427, 672, 32, 11, 1 },
		{ 48, NULL, 427, 0, 0, 0, 1 },		/* no MAC */
		{ 32, NULL, 419, 64, 20, 9, 1 },	/* AES-128-CBC, SHA-1 */
		{ 1, NULL, 0, 672, 4, 0, 1 },		/* null cipher */
		{ 48, NULL, 0, 672, 4, 0, 0 },		/* CVE-2018-16758 */
		{ 2, NULL, 0, 672, 4, 0, 0 },
		{ 47, NULL, 427, 672, 4, 0, 0 },	/* wrong keylength */
		{ 49, NULL, 427, 672, 4, 0, 0 },
		{ 48, NULL, 429, 672, 4, 0, 0 },	/* CFB: stream mode */
		{ 48, NULL, 12345, 672, 4, 0, 0 },	/* unknown cipher */
		{ 48, NULL, 427, 12345, 4, 0, 0 },	/* unknown digest */
		{ 48, NULL, 427, 672, 33, 0, 0 },	/* bogus MAC length */
		{ 48, NULL, 427, 672, -1, 0, 0 },
		{ 48, NULL, 427, 672, 4, 12, 0 },	/* compression */
		{ 48, NULL, 427, 672, 4, -1, 0 },
		{ -1, "ABC", 427, 672, 4, 0, 0 },	/* odd length */
		{ -1, "ZZ", 0, 672, 4, 0, 0 },		/* not hex */
		{ -1, "AAECAwQFBgcICQ", -1, -1, -1, 0, 0 },	/* SPTPS */
		{ 97, NULL, 427, 672, 4, 0, 0 },	/* over LKEY_MAX */
	};
	struct req_ans_key	 r;
	uint8_t			 km[LKEY_MAX], want[128];
	size_t			 kmlen, i;
	const char		*why;
	int			 k;

	for (k = 0; k < (int)sizeof(want); k++)
		want[k] = (uint8_t)(k * 7 + 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		if (cases[i].keylen >= 0)
			bin2hex(want, (size_t)cases[i].keylen, r.key,
			    sizeof(r.key));
		else
			strlcpy(r.key, cases[i].hex, sizeof(r.key));
		r.cipher = cases[i].cipher;
		r.digest = cases[i].digest;
		r.maclength = cases[i].maclength;
		r.compression = cases[i].compression;
		why = NULL;
		ck_assert_msg((meta_anskey_validate(&r, km, &kmlen, &why) ==
		    0) == cases[i].ok, "case %zu: %s", i,
		    why != NULL ? why : "accepted");
		if (cases[i].ok) {
			ck_assert_uint_eq(kmlen, (size_t)cases[i].keylen);
			ck_assert_mem_eq(km, want, kmlen);
		} else
			ck_assert_ptr_nonnull(why);
	}
	/* lower case hex is fine too */
	memset(&r, 0, sizeof(r));
	strlcpy(r.key, "ab", sizeof(r.key));
	r.digest = 672;
	r.maclength = 4;
	ck_assert_int_eq(meta_anskey_validate(&r, km, &kmlen, &why), 0);
	ck_assert_uint_eq(km[0], 0xab);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("meta");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_lines_split);
	tcase_add_test(tc, test_metakey_same_read);
	tcase_add_test(tc, test_metakey_split_reads);
	tcase_add_test(tc, test_metakey_pause);
	tcase_add_test(tc, test_packet_payload);
	tcase_add_test(tc, test_overflow_and_nul);
	tcase_add_test(tc, test_seen);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_ack_options);
	tcase_add_test(tc, test_anskey_validate);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
