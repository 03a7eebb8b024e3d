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

#include "replay.h"

/* spec 16.8: the decisions tincd 1.0.36 made, fresh state, W = 16 */
static const struct {
	uint32_t	 seqno;
	int		 accept;
} seq168[] = {
	{ 1, 1 }, { 2, 1 }, { 5, 1 }, { 3, 1 }, { 3, 0 }, { 4, 1 }, { 4, 0 },
	{ 6, 1 }, { 200, 0 }, { 201, 0 }, { 202, 0 }, { 203, 0 }, { 204, 1 },
	{ 205, 1 }, { 100, 0 }, { 77, 0 }, { 78, 0 }, { 206, 1 }, { 210, 1 },
	{ 208, 1 }, { 209, 1 }, { 208, 0 }, { 207, 1 }, { 81, 0 }, { 82, 0 },
	{ 83, 0 },
};

START_TEST(test_spec_sequence)
{
	struct replay	 r;
	size_t		 i;

	ck_assert_int_eq(replay_init(&r, REPLAY_DEFAULT), 0);
	for (i = 0; i < sizeof(seq168) / sizeof(seq168[0]); i++)
		ck_assert_msg((replay_check(&r, seq168[i].seqno) == 0) ==
		    seq168[i].accept, "step %zu seqno %u", i,
		    seq168[i].seqno);
	ck_assert_uint_eq(r.rx, 210);
}
END_TEST

START_TEST(test_zero_and_duplicates)
{
	struct replay	 r;

	replay_init(&r, REPLAY_DEFAULT);
	ck_assert_int_eq(replay_check(&r, 0), -1);	/* never valid */
	ck_assert_int_eq(replay_check(&r, 1), 0);
	ck_assert_int_eq(replay_check(&r, 1), -1);
	ck_assert_int_eq(replay_check(&r, 0), -1);
	/* the highest one just inside the window opens a gap of 126 */
	ck_assert_int_eq(replay_check(&r, 128), 0);
	ck_assert_int_eq(replay_check(&r, 2), 0);
	ck_assert_int_eq(replay_check(&r, 127), 0);
	ck_assert_int_eq(replay_check(&r, 127), -1);
	ck_assert_int_eq(replay_check(&r, 2), -1);
	/* 128 + 128 is far future */
	ck_assert_int_eq(replay_check(&r, 256), -1);
	ck_assert_int_eq(replay_check(&r, 255), 0);
}
END_TEST

START_TEST(test_far_future_needs_consecutive)
{
	struct replay	 r;
	int		 i;

	replay_init(&r, REPLAY_DEFAULT);
	ck_assert_int_eq(replay_check(&r, 1), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(replay_check(&r, 1000 + i), -1);
	/* an in-window packet resets the count */
	ck_assert_int_eq(replay_check(&r, 2), 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(replay_check(&r, 2000 + i), -1);
	ck_assert_int_eq(replay_check(&r, 2004), 0);
	ck_assert_uint_eq(r.rx, 2004);
	/* the bitmap was cleared: nothing old comes back */
	ck_assert_int_eq(replay_check(&r, 1999), -1);
	ck_assert_int_eq(replay_check(&r, 2003), -1);
}
END_TEST

START_TEST(test_window_sizes)
{
	struct replay	 r;
	int		 i;

	/* disabled: anything goes, rx still tracks the highest */
	ck_assert_int_eq(replay_init(&r, 0), 0);
	ck_assert_int_eq(replay_check(&r, 5), 0);
	ck_assert_int_eq(replay_check(&r, 5), 0);
	ck_assert_int_eq(replay_check(&r, 1), 0);
	ck_assert_uint_eq(r.rx, 5);

	ck_assert_int_eq(replay_init(&r, REPLAY_MAX + 1), -1);
	ck_assert_int_eq(replay_init(&r, REPLAY_MAX), 0);
	ck_assert_int_eq(replay_check(&r, 1), 0);
	ck_assert_int_eq(replay_check(&r, 1000), 0);	/* < 1 + 1024 */
	ck_assert_int_eq(replay_check(&r, 500), 0);
	ck_assert_int_eq(replay_check(&r, 500), -1);

	/* W = 1: 8 packets; far future accepted at once (1/4 = 0) */
	ck_assert_int_eq(replay_init(&r, 1), 0);
	ck_assert_int_eq(replay_check(&r, 1), 0);
	ck_assert_int_eq(replay_check(&r, 8), 0);	/* 2..7 late */
	ck_assert_int_eq(replay_check(&r, 3), 0);
	ck_assert_int_eq(replay_check(&r, 3), -1);
	ck_assert_int_eq(replay_check(&r, 16), 0);	/* 8 + 8: far */
	for (i = 9; i < 16; i++)	/* the bitmap was cleared */
		ck_assert_int_eq(replay_check(&r, i), -1);
}
END_TEST

START_TEST(test_reset_and_rekey)
{
	struct replay	 r;

	replay_init(&r, REPLAY_DEFAULT);
	ck_assert_int_eq(replay_check(&r, 1), 0);
	ck_assert_int_eq(replay_check(&r, 2), 0);
	replay_reset(&r);
	ck_assert_int_eq(replay_check(&r, 1), 0);
	ck_assert(!replay_need_rekey(&r));
	r.rx = REPLAY_REKEY_SEQNO;
	ck_assert(!replay_need_rekey(&r));
	ck_assert_int_eq(replay_check(&r, REPLAY_REKEY_SEQNO + 1), 0);
	ck_assert(replay_need_rekey(&r));
	/* no wrap-around trouble at the top of the seqno space */
	r.rx = UINT32_MAX - 1;
	ck_assert_int_eq(replay_check(&r, UINT32_MAX), 0);
	ck_assert_int_eq(replay_check(&r, 5), -1);
	ck_assert_uint_eq(REPLAY_REKEY_SEQNO, 1073741824U);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("replay");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_spec_sequence);
	tcase_add_test(tc, test_zero_and_duplicates);
	tcase_add_test(tc, test_far_future_needs_consecutive);
	tcase_add_test(tc, test_window_sizes);
	tcase_add_test(tc, test_reset_and_rekey);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
