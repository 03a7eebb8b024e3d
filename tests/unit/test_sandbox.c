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
 * Sandbox tests.  check forks every test (CK_FORK), so a filter loaded in a
 * test only binds that test's process.  Forbidden calls must end the
 * process with SIGSYS; the allowed work of each role must run to the end,
 * including exit() with OpenSSL's atexit handlers.  sandbox_enter() runs in
 * a grandchild, because RLIMIT_FSIZE 0 would stop check's own reporting;
 * the test process then inspects it from /proc as an administrator would.
 * Must run as root (chroot, setresuid); without root those tests fail.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "log.h"
#include "ptinc.h"
#include "sandbox.h"

extern char	**environ;

static const enum proc_role	 roles[] = { ROLE_KEYS, ROLE_META, ROLE_PACKET };
#define NROLES			 3

static char	 logbuf[8192];

static void
capture(int prio, const char *line, void *arg)
{
	(void)prio;
	(void)arg;
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

static void
log_capture(void)
{
	logbuf[0] = '\0';
	log_set_sink(capture, NULL);
}

static void
filter_on(enum proc_role role)
{
	sandbox_prepare(role);
	ck_assert_int_eq(sandbox_filter(role, SANDBOX_KILL), 0);
}

/*
 * End of a test that ran inside a filter.  check's own code after a test
 * probes timers (timer_create), which no policy allows; leave through
 * exit() as a worker does, which also runs OpenSSL's atexit cleanup inside
 * the filter.  check counts exit status 0 as a pass; a failed assertion
 * has already reported and exited non-zero.
 */
static void
filtered_done(void)
{
	exit(EXIT_SUCCESS);
}

/*
 * Forbidden calls.  Raw syscall() where libc might pick another call, and
 * arguments that would be harmless if the filter ever let one through.
 */
static void fb_socket(void) { (void)socket(AF_INET, SOCK_DGRAM, 0); }
static void fb_socketpair(void) {
	int sv[2];
	(void)syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
}
static void fb_open(void) {
	(void)syscall(SYS_open, "/etc/passwd", O_RDONLY);
}
static void fb_openat(void) {
	(void)syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
}
static void fb_fopen(void) {
	FILE *f = fopen("/etc/passwd", "r");
	if (f != NULL)
		fclose(f);
}
static void fb_execve(void) {
	char *argv[] = { (char *)"/bin/true", NULL };
	(void)execve("/bin/true", argv, environ);
}
static void fb_execveat(void) {
	char *argv[] = { (char *)"/bin/true", NULL };
	(void)syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, environ, 0);
}
static void fb_fork(void) {
	if (fork() == 0)
		_exit(0);
}
static void fb_kill(void) { (void)syscall(SYS_kill, getpid(), 0); }
static void fb_ptrace(void) {
	(void)syscall(SYS_ptrace, PTRACE_PEEKUSER, 1, NULL, NULL);
}
static void fb_ioctl(void) { int n; (void)ioctl(0, FIONREAD, &n); }
static void fb_prctl(void) { (void)prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }
static void fb_setuid(void) { (void)syscall(SYS_setuid, 0); }
static void fb_chroot(void) { (void)syscall(SYS_chroot, "/"); }
static void fb_mount(void) {
	(void)syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, NULL);
}
static void fb_bpf(void) { (void)syscall(SYS_bpf, -1, NULL, 0); }
static void fb_io_uring(void) {
	(void)syscall(SYS_io_uring_setup, 0, NULL);
}
static void fb_keyctl(void) { (void)syscall(SYS_keyctl, -1, 0, 0, 0, 0); }
static void fb_perf(void) {
	(void)syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
}
static void fb_process_vm(void) {
	(void)syscall(SYS_process_vm_readv, getpid(), NULL, 0, NULL, 0, 0);
}
static void fb_connect(void) { (void)syscall(SYS_connect, -1, NULL, 0); }
static void fb_bind(void) { (void)syscall(SYS_bind, -1, NULL, 0); }
static void fb_listen(void) { (void)syscall(SYS_listen, -1, 1); }
static void fb_getuid(void) { (void)syscall(SYS_getuid); }
static void fb_getppid(void) { (void)syscall(SYS_getppid); }
static void fb_sigaction(void) { (void)signal(SIGUSR1, SIG_IGN); }
static void fb_memfd(void) { (void)syscall(SYS_memfd_create, "x", 0); }
static void fb_unshare(void) { (void)syscall(SYS_unshare, 0); }
static void fb_mmap_exec(void) {
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
static void fb_mprotect_exec(void) {
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
}
static void fb_madvise_other(void) {
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	(void)madvise(p, 4096, MADV_DONTFORK);
}
static void fb_fcntl_dupfd(void) { (void)fcntl(0, F_DUPFD, 10); }
static void fb_futex_shared(void) {
	static int w;
	(void)syscall(SYS_futex, &w, FUTEX_WAKE, 1, NULL, NULL, 0);
}
static void fb_tgkill_other(void) {
	/* not SIGABRT: would end the process with SIGUSR1 if allowed */
	(void)syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
}
static void fb_getsockopt_type(void) {
	int v; socklen_t l = sizeof(v);
	(void)getsockopt(-1, SOL_SOCKET, SO_TYPE, &v, &l);
}
static void fb_setsockopt_reuse(void) {
	int v = 1;
	(void)setsockopt(-1, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v));
}
#ifdef __x86_64__
static void fb_x32(void) { (void)syscall(SYS_getpid | 0x40000000); }
#endif
/* role specific */
static void fb_accept4(void) { (void)accept4(-1, NULL, NULL, 0); }
static void fb_accept(void) { (void)syscall(SYS_accept, -1, NULL, NULL); }
static void fb_sendto(void) { (void)sendto(-1, "", 0, 0, NULL, 0); }
static void fb_recvfrom(void) {
	char c;
	(void)recvfrom(-1, &c, 1, MSG_DONTWAIT, NULL, NULL);
}
static void fb_shutdown(void) { (void)shutdown(-1, SHUT_RDWR); }
static void fb_getsockname(void) {
	struct sockaddr_storage ss; socklen_t l = sizeof(ss);
	(void)getsockname(-1, (struct sockaddr *)&ss, &l);
}
static void fb_getpeername(void) {
	struct sockaddr_storage ss; socklen_t l = sizeof(ss);
	(void)getpeername(-1, (struct sockaddr *)&ss, &l);
}
static void fb_getsockopt_error(void) {
	int v; socklen_t l = sizeof(v);
	(void)getsockopt(-1, SOL_SOCKET, SO_ERROR, &v, &l);
}
static void fb_setsockopt_nodelay(void) {
	int v = 1;
	(void)setsockopt(-1, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
}
static void fb_setsockopt_tos(void) {
	int v = 0;
	(void)setsockopt(-1, IPPROTO_IP, IP_TOS, &v, sizeof(v));
}
static void fb_recvmmsg(void) {
	(void)syscall(SYS_recvmmsg, -1, NULL, 0, 0, NULL);
}
static void fb_sendmmsg(void) { (void)syscall(SYS_sendmmsg, -1, NULL, 0, 0); }

#define R_KEYS		(1 << ROLE_KEYS)
#define R_META		(1 << ROLE_META)
#define R_PACKET	(1 << ROLE_PACKET)
#define R_ALL		(R_KEYS | R_META | R_PACKET)

static const struct forbidden {
	const char	*name;
	void		(*fn)(void);
	int		 roles;		/* where it must be killed */
} forbidden[] = {
	{ "socket", fb_socket, R_ALL },
	{ "socketpair", fb_socketpair, R_ALL },
	{ "open", fb_open, R_ALL },
	{ "openat", fb_openat, R_ALL },
	{ "fopen", fb_fopen, R_ALL },
	{ "execve", fb_execve, R_ALL },
	{ "execveat", fb_execveat, R_ALL },
	{ "fork", fb_fork, R_ALL },
	{ "kill", fb_kill, R_ALL },
	{ "ptrace", fb_ptrace, R_ALL },
	{ "ioctl", fb_ioctl, R_ALL },
	{ "prctl", fb_prctl, R_ALL },
	{ "setuid", fb_setuid, R_ALL },
	{ "chroot", fb_chroot, R_ALL },
	{ "mount", fb_mount, R_ALL },
	{ "bpf", fb_bpf, R_ALL },
	{ "io_uring_setup", fb_io_uring, R_ALL },
	{ "keyctl", fb_keyctl, R_ALL },
	{ "perf_event_open", fb_perf, R_ALL },
	{ "process_vm_readv", fb_process_vm, R_ALL },
	{ "connect", fb_connect, R_ALL },
	{ "bind", fb_bind, R_ALL },
	{ "listen", fb_listen, R_ALL },
	{ "getuid", fb_getuid, R_ALL },
	{ "getppid", fb_getppid, R_ALL },
	{ "rt_sigaction", fb_sigaction, R_ALL },
	{ "memfd_create", fb_memfd, R_ALL },
	{ "unshare", fb_unshare, R_ALL },
	{ "mmap PROT_EXEC", fb_mmap_exec, R_ALL },
	{ "mprotect PROT_EXEC", fb_mprotect_exec, R_ALL },
	{ "madvise DONTFORK", fb_madvise_other, R_ALL },
	{ "fcntl F_DUPFD", fb_fcntl_dupfd, R_ALL },
	{ "futex shared", fb_futex_shared, R_ALL },
	{ "tgkill SIGUSR1", fb_tgkill_other, R_ALL },
	{ "getsockopt SO_TYPE", fb_getsockopt_type, R_ALL },
	{ "setsockopt SO_REUSEADDR", fb_setsockopt_reuse, R_ALL },
#ifdef __x86_64__
	{ "x32 ABI", fb_x32, R_ALL },
#endif
	{ "accept4", fb_accept4, R_KEYS | R_PACKET },
	{ "accept", fb_accept, R_KEYS | R_PACKET },
	{ "sendto", fb_sendto, R_KEYS },
	{ "recvfrom", fb_recvfrom, R_KEYS },
	{ "shutdown", fb_shutdown, R_KEYS | R_PACKET },
	{ "getsockname", fb_getsockname, R_KEYS },
	{ "getpeername", fb_getpeername, R_KEYS | R_PACKET },
	{ "getsockopt SO_ERROR", fb_getsockopt_error, R_KEYS | R_PACKET },
	{ "setsockopt TCP_NODELAY", fb_setsockopt_nodelay, R_KEYS | R_PACKET },
	{ "setsockopt IP_TOS", fb_setsockopt_tos, R_KEYS },
	{ "recvmmsg", fb_recvmmsg, R_KEYS | R_META },
	{ "sendmmsg", fb_sendmmsg, R_KEYS | R_META },
};

/* (role, call) pairs, flattened for one loop test */
static struct { enum proc_role role; const struct forbidden *f; } cases[256];
static int	 ncases;

static void
build_cases(void)
{
	size_t	 i, r;

	for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		for (r = 0; r < NROLES; r++)
			if (forbidden[i].roles & (1 << roles[r])) {
				cases[ncases].role = roles[r];
				cases[ncases].f = &forbidden[i];
				ncases++;
			}
}

START_TEST(test_forbidden)
{
	const struct forbidden	*f = cases[_i].f;
	enum proc_role		 role = cases[_i].role;

	filter_on(role);
	f->fn();
	ck_abort_msg("%s worker survived forbidden %s", role_name(role),
	    f->name);
}
END_TEST

/* Descriptor passing, as the channels do it. */
static void
pass_fd(int sock, int fd)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr	*c;
	char		 b = 'F';

	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = &b;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ck_assert_int_eq(sendmsg(sock, &msg, 0), 1);
}

static int
recv_fd(int sock)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr	*c;
	char		 b;
	int		 fd = -1;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &b;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	ck_assert_int_eq(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC), 1);
	ck_assert_int_eq(b, 'F');
	c = CMSG_FIRSTHDR(&msg);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The basic calls every worker makes, inside every policy. */
START_TEST(test_allowed_basic)
{
	enum proc_role	 role = roles[_i];
	int		 p[2], sv[2], q[2], fd, fl, w = 0;
	char		 buf[16], a[3], b[3];
	struct iovec	 iov[2];
	struct pollfd	 pfd;
	struct timespec	 ts, zero = { 0, 0 };
	struct timeval	 tv;
	struct stat	 st;
	sigset_t	 set, old;
	uint8_t		 rnd[16];
	void		*m;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(q), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	filter_on(role);

	/* read, write, readv, writev, poll, ppoll */
	ck_assert_int_eq(write(p[1], "abc", 3), 3);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 1000), 1);
	ck_assert_int_eq(ppoll(&pfd, 1, &zero, NULL), 1);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
	memcpy(a, "xyz", 3);
	iov[0].iov_base = a;
	iov[0].iov_len = 3;
	ck_assert_int_eq(writev(p[1], iov, 1), 3);
	iov[0].iov_base = b;
	ck_assert_int_eq(readv(p[0], iov, 1), 3);
	ck_assert_int_eq(memcmp(a, b, 3), 0);
	pfd.revents = 0;
	ck_assert_int_eq(poll(&pfd, 1, 20), 0);	/* a real wait */

	/* time, without the vDSO */
	ck_assert_int_eq(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts), 0);
	ck_assert_int_eq(syscall(SYS_gettimeofday, &tv, NULL), 0);
	ck_assert_int_ne(syscall(SYS_time, NULL), -1);
	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &ts), 0);

	/* ids, randomness */
	ck_assert_int_gt(getpid(), 0);
	ck_assert_int_gt(gettid(), 0);
	ck_assert_int_eq(getrandom(rnd, sizeof(rnd), 0), (ssize_t)sizeof(rnd));

	/* fcntl: flags only */
	ck_assert_int_ne(fl = fcntl(p[0], F_GETFL), -1);
	ck_assert_int_eq(fcntl(p[0], F_SETFL, fl | O_NONBLOCK), 0);
	ck_assert_int_eq(read(p[0], buf, 1), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(fcntl(p[0], F_SETFD, FD_CLOEXEC), 0);
	ck_assert_int_eq(fcntl(p[0], F_GETFD), FD_CLOEXEC);

	/* fstat works on descriptors; path forms answer EACCES */
	ck_assert_int_eq(syscall(SYS_fstat, p[0], &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &st,
	    0), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(stat("/etc/passwd", &st), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(syscall(SYS_statx, AT_FDCWD, "/", 0, 0, buf), -1);
	ck_assert_int_eq(errno, EACCES);
	/* clone3 says "not here" so glibc would fall back to (killed) clone */
	ck_assert_int_eq(syscall(SYS_clone3, NULL, 0), -1);
	ck_assert_int_eq(errno, ENOSYS);

	/* descriptor passing over a channel */
	pass_fd(sv[0], q[1]);
	fd = recv_fd(sv[1]);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "z", 1), 1);
	ck_assert_int_eq(read(q[0], buf, 1), 1);
	ck_assert_int_eq(buf[0], 'z');
	ck_assert_int_eq(close(fd), 0);

	/* memory: anonymous RW maps, resize, protect, advise */
	m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	memset(m, 1, 1 << 20);
	m = mremap(m, 1 << 20, 4 << 20, MREMAP_MAYMOVE);
	ck_assert_ptr_ne(m, MAP_FAILED);
	ck_assert_int_eq(mprotect(m, 4096, PROT_READ), 0);
	ck_assert_int_eq(mprotect(m, 4096, PROT_NONE), 0);
	ck_assert_int_eq(madvise(m, 1 << 20, MADV_DONTNEED), 0);
	ck_assert_int_eq(madvise(m, 1 << 20, MADV_DONTDUMP), 0);
	ck_assert_int_eq(munmap(m, 4 << 20), 0);

	/* private futex, signal mask */
	ck_assert_int_eq(syscall(SYS_futex, &w, FUTEX_WAKE_PRIVATE, 1, NULL,
	    NULL, 0), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, &old), 0);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, &old, NULL), 0);

	ck_assert_int_eq(close(p[0]), 0);
	ck_assert_int_eq(close(sv[0]), 0);
	filtered_done();
}
END_TEST

static void
aes_hmac(void)
{
	uint8_t		 key[32], iv[16], in[1500], ct[1600], pt[1600];
	uint8_t		 mac1[64], mac2[64];
	size_t		 maclen1, maclen2;
	int		 l1, l2, l3, l4;
	EVP_CIPHER_CTX	*c;
	EVP_MAC		*mac;
	EVP_MAC_CTX	*h;
	OSSL_PARAM	 params[2];

	ck_assert_int_eq(RAND_bytes(key, sizeof(key)), 1);
	ck_assert_int_eq(RAND_bytes(iv, sizeof(iv)), 1);
	ck_assert_int_eq(RAND_bytes(in, sizeof(in)), 1);

	ck_assert_ptr_nonnull(c = EVP_CIPHER_CTX_new());
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, key,
	    iv), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, ct, &l1, in, sizeof(in)), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(c, ct + l1, &l2), 1);
	ck_assert_int_eq(EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, key,
	    iv), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(c, pt, &l3, ct, l1 + l2), 1);
	ck_assert_int_eq(EVP_DecryptFinal_ex(c, pt + l3, &l4), 1);
	ck_assert_int_eq(l3 + l4, (int)sizeof(in));
	ck_assert_int_eq(memcmp(in, pt, sizeof(in)), 0);
	/* the 1.0 meta cipher */
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_aes_256_cfb128(), NULL,
	    key, iv), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, ct, &l1, in, 100), 1);
	ck_assert_int_eq(l1, 100);
	EVP_CIPHER_CTX_free(c);

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ck_assert_ptr_nonnull(mac = EVP_MAC_fetch(NULL, "HMAC", NULL));
	ck_assert_ptr_nonnull(h = EVP_MAC_CTX_new(mac));
	ck_assert_int_eq(EVP_MAC_init(h, key, sizeof(key), params), 1);
	ck_assert_int_eq(EVP_MAC_update(h, ct, sizeof(in)), 1);
	ck_assert_int_eq(EVP_MAC_final(h, mac1, &maclen1, sizeof(mac1)), 1);
	EVP_MAC_CTX_free(h);
	EVP_MAC_free(mac);
	ck_assert_int_eq(maclen1, 32);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, sizeof(key), ct,
	    sizeof(in), mac2, NULL));
	maclen2 = 32;
	ck_assert_int_eq(memcmp(mac1, mac2, maclen2), 0);
	/* the 1.0 default digest pair, and SPTPS's PRF hash */
	ck_assert_ptr_nonnull(HMAC(EVP_sha1(), key, 20, in, 64, mac2, NULL));
	ck_assert_ptr_nonnull(HMAC(EVP_sha512(), key, 32, in, 64, mac2,
	    NULL));
}

static void
chacha_poly(void)
{
	uint8_t		 key[32], nonce[12], in[256], ct[256], pt[256];
	uint8_t		 tag[16], otk[32], ptag[16];
	size_t		 tl = sizeof(ptag);
	int		 l;
	EVP_CIPHER_CTX	*c;
	EVP_MAC		*mac;
	EVP_MAC_CTX	*h;

	ck_assert_int_eq(RAND_bytes(key, sizeof(key)), 1);
	memset(nonce, 7, sizeof(nonce));
	memset(in, 3, sizeof(in));
	ck_assert_ptr_nonnull(c = EVP_CIPHER_CTX_new());
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL,
	    key, nonce), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, ct, &l, in, sizeof(in)), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(c, ct + l, &l), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16,
	    tag), 1);
	ck_assert_int_eq(EVP_DecryptInit_ex(c, EVP_chacha20_poly1305(), NULL,
	    key, nonce), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(c, pt, &l, ct, sizeof(in)), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16,
	    tag), 1);
	ck_assert_int_eq(EVP_DecryptFinal_ex(c, pt + l, &l), 1);
	ck_assert_int_eq(memcmp(in, pt, sizeof(in)), 0);
	/* raw ChaCha20 and a Poly1305 MAC, as SPTPS builds its records */
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_chacha20(), NULL, key,
	    key), 1);
	memset(otk, 0, sizeof(otk));
	ck_assert_int_eq(EVP_EncryptUpdate(c, otk, &l, otk, sizeof(otk)), 1);
	EVP_CIPHER_CTX_free(c);
	ck_assert_ptr_nonnull(mac = EVP_MAC_fetch(NULL, "POLY1305", NULL));
	ck_assert_ptr_nonnull(h = EVP_MAC_CTX_new(mac));
	ck_assert_int_eq(EVP_MAC_init(h, otk, sizeof(otk), NULL), 1);
	ck_assert_int_eq(EVP_MAC_update(h, ct, sizeof(ct)), 1);
	ck_assert_int_eq(EVP_MAC_final(h, ptag, &tl, sizeof(ptag)), 1);
	ck_assert_int_eq(tl, 16);
	EVP_MAC_CTX_free(h);
	EVP_MAC_free(mac);
}

static void
x25519_ed25519(void)
{
	EVP_PKEY	*a, *b, *e;
	EVP_PKEY_CTX	*d;
	EVP_MD_CTX	*m;
	uint8_t		 s1[32], s2[32], sig[64], msg[100];
	size_t		 l1 = sizeof(s1), l2 = sizeof(s2), sl = sizeof(sig);

	ck_assert_ptr_nonnull(a = EVP_PKEY_Q_keygen(NULL, NULL, "X25519"));
	ck_assert_ptr_nonnull(b = EVP_PKEY_Q_keygen(NULL, NULL, "X25519"));
	ck_assert_ptr_nonnull(d = EVP_PKEY_CTX_new(a, NULL));
	ck_assert_int_eq(EVP_PKEY_derive_init(d), 1);
	ck_assert_int_eq(EVP_PKEY_derive_set_peer(d, b), 1);
	ck_assert_int_eq(EVP_PKEY_derive(d, s1, &l1), 1);
	EVP_PKEY_CTX_free(d);
	ck_assert_ptr_nonnull(d = EVP_PKEY_CTX_new(b, NULL));
	ck_assert_int_eq(EVP_PKEY_derive_init(d), 1);
	ck_assert_int_eq(EVP_PKEY_derive_set_peer(d, a), 1);
	ck_assert_int_eq(EVP_PKEY_derive(d, s2, &l2), 1);
	EVP_PKEY_CTX_free(d);
	ck_assert_int_eq(memcmp(s1, s2, 32), 0);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);

	memset(msg, 0x42, sizeof(msg));
	ck_assert_ptr_nonnull(e = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	ck_assert_ptr_nonnull(m = EVP_MD_CTX_new());
	ck_assert_int_eq(EVP_DigestSignInit_ex(m, NULL, NULL, NULL, NULL, e,
	    NULL), 1);
	ck_assert_int_eq(EVP_DigestSign(m, sig, &sl, msg, sizeof(msg)), 1);
	EVP_MD_CTX_reset(m);
	ck_assert_int_eq(EVP_DigestVerifyInit_ex(m, NULL, NULL, NULL, NULL, e,
	    NULL), 1);
	ck_assert_int_eq(EVP_DigestVerify(m, sig, sl, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(e);
}

static void
malloc_churn(void)
{
	void	*p[64];
	char	*big;
	size_t	 i;

	memset(p, 0, sizeof(p));
	for (i = 0; i < 20000; i++) {
		p[i % 64] = realloc(p[i % 64], (i * 37) % 8192 + 1);
		ck_assert_ptr_nonnull(p[i % 64]);
		memset(p[i % 64], (int)i, 1);
	}
	for (i = 0; i < 64; i++)
		free(p[i]);
	/* above the mmap threshold: mmap, mremap, munmap */
	ck_assert_ptr_nonnull(big = malloc(64 << 20));
	memset(big, 1, 64 << 20);
	ck_assert_ptr_nonnull(big = realloc(big, 128 << 20));
	memset(big + (64 << 20), 2, 64 << 20);
	free(big);
	ck_assert_ptr_nonnull(big = calloc(1, 8 << 20));
	free(big);
	/* heap growth with brk, then trimming */
	for (i = 0; i < 64; i++)
		ck_assert_ptr_nonnull(p[i] = malloc(100000));
	for (i = 0; i < 64; i++)
		free(p[i]);
	malloc_trim(0);
}

/* What the packet and meta workers do all day. */
START_TEST(test_crypto_workload)
{
	enum proc_role	 role = roles[_i];
	uint8_t		 buf[4096];

	filter_on(role);
	ck_assert_int_eq(RAND_bytes(buf, sizeof(buf)), 1);
	ck_assert_int_eq(RAND_priv_bytes(buf, sizeof(buf)), 1);
	aes_hmac();
	chacha_poly();
	x25519_ed25519();
	malloc_churn();
	filtered_done();
}
END_TEST

/* The key holder: RSA raw decryption and Ed25519 signing, keys from PEM. */
START_TEST(test_keys_workload)
{
	EVP_PKEY	*rsa, *ed, *k;
	EVP_PKEY_CTX	*c;
	EVP_MD_CTX	*m;
	BIO		*bio;
	char		*pem_rsa, *pem_ed;
	long		 n;
	uint8_t		 plain[256], ct[256], out[256], sig[64];
	size_t		 ctlen = sizeof(ct), outlen = sizeof(out);
	size_t		 sl = sizeof(sig);

	/* outside: keys, their PEM, one ciphertext */
	ck_assert_ptr_nonnull(rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)2048));
	ck_assert_ptr_nonnull(ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	ck_assert_ptr_nonnull(bio = BIO_new(BIO_s_mem()));
	ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, rsa, NULL, NULL, 0,
	    NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem_rsa);
	ck_assert_ptr_nonnull(pem_rsa = strndup(pem_rsa, (size_t)n));
	BIO_free(bio);
	ck_assert_ptr_nonnull(bio = BIO_new(BIO_s_mem()));
	ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, ed, NULL, NULL, 0,
	    NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem_ed);
	ck_assert_ptr_nonnull(pem_ed = strndup(pem_ed, (size_t)n));
	BIO_free(bio);

	memset(plain, 0x11, sizeof(plain));
	plain[0] = 0;		/* below the modulus */
	ck_assert_ptr_nonnull(c = EVP_PKEY_CTX_new(rsa, NULL));
	ck_assert_int_eq(EVP_PKEY_encrypt_init(c), 1);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 0);
	ck_assert_int_eq(EVP_PKEY_encrypt(c, ct, &ctlen, plain,
	    sizeof(plain)), 1);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);

	filter_on(ROLE_KEYS);

	/* inside: decode the keys, decrypt, sign, verify */
	ck_assert_ptr_nonnull(bio = BIO_new_mem_buf(pem_rsa, -1));
	ck_assert_ptr_nonnull(k = PEM_read_bio_PrivateKey(bio, NULL, NULL,
	    NULL));
	BIO_free(bio);
	ck_assert_ptr_nonnull(c = EVP_PKEY_CTX_new(k, NULL));
	ck_assert_int_eq(EVP_PKEY_decrypt_init(c), 1);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 0);
	ck_assert_int_eq(EVP_PKEY_decrypt(c, out, &outlen, ct, ctlen), 1);
	ck_assert_int_eq(outlen, sizeof(plain));
	ck_assert_int_eq(memcmp(out, plain, sizeof(plain)), 0);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(k);

	ck_assert_ptr_nonnull(bio = BIO_new_mem_buf(pem_ed, -1));
	ck_assert_ptr_nonnull(k = PEM_read_bio_PrivateKey(bio, NULL, NULL,
	    NULL));
	BIO_free(bio);
	ck_assert_ptr_nonnull(m = EVP_MD_CTX_new());
	ck_assert_int_eq(EVP_DigestSignInit_ex(m, NULL, NULL, NULL, NULL, k,
	    NULL), 1);
	ck_assert_int_eq(EVP_DigestSign(m, sig, &sl, plain, sizeof(plain)), 1);
	EVP_MD_CTX_reset(m);
	ck_assert_int_eq(EVP_DigestVerifyInit_ex(m, NULL, NULL, NULL, NULL, k,
	    NULL), 1);
	ck_assert_int_eq(EVP_DigestVerify(m, sig, sl, plain, sizeof(plain)),
	    1);
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(k);
	freezero(pem_rsa, strlen(pem_rsa));
	freezero(pem_ed, strlen(pem_ed));
	filtered_done();
}
END_TEST

/* meta: accept, TCP I/O and the few socket options it may set */
START_TEST(test_meta_sockets)
{
	struct sockaddr_in	 sin;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct pollfd		 pfd;
	int			 lfd, cfd, afd, v6, one = 1, tos = 0x10, err;
	char			 buf[8];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0),
	    -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	sl = sizeof(sin);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
	ck_assert_int_ne(cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0),
	    -1);
	if (connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		ck_assert_int_eq(errno, EINPROGRESS);
	v6 = socket(AF_INET6, SOCK_STREAM, 0);	/* -1 without IPv6 */

	filter_on(ROLE_META);

	pfd.fd = lfd;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	sl = sizeof(ss);
	ck_assert_int_ne(afd = accept4(lfd, (struct sockaddr *)&ss, &sl,
	    SOCK_NONBLOCK | SOCK_CLOEXEC), -1);
	pfd.fd = cfd;
	pfd.events = POLLOUT;
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	sl = sizeof(err);
	ck_assert_int_eq(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &err, &sl), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(setsockopt(afd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), 0);
	ck_assert_int_eq(setsockopt(afd, IPPROTO_IP, IP_TOS, &tos,
	    sizeof(tos)), 0);
	if (v6 != -1)
		ck_assert_int_eq(setsockopt(v6, IPPROTO_IPV6, IPV6_TCLASS,
		    &tos, sizeof(tos)), 0);
	sl = sizeof(ss);
	ck_assert_int_eq(getsockname(afd, (struct sockaddr *)&ss, &sl), 0);
	sl = sizeof(ss);
	ck_assert_int_eq(getpeername(afd, (struct sockaddr *)&ss, &sl), 0);

	ck_assert_int_eq(send(cfd, "ping", 4, 0), 4);
	pfd.fd = afd;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	ck_assert_int_eq(recv(afd, buf, sizeof(buf), 0), 4);
	ck_assert_int_eq(memcmp(buf, "ping", 4), 0);
	ck_assert_int_eq(shutdown(afd, SHUT_WR), 0);
	pfd.fd = cfd;
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	ck_assert_int_eq(recv(cfd, buf, sizeof(buf), 0), 0);
	ck_assert_int_eq(close(afd), 0);
	ck_assert_int_eq(close(cfd), 0);
	filtered_done();
}
END_TEST

/* packet: UDP one at a time and in batches */
START_TEST(test_packet_sockets)
{
	struct sockaddr_in	 a, b, from;
	socklen_t		 sl;
	struct mmsghdr		 mm[4];
	struct iovec		 iov[4];
	char			 data[4][32], buf[64];
	struct pollfd		 pfd;
	struct timespec		 ts = { 1, 0 };
	int			 s1, s2, v6, tos = 0x20, i;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b = a;
	ck_assert_int_ne(s1 = socket(AF_INET, SOCK_DGRAM, 0), -1);
	ck_assert_int_ne(s2 = socket(AF_INET, SOCK_DGRAM, 0), -1);
	ck_assert_int_eq(bind(s1, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(bind(s2, (struct sockaddr *)&b, sizeof(b)), 0);
	v6 = socket(AF_INET6, SOCK_DGRAM, 0);

	filter_on(ROLE_PACKET);

	sl = sizeof(b);
	ck_assert_int_eq(getsockname(s2, (struct sockaddr *)&b, &sl), 0);
	ck_assert_int_eq(setsockopt(s1, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)),
	    0);
	if (v6 != -1)
		ck_assert_int_eq(setsockopt(v6, IPPROTO_IPV6, IPV6_TCLASS,
		    &tos, sizeof(tos)), 0);
	ck_assert_int_eq(sendto(s1, "one", 3, 0, (struct sockaddr *)&b,
	    sizeof(b)), 3);
	pfd.fd = s2;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	sl = sizeof(from);
	ck_assert_int_eq(recvfrom(s2, buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &sl), 3);

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < 4; i++) {
		snprintf(data[i], sizeof(data[i]), "datagram %d", i);
		iov[i].iov_base = data[i];
		iov[i].iov_len = strlen(data[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &b;
		mm[i].msg_hdr.msg_namelen = sizeof(b);
	}
	ck_assert_int_eq(sendmmsg(s1, mm, 4, 0), 4);
	memset(mm, 0, sizeof(mm));
	memset(data, 0, sizeof(data));
	for (i = 0; i < 4; i++) {
		iov[i].iov_base = data[i];
		iov[i].iov_len = sizeof(data[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	i = recvmmsg(s2, mm, 4, MSG_WAITFORONE, &ts);
	ck_assert_int_ge(i, 1);
	ck_assert_str_eq(data[0], "datagram 0");
	ck_assert_int_eq(close(s1), 0);
	ck_assert_int_eq(close(s2), 0);
	filtered_done();
}
END_TEST

/* Blowfish for tinc 1.0 configurations: legacy provider, then filter. */
START_TEST(test_legacy_provider)
{
	EVP_CIPHER	*bf;
	EVP_CIPHER_CTX	*c;
	uint8_t		 key[16], iv[8], in[64], out[80];
	int		 l;

	ck_assert_int_eq(sandbox_load_legacy_provider(), 0);
	ck_assert_int_eq(sandbox_load_legacy_provider(), 0);
	filter_on(ROLE_PACKET);
	memset(key, 1, sizeof(key));
	memset(iv, 2, sizeof(iv));
	memset(in, 3, sizeof(in));
	ck_assert_ptr_nonnull(bf = EVP_CIPHER_fetch(NULL, "BF-CBC", NULL));
	ck_assert_ptr_nonnull(c = EVP_CIPHER_CTX_new());
	ck_assert_int_eq(EVP_EncryptInit_ex(c, bf, NULL, key, iv), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, out, &l, in, sizeof(in)), 1);
	ck_assert_int_eq(l, 64);
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_get_cipherbyname("bf-ofb"),
	    NULL, key, iv), 1);
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(bf);
	filtered_done();
}
END_TEST

/* An assertion in a worker shows up as SIGABRT, not as a filter kill. */
START_TEST(test_abort_is_sigabrt)
{
	filter_on(roles[_i]);
	abort();
}
END_TEST

/* TRAP mode names the call on stderr and still dies of SIGSYS. */
START_TEST(test_trap_mode)
{
	int	 p[2], status;
	pid_t	 pid;
	char	 buf[256], want[64];
	ssize_t	 n;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		if (dup2(p[1], STDERR_FILENO) == -1)
			_exit(2);
		sandbox_prepare(ROLE_KEYS);
		if (sandbox_filter(ROLE_KEYS, SANDBOX_TRAP) == -1)
			_exit(3);
		(void)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
		_exit(4);
	}
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "status %#x", status);
	n = read(p[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "forbidden system call number %d ",
	    (int)SYS_socket);
	ck_assert_msg(strstr(buf, want) != NULL, "got: %s", buf);
	close(p[0]);
}
END_TEST

START_TEST(test_filter_refuses)
{
	int	 fd;

	log_capture();
	ck_assert_int_eq(sandbox_filter(ROLE_PARENT, SANDBOX_KILL), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "no policy for role parent"));
	ck_assert_int_eq(sandbox_filter(ROLE_KEYS, 7), -1);
	/* nothing was loaded */
	ck_assert_int_ne(fd = socket(AF_INET, SOCK_DGRAM, 0), -1);
	close(fd);
}
END_TEST

/* ---- sandbox_enter, as root ---- */

static char *
make_root(void)
{
	static char	 dir[64];

	strlcpy(dir, "/tmp/ptinc-sbx-XXXXXX", sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	return dir;
}

/* Value of a "Key:\t..." line of /proc/PID/status, or NULL. */
static char *
proc_status(pid_t pid, const char *key, char *out, size_t outsz)
{
	char	 path[64], line[512];
	FILE	*f;
	size_t	 kl = strlen(key), kl2;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			line[strcspn(line, "\n")] = '\0';
			kl2 = strlen(line);
			while (kl2 > 0 && (line[kl2 - 1] == ' ' ||
			    line[kl2 - 1] == '\t'))
				line[--kl2] = '\0';
			strlcpy(out, line + kl + 1 + strspn(line + kl + 1,
			    " \t"), outsz);
			fclose(f);
			return out;
		}
	}
	fclose(f);
	return NULL;
}

/* Soft limit of one "Max ..." line of /proc/PID/limits. */
static long long
proc_limit(pid_t pid, const char *name)
{
	char		 path[64], line[512], *p;
	FILE		*f;
	long long	 v = -2;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, strlen(name)) != 0)
			continue;
		p = line + strlen(name);
		p += strspn(p, " ");
		v = strncmp(p, "unlimited", 9) == 0 ? -1 : strtoll(p, NULL, 10);
		break;
	}
	fclose(f);
	return v;
}

START_TEST(test_enter)
{
	enum proc_role		 role = roles[_i];
	struct sandbox_user	 su;
	struct rlimit		 core;
	char			*dir, v[256], link[256], c;
	int			 rep[2], go[2], status;
	ssize_t			 n;
	pid_t			 pid;

	ck_assert_msg(geteuid() == 0, "this test must run as root");
	dir = make_root();
	ck_assert_int_eq(sandbox_lookup_user("nobody", &su), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_CORE, &core), 0);
	core.rlim_cur = core.rlim_max > (1 << 20) ? (1 << 20) : core.rlim_max;
	ck_assert_msg(core.rlim_cur > 0, "no core size to lower");
	ck_assert_int_eq(pipe(rep), 0);
	ck_assert_int_eq(pipe(go), 0);

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		/*
		 * No check calls here: FSIZE 0 would stop its reporting.
		 * Keep only stdio, the report pipe on 50 and a high
		 * descriptor, 60, that RLIMIT_NOFILE must stay above.
		 */
		if (dup2(rep[1], 50) == -1 || dup2(go[0], 60) == -1)
			_exit(2);
		closefrom(61);
		for (n = 3; n < 60; n++)
			if (n != 50)
				close((int)n);
		/* keys must lower this to 0; the others leave it */
		if (setrlimit(RLIMIT_CORE, &core) == -1)
			_exit(2);
		sandbox_prepare(role);
		c = sandbox_enter(role, &su, dir, 16) == 0 ? 'y' : 'n';
		if (write(50, &c, 1) != 1 || read(60, &c, 1) != 1)
			_exit(3);
		if (c == 'o')	/* openat must now kill */
			(void)syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
		exit(5);
	}
	close(rep[1]);
	close(go[0]);
	ck_assert_int_eq(read(rep[0], &c, 1), 1);
	ck_assert_msg(c == 'y', "sandbox_enter failed for %s",
	    role_name(role));

	ck_assert_str_eq(proc_status(pid, "Uid", v, sizeof(v)),
	    "65534\t65534\t65534\t65534");
	ck_assert_str_eq(proc_status(pid, "Gid", v, sizeof(v)),
	    "65534\t65534\t65534\t65534");
	ck_assert_str_eq(proc_status(pid, "Groups", v, sizeof(v)), "65534");
	ck_assert_str_eq(proc_status(pid, "NoNewPrivs", v, sizeof(v)), "1");
	ck_assert_str_eq(proc_status(pid, "Seccomp", v, sizeof(v)), "2");
	ck_assert_str_eq(proc_status(pid, "CapEff", v, sizeof(v)),
	    "0000000000000000");
	ck_assert_str_eq(proc_status(pid, "CapPrm", v, sizeof(v)),
	    "0000000000000000");
	snprintf(v, sizeof(v), "/proc/%d/root", (int)pid);
	n = readlink(v, link, sizeof(link) - 1);
	ck_assert_int_gt(n, 0);
	link[n] = '\0';
	ck_assert_str_eq(link, dir);
	ck_assert_int_eq(proc_limit(pid, "Max processes"), 0);
	ck_assert_int_eq(proc_limit(pid, "Max file size"), 0);
	ck_assert_int_eq(proc_limit(pid, "Max open files"), 61);
	ck_assert_int_eq(proc_limit(pid, "Max core file size"),
	    role == ROLE_KEYS ? 0 : (long long)core.rlim_cur);

	ck_assert_int_eq(write(go[1], "o", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "status %#x", status);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* After entering, a clean exit() still works (OpenSSL's atexit). */
START_TEST(test_enter_exit)
{
	struct sandbox_user	 su;
	char			*dir;
	int			 status;
	pid_t			 pid;
	uint8_t			 b[16];

	ck_assert_msg(geteuid() == 0, "this test must run as root");
	dir = make_root();
	ck_assert_int_eq(sandbox_lookup_user("nobody", &su), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		sandbox_prepare(ROLE_KEYS);
		if (sandbox_enter(ROLE_KEYS, &su, dir, 16) == -1)
			_exit(2);
		if (RAND_bytes(b, sizeof(b)) != 1)
			_exit(3);
		exit(7);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 7,
	    "status %#x", status);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_enter_refuses)
{
	struct sandbox_user	 su, root;
	char			*dir, path[128];
	int			 fd;

	ck_assert_msg(geteuid() == 0, "this test must run as root");
	dir = make_root();
	ck_assert_int_eq(sandbox_lookup_user("nobody", &su), 0);
	log_capture();

	memset(&root, 0, sizeof(root));
	strlcpy(root.name, "root", sizeof(root.name));
	ck_assert_int_eq(sandbox_enter(ROLE_META, &root, dir, 16), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "as root"));
	ck_assert_int_eq(sandbox_enter(ROLE_PARENT, &su, dir, 16), -1);

	snprintf(path, sizeof(path), "%s/stray", dir);
	ck_assert_int_ne(fd = open(path, O_CREAT | O_WRONLY, 0600), -1);
	close(fd);
	logbuf[0] = '\0';
	ck_assert_int_eq(sandbox_enter(ROLE_META, &su, dir, 16), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "not empty"));
	/* refused before anything changed */
	ck_assert_int_eq(geteuid(), 0);
	ck_assert_int_ne(fd = open("/etc/passwd", O_RDONLY), -1);
	close(fd);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_check_root)
{
	struct stat	 st;
	char		*dir, sub[128], file[256], lnk[128];
	int		 fd;

	ck_assert_msg(geteuid() == 0, "this test must run as root");
	dir = make_root();
	log_capture();

	/* missing: created root:root 0755 */
	snprintf(sub, sizeof(sub), "%s/empty", dir);
	umask(022);
	ck_assert_int_eq(sandbox_check_root(sub), 0);
	ck_assert_int_eq(lstat(sub, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_uid, 0);
	ck_assert_int_eq(st.st_gid, 0);
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	ck_assert_int_eq(sandbox_check_root(sub), 0);

	/* not empty */
	snprintf(file, sizeof(file), "%s/f", sub);
	ck_assert_int_ne(fd = open(file, O_CREAT | O_WRONLY, 0600), -1);
	close(fd);
	logbuf[0] = '\0';
	ck_assert_int_eq(sandbox_check_root(sub), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "is not empty (contains `f')"));
	ck_assert_int_eq(unlink(file), 0);

	/* group or other writable */
	ck_assert_int_eq(chmod(sub, 0775), 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(sandbox_check_root(sub), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "writable by group or others"));
	ck_assert_int_eq(chmod(sub, 0757), 0);
	ck_assert_int_eq(sandbox_check_root(sub), -1);
	ck_assert_int_eq(chmod(sub, 0755), 0);

	/* not owned by root */
	ck_assert_int_eq(chown(sub, 65534, 0), 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(sandbox_check_root(sub), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "owned by uid 65534, not root"));
	ck_assert_int_eq(chown(sub, 0, 0), 0);
	ck_assert_int_eq(sandbox_check_root(sub), 0);

	/* a symbolic link, a file, a relative path, a missing parent */
	snprintf(lnk, sizeof(lnk), "%s/link", dir);
	ck_assert_int_eq(symlink(sub, lnk), 0);
	logbuf[0] = '\0';
	ck_assert_int_eq(sandbox_check_root(lnk), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "symbolic link"));
	ck_assert_int_eq(unlink(lnk), 0);
	ck_assert_int_ne(fd = open(lnk, O_CREAT | O_WRONLY, 0600), -1);
	close(fd);
	logbuf[0] = '\0';
	ck_assert_int_eq(sandbox_check_root(lnk), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "not a directory"));
	ck_assert_int_eq(unlink(lnk), 0);
	ck_assert_int_eq(sandbox_check_root("var/empty"), -1);
	snprintf(file, sizeof(file), "%s/no/such", dir);
	ck_assert_int_eq(sandbox_check_root(file), -1);

	ck_assert_int_eq(rmdir(sub), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_lookup_user)
{
	struct sandbox_user	 su;
	char			 longname[80];

	log_capture();
	ck_assert_int_eq(sandbox_lookup_user("nobody", &su), 0);
	ck_assert_int_eq(su.uid, 65534);
	ck_assert_int_eq(su.gid, 65534);
	ck_assert_str_eq(su.name, "nobody");

	ck_assert_int_eq(sandbox_lookup_user("ptinc_no_such_user", &su), -1);
	ck_assert_msg(strstr(logbuf, "user `ptinc_no_such_user' does not "
	    "exist; create it with: useradd --system --no-create-home "
	    "--home-dir /nonexistent --shell /usr/sbin/nologin "
	    "ptinc_no_such_user") != NULL, "got: %s", logbuf);
	ck_assert_int_eq(su.uid, 0);

	logbuf[0] = '\0';
	ck_assert_int_eq(sandbox_lookup_user("root", &su), -1);
	ck_assert_ptr_nonnull(strstr(logbuf, "has uid 0"));

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(sandbox_lookup_user(longname, &su), -1);
	ck_assert_int_eq(sandbox_lookup_user("", &su), -1);
}
END_TEST

int
main(void)
{
	Suite		*s = suite_create("sandbox");
	TCase		*tf = tcase_create("filter");
	TCase		*te = tcase_create("enter");
	SRunner		*sr;
	struct rlimit	 rl;
	int		 failed;

	/* SIGSYS dumps core by default; keep the build tree clean */
	if (getrlimit(RLIMIT_CORE, &rl) == 0) {
		rl.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &rl);
	}
	build_cases();

	tcase_set_timeout(tf, 20);
	tcase_add_loop_test_raise_signal(tf, test_forbidden, SIGSYS, 0,
	    ncases);
	tcase_add_loop_test(tf, test_allowed_basic, 0, NROLES);
	tcase_add_loop_test(tf, test_crypto_workload, 0, NROLES);
	tcase_add_test(tf, test_keys_workload);
	tcase_add_test(tf, test_meta_sockets);
	tcase_add_test(tf, test_packet_sockets);
	tcase_add_test(tf, test_legacy_provider);
	tcase_add_loop_test_raise_signal(tf, test_abort_is_sigabrt, SIGABRT,
	    0, NROLES);
	tcase_add_test(tf, test_trap_mode);
	tcase_add_test(tf, test_filter_refuses);
	suite_add_tcase(s, tf);

	tcase_set_timeout(te, 20);
	tcase_add_loop_test(te, test_enter, 0, NROLES);
	tcase_add_test(te, test_enter_exit);
	tcase_add_test(te, test_enter_refuses);
	tcase_add_test(te, test_check_root);
	tcase_add_test(te, test_lookup_user);
	suite_add_tcase(s, te);

	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
