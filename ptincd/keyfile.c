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
 * Key files in the formats of tincd 1.0 (RSA, PEM) and tinc 1.1 (Ed25519,
 * tinc's own PEM-like container and base64 variant).
 *
 * Files are read whole, bounded by KEYFILE_MAX.  PEM blocks in host files
 * are located here line by line (the configuration reader skips them).
 * Writing a key appends to the target file through a temporary file and a
 * rename, after disabling the old keys of the same kind in it.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keyfile.h"
#include "keys_oracle.h"
#include "log.h"
#include "ptinc.h"

#define KEYFILE_MAX	(1024 * 1024)	/* key and host files */
#define PEM_B64_MAX	8192		/* base64 body of one RSA PEM block */
#define PEM_DER_MAX	6144		/* its decoded size */

#define ED25519_PRIV_TYPE	"ED25519 PRIVATE KEY"
#define ED25519_PUB_TYPE	"ED25519 PUBLIC KEY"

enum rewrite {
	REWRITE_RSA,		/* "-----BEGIN RSA" -> "-----BEGIN OLD" (1.0) */
	REWRITE_ED25519,	/* comment out Ed25519 blocks and lines (1.1) */
};

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* A line of a buffer: start and length without CR/LF and trailing blanks. */
struct lines {
	const char	*p;
	const char	*end;
};

/* The reason of the last OpenSSL failure, and an empty error queue. */
static const char *
ssl_error(void)
{
	static char	 msg[256];
	unsigned long	 e;

	if ((e = ERR_peek_last_error()) == 0)
		strlcpy(msg, "unknown error", sizeof(msg));
	else
		ERR_error_string_n(e, msg, sizeof(msg));
	ERR_clear_error();
	return msg;
}

/* Append to a buffer that may hold secrets: old copies are wiped. */
static int
buf_add(struct buf *b, const void *data, size_t len)
{
	size_t	 ncap;
	char	*np;

	if (len > KEYFILE_MAX || b->len > KEYFILE_MAX) {
		log_warnx("%s: too large", __func__);
		return -1;
	}
	if (b->len + len + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + len + 1)
			ncap *= 2;
		if ((np = recallocarray(b->p, b->cap, ncap, 1)) == NULL) {
			log_warn("%s", __func__);
			return -1;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

static int
buf_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

static void
buf_free(struct buf *b)
{
	freezero(b->p, b->cap);
	memset(b, 0, sizeof(*b));
}

/*
 * Read a whole regular file of at most KEYFILE_MAX bytes, NUL terminated.
 * Free the result with freezero(buf, *lenp + 1).  With optional set, a
 * missing file returns NULL with errno ENOENT and no log line.
 */
static char *
read_file(const char *path, size_t *lenp, struct stat *st, int optional)
{
	char	*buf = NULL;
	size_t	 size = 0, len = 0;
	ssize_t	 n;
	int	 fd, saved;

	if (path == NULL || path[0] == '\0') {
		log_warnx("%s: no file name", __func__);
		errno = EINVAL;
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (!(optional && errno == ENOENT))
			log_warn("cannot open %s", path);
		return NULL;
	}
	if (fstat(fd, st) == -1) {
		log_warn("cannot stat %s", path);
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		log_warnx("%s is not a regular file", path);
		goto fail;
	}
	if (st->st_size > KEYFILE_MAX) {
		log_warnx("%s is larger than %d bytes", path, KEYFILE_MAX);
		goto fail;
	}
	size = (size_t)st->st_size;
	if ((buf = malloc(size + 1)) == NULL) {
		log_warn("%s", path);
		goto fail;
	}
	for (;;) {
		n = read(fd, buf + len, size + 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("cannot read %s", path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > size) {
			log_warnx("%s changed while it was read", path);
			goto fail;
		}
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		log_warnx("%s contains a NUL byte", path);
		goto fail;
	}
	close(fd);
	*lenp = len;
	return buf;
 fail:
	saved = errno;
	if (buf != NULL)
		freezero(buf, size + 1);
	close(fd);
	errno = saved == ENOENT ? EINVAL : saved;
	return NULL;
}

static void
check_private_mode(const char *path, const struct stat *st)
{
	if (st->st_mode & (S_IRWXG | S_IRWXO))
		log_warnx("private key file %s has mode %04o: group or others "
		    "may read or change it", path,
		    (unsigned int)(st->st_mode & 07777));
}

static int
line_next(struct lines *l, const char **s, size_t *len)
{
	const char	*nl;
	size_t		 n;

	if (l->p >= l->end)
		return 0;
	*s = l->p;
	if ((nl = memchr(l->p, '\n', (size_t)(l->end - l->p))) == NULL)
		nl = l->end;
	n = (size_t)(nl - l->p);
	l->p = nl < l->end ? nl + 1 : l->end;
	while (n > 0 && ((*s)[n - 1] == '\r' || (*s)[n - 1] == ' ' ||
	    (*s)[n - 1] == '\t'))
		n--;
	*len = n;
	return 1;
}

static int
line_is(const char *s, size_t len, const char *a, const char *b,
    const char *c)
{
	size_t	 la = strlen(a), lb = strlen(b), lc = strlen(c);

	return len == la + lb + lc && memcmp(s, a, la) == 0 &&
	    memcmp(s + la, b, lb) == 0 && memcmp(s + la + lb, c, lc) == 0;
}

static int
line_starts(const char *s, size_t len, const char *prefix)
{
	size_t	 n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/*
 * Find the first "-----BEGIN type-----" .. "-----END type-----" block of
 * standard base64 and decode it into der.  Returns 1 when found and
 * decoded, 0 when there is no such block, -1 when it is malformed.
 */
static int
pem_block(const char *text, size_t textlen, const char *type,
    const char *path, uint8_t *der, size_t dersz, size_t *derlen)
{
	struct lines	 l = { text, text + textlen };
	const char	*s;
	char		*b64 = NULL;
	size_t		 len, n = 0, i, pad = 0;
	int		 in = 0, found = 0, ret = -1, dl;

	if ((b64 = malloc(PEM_B64_MAX + 1)) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while (line_next(&l, &s, &len)) {
		if (!in) {
			in = line_is(s, len, "-----BEGIN ", type, "-----");
			continue;
		}
		if (line_is(s, len, "-----END ", type, "-----")) {
			found = 1;
			break;
		}
		for (i = 0; i < len; i++) {
			if (!isalnum((unsigned char)s[i]) && s[i] != '+' &&
			    s[i] != '/' && s[i] != '=') {
				log_warnx("%s: %s block has a line that is not "
				    "base64", path, type);
				goto done;
			}
		}
		if (n + len > PEM_B64_MAX) {
			log_warnx("%s: %s block too long", path, type);
			goto done;
		}
		memcpy(b64 + n, s, len);
		n += len;
	}
	if (!in) {
		ret = 0;
		goto done;
	}
	if (!found) {
		log_warnx("%s: %s block has no END line", path, type);
		goto done;
	}
	b64[n] = '\0';
	while (pad < n && b64[n - 1 - pad] == '=')
		pad++;
	if (n == 0 || n % 4 != 0 || pad > 2 ||
	    memchr(b64, '=', n - pad) != NULL || (n / 4) * 3 > dersz) {
		log_warnx("%s: %s block has a bad base64 length", path, type);
		goto done;
	}
	if ((dl = EVP_DecodeBlock(der, (unsigned char *)b64, (int)n)) < 0 ||
	    (size_t)dl < pad) {
		log_warnx("%s: %s block is not valid base64", path, type);
		goto done;
	}
	*derlen = (size_t)dl - pad;
	ret = 1;
 done:
	freezero(b64, PEM_B64_MAX + 1);
	return ret;
}

/* Append a PEM block of 64-character lines to b. */
static int
pem_encode(struct buf *b, const char *type, const uint8_t *der, size_t len)
{
	char	 line[65 + 1];
	size_t	 off, n;
	int	 ret = -1;

	if (buf_str(b, "-----BEGIN ") == -1 || buf_str(b, type) == -1 ||
	    buf_str(b, "-----\n") == -1)
		goto done;
	for (off = 0; off < len; off += n) {
		n = len - off > 48 ? 48 : len - off;
		EVP_EncodeBlock((unsigned char *)line, der + off, (int)n);
		if (buf_str(b, line) == -1 || buf_str(b, "\n") == -1)
			goto done;
	}
	if (buf_str(b, "-----END ") == -1 || buf_str(b, type) == -1 ||
	    buf_str(b, "-----\n") == -1)
		goto done;
	ret = 0;
 done:
	explicit_bzero(line, sizeof(line));
	return ret;
}

/* tinc's base64 variant */

static const char	 b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/*
 * Encode len bytes, least significant bits first, without padding, NUL
 * terminated.  Returns the number of characters or -1 if out is too small.
 */
int
tinc_b64_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	size_t		 i, o = 0, nb, k;
	uint32_t	 v;

	if (len > INT_MAX / 2 || outsz < (len * 4 + 2) / 3 + 1) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	for (i = 0; i < len; i += 3) {
		nb = len - i < 3 ? len - i : 3;
		v = in[i];
		if (nb > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (nb > 2)
			v |= (uint32_t)in[i + 2] << 16;
		for (k = 0; k <= nb; k++)
			out[o++] = b64_chars[(v >> (6 * k)) & 63];
	}
	out[o] = '\0';
	return (int)o;
}

/*
 * Decode exactly inlen characters of either alphabet.  A final group of 2
 * or 3 characters gives 1 or 2 bytes; a lone final character, any other
 * character or too small an output fails.  Returns the number of bytes.
 */
int
tinc_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outsz)
{
	size_t		 i, o = 0, n, nb, k;
	uint32_t	 v;
	int		 c;

	if (inlen % 4 == 1 || outsz > INT_MAX)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		n = inlen - i < 4 ? inlen - i : 4;
		v = 0;
		for (k = 0; k < n; k++) {
			if ((c = b64_value((unsigned char)in[i + k])) == -1)
				return -1;
			v |= (uint32_t)c << (6 * k);
		}
		nb = n - 1;
		if (o + nb > outsz)
			return -1;
		for (k = 0; k < nb; k++)
			out[o++] = (v >> (8 * k)) & 0xff;
	}
	return (int)o;
}

/*
 * Decode the first "-----BEGIN type" block of tinc's container: each line
 * separately, the total exactly outlen bytes.  Returns 1, 0 (no block) or
 * -1 (malformed).
 */
static int
tinc_pem_block(const char *text, size_t textlen, const char *type,
    const char *path, uint8_t *out, size_t outlen)
{
	struct lines	 l = { text, text + textlen };
	const char	*s;
	size_t		 len, got = 0;
	int		 in = 0, n;
	char		 begin[64];

	snprintf(begin, sizeof(begin), "-----BEGIN %s", type);
	while (line_next(&l, &s, &len)) {
		if (!in) {
			in = line_starts(s, len, begin);
			continue;
		}
		if (line_starts(s, len, "-----END ")) {
			if (got != outlen) {
				log_warnx("%s: %s of %zu bytes, expected %zu",
				    path, type, got, outlen);
				return -1;
			}
			return 1;
		}
		n = len == 0 ? -1 : tinc_b64_decode(s, len, out + got,
		    outlen - got);
		if (n <= 0) {
			log_warnx("%s: %s has a malformed or extra line", path,
			    type);
			return -1;
		}
		got += (size_t)n;
	}
	if (in) {
		log_warnx("%s: %s has no END line", path, type);
		return -1;
	}
	return 0;
}

/* Writing key files */

static int
is_ed25519_var(const char *s, size_t len)
{
	static const char	 var[] = "Ed25519PublicKey";
	size_t			 n = 0;

	while (n < len && s[n] != ' ' && s[n] != '\t' && s[n] != '=')
		n++;
	return n == sizeof(var) - 1 && strncasecmp(s, var, n) == 0;
}

/* Copy the old contents with old keys of this kind disabled. */
static int
rewrite_old(struct buf *out, const char *old, size_t oldlen, enum rewrite how,
    int *changed)
{
	const char	*p = old, *end = old + oldlen, *nl;
	size_t		 len;
	int		 inblock = 0, disable;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end - 1;
		len = (size_t)(nl - p) + 1;	/* with its LF, if any */
		disable = 0;
		if (how == REWRITE_RSA) {
			if (line_starts(p, len, "-----BEGIN RSA")) {
				if (buf_str(out, "-----BEGIN OLD") == -1)
					return -1;
				p += 14;
				len -= 14;
				*changed = 1;
			} else if (line_starts(p, len, "-----END RSA")) {
				if (buf_str(out, "-----END OLD") == -1)
					return -1;
				p += 12;
				len -= 12;
				*changed = 1;
			}
		} else {
			if (!inblock && line_starts(p, len, "-----BEGIN ") &&
			    memmem(p, len, " ED25519 ", 9) != NULL)
				inblock = 1;
			disable = inblock || is_ed25519_var(p, len);
			if (inblock && line_starts(p, len, "-----END "))
				inblock = 0;
		}
		if (disable) {
			if (buf_str(out, "#") == -1)
				return -1;
			*changed = 1;
		}
		if (buf_add(out, p, len) == -1)
			return -1;
		p += len;
	}
	if (out->len > 0 && out->p[out->len - 1] != '\n')
		return buf_str(out, "\n");
	return 0;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Append text to path: read the old file (if any), disable its old keys,
 * write everything to a temporary file beside it with the old file's mode
 * and owner (newmode for a new file) and rename it into place.
 */
static int
append_key(const char *path, mode_t newmode, enum rewrite how,
    const char *text)
{
	struct buf	 out = { NULL, 0, 0 };
	struct stat	 st;
	char		 real[PATH_MAX], tmp[PATH_MAX + 16];
	const char	*target = path;
	char		*old = NULL;
	size_t		 oldlen = 0;
	mode_t		 mode = newmode;
	int		 fd = -1, changed = 0, ret = -1;

	if (path == NULL || path[0] == '\0') {
		log_warnx("%s: no file name", __func__);
		return -1;
	}
	if (realpath(path, real) != NULL)
		target = real;	/* write through a symbolic link */
	else if (errno != ENOENT) {
		log_warn("%s", path);
		return -1;
	}
	if ((old = read_file(target, &oldlen, &st, 1)) == NULL) {
		if (errno != ENOENT)
			return -1;
	} else
		mode = st.st_mode & 07777;

	if (old != NULL && rewrite_old(&out, old, oldlen, how, &changed) == -1)
		goto done;
	if (buf_str(&out, text) == -1)
		goto done;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", target) >=
	    sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		goto done;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("cannot create a temporary file for %s", path);
		goto done;
	}
	if (fchmod(fd, mode) == -1) {
		log_warn("cannot set the mode of %s", tmp);
		goto unlink;
	}
	if (old != NULL && fchown(fd, st.st_uid, st.st_gid) == -1 &&
	    errno != EPERM) {
		log_warn("cannot set the owner of %s", tmp);
		goto unlink;
	}
	if (write_all(fd, out.p, out.len) == -1 || fsync(fd) == -1) {
		log_warn("cannot write %s", tmp);
		goto unlink;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("cannot write %s", tmp);
		goto unlink;
	}
	fd = -1;
	if (rename(tmp, target) == -1) {
		log_warn("cannot rename %s to %s", tmp, target);
		goto unlink;
	}
	if (changed)
		log_info("%s: old key(s) found and disabled", path);
	ret = 0;
	goto done;
 unlink:
	unlink(tmp);
 done:
	if (fd != -1)
		close(fd);
	if (old != NULL)
		freezero(old, oldlen + 1);
	buf_free(&out);
	return ret;
}

/* RSA */

static int
rsa_check(EVP_PKEY *pkey, const char *where)
{
	int	 bits;

	if (!EVP_PKEY_is_a(pkey, "RSA")) {
		log_warnx("%s: not an RSA key", where);
		return -1;
	}
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
		log_warnx("%s: RSA key of %d bits (must be %d to %d)", where,
		    bits, RSA_MIN_BITS, RSA_MAX_BITS);
		return -1;
	}
	return 0;
}

static EVP_PKEY *
rsa_generate(int bits)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey = NULL;
	BIGNUM		*e;

	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	e = BN_new();
	if (ctx == NULL || e == NULL || BN_set_word(e, RSA_EXPONENT) != 1 ||
	    EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) != 1 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) != 1 ||
	    EVP_PKEY_generate(ctx, &pkey) != 1) {
		log_warnx("cannot generate an RSA key: %s", ssl_error());
		pkey = NULL;
	}
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/*
 * -K: an RSA key of bits (rounded down to a multiple of 8), exponent
 * 65537.  The private key is appended to privpath (new file: mode 0600),
 * the public key to pubpath (new file: 0644), each PKCS#1 PEM after an
 * empty line, as tincd 1.0 writes them.
 */
int
keyfile_generate_rsa(int bits, const char *privpath, const char *pubpath)
{
	struct buf	 priv = { NULL, 0, 0 }, pub = { NULL, 0, 0 };
	EVP_PKEY	*pkey = NULL;
	uint8_t		*der = NULL;
	size_t		 derlen = 0;
	int		 ret = -1;

	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
		log_warnx("RSA key size %d: must be %d to %d bits", bits,
		    RSA_MIN_BITS, RSA_MAX_BITS);
		return -1;
	}
	bits &= ~7;
	if ((pkey = rsa_generate(bits)) == NULL)
		return -1;

	if (keyfile_rsa_to_der(pkey, &der, &derlen) == -1 ||
	    buf_str(&priv, "\n") == -1 ||
	    pem_encode(&priv, "RSA PRIVATE KEY", der, derlen) == -1)
		goto done;
	freezero(der, derlen);
	der = NULL;
	if (keyfile_rsa_pub_to_der(pkey, &der, &derlen) == -1 ||
	    buf_str(&pub, "\n") == -1 ||
	    pem_encode(&pub, "RSA PUBLIC KEY", der, derlen) == -1)
		goto done;

	if (append_key(privpath, 0600, REWRITE_RSA, priv.p) == -1 ||
	    append_key(pubpath, 0644, REWRITE_RSA, pub.p) == -1)
		goto done;
	ret = 0;
 done:
	if (der != NULL)
		freezero(der, derlen);
	buf_free(&priv);
	buf_free(&pub);
	EVP_PKEY_free(pkey);
	return ret;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	log_warnx("%s: encrypted private keys are not supported",
	    (const char *)arg);
	return -1;
}

/* Our RSA private key from a PEM file: PKCS#1 or unencrypted PKCS#8. */
EVP_PKEY *
keyfile_read_rsa_private(const char *path)
{
	struct stat	 st;
	EVP_PKEY	*pkey = NULL;
	BIO		*bio = NULL;
	char		*text;
	size_t		 len;

	if ((text = read_file(path, &len, &st, 0)) == NULL)
		return NULL;
	check_private_mode(path, &st);
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		log_warnx("%s: %s", path, ssl_error());
		goto done;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase,
	    (void *)path);
	if (pkey == NULL) {
		log_warnx("%s: no usable RSA private key: %s", path,
		    ssl_error());
		goto done;
	}
	if (rsa_check(pkey, path) == -1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
 done:
	BIO_free(bio);
	freezero(text, len + 1);
	return pkey;
}

/* A hexadecimal number of at most RSA_MAX_BITS bits. */
static BIGNUM *
hex_bn(const char *hex, const char *what)
{
	BIGNUM	*bn = NULL;
	size_t	 i, n = strlen(hex);

	if (n == 0 || n > RSA_MAX_BITS / 4) {
		log_warnx("%s: %zu hex digits", what, n);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)hex[i])) {
			log_warnx("%s: not a hexadecimal number", what);
			return NULL;
		}
	}
	if (BN_hex2bn(&bn, hex) != (int)n) {
		log_warnx("%s: %s", what, ssl_error());
		BN_clear_free(bn);
		return NULL;
	}
	return bn;
}

static EVP_PKEY *
rsa_fromdata(OSSL_PARAM_BLD *bld, int selection, const char *what)
{
	EVP_PKEY_CTX	*ctx = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY	*pkey = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1) {
		log_warnx("%s: %s", what, ssl_error());
		pkey = NULL;
	}
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* A peer's key from the obsolete PublicKey (modulus, exponent 0xFFFF). */
EVP_PKEY *
keyfile_rsa_public_from_hex(const char *hex)
{
	OSSL_PARAM_BLD	*bld = NULL;
	EVP_PKEY	*pkey = NULL;
	BIGNUM		*n, *e = NULL;

	if ((n = hex_bn(hex, "PublicKey")) == NULL)
		return NULL;
	if ((e = BN_new()) == NULL || BN_set_word(e, RSA_HEX_EXPONENT) != 1 ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1) {
		log_warnx("PublicKey: %s", ssl_error());
		goto done;
	}
	pkey = rsa_fromdata(bld, EVP_PKEY_PUBLIC_KEY, "PublicKey");
	if (pkey != NULL && rsa_check(pkey, "PublicKey") == -1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
 done:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

/*
 * Recover p and q from n, e and d (e*d - 1 is a multiple of the order of
 * every unit; a random unit's square roots of 1 split n).  It fails when
 * d does not belong to e, so it also validates the pair.
 */
static int
rsa_factor(const BIGNUM *n, const BIGNUM *e, const BIGNUM *d, BIGNUM *p,
    BIGNUM *q, BN_CTX *bnctx)
{
	BIGNUM		*k, *r, *x, *y, *g, *nm1, *rem;
	int		 t = 0, i, ret = -1;
	unsigned int	 base;

	BN_CTX_start(bnctx);
	k = BN_CTX_get(bnctx);
	r = BN_CTX_get(bnctx);
	x = BN_CTX_get(bnctx);
	y = BN_CTX_get(bnctx);
	g = BN_CTX_get(bnctx);
	nm1 = BN_CTX_get(bnctx);
	rem = BN_CTX_get(bnctx);
	if (rem == NULL || BN_mul(k, e, d, bnctx) != 1 ||
	    BN_sub_word(k, 1) != 1 || BN_copy(nm1, n) == NULL ||
	    BN_sub_word(nm1, 1) != 1)
		goto done;
	if (BN_is_zero(k) || BN_is_odd(k))
		goto done;
	if (BN_copy(r, k) == NULL)
		goto done;
	while (!BN_is_odd(r)) {
		if (BN_rshift1(r, r) != 1)
			goto done;
		t++;
	}
	for (base = 2; base < 200; base++) {
		if (BN_set_word(g, base) != 1 ||
		    BN_mod_exp(x, g, r, n, bnctx) != 1)
			goto done;
		if (BN_is_one(x) || BN_cmp(x, nm1) == 0)
			continue;
		for (i = 0; i < t; i++) {
			if (BN_mod_sqr(y, x, n, bnctx) != 1)
				goto done;
			if (BN_is_one(y)) {
				/* x is a square root of 1 other than +-1 */
				if (BN_sub_word(x, 1) != 1 ||
				    BN_gcd(p, x, n, bnctx) != 1 ||
				    BN_div(q, rem, n, p, bnctx) != 1)
					goto done;
				if (BN_is_one(p) || !BN_is_zero(rem) ||
				    BN_is_one(q))
					goto done;
				ret = 0;
				goto done;
			}
			if (BN_cmp(y, nm1) == 0)
				break;
			if (BN_copy(x, y) == NULL)
				goto done;
		}
	}
 done:
	BN_CTX_end(bnctx);
	return ret;
}

/*
 * Our key from the obsolete PrivateKey (d) and PublicKey (n) pair with
 * exponent 0xFFFF, completed with its factors so that it works like any
 * other key (CRT, DER hand-over).
 */
EVP_PKEY *
keyfile_rsa_private_from_hex(const char *pubhex, const char *privhex)
{
	OSSL_PARAM_BLD	*bld = NULL;
	EVP_PKEY	*pkey = NULL;
	BN_CTX		*bnctx = NULL;
	BIGNUM		*n = NULL, *d = NULL, *e = NULL, *p = NULL, *q = NULL;
	BIGNUM		*dp = NULL, *dq = NULL, *qinv = NULL, *t = NULL;

	if ((n = hex_bn(pubhex, "PublicKey")) == NULL ||
	    (d = hex_bn(privhex, "PrivateKey")) == NULL)
		goto done;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if ((bnctx = BN_CTX_secure_new()) == NULL || (e = BN_new()) == NULL ||
	    (p = BN_secure_new()) == NULL || (q = BN_secure_new()) == NULL ||
	    (dp = BN_secure_new()) == NULL || (dq = BN_secure_new()) == NULL ||
	    (qinv = BN_secure_new()) == NULL || (t = BN_secure_new()) == NULL ||
	    BN_set_word(e, RSA_HEX_EXPONENT) != 1) {
		log_warnx("PrivateKey: %s", ssl_error());
		goto done;
	}
	if (rsa_factor(n, e, d, p, q, bnctx) == -1) {
		log_warnx("PrivateKey and PublicKey do not form an RSA key "
		    "with exponent %d", RSA_HEX_EXPONENT);
		ERR_clear_error();
		goto done;
	}
	if (BN_copy(t, p) == NULL || BN_sub_word(t, 1) != 1 ||
	    BN_mod(dp, d, t, bnctx) != 1 ||
	    BN_copy(t, q) == NULL || BN_sub_word(t, 1) != 1 ||
	    BN_mod(dq, d, t, bnctx) != 1 ||
	    BN_mod_inverse(qinv, q, p, bnctx) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    dp) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	    dq) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	    qinv) != 1) {
		log_warnx("PrivateKey: %s", ssl_error());
		goto done;
	}
	pkey = rsa_fromdata(bld, EVP_PKEY_KEYPAIR, "PrivateKey");
	if (pkey != NULL && rsa_check(pkey, "PrivateKey") == -1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
 done:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bnctx);
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(qinv);
	BN_clear_free(t);
	return pkey;
}

/* tincd's order: PrivateKey (with PublicKey) first, then the PEM file. */
EVP_PKEY *
keyfile_own_rsa_key(const char *privkeyfile, const char *privhex,
    const char *pubhex)
{
	if (privhex != NULL) {
		if (pubhex == NULL) {
			log_warnx("PrivateKey is set but PublicKey is not");
			return NULL;
		}
		return keyfile_rsa_private_from_hex(pubhex, privhex);
	}
	return keyfile_read_rsa_private(privkeyfile);
}

static EVP_PKEY *
rsa_public_der(const uint8_t *der, size_t len, int spki, const char *where)
{
	const unsigned char	*p = der;
	EVP_PKEY		*pkey;

	if (spki)
		pkey = d2i_PUBKEY(NULL, &p, (long)len);
	else
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
	if (pkey == NULL) {
		log_warnx("%s: malformed %s: %s", where,
		    spki ? "PUBLIC KEY" : "RSA PUBLIC KEY", ssl_error());
		return NULL;
	}
	if (p != der + len) {
		log_warnx("%s: %zu extra bytes after the public key", where,
		    len - (size_t)(p - der));
		EVP_PKEY_free(pkey);
		return NULL;
	}
	if (rsa_check(pkey, where) == -1) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/*
 * A public key from a host file or PublicKeyFile: the first "RSA PUBLIC
 * KEY" block (PKCS#1), else the first "PUBLIC KEY" block (X.509
 * SubjectPublicKeyInfo), as tincd tries them.
 */
EVP_PKEY *
keyfile_read_rsa_public(const char *path)
{
	struct stat	 st;
	EVP_PKEY	*pkey = NULL;
	uint8_t		*der = NULL;
	char		*text;
	size_t		 len, derlen = 0;
	int		 r, spki = 0;

	if ((text = read_file(path, &len, &st, 0)) == NULL)
		return NULL;
	if ((der = malloc(PEM_DER_MAX)) == NULL) {
		log_warn("%s", path);
		goto done;
	}
	r = pem_block(text, len, "RSA PUBLIC KEY", path, der, PEM_DER_MAX,
	    &derlen);
	if (r == 0) {
		spki = 1;
		r = pem_block(text, len, "PUBLIC KEY", path, der, PEM_DER_MAX,
		    &derlen);
	}
	if (r == 0)
		log_warnx("%s: no RSA public key", path);
	if (r == 1)
		pkey = rsa_public_der(der, derlen, spki, path);
 done:
	free(der);
	free(text);
	return pkey;
}

/* tincd's order: PublicKey, then PublicKeyFile, then the host file. */
EVP_PKEY *
keyfile_peer_rsa_key(const char *hostfile, const char *pubhex,
    const char *pubkeyfile)
{
	if (pubhex != NULL)
		return keyfile_rsa_public_from_hex(pubhex);
	if (pubkeyfile != NULL)
		return keyfile_read_rsa_public(pubkeyfile);
	return keyfile_read_rsa_public(hostfile);
}

/* 1 when the private key belongs to the public key, else 0. */
int
keyfile_rsa_match(EVP_PKEY *priv, EVP_PKEY *pub)
{
	int	 r;

	r = EVP_PKEY_eq(priv, pub);
	ERR_clear_error();
	return r == 1;
}

static int
der_out(EVP_PKEY *pkey, int priv, uint8_t **der, size_t *len)
{
	unsigned char	*p;
	int		 n, m;

	*der = NULL;
	*len = 0;
	n = priv ? i2d_PrivateKey(pkey, NULL) : i2d_PublicKey(pkey, NULL);
	if (n <= 0) {
		log_warnx("%s: %s", __func__, ssl_error());
		return -1;
	}
	if ((*der = malloc((size_t)n)) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	p = *der;
	m = priv ? i2d_PrivateKey(pkey, &p) : i2d_PublicKey(pkey, &p);
	if (m != n) {
		log_warnx("%s: %s", __func__, ssl_error());
		freezero(*der, (size_t)n);
		*der = NULL;
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/* PKCS#1 RSAPrivateKey; free *der with freezero(*der, *len). */
int
keyfile_rsa_to_der(EVP_PKEY *pkey, uint8_t **der, size_t *len)
{
	if (rsa_check(pkey, __func__) == -1)
		return -1;
	return der_out(pkey, 1, der, len);
}

EVP_PKEY *
keyfile_rsa_from_der(const uint8_t *der, size_t len)
{
	const unsigned char	*p = der;
	EVP_PKEY		*pkey;

	if (len == 0 || len > PEM_DER_MAX * 2) {
		log_warnx("%s: %zu bytes", __func__, len);
		return NULL;
	}
	if ((pkey = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, (long)len)) ==
	    NULL) {
		log_warnx("%s: %s", __func__, ssl_error());
		return NULL;
	}
	if (p != der + len || rsa_check(pkey, __func__) == -1) {
		if (p != der + len)
			log_warnx("%s: extra bytes", __func__);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/* PKCS#1 RSAPublicKey; free *der with free. */
int
keyfile_rsa_pub_to_der(EVP_PKEY *pkey, uint8_t **der, size_t *len)
{
	if (rsa_check(pkey, __func__) == -1)
		return -1;
	return der_out(pkey, 0, der, len);
}

EVP_PKEY *
keyfile_rsa_pub_from_der(const uint8_t *der, size_t len)
{
	if (len == 0 || len > PEM_DER_MAX) {
		log_warnx("%s: %zu bytes", __func__, len);
		return NULL;
	}
	return rsa_public_der(der, len, 0, __func__);
}

/* Ed25519 */

/* tinc's stored form of the key for an RFC 8032 seed. */
int
keyfile_ed25519_from_seed(const uint8_t seed[ED25519_SEED_LEN],
    struct ed25519_key *key)
{
	EVP_PKEY	*pkey;
	size_t		 publen = ED25519_PUB_LEN;
	int		 ret = -1;

	if (EVP_Digest(seed, ED25519_SEED_LEN, key->sk, NULL, EVP_sha512(),
	    NULL) != 1) {
		log_warnx("%s: %s", __func__, ssl_error());
		goto done;
	}
	key->sk[0] &= 0xf8;
	key->sk[31] &= 0x3f;
	key->sk[31] |= 0x40;
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    ED25519_SEED_LEN);
	if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, key->pk,
	    &publen) != 1 || publen != ED25519_PUB_LEN) {
		log_warnx("%s: %s", __func__, ssl_error());
		EVP_PKEY_free(pkey);
		goto done;
	}
	EVP_PKEY_free(pkey);
	ret = 0;
 done:
	if (ret == -1)
		explicit_bzero(key, sizeof(*key));
	return ret;
}

void
keyfile_ed25519_to_raw(const struct ed25519_key *key,
    uint8_t raw[ED25519_PRIV_LEN])
{
	memcpy(raw, key->sk, sizeof(key->sk));
	memcpy(raw + sizeof(key->sk), key->pk, ED25519_PUB_LEN);
}

int
keyfile_ed25519_from_raw(const uint8_t *raw, size_t len,
    struct ed25519_key *key)
{
	uint8_t	 pk[ED25519_PUB_LEN];

	if (len != ED25519_PRIV_LEN) {
		log_warnx("%s: %zu bytes", __func__, len);
		return -1;
	}
	memcpy(key->sk, raw, sizeof(key->sk));
	memcpy(key->pk, raw + sizeof(key->sk), ED25519_PUB_LEN);
	ed25519_public(key->sk, pk);
	if (memcmp(pk, key->pk, sizeof(pk)) != 0) {
		log_warnx("%s: the public key does not belong to the private "
		    "key", __func__);
		explicit_bzero(key, sizeof(*key));
		return -1;
	}
	return 0;
}

/*
 * A new Ed25519 key: ed25519_key.priv in tinc 1.1's container (new file:
 * mode 0600) and an Ed25519PublicKey line in the host file (new file:
 * 0644); old Ed25519 keys in both are commented out, as tinc 1.1 does.
 */
int
keyfile_generate_ed25519(const char *privpath, const char *pubpath)
{
	struct ed25519_key	 key;
	struct buf		 priv = { NULL, 0, 0 };
	EVP_PKEY		*pkey = NULL;
	uint8_t			 seed[ED25519_SEED_LEN], raw[ED25519_PRIV_LEN];
	char			 line[ED25519_PRIV_LEN];
	char			 pkb64[ED25519_B64_LEN + 1];
	char			 pub[sizeof("Ed25519PublicKey = \n") +
				    ED25519_B64_LEN];
	size_t			 seedlen = sizeof(seed);
	int			 ret = -1;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    EVP_PKEY_get_raw_private_key(pkey, seed, &seedlen) != 1 ||
	    seedlen != sizeof(seed)) {
		log_warnx("cannot generate an Ed25519 key: %s", ssl_error());
		goto done;
	}
	if (keyfile_ed25519_from_seed(seed, &key) == -1)
		goto done;
	keyfile_ed25519_to_raw(&key, raw);

	if (buf_str(&priv, "-----BEGIN " ED25519_PRIV_TYPE "-----\n") == -1 ||
	    tinc_b64_encode(raw, 48, line, sizeof(line)) == -1 ||
	    buf_str(&priv, line) == -1 || buf_str(&priv, "\n") == -1 ||
	    tinc_b64_encode(raw + 48, 48, line, sizeof(line)) == -1 ||
	    buf_str(&priv, line) == -1 || buf_str(&priv, "\n") == -1 ||
	    buf_str(&priv, "-----END " ED25519_PRIV_TYPE "-----\n") == -1)
		goto done;
	if (tinc_b64_encode(key.pk, ED25519_PUB_LEN, pkb64,
	    sizeof(pkb64)) == -1)
		goto done;
	snprintf(pub, sizeof(pub), "Ed25519PublicKey = %s\n", pkb64);

	if (append_key(privpath, 0600, REWRITE_ED25519, priv.p) == -1 ||
	    append_key(pubpath, 0644, REWRITE_ED25519, pub) == -1)
		goto done;
	ret = 0;
 done:
	EVP_PKEY_free(pkey);
	buf_free(&priv);
	explicit_bzero(&key, sizeof(key));
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(line, sizeof(line));
	return ret;
}

int
keyfile_read_ed25519_private(const char *path, struct ed25519_key *key)
{
	struct stat	 st;
	uint8_t		 raw[ED25519_PRIV_LEN];
	char		*text;
	size_t		 len;
	int		 r, ret = -1;

	if ((text = read_file(path, &len, &st, 0)) == NULL)
		return -1;
	check_private_mode(path, &st);
	r = tinc_pem_block(text, len, ED25519_PRIV_TYPE, path, raw,
	    sizeof(raw));
	if (r == 0)
		log_warnx("%s: no Ed25519 private key", path);
	if (r == 1 && keyfile_ed25519_from_raw(raw, sizeof(raw), key) == 0)
		ret = 0;
	else if (r == 1)
		log_warnx("%s: invalid Ed25519 private key", path);
	explicit_bzero(raw, sizeof(raw));
	freezero(text, len + 1);
	return ret;
}

/* The value of Ed25519PublicKey: 43 characters, 32 bytes. */
int
keyfile_ed25519_pub_from_b64(const char *s, uint8_t pk[ED25519_PUB_LEN])
{
	if (strlen(s) != ED25519_B64_LEN ||
	    tinc_b64_decode(s, ED25519_B64_LEN, pk, ED25519_PUB_LEN) !=
	    ED25519_PUB_LEN) {
		log_warnx("Ed25519PublicKey: not a 43-character key");
		return -1;
	}
	return 0;
}

/* An "ED25519 PUBLIC KEY" block in a file: 1 found, 0 none, -1 error. */
int
keyfile_read_ed25519_public(const char *path, uint8_t pk[ED25519_PUB_LEN])
{
	struct stat	 st;
	char		*text;
	size_t		 len;
	int		 r;

	if ((text = read_file(path, &len, &st, 0)) == NULL)
		return -1;
	r = tinc_pem_block(text, len, ED25519_PUB_TYPE, path, pk,
	    ED25519_PUB_LEN);
	free(text);
	return r;
}

/*
 * tinc 1.1's order: the Ed25519PublicKey value, else an "ED25519 PUBLIC
 * KEY" block in Ed25519PublicKeyFile or the host file.  1 found, 0 none,
 * -1 error.
 */
int
keyfile_peer_ed25519_key(const char *hostfile, const char *b64,
    const char *pubkeyfile, uint8_t pk[ED25519_PUB_LEN])
{
	if (b64 != NULL)
		return keyfile_ed25519_pub_from_b64(b64, pk) == 0 ? 1 : -1;
	return keyfile_read_ed25519_public(pubkeyfile != NULL ? pubkeyfile :
	    hostfile, pk);
}
