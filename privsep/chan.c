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
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "ev.h"
#include "log.h"

static void	chan_event(int, short, void *);

void
chan_init(struct chan *c, int fd, enum proc_role peer, size_t maxlen,
    int fdpass, const struct imsg_handler *tab, size_t ntab, void *arg,
    void (*on_error)(struct chan *, const char *))
{
	memset(c, 0, sizeof(*c));
	imsgchan_init(&c->ic, fd, maxlen, fdpass);
	c->peer = peer;
	c->tab = tab;
	c->ntab = ntab;
	c->arg = arg;
	c->on_error = on_error;
	if (ev_add(fd, POLLIN, chan_event, c) == 0)
		c->registered = 1;
}

void
chan_close(struct chan *c)
{
	if (c->registered)
		ev_del(c->ic.fd);
	c->registered = 0;
	c->dead = 1;
	imsgchan_clear(&c->ic);
	if (c->ic.fd != -1)
		close(c->ic.fd);
	c->ic.fd = -1;
}

static void
chan_fail(struct chan *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = 1;
	if (c->registered)
		ev_del(c->ic.fd);
	c->registered = 0;
	if (c->on_error != NULL)
		c->on_error(c, why);
}

void
chan_update(struct chan *c)
{
	if (!c->registered)
		return;
	ev_set(c->ic.fd, c->ic.wqlen > 0 ? POLLIN | POLLOUT : POLLIN);
}

int
chan_send(struct chan *c, struct ibuf *b)
{
	if (c->dead) {
		ibuf_free(b);
		return -1;
	}
	if (imsg_close(&c->ic, b) == -1)
		return -1;
	/* Try at once; the loop finishes what the socket does not take. */
	if (imsg_flush(&c->ic) == -1) {
		chan_fail(c, "write failed");
		return -1;
	}
	chan_update(c);
	return 0;
}

int
chan_compose(struct chan *c, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (c->dead)
		return -1;
	if (imsg_compose(&c->ic, type, peerid, fd, data, len) == -1)
		return -1;
	if (imsg_flush(&c->ic) == -1) {
		chan_fail(c, "write failed");
		return -1;
	}
	chan_update(c);
	return 0;
}

/* Handle every complete frame in the buffer; -1 when the channel failed. */
int
chan_drain(struct chan *c)
{
	struct imsg	 im;
	int		 r;

	for (;;) {
		if ((r = imsg_get(&c->ic, &im)) == 0)
			return 0;
		if (r == -1) {
			chan_fail(c, "malformed frame");
			return -1;
		}
		r = imsg_dispatch(c->tab, c->ntab, c->peer, &im, c->arg);
		imsg_free(&im);
		if (r == -1) {
			chan_fail(c, "refused frame");
			return -1;
		}
		if (c->dead)
			return -1;
	}
}

static void
chan_event(int fd, short revents, void *arg)
{
	struct chan	*c = arg;
	ssize_t		 n;

	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		n = imsg_read(&c->ic);
		if (n == 0) {
			chan_fail(c, "closed");
			return;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			chan_fail(c, strerror(errno));
			return;
		}
		if (chan_drain(c) == -1)
			return;
	}
	if (revents & POLLOUT) {
		if (imsg_flush(&c->ic) == -1) {
			chan_fail(c, "write failed");
			return;
		}
	}
	chan_update(c);
}

int
chan_wait_for(struct chan *c, uint32_t stop)
{
	struct imsg	 im;
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 r, done = 0;

	while (!done) {
		pfd.fd = c->ic.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 30 * 1000) <= 0) {
			log_warnx("%s: no message from %s", __func__,
			    role_name(c->peer));
			return -1;
		}
		if ((n = imsg_read(&c->ic)) == 0 ||
		    (n == -1 && errno != EAGAIN && errno != EINTR)) {
			log_warnx("%s: %s closed the channel", __func__,
			    role_name(c->peer));
			return -1;
		}
		while ((r = imsg_get(&c->ic, &im)) == 1) {
			if (im.hdr.type == stop)
				done = 1;
			r = imsg_dispatch(c->tab, c->ntab, c->peer, &im,
			    c->arg);
			imsg_free(&im);
			if (r == -1)
				return -1;
			if (done)
				break;
		}
		if (r == -1)
			return -1;
	}
	return 0;
}
