#include <sys/stat.h>
#include <sys/socket.h>

#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "ptinc.h"
#include "subnet.h"

#define FIXTURES		TEST_DATA "/conf"

/* ---- log capture ---- */

#define MAXLINES	256
static char	 lines[MAXLINES][1024];
static int	 nlines;

static void
capture(int prio, const char *line, void *arg)
{
	(void)prio; (void)arg;
	if (nlines < MAXLINES)
		strlcpy(lines[nlines++], line, sizeof(lines[0]));
}

static void
log_reset(void)
{
	nlines = 0;
	log_procname("");
	log_set_sink(capture, NULL);
}

/* How many captured lines contain needle. */
static int
logged(const char *needle)
{
	int	 i, n = 0;

	for (i = 0; i < nlines; i++)
		if (strstr(lines[i], needle) != NULL)
			n++;
	return n;
}

static void
dump_log(void)
{
	int	 i;

	for (i = 0; i < nlines; i++)
		fprintf(stderr, "  log: %s\n", lines[i]);
}

#define ck_logged(needle) do {						\
	if (logged(needle) != 1)					\
		dump_log();						\
	ck_assert_msg(logged(needle) == 1, "want one log line with: %s",\
	    (needle));							\
} while (0)

/* ---- scratch configuration directories ---- */

static char	 scratch[64];

static void
put(const char *rel, const char *content)
{
	char	 path[PATH_MAX], dir[PATH_MAX], *slash;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", scratch, rel);
	strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(content, f);
	fclose(f);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void
rmscratch(void)
{
	if (scratch[0] != '\0')
		nftw(scratch, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	scratch[0] = '\0';
}

static void
mkscratch(const char *tinc_conf, const char *own_host)
{
	static int	 registered;
	char		 hosts[PATH_MAX];

	/* also clean up after a failed assertion ends the test */
	if (!registered++)
		atexit(rmscratch);
	rmscratch();
	strlcpy(scratch, "/tmp/ptinc-conf-XXXXXX", sizeof(scratch));
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	put("tinc.conf", tinc_conf);
	snprintf(hosts, sizeof(hosts), "%s/hosts", scratch);
	mkdir(hosts, 0755);
	if (own_host != NULL)
		put("hosts/alice", own_host);
}

static struct conf *
load_scratch(const struct conf_opts *opts, int *nerr)
{
	log_reset();
	return conf_load(scratch, NULL, opts, nerr);
}

static struct conf *
load_fixture(const char *name, const char *netname,
    const struct conf_opts *opts, int *nerr)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	log_reset();
	return conf_load(path, netname, opts, nerr);
}

/* ---- the variable table ---- */

START_TEST(test_var_table)
{
	static const char *impl[] = { "Name", "Mode", "DeviceType", "Device",
	    "Interface", "Port", "AddressFamily", "BindToAddress",
	    "ListenAddress", "ConnectTo", "Subnet", "Address", "PingInterval",
	    "PingTimeout", "MaxTimeout", "MinTimeout", "KeyExpire",
	    "MACExpire", "ReplayWindow", "PrivateKeyFile",
	    "Ed25519PrivateKeyFile", "PublicKey", "PrivateKey",
	    "PublicKeyFile", "Ed25519PublicKey", "ScriptsInterpreter",
	    "StrictSubnets", "TunnelServer", "Cipher", "Digest", "MACLength",
	    "Compression", "TCPOnly", "IndirectData", "PMTU", "PMTUDiscovery",
	    "ClampMSS", "Forwarding", "Broadcast", "DecrementTTL",
	    "DirectOnly", "Hostnames", "ProcessPriority", "UDPRcvBuf",
	    "UDPSndBuf", "Weight", "LocalDiscovery", "PriorityInheritance",
	    "MaxOutputBufferSize", "IffOneQueue", "BindToInterface" };
	static const char *notimpl[] = { "AutoConnect", "BroadcastSubnet",
	    "DeviceStandby", "DisableBuggyPeers", "Ed25519PublicKeyFile",
	    "ExperimentalProtocol", "FWMark", "GraphDumpFile",
	    "InvitationExpire", "LogLevel", "MTUInfoInterval",
	    "MaxConnectionBurst", "Proxy", "Sandbox", "ScriptsExtension",
	    "UDPDiscovery", "UDPDiscoveryInterval",
	    "UDPDiscoveryKeepaliveInterval", "UDPDiscoveryTimeout",
	    "UDPInfoInterval", "UPnP", "UPnPDiscoverWait",
	    "UPnPRefreshPeriod", "VDEGroup", "VDEPort" };
	const struct conf_var	*v;
	size_t			 i;

	for (i = 0; i < sizeof(impl) / sizeof(impl[0]); i++) {
		v = conf_var_find(impl[i]);
		ck_assert_msg(v != NULL && v->implemented, "%s", impl[i]);
		ck_assert_str_eq(v->name, impl[i]);
	}
	for (i = 0; i < sizeof(notimpl) / sizeof(notimpl[0]); i++) {
		v = conf_var_find(notimpl[i]);
		ck_assert_msg(v != NULL && !v->implemented, "%s", notimpl[i]);
	}
	ck_assert_ptr_eq(conf_var_find("pmtudiscovery"),
	    conf_var_find("PMTUDiscovery"));
	ck_assert_ptr_null(conf_var_find("PMTUDiscover"));
	ck_assert_ptr_null(conf_var_find(""));
	ck_assert(conf_var_find("Subnet")->multiple);
	ck_assert(conf_var_find("ConnectTo")->multiple);
	ck_assert(conf_var_find("Address")->multiple);
	ck_assert(conf_var_find("BindToAddress")->multiple);
	ck_assert(conf_var_find("ListenAddress")->multiple);
	ck_assert(!conf_var_find("Port")->multiple);
	ck_assert_int_eq(conf_var_find("Address")->where, CONF_HOST);
	ck_assert_int_eq(conf_var_find("Mode")->where, CONF_SERVER);
	ck_assert_int_eq(conf_var_find("TCPOnly")->where,
	    CONF_SERVER | CONF_HOST);
}
END_TEST

/* ---- input / expected output ---- */

static void
check_print(const struct conf *c, const char *expected_file)
{
	char	*out = NULL, *exp = NULL, *p, *q, path[PATH_MAX];
	size_t	 outlen = 0, explen = 0, cblen;
	FILE	*f;
	ssize_t	 n;

	ck_assert_ptr_nonnull(f = open_memstream(&out, &outlen));
	conf_print(c, f);
	fclose(f);

	/* make the output independent of where the tree lives */
	cblen = strlen(c->confbase);
	for (p = out; (q = strstr(p, c->confbase)) != NULL; p = q + 10) {
		memmove(q + 10, q + cblen, strlen(q + cblen) + 1);
		memcpy(q, "@CONFBASE@", 10);
	}

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, expected_file);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = getdelim(&exp, &explen, '\0', f);
	fclose(f);
	ck_assert_int_gt(n, 0);
	if (strcmp(out, exp) != 0)
		fprintf(stderr, "--- got:\n%s--- want:\n%s", out, exp);
	ck_assert_str_eq(out, exp);
	free(out);
	free(exp);
}

START_TEST(test_print_minimal)
{
	struct conf	*c;
	int		 nerr = -1;

	c = load_fixture("minimal", "testnet", NULL, &nerr);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(nerr, 0);
	ck_assert_int_eq(nlines, 0);
	check_print(c, "minimal.expected");
	conf_free(c);
}
END_TEST

START_TEST(test_print_good)
{
	struct conf		*c;
	const struct conf_host	*h;
	const struct conf_entry	*e;
	struct conf_host	*it;
	int			 nerr = -1, n = 0;
	char			 want[PATH_MAX];

	c = load_fixture("good", NULL, NULL, &nerr);
	if (c == NULL)
		dump_log();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(nerr, 0);
	check_print(c, "good.expected");

	/* the one warning: an invalid ConnectTo is skipped, as tincd does */
	snprintf(want, sizeof(want), "Invalid name `not-valid' for outgoing "
	    "connection; ignored in %s/good/tinc.conf line 15", FIXTURES);
	ck_logged(want);
	ck_assert_int_eq(nlines, 1);

	/* CR removed, original spelling and location kept */
	e = conf_lookup(c->server, "MODE");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->var, "mode");
	ck_assert_str_eq(e->value, "switch");
	ck_assert_int_eq(e->line, 3);
	snprintf(want, sizeof(want), "%s/good/tinc.conf", FIXTURES);
	ck_assert_str_eq(e->file, want);
	ck_assert_str_eq(conf_get(c->server, "Broadcast"), "direct");
	ck_assert_str_eq(conf_get(c->server, "KeyExpire"), "1800");
	ck_assert_ptr_null(conf_get(c->server, "Digest"));

	/* hosts: valid names only, scripts and backups left alone */
	RB_FOREACH(it, conf_hosts, &c->hosts)
		n++;
	ck_assert_int_eq(n, 3);
	ck_assert_ptr_nonnull(conf_host_find(c, "alice"));
	ck_assert_ptr_nonnull(h = conf_host_find(c, "bob"));
	ck_assert_ptr_null(conf_host_find(c, "carol-up"));
	ck_assert_ptr_null(conf_host_find(c, "dave"));
	ck_assert_ptr_null(conf_host_find(c, "nobody"));
	ck_assert_ptr_null(conf_get(h, "Mode"));	/* not merged */
	ck_assert_str_eq(conf_get(h, "port"), "700");

	/* the PEM block's content was skipped */
	h = conf_host_find(c, "alice");
	for (e = conf_lookup(h, "Subnet"); e != NULL;
	    e = conf_lookup_next(h, e))
		ck_assert_str_ne(e->value, "192.168.99.0/24");
	ck_assert_str_eq(conf_get(h, "Ed25519PublicKey"),
	    "0ytfQEEmUi6kIYq5lyqnV0ZBjVPzkwwgqwXkAEvCj9A");
	conf_free(c);
}
END_TEST

/* ---- lookup order ---- */

START_TEST(test_lowest_line_wins)
{
	struct conf		*c;
	const struct conf_entry	*e;
	char			 want[PATH_MAX];

	c = load_fixture("quirk", NULL, NULL, NULL);
	ck_assert_ptr_nonnull(c);
	/* hosts/alice line 3 beats tinc.conf line 7 */
	ck_assert_int_eq(c->port, 6000);
	/* line 4 in both: "hosts/alice" sorts before "tinc.conf" */
	ck_assert_int_eq(c->mac_length, 8);
	/* line 2 in both: "conf.d/a.conf" sorts before "tinc.conf" */
	ck_assert_int_eq(c->compression, 3);

	/* iteration follows the same order */
	e = conf_lookup(c->server, "Port");
	ck_assert_int_eq(e->line, 3);
	snprintf(want, sizeof(want), "%s/quirk/hosts/alice", FIXTURES);
	ck_assert_str_eq(e->file, want);
	e = conf_lookup_next(c->server, e);
	ck_assert_int_eq(e->line, 7);
	ck_assert_ptr_null(conf_lookup_next(c->server, e));

	/* and the surprise is pointed out */
	snprintf(want, sizeof(want), "Port is given more than once (also in "
	    "%s/quirk/tinc.conf line 7); using the one in "
	    "%s/quirk/hosts/alice line 3", FIXTURES, FIXTURES);
	ck_logged(want);
	conf_free(c);
}
END_TEST

START_TEST(test_cmdline_options)
{
	struct conf_opts	 o = { NULL, 0 };
	struct conf		*c;
	const struct conf_host	*bob;
	const struct conf_entry	*e;
	char			 buf[SUBNET_STRLEN], where[64];

	ck_assert_int_eq(conf_opt_add(&o, "alice.Port=9100"), 0);
	ck_assert_int_eq(conf_opt_add(&o, "Port = 9000"), 0);
	ck_assert_int_eq(conf_opt_add(&o, "bob.Port\t1234"), 0);
	ck_assert_int_eq(conf_opt_add(&o, "bob.Subnet=10.30.0.0/16"), 0);
	ck_assert_int_eq(conf_opt_add(&o, "Compression=1"), 0);
	ck_assert_int_eq(conf_opt_add(&o, "Compression=2"), 0);
	c = load_fixture("quirk", NULL, &o, NULL);
	ck_assert_ptr_nonnull(c);

	/* -o beats every file; among -o options, the first one given */
	ck_assert_int_eq(c->port, 9100);
	ck_assert_int_eq(c->compression, 1);
	e = conf_lookup(c->server, "Port");
	ck_assert_ptr_null(e->file);
	ck_assert_int_eq(e->line, 1);
	conf_where(e, where, sizeof(where));
	ck_assert_str_eq(where, "command line option 1");
	e = conf_lookup_next(c->server, e);
	ck_assert_ptr_null(e->file);
	ck_assert_int_eq(e->line, 2);
	ck_assert_int_eq(conf_lookup_next(c->server, e)->line, 3);

	/* HOST.VAR= goes to that host only */
	bob = conf_host_find(c, "bob");
	ck_assert_int_eq(bob->port, 1234);
	ck_assert_uint_eq(bob->nsubnets, 2);
	subnet_format(&bob->subnets[0], buf, sizeof(buf), 1);
	ck_assert_str_eq(buf, "10.30.0.0/16#10");
	subnet_format(&bob->subnets[1], buf, sizeof(buf), 1);
	ck_assert_str_eq(buf, "10.20.0.0/16#10");
	ck_assert_uint_eq(c->nsubnets, 0);
	ck_assert_int_eq(conf_host_find(c, "alice")->port, 9100);
	ck_assert_int_eq(logged("Port is given more than once"), 0);
	conf_free(c);
	conf_opts_clear(&o);
	ck_assert_uint_eq(o.n, 0);
}
END_TEST

START_TEST(test_opt_syntax)
{
	static const char *bad[] = { "", "=1", " Port=1", "Port", "Port=",
	    "Port =  ", "bad-host.Port=1", ".Port=1", "bob.=1", "a.b.c=1" };
	struct conf_opts	 o = { NULL, 0 };
	size_t			 i;

	log_reset();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nlines = 0;
		ck_assert_msg(conf_opt_add(&o, bad[i]) == -1, "%s", bad[i]);
		ck_assert_int_eq(nlines, 1);
	}
	ck_assert_uint_eq(o.n, 0);
	nlines = 0;
	ck_assert_int_eq(conf_opt_add(&o, "Port"), -1);
	ck_logged("No value for variable `Port' in command line option 1");

	ck_assert_int_eq(conf_opt_add(&o, "Port 655"), 0);
	ck_assert_int_eq(conf_opt_add(&o, "bob.Subnet = 10.0.0.0/8 "), 0);
	ck_assert_int_eq(conf_opt_add(&o, "Name=x=y"), 0);
	ck_assert_uint_eq(o.n, 3);
	ck_assert_ptr_null(o.v[0].host);
	ck_assert_str_eq(o.v[0].var, "Port");
	ck_assert_str_eq(o.v[0].value, "655");
	ck_assert_int_eq(o.v[0].index, 1);
	ck_assert_str_eq(o.v[1].host, "bob");
	ck_assert_str_eq(o.v[1].var, "Subnet");
	ck_assert_str_eq(o.v[1].value, "10.0.0.0/8");
	ck_assert_int_eq(o.v[1].index, 2);
	ck_assert_str_eq(o.v[2].value, "x=y");
	conf_opts_clear(&o);
}
END_TEST

START_TEST(test_opt_load_problems)
{
	struct conf_opts	 o = { NULL, 0 };
	struct conf		*c;
	int			 nerr = 0;

	ck_assert_int_eq(conf_opt_add(&o, "Frobnicate=1"), 0);
	ck_assert_int_eq(conf_opt_add(&o, "zed.Port=1"), 0);
	c = load_fixture("quirk", NULL, &o, &nerr);
	ck_assert_ptr_nonnull(c);
	ck_logged("Unknown variable `Frobnicate' in command line option 1");
	ck_logged("Command line option 2 ignored: no host file for zed");
	conf_free(c);

	ck_assert_int_eq(conf_opt_add(&o, "Subnet=10.0.0.1/24"), 0);
	c = load_fixture("quirk", NULL, &o, &nerr);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerr, 1);
	ck_logged("Network address and prefix length do not match for "
	    "configuration variable Subnet in command line option 3");
	conf_opts_clear(&o);
}
END_TEST

/* ---- warnings that do not stop loading ---- */

START_TEST(test_warnings)
{
	struct conf		*c;
	const struct conf_host	*bob;
	char			 want[PATH_MAX * 2];
	int			 nerr = -1, round;

	for (round = 0; round < 2; round++) {
		c = load_fixture("warn", NULL, NULL, &nerr);
		if (c == NULL)
			dump_log();
		ck_assert_ptr_nonnull(c);
		ck_assert_int_eq(nerr, 0);

		snprintf(want, sizeof(want), "Unknown variable `FooBar' in "
		    "%s/warn/tinc.conf line 2", FIXTURES);
		ck_logged(want);
		snprintf(want, sizeof(want), "Unknown variable `BarBaz' in "
		    "%s/warn/hosts/bob line 6", FIXTURES);
		ck_logged(want);

		/* once per variable, every load */
		ck_assert_int_eq(logged("AutoConnect"), 1);
		snprintf(want, sizeof(want), "AutoConnect (%s/warn/tinc.conf "
		    "line 3) is not supported yet; ignored", FIXTURES);
		ck_logged(want);
		ck_logged("UPnP (");
		snprintf(want, sizeof(want), "Ed25519PublicKeyFile "
		    "(%s/warn/hosts/bob line 4) is not supported yet", FIXTURES);
		ck_logged(want);
		/* a server variable in a peer's file means nothing there */
		ck_assert_int_eq(logged("Mode"), 0);

		/* a peer's bad Subnets are reported and skipped */
		bob = conf_host_find(c, "bob");
		ck_assert_ptr_nonnull(bob);
		ck_assert_uint_eq(bob->nsubnets, 1);
		ck_assert_int_eq(bob->nerrors, 2);
		snprintf(want, sizeof(want), "Network address and prefix "
		    "length do not match for configuration variable Subnet in "
		    "%s/warn/hosts/bob line 2", FIXTURES);
		ck_logged(want);
		snprintf(want, sizeof(want), "Subnet expected for "
		    "configuration variable Subnet in %s/warn/hosts/bob line 3",
		    FIXTURES);
		ck_logged(want);

		/* a peer file that tincd cannot read is left out */
		ck_assert_ptr_null(conf_host_find(c, "eve"));
		snprintf(want, sizeof(want), "No value for variable `Address' "
		    "in %s/warn/hosts/eve line 2", FIXTURES);
		ck_logged(want);
		ck_logged("Ignoring host eve");

		/* hosts/alice line 1 beats tinc.conf line 6 */
		ck_assert_int_eq(c->port, 2000);
		ck_assert_uint_eq(c->nsubnets, 1);
		conf_free(c);
	}
}
END_TEST

/* ---- fatal errors, with the place ---- */

/* Copy fmt to buf with its one "%s" replaced by arg. */
static void
subst(char *buf, size_t len, const char *fmt, const char *arg)
{
	const char	*p;

	if ((p = strstr(fmt, "%s")) == NULL) {
		strlcpy(buf, fmt, len);
		return;
	}
	snprintf(buf, len, "%.*s%s%s", (int)(p - fmt), fmt, arg, p + 2);
}

START_TEST(test_errors)
{
	static const struct {
		const char	*dir;
		const char	*msg;	/* "%s" stands for FIXTURES/dir */
	} t[] = {
		{ "bad-novalue",
		  "No value for variable `Mode' in %s/tinc.conf line 3" },
		{ "bad-hostbits",
		  "Network address and prefix length do not match for "
		  "configuration variable Subnet in %s/hosts/alice line 2" },
		{ "bad-mode",
		  "Invalid value `bridge' for configuration variable Mode "
		  "(expected router, switch or hub) in %s/tinc.conf line 2" },
		{ "bad-family",
		  "Invalid value `ipx' for configuration variable "
		  "AddressFamily (expected any, ipv4 or ipv6) in "
		  "%s/tinc.conf line 3" },
		{ "bad-name",
		  "Invalid name for myself: `alice-1' in %s/tinc.conf line 1" },
		{ "bad-noname", "Name for tinc daemon required!" },
		{ "bad-confd",
		  "\"yes\" or \"no\" expected for configuration variable "
		  "TCPOnly in %s/conf.d/x.conf line 2" },
		{ "does-not-exist",
		  "Cannot open config file %s/tinc.conf: No such file" },
	};
	char		 dir[PATH_MAX], want[PATH_MAX * 2];
	struct conf	*c;
	size_t		 i;
	int		 nerr;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		nerr = 0;
		c = load_fixture(t[i].dir, NULL, NULL, &nerr);
		ck_assert_msg(c == NULL, "%s loaded", t[i].dir);
		ck_assert_int_eq(nerr, 1);
		snprintf(dir, sizeof(dir), "%s/%s", FIXTURES, t[i].dir);
		subst(want, sizeof(want), t[i].msg, dir);
		ck_logged(want);
		ck_logged("1 error in the configuration");
	}
}
END_TEST

/* One tinc.conf line at a time: what fails, and the message. */
START_TEST(test_bad_values)
{
	static const struct {
		const char	*line;
		const char	*msg;
	} t[] = {
		{ "PingInterval = abc", "Integer expected for configuration "
		  "variable PingInterval" },
		{ "PingInterval = 99999999999", "Integer out of range" },
		{ "MaxTimeout = 0", "MaxTimeout must be at least 1" },
		{ "MinTimeout = -1", "MinTimeout must be at least 0" },
		{ "KeyExpire = 0", "KeyExpire must be at least 1" },
		{ "ReplayWindow = -1", "ReplayWindow must be at least 0" },
		{ "ReplayWindow = 65537", "ReplayWindow larger than" },
		{ "UDPRcvBuf = 0", "UDPRcvBuf must be at least 1" },
		{ "UDPSndBuf = -5", "UDPSndBuf must be at least 1" },
		{ "Compression = 12", "Bogus compression level 12" },
		{ "Compression = -1", "Bogus compression level -1" },
		{ "MACLength = -1", "MACLength must be at least 0" },
		{ "MACLength = 65", "MAC length exceeds" },
		{ "PMTU = 0", "PMTU must be at least 1" },
		{ "DeviceType = tan", "Invalid value `tan' for configuration "
		  "variable DeviceType" },
		{ "Broadcast = maybe", "variable Broadcast (expected no, mst, "
		  "yes or direct)" },
		{ "Forwarding = on", "variable Forwarding" },
		{ "ProcessPriority = max", "variable ProcessPriority" },
		{ "Port = 0", "Invalid port `0'" },
		{ "Port = 65536", "Invalid port `65536'" },
		{ "Port = 6x5", "Invalid port `6x5'" },
		{ "Port = no-such-service-ptinc", "Invalid port" },
		{ "BindToAddress = 1.2.3.4 655 9", "Invalid port `655 9' for "
		  "configuration variable BindToAddress" },
		{ "ListenAddress = * 0", "Invalid port `0'" },
		{ "Subnet = 10.0.0.0/33", "Subnet expected for configuration "
		  "variable Subnet" },
		{ "Subnet = 10.0.0.1/24", "Network address and prefix length "
		  "do not match" },
		{ "DirectOnly = 1", "\"yes\" or \"no\" expected for "
		  "configuration variable DirectOnly" },
		{ "TCPOnly = true", "\"yes\" or \"no\" expected" },
		{ "   ", "No value for variable `'" },
		{ "Interface", "No value for variable `Interface'" },
		{ "Interface =", "No value for variable `Interface'" },
	};
	char		 conf[256], want[PATH_MAX + 256];
	struct conf	*c;
	size_t		 i;
	int		 nerr;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(conf, sizeof(conf), "Name = alice\n%s\n", t[i].line);
		mkscratch(conf, "# alice\n");
		nerr = 0;
		c = load_scratch(NULL, &nerr);
		if (c != NULL || logged(t[i].msg) != 1)
			dump_log();
		ck_assert_msg(c == NULL, "`%s' accepted", t[i].line);
		ck_assert_int_eq(nerr, 1);
		ck_assert_msg(logged(t[i].msg) == 1, "`%s': no `%s'",
		    t[i].line, t[i].msg);
		snprintf(want, sizeof(want), "%s/tinc.conf line 2", scratch);
		ck_logged(want);
		rmscratch();
	}
}
END_TEST

START_TEST(test_good_values)
{
	struct conf	*c;
	struct servent	*se;

	mkscratch("Name = alice\nPingInterval = 0\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->ping_interval, 86400);
	ck_assert_int_eq(c->ping_timeout, 5);
	ck_logged("No host configuration file");
	conf_free(c);
	rmscratch();

	mkscratch("Name = alice\nPingInterval = 3\nPingTimeout = 10\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->ping_timeout, 3);
	conf_free(c);
	rmscratch();

	mkscratch("Name = alice\nPingTimeout = 0\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->ping_timeout, 60);
	conf_free(c);
	rmscratch();

	mkscratch("Name = alice\nPingInterval = 30s\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->ping_interval, 30);
	ck_logged("Ignoring `s' after the number for configuration variable "
	    "PingInterval");
	conf_free(c);
	rmscratch();

	mkscratch("Name = alice\nMinTimeout = 1000\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->min_timeout, 900);
	ck_logged("MinTimeout (1000 s) cannot be larger than MaxTimeout");
	conf_free(c);
	rmscratch();

	mkscratch("Name = alice\nTunnelServer = yes\nTCPOnly = yes\n"
	    "Mode = hub\nPMTU = 9000\nBROADCAST = Yes\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->strict_subnets, 1);
	ck_assert_int_eq(c->tunnel_server, 1);
	ck_assert_int_eq(c->tcponly, 1);
	ck_assert_int_eq(c->indirectdata, 1);
	ck_assert_int_eq(c->pmtu_discovery, 0);
	ck_assert_int_eq(c->mode, RMODE_HUB);
	ck_assert_int_eq(c->devicetype, DEVTYPE_TAP);
	ck_assert_int_eq(c->pmtu, MTU);
	ck_assert_int_eq(c->broadcast, BMODE_MST);
	conf_free(c);
	rmscratch();

	mkscratch("Name = alice\nTCPOnly = yes\nPMTUDiscovery = yes\n"
	    "DeviceType = TAP\nBroadcast = no\nPMTU = 1400\nClampMSS = no\n"
	    "Forwarding = kernel\nAddressFamily = IPV6\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->pmtu_discovery, 1);
	ck_assert_int_eq(c->mode, RMODE_ROUTER);
	ck_assert_int_eq(c->devicetype, DEVTYPE_TAP);
	ck_assert_int_eq(c->broadcast, BMODE_NONE);
	ck_assert_int_eq(c->pmtu, 1400);
	ck_assert_int_eq(c->clampmss, 0);
	ck_assert_int_eq(c->forwarding, FMODE_KERNEL);
	ck_assert_int_eq(c->address_family, AF_INET6);
	conf_free(c);
	rmscratch();

	/* an indented line is ignored, as tincd does, but not silently */
	mkscratch("Name = alice\n  Port = 9\nDeviceType = raw_socket\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->port, 655);
	ck_assert_int_eq(c->devicetype, DEVTYPE_RAW_SOCKET);
	ck_assert_ptr_null(c->device);
	ck_logged("Ignoring line without a variable name in");
	conf_free(c);
	rmscratch();

	if ((se = getservbyname("http", "tcp")) != NULL) {
		mkscratch("Name = alice\nPort = http\n", NULL);
		ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
		ck_assert_int_eq(c->port, 80);
		conf_free(c);
		rmscratch();
	}
}
END_TEST

START_TEST(test_name_from_environment)
{
	struct conf	*c;
	char		 want[PATH_MAX];
	int		 nerr;

	setenv("PTINC_T_NAME", "my-host.1", 1);
	mkscratch("Name = $PTINC_T_NAME\n", NULL);
	put("hosts/my_host_1", "Port = 4000\n");
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_str_eq(c->name, "my_host_1");
	ck_assert_int_eq(c->port, 4000);
	conf_free(c);
	rmscratch();

	setenv("HOST", "box-7", 1);
	mkscratch("Name = $HOST\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_str_eq(c->name, "box_7");
	conf_free(c);
	unsetenv("HOST");
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert(valid_name(c->name));
	ck_assert_uint_le(strlen(c->name), 31);
	conf_free(c);
	rmscratch();

	unsetenv("PTINC_T_UNSET");
	mkscratch("Name = $PTINC_T_UNSET\n", NULL);
	ck_assert_ptr_null(c = load_scratch(NULL, &nerr));
	ck_assert_int_eq(nerr, 1);
	snprintf(want, sizeof(want), "Invalid Name: environment variable "
	    "PTINC_T_UNSET does not exist in %s/tinc.conf line 1", scratch);
	ck_logged(want);
	rmscratch();

	setenv("PTINC_T_EMPTY", "", 1);
	mkscratch("Name = $PTINC_T_EMPTY\n", NULL);
	ck_assert_ptr_null(c = load_scratch(NULL, &nerr));
	ck_logged("Invalid name for myself");
	rmscratch();

	mkscratch("Name = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaa\n", NULL);
	ck_assert_ptr_null(c = load_scratch(NULL, &nerr));
	ck_logged("Invalid name for myself");
	rmscratch();
}
END_TEST

/* ---- how lines are read ---- */

START_TEST(test_line_handling)
{
	struct conf		*c;
	const struct conf_entry	*e;
	char			 big[3 * CONF_LINE_MAX], want[PATH_MAX];
	char			 path[PATH_MAX];
	FILE			*f;
	int			 nerr;

	/* a 2049-character comment: the tail is read as line 2 */
	memset(big, 'a', sizeof(big));
	big[0] = '#';
	memcpy(big + CONF_LINE_MAX, "Port = 4242\nName = alice\n", 26);
	mkscratch(big, NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->port, 4242);
	ck_assert_int_eq(conf_lookup(c->server, "Port")->line, 2);
	ck_assert_int_eq(conf_lookup(c->server, "Name")->line, 3);
	snprintf(want, sizeof(want), "%s/tinc.conf line 1 is longer than "
	    "2048 characters", scratch);
	ck_logged(want);
	conf_free(c);
	rmscratch();

	/* exactly 2048 characters: the newline alone makes line 2 */
	memset(big, 'b', sizeof(big));
	big[0] = '#';
	memcpy(big + CONF_LINE_MAX, "\nName = alice\n", 15);
	mkscratch(big, NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(conf_lookup(c->server, "Name")->line, 3);
	conf_free(c);
	rmscratch();

	/* a long value is cut; the rest becomes a line of its own */
	memset(big, 'c', sizeof(big));
	memcpy(big, "Name = alice\nDevice = ", 22);
	memcpy(big + 13 + CONF_LINE_MAX + 10, "\n", 2);
	mkscratch(big, NULL);
	ck_assert_ptr_null(c = load_scratch(NULL, &nerr));
	snprintf(want, sizeof(want), "in %s/tinc.conf line 3", scratch);
	ck_logged(want);
	rmscratch();

	/* CRLF, a last line without newline, a CR kept when not at the end */
	mkscratch("Name = alice\r\nInterface = a\rb\r\nDevice = /dev/x", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_str_eq(c->interface, "a\rb");
	ck_assert_str_eq(c->device, "/dev/x");
	conf_free(c);
	rmscratch();

	/* a NUL byte makes the file unusable */
	mkscratch("Name = alice\n", NULL);
	snprintf(path, sizeof(path), "%s/tinc.conf", scratch);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fwrite("Port = 6\0 55\n", 1, 13, f);
	fclose(f);
	ck_assert_ptr_null(c = load_scratch(NULL, &nerr));
	snprintf(want, sizeof(want), "NUL byte in %s/tinc.conf line 2",
	    scratch);
	ck_logged(want);
	rmscratch();

	/* blanks, '=' and case; '#' only starts a comment at the start */
	mkscratch("Name=alice\nInterface\t \tx#y \t\nDEVICE   =   /d e  \n"
	    "-----BEGIN X\nName = mallory\n-----END X\nport\t=\t1\n", NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_str_eq(c->name, "alice");
	ck_assert_str_eq(c->interface, "x#y");
	ck_assert_str_eq(c->device, "/d e");
	ck_assert_int_eq(c->port, 1);
	e = conf_lookup(c->server, "name");
	ck_assert_ptr_null(conf_lookup_next(c->server, e));
	conf_free(c);
	rmscratch();

	/* an unterminated PEM block swallows the rest of the file */
	mkscratch("Name = alice\n-----BEGIN RSA PUBLIC KEY-----\nPort = 7\n",
	    NULL);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_int_eq(c->port, 655);
	conf_free(c);
	rmscratch();
}
END_TEST

START_TEST(test_conf_d_and_hosts_files)
{
	struct conf	*c;
	int		 nerr;
	char		 path[PATH_MAX], want[PATH_MAX];

	/* conf.d in name order, whatever readdir says */
	mkscratch("Name = alice\n", "Port = 655\n");
	put("conf.d/b.conf", "ConnectTo = b\n");
	put("conf.d/a.conf", "ConnectTo = a\n");
	put("conf.d/c.conf.orig", "ConnectTo = c\n");
	put("hosts/a", "Address = 10.0.0.1\n");
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_uint_eq(c->nconnect_to, 2);
	ck_assert_str_eq(c->connect_to[0], "a");
	ck_assert_str_eq(c->connect_to[1], "b");
	conf_free(c);

	/* a directory named like a host is not a host */
	snprintf(path, sizeof(path), "%s/hosts/dir", scratch);
	mkdir(path, 0755);
	ck_assert_ptr_nonnull(c = load_scratch(NULL, NULL));
	ck_assert_ptr_null(conf_host_find(c, "dir"));
	ck_assert_ptr_nonnull(conf_host_find(c, "a"));
	conf_free(c);

	/* our own host file must be sound */
	put("hosts/alice", "Port = 655\nCompression\n");
	ck_assert_ptr_null(c = load_scratch(NULL, &nerr));
	snprintf(want, sizeof(want), "No value for variable `Compression' in "
	    "%s/hosts/alice line 2", scratch);
	ck_logged(want);

	/* a bad conf.d file stops everything */
	put("hosts/alice", "Port = 655\n");
	put("conf.d/z.conf", "Mode\n");
	ck_assert_ptr_null(c = load_scratch(NULL, &nerr));
	rmscratch();
}
END_TEST

/* A reload builds a second tree while the first one is in use. */
START_TEST(test_reload)
{
	struct conf	*old, *new, *other;
	int		 i;

	old = load_fixture("good", NULL, NULL, NULL);
	ck_assert_ptr_nonnull(old);
	for (i = 0; i < 10; i++) {
		new = load_fixture("good", NULL, NULL, NULL);
		ck_assert_ptr_nonnull(new);
		other = load_fixture("warn", NULL, NULL, NULL);
		ck_assert_ptr_nonnull(other);
		ck_assert_ptr_null(load_fixture("bad-hostbits", NULL, NULL,
		    NULL));
		/* the trees share nothing */
		ck_assert_ptr_ne(new->server, old->server);
		ck_assert_ptr_ne(conf_host_find(new, "bob"),
		    conf_host_find(old, "bob"));
		conf_free(other);
		ck_assert_str_eq(old->name, "alice");
		ck_assert_ptr_nonnull(conf_host_find(old, "carol"));
		ck_assert_int_eq(old->ping_interval, 30);
		ck_assert_uint_eq(old->nsubnets, 4);
		conf_free(old);
		old = new;
	}
	conf_free(old);
	conf_free(NULL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_var_table);
	tcase_add_test(tc, test_print_minimal);
	tcase_add_test(tc, test_print_good);
	tcase_add_test(tc, test_lowest_line_wins);
	tcase_add_test(tc, test_cmdline_options);
	tcase_add_test(tc, test_opt_syntax);
	tcase_add_test(tc, test_opt_load_problems);
	tcase_add_test(tc, test_warnings);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_good_values);
	tcase_add_test(tc, test_name_from_environment);
	tcase_add_test(tc, test_line_handling);
	tcase_add_test(tc, test_conf_d_and_hosts_files);
	tcase_add_test(tc, test_reload);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
