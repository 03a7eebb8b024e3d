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

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/tree.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <paths.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "ptinc.h"
#include "script.h"

#define SCRIPT_ENV_MAX		16
#define SCRIPT_LABEL_MAX	(MAX_NAME_LEN + 16)	/* hosts/NODE-down */
#define SCRIPT_LINE_MAX		512
#define SCRIPT_MAX_ORPHANS	16
#define SCRIPT_SUBNET_MAX	64	/* SUBNET text, NUL included */
#define SCRIPT_WEIGHT_MAX	12	/* WEIGHT text, NUL included */
#define SCRIPT_POLL_MS		20

struct script_out;

/* One script to run: everything execve needs, built before fork. */
struct script_job {
	TAILQ_ENTRY(script_job)	 entry;
	char			 node[MAX_NAME_LEN + 1];	/* FIFO key */
	char			 label[SCRIPT_LABEL_MAX];
	char			*path;
	char			*argv[3];
	char			*envp[SCRIPT_ENV_MAX + 1];
	int			 nenv;
	pid_t			 pid;
	int			 timeout_ms;
	int			 killed;
	uint64_t		 deadline;
	struct ev_timer		 timer;
	struct script_out	*out;
};
TAILQ_HEAD(script_jobs, script_job);

/* The read end of a script's stdout/stderr pipe. */
struct script_out {
	TAILQ_ENTRY(script_out)	 entry;
	struct script_job	*job;	/* NULL once the script exited */
	int			 fd;
	int			 polled;	/* registered with ev */
	char			 label[SCRIPT_LABEL_MAX];
	char			 buf[SCRIPT_LINE_MAX];
	size_t			 len;
};
TAILQ_HEAD(script_outs, script_out);

/* The up/down record. */
struct rec_subnet {
	TAILQ_ENTRY(rec_subnet)	 entry;
	char			 subnet[SCRIPT_SUBNET_MAX];
	char			 weight[SCRIPT_WEIGHT_MAX];
};
TAILQ_HEAD(rec_subnets, rec_subnet);

struct rec_node {
	RB_ENTRY(rec_node)	 entry;
	char			 name[MAX_NAME_LEN + 1];
	int			 host_up;
	struct sockaddr_storage	 addr;	/* AF_UNSPEC: none known */
	struct rec_subnets	 subnets;
};
RB_HEAD(script_rec, rec_node);

static int	rec_cmp(struct rec_node *, struct rec_node *);
RB_PROTOTYPE(script_rec, rec_node, entry, rec_cmp);

static struct script_jobs	script_waiting =
    TAILQ_HEAD_INITIALIZER(script_waiting);
static struct script_jobs	script_running =
    TAILQ_HEAD_INITIALIZER(script_running);
static struct script_outs	script_outputs =
    TAILQ_HEAD_INITIALIZER(script_outputs);
static int			script_nwaiting;
static int			script_nrunning;
static struct script_rec	script_record = RB_INITIALIZER(&script_record);
static size_t			script_nrecords;

static void	script_out_cb(int, short, void *);
static void	script_timeout_cb(void *);

const char *
script_kind_name(enum script_kind kind)
{
	switch (kind) {
	case SCRIPT_TINC_UP:
		return "tinc-up";
	case SCRIPT_TINC_DOWN:
		return "tinc-down";
	case SCRIPT_HOST_UP:
		return "host-up";
	case SCRIPT_HOST_DOWN:
		return "host-down";
	case SCRIPT_SUBNET_UP:
		return "subnet-up";
	case SCRIPT_SUBNET_DOWN:
		return "subnet-down";
	}
	return "?";
}

static int
script_is_up(enum script_kind kind)
{
	return kind == SCRIPT_TINC_UP || kind == SCRIPT_HOST_UP ||
	    kind == SCRIPT_SUBNET_UP;
}

static int
script_is_host(enum script_kind kind)
{
	return kind == SCRIPT_HOST_UP || kind == SCRIPT_HOST_DOWN;
}

static int
script_is_subnet(enum script_kind kind)
{
	return kind == SCRIPT_SUBNET_UP || kind == SCRIPT_SUBNET_DOWN;
}

/*
 * Input checks
 */

/* s is non-empty, shorter than max and made only of chars from ok. */
static int
script_chars(const char *s, const char *ok, size_t max)
{
	size_t	 len;

	if (s == NULL || (len = strlen(s)) == 0 || len >= max)
		return 0;
	return strspn(s, ok) == len;
}

/* Numeric host and port of ss, or empty strings when there is none. */
static int
script_fmt_addr(const struct sockaddr_storage *ss, char *host, size_t hostsz,
    char *port, size_t portsz)
{
	struct sockaddr_in		 sin;
	const struct sockaddr_in6	*sin6;
	const struct sockaddr		*sa = (const struct sockaddr *)ss;
	socklen_t			 len;
	int				 error;

	host[0] = port[0] = '\0';
	if (ss == NULL || ss->ss_family == AF_UNSPEC)
		return 0;
	switch (ss->ss_family) {
	case AF_INET:
		len = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		len = sizeof(struct sockaddr_in6);
		sin6 = (const struct sockaddr_in6 *)ss;
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			break;
		/* ::ffff:a.b.c.d is shown as a.b.c.d, as everywhere. */
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = sin6->sin6_port;
		memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
		sa = (const struct sockaddr *)&sin;
		len = sizeof(sin);
		break;
	default:
		log_warnx("script: address family %d refused", ss->ss_family);
		return -1;
	}
	error = getnameinfo(sa, len, host, hostsz, port, portsz,
	    NI_NUMERICHOST | NI_NUMERICSERV);
	if (error != 0) {
		log_warnx("script: cannot print address: %s",
		    gai_strerror(error));
		host[0] = port[0] = '\0';
		return -1;
	}
	return 0;
}

static int
script_check(const struct script_env *env, enum script_kind kind,
    const struct script_args *a)
{
	const char	*what = script_kind_name(kind);

	if (env->confbase == NULL || env->confbase[0] == '\0') {
		log_warnx("script %s: no configuration directory", what);
		return -1;
	}
	if (!valid_name(env->name)) {
		log_warnx("script %s: our name is not valid", what);
		return -1;
	}
	if (!script_is_host(kind) && !script_is_subnet(kind))
		return 0;
	if (a == NULL || !valid_name(a->node)) {
		log_warnx("script %s: invalid node name refused", what);
		return -1;
	}
	if (!script_is_subnet(kind))
		return 0;
	if (!script_chars(a->subnet, "0123456789abcdefABCDEF:./",
	    SCRIPT_SUBNET_MAX)) {
		log_warnx("script %s for %s: invalid subnet refused", what,
		    a->node);
		return -1;
	}
	if (!script_chars(a->weight, "-0123456789", SCRIPT_WEIGHT_MAX)) {
		log_warnx("script %s for %s: invalid weight refused", what,
		    a->node);
		return -1;
	}
	return 0;
}

/*
 * Building jobs
 */

static void
script_job_free(struct script_job *job)
{
	int	 i;

	if (job == NULL)
		return;
	for (i = 0; i < job->nenv; i++)
		free(job->envp[i]);
	free(job->argv[0]);
	free(job->argv[1]);
	free(job->path);
	free(job);
}

static void
script_jobs_free(struct script_jobs *jobs)
{
	struct script_job	*job;

	while ((job = TAILQ_FIRST(jobs)) != NULL) {
		TAILQ_REMOVE(jobs, job, entry);
		script_job_free(job);
	}
}

static int
script_setenv(struct script_job *job, const char *key, const char *val)
{
	if (job->nenv >= SCRIPT_ENV_MAX)
		return -1;
	if (asprintf(&job->envp[job->nenv], "%s=%s", key,
	    val != NULL ? val : "") == -1) {
		job->envp[job->nenv] = NULL;
		return -1;
	}
	job->nenv++;
	job->envp[job->nenv] = NULL;
	return 0;
}

static int
script_job_env(struct script_job *job, const struct script_env *env,
    enum script_kind kind, const struct script_args *a, const char *host,
    const char *port)
{
	char	 debug[16];
	int	 remote;

	snprintf(debug, sizeof(debug), "%d", log_getlevel());
	if (script_setenv(job, "NETNAME", env->netname) == -1 ||
	    script_setenv(job, "DEVICE", env->device) == -1 ||
	    script_setenv(job, "INTERFACE", env->interface) == -1 ||
	    script_setenv(job, "NAME", env->name) == -1 ||
	    script_setenv(job, "DEBUG", debug) == -1 ||
	    script_setenv(job, "PATH", SCRIPT_PATH) == -1)
		return -1;
	if (!script_is_host(kind) && !script_is_subnet(kind))
		return 0;
	if (script_setenv(job, "NODE", a->node) == -1)
		return -1;
	/* Subnet scripts show the owner's address unless the owner is us. */
	remote = script_is_host(kind) || strcmp(a->node, env->name) != 0;
	if (remote && (script_setenv(job, "REMOTEADDRESS", host) == -1 ||
	    script_setenv(job, "REMOTEPORT", port) == -1))
		return -1;
	if (script_is_subnet(kind) &&
	    (script_setenv(job, "SUBNET", a->subnet) == -1 ||
	    script_setenv(job, "WEIGHT", a->weight) == -1))
		return -1;
	return 0;
}

/* Does the script exist, and can it be run?  1 yes, 0 skip. */
static int
script_usable(const char *path, const char *label, int interpreted)
{
	struct stat	 st;

	if (stat(path, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			log_debug(DEBUG_STATUS, "script %s: %s does not exist",
			    label, path);
		else
			log_warn("script %s: %s", label, path);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("script %s: %s is not a regular file", label, path);
		return 0;
	}
	if (!interpreted && access(path, X_OK) == -1) {
		log_warn("script %s: cannot execute %s", label, path);
		return 0;
	}
	return 1;
}

/*
 * One job for the script "label" (relative to confbase), appended to jobs;
 * nothing is appended when the script does not exist.  -1 on errors.
 */
static int
script_job_add(struct script_jobs *jobs, const struct script_env *env,
    enum script_kind kind, const struct script_args *a, const char *label,
    const char *host, const char *port)
{
	struct script_job	*job;
	int			 interpreted;

	interpreted = env->interpreter != NULL && env->interpreter[0] != '\0';
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		log_warn("script %s", label);
		return -1;
	}
	strlcpy(job->label, label, sizeof(job->label));
	if (a != NULL && a->node != NULL)
		strlcpy(job->node, a->node, sizeof(job->node));
	job->pid = -1;
	job->timeout_ms = env->timeout_ms > 0 ? env->timeout_ms :
	    SCRIPT_TIMEOUT_MS;
	if (asprintf(&job->path, "%s/%s", env->confbase, label) == -1) {
		job->path = NULL;
		goto fail;
	}
	if (strlen(job->path) >= PATH_MAX) {
		log_warnx("script %s: path too long", label);
		script_job_free(job);
		return -1;
	}
	if (!script_usable(job->path, label, interpreted)) {
		script_job_free(job);
		return 0;
	}
	if (interpreted) {
		job->argv[0] = strdup(env->interpreter);
		job->argv[1] = strdup(job->path);
		if (job->argv[0] == NULL || job->argv[1] == NULL)
			goto fail;
	} else if ((job->argv[0] = strdup(job->path)) == NULL)
		goto fail;
	if (script_job_env(job, env, kind, a, host, port) == -1)
		goto fail;
	TAILQ_INSERT_TAIL(jobs, job, entry);
	return 0;
 fail:
	log_warnx("script %s: out of memory", label);
	script_job_free(job);
	return -1;
}

/* Check the request and build the jobs of every script of this kind. */
static int
script_build(const struct script_env *env, enum script_kind kind,
    const struct script_args *a, struct script_jobs *jobs)
{
	char	 host[NI_MAXHOST], port[NI_MAXSERV], label[SCRIPT_LABEL_MAX];
	int	 remote;

	host[0] = port[0] = '\0';
	if (script_check(env, kind, a) == -1)
		return -1;
	if (script_is_host(kind) || script_is_subnet(kind)) {
		remote = script_is_host(kind) ||
		    strcmp(a->node, env->name) != 0;
		if (remote && script_fmt_addr(a->addr, host, sizeof(host),
		    port, sizeof(port)) == -1) {
			log_warnx("script %s for %s: address refused",
			    script_kind_name(kind), a->node);
			return -1;
		}
	}
	if (script_job_add(jobs, env, kind, a, script_kind_name(kind), host,
	    port) == -1)
		goto fail;
	if (script_is_host(kind)) {
		snprintf(label, sizeof(label), "hosts/%s-%s", a->node,
		    script_is_up(kind) ? "up" : "down");
		if (script_job_add(jobs, env, kind, a, label, host,
		    port) == -1)
			goto fail;
	}
	return 0;
 fail:
	script_jobs_free(jobs);
	return -1;
}

/*
 * Output of scripts
 */

static void
script_out_line(struct script_out *out)
{
	out->buf[out->len] = '\0';
	if (out->len > 0)
		log_info("script %s: %s", out->label, out->buf);
	out->len = 0;
}

static void
script_out_free(struct script_out *out)
{
	if (out->len > 0)
		script_out_line(out);
	if (out->polled)
		ev_del(out->fd);
	close(out->fd);
	if (out->job != NULL)
		out->job->out = NULL;
	TAILQ_REMOVE(&script_outputs, out, entry);
	free(out);
}

/*
 * Read what is there, once or until nothing is left, and log whole
 * lines.  -1 when the pipe was closed (out is freed then).
 */
static int
script_out_read(struct script_out *out, int all)
{
	char	 tmp[1024];
	ssize_t	 n, i;

	do {
		if ((n = read(out->fd, tmp, sizeof(tmp))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			log_warn("script %s: read", out->label);
			script_out_free(out);
			return -1;
		}
		if (n == 0) {
			script_out_free(out);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (tmp[i] == '\n') {
				script_out_line(out);
				continue;
			}
			out->buf[out->len++] = tmp[i];
			if (out->len == sizeof(out->buf) - 1)
				script_out_line(out);
		}
	} while (all);
	return 0;
}

static void
script_out_cb(int fd, short revents, void *arg)
{
	(void)script_out_read(arg, 0);
}

/*
 * The script has exited.  What is left in its pipe is logged; if something
 * it started in the background still holds the pipe, keep reading from the
 * event loop, but only for the newest SCRIPT_MAX_ORPHANS such pipes.
 */
static void
script_out_detach(struct script_job *job)
{
	struct script_out	*out = job->out, *o;
	int			 orphans = 0;

	if (out == NULL)
		return;
	job->out = NULL;
	out->job = NULL;
	if (script_out_read(out, 1) == -1)
		return;
	if (!out->polled) {
		if (ev_add(out->fd, POLLIN, script_out_cb, out) == -1) {
			script_out_free(out);
			return;
		}
		out->polled = 1;
	}
	TAILQ_FOREACH(o, &script_outputs, entry)
		if (o->job == NULL)
			orphans++;
	while (orphans > SCRIPT_MAX_ORPHANS) {
		TAILQ_FOREACH(o, &script_outputs, entry)
			if (o->job == NULL)
				break;
		log_debug(DEBUG_STATUS, "script %s: no longer reading its "
		    "output", o->label);
		script_out_free(o);
		orphans--;
	}
}

/*
 * Running
 */

/*
 * In the child, all signals blocked: default dispositions, then an empty
 * mask, own session, stdin /dev/null, stdout and stderr to the pipe,
 * nothing else open, execve.  Never returns.
 */
static void __attribute__((noreturn))
script_child(struct script_job *job, int in, int out)
{
	static const char	 msg[] = "execve failed\n";
	struct sigaction	 sa;
	sigset_t		 set;
	ssize_t			 r;
	int			 sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	(void)setsid();

	/* Move both above 2 first so that no dup2 clobbers the other. */
	if ((in = fcntl(in, F_DUPFD, 3)) == -1 ||
	    (out = fcntl(out, F_DUPFD, 3)) == -1 ||
	    dup2(in, STDIN_FILENO) == -1 ||
	    dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(126);
	closefrom(3);
	execve(job->argv[0], job->argv, job->envp);
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	_exit(127);
}

/* fork and exec the job; its output pipe becomes job->out. */
static int
script_spawn(struct script_job *job)
{
	struct script_out	*out;
	sigset_t		 all, old;
	int			 p[2] = { -1, -1 }, null = -1, saved;
	pid_t			 pid;

	if ((out = calloc(1, sizeof(*out))) == NULL) {
		log_warn("script %s", job->label);
		return -1;
	}
	if ((null = open(_PATH_DEVNULL, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("script %s: %s", job->label, _PATH_DEVNULL);
		goto fail;
	}
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		log_warn("script %s: pipe", job->label);
		goto fail;
	}
	/*
	 * No signal may reach the parent's handlers in the child before the
	 * child has reset them: block everything around fork.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == 0)
		script_child(job, null, p[1]);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		errno = saved;
		log_warn("script %s: fork", job->label);
		goto fail;
	}

	close(null);
	close(p[1]);
	out->fd = p[0];
	out->job = job;
	strlcpy(out->label, job->label, sizeof(out->label));
	TAILQ_INSERT_TAIL(&script_outputs, out, entry);
	job->out = out;
	job->pid = pid;
	job->deadline = ev_now_ms() + (uint64_t)job->timeout_ms;
	if (job->node[0] != '\0')
		log_debug(DEBUG_STATUS, "executing script %s for %s",
		    job->label, job->node);
	else
		log_debug(DEBUG_STATUS, "executing script %s", job->label);
	return 0;
 fail:
	if (null != -1)
		close(null);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	free(out);
	return -1;
}

static void
script_kill(struct script_job *job)
{
	log_warnx("script %s did not finish within %d ms, killing it",
	    job->label, job->timeout_ms);
	/* The child leads its own process group; take its helpers too. */
	(void)kill(-job->pid, SIGKILL);
	(void)kill(job->pid, SIGKILL);
	job->killed = 1;
}

static void
script_log_status(struct script_job *job, int status)
{
	if (job->killed)
		log_warnx("script %s was killed", job->label);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warnx("script %s exited with status %d", job->label,
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warnx("script %s was terminated by signal %d",
		    job->label, WTERMSIG(status));
	else
		log_debug(DEBUG_STATUS, "script %s finished", job->label);
}

/* Wait for a job started by script_run_sync, reading its output. */
static int
script_wait_sync(struct script_job *job)
{
	struct pollfd	 pfd;
	uint64_t	 now;
	pid_t		 r;
	int		 status = 0, ms;

	for (;;) {
		r = waitpid(job->pid, &status, WNOHANG);
		if (r == job->pid)
			break;
		if (r == -1 && errno != EINTR) {
			log_warn("script %s: waitpid", job->label);
			script_out_detach(job);
			return -1;
		}
		now = ev_now_ms();
		if (now >= job->deadline && !job->killed)
			script_kill(job);
		if (job->killed) {
			while (waitpid(job->pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
			break;
		}
		ms = job->deadline - now < SCRIPT_POLL_MS ?
		    (int)(job->deadline - now) : SCRIPT_POLL_MS;
		if (job->out == NULL) {
			(void)poll(NULL, 0, ms < 5 ? ms : 5);
			continue;
		}
		pfd.fd = job->out->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) > 0)
			(void)script_out_read(job->out, 1);
	}
	script_log_status(job, status);
	script_out_detach(job);
	return job->killed ? -1 : 0;
}

int
script_run_sync(const struct script_env *env, enum script_kind kind,
    const struct script_args *a)
{
	struct script_jobs	 jobs = TAILQ_HEAD_INITIALIZER(jobs);
	struct script_job	*job;
	int			 rv = 0;

	if (script_build(env, kind, a, &jobs) == -1)
		return -1;
	while ((job = TAILQ_FIRST(&jobs)) != NULL) {
		TAILQ_REMOVE(&jobs, job, entry);
		if (script_spawn(job) == -1 || script_wait_sync(job) == -1)
			rv = -1;
		script_job_free(job);
	}
	return rv;
}

/*
 * The queue
 */

static int
script_node_running(const char *node)
{
	struct script_job	*job;

	TAILQ_FOREACH(job, &script_running, entry)
		if (strcmp(job->node, node) == 0)
			return 1;
	return 0;
}

static int
script_start(struct script_job *job)
{
	if (!script_usable(job->path, job->label, job->argv[1] != NULL))
		return -1;
	if (script_spawn(job) == -1)
		return -1;
	if (ev_add(job->out->fd, POLLIN, script_out_cb, job->out) == -1) {
		log_warn("script %s: cannot read its output", job->label);
		script_out_free(job->out);
	} else
		job->out->polled = 1;
	ev_timer_set(&job->timer, (uint64_t)job->timeout_ms,
	    script_timeout_cb, job);
	TAILQ_INSERT_TAIL(&script_running, job, entry);
	script_nrunning++;
	return 0;
}

static void
script_timeout_cb(void *arg)
{
	struct script_job	*job = arg;

	if (!job->killed)
		script_kill(job);
}

/*
 * Start waiting jobs in order while there is room, skipping nodes that
 * have a script running: that keeps each node's scripts in order.
 */
void
script_queue_run(void)
{
	struct script_job	*job, *next;

	TAILQ_FOREACH_SAFE(job, &script_waiting, entry, next) {
		if (script_nrunning >= SCRIPT_MAX_RUNNING)
			break;
		if (script_node_running(job->node))
			continue;
		TAILQ_REMOVE(&script_waiting, job, entry);
		script_nwaiting--;
		if (script_start(job) == -1)
			script_job_free(job);
	}
}

/* Queue the jobs for one request, all or nothing. */
static int
script_enqueue(const struct script_env *env, enum script_kind kind,
    const struct script_args *a)
{
	struct script_jobs	 jobs = TAILQ_HEAD_INITIALIZER(jobs);
	struct script_job	*job;
	int			 n = 0;

	if (script_build(env, kind, a, &jobs) == -1)
		return -1;
	TAILQ_FOREACH(job, &jobs, entry)
		n++;
	if (script_nwaiting + n > SCRIPT_MAX_QUEUED) {
		log_warnx("script queue full: %s for %s dropped",
		    script_kind_name(kind), a->node);
		script_jobs_free(&jobs);
		return -1;
	}
	while ((job = TAILQ_FIRST(&jobs)) != NULL) {
		TAILQ_REMOVE(&jobs, job, entry);
		TAILQ_INSERT_TAIL(&script_waiting, job, entry);
		script_nwaiting++;
	}
	script_queue_run();
	return 0;
}

static struct script_job *
script_find(pid_t pid)
{
	struct script_job	*job;

	if (pid <= 0)
		return NULL;
	TAILQ_FOREACH(job, &script_running, entry)
		if (job->pid == pid)
			return job;
	return NULL;
}

int
script_is_ours(pid_t pid)
{
	return script_find(pid) != NULL;
}

int
script_reap(pid_t pid, int status)
{
	struct script_job	*job;

	if ((job = script_find(pid)) == NULL)
		return 0;
	TAILQ_REMOVE(&script_running, job, entry);
	script_nrunning--;
	ev_timer_del(&job->timer);
	script_log_status(job, status);
	script_out_detach(job);
	script_job_free(job);
	script_queue_run();
	return 1;
}

int
script_pending(void)
{
	return script_nwaiting + script_nrunning;
}

/* Give up: drop what waits, kill and reap what runs. */
static void
script_abort(void)
{
	struct script_job	*job;
	int			 status;

	if (script_nwaiting > 0)
		log_warnx("dropping %d queued scripts", script_nwaiting);
	script_jobs_free(&script_waiting);
	script_nwaiting = 0;
	while ((job = TAILQ_FIRST(&script_running)) != NULL) {
		if (!job->killed)
			script_kill(job);
		status = 0;
		while (waitpid(job->pid, &status, 0) == -1 && errno == EINTR)
			;
		script_reap(job->pid, status);
	}
}

/* One round of script_drain: reap, enforce timeouts, read output. */
static void
script_drain_step(uint64_t deadline)
{
	struct pollfd		 pfd[SCRIPT_MAX_RUNNING];
	struct script_out	*outs[SCRIPT_MAX_RUNNING];
	struct script_job	*job, *next;
	uint64_t		 now;
	pid_t			 r;
	int			 status, n = 0, i, ms;

	TAILQ_FOREACH_SAFE(job, &script_running, entry, next) {
		r = waitpid(job->pid, &status, WNOHANG);
		if (r == job->pid)
			script_reap(job->pid, status);
		else if (r == -1 && errno == ECHILD) {
			log_warnx("script %s was reaped elsewhere", job->label);
			script_reap(job->pid, 0);
		}
	}
	now = ev_now_ms();
	TAILQ_FOREACH(job, &script_running, entry) {
		if (now >= job->deadline && !job->killed)
			script_kill(job);
		if (job->out != NULL && n < SCRIPT_MAX_RUNNING) {
			outs[n] = job->out;
			pfd[n].fd = job->out->fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	}
	if (script_pending() == 0 || now >= deadline)
		return;
	ms = deadline - now < SCRIPT_POLL_MS ? (int)(deadline - now) :
	    SCRIPT_POLL_MS;
	if (n == 0)
		ms = ms < 5 ? ms : 5;
	if (poll(pfd, n, ms) <= 0)
		return;
	for (i = 0; i < n; i++)
		if (pfd[i].revents != 0)
			(void)script_out_read(outs[i], 1);
}

int
script_drain(int timeout_ms)
{
	uint64_t	 deadline;

	if (timeout_ms <= 0)
		timeout_ms = SCRIPT_TIMEOUT_MS;
	deadline = ev_now_ms() + (uint64_t)timeout_ms;
	script_queue_run();
	while (script_pending() > 0) {
		if (ev_now_ms() >= deadline) {
			log_warnx("scripts still running after %d ms",
			    timeout_ms);
			script_abort();
			return -1;
		}
		script_drain_step(deadline);
	}
	return 0;
}

/*
 * The up/down record
 */

static int
rec_cmp(struct rec_node *a, struct rec_node *b)
{
	return strcmp(a->name, b->name);
}

RB_GENERATE(script_rec, rec_node, entry, rec_cmp);

static struct rec_node *
rec_find(const char *name)
{
	struct rec_node	 key;

	if (strlcpy(key.name, name, sizeof(key.name)) >= sizeof(key.name))
		return NULL;
	return RB_FIND(script_rec, &script_record, &key);
}

static struct rec_node *
rec_get(const char *name)
{
	struct rec_node	*n;

	if ((n = rec_find(name)) != NULL)
		return n;
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		log_warn("script record");
		return NULL;
	}
	strlcpy(n->name, name, sizeof(n->name));
	n->addr.ss_family = AF_UNSPEC;
	TAILQ_INIT(&n->subnets);
	RB_INSERT(script_rec, &script_record, n);
	return n;
}

static void
rec_gc(struct rec_node *n)
{
	if (n->host_up || !TAILQ_EMPTY(&n->subnets))
		return;
	RB_REMOVE(script_rec, &script_record, n);
	free(n);
}

static struct rec_subnet *
rec_find_subnet(struct rec_node *n, const char *subnet, const char *weight)
{
	struct rec_subnet	*s;

	TAILQ_FOREACH(s, &n->subnets, entry)
		if (strcmp(s->subnet, subnet) == 0 &&
		    strcmp(s->weight, weight) == 0)
			return s;
	return NULL;
}

/*
 * Note the request in the record.  1: go on and run the scripts; 0: a
 * duplicate -up or a -down without -up, ignore it; -1: no room.
 * On success *addr is the address to show: the given one, else for a
 * -down the one remembered (AF_UNSPEC: none).
 */
static int
rec_update(enum script_kind kind, const struct script_args *a,
    struct sockaddr_storage *addr)
{
	struct rec_node		*n;
	struct rec_subnet	*s = NULL;
	int			 up = script_is_up(kind), known;

	memset(addr, 0, sizeof(*addr));
	addr->ss_family = AF_UNSPEC;
	if (a->addr != NULL)
		memcpy(addr, a->addr, sizeof(*addr));
	if ((n = up ? rec_get(a->node) : rec_find(a->node)) == NULL)
		return up ? -1 : 0;
	if (script_is_subnet(kind))
		s = rec_find_subnet(n, a->subnet, a->weight);
	known = script_is_host(kind) ? n->host_up : s != NULL;
	if (up == known) {
		log_debug(DEBUG_STATUS, "%s for %s%s%s ignored: %s",
		    script_kind_name(kind), a->node,
		    script_is_subnet(kind) ? " " : "",
		    script_is_subnet(kind) ? a->subnet : "",
		    up ? "already up" : "not up");
		rec_gc(n);
		return 0;
	}
	if (up && script_nrecords >= SCRIPT_MAX_RECORDS) {
		log_warnx("script record full: %s for %s refused",
		    script_kind_name(kind), a->node);
		rec_gc(n);
		return -1;
	}

	if (addr->ss_family != AF_UNSPEC)
		memcpy(&n->addr, addr, sizeof(n->addr));
	else if (!up)
		memcpy(addr, &n->addr, sizeof(*addr));

	if (kind == SCRIPT_HOST_UP)
		n->host_up = 1;
	else if (kind == SCRIPT_HOST_DOWN)
		n->host_up = 0;
	else if (kind == SCRIPT_SUBNET_UP) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			log_warn("script record");
			rec_gc(n);
			return -1;
		}
		strlcpy(s->subnet, a->subnet, sizeof(s->subnet));
		strlcpy(s->weight, a->weight, sizeof(s->weight));
		TAILQ_INSERT_TAIL(&n->subnets, s, entry);
	} else {
		TAILQ_REMOVE(&n->subnets, s, entry);
		free(s);
	}
	if (up)
		script_nrecords++;
	else
		script_nrecords--;
	rec_gc(n);
	return 1;
}

int
script_queue(const struct script_env *env, enum script_kind kind,
    const struct script_args *a)
{
	struct sockaddr_storage	 addr;
	struct script_args	 args;
	char			 h[NI_MAXHOST], p[NI_MAXSERV];
	int			 r;

	if (!script_is_host(kind) && !script_is_subnet(kind)) {
		log_warnx("script %s cannot be queued",
		    script_kind_name(kind));
		return -1;
	}
	/* Check everything before the record changes. */
	if (script_check(env, kind, a) == -1 ||
	    script_fmt_addr(a->addr, h, sizeof(h), p, sizeof(p)) == -1)
		return -1;
	if ((r = rec_update(kind, a, &addr)) != 1)
		return r;
	args = *a;
	args.addr = addr.ss_family != AF_UNSPEC ? &addr : NULL;
	return script_enqueue(env, kind, &args);
}

int
script_record_host(const char *node)
{
	struct rec_node	*n;

	return (n = rec_find(node)) != NULL && n->host_up;
}

int
script_record_subnet(const char *node, const char *subnet,
    const char *weight)
{
	struct rec_node	*n;

	if ((n = rec_find(node)) == NULL)
		return 0;
	return rec_find_subnet(n, subnet, weight) != NULL;
}

size_t
script_record_count(void)
{
	return script_nrecords;
}

/*
 * Queue every -down the record asks for, forgetting the record as it goes:
 * per node the subnet-downs, newest first, then host-down.  Waits for room
 * when the queue is full, since this runs on the way out.
 */
int
script_run_all_down(const struct script_env *env)
{
	struct rec_node		*n;
	struct rec_subnet	*s;
	struct script_args	 a;
	struct sockaddr_storage	 addr;
	char			 node[MAX_NAME_LEN + 1];
	char			 subnet[SCRIPT_SUBNET_MAX];
	char			 weight[SCRIPT_WEIGHT_MAX];
	enum script_kind	 kind;
	int			 rv = 0;

	while ((n = RB_MIN(script_rec, &script_record)) != NULL) {
		strlcpy(node, n->name, sizeof(node));
		memcpy(&addr, &n->addr, sizeof(addr));
		memset(&a, 0, sizeof(a));
		a.node = node;
		a.addr = addr.ss_family != AF_UNSPEC ? &addr : NULL;
		if ((s = TAILQ_LAST(&n->subnets, rec_subnets)) != NULL) {
			strlcpy(subnet, s->subnet, sizeof(subnet));
			strlcpy(weight, s->weight, sizeof(weight));
			a.subnet = subnet;
			a.weight = weight;
			kind = SCRIPT_SUBNET_DOWN;
			TAILQ_REMOVE(&n->subnets, s, entry);
			free(s);
		} else {
			kind = SCRIPT_HOST_DOWN;
			n->host_up = 0;
		}
		script_nrecords--;
		rec_gc(n);
		if (script_nwaiting + 2 > SCRIPT_MAX_QUEUED)
			(void)script_drain(env->timeout_ms);
		if (script_enqueue(env, kind, &a) == -1)
			rv = -1;
	}
	return rv;
}
