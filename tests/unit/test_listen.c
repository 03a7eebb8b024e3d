/*
 * listen.c: TCP+UDP listening pairs.  Every test runs in a network
 * namespace of its own with lo up, in a child process forked by check.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

static char	 logbuf[16384];

static void
capture(int prio, const char *line, void *arg)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

static void
fresh_netns(void)
{
	struct ifreq	 ifr;
	int		 s;

	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	ck_assert_int_ge(s = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	ck_assert_int_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	logbuf[0] = '\0';
	log_set_sink(capture, NULL);
}

static int
sock_port(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int
sock_int(int fd, int level, int opt)
{
	int		 v = -1;
	socklen_t	 len = sizeof(v);

	ck_assert_int_eq(getsockopt(fd, level, opt, &v, &len), 0);
	return v;
}

/* Both sockets of l: right types, flags and options, on the same port. */
static int
check_pair(const struct listener *l, int family)
{
	int	 port;

	ck_assert_int_eq(l->sa.ss_family, family);
	ck_assert_int_eq(sock_int(l->tcp, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	ck_assert_int_eq(sock_int(l->udp, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	ck_assert_int_eq(sock_int(l->tcp, SOL_SOCKET, SO_ACCEPTCONN), 1);
	ck_assert(fcntl(l->tcp, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(l->udp, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(l->tcp, F_GETFD) & FD_CLOEXEC);
	ck_assert(fcntl(l->udp, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(sock_int(l->tcp, SOL_SOCKET, SO_REUSEADDR), 1);
	ck_assert_int_eq(sock_int(l->udp, SOL_SOCKET, SO_REUSEADDR), 1);
	ck_assert_int_eq(sock_int(l->udp, SOL_SOCKET, SO_BROADCAST), 1);
	if (family == AF_INET6) {
		ck_assert_int_eq(sock_int(l->tcp, IPPROTO_IPV6, IPV6_V6ONLY),
		    1);
		ck_assert_int_eq(sock_int(l->udp, IPPROTO_IPV6, IPV6_V6ONLY),
		    1);
	}
	port = sock_port(l->tcp);
	ck_assert_int_ne(port, 0);
	ck_assert_int_eq(sock_port(l->udp), port);
	return port;
}

START_TEST(test_loopback_port0)
{
	struct listen_addr	 a = { "127.0.0.1", NULL };
	struct listen_params	 p = { .addrs = &a, .naddrs = 1, .port = "0" };
	struct listeners	 ls;
	struct sockaddr_in	 sin;
	char			 want[16];
	int			 port, c;

	fresh_netns();
	ck_assert_int_eq(listen_open(&p, &ls), 0);
	ck_assert_int_eq(ls.n, 1);
	port = check_pair(&ls.l[0], AF_INET);
	snprintf(want, sizeof(want), "%d", port);
	ck_assert_str_eq(ls.port, want);
	memcpy(&sin, &ls.l[0].sa, sizeof(sin));
	ck_assert_int_eq(ntohs(sin.sin_port), port);
	ck_assert_str_eq(inet_ntoa(sin.sin_addr), "127.0.0.1");

	/* It really listens. */
	ck_assert_int_ge(c = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	close(c);
	listen_close(&ls);
	ck_assert_int_eq(ls.n, 0);
}
END_TEST

START_TEST(test_wildcard_two_pairs)
{
	struct listen_params	 p = { .port = "0" };
	struct listeners	 ls;
	int			 port;

	fresh_netns();
	ck_assert_int_eq(listen_open(&p, &ls), 0);
	ck_assert_int_eq(ls.n, 2);
	/* getaddrinfo lists 0.0.0.0 before :: for a passive wildcard. */
	port = check_pair(&ls.l[0], AF_INET);
	ck_assert_int_eq(check_pair(&ls.l[1], AF_INET6), port);
	listen_close(&ls);

	/* AddressFamily = ipv6 */
	p.family = AF_INET6;
	ck_assert_int_eq(listen_open(&p, &ls), 0);
	ck_assert_int_eq(ls.n, 1);
	check_pair(&ls.l[0], AF_INET6);
	listen_close(&ls);
}
END_TEST

START_TEST(test_default_port)
{
	struct listen_addr	 a = { "*", NULL };
	struct listen_params	 p = { .addrs = &a, .naddrs = 1,
	    .family = AF_INET };
	struct listeners	 ls;

	fresh_netns();
	ck_assert_int_eq(listen_open(&p, &ls), 0);
	ck_assert_int_eq(ls.n, 1);
	ck_assert_int_eq(check_pair(&ls.l[0], AF_INET), 655);
	ck_assert_str_eq(ls.port, "655");
	listen_close(&ls);
}
END_TEST

START_TEST(test_several_entries)
{
	struct listen_addr	 a[] = { { "127.0.0.1", NULL }, { "::1", NULL },
	    { "127.0.0.2", "7001" } };
	struct listen_params	 p = { .addrs = a, .naddrs = 3, .port = "0",
	    .pmtu_discovery = 1, .udp_rcvbuf = 200000, .udp_sndbuf = 100000,
	    .bind_iface = "lo" };
	struct listeners	 ls;
	char			 dev[IFNAMSIZ];
	socklen_t		 len;
	int			 port, i;

	fresh_netns();
	ck_assert_int_eq(listen_open(&p, &ls), 0);
	ck_assert_int_eq(ls.n, 3);
	/* Every entry that asked for port 0 shares the first one's port. */
	port = check_pair(&ls.l[0], AF_INET);
	ck_assert_int_eq(check_pair(&ls.l[1], AF_INET6), port);
	ck_assert_int_eq(check_pair(&ls.l[2], AF_INET), 7001);
	ck_assert_int_eq(atoi(ls.port), port);

	ck_assert_int_eq(sock_int(ls.l[0].udp, IPPROTO_IP, IP_MTU_DISCOVER),
	    IP_PMTUDISC_DO);
	ck_assert_int_eq(sock_int(ls.l[1].udp, IPPROTO_IPV6,
	    IPV6_MTU_DISCOVER), IPV6_PMTUDISC_DO);
	/* Linux doubles the value it was given. */
	ck_assert_int_ge(sock_int(ls.l[0].udp, SOL_SOCKET, SO_RCVBUF), 200000);
	ck_assert_int_ge(sock_int(ls.l[0].udp, SOL_SOCKET, SO_SNDBUF), 100000);
	for (i = 0; i < ls.n; i++) {
		len = sizeof(dev);
		memset(dev, 0, sizeof(dev));
		ck_assert_int_eq(getsockopt(ls.l[i].tcp, SOL_SOCKET,
		    SO_BINDTODEVICE, dev, &len), 0);
		ck_assert_str_eq(dev, "lo");
		len = sizeof(dev);
		memset(dev, 0, sizeof(dev));
		ck_assert_int_eq(getsockopt(ls.l[i].udp, SOL_SOCKET,
		    SO_BINDTODEVICE, dev, &len), 0);
		ck_assert_str_eq(dev, "lo");
	}
	listen_close(&ls);
}
END_TEST

START_TEST(test_no_pmtu)
{
	struct listen_addr	 a = { "127.0.0.1", "0" };
	struct listen_params	 p = { .addrs = &a, .naddrs = 1 };
	struct listeners	 ls;

	fresh_netns();
	ck_assert_int_eq(listen_open(&p, &ls), 0);
	ck_assert_int_ne(sock_int(ls.l[0].udp, IPPROTO_IP, IP_MTU_DISCOVER),
	    IP_PMTUDISC_DO);
	listen_close(&ls);
}
END_TEST

START_TEST(test_address_in_use)
{
	struct listen_addr	 a = { "127.0.0.1", NULL };
	struct listen_params	 p = { .addrs = &a, .naddrs = 1, .port = "0" };
	struct listeners	 ls, ls2;
	char			 port[16], want[128];

	fresh_netns();
	ck_assert_int_eq(listen_open(&p, &ls), 0);
	strlcpy(port, ls.port, sizeof(port));
	p.port = port;
	logbuf[0] = '\0';
	ck_assert_int_eq(listen_open(&p, &ls2), -1);
	ck_assert_int_eq(ls2.n, 0);
	snprintf(want, sizeof(want),
	    "cannot bind to 127.0.0.1 port %s: Address already in use\n", port);
	ck_assert_ptr_nonnull(strstr(logbuf, want));
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "unable to create any listening socket"));
	listen_close(&ls);
}
END_TEST

START_TEST(test_udp_in_use)
{
	struct listen_addr	 a = { "127.0.0.1", "0" };
	struct listen_params	 p = { .addrs = &a, .naddrs = 1 };
	struct listeners	 ls;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 port[16], want[128];
	int			 u;

	fresh_netns();
	/* Hold a UDP port; the TCP port of the same number is free. */
	ck_assert_int_ge(u = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(u, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(u, (struct sockaddr *)&sin, &len), 0);
	snprintf(port, sizeof(port), "%d", ntohs(sin.sin_port));
	a.port = port;
	ck_assert_int_eq(listen_open(&p, &ls), -1);
	snprintf(want, sizeof(want),
	    "cannot bind UDP socket to 127.0.0.1 port %s: Address already in use",
	    port);
	ck_assert_ptr_nonnull(strstr(logbuf, want));

	/* The TCP listener of the failed pair was closed again. */
	close(u);
	ck_assert_int_eq(listen_open(&p, &ls), 0);
	ck_assert_int_eq(check_pair(&ls.l[0], AF_INET), atoi(port));
	listen_close(&ls);
}
END_TEST

START_TEST(test_v6_failure_not_fatal)
{
	struct listen_params	 p = { .port = "0" };
	struct listeners	 ls;
	struct sockaddr_in6	 sin6;
	socklen_t		 len = sizeof(sin6);
	char			 port[16], want[128];
	int			 t, on = 1;

	fresh_netns();
	/* Someone else holds [::]:P (TCP, v6 only); 0.0.0.0:P is free. */
	ck_assert_int_ge(t = socket(AF_INET6, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(setsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &on,
	    sizeof(on)), 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ck_assert_int_eq(bind(t, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	ck_assert_int_eq(listen(t, 1), 0);
	ck_assert_int_eq(getsockname(t, (struct sockaddr *)&sin6, &len), 0);
	snprintf(port, sizeof(port), "%d", ntohs(sin6.sin6_port));
	p.port = port;

	ck_assert_int_eq(listen_open(&p, &ls), 0);
	ck_assert_int_eq(ls.n, 1);
	ck_assert_int_eq(check_pair(&ls.l[0], AF_INET), atoi(port));
	snprintf(want, sizeof(want), "cannot bind to :: port %s: ", port);
	ck_assert_ptr_nonnull(strstr(logbuf, want));
	listen_close(&ls);
	close(t);
}
END_TEST

START_TEST(test_bad_addresses)
{
	struct listen_addr	 a = { "no.such.host.invalid", "655" };
	struct listen_addr	 b = { "192.0.2.1", "655" };
	struct listen_addr	 c = { "::1", "655" };
	struct listen_params	 p = { .addrs = &a, .naddrs = 1 };
	struct listeners	 ls;

	fresh_netns();
	ck_assert_int_eq(listen_open(&p, &ls), -1);
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "cannot resolve no.such.host.invalid port 655"));

	/* Not a local address. */
	p.addrs = &b;
	ck_assert_int_eq(listen_open(&p, &ls), -1);
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "cannot bind to 192.0.2.1 port 655: Cannot assign requested"));

	/* An IPv6 address with AddressFamily = ipv4. */
	p.addrs = &c;
	p.family = AF_INET;
	ck_assert_int_eq(listen_open(&p, &ls), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "cannot resolve ::1 port 655"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("listen");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_loopback_port0);
	tcase_add_test(tc, test_wildcard_two_pairs);
	tcase_add_test(tc, test_default_port);
	tcase_add_test(tc, test_several_entries);
	tcase_add_test(tc, test_no_pmtu);
	tcase_add_test(tc, test_address_in_use);
	tcase_add_test(tc, test_udp_in_use);
	tcase_add_test(tc, test_v6_failure_not_fatal);
	tcase_add_test(tc, test_bad_addresses);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* The tests change namespaces: each must run in its own child. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
