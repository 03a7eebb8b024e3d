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
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "ptinc.h"

static char		 lastlog[4096];
static int		 sv[2];
static struct imsgchan	 tx, rx;

static void
capture(int prio, const char *line, void *arg)
{
	(void)prio; (void)arg;
	strlcpy(lastlog, line, sizeof(lastlog));
}

static void
mkpair(size_t txmax, int txfd, size_t rxmax, int rxfd)
{
	ck_assert_int_eq(socketpair(AF_UNIX,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	imsgchan_init(&tx, sv[0], txmax, txfd);
	imsgchan_init(&rx, sv[1], rxmax, rxfd);
}

static void
closepair(void)
{
	imsgchan_clear(&tx);
	imsgchan_clear(&rx);
	close(sv[0]);
	close(sv[1]);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
raw_hdr(uint8_t *p, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t flags)
{
	put32(p, type);
	put32(p + 4, len);
	put32(p + 8, peerid);
	put32(p + 12, flags);
}

static void
write_all(int fd, const void *buf, size_t len)
{
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
}

/* Flush tx (if given), read rx until a frame is complete or it fails. */
static int
recv_one(struct imsgchan *w, struct imsgchan *r, struct imsg *m)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 i, got;

	for (i = 0; i < 10000; i++) {
		if (w != NULL && imsg_flush(w) == -1)
			return -2;
		if ((got = imsg_get(r, m)) != 0)
			return got;
		n = imsg_read(r);
		if (n == 0)
			return -3;
		if (n == -1 && errno != EAGAIN)
			return -4;
		if (n == -1) {
			pfd.fd = r->fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 1000) == 0)
				return -5;
		}
	}
	return -6;
}

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
mkpipe(int p[2])
{
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
}

/* The read end reports EOF: no copy of the write end is open anywhere. */
static void
assert_pipe_eof(int rfd)
{
	char	 c;

	ck_assert_int_eq(read(rfd, &c, 1), 0);
}

static int
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

START_TEST(test_roundtrip)
{
	struct ibuf	*b;
	struct imsg	 m;
	uint8_t		 u8, bytes[3];
	uint16_t	 u16;
	uint32_t	 u32;
	uint64_t	 u64;
	char		 s[16];

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	ck_assert_ptr_nonnull(b = imsg_create(42, 7, 0));
	ck_assert_int_eq(ibuf_add_u8(b, 0xab), 0);
	ck_assert_int_eq(ibuf_add_u16(b, 0xbeef), 0);
	ck_assert_int_eq(ibuf_add_u32(b, 0xdeadbeef), 0);
	ck_assert_int_eq(ibuf_add_u64(b, 0x0102030405060708ULL), 0);
	ck_assert_int_eq(ibuf_add(b, "xyz", 3), 0);
	ck_assert_int_eq(ibuf_add_str(b, "hello"), 0);
	ck_assert_int_eq(ibuf_add_str(b, ""), 0);
	ck_assert_int_eq(imsg_close(&tx, b), 0);
	ck_assert_uint_eq(tx.wqlen, 1);
	ck_assert_uint_eq(tx.wqbytes, 16 + 1 + 2 + 4 + 8 + 3 + 7 + 2);
	ck_assert_int_eq(imsg_flush(&tx), 1);
	ck_assert_uint_eq(tx.wqlen, 0);
	ck_assert_uint_eq(tx.wqbytes, 0);

	ck_assert_int_eq(recv_one(NULL, &rx, &m), 1);
	ck_assert_uint_eq(m.hdr.type, 42);
	ck_assert_uint_eq(m.hdr.peerid, 7);
	ck_assert_uint_eq(m.hdr.len, 16 + 27);
	ck_assert_uint_eq(m.hdr.flags, 0);
	ck_assert_uint_eq(m.len, 27);
	ck_assert_int_eq(m.fd, -1);
	ck_assert_int_eq(imsg_get_u8(&m, &u8), 0);
	ck_assert_uint_eq(u8, 0xab);
	ck_assert_int_eq(imsg_get_u16(&m, &u16), 0);
	ck_assert_uint_eq(u16, 0xbeef);
	ck_assert_int_eq(imsg_get_u32(&m, &u32), 0);
	ck_assert_uint_eq(u32, 0xdeadbeef);
	ck_assert_int_eq(imsg_get_u64(&m, &u64), 0);
	ck_assert(u64 == 0x0102030405060708ULL);
	ck_assert_int_eq(imsg_get_bytes(&m, bytes, 3), 0);
	ck_assert_int_eq(memcmp(bytes, "xyz", 3), 0);
	ck_assert_int_eq(imsg_get_str(&m, s, sizeof(s)), 0);
	ck_assert_str_eq(s, "hello");
	ck_assert_int_eq(imsg_get_str(&m, s, sizeof(s)), 0);
	ck_assert_str_eq(s, "");
	ck_assert_int_eq(imsg_get_end(&m), 0);
	ck_assert_int_eq(m.err, 0);
	imsg_free(&m);
	ck_assert_int_eq(imsg_get(&rx, &m), 0);
	closepair();
}
END_TEST

START_TEST(test_wire_format)
{
	static const uint8_t	 want[] = {
		0x01, 0x02, 0x03, 0x04,	0x00, 0x00, 0x00, 0x14,
		0x0a, 0x0b, 0x0c, 0x0d,	0x00, 0x00, 0x00, 0x00,
		0x12, 0x34, 0x56, 0x78,
	};
	uint8_t			 got[64];
	struct ibuf		*b;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	ck_assert_ptr_nonnull(b = imsg_create(0x01020304, 0x0a0b0c0d, 4));
	ck_assert_int_eq(ibuf_add_u32(b, 0x12345678), 0);
	ck_assert_int_eq(imsg_close(&tx, b), 0);
	ck_assert_int_eq(imsg_flush(&tx), 1);
	ck_assert_int_eq(read(sv[1], got, sizeof(got)), sizeof(want));
	ck_assert_int_eq(memcmp(got, want, sizeof(want)), 0);
	closepair();
}
END_TEST

/* More frames than one sendmsg gathers, and more than IOV_MAX. */
START_TEST(test_many_frames)
{
	struct imsg	 m;
	uint32_t	 i, v;
	const int	 N = 2000;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	for (i = 0; i < (uint32_t)N; i++) {
		uint8_t	 p[4] = { i >> 24, i >> 16, i >> 8, i };

		ck_assert_int_eq(imsg_compose(&tx, 1, i, -1, p, 4), 0);
	}
	ck_assert_uint_eq(tx.wqlen, (size_t)N);
	ck_assert_uint_eq(tx.wqbytes, (size_t)N * 20);
	for (i = 0; i < (uint32_t)N; i++) {
		ck_assert_int_eq(recv_one(&tx, &rx, &m), 1);
		ck_assert_uint_eq(m.hdr.peerid, i);
		ck_assert_int_eq(imsg_get_u32(&m, &v), 0);
		ck_assert_uint_eq(v, i);
		ck_assert_int_eq(imsg_get_end(&m), 0);
		imsg_free(&m);
	}
	ck_assert_uint_eq(tx.wqlen, 0);
	ck_assert_uint_eq(tx.wqbytes, 0);
	closepair();
}
END_TEST

/* Several frames written at once all come out of one read. */
START_TEST(test_frames_in_one_write)
{
	uint8_t		 buf[3 * 20];
	struct imsg	 m;
	int		 i;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	for (i = 0; i < 3; i++) {
		raw_hdr(buf + 20 * i, 10 + i, 20, 100 + i, 0);
		put32(buf + 20 * i + 16, 1000 + i);
	}
	write_all(sv[0], buf, sizeof(buf));
	ck_assert_int_eq(imsg_read(&rx), sizeof(buf));
	for (i = 0; i < 3; i++) {
		uint32_t	 v;

		ck_assert_int_eq(imsg_get(&rx, &m), 1);
		ck_assert_uint_eq(m.hdr.type, 10 + i);
		ck_assert_uint_eq(m.hdr.peerid, 100 + i);
		ck_assert_int_eq(imsg_get_u32(&m, &v), 0);
		ck_assert_uint_eq(v, 1000 + i);
		imsg_free(&m);
	}
	ck_assert_int_eq(imsg_get(&rx, &m), 0);
	closepair();
}
END_TEST

/* Two frames written one byte at a time. */
START_TEST(test_split_bytes)
{
	uint8_t		 buf[26 + 16];
	struct imsg	 m;
	size_t		 i;
	int		 got = 0;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	raw_hdr(buf, 5, 26, 9, 0);
	memcpy(buf + 16, "0123456789", 10);
	raw_hdr(buf + 26, 6, 16, 10, 0);
	for (i = 0; i < sizeof(buf); i++) {
		write_all(sv[0], buf + i, 1);
		ck_assert_int_eq(imsg_read(&rx), 1);
		if (i < 25 || (i > 25 && i < sizeof(buf) - 1)) {
			ck_assert_int_eq(imsg_get(&rx, &m), 0);
			continue;
		}
		ck_assert_int_eq(imsg_get(&rx, &m), 1);
		if (got++ == 0) {
			ck_assert_uint_eq(m.hdr.type, 5);
			ck_assert_uint_eq(m.hdr.peerid, 9);
			ck_assert_uint_eq(m.len, 10);
			ck_assert_int_eq(memcmp(m.data, "0123456789", 10), 0);
		} else {
			ck_assert_uint_eq(m.hdr.type, 6);
			ck_assert_uint_eq(m.len, 0);
		}
		imsg_free(&m);
		ck_assert_int_eq(imsg_get(&rx, &m), 0);
	}
	ck_assert_int_eq(got, 2);
	closepair();
}
END_TEST

START_TEST(test_truncated)
{
	uint8_t		 buf[16 + 100];
	struct imsg	 m;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	raw_hdr(buf, 3, sizeof(buf), 4, 0);
	memset(buf + 16, 'q', 100);
	write_all(sv[0], buf, 56);
	ck_assert_int_eq(imsg_read(&rx), 56);
	ck_assert_int_eq(imsg_get(&rx, &m), 0);
	ck_assert_int_eq(imsg_get(&rx, &m), 0);
	ck_assert_int_eq(imsg_read(&rx), -1);
	ck_assert_int_eq(errno, EAGAIN);
	write_all(sv[0], buf + 56, sizeof(buf) - 56);
	ck_assert_int_eq(imsg_read(&rx), sizeof(buf) - 56);
	ck_assert_int_eq(imsg_get(&rx, &m), 1);
	ck_assert_uint_eq(m.len, 100);
	ck_assert_uint_eq(m.data[99], 'q');
	closepair();
}
END_TEST

START_TEST(test_oversize)
{
	uint8_t		 buf[16];
	struct imsg	 m;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	raw_hdr(buf, 3, IMSG_MAX_DEFAULT + 1, 4, 0);
	write_all(sv[0], buf, sizeof(buf));
	ck_assert_int_eq(imsg_read(&rx), 16);
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "length 16385"));
	/* the channel stays broken */
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	closepair();

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	raw_hdr(buf, 3, 0xffffffff, 4, 0);
	write_all(sv[0], buf, sizeof(buf));
	ck_assert_int_eq(imsg_read(&rx), 16);
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	closepair();
}
END_TEST

START_TEST(test_undersize)
{
	uint8_t		 buf[32];
	struct imsg	 m;

	memset(buf, 0, sizeof(buf));
	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	raw_hdr(buf, 3, 15, 4, 0);
	write_all(sv[0], buf, sizeof(buf));
	ck_assert_int_eq(imsg_read(&rx), sizeof(buf));
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	closepair();

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	raw_hdr(buf, 3, 0, 4, 0);
	write_all(sv[0], buf, 16);
	ck_assert_int_eq(imsg_read(&rx), 16);
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	closepair();
}
END_TEST

START_TEST(test_unknown_flags)
{
	uint8_t		 buf[16];
	struct imsg	 m;

	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 1);
	raw_hdr(buf, 3, 16, 4, 0x2);
	write_all(sv[0], buf, sizeof(buf));
	ck_assert_int_eq(imsg_read(&rx), 16);
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	closepair();

	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 1);
	raw_hdr(buf, 3, 16, 4, 0x80000000);
	write_all(sv[0], buf, sizeof(buf));
	ck_assert_int_eq(imsg_read(&rx), 16);
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	closepair();
}
END_TEST

/* Plain and fd-carrying frames interleaved; each fd lands on its frame. */
START_TEST(test_fd_passing)
{
	int		 p1[2], p2[2], fd;
	struct imsg	 m;
	char		 c[8];
	uint32_t	 i, v;

	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 1);
	mkpipe(p1);
	mkpipe(p2);
	for (i = 0; i < 4; i++) {
		uint8_t	 p[4] = { 0, 0, 0, i };

		fd = i == 1 ? p1[1] : i == 3 ? p2[1] : -1;
		ck_assert_int_eq(imsg_compose(&tx, 20, i, fd, p, 4), 0);
	}
	ck_assert_int_eq(imsg_flush(&tx), 1);
	/* the sender's copies are closed once sent */
	ck_assert(!fd_is_open(p1[1]));
	ck_assert(!fd_is_open(p2[1]));

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(recv_one(NULL, &rx, &m), 1);
		ck_assert_int_eq(imsg_get_u32(&m, &v), 0);
		ck_assert_uint_eq(v, i);
		if (i == 0 || i == 2) {
			ck_assert_uint_eq(m.hdr.flags, 0);
			ck_assert_int_eq(imsg_take_fd(&m), -1);
			imsg_free(&m);
			continue;
		}
		ck_assert_uint_eq(m.hdr.flags, IMSGF_HASFD);
		fd = imsg_take_fd(&m);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(m.fd, -1);
		ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		write_all(fd, i == 1 ? "one" : "two", 3);
		close(fd);
		imsg_free(&m);
	}
	ck_assert_int_eq(read(p1[0], c, sizeof(c)), 3);
	ck_assert_int_eq(memcmp(c, "one", 3), 0);
	ck_assert_int_eq(read(p2[0], c, sizeof(c)), 3);
	ck_assert_int_eq(memcmp(c, "two", 3), 0);
	assert_pipe_eof(p1[0]);
	assert_pipe_eof(p2[0]);
	close(p1[0]);
	close(p2[0]);
	closepair();
}
END_TEST

/* An fd arriving where none is allowed is closed and reported. */
START_TEST(test_fd_on_plain_channel)
{
	int		 p[2], before;
	struct imsg	 m;

	before = count_fds();
	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 0);
	mkpipe(p);
	ck_assert_int_eq(imsg_compose(&tx, 20, 1, p[1], "x", 1), 0);
	ck_assert_int_eq(imsg_flush(&tx), 1);
	errno = 0;
	ck_assert_int_eq(imsg_read(&rx), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(rx.nrfds, 0);
	ck_assert_ptr_nonnull(strstr(lastlog, "without descriptor passing"));
	assert_pipe_eof(p[0]);
	/* and the flagged frame itself is malformed here */
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	close(p[0]);
	closepair();
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* The sender may not put a descriptor on a plain channel either. */
START_TEST(test_fd_compose_plain_channel)
{
	int	 p[2];

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	mkpipe(p);
	ck_assert_int_eq(imsg_compose(&tx, 20, 1, p[1], "x", 1), -1);
	ck_assert_uint_eq(tx.wqlen, 0);
	ck_assert(!fd_is_open(p[1]));
	assert_pipe_eof(p[0]);
	close(p[0]);
	closepair();
}
END_TEST

START_TEST(test_hasfd_without_fd)
{
	uint8_t		 buf[16];
	struct imsg	 m;

	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 1);
	raw_hdr(buf, 3, 16, 4, IMSGF_HASFD);
	write_all(sv[0], buf, sizeof(buf));
	ck_assert_int_eq(imsg_read(&rx), 16);
	ck_assert_int_eq(imsg_get(&rx, &m), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "no descriptor"));
	closepair();
}
END_TEST

/* Too many descriptors in one control message: all closed, EBADMSG. */
START_TEST(test_too_many_fds)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) * 40)];
	} cm;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	int		 p[2], fds[40], i, before;

	before = count_fds();
	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 1);
	mkpipe(p);
	for (i = 0; i < 40; i++)
		ck_assert_int_ge(fds[i] = dup(p[1]), 0);
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = "x";
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	ck_assert_int_eq(sendmsg(sv[0], &msg, 0), 1);
	for (i = 0; i < 40; i++)
		close(fds[i]);
	close(p[1]);
	errno = 0;
	ck_assert_int_eq(imsg_read(&rx), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(rx.nrfds, 0);
	assert_pipe_eof(p[0]);
	close(p[0]);
	closepair();
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* More fd frames than the FIFO holds, read before any is claimed. */
START_TEST(test_fd_fifo_overflow)
{
	int		 p[2], i, before, bad = 0;
	ssize_t		 n;

	before = count_fds();
	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 1);
	mkpipe(p);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(imsg_compose(&tx, 20, i, dup(p[1]), NULL, 0),
		    0);
	close(p[1]);
	ck_assert_int_eq(imsg_flush(&tx), 1);
	for (i = 0; i < 40; i++) {
		n = imsg_read(&rx);
		if (n == -1 && errno == EBADMSG) {
			bad = 1;
			break;
		}
		ck_assert_int_gt(n, 0);
	}
	ck_assert(bad);
	ck_assert_int_le(rx.nrfds, 16);
	closepair();
	assert_pipe_eof(p[0]);
	close(p[0]);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* Descriptors still owned are closed by imsgchan_clear and imsg_free. */
START_TEST(test_fds_closed_on_clear)
{
	int		 p1[2], p2[2], p3[2];
	struct imsg	 m;

	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 1);
	mkpipe(p1);
	mkpipe(p2);
	mkpipe(p3);
	/* received and claimed by a frame, never taken */
	ck_assert_int_eq(imsg_compose(&tx, 1, 1, p1[1], NULL, 0), 0);
	ck_assert_int_eq(recv_one(&tx, &rx, &m), 1);
	ck_assert_int_ge(m.fd, 0);
	imsg_free(&m);
	ck_assert_int_eq(m.fd, -1);
	assert_pipe_eof(p1[0]);
	/* received, waiting in the FIFO */
	ck_assert_int_eq(imsg_compose(&tx, 1, 2, p2[1], NULL, 0), 0);
	ck_assert_int_eq(imsg_flush(&tx), 1);
	ck_assert_int_gt(imsg_read(&rx), 0);
	ck_assert_int_eq(rx.nrfds, 1);
	/* queued, never sent */
	ck_assert_int_eq(imsg_compose(&tx, 1, 3, p3[1], NULL, 0), 0);
	closepair();
	assert_pipe_eof(p2[0]);
	assert_pipe_eof(p3[0]);
	close(p1[0]);
	close(p2[0]);
	close(p3[0]);
}
END_TEST

static int	 handled;
static uint32_t	 handled_peerid;
static int	 fd_after;	/* imsg.fd left by imsg_dispatch */

static int
h_plain(struct imsg *m, void *arg)
{
	uint32_t	 v;

	handled++;
	handled_peerid = m->hdr.peerid;
	if (imsg_get_u32(m, &v) == -1 || imsg_get_end(m) == -1)
		return -1;
	return *(int *)arg;
}

static int
h_withfd(struct imsg *m, void *arg)
{
	int	 fd;

	(void)arg;
	handled++;
	handled_peerid = m->hdr.peerid;
	if ((fd = imsg_take_fd(m)) == -1)
		return -1;
	close(fd);
	return 0;
}

static const struct imsg_handler handlers[] = {
	{ 1, 4, 4, 1u << ROLE_META, 0, h_plain },
	{ 2, 0, 8, 1u << ROLE_PARENT | 1u << ROLE_META, 1, h_withfd },
};

/* Send one frame tx -> rx and dispatch it as coming from role. */
static int
dispatch_one(uint32_t type, uint32_t peerid, const void *p, size_t len,
    int fd, int role)
{
	struct imsg	 m;
	int		 r, ret = 7;

	ck_assert_int_eq(imsg_compose(&tx, type, peerid, fd, p, len), 0);
	ck_assert_int_eq(recv_one(&tx, &rx, &m), 1);
	r = imsg_dispatch(handlers, sizeof(handlers) / sizeof(handlers[0]),
	    role, &m, &ret);
	fd_after = m.fd;
	imsg_free(&m);
	return r;
}

START_TEST(test_dispatch)
{
	int	 p[2];

	mkpair(IMSG_MAX_DEFAULT, 1, IMSG_MAX_DEFAULT, 1);
	handled = 0;

	ck_assert_int_eq(dispatch_one(1, 77, "abcd", 4, -1, ROLE_META), 7);
	ck_assert_int_eq(handled, 1);
	ck_assert_uint_eq(handled_peerid, 77);

	ck_assert_int_eq(dispatch_one(1, 78, "abcd", 4, -1, ROLE_PACKET), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "type 1 from packet"));
	ck_assert_ptr_nonnull(strstr(lastlog, "not accepted"));
	ck_assert_int_eq(dispatch_one(1, 78, "abcd", 4, -1, -1), -1);
	ck_assert_int_eq(dispatch_one(1, 78, "abcd", 4, -1, 40), -1);
	ck_assert_int_eq(dispatch_one(1, 78, "abc", 3, -1, ROLE_META), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "too short"));
	ck_assert_int_eq(dispatch_one(1, 78, "abcde", 5, -1, ROLE_META), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "too long"));
	ck_assert_int_eq(dispatch_one(99, 78, "abcd", 4, -1, ROLE_META), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "type 99"));
	ck_assert_ptr_nonnull(strstr(lastlog, "unknown type"));
	ck_assert_int_eq(dispatch_one(2, 78, NULL, 0, -1, ROLE_PARENT), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "descriptor missing"));
	ck_assert_int_eq(handled, 1);

	/* an fd to a handler that wants none: refused and closed */
	mkpipe(p);
	ck_assert_int_eq(dispatch_one(1, 78, "abcd", 4, p[1], ROLE_META), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "unexpected descriptor"));
	ck_assert_int_eq(fd_after, -1);
	assert_pipe_eof(p[0]);
	close(p[0]);
	ck_assert_int_eq(handled, 1);

	mkpipe(p);
	ck_assert_int_eq(dispatch_one(2, 79, "12345678", 8, p[1], ROLE_PARENT),
	    0);
	ck_assert_int_eq(handled, 2);
	ck_assert_uint_eq(handled_peerid, 79);
	assert_pipe_eof(p[0]);
	close(p[0]);
	closepair();
}
END_TEST

static int
frame_from(const void *p, size_t len, struct imsg *m)
{
	ck_assert_int_eq(imsg_compose(&tx, 1, 1, -1, p, len), 0);
	return recv_one(&tx, &rx, m);
}

START_TEST(test_get_str)
{
	struct imsg	 m;
	char		 s[7];
	uint8_t		 p[16];

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);

	/* exactly fits */
	memcpy(p, "\0\006abcdef", 8);
	ck_assert_int_eq(frame_from(p, 8, &m), 1);
	ck_assert_int_eq(imsg_get_str(&m, s, sizeof(s)), 0);
	ck_assert_str_eq(s, "abcdef");
	ck_assert_int_eq(imsg_get_end(&m), 0);

	/* one too long */
	ck_assert_int_eq(frame_from(p, 8, &m), 1);
	ck_assert_int_eq(imsg_get_str(&m, s, 6), -1);
	ck_assert_int_ne(m.err, 0);
	ck_assert_str_eq(s, "");
	ck_assert_int_eq(imsg_get_end(&m), -1);

	/* embedded NUL */
	memcpy(p, "\0\003a\0b", 5);
	ck_assert_int_eq(frame_from(p, 5, &m), 1);
	ck_assert_int_eq(imsg_get_str(&m, s, sizeof(s)), -1);
	ck_assert_int_ne(m.err, 0);

	/* length beyond the payload */
	memcpy(p, "\0\011abc", 5);
	ck_assert_int_eq(frame_from(p, 5, &m), 1);
	ck_assert_int_eq(imsg_get_str(&m, s, sizeof(s)), -1);

	/* not even the length */
	ck_assert_int_eq(frame_from(p, 1, &m), 1);
	ck_assert_int_eq(imsg_get_str(&m, s, sizeof(s)), -1);
	closepair();
}
END_TEST

START_TEST(test_get_underflow_and_end)
{
	struct imsg	 m;
	uint64_t	 u64;
	uint32_t	 u32;
	uint16_t	 u16;
	uint8_t		 u8, b[8];

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);

	/* leftovers */
	ck_assert_int_eq(frame_from("abcde", 5, &m), 1);
	ck_assert_int_eq(imsg_get_u32(&m, &u32), 0);
	ck_assert_int_eq(m.err, 0);
	ck_assert_int_eq(imsg_get_end(&m), -1);

	/* underflow sets err and sticks */
	ck_assert_int_eq(frame_from("abcd", 4, &m), 1);
	ck_assert_int_eq(imsg_get_u64(&m, &u64), -1);
	ck_assert_int_ne(m.err, 0);
	ck_assert_int_eq(imsg_get_u32(&m, &u32), -1);
	ck_assert_int_eq(imsg_get_end(&m), -1);

	ck_assert_int_eq(frame_from("a", 1, &m), 1);
	ck_assert_int_eq(imsg_get_u16(&m, &u16), -1);
	ck_assert_int_ne(m.err, 0);

	ck_assert_int_eq(frame_from("", 0, &m), 1);
	ck_assert_int_eq(imsg_get_u8(&m, &u8), -1);

	ck_assert_int_eq(frame_from("abc", 3, &m), 1);
	ck_assert_int_eq(imsg_get_bytes(&m, b, 4), -1);
	ck_assert_ptr_null(imsg_get_ptr(&m, 1));

	ck_assert_int_eq(frame_from("abc", 3, &m), 1);
	ck_assert_ptr_eq(imsg_get_ptr(&m, 2), m.data);
	ck_assert_int_eq(imsg_get_u8(&m, &u8), 0);
	ck_assert_uint_eq(u8, 'c');
	ck_assert_int_eq(imsg_get_end(&m), 0);
	closepair();
}
END_TEST

/* A frame close to IMSG_MAX_PACKET on a channel sized for it. */
START_TEST(test_large_frame)
{
	const size_t	 plen = IMSG_MAX_PACKET - IMSG_HDR_LEN;
	struct imsg	 m;
	uint8_t		*p;
	size_t		 i;

	ck_assert_ptr_nonnull(p = malloc(plen + 1));
	for (i = 0; i < plen + 1; i++)
		p[i] = (uint8_t)(i * 7 + i / 251);
	mkpair(IMSG_MAX_PACKET, 0, IMSG_MAX_PACKET, 0);
	ck_assert_int_eq(imsg_compose(&tx, 9, 3, -1, p, plen + 1), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_uint_eq(tx.wqlen, 0);
	ck_assert_uint_eq(tx.wqbytes, 0);
	ck_assert_int_eq(imsg_compose(&tx, 9, 3, -1, p, 1), 0);
	ck_assert_int_eq(imsg_compose(&tx, 9, 4, -1, p, plen), 0);
	ck_assert_int_eq(imsg_compose(&tx, 9, 5, -1, p, 2), 0);
	ck_assert_uint_eq(tx.wqbytes, 3 * 16 + 1 + plen + 2);

	ck_assert_int_eq(recv_one(&tx, &rx, &m), 1);
	ck_assert_uint_eq(m.hdr.peerid, 3);
	ck_assert_int_eq(recv_one(&tx, &rx, &m), 1);
	ck_assert_uint_eq(m.hdr.peerid, 4);
	ck_assert_uint_eq(m.len, plen);
	ck_assert_int_eq(memcmp(m.data, p, plen), 0);
	ck_assert_int_eq(recv_one(&tx, &rx, &m), 1);
	ck_assert_uint_eq(m.hdr.peerid, 5);
	ck_assert_uint_eq(m.len, 2);
	closepair();

	/* the same payload does not fit a default channel */
	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	ck_assert_int_eq(imsg_compose(&tx, 9, 3, -1, p,
	    IMSG_MAX_DEFAULT - IMSG_HDR_LEN + 1), -1);
	ck_assert_int_eq(imsg_compose(&tx, 9, 3, -1, p,
	    IMSG_MAX_DEFAULT - IMSG_HDR_LEN), 0);
	closepair();
	free(p);
}
END_TEST

/* imsg_close refuses an oversize ibuf built step by step. */
START_TEST(test_close_too_long)
{
	struct ibuf	*b;
	int		 i, p[2];

	mkpair(64, 1, 64, 1);
	mkpipe(p);
	ck_assert_ptr_nonnull(b = imsg_create(1, 1, 0));
	ibuf_set_fd(b, p[1]);
	for (i = 0; i < 13; i++)
		ck_assert_int_eq(ibuf_add_u32(b, i), 0);
	ck_assert_int_eq(imsg_close(&tx, b), -1);
	ck_assert_uint_eq(tx.wqlen, 0);
	/* freed with its descriptor */
	assert_pipe_eof(p[0]);
	close(p[0]);
	ck_assert_int_eq(imsg_close(&tx, NULL), -1);
	closepair();
}
END_TEST

/* Partial writes: counters stay exact, frames arrive intact. */
START_TEST(test_partial_writes)
{
	const int	 N = 300, LEN = 999;
	struct ibuf	*b;
	struct imsg	 m;
	uint8_t		 p[999];
	size_t		 bytes, frames;
	int		 i, j, sz = 4096, partial = 0;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)), 0);
	ck_assert_int_eq(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz,
	    sizeof(sz)), 0);
	for (i = 0; i < N; i++) {
		memset(p, i & 0xff, sizeof(p));
		ck_assert_int_eq(imsg_compose(&tx, 2, i, -1, p, LEN), 0);
	}
	ck_assert_int_eq(imsg_flush(&tx), 0);
	ck_assert_uint_lt(tx.wqlen, (size_t)N);
	ck_assert_uint_gt(tx.wqlen, 0);

	for (i = 0; i < N; i++) {
		bytes = frames = 0;
		TAILQ_FOREACH(b, &tx.wq, entry) {
			bytes += b->wpos - b->rpos;
			frames++;
			if (b->rpos != 0)
				partial = 1;
		}
		ck_assert_uint_eq(bytes, tx.wqbytes);
		ck_assert_uint_eq(frames, tx.wqlen);
		ck_assert_int_eq(recv_one(&tx, &rx, &m), 1);
		ck_assert_uint_eq(m.hdr.peerid, (uint32_t)i);
		ck_assert_uint_eq(m.len, (size_t)LEN);
		for (j = 0; j < LEN; j++)
			ck_assert_uint_eq(m.data[j], (uint8_t)(i & 0xff));
	}
	ck_assert(partial);
	ck_assert_uint_eq(tx.wqlen, 0);
	ck_assert_uint_eq(tx.wqbytes, 0);
	closepair();
}
END_TEST

START_TEST(test_flush_blocking)
{
	const int	 N = 500;
	struct imsg	 m;
	uint8_t		 p[1000];
	pid_t		 pid;
	int		 i, status;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	memset(p, 'z', sizeof(p));
	for (i = 0; i < N; i++)
		ck_assert_int_eq(imsg_compose(&tx, 3, i, -1, p, sizeof(p)), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		for (i = 0; i < N; i++) {
			if (recv_one(NULL, &rx, &m) != 1 ||
			    m.hdr.peerid != (uint32_t)i || m.len != sizeof(p))
				_exit(1);
		}
		_exit(0);
	}
	ck_assert_int_eq(imsg_flush_blocking(&tx), 0);
	ck_assert_uint_eq(tx.wqlen, 0);
	ck_assert_uint_eq(tx.wqbytes, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	closepair();
}
END_TEST

START_TEST(test_eof_eagain)
{
	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	errno = 0;
	ck_assert_int_eq(imsg_read(&rx), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(imsg_flush(&tx), 1);
	close(sv[0]);
	ck_assert_int_eq(imsg_read(&rx), 0);
	ck_assert_int_eq(imsg_compose(&rx, 1, 1, -1, "x", 1), 0);
	ck_assert_int_eq(imsg_flush(&rx), -1);
	ck_assert_int_eq(errno, EPIPE);
	sv[0] = -1;
	closepair();
}
END_TEST

/* Consumed payloads do not linger in the read buffer. */
START_TEST(test_wipe)
{
	struct imsg	 m;

	mkpair(IMSG_MAX_DEFAULT, 0, IMSG_MAX_DEFAULT, 0);
	ck_assert_int_eq(imsg_compose(&tx, 1, 1, -1, "SECRETKEY", 9), 0);
	ck_assert_int_eq(imsg_compose(&tx, 1, 2, -1, "SECRETTWO", 9), 0);
	ck_assert_int_eq(recv_one(&tx, &rx, &m), 1);
	ck_assert_int_eq(imsg_get(&rx, &m), 1);
	ck_assert_ptr_nonnull(memmem(rx.rbuf, rx.rsize, "SECRETTWO", 9));
	ck_assert_int_eq(imsg_get(&rx, &m), 0);
	ck_assert_ptr_null(memmem(rx.rbuf, rx.rsize, "SECRET", 6));

	/* compaction with a partial frame left over */
	ck_assert_int_eq(imsg_compose(&tx, 1, 3, -1, "SECRETTHREE", 11), 0);
	ck_assert_int_eq(imsg_compose(&tx, 1, 4, -1, "XXXXXXXX", 8), 0);
	ck_assert_int_eq(imsg_flush(&tx), 1);
	ck_assert_uint_eq(rx.rlen, 0);
	/* as if imsg_read had stopped 4 bytes into the second frame */
	ck_assert_int_eq(read(sv[1], rx.rbuf, 27 + 4), 27 + 4);
	rx.rlen = 27 + 4;
	ck_assert_int_eq(imsg_get(&rx, &m), 1);
	ck_assert_uint_eq(m.hdr.peerid, 3);
	ck_assert_int_eq(imsg_get(&rx, &m), 0);
	ck_assert_int_eq(imsg_read(&rx), 20);
	ck_assert_uint_eq(rx.rlen, 24);
	ck_assert_ptr_null(memmem(rx.rbuf, rx.rsize, "SECRET", 6));
	ck_assert_int_eq(imsg_get(&rx, &m), 1);
	ck_assert_uint_eq(m.hdr.peerid, 4);
	ck_assert_int_eq(memcmp(m.data, "XXXXXXXX", 8), 0);
	closepair();
}
END_TEST

/* Random bytes never crash the parser nor yield bad frames. */
START_TEST(test_garbage)
{
	uint8_t		 buf[128];
	struct imsg	 m;
	int		 i, r, iter;
	size_t		 j;

	srandom(1);
	for (iter = 0; iter < 300; iter++) {
		mkpair(128, 1, 128, 1);
		for (j = 0; j < sizeof(buf); j++)
			buf[j] = random();
		/* make a plausible header now and then */
		if (iter % 2)
			raw_hdr(buf, 1, 16 + random() % 100, 1,
			    random() % 3 == 0);
		write_all(sv[0], buf, sizeof(buf));
		ck_assert_int_eq(imsg_read(&rx), sizeof(buf));
		for (i = 0; i < 100; i++) {
			r = imsg_get(&rx, &m);
			ck_assert(r >= -1 && r <= 1);
			if (r != 1)
				break;
			ck_assert_uint_ge(m.hdr.len, 16);
			ck_assert_uint_le(m.hdr.len, 128);
			ck_assert_uint_eq(m.len, m.hdr.len - 16);
			imsg_free(&m);
		}
		closepair();
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("imsg");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	log_set_sink(capture, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_wire_format);
	tcase_add_test(tc, test_many_frames);
	tcase_add_test(tc, test_frames_in_one_write);
	tcase_add_test(tc, test_split_bytes);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_oversize);
	tcase_add_test(tc, test_undersize);
	tcase_add_test(tc, test_unknown_flags);
	tcase_add_test(tc, test_fd_passing);
	tcase_add_test(tc, test_fd_on_plain_channel);
	tcase_add_test(tc, test_fd_compose_plain_channel);
	tcase_add_test(tc, test_hasfd_without_fd);
	tcase_add_test(tc, test_too_many_fds);
	tcase_add_test(tc, test_fd_fifo_overflow);
	tcase_add_test(tc, test_fds_closed_on_clear);
	tcase_add_test(tc, test_dispatch);
	tcase_add_test(tc, test_get_str);
	tcase_add_test(tc, test_get_underflow_and_end);
	tcase_add_test(tc, test_large_frame);
	tcase_add_test(tc, test_close_too_long);
	tcase_add_test(tc, test_partial_writes);
	tcase_add_test(tc, test_flush_blocking);
	tcase_add_test(tc, test_eof_eagain);
	tcase_add_test(tc, test_wipe);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
