/*
 * device.c: tun and tap devices opened in a network namespace of the
 * test's own (each test runs in a child process forked by check).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "log.h"

static char	 logbuf[8192];

static void
capture(int prio, const char *line, void *arg)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

/* A fresh network namespace, with /sys showing it. */
static void
fresh_netns(void)
{
	ck_assert_int_eq(unshare(CLONE_NEWNET | CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL),
	    0);
	ck_assert_int_eq(mount("sysfs", "/sys", "sysfs", 0, NULL), 0);
	logbuf[0] = '\0';
	log_set_sink(capture, NULL);
}

static int
sys_exists(const char *ifname)
{
	char		 path[256];
	struct stat	 st;

	snprintf(path, sizeof(path), "/sys/class/net/%s", ifname);
	return stat(path, &st) == 0;
}

static int
sys_type(const char *ifname)
{
	char	 path[256];
	FILE	*f;
	int	 type = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/type", ifname);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	return type;
}

static void
check_fd(int fd, short want)
{
	struct ifreq	 ifr;

	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	ck_assert_int_eq(ioctl(fd, TUNGETIFF, &ifr), 0);
	ck_assert_int_eq(ifr.ifr_flags & (IFF_TUN | IFF_TAP | IFF_NO_PI),
	    want);
}

/*
 * Route a datagram to 10.77.0.2 through the interface and read what the
 * device gives: without a packet-information header a tun fd starts with
 * the IPv4 header and a tap fd with the Ethernet header (ARP broadcast).
 */
static void
check_traffic(int fd, const char *ifname, int tap)
{
	struct ifreq		 ifr;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ifr.ifr_addr;
	struct pollfd		 pfd = { .fd = fd, .events = POLLIN };
	unsigned char		 buf[2048];
	ssize_t			 n;
	int			 s, i, found = 0;

	ck_assert_int_ge(s = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x0a4d0001);	/* 10.77.0.1 */
	ck_assert_int_eq(ioctl(s, SIOCSIFADDR, &ifr), 0);
	sin->sin_addr.s_addr = htonl(0xffffff00);
	ck_assert_int_eq(ioctl(s, SIOCSIFNETMASK, &ifr), 0);
	ck_assert_int_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(9);
	sin->sin_addr.s_addr = htonl(0x0a4d0002);	/* 10.77.0.2 */
	ck_assert_int_eq(sendto(s, "x", 1, 0, (struct sockaddr *)sin,
	    sizeof(*sin)), 1);
	for (i = 0; i < 50 && !found; i++) {
		if (poll(&pfd, 1, 40) != 1)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) < 20)
			continue;
		if (!tap)
			found = (buf[0] >> 4) == 4 && buf[16] == 10 &&
			    buf[17] == 77 && buf[18] == 0 && buf[19] == 2;
		else
			found = memcmp(buf, "\xff\xff\xff\xff\xff\xff", 6) ==
			    0 && buf[12] == 0x08 && buf[13] == 0x06;
	}
	close(s);
	ck_assert_msg(found, "no %s frame read from %s", tap ? "ARP" : "IPv4",
	    ifname);
}

START_TEST(test_tun_named)
{
	struct device_params	 p = { .type = "tun", .interface = "ptun7",
	    .netname = "ignored" };
	struct device		 dev;

	fresh_netns();
	ck_assert(!sys_exists("ptun7"));
	ck_assert_int_eq(device_open(&p, &dev), 0);
	ck_assert_int_eq(dev.type, DEVICE_TUN);
	ck_assert_str_eq(dev.ifname, "ptun7");
	ck_assert_str_eq(dev.path, "/dev/net/tun");
	check_fd(dev.fd, IFF_TUN | IFF_NO_PI);
	ck_assert(sys_exists("ptun7"));
	ck_assert_int_eq(sys_type("ptun7"), 65534);	/* ARPHRD_NONE */
	check_traffic(dev.fd, dev.ifname, 0);
	device_close(&dev);
	ck_assert_int_eq(dev.fd, -1);
	ck_assert(!sys_exists("ptun7"));
}
END_TEST

START_TEST(test_tap_named)
{
	struct device_params	 p = { .type = "TAP", .interface = "ptap3",
	    .router_mode = 1, .iff_one_queue = 1 };
	struct device		 dev;

	fresh_netns();
	ck_assert_int_eq(device_open(&p, &dev), 0);
	ck_assert_int_eq(dev.type, DEVICE_TAP);
	ck_assert_str_eq(dev.ifname, "ptap3");
	check_fd(dev.fd, IFF_TAP | IFF_NO_PI);
	ck_assert(sys_exists("ptap3"));
	ck_assert_int_eq(sys_type("ptap3"), 1);		/* ARPHRD_ETHER */
	check_traffic(dev.fd, dev.ifname, 1);
	device_close(&dev);
}
END_TEST

START_TEST(test_default_type_and_names)
{
	struct device_params	 p;
	struct device		 dev;

	fresh_netns();
	/* Router mode without DeviceType: tun, named after the netname. */
	memset(&p, 0, sizeof(p));
	p.router_mode = 1;
	p.netname = "vpnnet";
	ck_assert_int_eq(device_open(&p, &dev), 0);
	ck_assert_int_eq(dev.type, DEVICE_TUN);
	ck_assert_str_eq(dev.ifname, "vpnnet");
	check_fd(dev.fd, IFF_TUN | IFF_NO_PI);
	ck_assert(sys_exists("vpnnet"));
	device_close(&dev);

	/* Switch mode: tap; no name wanted: the kernel picks tapN. */
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(device_open(&p, &dev), 0);
	ck_assert_int_eq(dev.type, DEVICE_TAP);
	ck_assert_int_eq(strncmp(dev.ifname, "tap", 3), 0);
	check_fd(dev.fd, IFF_TAP | IFF_NO_PI);
	ck_assert(sys_exists(dev.ifname));
	device_close(&dev);

	/* A long netname is cut to what the kernel takes. */
	memset(&p, 0, sizeof(p));
	p.type = "tun";
	p.netname = "averyveryverylongnetname";
	ck_assert_int_eq(device_open(&p, &dev), 0);
	ck_assert_str_eq(dev.ifname, "averyveryverylo");
	ck_assert(sys_exists("averyveryverylo"));
	device_close(&dev);
}
END_TEST

START_TEST(test_bad_requests)
{
	struct device_params	 p;
	struct device		 dev;

	fresh_netns();
	memset(&p, 0, sizeof(p));
	p.type = "tun";
	p.interface = "sixteencharsname";
	ck_assert_int_eq(device_open(&p, &dev), -1);
	ck_assert_int_eq(dev.fd, -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "Interface name sixteencharsname"));

	p.interface = "a/b";
	ck_assert_int_eq(device_open(&p, &dev), -1);

	p.interface = NULL;
	p.device = "/nonexistent/tun";
	logbuf[0] = '\0';
	ck_assert_int_eq(device_open(&p, &dev), -1);
	ck_assert_ptr_nonnull(strstr(logbuf,
	    "cannot open /nonexistent/tun: No such file or directory"));
}
END_TEST

START_TEST(test_unsupported_types)
{
	static const char	*types[] = { "raw_socket", "multicast", "uml",
	    "vde", "fd" };
	struct device_params	 p;
	struct device		 dev;
	char			 want[128];
	size_t			 i;

	logbuf[0] = '\0';
	log_set_sink(capture, NULL);
	memset(&p, 0, sizeof(p));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		p.type = types[i];
		ck_assert_int_eq(device_open(&p, &dev), -1);
		ck_assert_int_eq(dev.fd, -1);
		snprintf(want, sizeof(want),
		    "DeviceType %s is not supported by ptincd\n", types[i]);
		ck_assert_ptr_nonnull(strstr(logbuf, want));
	}
	p.type = "bogus";
	ck_assert_int_eq(device_open(&p, &dev), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "unknown DeviceType bogus"));
}
END_TEST

START_TEST(test_dummy)
{
	struct device_params	 p = { .type = "dummy", .interface = "x" };
	struct device		 dev;

	log_set_sink(capture, NULL);
	ck_assert_int_eq(device_open(&p, &dev), 0);
	ck_assert_int_eq(dev.type, DEVICE_DUMMY);
	ck_assert_int_eq(dev.fd, -1);
	ck_assert_str_eq(dev.ifname, "dummy");
	ck_assert_str_eq(dev.path, "dummy");
	device_close(&dev);
	ck_assert_str_eq(device_type_name(DEVICE_TAP), "tap");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("device");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_tun_named);
	tcase_add_test(tc, test_tap_named);
	tcase_add_test(tc, test_default_type_and_names);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_unsupported_types);
	tcase_add_test(tc, test_dummy);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* The tests change namespaces: each must run in its own child. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
