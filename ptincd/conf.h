/*
 * Configuration: tinc.conf, conf.d/NAME.conf, hosts/NAME and -o options,
 * read the way tincd reads them.
 *
 * conf_load() builds a new, self-contained struct conf; nothing global is
 * touched, so a reload builds a second one and frees the old one only
 * once the new one loaded.
 *
 * Every problem is logged with its place ("FILE line N").  A bad line or
 * value in tinc.conf, conf.d, our own host file or a -o option makes
 * conf_load() fail.  A peer's host file tincd could not read (unreadable,
 * a line without a value) is left out of conf->hosts, so that peer is
 * refused as tincd would; a bad value in a peer's file is skipped and
 * counted in its nerrors.  Unknown variables and ones not supported yet
 * are warnings.
 */
#ifndef PTINC_CONF_H
#define PTINC_CONF_H

#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ptinc.h"
#include "subnet.h"

#define CONF_LINE_MAX		2048	/* tinc reads lines in pieces of this */

/* Where a variable is kept (tinc 1.1's own classification). */
#define CONF_SERVER		0x01	/* tinc.conf, conf.d/ */
#define CONF_HOST		0x02	/* hosts/NAME */

struct conf_var {
	const char	*name;
	int		 where;		/* CONF_SERVER and/or CONF_HOST */
	int		 multiple;	/* may be given more than once */
	int		 implemented;	/* 0: accepted, warned about, ignored */
};

/* One "Variable = Value" occurrence. */
struct conf_entry {
	RB_ENTRY(conf_entry)	 entry;
	char			*var;	/* as written */
	char			*value;
	char			*file;	/* NULL for a -o option */
	int			 line;	/* or the -o option's number, from 1 */
	unsigned int		 seq;
};
RB_HEAD(conf_entries, conf_entry);
int	conf_entry_cmp(const struct conf_entry *, const struct conf_entry *);
RB_PROTOTYPE(conf_entries, conf_entry, entry, conf_entry_cmp)

/* Address ("host [port]"), BindToAddress and ListenAddress values. */
struct conf_addr {
	char			*host;	/* NULL: "*", any address */
	uint16_t		 port;	/* host order */
	int			 listen_only;	/* ListenAddress */
};

/*
 * A node's configuration: hosts/NAME plus -o NAME.VAR=VALUE options.
 * The typed fields are the peer's view of that file; they are left unset
 * in conf->server, whose own values are the typed fields of struct conf.
 */
struct conf_host {
	RB_ENTRY(conf_host)	 entry;
	char			 name[MAX_NAME_LEN + 1];
	char			*file;
	struct conf_entries	 entries;
	int			 nerrors;	/* bad values found (logged) */

	uint16_t		 port;		/* Port, default 655 */
	struct conf_addr	*addresses;	/* Address, in lookup order */
	size_t			 naddresses;
	struct subnet		*subnets;	/* valid Subnet values */
	size_t			 nsubnets;
	int			 indirectdata;	/* -1 unset, 0 no, 1 yes */
	int			 tcponly;	/* -1 unset, 0 no, 1 yes */
	int			 clampmss;	/* -1 unset, 0 no, 1 yes */
	int			 pmtu;		/* 0 unset */
	int			 has_weight;
	int			 weight;
};
RB_HEAD(conf_hosts, conf_host);
int	conf_host_cmp(const struct conf_host *, const struct conf_host *);
RB_PROTOTYPE(conf_hosts, conf_host, entry, conf_host_cmp)

enum conf_rmode { RMODE_ROUTER, RMODE_SWITCH, RMODE_HUB };
enum conf_fmode { FMODE_OFF, FMODE_INTERNAL, FMODE_KERNEL };
enum conf_bmode { BMODE_NONE, BMODE_MST, BMODE_DIRECT };
enum conf_devtype {
	DEVTYPE_TUN, DEVTYPE_TAP, DEVTYPE_DUMMY, DEVTYPE_RAW_SOCKET,
	DEVTYPE_MULTICAST, DEVTYPE_UML, DEVTYPE_VDE, DEVTYPE_FD
};
enum conf_prio { PRIO_UNSET, PRIO_LOW, PRIO_NORMAL, PRIO_HIGH };

struct conf {
	char			*confbase;
	char			*netname;	/* NULL: none */
	char			*name;		/* our Name, resolved */
	struct conf_host	*server;	/* -o, tinc.conf, conf.d, own host */
	struct conf_hosts	 hosts;		/* every valid hosts/ file */

	/* server */
	enum conf_rmode		 mode;
	enum conf_devtype	 devicetype;
	char			*device;	/* NULL: none for this type */
	char			*interface;	/* NULL: kernel's choice */
	uint16_t		 port;
	int			 address_family; /* AF_UNSPEC/AF_INET/AF_INET6 */
	struct conf_addr	*bind;		/* BindToAddress, ListenAddress */
	size_t			 nbind;		/* 0: one wildcard pair */
	char			 (*connect_to)[MAX_NAME_LEN + 1];
	size_t			 nconnect_to;
	struct subnet		*subnets;	/* our own */
	size_t			 nsubnets;
	int			 ping_interval;
	int			 ping_timeout;
	int			 max_timeout;
	int			 min_timeout;
	int			 key_expire;
	int			 mac_expire;
	int			 replay_window;	/* bytes */
	int			 udp_rcvbuf;	/* 0: OS default */
	int			 udp_sndbuf;
	int			 max_output_buffer_size;
	enum conf_fmode		 forwarding;
	enum conf_bmode		 broadcast;
	enum conf_prio		 process_priority;
	char			*bind_to_interface;
	char			*scripts_interpreter;
	char			*private_key_file;
	char			*ed25519_private_key_file;
	char			*private_key;	/* obsolete hex form; secret */
	char			*public_key;	/* obsolete hex form */
	int			 strict_subnets; /* also set by TunnelServer */
	int			 tunnel_server;
	int			 decrement_ttl;
	int			 direct_only;
	int			 hostnames;
	int			 local_discovery;
	int			 priority_inheritance;
	int			 iff_one_queue;

	/* our own host options */
	char			*cipher;	/* "none" or an OpenSSL name */
	char			*digest;
	int			 mac_length;
	int			 compression;
	int			 tcponly;
	int			 indirectdata;	/* forced by tcponly */
	int			 pmtu;		/* MTU unless lowered */
	int			 pmtu_discovery;
	int			 clampmss;
	int			 has_weight;
	int			 weight;
};

/* -o [HOST.]VAR=VALUE options, in command line order. */
struct conf_opt {
	char		*host;		/* NULL: the server configuration */
	char		*var;
	char		*value;
	int		 index;		/* 1, 2, ... */
};

struct conf_opts {
	struct conf_opt	*v;
	size_t		 n;
};

const struct conf_var	*conf_var_find(const char *);

int	 conf_opt_add(struct conf_opts *, const char *);
void	 conf_opts_clear(struct conf_opts *);

struct conf	*conf_load(const char *confbase, const char *netname,
		    const struct conf_opts *, int *nerrors);
void	 conf_free(struct conf *);
void	 conf_print(const struct conf *, FILE *);

const struct conf_host	*conf_host_find(const struct conf *, const char *);

/*
 * Lookups follow tinc: -o options first, then the lowest line number
 * across the merged files, ties broken by file name.
 */
const struct conf_entry	*conf_lookup(const struct conf_host *, const char *);
const struct conf_entry	*conf_lookup_next(const struct conf_host *,
			    const struct conf_entry *);
const char	*conf_get(const struct conf_host *, const char *);

/* "FILE line N" or "command line option N", for messages. */
void	 conf_where(const struct conf_entry *, char *, size_t);

#endif
