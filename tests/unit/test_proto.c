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

#include "proto.h"

static struct proto_msg	 m;
static char		 buf[PROTO_MAX_LINE + 1];
static const char	*why;

/* spec 16.1, the lines whose hex is not elided */
static const char	*spec_lines[] = {
	"0 alpha 17",
	"1 429 672 0 0 C115782C08762B38875A61AF74C60C8EF352FC9939704E088D"
	    "CDCACEA9F2E639646D82C516C7A5DC1D1C59C8BC917C24928CFF020C9592A3"
	    "0E0BF9E2ADABAD4A",
	"3 301334639927E36119AE0AFB5636CB63533EDB05FBBCE1A232D513497686EC7F",
	"4 655 2 c",
	"8",
	"9",
	"10 60827b11 alpha 192.168.10.0/24#10",
	"10 7ae0e4e7 beta fd00:20:0:0:0:0:0:0/64#10",
	"10 573c5f89 beta 2:0:0:0:0:b#10",
	"11 6ce30300 alpha 2:0:0:0:0:a#10",
	"12 7ae0e4e7 alpha beta 10.99.0.2 655 c 2",
	"13 31e0278e beta alpha",
	"14 6c02d725 alpha",
	"15 alpha gamma",
	"16 alpha beta 496ED252A94793B0576C063F0AF6D8277EB0A3C6D0CECAB2295FE79"
	    "38DC47DBC9D322964BF1EE05D1B005608AD760FCC 427 672 4 0",
	"16 gamma alpha 19F6E7553B3D6B7CA2608C0D9A4FFCDFC23DC66AF666E9B53B88F"
	    "CEDEA94EC610D6EE1A212B3BC14F69B8485C0AB7BC4 427 672 4 9 "
	    "10.99.0.3 655",
	"17 98",
	/* from 16.2 and 16.10 */
	"12 719266 beta alpha 10.99.0.1 655 c 2",
	"12 249dd104 alpha beta 10.99.0.2 655 c 6",
	"4 655 11 c",
	"4 655 2 b",
	"4 655 2 0",
	/* tinc 1.1 forms we relay or accept */
	"0 alpha 17.7",
	"15 alpha gamma 1 AAECAwQFBgcICQ",
	"16 alpha gamma SGVsbG8gd29ybGQ -1 -1 -1 0",
	"12 1 a b 10.0.0.1 655 7000000c -3",
};

static void
parse_ok(const char *line)
{
	ck_assert_msg(proto_parse(line, &m, &why) == 0, "\"%.60s\": %s", line,
	    why);
}

static void
parse_bad(const char *line)
{
	ck_assert_msg(proto_parse(line, &m, &why) == -1, "accepted \"%.60s\"",
	    line);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_gt(strlen(why), 0);
}

START_TEST(test_spec_lines_round_trip)
{
	size_t	 i;
	int	 n;

	for (i = 0; i < sizeof(spec_lines) / sizeof(spec_lines[0]); i++) {
		parse_ok(spec_lines[i]);
		n = proto_format(buf, sizeof(buf), &m);
		ck_assert_int_eq(n, (int)strlen(spec_lines[i]));
		ck_assert_str_eq(buf, spec_lines[i]);
	}
}
END_TEST

/* 2 <256 uppercase hex digits>, as for a 1024-bit peer key */
START_TEST(test_challenge_round_trip)
{
	char	 line[300];
	size_t	 i;

	strlcpy(line, "2 ", sizeof(line));
	for (i = 0; i < 128; i++)
		snprintf(line + 2 + 2 * i, sizeof(line) - 2 - 2 * i, "%02X",
		    (unsigned int)(0x80 + i) & 0xff);
	parse_ok(line);
	ck_assert_int_eq(m.type, REQ_CHALLENGE);
	ck_assert_uint_eq(strlen(m.challenge.hex), 256);
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &m), 258);
	ck_assert_str_eq(buf, line);
}
END_TEST

START_TEST(test_fields)
{
	parse_ok("0 alpha 17");
	ck_assert_int_eq(m.type, REQ_ID);
	ck_assert_str_eq(m.id.name, "alpha");
	ck_assert_int_eq(m.id.major, 17);
	ck_assert_int_eq(m.id.minor, -1);
	parse_ok("0 beta 17.7");
	ck_assert_int_eq(m.id.major, 17);
	ck_assert_int_eq(m.id.minor, 7);
	parse_ok("0 beta 16");	/* the caller refuses the version */
	ck_assert_int_eq(m.id.major, 16);

	parse_ok("1 429 672 0 0 00FF");
	ck_assert_int_eq(m.metakey.cipher, 429);
	ck_assert_int_eq(m.metakey.digest, 672);
	ck_assert_int_eq(m.metakey.maclength, 0);
	ck_assert_int_eq(m.metakey.compression, 0);
	ck_assert_str_eq(m.metakey.key, "00FF");

	parse_ok("4 655 2 c");
	ck_assert_str_eq(m.ack.port, "655");
	ck_assert_int_eq(m.ack.weight, 2);
	ck_assert_uint_eq(m.ack.options,
	    OPTION_PMTU_DISCOVERY | OPTION_CLAMP_MSS);
	parse_ok("4 655 -5 FF00000D");	/* 1.1 minor in the top byte */
	ck_assert_int_eq(m.ack.weight, -5);
	ck_assert_uint_eq(m.ack.options, 0xff00000d);

	parse_ok("10 60827b11 alpha 192.168.10.0/24#10");
	ck_assert_int_eq(m.type, REQ_ADD_SUBNET);
	ck_assert_uint_eq(m.subnet.nonce, 0x60827b11);
	ck_assert_str_eq(m.subnet.owner, "alpha");
	ck_assert_str_eq(m.subnet.subnet, "192.168.10.0/24#10");
	parse_ok("11 0 alpha whatever");	/* subnet.c judges the text */
	ck_assert_int_eq(m.type, REQ_DEL_SUBNET);

	parse_ok("12 ffffffff alpha beta 10.99.0.2 655 c 2");
	ck_assert_uint_eq(m.add_edge.nonce, 0xffffffff);
	ck_assert_str_eq(m.add_edge.from, "alpha");
	ck_assert_str_eq(m.add_edge.to, "beta");
	ck_assert_str_eq(m.add_edge.address, "10.99.0.2");
	ck_assert_str_eq(m.add_edge.port, "655");
	ck_assert_uint_eq(m.add_edge.options, 0xc);
	ck_assert_int_eq(m.add_edge.weight, 2);
	/* a non-numeric address is kept for the caller to judge */
	parse_ok("12 1a2b delta xnode foo bar c 10");
	ck_assert_str_eq(m.add_edge.address, "foo");
	ck_assert_str_eq(m.add_edge.port, "bar");

	parse_ok("13 31e0278e beta alpha");
	ck_assert_str_eq(m.del_edge.from, "beta");
	ck_assert_str_eq(m.del_edge.to, "alpha");
	parse_ok("14 6c02d725 alpha");
	ck_assert_uint_eq(m.key_changed.nonce, 0x6c02d725);
	ck_assert_str_eq(m.key_changed.name, "alpha");

	parse_ok("15 alpha gamma");
	ck_assert_str_eq(m.req_key.from, "alpha");
	ck_assert_str_eq(m.req_key.to, "gamma");
	ck_assert_str_eq(m.req_key.ext, "");
	parse_ok("15 alpha gamma 1 AAECAwQFBgcICQ");
	ck_assert_str_eq(m.req_key.ext, "1 AAECAwQFBgcICQ");
	parse_ok("15 alpha gamma  3 x \r");
	ck_assert_str_eq(m.req_key.ext, "3 x");

	parse_ok("16 alpha beta 0102 427 672 4 0");
	ck_assert_str_eq(m.ans_key.key, "0102");
	ck_assert_int_eq(m.ans_key.cipher, 427);
	ck_assert_int_eq(m.ans_key.digest, 672);
	ck_assert_int_eq(m.ans_key.maclength, 4);
	ck_assert_int_eq(m.ans_key.compression, 0);
	ck_assert_int_eq(m.ans_key.has_address, 0);
	ck_assert_int_eq(m.nfields, 8);
	parse_ok("16 gamma alpha 0102 427 672 4 9 10.99.0.3 655");
	ck_assert_int_eq(m.ans_key.compression, 9);
	ck_assert_int_eq(m.ans_key.has_address, 1);
	ck_assert_str_eq(m.ans_key.address, "10.99.0.3");
	ck_assert_str_eq(m.ans_key.port, "655");
	parse_ok("16 gamma alpha 0102 427 672 4 9 fd00::1 65535");
	ck_assert_str_eq(m.ans_key.address, "fd00::1");
	/* a lone address field is ignored, as tincd does */
	parse_ok("16 gamma alpha 0102 427 672 4 9 10.99.0.3");
	ck_assert_int_eq(m.ans_key.has_address, 0);
	ck_assert_int_eq(m.nfields, 9);
	parse_ok("16 alpha gamma SGVsbG8 -1 -1 -1 0");
	ck_assert_int_eq(m.ans_key.cipher, -1);

	parse_ok("17 98");
	ck_assert_int_eq(m.type, REQ_PACKET);
	ck_assert_uint_eq(m.packet.len, 98);
	parse_ok("17 1");
	parse_ok("17 1518");
	ck_assert_uint_eq(m.packet.len, MTU);
}
END_TEST

/* tincd's scanf tolerance: whitespace runs, trailing extra fields. */
START_TEST(test_tolerance)
{
	parse_ok("8 extra fields");
	ck_assert_int_eq(m.type, REQ_PING);
	ck_assert_int_eq(m.nfields, 3);
	parse_ok("9\r");
	ck_assert_int_eq(m.type, REQ_PONG);
	parse_ok(" 8");
	parse_ok("4 655 2 c 99 extra");
	ck_assert_uint_eq(m.ack.options, 0xc);
	parse_ok("13   31e0278e\tbeta  alpha ");
	ck_assert_str_eq(m.del_edge.to, "alpha");
	/* the CVE-2018-16758 bit flip gives this */
	parse_ok("16 alpha beta 0102  0  672 4 0");
	ck_assert_int_eq(m.ans_key.cipher, 0);
	parse_ok("16 gamma alpha 0102 427 672 4 9 10.99.0.3 655 more");
	ck_assert_int_eq(m.ans_key.has_address, 1);
	parse_ok("3 abcdef");		/* lowercase hex */
	parse_ok("4 655 2 C");
	ck_assert_uint_eq(m.ack.options, 0xc);
}
END_TEST

START_TEST(test_request_numbers)
{
	ck_assert_str_eq(proto_req_name(REQ_ANS_KEY), "ANS_KEY");
	ck_assert_str_eq(proto_req_name(REQ_ID), "ID");
	ck_assert_str_eq(proto_req_name(REQ_PACKET), "PACKET");
	ck_assert_str_eq(proto_req_name(18), "UNKNOWN");
	ck_assert_str_eq(proto_req_name(-1), "UNKNOWN");
	ck_assert_int_eq(proto_req_type("17 98", &why), REQ_PACKET);
	ck_assert_int_eq(proto_req_type("15 a b", &why), REQ_REQ_KEY);

	parse_bad("5");
	ck_assert_str_eq(why, "unknown request");
	parse_bad("6 0 test");
	ck_assert_str_eq(why, "unknown request");
	parse_bad("7");
	parse_bad("18");
	ck_assert_str_eq(why, "unknown request");
	parse_bad("23 foo");
	parse_bad("-1");
	ck_assert_str_eq(why, "unknown request");
	parse_bad("99999999999999999999 x");
	ck_assert_str_eq(why, "unknown request");
	parse_bad("18446744073709551624");	/* 2^64 + 8 */
	parse_bad("4294967304");		/* 2^32 + 8 */
	parse_bad("PING");
	ck_assert_str_eq(why, "bogus data");
	parse_bad("8x");
	ck_assert_str_eq(why, "bogus data");
	parse_bad("+8");
	parse_bad("-");
	parse_bad("");
	ck_assert_str_eq(why, "empty line");
	parse_bad("   ");
	ck_assert_int_eq(proto_req_type("", &why), -1);
	ck_assert_int_eq(proto_req_type("x", &why), -1);
	ck_assert_int_eq(proto_req_type("6", &why), -1);
}
END_TEST

START_TEST(test_packet_lengths)
{
	/* errata 1: only 1..MTU, at once */
	parse_bad("17 0");
	ck_assert_str_eq(why, "invalid length");
	parse_bad("17 65536");
	parse_bad("17 -1");
	parse_bad("17 100000");
	parse_bad("17 1519");
	parse_bad("17 65535");
	parse_bad("17 98x");
	parse_bad("17 0x62");
	parse_bad("17");
	ck_assert_str_eq(why, "missing fields");
	m.type = REQ_PACKET;
	m.packet.len = 0;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &m), -1);
	m.packet.len = MTU + 1;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &m), -1);
	m.packet.len = MTU;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &m), 7);
	ck_assert_str_eq(buf, "17 1518");
}
END_TEST

START_TEST(test_malformed)
{
	char	 line[PROTO_MAX_LINE + 64];
	char	 name[MAX_NAME_LEN + 2];

	/* missing fields */
	parse_bad("0 alpha");
	ck_assert_str_eq(why, "missing fields");
	parse_bad("1 429 672 0 0");
	parse_bad("2");
	parse_bad("3");
	parse_bad("4 655 2");
	parse_bad("10 1 alpha");
	parse_bad("11 1");
	parse_bad("12 1 alpha beta 10.0.0.1 655 c");
	parse_bad("13 1 alpha");
	parse_bad("14 1");
	parse_bad("15 alpha");
	parse_bad("16 alpha beta 00 427 672 4");

	/* bad hex */
	parse_bad("1 429 672 0 0 0G");
	ck_assert_str_eq(why, "invalid hex");
	parse_bad("1 429 672 0 0 ABC");		/* odd */
	parse_bad("2 XY");
	parse_bad("3 30133463992");
	parse_bad("10 xyz alpha 10.0.0.0/8");	/* nonce */
	ck_assert_str_eq(why, "invalid nonce");
	parse_bad("10 123456789 alpha 10.0.0.0/8");	/* > 32 bits */
	parse_bad("10 0x1 alpha 10.0.0.0/8");
	parse_bad("10 -1 alpha 10.0.0.0/8");
	parse_bad("4 655 2 g");
	parse_bad("12 1 alpha beta 10.0.0.1 655 1c2d3e4f5 2");

	/* numbers */
	parse_bad("1 -429 672 0 0 00");
	parse_bad("1 429 672 -1 0 00");
	parse_bad("1 4294967725 672 0 0 00");
	parse_bad("1 429 672 0 0x0 00");
	parse_bad("4 655 2147483648 c");
	parse_bad("4 655 1e3 c");
	parse_bad("12 1 alpha beta 10.0.0.1 655 c 99999999999");
	parse_bad("16 alpha beta 00 427 672 4 3000000000");

	/* names */
	parse_bad("0 al-pha 17");
	ck_assert_str_eq(why, "invalid name");
	parse_bad("0 ../etc 17");
	parse_bad("10 1 al.pha 10.0.0.0/8");
	parse_bad("12 1 alpha be/ta 10.0.0.1 655 c 2");
	parse_bad("13 1 alpha alpha");
	ck_assert_str_eq(why, "edge from a node to itself");
	parse_bad("12 1 alpha alpha 10.0.0.1 655 c 2");
	parse_bad("14 1 a%b");
	parse_bad("15 alpha g@mma");
	parse_bad("16 alph@ beta 00 427 672 4 0");
	memset(name, 'n', sizeof(name));
	name[MAX_NAME_LEN] = '\0';
	snprintf(line, sizeof(line), "0 %s 17", name);
	parse_ok(line);
	name[MAX_NAME_LEN] = 'n';
	name[MAX_NAME_LEN + 1] = '\0';
	snprintf(line, sizeof(line), "0 %s 17", name);
	parse_bad(line);	/* errata 6 */
	snprintf(line, sizeof(line), "15 %s alpha", name);
	parse_bad(line);

	/* versions */
	parse_bad("0 alpha 17.");
	ck_assert_str_eq(why, "invalid version");
	parse_bad("0 alpha 17.x");
	parse_bad("0 alpha .7");
	parse_bad("0 alpha 17.7.1");
	parse_bad("0 alpha -17");
	parse_bad("0 alpha 99999999999");

	/* ports and addresses */
	parse_bad("4 65536 2 c");
	ck_assert_str_eq(why, "invalid port");
	parse_bad("4 http 2 c");
	parse_bad("4 -655 2 c");
	/* errata 3: the reflexive address of ANS_KEY must be numeric */
	parse_bad("16 gamma alpha 0102 427 672 4 9 foo bar");
	ck_assert_str_eq(why, "invalid address");
	parse_bad("16 gamma alpha 0102 427 672 4 9 example.com 655");
	parse_bad("16 gamma alpha 0102 427 672 4 9 10.99.0.3 http");
	parse_bad("16 gamma alpha 0102 427 672 4 9 10.99.0.3 0");
	parse_bad("16 gamma alpha 0102 427 672 4 9 10.99.0.3 65536");
	parse_bad("16 gamma alpha 0102 427 672 4 9 10.99.0.256 655");
	parse_bad("16 gamma alpha 0102 427 672 4 9 fe80::1%eth0 655");

	/* characters and lengths */
	parse_bad("8\001");
	ck_assert_str_eq(why, "invalid character");
	parse_bad("10 1 alpha 10.0.0.0/8\x7f");
	parse_bad("10 1 alpha 10.0.0.0/8\xc3\xa9");
	memset(line, 'A', sizeof(line));
	memcpy(line, "10 1 alpha ", 11);
	line[11 + PROTO_MAX_STRING] = '\0';
	parse_ok(line);		/* a 2048-character field */
	ck_assert_uint_eq(strlen(m.subnet.subnet), PROTO_MAX_STRING);
	line[11 + PROTO_MAX_STRING] = 'A';
	line[12 + PROTO_MAX_STRING] = '\0';
	parse_bad(line);
	ck_assert_str_eq(why, "field too long");
	memset(line, ' ', sizeof(line));
	line[0] = '8';
	line[PROTO_MAX_LINE] = '\0';
	parse_ok(line);		/* 2175 characters */
	line[PROTO_MAX_LINE] = ' ';
	line[PROTO_MAX_LINE + 1] = '\0';
	parse_bad(line);
	ck_assert_str_eq(why, "line too long");
}
END_TEST

START_TEST(test_format_limits)
{
	struct proto_msg	 e;
	char			 small[10];

	memset(&e, 0, sizeof(e));
	e.type = REQ_ADD_EDGE;
	strlcpy(e.add_edge.from, "alpha", sizeof(e.add_edge.from));
	strlcpy(e.add_edge.to, "beta", sizeof(e.add_edge.to));
	strlcpy(e.add_edge.address, "10.0.0.1", sizeof(e.add_edge.address));
	strlcpy(e.add_edge.port, "655", sizeof(e.add_edge.port));
	e.add_edge.nonce = 0x0abc;
	e.add_edge.options = 0x1000000c;
	e.add_edge.weight = -7;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), 42);
	ck_assert_str_eq(buf, "12 abc alpha beta 10.0.0.1 655 1000000c -7");
	/* the buffer is too small: refused, not cut */
	ck_assert_int_eq(proto_format(small, sizeof(small), &e), -1);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(proto_format(buf, 42, &e), -1);
	ck_assert_int_eq(proto_format(buf, 43, &e), 42);
	/* longer than 2175 characters: refused */
	memset(e.add_edge.address, 'a', PROTO_MAX_STRING);
	e.add_edge.address[PROTO_MAX_STRING] = '\0';
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), 2082);
	memset(e.add_edge.port, '1', 200);
	e.add_edge.port[200] = '\0';
	{
		char	 big[4096];

		ck_assert_int_eq(proto_format(big, sizeof(big), &e), -1);
	}
	/* fields that would break the line */
	strlcpy(e.add_edge.address, "10.0.0.1 x", sizeof(e.add_edge.address));
	strlcpy(e.add_edge.port, "655", sizeof(e.add_edge.port));
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), -1);
	strlcpy(e.add_edge.address, "", sizeof(e.add_edge.address));
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), -1);
	strlcpy(e.add_edge.address, "10.0.0.1\n", sizeof(e.add_edge.address));
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), -1);
	strlcpy(e.add_edge.address, "10.0.0.1", sizeof(e.add_edge.address));
	strlcpy(e.add_edge.to, "be ta", sizeof(e.add_edge.to));
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), -1);

	/* reserved and unknown requests are never sent */
	e.type = REQ_ERROR;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), -1);
	e.type = REQ_MAX;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), -1);

	/* what we send ourselves */
	memset(&e, 0, sizeof(e));
	e.type = REQ_ID;
	strlcpy(e.id.name, "alpha", sizeof(e.id.name));
	e.id.major = PTINC_PROTOCOL_MAJOR;
	e.id.minor = -1;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), 10);
	ck_assert_str_eq(buf, "0 alpha 17");
	e.type = REQ_PING;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), 1);
	ck_assert_str_eq(buf, "8");
	e.type = REQ_PONG;
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), 1);
	ck_assert_str_eq(buf, "9");
	memset(&e, 0, sizeof(e));
	e.type = REQ_KEY_CHANGED;
	e.key_changed.nonce = 0;
	strlcpy(e.key_changed.name, "alpha", sizeof(e.key_changed.name));
	ck_assert_int_eq(proto_format(buf, sizeof(buf), &e), 10);
	ck_assert_str_eq(buf, "14 0 alpha");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("proto");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_spec_lines_round_trip);
	tcase_add_test(tc, test_challenge_round_trip);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_tolerance);
	tcase_add_test(tc, test_request_numbers);
	tcase_add_test(tc, test_packet_lengths);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_format_limits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
