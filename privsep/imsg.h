/*
 * Framed messages between ptinc processes.
 *
 * Wire format of one frame (all integers big-endian):
 *
 *	u32 type	message type (IMSG_*)
 *	u32 len		header + payload length, 16 <= len <= channel max
 *	u32 peerid	node, connection or request id
 *	u32 flags	IMSGF_HASFD when one descriptor rides with the frame
 *	payload		len - 16 bytes
 *
 * A descriptor travels with SCM_RIGHTS on the sendmsg() that carries the
 * first byte of its frame; the receiver attaches it to that frame.
 *
 * Payloads are built and read with explicit serialisers; never raw structs.
 */
#ifndef PTINC_IMSG_H
#define PTINC_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#define IMSG_HDR_LEN		16
#define IMSG_MAX_DEFAULT	(16 * 1024)
#define IMSG_MAX_PACKET		(70 * 1024)	/* >= 64 KiB + header */
#define IMSGF_HASFD		0x1

struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;
	uint32_t	 peerid;
	uint32_t	 flags;
};

/* An outgoing frame being composed, or queued for writing. */
struct ibuf {
	TAILQ_ENTRY(ibuf)	 entry;
	uint8_t			*buf;
	size_t			 size;	/* allocated */
	size_t			 wpos;	/* bytes composed */
	size_t			 rpos;	/* bytes already written */
	int			 fd;	/* to pass, or -1 */
};

/* A received frame; payload points into the channel's read buffer. */
struct imsg {
	struct imsg_hdr	 hdr;
	const uint8_t	*data;
	size_t		 len;	/* payload length */
	size_t		 pos;	/* read cursor for imsg_get_* */
	int		 fd;	/* received descriptor or -1 */
	int		 err;	/* set by any failed imsg_get_* */
};

struct imsgchan {
	int			 fd;
	size_t			 maxlen;	/* largest frame accepted/sent */
	int			 fdpass;	/* descriptors allowed here */
	uint8_t			*rbuf;
	size_t			 rsize;		/* allocated: maxlen */
	size_t			 rlen;		/* bytes buffered */
	size_t			 rconsumed;	/* start of next frame */
	int			 rfds[16];	/* received, not yet attached */
	int			 nrfds;
	TAILQ_HEAD(, ibuf)	 wq;
	size_t			 wqlen;		/* frames queued */
	size_t			 wqbytes;
};

void	 imsgchan_init(struct imsgchan *, int fd, size_t maxlen, int fdpass);
void	 imsgchan_clear(struct imsgchan *);	/* frees buffers, closes fds */

/* Compose: start, append fields, then close (queues it on the channel). */
struct ibuf	*imsg_create(uint32_t type, uint32_t peerid, size_t hint);
int	 ibuf_add(struct ibuf *, const void *, size_t);
int	 ibuf_add_u8(struct ibuf *, uint8_t);
int	 ibuf_add_u16(struct ibuf *, uint16_t);
int	 ibuf_add_u32(struct ibuf *, uint32_t);
int	 ibuf_add_u64(struct ibuf *, uint64_t);
int	 ibuf_add_str(struct ibuf *, const char *);	/* u16 len + bytes */
void	 ibuf_set_fd(struct ibuf *, int);	/* fd is owned by ibuf now */
int	 imsg_close(struct imsgchan *, struct ibuf *);	/* -1: too long */
void	 ibuf_free(struct ibuf *);		/* wipes the buffer */

/* One-shot helper: payload given as bytes. */
int	 imsg_compose(struct imsgchan *, uint32_t type, uint32_t peerid,
	    int fd, const void *data, size_t len);

/*
 * Write as much of the queue as the socket takes.
 * Returns 1 when the queue is empty, 0 when more remains, -1 on error
 * (errno set; EAGAIN is not an error).
 */
int	 imsg_flush(struct imsgchan *);
/* Blocking variant for start-up and shutdown paths. */
int	 imsg_flush_blocking(struct imsgchan *);

/*
 * Read what the socket has.  Returns bytes read, 0 on EOF, -1 on error
 * (EAGAIN is reported as -1 with errno EAGAIN).  Too many descriptors, or
 * a truncated control message, is an error (EBADMSG).
 */
ssize_t	 imsg_read(struct imsgchan *);

/*
 * Next complete frame: 1 and *imsg filled, 0 when none is complete, -1 on
 * a malformed frame (len < 16 or > maxlen, fd flag without a descriptor,
 * a descriptor on a channel without fdpass): the channel is then unusable.
 * The frame's payload stays valid until the next imsg_get or imsg_read.
 */
int	 imsg_get(struct imsgchan *, struct imsg *);
void	 imsg_free(struct imsg *);	/* closes an unclaimed fd */

/* Read fields in order.  On underflow set imsg->err and return -1 / 0. */
int	 imsg_get_u8(struct imsg *, uint8_t *);
int	 imsg_get_u16(struct imsg *, uint16_t *);
int	 imsg_get_u32(struct imsg *, uint32_t *);
int	 imsg_get_u64(struct imsg *, uint64_t *);
int	 imsg_get_bytes(struct imsg *, void *, size_t);
/* u16 length + bytes into dst (size dstsz, NUL forced); rejects embedded NUL
 * and strings that do not fit. */
int	 imsg_get_str(struct imsg *, char *, size_t dstsz);
/* Borrow n bytes without copying. */
const uint8_t *imsg_get_ptr(struct imsg *, size_t n);
/* 0 when every byte was read and no error happened, else -1. */
int	 imsg_get_end(struct imsg *);
int	 imsg_take_fd(struct imsg *);	/* caller owns it; -1 if none */

/*
 * Dispatch tables: one per channel.  The first matching entry handles the
 * frame; payload length and sender role are checked before the handler
 * runs.  Unknown types, wrong lengths and wrong origins return -1, which
 * the caller treats as fatal for the channel.
 */
struct imsg_handler {
	uint32_t	 type;
	size_t		 min_len;
	size_t		 max_len;
	unsigned int	 from_mask;	/* 1 << role allowed to send it */
	int		 fd_required;	/* 1: must carry a descriptor */
	int		(*fn)(struct imsg *, void *arg);
};

int	 imsg_dispatch(const struct imsg_handler *, size_t n, int from_role,
	    struct imsg *, void *arg);

#endif
