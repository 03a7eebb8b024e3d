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
 * The one audited runner that takes a worker from "root, unrestricted" to
 * "unprivileged, chrooted, filtered".  A worker does, in this order:
 *
 *	sandbox_lookup_user()		before anything else (NSS needs files)
 *	sandbox_load_legacy_provider()	only when a tinc 1.0 cipher needs it
 *	sandbox_prepare()		library state that would touch files
 *	... receive every fd it will ever need ...
 *	sandbox_enter()			chroot, ids, rlimits, filter
 *
 * The parent calls sandbox_check_root() once at start-up (it may create
 * the directory).  Every function logs exactly what failed; a caller that
 * gets -1 must refuse to run.  There is no fallback to running unfiltered.
 */
#ifndef PTINC_SANDBOX_H
#define PTINC_SANDBOX_H

#include <sys/types.h>

#include "ptinc.h"

struct sandbox_user {
	uid_t		 uid;
	gid_t		 gid;
	char		 name[64];
};

/* What a forbidden system call does (sandbox_filter, sandbox_set_mode). */
#define SANDBOX_KILL	0	/* kill the whole process: production */
#define SANDBOX_TRAP	1	/* print the call number, then die: debugging */

int	sandbox_lookup_user(const char *, struct sandbox_user *);
int	sandbox_check_root(const char *);
int	sandbox_load_legacy_provider(void);
void	sandbox_prepare(enum proc_role);
void	sandbox_set_mode(int);
int	sandbox_enter(enum proc_role, const struct sandbox_user *,
	    const char *, unsigned int);
int	sandbox_filter(enum proc_role, int);

#endif
