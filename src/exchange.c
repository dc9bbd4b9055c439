/* exchange.c - see exchange.h. */
#include "exchange.h"

#include <string.h>

int exchange_init(struct exchange *x, size_t capacity, int64_t ttl_ms, uint64_t seed)
{
	memset(x, 0, sizeof(*x));
	return xid_table_init(&x->xids, capacity, ttl_ms, seed);
}

void exchange_free(struct exchange *x)
{
	xid_table_free(&x->xids);
}

void exchange_configure(struct exchange *x, const struct config *cfg, struct stats *st)
{
	x->cfg = cfg;
	x->st = st;
	x->generation++;
}

size_t exchange_client_max(uint16_t max_msg_size)
{
	/* RFC 2132 9.10: option 57 "specifies the maximum length DHCP
	 * message that it is willing to accept ... The minimum legal value
	 * is 576 octets." 576 is RFC 2131's IP datagram every client takes,
	 * so the value is read as a datagram size, as ISC dhcpd and dnsmasq
	 * read it: the DHCP message is 28 octets (IP and UDP headers) less. */
	if (max_msg_size < DHCP_DEFAULT_MAX)
		return EXCHANGE_DEFAULT_MAX;
	return (size_t)max_msg_size - EXCHANGE_IP_UDP_HDR;
}

void exchange_note(struct exchange *x, const uint8_t *key, uint8_t key_len, uint32_t xid,
		   int64_t now_ms, struct exchange_request *out)
{
	struct xid_entry e = { .rule = -1 };
	const struct client_class *c = &out->cls;

	class_label(c, out->label, sizeof(out->label));
	out->rule = x->cfg ? classify_match(x->cfg, c) : NULL;
	if (x->st) {
		if (c->arch_wire >= 0)
			x->st->arch[c->arch_wire < STATS_ARCH_SLOTS - 1 ? c->arch_wire
								: STATS_ARCH_SLOTS - 1]++;
		else
			x->st->arch_unknown++;
		x->st->opt93_malformed += c->opt93_malformed;
		if (!out->rule)
			x->st->unmatched++;
		else if ((size_t)(out->rule - x->cfg->boots) < x->st->nrules)
			x->st->rules[out->rule - x->cfg->boots].matched++;
	}
	/* A request no rule matched needs nothing for its reply:
	 * it is relayed untouched, and its size never grows. */
	if (!out->rule)
		return;
	memcpy(e.chaddr, key, key_len < sizeof(e.chaddr) ? key_len : sizeof(e.chaddr));
	e.hlen = key_len;
	e.xid = xid;
	e.rule = (int16_t)(out->rule - x->cfg->boots);
	/* The reply decides among the rules matching the client when the
	 * first has conditions on the reply: the next ones are kept too. */
	if (boot_rule_has_reply_conditions(out->rule))
		for (size_t i = 0; i < EXCHANGE_MORE_RULES &&
		     (size_t)e.rule + 1 + i < x->cfg->nboots; i++)
			if (classify_rule_matches(&x->cfg->boots[e.rule + 1 + i], c))
				e.more |= 1ull << i;
	e.generation = x->generation;
	e.arch_wire = c->arch_wire;
	e.max_msg_size = c->max_msg_size;
	e.flags = (c->http ? XID_F_HTTP : 0) | (c->ipxe ? XID_F_IPXE : 0) |
		  (c->pxe ? XID_F_PXE : 0);
	if (xid_table_put(&x->xids, &e, now_ms) && x->st)
		x->st->xid_evictions++;
}

void exchange_request(struct exchange *x, const struct dhcp_msg *m, const char *ifname,
		      int64_t now_ms, struct exchange_request *out)
{
	classify_request(m, ifname, &out->cls);
	exchange_note(x, m->chaddr, m->hlen, m->xid, now_ms, out);
}

const struct cfg_boot *exchange_reply_rule(const struct config *cfg, const struct xid_entry *xe,
					   exchange_holds_fn holds, const void *reply)
{
	const struct cfg_boot *b = &cfg->boots[xe->rule];

	if (holds(b, reply))
		return b;
	for (size_t i = 0; i < EXCHANGE_MORE_RULES && (size_t)xe->rule + 1 + i < cfg->nboots; i++)
		if ((xe->more >> i & 1) && holds(&cfg->boots[xe->rule + 1 + i], reply))
			return &cfg->boots[xe->rule + 1 + i];
	return NULL;
}

struct reply4 {
	const struct dhcp_msg *m;
	uint32_t src;
};

static bool reply4_holds(const struct cfg_boot *b, const void *arg)
{
	const struct reply4 *r = arg;

	return classify_reply_matches(b, r->m, r->src);
}

enum drop_reason exchange_reply(struct exchange *x, const struct relay_ctx *ctx,
				const struct relay_rx *rx, const uint8_t *buf, size_t len,
				struct dhcp_msg *m, struct relay_delivery *dv,
				struct exchange_reply *out)
{
	const struct xid_entry *xe;
	enum drop_reason r;
	bool http = false;
	int type;

	memset(out, 0, sizeof(*out));
	out->arch_wire = -1;
	out->client_max = EXCHANGE_DEFAULT_MAX;
	if (dhcp_msg_parse(m, buf, len) < 0)
		return DROP_MALFORMED;
	xe = xid_table_get(&x->xids, m->chaddr, m->hlen, m->xid, rx->now_ms);
	if (xe) {
		out->known = true;
		out->arch_wire = xe->arch_wire;
		out->ipxe = xe->flags & XID_F_IPXE;
		out->client_max = exchange_client_max(xe->max_msg_size);
		/* The rule index is only good for the configuration it was
		 * taken from: after a reload the reply goes out untouched. */
		if (xe->rule >= 0 && xe->generation == x->generation && x->cfg &&
		    (size_t)xe->rule < x->cfg->nboots)
			out->rule = exchange_reply_rule(x->cfg, xe, reply4_holds,
							&(struct reply4){ m, rx->ip_src });
		http = xe->flags & XID_F_HTTP;
	} else if (x->cfg && x->cfg->nboots && x->st) {
		x->st->xid_misses++;
	}
	/* A ProxyDHCP offer is not a lease: the client takes its boot file
	 * from the proxy on port 4011. Left as sent unless the rule opts in. */
	out->proxy_offer = dhcp_is_proxy_offer(m);
	if (out->proxy_offer && out->rule && !out->rule->proxy_offers) {
		out->rule = NULL;
		out->proxy_left = true;
	}
	/* A pass: first match wins, and it sets nothing. */
	out->pass = out->rule && boot_rule_is_pass(out->rule);
	r = relay_reply(ctx, rx, m, out->client_max, out->pass ? NULL : out->rule, http, dv);
	if (r == DROP_TOO_BIG && out->rule && !out->pass) {
		/* The rewrite does not fit the client's limit: the server's
		 * message goes out as it came, only our option 82 removed,
		 * rather than nothing. */
		out->fallback = true;
		if (x->st)
			x->st->rewrite_too_big++;
		if (dhcp_msg_parse(m, buf, len) < 0)
			return DROP_MALFORMED;
		r = relay_reply(ctx, rx, m, out->client_max, NULL, false, dv);
	}
	if (r != DROP_NONE)
		return r;
	if (out->proxy_offer && x->st)
		x->st->proxy_offers++;
	out->rewritten = out->rule && !out->pass && !out->fallback && dv->rewrite.changed;
	if (out->rule && x->st && (size_t)(out->rule - x->cfg->boots) < x->st->nrules) {
		struct stats_rule *sr = &x->st->rules[out->rule - x->cfg->boots];

		sr->rewritten += out->rewritten;
		sr->passed += out->pass;
	}
	/* An ACK or NAK (or a BOOTP reply) ends the exchange; an OFFER does
	 * not, its REQUEST is classified again anyway. */
	type = dhcp_msg_type(m);
	if (xe && (type == DHCPACK || type == DHCPNAK || type == 0))
		xid_table_done(&x->xids, xe, rx->now_ms);
	return DROP_NONE;
}
