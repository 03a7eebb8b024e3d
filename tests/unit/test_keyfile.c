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
 * Key files: tinc's base64, RSA and Ed25519 generation, the formats
 * written by Debian's tincd 1.0.36 (tests/data/keys/tincd-1.0.36, made
 * with `tincd -K`), PKCS#8, the obsolete hex keys, the DER hand-over.
 */

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "keyfile.h"
#include "keys_oracle.h"
#include "log.h"
#include "ptinc.h"

static char	 lastlog[4096];
static int	 nlogs;
static char	 dir[64];

static void
capture(int prio, const char *line, void *arg)
{
	(void)prio; (void)arg;
	strlcpy(lastlog, line, sizeof(lastlog));
	nlogs++;
}

static void
capture_start(void)
{
	lastlog[0] = '\0';
	nlogs = 0;
	log_set_sink(capture, NULL);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void
setup(void)
{
	char	 hosts[128];

	strlcpy(dir, "/tmp/test_keyfile.XXXXXX", sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	ck_assert_int_eq(mkdir(hosts, 0755), 0);
}

static void
teardown(void)
{
	log_set_sink(NULL, NULL);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *
tpath(const char *name)
{
	static char	 bufs[4][256];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "%s/%s", dir, name);
	return bufs[i];
}

static const char *
dpath(const char *name)
{
	static char	 bufs[4][256];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "%s/keys/%s", TEST_DATA, name);
	return bufs[i];
}

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	buf = calloc(1, 65536);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
spew(const char *path, const char *text, mode_t mode)
{
	int	 fd;

	unlink(path);
	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode),
	    -1);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
copy(const char *from, const char *to, mode_t mode)
{
	char	*text = slurp(from);

	spew(to, text, mode);
	free(text);
}

static int
count(const char *hay, const char *needle)
{
	int	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static mode_t
mode_of(const char *path)
{
	struct stat	 st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* The value of "Var = value" in a file. */
static void
var(const char *path, const char *name, char *out, size_t outsz)
{
	char	*text = slurp(path), *p, *nl;
	size_t	 n = strlen(name);

	for (p = text; p != NULL && *p != '\0'; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (strncmp(p, name, n) == 0 && strncmp(p + n, " = ", 3) == 0) {
			strlcpy(out, p + n + 3, outsz);
			free(text);
			return;
		}
	}
	free(text);
	ck_abort_msg("%s: no %s", path, name);
}

START_TEST(test_b64_vectors)
{
	static const struct {
		const char	*in;
		const char	*out;
	} v[] = {
		{ "", "" }, { "f", "mB" }, { "fo", "m9G" }, { "foo", "m92b" },
		{ "foob", "m92biB" }, { "fooba", "m92biFG" },
		{ "foobar", "m92biFmc" },
	};
	uint8_t	 b[64], bin[18];
	char	 s[64];
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(tinc_b64_encode((const uint8_t *)v[i].in,
		    strlen(v[i].in), s, sizeof(s)), (int)strlen(v[i].out));
		ck_assert_str_eq(s, v[i].out);
		ck_assert_int_eq(tinc_b64_decode(v[i].out, strlen(v[i].out), b,
		    sizeof(b)), (int)strlen(v[i].in));
		ck_assert_mem_eq(b, v[i].in, strlen(v[i].in));
	}
	memcpy(b, "\x00\x00\xfc", 3);
	tinc_b64_encode(b, 3, s, sizeof(s));
	ck_assert_str_eq(s, "AAA/");
	memcpy(b, "\x3f\x00\x00", 3);
	tinc_b64_encode(b, 3, s, sizeof(s));
	ck_assert_str_eq(s, "/AAA");

	ck_assert_int_eq(hex2bin("f0f7fe050c131a21282f363d444b52596067", bin,
	    18), 0);
	tinc_b64_encode(bin, 18, s, sizeof(s));
	ck_assert_str_eq(s, "wfv/FwwEaECKvYTPEtkUZB2Z");
	/* both alphabets decode */
	ck_assert_int_eq(tinc_b64_decode("wfv_FwwEaECKvYTPEtkUZB2Z", 24, b,
	    sizeof(b)), 18);
	ck_assert_mem_eq(b, bin, 18);
	ck_assert_int_eq(tinc_b64_decode("wfv/FwwEaECKvYTPEtkUZB2Z", 24, b,
	    sizeof(b)), 18);
	ck_assert_mem_eq(b, bin, 18);

	/* refusals */
	ck_assert_int_eq(tinc_b64_decode("m92=", 4, b, sizeof(b)), -1);
	ck_assert_int_eq(tinc_b64_decode("m9 b", 4, b, sizeof(b)), -1);
	ck_assert_int_eq(tinc_b64_decode("m92bi", 5, b, sizeof(b)), -1);
	ck_assert_int_eq(tinc_b64_decode("m92biFmc", 8, b, 5), -1);
	ck_assert_int_eq(tinc_b64_encode((const uint8_t *)"foo", 3, s, 4), -1);
	ck_assert_int_eq(tinc_b64_encode((const uint8_t *)"foo", 3, s, 5), 4);
}
END_TEST

START_TEST(test_rsa_generate)
{
	const char	*priv = tpath("rsa_key.priv"), *pub = tpath("hosts/me");
	const char	*expect = "Address = 192.0.2.1\nSubnet = 10.0.0.0/24\n"
			    "\n-----BEGIN RSA PUBLIC KEY-----\nMIGJAoGB";
	EVP_PKEY	*k1, *k2, *p1, *p2;
	char		*text;

	spew(pub, "Address = 192.0.2.1\nSubnet = 10.0.0.0/24", 0640);
	ck_assert_int_eq(keyfile_generate_rsa(1028, priv, pub), 0);
	ck_assert_uint_eq(mode_of(priv), 0600);
	ck_assert_uint_eq(mode_of(pub), 0640);	/* kept */

	text = slurp(priv);
	ck_assert_msg(strncmp(text, "\n-----BEGIN RSA PRIVATE KEY-----\n",
	    33) == 0, "private file starts with %.40s", text);
	ck_assert_int_eq(count(text, "-----END RSA PRIVATE KEY-----\n"), 1);
	free(text);
	text = slurp(pub);
	ck_assert_msg(strncmp(text, expect, strlen(expect)) == 0,
	    "host file: %s", text);
	free(text);

	ck_assert_ptr_nonnull(k1 = keyfile_read_rsa_private(priv));
	ck_assert_int_eq(EVP_PKEY_get_bits(k1), 1024);	/* rounded down */
	ck_assert_ptr_nonnull(p1 = keyfile_read_rsa_public(pub));
	ck_assert(keyfile_rsa_match(k1, p1));
	ck_assert_int_eq(EVP_PKEY_get_bits(p1), 1024);

	/* again: the old blocks become OLD, the new key is the one read */
	ck_assert_int_eq(keyfile_generate_rsa(1024, priv, pub), 0);
	ck_assert_uint_eq(mode_of(priv), 0600);
	ck_assert_uint_eq(mode_of(pub), 0640);
	text = slurp(priv);
	ck_assert_int_eq(count(text, "\n-----BEGIN OLD PRIVATE KEY-----\n"), 1);
	ck_assert_int_eq(count(text, "\n-----END OLD PRIVATE KEY-----\n"), 1);
	ck_assert_int_eq(count(text, "\n-----BEGIN RSA PRIVATE KEY-----\n"), 1);
	ck_assert_int_eq(count(text, "\n\n-----BEGIN RSA PRIVATE KEY-----"), 1);
	free(text);
	text = slurp(pub);
	ck_assert_int_eq(count(text, "-----BEGIN OLD PUBLIC KEY-----\n"), 1);
	ck_assert_int_eq(count(text, "-----END OLD PUBLIC KEY-----\n"), 1);
	ck_assert_int_eq(count(text, "-----BEGIN RSA PUBLIC KEY-----\n"), 1);
	ck_assert_int_eq(count(text, "Address = 192.0.2.1\n"), 1);
	free(text);
	ck_assert_ptr_nonnull(k2 = keyfile_read_rsa_private(priv));
	ck_assert_ptr_nonnull(p2 = keyfile_read_rsa_public(pub));
	ck_assert(keyfile_rsa_match(k2, p2));
	ck_assert(!keyfile_rsa_match(k2, p1));
	ck_assert(!keyfile_rsa_match(k1, p2));

	/* a new host file; bit sizes out of range */
	ck_assert_int_eq(keyfile_generate_rsa(512, tpath("k2"),
	    tpath("hosts/new")), 0);
	ck_assert_uint_eq(mode_of(tpath("k2")), 0600);
	ck_assert_uint_eq(mode_of(tpath("hosts/new")), 0644);
	log_set_sink(capture, NULL);
	ck_assert_int_eq(keyfile_generate_rsa(511, tpath("k3"), tpath("p3")),
	    -1);
	ck_assert_int_eq(keyfile_generate_rsa(RSA_MAX_BITS + 8, tpath("k3"),
	    tpath("p3")), -1);
	ck_assert_int_eq(access(tpath("k3"), F_OK), -1);
	log_set_sink(NULL, NULL);

	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(p1);
	EVP_PKEY_free(p2);
}
END_TEST

/* A symbolic link to the host file is written through, not replaced. */
START_TEST(test_rsa_generate_symlink)
{
	char		 target[256];
	struct stat	 st;
	EVP_PKEY	*k, *p;

	strlcpy(target, tpath("real_host"), sizeof(target));
	spew(target, "Port = 655\n", 0644);
	ck_assert_int_eq(symlink(target, tpath("hosts/me")), 0);
	ck_assert_int_eq(keyfile_generate_rsa(512, tpath("rsa_key.priv"),
	    tpath("hosts/me")), 0);
	ck_assert_int_eq(lstat(tpath("hosts/me"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_ptr_nonnull(k = keyfile_read_rsa_private(
	    tpath("rsa_key.priv")));
	ck_assert_ptr_nonnull(p = keyfile_read_rsa_public(target));
	ck_assert(keyfile_rsa_match(k, p));
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
}
END_TEST

START_TEST(test_tincd_fixture)
{
	EVP_PKEY	*k, *p, *old;
	char		*text;

	/* git does not keep mode 0600, so read a private copy */
	copy(dpath("tincd-1.0.36/rsa_key.priv"), tpath("rsa_key.priv"), 0600);
	capture_start();
	ck_assert_ptr_nonnull(k = keyfile_read_rsa_private(
	    tpath("rsa_key.priv")));
	ck_assert_int_eq(nlogs, 0);
	log_set_sink(NULL, NULL);
	ck_assert_int_eq(EVP_PKEY_get_bits(k), 2048);
	ck_assert_ptr_nonnull(p = keyfile_read_rsa_public(
	    dpath("tincd-1.0.36/hosts/fixture")));
	ck_assert(keyfile_rsa_match(k, p));
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);

	/* after a second tincd -K: the OLD blocks are skipped */
	copy(dpath("tincd-1.0.36-rekeyed/rsa_key.priv"), tpath("rekeyed"),
	    0600);
	text = slurp(tpath("rekeyed"));
	ck_assert_int_eq(count(text, "-----BEGIN OLD PRIVATE KEY-----"), 1);
	free(text);
	ck_assert_ptr_nonnull(k = keyfile_read_rsa_private(tpath("rekeyed")));
	ck_assert_ptr_nonnull(p = keyfile_read_rsa_public(
	    dpath("tincd-1.0.36-rekeyed/hosts/fixture")));
	ck_assert(keyfile_rsa_match(k, p));
	/* the OLD public block, renamed back, is a different key */
	text = slurp(dpath("tincd-1.0.36-rekeyed/hosts/fixture"));
	*strstr(text, "-----BEGIN RSA") = '\0';
	memcpy(strstr(text, "-----BEGIN OLD"), "-----BEGIN RSA", 14);
	memcpy(strstr(text, "-----END OLD"), "-----END RSA", 12);
	spew(tpath("hosts/old"), text, 0644);
	free(text);
	ck_assert_ptr_nonnull(old = keyfile_read_rsa_public(tpath("hosts/old")));
	ck_assert(!keyfile_rsa_match(k, old));
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
	EVP_PKEY_free(old);
}
END_TEST

START_TEST(test_pkcs8_spki_encrypted)
{
	EVP_PKEY	*k, *p, *fix;

	ck_assert_ptr_nonnull(fix = keyfile_read_rsa_public(
	    dpath("tincd-1.0.36/hosts/fixture")));
	copy(dpath("pkcs8/rsa_key.priv"), tpath("p8"), 0600);
	ck_assert_ptr_nonnull(k = keyfile_read_rsa_private(tpath("p8")));
	ck_assert(keyfile_rsa_match(k, fix));
	ck_assert_ptr_nonnull(p = keyfile_read_rsa_public(
	    dpath("spki/hosts/fixture")));
	ck_assert(keyfile_rsa_match(k, p));
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);

	copy(dpath("encrypted/rsa_key.priv"), tpath("enc"), 0600);
	capture_start();
	ck_assert_ptr_null(keyfile_read_rsa_private(tpath("enc")));
	ck_assert_int_ge(nlogs, 1);
	ck_assert_ptr_nonnull(strstr(lastlog, tpath("enc")));
	log_set_sink(NULL, NULL);
	EVP_PKEY_free(fix);
}
END_TEST

START_TEST(test_private_mode_warning)
{
	EVP_PKEY	*k;

	copy(dpath("tincd-1.0.36/rsa_key.priv"), tpath("rsa_key.priv"), 0640);
	capture_start();
	ck_assert_ptr_nonnull(k = keyfile_read_rsa_private(
	    tpath("rsa_key.priv")));
	ck_assert_int_eq(nlogs, 1);
	ck_assert_ptr_nonnull(strstr(lastlog, "0640"));
	ck_assert_ptr_nonnull(strstr(lastlog, tpath("rsa_key.priv")));
	EVP_PKEY_free(k);

	chmod(tpath("rsa_key.priv"), 0604);
	capture_start();
	ck_assert_ptr_nonnull(k = keyfile_read_rsa_private(
	    tpath("rsa_key.priv")));
	ck_assert_int_eq(nlogs, 1);
	EVP_PKEY_free(k);

	chmod(tpath("rsa_key.priv"), 0400);
	capture_start();
	ck_assert_ptr_nonnull(k = keyfile_read_rsa_private(
	    tpath("rsa_key.priv")));
	ck_assert_int_eq(nlogs, 0);
	EVP_PKEY_free(k);
	log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_hex_keys)
{
	char		 n[1024], d[1024], other[1024];
	EVP_PKEY	*k, *p, *ref, *k2;
	uint8_t		*der;
	size_t		 len;

	var(dpath("hex-e65535/tinc.conf"), "PrivateKey", d, sizeof(d));
	var(dpath("hex-e65535/hosts/hexnode"), "PublicKey", n, sizeof(n));
	copy(dpath("hex-e65535/reference.pem"), tpath("ref"), 0600);
	ck_assert_ptr_nonnull(ref = keyfile_read_rsa_private(tpath("ref")));

	ck_assert_ptr_nonnull(k = keyfile_own_rsa_key("/nonexistent", d, n));
	ck_assert_ptr_nonnull(p = keyfile_peer_rsa_key("/nonexistent", n,
	    NULL));
	ck_assert(keyfile_rsa_match(k, p));
	ck_assert(keyfile_rsa_match(ref, p));
	ck_assert(EVP_PKEY_eq(k, ref) == 1);
	/* the factors were recovered: the key serialises like any other */
	ck_assert_int_eq(keyfile_rsa_to_der(k, &der, &len), 0);
	ck_assert_ptr_nonnull(k2 = keyfile_rsa_from_der(der, len));
	ck_assert(EVP_PKEY_eq(k2, ref) == 1);
	freezero(der, len);
	EVP_PKEY_free(k2);

	log_set_sink(capture, NULL);
	/* PrivateKey without PublicKey, bad digits, a foreign modulus */
	ck_assert_ptr_null(keyfile_own_rsa_key("/nonexistent", d, NULL));
	ck_assert_ptr_null(keyfile_rsa_private_from_hex(n, "12G4"));
	ck_assert_ptr_null(keyfile_rsa_private_from_hex(n, ""));
	ck_assert_ptr_null(keyfile_rsa_public_from_hex("0x1234"));
	ck_assert_ptr_null(keyfile_rsa_public_from_hex("FFFF"));  /* 16 bits */
	strlcpy(other, n, sizeof(other));
	other[10] = other[10] == 'A' ? 'B' : 'A';
	ck_assert_ptr_null(keyfile_rsa_private_from_hex(other, d));
	log_set_sink(NULL, NULL);

	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
	EVP_PKEY_free(ref);
}
END_TEST

START_TEST(test_peer_key_order)
{
	char		 n[1024];
	EVP_PKEY	*fix, *hexk, *k;

	var(dpath("hex-e65535/hosts/hexnode"), "PublicKey", n, sizeof(n));
	ck_assert_ptr_nonnull(fix = keyfile_read_rsa_public(
	    dpath("tincd-1.0.36/hosts/fixture")));
	ck_assert_ptr_nonnull(hexk = keyfile_rsa_public_from_hex(n));
	/* PublicKey wins over PublicKeyFile wins over the host file */
	ck_assert_ptr_nonnull(k = keyfile_peer_rsa_key(
	    dpath("tincd-1.0.36/hosts/fixture"), n, dpath("spki/hosts/fixture")));
	ck_assert(EVP_PKEY_eq(k, hexk) == 1);
	EVP_PKEY_free(k);
	spew(tpath("hosts/x"), "Port = 1\n", 0644);
	ck_assert_ptr_nonnull(k = keyfile_peer_rsa_key(tpath("hosts/x"), NULL,
	    dpath("spki/hosts/fixture")));
	ck_assert(EVP_PKEY_eq(k, fix) == 1);
	EVP_PKEY_free(k);
	ck_assert_ptr_nonnull(k = keyfile_peer_rsa_key(
	    dpath("tincd-1.0.36/hosts/fixture"), NULL, NULL));
	ck_assert(EVP_PKEY_eq(k, fix) == 1);
	EVP_PKEY_free(k);
	EVP_PKEY_free(fix);
	EVP_PKEY_free(hexk);
}
END_TEST

START_TEST(test_bad_host_files)
{
	char	*good, *t, *p;

	good = slurp(dpath("tincd-1.0.36/hosts/fixture"));
	log_set_sink(capture, NULL);

	spew(tpath("h"), "Address = 1.2.3.4\n", 0644);
	ck_assert_ptr_null(keyfile_read_rsa_public(tpath("h")));
	ck_assert_ptr_nonnull(strstr(lastlog, "no RSA public key"));

	/* no END line */
	t = strdup(good);
	*strstr(t, "-----END") = '\0';
	spew(tpath("h"), t, 0644);
	ck_assert_ptr_null(keyfile_read_rsa_public(tpath("h")));
	ck_assert_ptr_nonnull(strstr(lastlog, "no END"));
	free(t);

	/* a character that is not base64 */
	t = strdup(good);
	p = strstr(t, "MII");
	p[5] = '*';
	spew(tpath("h"), t, 0644);
	ck_assert_ptr_null(keyfile_read_rsa_public(tpath("h")));
	free(t);

	/* a line missing: the DER is truncated */
	t = strdup(good);
	p = strstr(t, "MII");
	memmove(p, p + 65, strlen(p + 65) + 1);
	spew(tpath("h"), t, 0644);
	ck_assert_ptr_null(keyfile_read_rsa_public(tpath("h")));
	free(t);

	/* a header line inside the block */
	t = calloc(1, strlen(good) + 64);
	p = strstr(good, "MII");
	memcpy(t, good, (size_t)(p - good));
	strcat(t, "Proc-Type: 4,ENCRYPTED\n");
	strcat(t, p);
	spew(tpath("h"), t, 0644);
	ck_assert_ptr_null(keyfile_read_rsa_public(tpath("h")));
	free(t);

	/* a NUL byte, a missing file, a directory */
	ck_assert_int_eq(truncate(tpath("h"), 0), 0);
	{
		int	 fd = open(tpath("h"), O_WRONLY);

		ck_assert_int_eq(write(fd, "Port = 1\n\0\n", 11), 11);
		close(fd);
	}
	ck_assert_ptr_null(keyfile_read_rsa_public(tpath("h")));
	ck_assert_ptr_nonnull(strstr(lastlog, "NUL"));
	ck_assert_ptr_null(keyfile_read_rsa_public(tpath("missing")));
	ck_assert_ptr_null(keyfile_read_rsa_public(tpath("hosts")));
	ck_assert_ptr_null(keyfile_read_rsa_public(NULL));
	ck_assert_ptr_null(keyfile_own_rsa_key(NULL, NULL, NULL));
	ck_assert_int_eq(keyfile_generate_ed25519(NULL, tpath("x")), -1);
	log_set_sink(NULL, NULL);
	free(good);
}
END_TEST

START_TEST(test_der_handover)
{
	EVP_PKEY	*k, *k2, *p, *p2;
	uint8_t		*der, *big;
	size_t		 len;

	copy(dpath("tincd-1.0.36/rsa_key.priv"), tpath("k"), 0600);
	ck_assert_ptr_nonnull(k = keyfile_read_rsa_private(tpath("k")));
	ck_assert_int_eq(keyfile_rsa_to_der(k, &der, &len), 0);
	ck_assert_uint_eq(der[0], 0x30);
	ck_assert_ptr_nonnull(k2 = keyfile_rsa_from_der(der, len));
	ck_assert(EVP_PKEY_eq(k, k2) == 1);
	EVP_PKEY_free(k2);
	log_set_sink(capture, NULL);
	ck_assert_ptr_null(keyfile_rsa_from_der(der, len - 1));
	big = malloc(len + 1);
	memcpy(big, der, len);
	big[len] = 0;
	ck_assert_ptr_null(keyfile_rsa_from_der(big, len + 1));
	free(big);
	ck_assert_ptr_null(keyfile_rsa_from_der(der, 0));
	log_set_sink(NULL, NULL);
	freezero(der, len);

	ck_assert_int_eq(keyfile_rsa_pub_to_der(k, &der, &len), 0);
	ck_assert_uint_eq(len, 270);	/* PKCS#1 RSAPublicKey, 2048 bits */
	ck_assert_ptr_nonnull(p = keyfile_rsa_pub_from_der(der, len));
	ck_assert(keyfile_rsa_match(k, p));
	ck_assert_ptr_nonnull(p2 = keyfile_read_rsa_public(
	    dpath("tincd-1.0.36/hosts/fixture")));
	ck_assert(EVP_PKEY_eq(p, p2) == 1);
	log_set_sink(capture, NULL);
	ck_assert_ptr_null(keyfile_rsa_pub_from_der(der, len - 1));
	big = malloc(len + 1);
	memcpy(big, der, len);
	big[len] = 0;
	ck_assert_ptr_null(keyfile_rsa_pub_from_der(big, len + 1));
	ck_assert_ptr_nonnull(strstr(lastlog, "extra"));
	free(big);
	log_set_sink(NULL, NULL);
	free(der);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
	EVP_PKEY_free(p2);
}
END_TEST

/* sptps-protocol.md 2.4, key A (alice) */
static const char	 alice_priv[] =
    "-----BEGIN ED25519 PRIVATE KEY-----\n"
    "4Qp7kyJWK8egpVjdrAeSV1ZbUAk3eLh5hWS8E+x/O+WqXjhYjWOdrd1GjH9hwSAE\n"
    "GVvL9WID817Xe744EOntJNQoH878ODhvdAX3Yc+SAn5ZkbNMbWaDf1B3GSmEVFDu\n"
    "-----END ED25519 PRIVATE KEY-----\n";
static const char	 alice_pub_b64[] =
    "DE6B/OvzQ4bHw1NGnvEwZeG5WDzml2wXdwthkJRVxgL";
static const char	 alice_sk[] =
    "3894eea49c580aef816935762be049559d6d1440dede12e6a125f1841fff8e6f"
    "a9d71862a3e5746b571be3d187b0041046f52ebd850c7cbd5fde8ee38473b649";
static const char	 alice_pk[] =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
static const char	 bob_priv[] =
    "-----BEGIN ED25519 PRIVATE KEY-----\r\n"
    "IqX9KaDIuUAxB/M7bZvxf0qZ8iaUTBGBHsUMxXrbKlUPc+pwNUsnB4vyyCzYvTzG\r\n"
    "t0SdEjO567xmpiVZCC242kCr6GeQ8qM8y6iGUOdTLcsNeIVbL4vEIfJl8OpIW221\r\n"
    "-----END ED25519 PRIVATE KEY-----\r\n";
static const char	 bob_pk[] =
    "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7";

START_TEST(test_ed25519_vectors)
{
	struct ed25519_key	 key, fromseed;
	uint8_t			 want[64], pk[32], seed[32], raw[96];
	char			 b64[64];
	int			 i;

	spew(tpath("ed25519_key.priv"), alice_priv, 0600);
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("ed25519_key.priv"),
	    &key), 0);
	ck_assert_int_eq(hex2bin(alice_sk, want, 64), 0);
	ck_assert_mem_eq(key.sk, want, 64);
	ck_assert_int_eq(hex2bin(alice_pk, want, 32), 0);
	ck_assert_mem_eq(key.pk, want, 32);
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	ck_assert_int_eq(keyfile_ed25519_from_seed(seed, &fromseed), 0);
	ck_assert_mem_eq(&fromseed, &key, sizeof(key));
	ck_assert_int_eq(tinc_b64_encode(key.pk, 32, b64, sizeof(b64)), 43);
	ck_assert_str_eq(b64, alice_pub_b64);
	ck_assert_int_eq(keyfile_ed25519_pub_from_b64(alice_pub_b64, pk), 0);
	ck_assert_mem_eq(pk, want, 32);

	/* the public key file form, and the peer lookup order */
	spew(tpath("hosts/alice"), "Address = 10.0.0.1\n"
	    "-----BEGIN ED25519 PUBLIC KEY-----\n"
	    "DE6B/OvzQ4bHw1NGnvEwZeG5WDzml2wXdwthkJRVxgL\n"
	    "-----END ED25519 PUBLIC KEY-----\n", 0644);
	memset(pk, 0, 32);
	ck_assert_int_eq(keyfile_read_ed25519_public(tpath("hosts/alice"), pk),
	    1);
	ck_assert_mem_eq(pk, want, 32);
	memset(pk, 0, 32);
	ck_assert_int_eq(keyfile_peer_ed25519_key(tpath("hosts/alice"), NULL,
	    NULL, pk), 1);
	ck_assert_mem_eq(pk, want, 32);
	spew(tpath("hosts/none"), "Address = 10.0.0.2\n", 0644);
	ck_assert_int_eq(keyfile_peer_ed25519_key(tpath("hosts/none"), NULL,
	    NULL, pk), 0);
	ck_assert_int_eq(keyfile_peer_ed25519_key(tpath("hosts/none"), NULL,
	    tpath("hosts/alice"), pk), 1);
	ck_assert_mem_eq(pk, want, 32);

	/* bob, with CRLF line ends */
	spew(tpath("bob.priv"), bob_priv, 0600);
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("bob.priv"), &key),
	    0);
	ck_assert_int_eq(hex2bin(bob_pk, want, 32), 0);
	ck_assert_mem_eq(key.pk, want, 32);

	/* the hand-over form */
	keyfile_ed25519_to_raw(&key, raw);
	memset(&fromseed, 0, sizeof(fromseed));
	ck_assert_int_eq(keyfile_ed25519_from_raw(raw, 96, &fromseed), 0);
	ck_assert_mem_eq(&fromseed, &key, sizeof(key));
	log_set_sink(capture, NULL);
	ck_assert_int_eq(keyfile_ed25519_from_raw(raw, 95, &fromseed), -1);
	raw[70] ^= 4;
	ck_assert_int_eq(keyfile_ed25519_from_raw(raw, 96, &fromseed), -1);
	log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_ed25519_bad_files)
{
	struct ed25519_key	 key;
	uint8_t			 pk[32];
	char			 t[512];

	log_set_sink(capture, NULL);
	/* a changed scalar no longer matches the stored public key */
	strlcpy(t, alice_priv, sizeof(t));
	t[40] = t[40] == 'A' ? 'B' : 'A';
	spew(tpath("k"), t, 0600);
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("k"), &key), -1);

	/* one line only: 48 bytes */
	strlcpy(t, alice_priv, sizeof(t));
	memmove(t + 36, t + 36 + 65, strlen(t + 36 + 65) + 1);
	spew(tpath("k"), t, 0600);
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("k"), &key), -1);
	ck_assert_ptr_nonnull(strstr(lastlog, "48 bytes"));

	/* an extra line */
	strlcpy(t, alice_priv, sizeof(t));
	memcpy(strstr(t, "-----END"), "AAAA\n-----END ED25519 PRIVATE KEY-----\n",
	    40);
	spew(tpath("k"), t, 0600);
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("k"), &key), -1);

	/* no END, no block, a bad character */
	strlcpy(t, alice_priv, sizeof(t));
	*strstr(t, "-----END") = '\0';
	spew(tpath("k"), t, 0600);
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("k"), &key), -1);
	spew(tpath("k"), "Name = x\n", 0600);
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("k"), &key), -1);
	strlcpy(t, alice_priv, sizeof(t));
	t[50] = '*';
	spew(tpath("k"), t, 0600);
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("k"), &key), -1);

	/* public key values */
	ck_assert_int_eq(keyfile_ed25519_pub_from_b64(
	    "DE6B/OvzQ4bHw1NGnvEwZeG5WDzml2wXdwthkJRVxg", pk), -1);
	ck_assert_int_eq(keyfile_ed25519_pub_from_b64(
	    "DE6B/OvzQ4bHw1NGnvEwZeG5WDzml2wXdwthkJRVxgLA", pk), -1);
	ck_assert_int_eq(keyfile_ed25519_pub_from_b64(
	    "DE6B/OvzQ4bHw1NGnvEwZeG5WDzml2wXdwthkJRVxg=", pk), -1);
	ck_assert_int_eq(keyfile_peer_ed25519_key(tpath("k"), "short", NULL,
	    pk), -1);

	/* group-readable private key: loaded, with a warning */
	spew(tpath("k"), alice_priv, 0644);
	capture_start();
	ck_assert_int_eq(keyfile_read_ed25519_private(tpath("k"), &key), 0);
	ck_assert_int_eq(nlogs, 1);
	ck_assert_ptr_nonnull(strstr(lastlog, "0644"));
	log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_ed25519_generate)
{
	const char		*priv = tpath("ed25519_key.priv");
	const char		*pub = tpath("hosts/me");
	struct ed25519_key	 k1, k2;
	uint8_t			 pk[32];
	char			 value[128], *text, *p;

	spew(pub, "Address = 192.0.2.7\n", 0644);
	ck_assert_int_eq(keyfile_generate_ed25519(priv, pub), 0);
	ck_assert_uint_eq(mode_of(priv), 0600);
	ck_assert_uint_eq(mode_of(pub), 0644);
	text = slurp(priv);
	ck_assert_uint_eq(strlen(text), 36 + 2 * 65 + 34);
	ck_assert(strncmp(text, "-----BEGIN ED25519 PRIVATE KEY-----\n", 36) ==
	    0);
	ck_assert(text[36 + 64] == '\n' && text[36 + 129] == '\n');
	ck_assert_str_eq(text + 36 + 130, "-----END ED25519 PRIVATE KEY-----\n");
	free(text);
	ck_assert_int_eq(keyfile_read_ed25519_private(priv, &k1), 0);
	var(pub, "Ed25519PublicKey", value, sizeof(value));
	ck_assert_uint_eq(strlen(value), 43);
	ck_assert_int_eq(keyfile_peer_ed25519_key(pub, value, NULL, pk), 1);
	ck_assert_mem_eq(pk, k1.pk, 32);
	text = slurp(pub);
	ck_assert(strncmp(text, "Address = 192.0.2.7\nEd25519PublicKey = ",
	    39) == 0);
	free(text);

	/* again: old key commented out in both files */
	ck_assert_int_eq(keyfile_generate_ed25519(priv, pub), 0);
	ck_assert_uint_eq(mode_of(priv), 0600);
	text = slurp(priv);
	ck_assert_int_eq(count(text, "#-----BEGIN ED25519 PRIVATE KEY-----\n"),
	    1);
	ck_assert_int_eq(count(text, "#-----END ED25519 PRIVATE KEY-----\n"),
	    1);
	ck_assert_int_eq(count(text, "\n-----BEGIN ED25519 PRIVATE KEY-----\n"),
	    1);
	p = strchr(text + 1, '\n') + 1;		/* second line, old key */
	ck_assert(p[0] == '#');
	free(text);
	text = slurp(pub);
	ck_assert_int_eq(count(text, "#Ed25519PublicKey = "), 1);
	ck_assert_int_eq(count(text, "\nEd25519PublicKey = "), 1);
	ck_assert_int_eq(count(text, "Address = 192.0.2.7\n"), 1);
	p = strstr(text, "\nEd25519PublicKey = ") + 20;
	p[43] = '\0';
	ck_assert_int_eq(keyfile_ed25519_pub_from_b64(p, pk), 0);
	free(text);
	ck_assert_int_eq(keyfile_read_ed25519_private(priv, &k2), 0);
	ck_assert_mem_eq(pk, k2.pk, 32);
	ck_assert(memcmp(k1.pk, k2.pk, 32) != 0);

	/* no host file yet */
	ck_assert_int_eq(keyfile_generate_ed25519(tpath("k2"),
	    tpath("hosts/new")), 0);
	ck_assert_uint_eq(mode_of(tpath("hosts/new")), 0644);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("keyfile");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_b64_vectors);
	tcase_add_test(tc, test_rsa_generate);
	tcase_add_test(tc, test_rsa_generate_symlink);
	tcase_add_test(tc, test_tincd_fixture);
	tcase_add_test(tc, test_pkcs8_spki_encrypted);
	tcase_add_test(tc, test_private_mode_warning);
	tcase_add_test(tc, test_hex_keys);
	tcase_add_test(tc, test_peer_key_order);
	tcase_add_test(tc, test_bad_host_files);
	tcase_add_test(tc, test_der_handover);
	tcase_add_test(tc, test_ed25519_vectors);
	tcase_add_test(tc, test_ed25519_bad_files);
	tcase_add_test(tc, test_ed25519_generate);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
