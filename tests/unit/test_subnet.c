#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "subnet.h"

/* Section 16.12 of the legacy specification, plus more of the same kind. */
static const struct {
	const char	*in;
	const char	*out;	/* NULL: must be refused */
} vectors[] = {
	{ "10.0.0.0/8", "10.0.0.0/8#10" },
	{ "10.1.2.3", "10.1.2.3/32#10" },
	{ "10.0.0.0/8#5", "10.0.0.0/8#5" },
	{ "10.0.0.1/24", "10.0.0.1/24#10" },
	{ "fd00::/64", "fd00:0:0:0:0:0:0:0/64#10" },
	{ "::1", "0:0:0:0:0:0:0:1/128#10" },
	{ "::", "0:0:0:0:0:0:0:0/128#10" },
	{ "::ffff:1.2.3.4", "0:0:0:0:0:ffff:102:304/128#10" },
	{ "fe80::1:2", "fe80:0:0:0:0:0:1:2/128#10" },
	{ "2001:db8::1#-3", "2001:db8:0:0:0:0:0:1/128#-3" },
	{ "02:00:00:00:00:0b", "2:0:0:0:0:b#10" },
	{ "1:2:3:4:5:6", "1:2:3:4:5:6#10" },
	{ "100:0:0:0:0:1", NULL },	/* tinc truncates; we refuse */
	{ "2:0:0:0:0:b/48", NULL },
	{ "10.0.0.256", NULL },
	{ "10.0.0.0/33", NULL },
	{ "10.0.0.0/-1", NULL },
	{ "10.0.0.0/8#", NULL },
	{ "1:2:3:4:5:6:7:8:9", NULL },
	{ "1::2::3", NULL },

	/* more valid forms */
	{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8/128#10" },
	{ "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0/128#10" },
	{ "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8/128#10" },
	{ "1::", "1:0:0:0:0:0:0:0/128#10" },
	{ "FE80::A:bC/10", "fe80:0:0:0:0:0:a:bc/10#10" },
	{ "::1.2.3.4", "0:0:0:0:0:0:102:304/128#10" },
	{ "1:2:3:4:5:6:10.0.0.1/96", "1:2:3:4:5:6:a00:1/96#10" },
	{ "0.0.0.0/0", "0.0.0.0/0#10" },
	{ "::/0#0", "0:0:0:0:0:0:0:0/0#0" },
	{ "10.0.0.0/8#+7", "10.0.0.0/8#7" },
	{ "10.0.0.0/08#007", "10.0.0.0/8#7" },
	{ "10.0.0.0#-2147483648", "10.0.0.0/32#-2147483648" },
	{ "10.0.0.0#2147483647", "10.0.0.0/32#2147483647" },
	{ "010.001.0.0/16", "10.1.0.0/16#10" },
	{ "ff:FF:ff:ff:ff:ff#1", "ff:ff:ff:ff:ff:ff#1" },
	{ "0:0:0:0:0:0", "0:0:0:0:0:0#10" },
	{ "000a:0:0:0:0:1", "a:0:0:0:0:1#10" },

	/* more invalid forms */
	{ "", NULL },
	{ "#5", NULL },
	{ "/8", NULL },
	{ "10.0.0", NULL },
	{ "10.0.0.0.0", NULL },
	{ "10.0.0.0/8/8", NULL },
	{ "10.0.0.0/8#5#6", NULL },
	{ "10.0.0.0#5/8", NULL },
	{ "10.0.0.0/", NULL },
	{ "10.0.0.0/ 8", NULL },
	{ " 10.0.0.0", NULL },
	{ "10.0.0.0 ", NULL },
	{ "10.0.0.0/8#5x", NULL },
	{ "10.0.0.0/+8", NULL },
	{ "10.0.0.0#2147483648", NULL },
	{ "10.0.0.0#-2147483649", NULL },
	{ "10.0.0.0/4294967304", NULL },
	{ "10.0.0.-1", NULL },
	{ "10.0.0.0001", NULL },
	{ "1.2.3.4.", NULL },
	{ "::/129", NULL },
	{ "1:2:3:4:5:6:7:8::", NULL },
	{ "::1:2:3:4:5:6:7:8", NULL },
	{ "1:2:3:4::5:6:7:8", NULL },
	{ ":1::", NULL },
	{ "1::2:", NULL },
	{ ":::", NULL },
	{ "1:::2", NULL },
	{ "12345::", NULL },
	{ "g::", NULL },
	{ "0x1::", NULL },
	{ "1:2:3:4:5:6:7", NULL },
	{ "::1.2.3.256", NULL },
	{ "1.2.3.4::", NULL },
	{ "::1.2.3.4:5", NULL },
	{ "1:2:3:4:5:6:7:1.2.3.4", NULL },
	{ "1:2:3:4:5", NULL },
	{ "1:2:3:4:5:6:", NULL },
	{ "1:2:3:4:5:6/0", NULL },
	{ "00100:0:0:0:0:1", NULL },
	{ "-1:2:3:4:5:6", NULL },
	{ "localhost", NULL },
};

START_TEST(test_vectors)
{
	struct subnet	 s;
	char		 buf[SUBNET_STRLEN];
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		memset(&s, 0xaa, sizeof(s));
		r = subnet_parse(vectors[i].in, &s);
		if (vectors[i].out == NULL) {
			ck_assert_msg(r == -1, "accepted \"%s\"", vectors[i].in);
			continue;
		}
		ck_assert_msg(r == 0, "refused \"%s\"", vectors[i].in);
		subnet_format(&s, buf, sizeof(buf), 1);
		ck_assert_msg(strcmp(buf, vectors[i].out) == 0,
		    "\"%s\" printed as \"%s\", want \"%s\"", vectors[i].in, buf,
		    vectors[i].out);
	}
}
END_TEST

START_TEST(test_fields)
{
	struct subnet	 s;
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1 };

	ck_assert_int_eq(subnet_parse("192.168.20.0/24#7", &s), 0);
	ck_assert_int_eq(s.type, SUBNET_IPV4);
	ck_assert_int_eq(s.prefixlen, 24);
	ck_assert_int_eq(s.weight, 7);
	ck_assert_int_eq(s.net.ipv4[0], 192);
	ck_assert_int_eq(s.net.ipv4[2], 20);

	ck_assert_int_eq(subnet_parse("2001:db8::1", &s), 0);
	ck_assert_int_eq(s.type, SUBNET_IPV6);
	ck_assert_int_eq(s.prefixlen, 128);
	ck_assert_int_eq(s.weight, SUBNET_DEFAULT_WEIGHT);
	ck_assert_mem_eq(s.net.ipv6, v6, 16);

	ck_assert_int_eq(subnet_parse("a:b:c:d:e:f", &s), 0);
	ck_assert_int_eq(s.type, SUBNET_MAC);
	ck_assert_int_eq(s.prefixlen, 48);
	ck_assert_int_eq(s.net.mac[0], 0xa);
	ck_assert_int_eq(s.net.mac[5], 0xf);

	/* unused bytes of the union are zero, so values compare as bytes */
	ck_assert_int_eq(subnet_parse("10.0.0.1", &s), 0);
	ck_assert_int_eq(s.net.ipv6[4], 0);
	ck_assert_int_eq(s.net.ipv6[15], 0);
}
END_TEST

START_TEST(test_long_input)
{
	struct subnet	 s;
	char		 buf[SUBNET_MAX_INPUT + 10];

	/* 1023 characters is the limit; the zeros are a valid weight */
	memset(buf, '0', sizeof(buf));
	memcpy(buf, "10.0.0.0/8#", 11);
	buf[SUBNET_MAX_INPUT] = '\0';
	ck_assert_int_eq(subnet_parse(buf, &s), 0);
	ck_assert_int_eq(s.weight, 0);
	buf[SUBNET_MAX_INPUT] = '0';
	buf[SUBNET_MAX_INPUT + 1] = '\0';
	ck_assert_int_eq(subnet_parse(buf, &s), -1);
}
END_TEST

START_TEST(test_format_forms)
{
	struct subnet	 s;
	char		 buf[SUBNET_STRLEN], small[8];

	ck_assert_int_eq(subnet_parse("192.168.20.0/24", &s), 0);
	ck_assert_uint_eq(subnet_format(&s, buf, sizeof(buf), 0), 15);
	ck_assert_str_eq(buf, "192.168.20.0/24");
	ck_assert_int_eq(subnet_parse("10.1.2.3", &s), 0);
	subnet_format(&s, buf, sizeof(buf), 0);
	ck_assert_str_eq(buf, "10.1.2.3/32");
	ck_assert_int_eq(subnet_parse("fd00:20::/64#3", &s), 0);
	subnet_format(&s, buf, sizeof(buf), 0);
	ck_assert_str_eq(buf, "fd00:20:0:0:0:0:0:0/64");
	ck_assert_int_eq(subnet_parse("02:00:00:00:00:0b", &s), 0);
	subnet_format(&s, buf, sizeof(buf), 0);
	ck_assert_str_eq(buf, "2:0:0:0:0:b");

	/* snprintf-like: full length back, truncated and terminated */
	ck_assert_int_eq(subnet_parse("192.168.20.0/24#10", &s), 0);
	ck_assert_uint_eq(subnet_format(&s, small, sizeof(small), 1), 18);
	ck_assert_str_eq(small, "192.168");

	/* the longest form fits SUBNET_STRLEN */
	ck_assert_int_eq(subnet_parse(
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128#-2147483648", &s), 0);
	ck_assert_uint_lt(subnet_format(&s, buf, sizeof(buf), 1),
	    SUBNET_STRLEN);
	ck_assert_str_eq(buf,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128#-2147483648");
}
END_TEST

START_TEST(test_check_config)
{
	static const struct {
		const char	*in;
		int		 ok;
	} t[] = {
		{ "10.0.0.1/24", 0 },
		{ "10.0.0.0/24", 1 },
		{ "10.0.0.0/7", 1 },	/* 10 = 00001010: bit 8 is clear */
		{ "11.0.0.0/7", 0 },
		{ "10.0.0.1/32", 1 },
		{ "0.0.0.0/0", 1 },
		{ "0.0.0.1/0", 0 },
		{ "192.168.1.128/25", 1 },
		{ "192.168.1.192/25", 0 },
		{ "fd00::/64", 1 },
		{ "fd00::1/64", 0 },
		{ "fd00:0:0:1::/63", 0 },
		{ "fd00:0:0:2::/63", 1 },
		{ "::/0", 1 },
		{ "::1/128", 1 },
		{ "1:2:3:4:5:6", 1 },
	};
	struct subnet	 s;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(subnet_parse(t[i].in, &s), 0);
		ck_assert_msg((subnet_check_config(&s) == 0) == t[i].ok,
		    "check_config(%s)", t[i].in);
	}
}
END_TEST

static int
qcmp(const void *a, const void *b)
{
	return subnet_cmp(a, b);
}

START_TEST(test_order)
{
	/* the order the comparison must produce */
	static const char *sorted[] = {
		"0:0:0:0:0:1#10",
		"0:0:0:0:0:2#1",
		"0:0:0:0:0:2#10",
		"10.0.0.1/32#10",
		"10.0.0.2/32#10",
		"10.1.0.0/16#-5",
		"10.1.0.0/16#10",
		"10.2.0.0/16#10",
		"10.0.0.0/8#10",
		"0.0.0.0/0#10",
		"0:0:0:0:0:0:0:1/128#10",
		"fd00:0:0:0:0:0:0:0/64#10",
		"fd00:0:0:0:0:0:0:0/64#11",
		"0:0:0:0:0:0:0:0/0#10",
	};
	enum { N = sizeof(sorted) / sizeof(sorted[0]) };
	static const int shuffle[N] = { 7, 12, 0, 9, 3, 13, 5, 1, 11, 2, 8,
	    10, 4, 6 };
	struct subnet	 v[N], a, b;
	char		 buf[SUBNET_STRLEN];
	size_t		 i, j;

	for (i = 0; i < N; i++)
		ck_assert_int_eq(subnet_parse(sorted[shuffle[i]], &v[i]), 0);
	qsort(v, N, sizeof(v[0]), qcmp);
	for (i = 0; i < N; i++) {
		subnet_format(&v[i], buf, sizeof(buf), 1);
		ck_assert_str_eq(buf, sorted[i]);
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++) {
			int	 r = subnet_cmp(&v[i], &v[j]);

			ck_assert_int_eq(r < 0, i < j);
			ck_assert_int_eq(r == 0, i == j);
			ck_assert_int_eq(r, -subnet_cmp(&v[j], &v[i]));
		}

	/* equal values from different spellings */
	ck_assert_int_eq(subnet_parse("fd00:20::/64", &a), 0);
	ck_assert_int_eq(subnet_parse("fd00:20:0:0:0:0:0:0/64#10", &b), 0);
	ck_assert_int_eq(subnet_cmp(&a, &b), 0);
	ck_assert_int_eq(subnet_parse("02:00:00:00:00:0b", &a), 0);
	ck_assert_int_eq(subnet_parse("2:0:0:0:0:b#10", &b), 0);
	ck_assert_int_eq(subnet_cmp(&a, &b), 0);
	/* a weight difference makes a different subnet */
	ck_assert_int_eq(subnet_parse("2:0:0:0:0:b#11", &b), 0);
	ck_assert_int_lt(subnet_cmp(&a, &b), 0);
}
END_TEST

START_TEST(test_contains)
{
	struct subnet	 s;
	const uint8_t	 in4[4] = { 10, 1, 255, 3 }, out4[4] = { 10, 2, 0, 1 };
	const uint8_t	 a4[4] = { 10, 127, 1, 1 }, b4[4] = { 10, 128, 0, 0 };
	uint8_t		 v6[16] = { 0xfd, 0 }, mac[6] = { 2, 0, 0, 0, 0, 0xb };

	ck_assert_int_eq(subnet_parse("10.1.0.0/16", &s), 0);
	ck_assert(subnet_contains_v4(&s, in4));
	ck_assert(!subnet_contains_v4(&s, out4));
	ck_assert(!subnet_contains_v6(&s, v6));
	ck_assert_int_eq(subnet_parse("10.0.0.0/9", &s), 0);
	ck_assert(subnet_contains_v4(&s, a4));
	ck_assert(!subnet_contains_v4(&s, b4));
	ck_assert_int_eq(subnet_parse("0.0.0.0/0", &s), 0);
	ck_assert(subnet_contains_v4(&s, b4));
	ck_assert_int_eq(subnet_parse("10.1.255.3", &s), 0);
	ck_assert(subnet_contains_v4(&s, in4));
	ck_assert(!subnet_contains_v4(&s, a4));
	/* matching ignores host bits set on the wire */
	ck_assert_int_eq(subnet_parse("10.1.2.3/16", &s), 0);
	ck_assert(subnet_contains_v4(&s, in4));

	ck_assert_int_eq(subnet_parse("fd00::/64", &s), 0);
	v6[15] = 5;
	ck_assert(subnet_contains_v6(&s, v6));
	v6[1] = 1;
	ck_assert(!subnet_contains_v6(&s, v6));
	ck_assert(!subnet_contains_v4(&s, in4));
	ck_assert_int_eq(subnet_parse("fd00::/7", &s), 0);
	ck_assert(subnet_contains_v6(&s, v6));
	v6[0] = 0xfe;
	ck_assert(!subnet_contains_v6(&s, v6));
	v6[0] = 0xfc;
	ck_assert(subnet_contains_v6(&s, v6));

	ck_assert_int_eq(subnet_parse("2:0:0:0:0:b", &s), 0);
	ck_assert(subnet_contains_mac(&s, mac));
	mac[5] = 0xc;
	ck_assert(!subnet_contains_mac(&s, mac));
	ck_assert(!subnet_contains_v4(&s, in4));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("subnet");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_long_input);
	tcase_add_test(tc, test_format_forms);
	tcase_add_test(tc, test_check_config);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_contains);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
