/*
 * Replay window of the tinc 1.0 UDP protocol, one per sending peer.
 *
 * The window is W bytes (tinc's ReplayWindow, default 16), i.e. 8W
 * sequence numbers.  A jump of 8W or more ahead is refused until it has
 * been seen W/4 times in a row.  W = 0 turns all checks off.
 */
#ifndef PTINC_REPLAY_H
#define PTINC_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_DEFAULT		16		/* bytes: 128 packets */
#define REPLAY_MAX		128		/* bytes: 1024 packets */
#define REPLAY_REKEY_SEQNO	0x40000000U	/* 2^30: above it, rekey */

struct replay {
	uint32_t	 rx;		/* highest seqno accepted */
	uint32_t	 far;		/* far-future packets in a row */
	size_t		 w;		/* window in bytes */
	uint8_t		 late[REPLAY_MAX];	/* bit set: not yet seen */
};

int	 replay_init(struct replay *, size_t);
void	 replay_reset(struct replay *);
int	 replay_check(struct replay *, uint32_t);
int	 replay_need_rekey(const struct replay *);

#endif
