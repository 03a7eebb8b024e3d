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
 * The "seen" set of flooded requests (legacy spec 3.8).  A line is known
 * by a 128-bit prefix of its SHA-256, so each entry has a fixed size
 * however long the line; the set is bounded, the oldest entry going first
 * when it is full, and entries older than PingInterval are aged out.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "meta.h"

static int
meta_seen_cmp(struct meta_seen_entry *a, struct meta_seen_entry *b)
{
	return memcmp(a->hash, b->hash, sizeof(a->hash));
}

RB_GENERATE(meta_seen_tree, meta_seen_entry, entry, meta_seen_cmp);

void
meta_seen_init(struct meta_seen *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	RB_INIT(&s->tree);
	TAILQ_INIT(&s->fifo);
	s->max = max > 0 ? max : META_SEEN_MAX;
}

static void
meta_seen_remove(struct meta_seen *s, struct meta_seen_entry *e)
{
	RB_REMOVE(meta_seen_tree, &s->tree, e);
	TAILQ_REMOVE(&s->fifo, e, age);
	s->n--;
	free(e);
}

/*
 * 1: the line was seen before; 0: it is new and now remembered; -1: it
 * could not be hashed or remembered (the caller treats it as new).
 */
int
meta_seen_check(struct meta_seen *s, const char *line, uint64_t now)
{
	struct meta_seen_entry	 key, *e;
	uint8_t			 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen;

	if (EVP_Digest(line, strlen(line), md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen < sizeof(key.hash))
		return -1;
	memcpy(key.hash, md, sizeof(key.hash));
	if (RB_FIND(meta_seen_tree, &s->tree, &key) != NULL)
		return 1;
	if (s->n >= s->max) {
		meta_seen_remove(s, TAILQ_FIRST(&s->fifo));
		s->evicted++;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	memcpy(e->hash, key.hash, sizeof(e->hash));
	e->when = now;
	RB_INSERT(meta_seen_tree, &s->tree, e);
	TAILQ_INSERT_TAIL(&s->fifo, e, age);
	s->n++;
	return 0;
}

/* Forget entries with when + maxage <= now; returns how many. */
size_t
meta_seen_age(struct meta_seen *s, uint64_t now, uint64_t maxage)
{
	struct meta_seen_entry	*e;
	size_t			 n = 0;

	while ((e = TAILQ_FIRST(&s->fifo)) != NULL && e->when + maxage <= now) {
		meta_seen_remove(s, e);
		n++;
	}
	return n;
}

void
meta_seen_clear(struct meta_seen *s)
{
	struct meta_seen_entry	*e;

	while ((e = TAILQ_FIRST(&s->fifo)) != NULL)
		meta_seen_remove(s, e);
}
