/* fuzz_exchange.c - the request -> reply path the daemon and --replay
 * share: relay_request() on vlan10, exchange_request(), then a server's
 * reply to that request through exchange_reply().
 *
 * Input layout:
 *   [0]      knobs: option 82 policy and toggles (fuzz_relay_knobs)
 *   [1..2]   n, big-endian: length of the request
 *   [3..]    n bytes: the client's BOOTREQUEST (as received on vlan10)
 *   [3+n..]  the server's BOOTREPLY; its op, hlen, xid, chaddr and giaddr
 *            are overwritten with those of the request as relayed, so the
 *            reply meets its remembered request (a real server echoes
 *            them), and its option 82 is taken from the relayed request
 *            when bit 7 of the knobs byte is clear.
 *
 * Rules: "bios" (arch 0), "uefi" (arch 7/9, next-server, server-name),
 * "http" (arch 16, a URL longer than the file field).
 *
 * Invariants when the reply is delivered: no longer than the client's
 * limit (548, or its option 57 less 28, capped at 1472) or what the server
 * sent; it parses; our circuit-id is gone; when the rule's rewrite went
 * out its fields are set in header and options alike; when it fell back,
 * the boot file and server are the server's own. */
#include "exchange.h"
#include "fuzz_relay_ctx.h"

#include <string.h>

static struct exchange ex;

static void setup(struct fuzz_relay *fr)
{
	static bool ready;

	if (ready)
		return;
	fuzz_rules_init();
	fr->cfg.boots = fuzz_rules;
	fr->cfg.nboots = 3;
	FUZZ_CHECK(exchange_init(&ex, 64, 15000, 7) == 0);
	ready = true;
}

FUZZ_NO_COV static void check_delivered(const struct fuzz_relay *fr, const struct dhcp_msg *in,
					const struct exchange_reply *xr,
					const struct relay_delivery *dv)
{
	static struct dhcp_msg back;
	size_t limit = xr->client_max > 1472 ? 1472 : xr->client_max;
	const uint8_t *agent, *v, *w;
	size_t alen, vlen, wlen;

	if (limit < in->wire_len)
		limit = in->wire_len;
	FUZZ_CHECK(dv->link == &fr->links.v[0] || dv->link == &fr->links.v[2]);
	FUZZ_CHECK((size_t)dv->len <= limit);
	FUZZ_CHECK(dhcp_msg_parse(&back, dv->buf, (size_t)dv->len) == 0);
	FUZZ_CHECK(back.xid == in->xid && back.yiaddr == in->yiaddr);
	agent = dhcp_opt_get(&back, DHO_AGENT_INFO, 0, SIZE_MAX, &alen);
	if (agent)
		FUZZ_CHECK(!fuzz_agent_has_circuit(agent, alen, dv->link->circuit_id,
						   dv->link->circuit_id_len));
	if (xr->rewritten) {
		FUZZ_CHECK(xr->rule && !xr->fallback);
		if (xr->rule->next_server)
			FUZZ_CHECK(back.siaddr == xr->rule->next_server);
		if (back.has_cookie) {
			v = dhcp_opt_get(&back, DHO_BOOTFILE, 0, SIZE_MAX, &vlen);
			FUZZ_CHECK(v && vlen == strlen(xr->rule->filename) &&
				   memcmp(v, xr->rule->filename, vlen) == 0);
		}
	}
	if (xr->fallback) {
		/* The server's own boot fields. */
		FUZZ_CHECK(back.siaddr == in->siaddr);
		v = dhcp_opt_get(&back, DHO_BOOTFILE, 0, SIZE_MAX, &vlen);
		w = dhcp_opt_get(in, DHO_BOOTFILE, 0, SIZE_MAX, &wlen);
		FUZZ_CHECK(!v == !w);
		if (v)
			FUZZ_CHECK(vlen == wlen && memcmp(v, w, vlen) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m, in;
	static struct relay_fwd fwd;
	static struct relay_delivery dv;
	static uint8_t reply[DHCP_MAX_LEN];
	struct fuzz_relay *fr = fuzz_relay_get();
	struct exchange_request xq;
	struct exchange_reply xr;
	struct relay_rx rx = { 2, 0, INADDR_BROADCAST, 1000 };
	size_t n, rlen;
	enum drop_reason r;

	if (size < 3)
		return 0;
	setup(fr);
	exchange_configure(&ex, &fr->cfg, NULL);
	fuzz_relay_knobs(fr, data[0]);
	fr->ctx.upstream_ifindex = 0;
	n = (size_t)data[1] << 8 | data[2];
	if (n > size - 3)
		return 0;
	if (dhcp_msg_parse(&m, data + 3, n) < 0)
		return 0;
	if (relay_request(&fr->ctx, &rx, &m, &fwd) != DROP_NONE || !fwd.first_relay)
		return 0;
	exchange_request(&ex, &m, fwd.link->name, rx.now_ms, &xq);

	/* The server's reply to the relayed request. */
	rlen = size - 3 - n;
	if (rlen < DHCP_HDR_LEN || rlen > sizeof(reply))
		return 0;
	memcpy(reply, data + 3 + n, rlen);
	reply[0] = BOOTREPLY;
	reply[2] = fwd.buf[2];
	memcpy(reply + 4, fwd.buf + 4, 4);          /* xid */
	memcpy(reply + 24, fwd.buf + 24, 4);        /* giaddr */
	memcpy(reply + 28, fwd.buf + 28, 16);       /* chaddr */
	if (!(data[0] & 0x80) && fwd.added_agent_option) {
		/* Echo our option 82: rebuilt with it, when the reply parses. */
		static struct dhcp_msg rm, fm;
		const uint8_t *a;
		size_t alen;
		int b;

		if (dhcp_msg_parse(&rm, reply, rlen) == 0 &&
		    dhcp_msg_parse(&fm, fwd.buf, (size_t)fwd.len) == 0 &&
		    (a = dhcp_opt_get(&fm, DHO_AGENT_INFO, 0, SIZE_MAX, &alen)) &&
		    dhcp_opt_set(&rm, DHO_AGENT_INFO, a, alen) == 0 &&
		    (b = dhcp_msg_build(&rm, DHCP_MAX_LEN, reply, sizeof(reply))) > 0)
			rlen = (size_t)b;
	}
	if (dhcp_msg_parse(&in, reply, rlen) < 0)
		return 0;
	rx = (struct relay_rx){ FUZZ_IFINDEX_UPSTREAM, fuzz_ip("10.0.0.2"), fuzz_ip("10.10.0.1"),
				1001 };
	r = exchange_reply(&ex, &fr->ctx, &rx, reply, rlen, &m, &dv, &xr);
	FUZZ_CHECK(r < DROP__COUNT);
	FUZZ_CHECK(!(xr.rewritten && xr.fallback));
	if (r == DROP_NONE)
		check_delivered(fr, &in, &xr, &dv);
	return 0;
}
