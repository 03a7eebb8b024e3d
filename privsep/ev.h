/*
 * A small poll(2) based event loop: descriptors with callbacks and
 * one-shot timers.  Each process runs one loop; nothing here allocates
 * while dispatching.
 */
#ifndef PTINC_EV_H
#define PTINC_EV_H

#include <sys/queue.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

typedef void (*ev_fd_cb)(int fd, short revents, void *arg);
typedef void (*ev_timer_cb)(void *arg);

struct ev_timer {
	TAILQ_ENTRY(ev_timer)	 entry;
	uint64_t		 when;	/* ms on the monotonic clock */
	ev_timer_cb		 cb;
	void			*arg;
	int			 active;
};

void	 ev_init(void);
int	 ev_add(int fd, short events, ev_fd_cb, void *arg);
int	 ev_set(int fd, short events);	/* change the events of fd */
void	 ev_del(int fd);
void	 ev_timer_set(struct ev_timer *, uint64_t ms, ev_timer_cb, void *);
void	 ev_timer_del(struct ev_timer *);
void	 ev_timer_fire_all(void);	/* SIGALRM: all timers due now */
int	 ev_loop(void);			/* until ev_exit() */
int	 ev_once(int maxwait_ms);
void	 ev_exit(void);
uint64_t ev_now_ms(void);

#endif
