/* relay.h - the RFC decisions of a DHCPv4 relay agent (RFC 951, 1542,
 * 2131 §4.1, 3046, 3527, 5010, 5107), as pure functions:
 * (context, message, metadata) -> an action the loop carries out. */
#ifndef PXR_RELAY_H
#define PXR_RELAY_H

#include "config.h"
#include "dhcp_msg.h"
#include "rewrite.h"

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#define RELAY_MAX_ADDRS 8
#define RELAY_REQUEST_MAX 1472   /* Ethernet MTU less IP and UDP headers */

/* Why a packet was not relayed. Every one is a counter. */
enum drop_reason {
	DROP_NONE = 0,
	DROP_MALFORMED,               /* codec refused it */
	DROP_NOT_DOWNSTREAM,          /* request on a link we do not serve */
	DROP_NOT_FOR_RELAY,           /* unicast to another host: routed, not ours */
	DROP_BAD_OP,
	DROP_BAD_HTYPE,               /* htype/hlen nonsense */
	DROP_NO_ADDRESS,              /* the link has no IPv4 address yet */
	DROP_HOPS,                    /* hops above max-hops */
	DROP_SPOOFED_GIADDR,          /* giaddr is one of our addresses or giaddrs */
	DROP_UNTRUSTED_AGENT_OPTION,  /* option 82 from a link not marked trusted */
	DROP_AGENT_OPTION_POLICY,     /* option82 policy = discard */
	DROP_BAD_AGENT_OPTION,        /* option 82 sub-options malformed */
	DROP_NO_SERVERS,
	DROP_REPLY_NOT_FROM_SERVER,
	DROP_REPLY_WRONG_LINK,        /* reply arrived on a downstream link */
	DROP_REPLY_UNKNOWN_GIADDR,
	DROP_REPLY_CIRCUIT_MISMATCH,
	DROP_TOO_BIG,
	DROP_SEND_FAILED,
	DROP_RATE_CLIENT,             /* rate-limit client: one client too fast */
	DROP_RATE_INTERFACE,          /* rate-limit interface: one link too fast */
	DROP_BAD_GIADDR,              /* giaddr no reply could be unicast to */
	DROP_VRRP_BACKUP,             /* the link's vrrp-address is on another router */
	DROP_REPLY_UNKNOWN_LINK,      /* DHCPv6: no link by interface-id or link-address */
	DROP__COUNT
};

const char *drop_reason_name(enum drop_reason r);

/* A downstream link as the relay sees it now. */
struct relay_link {
	int ifindex;
	char name[IFNAMSIZ];
	uint8_t mac[6];
	bool up;
	uint32_t addrs[RELAY_MAX_ADDRS];      /* network order; [0] is primary */
	uint8_t prefixlen[RELAY_MAX_ADDRS];
	unsigned naddrs;
	uint32_t giaddr;                      /* configured, else primary */
	bool standby;                         /* vrrp-address not on the link */
	uint8_t addr6[16];                    /* a global or ULA IPv6 address */
	bool has_addr6;
	const struct cfg_iface *cfg;
	unsigned cfg_idx;                     /* position in config->ifaces */
	unsigned mtu;
	uint8_t circuit_id[CFG_ID_MAX];
	uint8_t circuit_id_len;
	uint8_t remote_id[CFG_ID_MAX];
	uint8_t remote_id_len;
};

/* Links indexed by ifindex and by giaddr. */
struct relay_links {
	struct relay_link *v;     /* sorted by ifindex */
	size_t n;
	struct relay_giaddr_ent {
		uint32_t giaddr;
		uint32_t pos;
	} *by_giaddr;             /* sorted by giaddr */
	uint32_t *own;            /* every downstream address, sorted */
	size_t nown;
};

/* Fill derived fields of one link (giaddr, circuit-id, remote-id) from the
 * config. Returns 0, or -EINVAL when the circuit-id format cannot be
 * expanded for this name (%v on a name without a VLAN id). */
int relay_link_prepare(struct relay_link *l, const struct config *cfg,
		       const char *hostname);
/* Take ownership of v[0..n) and build the indexes. */
int relay_links_init(struct relay_links *t, struct relay_link *v, size_t n);
void relay_links_free(struct relay_links *t);
const struct relay_link *relay_links_by_ifindex(const struct relay_links *t, int ifindex);
bool relay_links_own_addr(const struct relay_links *t, uint32_t addr);

/* Failover bookkeeping per server address. */
struct relay_server_state {
	uint32_t addr;
	int64_t first_unanswered_ms;  /* 0: nothing outstanding */
	int64_t last_reply_ms;
	int64_t probe_at_ms;
};

struct relay_servers {
	struct relay_server_state s[64];
	size_t n;
};

#define RELAY_FAILOVER_PROBE_MS 30000

struct relay_ctx {
	const struct config *cfg;
	const struct relay_links *links;
	int upstream_ifindex;             /* 0: replies accepted on any non-downstream link */
	struct relay_servers *servers;
	bool tftp_proxy;                  /* the TFTP proxy runs: tftp-proxy links use it */
};

struct relay_rx {
	int ifindex;
	uint32_t ip_src, ip_dst;          /* network order */
	int64_t now_ms;
};

struct relay_fwd {
	const struct relay_link *link;
	uint32_t servers[CFG_MAX_SERVERS];
	size_t nservers;
	uint32_t probed;                  /* failover: a silent server asked again, 0: none */
	int64_t probe_prev_ms;            /* its probe time before, for relay_server_unprobe */
	bool first_relay;                 /* giaddr was 0: the reply comes to us */
	bool added_agent_option;
	bool agent_option_too_big;        /* forwarded without option 82 (RFC 3046 §2.1) */
	int len;
	uint8_t buf[DHCP_MAX_LEN];
};

enum deliver_mode {
	DELIVER_BROADCAST,     /* NAK, or broadcast flag: ff:ff.. / 255.255.255.255 */
	DELIVER_CIADDR,        /* client has an address: unicast to ciaddr */
	DELIVER_YIADDR,        /* L2 unicast to chaddr, IP destination yiaddr */
};

struct relay_delivery {
	const struct relay_link *link;
	enum deliver_mode mode;
	uint32_t dst_ip;
	uint8_t dst_mac[6];
	struct rewrite_result rewrite;    /* what the boot rule changed */
	uint32_t tftp_server;             /* tftp-proxy link, DHCPACK or BOOTP reply: the
					   * real boot server the proxy learns, 0: none */
	int len;
	uint8_t buf[DHCP_MAX_LEN];
};

/* A BOOTREQUEST received on a downstream link. m is edited. */
enum drop_reason relay_request(const struct relay_ctx *ctx, const struct relay_rx *rx,
			       struct dhcp_msg *m, struct relay_fwd *out);

/* A BOOTREPLY received on the upstream socket. client_max is the largest
 * DHCP message the client accepts (exchange_client_max(): its option 57
 * less 28, else 548), capped here at the link's MTU less 28; the server's
 * own size is always allowed (it knew the client's limit). rule: the boot
 * rule its request matched (NULL: relay untouched); http_class: that
 * request came from UEFI HTTP boot. m is edited. */
enum drop_reason relay_reply(const struct relay_ctx *ctx, const struct relay_rx *rx,
			     struct dhcp_msg *m, size_t client_max,
			     const struct cfg_boot *rule, bool http_class,
			     struct relay_delivery *out);

/* True when addr is a configured server (global or any interface's). */
bool relay_is_server(const struct config *cfg, uint32_t addr);

/* Failover: choose among list; record sends and replies. */
size_t relay_pick_servers(const struct relay_ctx *ctx, const struct server_list *list,
			  int64_t now_ms, uint32_t *out);
void relay_server_sent(struct relay_servers *s, uint32_t addr, int64_t now_ms);
/* The request that would have probed addr was not sent after all (a rate
 * limit refused it): the probe stays due. */
void relay_server_unprobe(struct relay_servers *s, uint32_t addr, int64_t prev_ms);
void relay_server_replied(struct relay_servers *s, uint32_t addr, int64_t now_ms);

#endif
