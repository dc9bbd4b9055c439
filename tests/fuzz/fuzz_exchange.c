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
 * Rules: "ztp" (a pass on option 60 with PID:), "generic" (arch 7/9, only
 * where the server offered undionly.kpxe; removes option 60, sets option
 * 43), then the shared "bios" (arch 0), "uefi" (arch 7/9, next-server,
 * server-name), "http" (arch 16, a URL longer than the file field), and
 * "proxy" (no match keys, edits ProxyDHCP offers too, sets option 150).
 *
 * Invariants when the reply is delivered: no longer than the client's
 * limit (548, or its option 57 less 28, capped at 1472) or what the server
 * sent; it parses; our circuit-id is gone; when the rule's rewrite went
 * out its fields are set in header and options alike, its set-option
 * values are there and its removed options gone; when it fell back or the
 * rule is a pass, the boot file and server are the server's own; a
 * ProxyDHCP offer is only edited by a rule that opts in. */
#include "config_keys.h"
#include "exchange.h"
#include "fuzz_relay_ctx.h"

#include <string.h>

static struct exchange ex;
static struct cfg_boot rules[6];

static void setup(struct fuzz_relay *fr)
{
	static bool ready;
	char why[200];

	if (ready)
		return;
	fuzz_rules_init();
	snprintf(rules[0].name, sizeof(rules[0].name), "ztp");
	snprintf(rules[0].vendor_class, sizeof(rules[0].vendor_class), "PXEClient:*:PID:*");
	snprintf(rules[1].name, sizeof(rules[1].name), "generic");
	rules[1].arch[0] = 7;
	rules[1].arch[1] = 9;
	rules[1].narch = 2;
	snprintf(rules[1].offered_filename, sizeof(rules[1].offered_filename), "undionly.kpxe");
	snprintf(rules[1].filename, sizeof(rules[1].filename), "snponly.efi");
	rules[1].remove_opts[0] = DHO_VENDOR_CLASS;
	rules[1].nremove_opts = 1;
	FUZZ_CHECK(cfg_parse_set_option("43 text Raspberry Pi Boot", &rules[1].set_opts[0], why,
					sizeof(why)) == 0);
	rules[1].nset_opts = 1;
	memcpy(&rules[2], fuzz_rules, sizeof(fuzz_rules));
	snprintf(rules[5].name, sizeof(rules[5].name), "proxy");
	rules[5].proxy_offers = true;
	FUZZ_CHECK(cfg_parse_set_option("150 ip 10.0.0.5,10.0.0.6", &rules[5].set_opts[0], why,
					sizeof(why)) == 0);
	rules[5].nset_opts = 1;
	fr->cfg.boots = rules;
	fr->cfg.nboots = 6;
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
	if (xr->proxy_offer && xr->rule)
		FUZZ_CHECK(xr->rule->proxy_offers);
	if (xr->rewritten) {
		FUZZ_CHECK(xr->rule && !xr->fallback && !xr->pass);
		if (xr->rule->next_server)
			FUZZ_CHECK(back.siaddr == xr->rule->next_server);
		if (back.has_cookie && xr->rule->filename[0]) {
			v = dhcp_opt_get(&back, DHO_BOOTFILE, 0, SIZE_MAX, &vlen);
			FUZZ_CHECK(v && vlen == strlen(xr->rule->filename) &&
				   memcmp(v, xr->rule->filename, vlen) == 0);
		}
		for (size_t i = 0; back.has_cookie && i < xr->rule->nset_opts; i++) {
			const struct cfg_set_option *o = &xr->rule->set_opts[i];

			v = dhcp_opt_get(&back, o->code, 0, SIZE_MAX, &vlen);
			FUZZ_CHECK(v && vlen == o->len && memcmp(v, o->value, vlen) == 0);
		}
		for (size_t i = 0; back.has_cookie && i < xr->rule->nremove_opts; i++)
			FUZZ_CHECK(!dhcp_opt_has(&back, xr->rule->remove_opts[i]));
	}
	if (xr->fallback || xr->pass || (xr->proxy_offer && !xr->rule)) {
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
