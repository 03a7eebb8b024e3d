/*
 * tincd's command line, parsed into one plain structure.
 */
#ifndef PTINC_CMDLINE_H
#define PTINC_CMDLINE_H

#include <limits.h>

#define CMD_MAX_OPTIONS	256

struct cmdline {
	char		 confbase[PATH_MAX];	/* absolute */
	char		 netname[64];		/* "" when none */
	char		 pidfile[PATH_MAX];
	char		 logfile[PATH_MAX];
	char		 user[64];
	int		 foreground;		/* -D */
	int		 debug;			/* -d */
	int		 genkeys;		/* -K */
	int		 genkey_bits;
	int		 kill;			/* -k */
	int		 killsig;
	int		 mlock;			/* -L */
	int		 use_logfile;		/* --logfile */
	int		 use_syslog;		/* -s */
	int		 configtest;		/* -t */
	int		 noptions;
	char		*options[CMD_MAX_OPTIONS];	/* -o, as given */
};

int	 cmdline_parse(struct cmdline *, int argc, char **argv);
void	 cmdline_usage(int status) __attribute__((noreturn));

#endif
