/* relay6.h - the DHCPv6 relay agent's rules (RFC 8415 §19): a message from
 * a client or a relay below wrapped in a Relay-forward for the servers, and
 * a Relay-reply from a server unwrapped for the client's link. Pure: the
 * caller passes the links and the servers, and sends what comes back.
 *
 * Downstream links are the IPv4 relay's (struct relay_link): their IPv6
 * side is the link-address (a global or ULA address of the link, or ::)
 * and the interface-id value (the interface's name unless configured). */
#ifndef PXR_RELAY6_H
#define PXR_RELAY6_H

#include "dhcp6_msg.h"
#include "relay.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY6_MAX_SERVERS 8
#define RELAY6_IFACE_ID_MAX 64

/* One link's IPv6 side, kept beside the relay_link of the same ifindex. */
struct relay6_link {
	const struct relay_link *link;
	uint8_t link_addr[16];              /* :: when the link has none */
	uint8_t iface_id[RELAY6_IFACE_ID_MAX];
	uint8_t iface_id_len;
	uint8_t servers[RELAY6_MAX_SERVERS][16];
	size_t nservers;                     /* 0: not relayed over IPv6 */
	/* Option 37 (RFC 4649): enterprise number, then the link's
	 * remote-id; 0 bytes: not sent. */
	uint8_t remote_id[4 + CFG_ID_MAX];
	uint8_t remote_id_len;
};

struct relay6_ctx {
	const struct relay6_link *links;     /* sorted by link->ifindex */
	size_t nlinks;
	bool tftp_proxy;                     /* the TFTP proxy runs: tftp-proxy links use it */
	int upstream_ifindex;                /* 0: replies taken on any non-client link */
};

struct relay6_rx {
	int ifindex;
	uint8_t src[16];                     /* the datagram's source */
	const uint8_t *mac;                  /* the frame's source MAC, NULL: unknown */
	int64_t now_ms;
};

struct relay6_fwd {
	const struct relay6_link *l6;
	struct dhcp6_msg in;                 /* the message received */
	bool from_client;                    /* not a Relay-forward from below */
	uint8_t buf[DHCP6_MAX_LEN];
	size_t len;
};

struct relay6_delivery {
	const struct relay6_link *l6;
	uint8_t dst[16];                     /* peer-address */
	uint16_t port;                       /* 546 to a client, 547 to a relay */
	struct dhcp6_msg inner;              /* the message inside */
	const uint8_t *buf;                  /* what to send: inner, or rewritten */
	size_t len;
};

const struct relay6_link *relay6_link_by_ifindex(const struct relay6_ctx *ctx, int ifindex);
bool relay6_addr_is_global(const uint8_t a[16]);

/* A message received on a downstream link: the Relay-forward to send to
 * each of out->l6->servers, or why not. */
enum drop_reason relay6_request(const struct relay6_ctx *ctx, const struct relay6_rx *rx,
				const uint8_t *buf, size_t len, struct relay6_fwd *out);

/* A message from upstream, from src, arrived on ifindex (0: not known, as
 * in a capture): a Relay-reply from one of the servers of the link it
 * names, unwrapped. out->buf/len is the inner message as sent. A link
 * relaying to All_DHCP_Servers (ff05::1:3) takes it from any global or
 * ULA address on the upstream interface: who answers a multicast is not
 * known beforehand. */
enum drop_reason relay6_reply(const struct relay6_ctx *ctx, const uint8_t src[16], int ifindex,
			      const uint8_t *buf, size_t len, struct relay6_delivery *out);

#endif
