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

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "ipc.h"
#include "parent.h"
#include "proc.h"
#include "worker.h"

extern char **environ;

int
main(int argc, char **argv)
{
	struct cmdline	 cl;
	struct stat	 st;
	int		 role;

	setproctitle_init(argc, argv, environ);

	/* A worker is this binary re-executed by the parent. */
	if (argc == 2 && strncmp(argv[1], "--worker=", 9) == 0) {
		if ((role = proc_role_from_name(argv[1] + 9)) == -1)
			return 1;
		if (fstat(FD_PARENT, &st) == -1 || !S_ISSOCK(st.st_mode))
			return 1;
		worker_main(role);
	}

	if (cmdline_parse(&cl, argc, argv) == -1)
		cmdline_usage(1);
	return parent_main(&cl);
}
