/*
 * script.c: environment, argv, child state, input checks, timeouts, the
 * per-node queue and the up/down record.  The scripts are written by the
 * tests into a fresh configuration directory and dump what they see.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "script.h"

#define STD_PATH	"PATH=" SCRIPT_PATH "\n"

static char	 logbuf[65536];
static char	 dir[64];		/* CONFBASE of the test */
static char	 outfile[128];		/* where the dump scripts write */
static struct script_env	 env;

static void
capture(int prio, const char *line, void *arg)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

static void
setup(void)
{
	char	 hosts[128];

	strlcpy(dir, "/tmp/ptinc-script-XXXXXX", sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	ck_assert_int_eq(mkdir(hosts, 0755), 0);
	snprintf(outfile, sizeof(outfile), "%s/out", dir);
	memset(&env, 0, sizeof(env));
	env.confbase = dir;
	env.netname = "testnet";
	env.name = "alice";
	env.device = "/dev/net/tun";
	env.interface = "tun7";
	logbuf[0] = '\0';
	log_set_sink(capture, NULL);
	log_setlevel(3);
	ev_init();
	/* Must not reach any script. */
	setenv("FOO", "bar", 1);
}

static void
teardown(void)
{
	char	 cmd[128];
	int	 r;

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	r = system(cmd);
	(void)r;
}

static void
put_file(const char *name, mode_t mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
put_file(const char *name, mode_t mode, const char *fmt, ...)
{
	char	 path[256];
	va_list	 ap;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* A script that writes its argv count and exact environment to outfile. */
static void
put_dump(const char *name, mode_t mode)
{
	put_file(name, mode, "#!/bin/sh\n"
	    "{ echo \"ARGS=$#\"; tr '\\0' '\\n' < /proc/$$/environ | sort; }"
	    " >> %s\n", outfile);
}

static char *
slurp(const char *path)
{
	static char	 buf[65536];
	ssize_t		 n;
	int		 fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* The lines of text that contain word, in order. */
static char *
lines_with(const char *text, const char *word)
{
	static char	 out[4096];
	const char	*p, *nl;

	out[0] = '\0';
	for (p = text; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if (memmem(p, nl - p, word, strlen(word)) != NULL &&
		    strlen(out) + (nl - p) + 1 < sizeof(out))
			strncat(out, p, nl - p + 1);
	}
	return out;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The event loop part of a parent: reap children, let the queue go on. */
static void
run_queue(int max_ms)
{
	uint64_t	 end = ev_now_ms() + (uint64_t)max_ms;
	pid_t		 pid;
	int		 st;

	while (script_pending() > 0) {
		ck_assert_msg(ev_now_ms() < end, "scripts took too long");
		ck_assert_int_eq(ev_once(20), 0);
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			ck_assert(script_is_ours(pid));
			ck_assert_int_eq(script_reap(pid, st), 1);
			ck_assert(!script_is_ours(pid));
		}
	}
}

static void
sin4(struct sockaddr_storage *ss, const char *addr, int port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
}

static void
sin6(struct sockaddr_storage *ss, const char *addr, int port)
{
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
}

START_TEST(test_env_tinc_up)
{
	put_dump("tinc-up", 0755);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), 0);
	ck_assert_str_eq(slurp(outfile),
	    "ARGS=0\n"
	    "DEBUG=3\n"
	    "DEVICE=/dev/net/tun\n"
	    "INTERFACE=tun7\n"
	    "NAME=alice\n"
	    "NETNAME=testnet\n"
	    STD_PATH);

	/* No netname, no device: exported empty, as tincd 1.0 does. */
	unlink(outfile);
	env.netname = NULL;
	env.device = NULL;
	log_setlevel(0);
	put_dump("tinc-down", 0755);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_DOWN, NULL), 0);
	ck_assert_str_eq(slurp(outfile),
	    "ARGS=0\n"
	    "DEBUG=0\n"
	    "DEVICE=\n"
	    "INTERFACE=tun7\n"
	    "NAME=alice\n"
	    "NETNAME=\n"
	    STD_PATH);
}
END_TEST

START_TEST(test_env_host_up)
{
	struct script_args	 a = { .node = "bob" };
	struct sockaddr_storage	 ss;

	put_dump("host-up", 0755);
	put_dump("hosts/bob-up", 0700);
	sin4(&ss, "192.0.2.7", 655);
	a.addr = &ss;
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), 0);
	/* host-up, then hosts/bob-up, same environment. */
#define HOSTENV	"ARGS=0\nDEBUG=3\nDEVICE=/dev/net/tun\nINTERFACE=tun7\n" \
	"NAME=alice\nNETNAME=testnet\nNODE=bob\n" STD_PATH \
	"REMOTEADDRESS=192.0.2.7\nREMOTEPORT=655\n"
	ck_assert_str_eq(slurp(outfile), HOSTENV HOSTENV);

	/* An IPv4-mapped address is shown as IPv4; v6 as it is. */
	unlink(outfile);
	sin6(&ss, "::ffff:192.0.2.8", 1);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), 0);
	ck_assert_ptr_nonnull(strstr(slurp(outfile),
	    "REMOTEADDRESS=192.0.2.8\nREMOTEPORT=1\n"));
	unlink(outfile);
	sin6(&ss, "2001:db8::1", 1000);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), 0);
	ck_assert_ptr_nonnull(strstr(slurp(outfile),
	    "REMOTEADDRESS=2001:db8::1\nREMOTEPORT=1000\n"));

	/* A node without a usable address: empty values (spec 14.6.8). */
	unlink(outfile);
	a.addr = NULL;
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), 0);
	ck_assert_ptr_nonnull(strstr(slurp(outfile),
	    "NODE=bob\n" STD_PATH "REMOTEADDRESS=\nREMOTEPORT=\n"));
	ss.ss_family = AF_UNSPEC;
	a.addr = &ss;
	unlink(outfile);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), 0);
	ck_assert_ptr_nonnull(strstr(slurp(outfile), "REMOTEADDRESS=\n"));
	ck_assert_ptr_null(strstr(slurp(outfile), "FOO"));
}
END_TEST

START_TEST(test_env_subnet)
{
	struct script_args	 a = { .node = "bob", .subnet = "10.1.0.0/16",
	    .weight = "7" };
	struct sockaddr_storage	 ss;

	put_dump("subnet-up", 0755);
	sin6(&ss, "2001:db8::1", 1000);
	a.addr = &ss;
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_SUBNET_UP, &a), 0);
	ck_assert_str_eq(slurp(outfile),
	    "ARGS=0\nDEBUG=3\nDEVICE=/dev/net/tun\nINTERFACE=tun7\n"
	    "NAME=alice\nNETNAME=testnet\nNODE=bob\n" STD_PATH
	    "REMOTEADDRESS=2001:db8::1\nREMOTEPORT=1000\n"
	    "SUBNET=10.1.0.0/16\nWEIGHT=7\n");

	/* Our own subnet: no REMOTEADDRESS/REMOTEPORT at all. */
	unlink(outfile);
	a.node = "alice";
	a.subnet = "fd00:20:0:0:0:0:0:0/64";
	a.weight = "-5";
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_SUBNET_UP, &a), 0);
	ck_assert_str_eq(slurp(outfile),
	    "ARGS=0\nDEBUG=3\nDEVICE=/dev/net/tun\nINTERFACE=tun7\n"
	    "NAME=alice\nNETNAME=testnet\nNODE=alice\n" STD_PATH
	    "SUBNET=fd00:20:0:0:0:0:0:0/64\nWEIGHT=-5\n");

	/* A MAC subnet. */
	unlink(outfile);
	a.subnet = "2:0:0:0:0:b";
	a.weight = "10";
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_SUBNET_UP, &a), 0);
	ck_assert_ptr_nonnull(strstr(slurp(outfile), "SUBNET=2:0:0:0:0:b\n"));
}
END_TEST

START_TEST(test_interpreter)
{
	char	 path[256], want[512];

	/* Not executable: skipped without an interpreter... */
	put_dump("tinc-up", 0644);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), 0);
	ck_assert(!exists(outfile));
	ck_assert_ptr_nonnull(strstr(logbuf, "cannot execute"));

	/* ...run by it with one. */
	env.interpreter = "/bin/sh";
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), 0);
	ck_assert_ptr_nonnull(strstr(slurp(outfile), "NAME=alice\n"));

	/* argv is exactly { interpreter, script }. */
	snprintf(path, sizeof(path), "%s/interp", dir);
	put_file("interp", 0755, "#!/bin/sh\n"
	    "printf '%%s|' \"$#\" \"$@\" > %s.args\n", outfile);
	env.interpreter = path;
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), 0);
	snprintf(path, sizeof(path), "%s.args", outfile);
	snprintf(want, sizeof(want), "1|%s/tinc-up|", dir);
	ck_assert_str_eq(slurp(path), want);
}
END_TEST

START_TEST(test_missing_skipped)
{
	struct script_args	 a = { .node = "bob" };

	log_setlevel(2);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "tinc-up does not exist"));
	/* hosts/bob-up runs even though host-up does not exist. */
	put_dump("hosts/bob-up", 0755);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), 0);
	ck_assert_ptr_nonnull(strstr(slurp(outfile), "NODE=bob\n"));
	/* A -down without its -up is ignored. */
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_DOWN, &a), 0);
	ck_assert_int_eq(script_pending(), 0);
}
END_TEST

START_TEST(test_child_state)
{
	struct sigaction	 sa;
	sigset_t		 set;
	char			 want[256];

	/* A descriptor without close-on-exec, an ignored and a blocked signal. */
	ck_assert_int_eq(dup2(STDERR_FILENO, 100), 100);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	ck_assert_int_eq(sigaction(SIGTERM, &sa, NULL), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);

	put_file("tinc-up", 0755, "#!/bin/sh\n"
	    "{ readlink /proc/$$/fd/0; [ -e /proc/$$/fd/100 ] && echo LEAK;"
	    " while read -r l; do case $l in Sig[BI]*) echo \"$l\";; esac;"
	    " done < /proc/self/status;"
	    " [ $(cut -d' ' -f6 /proc/$$/stat) = $$ ] && echo SESSION; } > %s\n",
	    outfile);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), 0);
	snprintf(want, sizeof(want), "/dev/null\n"
	    "SigBlk:\t0000000000000000\n"
	    "SigIgn:\t0000000000000000\n"
	    "SESSION\n");
	ck_assert_str_eq(slurp(outfile), want);
}
END_TEST

START_TEST(test_output_logged)
{
	put_file("tinc-up", 0755, "#!/bin/sh\n"
	    "echo hello world\necho oops >&2\nprintf 'no newline'\nexit 3\n");
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), 0);
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "script tinc-up: hello world\n"
	    "script tinc-up: oops\n"
	    "script tinc-up: no newline\n"));
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "script tinc-up exited with status 3\n"));

	/* A failing exec is reported through the pipe. */
	logbuf[0] = '\0';
	put_file("tinc-down", 0755, "#!/nonexistent/interpreter\n");
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_DOWN, NULL), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "script tinc-down: execve failed"));
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "script tinc-down exited with status 127"));
}
END_TEST

START_TEST(test_refused_inputs)
{
	static const char	*badnodes[] = { "../etc", "a b", "", "bob;id",
	    "bob\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	static const char	*badsubnets[] = { "10.0.0.0/24;id", "$(id)", "",
	    "10.0.0.0/24 10", "10.0.0.0/24#10",
	    "1111111111111111111111111111111111111111111111111111111111111111" };
	static const char	*badweights[] = { "", "1 0", "abc", "1;", "$W" };
	struct script_args	 a;
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	size_t			 i;

	put_dump("host-up", 0755);
	put_dump("subnet-up", 0755);
	put_dump("tinc-up", 0755);
	memset(&a, 0, sizeof(a));
	a.subnet = "10.0.0.0/24";
	a.weight = "10";
	for (i = 0; i < sizeof(badnodes) / sizeof(badnodes[0]); i++) {
		a.node = badnodes[i];
		ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), -1);
		ck_assert_int_eq(script_run_sync(&env, SCRIPT_SUBNET_UP, &a),
		    -1);
		ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_UP, &a), -1);
	}
	a.node = NULL;
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), -1);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, NULL), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "invalid node name refused"));

	a.node = "bob";
	for (i = 0; i < sizeof(badsubnets) / sizeof(badsubnets[0]); i++) {
		a.subnet = badsubnets[i];
		ck_assert_int_eq(script_run_sync(&env, SCRIPT_SUBNET_UP, &a),
		    -1);
		ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), -1);
	}
	ck_assert_ptr_nonnull(strstr(logbuf, "invalid subnet refused"));
	a.subnet = "10.0.0.0/24";
	for (i = 0; i < sizeof(badweights) / sizeof(badweights[0]); i++) {
		a.weight = badweights[i];
		ck_assert_int_eq(script_run_sync(&env, SCRIPT_SUBNET_UP, &a),
		    -1);
		ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), -1);
	}
	ck_assert_ptr_nonnull(strstr(logbuf, "invalid weight refused"));

	/* Only AF_INET and AF_INET6 addresses are printed. */
	a.weight = "10";
	memset(&ss, 0, sizeof(ss));
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path, "/etc/passwd", sizeof(sun->sun_path));
	a.addr = &ss;
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_HOST_UP, &a), -1);
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_SUBNET_UP, &a), -1);
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_UP, &a), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "address family 1 refused"));

	/* Our own name must be valid too; tinc-up is never queued. */
	a.addr = NULL;
	env.name = "al/ice";
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), -1);
	env.name = "alice";
	ck_assert_int_eq(script_queue(&env, SCRIPT_TINC_UP, &a), -1);

	/* Nothing ran, nothing was recorded or queued. */
	ck_assert(!exists(outfile));
	ck_assert_int_eq(script_record_count(), 0);
	ck_assert_int_eq(script_pending(), 0);
}
END_TEST

START_TEST(test_sync_timeout)
{
	char	 pidfile[160], *s, proc[64], *st;
	pid_t	 bg;
	uint64_t start;
	int	 i, gone = 0;

	snprintf(pidfile, sizeof(pidfile), "%s/bg.pid", dir);
	put_file("tinc-up", 0755, "#!/bin/sh\n"
	    "sleep 30 &\necho $! > %s\nwait\n", pidfile);
	env.timeout_ms = 300;
	start = ev_now_ms();
	ck_assert_int_eq(script_run_sync(&env, SCRIPT_TINC_UP, NULL), -1);
	ck_assert_uint_lt(ev_now_ms() - start, 3000);
	ck_assert_uint_ge(ev_now_ms() - start, 300);
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "script tinc-up did not finish within 300 ms, killing it"));

	/* Its background child went with it (the whole process group). */
	ck_assert_ptr_nonnull(s = slurp(pidfile));
	bg = atoi(s);
	ck_assert_int_gt(bg, 1);
	snprintf(proc, sizeof(proc), "/proc/%d/stat", (int)bg);
	for (i = 0; i < 100 && !gone; i++) {
		if ((st = slurp(proc)) == NULL ||
		    strstr(st, ") Z ") != NULL)
			gone = 1;
		else
			usleep(10000);
	}
	ck_assert(gone);
}
END_TEST

/* Each script notes start and end in one file and sleeps in between. */
static void
put_order(const char *name)
{
	put_file(name, 0755, "#!/bin/sh\n"
	    "echo \"start %s $NODE $SUBNET\" >> %s\n"
	    "sleep 0.1\n"
	    "echo \"end %s $NODE $SUBNET\" >> %s\n",
	    name, outfile, name, outfile);
}

START_TEST(test_queue_order)
{
	static const char	*others[] = { "carol", "dave", "erin", "frank",
	    "gina" };
	static const char	*bob[] = {
		"start host-up bob ", "end host-up bob ",
		"start hosts/bob-up bob ", "end hosts/bob-up bob ",
		"start subnet-up bob 10.1.0.0/16", "end subnet-up bob 10.1.0.0/16",
		"start subnet-up bob 10.2.0.0/16", "end subnet-up bob 10.2.0.0/16",
		"start host-down bob ", "end host-down bob ",
		"start hosts/bob-down bob ", "end hosts/bob-down bob ",
	};
	struct script_args	 a;
	char			*text, *line, *save;
	size_t			 i, nbob = 0;
	int			 cur = 0, max = 0;

	put_order("host-up");
	put_order("host-down");
	put_order("subnet-up");
	put_order("hosts/bob-up");
	put_order("hosts/bob-down");

	memset(&a, 0, sizeof(a));
	a.node = "bob";
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_UP, &a), 0);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		a.node = others[i];
		ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_UP, &a), 0);
	}
	a.node = "bob";
	a.weight = "10";
	a.subnet = "10.1.0.0/16";
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), 0);
	a.subnet = "10.2.0.0/16";
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), 0);
	a.subnet = a.weight = NULL;
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_DOWN, &a), 0);
	ck_assert_int_gt(script_pending(), 0);
	run_queue(10000);

	text = slurp(outfile);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		cur += strncmp(line, "start", 5) == 0 ? 1 : -1;
		if (cur > max)
			max = cur;
		if (strstr(line, " bob ") == NULL)
			continue;
		ck_assert_uint_lt(nbob, sizeof(bob) / sizeof(bob[0]));
		ck_assert_str_eq(line, bob[nbob]);
		nbob++;
	}
	ck_assert_uint_eq(nbob, sizeof(bob) / sizeof(bob[0]));
	ck_assert_int_eq(cur, 0);
	ck_assert_int_le(max, SCRIPT_MAX_RUNNING);
	ck_assert_int_ge(max, 2);
	/* Five hosts up, and bob's subnets (their -downs were not asked). */
	ck_assert_int_eq(script_record_count(), 7);
}
END_TEST

START_TEST(test_record_and_all_down)
{
	struct script_args	 a;
	struct sockaddr_storage	 ss;

	put_file("host-down", 0755, "#!/bin/sh\n"
	    "echo \"host-down $NODE $REMOTEADDRESS $REMOTEPORT\" >> %s\n",
	    outfile);
	put_file("subnet-down", 0755, "#!/bin/sh\n"
	    "echo \"subnet-down $NODE $SUBNET $WEIGHT "
	    "${REMOTEADDRESS-unset}\" >> %s\n", outfile);

	memset(&a, 0, sizeof(a));
	sin4(&ss, "192.0.2.9", 655);
	a.node = "bob";
	a.addr = &ss;
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_UP, &a), 0);
	a.addr = NULL;
	a.weight = "10";
	a.subnet = "10.1.0.0/16";
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), 0);
	a.subnet = "10.2.0.0/16";
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), 0);
	a.node = "alice";
	a.subnet = "10.9.0.0/24";
	a.weight = "5";
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), 0);
	ck_assert_uint_eq(script_record_count(), 4);
	ck_assert(script_record_host("bob"));
	ck_assert(!script_record_host("alice"));
	ck_assert(script_record_subnet("bob", "10.2.0.0/16", "10"));
	ck_assert(!script_record_subnet("bob", "10.2.0.0/16", "11"));
	ck_assert(script_record_subnet("alice", "10.9.0.0/24", "5"));

	/* A duplicate -up and a -down without -up change nothing. */
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), 0);
	a.subnet = "10.8.0.0/24";
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_DOWN, &a), 0);
	a.node = "carol";
	a.subnet = a.weight = NULL;
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_DOWN, &a), 0);
	a.node = "bob";
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_UP, &a), 0);
	ck_assert_uint_eq(script_record_count(), 4);
	ck_assert_int_eq(script_drain(5000), 0);
	ck_assert(!exists(outfile));

	/* A worker died: the parent runs every -down from its record. */
	ck_assert_int_eq(script_run_all_down(&env), 0);
	ck_assert_uint_eq(script_record_count(), 0);
	ck_assert_int_eq(script_drain(5000), 0);
	/* Nodes run side by side; each node's own order is fixed. */
	ck_assert_str_eq(lines_with(slurp(outfile), " bob "),
	    "subnet-down bob 10.2.0.0/16 10 192.0.2.9\n"
	    "subnet-down bob 10.1.0.0/16 10 192.0.2.9\n"
	    "host-down bob 192.0.2.9 655\n");
	ck_assert_str_eq(lines_with(slurp(outfile), " alice "),
	    "subnet-down alice 10.9.0.0/24 5 unset\n");
	ck_assert(!script_record_host("bob"));

	/* Nothing left: a second call does nothing. */
	unlink(outfile);
	ck_assert_int_eq(script_run_all_down(&env), 0);
	ck_assert_int_eq(script_drain(5000), 0);
	ck_assert(!exists(outfile));
}
END_TEST

START_TEST(test_down_remembers_address)
{
	struct script_args	 a = { .node = "bob" };
	struct sockaddr_storage	 ss;

	put_file("host-down", 0755, "#!/bin/sh\n"
	    "echo \"$NODE $REMOTEADDRESS $REMOTEPORT\" >> %s\n", outfile);
	put_file("subnet-down", 0755, "#!/bin/sh\n"
	    "echo \"$NODE $SUBNET $REMOTEADDRESS\" >> %s\n", outfile);
	sin6(&ss, "2001:db8::5", 7000);
	a.addr = &ss;
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_UP, &a), 0);
	a.addr = NULL;
	a.subnet = "10.3.0.0/16";
	a.weight = "10";
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_UP, &a), 0);
	ck_assert_int_eq(script_queue(&env, SCRIPT_SUBNET_DOWN, &a), 0);
	ck_assert_uint_eq(script_record_count(), 1);
	a.subnet = a.weight = NULL;
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_DOWN, &a), 0);
	ck_assert_uint_eq(script_record_count(), 0);
	/* A second -down is ignored. */
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_DOWN, &a), 0);
	run_queue(5000);
	ck_assert_str_eq(slurp(outfile),
	    "bob 10.3.0.0/16 2001:db8::5\n"
	    "bob 2001:db8::5 7000\n");
}
END_TEST

START_TEST(test_queue_bound_and_abort)
{
	struct script_args	 a = { .node = "bob", .weight = "10" };
	char			 subnet[32];
	int			 i, r, dropped = 0;

	put_file("subnet-up", 0755, "#!/bin/sh\nexec sleep 5\n");
	for (i = 0; i < SCRIPT_MAX_QUEUED + 10; i++) {
		snprintf(subnet, sizeof(subnet), "10.%d.%d.0/24", i / 256,
		    i % 256);
		a.subnet = subnet;
		r = script_queue(&env, SCRIPT_SUBNET_UP, &a);
		if (r == -1)
			dropped++;
	}
	/* One runs (one node: one at a time), the queue holds the bound. */
	ck_assert_int_eq(dropped, 9);
	ck_assert_int_eq(script_pending(), SCRIPT_MAX_QUEUED + 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "script queue full"));

	ck_assert_int_eq(script_drain(200), -1);
	ck_assert_int_eq(script_pending(), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "dropping 1024 queued scripts"));
	ck_assert_ptr_nonnull(strstr(logbuf, "script subnet-up was killed"));
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(test_async_timeout)
{
	struct script_args	 a = { .node = "bob" };

	put_file("host-up", 0755, "#!/bin/sh\necho started\nexec sleep 30\n");
	env.timeout_ms = 200;
	ck_assert_int_eq(script_queue(&env, SCRIPT_HOST_UP, &a), 0);
	run_queue(3000);
	ck_assert_ptr_nonnull(strstr(logbuf, "script host-up: started\n"));
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "script host-up did not finish within 200 ms, killing it"));
	ck_assert_ptr_nonnull(strstr(logbuf, "script host-up was killed"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("script");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_env_tinc_up);
	tcase_add_test(tc, test_env_host_up);
	tcase_add_test(tc, test_env_subnet);
	tcase_add_test(tc, test_interpreter);
	tcase_add_test(tc, test_missing_skipped);
	tcase_add_test(tc, test_child_state);
	tcase_add_test(tc, test_output_logged);
	tcase_add_test(tc, test_refused_inputs);
	tcase_add_test(tc, test_sync_timeout);
	tcase_add_test(tc, test_queue_order);
	tcase_add_test(tc, test_record_and_all_down);
	tcase_add_test(tc, test_down_remembers_address);
	tcase_add_test(tc, test_queue_bound_and_abort);
	tcase_add_test(tc, test_async_timeout);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* Tests change signal state and module state: one child each. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
