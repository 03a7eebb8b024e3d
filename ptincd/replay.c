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

#include <string.h>

#include "replay.h"

/* A window of w bytes (0 disables it, at most REPLAY_MAX). */
int
replay_init(struct replay *r, size_t w)
{
	memset(r, 0, sizeof(*r));
	if (w > REPLAY_MAX)
		return -1;
	r->w = w;
	return 0;
}

/* A new key: the sender starts again at seqno 1. */
void
replay_reset(struct replay *r)
{
	r->rx = 0;
	r->far = 0;
	memset(r->late, 0, sizeof(r->late));
}

static size_t
late_byte(const struct replay *r, uint64_t q)
{
	return (q / 8) % r->w;
}

static uint8_t
late_bit(uint64_t q)
{
	return 1 << (q % 8);
}

/*
 * Decide on an authenticated packet with sequence number q.  Returns 0 and
 * records it when it is accepted, -1 when it must be dropped.
 */
int
replay_check(struct replay *r, uint32_t seqno)
{
	uint64_t	 q = seqno, rx = r->rx, win = 8 * (uint64_t)r->w, p;

	if (r->w == 0)
		goto accept;
	if (q != rx + 1) {
		if (q >= rx + win) {
			/* far future: believe it only after w/4 in a row */
			if (r->far < r->w / 4) {
				r->far++;
				return -1;
			}
			memset(r->late, 0, r->w);
		} else if (q <= rx) {
			if ((rx >= win && q <= rx - win) ||
			    (r->late[late_byte(r, q)] & late_bit(q)) == 0)
				return -1;
		} else {
			for (p = rx + 1; p < q; p++)
				r->late[late_byte(r, p)] |= late_bit(p);
		}
	}
	r->far = 0;
	r->late[late_byte(r, q)] &= ~late_bit(q);
 accept:
	if (seqno > r->rx)
		r->rx = seqno;
	return 0;
}

/* The sender is running out of sequence numbers: make a new key. */
int
replay_need_rekey(const struct replay *r)
{
	return r->rx > REPLAY_REKEY_SEQNO;
}
