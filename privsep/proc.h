/*
 * Starting worker processes: fork, re-exec of our own binary with the role
 * as argument and the channels on fixed descriptors, clean environment.
 */
#ifndef PTINC_PROC_H
#define PTINC_PROC_H

#include <sys/types.h>

#include "ptinc.h"

struct proc_spawn {
	enum proc_role	 role;
	int		 fds[3];	/* child's FD_PARENT, FD_PEER_A, FD_PEER_B
					 * (-1: none) */
};

int	 proc_self_exe(char *, size_t);	/* absolute path of our binary */
pid_t	 proc_spawn(const char *exe, const struct proc_spawn *);
int	 proc_role_from_name(const char *);
void	 proc_title(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
