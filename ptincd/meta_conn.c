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
 * Meta connections: accepting (with tinc's burst limit and tarpit),
 * outgoing connections through the parent, the encrypted byte streams,
 * request dispatch and gating (legacy spec 3.7), timeouts and PING/PONG
 * (spec 8), and closing.
 *
 * A connection is freed only from the reap timer, so a pointer to one
 * stays valid for the whole event-loop turn in which it was closed.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "meta.h"
#include "worker.h"

#define T_REPORT	META_T_REPORT
#define T_TARPIT	META_T_TARPIT

static int	 tarpit[META_TARPIT];
static int	 tarpit_next;
static int	 tarpit_ready;
static uint64_t	 accept_second;
static int	 accept_count;
static int	 accept_throttled;
static struct proto_msg	 conn_msg;	/* big; one request at a time */

static void	 conn_event(int, short, void *);
static int	 conn_line(void *, char *, size_t);
static int	 conn_frame(void *, const uint8_t *, size_t);
static void	 conn_update(struct meta_conn *);
static void	 conn_reap(void *);
static void	 outgoing_try(void *);

static const struct meta_in_ops	 conn_in_ops = { conn_line, conn_frame };

/* ---- helpers --------------------------------------------------------- */

/* tinc's back-off: 5 s steps, within [min, max]. */
int
meta_backoff(int timeout, int min, int max)
{
	if (timeout > max - META_RETRY_STEP)
		timeout = max;
	else
		timeout += META_RETRY_STEP;
	if (timeout < min)
		timeout = min;
	if (timeout > max)
		timeout = max;
	return timeout;
}

const char *
meta_conn_label(const struct meta_conn *c)
{
	static char	 buf[MAX_NAME_LEN + sizeof(c->hostname) + 8];

	snprintf(buf, sizeof(buf), "%s (%s)", c->name[0] ? c->name :
	    "<unknown>", c->hostname);
	return buf;
}

static void
tarpit_add(int fd)
{
	int	 i;

	if (!tarpit_ready) {
		for (i = 0; i < META_TARPIT; i++)
			tarpit[i] = -1;
		tarpit_ready = 1;
	}
	if (tarpit[tarpit_next] != -1)
		close(tarpit[tarpit_next]);
	tarpit[tarpit_next] = fd;
	tarpit_next = (tarpit_next + 1) % META_TARPIT;
}

/* IPv4-mapped IPv6 becomes plain IPv4 (spec 2.2). */
static void
unmap(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in	 s4;

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = s6->sin6_port;
	memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &s4, sizeof(s4));
	*len = sizeof(s4);
}

static struct meta_conn *
conn_new(int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	struct meta_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	do {
		c->id = ++M.next_id;
	} while (c->id == 0 || meta_conn_find_id(c->id) != NULL);
	c->fd = fd;
	c->created = meta_now();
	meta_in_init(&c->in);
	if (ss != NULL && len <= sizeof(c->sa)) {
		memcpy(&c->sa, ss, len);
		c->salen = len;
		unmap(&c->sa, &c->salen);
	}
	if (meta_sockaddr_str(&c->sa, c->salen, c->addr, sizeof(c->addr),
	    c->port, sizeof(c->port)) == -1) {
		strlcpy(c->addr, "unknown", sizeof(c->addr));
		strlcpy(c->port, "0", sizeof(c->port));
	}
	snprintf(c->hostname, sizeof(c->hostname), "%s port %s", c->addr,
	    c->port);
	TAILQ_INSERT_TAIL(&M.conns, c, entry);
	M.nconns++;
	return c;
}

struct meta_conn *
meta_conn_find_id(uint32_t id)
{
	struct meta_conn	*c;

	TAILQ_FOREACH(c, &M.conns, entry)
		if (c->id == id)
			return c;
	return NULL;
}

static void
sock_opts(int fd, int family)
{
	int	 one = 1, tos = IPTOS_LOWDELAY;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	else if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
}

/* ---- accepting ------------------------------------------------------- */

static void
meta_accept(int lfd, short revents, void *arg)
{
	struct sockaddr_storage	 ss;
	struct meta_conn	*c;
	socklen_t		 len = sizeof(ss);
	uint64_t		 sec;
	int			 s;

	if ((s = accept4(lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("%s: accept", __func__);
		return;
	}
	/* spec 4.2: the 11th connection within one second is tarpitted */
	sec = meta_now() / 1000;
	if (sec != accept_second) {
		accept_second = sec;
		accept_count = 0;
		accept_throttled = 0;
	}
	if (++accept_count > META_ACCEPT_BURST) {
		if (!accept_throttled)
			log_info("Throttling incoming connections");
		accept_throttled = 1;
		tarpit_add(s);
		return;
	}
	if (M.nconns >= META_MAX_CONNS) {
		log_warnx("%s: %zu connections already; refused one",
		    __func__, M.nconns);
		close(s);
		return;
	}
	if ((c = conn_new(s, &ss, len)) == NULL) {
		log_warn("%s", __func__);
		close(s);
		return;
	}
	sock_opts(s, c->sa.ss_family);
	c->state = MS_ID;
	if (ev_add(s, POLLIN, conn_event, c) == -1) {
		log_warn("%s: ev_add", __func__);
		meta_conn_terminate(c, 0, NULL);
		return;
	}
	log_debug(DEBUG_CONNECTIONS, "Connection from %s", c->hostname);
}

void
meta_listen_start(void)
{
	size_t	 i;

	for (i = 0; i < M.nlisteners; i++)
		if (ev_add(M.listeners[i], POLLIN, meta_accept, NULL) == -1)
			fatal("%s: ev_add", __func__);
	log_debug(DEBUG_CONNECTIONS, "listening on %zu sockets",
	    M.nlisteners);
}

/* ---- closing --------------------------------------------------------- */

static int
any_active(void)
{
	struct meta_conn	*c;

	TAILQ_FOREACH(c, &M.conns, entry)
		if (c->state == MS_ACTIVE && !c->dead)
			return 1;
	return 0;
}

/*
 * Close now.  how: T_REPORT announces our edge's deletion (an error or a
 * timeout on an active connection); T_TARPIT parks the socket (protocol
 * errors, authentication timeouts).
 */
void
meta_conn_terminate(struct meta_conn *c, int how, const char *why)
{
	struct meta_outgoing	*o;
	int			 was_active;

	if (c->dead)
		return;
	c->dead = 1;
	was_active = c->state == MS_ACTIVE;
	if (why != NULL)
		log_debug(DEBUG_CONNECTIONS, "Closing connection with %s: %s",
		    meta_conn_label(c), why);
	else
		log_debug(DEBUG_CONNECTIONS, "Closing connection with %s",
		    meta_conn_label(c));
	if (was_active)
		meta_topo_conn_lost(c, how & T_REPORT);
	if (c->fd != -1) {
		ev_del(c->fd);
		if (how & T_TARPIT)
			tarpit_add(c->fd);
		else
			close(c->fd);
		c->fd = -1;
	}
	TAILQ_REMOVE(&M.conns, c, entry);
	M.nconns--;
	TAILQ_INSERT_TAIL(&M.dead, c, dead_entry);
	ev_timer_set(&M.reap_timer, 0, conn_reap, NULL);
	if ((o = c->outgoing) != NULL) {
		c->outgoing = NULL;
		o->conn = NULL;
		meta_outgoing_failed(o, c->got_pong);
	}
	if (was_active && !any_active())
		meta_topo_purge();
}

/* Close at the end of this turn (used where closing now would recurse). */
void
meta_conn_fail(struct meta_conn *c, int how, const char *why)
{
	if (c->dead || c->failing)
		return;
	c->failing = 1;
	c->fail_report = how;
	c->fail_reason = why;
	ev_timer_set(&M.reap_timer, 0, conn_reap, NULL);
}

static void
conn_free(struct meta_conn *c)
{
	meta_in_clear(&c->in);
	if (c->encrypting)
		meta_cipher_free(&c->outc);
	if (c->out.buf != NULL)
		freezero(c->out.buf, c->out.size);
	meta_auth_clear(c);
	free(c);
}

static void
conn_reap(void *arg)
{
	struct meta_conn	*c, *next;
	int			 again;

	do {
		again = 0;
		TAILQ_FOREACH_SAFE(c, &M.conns, entry, next) {
			if (!c->failing || c->dead)
				continue;
			meta_conn_terminate(c, c->fail_report, c->fail_reason);
			again = 1;
			break;
		}
	} while (again);
	while ((c = TAILQ_FIRST(&M.dead)) != NULL) {
		TAILQ_REMOVE(&M.dead, c, dead_entry);
		conn_free(c);
	}
}

void
meta_conn_close_all(void)
{
	struct meta_conn	*c;

	while ((c = TAILQ_FIRST(&M.conns)) != NULL)
		meta_conn_terminate(c, 0, NULL);
}

/* ---- output ---------------------------------------------------------- */

static int
out_reserve(struct meta_out *o, size_t len)
{
	uint8_t	*nb;
	size_t	 used = o->end - o->start, nsize;

	if (o->size - o->end >= len)
		return 0;
	if (o->start > 0) {
		memmove(o->buf, o->buf + o->start, used);
		o->start = 0;
		o->end = used;
		if (o->size - o->end >= len)
			return 0;
	}
	if (used + len > META_OUTBUF_MAX)
		return -1;
	nsize = o->size ? o->size : 4096;
	while (nsize < used + len)
		nsize *= 2;
	if (nsize > META_OUTBUF_MAX)
		nsize = META_OUTBUF_MAX;
	if ((nb = recallocarray(o->buf, o->size, nsize, 1)) == NULL)
		return -1;
	o->buf = nb;
	o->size = nsize;
	return 0;
}

/* Queue bytes, encrypting them when our METAKEY has been sent. */
static int
out_append(struct meta_conn *c, const void *data, size_t len)
{
	struct meta_out	*o = &c->out;
	uint8_t		*p;

	if (c->dead || c->failing || c->fd == -1)
		return -1;
	if (out_reserve(o, len) == -1) {
		log_warnx("%s: output buffer full", meta_conn_label(c));
		meta_conn_fail(c, T_REPORT, "output buffer overflow");
		return -1;
	}
	p = o->buf + o->end;
	memcpy(p, data, len);
	if (c->encrypting && meta_cipher_update(&c->outc, p, p, len) == -1) {
		meta_conn_fail(c, T_REPORT, "encryption failed");
		return -1;
	}
	if (o->start == o->end)
		c->out_since = meta_now();
	o->end += len;
	c->bytes_out += len;
	conn_update(c);
	return 0;
}

int
meta_conn_send(struct meta_conn *c, const char *line, size_t len)
{
	char	 buf[PROTO_MAX_LINE + 2];
	int	 r;

	if (len == 0 || len > PROTO_MAX_LINE)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\n';
	if (log_getlevel() >= DEBUG_META) {
		if (strncmp(line, "16 ", 3) == 0)
			log_debug(DEBUG_META, "Sending ANS_KEY to %s "
			    "(key not shown)", meta_conn_label(c));
		else
			log_debug(DEBUG_META, "Sending to %s: %.*s",
			    meta_conn_label(c), (int)len, line);
	}
	r = out_append(c, buf, len + 1);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int
meta_conn_sendf(struct meta_conn *c, const char *fmt, ...)
{
	char	 buf[PROTO_MAX_LINE + 1];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return meta_conn_send(c, buf, (size_t)n);
}

int
meta_conn_send_msg(struct meta_conn *c, const struct proto_msg *m)
{
	char	 buf[PROTO_MAX_LINE + 1];
	int	 n, r;

	if ((n = proto_format(buf, sizeof(buf), m)) == -1) {
		log_warnx("%s: cannot format %s for %s", __func__,
		    proto_req_name(m->type), meta_conn_label(c));
		return -1;
	}
	r = meta_conn_send(c, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

/*
 * A frame for the peer (spec 9): "17 <len>" and the raw bytes, dropped at
 * random as the queue grows past half of MaxOutputBufferSize.
 */
int
meta_conn_send_packet(struct meta_conn *c, const uint8_t *frame, size_t len)
{
	double	 fill, r;
	size_t	 queued = c->out.end - c->out.start;
	int	 max = M.conf->max_output_buffer_size;
	char	 hdr[16];
	int	 n;

	if (c->state != MS_ACTIVE || c->dead || c->failing)
		return -1;
	if (len == 0 || len > MTU)
		return -1;
	if (max > 0) {
		fill = 2.0 * (double)queued / (double)max - 1.0;
		r = (double)arc4random() / 4294967296.0;
		if (fill > r) {
			log_debug(DEBUG_TRAFFIC, "Dropping packet for %s: "
			    "output buffer %zu bytes", meta_conn_label(c),
			    queued);
			return 0;
		}
	} else if (queued > 0)
		return 0;
	n = snprintf(hdr, sizeof(hdr), "%d %zu\n", REQ_PACKET, len);
	if (out_append(c, hdr, (size_t)n) == -1 ||
	    out_append(c, frame, len) == -1)
		return -1;
	return 0;
}

static int
conn_flush(struct meta_conn *c)
{
	struct meta_out	*o = &c->out;
	ssize_t		 n;

	while (o->end > o->start) {
		n = send(c->fd, o->buf + o->start, o->end - o->start,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			log_debug(DEBUG_CONNECTIONS, "Flushing to %s failed: "
			    "%s", meta_conn_label(c), strerror(errno));
			meta_conn_terminate(c, T_REPORT, "write error");
			return -1;
		}
		o->start += n;
	}
	o->start = o->end = 0;
	/* what an activation dump grew is given back once it went out */
	if (o->size > 65536) {
		freezero(o->buf, o->size);
		o->buf = NULL;
		o->size = 0;
	}
	return 0;
}

static void
conn_update(struct meta_conn *c)
{
	short	 ev = 0;

	if (c->dead || c->fd == -1)
		return;
	if (c->state == MS_CONNECTING)
		ev = POLLOUT;
	else {
		if (c->state != MS_KEYWAIT)
			ev |= POLLIN;
		if (c->out.end > c->out.start)
			ev |= POLLOUT;
	}
	ev_set(c->fd, ev);
}

/* ---- input ----------------------------------------------------------- */

/* Bad lines after activation are logged; too many close the connection. */
static int
conn_bad_line(struct meta_conn *c, const char *req, const char *why)
{
	uint64_t	 now = meta_now();

	log_warnx("Got bad %s from %s: %s", req, meta_conn_label(c), why);
	if (now - c->err_window > 60000) {
		c->err_window = now;
		c->nerrs = 0;
	}
	if (++c->nerrs > META_ERR_BUDGET) {
		meta_conn_terminate(c, T_REPORT | T_TARPIT,
		    "too many bad requests");
		return -1;
	}
	return 0;
}

static int
conn_fatal(struct meta_conn *c, int how, const char *what)
{
	log_warnx("%s from %s", what, meta_conn_label(c));
	meta_conn_terminate(c, how, NULL);
	return -1;
}

static enum req_type
conn_expected(const struct meta_conn *c)
{
	switch (c->state) {
	case MS_ID:
		return REQ_ID;
	case MS_METAKEY:
		return REQ_METAKEY;
	case MS_CHALLENGE:
		return REQ_CHALLENGE;
	case MS_CHAL_REPLY:
		return REQ_CHAL_REPLY;
	case MS_ACK:
		return REQ_ACK;
	default:
		return REQ_MAX;
	}
}

static void
conn_log_line(const struct meta_conn *c, const char *line)
{
	if (log_getlevel() < DEBUG_META)
		return;
	if (strncmp(line, "16 ", 3) == 0)
		log_debug(DEBUG_META, "Got ANS_KEY from %s (key not shown)",
		    meta_conn_label(c));
	else
		log_debug(DEBUG_META, "Got request from %s: %s",
		    meta_conn_label(c), line);
}

static int
conn_line(void *arg, char *line, size_t len)
{
	struct meta_conn	*c = arg;
	struct proto_msg	*m = &conn_msg;
	const char		*why, *why2;
	char			 what[80];
	int			 type, r = 0;

	conn_log_line(c, line);
	if (proto_parse(line, m, &why) == -1) {
		if ((type = proto_req_type(line, &why2)) == -1)
			return conn_fatal(c, T_REPORT | T_TARPIT, why2);
		if (c->state != MS_ACTIVE || type == REQ_PACKET ||
		    type <= REQ_ACK) {
			log_warnx("Got bad %s from %s: %s",
			    proto_req_name(type), meta_conn_label(c), why);
			meta_conn_terminate(c, T_REPORT | T_TARPIT, NULL);
			return -1;
		}
		return conn_bad_line(c, proto_req_name(type), why);
	}
	type = m->type;
	if (c->state != MS_ACTIVE) {
		if (type != (int)conn_expected(c)) {
			snprintf(what, sizeof(what), "Unauthorized request "
			    "%s", proto_req_name(type));
			return conn_fatal(c, T_TARPIT, what);
		}
		r = meta_auth_line(c, m);
		goto done;
	}
	switch (type) {
	case REQ_PING:
		meta_conn_sendf(c, "%d", REQ_PONG);
		break;
	case REQ_PONG:
		c->pinged = 0;
		c->got_pong = 1;
		if (c->outgoing != NULL)
			meta_outgoing_connected(c->outgoing);
		break;
	case REQ_ADD_SUBNET:
	case REQ_DEL_SUBNET:
	case REQ_ADD_EDGE:
	case REQ_DEL_EDGE:
		r = meta_topo_line(c, line, m);
		break;
	case REQ_KEY_CHANGED:
	case REQ_REQ_KEY:
	case REQ_ANS_KEY:
		r = meta_keys_line(c, line, m);
		break;
	case REQ_PACKET:
		meta_in_expect(&c->in, m->packet.len);
		break;
	default:
		/* ID..ACK again on an active connection */
		snprintf(what, sizeof(what), "Unexpected %s on an active "
		    "connection", proto_req_name(type));
		return conn_fatal(c, T_REPORT | T_TARPIT, what);
	}
 done:
	if (type == REQ_ANS_KEY || type == REQ_METAKEY)
		explicit_bzero(m, sizeof(*m));
	if (r == -1 && !c->dead)
		meta_conn_terminate(c, T_REPORT | T_TARPIT, NULL);
	return r;
}

static int
conn_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct meta_conn	*c = arg;
	struct ibuf		*b;

	if (c->state != MS_ACTIVE || c->node == NULL)
		return conn_fatal(c, T_TARPIT, "Got unauthorized TCP packet");
	if ((b = imsg_create(IMSG_TCP_IN, c->node->id, len + 8)) == NULL)
		return 0;
	if (ibuf_add_u32(b, c->node->id) == -1 ||
	    ibuf_add_u16(b, (uint16_t)len) == -1 ||
	    ibuf_add(b, frame, len) == -1) {
		ibuf_free(b);
		return 0;
	}
	chan_send(&M.packet, b);
	return 0;
}

static void
conn_read(struct meta_conn *c)
{
	const char	*why;
	uint8_t		*p;
	size_t		 avail;
	ssize_t		 n;
	int		 r;

	p = meta_in_space(&c->in, &avail);
	if (avail == 0) {
		meta_conn_terminate(c, T_REPORT | T_TARPIT,
		    "metadata read buffer overflow");
		return;
	}
	if ((n = recv(c->fd, p, avail, 0)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		log_debug(DEBUG_CONNECTIONS, "Metadata socket read error "
		    "for %s: %s", meta_conn_label(c), strerror(errno));
		meta_conn_terminate(c, T_REPORT, NULL);
		return;
	}
	if (n == 0) {
		log_debug(DEBUG_CONNECTIONS, "Connection closed by %s",
		    meta_conn_label(c));
		meta_conn_terminate(c, T_REPORT, NULL);
		return;
	}
	c->bytes_in += n;
	r = meta_in_process(&c->in, (size_t)n, &conn_in_ops, c, &why);
	if (c->dead)
		return;
	if (r == -1) {
		log_warnx("%s from %s", why != NULL ? why : "error",
		    meta_conn_label(c));
		meta_conn_terminate(c, T_REPORT | T_TARPIT, NULL);
	}
}

/* Stop reading while the key holder works; resume() continues. */
void
meta_conn_pause(struct meta_conn *c, int on)
{
	conn_update(c);
}

void
meta_conn_resume(struct meta_conn *c)
{
	const char	*why;
	int		 r;

	if (c->dead)
		return;
	conn_update(c);
	r = meta_in_process(&c->in, 0, &conn_in_ops, c, &why);
	if (c->dead)
		return;
	if (r == -1) {
		log_warnx("%s from %s", why != NULL ? why : "error",
		    meta_conn_label(c));
		meta_conn_terminate(c, T_REPORT | T_TARPIT, NULL);
		return;
	}
	conn_update(c);
}

/* ---- outgoing: the connect finished ------------------------------------ */

static void
conn_connected(struct meta_conn *c)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		log_debug(DEBUG_CONNECTIONS, "Error while connecting to %s: "
		    "%s", meta_conn_label(c), strerror(err));
		meta_conn_terminate(c, 0, NULL);
		return;
	}
	log_debug(DEBUG_CONNECTIONS, "Connected to %s", meta_conn_label(c));
	c->state = MS_ID;
	conn_update(c);
	if (meta_auth_start(c) == -1)
		meta_conn_terminate(c, 0, "cannot send ID");
}

static void
conn_event(int fd, short revents, void *arg)
{
	struct meta_conn	*c = arg;

	if (c->dead)
		return;
	if (c->state == MS_CONNECTING) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			conn_connected(c);
		return;
	}
	if ((revents & POLLOUT) && conn_flush(c) == -1)
		return;
	if (c->state == MS_KEYWAIT) {
		if (revents & (POLLERR | POLLHUP))
			meta_conn_terminate(c, 0, "closed while waiting for "
			    "the key holder");
		else
			conn_update(c);
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		conn_read(c);
	if (!c->dead)
		conn_update(c);
}

/* The parent's socket for an outgoing connection (connect in progress). */
void
meta_conn_outgoing_fd(struct meta_outgoing *o, int fd,
    const struct sockaddr_storage *ss, socklen_t len)
{
	struct meta_conn	*c;

	if (M.nconns >= META_MAX_CONNS || (c = conn_new(fd, ss, len)) ==
	    NULL) {
		log_warnx("cannot set up the connection to %s", o->name);
		close(fd);
		meta_outgoing_failed(o, 0);
		return;
	}
	strlcpy(c->name, o->name, sizeof(c->name));
	c->outgoing_side = 1;
	c->outgoing = o;
	c->created = o->started;
	o->conn = c;
	c->state = MS_CONNECTING;
	if (ev_add(fd, POLLOUT, conn_event, c) == -1) {
		log_warn("%s: ev_add", __func__);
		meta_conn_terminate(c, 0, NULL);
	}
}

/* ---- timers ------------------------------------------------------------ */

/* Spec 8.2, checked every second against the configured times. */
void
meta_conn_tick(uint64_t now)
{
	struct meta_conn	*c, *next;
	uint64_t		 pt = (uint64_t)M.conf->ping_timeout * 1000;
	uint64_t		 pi = (uint64_t)M.conf->ping_interval * 1000;

	TAILQ_FOREACH_SAFE(c, &M.conns, entry, next) {
		if (c->dead || c->failing)
			continue;
		if (c->state == MS_CONNECTING) {
			if (now - c->created > pt) {
				log_debug(DEBUG_CONNECTIONS, "Timeout while "
				    "connecting to %s", meta_conn_label(c));
				meta_conn_terminate(c, 0, NULL);
			}
			continue;
		}
		if (c->state != MS_ACTIVE) {
			if (now - c->created > pt) {
				log_debug(DEBUG_CONNECTIONS, "Timeout from %s "
				    "during authentication",
				    meta_conn_label(c));
				meta_conn_terminate(c, T_TARPIT, NULL);
			}
			continue;
		}
		if (c->out.end > c->out.start && now - c->out_since > pt) {
			log_debug(DEBUG_CONNECTIONS, "%s could not flush for "
			    "%d seconds", meta_conn_label(c),
			    M.conf->ping_timeout);
			meta_conn_terminate(c, T_REPORT, NULL);
			continue;
		}
		if (c->pinged) {
			if (now - c->last_ping > pt) {
				log_debug(DEBUG_CONNECTIONS, "%s didn't "
				    "respond to PING in %d seconds",
				    meta_conn_label(c), M.conf->ping_timeout);
				meta_conn_terminate(c, T_REPORT, NULL);
			}
			continue;
		}
		if (now - c->last_ping >= pi) {
			c->pinged = 1;
			c->last_ping = now;
			meta_conn_sendf(c, "%d", REQ_PING);
		}
	}
}

/* SIGALRM: a PING on every active connection. */
void
meta_conn_ping_all(void)
{
	struct meta_conn	*c;
	uint64_t		 now = meta_now();

	TAILQ_FOREACH(c, &M.conns, entry) {
		if (c->state != MS_ACTIVE || c->dead || c->pinged)
			continue;
		c->pinged = 1;
		c->last_ping = now;
		meta_conn_sendf(c, "%d", REQ_PING);
	}
}

void
meta_conn_dump(void)
{
	static const char	*names[] = { "connecting", "ID", "METAKEY",
	    "key holder", "CHALLENGE", "CHAL_REPLY", "ACK", "active" };
	struct meta_conn	*c;
	uint64_t		 now = meta_now();

	log_info("connections: %zu (listening on %zu sockets)", M.nconns,
	    M.nlisteners);
	TAILQ_FOREACH(c, &M.conns, entry)
		log_info(" %s at %s options %x weight %d %s%s age %llus "
		    "in %llu out %llu queued %zu",
		    c->name[0] ? c->name : "<unknown>", c->hostname,
		    c->options, c->weight, names[c->state],
		    c->outgoing_side ? " outgoing" : "",
		    (unsigned long long)((now - c->created) / 1000),
		    (unsigned long long)c->bytes_in,
		    (unsigned long long)c->bytes_out,
		    c->out.end - c->out.start);
	log_info("End of connections.");
}

/* ---- outgoing connections (spec 4.1, 8.4) ------------------------------ */

static struct meta_outgoing *
outgoing_find(const char *name)
{
	struct meta_outgoing	*o;

	TAILQ_FOREACH(o, &M.outgoing, entry)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static void
outgoing_schedule(struct meta_outgoing *o, int seconds)
{
	ev_timer_set(&o->timer, (uint64_t)seconds * 1000, outgoing_try, o);
}

static void
outgoing_free(struct meta_outgoing *o)
{
	ev_timer_del(&o->timer);
	if (o->conn != NULL) {
		o->conn->outgoing = NULL;
		meta_conn_terminate(o->conn, T_REPORT, "no longer in "
		    "ConnectTo");
	}
	TAILQ_REMOVE(&M.outgoing, o, entry);
	free(o);
}

/* The ConnectTo list of the running configuration: add and remove. */
void
meta_outgoing_sync(void)
{
	struct meta_outgoing	*o, *next;
	size_t			 i;

	TAILQ_FOREACH(o, &M.outgoing, entry)
		o->removed = 1;
	for (i = 0; i < M.conf->nconnect_to; i++) {
		if ((o = outgoing_find(M.conf->connect_to[i])) != NULL) {
			o->removed = 0;
			continue;
		}
		if ((o = calloc(1, sizeof(*o))) == NULL) {
			log_warn("%s", __func__);
			continue;
		}
		strlcpy(o->name, M.conf->connect_to[i], sizeof(o->name));
		TAILQ_INSERT_TAIL(&M.outgoing, o, entry);
		outgoing_schedule(o, 0);
	}
	TAILQ_FOREACH_SAFE(o, &M.outgoing, entry, next)
		if (o->removed)
			outgoing_free(o);
}

static void
outgoing_backoff(struct meta_outgoing *o)
{
	o->addr_next = 0;
	o->timeout = meta_backoff(o->timeout, M.conf->min_timeout,
	    M.conf->max_timeout);
	log_info("Trying to re-establish outgoing connection in %d seconds",
	    o->timeout);
	outgoing_schedule(o, o->timeout);
}

static void
outgoing_try(void *arg)
{
	struct meta_outgoing	*o = arg;
	const struct meta_host	*h;
	struct meta_node	*mn;
	struct ibuf		*b;

	if (!M.go || o->conn != NULL || o->reqid != 0)
		return;
	/* already connected (spec 4.1 step 1): remember the duty */
	if ((mn = meta_node_get(o->name, 0)) != NULL && mn->conn != NULL &&
	    mn->conn->outgoing == NULL) {
		mn->conn->outgoing = o;
		o->conn = mn->conn;
		return;
	}
	if ((h = meta_host_find(o->name)) == NULL || h->pub == NULL) {
		log_warnx("No usable host configuration for %s; retrying in "
		    "%d seconds", o->name, M.conf->max_timeout);
		o->timeout = M.conf->max_timeout;
		outgoing_schedule(o, o->timeout);
		return;
	}
	if (h->naddrs == 0) {
		log_warnx("No address known for %s; retrying in %d seconds",
		    o->name, M.conf->max_timeout);
		o->timeout = M.conf->max_timeout;
		outgoing_schedule(o, o->timeout);
		return;
	}
	if (o->addr_next >= h->naddrs) {
		outgoing_backoff(o);
		return;
	}
	o->started = meta_now();
	do {
		o->reqid = ++M.next_id;
	} while (o->reqid == 0);
	log_debug(DEBUG_CONNECTIONS, "Trying to connect to %s (%s port %s)",
	    o->name, h->addrs[o->addr_next].host,
	    h->addrs[o->addr_next].port);
	if ((b = imsg_create(IMSG_CONN_REQUEST, o->reqid, 300)) == NULL ||
	    ibuf_add_str(b, o->name) == -1 ||
	    ibuf_add_str(b, h->addrs[o->addr_next].host) == -1 ||
	    ibuf_add_str(b, h->addrs[o->addr_next].port) == -1) {
		ibuf_free(b);
		o->reqid = 0;
		outgoing_backoff(o);
		return;
	}
	o->addr_next++;
	if (chan_send(&worker_parent, b) == -1)
		fatalx("%s: cannot reach the parent", __func__);
}

/* The parent answered IMSG_CONN_REQUEST. */
int
meta_outgoing_result(uint32_t reqid, int ok, const struct sockaddr_storage *ss,
    socklen_t len, int fd)
{
	struct meta_outgoing	*o;

	TAILQ_FOREACH(o, &M.outgoing, entry)
		if (o->reqid == reqid)
			break;
	if (o == NULL) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	o->reqid = 0;
	if (!ok || fd == -1) {
		if (fd != -1)
			close(fd);
		outgoing_try(o);
		return 0;
	}
	meta_conn_outgoing_fd(o, fd, ss, len);
	return 0;
}

/* Its connection went away: the next address now, or back off. */
void
meta_outgoing_failed(struct meta_outgoing *o, int had_pong)
{
	if (o->removed)
		return;
	ev_timer_set(&o->timer, 0, outgoing_try, o);
}

/* A PONG: the address worked; start the back-off and the walk again. */
void
meta_outgoing_connected(struct meta_outgoing *o)
{
	o->timeout = 0;
	o->addr_next = SIZE_MAX;
}

/* SIGALRM: every pending attempt now. */
void
meta_outgoing_retry_all(void)
{
	struct meta_outgoing	*o;

	TAILQ_FOREACH(o, &M.outgoing, entry) {
		if (o->conn != NULL || o->reqid != 0)
			continue;
		o->addr_next = o->addr_next == SIZE_MAX ? 0 : o->addr_next;
		outgoing_schedule(o, 0);
	}
}
