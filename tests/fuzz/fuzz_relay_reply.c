/* fuzz_relay_reply.c - relay_reply(): a BOOTREPLY from the server side.
 *
 * Input layout:
 *   [0] source:   % 5 -> 10.0.0.2, 10.0.0.3 (global servers), 10.0.0.9
 *                 (vlan20's own server), 10.0.0.66 (no server), 10.10.0.1
 *                 (our own address on vlan10)
 *   [1] ifindex:  % 3 -> 1 upstream, 2 vlan10 (a downstream link), 42 unknown
 *   [2] knobs:    option 82 policy and toggles (fuzz_relay_knobs)
 *   [3] bit 0:    replies only from the upstream link (upstream_ifindex 1)
 *       bits 1-2: boot rule the request matched: none, "bios" (next-server
 *                 10.0.0.5, file undionly.kpxe), "uefi" (next-server,
 *                 ipxe.efi, server-name), "http" (a URL longer than the
 *                 file field, with http_class)
 *   [4..]         the DHCP message
 *
 * client_max is 576 (a client that sent no option 57). When the reply is
 * delivered (DROP_NONE): it came from a server of the chosen link, on the
 * upstream side; it is no longer than max(576, what the server sent); it
 * parses; the link matches giaddr; option 82 no longer carries the chosen
 * link's circuit-id (RFC 3046 §2.2); and the delivery follows RFC 2131
 * §4.1 (NAK broadcast, ciaddr unicast, broadcast bit, else chaddr/yiaddr).
 * A boot rule, when it rewrote the reply, left siaddr and option 66, file
 * and option 67 in agreement (firmware reads one or the other). */
#include "fuzz_relay_ctx.h"
#include "opt82.h"

#include <errno.h>

#define HDR 4
#define CLIENT_MAX DHCP_DEFAULT_MAX

static const char *const source_choice[5] = {
	"10.0.0.2", "10.0.0.3", "10.0.0.9", "10.0.0.66", "10.10.0.1",
};
static const int ifindex_choice[3] = { FUZZ_IFINDEX_UPSTREAM, 2, 42 };

/* The rule's settings are in the header and in the options alike. */
FUZZ_NO_COV static void check_rewrite(const struct cfg_boot *rule, const struct dhcp_msg *back,
			  const struct relay_delivery *out)
{
	const uint8_t *v;
	size_t len = 0, flen = strlen(rule->filename);

	if (!out->rewrite.changed)
		return;
	if (rule->next_server) {
		char txt[INET_ADDRSTRLEN];

		FUZZ_CHECK(back->siaddr == rule->next_server);
		inet_ntop(AF_INET, &rule->next_server, txt, sizeof(txt));
		if (back->has_cookie) {
			v = dhcp_opt_get(back, DHO_TFTP_SERVER, 0, 255, &len);
			FUZZ_CHECK(v && len == strlen(txt) && memcmp(v, txt, len) == 0);
		}
	}
	if (flen) {
		if (flen < DHCP_FILE_LEN)
			FUZZ_CHECK(strncmp((const char *)back->file, rule->filename,
					   DHCP_FILE_LEN) == 0);
		if (back->has_cookie) {
			v = dhcp_opt_get(back, DHO_BOOTFILE, 0, SIZE_MAX, &len);
			FUZZ_CHECK(v && len == flen && memcmp(v, rule->filename, len) == 0);
		}
	}
	if (rule->server_name[0])
		FUZZ_CHECK(strncmp((const char *)back->sname, rule->server_name,
				   DHCP_SNAME_LEN) == 0);
}

FUZZ_NO_COV static void check_delivered(const struct fuzz_relay *fr, const struct relay_rx *rx,
			    const struct dhcp_msg *in, const struct cfg_boot *rule,
			    const struct relay_delivery *out)
{
	static struct dhcp_msg back;
	const struct relay_link *l = out->link;
	const struct server_list *servers;
	size_t limit = in->wire_len > CLIENT_MAX ? in->wire_len : CLIENT_MAX;
	const uint8_t *agent;
	size_t agent_len = 0;
	bool from_server = false;
	int type;

	/* Who may answer, and on which side. */
	FUZZ_CHECK(in->op == BOOTREPLY);
	FUZZ_CHECK(l != NULL);
	FUZZ_CHECK(l >= fr->links.v && l < fr->links.v + fr->links.n);
	FUZZ_CHECK(l->giaddr == in->giaddr);
	servers = config_servers(&fr->cfg, l->cfg);
	for (size_t k = 0; k < servers->n; k++)
		from_server |= servers->addr[k] == rx->ip_src;
	FUZZ_CHECK(from_server);
	FUZZ_CHECK(relay_links_by_ifindex(&fr->links, rx->ifindex) == NULL);
	if (fr->ctx.upstream_ifindex)
		FUZZ_CHECK(rx->ifindex == fr->ctx.upstream_ifindex);

	/* The message. */
	FUZZ_CHECK(out->len >= DHCP_HDR_LEN && (size_t)out->len <= sizeof(out->buf));
	FUZZ_CHECK((size_t)out->len <= limit);
	FUZZ_CHECK(dhcp_msg_parse(&back, out->buf, (size_t)out->len) == 0);
	FUZZ_CHECK(back.op == BOOTREPLY && back.xid == in->xid);
	FUZZ_CHECK(back.yiaddr == in->yiaddr && back.ciaddr == in->ciaddr);
	FUZZ_CHECK(back.giaddr == in->giaddr);
	FUZZ_CHECK(memcmp(back.chaddr, in->chaddr, DHCP_CHADDR_LEN) == 0);
	FUZZ_CHECK(fuzz_options_field_ok(out->buf, (size_t)out->len));
	FUZZ_CHECK(dhcp_msg_type(&back) == dhcp_msg_type(in));

	/* RFC 3046 §2.2: what we added does not reach the client. */
	agent = dhcp_opt_get(&back, DHO_AGENT_INFO, 0, SIZE_MAX, &agent_len);
	if (agent)
		FUZZ_CHECK(!fuzz_agent_has_circuit(agent, agent_len, l->circuit_id,
						   l->circuit_id_len));

	/* RFC 2131 §4.1 delivery. */
	type = dhcp_msg_type(in);
	if (type == DHCPNAK || in->hlen == 0) {
		/* RFC 4390: no chaddr to send to: broadcast. */
		FUZZ_CHECK(out->mode == DELIVER_BROADCAST);
	} else if (in->ciaddr) {
		FUZZ_CHECK(out->mode == DELIVER_CIADDR && out->dst_ip == in->ciaddr);
	} else if (in->flags & DHCP_FLAG_BROADCAST) {
		FUZZ_CHECK(out->mode == DELIVER_BROADCAST);
	}
	if (out->mode == DELIVER_BROADCAST) {
		FUZZ_CHECK(out->dst_ip == INADDR_BROADCAST);
		FUZZ_CHECK(memcmp(out->dst_mac, "\xff\xff\xff\xff\xff\xff", 6) == 0);
	} else if (out->mode == DELIVER_YIADDR) {
		FUZZ_CHECK(in->yiaddr != 0 && out->dst_ip == in->yiaddr);
		FUZZ_CHECK(in->htype == 1 && in->hlen == 6);
		FUZZ_CHECK(memcmp(out->dst_mac, in->chaddr, 6) == 0);
	}

	if (rule)
		check_rewrite(rule, &back, out);
	else
		FUZZ_CHECK(!out->rewrite.changed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m, in;
	static struct relay_delivery out;
	struct fuzz_relay *fr = fuzz_relay_get();
	const struct cfg_boot *rule;
	struct relay_rx rx;
	enum drop_reason r;

	if (size < HDR)
		return 0;
	fuzz_rules_init();
	rule = (data[3] >> 1) & 3 ? &fuzz_rules[((data[3] >> 1) & 3) - 1] : NULL;
	fuzz_relay_knobs(fr, data[2]);
	fr->ctx.upstream_ifindex = data[3] & 1 ? FUZZ_IFINDEX_UPSTREAM : 0;
	rx.ip_src = fuzz_ip(source_choice[data[0] % 5]);
	rx.ifindex = ifindex_choice[data[1] % 3];
	rx.ip_dst = fuzz_ip("10.0.0.1");
	rx.now_ms = 1000;

	if (dhcp_msg_parse(&m, data + HDR, size - HDR) < 0)
		return 0;
	in = m;
	memset(&out, 0, offsetof(struct relay_delivery, buf));
	r = relay_reply(&fr->ctx, &rx, &m, CLIENT_MAX, rule, rule == &fuzz_rules[2], &out);
	FUZZ_CHECK(r < DROP__COUNT);
	FUZZ_CHECK(drop_reason_name(r) != NULL);
	if (r == DROP_NONE)
		check_delivered(fr, &rx, &in, rule, &out);
	return 0;
}
