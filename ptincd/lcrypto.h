/*
 * Cryptography of the tinc 1.0 protocol (protocol 17).
 *
 * - the meta stream: raw RSA transport of K, key and IV taken from the end
 *   of K, one continuous AES-CFB stream per direction;
 * - CHAL_REPLY: a plain digest of the challenge bytes;
 * - UDP datagrams: E(seqno || frame) || truncated HMAC(E(...)), every
 *   packet encrypted with the same key and IV (CBC, PKCS#7 padding).
 *
 * Algorithms are named by OpenSSL NID, as on the wire; 0 means "none".
 * Contexts are made once per key; sealing and opening a datagram only
 * re-sets the IV and re-initialises the keyed MAC, and allocate nothing.
 */
#ifndef PTINC_LCRYPTO_H
#define PTINC_LCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define LKEY_MAX	(EVP_MAX_KEY_LENGTH + EVP_MAX_IV_LENGTH)
#define LDGRAM_MAX_FRAME	65535	/* largest frame ldgram_seal takes */
#define LPROBE_MIN_LEN	64		/* smallest PMTU probe frame */

/* Algorithms */
int	 lcrypto_init(int);			/* 1: with legacy provider */
int	 lcrypto_cipher_nid(const char *);	/* "none" 0, unknown -1 */
int	 lcrypto_digest_nid(const char *);	/* "none" 0, unknown -1 */
EVP_CIPHER *lcrypto_cipher_fetch(int);		/* NULL: none or unusable */
EVP_MD	*lcrypto_digest_fetch(int);
int	 lcrypto_keymat_len(int);		/* ANS_KEY key bytes, -1 */
int	 lcrypto_digest_size(int);		/* 0 for none, -1 */
int	 lcrypto_meta_nid(int);			/* AES-CFB NID for a Cipher */
int	 lcrypto_check_digest(int nid, int maclength, int allow_null,
	    const char **reason);

/* Meta connection: METAKEY and the encrypted stream */
struct meta_split {
	const uint8_t	*key;
	size_t		 keylen;
	const uint8_t	*iv;
	size_t		 ivlen;
};

struct meta_cipher {
	EVP_CIPHER_CTX	*ctx;
	uint64_t	 left;		/* byte budget (Sweet32 limit) */
};

int	 lcrypto_meta_random(uint8_t *, size_t);
int	 lcrypto_meta_split(int, const uint8_t *, size_t, struct meta_split *);
int	 meta_cipher_init(struct meta_cipher *, int nid, const uint8_t *k,
	    size_t klen, int encrypt, const char **reason);
int	 meta_cipher_update(struct meta_cipher *, const uint8_t *, uint8_t *,
	    size_t);
void	 meta_cipher_free(struct meta_cipher *);

/*
 * Raw RSA (no padding) with the peer's public key: input and output are
 * exactly the modulus size.  Decryption belongs to the key holder (keys.c).
 */
int	 lcrypto_rsa_encrypt_raw(EVP_PKEY *, const uint8_t *, size_t,
	    uint8_t *, size_t);

/* CHAL_REPLY */
int	 lcrypto_chal_digest(int nid, const uint8_t *chal, size_t len,
	    uint8_t *out, size_t outsz);
int	 lcrypto_chal_check(int nid, const uint8_t *chal, size_t len,
	    const char *hex, const char **reason);

/* UDP packet key: one direction, one peer, one ANS_KEY. */
struct legacy_key {
	int		 cipher_nid;
	int		 digest_nid;
	int		 maclength;	/* bytes appended; 0 without digest */
	int		 compression;
	int		 encrypt;	/* 1: seal (sender), 0: open */
	size_t		 blocksize;
	size_t		 keylen;	/* key material, as in ANS_KEY */
	uint8_t		 key[LKEY_MAX];
	size_t		 ivoff;		/* the IV inside key[] */
	EVP_CIPHER_CTX	*ctx;		/* NULL for the null cipher */
	EVP_MAC_CTX	*mac;		/* NULL without MAC */
	const char	*err;		/* why the last ldgram_open failed */
};

int	 legacy_key_init(struct legacy_key *, int encrypt, int cipher,
	    int digest, int maclength, int compression, const uint8_t *km,
	    size_t kmlen, const char **reason);
int	 legacy_key_generate(struct legacy_key *, int cipher, int digest,
	    int maclength, int compression, const char **reason);
void	 legacy_key_free(struct legacy_key *);

size_t	 ldgram_size(const struct legacy_key *, size_t);
int	 ldgram_seal(struct legacy_key *, uint32_t seqno, const uint8_t *frame,
	    size_t len, uint8_t *out, size_t outsz);
int	 ldgram_open(struct legacy_key *, const uint8_t *dgram, size_t len,
	    uint32_t *seqno, uint8_t *frame, size_t framesz);
int	 ldgram_verify(struct legacy_key *, const uint8_t *, size_t);

/* PMTU probe frames (bytes 12-13 zero; a reply has byte 0 set) */
int	 lprobe_fill(uint8_t *, size_t);
int	 lprobe_is_probe(const uint8_t *, size_t);
int	 lprobe_is_reply(const uint8_t *, size_t);
void	 lprobe_make_reply(uint8_t *, size_t);

#endif
