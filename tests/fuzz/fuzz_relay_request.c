/* fuzz_relay_request.c - relay_request(): a BOOTREQUEST from a client link.
 *
 * Input layout:
 *   [0] ifindex:  % 5 -> 2 vlan10, 3 vlan20, 7 eth0.30, 1 upstream, 42 unknown
 *   [1] ip_dst:   % 6 -> 255.255.255.255, the link's subnet broadcast, the
 *                 link's primary address, its last address, another host
 *                 (10.10.0.77), 0.0.0.0
 *   [2] knobs:    option 82 policy and toggles, forward mode
 *                 (fuzz_relay_knobs in fuzz_relay_ctx.h)
 *   [3] bits 0-3: max-hops - 1; bits 4-6: now in 2 s steps; bit 7: the first
 *                 global server has been silent since t = 1 ms (failover)
 *   [4..]         the DHCP message
 *
 * The context (config, three links, server state) is built once. When the
 * request is relayed (DROP_NONE) the output is checked: it fits, it parses,
 * giaddr is set, hops went up by one, the options other than 82 are the
 * client's, and option 82, when we added it, is last and carries our
 * sub-options. Whatever the verdict, the RFC reasons to drop are checked
 * to have been honoured when a request is relayed. A request dropped as
 * too big after option 82 did not fit must not fit without it either
 * (RFC 3046 §2.1: forward without the option). */
#include "fuzz_relay_ctx.h"
#include "opt82.h"

#include <errno.h>

#define HDR 4

static const int ifindex_choice[5] = { 2, 3, 7, FUZZ_IFINDEX_UPSTREAM, 42 };

static uint32_t pick_dst(const struct relay_link *l, uint8_t sel)
{
	switch (sel % 6) {
	case 0:
		return INADDR_BROADCAST;
	case 1:
		if (!l)
			return fuzz_ip("10.99.255.255");
		return l->addrs[0] | htonl(~(~0u << (32 - l->prefixlen[0])));
	case 2:
		return l ? l->addrs[0] : fuzz_ip("10.99.0.1");
	case 3:
		return l ? l->addrs[l->naddrs - 1] : fuzz_ip("10.99.0.2");
	case 4:
		return fuzz_ip("10.10.0.77");
	default:
		return 0;
	}
}

/* The sub-options relay_request adds for link l, checked one by one in
 * ours (the part of option 82 after what the client side sent). */
FUZZ_NO_COV static void check_ours(const struct fuzz_relay *fr, const struct relay_link *l,
		       const uint8_t *ours, size_t len)
{
	const uint8_t *sub;
	size_t sublen;

	FUZZ_CHECK(opt82_validate(ours, len) == 0);
	FUZZ_CHECK(opt82_find(ours, len, OPT82_CIRCUIT_ID, &sub, &sublen) == 0);
	FUZZ_CHECK(sublen == l->circuit_id_len && memcmp(sub, l->circuit_id, sublen) == 0);
	FUZZ_CHECK(opt82_find(ours, len, OPT82_REMOTE_ID, &sub, &sublen) == 0);
	FUZZ_CHECK(sublen == l->remote_id_len && memcmp(sub, l->remote_id, sublen) == 0);
	if (fr->cfg.opt82.link_selection) {
		FUZZ_CHECK(opt82_find(ours, len, OPT82_LINK_SELECTION, &sub, &sublen) == 0);
		FUZZ_CHECK(sublen == 4 && memcmp(sub, &l->addrs[0], 4) == 0);
	}
	if (fr->cfg.opt82.server_id_override) {
		FUZZ_CHECK(opt82_find(ours, len, OPT82_SERVER_ID_OVERRIDE, &sub, &sublen) == 0);
		FUZZ_CHECK(sublen == 4 && memcmp(sub, &l->addrs[0], 4) == 0);
		FUZZ_CHECK(opt82_find(ours, len, OPT82_FLAGS, &sub, &sublen) == 0);
		FUZZ_CHECK(sublen == 1);
	}
}

FUZZ_NO_COV static void check_relayed(const struct fuzz_relay *fr, const struct relay_rx *rx,
			  const struct dhcp_msg *in, const struct relay_fwd *out)
{
	static struct dhcp_msg back;
	const struct relay_link *l = out->link;
	const struct server_list *servers;
	size_t limit = in->wire_len > RELAY_REQUEST_MAX ? in->wire_len : RELAY_REQUEST_MAX;
	const uint8_t *in82, *out82;
	size_t in82_len = 0, out82_len = 0;

	/* What was relayed had to be relayed (RFC 1542 §4.1, RFC 3046 §2.1). */
	FUZZ_CHECK(l != NULL && l->ifindex == rx->ifindex);
	FUZZ_CHECK(in->op == BOOTREQUEST);
	/* RFC 4390: InfiniBand has no chaddr, hlen 0. */
	FUZZ_CHECK((in->hlen >= 1 && in->hlen <= DHCP_CHADDR_LEN) ||
		   (in->hlen == 0 && in->htype == HTYPE_INFINIBAND));
	FUZZ_CHECK(in->hops <= fr->cfg.max_hops);
	in82 = dhcp_opt_get(in, DHO_AGENT_INFO, 0, SIZE_MAX, &in82_len);
	/* Option 82 only from trusted links, whatever the giaddr. */
	if (in82)
		FUZZ_CHECK(l->cfg && l->cfg->trusted);
	if (in->giaddr == 0 && in82)
		FUZZ_CHECK(fr->cfg.opt82.policy != POLICY_DISCARD);
	if (in->giaddr) {
		uint8_t first = (uint8_t)(ntohl(in->giaddr) >> 24);

		FUZZ_CHECK(!relay_links_own_addr(&fr->links, in->giaddr));
		FUZZ_CHECK(first != 0 && first != 127 && first < 224);
	}

	/* To the link's servers, at least one. */
	servers = config_servers(&fr->cfg, l->cfg);
	FUZZ_CHECK(out->nservers >= 1 && out->nservers <= CFG_MAX_SERVERS);
	for (size_t i = 0; i < out->nservers; i++) {
		bool known = false;

		for (size_t k = 0; k < servers->n; k++)
			known |= servers->addr[k] == out->servers[i];
		FUZZ_CHECK(known);
	}

	/* The message itself. */
	FUZZ_CHECK(out->len >= DHCP_HDR_LEN && (size_t)out->len <= sizeof(out->buf));
	FUZZ_CHECK((size_t)out->len <= limit);
	FUZZ_CHECK(dhcp_msg_parse(&back, out->buf, (size_t)out->len) == 0);
	FUZZ_CHECK(back.op == BOOTREQUEST);
	FUZZ_CHECK(back.xid == in->xid && back.htype == in->htype && back.hlen == in->hlen);
	FUZZ_CHECK(memcmp(back.chaddr, in->chaddr, DHCP_CHADDR_LEN) == 0);
	FUZZ_CHECK(back.ciaddr == in->ciaddr && back.yiaddr == in->yiaddr);
	FUZZ_CHECK(back.hops == in->hops + 1);
	FUZZ_CHECK(back.giaddr != 0);
	if (in->giaddr) {
		/* RFC 3046 §2.1.1: a relay below us did the work. */
		FUZZ_CHECK(back.giaddr == in->giaddr);
		FUZZ_CHECK(!out->added_agent_option);
	} else {
		FUZZ_CHECK(back.giaddr == l->giaddr);
	}
	FUZZ_CHECK(back.has_cookie == in->has_cookie);
	FUZZ_CHECK(fuzz_options_field_ok(out->buf, (size_t)out->len));
	if (in->has_cookie)
		fuzz_check_same_options_except(in, &back, DHO_AGENT_INFO, DHO_OVERLOAD);

	out82 = dhcp_opt_get(&back, DHO_AGENT_INFO, 0, SIZE_MAX, &out82_len);
	if (out->agent_option_too_big) {
		/* RFC 3046 §2.1: forwarded without our option, with the one it
		 * came with, if any. */
		FUZZ_CHECK(!out->added_agent_option);
		FUZZ_CHECK(in82 ? fuzz_same_option(in, &back, DHO_AGENT_INFO) : out82 == NULL);
	} else if (out->added_agent_option) {
		size_t keep = 0;

		FUZZ_CHECK(out82 != NULL);
		if (in82 && fr->cfg.opt82.policy == POLICY_APPEND) {
			/* RFC 3396: theirs first, ours after, in one option. */
			FUZZ_CHECK(out82_len >= in82_len);
			FUZZ_CHECK(memcmp(out82, in82, in82_len) == 0);
			keep = in82_len;
		}
		check_ours(fr, l, out82 + keep, out82_len - keep);
	} else {
		FUZZ_CHECK(fuzz_same_option(in, &back, DHO_AGENT_INFO));
	}
}

/* DROP_TOO_BIG after giving up on option 82: the request as it would be
 * forwarded without our option (hops + 1, giaddr set, the option 82 it
 * came with) must not fit the limit relay_request used for it. */
FUZZ_NO_COV static void check_too_big(const struct relay_link *l, const struct dhcp_msg *in,
			  const struct relay_fwd *out)
{
	static struct dhcp_msg bare;
	static uint8_t buf[DHCP_MAX_LEN];
	size_t limit = in->wire_len > RELAY_REQUEST_MAX ? in->wire_len : RELAY_REQUEST_MAX;

	if (!out->agent_option_too_big)
		return;
	bare = *in;
	bare.hops++;
	if (!bare.giaddr)
		bare.giaddr = l->giaddr;
	FUZZ_CHECK(dhcp_msg_build(&bare, limit, buf, sizeof(buf)) < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m, in;
	static struct relay_fwd out;
	struct fuzz_relay *fr = fuzz_relay_get();
	const struct relay_link *l;
	struct relay_rx rx;
	enum drop_reason r;

	if (size < HDR)
		return 0;
	fuzz_relay_knobs(fr, data[2]);
	fr->cfg.max_hops = 1u + (data[3] & 15);
	rx.ifindex = ifindex_choice[data[0] % 5];
	l = relay_links_by_ifindex(&fr->links, rx.ifindex);
	rx.ip_dst = pick_dst(l, data[1]);
	rx.ip_src = 0;
	rx.now_ms = (int64_t)((data[3] >> 4) & 7) * 2000;
	if (data[3] & 0x80)
		relay_server_sent(&fr->servers, fr->cfg.servers.addr[0], 1);

	if (dhcp_msg_parse(&m, data + HDR, size - HDR) < 0)
		return 0;
	in = m;
	memset(&out, 0, offsetof(struct relay_fwd, buf));
	r = relay_request(&fr->ctx, &rx, &m, &out);
	FUZZ_CHECK(r < DROP__COUNT);
	FUZZ_CHECK(drop_reason_name(r) != NULL);
	if (r == DROP_NONE)
		check_relayed(fr, &rx, &in, &out);
	else if (r == DROP_TOO_BIG)
		check_too_big(l, &in, &out);
	return 0;
}
