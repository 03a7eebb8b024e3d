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
 * Privilege drop and system call policies of the workers.
 *
 * sandbox_enter() is the only way a worker leaves root.  It chroots into an
 * empty root-owned directory, takes the unprivileged user's ids and checks
 * that root cannot be regained, sets no_new_privs and the rlimits, and
 * installs the role's filter last.  Anything that would need a file, a new
 * socket or a new process must be done before (sandbox_prepare() covers
 * libc and OpenSSL); inside, such calls kill the worker.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/futex.h>
#endif

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "ptinc.h"
#include "log.h"
#include "sandbox.h"

#if HAVE_SECCOMP
#include <seccomp.h>
#endif

static int	open_root_dir(const char *, int);
static int	root_dir_empty(int, const char *);
static int	highest_fd(int *);
static int	drop_ids(const struct sandbox_user *);
static int	verify_ids(const struct sandbox_user *);
static int	set_limit(int, const char *, rlim_t);
static int	set_limits(enum proc_role, unsigned int, int);
static int	role_valid(enum proc_role);
static void	prepare_ciphers(void);
static void	prepare_pkeys(void);
static void	prepare_contexts(void);

static int	 sandbox_mode = SANDBOX_KILL;

/*
 * User lookup.  NSS reads files and may talk to daemons, so this runs
 * before anything is restricted.
 */
int
sandbox_lookup_user(const char *name, struct sandbox_user *su)
{
	struct passwd	*pw;
	int		 rv = -1;

	memset(su, 0, sizeof(*su));
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) >= sizeof(su->name)) {
		log_warnx("%s: invalid user name", __func__);
		return -1;
	}
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH &&
		    errno != EBADF && errno != EPERM)
			log_warn("%s: looking up user `%s'", __func__, name);
		else
			log_warnx("%s: user `%s' does not exist; create it "
			    "with: useradd --system --no-create-home "
			    "--home-dir /nonexistent --shell /usr/sbin/nologin "
			    "%s", __func__, name, name);
		goto done;
	}
	if (pw->pw_uid == 0) {
		log_warnx("%s: user `%s' has uid 0; the workers need an "
		    "unprivileged user of their own", __func__, name);
		goto done;
	}
	if (pw->pw_gid == 0) {
		log_warnx("%s: user `%s' has primary group 0; give it an "
		    "unprivileged group of its own", __func__, name);
		goto done;
	}
	su->uid = pw->pw_uid;
	su->gid = pw->pw_gid;
	strlcpy(su->name, name, sizeof(su->name));
	rv = 0;
 done:
	endpwent();
	return rv;
}

/*
 * The chroot directory.  The parent calls this as root at start-up and may
 * create the directory; the worker checks it again and chroots into the
 * very descriptor it checked.
 */
int
sandbox_check_root(const char *dir)
{
	int	 fd;

	if ((fd = open_root_dir(dir, 1)) == -1)
		return -1;
	close(fd);
	return 0;
}

/*
 * A descriptor of dir, once dir is proven to be a directory (not a link)
 * owned by root, not writable by group or others, and empty.
 */
static int
open_root_dir(const char *dir, int create)
{
	struct stat	 st;
	int		 fd, created = 0;

	if (dir == NULL || dir[0] != '/') {
		log_warnx("%s: chroot directory %s: not an absolute path",
		    __func__, dir == NULL ? "(none)" : dir);
		return -1;
	}
	if (create && mkdir(dir, 0755) == 0) {
		log_info("%s: created chroot directory %s", __func__, dir);
		created = 1;
	} else if (create && errno != EEXIST) {
		log_warn("%s: cannot create chroot directory %s", __func__,
		    dir);
		return -1;
	}
	/* Every check below is made on this descriptor, not the path. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		/* O_DIRECTORY | O_NOFOLLOW says ENOTDIR for a link too */
		if ((errno == ELOOP || errno == ENOTDIR) &&
		    lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
			log_warnx("%s: chroot directory %s is a symbolic link; "
			    "name the real directory", __func__, dir);
		else if (errno == ENOTDIR)
			log_warnx("%s: chroot directory %s is not a directory",
			    __func__, dir);
		else
			log_warn("%s: chroot directory %s", __func__, dir);
		return -1;
	}
	if (created && (fchown(fd, 0, 0) == -1 || fchmod(fd, 0755) == -1)) {
		log_warn("%s: chroot directory %s: setting owner and mode",
		    __func__, dir);
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("%s: chroot directory %s: fstat", __func__, dir);
		goto fail;
	}
	if (st.st_uid != 0) {
		log_warnx("%s: chroot directory %s is owned by uid %lu, "
		    "not root", __func__, dir, (unsigned long)st.st_uid);
		goto fail;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_warnx("%s: chroot directory %s is writable by group or "
		    "others (mode %04o); chmod 0755 it", __func__, dir,
		    (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	if (root_dir_empty(fd, dir) == -1)
		goto fail;
	return fd;
 fail:
	close(fd);
	return -1;
}

static int
root_dir_empty(int fd, const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	int		 dfd, rv = -1;

	/* fdopendir takes its descriptor; give it a second one */
	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("%s: chroot directory %s", __func__, dir);
		return -1;
	}
	if ((d = fdopendir(dfd)) == NULL) {
		log_warn("%s: chroot directory %s: fdopendir", __func__, dir);
		close(dfd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		log_warnx("%s: chroot directory %s is not empty (contains "
		    "`%s'); it must be empty", __func__, dir, de->d_name);
		goto done;
	}
	if (errno != 0) {
		log_warn("%s: chroot directory %s: readdir", __func__, dir);
		goto done;
	}
	rv = 0;
 done:
	closedir(d);
	return rv;
}

/*
 * Load OpenSSL's legacy provider (Blowfish and friends for tinc 1.0
 * configurations).  It is a dlopen()ed module, so this must happen before
 * the sandbox.  Loading it switches off the implicit default provider,
 * hence both.
 */
int
sandbox_load_legacy_provider(void)
{
	static OSSL_PROVIDER	*deflt, *legacy;
	static const char *const legacy_ciphers[] = {
		"BF-CBC", "BF-CFB", "BF-OFB", "CAST5-CBC", "DES-CBC", NULL
	};
	static const char *const legacy_digests[] = {
		"MD4", "RIPEMD160", "WHIRLPOOL", NULL
	};
	EVP_CIPHER	*c;
	EVP_MD		*md;
	int		 i;

	if (legacy != NULL)
		return 0;
	if (deflt == NULL &&
	    (deflt = OSSL_PROVIDER_load(NULL, "default")) == NULL) {
		log_warnx("%s: cannot load the OpenSSL default provider",
		    __func__);
		ERR_clear_error();
		return -1;
	}
	if ((legacy = OSSL_PROVIDER_load(NULL, "legacy")) == NULL) {
		log_warnx("%s: cannot load the OpenSSL legacy provider, "
		    "which the configured cipher or digest needs; is "
		    "ossl-modules/legacy.so installed?", __func__);
		ERR_clear_error();
		return -1;
	}
	for (i = 0; legacy_ciphers[i] != NULL; i++) {
		if ((c = EVP_CIPHER_fetch(NULL, legacy_ciphers[i],
		    NULL)) == NULL)
			log_debug(DEBUG_STATUS, "%s: cipher %s not available",
			    __func__, legacy_ciphers[i]);
		EVP_CIPHER_free(c);
	}
	for (i = 0; legacy_digests[i] != NULL; i++) {
		if ((md = EVP_MD_fetch(NULL, legacy_digests[i],
		    NULL)) == NULL)
			log_debug(DEBUG_STATUS, "%s: digest %s not available",
			    __func__, legacy_digests[i]);
		EVP_MD_free(md);
	}
	ERR_clear_error();
	return 0;
}

/*
 * Everything a worker's libraries would otherwise do lazily, with files or
 * with system calls the filter refuses: time zone, OpenSSL configuration,
 * algorithm fetches, DRBG instantiation, context internals.
 */
void
sandbox_prepare(enum proc_role role)
{
	uint8_t	 seed[32];

	tzset();
	signal(SIGPIPE, SIG_IGN);

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_ADD_ALL_CIPHERS |
	    OPENSSL_INIT_ADD_ALL_DIGESTS, NULL) != 1)
		fatalx("%s: OpenSSL initialisation failed", __func__);
	prepare_ciphers();
	prepare_pkeys();
	prepare_contexts();

	/* Instantiate the public and the private DRBG now. */
	if (RAND_bytes(seed, sizeof(seed)) != 1 ||
	    RAND_priv_bytes(seed, sizeof(seed)) != 1)
		fatalx("%s: OpenSSL random generator unavailable", __func__);
	explicit_bzero(seed, sizeof(seed));
	ERR_clear_error();
	log_debug(DEBUG_SCARY_THINGS, "%s: %s ready for the sandbox",
	    __func__, role_name(role));
}

/* Fetch every algorithm any role may use, so later fetches hit the cache. */
static void
prepare_ciphers(void)
{
	static const char *const ciphers[] = {
		"AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
		"AES-128-CFB", "AES-192-CFB", "AES-256-CFB",
		"AES-128-OFB", "AES-192-OFB", "AES-256-OFB",
		"AES-128-CTR", "AES-192-CTR", "AES-256-CTR",
		"AES-256-GCM", "ChaCha20", "ChaCha20-Poly1305", NULL
	};
	static const char *const digests[] = {
		"SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "MD5",
		"RIPEMD160", NULL
	};
	static const char *const macs[] = { "HMAC", "POLY1305", NULL };
	EVP_CIPHER	*c;
	EVP_MD		*md;
	EVP_MAC		*mac;
	int		 i;

	for (i = 0; ciphers[i] != NULL; i++) {
		if ((c = EVP_CIPHER_fetch(NULL, ciphers[i], NULL)) == NULL)
			log_debug(DEBUG_STATUS, "%s: cipher %s not available",
			    __func__, ciphers[i]);
		EVP_CIPHER_free(c);
	}
	for (i = 0; digests[i] != NULL; i++) {
		if ((md = EVP_MD_fetch(NULL, digests[i], NULL)) == NULL)
			log_debug(DEBUG_STATUS, "%s: digest %s not available",
			    __func__, digests[i]);
		EVP_MD_free(md);
	}
	for (i = 0; macs[i] != NULL; i++) {
		if ((mac = EVP_MAC_fetch(NULL, macs[i], NULL)) == NULL)
			log_debug(DEBUG_STATUS, "%s: MAC %s not available",
			    __func__, macs[i]);
		EVP_MAC_free(mac);
	}
	ERR_clear_error();
}

/* Key management, signatures, RSA decryption and X25519. */
static void
prepare_pkeys(void)
{
	static const char *const keymgmt[] = {
		"RSA", "ED25519", "X25519", NULL
	};
	EVP_KEYMGMT	*km;
	int		 i;

	for (i = 0; keymgmt[i] != NULL; i++) {
		if ((km = EVP_KEYMGMT_fetch(NULL, keymgmt[i], NULL)) == NULL)
			log_debug(DEBUG_STATUS, "%s: key type %s not "
			    "available", __func__, keymgmt[i]);
		EVP_KEYMGMT_free(km);
	}
	EVP_SIGNATURE_free(EVP_SIGNATURE_fetch(NULL, "ED25519", NULL));
	EVP_SIGNATURE_free(EVP_SIGNATURE_fetch(NULL, "RSA", NULL));
	EVP_ASYM_CIPHER_free(EVP_ASYM_CIPHER_fetch(NULL, "RSA", NULL));
	EVP_KEYEXCH_free(EVP_KEYEXCH_fetch(NULL, "X25519", NULL));
	ERR_clear_error();
}

/*
 * One throw-away use of each kind of context, so that whatever the library
 * sets up on first use is set up now.
 */
static void
prepare_contexts(void)
{
	uint8_t		 key[32], in[32], out[64 + EVP_MAX_BLOCK_LENGTH];
	size_t		 outlen;
	int		 len;
	EVP_CIPHER_CTX	*cctx = NULL;
	EVP_MD_CTX	*mctx = NULL, *sctx = NULL;
	EVP_MAC		*mac = NULL;
	EVP_MAC_CTX	*hctx = NULL;
	EVP_PKEY	*pkey = NULL;
	OSSL_PARAM	 params[2];
	unsigned int	 mdlen;

	memset(key, 0x5a, sizeof(key));
	memset(in, 0xa5, sizeof(in));

	if ((cctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, key, key) != 1 ||
	    EVP_EncryptUpdate(cctx, out, &len, in, sizeof(in)) != 1)
		log_debug(DEBUG_STATUS, "%s: cipher warm-up failed", __func__);

	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(mctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(mctx, in, sizeof(in)) != 1 ||
	    EVP_DigestFinal_ex(mctx, out, &mdlen) != 1)
		log_debug(DEBUG_STATUS, "%s: digest warm-up failed", __func__);

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (hctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(hctx, key, sizeof(key), params) != 1 ||
	    EVP_MAC_update(hctx, in, sizeof(in)) != 1 ||
	    EVP_MAC_final(hctx, out, &outlen, sizeof(out)) != 1)
		log_debug(DEBUG_STATUS, "%s: HMAC warm-up failed", __func__);

	outlen = 64;
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    (sctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(sctx, NULL, NULL, NULL, NULL, pkey,
	    NULL) != 1 ||
	    EVP_DigestSign(sctx, out, &outlen, in, sizeof(in)) != 1)
		log_debug(DEBUG_STATUS, "%s: Ed25519 warm-up failed",
		    __func__);

	EVP_PKEY_free(pkey);
	EVP_MD_CTX_free(sctx);
	EVP_MAC_CTX_free(hctx);
	EVP_MAC_free(mac);
	EVP_MD_CTX_free(mctx);
	EVP_CIPHER_CTX_free(cctx);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(out, sizeof(out));
	ERR_clear_error();
}

/* Debugging aid: SANDBOX_TRAP instead of SANDBOX_KILL for sandbox_enter(). */
void
sandbox_set_mode(int mode)
{
	if (mode != SANDBOX_KILL && mode != SANDBOX_TRAP)
		fatalx("%s: invalid mode %d", __func__, mode);
	sandbox_mode = mode;
}

static int
role_valid(enum proc_role role)
{
	return role == ROLE_KEYS || role == ROLE_META || role == ROLE_PACKET;
}

/*
 * The drop, in the order that matters: the root directory check, chroot,
 * groups before gid before uid, a proof that root is gone, no_new_privs,
 * rlimits, and the filter last.  Any failure leaves the caller with -1 and
 * a log line naming the step; the caller must exit.
 */
int
sandbox_enter(enum proc_role role, const struct sandbox_user *su,
    const char *rootdir, unsigned int nofile)
{
	int	 maxfd, rootfd;

	if (!role_valid(role)) {
		log_warnx("%s: no sandbox for role %s", __func__,
		    role_name(role));
		return -1;
	}
	if (su == NULL || su->uid == 0 || su->gid == 0) {
		log_warnx("%s: refusing to run the %s worker as root",
		    __func__, role_name(role));
		return -1;
	}
	if (geteuid() != 0) {
		log_warnx("%s: must start as root to chroot and change ids",
		    __func__);
		return -1;
	}
	/* Needs /proc, so before chroot. */
	if (highest_fd(&maxfd) == -1)
		return -1;
	if ((rootfd = open_root_dir(rootdir, 0)) == -1)
		return -1;
	/* chroot into the directory just checked, not into a name */
	if (fchdir(rootfd) == -1) {
		log_warn("%s: fchdir %s", __func__, rootdir);
		close(rootfd);
		return -1;
	}
	close(rootfd);
	if (chroot(".") == -1) {
		log_warn("%s: chroot %s", __func__, rootdir);
		return -1;
	}
	if (chdir("/") == -1) {
		log_warn("%s: chdir / in %s", __func__, rootdir);
		return -1;
	}
	if (drop_ids(su) == -1 || verify_ids(su) == -1)
		return -1;
#ifdef __linux__
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("%s: prctl PR_SET_NO_NEW_PRIVS", __func__);
		return -1;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		log_warnx("%s: no_new_privs is not set", __func__);
		return -1;
	}
#endif
	if (set_limits(role, nofile, maxfd) == -1)
		return -1;
	if (sandbox_filter(role, sandbox_mode) == -1) {
		log_warnx("%s: %s worker: no system call filter, refusing to "
		    "run", __func__, role_name(role));
		return -1;
	}
	log_debug(DEBUG_STATUS, "%s: %s worker runs as %s in %s", __func__,
	    role_name(role), su->name, rootdir);
	return 0;
}

/*
 * Highest open descriptor, or -1 if none.  RLIMIT_NOFILE must stay above
 * it: poll() rejects descriptors past the limit and SCM_RIGHTS drops them.
 */
static int
highest_fd(int *maxp)
{
	struct rlimit	 rl;
	struct dirent	*de;
	DIR		*d;
	char		*ep;
	long		 fd, max = -1, lim;

	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			errno = 0;
			fd = strtol(de->d_name, &ep, 10);
			if (de->d_name[0] == '.' || *ep != '\0' ||
			    errno != 0 || fd < 0 || fd > INT_MAX ||
			    fd == dirfd(d))
				continue;
			if (fd > max)
				max = fd;
		}
		closedir(d);
		*maxp = (int)max;
		return 0;
	}
	/* No /proc: probe every descriptor below the current limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("%s: getrlimit RLIMIT_NOFILE", __func__);
		return -1;
	}
	lim = (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576) ?
	    1048576 : (long)rl.rlim_cur;
	for (fd = 0; fd < lim; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			max = fd;
	*maxp = (int)max;
	return 0;
}

static int
drop_ids(const struct sandbox_user *su)
{
	if (setgroups(1, &su->gid) == -1) {
		log_warn("%s: setgroups %lu", __func__,
		    (unsigned long)su->gid);
		return -1;
	}
	if (setresgid(su->gid, su->gid, su->gid) == -1) {
		log_warn("%s: setresgid %lu", __func__,
		    (unsigned long)su->gid);
		return -1;
	}
	if (setresuid(su->uid, su->uid, su->uid) == -1) {
		log_warn("%s: setresuid %lu", __func__,
		    (unsigned long)su->uid);
		return -1;
	}
	return 0;
}

/* Prove the drop took and cannot be undone. */
static int
verify_ids(const struct sandbox_user *su)
{
	uid_t	 ruid, euid, suid;
	gid_t	 rgid, egid, sgid, groups[2], zero = 0;
	int	 n;
#ifdef __linux__
	struct __user_cap_header_struct	 caphdr;
	struct __user_cap_data_struct	 capdata[2];
#endif

	if (getresuid(&ruid, &euid, &suid) == -1 || ruid != su->uid ||
	    euid != su->uid || suid != su->uid) {
		log_warnx("%s: uids are not all %lu after setresuid",
		    __func__, (unsigned long)su->uid);
		return -1;
	}
	if (getresgid(&rgid, &egid, &sgid) == -1 || rgid != su->gid ||
	    egid != su->gid || sgid != su->gid) {
		log_warnx("%s: gids are not all %lu after setresgid",
		    __func__, (unsigned long)su->gid);
		return -1;
	}
	if ((n = getgroups(2, groups)) != 1 || groups[0] != su->gid) {
		log_warnx("%s: supplementary groups not reduced to %lu",
		    __func__, (unsigned long)su->gid);
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1) {
		log_warnx("%s: uid 0 could be regained", __func__);
		return -1;
	}
	if (setgid(0) != -1 || setegid(0) != -1) {
		log_warnx("%s: gid 0 could be regained", __func__);
		return -1;
	}
	if (setgroups(1, &zero) != -1) {
		log_warnx("%s: supplementary groups could be changed",
		    __func__);
		return -1;
	}
#ifdef __linux__
	memset(&caphdr, 0, sizeof(caphdr));
	memset(capdata, 0, sizeof(capdata));
	caphdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &caphdr, capdata) == -1) {
		log_warn("%s: capget", __func__);
		return -1;
	}
	if ((capdata[0].effective | capdata[0].permitted |
	    capdata[0].inheritable | capdata[1].effective |
	    capdata[1].permitted | capdata[1].inheritable) != 0) {
		log_warnx("%s: capabilities remain after the uid change",
		    __func__);
		return -1;
	}
#endif
	return 0;
}

static int
set_limit(int resource, const char *what, rlim_t value)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) == -1) {
		log_warn("%s: setrlimit %s %llu", __func__, what,
		    (unsigned long long)value);
		return -1;
	}
	return 0;
}

static int
set_limits(enum proc_role role, unsigned int nofile, int maxfd)
{
	struct rlimit	 rl;
	rlim_t		 want;

	/* Hard limits too, so they cannot be raised again. */
	if (set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0) == -1 ||
	    set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", 0) == -1)
		return -1;

	want = nofile;
	if (maxfd >= 0 && want < (rlim_t)maxfd + 1) {
		log_debug(DEBUG_STATUS, "%s: RLIMIT_NOFILE raised from %u to "
		    "%d to cover open descriptors", __func__, nofile,
		    maxfd + 1);
		want = (rlim_t)maxfd + 1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("%s: getrlimit RLIMIT_NOFILE", __func__);
		return -1;
	}
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) {
		log_warnx("%s: %s worker needs %llu descriptors but the hard "
		    "limit is %llu; raise it (LimitNOFILE=, ulimit -Hn)",
		    __func__, role_name(role), (unsigned long long)want,
		    (unsigned long long)rl.rlim_max);
		return -1;
	}
	if (set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", want) == -1)
		return -1;

	if (role == ROLE_KEYS) {
		/* The private keys must never reach a core file. */
		if (set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0) == -1)
			return -1;
#ifdef __linux__
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
			log_warn("%s: prctl PR_SET_DUMPABLE", __func__);
			return -1;
		}
		if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
			log_warnx("%s: keys worker is still dumpable",
			    __func__);
			return -1;
		}
#endif
	}
	return 0;
}

#if HAVE_SECCOMP
/*
 * Linux: libseccomp policies, one table per role plus one for all.
 *
 * Names that the running libseccomp does not know are skipped; names it
 * knows but this architecture lacks (mmap2 or clock_gettime64 on x86-64)
 * are ignored by libseccomp itself.  int arguments are compared on their
 * low 32 bits only, as the upper half of the register is not defined.
 * Everything not listed gets the default action, which kills the process.
 */
enum sc_act {
	SC_ALLOW,
	SC_EACCES,		/* fail with EACCES instead of dying */
	SC_ENOSYS,		/* fail with ENOSYS instead of dying */
};

enum sc_cmp {
	SC_ANY,			/* no argument check */
	SC_EQ,			/* arg[a] == va */
	SC_EQ2,			/* arg[a] == va && arg[b] == vb */
	SC_NOBITS,		/* (arg[a] & va) == 0 */
	SC_SELF,		/* arg[0] == getpid() && arg[a] == va */
};

struct sc_rule {
	const char	*name;
	enum sc_act	 act;
	enum sc_cmp	 cmp;
	unsigned int	 a;
	uint64_t	 va;
	unsigned int	 b;
	uint64_t	 vb;
};

#define SC_LOW32	0xffffffffULL

static const struct sc_rule sc_common[] = {
	/* channels to the parent and the other workers, the TUN device */
	{ "read",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "write",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* batched TUN and channel I/O */
	{ "readv",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "writev",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* framed messages, with passed descriptors where allowed */
	{ "recvmsg",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "sendmsg",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* dropping connections and passed descriptors */
	{ "close",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* the event loop */
	{ "poll",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "ppoll",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "ppoll_time64",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* the kernel resumes a poll interrupted by SIGSTOP/SIGCONT with it */
	{ "restart_syscall",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* timers and timestamps when the vDSO cannot answer */
	{ "clock_gettime",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "clock_gettime64",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "gettimeofday",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "time",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* malloc: heap growth, large blocks, realloc of large blocks */
	{ "brk",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "munmap",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "mremap",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* malloc of large blocks; never executable memory */
	{ "mmap",		SC_ALLOW, SC_NOBITS, 2, PROT_EXEC, 0, 0 },
	{ "mmap2",		SC_ALLOW, SC_NOBITS, 2, PROT_EXEC, 0, 0 },
	/* malloc arena and guard pages; never executable */
	{ "mprotect",		SC_ALLOW, SC_NOBITS, 2, PROT_EXEC, 0, 0 },
	/* malloc giving memory back; OpenSSL keeping secrets out of cores */
	{ "madvise",		SC_ALLOW, SC_EQ, 2, MADV_DONTNEED, 0, 0 },
	{ "madvise",		SC_ALLOW, SC_EQ, 2, MADV_FREE, 0, 0 },
	{ "madvise",		SC_ALLOW, SC_EQ, 2, MADV_DONTDUMP, 0, 0 },
	{ "madvise",		SC_ALLOW, SC_EQ, 2, MADV_NORMAL, 0, 0 },
	/* malloc under GLIBC_TUNABLES=glibc.malloc.hugetlb=1 */
	{ "madvise",		SC_ALLOW, SC_EQ, 2, MADV_HUGEPAGE, 0, 0 },
	/* OpenSSL DRBG reseeding, glibc malloc and arc4random */
	{ "getrandom",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* OpenSSL fork detection; abort() */
	{ "getpid",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* abort() */
	{ "gettid",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* OpenSSL locks and run-once init; process-private operations only */
	{ "futex",		SC_ALLOW, SC_EQ, 1, FUTEX_WAIT_PRIVATE, 0, 0 },
	{ "futex",		SC_ALLOW, SC_EQ, 1, FUTEX_WAKE_PRIVATE, 0, 0 },
	{ "futex",		SC_ALLOW, SC_EQ, 1, FUTEX_WAIT_BITSET_PRIVATE,
				0, 0 },
	{ "futex",		SC_ALLOW, SC_EQ, 1, FUTEX_WAIT_BITSET_PRIVATE |
				FUTEX_CLOCK_REALTIME, 0, 0 },
	{ "futex",		SC_ALLOW, SC_EQ, 1, FUTEX_WAKE_BITSET_PRIVATE,
				0, 0 },
	{ "futex_time64",	SC_ALLOW, SC_EQ, 1, FUTEX_WAIT_PRIVATE, 0, 0 },
	{ "futex_time64",	SC_ALLOW, SC_EQ, 1, FUTEX_WAKE_PRIVATE, 0, 0 },
	{ "futex_time64",	SC_ALLOW, SC_EQ, 1, FUTEX_WAIT_BITSET_PRIVATE,
				0, 0 },
	{ "futex_time64",	SC_ALLOW, SC_EQ, 1, FUTEX_WAIT_BITSET_PRIVATE |
				FUTEX_CLOCK_REALTIME, 0, 0 },
	{ "futex_time64",	SC_ALLOW, SC_EQ, 1, FUTEX_WAKE_BITSET_PRIVATE,
				0, 0 },
	/* leaving when the parent goes away */
	{ "exit",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "exit_group",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* returning from a signal handler */
	{ "rt_sigreturn",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* abort() and libc critical sections block signals */
	{ "rt_sigprocmask",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* abort() on a failed assertion dies of SIGABRT, not SIGSYS */
	{ "tgkill",		SC_ALLOW, SC_SELF, 2, SIGABRT, 0, 0 },
	/* non-blocking and close-on-exec flags of passed descriptors */
	{ "fcntl",		SC_ALLOW, SC_EQ, 1, F_GETFL, 0, 0 },
	{ "fcntl",		SC_ALLOW, SC_EQ, 1, F_SETFL, 0, 0 },
	{ "fcntl",		SC_ALLOW, SC_EQ, 1, F_GETFD, 0, 0 },
	{ "fcntl",		SC_ALLOW, SC_EQ, 1, F_SETFD, 0, 0 },
	{ "fcntl64",		SC_ALLOW, SC_EQ, 1, F_GETFL, 0, 0 },
	{ "fcntl64",		SC_ALLOW, SC_EQ, 1, F_SETFL, 0, 0 },
	{ "fcntl64",		SC_ALLOW, SC_EQ, 1, F_GETFD, 0, 0 },
	{ "fcntl64",		SC_ALLOW, SC_EQ, 1, F_SETFD, 0, 0 },
	/* type and size of a descriptor already held */
	{ "fstat",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "fstat64",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* glibc's fstat() and stdio use the path forms: refuse, not kill */
	{ "newfstatat",		SC_EACCES, SC_ANY, 0, 0, 0, 0 },
	{ "fstatat64",		SC_EACCES, SC_ANY, 0, 0, 0, 0 },
	{ "statx",		SC_EACCES, SC_ANY, 0, 0, 0, 0 },
	/* glibc falls back to clone only on ENOSYS; clone then kills */
	{ "clone3",		SC_ENOSYS, SC_ANY, 0, 0, 0, 0 },
	{ NULL,			SC_ALLOW, SC_ANY, 0, 0, 0, 0 }
};

static const struct sc_rule sc_meta[] = {
	/* meta connections and control clients on the parent's listeners */
	{ "accept4",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "accept",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* recv() and send() on meta connections */
	{ "recvfrom",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "sendto",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* closing a meta connection after the last line */
	{ "shutdown",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* the addresses of a connection, for logs and edges */
	{ "getsockname",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "getpeername",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* the outcome of a non-blocking connect made by the parent */
	{ "getsockopt",		SC_ALLOW, SC_EQ2, 1, SOL_SOCKET, 2, SO_ERROR },
	/* no Nagle delay on meta connections */
	{ "setsockopt",		SC_ALLOW, SC_EQ2, 1, IPPROTO_TCP,
				2, TCP_NODELAY },
	/* PriorityInheritance for packets carried over TCP */
	{ "setsockopt",		SC_ALLOW, SC_EQ2, 1, IPPROTO_IP, 2, IP_TOS },
	{ "setsockopt",		SC_ALLOW, SC_EQ2, 1, IPPROTO_IPV6,
				2, IPV6_TCLASS },
	{ NULL,			SC_ALLOW, SC_ANY, 0, 0, 0, 0 }
};

static const struct sc_rule sc_packet[] = {
	/* UDP datagrams one at a time */
	{ "recvfrom",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "sendto",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* UDP datagrams in batches */
	{ "recvmmsg",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "recvmmsg_time64",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ "sendmmsg",		SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	/* PriorityInheritance */
	{ "setsockopt",		SC_ALLOW, SC_EQ2, 1, IPPROTO_IP, 2, IP_TOS },
	{ "setsockopt",		SC_ALLOW, SC_EQ2, 1, IPPROTO_IPV6,
				2, IPV6_TCLASS },
	/* local address of the UDP sockets */
	{ "getsockname",	SC_ALLOW, SC_ANY, 0, 0, 0, 0 },
	{ NULL,			SC_ALLOW, SC_ANY, 0, 0, 0, 0 }
};

/* The key holder gets nothing beyond sc_common. */
static const struct sc_rule sc_keys[] = {
	{ NULL,			SC_ALLOW, SC_ANY, 0, 0, 0, 0 }
};

static int	sc_add(scmp_filter_ctx, const struct sc_rule *);
static int	sc_add_table(scmp_filter_ctx, const struct sc_rule *);
static int	sc_trap_install(void);
static void	sc_trap(int, siginfo_t *, void *);

static int
sc_add(scmp_filter_ctx ctx, const struct sc_rule *r)
{
	struct scmp_arg_cmp	 c[2];
	uint32_t		 action;
	unsigned int		 n = 0;
	int			 nr, rc;

	if ((nr = seccomp_syscall_resolve_name(r->name)) == __NR_SCMP_ERROR) {
		log_debug(DEBUG_SCARY_THINGS, "%s: libseccomp does not know "
		    "%s; skipped", __func__, r->name);
		return 0;
	}
	switch (r->act) {
	case SC_EACCES:
		action = SCMP_ACT_ERRNO(EACCES);
		break;
	case SC_ENOSYS:
		action = SCMP_ACT_ERRNO(ENOSYS);
		break;
	default:
		action = SCMP_ACT_ALLOW;
		break;
	}
	switch (r->cmp) {
	case SC_EQ:
		c[n++] = SCMP_CMP(r->a, SCMP_CMP_MASKED_EQ, SC_LOW32, r->va);
		break;
	case SC_EQ2:
		c[n++] = SCMP_CMP(r->a, SCMP_CMP_MASKED_EQ, SC_LOW32, r->va);
		c[n++] = SCMP_CMP(r->b, SCMP_CMP_MASKED_EQ, SC_LOW32, r->vb);
		break;
	case SC_NOBITS:
		c[n++] = SCMP_CMP(r->a, SCMP_CMP_MASKED_EQ, r->va, 0);
		break;
	case SC_SELF:
		c[n++] = SCMP_CMP(0, SCMP_CMP_MASKED_EQ, SC_LOW32,
		    (uint64_t)getpid());
		c[n++] = SCMP_CMP(r->a, SCMP_CMP_MASKED_EQ, SC_LOW32, r->va);
		break;
	default:
		break;
	}
	if ((rc = seccomp_rule_add_array(ctx, action, nr, n, c)) < 0) {
		log_warnx("%s: rule for %s: %s", __func__, r->name,
		    strerror(-rc));
		return -1;
	}
	return 0;
}

static int
sc_add_table(scmp_filter_ctx ctx, const struct sc_rule *t)
{
	for (; t->name != NULL; t++)
		if (sc_add(ctx, t) == -1)
			return -1;
	return 0;
}

/*
 * SANDBOX_TRAP: say which call was refused, then die of SIGSYS all the
 * same.  Only async-signal-safe work here.  The handler is reset on entry
 * and SIGSYS is blocked while it runs, so the second refused call (kill is
 * in no policy) is delivered with the default action and ends the process.
 */
static void
sc_trap(int sig, siginfo_t *si, void *uctx)
{
	static const char	 pre[] = "ptincd: sandbox: forbidden system "
				     "call number ";
	static const char	 post[] = " (resolve with scmp_sys_resolver)\n";
	char			 msg[sizeof(pre) + sizeof(post) + 16];
	char			 num[16];
	unsigned int		 v;
	size_t			 i = sizeof(num), len;

	(void)sig;
	(void)uctx;
	v = (unsigned int)si->si_syscall;
	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && i > 0);
	len = sizeof(pre) - 1;
	memcpy(msg, pre, len);
	memcpy(msg + len, num + i, sizeof(num) - i);
	len += sizeof(num) - i;
	memcpy(msg + len, post, sizeof(post) - 1);
	len += sizeof(post) - 1;
	if (write(STDERR_FILENO, msg, len) == -1) {
		/* nothing left to tell anyone */
	}
	(void)syscall(SYS_kill, 0, 0);
	_exit(128 + SIGSYS);
}

static int
sc_trap_install(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sc_trap;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		log_warn("%s: sigaction SIGSYS", __func__);
		return -1;
	}
	return 0;
}

int
sandbox_filter(enum proc_role role, int mode)
{
	const struct sc_rule	*table;
	scmp_filter_ctx		 ctx;
	uint32_t		 defact;
	int			 rc, rv = -1;

	switch (role) {
	case ROLE_KEYS:
		table = sc_keys;
		break;
	case ROLE_META:
		table = sc_meta;
		break;
	case ROLE_PACKET:
		table = sc_packet;
		break;
	default:
		log_warnx("%s: no policy for role %s", __func__,
		    role_name(role));
		return -1;
	}
	if (mode == SANDBOX_KILL)
		defact = SCMP_ACT_KILL_PROCESS;
	else if (mode == SANDBOX_TRAP)
		defact = SCMP_ACT_TRAP;
	else {
		log_warnx("%s: invalid mode %d", __func__, mode);
		return -1;
	}
	if ((ctx = seccomp_init(defact)) == NULL) {
		log_warnx("%s: seccomp_init failed", __func__);
		return -1;
	}
	/* A call made through another ABI (i386, x32) ends the process. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0) {
		log_warnx("%s: seccomp_attr_set: %s", __func__,
		    strerror(-rc));
		goto done;
	}
	if (sc_add_table(ctx, sc_common) == -1 ||
	    sc_add_table(ctx, table) == -1)
		goto done;
	if (mode == SANDBOX_TRAP && sc_trap_install() == -1)
		goto done;
	if ((rc = seccomp_load(ctx)) < 0) {
		log_warnx("%s: seccomp_load: %s", __func__, strerror(-rc));
		goto done;
	}
	log_debug(DEBUG_STATUS, "%s: %s filter loaded%s", __func__,
	    role_name(role), mode == SANDBOX_TRAP ? " (trap mode)" : "");
	rv = 0;
 done:
	seccomp_release(ctx);
	return rv;
}

#elif defined(__OpenBSD__)

/*
 * OpenBSD: pledge.  The chroot is empty, so nothing needs unveiling.  The
 * packet worker may pledge("stdio inet") itself once its descriptors are in.
 */
int
sandbox_filter(enum proc_role role, int mode)
{
	const char	*promises;

	(void)mode;	/* pledge violations always abort */
	switch (role) {
	case ROLE_KEYS:
		promises = "stdio";
		break;
	case ROLE_META:
	case ROLE_PACKET:
		promises = "stdio inet recvfd";
		break;
	default:
		log_warnx("%s: no policy for role %s", __func__,
		    role_name(role));
		return -1;
	}
	if (pledge(promises, NULL) == -1) {
		log_warn("%s: pledge \"%s\"", __func__, promises);
		return -1;
	}
	return 0;
}

#else

int
sandbox_filter(enum proc_role role, int mode)
{
	(void)mode;
	log_warnx("%s: no system call filter for the %s worker on this "
	    "platform; refusing to run", __func__, role_name(role));
	return -1;
}

#endif
