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
 * Framed messages over stream socketpairs.
 *
 * Reading: each channel owns a read buffer of maxlen bytes, so any frame
 * the channel accepts fits.  Frames are parsed in place; consumed bytes are
 * wiped when the buffer is compacted, because payloads may carry secrets.
 * Descriptors arrive in order, at the latest with the first byte of the
 * frame they belong to, so a FIFO pairs them with the frames that carry
 * IMSGF_HASFD.
 *
 * Writing: frames queue on the channel and go out with sendmsg(), many per
 * call, except that a frame carrying a descriptor always starts a call of
 * its own (the descriptor rides with the frame's first byte).  The sender
 * closes its copy once the first byte is out.
 *
 * wqlen counts queued frames; wqbytes counts queued bytes not yet written.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "ptinc.h"

#define IMSG_NRFDS	(sizeof(((struct imsgchan *)0)->rfds) / sizeof(int))
#define IMSG_IOVS	128		/* iovecs gathered per sendmsg */
#define IBUF_MAXSIZE	UINT32_MAX	/* the wire length field */

static void	 put_be16(uint8_t *, uint16_t);
static void	 put_be32(uint8_t *, uint32_t);
static uint16_t	 get_be16(const uint8_t *);
static uint32_t	 get_be32(const uint8_t *);
static void	 imsgchan_compact(struct imsgchan *);
static int	 imsg_recv_fds(struct imsgchan *, struct msghdr *);
static int	 imsg_write_once(struct imsgchan *);
static void	 imsg_advance(struct imsgchan *, size_t);
static int	 ibuf_reserve(struct ibuf *, size_t);
static const uint8_t *imsg_need(struct imsg *, size_t);

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Channels.
 */

void
imsgchan_init(struct imsgchan *chan, int fd, size_t maxlen, int fdpass)
{
	if (maxlen < IMSG_HDR_LEN || maxlen > IBUF_MAXSIZE)
		fatalx("imsgchan_init: bad maximum frame length %zu", maxlen);
	memset(chan, 0, sizeof(*chan));
	chan->fd = fd;
	chan->maxlen = maxlen;
	chan->fdpass = fdpass != 0;
	if ((chan->rbuf = calloc(1, maxlen)) == NULL)
		fatal("imsgchan_init");
	chan->rsize = maxlen;
	TAILQ_INIT(&chan->wq);
}

/* Frees the buffers and closes queued descriptors; chan->fd stays open. */
void
imsgchan_clear(struct imsgchan *chan)
{
	struct ibuf	*b;
	int		 i;

	while ((b = TAILQ_FIRST(&chan->wq)) != NULL) {
		TAILQ_REMOVE(&chan->wq, b, entry);
		ibuf_free(b);
	}
	chan->wqlen = 0;
	chan->wqbytes = 0;
	for (i = 0; i < chan->nrfds; i++)
		close(chan->rfds[i]);
	chan->nrfds = 0;
	freezero(chan->rbuf, chan->rsize);
	chan->rbuf = NULL;
	chan->rsize = chan->rlen = chan->rconsumed = 0;
}

/* Move the unparsed tail to the front and wipe everything behind it. */
static void
imsgchan_compact(struct imsgchan *chan)
{
	size_t	 left;

	if (chan->rconsumed == 0)
		return;
	left = chan->rlen - chan->rconsumed;
	if (left > 0)
		memmove(chan->rbuf, chan->rbuf + chan->rconsumed, left);
	explicit_bzero(chan->rbuf + left, chan->rlen - left);
	chan->rlen = left;
	chan->rconsumed = 0;
}

/*
 * Composing.
 */

struct ibuf *
imsg_create(uint32_t type, uint32_t peerid, size_t hint)
{
	struct ibuf	*b;

	if (hint > IMSG_MAX_PACKET)
		hint = IMSG_MAX_PACKET;	/* only a hint; ibuf_add grows */
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->size = IMSG_HDR_LEN + hint;
	if ((b->buf = calloc(1, b->size)) == NULL) {
		free(b);
		return NULL;
	}
	b->fd = -1;
	put_be32(b->buf, type);
	put_be32(b->buf + 8, peerid);
	b->wpos = IMSG_HDR_LEN;	/* len and flags are set by imsg_close */
	return b;
}

/*
 * Make room for len more bytes.  recallocarray wipes the old allocation
 * when it moves, so no stale copy of a secret is left behind.
 */
static int
ibuf_reserve(struct ibuf *b, size_t len)
{
	uint8_t	*p;
	size_t	 nsize;

	if (len > IBUF_MAXSIZE - b->wpos) {
		errno = ERANGE;
		return -1;
	}
	if (b->wpos + len <= b->size)
		return 0;
	nsize = b->size;
	while (nsize < b->wpos + len) {
		if (nsize > IBUF_MAXSIZE / 2)
			nsize = IBUF_MAXSIZE;
		else
			nsize *= 2;
	}
	if ((p = recallocarray(b->buf, b->size, nsize, 1)) == NULL)
		return -1;
	b->buf = p;
	b->size = nsize;
	return 0;
}

int
ibuf_add(struct ibuf *b, const void *data, size_t len)
{
	if (b == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (len == 0)
		return 0;
	if (ibuf_reserve(b, len) == -1)
		return -1;
	memcpy(b->buf + b->wpos, data, len);
	b->wpos += len;
	return 0;
}

int
ibuf_add_u8(struct ibuf *b, uint8_t v)
{
	return ibuf_add(b, &v, 1);
}

int
ibuf_add_u16(struct ibuf *b, uint16_t v)
{
	uint8_t	 p[2];

	put_be16(p, v);
	return ibuf_add(b, p, sizeof(p));
}

int
ibuf_add_u32(struct ibuf *b, uint32_t v)
{
	uint8_t	 p[4];

	put_be32(p, v);
	return ibuf_add(b, p, sizeof(p));
}

int
ibuf_add_u64(struct ibuf *b, uint64_t v)
{
	uint8_t	 p[8];

	put_be32(p, v >> 32);
	put_be32(p + 4, v & 0xffffffff);
	return ibuf_add(b, p, sizeof(p));
}

/* u16 length, then the bytes without the NUL. */
int
ibuf_add_str(struct ibuf *b, const char *s)
{
	size_t	 len;

	if (s == NULL || (len = strlen(s)) > UINT16_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_add_u16(b, len) == -1)
		return -1;
	return ibuf_add(b, s, len);
}

/* The ibuf owns fd from now on; it is closed once sent or when freed. */
void
ibuf_set_fd(struct ibuf *b, int fd)
{
	if (b->fd != -1 && b->fd != fd)
		close(b->fd);
	b->fd = fd;
}

/* Finish the frame and queue it.  On failure the ibuf is freed. */
int
imsg_close(struct imsgchan *chan, struct ibuf *b)
{
	if (b == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (b->wpos > chan->maxlen) {
		log_warnx("imsg_close: frame of %zu bytes exceeds channel "
		    "maximum %zu", b->wpos, chan->maxlen);
		ibuf_free(b);
		errno = ERANGE;
		return -1;
	}
	if (b->fd != -1 && !chan->fdpass) {
		log_warnx("imsg_close: descriptor on a channel without "
		    "descriptor passing");
		ibuf_free(b);
		errno = EINVAL;
		return -1;
	}
	put_be32(b->buf + 4, b->wpos);
	put_be32(b->buf + 12, b->fd != -1 ? IMSGF_HASFD : 0);
	b->rpos = 0;
	TAILQ_INSERT_TAIL(&chan->wq, b, entry);
	chan->wqlen++;
	chan->wqbytes += b->wpos;
	return 0;
}

void
ibuf_free(struct ibuf *b)
{
	if (b == NULL)
		return;
	if (b->fd != -1)
		close(b->fd);
	freezero(b->buf, b->size);
	free(b);
}

/* fd (or -1) is handed over in every case: closed if the frame fails. */
int
imsg_compose(struct imsgchan *chan, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	struct ibuf	*b;

	if ((b = imsg_create(type, peerid, len)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (fd != -1)
		ibuf_set_fd(b, fd);
	if (ibuf_add(b, data, len) == -1) {
		ibuf_free(b);
		return -1;
	}
	return imsg_close(chan, b);
}

/*
 * Writing.
 */

/* Drop n written bytes from the head of the queue. */
static void
imsg_advance(struct imsgchan *chan, size_t n)
{
	struct ibuf	*b;
	size_t		 left;

	while (n > 0 && (b = TAILQ_FIRST(&chan->wq)) != NULL) {
		left = b->wpos - b->rpos;
		if (n < left) {
			b->rpos += n;
			chan->wqbytes -= n;
			return;
		}
		n -= left;
		chan->wqbytes -= left;
		TAILQ_REMOVE(&chan->wq, b, entry);
		chan->wqlen--;
		ibuf_free(b);
	}
}

/* One sendmsg().  -1 with errno on failure, including EAGAIN. */
static int
imsg_write_once(struct imsgchan *chan)
{
	struct iovec	 iov[IMSG_IOVS];
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct ibuf	*first, *b;
	ssize_t		 n;
	int		 niov = 0;

	first = TAILQ_FIRST(&chan->wq);
	TAILQ_FOREACH(b, &chan->wq, entry) {
		if (niov == IMSG_IOVS)
			break;
		/* a descriptor-carrying frame starts its own sendmsg */
		if (b != first && b->fd != -1)
			break;
		iov[niov].iov_base = b->buf + b->rpos;
		iov[niov].iov_len = b->wpos - b->rpos;
		niov++;
	}

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;
	if (first->fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &first->fd, sizeof(int));
	}

	do {
		n = sendmsg(chan->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;

	/* the descriptor went out with the first byte; drop our copy */
	if (first->fd != -1 && n > 0) {
		close(first->fd);
		first->fd = -1;
	}
	imsg_advance(chan, n);
	return 0;
}

int
imsg_flush(struct imsgchan *chan)
{
	while (!TAILQ_EMPTY(&chan->wq)) {
		if (imsg_write_once(chan) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return 0;
			return -1;
		}
	}
	return 1;
}

/* 0 once the queue is empty, -1 on error (errno set). */
int
imsg_flush_blocking(struct imsgchan *chan)
{
	struct pollfd	 pfd;
	int		 r;

	for (;;) {
		if ((r = imsg_flush(chan)) == 1)
			return 0;
		if (r == -1)
			return -1;
		pfd.fd = chan->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	}
}

/*
 * Reading.
 */

/*
 * Queue the descriptors of one recvmsg().  If the channel may not keep
 * them all, every descriptor of that message is closed.
 */
static int
imsg_recv_fds(struct imsgchan *chan, struct msghdr *msg)
{
	struct cmsghdr	*cmsg;
	const char	*why = NULL;
	int		 fds[IMSG_NRFDS];
	size_t		 i, n, nfds = 0;
	int		 fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0)) {
			why = "unexpected control message";
			continue;
		}
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (nfds == IMSG_NRFDS) {
				/* cannot happen: the buffer holds no more */
				why = "too many descriptors";
				close(fd);
				continue;
			}
			fds[nfds++] = fd;
		}
	}
	if (why == NULL && (msg->msg_flags & MSG_CTRUNC))
		why = "control message truncated";
	if (why == NULL && nfds > 0 && !chan->fdpass)
		why = "descriptor on a channel without descriptor passing";
	if (why == NULL && nfds > IMSG_NRFDS - chan->nrfds)
		why = "too many descriptors pending";
	if (why != NULL) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		log_warnx("imsg_read: %s", why);
		return -1;
	}
	for (i = 0; i < nfds; i++)
		chan->rfds[chan->nrfds++] = fds[i];
	return 0;
}

ssize_t
imsg_read(struct imsgchan *chan)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) * IMSG_NRFDS)];
	} cmsgbuf;
	ssize_t		 n;

	imsgchan_compact(chan);
	if (chan->rlen >= chan->rsize) {
		/* a whole frame is buffered: imsg_get it first */
		errno = ENOBUFS;
		return -1;
	}

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = chan->rbuf + chan->rlen;
	iov.iov_len = chan->rsize - chan->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(chan->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	chan->rlen += n;
	if (imsg_recv_fds(chan, &msg) == -1) {
		errno = EBADMSG;
		return -1;
	}
	return n;
}

int
imsg_get(struct imsgchan *chan, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	const uint8_t	*p;
	size_t		 avail;
	int		 i;

	memset(imsg, 0, sizeof(*imsg));
	imsg->fd = -1;

	/* everything parsed: wipe it now, the last payload is done with */
	if (chan->rconsumed == chan->rlen)
		imsgchan_compact(chan);

	avail = chan->rlen - chan->rconsumed;
	if (avail < IMSG_HDR_LEN)
		return 0;
	p = chan->rbuf + chan->rconsumed;
	hdr.type = get_be32(p);
	hdr.len = get_be32(p + 4);
	hdr.peerid = get_be32(p + 8);
	hdr.flags = get_be32(p + 12);

	if (hdr.len < IMSG_HDR_LEN || hdr.len > chan->maxlen) {
		log_warnx("imsg_get: type %u: length %u outside %d..%zu",
		    hdr.type, hdr.len, IMSG_HDR_LEN, chan->maxlen);
		goto bad;
	}
	if (hdr.flags & ~(uint32_t)IMSGF_HASFD) {
		log_warnx("imsg_get: type %u: unknown flags 0x%x", hdr.type,
		    hdr.flags);
		goto bad;
	}
	if ((hdr.flags & IMSGF_HASFD) && !chan->fdpass) {
		log_warnx("imsg_get: type %u: descriptor on a channel without "
		    "descriptor passing", hdr.type);
		goto bad;
	}
	if (avail < hdr.len)
		return 0;
	if (hdr.flags & IMSGF_HASFD) {
		if (chan->nrfds == 0) {
			log_warnx("imsg_get: type %u: descriptor flag but no "
			    "descriptor received", hdr.type);
			goto bad;
		}
		imsg->fd = chan->rfds[0];
		for (i = 1; i < chan->nrfds; i++)
			chan->rfds[i - 1] = chan->rfds[i];
		chan->nrfds--;
	}

	imsg->hdr = hdr;
	imsg->data = p + IMSG_HDR_LEN;
	imsg->len = hdr.len - IMSG_HDR_LEN;
	chan->rconsumed += hdr.len;
	return 1;

 bad:
	/* the frame stays put: the channel is unusable from here on */
	errno = EBADMSG;
	return -1;
}

void
imsg_free(struct imsg *imsg)
{
	if (imsg->fd != -1)
		close(imsg->fd);
	imsg->fd = -1;
	imsg->data = NULL;
	imsg->len = imsg->pos = 0;
}

/*
 * Payload readers.
 */

/* n more bytes, or NULL and the error flag. */
static const uint8_t *
imsg_need(struct imsg *imsg, size_t n)
{
	const uint8_t	*p;

	if (imsg->err || imsg->pos > imsg->len ||
	    n > imsg->len - imsg->pos) {
		imsg->err = 1;
		errno = EBADMSG;
		return NULL;
	}
	p = imsg->data + imsg->pos;
	imsg->pos += n;
	return p;
}

int
imsg_get_u8(struct imsg *imsg, uint8_t *v)
{
	const uint8_t	*p;

	if ((p = imsg_need(imsg, 1)) == NULL)
		return -1;
	*v = p[0];
	return 0;
}

int
imsg_get_u16(struct imsg *imsg, uint16_t *v)
{
	const uint8_t	*p;

	if ((p = imsg_need(imsg, 2)) == NULL)
		return -1;
	*v = get_be16(p);
	return 0;
}

int
imsg_get_u32(struct imsg *imsg, uint32_t *v)
{
	const uint8_t	*p;

	if ((p = imsg_need(imsg, 4)) == NULL)
		return -1;
	*v = get_be32(p);
	return 0;
}

int
imsg_get_u64(struct imsg *imsg, uint64_t *v)
{
	const uint8_t	*p;

	if ((p = imsg_need(imsg, 8)) == NULL)
		return -1;
	*v = (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
	return 0;
}

int
imsg_get_bytes(struct imsg *imsg, void *dst, size_t n)
{
	const uint8_t	*p;

	if ((p = imsg_need(imsg, n)) == NULL)
		return -1;
	if (n > 0)
		memcpy(dst, p, n);
	return 0;
}

int
imsg_get_str(struct imsg *imsg, char *dst, size_t dstsz)
{
	const uint8_t	*p;
	uint16_t	 n;

	if (dstsz > 0)
		dst[0] = '\0';
	if (imsg_get_u16(imsg, &n) == -1 || (p = imsg_need(imsg, n)) == NULL)
		return -1;
	if (n >= dstsz || memchr(p, '\0', n) != NULL) {
		imsg->err = 1;
		errno = EBADMSG;
		return -1;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

const uint8_t *
imsg_get_ptr(struct imsg *imsg, size_t n)
{
	return imsg_need(imsg, n);
}

int
imsg_get_end(struct imsg *imsg)
{
	if (imsg->err || imsg->pos != imsg->len) {
		imsg->err = 1;
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

int
imsg_take_fd(struct imsg *imsg)
{
	int	 fd = imsg->fd;

	imsg->fd = -1;
	return fd;
}

/*
 * Dispatch: every check in one place, before any handler sees the frame.
 */
int
imsg_dispatch(const struct imsg_handler *tab, size_t n, int from_role,
    struct imsg *imsg, void *arg)
{
	const struct imsg_handler	*h = NULL;
	const char			*why;
	size_t				 i;

	for (i = 0; i < n; i++) {
		if (tab[i].type == imsg->hdr.type) {
			h = &tab[i];
			break;
		}
	}

	if (h == NULL)
		why = "unknown type";
	else if (from_role < 0 || from_role >= (int)(sizeof(h->from_mask) * 8)
	    || (h->from_mask & (1u << from_role)) == 0)
		why = "not accepted from this sender";
	else if (imsg->len < h->min_len)
		why = "payload too short";
	else if (imsg->len > h->max_len)
		why = "payload too long";
	else if (h->fd_required && imsg->fd == -1)
		why = "descriptor missing";
	else if (!h->fd_required && imsg->fd != -1)
		why = "unexpected descriptor";
	else if (h->fn == NULL)
		why = "no handler";
	else {
		imsg->pos = 0;
		return h->fn(imsg, arg);
	}

	if (h != NULL)
		log_warnx("imsg_dispatch: type %u from %s, peerid %u, "
		    "payload %zu (want %zu..%zu): %s", imsg->hdr.type,
		    role_name(from_role), imsg->hdr.peerid, imsg->len,
		    h->min_len, h->max_len, why);
	else
		log_warnx("imsg_dispatch: type %u from %s, peerid %u, "
		    "payload %zu: %s", imsg->hdr.type, role_name(from_role),
		    imsg->hdr.peerid, imsg->len, why);
	if (imsg->fd != -1) {
		close(imsg->fd);
		imsg->fd = -1;
	}
	errno = EBADMSG;
	return -1;
}
