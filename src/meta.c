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
 * The meta worker: TCP meta connections, topology and key relay.  It
 * accepts on listeners the parent bound, never creates sockets or opens
 * files, and talks to the key holder for anything a private key does.
 */

#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "worker.h"

#define META_MAX_LISTENERS	128

static int		 meta_listeners[META_MAX_LISTENERS];
static size_t		 meta_nlisteners;
static struct chan	 meta_keys, meta_packet;
static int		 meta_go;
static unsigned long	 meta_accepted;

static int
meta_init_tcp(struct imsg *im, void *arg)
{
	uint32_t	 idx;
	int		 fd;

	if (imsg_get_u32(im, &idx) == -1 || imsg_get_end(im) == -1)
		return -1;
	if ((fd = imsg_take_fd(im)) == -1)
		return -1;
	if (meta_nlisteners == META_MAX_LISTENERS) {
		close(fd);
		return -1;
	}
	meta_listeners[meta_nlisteners++] = fd;
	return 0;
}

static int
meta_init_done(struct imsg *im, void *arg)
{
	return imsg_get_end(im);
}

static const struct imsg_handler meta_start_tab[] = {
	{ IMSG_INIT, 16, 1024, 1u << ROLE_PARENT, 0, worker_handle_init },
	{ IMSG_INIT_TCP, 4, 4, 1u << ROLE_PARENT, 1, meta_init_tcp },
	{ IMSG_INIT_DONE, 0, 0, 1u << ROLE_PARENT, 0, meta_init_done },
};

static void
meta_accept(int fd, short revents, void *arg)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 host[NI_MAXHOST], port[NI_MAXSERV];
	int			 s;

	if ((s = accept4(fd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("%s: accept", __func__);
		return;
	}
	meta_accepted++;
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host),
	    port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(host, "?", sizeof(host));
	/* The tinc meta protocol arrives with the next issue. */
	log_info("connection from %s port %s closed: meta protocol not "
	    "available in this build", host, port);
	close(s);
}

static int
meta_go_handler(struct imsg *im, void *arg)
{
	size_t	 i;

	if (imsg_get_end(im) == -1)
		return -1;
	if (meta_go)
		return 0;
	meta_go = 1;
	for (i = 0; i < meta_nlisteners; i++)
		if (ev_add(meta_listeners[i], POLLIN, meta_accept, NULL) == -1)
			fatal("%s: ev_add", __func__);
	log_debug(DEBUG_CONNECTIONS, "listening on %zu sockets",
	    meta_nlisteners);
	return 0;
}

static int
meta_dump(struct imsg *im, void *arg)
{
	uint8_t	 what;

	if (imsg_get_u8(im, &what) == -1 || imsg_get_end(im) == -1)
		return -1;
	if (what == DUMP_CONNECTIONS)
		log_info("connections: %zu listeners, %lu accepted, 0 active",
		    meta_nlisteners, meta_accepted);
	else
		log_info("nodes: 1 (%s), edges: 0", worker_conf.name);
	return 0;
}

static int
meta_noop(struct imsg *im, void *arg)
{
	return 0;
}

static const struct imsg_handler meta_parent_tab[] = {
	{ IMSG_GO, 0, 0, 1u << ROLE_PARENT, 0, meta_go_handler },
	{ IMSG_DUMP, 1, 1, 1u << ROLE_PARENT, 0, meta_dump },
	{ IMSG_DEBUG, 1, 1, 1u << ROLE_PARENT, 0, worker_handle_debug },
	{ IMSG_RETRY, 0, 0, 1u << ROLE_PARENT, 0, meta_noop },
	{ IMSG_RECONF, 4, 4, 1u << ROLE_PARENT, 0, meta_noop },
};

static const struct imsg_handler meta_keys_tab[] = {
	{ IMSG_KEYS_REPLY, 1, 1024, 1u << ROLE_KEYS, 0, meta_noop },
};

static const struct imsg_handler meta_packet_tab[] = {
	{ IMSG_LOG, 2, 4096, 0, 0, meta_noop },	/* nothing yet */
};

static void
meta_peer_lost(struct chan *c, const char *why)
{
	fatalx("channel to %s: %s", role_name(c->peer), why);
}

void
meta_main(void)
{
	worker_start(ROLE_META, meta_start_tab,
	    sizeof(meta_start_tab) / sizeof(meta_start_tab[0]));
	chan_init(&meta_keys, FD_PEER_A, ROLE_KEYS, IMSG_MAX_DEFAULT, 0,
	    meta_keys_tab, sizeof(meta_keys_tab) / sizeof(meta_keys_tab[0]),
	    NULL, meta_peer_lost);
	chan_init(&meta_packet, FD_PEER_B, ROLE_PACKET, IMSG_MAX_PACKET, 0,
	    meta_packet_tab,
	    sizeof(meta_packet_tab) / sizeof(meta_packet_tab[0]), NULL,
	    meta_peer_lost);
	worker_sandbox(ROLE_META, meta_parent_tab,
	    sizeof(meta_parent_tab) / sizeof(meta_parent_tab[0]), NULL);
	if (ev_loop() == -1)
		fatalx("event loop failed");
	_exit(0);
}
