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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_dest	 log_dest = LOG_TO_STDERR;
static int		 log_level = 0;
static FILE		*log_file;
static char		 log_path[4096];
static char		 log_ident[64] = "ptincd";
static char		 log_proc[32];
static log_sink_fn	 log_sink;
static void		*log_sink_arg;

void
log_init(const char *ident, enum log_dest dest, const char *file)
{
	strlcpy(log_ident, ident, sizeof(log_ident));
	log_dest = dest;
	if (dest == LOG_TO_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (dest == LOG_TO_FILE) {
		strlcpy(log_path, file, sizeof(log_path));
		if (log_reopen() == -1) {
			fprintf(stderr, "cannot open log file %s: %s\n",
			    log_path, strerror(errno));
			log_dest = LOG_TO_STDERR;
		}
	}
}

int
log_reopen(void)
{
	FILE	*f;
	int	 fd;

	if (log_dest != LOG_TO_FILE)
		return 0;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	if ((f = fdopen(fd, "a")) == NULL) {
		close(fd);
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	return 0;
}

void
log_procname(const char *name)
{
	strlcpy(log_proc, name, sizeof(log_proc));
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

void
log_set_sink(log_sink_fn fn, void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

/* Write one finished line to the process's destination. */
void
log_emit(int prio, const char *line)
{
	char		 ts[32];
	time_t		 now;
	struct tm	 tm;

	switch (log_dest) {
	case LOG_TO_SYSLOG:
		syslog(prio, "%s", line);
		break;
	case LOG_TO_FILE:
		if (log_file != NULL) {
			now = time(NULL);
			localtime_r(&now, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
			fprintf(log_file, "%s %s[%ld]: %s\n", ts, log_ident,
			    (long)getpid(), line);
			break;
		}
		/* FALLTHROUGH */
	case LOG_TO_STDERR:
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
		break;
	}
}

void
vlog(int prio, const char *fmt, va_list ap)
{
	char	 msg[2048], line[2100];
	size_t	 i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Never let a peer's bytes forge extra log lines or terminal codes. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (log_proc[0] != '\0')
		snprintf(line, sizeof(line), "%s: %s", log_proc, msg);
	else
		strlcpy(line, msg, sizeof(line));
	if (log_sink != NULL)
		log_sink(prio, line, log_sink_arg);
	else
		log_emit(prio, line);
}

static void
logit(int prio, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

static void
vlog_errno(int prio, int saved, const char *fmt, va_list ap)
{
	char	 buf[1900];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (saved != 0)
		logit(prio, "%s: %s", buf, strerror(saved));
	else
		logit(prio, "%s", buf);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_debug(int level, const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < level)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
