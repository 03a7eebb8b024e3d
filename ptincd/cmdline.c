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

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmdline.h"
#include "ptinc.h"

enum {
	OPT_PIDFILE = 256,
	OPT_LOGFILE,
	OPT_BYPASS,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option longopts[] = {
	{ "config",		required_argument,	NULL, 'c' },
	{ "net",		required_argument,	NULL, 'n' },
	{ "no-detach",		no_argument,		NULL, 'D' },
	{ "debug",		optional_argument,	NULL, 'd' },
	{ "kill",		optional_argument,	NULL, 'k' },
	{ "generate-keys",	optional_argument,	NULL, 'K' },
	{ "mlock",		no_argument,		NULL, 'L' },
	{ "chroot",		no_argument,		NULL, 'R' },
	{ "user",		required_argument,	NULL, 'U' },
	{ "syslog",		no_argument,		NULL, 's' },
	{ "option",		required_argument,	NULL, 'o' },
	{ "config-test",	no_argument,		NULL, 't' },
	{ "pidfile",		required_argument,	NULL, OPT_PIDFILE },
	{ "logfile",		optional_argument,	NULL, OPT_LOGFILE },
	{ "bypass-security",	no_argument,		NULL, OPT_BYPASS },
	{ "help",		no_argument,		NULL, OPT_HELP },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 }
};

static const struct {
	const char	*name;
	int		 sig;
} signames[] = {
	{ "HUP", SIGHUP }, { "TERM", SIGTERM }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "WINCH", SIGWINCH },
	{ "INT", SIGINT }, { "ALRM", SIGALRM }, { "ABRT", SIGABRT },
};

void
cmdline_usage(int status)
{
	FILE	*f = status ? stderr : stdout;

	fprintf(f,
"usage: ptincd [-DLRst] [-c dir] [-d[level]] [-K[bits]] [-k[signal]]\n"
"              [-n netname] [-o [HOST.]VAR=VALUE] [-U user]\n"
"              [--pidfile=file] [--logfile[=file]] [--help] [--version]\n"
"\n"
"  -c, --config=DIR            read configuration from DIR\n"
"  -D, --no-detach             stay in the foreground, log to stderr\n"
"  -d, --debug[=LEVEL]         raise the debug level (or set LEVEL)\n"
"  -k, --kill[=SIGNAL]         send SIGNAL (default TERM) to the running daemon\n"
"  -n, --net=NETNAME           use the network NETNAME\n"
"  -K, --generate-keys[=BITS]  generate an RSA (default 2048 bits) and an\n"
"                              Ed25519 key pair, then exit\n"
"  -L, --mlock                 lock the daemon's memory into RAM\n"
"  -R, --chroot                accepted; workers always run chrooted\n"
"  -U, --user=USER             run the workers as USER (default %s)\n"
"  -s, --syslog                log to syslog even in the foreground\n"
"  -o, --option=[HOST.]VAR=VALUE  set a configuration variable\n"
"  -t, --config-test           check the configuration and exit\n"
"      --pidfile=FILE          write the pid to FILE\n"
"      --logfile[=FILE]        log to FILE\n"
"      --help                  this text\n"
"      --version               print the version and exit\n",
	    DEFAULT_USER);
	exit(status);
}

static int
parse_signal(const char *arg)
{
	const char	*name = arg;
	char		*end;
	long		 n;
	size_t		 i;

	if (isdigit((unsigned char)arg[0])) {
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno != 0 || *end != '\0' || n <= 0 || n >= NSIG)
			return -1;
		return (int)n;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcasecmp(name, signames[i].name) == 0)
			return signames[i].sig;
	return -1;
}

static int
parse_int(const char *arg, int min, int max, int *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (arg[0] == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

/* tincd takes "-d 5" too: a following word that is a number is the level. */
static const char *
optional_value(int argc, char **argv)
{
	if (optarg != NULL)
		return optarg;
	if (optind < argc && argv[optind][0] != '-' &&
	    isdigit((unsigned char)argv[optind][0]))
		return argv[optind++];
	return NULL;
}

static int
valid_netname(const char *s)
{
	size_t	 i;

	if (s[0] == '\0' || strlen(s) >= 64)
		return 0;
	if (strcmp(s, ".") == 0)
		return 1;
	if (s[0] == '.')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/* Paths are made absolute: the daemon changes to / when it detaches. */
static int
abs_path(char *dst, size_t dstsz, const char *path)
{
	char	 cwd[PATH_MAX];

	if (path[0] == '/') {
		if (strlcpy(dst, path, dstsz) >= dstsz)
			return -1;
		return 0;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	if ((size_t)snprintf(dst, dstsz, "%s/%s", cwd, path) >= dstsz)
		return -1;
	return 0;
}

static int
badarg(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "ptincd: invalid argument `%s' for %s: %s\n",
	    val, opt, why);
	return -1;
}

static int
cmdline_defaults(struct cmdline *cl, const char *confdir)
{
	const char	*net = cl->netname;

	if (confdir != NULL) {
		if (abs_path(cl->confbase, sizeof(cl->confbase), confdir) == -1)
			return badarg("-c", confdir, "path too long");
	} else if (net[0] != '\0')
		snprintf(cl->confbase, sizeof(cl->confbase), "%s/%s",
		    CONFDIR, net);
	else
		strlcpy(cl->confbase, CONFDIR, sizeof(cl->confbase));

	if (cl->pidfile[0] == '\0')
		snprintf(cl->pidfile, sizeof(cl->pidfile),
		    net[0] ? "%s/tinc.%s.pid" : "%s/tinc.pid%s", RUNSTATEDIR,
		    net);
	if (cl->use_logfile && cl->logfile[0] == '\0')
		snprintf(cl->logfile, sizeof(cl->logfile),
		    net[0] ? "%s/tinc.%s.log" : "%s/tinc.log%s", LOGDIR, net);
	if (cl->user[0] == '\0')
		strlcpy(cl->user, DEFAULT_USER, sizeof(cl->user));
	return 0;
}

int
cmdline_parse(struct cmdline *cl, int argc, char **argv)
{
	const char	*confdir = NULL, *v;
	int		 ch;

	memset(cl, 0, sizeof(*cl));
	cl->killsig = SIGTERM;
	cl->genkey_bits = 2048;
	opterr = 0;
	optind = 1;

	while ((ch = getopt_long(argc, argv, ":c:Dd::k::n:K::LRU:so:t",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'D':
			cl->foreground = 1;
			break;
		case 'd':
			if ((v = optional_value(argc, argv)) == NULL)
				cl->debug++;
			else if (parse_int(v, 0, 100, &cl->debug) == -1)
				return badarg("-d", v, "not a level 0-100");
			break;
		case 'k':
			cl->kill = 1;
			if (optarg != NULL &&
			    (cl->killsig = parse_signal(optarg)) == -1)
				return badarg("-k", optarg, "unknown signal");
			break;
		case 'n':
			if (!valid_netname(optarg))
				return badarg("-n", optarg,
				    "letters, digits, `_', `-' and `.' only");
			if (strcmp(optarg, ".") != 0)
				strlcpy(cl->netname, optarg,
				    sizeof(cl->netname));
			break;
		case 'K':
			cl->genkeys = 1;
			if ((v = optional_value(argc, argv)) != NULL &&
			    parse_int(v, 512, 16384, &cl->genkey_bits) == -1)
				return badarg("-K", v,
				    "key size must be 512-16384 bits");
			break;
		case 'L':
			cl->mlock = 1;
			break;
		case 'R':
			break;
		case 'U':
			if (strlcpy(cl->user, optarg, sizeof(cl->user)) >=
			    sizeof(cl->user) || optarg[0] == '\0')
				return badarg("-U", optarg, "bad user name");
			break;
		case 's':
			cl->use_syslog = 1;
			break;
		case 'o':
			if (cl->noptions == CMD_MAX_OPTIONS)
				return badarg("-o", optarg, "too many options");
			cl->options[cl->noptions++] = optarg;
			break;
		case 't':
			cl->configtest = 1;
			break;
		case OPT_PIDFILE:
			if (abs_path(cl->pidfile, sizeof(cl->pidfile),
			    optarg) == -1)
				return badarg("--pidfile", optarg, "too long");
			break;
		case OPT_LOGFILE:
			cl->use_logfile = 1;
			if (optarg != NULL && abs_path(cl->logfile,
			    sizeof(cl->logfile), optarg) == -1)
				return badarg("--logfile", optarg, "too long");
			break;
		case OPT_BYPASS:
			fprintf(stderr, "ptincd: --bypass-security is not "
			    "supported: ptincd always authenticates its "
			    "peers\n");
			return -1;
		case OPT_HELP:
			cmdline_usage(0);
		case OPT_VERSION:
			printf("ptincd %s (tinc protocol %d.%d)\n",
			    PTINC_VERSION, PTINC_PROTOCOL_MAJOR,
			    PTINC_PROTOCOL_MINOR);
			exit(0);
		case ':':
			fprintf(stderr, "ptincd: option `%s' needs an "
			    "argument\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "ptincd: unknown option `%s'\n",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ptincd: unexpected argument `%s'\n",
		    argv[optind]);
		return -1;
	}
	return cmdline_defaults(cl, confdir);
}
