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
 * meta_peer: a scriptable tinc 1.0 meta-protocol peer for tests, able to
 * behave badly.  It connects to HOST PORT and runs the commands read from
 * standard input, one per line:
 *
 *	auth			authenticate as NAME (initiator), then
 *				announce our edge to the peer
 *	send TEXT		send a request line (encrypted once we are)
 *	raw HEX			send raw bytes (encrypted once we are)
 *	rawstr TEXT		send TEXT without a LF
 *	expect TEXT [SEC]	read until a line starts with the words TEXT
 *				(default 5 s)
 *	expect_closed [SEC]	read until the peer closes the connection
 *	idle SEC		read (and answer PINGs) for SEC seconds
 *	flood_edges N		N ADD_EDGE lines: fake nodes joined to us
 *	flood_subnets N		N ADD_SUBNET lines for ourselves
 *	sleep MS
 *
 * PINGs are answered while reading.  Received lines are printed as
 * "< line", sent ones as "> line".  Exit status 0 when every command
 * succeeded, 1 at the first failure.
 *
 *	meta_peer -n NAME -k PRIVATE.pem -N PEER -K PEER_HOSTFILE HOST PORT
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/objects.h>
#include <openssl/rand.h>

#include "keyfile.h"
#include "keys_oracle.h"
#include "lcrypto.h"
#include "log.h"
#include "meta.h"

enum pstate { P_ID, P_METAKEY, P_CHALLENGE, P_CHAL_REPLY, P_ACK, P_ACTIVE };

static struct {
	int			 fd;
	const char		*name;
	const char		*peer;
	const char		*host;
	const char		*port;
	struct keyring		 kr;
	EVP_PKEY		*peerkey;
	size_t			 mylen, hislen;
	struct meta_in		 in;
	struct meta_cipher	 out;
	int			 encrypting;
	enum pstate		 state;
	uint8_t			 mychal[1024];
	int			 closed;
	const char		*want;		/* expect: substring */
	int			 found;
} P;

static void
die(const char *what)
{
	fprintf(stderr, "meta_peer: %s\n", what);
	exit(1);
}

static void
write_all(const uint8_t *buf, size_t n)
{
	struct pollfd	 pfd;
	size_t		 done = 0;
	ssize_t		 w;

	while (done < n) {
		if ((w = write(P.fd, buf + done, n - done)) == -1) {
			if (errno != EINTR && errno != EAGAIN)
				die("write failed");
			pfd.fd = P.fd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, 1000);
			continue;
		}
		done += (size_t)w;
	}
}

/* Send bytes, through our cipher once the METAKEY went out. */
static void
out_bytes(const void *data, size_t len)
{
	uint8_t	 buf[8192];
	size_t	 n, off = 0;

	while (off < len) {
		n = len - off > sizeof(buf) ? sizeof(buf) : len - off;
		memcpy(buf, (const uint8_t *)data + off, n);
		if (P.encrypting && meta_cipher_update(&P.out, buf, buf,
		    n) == -1)
			die("encryption failed");
		write_all(buf, n);
		off += n;
	}
}

static void
send_line(const char *line)
{
	size_t	 len = strlen(line);
	char	*buf;

	if ((buf = malloc(len + 1)) == NULL)
		die("malloc");
	memcpy(buf, line, len);
	buf[len] = '\n';
	out_bytes(buf, len + 1);
	free(buf);
	printf("> %.120s%s\n", line, len > 120 ? "..." : "");
}

/* ---- authentication, as the initiator ------------------------------- */

static void
send_metakey(void)
{
	uint8_t	 k[1024], ct[1024];
	char	 hex[2049], line[2200];
	const char *why;

	if (lcrypto_meta_random(k, P.hislen) == -1 ||
	    lcrypto_rsa_encrypt_raw(P.peerkey, k, P.hislen, ct, P.hislen) !=
	    (int)P.hislen)
		die("cannot make a METAKEY");
	bin2hex(ct, P.hislen, hex, sizeof(hex));
	snprintf(line, sizeof(line), "1 %d %d 0 0 %s", NID_aes_256_cfb128,
	    NID_sha256, hex);
	send_line(line);
	if (meta_cipher_init(&P.out, NID_aes_256_cfb128, k, P.hislen, 1,
	    &why) == -1)
		die(why);
	P.encrypting = 1;
	explicit_bzero(k, sizeof(k));
}

static int
auth_line(const char *line)
{
	struct meta_cipher	 mc;
	struct proto_msg	*m;
	uint8_t			 buf[1024], md[64];
	char			 hex[2049], out[2200];
	const char		*why;
	int			 n;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		die("malloc");
	if (proto_parse(line, m, &why) == -1)
		die(why);
	switch (P.state) {
	case P_ID:
		if (m->type != REQ_ID || strcmp(m->id.name, P.peer) != 0)
			die("expected the peer's ID");
		send_metakey();
		P.state = P_METAKEY;
		break;
	case P_METAKEY:
		if (m->type != REQ_METAKEY ||
		    strlen(m->metakey.key) != 2 * P.mylen ||
		    hex2bin(m->metakey.key, buf, P.mylen) == -1)
			die("bad METAKEY");
		if ((n = keys_rsa_decrypt(&P.kr, buf, P.mylen, buf,
		    sizeof(buf), time(NULL))) != (int)P.mylen)
			die("cannot decrypt METAKEY");
		if (meta_cipher_init(&mc, m->metakey.cipher, buf, P.mylen, 0,
		    &why) == -1)
			die(why);
		meta_in_set_cipher(&P.in, &mc);
		RAND_bytes(P.mychal, (int)P.hislen);
		bin2hex(P.mychal, P.hislen, hex, sizeof(hex));
		snprintf(out, sizeof(out), "2 %s", hex);
		send_line(out);
		P.state = P_CHALLENGE;
		break;
	case P_CHALLENGE:
		if (m->type != REQ_CHALLENGE ||
		    strlen(m->challenge.hex) != 2 * P.mylen ||
		    hex2bin(m->challenge.hex, buf, P.mylen) == -1)
			die("bad CHALLENGE");
		n = lcrypto_chal_digest(NID_sha256, buf, P.mylen, md,
		    sizeof(md));
		bin2hex(md, (size_t)n, hex, sizeof(hex));
		snprintf(out, sizeof(out), "3 %s", hex);
		send_line(out);
		P.state = P_CHAL_REPLY;
		break;
	case P_CHAL_REPLY:
		if (m->type != REQ_CHAL_REPLY ||
		    lcrypto_chal_check(NID_sha256, P.mychal, P.hislen,
		    m->chal_reply.hex, &why) == -1)
			die("bad CHAL_REPLY");
		P.state = P_ACK;
		break;
	case P_ACK:
		if (m->type != REQ_ACK)
			die("expected ACK");
		send_line("4 655 1 c");
		P.state = P_ACTIVE;
		break;
	default:
		break;
	}
	free(m);
	return 0;
}

/* ---- reading ---------------------------------------------------------- */

static int
on_line(void *arg, char *line, size_t len)
{
	printf("< %.160s%s\n", line, len > 160 ? "..." : "");
	if (P.state != P_ACTIVE)
		return auth_line(line);
	if (strcmp(line, "8") == 0)
		send_line("9");
	if (strncmp(line, "17 ", 3) == 0 && atoi(line + 3) > 0 &&
	    atoi(line + 3) <= MTU)
		meta_in_expect(&P.in, (size_t)atoi(line + 3));
	if (P.want != NULL && strncmp(line, P.want, strlen(P.want)) == 0 &&
	    (line[strlen(P.want)] == '\0' || line[strlen(P.want)] == ' '))
		P.found = 1;
	return 0;
}

static int
on_frame(void *arg, const uint8_t *f, size_t len)
{
	printf("< [%zu bytes of PACKET]\n", len);
	return 0;
}

static const struct meta_in_ops	 ops = { on_line, on_frame };

/* Read for up to ms; stop early when done() says so. */
static void
pump(int ms, int (*done)(void))
{
	struct pollfd	 pfd;
	struct timespec	 t0, t1;
	const char	*why;
	uint8_t		*p;
	size_t		 avail;
	ssize_t		 n;
	long		 left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!P.closed && !done()) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return;
		pfd.fd = P.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		p = meta_in_space(&P.in, &avail);
		if ((n = read(P.fd, p, avail)) <= 0) {
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			P.closed = 1;
			printf("= connection closed\n");
			return;
		}
		if (meta_in_process(&P.in, (size_t)n, &ops, NULL, &why) ==
		    -1)
			die(why != NULL ? why : "input error");
	}
}

static int	 never(void) { return 0; }
static int	 active(void) { return P.state == P_ACTIVE; }
static int	 found(void) { return P.found; }

/* ---- floods ------------------------------------------------------------- */

static void
flood_edges(int n)
{
	char	 line[256];
	int	 i;

	for (i = 0; i < n / 2; i++) {
		snprintf(line, sizeof(line), "12 %x %s fake%d 10.%d.%d.%d 655 "
		    "c 1", arc4random(), P.name, i, (i >> 16) & 255,
		    (i >> 8) & 255, i & 255);
		send_line(line);
		snprintf(line, sizeof(line), "12 %x fake%d %s 10.250.0.1 655 "
		    "c 1", arc4random(), i, P.name);
		send_line(line);
	}
}

static void
flood_subnets(int n)
{
	char	 line[256];
	int	 i;

	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "10 %x %s 10.%d.%d.%d/32#10",
		    arc4random(), P.name, 100 + ((i >> 16) & 127),
		    (i >> 8) & 255, i & 255);
		send_line(line);
	}
}

/* ---- main ---------------------------------------------------------- */

static int
dial(const char *host, const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	int		 s = -1, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		die("cannot resolve");
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((s = socket(ai->ai_family, SOCK_STREAM, 0)) == -1)
			continue;
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(s);
		s = -1;
	}
	freeaddrinfo(res);
	if (s == -1)
		die("cannot connect");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

static int
command(char *cmd)
{
	char	*arg, id[128];
	uint8_t	 bin[4096];
	size_t	 len;
	int	 sec;

	cmd[strcspn(cmd, "\r\n")] = '\0';
	if ((arg = strchr(cmd, ' ')) != NULL)
		*arg++ = '\0';
	else
		arg = cmd + strlen(cmd);
	fflush(stdout);
	if (strcmp(cmd, "auth") == 0) {
		snprintf(id, sizeof(id), "0 %s 17", P.name);
		send_line(id);
		pump(10000, active);
		if (P.state != P_ACTIVE)
			return -1;
		/* our half of the link, as a real peer announces it */
		snprintf(id, sizeof(id), "12 %x %s %s %s %s c 1", arc4random(),
		    P.name, P.peer, P.host, P.port);
		send_line(id);
		return 0;
	} else if (strcmp(cmd, "send") == 0)
		send_line(arg);
	else if (strcmp(cmd, "rawstr") == 0) {
		out_bytes(arg, strlen(arg));
		printf("> (raw) %.60s\n", arg);
	} else if (strcmp(cmd, "raw") == 0) {
		len = strlen(arg) / 2;
		if (len > sizeof(bin) || hex2bin(arg, bin, len) == -1)
			return -1;
		out_bytes(bin, len);
		printf("> (%zu raw bytes)\n", len);
	} else if (strcmp(cmd, "expect") == 0) {
		sec = 5;
		if ((cmd = strrchr(arg, ' ')) != NULL && atoi(cmd + 1) > 0) {
			sec = atoi(cmd + 1);
			*cmd = '\0';
		}
		P.want = arg;
		P.found = 0;
		pump(sec * 1000, found);
		P.want = NULL;
		if (!P.found)
			printf("! expected \"%s\" in vain\n", arg);
		return P.found ? 0 : -1;
	} else if (strcmp(cmd, "expect_closed") == 0) {
		pump((atoi(arg) > 0 ? atoi(arg) : 5) * 1000, never);
		return P.closed ? 0 : -1;
	} else if (strcmp(cmd, "idle") == 0)
		pump(atoi(arg) * 1000, never);
	else if (strcmp(cmd, "flood_edges") == 0)
		flood_edges(atoi(arg));
	else if (strcmp(cmd, "flood_subnets") == 0)
		flood_subnets(atoi(arg));
	else if (strcmp(cmd, "sleep") == 0)
		usleep((useconds_t)atoi(arg) * 1000);
	else if (cmd[0] != '\0' && cmd[0] != '#')
		return -1;
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*priv = NULL, *peerfile = NULL;
	char		 line[8192];
	EVP_PKEY	*k;
	int		 ch, lineno = 0;

	log_init("meta_peer", LOG_TO_STDERR, NULL);
	while ((ch = getopt(argc, argv, "n:k:N:K:")) != -1) {
		switch (ch) {
		case 'n':
			P.name = optarg;
			break;
		case 'k':
			priv = optarg;
			break;
		case 'N':
			P.peer = optarg;
			break;
		case 'K':
			peerfile = optarg;
			break;
		default:
			die("usage: meta_peer -n NAME -k PRIV -N PEER -K "
			    "PEERHOST HOST PORT");
		}
	}
	if (argc - optind != 2 || P.name == NULL || P.peer == NULL)
		die("usage: meta_peer -n NAME -k PRIV -N PEER -K PEERHOST "
		    "HOST PORT");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (priv != NULL) {
		if ((k = keyfile_read_rsa_private(priv)) == NULL ||
		    keyring_init(&P.kr, P.name) == -1 ||
		    keyring_set_rsa(&P.kr, k) == -1)
			die("cannot load the private key");
		P.mylen = P.kr.rsa_len;
	}
	if (peerfile != NULL) {
		if ((P.peerkey = keyfile_read_rsa_public(peerfile)) == NULL)
			die("cannot load the peer's public key");
		P.hislen = (size_t)EVP_PKEY_get_size(P.peerkey);
	}
	meta_in_init(&P.in);
	P.host = argv[optind];
	P.port = argv[optind + 1];
	P.fd = dial(P.host, P.port);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		lineno++;
		if (command(line) == -1) {
			printf("! command %d failed\n", lineno);
			return 1;
		}
	}
	return 0;
}
