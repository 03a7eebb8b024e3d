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

#include <sys/mman.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "worker.h"

struct worker_init	 worker_conf;
struct chan		 worker_parent;
static int		 worker_in_log;

/* Every log line of a worker goes to the parent, the only log writer. */
static void
worker_log_sink(int prio, const char *line, void *arg)
{
	struct ibuf	*b;

	if (worker_in_log || worker_parent.dead)
		return;
	worker_in_log = 1;
	if ((b = imsg_create(IMSG_PROC_LOG, 0, strlen(line) + 8)) != NULL &&
	    ibuf_add_u8(b, (uint8_t)prio) == 0 &&
	    ibuf_add_str(b, line) == 0) {
		if (imsg_close(&worker_parent.ic, b) == 0) {
			imsg_flush(&worker_parent.ic);
			chan_update(&worker_parent);
		}
	} else if (b != NULL)
		ibuf_free(b);
	worker_in_log = 0;
}

int
worker_handle_init(struct imsg *im, void *arg)
{
	struct worker_init	*w = &worker_conf;
	uint8_t			 dbg, fg, ml;
	uint32_t		 uid, gid, nofile;

	if (imsg_get_u8(im, &dbg) == -1 || imsg_get_u8(im, &fg) == -1 ||
	    imsg_get_u8(im, &ml) == -1 || imsg_get_u32(im, &uid) == -1 ||
	    imsg_get_u32(im, &gid) == -1 ||
	    imsg_get_str(im, w->chroot, sizeof(w->chroot)) == -1 ||
	    imsg_get_str(im, w->netname, sizeof(w->netname)) == -1 ||
	    imsg_get_str(im, w->name, sizeof(w->name)) == -1 ||
	    imsg_get_str(im, w->user, sizeof(w->user)) == -1 ||
	    imsg_get_u32(im, &nofile) == -1 || imsg_get_end(im) == -1)
		return -1;
	if (uid == 0 || w->chroot[0] != '/' || !valid_name(w->name))
		return -1;
	w->debug = dbg;
	w->foreground = fg;
	w->mlock = ml;
	w->uid = uid;
	w->gid = gid;
	w->nofile = nofile;
	log_setlevel(w->debug);
	return 0;
}

int
worker_handle_debug(struct imsg *im, void *arg)
{
	uint8_t	 level;

	if (imsg_get_u8(im, &level) == -1 || imsg_get_end(im) == -1)
		return -1;
	log_setlevel(level);
	return 0;
}

/*
 * A tinc 1.0 peer chooses the cipher of the packets we send it, so a
 * Blowfish peer needs OpenSSL's legacy provider here even when our own
 * Cipher is modern.  It must be loaded before the sandbox (dlopen).  If
 * our own configuration needs it, failing is fatal; otherwise such peers
 * just cannot be given a working key.
 */
void
worker_legacy_crypto(int required)
{
	if (!WITH_LEGACY && !required)
		return;
	if (sandbox_load_legacy_provider() == 0)
		return;
	if (required)
		fatalx("the configured Cipher or Digest needs OpenSSL's legacy "
		    "provider");
	log_warnx("peers announcing Blowfish or other legacy ciphers will "
	    "not get working packet keys");
}

void
worker_parent_lost(struct chan *c, const char *why)
{
	/* EOF from the parent is the order to stop. */
	if (strcmp(why, "closed") == 0)
		_exit(0);
	log_warnx("channel to parent: %s", why);
	_exit(1);
}

void
worker_start(enum proc_role role, const struct imsg_handler *tab, size_t n)
{
	size_t	 max = role == ROLE_KEYS ? IMSG_MAX_DEFAULT : IMSG_MAX_PACKET;

	ev_init();
	chan_init(&worker_parent, FD_PARENT, ROLE_PARENT, max,
	    role != ROLE_KEYS, tab, n, NULL, worker_parent_lost);
	log_set_sink(worker_log_sink, NULL);
	if (chan_wait_for(&worker_parent, IMSG_INIT_DONE) == -1)
		fatalx("%s: start-up from parent failed", __func__);
	if (worker_conf.uid == 0)
		fatalx("%s: no IMSG_INIT_PROC from parent", __func__);
}

void
worker_sandbox(enum proc_role role, const struct imsg_handler *tab,
    size_t n, void *arg)
{
	struct sandbox_user	 su;
	struct ibuf		*b;
	char			 title[96];

	snprintf(title, sizeof(title), "%s [%s]", role_name(role),
	    worker_conf.netname[0] ? worker_conf.netname : worker_conf.name);
	proc_title("%s", title);
	sandbox_prepare(role);
	if (worker_conf.mlock && mlockall(MCL_CURRENT | MCL_FUTURE) == -1)
		fatal("%s: mlockall", __func__);
	memset(&su, 0, sizeof(su));
	su.uid = worker_conf.uid;
	su.gid = worker_conf.gid;
	strlcpy(su.name, worker_conf.user, sizeof(su.name));
	if (sandbox_enter(role, &su, worker_conf.chroot,
	    worker_conf.nofile) == -1)
		fatalx("%s: cannot enter the sandbox; refusing to run",
		    role_name(role));

	worker_parent.tab = tab;
	worker_parent.ntab = n;
	worker_parent.arg = arg;
	if ((b = imsg_create(IMSG_PROC_READY, 0, 64)) == NULL ||
	    ibuf_add_str(b, title) == -1 || chan_send(&worker_parent, b) == -1)
		fatalx("%s: cannot report ready", __func__);
	log_debug(DEBUG_STATUS, "sandboxed as uid %u in %s",
	    (unsigned)worker_conf.uid, worker_conf.chroot);
	chan_drain(&worker_parent);
}

void
worker_main(enum proc_role role)
{
	/* Only the parent handles signals; workers stop on EOF. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGALRM, SIG_IGN);
	log_procname(role_name(role));
	proc_title("%s", role_name(role));

	switch (role) {
	case ROLE_KEYS:
		keys_main();
	case ROLE_META:
		meta_main();
	case ROLE_PACKET:
		packet_main();
	default:
		fatalx("unknown worker role");
	}
}
