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

/*
 * The privileged parent.  It reads the configuration and the keys, opens
 * the device and the sockets, starts the workers and hands each what it
 * needs, runs the scripts, and is the only process that handles signals
 * and writes logs.  It never parses bytes from the network.
 */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "cmdline.h"
#include "conf.h"
#include "device.h"
#include "ev.h"
#include "ipc.h"
#include "keyfile.h"
#include "listen.h"
#include "log.h"
#include "parent.h"
#include "parent_meta.h"
#include "parent_packet.h"
#include "proc.h"
#include "sandbox.h"
#include "script.h"
#include "subnet.h"

/* ch comes first: handlers get the slot as their struct chan argument. */
struct worker_slot {
	struct chan	 ch;
	pid_t		 pid;
	int		 ready;
	int		 status;
	int		 reaped;
};

static struct {
	struct cmdline		*cl;
	struct conf		*conf;
	struct device		 dev;
	struct listeners	 ls;
	struct sandbox_user	 su;
	struct worker_slot	 w[ROLE_MAX];
	char			 exe[PATH_MAX];
	int			 sigpipe[2];
	int			 pidfile_written;
	int			 started;	/* tinc-up ran */
	int			 stopping;
	int			 exitcode;
	int			 lost;		/* the worker that failed */
	uint32_t		 generation;	/* configuration reloads */
	struct ev_timer		 stop_timer;
} P;

static void	parent_stop(int);
static struct conf *parent_load_conf(const struct cmdline *, int *);
static int	parent_generate_keys(const struct conf *, const struct cmdline *);
static int	parent_check_keys(const struct conf *);
static int	parent_read_private_key(const struct conf *, int, uint8_t **,
		    size_t *);
static int	parent_open_device(const struct conf *, const struct cmdline *,
		    struct device *);
static int	parent_open_listeners(const struct conf *, struct listeners *);
static void	parent_scripts_up(const struct conf *, const struct device *);
static void	parent_scripts_down(const struct conf *, const struct device *);

const struct conf *
parent_conf(void)
{
	return P.conf;
}

/* ---- configuration, keys, device, sockets, scripts --------------- */

static struct conf *
parent_load_conf(const struct cmdline *cl, int *nerr)
{
	struct conf_opts	 opts;
	struct conf		*c;
	int			 i;

	memset(&opts, 0, sizeof(opts));
	*nerr = 0;
	for (i = 0; i < cl->noptions; i++)
		if (conf_opt_add(&opts, cl->options[i]) == -1)
			(*nerr)++;
	if (*nerr > 0) {
		conf_opts_clear(&opts);
		return NULL;
	}
	c = conf_load(cl->confbase, cl->netname[0] ? cl->netname : NULL,
	    &opts, nerr);
	conf_opts_clear(&opts);
	return c;
}

static int
parent_host_path(const struct conf *c, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/hosts/%s", c->confbase, c->name) >=
	    len)
		return -1;
	return 0;
}

static int
parent_generate_keys(const struct conf *c, const struct cmdline *cl)
{
	char	 host[PATH_MAX];

	if (parent_host_path(c, host, sizeof(host)) == -1)
		return -1;
	if (keyfile_generate_rsa(cl->genkey_bits, c->private_key_file,
	    host) == -1)
		return -1;
	if (keyfile_generate_ed25519(c->ed25519_private_key_file, host) == -1)
		return -1;
	return 0;
}

static EVP_PKEY *
parent_own_rsa(const struct conf *c)
{
	return keyfile_own_rsa_key(c->private_key_file, c->private_key,
	    c->public_key);
}

/* -t and start-up: our keys must load and match our host file. */
static int
parent_check_keys(const struct conf *c)
{
	struct ed25519_key	 ek;
	EVP_PKEY		*priv, *pub;
	char			 host[PATH_MAX];
	int			 r = 0;

	if ((priv = parent_own_rsa(c)) == NULL) {
		log_warnx("cannot load our RSA private key from %s (create "
		    "one with ptincd -K)", c->private_key_file);
		return -1;
	}
	if (parent_host_path(c, host, sizeof(host)) == 0 &&
	    (pub = keyfile_peer_rsa_key(host, conf_get(c->server,
	    "PublicKey"), conf_get(c->server, "PublicKeyFile"))) != NULL) {
		if (!keyfile_rsa_match(priv, pub)) {
			log_warnx("the RSA public key in %s does not match "
			    "the private key in %s", host,
			    c->private_key_file);
			r = -1;
		}
		EVP_PKEY_free(pub);
	}
	EVP_PKEY_free(priv);
	if (access(c->ed25519_private_key_file, F_OK) == 0) {
		if (keyfile_read_ed25519_private(c->ed25519_private_key_file,
		    &ek) == -1) {
			log_warnx("cannot load the Ed25519 private key %s",
			    c->ed25519_private_key_file);
			r = -1;
		}
		explicit_bzero(&ek, sizeof(ek));
	}
	return r;
}

static int
parent_read_private_key(const struct conf *c, int kind, uint8_t **der,
    size_t *len)
{
	struct ed25519_key	 ek;
	EVP_PKEY		*k;
	int			 r;

	*der = NULL;
	*len = 0;
	if (kind == KEY_RSA) {
		if ((k = parent_own_rsa(c)) == NULL)
			return -1;
		r = keyfile_rsa_to_der(k, der, len);
		EVP_PKEY_free(k);
		return r;
	}
	if (access(c->ed25519_private_key_file, F_OK) == -1)
		return 0;
	if (keyfile_read_ed25519_private(c->ed25519_private_key_file,
	    &ek) == -1)
		return -1;
	if ((*der = malloc(ED25519_PRIV_LEN)) == NULL) {
		explicit_bzero(&ek, sizeof(ek));
		return -1;
	}
	keyfile_ed25519_to_raw(&ek, *der);
	*len = ED25519_PRIV_LEN;
	explicit_bzero(&ek, sizeof(ek));
	return 0;
}

static const char *
parent_devtype_name(enum conf_devtype t)
{
	static const char	*names[] = { "tun", "tap", "dummy",
	    "raw_socket", "multicast", "uml", "vde", "fd" };

	if ((size_t)t >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[t];
}

/* -t must refuse what the device code cannot open. */
static int
parent_check_device(const struct conf *c)
{
	enum device_type	 t;

	return device_parse_type(parent_devtype_name(c->devicetype), &t);
}

static int
parent_open_device(const struct conf *c, const struct cmdline *cl,
    struct device *dev)
{
	struct device_params	 dp;

	memset(&dp, 0, sizeof(dp));
	dp.device = c->device;
	dp.type = parent_devtype_name(c->devicetype);
	dp.interface = c->interface;
	dp.netname = cl->netname;
	dp.router_mode = c->mode == RMODE_ROUTER;
	dp.iff_one_queue = c->iff_one_queue;
	return device_open(&dp, dev);
}

static int
parent_open_listeners(const struct conf *c, struct listeners *ls)
{
	struct listen_params	 lp;
	struct listen_addr	 la[MAX_LISTENERS];
	char			 ports[MAX_LISTENERS][8], port[8];
	size_t			 i;

	memset(&lp, 0, sizeof(lp));
	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	for (i = 0; i < c->nbind && i < MAX_LISTENERS; i++) {
		la[i].host = c->bind[i].host;
		snprintf(ports[i], sizeof(ports[i]), "%u",
		    (unsigned)c->bind[i].port);
		la[i].port = c->bind[i].port ? ports[i] : NULL;
	}
	lp.addrs = i > 0 ? la : NULL;
	lp.naddrs = i;
	lp.family = c->address_family;
	lp.port = port;
	lp.bind_iface = c->bind_to_interface;
	lp.pmtu_discovery = c->pmtu_discovery;
	lp.udp_rcvbuf = c->udp_rcvbuf;
	lp.udp_sndbuf = c->udp_sndbuf;
	return listen_open(&lp, ls);
}

static void
parent_script_env(const struct conf *c, const struct device *dev,
    struct script_env *env)
{
	memset(env, 0, sizeof(*env));
	env->confbase = c->confbase;
	env->netname = c->netname;
	env->name = c->name;
	env->device = dev->path[0] ? dev->path : NULL;
	env->interface = dev->ifname[0] ? dev->ifname : NULL;
	env->interpreter = c->scripts_interpreter;
}

static void
parent_own_subnet_scripts(const struct conf *c, const struct script_env *env,
    enum script_kind kind)
{
	struct script_args	 sa;
	char			 sub[SUBNET_STRLEN], weight[16];
	size_t			 i;

	for (i = 0; i < c->nsubnets; i++) {
		memset(&sa, 0, sizeof(sa));
		if (subnet_format(&c->subnets[i], sub, sizeof(sub), 0) == 0)
			continue;
		snprintf(weight, sizeof(weight), "%d", c->subnets[i].weight);
		sa.node = c->name;
		sa.subnet = sub;
		sa.weight = weight;
		script_run_sync(env, kind, &sa);
	}
}

/* tinc-up, then subnet-up for each of our own subnets, as tincd. */
static void
parent_scripts_up(const struct conf *c, const struct device *dev)
{
	struct script_env	 env;

	parent_script_env(c, dev, &env);
	script_run_sync(&env, SCRIPT_TINC_UP, NULL);
	parent_own_subnet_scripts(c, &env, SCRIPT_SUBNET_UP);
}

/*
 * Down scripts from our own record of what went up, never from a worker:
 * other nodes' subnets and hosts, our own subnets, then tinc-down.
 */
static void
parent_scripts_down(const struct conf *c, const struct device *dev)
{
	struct script_env	 env;

	parent_script_env(c, dev, &env);
	script_run_all_down(&env);
	if (script_drain(10000) == -1)
		log_warnx("down scripts did not finish in time");
	parent_own_subnet_scripts(c, &env, SCRIPT_SUBNET_DOWN);
	script_run_sync(&env, SCRIPT_TINC_DOWN, NULL);
}

/* ---- signals ------------------------------------------------------- */

static void
parent_sighandler(int sig)
{
	int		 saved = errno;
	unsigned char	 c = (unsigned char)sig;

	/* A full pipe already holds a wake-up; losing this byte is fine. */
	if (write(P.sigpipe[1], &c, 1) == -1)
		errno = saved;
	errno = saved;
}

static void
parent_signals(void)
{
	static const int	 sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT,
	    SIGALRM, SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH };
	struct sigaction	 sa;
	size_t			 i;

	if (pipe2(P.sigpipe, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("%s: pipe2", __func__);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = parent_sighandler;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ---- pidfile ------------------------------------------------------- */

static pid_t
parent_pidfile_read(const char *path)
{
	char	 buf[32];
	ssize_t	 n;
	long	 pid;
	char	*end;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (pid <= 1 || (*end != '\n' && *end != '\0'))
		return -1;
	return (pid_t)pid;
}

static int
parent_pidfile_write(const char *path)
{
	char	 buf[32];
	int	 fd, len;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		log_warn("cannot write pidfile %s", path);
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len) {
		log_warn("cannot write pidfile %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	P.pidfile_written = 1;
	return 0;
}

static int
parent_kill(const struct cmdline *cl)
{
	pid_t	 pid;

	if ((pid = parent_pidfile_read(cl->pidfile)) == -1) {
		fprintf(stderr, "ptincd: no daemon running (cannot read pid "
		    "from %s)\n", cl->pidfile);
		return 1;
	}
	if (kill(pid, cl->killsig) == -1) {
		fprintf(stderr, "ptincd: cannot signal pid %ld: %s\n",
		    (long)pid, strerror(errno));
		if (errno == ESRCH)
			unlink(cl->pidfile);
		return 1;
	}
	return 0;
}

/* ---- workers ------------------------------------------------------- */

static void
parent_chan_lost(struct chan *c, const char *why)
{
	if (P.stopping)
		return;
	/* The cause is logged when the child is reaped. */
	log_debug(DEBUG_STATUS, "channel to %s: %s", role_name(c->peer), why);
	P.lost = c->peer;
	parent_stop(1);
}

static int
parent_handle_log(struct imsg *im, void *arg)
{
	char	 line[2200];
	uint8_t	 prio;
	size_t	 i;

	if (imsg_get_u8(im, &prio) == -1 ||
	    imsg_get_str(im, line, sizeof(line)) == -1 ||
	    imsg_get_end(im) == -1)
		return -1;
	if (prio > 7)
		return -1;
	/* A compromised worker must not forge lines or terminal codes. */
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	log_emit(prio, line);
	return 0;
}

static void	parent_all_ready(void);

static int
parent_handle_ready(struct imsg *im, void *arg)
{
	struct worker_slot	*ws = arg;
	char			 title[128];

	if (imsg_get_str(im, title, sizeof(title)) == -1 ||
	    imsg_get_end(im) == -1 || ws->ready)
		return -1;
	ws->ready = 1;
	log_debug(DEBUG_STATUS, "%s ready", title);
	if (P.w[ROLE_KEYS].ready && P.w[ROLE_META].ready &&
	    P.w[ROLE_PACKET].ready)
		parent_all_ready();
	return 0;
}

/*
 * meta asks for a host or subnet script.  Everything is re-checked here:
 * names, the address (re-formatted from binary), the subnet (parsed from
 * binary and printed by us).
 */
static int
parent_handle_script(struct imsg *im, void *arg)
{
	struct sockaddr_storage	 ss;
	struct script_env	 env;
	struct script_args	 sa;
	struct subnet		 sn;
	socklen_t		 sslen;
	char			 node[MAX_NAME_LEN + 1], sub[SUBNET_STRLEN];
	char			 weight[16];
	uint8_t			 kind, has_addr, has_subnet;
	int			 sub_ok;

	if (imsg_get_u8(im, &kind) == -1 ||
	    imsg_get_str(im, node, sizeof(node)) == -1 ||
	    imsg_get_u8(im, &has_addr) == -1 ||
	    ipc_get_sockaddr(im, &ss, &sslen) == -1 ||
	    imsg_get_u8(im, &has_subnet) == -1)
		return -1;
	/* Without a subnet meta sends zeros, which do not decode. */
	sub_ok = ipc_get_subnet(im, &sn) == 0;
	if (imsg_get_end(im) == -1 || (has_subnet && !sub_ok))
		return -1;
	if (!valid_name(node) || kind < IPC_SCRIPT_HOST_UP ||
	    kind > IPC_SCRIPT_SUBNET_DOWN)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.node = node;
	if (has_addr && sslen > 0)
		sa.addr = &ss;
	if (kind == IPC_SCRIPT_SUBNET_UP || kind == IPC_SCRIPT_SUBNET_DOWN) {
		if (!has_subnet)
			return -1;
		if (subnet_format(&sn, sub, sizeof(sub), 0) == 0)
			return -1;
		snprintf(weight, sizeof(weight), "%d", sn.weight);
		sa.subnet = sub;
		sa.weight = weight;
	}
	parent_script_env(P.conf, &P.dev, &env);
	script_queue(&env, kind == IPC_SCRIPT_HOST_UP ? SCRIPT_HOST_UP :
	    kind == IPC_SCRIPT_HOST_DOWN ? SCRIPT_HOST_DOWN :
	    kind == IPC_SCRIPT_SUBNET_UP ? SCRIPT_SUBNET_UP :
	    SCRIPT_SUBNET_DOWN, &sa);
	return 0;
}

#define FROM_WORKERS	(1u << ROLE_KEYS | 1u << ROLE_META | 1u << ROLE_PACKET)

static const struct imsg_handler parent_tab[] = {
	{ IMSG_PROC_LOG, 3, 2300, FROM_WORKERS, 0, parent_handle_log },
	{ IMSG_PROC_READY, 2, 130, FROM_WORKERS, 0, parent_handle_ready },
	{ IMSG_SCRIPT_RUN, 47, 128, 1u << ROLE_META, 0, parent_handle_script },
	{ IMSG_CONN_REQUEST, 6, 1200, 1u << ROLE_META, 0, parent_meta_connect },
};

static int
parent_socketpair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1) {
		log_warn("%s: socketpair", __func__);
		return -1;
	}
	return 0;
}

/*
 * Start keys, meta and packet.  The parent makes every channel: one to
 * itself per worker, and meta-keys, packet-keys, meta-packet, which the
 * children find on fixed descriptors after exec.
 */
static int
parent_spawn_workers(void)
{
	int			 par[ROLE_MAX][2], mk[2], pk[2], mp[2];
	struct proc_spawn	 ps;
	int			 r, i;

	if (parent_socketpair(mk) == -1 || parent_socketpair(pk) == -1 ||
	    parent_socketpair(mp) == -1)
		return -1;
	for (r = ROLE_KEYS; r < ROLE_MAX; r++)
		if (parent_socketpair(par[r]) == -1)
			return -1;

	for (r = ROLE_KEYS; r < ROLE_MAX; r++) {
		ps.role = r;
		ps.fds[0] = par[r][1];
		switch (r) {
		case ROLE_KEYS:
			ps.fds[1] = mk[1];
			ps.fds[2] = pk[1];
			break;
		case ROLE_META:
			ps.fds[1] = mk[0];
			ps.fds[2] = mp[0];
			break;
		default:
			ps.fds[1] = pk[0];
			ps.fds[2] = mp[1];
			break;
		}
		if ((P.w[r].pid = proc_spawn(P.exe, &ps)) == -1)
			return -1;
		close(par[r][1]);
		chan_init(&P.w[r].ch, par[r][0], r,
		    r == ROLE_KEYS ? IMSG_MAX_DEFAULT : IMSG_MAX_PACKET,
		    r != ROLE_KEYS, parent_tab,
		    sizeof(parent_tab) / sizeof(parent_tab[0]), &P.w[r],
		    parent_chan_lost);
	}
	for (i = 0; i < 2; i++) {
		close(mk[i]);
		close(pk[i]);
		close(mp[i]);
	}
	return 0;
}

static unsigned int
parent_nofile(enum proc_role r)
{
	switch (r) {
	case ROLE_META:
		return 1024;
	case ROLE_PACKET:
		return (unsigned int)(32 + P.ls.n);
	default:
		return 16;
	}
}

static int
parent_send_init(enum proc_role r)
{
	struct ibuf	*b;
	struct chan	*c = &P.w[r].ch;

	if ((b = imsg_create(IMSG_INIT_PROC, 0, 256)) == NULL)
		return -1;
	if (ibuf_add_u8(b, (uint8_t)log_getlevel()) == -1 ||
	    ibuf_add_u8(b, (uint8_t)P.cl->foreground) == -1 ||
	    ibuf_add_u8(b, (uint8_t)P.cl->mlock) == -1 ||
	    ibuf_add_u32(b, (uint32_t)P.su.uid) == -1 ||
	    ibuf_add_u32(b, (uint32_t)P.su.gid) == -1 ||
	    ibuf_add_str(b, CHROOT_DIR) == -1 ||
	    ibuf_add_str(b, P.cl->netname) == -1 ||
	    ibuf_add_str(b, P.conf->name) == -1 ||
	    ibuf_add_str(b, P.su.name) == -1 ||
	    ibuf_add_u32(b, parent_nofile(r)) == -1) {
		ibuf_free(b);
		return -1;
	}
	return chan_send(c, b);
}

/* The private keys go to the key holder only; our copies are wiped. */
static int
parent_send_keys(void)
{
	struct chan	*c = &P.w[ROLE_KEYS].ch;
	uint8_t		*der = NULL;
	size_t		 len = 0;
	int		 kind, r = 0;

	for (kind = KEY_RSA; kind <= KEY_ED25519; kind++) {
		if (parent_read_private_key(P.conf, kind, &der, &len) == -1)
			return -1;
		if (der == NULL)
			continue;
		r = chan_compose(c, IMSG_INIT_KEY, (uint32_t)kind, -1, der, len);
		freezero(der, len);
		der = NULL;
		if (r == -1)
			return -1;
	}
	return imsg_flush_blocking(&c->ic) == -1 ? -1 : 0;
}

static int
parent_send_fds(void)
{
	struct chan	*pc = &P.w[ROLE_PACKET].ch, *mc = &P.w[ROLE_META].ch;
	struct ibuf	*b;
	uint32_t	 i;
	int		 fd;

	if (P.dev.fd != -1) {
		if ((b = imsg_create(IMSG_INIT_TUN, 0, 64)) == NULL ||
		    ibuf_add_u8(b, (uint8_t)P.dev.type) == -1 ||
		    ibuf_add_u8(b, (uint8_t)P.conf->mode) == -1 ||
		    ibuf_add_str(b, P.dev.ifname) == -1)
			return -1;
		/* Our copy keeps the interface alive until tinc-down ran. */
		if ((fd = fcntl(P.dev.fd, F_DUPFD_CLOEXEC, 0)) == -1) {
			ibuf_free(b);
			return -1;
		}
		ibuf_set_fd(b, fd);
		if (chan_send(pc, b) == -1)
			return -1;
	}
	for (i = 0; i < (uint32_t)P.ls.n; i++) {
		if ((b = imsg_create(IMSG_INIT_UDP, 0, 4)) == NULL ||
		    ibuf_add_u32(b, i) == -1)
			return -1;
		ibuf_set_fd(b, P.ls.l[i].udp);
		P.ls.l[i].udp = -1;
		if (chan_send(pc, b) == -1)
			return -1;
		if ((b = imsg_create(IMSG_INIT_TCP, 0, 4)) == NULL ||
		    ibuf_add_u32(b, i) == -1)
			return -1;
		ibuf_set_fd(b, P.ls.l[i].tcp);
		P.ls.l[i].tcp = -1;
		if (chan_send(mc, b) == -1)
			return -1;
	}
	return 0;
}

static int
parent_start_workers(void)
{
	int	 r;

	if (parent_spawn_workers() == -1)
		return -1;
	for (r = ROLE_KEYS; r < ROLE_MAX; r++)
		if (parent_send_init(r) == -1)
			return -1;
	if (parent_send_keys() == -1 || parent_send_fds() == -1)
		return -1;
	if (parent_meta_send_conf(P.conf, &P.w[ROLE_META].ch, 0) == -1 ||
	    parent_packet_send_conf(P.conf, &P.w[ROLE_PACKET].ch) == -1)
		return -1;
	for (r = ROLE_KEYS; r < ROLE_MAX; r++)
		if (chan_compose(&P.w[r].ch, IMSG_INIT_DONE, 0, -1, NULL,
		    0) == -1 || imsg_flush_blocking(&P.w[r].ch.ic) == -1)
			return -1;
	return 0;
}

/* ---- scripts and start-up completion ------------------------------- */

static void
parent_all_ready(void)
{
	log_info("ptincd %s (%s) started, workers sandboxed", PTINC_VERSION,
	    P.conf->name);
	parent_scripts_up(P.conf, &P.dev);
	P.started = 1;
	chan_compose(&P.w[ROLE_META].ch, IMSG_CTL_GO, 0, -1, NULL, 0);
}

/* ---- reload -------------------------------------------------------- */

static void
parent_reload(void)
{
	struct conf	*nc;
	int		 nerr = 0;

	log_info("got SIGHUP, reloading the configuration");
	if ((nc = parent_load_conf(P.cl, &nerr)) == NULL) {
		log_warnx("new configuration has %d error%s; keeping the "
		    "running one", nerr, nerr == 1 ? "" : "s");
		return;
	}
	if (parent_meta_check_conf(nc) == -1) {
		log_warnx("new configuration refused; keeping the running one");
		conf_free(nc);
		return;
	}
	if (strcmp(nc->name, P.conf->name) != 0) {
		log_warnx("Name changed; a restart is needed, keeping the "
		    "running configuration");
		conf_free(nc);
		return;
	}
	conf_free(P.conf);
	P.conf = nc;
	log_reopen();
	log_info("configuration reloaded");
	P.generation++;
	if (parent_meta_send_conf(P.conf, &P.w[ROLE_META].ch,
	    P.generation) == -1 ||
	    parent_packet_send_conf(P.conf, &P.w[ROLE_PACKET].ch) == -1) {
		log_warnx("cannot hand the new configuration to the workers");
		parent_stop(1);
	}
}

/* ---- child processes ----------------------------------------------- */

static const char *
parent_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status %d", status);
	return buf;
}

static void
parent_reaped(int r, int status)
{
	char	 why[96];

	P.w[r].reaped = 1;
	P.w[r].status = status;
	parent_status_str(status, why, sizeof(why));
	/*
	 * When one worker dies the others follow as their channels close, in
	 * an order the parent cannot see; so every worker that did not exit
	 * cleanly is reported, and the one killed by a signal is among them.
	 */
	if (!P.stopping || P.lost == r ||
	    (P.exitcode != 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)))
		log_warnx("lost child: %s %s", role_name(r), why);
	else
		log_debug(DEBUG_STATUS, "%s %s", role_name(r), why);
	if (!P.stopping) {
		P.lost = r;
		parent_stop(1);
	}
}

static void
parent_reap(void)
{
	pid_t	 pid;
	int	 status, r, ours;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		ours = 0;
		for (r = ROLE_KEYS; r < ROLE_MAX; r++) {
			if (P.w[r].pid != pid)
				continue;
			ours = 1;
			P.w[r].reaped = 1;
			P.w[r].status = status;
			parent_reaped(r, status);
		}
		if (!ours)
			script_reap(pid, status);
	}
}

static void
parent_signal_event(int fd, short revents, void *arg)
{
	unsigned char	 c;
	int		 r;

	while (read(fd, &c, 1) == 1) {
		switch (c) {
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			log_info("got %s, shutting down", strsignal(c));
			parent_stop(0);
			break;
		case SIGHUP:
			if (!P.stopping)
				parent_reload();
			break;
		case SIGALRM:
			chan_compose(&P.w[ROLE_META].ch, IMSG_CTL_RETRY, 0, -1,
			    NULL, 0);
			break;
		case SIGUSR1:
			c = DUMP_CONNECTIONS;
			chan_compose(&P.w[ROLE_META].ch, IMSG_CTL_DUMP, 0, -1,
			    &c, 1);
			break;
		case SIGUSR2:
			c = DUMP_GRAPH;
			for (r = ROLE_META; r < ROLE_MAX; r++)
				chan_compose(&P.w[r].ch, IMSG_CTL_DUMP, 0, -1,
				    &c, 1);
			break;
		case SIGWINCH:
			chan_compose(&P.w[ROLE_META].ch, IMSG_CTL_PURGE, 0, -1,
			    NULL, 0);
			break;
		case SIGCHLD:
			parent_reap();
			break;
		default:
			break;
		}
	}
}

/* ---- shutdown ------------------------------------------------------ */

static int
parent_workers_gone(void)
{
	int	 r;

	for (r = ROLE_KEYS; r < ROLE_MAX; r++)
		if (P.w[r].pid > 0 && !P.w[r].reaped)
			return 0;
	return 1;
}

/* Wait for the workers, then SIGKILL what is left (by pid, ours only). */
static void
parent_collect_workers(void)
{
	uint64_t	 deadline = ev_now_ms() + 3000;
	pid_t		 pid;
	int		 r, status;

	while (!parent_workers_gone() && ev_now_ms() < deadline) {
		for (r = ROLE_KEYS; r < ROLE_MAX; r++) {
			if (P.w[r].pid <= 0 || P.w[r].reaped)
				continue;
			pid = waitpid(P.w[r].pid, &status, WNOHANG);
			if (pid == P.w[r].pid)
				parent_reaped(r, status);
		}
		usleep(20000);
	}
	for (r = ROLE_KEYS; r < ROLE_MAX; r++) {
		if (P.w[r].pid <= 0 || P.w[r].reaped)
			continue;
		log_warnx("%s did not stop; killing it", role_name(r));
		kill(P.w[r].pid, SIGKILL);
		if (waitpid(P.w[r].pid, &status, 0) == P.w[r].pid)
			parent_reaped(r, status);
	}
}

static void
parent_stop(int code)
{
	int	 r;

	if (P.stopping)
		return;
	P.stopping = 1;
	P.exitcode = code;
	/* EOF on its channel is a worker's order to exit. */
	for (r = ROLE_KEYS; r < ROLE_MAX; r++)
		if (P.w[r].pid > 0 && P.w[r].ch.ic.fd != -1)
			chan_close(&P.w[r].ch);
	ev_exit();
}

static void
parent_finish(void)
{
	parent_collect_workers();
	if (P.started)
		parent_scripts_down(P.conf, &P.dev);
	device_close(&P.dev);
	listen_close(&P.ls);
	if (P.pidfile_written)
		unlink(P.cl->pidfile);
	log_info("terminating%s", P.exitcode ? " after an error" : "");
}

/* ---- start-up ------------------------------------------------------ */

static void
parent_log_init(const struct cmdline *cl)
{
	char	 ident[80];

	snprintf(ident, sizeof(ident), cl->netname[0] ? "tinc.%s" : "tinc%s",
	    cl->netname);
	if (cl->use_logfile)
		log_init(ident, LOG_TO_FILE, cl->logfile);
	else if (cl->use_syslog || (!cl->foreground && !cl->configtest &&
	    !cl->genkeys))
		log_init(ident, LOG_TO_SYSLOG, NULL);
	else
		log_init(ident, LOG_TO_STDERR, NULL);
	log_setlevel(cl->debug);
}

static int
parent_check_running(const char *pidfile)
{
	pid_t	 pid;

	if ((pid = parent_pidfile_read(pidfile)) == -1)
		return 0;
	if (kill(pid, 0) == 0 || errno == EPERM) {
		log_warnx("a daemon is already running with pid %ld "
		    "(pidfile %s)", (long)pid, pidfile);
		return -1;
	}
	return 0;
}

static int
parent_open_resources(void)
{
	if (sandbox_lookup_user(P.cl->user, &P.su) == -1)
		return -1;
	if (sandbox_check_root(CHROOT_DIR) == -1)
		return -1;
	if (parent_open_device(P.conf, P.cl, &P.dev) == -1)
		return -1;
	if (parent_open_listeners(P.conf, &P.ls) == -1)
		return -1;
	return 0;
}

static int
parent_detach(void)
{
	if (P.cl->foreground)
		return 0;
	if (daemon(0, 0) == -1) {
		log_warn("cannot detach");
		return -1;
	}
	return 0;
}

int
parent_main(struct cmdline *cl)
{
	int	 nerr = 0;

	memset(&P, 0, sizeof(P));
	P.cl = cl;
	P.dev.fd = -1;
	parent_log_init(cl);

	if (cl->kill)
		return parent_kill(cl);
	if ((P.conf = parent_load_conf(cl, &nerr)) == NULL) {
		log_warnx("%d error%s in the configuration in %s", nerr,
		    nerr == 1 ? "" : "s", cl->confbase);
		return 1;
	}
	if (cl->genkeys)
		return parent_generate_keys(P.conf, cl) == -1 ? 1 : 0;
	if (parent_check_keys(P.conf) == -1 ||
	    parent_check_device(P.conf) == -1 ||
	    parent_meta_check_conf(P.conf) == -1)
		return 1;
	if (cl->configtest) {
		printf("configuration OK\n");
		return 0;
	}
	if (geteuid() != 0) {
		log_warnx("ptincd must be started as root: it opens the "
		    "device and then drops privileges for its workers");
		return 1;
	}
	if (proc_self_exe(P.exe, sizeof(P.exe)) == -1) {
		log_warn("cannot find our own executable");
		return 1;
	}
	if (parent_check_running(cl->pidfile) == -1)
		return 1;
	if (cl->mlock && mlockall(MCL_CURRENT | MCL_FUTURE) == -1) {
		log_warn("mlockall");
		return 1;
	}
	if (parent_open_resources() == -1)
		return 1;
	if (parent_detach() == -1 || parent_pidfile_write(cl->pidfile) == -1)
		return 1;

	ev_init();
	parent_signals();
	if (ev_add(P.sigpipe[0], POLLIN, parent_signal_event, NULL) == -1)
		fatal("ev_add");
	proc_title("parent [%s]", cl->netname[0] ? cl->netname : P.conf->name);
	if (parent_start_workers() == -1) {
		log_warnx("cannot start the workers");
		parent_stop(1);
	} else
		ev_loop();
	parent_finish();
	return P.exitcode;
}
