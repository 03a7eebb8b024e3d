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
 * Frames in and out: the device (tun: bare IP packets, tap: Ethernet
 * frames), and UDP datagrams in batches (legacy spec section 10).
 *
 * Receive: recvmmsg a batch, find each sender by its exact address (or
 * by MAC, try_harder), MAC check, decrypt, replay window, decompress,
 * then probe handling or route().  Send: datagrams sealed straight into
 * the transmit queue, which sendmmsg empties at the end of each burst.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compress.h"
#include "conf.h"
#include "log.h"
#include "packet.h"
#include "proto.h"

/* ---- addresses -------------------------------------------------------- */

int
paddr_from_sa(struct paddr *a, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET && len >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)sa;
		a->family = 4;
		memcpy(a->addr, &sin->sin_addr, 4);
		a->port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)sa;
		a->family = 6;
		memcpy(a->addr, &sin6->sin6_addr, 16);
		a->port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -1;
}

/* The sockaddr for sendmmsg; 0 when the address is none. */
socklen_t
paddr_to_sa(const struct paddr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	memset(ss, 0, sizeof(*ss));
	switch (a->family) {
	case 4:
		sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->addr, 4);
		sin->sin_port = htons(a->port);
		return sizeof(*sin);
	case 6:
		sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->addr, 16);
		sin6->sin6_port = htons(a->port);
		return sizeof(*sin6);
	default:
		return 0;
	}
}

/* "192.0.2.1 port 655", as tinc prints addresses. */
const char *
paddr_str(const struct paddr *a, char *buf, size_t len)
{
	char	 ip[INET6_ADDRSTRLEN];

	if ((a->family != 4 && a->family != 6) ||
	    inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, ip,
	    sizeof(ip)) == NULL) {
		strlcpy(buf, "unknown", len);
		return buf;
	}
	snprintf(buf, len, "%s port %u", ip, (unsigned)a->port);
	return buf;
}

/* A listening UDP socket from the parent; its index is its position. */
int
pkt_add_udp(struct pkt *p, int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (p->nudp == PKT_MAX_UDP)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		log_warn("%s: getsockname", __func__);
		return -1;
	}
	p->udp[p->nudp] = fd;
	p->udp_family[p->nudp] = ss.ss_family;
	p->nudp++;
	return 0;
}

void
pkt_set_device(struct pkt *p, int fd, int tap)
{
	p->devfd = fd;
	p->devtap = tap;
	p->overwrite_mac = tap && p->conf.mode == RMODE_ROUTER;
}

/* ---- the device --------------------------------------------------------- */

/*
 * A tun read put an IP packet of iplen bytes at buf + 14: put the
 * Ethernet header in front (zero MACs, type from the IP version), as
 * tincd's frames from a tun device look.  Returns the frame length, or -1
 * for anything that is not IPv4 or IPv6.
 */
ssize_t
pkt_tun_frame(uint8_t *buf, size_t iplen)
{
	if (iplen == 0)
		return -1;
	memset(buf, 0, 12);
	switch (buf[ROUTE_ETH_HLEN] >> 4) {
	case 4:
		buf[12] = 0x08;
		buf[13] = 0x00;
		break;
	case 6:
		buf[12] = 0x86;
		buf[13] = 0xdd;
		break;
	default:
		return -1;
	}
	return (ssize_t)(iplen + ROUTE_ETH_HLEN);
}

void
pkt_dev_write(struct pkt *p, const uint8_t *f, size_t len)
{
	struct iovec	 iov[2];
	uint8_t		 hdr[12];
	ssize_t		 n;

	if (p->devfd == -1 || len < ROUTE_ETH_HLEN) {
		p->stats.dropped++;
		return;
	}
	if (!p->devtap)
		n = write(p->devfd, f + ROUTE_ETH_HLEN, len - ROUTE_ETH_HLEN);
	else if (p->overwrite_mac && p->have_mymac) {
		/* to our interface, from the MAC our ARP answers gave out */
		memcpy(hdr, p->mymac, 6);
		memcpy(hdr + 6, p->mymac, 6);
		hdr[11] ^= 0xff;
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof(hdr);
		iov[1].iov_base = (void *)(f + 12);
		iov[1].iov_len = len - 12;
		n = writev(p->devfd, iov, 2);
	} else
		n = write(p->devfd, f, len);
	if (n == -1) {
		p->stats.dropped++;
		if (errno != EAGAIN && errno != EINTR && errno != ENOBUFS)
			log_warn("%s: write to the device", __func__);
		return;
	}
	p->stats.dev_out++;
	p->stats.dev_out_bytes += len;
}

/* A frame from our own device. */
void
pkt_dev_input(struct pkt *p, uint8_t *f, size_t len)
{
	p->stats.dev_in++;
	p->stats.dev_in_bytes += len;
	if (p->overwrite_mac && !p->have_mymac && len >= ROUTE_ETH_HLEN) {
		memcpy(p->mymac, f + 6, 6);
		p->have_mymac = 1;
	}
	pkt_route(p, p->self, f, len, 0);
}

/* Read a burst from the device; route each frame as it comes. */
void
pkt_dev_read(struct pkt *p)
{
	ssize_t	 n, len;
	int	 i;

	pkt_clock(p);
	for (i = 0; i < PKT_BATCH; i++) {
		if (p->devtap)
			n = read(p->devfd, p->ibuf, sizeof(p->ibuf));
		else
			n = read(p->devfd, p->ibuf + ROUTE_ETH_HLEN,
			    sizeof(p->ibuf) - ROUTE_ETH_HLEN);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("%s: read from the device", __func__);
			break;
		}
		if (n == 0)
			break;
		if (p->devtap)
			len = n;
		else
			len = pkt_tun_frame(p->ibuf, (size_t)n);
		if (len < 0 || len > MTU) {
			log_debug(DEBUG_TRAFFIC, "dropping a %zd byte frame "
			    "from the device", n);
			p->stats.dropped++;
			continue;
		}
		pkt_dev_input(p, p->ibuf, (size_t)len);
	}
	pkt_flush(p);
}

/* ---- UDP in ------------------------------------------------------------- */

void
pkt_udp_read(struct pkt *p, size_t sock)
{
	struct msghdr	*h;
	int		 i, n;

	pkt_clock(p);
	for (i = 0; i < PKT_BATCH; i++) {
		p->rxiov[i].iov_base = p->rx[i];
		p->rxiov[i].iov_len = sizeof(p->rx[i]);
		h = &p->rxmsg[i].msg_hdr;
		memset(h, 0, sizeof(*h));
		h->msg_iov = &p->rxiov[i];
		h->msg_iovlen = 1;
		h->msg_name = &p->rxfrom[i];
		h->msg_namelen = sizeof(p->rxfrom[i]);
	}
	n = recvmmsg(p->udp[sock], p->rxmsg, PKT_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_debug(DEBUG_TRAFFIC, "%s: recvmmsg: %s", __func__,
			    strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		h = &p->rxmsg[i].msg_hdr;
		if (h->msg_flags & MSG_TRUNC) {
			p->stats.udp_bad++;
			continue;
		}
		pkt_udp_input(p, sock, (struct sockaddr *)&p->rxfrom[i],
		    h->msg_namelen, p->rx[i], p->rxmsg[i].msg_len);
	}
	pkt_flush(p);
}

/* One datagram from sa on listening socket sock (spec 10.3, 10.9). */
void
pkt_udp_input(struct pkt *p, size_t sock, const struct sockaddr *sa,
    socklen_t salen, const uint8_t *d, size_t len)
{
	struct paddr	 from;
	struct pnode	*n;
	char		 a[PADDR_STRLEN];

	p->stats.udp_in++;
	p->stats.udp_in_bytes += len;
	if (paddr_from_sa(&from, sa, salen) == -1) {
		p->stats.udp_unknown++;
		return;
	}
	if ((n = pnode_find_addr(p, &from)) == NULL) {
		if ((n = pkt_try_harder(p, &from, d, len)) == NULL) {
			p->stats.udp_unknown++;
			if (log_getlevel() >= DEBUG_PROTOCOL)
				log_debug(DEBUG_PROTOCOL, "received UDP "
				    "packet from unknown source %s",
				    paddr_str(&from, a, sizeof(a)));
			return;
		}
		if (log_getlevel() >= DEBUG_PROTOCOL)
			log_debug(DEBUG_PROTOCOL, "UDP address of %s set to "
			    "%s", n->name, paddr_str(&from, a, sizeof(a)));
		pkt_node_set_addr(p, n, &from);
		if (p->ops->udp_addr != NULL)
			p->ops->udp_addr(p, n);
	}
	n->sock = (int)sock;
	pkt_udp_receive(p, n, d, len);
}

static void
pkt_probe_input(struct pkt *p, struct pnode *n, uint8_t *f, size_t len,
    int origlen)
{
	if (f[0] == 0) {
		log_debug(DEBUG_TRAFFIC, "got MTU probe request %zu from %s",
		    len, n->name);
		lprobe_make_reply(f, len);
		pkt_udp_send(p, n, f, len, -1);
		return;
	}
	log_debug(DEBUG_TRAFFIC, "got MTU probe reply %d from %s", origlen,
	    n->name);
	pmtu_reply(p, n, origlen > 0 ? origlen : 0);
}

/* An authenticated sender's datagram: open it and hand the frame on. */
void
pkt_udp_receive(struct pkt *p, struct pnode *n, const uint8_t *d,
    size_t len)
{
	uint8_t		*f = p->fbuf;
	uint32_t	 seqno;
	int		 r, origlen;

	if (!n->inkey) {
		log_debug(DEBUG_TRAFFIC, "got packet from %s but they "
		    "haven't got our key yet", n->name);
		p->stats.udp_bad++;
		return;
	}
	if ((r = ldgram_open(&n->in, d, len, &seqno, f, PKT_MAXSIZE)) < 0) {
		log_debug(DEBUG_TRAFFIC, "got %s from %s", n->in.err,
		    n->name);
		p->stats.udp_bad++;
		return;
	}
	if (replay_check(&n->replay, seqno) == -1) {
		log_debug(DEBUG_TRAFFIC, "got late or replayed packet from "
		    "%s, seqno %u, last received %u", n->name, seqno,
		    n->replay.rx);
		p->stats.udp_bad++;
		return;
	}
	if (replay_need_rekey(&n->replay) && !n->rekey_sent) {
		n->rekey_sent = 1;
		if (p->ops->rekey != NULL)
			p->ops->rekey(p);
	}
	origlen = r;
	if (n->in.compression != 0) {
		r = decompress_frame(p->comp, n->in.compression, f,
		    (size_t)r, p->dbuf, PKT_MAXSIZE);
		if (r < 0) {
			log_debug(DEBUG_TRAFFIC, "error while uncompressing "
			    "packet from %s", n->name);
			p->stats.udp_bad++;
			return;
		}
		f = p->dbuf;
		origlen -= PKT_COMPRESS_SLACK;
	}
	n->stats.in_udp++;
	n->stats.in_udp_bytes += (uint64_t)r;
	if (lprobe_is_probe(f, (size_t)r))
		pkt_probe_input(p, n, f, (size_t)r, origlen);
	else
		pkt_route(p, n, f, (size_t)r, 0);
}

/* ---- UDP out ------------------------------------------------------------ */

/* The socket n last sent to us on, or the first one of its family. */
static int
pkt_pick_sock(struct pkt *p, const struct pnode *n)
{
	int	 fam = n->addr.family == 4 ? AF_INET : AF_INET6;
	size_t	 i;

	if (n->sock >= 0 && (size_t)n->sock < p->nudp &&
	    p->udp_family[n->sock] == fam)
		return n->sock;
	for (i = 0; i < p->nudp; i++)
		if (p->udp_family[i] == fam)
			return (int)i;
	return -1;
}

/*
 * Seal frame f for n into the next transmit slot, addressed to `to`.
 * The compression and key are n's; the seqno is spent even if the
 * datagram cannot be sent (spec 10.2).
 */
static void
pkt_udp_seal(struct pkt *p, struct pnode *n, const uint8_t *f, size_t len,
    int prio, const struct sockaddr_storage *to, socklen_t tolen, int sock)
{
	struct pkt_txslot	*t;
	const uint8_t		*body = f;
	size_t			 blen = len;
	int			 r;

	if (n->out.compression != 0) {
		r = compress_frame(p->comp, n->out.compression, f, len,
		    p->cbuf, sizeof(p->cbuf));
		if (r < 0) {
			log_debug(DEBUG_TRAFFIC, "error while compressing "
			    "packet to %s", n->name);
			n->stats.dropped++;
			p->stats.dropped++;
			return;
		}
		body = p->cbuf;
		blen = (size_t)r;
	}
	if (p->ntx == PKT_BATCH)
		pkt_flush(p);
	t = &p->tx[p->ntx];
	n->seqno++;
	r = ldgram_seal(&n->out, n->seqno, body, blen, t->buf,
	    sizeof(t->buf));
	if (r < 0) {
		n->stats.dropped++;
		p->stats.dropped++;
		return;
	}
	memcpy(&t->to, to, tolen);
	t->tolen = tolen;
	t->sock = sock;
	t->node = n->id;
	t->flen = len;
	t->prio = prio;
	t->bcast = to != &n->sa;
	t->len = (size_t)r;
	p->ntx++;
	n->stats.out_udp++;
	n->stats.out_udp_bytes += len;
	p->stats.udp_out++;
	p->stats.udp_out_bytes += (uint64_t)r;
}

/* The send pipeline of spec 10.2, for frame f to node n (the "via"). */
void
pkt_udp_send(struct pkt *p, struct pnode *n, const uint8_t *f, size_t len,
    int prio)
{
	int	 sock;

	if (!n->reachable) {
		log_debug(DEBUG_TRAFFIC, "node %s is not reachable", n->name);
		n->stats.dropped++;
		p->stats.dropped++;
		return;
	}
	if (!n->validkey) {
		log_debug(DEBUG_TRAFFIC, "no valid key known yet for %s, "
		    "forwarding via TCP", n->name);
		pkt_need_key(p, n);
		pkt_tcp_send(p, n->nexthop, f, len);
		return;
	}
	if ((n->options & OPTION_PMTU_DISCOVERY) && len > (size_t)n->minmtu &&
	    !lprobe_is_probe(f, len)) {
		log_debug(DEBUG_TRAFFIC, "packet for %s (%zu bytes) larger "
		    "than minimum MTU, forwarding via %s", n->name, len,
		    n != n->nexthop ? "its nexthop" : "TCP");
		if (n != n->nexthop)
			pkt_send_packet(p, n->nexthop, (uint8_t *)f, len, 0,
			    prio);
		else
			pkt_tcp_send(p, n, f, len);
		return;
	}
	if (n->salen == 0 || (sock = pkt_pick_sock(p, n)) == -1) {
		log_debug(DEBUG_TRAFFIC, "no UDP address or socket for %s",
		    n->name);
		n->stats.dropped++;
		p->stats.dropped++;
		return;
	}
	pkt_udp_seal(p, n, f, len, prio, &n->sa, n->salen, sock);
}

/* A frame for the meta connection to via (or via's nexthop). */
void
pkt_tcp_send(struct pkt *p, struct pnode *via, const uint8_t *f,
    size_t len)
{
	struct pnode	*t = via;

	if (t != NULL && !t->conn)
		t = t->nexthop;
	/* a PACKET request carries at most MTU bytes (spec errata 1) */
	if (t == NULL || t == p->self || len == 0 || len > MTU) {
		p->stats.dropped++;
		return;
	}
	t->stats.out_tcp++;
	t->stats.out_tcp_bytes += len;
	p->stats.tcp_out++;
	if (p->ops->tcp_out != NULL)
		p->ops->tcp_out(p, t, f, len);
}

/* A frame meta got in a PACKET request from neighbour `from` (spec 9). */
void
pkt_tcp_input(struct pkt *p, struct pnode *from, const uint8_t *f,
    size_t len)
{
	if (len == 0 || len > PKT_MAXSIZE) {
		p->stats.dropped++;
		return;
	}
	memcpy(p->ibuf, f, len);
	p->stats.tcp_in++;
	from->stats.in_tcp++;
	from->stats.in_tcp_bytes += len;
	pkt_route(p, from, p->ibuf, len,
	    (from->options & OPTION_TCPONLY) ? 0 : 1);
}

/* A PMTU probe of len bytes to n; bcast: LocalDiscovery (spec 11.4). */
int
pkt_send_probe(struct pkt *p, struct pnode *n, int len, int bcast)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	size_t			 i, nv4 = 0, pick;

	if (lprobe_fill(p->pbuf, (size_t)len) == -1)
		return -1;
	log_debug(DEBUG_TRAFFIC, "sending MTU probe length %d to %s%s", len,
	    n->name, bcast ? " (local discovery)" : "");
	/* only IPv4 broadcasts: ff02::1 needs an interface we do not know */
	if (!bcast || n->addr.family != 4 || !n->validkey) {
		pkt_udp_send(p, n, p->pbuf, (size_t)len, -1);
		return 0;
	}
	for (i = 0; i < p->nudp; i++)
		if (p->udp_family[i] == AF_INET)
			nv4++;
	if (nv4 == 0)
		return -1;
	pick = arc4random_uniform((uint32_t)nv4);
	for (i = 0; i < p->nudp; i++)
		if (p->udp_family[i] == AF_INET && pick-- == 0)
			break;
	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
	sin->sin_port = htons(n->addr.port);
	pkt_udp_seal(p, n, p->pbuf, (size_t)len, -1, &ss, sizeof(*sin),
	    (int)i);
	return 0;
}

static void
pkt_tx_error(struct pkt *p, const struct pkt_txslot *t, int err)
{
	struct pnode	*n = pnode_find(p, t->node);

	p->stats.send_errors++;
	if (err == EMSGSIZE) {
		if (n != NULL)
			pmtu_emsgsize(p, n, t->flen);
		return;
	}
	/* a LAN broadcast often has no route; that is no news */
	if (err == EAGAIN || err == ENOBUFS || t->bcast ||
	    p->last_err_log == p->now)
		return;
	p->last_err_log = p->now;
	log_warnx("error sending packet to %s: %s", n != NULL ? n->name :
	    "?", strerror(err));
}

/* Control message carrying the inner packet's TOS (PriorityInheritance). */
static void
pkt_tx_prio(struct pkt *p, size_t i, struct msghdr *h)
{
	struct cmsghdr	*cm;
	int		 v = p->tx[i].prio;

	if (!p->conf.priority_inheritance || p->tx[i].prio < 0)
		return;
	h->msg_control = p->txcmsg[i];
	h->msg_controllen = CMSG_SPACE(sizeof(int));
	cm = CMSG_FIRSTHDR(h);
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	if (p->tx[i].to.ss_family == AF_INET) {
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_TOS;
	} else {
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_TCLASS;
	}
	memcpy(CMSG_DATA(cm), &v, sizeof(v));
}

/* sendmmsg the queue, one run of the same socket at a time. */
static void
pkt_flush_tx(struct pkt *p)
{
	struct msghdr	*h;
	size_t		 i, j, k;
	int		 r, sock;

	for (i = 0; i < p->ntx; i = j) {
		sock = p->tx[i].sock;
		for (j = i; j < p->ntx && p->tx[j].sock == sock; j++) {
			p->txiov[j].iov_base = p->tx[j].buf;
			p->txiov[j].iov_len = p->tx[j].len;
			h = &p->txmsg[j].msg_hdr;
			memset(h, 0, sizeof(*h));
			h->msg_name = &p->tx[j].to;
			h->msg_namelen = p->tx[j].tolen;
			h->msg_iov = &p->txiov[j];
			h->msg_iovlen = 1;
			pkt_tx_prio(p, j, h);
		}
		for (k = i; k < j; ) {
			r = sendmmsg(p->udp[sock], &p->txmsg[k],
			    (unsigned int)(j - k), 0);
			if (r > 0) {
				k += (size_t)r;
				continue;
			}
			if (r == -1 && errno == EINTR)
				continue;
			/* message k failed; a full buffer drops the run */
			pkt_tx_error(p, &p->tx[k], r == -1 ? errno : EIO);
			if (r == -1 && (errno == EAGAIN || errno == ENOBUFS)) {
				p->stats.dropped += j - k;
				k = j;
			} else
				k++;
		}
	}
	p->ntx = 0;
}

/* End of a burst: datagrams out, then whatever the ops queued. */
void
pkt_flush(struct pkt *p)
{
	if (p->ntx > 0)
		pkt_flush_tx(p);
	if (p->ops->flush != NULL)
		p->ops->flush(p);
}
