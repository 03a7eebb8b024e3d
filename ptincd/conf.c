/*
 * Copyright (c) 2026 The ptinc developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "ptinc.h"
#include "subnet.h"

#define S	CONF_SERVER
#define H	CONF_HOST

/*
 * Every variable tinc 1.0.36 or 1.1 reads.  "where" is where tinc's own
 * tools keep it; since our host file is merged into the server
 * configuration, both places work for our own settings.
 */
static const struct conf_var conf_vars[] = {
	{ "Address",			H,	1, 1 },
	{ "AddressFamily",		S,	0, 1 },
	{ "AutoConnect",		S,	0, 0 },
	{ "BindToAddress",		S,	1, 1 },
	{ "BindToInterface",		S,	0, 1 },
	{ "Broadcast",			S,	0, 1 },
	{ "BroadcastSubnet",		S,	1, 0 },
	{ "Cipher",			S | H,	0, 1 },
	{ "ClampMSS",			S | H,	0, 1 },
	{ "Compression",		S | H,	0, 1 },
	{ "ConnectTo",			S,	1, 1 },
	{ "DecrementTTL",		S,	0, 1 },
	{ "Device",			S,	0, 1 },
	{ "DeviceStandby",		S,	0, 0 },
	{ "DeviceType",			S,	0, 1 },
	{ "Digest",			S | H,	0, 1 },
	{ "DirectOnly",			S,	0, 1 },
	{ "DisableBuggyPeers",		S,	0, 0 },
	{ "Ed25519PrivateKeyFile",	S,	0, 1 },
	{ "Ed25519PublicKey",		H,	0, 1 },
	{ "Ed25519PublicKeyFile",	S | H,	0, 0 },
	{ "ExperimentalProtocol",	S,	0, 0 },
	{ "FWMark",			S,	0, 0 },
	{ "Forwarding",			S,	0, 1 },
	{ "GraphDumpFile",		S,	0, 0 },
	{ "Hostnames",			S,	0, 1 },
	{ "IffOneQueue",		S,	0, 1 },
	{ "IndirectData",		S | H,	0, 1 },
	{ "Interface",			S,	0, 1 },
	{ "InvitationExpire",		S,	0, 0 },
	{ "KeyExpire",			S,	0, 1 },
	{ "ListenAddress",		S,	1, 1 },
	{ "LocalDiscovery",		S,	0, 1 },
	{ "LogLevel",			S,	0, 0 },
	{ "MACExpire",			S,	0, 1 },
	{ "MACLength",			S | H,	0, 1 },
	{ "MTUInfoInterval",		S,	0, 0 },
	{ "MaxConnectionBurst",		S,	0, 0 },
	{ "MaxOutputBufferSize",	S,	0, 1 },
	{ "MaxTimeout",			S,	0, 1 },
	{ "MinTimeout",			S,	0, 1 },
	{ "Mode",			S,	0, 1 },
	{ "Name",			S,	0, 1 },
	{ "PMTU",			S | H,	0, 1 },
	{ "PMTUDiscovery",		S | H,	0, 1 },
	{ "PingInterval",		S,	0, 1 },
	{ "PingTimeout",		S,	0, 1 },
	{ "Port",			H,	0, 1 },
	{ "PriorityInheritance",	S,	0, 1 },
	{ "PrivateKey",			S,	0, 1 },
	{ "PrivateKeyFile",		S,	0, 1 },
	{ "ProcessPriority",		S,	0, 1 },
	{ "Proxy",			S,	0, 0 },
	{ "PublicKey",			H,	0, 1 },
	{ "PublicKeyFile",		S | H,	0, 1 },
	{ "ReplayWindow",		S,	0, 1 },
	{ "Sandbox",			S,	0, 0 },
	{ "ScriptsExtension",		S,	0, 0 },
	{ "ScriptsInterpreter",		S,	0, 1 },
	{ "StrictSubnets",		S,	0, 1 },
	{ "Subnet",			H,	1, 1 },
	{ "TCPOnly",			S | H,	0, 1 },
	{ "TunnelServer",		S,	0, 1 },
	{ "UDPDiscovery",		S,	0, 0 },
	{ "UDPDiscoveryInterval",	S,	0, 0 },
	{ "UDPDiscoveryKeepaliveInterval", S,	0, 0 },
	{ "UDPDiscoveryTimeout",	S,	0, 0 },
	{ "UDPInfoInterval",		S,	0, 0 },
	{ "UDPRcvBuf",			S,	0, 1 },
	{ "UDPSndBuf",			S,	0, 1 },
	{ "UPnP",			S,	0, 0 },
	{ "UPnPDiscoverWait",		S,	0, 0 },
	{ "UPnPRefreshPeriod",		S,	0, 0 },
	{ "VDEGroup",			S,	0, 0 },
	{ "VDEPort",			S,	0, 0 },
	{ "Weight",			S | H,	0, 1 },
};
#define NVARS	(sizeof(conf_vars) / sizeof(conf_vars[0]))

#undef S
#undef H

struct keyword {
	const char	*name;
	int		 value;
};

static const struct keyword kw_mode[] = {
	{ "router", RMODE_ROUTER }, { "switch", RMODE_SWITCH },
	{ "hub", RMODE_HUB }, { NULL, 0 }
};
static const struct keyword kw_devtype[] = {
	{ "tun", DEVTYPE_TUN }, { "tap", DEVTYPE_TAP },
	{ "dummy", DEVTYPE_DUMMY }, { "raw_socket", DEVTYPE_RAW_SOCKET },
	{ "multicast", DEVTYPE_MULTICAST }, { "uml", DEVTYPE_UML },
	{ "vde", DEVTYPE_VDE }, { "fd", DEVTYPE_FD }, { NULL, 0 }
};
static const struct keyword kw_family[] = {
	{ "any", AF_UNSPEC }, { "ipv4", AF_INET }, { "ipv6", AF_INET6 },
	{ NULL, 0 }
};
static const struct keyword kw_forwarding[] = {
	{ "off", FMODE_OFF }, { "internal", FMODE_INTERNAL },
	{ "kernel", FMODE_KERNEL }, { NULL, 0 }
};
static const struct keyword kw_broadcast[] = {
	{ "no", BMODE_NONE }, { "mst", BMODE_MST }, { "yes", BMODE_MST },
	{ "direct", BMODE_DIRECT }, { NULL, 0 }
};
static const struct keyword kw_priority[] = {
	{ "low", PRIO_LOW }, { "normal", PRIO_NORMAL }, { "high", PRIO_HIGH },
	{ NULL, 0 }
};

/* State of one conf_load() call; nothing outlives it. */
struct loader {
	struct conf		*conf;
	const struct conf_opts	*opts;
	int			 nerrors;	/* fatal ones */
	int			*nerr;		/* counter for the current file */
	int			 quiet;
	unsigned int		 seq;
	unsigned char		 warned[NVARS];
};


RB_GENERATE(conf_entries, conf_entry, entry, conf_entry_cmp)
RB_GENERATE(conf_hosts, conf_host, entry, conf_host_cmp)

/*
 * tinc's order: variable name (any case), then -o options before file
 * lines, then line number, then file name.
 */
int
conf_entry_cmp(const struct conf_entry *a, const struct conf_entry *b)
{
	int	 r;

	if ((r = strcasecmp(a->var, b->var)) != 0)
		return r;
	if ((a->file == NULL) != (b->file == NULL))
		return a->file == NULL ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->file != NULL && (r = strcmp(a->file, b->file)) != 0)
		return r;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

int
conf_host_cmp(const struct conf_host *a, const struct conf_host *b)
{
	return strcmp(a->name, b->name);
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("%s", __func__);
	return p;
}

/* Make room for one more element of an array. */
static void *
xgrow(void *v, size_t n, size_t size)
{
	if ((v = reallocarray(v, n + 1, size)) == NULL)
		fatal("%s", __func__);
	return v;
}

const struct conf_var *
conf_var_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NVARS; i++)
		if (strcasecmp(conf_vars[i].name, name) == 0)
			return &conf_vars[i];
	return NULL;
}

void
conf_where(const struct conf_entry *e, char *buf, size_t len)
{
	if (e->file == NULL)
		snprintf(buf, len, "command line option %d", e->line);
	else
		snprintf(buf, len, "%s line %d", e->file, e->line);
}

static void
loader_error(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
entry_error(struct loader *ld, const struct conf_entry *e, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
static void
entry_warn(struct loader *ld, const struct conf_entry *e, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* An error not tied to a line; counted against the current file. */
static void
loader_error(struct loader *ld, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(*ld->nerr)++;
	if (!ld->quiet)
		log_warnx("%s", msg);
}

static void
entry_vlog(struct loader *ld, const struct conf_entry *e, int error,
    const char *fmt, va_list ap)
{
	char	 msg[1024], where[PATH_MAX + 64];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	conf_where(e, where, sizeof(where));
	if (error)
		(*ld->nerr)++;
	if (!ld->quiet)
		log_warnx("%s in %s", msg, where);
}

static void
entry_error(struct loader *ld, const struct conf_entry *e, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	entry_vlog(ld, e, 1, fmt, ap);
	va_end(ap);
}

static void
entry_warn(struct loader *ld, const struct conf_entry *e, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	entry_vlog(ld, e, 0, fmt, ap);
	va_end(ap);
}

/* ---- entry store ---- */

static struct conf_host *
host_new(const char *name)
{
	struct conf_host	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		fatal("%s", __func__);
	strlcpy(h->name, name, sizeof(h->name));
	RB_INIT(&h->entries);
	h->port = 655;
	h->indirectdata = h->tcponly = h->clampmss = -1;
	return h;
}

static void
entry_free(struct conf_entry *e)
{
	free(e->var);
	/* values may be key material (PrivateKey) */
	freezero(e->value, strlen(e->value) + 1);
	free(e->file);
	free(e);
}

static void
host_free(struct conf_host *h)
{
	struct conf_entry	*e, *next;
	size_t			 i;

	if (h == NULL)
		return;
	RB_FOREACH_SAFE(e, conf_entries, &h->entries, next) {
		RB_REMOVE(conf_entries, &h->entries, e);
		entry_free(e);
	}
	for (i = 0; i < h->naddresses; i++)
		free(h->addresses[i].host);
	free(h->addresses);
	free(h->subnets);
	free(h->file);
	free(h);
}

static void
entry_add(struct loader *ld, struct conf_host *h, const char *var,
    const char *value, const char *file, int line)
{
	struct conf_entry	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatal("%s", __func__);
	e->var = xstrdup(var);
	e->value = xstrdup(value);
	e->file = file != NULL ? xstrdup(file) : NULL;
	e->line = line;
	e->seq = ld->seq++;
	RB_INSERT(conf_entries, &h->entries, e);
}

const struct conf_entry *
conf_lookup(const struct conf_host *h, const char *var)
{
	struct conf_entry	 key, *e;

	memset(&key, 0, sizeof(key));
	key.var = (char *)var;
	key.line = INT_MIN;
	e = RB_NFIND(conf_entries, (struct conf_entries *)&h->entries, &key);
	if (e == NULL || strcasecmp(e->var, var) != 0)
		return NULL;
	return e;
}

const struct conf_entry *
conf_lookup_next(const struct conf_host *h, const struct conf_entry *e)
{
	struct conf_entry	*n;

	(void)h;
	n = RB_NEXT(conf_entries, &h->entries, (struct conf_entry *)e);
	if (n == NULL || strcasecmp(n->var, e->var) != 0)
		return NULL;
	return n;
}

const char *
conf_get(const struct conf_host *h, const char *var)
{
	const struct conf_entry	*e;

	if ((e = conf_lookup(h, var)) == NULL)
		return NULL;
	return e->value;
}

const struct conf_host *
conf_host_find(const struct conf *conf, const char *name)
{
	struct conf_host	 key;

	if (strlcpy(key.name, name, sizeof(key.name)) >= sizeof(key.name))
		return NULL;
	return RB_FIND(conf_hosts, (struct conf_hosts *)&conf->hosts, &key);
}

/* ---- reading files ---- */

/*
 * Split "Variable = Value" in place, as tinc does: the name runs to the
 * first blank or '=', then blanks, an optional '=', blanks; the value is
 * the rest without trailing blanks.  Either may come out empty.
 */
static void
split_line(char *line, char **var, char **value)
{
	char	*eol, *v;
	size_t	 len;

	eol = line + strlen(line);
	while (eol > line && (eol[-1] == ' ' || eol[-1] == '\t'))
		*--eol = '\0';
	len = strcspn(line, "\t =");
	v = line + len;
	v += strspn(v, "\t ");
	if (*v == '=') {
		v++;
		v += strspn(v, "\t ");
	}
	line[len] = '\0';
	*var = line;
	*value = v;
}

/*
 * Read one piece of a line the way tinc's fgets() into a 2049-byte buffer
 * does: up to and including a newline, at most CONF_LINE_MAX bytes.
 * Returns the length (0 at the end), or -1 on a read error.
 */
static ssize_t
read_piece(FILE *f, char *buf, int *complete)
{
	size_t	 n = 0;
	int	 c;

	*complete = 0;
	while (n < CONF_LINE_MAX && (c = getc(f)) != EOF) {
		buf[n++] = (char)c;
		if (c == '\n') {
			*complete = 1;
			break;
		}
	}
	buf[n] = '\0';
	if (ferror(f))
		return -1;
	return (ssize_t)n;
}

/* One line, already stripped of its newline.  -1: stop reading the file. */
static int
parse_line(struct loader *ld, struct conf_host *h, char *line,
    const char *path, int lineno)
{
	char	*var, *value;

	split_line(line, &var, &value);
	if (*value == '\0') {
		loader_error(ld, "No value for variable `%s' in %s line %d",
		    var, path, lineno);
		return -1;
	}
	if (*var == '\0') {
		/* tinc files this under an empty name nobody looks up */
		if (!ld->quiet)
			log_warnx("Ignoring line without a variable name in "
			    "%s line %d", path, lineno);
		return 0;
	}
	if (conf_var_find(var) == NULL && !ld->quiet)
		log_warnx("Unknown variable `%s' in %s line %d", var, path,
		    lineno);
	entry_add(ld, h, var, value, path, lineno);
	return 0;
}

static int
read_lines(struct loader *ld, struct conf_host *h, FILE *f, const char *path)
{
	char	 buf[CONF_LINE_MAX + 1];
	ssize_t	 n;
	int	 complete, lineno = 0, inpem = 0, rv = -1;

	while ((n = read_piece(f, buf, &complete)) > 0) {
		lineno++;
		if (memchr(buf, '\0', (size_t)n) != NULL) {
			loader_error(ld, "NUL byte in %s line %d", path,
			    lineno);
			goto done;
		}
		if (complete) {
			buf[--n] = '\0';
			if (n > 0 && buf[n - 1] == '\r')
				buf[--n] = '\0';
		} else if (n == CONF_LINE_MAX && !ld->quiet)
			log_warnx("%s line %d is longer than %d characters; "
			    "the rest is read as the next line", path, lineno,
			    CONF_LINE_MAX);
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		if (inpem) {
			if (strncmp(buf, "-----END", 8) == 0)
				inpem = 0;
			continue;
		}
		if (strncmp(buf, "-----BEGIN", 10) == 0) {
			inpem = 1;
			continue;
		}
		if (parse_line(ld, h, buf, path, lineno) == -1)
			goto done;
	}
	if (n == -1) {
		loader_error(ld, "Error reading %s: %s", path, strerror(errno));
		goto done;
	}
	rv = 0;
 done:
	explicit_bzero(buf, sizeof(buf));
	return rv;
}

/* Read path into h's entries.  -1 (logged, counted) if unusable. */
static int
read_file(struct loader *ld, struct conf_host *h, const char *path)
{
	FILE		*f;
	struct stat	 st;
	int		 rv = -1;

	if ((f = fopen(path, "re")) == NULL) {
		loader_error(ld, "Cannot open config file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1) {
		loader_error(ld, "Cannot stat %s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		loader_error(ld, "%s is not a regular file", path);
		goto done;
	}
	rv = read_lines(ld, h, f, path);
 done:
	fclose(f);
	return rv;
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* The conf.d directory's *.conf files, in name order; it may be missing. */
static void
read_conf_d(struct loader *ld)
{
	char		 dname[PATH_MAX], path[PATH_MAX];
	char		**names = NULL;
	size_t		 n = 0, i, len;
	DIR		*d;
	struct dirent	*de;

	snprintf(dname, sizeof(dname), "%s/conf.d", ld->conf->confbase);
	if ((d = opendir(dname)) == NULL) {
		if (errno != ENOENT)
			loader_error(ld, "Cannot open %s: %s", dname,
			    strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		names = xgrow(names, n, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), namecmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dname,
		    names[i]) >= sizeof(path))
			loader_error(ld, "Path too long: %s/%s", dname,
			    names[i]);
		else
			read_file(ld, ld->conf->server, path);
		free(names[i]);
	}
	free(names);
}

/* The -o options for one host (NULL: the server configuration). */
static void
add_opts(struct loader *ld, struct conf_host *h, const char *host)
{
	const struct conf_opt	*o;
	size_t			 i;

	if (ld->opts == NULL)
		return;
	for (i = 0; i < ld->opts->n; i++) {
		o = &ld->opts->v[i];
		if ((host == NULL) != (o->host == NULL))
			continue;
		if (host != NULL && strcmp(host, o->host) != 0)
			continue;
		entry_add(ld, h, o->var, o->value, NULL, o->index);
	}
}

static void
check_opts(struct loader *ld)
{
	const struct conf_opt	*o;
	size_t			 i;

	if (ld->opts == NULL)
		return;
	for (i = 0; i < ld->opts->n; i++) {
		o = &ld->opts->v[i];
		if (conf_var_find(o->var) == NULL)
			log_warnx("Unknown variable `%s' in command line "
			    "option %d", o->var, o->index);
		if (o->host != NULL && strcmp(o->host, ld->conf->name) != 0 &&
		    conf_host_find(ld->conf, o->host) == NULL)
			log_warnx("Command line option %d ignored: no host "
			    "file for %s", o->index, o->host);
	}
}

/* ---- typed values ---- */

/*
 * A single-valued variable given twice in files: say which one counts,
 * since tinc's lowest-line-number rule surprises people.
 */
static void
warn_duplicates(struct loader *ld, const struct conf_host *h)
{
	struct conf_entry	*e, *n;
	const struct conf_var	*v;
	const char		*last = "";
	char			 where[PATH_MAX + 64];

	RB_FOREACH(e, conf_entries, (struct conf_entries *)&h->entries) {
		if (strcasecmp(e->var, last) == 0)
			continue;
		last = e->var;
		n = RB_NEXT(conf_entries, &h->entries, e);
		if (n == NULL || strcasecmp(n->var, e->var) != 0 ||
		    e->file == NULL)
			continue;
		if ((v = conf_var_find(e->var)) == NULL || v->multiple ||
		    !v->implemented)
			continue;
		conf_where(n, where, sizeof(where));
		entry_warn(ld, e, "%s is given more than once (also in %s); "
		    "using the one", e->var, where);
	}
}

/*
 * The cfg_* getters read the occurrence a single-valued lookup uses.
 * They return 1 if the variable is set (*out written), 0 if it is not,
 * and -1 (logged and counted) if its value is bad.
 */
static int
cfg_string(struct loader *ld, const struct conf_host *h, const char *var,
    char **out)
{
	const struct conf_entry	*e;

	if ((e = conf_lookup(h, var)) == NULL)
		return 0;
	free(*out);
	*out = xstrdup(e->value);
	return 1;
}

static int
cfg_bool(struct loader *ld, const struct conf_host *h, const char *var,
    int *out)
{
	const struct conf_entry	*e;

	if ((e = conf_lookup(h, var)) == NULL)
		return 0;
	if (strcasecmp(e->value, "yes") == 0)
		*out = 1;
	else if (strcasecmp(e->value, "no") == 0)
		*out = 0;
	else {
		entry_error(ld, e, "\"yes\" or \"no\" expected for "
		    "configuration variable %s", e->var);
		return -1;
	}
	return 1;
}

/* tinc reads integers with %d: a leading decimal number. */
static int
cfg_int(struct loader *ld, const struct conf_host *h, const char *var,
    int *out)
{
	const struct conf_entry	*e;
	const char		*p;
	char			*end;
	long			 v;

	if ((e = conf_lookup(h, var)) == NULL)
		return 0;
	p = e->value;
	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9') {
		entry_error(ld, e, "Integer expected for configuration "
		    "variable %s", e->var);
		return -1;
	}
	errno = 0;
	v = strtol(e->value, &end, 10);
	if (errno == ERANGE || v < INT_MIN || v > INT_MAX) {
		entry_error(ld, e, "Integer out of range for configuration "
		    "variable %s", e->var);
		return -1;
	}
	if (*end != '\0')
		entry_warn(ld, e, "Ignoring `%s' after the number for "
		    "configuration variable %s", end, e->var);
	*out = (int)v;
	return 1;
}

/* An integer with a lower bound; unset keeps *out. */
static int
cfg_int_min(struct loader *ld, const struct conf_host *h, const char *var,
    int min, int *out)
{
	int	 v, r;

	if ((r = cfg_int(ld, h, var, &v)) != 1)
		return r;
	if (v < min) {
		entry_error(ld, conf_lookup(h, var), "%s must be at least %d",
		    var, min);
		return -1;
	}
	*out = v;
	return 1;
}

static int
cfg_keyword(struct loader *ld, const struct conf_host *h, const char *var,
    const struct keyword *kw, int *out)
{
	const struct conf_entry	*e;
	char			 list[256] = "";
	size_t			 i;

	if ((e = conf_lookup(h, var)) == NULL)
		return 0;
	for (i = 0; kw[i].name != NULL; i++) {
		if (strcasecmp(e->value, kw[i].name) == 0) {
			*out = kw[i].value;
			return 1;
		}
		if (i > 0)
			strlcat(list, kw[i + 1].name == NULL ? " or " : ", ",
			    sizeof(list));
		strlcat(list, kw[i].name, sizeof(list));
	}
	entry_error(ld, e, "Invalid value `%s' for configuration variable %s "
	    "(expected %s)", e->value, e->var, list);
	return -1;
}

static const char *
keyword_name(const struct keyword *kw, int value)
{
	size_t	 i;

	for (i = 0; kw[i].name != NULL; i++)
		if (kw[i].value == value)
			return kw[i].name;
	return "?";
}

/* A port number 1-65535 or a service name from /etc/services. */
static int
parse_port(const char *s, uint16_t *out)
{
	struct servent	*se;
	unsigned long	 v = 0;
	size_t		 i;

	if (s[0] >= '0' && s[0] <= '9') {
		for (i = 0; s[i] != '\0'; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + (unsigned long)(s[i] - '0');
			if (v > 65535)
				return -1;
		}
		if (v == 0)
			return -1;
		*out = (uint16_t)v;
		return 0;
	}
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return -1;
	if ((se = getservbyname(s, "tcp")) == NULL &&
	    (se = getservbyname(s, "udp")) == NULL)
		return -1;
	*out = ntohs((uint16_t)se->s_port);
	return 0;
}

static int
cfg_port(struct loader *ld, const struct conf_host *h, uint16_t *out)
{
	const struct conf_entry	*e;

	if ((e = conf_lookup(h, "Port")) == NULL)
		return 0;
	if (parse_port(e->value, out) == -1) {
		entry_error(ld, e, "Invalid port `%s' for configuration "
		    "variable %s", e->value, e->var);
		return -1;
	}
	return 1;
}

/* "host [port]"; "*" stands for any address where allowed. */
static int
parse_hostport(struct loader *ld, const struct conf_entry *e, uint16_t port,
    int star, struct conf_addr *out)
{
	const char	*v = e->value, *p;
	size_t		 len;

	len = strcspn(v, " \t");
	p = v + len + strspn(v + len, " \t");
	if (*p != '\0') {
		if (p[strcspn(p, " \t")] != '\0' ||
		    parse_port(p, &port) == -1) {
			entry_error(ld, e, "Invalid port `%s' for "
			    "configuration variable %s", p, e->var);
			return -1;
		}
	}
	memset(out, 0, sizeof(*out));
	out->port = port;
	if (star && len == 1 && v[0] == '*')
		return 0;
	if ((out->host = strndup(v, len)) == NULL)
		fatal("%s", __func__);
	return 0;
}

static void
add_addrs(struct loader *ld, const struct conf_host *h, const char *var,
    uint16_t port, int star, int listen_only, struct conf_addr **v,
    size_t *n)
{
	const struct conf_entry	*e;
	struct conf_addr	 a;

	for (e = conf_lookup(h, var); e != NULL; e = conf_lookup_next(h, e)) {
		if (parse_hostport(ld, e, port, star, &a) == -1)
			continue;
		a.listen_only = listen_only;
		*v = xgrow(*v, *n, sizeof(**v));
		(*v)[(*n)++] = a;
	}
}

static void
add_subnets(struct loader *ld, const struct conf_host *h,
    struct subnet **v, size_t *n)
{
	const struct conf_entry	*e;
	struct subnet		 s;
	size_t			 i;

	for (e = conf_lookup(h, "Subnet"); e != NULL;
	    e = conf_lookup_next(h, e)) {
		if (subnet_parse(e->value, &s) == -1) {
			entry_error(ld, e, "Subnet expected for "
			    "configuration variable %s", e->var);
			continue;
		}
		if (subnet_check_config(&s) == -1) {
			entry_error(ld, e, "Network address and prefix "
			    "length do not match for configuration "
			    "variable %s", e->var);
			continue;
		}
		for (i = 0; i < *n; i++)
			if (subnet_cmp(&(*v)[i], &s) == 0)
				break;
		if (i < *n)
			continue;	/* the same subnet twice */
		*v = xgrow(*v, *n, sizeof(**v));
		(*v)[(*n)++] = s;
	}
}

/* ---- our name ---- */

static int
resolve_name(struct loader *ld)
{
	const struct conf_entry	*e;
	const char		*src;
	char			 host[32], name[MAX_NAME_LEN + 2];
	size_t			 i;

	if ((e = conf_lookup(ld->conf->server, "Name")) == NULL) {
		loader_error(ld, "Name for tinc daemon required!");
		return -1;
	}
	src = e->value;
	if (src[0] == '$') {
		if ((src = getenv(e->value + 1)) == NULL) {
			if (strcmp(e->value + 1, "HOST") != 0) {
				entry_error(ld, e, "Invalid Name: environment "
				    "variable %s does not exist", e->value + 1);
				return -1;
			}
			memset(host, 0, sizeof(host));
			if (gethostname(host, sizeof(host) - 1) == -1 &&
			    errno != ENAMETOOLONG) {
				entry_error(ld, e, "Could not get hostname: %s",
				    strerror(errno));
				return -1;
			}
			host[sizeof(host) - 1] = '\0';
			src = host;
		}
	}
	strlcpy(name, src, sizeof(name));
	if (e->value[0] == '$')
		for (i = 0; name[i] != '\0'; i++)
			if (!isalnum((unsigned char)name[i]))
				name[i] = '_';
	if (strlen(src) > MAX_NAME_LEN || !valid_name(name)) {
		entry_error(ld, e, "Invalid name for myself: `%s'", src);
		return -1;
	}
	ld->conf->name = xstrdup(name);
	strlcpy(ld->conf->server->name, name, sizeof(ld->conf->server->name));
	return 0;
}

/* ---- hosts/ ---- */

/* Copy the file lines of our host file into the server configuration. */
static void
merge_own_host(struct loader *ld, const struct conf_host *self)
{
	struct conf_entry	*e;

	RB_FOREACH(e, conf_entries, (struct conf_entries *)&self->entries)
		if (e->file != NULL)
			entry_add(ld, ld->conf->server, e->var, e->value,
			    e->file, e->line);
}

static void
load_host(struct loader *ld, const char *dname, const char *name)
{
	struct conf_host	*h;
	char			 path[PATH_MAX];
	int			 self;

	self = strcmp(name, ld->conf->name) == 0;
	h = host_new(name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dname, name) >=
	    sizeof(path)) {
		log_warnx("Path too long: %s/%s", dname, name);
		host_free(h);
		return;
	}
	h->file = xstrdup(path);
	ld->nerr = self ? &ld->nerrors : &h->nerrors;
	if (read_file(ld, h, path) == -1) {
		if (!self)
			log_warnx("Ignoring host %s: %s is unusable", name,
			    path);
		host_free(h);
		return;
	}
	add_opts(ld, h, name);
	if (self)
		merge_own_host(ld, h);
	RB_INSERT(conf_hosts, &ld->conf->hosts, h);
}

static int
name_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static void
load_hosts(struct loader *ld)
{
	char		 dname[PATH_MAX];
	DIR		*d;
	struct dirent	*de;

	snprintf(dname, sizeof(dname), "%s/hosts", ld->conf->confbase);
	if ((d = opendir(dname)) == NULL) {
		log_warn("Cannot open %s", dname);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (valid_name(de->d_name))
			load_host(ld, dname, de->d_name);
		else if (de->d_name[0] != '\0' && name_chars(de->d_name))
			log_warnx("Ignoring %s/%s: name longer than %d "
			    "characters", dname, de->d_name, MAX_NAME_LEN);
	}
	closedir(d);
	ld->nerr = &ld->nerrors;
	if (conf_host_find(ld->conf, ld->conf->name) == NULL)
		log_warnx("No host configuration file %s/%s for ourselves",
		    dname, ld->conf->name);
}

static void
warn_unimplemented(struct loader *ld, const struct conf_host *h, int peer)
{
	struct conf_entry	*e;
	const struct conf_var	*v;
	char			 where[PATH_MAX + 64];

	RB_FOREACH(e, conf_entries, (struct conf_entries *)&h->entries) {
		if ((v = conf_var_find(e->var)) == NULL || v->implemented)
			continue;
		if (peer && !(v->where & CONF_HOST))
			continue;
		if (ld->warned[v - conf_vars])
			continue;
		ld->warned[v - conf_vars] = 1;
		conf_where(e, where, sizeof(where));
		log_warnx("%s (%s) is not supported yet; ignored", v->name,
		    where);
	}
}

/* ---- typed server configuration ---- */

static void
server_device(struct loader *ld, struct conf *c)
{
	const struct conf_host	*h = c->server;
	int			 v;

	c->mode = RMODE_ROUTER;
	if (cfg_keyword(ld, h, "Mode", kw_mode, &v) == 1)
		c->mode = v;
	c->devicetype = c->mode == RMODE_ROUTER ? DEVTYPE_TUN : DEVTYPE_TAP;
	if (cfg_keyword(ld, h, "DeviceType", kw_devtype, &v) == 1)
		c->devicetype = v;
	if (!cfg_string(ld, h, "Device", &c->device) &&
	    (c->devicetype == DEVTYPE_TUN || c->devicetype == DEVTYPE_TAP))
		c->device = xstrdup("/dev/net/tun");
	if (!cfg_string(ld, h, "Interface", &c->interface) &&
	    c->netname != NULL &&
	    (c->devicetype == DEVTYPE_TUN || c->devicetype == DEVTYPE_TAP))
		c->interface = xstrdup(c->netname);
	cfg_bool(ld, h, "IffOneQueue", &c->iff_one_queue);
	cfg_string(ld, h, "BindToInterface", &c->bind_to_interface);
	c->address_family = AF_UNSPEC;
	if (cfg_keyword(ld, h, "AddressFamily", kw_family, &v) == 1)
		c->address_family = v;
	c->forwarding = FMODE_INTERNAL;
	if (cfg_keyword(ld, h, "Forwarding", kw_forwarding, &v) == 1)
		c->forwarding = v;
	c->broadcast = BMODE_MST;
	if (cfg_keyword(ld, h, "Broadcast", kw_broadcast, &v) == 1)
		c->broadcast = v;
	c->process_priority = PRIO_UNSET;
	if (cfg_keyword(ld, h, "ProcessPriority", kw_priority, &v) == 1)
		c->process_priority = v;
}

static void
server_timers(struct loader *ld, struct conf *c)
{
	const struct conf_host	*h = c->server;

	c->ping_interval = 60;
	if (cfg_int(ld, h, "PingInterval", &c->ping_interval) == 1 &&
	    c->ping_interval < 1)
		c->ping_interval = 86400;
	c->ping_timeout = 5;
	cfg_int(ld, h, "PingTimeout", &c->ping_timeout);
	if (c->ping_timeout < 1 || c->ping_timeout > c->ping_interval)
		c->ping_timeout = c->ping_interval;
	c->max_timeout = 900;
	cfg_int_min(ld, h, "MaxTimeout", 1, &c->max_timeout);
	c->min_timeout = 0;
	cfg_int_min(ld, h, "MinTimeout", 0, &c->min_timeout);
	if (c->min_timeout > c->max_timeout) {
		log_warnx("MinTimeout (%d s) cannot be larger than MaxTimeout "
		    "(%d s); using %d s", c->min_timeout, c->max_timeout,
		    c->max_timeout);
		c->min_timeout = c->max_timeout;
	}
	c->key_expire = 3600;
	cfg_int_min(ld, h, "KeyExpire", 1, &c->key_expire);
	c->mac_expire = 600;
	cfg_int_min(ld, h, "MACExpire", 1, &c->mac_expire);
	c->replay_window = 16;
	if (cfg_int_min(ld, h, "ReplayWindow", 0, &c->replay_window) == 1 &&
	    c->replay_window > 65536) {
		entry_error(ld, conf_lookup(h, "ReplayWindow"),
		    "ReplayWindow larger than 65536 bytes");
	}
	cfg_int_min(ld, h, "UDPRcvBuf", 1, &c->udp_rcvbuf);
	cfg_int_min(ld, h, "UDPSndBuf", 1, &c->udp_sndbuf);
	c->max_output_buffer_size = 10 * MTU;
	cfg_int_min(ld, h, "MaxOutputBufferSize", 0,
	    &c->max_output_buffer_size);
}

static void
server_flags(struct loader *ld, struct conf *c)
{
	const struct conf_host	*h = c->server;

	cfg_bool(ld, h, "StrictSubnets", &c->strict_subnets);
	cfg_bool(ld, h, "TunnelServer", &c->tunnel_server);
	if (c->tunnel_server)
		c->strict_subnets = 1;
	cfg_bool(ld, h, "DecrementTTL", &c->decrement_ttl);
	cfg_bool(ld, h, "DirectOnly", &c->direct_only);
	cfg_bool(ld, h, "Hostnames", &c->hostnames);
	cfg_bool(ld, h, "LocalDiscovery", &c->local_discovery);
	cfg_bool(ld, h, "PriorityInheritance", &c->priority_inheritance);
	cfg_string(ld, h, "ScriptsInterpreter", &c->scripts_interpreter);
}

static void
server_keys(struct loader *ld, struct conf *c)
{
	const struct conf_host	*h = c->server;
	char			 path[PATH_MAX];

	if (!cfg_string(ld, h, "PrivateKeyFile", &c->private_key_file)) {
		snprintf(path, sizeof(path), "%s/rsa_key.priv", c->confbase);
		c->private_key_file = xstrdup(path);
	}
	if (!cfg_string(ld, h, "Ed25519PrivateKeyFile",
	    &c->ed25519_private_key_file)) {
		snprintf(path, sizeof(path), "%s/ed25519_key.priv",
		    c->confbase);
		c->ed25519_private_key_file = xstrdup(path);
	}
	cfg_string(ld, h, "PrivateKey", &c->private_key);
	cfg_string(ld, h, "PublicKey", &c->public_key);
}

/* The options others see in our ACK and ANS_KEY. */
static void
server_own_host(struct loader *ld, struct conf *c)
{
	const struct conf_host	*h = c->server;

	c->port = 655;
	cfg_port(ld, h, &c->port);
	c->cipher = xstrdup("aes-256-cbc");
	cfg_string(ld, h, "Cipher", &c->cipher);
	c->digest = xstrdup("sha256");
	cfg_string(ld, h, "Digest", &c->digest);
	c->mac_length = 4;
	if (cfg_int_min(ld, h, "MACLength", 0, &c->mac_length) == 1 &&
	    c->mac_length > 64)
		entry_error(ld, conf_lookup(h, "MACLength"),
		    "MAC length exceeds size of any digest");
	c->compression = 0;
	if (cfg_int(ld, h, "Compression", &c->compression) == 1 &&
	    (c->compression < 0 || c->compression > 11))
		entry_error(ld, conf_lookup(h, "Compression"),
		    "Bogus compression level %d (expected 0 to 11)",
		    c->compression);
	cfg_bool(ld, h, "TCPOnly", &c->tcponly);
	cfg_bool(ld, h, "IndirectData", &c->indirectdata);
	if (c->tcponly)
		c->indirectdata = 1;
	c->pmtu_discovery = !c->tcponly;
	cfg_bool(ld, h, "PMTUDiscovery", &c->pmtu_discovery);
	c->clampmss = 1;
	cfg_bool(ld, h, "ClampMSS", &c->clampmss);
	c->pmtu = MTU;
	if (cfg_int_min(ld, h, "PMTU", 1, &c->pmtu) == 1 && c->pmtu > MTU)
		c->pmtu = MTU;
	if (cfg_int(ld, h, "Weight", &c->weight) == 1)
		c->has_weight = 1;
}

static void
server_lists(struct loader *ld, struct conf *c)
{
	const struct conf_host	*h = c->server;
	const struct conf_entry	*e;

	add_addrs(ld, h, "BindToAddress", c->port, 1, 0, &c->bind, &c->nbind);
	add_addrs(ld, h, "ListenAddress", c->port, 1, 1, &c->bind, &c->nbind);
	add_subnets(ld, h, &c->subnets, &c->nsubnets);

	for (e = conf_lookup(h, "ConnectTo"); e != NULL;
	    e = conf_lookup_next(h, e)) {
		if (!valid_name(e->value)) {
			/* tincd logs this and carries on */
			entry_warn(ld, e, "Invalid name `%s' for outgoing "
			    "connection; ignored", e->value);
			continue;
		}
		if (strcmp(e->value, c->name) == 0) {
			entry_warn(ld, e, "ConnectTo names ourselves; "
			    "ignored");
			continue;
		}
		c->connect_to = xgrow(c->connect_to, c->nconnect_to,
		    sizeof(*c->connect_to));
		strlcpy(c->connect_to[c->nconnect_to++], e->value,
		    sizeof(*c->connect_to));
	}
}

/* ---- typed host configuration ---- */

static void
parse_peer(struct loader *ld, struct conf_host *h)
{
	ld->nerr = &h->nerrors;
	cfg_port(ld, h, &h->port);
	add_addrs(ld, h, "Address", h->port, 0, 0, &h->addresses,
	    &h->naddresses);
	add_subnets(ld, h, &h->subnets, &h->nsubnets);
	if (cfg_bool(ld, h, "IndirectData", &h->indirectdata) == -1)
		h->indirectdata = -1;
	if (cfg_bool(ld, h, "TCPOnly", &h->tcponly) == -1)
		h->tcponly = -1;
	if (cfg_bool(ld, h, "ClampMSS", &h->clampmss) == -1)
		h->clampmss = -1;
	cfg_int_min(ld, h, "PMTU", 1, &h->pmtu);
	if (cfg_int(ld, h, "Weight", &h->weight) == 1)
		h->has_weight = 1;
}

static void
parse_hosts(struct loader *ld)
{
	struct conf_host	*h;

	RB_FOREACH(h, conf_hosts, &ld->conf->hosts) {
		/* errors in our own file were reported for the server */
		ld->quiet = strcmp(h->name, ld->conf->name) == 0;
		parse_peer(ld, h);
		if (!ld->quiet) {
			warn_duplicates(ld, h);
			warn_unimplemented(ld, h, 1);
		}
	}
	ld->quiet = 0;
	ld->nerr = &ld->nerrors;
}

/* ---- load, free, print ---- */

struct conf *
conf_load(const char *confbase, const char *netname,
    const struct conf_opts *opts, int *nerrors)
{
	struct loader	 ld;
	struct conf	*c;
	char		 path[PATH_MAX];

	memset(&ld, 0, sizeof(ld));
	ld.opts = opts;
	ld.nerr = &ld.nerrors;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s", __func__);
	ld.conf = c;
	RB_INIT(&c->hosts);
	c->confbase = xstrdup(confbase);
	if (netname != NULL && *netname != '\0')
		c->netname = xstrdup(netname);
	c->server = host_new("");

	add_opts(&ld, c->server, NULL);
	snprintf(path, sizeof(path), "%s/tinc.conf", confbase);
	if (read_file(&ld, c->server, path) == -1)
		goto fail;
	read_conf_d(&ld);
	if (ld.nerrors > 0 || resolve_name(&ld) == -1)
		goto fail;

	load_hosts(&ld);
	add_opts(&ld, c->server, c->name);
	check_opts(&ld);
	ld.nerr = &ld.nerrors;
	warn_duplicates(&ld, c->server);
	warn_unimplemented(&ld, c->server, 0);

	server_device(&ld, c);
	server_timers(&ld, c);
	server_flags(&ld, c);
	server_keys(&ld, c);
	server_own_host(&ld, c);
	server_lists(&ld, c);
	parse_hosts(&ld);
	if (ld.nerrors > 0)
		goto fail;
	if (nerrors != NULL)
		*nerrors = 0;
	return c;

 fail:
	log_warnx("%d error%s in the configuration in %s", ld.nerrors,
	    ld.nerrors == 1 ? "" : "s", confbase);
	if (nerrors != NULL)
		*nerrors = ld.nerrors;
	conf_free(c);
	return NULL;
}

void
conf_free(struct conf *c)
{
	struct conf_host	*h, *next;
	size_t			 i;

	if (c == NULL)
		return;
	RB_FOREACH_SAFE(h, conf_hosts, &c->hosts, next) {
		RB_REMOVE(conf_hosts, &c->hosts, h);
		host_free(h);
	}
	host_free(c->server);
	for (i = 0; i < c->nbind; i++)
		free(c->bind[i].host);
	free(c->bind);
	free(c->connect_to);
	free(c->subnets);
	free(c->confbase);
	free(c->netname);
	free(c->name);
	free(c->device);
	free(c->interface);
	free(c->bind_to_interface);
	free(c->scripts_interpreter);
	free(c->private_key_file);
	free(c->ed25519_private_key_file);
	if (c->private_key != NULL)
		freezero(c->private_key, strlen(c->private_key) + 1);
	free(c->public_key);
	free(c->cipher);
	free(c->digest);
	free(c);
}

static const char *
yesno(int v)
{
	return v ? "yes" : "no";
}

static void
print_addr(FILE *f, const char *prefix, const char *var,
    const struct conf_addr *a)
{
	fprintf(f, "%s%s = %s %u\n", prefix, var,
	    a->host != NULL ? a->host : "*", (unsigned int)a->port);
}

static void
print_subnets(FILE *f, const char *prefix, const struct subnet *v, size_t n)
{
	char	 buf[SUBNET_STRLEN];
	size_t	 i;

	for (i = 0; i < n; i++) {
		subnet_format(&v[i], buf, sizeof(buf), 1);
		fprintf(f, "%sSubnet = %s\n", prefix, buf);
	}
}

static void
print_server(const struct conf *c, FILE *f)
{
	fprintf(f, "Name = %s\n", c->name);
	if (c->netname != NULL)
		fprintf(f, "NetName = %s\n", c->netname);
	fprintf(f, "Mode = %s\n", keyword_name(kw_mode, c->mode));
	fprintf(f, "DeviceType = %s\n",
	    keyword_name(kw_devtype, c->devicetype));
	if (c->device != NULL)
		fprintf(f, "Device = %s\n", c->device);
	if (c->interface != NULL)
		fprintf(f, "Interface = %s\n", c->interface);
	fprintf(f, "IffOneQueue = %s\n", yesno(c->iff_one_queue));
	if (c->bind_to_interface != NULL)
		fprintf(f, "BindToInterface = %s\n", c->bind_to_interface);
	fprintf(f, "Port = %u\n", (unsigned int)c->port);
	fprintf(f, "AddressFamily = %s\n",
	    keyword_name(kw_family, c->address_family));
	fprintf(f, "Forwarding = %s\n",
	    keyword_name(kw_forwarding, c->forwarding));
	fprintf(f, "Broadcast = %s\n",
	    keyword_name(kw_broadcast, c->broadcast));
	if (c->process_priority != PRIO_UNSET)
		fprintf(f, "ProcessPriority = %s\n",
		    keyword_name(kw_priority, c->process_priority));
	fprintf(f, "PingInterval = %d\n", c->ping_interval);
	fprintf(f, "PingTimeout = %d\n", c->ping_timeout);
	fprintf(f, "MaxTimeout = %d\n", c->max_timeout);
	fprintf(f, "MinTimeout = %d\n", c->min_timeout);
	fprintf(f, "KeyExpire = %d\n", c->key_expire);
	fprintf(f, "MACExpire = %d\n", c->mac_expire);
	fprintf(f, "ReplayWindow = %d\n", c->replay_window);
	fprintf(f, "UDPRcvBuf = %d\n", c->udp_rcvbuf);
	fprintf(f, "UDPSndBuf = %d\n", c->udp_sndbuf);
	fprintf(f, "MaxOutputBufferSize = %d\n", c->max_output_buffer_size);
	fprintf(f, "StrictSubnets = %s\n", yesno(c->strict_subnets));
	fprintf(f, "TunnelServer = %s\n", yesno(c->tunnel_server));
	fprintf(f, "DecrementTTL = %s\n", yesno(c->decrement_ttl));
	fprintf(f, "DirectOnly = %s\n", yesno(c->direct_only));
	fprintf(f, "Hostnames = %s\n", yesno(c->hostnames));
	fprintf(f, "LocalDiscovery = %s\n", yesno(c->local_discovery));
	fprintf(f, "PriorityInheritance = %s\n",
	    yesno(c->priority_inheritance));
	if (c->scripts_interpreter != NULL)
		fprintf(f, "ScriptsInterpreter = %s\n",
		    c->scripts_interpreter);
	fprintf(f, "PrivateKeyFile = %s\n", c->private_key_file);
	fprintf(f, "Ed25519PrivateKeyFile = %s\n",
	    c->ed25519_private_key_file);
	if (c->private_key != NULL)
		fprintf(f, "PrivateKey = (set, not shown)\n");
	if (c->public_key != NULL)
		fprintf(f, "PublicKey = %s\n", c->public_key);
}

static void
print_own_host(const struct conf *c, FILE *f)
{
	size_t	 i;

	fprintf(f, "Cipher = %s\n", c->cipher);
	fprintf(f, "Digest = %s\n", c->digest);
	fprintf(f, "MACLength = %d\n", c->mac_length);
	fprintf(f, "Compression = %d\n", c->compression);
	fprintf(f, "TCPOnly = %s\n", yesno(c->tcponly));
	fprintf(f, "IndirectData = %s\n", yesno(c->indirectdata));
	fprintf(f, "PMTU = %d\n", c->pmtu);
	fprintf(f, "PMTUDiscovery = %s\n", yesno(c->pmtu_discovery));
	fprintf(f, "ClampMSS = %s\n", yesno(c->clampmss));
	if (c->has_weight)
		fprintf(f, "Weight = %d\n", c->weight);
	for (i = 0; i < c->nbind; i++)
		print_addr(f, "", c->bind[i].listen_only ? "ListenAddress" :
		    "BindToAddress", &c->bind[i]);
	for (i = 0; i < c->nconnect_to; i++)
		fprintf(f, "ConnectTo = %s\n", c->connect_to[i]);
	print_subnets(f, "", c->subnets, c->nsubnets);
}

static void
print_host(const struct conf_host *h, FILE *f)
{
	char	 p[MAX_NAME_LEN + 2];
	size_t	 i;

	snprintf(p, sizeof(p), "%s.", h->name);
	fprintf(f, "%sPort = %u\n", p, (unsigned int)h->port);
	for (i = 0; i < h->naddresses; i++)
		print_addr(f, p, "Address", &h->addresses[i]);
	print_subnets(f, p, h->subnets, h->nsubnets);
	if (h->indirectdata != -1)
		fprintf(f, "%sIndirectData = %s\n", p, yesno(h->indirectdata));
	if (h->tcponly != -1)
		fprintf(f, "%sTCPOnly = %s\n", p, yesno(h->tcponly));
	if (h->clampmss != -1)
		fprintf(f, "%sClampMSS = %s\n", p, yesno(h->clampmss));
	if (h->pmtu != 0)
		fprintf(f, "%sPMTU = %d\n", p, h->pmtu);
	if (h->has_weight)
		fprintf(f, "%sWeight = %d\n", p, h->weight);
	if (h->nerrors > 0)
		fprintf(f, "# %s: %d bad value%s ignored\n", h->name,
		    h->nerrors, h->nerrors == 1 ? "" : "s");
}

/*
 * The effective configuration as "Variable = value" lines, in a fixed
 * order; hosts follow as "NAME.Variable = value".  Secrets are not shown.
 */
void
conf_print(const struct conf *c, FILE *f)
{
	struct conf_host	*h;

	print_server(c, f);
	print_own_host(c, f);
	RB_FOREACH(h, conf_hosts, (struct conf_hosts *)&c->hosts)
		print_host(h, f);
}

/* ---- -o options ---- */

int
conf_opt_add(struct conf_opts *opts, const char *arg)
{
	struct conf_opt	 o;
	char		*copy, *var, *value, *dot;
	int		 index = (int)opts->n + 1;

	memset(&o, 0, sizeof(o));
	copy = xstrdup(arg);
	split_line(copy, &var, &value);
	if (*var == '\0') {
		log_warnx("Invalid option `%s': expected [HOST.]VAR=VALUE",
		    arg);
		goto fail;
	}
	if (*value == '\0') {
		log_warnx("No value for variable `%s' in command line option "
		    "%d", var, index);
		goto fail;
	}
	if ((dot = strchr(var, '.')) != NULL) {
		*dot++ = '\0';
		if (!valid_name(var)) {
			log_warnx("Invalid host name `%s' in option `%s'", var,
			    arg);
			goto fail;
		}
		if (*dot == '\0' || strchr(dot, '.') != NULL) {
			log_warnx("Invalid variable name in option `%s'", arg);
			goto fail;
		}
		o.host = xstrdup(var);
		var = dot;
	}
	o.var = xstrdup(var);
	o.value = xstrdup(value);
	o.index = index;
	opts->v = xgrow(opts->v, opts->n, sizeof(*opts->v));
	opts->v[opts->n++] = o;
	freezero(copy, strlen(arg) + 1);
	return 0;
 fail:
	freezero(copy, strlen(arg) + 1);
	return -1;
}

void
conf_opts_clear(struct conf_opts *opts)
{
	size_t	 i;

	for (i = 0; i < opts->n; i++) {
		free(opts->v[i].host);
		free(opts->v[i].var);
		freezero(opts->v[i].value, strlen(opts->v[i].value) + 1);
	}
	free(opts->v);
	opts->v = NULL;
	opts->n = 0;
}
