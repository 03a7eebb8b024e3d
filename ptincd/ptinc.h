/*
 * Constants and small helpers shared by every ptinc process.
 */
#ifndef PTINC_H
#define PTINC_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define PTINC_PROTOCOL_MAJOR	17
#define PTINC_PROTOCOL_MINOR	0

/*
 * tinc 1.0.36 accepts names up to its 2048-byte field; we refuse longer
 * than this (spec errata 6).  Host file paths and script environments stay
 * small and predictable.
 */
#define MAX_NAME_LEN		64

#define DEFAULT_PORT		"655"
#define MTU			1518	/* largest VPN frame, as tincd 1.0.36 */

/* Roles of the processes. */
enum proc_role {
	ROLE_PARENT = 0,
	ROLE_KEYS,
	ROLE_META,
	ROLE_PACKET,
	ROLE_MAX
};

/* util.c */
int	 valid_name(const char *);	/* [A-Za-z0-9_]+, <= MAX_NAME_LEN */
size_t	 bin2hex(const uint8_t *, size_t, char *, size_t);	/* uppercase */
int	 hex_digit(int);	/* 0-15, or -1 */
int	 hex2bin(const char *, uint8_t *, size_t);	/* exact length, -1 */
const char *role_name(enum proc_role);

#endif
