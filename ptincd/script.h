/*
 * tinc's scripts, run by the parent without a shell.
 *
 * Path: CONFBASE/<kind> or CONFBASE/hosts/<NODE>-up|-down; a missing file
 * is skipped (debug level 2).  With ScriptsInterpreter the program is the
 * interpreter and the script its only argument (the interpreter is a
 * single path: no shell, so no arguments after it).  Without it, a script
 * that is not executable is logged and skipped.
 *
 * The child: own session and process group, default signal dispositions
 * and an empty signal mask, stdin /dev/null, stdout and stderr a pipe
 * whose lines the parent logs ("script host-up: <line>"), every other
 * descriptor closed, then execve.  The environment is built from nothing:
 *   NETNAME NAME DEVICE INTERFACE DEBUG PATH(fixed)    every script
 *   NODE REMOTEADDRESS REMOTEPORT                       host scripts
 *   NODE SUBNET WEIGHT (+ REMOTEADDRESS REMOTEPORT unless NODE is us)
 *                                                       subnet scripts
 * An unset NETNAME, DEVICE or INTERFACE, and the address of a node without
 * a usable one, are exported empty (tincd 1.0 style; DEBUG is 1.1's).
 * Input is checked first: node names with valid_name(), the address must
 * be AF_INET/AF_INET6 (or NULL/AF_UNSPEC for none) and is printed with
 * getnameinfo(NI_NUMERICHOST), SUBNET only [0-9a-fA-F:./], WEIGHT only
 * [-0-9].  Anything else is refused with a warning and nothing runs.
 *
 * tinc-up and tinc-down run synchronously (script_run_sync).  Host and
 * subnet scripts are queued (script_queue): one FIFO per node, so that a
 * node's host-up, hosts/NODE-up and subnet-ups run in order and a -down
 * after its -up; at most SCRIPT_MAX_RUNNING at once; at most
 * SCRIPT_MAX_QUEUED waiting (beyond that requests are logged and dropped);
 * each killed (with its process group) after the timeout.
 *
 * The caller's event loop (privsep/ev.h) drives the rest: the output pipes
 * and timeouts are ev descriptors and timers.  The module installs no
 * signal handler and never waits for arbitrary children: the caller reaps
 * (waitpid(-1, ..., WNOHANG) from its loop, not inside a signal handler)
 * and hands each pid to script_reap(), which starts queued scripts.
 *
 * The up/down record: script_queue() keeps the set of hosts and
 * (node, subnet, weight) for which an -up was requested and not yet the
 * -down.  A duplicate -up or a -down without its -up is ignored.  After a
 * worker dies, script_run_all_down() queues the -downs for the whole set
 * from the parent's own knowledge; script_drain() then waits for them.
 */
#ifndef PTINC_SCRIPT_H
#define PTINC_SCRIPT_H

#include <sys/types.h>
#include <sys/socket.h>

#define SCRIPT_MAX_RUNNING	4
#define SCRIPT_MAX_QUEUED	1024
#define SCRIPT_MAX_RECORDS	65536	/* hosts + subnets in the record */
#define SCRIPT_TIMEOUT_MS	30000
#define SCRIPT_PATH		\
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum script_kind {
	SCRIPT_TINC_UP,
	SCRIPT_TINC_DOWN,
	SCRIPT_HOST_UP,		/* host-up, then hosts/NODE-up */
	SCRIPT_HOST_DOWN,	/* host-down, then hosts/NODE-down */
	SCRIPT_SUBNET_UP,
	SCRIPT_SUBNET_DOWN,
};

/* What every script sees; the strings are copied when a script is built. */
struct script_env {
	const char	*confbase;
	const char	*netname;	/* NETNAME; NULL: none */
	const char	*name;		/* NAME, our node */
	const char	*device;	/* DEVICE; NULL: none */
	const char	*interface;	/* INTERFACE; NULL: none */
	const char	*interpreter;	/* ScriptsInterpreter; NULL: none */
	int		 timeout_ms;	/* 0: SCRIPT_TIMEOUT_MS */
};

/* Per script; unused fields NULL. */
struct script_args {
	const char			*node;	/* NODE */
	const struct sockaddr_storage	*addr;	/* NULL: no usable address */
	const char			*subnet;	/* "10.0.0.0/24" */
	const char			*weight;	/* "10" */
};

const char *script_kind_name(enum script_kind);

/*
 * Run now and wait (at most the timeout, then SIGKILL).  Returns 0 when
 * the scripts ran or did not exist (a non-zero exit is only logged, as
 * tincd does), -1 when refused, not started or killed.  Any kind may be
 * run this way; the up/down record is not touched.
 */
int	 script_run_sync(const struct script_env *, enum script_kind,
	    const struct script_args *);

/*
 * Queue a host or subnet script and update the up/down record; 0 (also
 * for an ignored duplicate), or -1 when refused or dropped.  For a -down
 * without addr the address remembered from the -up is shown.
 */
int	 script_queue(const struct script_env *, enum script_kind,
	    const struct script_args *);
void	 script_queue_run(void);	/* start what may start */
int	 script_reap(pid_t, int status);	/* 1: it was a script */
int	 script_is_ours(pid_t);
int	 script_pending(void);		/* queued + running */
/*
 * Block until nothing is queued or running (shutdown); after timeout_ms
 * (0: SCRIPT_TIMEOUT_MS) kill what runs, drop what waits, return -1.
 */
int	 script_drain(int timeout_ms);

/* The up/down record, as kept by script_queue(). */
int	 script_record_host(const char *node);	/* 1: host-up ran */
int	 script_record_subnet(const char *node, const char *subnet,
	    const char *weight);		/* 1: subnet-up ran */
size_t	 script_record_count(void);		/* hosts + subnets up */
/*
 * Queue every -down the record holds and empty it: per node its
 * subnet-downs, newest first, then host-down.  Blocks (script_drain) while
 * the queue is full.  Follow with script_drain(), then tinc-down.
 */
int	 script_run_all_down(const struct script_env *);

#endif
