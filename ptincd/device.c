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
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/if_tun.h>
#endif

#include "device.h"
#include "log.h"

#ifdef __linux__
#define DEFAULT_DEVICE	"/dev/net/tun"
#endif

static const struct {
	const char	*name;
	int		 supported;
	enum device_type type;
} device_types[] = {
	{ "tun",	1, DEVICE_TUN },
	{ "tap",	1, DEVICE_TAP },
	{ "dummy",	1, DEVICE_DUMMY },
	{ "raw_socket",	0, DEVICE_DUMMY },
	{ "multicast",	0, DEVICE_DUMMY },
	{ "uml",	0, DEVICE_DUMMY },
	{ "vde",	0, DEVICE_DUMMY },
	{ "fd",		0, DEVICE_DUMMY },
};

int
device_parse_type(const char *s, enum device_type *type)
{
	size_t	 i;

	for (i = 0; i < sizeof(device_types) / sizeof(device_types[0]); i++) {
		if (strcasecmp(s, device_types[i].name) != 0)
			continue;
		if (!device_types[i].supported) {
			log_warnx("DeviceType %s is not supported by ptincd",
			    device_types[i].name);
			return -1;
		}
		*type = device_types[i].type;
		return 0;
	}
	log_warnx("unknown DeviceType %s", s);
	return -1;
}

const char *
device_type_name(enum device_type type)
{
	switch (type) {
	case DEVICE_TUN:
		return "tun";
	case DEVICE_TAP:
		return "tap";
	case DEVICE_DUMMY:
		return "dummy";
	}
	return "?";
}

/* Interface, else the netname; NULL lets the system choose. */
static const char *
device_wanted_name(const struct device_params *p)
{
	if (p->interface != NULL && p->interface[0] != '\0')
		return p->interface;
	if (p->netname != NULL && p->netname[0] != '\0')
		return p->netname;
	return NULL;
}

#ifdef __linux__
static int
device_open_os(const struct device_params *p, struct device *dev)
{
	struct ifreq	 ifr;
	const char	*want;
	int		 fd = -1;

	strlcpy(dev->path, p->device != NULL ? p->device : DEFAULT_DEVICE,
	    sizeof(dev->path));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_NO_PI;
	ifr.ifr_flags |= dev->type == DEVICE_TUN ? IFF_TUN : IFF_TAP;
	if (p->iff_one_queue)
		ifr.ifr_flags |= IFF_ONE_QUEUE;
	if ((want = device_wanted_name(p)) != NULL) {
		/* A too long Interface is an error; a netname is cut. */
		if (want == p->interface && strlen(want) >= IFNAMSIZ) {
			log_warnx("Interface name %s is longer than %d bytes",
			    want, IFNAMSIZ - 1);
			goto fail;
		}
		strlcpy(ifr.ifr_name, want, sizeof(ifr.ifr_name));
	}

	if ((fd = open(dev->path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		log_warn("cannot open %s", dev->path);
		goto fail;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		log_warn("cannot attach %s device %s to interface %s",
		    device_type_name(dev->type), dev->path,
		    ifr.ifr_name[0] != '\0' ? ifr.ifr_name : "(any)");
		goto fail;
	}
	/* The kernel writes back the name it used. */
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	strlcpy(dev->ifname, ifr.ifr_name, sizeof(dev->ifname));
	dev->fd = fd;
	return 0;
 fail:
	if (fd != -1)
		close(fd);
	return -1;
}
#endif /* __linux__ */

#ifdef __OpenBSD__
/*
 * OpenBSD has one node per interface: /dev/tunN, /dev/tapN.  Use Device
 * if given, else the node named after Interface, else the first free one.
 */
static int
device_try(struct device *dev, const char *path)
{
	const char	*base;
	int		 fd;

	if ((fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	strlcpy(dev->path, path, sizeof(dev->path));
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if (strlcpy(dev->ifname, base, sizeof(dev->ifname)) >=
	    sizeof(dev->ifname)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	dev->fd = fd;
	return 0;
}

static int
device_open_os(const struct device_params *p, struct device *dev)
{
	const char	*kind = dev->type == DEVICE_TUN ? "tun" : "tap";
	char		 path[PATH_MAX];
	int		 i;

	if (p->device != NULL) {
		if (device_try(dev, p->device) == -1) {
			log_warn("cannot open %s", p->device);
			return -1;
		}
	} else if (p->interface != NULL && p->interface[0] != '\0') {
		snprintf(path, sizeof(path), "/dev/%s", p->interface);
		if (device_try(dev, path) == -1) {
			log_warn("cannot open %s", path);
			return -1;
		}
	} else {
		for (i = 0; i < 256; i++) {
			snprintf(path, sizeof(path), "/dev/%s%d", kind, i);
			if (device_try(dev, path) == 0)
				break;
			if (errno != EBUSY && errno != ENXIO)
				break;
		}
		if (dev->fd == -1) {
			log_warn("cannot open a /dev/%s device", kind);
			return -1;
		}
	}
	/* OpenBSD tun(4) frames each packet with a 4-byte address family. */
	dev->af_header = dev->type == DEVICE_TUN;
	return 0;
}
#endif /* __OpenBSD__ */

#if !defined(__linux__) && !defined(__OpenBSD__)
static int
device_open_os(const struct device_params *p, struct device *dev)
{
	log_warnx("tun/tap devices are not supported on this system");
	return -1;
}
#endif

int
device_open(const struct device_params *p, struct device *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;

	if (p->type != NULL) {
		if (device_parse_type(p->type, &dev->type) == -1)
			return -1;
	} else
		dev->type = p->router_mode ? DEVICE_TUN : DEVICE_TAP;

	if (dev->type == DEVICE_DUMMY) {
		/* tincd names both the device and the interface "dummy". */
		strlcpy(dev->path, "dummy", sizeof(dev->path));
		strlcpy(dev->ifname, "dummy", sizeof(dev->ifname));
		log_info("dummy device: no traffic to or from the host");
		return 0;
	}
	if (device_open_os(p, dev) == -1)
		return -1;
	log_info("%s device %s is interface %s", device_type_name(dev->type),
	    dev->path, dev->ifname);
	return 0;
}

void
device_close(struct device *dev)
{
	if (dev->fd != -1)
		close(dev->fd);
	dev->fd = -1;
}
