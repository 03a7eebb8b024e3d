/*
 * Key files: generating, writing and reading the RSA (tinc 1.0) and
 * Ed25519 (tinc 1.1) keys in the formats tincd uses, and serialising them
 * for the hand-over from the parent to the key holder.
 *
 * Every function logs why it failed (file name first) and returns -1 or
 * NULL.  Buffers that held private key material are wiped before they are
 * freed.
 */
#ifndef PTINC_KEYFILE_H
#define PTINC_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define RSA_DEFAULT_BITS	2048
#define RSA_MIN_BITS		512
#define RSA_MAX_BITS		16384
#define RSA_EXPONENT		65537
#define RSA_HEX_EXPONENT	0xFFFF	/* obsolete PrivateKey/PublicKey pair */

#define ED25519_PUB_LEN		32
#define ED25519_SEED_LEN	32
#define ED25519_SIG_LEN		64
#define ED25519_PRIV_LEN	96	/* tinc's stored form: a || prefix || A */
#define ED25519_B64_LEN		43	/* tinc base64 of a public key */

/*
 * tinc stores the expanded private key, not the RFC 8032 seed: the clamped
 * scalar a and the nonce prefix (the two halves of SHA-512(seed)), then the
 * public key A.  The seed cannot be recovered from a tinc key file, so this
 * is the form we keep and sign with (keys.h: ed25519_sign).
 */
struct ed25519_key {
	uint8_t	 sk[64];	/* a (32, clamped) || prefix (32) */
	uint8_t	 pk[ED25519_PUB_LEN];
};

/* tinc's base64 variant (sptps-protocol.md 2.3): LSB first, no padding. */
int	 tinc_b64_encode(const uint8_t *, size_t, char *, size_t);
int	 tinc_b64_decode(const char *, size_t, uint8_t *, size_t);

/*
 * -K: an RSA key of bits (512..16384, rounded down to a multiple of 8),
 * e = 65537, appended as PKCS#1 PEM after an empty line to privpath (new
 * file: 0600) and pubpath (new file: 0644; an existing file keeps its mode
 * and owner).  Old "-----BEGIN RSA" / "-----END RSA" lines in both files
 * become "-----BEGIN OLD" / "-----END OLD" first, as tincd does.
 */
int	 keyfile_generate_rsa(int bits, const char *privpath,
	    const char *pubpath);

/*
 * Our RSA private key: PEM (PKCS#1 or unencrypted PKCS#8; a warning when
 * group or others have access), or the obsolete PrivateKey/PublicKey hex
 * pair (e = 0xFFFF; the factors are recovered, so the pair is checked).
 * keyfile_own_rsa_key picks as tincd does: hex pair first, else the file.
 */
EVP_PKEY *keyfile_read_rsa_private(const char *path);
EVP_PKEY *keyfile_rsa_private_from_hex(const char *pubhex,
	    const char *privhex);
EVP_PKEY *keyfile_own_rsa_key(const char *privkeyfile, const char *privhex,
	    const char *pubhex);

/*
 * A peer's RSA public key: the first "RSA PUBLIC KEY" block of a file,
 * else its first "PUBLIC KEY" block; or PublicKey hex (e = 0xFFFF).
 * keyfile_peer_rsa_key: PublicKey, else PublicKeyFile, else the host file.
 */
EVP_PKEY *keyfile_read_rsa_public(const char *path);
EVP_PKEY *keyfile_rsa_public_from_hex(const char *hex);
EVP_PKEY *keyfile_peer_rsa_key(const char *hostfile, const char *pubhex,
	    const char *pubkeyfile);
int	 keyfile_rsa_match(EVP_PKEY *priv, EVP_PKEY *pub);	/* 1 or 0 */

/*
 * DER for the hand-over between processes, PKCS#1 both.  Free a private
 * *der with freezero(*der, *len), a public one with free.
 */
int	 keyfile_rsa_to_der(EVP_PKEY *, uint8_t **der, size_t *len);
EVP_PKEY *keyfile_rsa_from_der(const uint8_t *, size_t);
int	 keyfile_rsa_pub_to_der(EVP_PKEY *, uint8_t **der, size_t *len);
EVP_PKEY *keyfile_rsa_pub_from_der(const uint8_t *, size_t);

/*
 * A new Ed25519 key: tinc 1.1's "ED25519 PRIVATE KEY" container appended
 * to privpath (new file: 0600), "Ed25519PublicKey = <43 chars>" appended
 * to pubpath; old Ed25519 blocks and Ed25519PublicKey lines in both are
 * commented out with '#' first, as tinc 1.1 does.
 */
int	 keyfile_generate_ed25519(const char *privpath, const char *pubpath);
int	 keyfile_ed25519_from_seed(const uint8_t seed[ED25519_SEED_LEN],
	    struct ed25519_key *);

/* Our Ed25519 key from its file (checked: A = a*B). */
int	 keyfile_read_ed25519_private(const char *path, struct ed25519_key *);

/*
 * Peers' Ed25519 public keys.  keyfile_read_ed25519_public reads the first
 * "ED25519 PUBLIC KEY" block of a file; keyfile_peer_ed25519_key takes the
 * Ed25519PublicKey value if set, else the block in Ed25519PublicKeyFile or
 * else the host file.  Both return 1 with a key, 0 when the file has none,
 * -1 on errors.
 */
int	 keyfile_ed25519_pub_from_b64(const char *, uint8_t pk[ED25519_PUB_LEN]);
int	 keyfile_read_ed25519_public(const char *path,
	    uint8_t pk[ED25519_PUB_LEN]);
int	 keyfile_peer_ed25519_key(const char *hostfile, const char *b64,
	    const char *pubkeyfile, uint8_t pk[ED25519_PUB_LEN]);

/*
 * Hand-over of the 96-byte stored form (a || prefix || A); from_raw checks
 * that A = a*B.  Wipe the raw buffer after use.
 */
void	 keyfile_ed25519_to_raw(const struct ed25519_key *,
	    uint8_t raw[ED25519_PRIV_LEN]);
int	 keyfile_ed25519_from_raw(const uint8_t *, size_t,
	    struct ed25519_key *);

#endif
