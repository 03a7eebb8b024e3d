/* placeholder: written with the wire protocol */
#include "parent_packet.h"

int
parent_packet_send_conf(const struct conf *c, struct chan *packet)
{
	return 0;
}
