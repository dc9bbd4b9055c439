/* stats.h - counters: per drop reason, per interface, per server. */
#ifndef PXR_STATS_H
#define PXR_STATS_H

#include "config.h"
#include "relay.h"

#include <stdint.h>
#include <stdio.h>

struct stats_iface {
	char name[IFNAMSIZ];
	uint64_t requests;        /* BOOTREQUESTs relayed upstream from this link */
	uint64_t replies;         /* BOOTREPLYs delivered to this link */
	uint64_t drops;
	uint64_t rate_client;     /* requests refused by rate-limit client */
	uint64_t rate_iface;      /* requests refused by rate-limit interface */
};

struct stats_server {
	bool v6;                  /* a DHCPv6 server: addr6, source6 */
	bool has_source6;
	uint32_t addr;
	uint32_t source;          /* our address toward it (trace), 0: not looked up */
	uint8_t addr6[16];
	uint8_t source6[16];
	uint64_t sent;
	uint64_t replies;
};

#define STATS_ARCH_SLOTS 43   /* codes 0x00..0x29, then "other" */

struct stats_rule {
	char name[64];
	uint64_t matched;         /* requests that matched it */
	uint64_t rewritten;       /* replies it rewrote */
	uint64_t passed;          /* replies it let pass (a rule with no settings) */
};

struct stats {
	uint64_t drop[DROP__COUNT];
	uint64_t arch[STATS_ARCH_SLOTS];  /* relayed requests per option 93 code */
	uint64_t arch_unknown;            /* no option 93 nor arch in option 60 */
	uint64_t opt93_malformed;         /* fell back to option 60 */
	uint64_t unmatched;               /* requests no boot rule matched */
	uint64_t xid_misses;              /* reply with no remembered request */
	uint64_t xid_evictions;           /* table full: oldest live entry replaced */
	uint64_t rewrite_too_big;         /* rewrite did not fit: relayed unchanged */
	uint64_t proxy_offers;            /* ProxyDHCP offers relayed */
	struct stats_rule *rules;         /* one per boot rule */
	size_t nrules;
	uint64_t agent_option_too_big;
	struct stats_iface *ifaces;     /* one per configured interface */
	size_t nifaces;
	struct stats_server servers[64];
	size_t nservers;
};

/* (Re)size the per-interface counters to a config, keeping those of
 * interfaces that stay. */
int stats_configure(struct stats *s, const struct config *cfg);
void stats_free(struct stats *s);
/* The counters of an IPv4 server, added when new (NULL: table full). */
struct stats_server *stats_server(struct stats *s, uint32_t addr);
/* The same for an IPv6 server; add false: NULL when it has none yet. */
struct stats_server *stats_server6(struct stats *s, const uint8_t addr[16], bool add);

#endif
