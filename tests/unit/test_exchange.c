/* Unit tests for exchange.c: a request relayed, remembered, and its reply
 * decided with the rule, the client's size limit and the fallback to the
 * server's message; the same path the daemon and --replay take.
 *
 * The world: one client link vlan10 (10.10.0.1, MTU as the test sets it),
 * server 10.0.0.2, a configuration parsed from text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "dhcp_msg.h"
#include "exchange.h"
#include "relay.h"
#include "stats.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IF10 10
#define IF_UP 2
#define LONG_URL "http://boot.example.com/a-rather-long-path/for-http-boot/" \
	"with-several-levels/of-directories/and-a-file-name-that-goes-on/" \
	"and-on-as-some-sites-write-them/x64/boot-efi/ipxe-snponly-x86_64.efi" \
	"?site=remote-7&vlan=10"

static const uint8_t client_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0x01 };

struct world {
	struct config *cfg;
	struct stats st;
	struct exchange ex;
	struct relay_links links;
	struct relay_servers servers;
	struct relay_ctx ctx;
	struct dhcp_msg m, out;
	struct relay_fwd fwd;
	struct relay_delivery dlv;
	uint8_t wire[DHCP_MAX_LEN];
	int64_t now;
	/* What server_reply() hands out (world_new sets the scope's). */
	const char *rfile;
	uint32_t ryiaddr, rsrc;
	const char *ropt60;
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct world *world_new(const char *conf, unsigned mtu)
{
	struct world *w = calloc(1, sizeof(*w));
	struct relay_link *l = calloc(1, sizeof(*l));
	char err[256];

	assert_non_null(w);
	assert_non_null(l);
	w->cfg = config_parse_text("test.conf", conf, strlen(conf), err, sizeof(err));
	if (!w->cfg)
		fail_msg("%s", err);
	assert_int_equal(stats_configure(&w->st, w->cfg), 0);
	assert_int_equal(exchange_init(&w->ex, 64, 15000, 1), 0);
	exchange_configure(&w->ex, w->cfg, &w->st);
	l->ifindex = IF10;
	snprintf(l->name, sizeof(l->name), "vlan10");
	l->up = true;
	l->addrs[0] = ip("10.10.0.1");
	l->prefixlen[0] = 24;
	l->naddrs = 1;
	l->mtu = mtu;
	l->cfg = config_iface(w->cfg, "vlan10");
	assert_true(relay_link_prepare(l, w->cfg, "router1") >= 0);
	assert_int_equal(relay_links_init(&w->links, l, 1), 0);
	w->ctx = (struct relay_ctx){ w->cfg, &w->links, 0, &w->servers, false };
	w->now = 1000;
	w->rfile = "undionly.kpxe";
	w->ryiaddr = ip("10.10.0.100");
	w->rsrc = ip("10.0.0.2");
	return w;
}

static void world_free(struct world *w)
{
	exchange_free(&w->ex);
	relay_links_free(&w->links);
	stats_free(&w->st);
	config_free(w->cfg);
	free(w);
}

/* A client's DISCOVER or REQUEST: option 93 arch, option 57 (0: none). */
static void client_msg(struct world *w, int type, uint16_t arch, uint16_t max57)
{
	uint8_t t = (uint8_t)type, a[2] = { (uint8_t)(arch >> 8), (uint8_t)arch };
	uint8_t mx[2] = { (uint8_t)(max57 >> 8), (uint8_t)max57 };

	dhcp_msg_init(&w->m);
	w->m.op = BOOTREQUEST;
	w->m.htype = 1;
	w->m.hlen = 6;
	w->m.xid = 0xfeed0001;
	w->m.flags = DHCP_FLAG_BROADCAST;
	memcpy(w->m.chaddr, client_mac, 6);
	w->m.has_cookie = true;
	w->m.wire_len = 300;
	assert_int_equal(dhcp_opt_set(&w->m, DHO_MESSAGE_TYPE, &t, 1), 0);
	assert_int_equal(dhcp_opt_set(&w->m, DHO_CLIENT_ARCH, a, 2), 0);
	if (arch == 16)
		assert_int_equal(dhcp_opt_set(&w->m, DHO_VENDOR_CLASS, "HTTPClient:Arch:00016",
					      21), 0);
	if (max57)
		assert_int_equal(dhcp_opt_set(&w->m, DHO_MAX_MESSAGE_SIZE, mx, 2), 0);
}

/* The daemon's request path: relay_request, then exchange_request for a
 * request relayed as first relay. */
static void relay_client(struct world *w, struct exchange_request *xr)
{
	struct relay_rx rx = { IF10, 0, INADDR_BROADCAST, w->now };

	assert_int_equal(relay_request(&w->ctx, &rx, &w->m, &w->fwd), DROP_NONE);
	assert_true(w->fwd.first_relay);
	exchange_request(&w->ex, &w->m, w->fwd.link->name, w->now, xr);
}

/* The server's answer to what was relayed: echoes option 82, giaddr and
 * the broadcast flag, hands out the scope's generic boot file with a
 * 200-byte option 43. Returns its length in wire. */
static size_t server_reply(struct world *w, int type)
{
	struct dhcp_msg r;
	uint8_t t = (uint8_t)type, sid[4] = { 10, 0, 0, 2 };
	const uint8_t *agent;
	size_t alen;
	int n;

	assert_int_equal(dhcp_msg_parse(&r, w->fwd.buf, (size_t)w->fwd.len), 0);
	agent = dhcp_opt_get(&r, DHO_AGENT_INFO, 0, 1024, &alen);
	assert_non_null(agent);
	{
		uint8_t a[1024];

		memcpy(a, agent, alen);
		dhcp_msg_init(&r);
		r.op = BOOTREPLY;
		r.htype = 1;
		r.hlen = 6;
		r.xid = 0xfeed0001;
		r.giaddr = ip("10.10.0.1");
		r.yiaddr = w->ryiaddr;
		r.siaddr = ip("10.0.0.2");
		r.flags = w->m.flags;
		memcpy(r.chaddr, client_mac, 6);
		memcpy(r.file, w->rfile, strlen(w->rfile));
		r.has_cookie = true;
		assert_int_equal(dhcp_opt_set(&r, DHO_MESSAGE_TYPE, &t, 1), 0);
		assert_int_equal(dhcp_opt_set(&r, DHO_SERVER_ID, sid, 4), 0);
		assert_int_equal(dhcp_opt_set(&r, DHO_TFTP_SERVER, "10.0.0.2", 8), 0);
		assert_int_equal(dhcp_opt_set(&r, DHO_BOOTFILE, w->rfile, strlen(w->rfile)), 0);
		if (w->ropt60)
			assert_int_equal(dhcp_opt_set(&r, DHO_VENDOR_CLASS, w->ropt60,
						      strlen(w->ropt60)), 0);
		/* PXE vendor options (a boot menu), as servers send them. */
		{
			uint8_t v43[200];

			memset(v43, 0x2b, sizeof(v43));
			assert_int_equal(dhcp_opt_set(&r, 43, v43, sizeof(v43)), 0);
		}
		assert_int_equal(dhcp_opt_set(&r, DHO_AGENT_INFO, a, alen), 0);
	}
	n = dhcp_msg_build(&r, 1500, w->wire, sizeof(w->wire));
	assert_true(n > 0);
	return (size_t)n;
}

static enum drop_reason reply_in(struct world *w, size_t len, struct exchange_reply *xr)
{
	struct relay_rx rx = { IF_UP, w->rsrc, ip("10.10.0.1"), w->now };

	return exchange_reply(&w->ex, &w->ctx, &rx, w->wire, len, &w->m, &w->dlv, xr);
}

static void parse_out(struct world *w)
{
	assert_true(w->dlv.len > 0);
	assert_int_equal(dhcp_msg_parse(&w->out, w->dlv.buf, (size_t)w->dlv.len), 0);
}

static const char *const conf_rules =
	"servers = {\"10.0.0.2\"}\n"
	"interface \"vlan10\" {}\n"
	"boot \"uefi-x64\" {\n  arch = {7, 9}\n  filename = \"ipxe.efi\"\n"
	"  next-server = \"10.0.0.5\"\n}\n"
	"boot \"http\" {\n  arch = {16}\n  filename = \"" LONG_URL "\"\n}\n";

/* RFC 2131 2: every client takes a 576-octet IP datagram, 548 octets of
 * DHCP; option 57 is read as the IP datagram size, 28 octets more than
 * the message. */
static void test_rfc2131_client_limit_is_548_or_option57_less_28(void **state)
{
	(void)state;
	assert_int_equal(exchange_client_max(0), 548);
	assert_int_equal(exchange_client_max(575), 548);
	assert_int_equal(exchange_client_max(576), 548);
	assert_int_equal(exchange_client_max(1500), 1472);
	assert_int_equal(exchange_client_max(65280), 65252);
}

/* Frame in, datagram to the server (giaddr, hops, option 82), reply in,
 * message to the client: option 82 gone, the rule's rewrite in header and
 * options alike, delivered to chaddr by broadcast (the flag was set). */
static void test_request_and_reply_through_the_exchange(void **state)
{
	struct world *w = world_new(conf_rules, 1500);
	struct exchange_request xr;
	struct exchange_reply rr;
	struct dhcp_msg fwd;
	size_t n;

	(void)state;
	client_msg(w, DHCPDISCOVER, 7, 0);
	relay_client(w, &xr);
	assert_non_null(xr.rule);
	assert_string_equal(xr.rule->name, "uefi-x64");
	assert_int_equal(dhcp_msg_parse(&fwd, w->fwd.buf, (size_t)w->fwd.len), 0);
	assert_int_equal(fwd.giaddr, ip("10.10.0.1"));
	assert_int_equal(fwd.hops, 1);
	assert_true(dhcp_opt_has(&fwd, DHO_AGENT_INFO));
	n = server_reply(w, DHCPOFFER);
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.known);
	assert_true(rr.rewritten);
	assert_false(rr.fallback);
	parse_out(w);
	assert_false(dhcp_opt_has(&w->out, DHO_AGENT_INFO));
	assert_int_equal(w->out.siaddr, ip("10.0.0.5"));
	assert_string_equal((const char *)w->out.file, "ipxe.efi");
	assert_true((size_t)w->dlv.len <= 548);
	assert_int_equal(w->dlv.mode, DELIVER_BROADCAST);
	assert_int_equal(w->st.rules[0].matched, 1);
	assert_int_equal(w->st.rules[0].rewritten, 1);
	world_free(w);
}

/* A rewrite that does not fit a client without option 57 (548): the
 * server's message goes out with only our option 82 removed, within the
 * limit; counted; a relay never loses a valid reply. */
static void test_rewrite_too_big_falls_back_to_the_servers_message(void **state)
{
	struct world *w = world_new(conf_rules, 1500);
	struct exchange_request xr;
	struct exchange_reply rr;
	size_t n, len;
	const uint8_t *v;

	(void)state;
	client_msg(w, DHCPDISCOVER, 16, 0);
	relay_client(w, &xr);
	assert_string_equal(xr.rule->name, "http");
	n = server_reply(w, DHCPOFFER);
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.fallback);
	assert_false(rr.rewritten);
	assert_int_equal(rr.client_max, 548);
	assert_true((size_t)w->dlv.len <= 548);
	parse_out(w);
	assert_false(dhcp_opt_has(&w->out, DHO_AGENT_INFO));
	v = dhcp_opt_get(&w->out, DHO_BOOTFILE, 1, 255, &len);
	assert_non_null(v);
	assert_memory_equal(v, "undionly.kpxe", len);
	assert_int_equal(w->st.rewrite_too_big, 1);
	/* With option 57 = 1500 the same rewrite fits. */
	client_msg(w, DHCPDISCOVER, 16, 1500);
	w->m.xid = 0xfeed0001;
	relay_client(w, &xr);
	n = server_reply(w, DHCPOFFER);
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.rewritten);
	assert_int_equal(rr.client_max, 1472);
	parse_out(w);
	v = dhcp_opt_get(&w->out, DHO_BOOTFILE, 1, 255, &len);
	assert_non_null(v);
	assert_memory_equal(v, LONG_URL, len);
	world_free(w);
}

/* EDK2 asks for 65280 in its REQUEST: the reply is still held to one
 * frame on the client's link (MTU less 28). */
static void test_client_limit_capped_at_the_link_mtu(void **state)
{
	struct world *w = world_new(conf_rules, 576);
	struct exchange_request xr;
	struct exchange_reply rr;
	size_t n;

	(void)state;
	client_msg(w, DHCPREQUEST, 16, 65280);
	relay_client(w, &xr);
	n = server_reply(w, DHCPACK);
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.fallback);
	assert_true((size_t)w->dlv.len <= 548);
	world_free(w);
}

/* A rule index remembered under one configuration is not applied after a
 * reload: the reply goes out as the server sent it. */
static void test_reload_forgets_rules_of_the_old_configuration(void **state)
{
	struct world *w = world_new(conf_rules, 1500);
	struct exchange_request xr;
	struct exchange_reply rr;
	size_t n;

	(void)state;
	client_msg(w, DHCPDISCOVER, 7, 0);
	relay_client(w, &xr);
	exchange_configure(&w->ex, w->cfg, &w->st);
	n = server_reply(w, DHCPOFFER);
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.known);
	assert_null(rr.rule);
	parse_out(w);
	assert_int_equal(w->out.siaddr, ip("10.0.0.2"));
	world_free(w);
}

/* The ACK ends the exchange; an OFFER does not. */
static void test_ack_ends_the_exchange(void **state)
{
	struct world *w = world_new(conf_rules, 1500);
	struct exchange_request xr;
	struct exchange_reply rr;
	size_t n;

	(void)state;
	client_msg(w, DHCPREQUEST, 7, 0);
	relay_client(w, &xr);
	n = server_reply(w, DHCPOFFER);
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.rewritten);
	n = server_reply(w, DHCPACK);
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.rewritten);
	/* A second server's ACK still finds it, for XID_DONE_MS. */
	w->now += XID_DONE_MS - 1;
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.known);
	w->now += 2;
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_false(rr.known);
	assert_int_equal(w->st.xid_misses, 1);
	world_free(w);
}

/* Unparsable bytes from upstream: DROP_MALFORMED, nothing remembered is
 * touched. */
static void test_malformed_reply_dropped(void **state)
{
	struct world *w = world_new(conf_rules, 1500);
	struct exchange_reply rr;

	(void)state;
	memset(w->wire, 0, 100);
	assert_int_equal(reply_in(w, 100, &rr), DROP_MALFORMED);
	world_free(w);
}

/* ---- rules that do no harm: conditions on the reply, pass, ProxyDHCP ---- */

/* Run one DISCOVER (arch, no option 57) and the server's OFFER through. */
static enum drop_reason offer_for(struct world *w, uint16_t arch, struct exchange_reply *rr)
{
	struct exchange_request xr;

	client_msg(w, DHCPDISCOVER, arch, 0);
	relay_client(w, &xr);
	return reply_in(w, server_reply(w, DHCPOFFER), rr);
}

static const char *const conf_generic =
	"servers = {\"10.0.0.2\", \"10.0.0.3\"}\n"
	"interface \"vlan10\" {}\n"
	"boot \"uefi-generic\" {\n  arch = {7}\n  offered-filename = \"undionly.kpxe\"\n"
	"  filename = \"ipxe.efi\"\n}\n";

/* A reservation with its own boot file: the rule conditioned on the
 * scope's generic file leaves it alone; the generic offer is rewritten. */
static void test_offered_filename_condition_leaves_a_reservations_file_alone(void **state)
{
	struct world *w = world_new(conf_generic, 1500);
	struct exchange_reply rr;

	(void)state;
	w->rfile = "reserved/host42.efi";
	assert_int_equal(offer_for(w, 7, &rr), DROP_NONE);
	assert_null(rr.rule);
	assert_false(rr.rewritten);
	parse_out(w);
	assert_string_equal((const char *)w->out.file, "reserved/host42.efi");
	w->rfile = "undionly.kpxe";
	w->m.xid++;
	assert_int_equal(offer_for(w, 7, &rr), DROP_NONE);
	assert_true(rr.rewritten);
	parse_out(w);
	assert_string_equal((const char *)w->out.file, "ipxe.efi");
	world_free(w);
}

/* First match wins among the rules matching the client and the reply: a
 * rule whose reply condition fails hands over to the next one. */
static void test_rule_whose_reply_condition_fails_hands_over_to_the_next_match(void **state)
{
	struct world *w = world_new(
		"servers = {\"10.0.0.2\"}\ninterface \"vlan10\" {}\n"
		"boot \"generic\" {\n  arch = {7}\n  offered-filename = \"undionly.kpxe\"\n"
		"  filename = \"ipxe.efi\"\n}\n"
		"boot \"arm\" {\n  arch = {11}\n  filename = \"arm.efi\"\n}\n"
		"boot \"any-uefi\" {\n  arch = {7}\n  filename = \"fallback.efi\"\n}\n", 1500);
	struct exchange_reply rr;

	(void)state;
	w->rfile = "reserved.efi";
	assert_int_equal(offer_for(w, 7, &rr), DROP_NONE);
	assert_non_null(rr.rule);
	assert_string_equal(rr.rule->name, "any-uefi");
	parse_out(w);
	assert_string_equal((const char *)w->out.file, "fallback.efi");
	world_free(w);
}

static void test_from_server_condition_names_the_server_that_answered(void **state)
{
	struct world *w = world_new(
		"servers = {\"10.0.0.2\", \"10.0.0.3\"}\ninterface \"vlan10\" {}\n"
		"boot \"b\" {\n  arch = {7}\n  from-server = {\"10.0.0.3\"}\n"
		"  filename = \"ipxe.efi\"\n}\n", 1500);
	struct exchange_reply rr;

	(void)state;
	assert_int_equal(offer_for(w, 7, &rr), DROP_NONE);
	assert_null(rr.rule);
	w->rsrc = ip("10.0.0.3");
	w->m.xid++;
	assert_int_equal(offer_for(w, 7, &rr), DROP_NONE);
	assert_true(rr.rewritten);
	world_free(w);
}

/* offered-next-server: option 66 or siaddr, whichever the glob names. */
static void test_offered_next_server_matches_option66_or_siaddr(void **state)
{
	struct world *w = world_new(
		"servers = {\"10.0.0.2\"}\ninterface \"vlan10\" {}\n"
		"boot \"b\" {\n  arch = {7}\n  offered-next-server = \"10.0.0.?\"\n"
		"  filename = \"ipxe.efi\"\n}\n"
		"boot \"c\" {\n  arch = {7}\n  offered-next-server = \"192.0.2.*\"\n"
		"  filename = \"never.efi\"\n}\n", 1500);
	struct exchange_reply rr;

	(void)state;
	assert_int_equal(offer_for(w, 7, &rr), DROP_NONE);
	assert_string_equal(rr.rule->name, "b");
	world_free(w);
}

/* A network switch in zero-touch provisioning: option 60 with PID:, no
 * option 93. The pass rule before the generic one (which would read arch
 * 9 from option 60) lets the server's answer through byte for byte, less
 * option 82. */
static void test_pass_rule_first_match_wins_nothing_rewritten(void **state)
{
	static const char vc[] = "PXEClient:Arch:00009:UNDI:003010:PID:NCS-5508";
	struct world *w = world_new(
		"servers = {\"10.0.0.2\"}\ninterface \"vlan10\" {}\n"
		"boot \"ztp\" {\n  vendor-class = \"PXEClient:*:PID:*\"\n}\n"
		"boot \"uefi\" {\n  arch = {7, 9}\n  filename = \"ipxe.efi\"\n}\n", 1500);
	struct exchange_request xr;
	struct exchange_reply rr;
	struct dhcp_msg server;
	size_t n;

	(void)state;
	client_msg(w, DHCPDISCOVER, 9, 0);
	dhcp_opt_del(&w->m, DHO_CLIENT_ARCH);
	assert_int_equal(dhcp_opt_set(&w->m, DHO_VENDOR_CLASS, vc, strlen(vc)), 0);
	relay_client(w, &xr);
	assert_string_equal(xr.rule->name, "ztp");
	w->rfile = "http://10.0.0.9/ztp/ncs5508.py";
	n = server_reply(w, DHCPOFFER);
	assert_int_equal(dhcp_msg_parse(&server, w->wire, n), 0);
	assert_int_equal(reply_in(w, n, &rr), DROP_NONE);
	assert_true(rr.pass);
	assert_false(rr.rewritten);
	parse_out(w);
	assert_string_equal((const char *)w->out.file, "http://10.0.0.9/ztp/ncs5508.py");
	dhcp_opt_del(&server, DHO_AGENT_INFO);
	{
		uint8_t want[DHCP_MAX_LEN];
		int len = dhcp_msg_build(&server, 1500, want, sizeof(want));

		assert_int_equal(len, w->dlv.len);
		assert_memory_equal(want, w->dlv.buf, (size_t)len);
	}
	assert_int_equal(w->st.rules[0].passed, 1);
	assert_int_equal(w->st.rules[1].rewritten, 0);
	world_free(w);
}

/* A ProxyDHCP offer (no address, option 60 PXEClient) is not a lease: the
 * rule the client matched leaves it alone unless it says proxy-offers. */
static void test_proxydhcp_offer_relayed_unchanged_unless_the_rule_opts_in(void **state)
{
	struct world *w = world_new(conf_rules, 1500);
	struct world *v = world_new(
		"servers = {\"10.0.0.2\"}\ninterface \"vlan10\" {}\n"
		"boot \"uefi\" {\n  arch = {7}\n  proxy-offers = true\n"
		"  filename = \"ipxe.efi\"\n}\n", 1500);
	struct exchange_reply rr;

	(void)state;
	w->ryiaddr = v->ryiaddr = 0;
	w->ropt60 = v->ropt60 = "PXEClient";
	assert_int_equal(offer_for(w, 7, &rr), DROP_NONE);
	assert_true(rr.proxy_offer);
	assert_true(rr.proxy_left);
	assert_false(rr.rewritten);
	parse_out(w);
	assert_string_equal((const char *)w->out.file, "undionly.kpxe");
	assert_int_equal(w->st.proxy_offers, 1);
	assert_int_equal(offer_for(v, 7, &rr), DROP_NONE);
	assert_true(rr.proxy_offer);
	assert_false(rr.proxy_left);
	assert_true(rr.rewritten);
	world_free(w);
	world_free(v);
}

/* Raspberry Pi 4/5 EEPROM netboot: option 43 "Raspberry Pi Boot" and
 * option 60 "PXEClient" added; a stray option 43 menu replaced. */
static void test_set_option_and_remove_option_go_out_to_the_client(void **state)
{
	struct world *w = world_new(
		"servers = {\"10.0.0.2\"}\ninterface \"vlan10\" {}\n"
		"boot \"rpi\" {\n  mac = \"52:54:00:ab:*\"\n"
		"  remove-option = {66}\n"
		"  set-option = {\"43 text Raspberry Pi Boot\", \"60 text PXEClient\","
		" \"150 ip 10.0.0.5,10.0.0.6\", \"209 text pxelinux.cfg/default\"}\n}\n", 1500);
	struct exchange_reply rr;
	const uint8_t *v;
	size_t len;

	(void)state;
	assert_int_equal(offer_for(w, 0, &rr), DROP_NONE);
	assert_true(rr.rewritten);
	assert_int_equal(w->dlv.rewrite.options_edited, 5);
	parse_out(w);
	v = dhcp_opt_get(&w->out, 43, 1, 255, &len);
	assert_non_null(v);
	assert_int_equal(len, 17);
	assert_memory_equal(v, "Raspberry Pi Boot", 17);
	v = dhcp_opt_get(&w->out, DHO_VENDOR_CLASS, 1, 255, &len);
	assert_non_null(v);
	assert_memory_equal(v, "PXEClient", 9);
	v = dhcp_opt_get(&w->out, 150, 8, 8, &len);
	assert_non_null(v);
	assert_memory_equal(v, "\x0a\x00\x00\x05\x0a\x00\x00\x06", 8);
	assert_false(dhcp_opt_has(&w->out, DHO_TFTP_SERVER));
	assert_false(dhcp_opt_has(&w->out, DHO_AGENT_INFO));
	world_free(w);
}

/* Option edits get the care 66/67 get: when they do not fit the client's
 * 548 bytes the server's message goes out, less option 82. */
static void test_option_edits_that_do_not_fit_fall_back_to_the_servers_message(void **state)
{
	char conf[2048], hex[3 * 200];
	struct world *w;
	struct exchange_reply rr;

	(void)state;
	for (int i = 0; i < 200; i++)
		snprintf(hex + 3 * i, 4, "%02x%s", i, i < 199 ? ":" : "");
	snprintf(conf, sizeof(conf),
		 "servers = {\"10.0.0.2\"}\ninterface \"vlan10\" {}\n"
		 "boot \"big\" {\n  arch = {7}\n  set-option = {\"224 hex %s\"}\n}\n", hex);
	w = world_new(conf, 1500);
	assert_int_equal(offer_for(w, 7, &rr), DROP_NONE);
	assert_true(rr.fallback);
	assert_false(rr.rewritten);
	assert_true((size_t)w->dlv.len <= 548);
	parse_out(w);
	assert_false(dhcp_opt_has(&w->out, 224));
	assert_int_equal(w->st.rewrite_too_big, 1);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2131_client_limit_is_548_or_option57_less_28),
		cmocka_unit_test(test_offered_filename_condition_leaves_a_reservations_file_alone),
		cmocka_unit_test(test_rule_whose_reply_condition_fails_hands_over_to_the_next_match),
		cmocka_unit_test(test_from_server_condition_names_the_server_that_answered),
		cmocka_unit_test(test_offered_next_server_matches_option66_or_siaddr),
		cmocka_unit_test(test_pass_rule_first_match_wins_nothing_rewritten),
		cmocka_unit_test(test_proxydhcp_offer_relayed_unchanged_unless_the_rule_opts_in),
		cmocka_unit_test(test_set_option_and_remove_option_go_out_to_the_client),
		cmocka_unit_test(test_option_edits_that_do_not_fit_fall_back_to_the_servers_message),
		cmocka_unit_test(test_request_and_reply_through_the_exchange),
		cmocka_unit_test(test_rewrite_too_big_falls_back_to_the_servers_message),
		cmocka_unit_test(test_client_limit_capped_at_the_link_mtu),
		cmocka_unit_test(test_reload_forgets_rules_of_the_old_configuration),
		cmocka_unit_test(test_ack_ends_the_exchange),
		cmocka_unit_test(test_malformed_reply_dropped),
	};

	return cmocka_run_group_tests_name("exchange", tests, NULL, NULL);
}
