/* relay6.c - see relay6.h. */
#include "relay6.h"

#include <string.h>

static const uint8_t any6[16];

const struct relay6_link *relay6_link_by_ifindex(const struct relay6_ctx *ctx, int ifindex)
{
	size_t lo = 0, hi = ctx->nlinks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = ctx->links[mid].link->ifindex;

		if (k == ifindex)
			return &ctx->links[mid];
		if (k < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool relay6_addr_is_global(const uint8_t a[16])
{
	/* 2000::/3 global unicast, fc00::/7 unique local (RFC 4193). */
	return (a[0] & 0xe0) == 0x20 || (a[0] & 0xfe) == 0xfc;
}

static bool from_client_type(uint8_t t)
{
	switch (t) {
	case DHCP6_SOLICIT:
	case DHCP6_REQUEST:
	case DHCP6_CONFIRM:
	case DHCP6_RENEW:
	case DHCP6_REBIND:
	case DHCP6_RELEASE:
	case DHCP6_DECLINE:
	case DHCP6_INFORMATION_REQUEST:
		return true;
	default:
		return false;
	}
}

enum drop_reason relay6_request(const struct relay6_ctx *ctx, const struct relay6_rx *rx,
				const uint8_t *buf, size_t len, struct relay6_fwd *out)
{
	const struct relay6_link *l6 = relay6_link_by_ifindex(ctx, rx->ifindex);
	struct dhcp6_buf b;
	const uint8_t *link_addr;
	uint8_t hop;
	size_t at;

	out->l6 = l6;
	out->len = 0;
	out->from_client = false;
	if (!l6 || !l6->nservers)
		return DROP_NOT_DOWNSTREAM;
	if (l6->link->standby)
		return DROP_VRRP_BACKUP;
	if (dhcp6_parse(&out->in, buf, len) < 0)
		return DROP_MALFORMED;
	if (out->in.type == DHCP6_RELAY_FORW) {
		/* RFC 8415 §19.1.2: "If the message received by the relay
		 * agent is a Relay-forward message and the hop-count value in
		 * the message is greater than or equal to HOP_COUNT_LIMIT, the
		 * relay agent discards the received message." Otherwise the
		 * new hop-count is the received one plus 1. */
		if (out->in.hop_count >= DHCP6_HOP_COUNT_LIMIT)
			return DROP_HOPS;
		hop = (uint8_t)(out->in.hop_count + 1);
		/* §19.1.2: a relay below with a global or ULA source address
		 * identifies the link itself: link-address 0. Otherwise ours,
		 * as for a client. */
		link_addr = relay6_addr_is_global(rx->src) ? any6 : l6->link_addr;
	} else if (from_client_type(out->in.type)) {
		/* §19.1.1: from a client, hop-count 0, and "a globally scoped
		 * unicast address (i.e., GUA or ULA) from a prefix assigned to
		 * the link" in link-address (:: when the link has none; the
		 * Interface-Id option below names the link then). */
		out->from_client = true;
		hop = 0;
		link_addr = l6->link_addr;
	} else {
		/* Advertise, Reply, Reconfigure, Relay-reply: a server's
		 * messages, never relayed from a client link. */
		return DROP_BAD_OP;
	}

	dhcp6_buf_init(&b, out->buf, sizeof(out->buf));
	/* §19.1.1: "The relay agent copies the source address from the IP
	 * datagram in which the message was received from the client into
	 * the peer-address field in the Relay-forward message." */
	dhcp6_put_relay_header(&b, DHCP6_RELAY_FORW, hop, link_addr, rx->src);
	/* §19.1.1: a relay that cannot identify the link by link-address
	 * "MUST include an Interface-Id option". Always sent: servers echo
	 * it, and the reply then finds its link even when two links share a
	 * prefix or have none. */
	dhcp6_put_opt(&b, D6O_INTERFACE_ID, l6->iface_id, l6->iface_id_len);
	/* RFC 4649 §3: "enterprise-number" (4), then the "remote-id". */
	if (l6->remote_id_len)
		dhcp6_put_opt(&b, D6O_REMOTE_ID, l6->remote_id, l6->remote_id_len);
	/* RFC 6939 §6: a relay directly connected to the client adds the
	 * client's link-layer address: type 1 (Ethernet), then the MAC. */
	if (out->from_client && rx->mac) {
		uint8_t ll[8] = { 0, 1 };

		memcpy(ll + 2, rx->mac, 6);
		dhcp6_put_opt(&b, D6O_CLIENT_LINKLAYER_ADDR, ll, sizeof(ll));
	}
	/* §19.1.1: "The relay agent copies the received DHCP message (excluding
	 * any IP or UDP headers) into a Relay Message option". */
	at = dhcp6_opt_begin(&b, D6O_RELAY_MSG);
	dhcp6_put(&b, buf, len);
	dhcp6_opt_end(&b, at);
	if (b.overflow)
		return DROP_TOO_BIG;
	out->len = b.len;
	return DROP_NONE;
}

static const struct relay6_link *link_by_iface_id(const struct relay6_ctx *ctx,
						  const uint8_t *id, uint16_t len)
{
	for (size_t i = 0; i < ctx->nlinks; i++)
		if (ctx->links[i].iface_id_len == len && memcmp(ctx->links[i].iface_id, id, len) == 0)
			return &ctx->links[i];
	return NULL;
}

static const struct relay6_link *link_by_address(const struct relay6_ctx *ctx,
						 const uint8_t a[16])
{
	for (size_t i = 0; i < ctx->nlinks; i++)
		if (memcmp(ctx->links[i].link_addr, a, 16) == 0)
			return &ctx->links[i];
	return NULL;
}

/* src is one of l6's servers: one of its addresses or, when the link
 * relays to All_DHCP_Servers, a global or ULA host on the upstream side
 * (arrived on the upstream interface, or where it is not known). */
static bool server_of(const struct relay6_ctx *ctx, const struct relay6_link *l6,
		      const uint8_t src[16], int ifindex)
{
	for (size_t k = 0; k < l6->nservers; k++) {
		if (memcmp(l6->servers[k], src, 16) == 0)
			return true;
		if (memcmp(l6->servers[k], cfg_all_dhcp_servers, 16) == 0 &&
		    relay6_addr_is_global(src) && (!ifindex || ifindex == ctx->upstream_ifindex))
			return true;
	}
	return false;
}

enum drop_reason relay6_reply(const struct relay6_ctx *ctx, const uint8_t src[16], int ifindex,
			      const uint8_t *buf, size_t len, struct relay6_delivery *out)
{
	struct dhcp6_msg m;
	const uint8_t *v;
	uint16_t vlen;
	bool from_server = false;

	memset(out, 0, sizeof(*out));
	/* Only from a server some link relays to, before anything else is
	 * believed; then only from one of the servers of its own link. */
	for (size_t i = 0; i < ctx->nlinks && !from_server; i++)
		from_server = server_of(ctx, &ctx->links[i], src, ifindex);
	if (!from_server)
		return DROP_REPLY_NOT_FROM_SERVER;
	/* As for DHCPv4, only from the upstream side: never from a client
	 * link, and only from the upstream interface when one is set. */
	if (ifindex && ((ctx->upstream_ifindex && ifindex != ctx->upstream_ifindex) ||
			relay6_link_by_ifindex(ctx, ifindex)))
		return DROP_REPLY_WRONG_LINK;
	if (dhcp6_parse(&m, buf, len) < 0)
		return DROP_MALFORMED;
	if (m.type != DHCP6_RELAY_REPL)
		return DROP_BAD_OP;
	/* §19.2: "If the Relay-reply message includes an Interface-Id
	 * option, the relay agent relays the message from the server to the
	 * client on the link identified by the Interface-Id option.
	 * Otherwise, if the link-address field is not set to 0, the relay
	 * agent relays the message on the link identified by the
	 * link-address field." */
	v = dhcp6_opt_get(&m, D6O_INTERFACE_ID, &vlen);
	if (v)
		out->l6 = link_by_iface_id(ctx, v, vlen);
	else if (memcmp(m.link_addr, any6, 16) != 0)
		out->l6 = link_by_address(ctx, m.link_addr);
	if (!out->l6)
		return DROP_REPLY_UNKNOWN_LINK;
	if (!server_of(ctx, out->l6, src, ifindex))
		return DROP_REPLY_NOT_FROM_SERVER;
	v = dhcp6_opt_get(&m, D6O_RELAY_MSG, &vlen);
	if (!v || dhcp6_parse(&out->inner, v, vlen) < 0)
		return DROP_MALFORMED;
	/* §19.2: "The relay agent extracts the message from the Relay
	 * Message option and relays it to the address contained in the
	 * peer-address field of the Relay-reply message." A Relay-reply
	 * inside goes to the relay below, on the servers' port; anything
	 * else to the client's. */
	memcpy(out->dst, m.peer_addr, 16);
	out->port = out->inner.type == DHCP6_RELAY_REPL ? DHCP6_SERVER_PORT : DHCP6_CLIENT_PORT;
	out->buf = v;
	out->len = vlen;
	return DROP_NONE;
}
