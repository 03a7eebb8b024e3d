/*
 * The virtual network device, opened by the parent and handed to the
 * packet worker.
 *
 * Linux: Device (default /dev/net/tun) is opened and attached with
 * TUNSETIFF.  Both kinds are opened with IFF_NO_PI:
 *   tun  IFF_TUN: the fd carries bare IP packets.  tincd 1.0 reads a
 *        packet-information header instead; ptincd's packet worker puts
 *        the Ethernet header of the frame together itself (zero MACs,
 *        ethertype from the IP version nibble) and strips it on write,
 *        which gives the same frames on the wire.
 *   tap  IFF_TAP: the fd carries whole Ethernet frames.
 * The requested interface name is Interface, else the netname (cut to
 * IFNAMSIZ - 1 bytes, as tincd does), else the kernel picks one.
 *
 * OpenBSD: /dev/tunN or /dev/tapN; the interface is named after the
 * device node.  A tun fd there carries a 4-byte address family header in
 * front of each packet (see struct device.af_header).
 *
 * DeviceType dummy gives a valid device without a descriptor (fd -1).
 */
#ifndef PTINC_DEVICE_H
#define PTINC_DEVICE_H

#include <limits.h>
#include <net/if.h>

enum device_type {
	DEVICE_TUN,
	DEVICE_TAP,
	DEVICE_DUMMY,
};

struct device_params {
	const char	*device;	/* Device, or NULL for the default */
	const char	*type;		/* DeviceType, or NULL */
	const char	*interface;	/* Interface, or NULL */
	const char	*netname;	/* NULL or "" when there is none */
	int		 router_mode;	/* Mode = router: default type tun */
	int		 iff_one_queue;	/* IffOneQueue (Linux only) */
};

struct device {
	int			 fd;		/* -1 for dummy */
	enum device_type	 type;
	int			 af_header;	/* OpenBSD tun: 4-byte AF */
	char			 ifname[IFNAMSIZ];	/* INTERFACE */
	char			 path[PATH_MAX];	/* DEVICE */
};

/* DeviceType string to type; logs and returns -1 if unknown/unsupported. */
int	 device_parse_type(const char *, enum device_type *);
const char *device_type_name(enum device_type);

/* Non-blocking and close-on-exec.  0, or -1 after logging why. */
int	 device_open(const struct device_params *, struct device *);
void	 device_close(struct device *);

#endif
