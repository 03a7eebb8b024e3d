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

/* ptinc: the command-line tool for ptincd networks (main and command table). */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptinc.h"

struct cmd {
	const char	*name;
	int		(*run)(int, char **);
	const char	*args;
	const char	*help;
};

static int	 cmd_help(int, char **);
static int	 cmd_version(int, char **);

static const struct cmd cmds[] = {
	{ "help",	cmd_help,	"",	"show this list" },
	{ "version",	cmd_version,	"",	"show the version" },
};

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: ptinc [-n NETNAME] [-c DIR] [--help] [--version] "
	    "COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %-20s %s\n", cmds[i].name, cmds[i].args,
		    cmds[i].help);
}

static int
cmd_help(int argc, char **argv)
{
	usage(stdout);
	return 0;
}

static int
cmd_version(int argc, char **argv)
{
	printf("ptinc %s (tinc protocol %d.%d)\n", PTINC_VERSION,
	    PTINC_PROTOCOL_MAJOR, PTINC_PROTOCOL_MINOR);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "net",	required_argument,	NULL, 'n' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	size_t	 i;
	int	 ch;

	while ((ch = getopt_long(argc, argv, "+n:c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (!valid_name(optarg)) {
				fprintf(stderr, "ptinc: invalid network name "
				    "'%s'\n", optarg);
				return 1;
			}
			break;
		case 'c':
			break;
		case 'h':
			return cmd_help(0, NULL);
		case 'V':
			return cmd_version(0, NULL);
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return 1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].run(argc, argv);
	fprintf(stderr, "ptinc: unknown command '%s'; 'ptinc help' lists "
	    "them\n", argv[0]);
	return 1;
}
