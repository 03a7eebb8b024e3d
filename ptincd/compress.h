/*
 * Packet compression of the tinc 1.0 UDP protocol.
 *
 * Level 0 is a copy, 1-9 a zlib stream (RFC 1950, as compress2() makes
 * it), 10 LZO1X-1 and 11 LZO1X-999 (raw LZO1X, no header).  The receiver
 * chooses the level in its ANS_KEY.
 *
 * A compressor owns all the memory it needs (zlib streams, LZO work
 * memory, an overflow buffer); it is made once per worker thread and
 * nothing is allocated per packet.
 */
#ifndef PTINC_COMPRESS_H
#define PTINC_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#define COMPRESS_MAX_LEVEL	11
#define COMPRESS_MAX_INPUT	65535	/* longest frame accepted */

struct compressor;

struct compressor	*compressor_new(void);
void			 compressor_free(struct compressor *);
int	 compress_frame(struct compressor *, int level, const uint8_t *in,
	    size_t len, uint8_t *out, size_t outsz);
int	 decompress_frame(struct compressor *, int level, const uint8_t *in,
	    size_t len, uint8_t *out, size_t outsz);

#endif
