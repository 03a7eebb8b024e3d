/*
 * The key holder process: the only place our private keys live after
 * start-up.  It answers two request shapes and nothing else.
 */
#ifndef PTINC_KEYS_H
#define PTINC_KEYS_H

#include "imsg.h"
#include "keys_oracle.h"

/* Requests from meta and packet; arg is the struct chan to answer on. */
extern const struct imsg_handler	 keyholder_tab[];
extern const size_t			 keyholder_ntab;

void	 keyholder_set_ring(struct keyring *);

#endif
