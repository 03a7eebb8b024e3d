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

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "proc.h"

int
proc_self_exe(char *buf, size_t len)
{
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", buf, len - 1)) == -1)
		return -1;
	if ((size_t)n >= len - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

int
proc_role_from_name(const char *name)
{
	int	 r;

	for (r = ROLE_KEYS; r < ROLE_MAX; r++)
		if (strcmp(name, role_name(r)) == 0)
			return r;
	return -1;
}

/*
 * Move the child's descriptors into place.  Sources are first lifted above
 * the target range so that no dup2 clobbers a descriptor still needed.
 */
static int
proc_place_fds(const struct proc_spawn *ps)
{
	int	 tmp[3], i;

	for (i = 0; i < 3; i++) {
		tmp[i] = -1;
		if (ps->fds[i] == -1)
			continue;
		if ((tmp[i] = fcntl(ps->fds[i], F_DUPFD, 10)) == -1)
			return -1;
	}
	for (i = 0; i < 3; i++) {
		if (tmp[i] == -1)
			continue;
		if (dup2(tmp[i], FD_PARENT + i) == -1)
			return -1;
	}
	closefrom(FD_PARENT + 3);
	return 0;
}

static void
proc_reset_signals(void)
{
	sigset_t	 set;
	int		 sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

pid_t
proc_spawn(const char *exe, const struct proc_spawn *ps)
{
	char	 rolearg[32];
	char	*argv[3];
	char	*envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	pid_t	 pid;

	snprintf(rolearg, sizeof(rolearg), "--worker=%s", role_name(ps->role));
	argv[0] = "ptincd";
	argv[1] = rolearg;
	argv[2] = NULL;

	switch ((pid = fork())) {
	case -1:
		log_warn("%s: fork %s", __func__, role_name(ps->role));
		return -1;
	case 0:
		break;
	default:
		return pid;
	}
	/* child */
	proc_reset_signals();
	if (proc_place_fds(ps) == -1)
		_exit(127);
	execve(exe, argv, envp);
	_exit(127);
}

void
proc_title(const char *fmt, ...)
{
	char	 buf[128];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	setproctitle("%s", buf);
}
