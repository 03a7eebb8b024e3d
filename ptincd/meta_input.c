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
 * The input side of one meta connection (legacy spec 3.4): a fixed buffer
 * of tinc's MAXBUFSIZE, cut into request lines and PACKET payloads.  Bytes
 * are decrypted as they arrive once the peer's METAKEY switched the stream
 * on; the bytes already buffered behind that METAKEY line are decrypted at
 * the moment the switch happens.  No allocation, no I/O.
 */

#include <string.h>

#include "meta.h"

void
meta_in_init(struct meta_in *in)
{
	memset(in, 0, sizeof(*in));
}

void
meta_in_clear(struct meta_in *in)
{
	if (in->decrypting)
		meta_cipher_free(&in->mc);
	explicit_bzero(in, sizeof(*in));
}

/* Where the next recv() goes and how much fits; consumed bytes go away. */
uint8_t *
meta_in_space(struct meta_in *in, size_t *avail)
{
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->scanned = in->scanned > in->start ?
		    in->scanned - in->start : 0;
		in->cur_end = 0;
		in->start = 0;
	}
	*avail = sizeof(in->buf) - in->end;
	return in->buf + in->end;
}

/* Decrypt buf[from, end) in place. */
static int
meta_in_decrypt(struct meta_in *in, size_t from)
{
	if (from >= in->end)
		return 0;
	return meta_cipher_update(&in->mc, in->buf + from, in->buf + from,
	    in->end - from);
}

/*
 * Switch to decryption (the caller made the cipher from the peer's
 * METAKEY; it is moved into in).  Inside a line callback the bytes after
 * that line are decrypted, otherwise everything still buffered.
 */
int
meta_in_set_cipher(struct meta_in *in, struct meta_cipher *mc)
{
	size_t	 from;

	if (in->decrypting)
		return -1;
	in->mc = *mc;
	explicit_bzero(mc, sizeof(*mc));
	in->decrypting = 1;
	from = in->in_cb ? in->cur_end : in->start;
	/* what was searched for LF was ciphertext */
	if (in->scanned > from)
		in->scanned = from;
	return meta_in_decrypt(in, from);
}

/* The line callback saw "17 <len>": the next len bytes are a frame. */
void
meta_in_expect(struct meta_in *in, size_t len)
{
	in->pending = len;
}

/*
 * Take nnew bytes just received into the space meta_in_space() gave, and
 * run the callbacks for every complete line and frame.  Returns 0, 1 when
 * a callback paused, -1 on a fatal error (reason set unless a callback
 * failed, which logged its own).
 */
int
meta_in_process(struct meta_in *in, size_t nnew,
    const struct meta_in_ops *ops, void *arg, const char **reason)
{
	uint8_t	*lf;
	size_t	 len;
	int	 r;

	*reason = NULL;
	if (nnew > sizeof(in->buf) - in->end) {
		*reason = "input beyond the buffer";
		return -1;
	}
	if (nnew > 0 && in->decrypting) {
		if (meta_cipher_update(&in->mc, in->buf + in->end,
		    in->buf + in->end, nnew) == -1) {
			*reason = "decryption failed";
			return -1;
		}
	}
	in->end += nnew;

	for (;;) {
		if (in->pending > 0) {
			if (in->end - in->start < in->pending)
				break;
			len = in->pending;
			in->pending = 0;
			r = ops->frame(arg, in->buf + in->start, len);
			in->start += len;
			in->scanned = in->start;
			if (r == -1)
				return -1;
			continue;
		}
		if (in->scanned < in->start)
			in->scanned = in->start;
		if ((lf = memchr(in->buf + in->scanned, '\n',
		    in->end - in->scanned)) == NULL) {
			in->scanned = in->end;
			break;
		}
		len = lf - (in->buf + in->start);
		if (memchr(in->buf + in->start, '\0', len) != NULL) {
			*reason = "bogus data (NUL in a line)";
			return -1;
		}
		*lf = '\0';
		in->cur_end = in->start + len + 1;
		in->in_cb = 1;
		r = ops->line(arg, (char *)in->buf + in->start, len);
		in->in_cb = 0;
		in->start = in->cur_end;
		in->scanned = in->start;
		if (r == -1)
			return -1;
		if (r == 1)
			return 1;
	}
	if (in->start == in->end)
		in->start = in->end = in->scanned = 0;
	if (in->end - in->start >= sizeof(in->buf)) {
		*reason = "metadata read buffer overflow";
		return -1;
	}
	return 0;
}
