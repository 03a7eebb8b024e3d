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
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "ptinc.h"

/* Numeric "address" and "port" of sa, for messages. */
static void
listen_fmt(const struct sockaddr *sa, socklen_t salen, char *host,
    size_t hostsz, char *port, size_t portsz)
{
	if (getnameinfo(sa, salen, host, hostsz, port, portsz,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		strlcpy(host, "?", hostsz);
		strlcpy(port, "?", portsz);
	}
}

static in_port_t
listen_getport(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_port;
	return ((const struct sockaddr_in6 *)ss)->sin6_port;
}

static void
listen_setport(struct sockaddr_storage *ss, in_port_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = port;
	else
		((struct sockaddr_in6 *)ss)->sin6_port = port;
}

static int
listen_setint(int fd, int level, int opt, int val, const char *what)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) == -1) {
		log_warn("setsockopt %s", what);
		return -1;
	}
	return 0;
}

/* Options both sockets of a pair get. */
static int
listen_common(int fd, int family, const struct listen_params *p)
{
	if (listen_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1,
	    "SO_REUSEADDR") == -1)
		return -1;
	if (family == AF_INET6 && listen_setint(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, 1, "IPV6_V6ONLY") == -1)
		return -1;
	if (p->bind_iface != NULL && p->bind_iface[0] != '\0') {
#ifdef SO_BINDTODEVICE
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->bind_iface,
		    strlen(p->bind_iface)) == -1) {
			log_warn("cannot bind to interface %s", p->bind_iface);
			return -1;
		}
#else
		log_warnx("BindToInterface is not supported on this system");
		return -1;
#endif
	}
	return 0;
}

/* Don't-fragment for path MTU discovery. */
static int
listen_pmtu(int fd, int family)
{
	if (family == AF_INET) {
#if defined(IP_MTU_DISCOVER) && defined(IP_PMTUDISC_DO)
		return listen_setint(fd, IPPROTO_IP, IP_MTU_DISCOVER,
		    IP_PMTUDISC_DO, "IP_MTU_DISCOVER");
#elif defined(IP_DONTFRAG)
		return listen_setint(fd, IPPROTO_IP, IP_DONTFRAG, 1,
		    "IP_DONTFRAG");
#endif
	} else {
#if defined(IPV6_MTU_DISCOVER) && defined(IPV6_PMTUDISC_DO)
		return listen_setint(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
		    IPV6_PMTUDISC_DO, "IPV6_MTU_DISCOVER");
#elif defined(IPV6_DONTFRAG)
		return listen_setint(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1,
		    "IPV6_DONTFRAG");
#endif
	}
	return 0;
}

static int
listen_tcp(const struct listen_params *p, struct listener *l,
    const char *host, const char *port)
{
	int	 fd, family = l->sa.ss_family;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (fd == -1) {
		log_warn("cannot create TCP socket for %s port %s", host,
		    port);
		return -1;
	}
	if (listen_common(fd, family, p) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&l->sa, l->salen) == -1) {
		log_warn("cannot bind to %s port %s", host, port);
		goto fail;
	}
	if (listen(fd, LISTEN_BACKLOG) == -1) {
		log_warn("cannot listen on %s port %s", host, port);
		goto fail;
	}
	/* Learn the port the system chose for port 0. */
	l->salen = sizeof(l->sa);
	if (getsockname(fd, (struct sockaddr *)&l->sa, &l->salen) == -1) {
		log_warn("getsockname %s port %s", host, port);
		goto fail;
	}
	l->tcp = fd;
	return 0;
 fail:
	close(fd);
	return -1;
}

static int
listen_udp(const struct listen_params *p, struct listener *l,
    const char *host, const char *port)
{
	int	 fd, family = l->sa.ss_family;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_UDP);
	if (fd == -1) {
		log_warn("cannot create UDP socket for %s port %s", host,
		    port);
		return -1;
	}
	if (listen_common(fd, family, p) == -1)
		goto fail;
	if (listen_setint(fd, SOL_SOCKET, SO_BROADCAST, 1,
	    "SO_BROADCAST") == -1)
		goto fail;
	/* Buffer sizes are a wish: the system may cap them; keep going. */
	if (p->udp_rcvbuf > 0)
		(void)listen_setint(fd, SOL_SOCKET, SO_RCVBUF, p->udp_rcvbuf,
		    "SO_RCVBUF");
	if (p->udp_sndbuf > 0)
		(void)listen_setint(fd, SOL_SOCKET, SO_SNDBUF, p->udp_sndbuf,
		    "SO_SNDBUF");
	if (p->pmtu_discovery && listen_pmtu(fd, family) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&l->sa, l->salen) == -1) {
		log_warn("cannot bind UDP socket to %s port %s", host, port);
		goto fail;
	}
	l->udp = fd;
	return 0;
 fail:
	close(fd);
	return -1;
}

/* One TCP+UDP pair on ai, or -1 (logged). */
static int
listen_pair(const struct listen_params *p, const struct addrinfo *ai,
    in_port_t *zeroport, struct listener *l)
{
	char	 host[NI_MAXHOST], port[NI_MAXSERV];
	int	 wantzero;

	memset(l, 0, sizeof(*l));
	l->tcp = l->udp = -1;
	if (ai->ai_addrlen > sizeof(l->sa))
		return -1;
	memcpy(&l->sa, ai->ai_addr, ai->ai_addrlen);
	l->salen = ai->ai_addrlen;
	wantzero = listen_getport(&l->sa) == 0;
	if (wantzero && *zeroport != 0)
		listen_setport(&l->sa, *zeroport);
	listen_fmt((struct sockaddr *)&l->sa, l->salen, host, sizeof(host),
	    port, sizeof(port));

	if (listen_tcp(p, l, host, port) == -1)
		return -1;
	/* The UDP socket goes on the port the TCP listener really got. */
	listen_fmt((struct sockaddr *)&l->sa, l->salen, host, sizeof(host),
	    port, sizeof(port));
	if (listen_udp(p, l, host, port) == -1) {
		close(l->tcp);
		l->tcp = -1;
		return -1;
	}
	if (wantzero && *zeroport == 0)
		*zeroport = listen_getport(&l->sa);
	log_debug(DEBUG_CONNECTIONS, "listening on %s port %s", host, port);
	return 0;
}

/* Pairs for every address one BindToAddress entry resolves to. */
static void
listen_entry(const struct listen_params *p, const struct listen_addr *a,
    in_port_t *zeroport, struct listeners *out)
{
	struct addrinfo	 hints, *res, *ai;
	const char	*host = a->host, *port = a->port;
	int		 error;

	if (host != NULL && (host[0] == '\0' || strcmp(host, "*") == 0))
		host = NULL;
	if (port == NULL)
		port = p->port != NULL ? p->port : DEFAULT_PORT;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = p->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_PASSIVE;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_warnx("cannot resolve %s port %s: %s",
		    host != NULL ? host : "*", port, gai_strerror(error));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (out->n >= MAX_LISTENERS) {
			log_warnx("too many listening addresses, at most %d",
			    MAX_LISTENERS);
			break;
		}
		if (listen_pair(p, ai, zeroport, &out->l[out->n]) == 0)
			out->n++;
	}
	freeaddrinfo(res);
}

int
listen_open(const struct listen_params *p, struct listeners *out)
{
	static const struct listen_addr	 wildcard = { NULL, NULL };
	const struct listen_addr	*addrs = p->addrs;
	size_t				 i, naddrs = p->naddrs;
	in_port_t			 zeroport = 0;
	char				 host[NI_MAXHOST];

	memset(out, 0, sizeof(*out));
	if (addrs == NULL || naddrs == 0) {
		addrs = &wildcard;
		naddrs = 1;
	}
	for (i = 0; i < naddrs && out->n < MAX_LISTENERS; i++)
		listen_entry(p, &addrs[i], &zeroport, out);
	if (out->n == 0) {
		log_warnx("unable to create any listening socket");
		return -1;
	}
	listen_fmt((struct sockaddr *)&out->l[0].sa, out->l[0].salen, host,
	    sizeof(host), out->port, sizeof(out->port));
	return 0;
}

void
listen_close(struct listeners *ls)
{
	int	 i;

	for (i = 0; i < ls->n; i++) {
		if (ls->l[i].tcp != -1)
			close(ls->l[i].tcp);
		if (ls->l[i].udp != -1)
			close(ls->l[i].udp);
		ls->l[i].tcp = ls->l[i].udp = -1;
	}
	ls->n = 0;
}
