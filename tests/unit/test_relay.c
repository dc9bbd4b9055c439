/* Unit tests for relay.c: one test per RFC rule, named after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "opt82.h"
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IF10 10
#define IF20 20
#define IF30 30
#define IF40 40
#define IF_UP 2

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

struct fixture {
	struct config cfg;
	struct cfg_iface ifaces[4];
	struct relay_links links;
	struct relay_servers servers;
	struct relay_ctx ctx;
	struct dhcp_msg m;
	struct relay_fwd fwd;
	struct relay_delivery dlv;
};

static const uint8_t client_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void add_link(struct relay_link *v, size_t *n, const struct fixture *f, int ifindex,
		     const char *name, const char *addr, unsigned cfg_idx)
{
	struct relay_link *l = &v[(*n)++];

	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	memcpy(l->mac, "\x02\x00\x00\x00\x00", 5);
	l->mac[5] = (uint8_t)ifindex;
	l->up = true;
	if (addr) {
		l->addrs[0] = ip(addr);
		l->prefixlen[0] = 24;
		l->naddrs = 1;
	}
	l->cfg = &f->ifaces[cfg_idx];
	l->cfg_idx = cfg_idx;
	assert_true(relay_link_prepare(l, &f->cfg, "router1") >= 0);
}

/* vlan10: circuit-id "site1-vlan10"; vlan20: trusted; vlan30: own server
 * 10.0.0.9; vlan40: no address yet. Global servers 10.0.0.2, 10.0.0.3. */
static void links_setup(struct fixture *f)
{
	struct relay_link *v = calloc(4, sizeof(*v));
	size_t n = 0;

	assert_non_null(v);
	add_link(v, &n, f, IF10, "vlan10", "10.10.0.1", 0);
	add_link(v, &n, f, IF20, "vlan20", "10.20.0.1", 1);
	add_link(v, &n, f, IF30, "vlan30", "10.30.0.1", 2);
	add_link(v, &n, f, IF40, "vlan40", NULL, 3);
	assert_int_equal(relay_links_init(&f->links, v, n), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	config_defaults(&f->cfg);
	f->cfg.servers.addr[0] = ip("10.0.0.2");
	f->cfg.servers.addr[1] = ip("10.0.0.3");
	f->cfg.servers.n = 2;
	snprintf(f->ifaces[0].name, IFNAMSIZ, "vlan10");
	snprintf(f->ifaces[0].circuit_id, sizeof(f->ifaces[0].circuit_id), "site1-vlan10");
	snprintf(f->ifaces[1].name, IFNAMSIZ, "vlan20");
	f->ifaces[1].trusted = true;
	snprintf(f->ifaces[2].name, IFNAMSIZ, "vlan30");
	f->ifaces[2].servers.addr[0] = ip("10.0.0.9");
	f->ifaces[2].servers.n = 1;
	snprintf(f->ifaces[3].name, IFNAMSIZ, "vlan40");
	f->cfg.ifaces = f->ifaces;
	f->cfg.nifaces = 4;
	links_setup(f);
	f->ctx = (struct relay_ctx){ &f->cfg, &f->links, 0, &f->servers, false };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	relay_links_free(&f->links);
	free(f);
	return 0;
}

/* Rebuild links after changing the config (circuit-id formats). */
static void relink(struct fixture *f)
{
	relay_links_free(&f->links);
	links_setup(f);
}

static void make_msg(struct dhcp_msg *m, uint8_t op, int type)
{
	uint8_t t = (uint8_t)type;

	dhcp_msg_init(m);
	m->op = op;
	m->htype = 1;
	m->hlen = 6;
	m->xid = 0x11223344;
	memcpy(m->chaddr, client_mac, 6);
	m->has_cookie = true;
	m->wire_len = 300;
	assert_int_equal(dhcp_opt_set(m, DHO_MESSAGE_TYPE, &t, 1), 0);
}

static struct relay_rx rx_bcast(int ifindex)
{
	return (struct relay_rx){ ifindex, 0, INADDR_BROADCAST, 1000 };
}

static enum drop_reason request(struct fixture *f, int ifindex)
{
	struct relay_rx rx = rx_bcast(ifindex);

	return relay_request(&f->ctx, &rx, &f->m, &f->fwd);
}

/* The relayed bytes, parsed back. */
static void parse_fwd(struct fixture *f, struct dhcp_msg *out)
{
	assert_true(f->fwd.len > 0);
	assert_int_equal(dhcp_msg_parse(out, f->fwd.buf, (size_t)f->fwd.len), 0);
}

static void get_sub(const struct dhcp_msg *m, uint8_t code, const uint8_t **v, size_t *len)
{
	size_t alen;
	const uint8_t *a = dhcp_opt_get(m, DHO_AGENT_INFO, 2, 1024, &alen);

	assert_non_null(a);
	assert_int_equal(opt82_find(a, alen, code, v, len), 0);
}

/* ---- RFC 1542 §4.1.1 / RFC 2131 §4.1: giaddr and hops ---- */

static void test_rfc1542_giaddr_zero_gets_link_address_and_hops_counted(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF10), DROP_NONE);
	parse_fwd(f, &out);
	assert_int_equal(out.giaddr, ip("10.10.0.1"));
	assert_int_equal(out.hops, 1);
	assert_int_equal(f->fwd.nservers, 2);
	assert_int_equal(f->fwd.servers[0], ip("10.0.0.2"));
	assert_int_equal(f->fwd.servers[1], ip("10.0.0.3"));
	assert_int_equal(f->fwd.len, 300);   /* option 82 fits in the padding */
}

static void test_rfc1542_configured_giaddr_used(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;

	f->ifaces[0].giaddr = ip("192.0.2.1");
	relink(f);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF10), DROP_NONE);
	parse_fwd(f, &out);
	assert_int_equal(out.giaddr, ip("192.0.2.1"));
}

static void test_rfc1542_hops_above_max_discarded(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.hops = 4;   /* max-hops 4: still relayed */
	assert_int_equal(request(f, IF10), DROP_NONE);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.hops = 5;
	assert_int_equal(request(f, IF10), DROP_HOPS);
	f->cfg.max_hops = 16;
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.hops = 16;
	assert_int_equal(request(f, IF10), DROP_NONE);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.hops = 17;
	assert_int_equal(request(f, IF10), DROP_HOPS);
}

static void test_rfc1542_nonsense_op_htype_hlen_discarded(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREPLY, DHCPOFFER);
	assert_int_equal(request(f, IF10), DROP_BAD_OP);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.hlen = 0;
	assert_int_equal(request(f, IF10), DROP_BAD_HTYPE);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.hlen = 17;
	assert_int_equal(request(f, IF10), DROP_BAD_HTYPE);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.hlen = 8;   /* Ethernet with an 8-byte address */
	assert_int_equal(request(f, IF10), DROP_BAD_HTYPE);
}

static void test_giaddr_of_our_own_downstream_address_is_spoofed(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.giaddr = ip("10.20.0.1");   /* ours, on vlan20 */
	assert_int_equal(request(f, IF10), DROP_SPOOFED_GIADDR);
}

static void test_rfc3046_relayed_below_forwarded_unchanged_except_hops(void **state)
{
	struct fixture *f = *state;
	uint8_t before[DHCP_MAX_LEN];
	int blen;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.giaddr = ip("10.99.0.1");
	f->m.hops = 1;
	blen = dhcp_msg_build(&f->m, DHCP_MAX_LEN, before, sizeof(before));
	assert_int_equal(request(f, IF10), DROP_NONE);
	assert_int_equal(f->fwd.len, blen);
	assert_false(f->fwd.added_agent_option);
	assert_int_equal(f->fwd.buf[3], 2);
	before[3] = 2;
	assert_memory_equal(f->fwd.buf, before, (size_t)blen);
}

static void test_request_on_link_without_address_dropped(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF40), DROP_NO_ADDRESS);
}

static void test_request_on_unconfigured_link_dropped(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, 99), DROP_NOT_DOWNSTREAM);
}

static void test_routed_unicast_request_not_relayed_twice(void **state)
{
	struct fixture *f = *state;
	struct relay_rx rx = { IF10, ip("10.10.0.50"), ip("10.0.0.2"), 1000 };

	make_msg(&f->m, BOOTREQUEST, DHCPREQUEST);
	f->m.ciaddr = ip("10.10.0.50");
	assert_int_equal(relay_request(&f->ctx, &rx, &f->m, &f->fwd), DROP_NOT_FOR_RELAY);
}

static void test_unicast_to_relay_and_subnet_broadcast_relayed(void **state)
{
	struct fixture *f = *state;
	struct relay_rx to_us = { IF10, ip("10.10.0.50"), ip("10.10.0.1"), 1000 };
	struct relay_rx subnet_bcast = { IF10, 0, ip("10.10.0.255"), 1000 };

	make_msg(&f->m, BOOTREQUEST, DHCPREQUEST);
	assert_int_equal(relay_request(&f->ctx, &to_us, &f->m, &f->fwd), DROP_NONE);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(relay_request(&f->ctx, &subnet_bcast, &f->m, &f->fwd), DROP_NONE);
}

/* ---- RFC 3046: option 82 ---- */

static void test_rfc3046_circuit_and_remote_id_added_last(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	const uint8_t *v;
	size_t len;
	uint8_t pad = 0;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(dhcp_opt_set(&f->m, DHO_HOST_NAME, "pc1", 3), 0);
	assert_int_equal(request(f, IF10), DROP_NONE);
	assert_true(f->fwd.added_agent_option);
	parse_fwd(f, &out);
	get_sub(&out, OPT82_CIRCUIT_ID, &v, &len);
	assert_int_equal(len, 12);
	assert_memory_equal(v, "site1-vlan10", 12);
	get_sub(&out, OPT82_REMOTE_ID, &v, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(v, "router1", 7);
	/* Last option on the wire: after it comes END. */
	assert_int_equal(out.opts[out.nopts - 1].code, DHO_AGENT_INFO);
	{
		size_t alen;
		const uint8_t *a = dhcp_opt_get(&out, DHO_AGENT_INFO, 0, 1024, &alen);
		size_t end = (size_t)(a - out.data);

		(void)end;
		for (int i = 240; i < f->fwd.len - 1; i++)
			if (f->fwd.buf[i] == DHO_AGENT_INFO && f->fwd.buf[i + 1] == alen &&
			    memcmp(f->fwd.buf + i + 2, a, alen) == 0) {
				assert_int_equal(f->fwd.buf[i + 2 + alen], DHO_END);
				pad = 1;
			}
	}
	assert_int_equal(pad, 1);
}

static void test_rfc3046_circuit_id_formats(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	const uint8_t *v;
	size_t len;
	static const struct { const char *fmt; const char *want; } cases[] = {
		{ "%i", "vlan20" }, { "%v", "20" }, { "%n", "20" },
		{ "rtr-%v", "rtr-20" }, { "literal", "literal" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(f->cfg.opt82.circuit_id, sizeof(f->cfg.opt82.circuit_id), "%s", cases[i].fmt);
		relink(f);
		make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
		assert_int_equal(request(f, IF20), DROP_NONE);
		parse_fwd(f, &out);
		get_sub(&out, OPT82_CIRCUIT_ID, &v, &len);
		assert_int_equal(len, strlen(cases[i].want));
		assert_memory_equal(v, cases[i].want, len);
	}
	/* A per-interface circuit-id wins over the global format. */
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF10), DROP_NONE);
	parse_fwd(f, &out);
	get_sub(&out, OPT82_CIRCUIT_ID, &v, &len);
	assert_memory_equal(v, "site1-vlan10", len);
}

static void test_rfc3046_remote_id_literal(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	const uint8_t *v;
	size_t len;

	snprintf(f->cfg.opt82.remote_id, sizeof(f->cfg.opt82.remote_id), "campus-a");
	relink(f);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF20), DROP_NONE);
	parse_fwd(f, &out);
	get_sub(&out, OPT82_REMOTE_ID, &v, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(v, "campus-a", 8);
}

static void add_client_side_82(struct dhcp_msg *m)
{
	static const uint8_t sw82[] = { 1, 4, 'p', 'o', 'r', 't', 2, 2, 's', 'w' };

	assert_int_equal(dhcp_opt_set(m, DHO_AGENT_INFO, sw82, sizeof(sw82)), 0);
}

static void test_rfc3046_untrusted_giaddr_zero_with_option82_discarded(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	add_client_side_82(&f->m);
	assert_int_equal(request(f, IF10), DROP_UNTRUSTED_AGENT_OPTION);
}

/* A client on an untrusted link may set giaddr itself: its option 82 is
 * dropped whatever the giaddr, so a forged link-selection or remote-id
 * never reaches the server. */
static void test_rfc3046_untrusted_option82_with_giaddr_set_discarded(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.giaddr = ip("10.10.0.77");
	add_client_side_82(&f->m);
	assert_int_equal(request(f, IF10), DROP_UNTRUSTED_AGENT_OPTION);
	/* From a trusted link, a relay below us may have added it. */
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.giaddr = ip("10.99.0.1");
	add_client_side_82(&f->m);
	assert_int_equal(request(f, IF20), DROP_NONE);
}

/* RFC 3046 2.1.1: a giaddr "implemented by the local agent itself" is
 * spoofed: that includes a giaddr configured for a link, present on any
 * link or on none. */
static void test_rfc3046_configured_giaddr_counts_as_spoofed(void **state)
{
	struct fixture *f = *state;

	f->ifaces[0].giaddr = ip("10.50.0.1");
	relink(f);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.giaddr = ip("10.50.0.1");
	assert_int_equal(request(f, IF20), DROP_SPOOFED_GIADDR);
	f->ifaces[0].giaddr = 0;
	relink(f);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.giaddr = ip("10.50.0.1");
	assert_int_equal(request(f, IF20), DROP_NONE);
}

/* ---- VRRP pairs: vrrp-address ---- */

/* vlan10 with vrrp-address 10.10.0.254 and the router's own addresses
 * (each given as "a.b.c.d" or NULL). */
static void vrrp_link(struct fixture *f, const char *a0, const char *a1)
{
	struct relay_link *l;

	f->ifaces[0].vrrp_address = ip("10.10.0.254");
	relink(f);
	l = (struct relay_link *)relay_links_by_ifindex(&f->links, IF10);
	assert_non_null(l);
	l->naddrs = 0;
	if (a0) {
		l->addrs[l->naddrs] = ip(a0);
		l->prefixlen[l->naddrs++] = 24;
	}
	if (a1) {
		l->addrs[l->naddrs] = ip(a1);
		l->prefixlen[l->naddrs++] = 24;
	}
	assert_true(relay_link_prepare(l, &f->cfg, "router1") >= 0);
}

/* keepalived took the virtual address away: the other router relays,
 * so a request relayed here too would reach the server twice. */
static void test_vrrp_address_elsewhere_request_dropped_as_backup(void **state)
{
	struct fixture *f = *state;
	const struct relay_link *l;

	vrrp_link(f, "10.10.0.2", NULL);
	l = relay_links_by_ifindex(&f->links, IF10);
	assert_true(l->standby);
	assert_int_equal(l->giaddr, ip("10.10.0.254"));
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF10), DROP_VRRP_BACKUP);
	assert_int_equal(f->fwd.nservers, 0);
	assert_string_equal(drop_reason_name(DROP_VRRP_BACKUP), "vrrp_backup");
	/* Other links are served as ever. */
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF30), DROP_NONE);
}

/* Holding the virtual address, the router relays with it as giaddr, and
 * it is the address clients see (server-id-override, reply source). */
static void test_vrrp_address_here_is_giaddr_and_first_address(void **state)
{
	struct fixture *f = *state;
	const struct relay_link *l;
	struct dhcp_msg out;
	const uint8_t *v;
	size_t len;
	uint32_t a;

	vrrp_link(f, "10.10.0.2", "10.10.0.254");
	l = relay_links_by_ifindex(&f->links, IF10);
	assert_false(l->standby);
	assert_int_equal(l->addrs[0], ip("10.10.0.254"));
	assert_int_equal(l->addrs[1], ip("10.10.0.2"));
	assert_int_equal(l->naddrs, 2);
	f->cfg.opt82.server_id_override = true;
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF10), DROP_NONE);
	parse_fwd(f, &out);
	assert_int_equal(out.giaddr, ip("10.10.0.254"));
	get_sub(&out, OPT82_SERVER_ID_OVERRIDE, &v, &len);
	memcpy(&a, v, 4);
	assert_int_equal(a, ip("10.10.0.254"));
}

/* RFC 3046 §2.1.1 on the backup too: a request from below carrying the
 * pair's virtual address as giaddr spoofs an address of this agent. */
static void test_rfc3046_vrrp_address_counts_as_spoofed_on_the_backup(void **state)
{
	struct fixture *f = *state;

	vrrp_link(f, "10.10.0.2", NULL);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.giaddr = ip("10.10.0.254");
	assert_int_equal(request(f, IF20), DROP_SPOOFED_GIADDR);
}

/* The server answers to giaddr: one no reply can be unicast to is
 * dropped. */
static void test_giaddr_that_cannot_be_unicast_dropped(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = { "0.1.2.3", "127.0.0.1", "224.0.0.5", "239.1.1.1",
					   "240.0.0.1", "255.255.255.255" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
		f->m.giaddr = ip(bad[i]);
		assert_int_equal(request(f, IF10), DROP_BAD_GIADDR);
	}
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.giaddr = ip("223.255.255.1");
	assert_int_equal(request(f, IF10), DROP_NONE);
}

static void make_reply(struct fixture *f, int type, const char *giaddr, const char *circuit);

/* RFC 4390 (IP over InfiniBand): "'hlen' (hardware address length) MUST
 * be 0", htype 32. Relayed; its reply is broadcast (no chaddr to send
 * to), whatever the broadcast flag. */
static void test_rfc4390_infiniband_hlen_zero_relayed_reply_broadcast(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.htype = HTYPE_INFINIBAND;
	f->m.hlen = 0;
	memset(f->m.chaddr, 0, sizeof(f->m.chaddr));
	assert_int_equal(request(f, IF10), DROP_NONE);
	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	f->m.htype = HTYPE_INFINIBAND;
	f->m.hlen = 0;
	memset(f->m.chaddr, 0, sizeof(f->m.chaddr));
	f->m.flags = 0;
	assert_int_equal(relay_reply(&f->ctx, &(struct relay_rx){ IF_UP, ip("10.0.0.2"),
				     ip("10.10.0.1"), 2000 }, &f->m, 548, NULL, false, &f->dlv),
			 DROP_NONE);
	assert_int_equal(f->dlv.mode, DELIVER_BROADCAST);
	assert_int_equal(f->dlv.dst_ip, INADDR_BROADCAST);
	/* Other hardware types still need an address. */
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	f->m.htype = 6;
	f->m.hlen = 0;
	assert_int_equal(request(f, IF10), DROP_BAD_HTYPE);
}

static void test_policy_replace_on_trusted_link(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	const uint8_t *v;
	size_t len;

	f->cfg.opt82.policy = POLICY_REPLACE;
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	add_client_side_82(&f->m);
	assert_int_equal(request(f, IF20), DROP_NONE);
	parse_fwd(f, &out);
	get_sub(&out, OPT82_CIRCUIT_ID, &v, &len);
	assert_memory_equal(v, "vlan20", len);
}

static void test_policy_append_keeps_theirs_then_ours(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	const uint8_t *a;
	size_t alen;

	f->cfg.opt82.policy = POLICY_APPEND;
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	add_client_side_82(&f->m);
	assert_int_equal(request(f, IF20), DROP_NONE);
	parse_fwd(f, &out);
	a = dhcp_opt_get(&out, DHO_AGENT_INFO, 0, 1024, &alen);
	assert_non_null(a);
	assert_memory_equal(a, "\x01\x04port\x02\x02sw\x01\x06vlan20", 18);
}

static void test_policy_forward_leaves_option82_alone(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	const uint8_t *a;
	size_t alen;

	f->cfg.opt82.policy = POLICY_FORWARD;
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	add_client_side_82(&f->m);
	assert_int_equal(request(f, IF20), DROP_NONE);
	assert_false(f->fwd.added_agent_option);
	parse_fwd(f, &out);
	a = dhcp_opt_get(&out, DHO_AGENT_INFO, 0, 1024, &alen);
	assert_int_equal(alen, 10);
	assert_memory_equal(a, "\x01\x04port\x02\x02sw", 10);
	assert_int_equal(out.giaddr, ip("10.20.0.1"));
}

static void test_policy_discard_drops(void **state)
{
	struct fixture *f = *state;

	f->cfg.opt82.policy = POLICY_DISCARD;
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	add_client_side_82(&f->m);
	assert_int_equal(request(f, IF20), DROP_AGENT_OPTION_POLICY);
	/* Without option 82 the same request is relayed. */
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF20), DROP_NONE);
}

static void test_trusted_malformed_option82_dropped(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bad[] = { 1, 9, 'x' };

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(dhcp_opt_set(&f->m, DHO_AGENT_INFO, bad, sizeof(bad)), 0);
	assert_int_equal(request(f, IF20), DROP_BAD_AGENT_OPTION);
}

static void test_rfc3527_link_selection_names_client_subnet(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	const uint8_t *v;
	size_t len;
	uint32_t a;

	f->cfg.opt82.link_selection = true;
	f->ifaces[0].giaddr = ip("10.0.0.1");
	relink(f);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF10), DROP_NONE);
	parse_fwd(f, &out);
	assert_int_equal(out.giaddr, ip("10.0.0.1"));
	get_sub(&out, OPT82_LINK_SELECTION, &v, &len);
	assert_int_equal(len, 4);
	memcpy(&a, v, 4);
	assert_int_equal(a, ip("10.10.0.1"));
}

static void test_rfc5107_server_id_override_and_rfc5010_unicast_flag(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	const uint8_t *v;
	size_t len;
	uint32_t a;
	struct relay_rx unicast = { IF10, ip("10.10.0.50"), ip("10.10.0.1"), 1000 };

	f->cfg.opt82.server_id_override = true;
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF10), DROP_NONE);
	parse_fwd(f, &out);
	get_sub(&out, OPT82_SERVER_ID_OVERRIDE, &v, &len);
	assert_int_equal(len, 4);
	memcpy(&a, v, 4);
	assert_int_equal(a, ip("10.10.0.1"));
	get_sub(&out, OPT82_FLAGS, &v, &len);
	assert_int_equal(len, 1);
	assert_int_equal(v[0], 0);

	make_msg(&f->m, BOOTREQUEST, DHCPREQUEST);
	f->m.ciaddr = ip("10.10.0.50");
	assert_int_equal(relay_request(&f->ctx, &unicast, &f->m, &f->fwd), DROP_NONE);
	parse_fwd(f, &out);
	get_sub(&out, OPT82_FLAGS, &v, &len);
	assert_int_equal(v[0], OPT82_FLAG_UNICAST);
}

static void test_rfc3046_no_room_forwards_without_option82(void **state)
{
	struct fixture *f = *state;
	uint8_t big[255];
	struct dhcp_msg out;

	memset(big, 'x', sizeof(big));
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	/* header 236 + cookie 4 + option 53 (3) + END 1 = 244; four 257-byte
	 * options and one of 2 + 192 make 1466, so option 82 (2 + 14 + 9)
	 * cannot fit in 1472. */
	for (uint8_t code = 200; code < 204; code++)
		assert_int_equal(dhcp_opt_set(&f->m, code, big, sizeof(big)), 0);
	assert_int_equal(dhcp_opt_set(&f->m, 210, big, 192), 0);
	f->m.wire_len = 1466;
	assert_int_equal(request(f, IF10), DROP_NONE);
	assert_true(f->fwd.agent_option_too_big);
	parse_fwd(f, &out);
	assert_false(dhcp_opt_has(&out, DHO_AGENT_INFO));
	assert_int_equal(out.giaddr, ip("10.10.0.1"));
	assert_int_equal(f->fwd.len, 1466);
}

/* RFC 3046 2.1: with no room for our option, the request goes on as it
 * came: the option 82 a trusted switch below put there stays. */
static void test_rfc3046_no_room_keeps_the_option82_that_came_in(void **state)
{
	struct fixture *f = *state;
	uint8_t big[255];
	struct dhcp_msg out;
	const uint8_t *a;
	size_t alen;

	memset(big, 'x', sizeof(big));
	f->cfg.opt82.policy = POLICY_APPEND;
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	for (uint8_t code = 200; code < 204; code++)
		assert_int_equal(dhcp_opt_set(&f->m, code, big, sizeof(big)), 0);
	assert_int_equal(dhcp_opt_set(&f->m, 210, big, 180), 0);
	add_client_side_82(&f->m);
	f->m.wire_len = 1466;
	assert_int_equal(request(f, IF20), DROP_NONE);
	assert_true(f->fwd.agent_option_too_big);
	parse_fwd(f, &out);
	a = dhcp_opt_get(&out, DHO_AGENT_INFO, 0, 1024, &alen);
	assert_non_null(a);
	assert_int_equal(alen, 10);
	assert_memory_equal(a, "\x01\x04port\x02\x02sw", 10);
}

/* ---- servers ---- */

static void test_per_interface_server_list(void **state)
{
	struct fixture *f = *state;

	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	assert_int_equal(request(f, IF30), DROP_NONE);
	assert_int_equal(f->fwd.nservers, 1);
	assert_int_equal(f->fwd.servers[0], ip("10.0.0.9"));
}

static void test_failover_uses_first_until_silent_then_next_and_probes_back(void **state)
{
	struct fixture *f = *state;
	uint32_t out[CFG_MAX_SERVERS];
	size_t n;

	f->cfg.forward = FORWARD_FAILOVER;
	f->cfg.failover_timeout = 3;
	n = relay_pick_servers(&f->ctx, &f->cfg.servers, 1000, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], ip("10.0.0.2"));
	relay_server_sent(&f->servers, ip("10.0.0.2"), 1000);
	/* 2.9 s without an answer: still the first. */
	n = relay_pick_servers(&f->ctx, &f->cfg.servers, 3900, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], ip("10.0.0.2"));
	/* 3 s: the first is silent; it gets one probe, the second takes over. */
	n = relay_pick_servers(&f->ctx, &f->cfg.servers, 4000, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], ip("10.0.0.2"));
	assert_int_equal(out[1], ip("10.0.0.3"));
	n = relay_pick_servers(&f->ctx, &f->cfg.servers, 5000, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], ip("10.0.0.3"));
	/* Next probe 30 s later; when the first answers it is back. */
	n = relay_pick_servers(&f->ctx, &f->cfg.servers, 4000 + RELAY_FAILOVER_PROBE_MS, out);
	assert_int_equal(n, 2);
	relay_server_replied(&f->servers, ip("10.0.0.2"), 35000);
	n = relay_pick_servers(&f->ctx, &f->cfg.servers, 35001, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], ip("10.0.0.2"));
}

/* A request that would probe a silent server reports it, so that a caller
 * that does not send it after all (a rate limit) can give the probe back. */
static void test_failover_probe_reported_and_given_back(void **state)
{
	struct fixture *f = *state;
	struct relay_rx rx;

	f->cfg.forward = FORWARD_FAILOVER;
	f->cfg.failover_timeout = 3;
	relay_server_sent(&f->servers, ip("10.0.0.2"), 1000);
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	rx = rx_bcast(IF10);
	rx.now_ms = 5000;
	assert_int_equal(relay_request(&f->ctx, &rx, &f->m, &f->fwd), DROP_NONE);
	assert_int_equal(f->fwd.nservers, 2);
	assert_int_equal(f->fwd.probed, ip("10.0.0.2"));
	relay_server_unprobe(&f->servers, f->fwd.probed, f->fwd.probe_prev_ms);
	/* Not sent: the next request probes it again. */
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	rx.now_ms = 5001;
	assert_int_equal(relay_request(&f->ctx, &rx, &f->m, &f->fwd), DROP_NONE);
	assert_int_equal(f->fwd.nservers, 2);
	assert_int_equal(f->fwd.probed, ip("10.0.0.2"));
	/* Sent this time: no probe for the next 30 s. */
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	rx.now_ms = 5002;
	assert_int_equal(relay_request(&f->ctx, &rx, &f->m, &f->fwd), DROP_NONE);
	assert_int_equal(f->fwd.nservers, 1);
	assert_int_equal(f->fwd.servers[0], ip("10.0.0.3"));
	assert_int_equal(f->fwd.probed, 0);
}

static void test_forward_all_sends_to_every_server(void **state)
{
	struct fixture *f = *state;
	uint32_t out[CFG_MAX_SERVERS];

	relay_server_sent(&f->servers, ip("10.0.0.2"), 1000);
	assert_int_equal(relay_pick_servers(&f->ctx, &f->cfg.servers, 100000, out), 2);
}

/* ---- replies ---- */

static struct relay_rx rx_server(const char *src)
{
	return (struct relay_rx){ IF_UP, ip(src), ip("10.10.0.1"), 2000 };
}

static void make_reply(struct fixture *f, int type, const char *giaddr, const char *circuit)
{
	make_msg(&f->m, BOOTREPLY, type);
	f->m.giaddr = ip(giaddr);
	f->m.yiaddr = ip("10.10.0.100");
	if (circuit) {
		uint8_t sub[64] = { 1, (uint8_t)strlen(circuit) };

		memcpy(sub + 2, circuit, strlen(circuit));
		assert_int_equal(dhcp_opt_set(&f->m, DHO_AGENT_INFO, sub, 2 + strlen(circuit)), 0);
	}
}

static enum drop_reason reply(struct fixture *f, const char *src)
{
	struct relay_rx rx = rx_server(src);

	return relay_reply(&f->ctx, &rx, &f->m, DHCP_DEFAULT_MAX, NULL, false, &f->dlv);
}

static void parse_dlv(struct fixture *f, struct dhcp_msg *out)
{
	assert_true(f->dlv.len > 0);
	assert_int_equal(dhcp_msg_parse(out, f->dlv.buf, (size_t)f->dlv.len), 0);
}

static void test_reply_from_non_server_dropped(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	assert_int_equal(reply(f, "10.0.0.66"), DROP_REPLY_NOT_FROM_SERVER);
}

static void test_reply_from_server_of_another_interface_dropped(void **state)
{
	struct fixture *f = *state;

	/* 10.0.0.9 serves vlan30 only. */
	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	assert_int_equal(reply(f, "10.0.0.9"), DROP_REPLY_NOT_FROM_SERVER);
}

static void test_reply_on_downstream_link_dropped(void **state)
{
	struct fixture *f = *state;
	struct relay_rx rx = { IF20, ip("10.0.0.2"), ip("10.10.0.1"), 2000 };

	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	assert_int_equal(relay_reply(&f->ctx, &rx, &f->m, 576, NULL, false, &f->dlv), DROP_REPLY_WRONG_LINK);
	/* With -u, only the upstream link counts. */
	f->ctx.upstream_ifindex = 3;
	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_REPLY_WRONG_LINK);
}

static void test_reply_bad_op_dropped(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPOFFER, "10.10.0.1", NULL);
	f->m.op = BOOTREQUEST;
	assert_int_equal(reply(f, "10.0.0.2"), DROP_BAD_OP);
}

static void test_rfc1542_reply_unknown_giaddr_dropped(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPOFFER, "10.77.0.1", NULL);
	assert_int_equal(reply(f, "10.0.0.2"), DROP_REPLY_UNKNOWN_GIADDR);
}

/* A reply with giaddr 0.0.0.0 names no link: not broadcast on a link that
 * has no address (vlan40 here) from source 0.0.0.0. */
static void test_reply_with_giaddr_zero_dropped(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPOFFER, "0.0.0.0", NULL);
	assert_int_equal(reply(f, "10.0.0.2"), DROP_REPLY_UNKNOWN_GIADDR);
}

static void test_rfc3046_reply_option82_stripped(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;

	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.link->ifindex, IF10);
	parse_dlv(f, &out);
	assert_false(dhcp_opt_has(&out, DHO_AGENT_INFO));
}

static void test_rfc3046_reply_circuit_id_must_match_giaddr_link(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPOFFER, "10.10.0.1", "vlan20");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_REPLY_CIRCUIT_MISMATCH);
	make_reply(f, DHCPOFFER, "10.10.0.1", "nowhere");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_REPLY_CIRCUIT_MISMATCH);
}

static void test_reply_circuit_id_chooses_among_links_sharing_giaddr(void **state)
{
	struct fixture *f = *state;

	/* vlan10 and vlan20 both use giaddr 10.0.0.1 (unnumbered style). */
	f->ifaces[0].giaddr = ip("10.0.0.1");
	f->ifaces[1].giaddr = ip("10.0.0.1");
	relink(f);
	make_reply(f, DHCPOFFER, "10.0.0.1", "vlan20");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.link->ifindex, IF20);
	make_reply(f, DHCPOFFER, "10.0.0.1", "site1-vlan10");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.link->ifindex, IF10);
}

static void test_reply_malformed_option82_dropped(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bad[] = { 1, 30, 'v' };

	make_reply(f, DHCPOFFER, "10.10.0.1", NULL);
	assert_int_equal(dhcp_opt_set(&f->m, DHO_AGENT_INFO, bad, sizeof(bad)), 0);
	assert_int_equal(reply(f, "10.0.0.2"), DROP_BAD_AGENT_OPTION);
}

static void test_reply_append_policy_returns_client_side_suboptions(void **state)
{
	struct fixture *f = *state;
	static const uint8_t both[] = { 1, 4, 'p', 'o', 'r', 't', 1, 6, 'v', 'l', 'a', 'n', '2', '0' };
	struct dhcp_msg out;
	const uint8_t *a;
	size_t alen;

	f->cfg.opt82.policy = POLICY_APPEND;
	make_reply(f, DHCPOFFER, "10.20.0.1", NULL);
	assert_int_equal(dhcp_opt_set(&f->m, DHO_AGENT_INFO, both, sizeof(both)), 0);
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	parse_dlv(f, &out);
	a = dhcp_opt_get(&out, DHO_AGENT_INFO, 0, 1024, &alen);
	assert_non_null(a);
	assert_int_equal(alen, 6);
	assert_memory_equal(a, "\x01\x04port", 6);
}

static void test_reply_forward_policy_keeps_foreign_option82_on_trusted_link(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;

	f->cfg.opt82.policy = POLICY_FORWARD;
	make_reply(f, DHCPOFFER, "10.20.0.1", "port");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.link->ifindex, IF20);
	parse_dlv(f, &out);
	assert_true(dhcp_opt_has(&out, DHO_AGENT_INFO));
}

static void test_rfc2131_nak_broadcast(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPNAK, "10.10.0.1", NULL);
	f->m.ciaddr = ip("10.10.0.50");   /* even with ciaddr */
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.mode, DELIVER_BROADCAST);
	assert_int_equal(f->dlv.dst_ip, INADDR_BROADCAST);
	assert_memory_equal(f->dlv.dst_mac, "\xff\xff\xff\xff\xff\xff", 6);
}

static void test_rfc2131_ciaddr_unicast(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPACK, "10.10.0.1", NULL);
	f->m.ciaddr = ip("10.10.0.50");
	f->m.flags = DHCP_FLAG_BROADCAST;   /* ciaddr wins over the flag */
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.mode, DELIVER_CIADDR);
	assert_int_equal(f->dlv.dst_ip, ip("10.10.0.50"));
	assert_memory_equal(f->dlv.dst_mac, client_mac, 6);
}

static void test_rfc2131_broadcast_flag_broadcast(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPOFFER, "10.10.0.1", NULL);
	f->m.flags = DHCP_FLAG_BROADCAST;
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.mode, DELIVER_BROADCAST);
	assert_int_equal(f->dlv.dst_ip, INADDR_BROADCAST);
}

static void test_rfc2131_otherwise_l2_unicast_to_chaddr_yiaddr(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPOFFER, "10.10.0.1", NULL);
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.mode, DELIVER_YIADDR);
	assert_int_equal(f->dlv.dst_ip, ip("10.10.0.100"));
	assert_memory_equal(f->dlv.dst_mac, client_mac, 6);
	assert_int_equal(f->dlv.link->ifindex, IF10);
}

static void test_reply_keeps_size_within_client_limit(void **state)
{
	struct fixture *f = *state;

	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	f->m.wire_len = 400;
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_true(f->dlv.len <= 576);
	assert_int_equal(f->dlv.len, 400);
}

static void test_plain_bootp_relayed_without_option82(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;

	dhcp_msg_init(&f->m);
	f->m.op = BOOTREQUEST;
	f->m.htype = 1;
	f->m.hlen = 6;
	f->m.has_cookie = false;
	f->m.data_len = 64;              /* RFC 951 vendor area, opaque */
	f->m.wire_len = 300;
	assert_int_equal(request(f, IF10), DROP_NONE);
	assert_false(f->fwd.added_agent_option);
	assert_int_equal(f->fwd.len, 300);
	parse_fwd(f, &out);
	assert_false(out.has_cookie);
	assert_int_equal(out.giaddr, ip("10.10.0.1"));
}

static void test_rfc3046_big_request_forwarded_without_option82_not_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t big[255];
	struct dhcp_msg out;

	/* 1589 bytes, above one frame: its own size is the limit, and with
	 * option 82 it no longer fits, so it goes without. */
	memset(big, 'y', sizeof(big));
	make_msg(&f->m, BOOTREQUEST, DHCPDISCOVER);
	for (uint8_t code = 200; code < 205; code++)
		assert_int_equal(dhcp_opt_set(&f->m, code, big, sizeof(big)), 0);
	assert_int_equal(dhcp_opt_set(&f->m, 210, big, 58), 0);
	f->m.wire_len = 1589;
	assert_int_equal(request(f, IF10), DROP_NONE);
	assert_true(f->fwd.agent_option_too_big);
	assert_int_equal(f->fwd.len, 1589);
	parse_fwd(f, &out);
	assert_false(dhcp_opt_has(&out, DHO_AGENT_INFO));
}

static void test_reply_our_suboptions_stripped_after_a_long_client_side_part(void **state)
{
	struct fixture *f = *state;
	uint8_t agent[1200];
	size_t n = 0;
	struct dhcp_msg out;
	const uint8_t *a;
	size_t alen;

	/* A switch below a trusted link put 1100 bytes of sub-options
	 * (policy append); ours follow and must go before delivery. */
	f->cfg.opt82.policy = POLICY_APPEND;
	while (n < 1100) {
		agent[n++] = 9;
		agent[n++] = 98;
		memset(agent + n, 'z', 98);
		n += 98;
	}
	agent[n++] = 1;
	agent[n++] = 6;
	memcpy(agent + n, "vlan20", 6);
	n += 6;
	make_reply(f, DHCPOFFER, "10.20.0.1", NULL);
	assert_int_equal(dhcp_opt_set(&f->m, DHO_AGENT_INFO, agent, n), 0);
	f->m.wire_len = 1400;
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	parse_dlv(f, &out);
	a = dhcp_opt_get(&out, DHO_AGENT_INFO, 0, 2048, &alen);
	assert_non_null(a);
	assert_int_equal(alen, 1100);
	assert_null(memchr(a, 'v', alen));
}

static void test_tftp_proxy_link_points_client_at_relay_and_remembers_server(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;
	size_t len;
	const uint8_t *v;

	f->ifaces[0].tftp_proxy = true;
	f->ctx.tftp_proxy = true;
	make_reply(f, DHCPACK, "10.10.0.1", "site1-vlan10");
	f->m.siaddr = ip("10.0.0.5");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.tftp_server, ip("10.0.0.5"));
	parse_dlv(f, &out);
	assert_int_equal(out.siaddr, ip("10.10.0.1"));
	v = dhcp_opt_get(&out, DHO_TFTP_SERVER, 1, 64, &len);
	assert_non_null(v);
	assert_memory_equal(v, "10.10.0.1", len);
	/* The proxy not running (enabled by a reload): nothing changes. */
	f->ctx.tftp_proxy = false;
	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	f->m.siaddr = ip("10.0.0.5");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.tftp_server, 0);
	parse_dlv(f, &out);
	assert_int_equal(out.siaddr, ip("10.0.0.5"));
}

/* An OFFER is rewritten like the ACK (the client must see the same boot
 * server in both) but teaches the proxy nothing: only a granted lease
 * (DHCPACK, or a BOOTP reply) makes an address a client it serves. */
static void test_tftp_proxy_learns_clients_from_ack_not_offer(void **state)
{
	struct fixture *f = *state;
	struct dhcp_msg out;

	f->ifaces[0].tftp_proxy = true;
	f->ctx.tftp_proxy = true;
	make_reply(f, DHCPOFFER, "10.10.0.1", "site1-vlan10");
	f->m.siaddr = ip("10.0.0.5");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.tftp_server, 0);
	parse_dlv(f, &out);
	assert_int_equal(out.siaddr, ip("10.10.0.1"));
	make_reply(f, DHCPNAK, "10.10.0.1", "site1-vlan10");
	f->m.siaddr = ip("10.0.0.5");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.tftp_server, 0);
	make_reply(f, DHCPACK, "10.10.0.1", "site1-vlan10");
	f->m.siaddr = ip("10.0.0.5");
	assert_int_equal(reply(f, "10.0.0.2"), DROP_NONE);
	assert_int_equal(f->dlv.tftp_server, ip("10.0.0.5"));
}

static void test_drop_reason_names_unique(void **state)
{
	(void)state;
	for (int i = 0; i < DROP__COUNT; i++) {
		assert_non_null(drop_reason_name((enum drop_reason)i));
		for (int k = 0; k < i; k++)
			assert_string_not_equal(drop_reason_name((enum drop_reason)i),
						drop_reason_name((enum drop_reason)k));
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rfc1542_giaddr_zero_gets_link_address_and_hops_counted),
		T(test_rfc1542_configured_giaddr_used),
		T(test_rfc1542_hops_above_max_discarded),
		T(test_rfc1542_nonsense_op_htype_hlen_discarded),
		T(test_giaddr_of_our_own_downstream_address_is_spoofed),
		T(test_rfc3046_relayed_below_forwarded_unchanged_except_hops),
		T(test_request_on_link_without_address_dropped),
		T(test_request_on_unconfigured_link_dropped),
		T(test_routed_unicast_request_not_relayed_twice),
		T(test_unicast_to_relay_and_subnet_broadcast_relayed),
		T(test_rfc3046_circuit_and_remote_id_added_last),
		T(test_rfc3046_circuit_id_formats),
		T(test_rfc3046_remote_id_literal),
		T(test_rfc3046_untrusted_giaddr_zero_with_option82_discarded),
		T(test_rfc3046_untrusted_option82_with_giaddr_set_discarded),
		T(test_rfc3046_configured_giaddr_counts_as_spoofed),
		T(test_vrrp_address_elsewhere_request_dropped_as_backup),
		T(test_vrrp_address_here_is_giaddr_and_first_address),
		T(test_rfc3046_vrrp_address_counts_as_spoofed_on_the_backup),
		T(test_giaddr_that_cannot_be_unicast_dropped),
		T(test_rfc4390_infiniband_hlen_zero_relayed_reply_broadcast),
		T(test_rfc3046_no_room_keeps_the_option82_that_came_in),
		T(test_reply_with_giaddr_zero_dropped),
		T(test_policy_replace_on_trusted_link),
		T(test_policy_append_keeps_theirs_then_ours),
		T(test_policy_forward_leaves_option82_alone),
		T(test_policy_discard_drops),
		T(test_trusted_malformed_option82_dropped),
		T(test_rfc3527_link_selection_names_client_subnet),
		T(test_rfc5107_server_id_override_and_rfc5010_unicast_flag),
		T(test_rfc3046_no_room_forwards_without_option82),
		T(test_per_interface_server_list),
		T(test_failover_uses_first_until_silent_then_next_and_probes_back),
		T(test_failover_probe_reported_and_given_back),
		T(test_forward_all_sends_to_every_server),
		T(test_reply_from_non_server_dropped),
		T(test_reply_from_server_of_another_interface_dropped),
		T(test_reply_on_downstream_link_dropped),
		T(test_reply_bad_op_dropped),
		T(test_rfc1542_reply_unknown_giaddr_dropped),
		T(test_rfc3046_reply_option82_stripped),
		T(test_rfc3046_reply_circuit_id_must_match_giaddr_link),
		T(test_reply_circuit_id_chooses_among_links_sharing_giaddr),
		T(test_reply_malformed_option82_dropped),
		T(test_reply_append_policy_returns_client_side_suboptions),
		T(test_reply_forward_policy_keeps_foreign_option82_on_trusted_link),
		T(test_rfc2131_nak_broadcast),
		T(test_rfc2131_ciaddr_unicast),
		T(test_rfc2131_broadcast_flag_broadcast),
		T(test_rfc2131_otherwise_l2_unicast_to_chaddr_yiaddr),
		T(test_reply_keeps_size_within_client_limit),
		T(test_plain_bootp_relayed_without_option82),
		T(test_rfc3046_big_request_forwarded_without_option82_not_dropped),
		T(test_reply_our_suboptions_stripped_after_a_long_client_side_part),
		T(test_tftp_proxy_link_points_client_at_relay_and_remembers_server),
		T(test_tftp_proxy_learns_clients_from_ack_not_offer),
		T(test_drop_reason_names_unique),
	};

	return cmocka_run_group_tests_name("relay", tests, NULL, NULL);
}
