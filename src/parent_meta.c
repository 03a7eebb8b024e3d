/* placeholder: written with the wire protocol */
#include "parent_meta.h"

int
parent_meta_send_conf(const struct conf *c, struct chan *meta,
    uint32_t generation)
{
	return 0;
}

int
parent_meta_connect(struct imsg *im, void *arg)
{
	return -1;
}
