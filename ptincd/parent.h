#ifndef PTINC_PARENT_H
#define PTINC_PARENT_H

#include "cmdline.h"

struct conf;

int	 parent_main(struct cmdline *);
const struct conf *parent_conf(void);	/* the running configuration */

#endif
