/*
 * What every worker shares: start-up handshake with the parent, logging
 * through the parent, entering the sandbox.
 */
#ifndef PTINC_WORKER_H
#define PTINC_WORKER_H

#include <sys/types.h>

#include "chan.h"
#include "ptinc.h"

struct worker_init {
	int		 debug;
	int		 foreground;
	int		 mlock;
	uid_t		 uid;
	gid_t		 gid;
	unsigned int	 nofile;
	char		 chroot[256];
	char		 netname[64];
	char		 name[MAX_NAME_LEN + 1];
	char		 user[64];
};

extern struct worker_init	 worker_conf;
extern struct chan		 worker_parent;

/* Handler for IMSG_INIT_PROC, for each role's start-up table. */
int	 worker_handle_init(struct imsg *, void *);
int	 worker_handle_debug(struct imsg *, void *);
/* Start-up: read frames with the role's table until IMSG_INIT_DONE. */
void	 worker_start(enum proc_role, const struct imsg_handler *, size_t);
/* Sandbox, tell the parent, take the channel into the event loop. */
void	 worker_sandbox(enum proc_role, const struct imsg_handler *, size_t,
	    void *arg);
void	 worker_legacy_crypto(int required);
void	 worker_parent_lost(struct chan *, const char *);
void	 worker_main(enum proc_role) __attribute__((noreturn));

void	 keys_main(void) __attribute__((noreturn));
void	 meta_main(void) __attribute__((noreturn));
void	 packet_main(void) __attribute__((noreturn));

#endif
