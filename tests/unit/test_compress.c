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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include <zlib.h>

#include "compress.h"
#include "ptinc.h"

/* spec 16.6/16.7: the 42-byte ICMP echo frame */
static const char	 frame_hex[] =
    "000000000000000000000000"
    "0800"
    "4500001c000100004001db8dc0a80a01c0a81401"
    "0800f7ff00000000";
static const char	 z9_hex[] =
    "78da636040000e06570606190646060607c6dbbd075670311e5821c2c8c1f0fd"
    "3f4816005bce0702";

static uint8_t	 frame[42];
static uint8_t	 big[MTU];
static uint8_t	 text[MTU];

static void
setup(void)
{
	size_t		 i;
	uint32_t	 x = 12345;

	ck_assert_int_eq(hex2bin(frame_hex, frame, sizeof(frame)), 0);
	/* half text-like, half pseudo-random */
	for (i = 0; i < sizeof(big); i++) {
		x = x * 1103515245 + 12345;
		if (i < sizeof(big) / 2)
			big[i] = "tinc legacy "[i % 12];
		else
			big[i] = x >> 16;
	}
	for (i = 0; i + 40 < sizeof(text); i += strlen((char *)text + i))
		snprintf((char *)text + i, sizeof(text) - i,
		    "Subnet = 10.%u.%u.0/%u#%u\n", (unsigned int)i % 7,
		    (unsigned int)(i * 31) % 251, (unsigned int)(16 + i % 9),
		    (unsigned int)i % 13);
}

START_TEST(test_zlib_vector)
{
	struct compressor	*c = compressor_new();
	uint8_t			 z[40], out[MTU];

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(hex2bin(z9_hex, z, sizeof(z)), 0);
	ck_assert_int_eq(decompress_frame(c, 9, z, sizeof(z), out,
	    sizeof(out)), sizeof(frame));
	ck_assert_mem_eq(out, frame, sizeof(frame));
	/* any zlib level decodes any zlib stream */
	ck_assert_int_eq(decompress_frame(c, 1, z, sizeof(z), out,
	    sizeof(out)), sizeof(frame));
	/* this zlib makes the very same bytes */
	ck_assert_int_eq(compress_frame(c, 9, frame, sizeof(frame), out,
	    sizeof(out)), sizeof(z));
	ck_assert_mem_eq(out, z, sizeof(z));
	/* output one byte short of the frame: refused */
	ck_assert_int_eq(decompress_frame(c, 9, z, sizeof(z), out,
	    sizeof(frame) - 1), -1);
	/* truncated and corrupted streams */
	ck_assert_int_eq(decompress_frame(c, 9, z, sizeof(z) - 1, out,
	    sizeof(out)), -1);
	z[20] ^= 0x40;
	ck_assert_int_eq(decompress_frame(c, 9, z, sizeof(z), out,
	    sizeof(out)), -1);
	compressor_free(c);
}
END_TEST

/* Our streams are exactly what compress2() makes, for every level. */
START_TEST(test_zlib_levels_match_compress2)
{
	struct compressor	*c = compressor_new();
	uint8_t			 out[2 * MTU], ref[2 * MTU];
	uLongf			 reflen;
	int			 level, round, n;

	for (round = 0; round < 2; round++) {
		/* alternate levels: a stream must not leak into another */
		for (level = 1; level <= 9; level++) {
			reflen = sizeof(ref);
			ck_assert_int_eq(compress2(ref, &reflen, big,
			    sizeof(big), level), Z_OK);
			n = compress_frame(c, level, big, sizeof(big), out,
			    sizeof(out));
			ck_assert_int_eq(n, reflen);
			ck_assert_mem_eq(out, ref, reflen);
			ck_assert_int_eq(out[0], 0x78);
		}
	}
	compressor_free(c);
}
END_TEST

static void
round_trip(struct compressor *c, int level, const uint8_t *in, size_t len)
{
	uint8_t		 z[2 * MTU], out[MTU];
	int		 n, m;

	n = compress_frame(c, level, in, len, z, sizeof(z));
	ck_assert_msg(n > 0, "level %d len %zu", level, len);
	m = decompress_frame(c, level, z, n, out, sizeof(out));
	ck_assert_int_eq(m, len);
	ck_assert_mem_eq(out, in, len);
	/* the exact size is enough, one less is not */
	ck_assert_int_eq(decompress_frame(c, level, z, n, out, len), len);
	ck_assert_int_eq(decompress_frame(c, level, z, n, out, len - 1), -1);
}

START_TEST(test_round_trips)
{
	static const int	 levels[] = { 0, 1, 9, 10, 11 };
	struct compressor	*c = compressor_new();
	size_t			 i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		round_trip(c, levels[i], frame, sizeof(frame));
		round_trip(c, levels[i], big, sizeof(big));
		round_trip(c, levels[i], big + sizeof(big) / 2,
		    sizeof(big) / 2);	/* random: grows */
		round_trip(c, levels[i], big, 1);
	}
	compressor_free(c);
}
END_TEST

/* LZO output is plain LZO1X: liblzo's own decompressor reads it. */
START_TEST(test_lzo_format)
{
	struct compressor	*c = compressor_new();
	uint8_t			 z[2 * MTU], out[MTU];
	lzo_uint		 outl = sizeof(out);
	int			 n, n10;

	n10 = compress_frame(c, 10, big, sizeof(big), z, sizeof(z));
	ck_assert_int_gt(n10, 0);
	ck_assert_int_eq(lzo1x_decompress_safe(z, n10, out, &outl, NULL),
	    LZO_E_OK);
	ck_assert_uint_eq(outl, sizeof(big));
	ck_assert_mem_eq(out, big, sizeof(big));
	/* 999 compresses better than 1 (so level 11 really is 999) */
	n = compress_frame(c, 11, big, sizeof(big), z, sizeof(z));
	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n, n10);
	ck_assert_int_lt(compress_frame(c, 11, text, sizeof(text), out,
	    sizeof(out)), compress_frame(c, 10, text, sizeof(text), out,
	    sizeof(out)));
	outl = sizeof(out);
	ck_assert_int_eq(lzo1x_decompress_safe(z, n, out, &outl, NULL),
	    LZO_E_OK);
	ck_assert_mem_eq(out, big, sizeof(big));
	/* trailing garbage and truncation are refused */
	z[n] = 0;
	ck_assert_int_eq(decompress_frame(c, 11, z, n + 1, out, sizeof(out)),
	    -1);
	ck_assert_int_eq(decompress_frame(c, 11, z, n - 1, out, sizeof(out)),
	    -1);
	compressor_free(c);
}
END_TEST

START_TEST(test_bounds)
{
	struct compressor	*c = compressor_new();
	uint8_t			 z[2 * MTU], out[MTU];
	int			 n, level;

	/* random data grows: a buffer of the input size is too small */
	for (level = 1; level <= 11; level++) {
		ck_assert_int_eq(compress_frame(c, level,
		    big + sizeof(big) / 2, sizeof(big) / 2, z,
		    sizeof(big) / 2), -1);
		/* but a compressible frame fits a small buffer */
		n = compress_frame(c, level, big, sizeof(big) / 2, z, 200);
		ck_assert_msg(n > 0 && n < 200, "level %d: %d", level, n);
		ck_assert_int_eq(decompress_frame(c, level, z, n, out,
		    sizeof(out)), sizeof(big) / 2);
	}
	ck_assert_int_eq(compress_frame(c, 12, frame, sizeof(frame), z,
	    sizeof(z)), -1);
	ck_assert_int_eq(compress_frame(c, -1, frame, sizeof(frame), z,
	    sizeof(z)), -1);
	ck_assert_int_eq(compress_frame(c, 9, frame, 0, z, sizeof(z)), -1);
	ck_assert_int_eq(decompress_frame(c, 12, frame, sizeof(frame), out,
	    sizeof(out)), -1);
	ck_assert_int_eq(decompress_frame(c, 9, frame, 0, out, sizeof(out)),
	    -1);
	/* garbage is not a stream */
	ck_assert_int_eq(decompress_frame(c, 9, frame, sizeof(frame), out,
	    sizeof(out)), -1);
	ck_assert_int_eq(decompress_frame(c, 10, big + sizeof(big) / 2, 100,
	    out, sizeof(out)), -1);
	compressor_free(c);
}
END_TEST

/* An LZO bomb: a small input claiming far more output than allowed. */
START_TEST(test_expansion_bounded)
{
	struct compressor	*c = compressor_new();
	static uint8_t		 zeros[60000];
	uint8_t			 z[4096], out[MTU];
	int			 level, n;

	for (level = 1; level <= 11; level++) {
		n = compress_frame(c, level, zeros, sizeof(zeros), z,
		    sizeof(z));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(decompress_frame(c, level, z, n, out,
		    sizeof(out)), -1);
	}
	compressor_free(c);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("compress");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_zlib_vector);
	tcase_add_test(tc, test_zlib_levels_match_compress2);
	tcase_add_test(tc, test_round_trips);
	tcase_add_test(tc, test_lzo_format);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_expansion_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
