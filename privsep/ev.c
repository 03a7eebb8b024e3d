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
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"

struct ev_fd {
	ev_fd_cb	 cb;
	void		*arg;
};

static struct pollfd	*ev_pfd;
static struct ev_fd	*ev_cbs;
static size_t		 ev_nfd, ev_cap;
static int		 ev_done;
static TAILQ_HEAD(, ev_timer) ev_timers = TAILQ_HEAD_INITIALIZER(ev_timers);

uint64_t
ev_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
ev_init(void)
{
	ev_nfd = 0;
	ev_done = 0;
}

static ssize_t
ev_find(int fd)
{
	size_t	 i;

	for (i = 0; i < ev_nfd; i++)
		if (ev_pfd[i].fd == fd)
			return (ssize_t)i;
	return -1;
}

int
ev_add(int fd, short events, ev_fd_cb cb, void *arg)
{
	struct pollfd	*p;
	struct ev_fd	*c;
	size_t		 ncap;

	if (ev_find(fd) != -1) {
		errno = EEXIST;
		return -1;
	}
	if (ev_nfd == ev_cap) {
		ncap = ev_cap ? ev_cap * 2 : 16;
		if ((p = reallocarray(ev_pfd, ncap, sizeof(*p))) == NULL)
			return -1;
		ev_pfd = p;
		if ((c = reallocarray(ev_cbs, ncap, sizeof(*c))) == NULL)
			return -1;
		ev_cbs = c;
		ev_cap = ncap;
	}
	ev_pfd[ev_nfd].fd = fd;
	ev_pfd[ev_nfd].events = events;
	ev_pfd[ev_nfd].revents = 0;
	ev_cbs[ev_nfd].cb = cb;
	ev_cbs[ev_nfd].arg = arg;
	ev_nfd++;
	return 0;
}

int
ev_set(int fd, short events)
{
	ssize_t	 i;

	if ((i = ev_find(fd)) == -1)
		return -1;
	ev_pfd[i].events = events;
	return 0;
}

/* Removal keeps the slot order; a removed slot is skipped by dispatch. */
void
ev_del(int fd)
{
	ssize_t	 i;

	if ((i = ev_find(fd)) == -1)
		return;
	ev_pfd[i].fd = -1;
	ev_pfd[i].revents = 0;
}

static void
ev_compact(void)
{
	size_t	 i, j;

	for (i = 0, j = 0; i < ev_nfd; i++) {
		if (ev_pfd[i].fd == -1)
			continue;
		ev_pfd[j] = ev_pfd[i];
		ev_cbs[j] = ev_cbs[i];
		j++;
	}
	ev_nfd = j;
}

void
ev_timer_set(struct ev_timer *t, uint64_t ms, ev_timer_cb cb, void *arg)
{
	struct ev_timer	*it;

	ev_timer_del(t);
	t->when = ev_now_ms() + ms;
	t->cb = cb;
	t->arg = arg;
	t->active = 1;
	TAILQ_FOREACH(it, &ev_timers, entry)
		if (it->when > t->when)
			break;
	if (it != NULL)
		TAILQ_INSERT_BEFORE(it, t, entry);
	else
		TAILQ_INSERT_TAIL(&ev_timers, t, entry);
}

void
ev_timer_del(struct ev_timer *t)
{
	if (!t->active)
		return;
	TAILQ_REMOVE(&ev_timers, t, entry);
	t->active = 0;
}

void
ev_timer_fire_all(void)
{
	struct ev_timer	*t;
	uint64_t	 now = ev_now_ms();

	TAILQ_FOREACH(t, &ev_timers, entry)
		t->when = now;
}

static void
ev_run_timers(void)
{
	struct ev_timer	*t;
	uint64_t	 now = ev_now_ms();

	while ((t = TAILQ_FIRST(&ev_timers)) != NULL && t->when <= now) {
		TAILQ_REMOVE(&ev_timers, t, entry);
		t->active = 0;
		t->cb(t->arg);
	}
}

int
ev_once(int maxwait_ms)
{
	struct ev_timer	*t;
	uint64_t	 now;
	size_t		 i, n;
	int		 wait = maxwait_ms, r;

	if ((t = TAILQ_FIRST(&ev_timers)) != NULL) {
		now = ev_now_ms();
		if (t->when <= now)
			wait = 0;
		else if (wait < 0 || t->when - now < (uint64_t)wait)
			wait = (int)(t->when - now);
	}
	ev_compact();
	r = poll(ev_pfd, ev_nfd, wait);
	if (r == -1) {
		if (errno == EINTR)
			return 0;
		log_warn("%s: poll", __func__);
		return -1;
	}
	/* Callbacks may add descriptors; only dispatch those polled. */
	n = ev_nfd;
	for (i = 0; i < n && r > 0; i++) {
		if (ev_pfd[i].fd == -1 || ev_pfd[i].revents == 0)
			continue;
		r--;
		ev_cbs[i].cb(ev_pfd[i].fd, ev_pfd[i].revents, ev_cbs[i].arg);
	}
	ev_run_timers();
	return 0;
}

int
ev_loop(void)
{
	while (!ev_done)
		if (ev_once(-1) == -1)
			return -1;
	return 0;
}

void
ev_exit(void)
{
	ev_done = 1;
}
