/*
 * The parent's side of the meta worker: its configuration, and the
 * outgoing connections it asks for (the parent resolves, creates and
 * binds the socket, starts the connect and passes the descriptor).
 */
#ifndef PTINC_PARENT_META_H
#define PTINC_PARENT_META_H

#include <stdint.h>

#include "chan.h"
#include "conf.h"

/* IMSG_CONF_SERVER, one IMSG_CONF_HOST per host, IMSG_CONF_END. */
int	 parent_meta_send_conf(const struct conf *, struct chan *meta,
	    uint32_t generation);
/* -t: Cipher, Digest, MACLength, Compression usable (0) or not (-1). */
int	 parent_meta_check_conf(const struct conf *);
/* Handler for IMSG_CONN_REQUEST; arg is the meta worker's struct chan. */
int	 parent_meta_connect(struct imsg *, void *arg);
/* 1 when node is a ConnectTo and host/port one of its Address lines. */
int	 parent_meta_connect_allowed(const struct conf *, const char *node,
	    const char *host, const char *port);

#endif
