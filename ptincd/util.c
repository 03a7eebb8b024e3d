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

#include <ctype.h>
#include <string.h>

#include "ptinc.h"

int
valid_name(const char *name)
{
	size_t	 i;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= MAX_NAME_LEN)
			return 0;
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return 0;
	}
	return 1;
}

/* Uppercase hex, NUL terminated; returns the number of digits written. */
size_t
bin2hex(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	static const char	 digits[] = "0123456789ABCDEF";
	size_t			 i;

	if (outsz == 0)
		return 0;
	if (len > (outsz - 1) / 2)
		len = (outsz - 1) / 2;
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
	return 2 * len;
}

/* The value of one hex digit of either case, or -1. */
int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode exactly outlen bytes from a string of exactly 2*outlen hex digits
 * (either case).  Anything else fails.
 */
int
hex2bin(const char *in, uint8_t *out, size_t outlen)
{
	size_t	 i;
	int	 hi, lo;

	if (strlen(in) != 2 * outlen)
		return -1;
	for (i = 0; i < outlen; i++) {
		if ((hi = hex_digit((unsigned char)in[2 * i])) == -1 ||
		    (lo = hex_digit((unsigned char)in[2 * i + 1])) == -1)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

const char *
role_name(enum proc_role role)
{
	switch (role) {
	case ROLE_PARENT:
		return "parent";
	case ROLE_KEYS:
		return "keys";
	case ROLE_META:
		return "meta";
	case ROLE_PACKET:
		return "packet";
	default:
		return "unknown";
	}
}
