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

#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include <zlib.h>

#include "log.h"
#include "compress.h"

/* LZO1X-1 writes up to len + len/16 + 64 + 3 bytes, unchecked. */
#define LZO_BOUND(len)	((len) + (len) / 16 + 64 + 3)

struct compressor {
	z_stream	 def[9];	/* one per zlib level, on first use */
	int		 def_ready[9];
	z_stream	 inf;
	int		 inf_ready;
	void		*lzo_work;
	uint8_t		*scratch;	/* LZO_BOUND(COMPRESS_MAX_INPUT) */
};

struct compressor *
compressor_new(void)
{
	struct compressor	*c;
	size_t			 work;

	if (lzo_init() != LZO_E_OK) {
		log_warnx("%s: lzo_init failed", __func__);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	work = LZO1X_999_MEM_COMPRESS > LZO1X_1_MEM_COMPRESS ?
	    LZO1X_999_MEM_COMPRESS : LZO1X_1_MEM_COMPRESS;
	if ((c->lzo_work = malloc(work)) == NULL ||
	    (c->scratch = malloc(LZO_BOUND(COMPRESS_MAX_INPUT))) == NULL)
		goto fail;
	if (inflateInit(&c->inf) != Z_OK)
		goto fail;
	c->inf_ready = 1;
	return c;
 fail:
	log_warnx("%s: out of memory", __func__);
	compressor_free(c);
	return NULL;
}

void
compressor_free(struct compressor *c)
{
	int	 i;

	if (c == NULL)
		return;
	for (i = 0; i < 9; i++)
		if (c->def_ready[i])
			deflateEnd(&c->def[i]);
	if (c->inf_ready)
		inflateEnd(&c->inf);
	free(c->lzo_work);
	free(c->scratch);
	free(c);
}

/*
 * What compress2(level) makes, without its allocations: each level keeps
 * its own stream (zlib cannot switch levels on a reset stream portably).
 */
static int
zlib_compress(struct compressor *c, int level, const uint8_t *in,
    size_t len, uint8_t *out, size_t outsz)
{
	z_stream	*zs = &c->def[level - 1];

	if (!c->def_ready[level - 1]) {
		if (deflateInit(zs, level) != Z_OK) {
			log_warnx("%s: deflateInit failed", __func__);
			return -1;
		}
		c->def_ready[level - 1] = 1;
	} else if (deflateReset(zs) != Z_OK)
		return -1;
	zs->next_in = (Bytef *)in;
	zs->avail_in = len;
	zs->next_out = out;
	zs->avail_out = outsz > UINT32_MAX ? UINT32_MAX : outsz;
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return -1;	/* did not fit */
	return (int)zs->total_out;
}

/* What uncompress() accepts: one complete stream that fits out. */
static int
zlib_decompress(struct compressor *c, const uint8_t *in, size_t len,
    uint8_t *out, size_t outsz)
{
	if (inflateReset(&c->inf) != Z_OK)
		return -1;
	c->inf.next_in = (Bytef *)in;
	c->inf.avail_in = len;
	c->inf.next_out = out;
	c->inf.avail_out = outsz > UINT32_MAX ? UINT32_MAX : outsz;
	if (inflate(&c->inf, Z_FINISH) != Z_STREAM_END)
		return -1;
	return (int)c->inf.total_out;
}

static int
lzo_compress(struct compressor *c, int level, const uint8_t *in, size_t len,
    uint8_t *out, size_t outsz)
{
	uint8_t		*dst = outsz >= LZO_BOUND(len) ? out : c->scratch;
	lzo_uint	 outl = 0;
	int		 rv;

	if (level == 10)
		rv = lzo1x_1_compress(in, len, dst, &outl, c->lzo_work);
	else
		rv = lzo1x_999_compress(in, len, dst, &outl, c->lzo_work);
	if (rv != LZO_E_OK || outl > outsz)
		return -1;
	if (dst != out)
		memcpy(out, dst, outl);
	return (int)outl;
}

static int
lzo_decompress(const uint8_t *in, size_t len, uint8_t *out, size_t outsz)
{
	lzo_uint	 outl = outsz;

	if (lzo1x_decompress_safe(in, len, out, &outl, NULL) != LZO_E_OK)
		return -1;
	return (int)outl;
}

/*
 * Compress one frame at level into out.  Returns the compressed length, or
 * -1 when the level is unknown, the result is empty or does not fit.
 */
int
compress_frame(struct compressor *c, int level, const uint8_t *in,
    size_t len, uint8_t *out, size_t outsz)
{
	int	 n = -1;

	if (len == 0 || len > COMPRESS_MAX_INPUT)
		return -1;
	if (level == 0) {
		if (len > outsz)
			return -1;
		memcpy(out, in, len);
		n = (int)len;
	} else if (level >= 1 && level <= 9)
		n = zlib_compress(c, level, in, len, out, outsz);
	else if (level == 10 || level == 11)
		n = lzo_compress(c, level, in, len, out, outsz);
	return n > 0 ? n : -1;
}

/* The reverse; -1 on any error, an empty result or output overflow. */
int
decompress_frame(struct compressor *c, int level, const uint8_t *in,
    size_t len, uint8_t *out, size_t outsz)
{
	int	 n = -1;

	if (len == 0 || len > COMPRESS_MAX_INPUT || outsz > INT32_MAX)
		return -1;
	if (level == 0) {
		if (len > outsz)
			return -1;
		memcpy(out, in, len);
		n = (int)len;
	} else if (level >= 1 && level <= 9)
		n = zlib_decompress(c, in, len, out, outsz);
	else if (level == 10 || level == 11)
		n = lzo_decompress(in, len, out, outsz);
	return n > 0 ? n : -1;
}
