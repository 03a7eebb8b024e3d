/*
 * The parent's side of the packet worker: its configuration.
 */
#ifndef PTINC_PARENT_PACKET_H
#define PTINC_PARENT_PACKET_H

#include "chan.h"
#include "conf.h"

/* IMSG_CONF_PACKET with everything the data plane needs from the config. */
int	 parent_packet_send_conf(const struct conf *, struct chan *packet);

#endif
