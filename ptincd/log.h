/*
 * Logging for every ptinc process.
 *
 * The parent is the only process that writes to syslog, a log file or
 * stderr.  Workers install a sink that forwards each formatted line to the
 * parent over their channel (log_set_sink); until then they write to stderr.
 *
 * Levels follow tincd's -d levels: a message at level N is emitted when the
 * configured debug level is >= N.  Errors and warnings are always emitted.
 */
#ifndef PTINC_LOG_H
#define PTINC_LOG_H

#include <stdarg.h>

enum log_dest {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG,
	LOG_TO_FILE,
};

/* tinc's debug levels */
#define DEBUG_NOTHING		0
#define DEBUG_CONNECTIONS	1
#define DEBUG_STATUS		2
#define DEBUG_PROTOCOL		3
#define DEBUG_META		4
#define DEBUG_TRAFFIC		5
#define DEBUG_SCARY_THINGS	10

/* priorities carried with each line (syslog values) */
typedef void (*log_sink_fn)(int prio, const char *line, void *arg);

void	log_init(const char *ident, enum log_dest dest, const char *file);
void	log_procname(const char *name);	/* "meta", "packet", ... prefix */
void	log_setlevel(int level);
int	log_getlevel(void);
void	log_set_sink(log_sink_fn fn, void *arg);
int	log_reopen(void);		/* reopen log file after SIGHUP */
void	log_emit(int prio, const char *line);	/* parent: lines from workers */

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(int level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	vlog(int prio, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

#endif
