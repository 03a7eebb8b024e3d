/*
 * The parent connects only where tincd would: a ConnectTo node, at an
 * Address line of its host file.  A compromised meta worker asking for
 * anything else is refused.
 */
#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "parent_meta.h"

static char		 dir[] = "/tmp/ptinc-pm-XXXXXX";
static struct conf	*c;

static void
put(const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
quiet(int prio, const char *line, void *arg)
{
}

static void
setup(void)
{
	char			 hosts[PATH_MAX];
	struct conf_opts	 opts;
	int			 nerr = 0;

	log_set_sink(quiet, NULL);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	ck_assert_int_eq(mkdir(hosts, 0755), 0);
	put("tinc.conf", "Name = alpha\nConnectTo = beta\n");
	put("hosts/alpha", "Port = 6000\n");
	put("hosts/beta", "Address = 10.1.2.3\nAddress = beta.example 700\n");
	put("hosts/gamma", "Address = 10.9.9.9\n");
	memset(&opts, 0, sizeof(opts));
	c = conf_load(dir, NULL, &opts, &nerr);
	ck_assert_ptr_nonnull(c);
}

static void
teardown(void)
{
	char	 cmd[PATH_MAX + 16];

	conf_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_configured_addresses)
{
	ck_assert(parent_meta_connect_allowed(c, "beta", "10.1.2.3", "655"));
	ck_assert(parent_meta_connect_allowed(c, "beta", "beta.example",
	    "700"));
}
END_TEST

START_TEST(test_anything_else)
{
	/* another address, another port of a listed address */
	ck_assert(!parent_meta_connect_allowed(c, "beta", "10.1.2.4", "655"));
	ck_assert(!parent_meta_connect_allowed(c, "beta", "10.1.2.3", "22"));
	ck_assert(!parent_meta_connect_allowed(c, "beta", "beta.example",
	    "655"));
	ck_assert(!parent_meta_connect_allowed(c, "beta", "127.0.0.1", "655"));
	/* a known node that is not a ConnectTo, ourselves, a stranger */
	ck_assert(!parent_meta_connect_allowed(c, "gamma", "10.9.9.9", "655"));
	ck_assert(!parent_meta_connect_allowed(c, "alpha", "10.1.2.3", "655"));
	ck_assert(!parent_meta_connect_allowed(c, "delta", "10.1.2.3", "655"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("parent_meta");
	TCase	*tc = tcase_create("connect");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_configured_addresses);
	tcase_add_test(tc, test_anything_else);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
