/* exchange.h - what ties a request to its reply: the per-exchange
 * decisions the daemon and --replay share.
 *
 * A reply carries no option 93, so each request relayed as first relay is
 * classified, the boot rules matching the client found, and both
 * remembered under (chaddr, xid) with the client's size limit. A reply
 * then gets the first of those rules (file order) whose conditions on the
 * reply hold (offered-filename, offered-next-server, from-server), only if
 * the configuration they were found in is still the one in use; a
 * ProxyDHCP offer is left alone unless that rule says proxy-offers; a rule
 * with no settings is a pass. Then the client's size limit, the rewrite,
 * and when the rewrite does not fit that limit the server's message with
 * only our option 82 removed: a relay never loses a valid reply. A DHCPACK
 * or DHCPNAK (or a BOOTP reply) ends the exchange.
 *
 * Pure: no I/O, no clock (time is passed in), no logging; the caller does
 * the sending and the log lines from what is returned. */
#ifndef PXR_EXCHANGE_H
#define PXR_EXCHANGE_H

#include "classify.h"
#include "config.h"
#include "dhcp_msg.h"
#include "relay.h"
#include "stats.h"
#include "xid_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 2131 2: "A DHCP client must be prepared to receive DHCP messages
 * with an 'options' field of at least length 312 octets": a 576-octet IP
 * datagram, 548 octets of DHCP message. */
#define EXCHANGE_DEFAULT_MAX 548
#define EXCHANGE_IP_UDP_HDR 28

struct exchange {
	struct xid_table xids;
	const struct config *cfg;
	uint32_t generation;          /* bumped by each new configuration */
	struct stats *st;             /* counters to update, NULL: none */
};

/* capacity requests remembered for ttl_ms each; seed keys the hash. */
int exchange_init(struct exchange *x, size_t capacity, int64_t ttl_ms, uint64_t seed);
void exchange_free(struct exchange *x);
/* A configuration (first, or reloaded): rules remembered under the old
 * one are not applied to replies any more. st may be NULL. */
void exchange_configure(struct exchange *x, const struct config *cfg, struct stats *st);

/* Rules after the client's first one that a reply can still fall to when
 * the first one's reply conditions do not hold. */
#define EXCHANGE_MORE_RULES 64

struct exchange_request {
	struct client_class cls;
	const struct cfg_boot *rule;  /* the first rule that matched, NULL: none */
	char label[64];               /* the class, for the log */
};

/* A request about to be relayed as first relay (giaddr was 0), received
 * on link ifname: classify, match, remember. */
void exchange_request(struct exchange *x, const struct dhcp_msg *m, const char *ifname,
		      int64_t now_ms, struct exchange_request *out);

/* What both protocols do with a classified request (out->cls filled):
 * label it, count it, find the client's rules and remember them under
 * (key, xid) - chaddr for DHCPv4, the link-local peer-address for DHCPv6. */
void exchange_note(struct exchange *x, const uint8_t *key, uint8_t key_len, uint32_t xid,
		   int64_t now_ms, struct exchange_request *out);

/* The first rule, in file order, among those remembered for the client
 * (xe), whose conditions on the reply hold by holds(rule, reply); NULL
 * when none does. */
typedef bool (*exchange_holds_fn)(const struct cfg_boot *b, const void *reply);
const struct cfg_boot *exchange_reply_rule(const struct config *cfg, const struct xid_entry *xe,
					   exchange_holds_fn holds, const void *reply);

struct exchange_reply {
	bool known;                   /* its request was remembered */
	int arch_wire;                /* that request's option 93 code, -1: unknown */
	bool ipxe;
	const struct cfg_boot *rule;  /* the rule applied, NULL: none */
	bool pass;                    /* that rule is a pass: nothing rewritten */
	bool proxy_offer;             /* a ProxyDHCP offer */
	bool proxy_left;              /* ... left as the server sent it */
	bool rewritten;               /* the rule's rewrite went out */
	bool fallback;                /* it did not fit: the server's message went out */
	size_t client_max;            /* the client's limit (before the link's MTU) */
};

/* The client's size limit: 548 (RFC 2131 2), or its option 57 less the
 * IP and UDP headers. */
size_t exchange_client_max(uint16_t max_msg_size);

/* A BOOTREPLY of len bytes from upstream: parse it into m, find its
 * request, and let relay_reply() decide the delivery with the rule and
 * the client's limit. Returns relay_reply()'s verdict (DROP_MALFORMED
 * when it does not parse); *out says what was applied. */
enum drop_reason exchange_reply(struct exchange *x, const struct relay_ctx *ctx,
				const struct relay_rx *rx, const uint8_t *buf, size_t len,
				struct dhcp_msg *m, struct relay_delivery *dv,
				struct exchange_reply *out);

#endif
