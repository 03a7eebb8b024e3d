/*
 * A channel to another ptinc process, driven by the event loop: reads
 * frames, checks them against the channel's handler table, writes what is
 * queued.  A malformed frame or a handler failure is fatal for the channel
 * and calls its on_error function.
 */
#ifndef PTINC_CHAN_H
#define PTINC_CHAN_H

#include "imsg.h"
#include "ptinc.h"

struct chan {
	struct imsgchan			 ic;
	enum proc_role			 peer;	/* who is on the other side */
	const struct imsg_handler	*tab;
	size_t				 ntab;
	void				*arg;
	void				(*on_error)(struct chan *, const char *);
	int				 registered;
	int				 dead;
};

void	 chan_init(struct chan *, int fd, enum proc_role peer, size_t maxlen,
	    int fdpass, const struct imsg_handler *, size_t, void *arg,
	    void (*on_error)(struct chan *, const char *));
void	 chan_close(struct chan *);
int	 chan_compose(struct chan *, uint32_t type, uint32_t peerid, int fd,
	    const void *, size_t);
int	 chan_send(struct chan *, struct ibuf *);	/* queue + arm */
void	 chan_update(struct chan *);	/* arm POLLOUT when needed */
int	 chan_drain(struct chan *);	/* frames already buffered */
/* Blocking: read frames until one of type stop arrives (start-up). */
int	 chan_wait_for(struct chan *, uint32_t stop);

#endif
