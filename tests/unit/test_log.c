#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ptinc.h"

static char	 last[4096];

static void
capture(int prio, const char *line, void *arg)
{
	(void)prio; (void)arg;
	strlcpy(last, line, sizeof(last));
}

START_TEST(test_control_chars_masked)
{
	log_set_sink(capture, NULL);
	log_procname("meta");
	log_warnx("peer said %s", "a\nb\033c");
	ck_assert_str_eq(last, "meta: peer said a?b?c");
	log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_debug_levels)
{
	log_set_sink(capture, NULL);
	log_procname("");
	last[0] = '\0';
	log_setlevel(2);
	log_debug(3, "hidden");
	ck_assert_str_eq(last, "");
	log_debug(2, "shown %d", 2);
	ck_assert_str_eq(last, "shown 2");
	log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_names_and_hex)
{
	uint8_t	 b[3];
	char	 h[7];

	ck_assert(valid_name("alpha_1"));
	ck_assert(!valid_name(""));
	ck_assert(!valid_name("a-b"));
	ck_assert(!valid_name("a b"));
	ck_assert(!valid_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert_int_eq(hex2bin("0aFf10", b, 3), 0);
	ck_assert_int_eq(b[0], 0x0a);
	ck_assert_int_eq(b[1], 0xff);
	ck_assert_int_eq(hex2bin("0aFf1", b, 3), -1);
	ck_assert_int_eq(hex2bin("0aFg10", b, 3), -1);
	bin2hex(b, 3, h, sizeof(h));
	ck_assert_str_eq(h, "0AFF10");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_control_chars_masked);
	tcase_add_test(tc, test_debug_levels);
	tcase_add_test(tc, test_names_and_hex);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
