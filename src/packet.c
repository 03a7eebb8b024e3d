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
 * The packet worker: owns the TUN/TAP descriptor and the UDP sockets.
 * Everything here is sized once at start-up; the loop allocates nothing.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "worker.h"

#define PKT_MAX_UDP	128
#define PKT_BATCH	32
#define PKT_BUFSZ	2048

static int		 pkt_tun = -1;
static char		 pkt_ifname[64];
static uint8_t		 pkt_devtype, pkt_mode;
static int		 pkt_udp[PKT_MAX_UDP];
static size_t		 pkt_nudp;
static struct chan	 pkt_keys, pkt_meta;

static struct {
	unsigned long long	 tun_in_frames, tun_in_bytes;
	unsigned long long	 udp_in_dgrams, udp_in_bytes;
	unsigned long long	 dropped;
} pkt_stats;

/* Receive buffers for one batch, allocated in .bss, never per packet. */
static uint8_t		 pkt_buf[PKT_BATCH][PKT_BUFSZ];
static struct mmsghdr	 pkt_msgs[PKT_BATCH];
static struct iovec	 pkt_iov[PKT_BATCH];
static struct sockaddr_storage pkt_from[PKT_BATCH];

static int
pkt_init_tun(struct imsg *im, void *arg)
{
	if (imsg_get_u8(im, &pkt_devtype) == -1 ||
	    imsg_get_u8(im, &pkt_mode) == -1 ||
	    imsg_get_str(im, pkt_ifname, sizeof(pkt_ifname)) == -1 ||
	    imsg_get_end(im) == -1)
		return -1;
	if (pkt_tun != -1)
		return -1;
	pkt_tun = imsg_take_fd(im);
	return 0;
}

static int
pkt_init_udp(struct imsg *im, void *arg)
{
	uint32_t	 idx;
	int		 fd;

	if (imsg_get_u32(im, &idx) == -1 || imsg_get_end(im) == -1)
		return -1;
	if ((fd = imsg_take_fd(im)) == -1)
		return -1;
	if (pkt_nudp == PKT_MAX_UDP) {
		close(fd);
		return -1;
	}
	pkt_udp[pkt_nudp++] = fd;
	return 0;
}

static int
pkt_init_done(struct imsg *im, void *arg)
{
	return imsg_get_end(im);
}

static const struct imsg_handler pkt_start_tab[] = {
	{ IMSG_INIT, 16, 1024, 1u << ROLE_PARENT, 0, worker_handle_init },
	{ IMSG_INIT_TUN, 4, 128, 1u << ROLE_PARENT, 1, pkt_init_tun },
	{ IMSG_INIT_UDP, 4, 4, 1u << ROLE_PARENT, 1, pkt_init_udp },
	{ IMSG_INIT_DONE, 0, 0, 1u << ROLE_PARENT, 0, pkt_init_done },
};

/* Frames from the kernel: nowhere to route them until the wire exists. */
static void
pkt_tun_read(int fd, short revents, void *arg)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < PKT_BATCH; i++) {
		n = read(fd, pkt_buf[0], PKT_BUFSZ);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("%s: read from %s", __func__,
				    pkt_ifname);
			return;
		}
		if (n == 0)
			return;
		pkt_stats.tun_in_frames++;
		pkt_stats.tun_in_bytes += (unsigned long long)n;
		pkt_stats.dropped++;
		log_debug(DEBUG_TRAFFIC, "dropping %zd byte frame from %s: "
		    "no route", n, pkt_ifname);
	}
}

static void
pkt_udp_read(int fd, short revents, void *arg)
{
	int	 i, n;

	for (i = 0; i < PKT_BATCH; i++) {
		pkt_iov[i].iov_base = pkt_buf[i];
		pkt_iov[i].iov_len = PKT_BUFSZ;
		memset(&pkt_msgs[i].msg_hdr, 0, sizeof(pkt_msgs[i].msg_hdr));
		pkt_msgs[i].msg_hdr.msg_iov = &pkt_iov[i];
		pkt_msgs[i].msg_hdr.msg_iovlen = 1;
		pkt_msgs[i].msg_hdr.msg_name = &pkt_from[i];
		pkt_msgs[i].msg_hdr.msg_namelen = sizeof(pkt_from[i]);
	}
	if ((n = recvmmsg(fd, pkt_msgs, PKT_BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		pkt_stats.udp_in_dgrams++;
		pkt_stats.udp_in_bytes += pkt_msgs[i].msg_len;
		pkt_stats.dropped++;
	}
}

static int
pkt_dump(struct imsg *im, void *arg)
{
	uint8_t	 what;

	if (imsg_get_u8(im, &what) == -1 || imsg_get_end(im) == -1)
		return -1;
	log_info("device %s: %llu frames (%llu bytes) in; udp: %llu "
	    "datagrams (%llu bytes) in; %llu dropped", pkt_ifname,
	    pkt_stats.tun_in_frames, pkt_stats.tun_in_bytes,
	    pkt_stats.udp_in_dgrams, pkt_stats.udp_in_bytes,
	    pkt_stats.dropped);
	return 0;
}

static int
pkt_noop(struct imsg *im, void *arg)
{
	return 0;
}

static const struct imsg_handler pkt_parent_tab[] = {
	{ IMSG_DUMP, 1, 1, 1u << ROLE_PARENT, 0, pkt_dump },
	{ IMSG_DEBUG, 1, 1, 1u << ROLE_PARENT, 0, worker_handle_debug },
	{ IMSG_RECONF, 4, 4, 1u << ROLE_PARENT, 0, pkt_noop },
};

static const struct imsg_handler pkt_keys_tab[] = {
	{ IMSG_KEYS_REPLY, 1, 1024, 1u << ROLE_KEYS, 0, pkt_noop },
};

static const struct imsg_handler pkt_meta_tab[] = {
	{ IMSG_LOG, 2, 4096, 0, 0, pkt_noop },	/* nothing yet */
};

static void
pkt_peer_lost(struct chan *c, const char *why)
{
	fatalx("channel to %s: %s", role_name(c->peer), why);
}

void
packet_main(void)
{
	size_t	 i;

	worker_start(ROLE_PACKET, pkt_start_tab,
	    sizeof(pkt_start_tab) / sizeof(pkt_start_tab[0]));
	chan_init(&pkt_keys, FD_PEER_A, ROLE_KEYS, IMSG_MAX_DEFAULT, 0,
	    pkt_keys_tab, sizeof(pkt_keys_tab) / sizeof(pkt_keys_tab[0]),
	    NULL, pkt_peer_lost);
	chan_init(&pkt_meta, FD_PEER_B, ROLE_META, IMSG_MAX_PACKET, 0,
	    pkt_meta_tab, sizeof(pkt_meta_tab) / sizeof(pkt_meta_tab[0]),
	    NULL, pkt_peer_lost);
	if (pkt_tun != -1 && ev_add(pkt_tun, POLLIN, pkt_tun_read, NULL) == -1)
		fatal("%s: ev_add", __func__);
	for (i = 0; i < pkt_nudp; i++)
		if (ev_add(pkt_udp[i], POLLIN, pkt_udp_read, NULL) == -1)
			fatal("%s: ev_add", __func__);
	worker_sandbox(ROLE_PACKET, pkt_parent_tab,
	    sizeof(pkt_parent_tab) / sizeof(pkt_parent_tab[0]), NULL);
	if (ev_loop() == -1)
		fatalx("event loop failed");
	_exit(0);
}
