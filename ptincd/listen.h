/*
 * Listening sockets: one TCP listener and one UDP socket per local
 * address, both on the same address and port (tincd's listening pairs).
 *
 * Every BindToAddress entry (or one wildcard entry when there is none)
 * is resolved with AI_PASSIVE and the configured address family, and each
 * address it gives becomes a pair.  A failing address is logged, naming it,
 * and skipped; listen_open fails only when no pair at all could be made, as
 * tincd does.  So the default wildcard gives 0.0.0.0 and :: where IPv6
 * works, and just 0.0.0.0 where it does not.
 *
 * Port "0" asks the system for a port: the first TCP listener gets one, its
 * UDP socket and every later pair that also asked for port 0 use that same
 * port.  The port of the first pair is "my port" (decimal), announced to
 * peers.
 *
 * The TCP backlog is LISTEN_BACKLOG (tincd uses 3; ptincd's meta worker
 * accepts in bursts and a larger queue costs nothing).
 */
#ifndef PTINC_LISTEN_H
#define PTINC_LISTEN_H

#include <sys/socket.h>
#include <netdb.h>

#define MAX_LISTENERS	128
#define LISTEN_BACKLOG	16

struct listen_addr {
	const char	*host;		/* NULL or "*": wildcard */
	const char	*port;		/* NULL: listen_params.port */
};

struct listen_params {
	const struct listen_addr *addrs;	/* NULL/0: one wildcard entry */
	size_t		 naddrs;
	int		 family;	/* AF_UNSPEC, AF_INET or AF_INET6 */
	const char	*port;		/* Port; NULL: "655" */
	const char	*bind_iface;	/* BindToInterface, or NULL */
	int		 pmtu_discovery;	/* set don't-fragment on UDP */
	int		 udp_rcvbuf;	/* UDPRcvBuf; 0: system default */
	int		 udp_sndbuf;	/* UDPSndBuf; 0: system default */
};

struct listener {
	int			 tcp;
	int			 udp;
	struct sockaddr_storage	 sa;	/* bound address, real port */
	socklen_t		 salen;
};

struct listeners {
	struct listener	 l[MAX_LISTENERS];
	int		 n;
	char		 port[NI_MAXSERV];	/* "my port", decimal */
};

/* Non-blocking, close-on-exec sockets.  0, or -1 after logging why. */
int	 listen_open(const struct listen_params *, struct listeners *);
void	 listen_close(struct listeners *);

#endif
