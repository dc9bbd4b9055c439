/* test_relay6.c - RFC 8415 §19 relay agent rules, one test per rule.
 *
 * Links: vlan10 (ifindex 10) with link-address 2001:db8:10::1, vlan20
 * (20) with no global address, vlan30 (30) with no IPv6 server, vlan40
 * (40) a VRRP backup. IPv6 server 2001:db8::2 for all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "relay6.h"

static struct relay_link links[4];
static struct relay6_link l6[4];
static struct relay6_ctx ctx;
static struct relay6_fwd fwd;
static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

static void a6(const char *s, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static int setup(void **state)
{
	static const int idx[4] = { 10, 20, 30, 40 };
	static const char *const names[4] = { "vlan10", "vlan20", "vlan30", "vlan40" };

	(void)state;
	memset(links, 0, sizeof(links));
	memset(l6, 0, sizeof(l6));
	for (int i = 0; i < 4; i++) {
		links[i].ifindex = idx[i];
		strcpy(links[i].name, names[i]);
		l6[i].link = &links[i];
		l6[i].iface_id_len = (uint8_t)strlen(names[i]);
		memcpy(l6[i].iface_id, names[i], l6[i].iface_id_len);
		if (i != 2) {
			a6("2001:db8::2", l6[i].servers[0]);
			l6[i].nservers = 1;
		}
	}
	a6("2001:db8:10::1", l6[0].link_addr);
	a6("2001:db8:40::1", l6[3].link_addr);
	links[3].standby = true;
	ctx = (struct relay6_ctx){ l6, 4, false, 0 };
	return 0;
}

/* A client message: type, xid 0x123456, a client id. */
static size_t client_msg(uint8_t *out, uint8_t type)
{
	static const uint8_t m[] = { 0, 0x12, 0x34, 0x56, 0, 1, 0, 10,
				     0, 3, 0, 1, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

	memcpy(out, m, sizeof(m));
	out[0] = type;
	return sizeof(m);
}

static struct relay6_rx rx_from(int ifindex, const char *src)
{
	struct relay6_rx rx = { .ifindex = ifindex, .mac = mac, .now_ms = 1000 };

	a6(src, rx.src);
	return rx;
}

static void parse_fwd(struct dhcp6_msg *m)
{
	assert_int_equal(dhcp6_parse(m, fwd.buf, fwd.len), 0);
	assert_int_equal(m->type, DHCP6_RELAY_FORW);
}

/* §19.1.1: from a client, hop-count 0, a global address of the link in
 * link-address, the client's source address in peer-address, the message
 * whole in a Relay Message option. */
static void test_rfc8415_client_message_wrapped_with_link_and_peer_address(void **state)
{
	uint8_t in[64], want[16];
	size_t n = client_msg(in, DHCP6_SOLICIT);
	struct relay6_rx rx = rx_from(10, "fe80::5054:ff:feaa:bbcc");
	struct dhcp6_msg m;
	const uint8_t *v;
	uint16_t len;

	(void)state;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	assert_true(fwd.from_client);
	assert_ptr_equal(fwd.l6, &l6[0]);
	parse_fwd(&m);
	assert_int_equal(m.hop_count, 0);
	a6("2001:db8:10::1", want);
	assert_memory_equal(m.link_addr, want, 16);
	assert_memory_equal(m.peer_addr, rx.src, 16);
	v = dhcp6_opt_get(&m, D6O_RELAY_MSG, &len);
	assert_int_equal(len, n);
	assert_memory_equal(v, in, n);
}

/* §19.1.1: a relay that cannot name the link by link-address "MUST
 * include an Interface-Id option"; pxerelay always does, and puts :: in
 * link-address when the link has no global or ULA address. */
static void test_rfc8415_interface_id_sent_and_link_address_zero_without_global(void **state)
{
	uint8_t in[64], zero[16] = { 0 };
	size_t n = client_msg(in, DHCP6_SOLICIT);
	struct relay6_rx rx = rx_from(20, "fe80::1");
	struct dhcp6_msg m;
	const uint8_t *v;
	uint16_t len;

	(void)state;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	parse_fwd(&m);
	assert_memory_equal(m.link_addr, zero, 16);
	v = dhcp6_opt_get(&m, D6O_INTERFACE_ID, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(v, "vlan20", 6);
}

/* RFC 6939: the client's link-layer address, type 1 and the MAC of the
 * frame, from a relay directly connected to the client. */
static void test_rfc6939_client_link_layer_address_from_the_frame(void **state)
{
	uint8_t in[64];
	size_t n = client_msg(in, DHCP6_REQUEST);
	struct relay6_rx rx = rx_from(10, "fe80::9");
	struct dhcp6_msg m;
	const uint8_t *v;
	uint16_t len;

	(void)state;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	parse_fwd(&m);
	v = dhcp6_opt_get(&m, D6O_CLIENT_LINKLAYER_ADDR, &len);
	assert_non_null(v);
	assert_int_equal(len, 8);
	assert_int_equal(v[0] << 8 | v[1], 1);
	assert_memory_equal(v + 2, mac, 6);
	/* No frame, no option. */
	rx.mac = NULL;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	parse_fwd(&m);
	assert_null(dhcp6_opt_get(&m, D6O_CLIENT_LINKLAYER_ADDR, &len));
}

/* RFC 4649: option 37 when configured. */
static void test_rfc4649_remote_id_added_when_configured(void **state)
{
	static const uint8_t rid[] = { 0, 0, 0x0d, 0xe9, 'r', '1' };
	uint8_t in[64];
	size_t n = client_msg(in, DHCP6_SOLICIT);
	struct relay6_rx rx = rx_from(10, "fe80::9");
	struct dhcp6_msg m;
	const uint8_t *v;
	uint16_t len;

	(void)state;
	memcpy(l6[0].remote_id, rid, sizeof(rid));
	l6[0].remote_id_len = sizeof(rid);
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	parse_fwd(&m);
	v = dhcp6_opt_get(&m, D6O_REMOTE_ID, &len);
	assert_int_equal(len, sizeof(rid));
	assert_memory_equal(v, rid, sizeof(rid));
}

/* A Relay-forward from a relay below, with the given hop-count. */
static size_t relay_below(uint8_t *out, uint8_t hop)
{
	uint8_t inner[64], link[16] = { 0 }, peer[16] = { 0xfe, 0x80, [15] = 7 };
	size_t n = client_msg(inner, DHCP6_SOLICIT);
	struct dhcp6_buf b;

	dhcp6_buf_init(&b, out, 256);
	dhcp6_put_relay_header(&b, DHCP6_RELAY_FORW, hop, link, peer);
	dhcp6_put_opt(&b, D6O_INTERFACE_ID, "port7", 5);
	dhcp6_put_opt(&b, D6O_RELAY_MSG, inner, n);
	return b.len;
}

/* §19.1.2: a Relay-forward from below is wrapped again with its
 * hop-count plus one, no client link-layer option (we are not next to
 * the client). */
static void test_rfc8415_relay_forward_from_below_hop_count_plus_one(void **state)
{
	uint8_t in[256];
	size_t n = relay_below(in, 2);
	struct relay6_rx rx = rx_from(10, "fe80::77");
	struct dhcp6_msg m, inner;
	const uint8_t *v;
	uint16_t len;

	(void)state;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	assert_false(fwd.from_client);
	parse_fwd(&m);
	assert_int_equal(m.hop_count, 3);
	assert_null(dhcp6_opt_get(&m, D6O_CLIENT_LINKLAYER_ADDR, &len));
	v = dhcp6_opt_get(&m, D6O_RELAY_MSG, &len);
	assert_int_equal(dhcp6_parse(&inner, v, len), 0);
	assert_int_equal(inner.type, DHCP6_RELAY_FORW);
	assert_int_equal(inner.hop_count, 2);
}

/* §19.1.2 with §7.6 HOP_COUNT_LIMIT 8: hop-count 8 or more is discarded,
 * 7 is still relayed (as 8). */
static void test_rfc8415_hop_count_limit_8_discards(void **state)
{
	uint8_t in[256];
	struct relay6_rx rx = rx_from(10, "fe80::77");
	struct dhcp6_msg m;

	(void)state;
	assert_int_equal(relay6_request(&ctx, &rx, in, relay_below(in, 8), &fwd), DROP_HOPS);
	assert_int_equal(relay6_request(&ctx, &rx, in, relay_below(in, 255), &fwd), DROP_HOPS);
	assert_int_equal(relay6_request(&ctx, &rx, in, relay_below(in, 7), &fwd), DROP_NONE);
	parse_fwd(&m);
	assert_int_equal(m.hop_count, 8);
}

/* §19.1.2: a relay below whose source address is global or ULA names the
 * link itself: link-address 0; from a link-local one, ours. */
static void test_rfc8415_relay_below_with_global_source_gets_link_address_zero(void **state)
{
	uint8_t in[256], zero[16] = { 0 }, ours[16];
	size_t n = relay_below(in, 0);
	struct relay6_rx rx = rx_from(10, "2001:db8:10::77");
	struct dhcp6_msg m;

	(void)state;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	parse_fwd(&m);
	assert_memory_equal(m.link_addr, zero, 16);
	rx = rx_from(10, "fd00::77");
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	parse_fwd(&m);
	assert_memory_equal(m.link_addr, zero, 16);
	rx = rx_from(10, "fe80::77");
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NONE);
	parse_fwd(&m);
	a6("2001:db8:10::1", ours);
	assert_memory_equal(m.link_addr, ours, 16);
}

/* Server messages arriving on a client link are not relayed. */
static void test_server_message_types_from_a_client_link_dropped(void **state)
{
	static const uint8_t types[] = { DHCP6_ADVERTISE, DHCP6_REPLY, DHCP6_RECONFIGURE,
					 DHCP6_RELAY_REPL, 14, 200 };
	uint8_t in[256];
	struct relay6_rx rx = rx_from(10, "fe80::5");

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		size_t n = client_msg(in, types[i]);

		if (types[i] == DHCP6_RELAY_REPL)
			n = relay_below(in, 0), in[0] = DHCP6_RELAY_REPL;
		assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_BAD_OP);
	}
}

/* A link with no IPv6 server is not relayed over IPv6; a VRRP backup
 * leaves it to the master; garbage is counted as malformed. */
static void test_links_without_ipv6_servers_or_on_standby_are_not_relayed(void **state)
{
	uint8_t in[64];
	size_t n = client_msg(in, DHCP6_SOLICIT);
	struct relay6_rx rx = rx_from(30, "fe80::5");

	(void)state;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NOT_DOWNSTREAM);
	rx.ifindex = 99;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_NOT_DOWNSTREAM);
	rx.ifindex = 40;
	assert_int_equal(relay6_request(&ctx, &rx, in, n, &fwd), DROP_VRRP_BACKUP);
	rx.ifindex = 10;
	assert_int_equal(relay6_request(&ctx, &rx, in, n - 1, &fwd), DROP_MALFORMED);
}

static void test_relay_forward_that_would_exceed_the_largest_message_dropped(void **state)
{
	static uint8_t in[DHCP6_MAX_LEN - 20], fill[DHCP6_MAX_LEN];
	struct relay6_rx rx = rx_from(10, "fe80::5");
	struct dhcp6_buf b;

	(void)state;
	dhcp6_buf_init(&b, in, sizeof(in));
	dhcp6_put(&b, "\x01\x00\x00\x01", 4);
	dhcp6_put_opt(&b, 65000, fill, sizeof(in) - 8);
	assert_false(b.overflow);
	assert_int_equal(relay6_request(&ctx, &rx, in, b.len, &fwd), DROP_TOO_BIG);
}

/* A Relay-reply as the server builds it. */
static size_t make_reply(uint8_t *out, const char *iface_id, const char *link,
			  const char *peer, const uint8_t *inner, size_t inner_len)
{
	uint8_t la[16] = { 0 }, pa[16];
	struct dhcp6_buf b;

	if (link)
		a6(link, la);
	a6(peer, pa);
	dhcp6_buf_init(&b, out, 512);
	dhcp6_put_relay_header(&b, DHCP6_RELAY_REPL, 0, la, pa);
	if (iface_id)
		dhcp6_put_opt(&b, D6O_INTERFACE_ID, iface_id, strlen(iface_id));
	if (inner)
		dhcp6_put_opt(&b, D6O_RELAY_MSG, inner, inner_len);
	return b.len;
}

/* §19.2: the link from Interface-Id; the inner message, unmodified, to
 * peer-address, on the client port 546 (§7.2). */
static void test_rfc8415_reply_to_peer_address_port_546_on_the_interface_id_link(void **state)
{
	uint8_t inner[64], in[512], src[16];
	size_t ni = client_msg(inner, DHCP6_ADVERTISE);
	size_t n = make_reply(in, "vlan20", "2001:db8:10::1", "fe80::5", inner, ni);
	struct relay6_delivery dv;

	(void)state;
	a6("2001:db8::2", src);
	assert_int_equal(relay6_reply(&ctx, src, 0, in, n, &dv), DROP_NONE);
	/* Interface-Id wins over link-address. */
	assert_ptr_equal(dv.l6, &l6[1]);
	assert_int_equal(dv.port, 546);
	assert_int_equal(dv.len, ni);
	assert_memory_equal(dv.buf, inner, ni);
	assert_int_equal(dv.inner.type, DHCP6_ADVERTISE);
	a6("fe80::5", src);
	assert_memory_equal(dv.dst, src, 16);
}

/* §19.2: "Otherwise, if the link-address field is not set to 0", the
 * link with that address; neither: no link. */
static void test_rfc8415_reply_without_interface_id_found_by_link_address(void **state)
{
	uint8_t inner[64], in[512], src[16];
	size_t ni = client_msg(inner, DHCP6_REPLY);
	struct relay6_delivery dv;

	(void)state;
	a6("2001:db8::2", src);
	assert_int_equal(relay6_reply(&ctx, src, 0, in,
				      make_reply(in, NULL, "2001:db8:10::1", "fe80::5", inner, ni),
				      &dv), DROP_NONE);
	assert_ptr_equal(dv.l6, &l6[0]);
	assert_int_equal(relay6_reply(&ctx, src, 0, in,
				      make_reply(in, NULL, NULL, "fe80::5", inner, ni), &dv),
			 DROP_REPLY_UNKNOWN_LINK);
	assert_int_equal(relay6_reply(&ctx, src, 0, in,
				      make_reply(in, "vlan99", NULL, "fe80::5", inner, ni), &dv),
			 DROP_REPLY_UNKNOWN_LINK);
}

/* Relay-replies only from configured servers. */
static void test_rfc8415_reply_from_a_host_that_is_not_a_server_dropped(void **state)
{
	uint8_t inner[64], in[512], src[16];
	size_t ni = client_msg(inner, DHCP6_REPLY);
	size_t n = make_reply(in, "vlan10", NULL, "fe80::5", inner, ni);
	struct relay6_delivery dv;

	(void)state;
	a6("2001:db8::66", src);
	assert_int_equal(relay6_reply(&ctx, src, 0, in, n, &dv), DROP_REPLY_NOT_FROM_SERVER);
	/* A server of no link may not answer for vlan10 either. */
	a6("2001:db8::9", l6[2].servers[0]);
	l6[2].nservers = 1;
	a6("2001:db8::9", src);
	assert_int_equal(relay6_reply(&ctx, src, 0, in, n, &dv), DROP_REPLY_NOT_FROM_SERVER);
}

/* Nested relays: a Relay-reply inside goes to the relay below, on the
 * servers' and relays' port 547. */
static void test_rfc8415_nested_relay_reply_goes_to_the_relay_below_on_547(void **state)
{
	uint8_t inner[64], mid[256], in[512], src[16];
	size_t ni = client_msg(inner, DHCP6_REPLY);
	size_t nm = make_reply(mid, "port7", NULL, "fe80::7", inner, ni);
	size_t n = make_reply(in, "vlan10", NULL, "fe80::77", mid, nm);
	struct relay6_delivery dv;

	(void)state;
	a6("2001:db8::2", src);
	assert_int_equal(relay6_reply(&ctx, src, 0, in, n, &dv), DROP_NONE);
	assert_int_equal(dv.port, 547);
	assert_int_equal(dv.inner.type, DHCP6_RELAY_REPL);
	assert_int_equal(dv.len, nm);
	a6("fe80::77", src);
	assert_memory_equal(dv.dst, src, 16);
}

static void test_reply_that_is_not_a_relay_reply_or_lacks_its_message_dropped(void **state)
{
	uint8_t inner[64], in[512], src[16];
	size_t ni = client_msg(inner, DHCP6_REPLY);
	struct relay6_delivery dv;

	(void)state;
	a6("2001:db8::2", src);
	assert_int_equal(relay6_reply(&ctx, src, 0, inner, ni, &dv), DROP_BAD_OP);
	assert_int_equal(relay6_reply(&ctx, src, 0, in,
				      make_reply(in, "vlan10", NULL, "fe80::5", NULL, 0), &dv),
			 DROP_MALFORMED);
	assert_int_equal(relay6_reply(&ctx, src, 0, in,
				      make_reply(in, "vlan10", NULL, "fe80::5", inner, 3), &dv),
			 DROP_MALFORMED);
}

/* As for DHCPv4, Relay-replies only from the upstream side: one that came
 * in by a client link, or by another interface than upstream when one is
 * set, is dropped though its source is a server's. */
static void test_reply_from_a_server_address_on_a_client_link_or_off_upstream_dropped(void **state)
{
	uint8_t inner[64], in[512], src[16];
	size_t ni = client_msg(inner, DHCP6_REPLY);
	size_t n = make_reply(in, "vlan10", NULL, "fe80::5", inner, ni);
	struct relay6_delivery dv;

	(void)state;
	a6("2001:db8::2", src);
	assert_int_equal(relay6_reply(&ctx, src, 20, in, n, &dv), DROP_REPLY_WRONG_LINK);
	assert_int_equal(relay6_reply(&ctx, src, 2, in, n, &dv), DROP_NONE);
	ctx.upstream_ifindex = 2;
	assert_int_equal(relay6_reply(&ctx, src, 3, in, n, &dv), DROP_REPLY_WRONG_LINK);
	assert_int_equal(relay6_reply(&ctx, src, 2, in, n, &dv), DROP_NONE);
}

/* RFC 8415 §7.1 All_DHCP_Servers: a relay may send to ff05::1:3 when it
 * knows no server's address. Whoever answers is then a server of the
 * link, if it is a global or ULA host and its reply came in by the
 * upstream interface; on any other, or for a link with unicast servers
 * only, it is not. */
static void test_rfc8415_all_dhcp_servers_link_takes_replies_from_the_upstream_side_only(void **state)
{
	uint8_t inner[64], in[512], src[16];
	size_t ni = client_msg(inner, DHCP6_REPLY);
	size_t n10 = make_reply(in, "vlan10", NULL, "fe80::5", inner, ni);
	struct relay6_delivery dv;

	(void)state;
	memcpy(l6[0].servers[0], cfg_all_dhcp_servers, 16);
	ctx.upstream_ifindex = 2;
	a6("2001:db8:99::7", src);
	assert_int_equal(relay6_reply(&ctx, src, 2, in, n10, &dv), DROP_NONE);
	assert_ptr_equal(dv.l6, &l6[0]);
	assert_int_equal(relay6_reply(&ctx, src, 30, in, n10, &dv), DROP_REPLY_NOT_FROM_SERVER);
	assert_int_equal(relay6_reply(&ctx, src, 20, in, n10, &dv), DROP_REPLY_NOT_FROM_SERVER);
	/* A link-local source is no server's. */
	a6("fe80::7", src);
	assert_int_equal(relay6_reply(&ctx, src, 2, in, n10, &dv), DROP_REPLY_NOT_FROM_SERVER);
	/* vlan20 relays to 2001:db8::2 alone: 2001:db8:99::7 may not answer
	 * for it. */
	a6("2001:db8:99::7", src);
	assert_int_equal(relay6_reply(&ctx, src, 2, in,
				      make_reply(in, "vlan20", NULL, "fe80::5", inner, ni), &dv),
			 DROP_REPLY_NOT_FROM_SERVER);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_rfc8415_client_message_wrapped_with_link_and_peer_address),
		T(test_rfc8415_interface_id_sent_and_link_address_zero_without_global),
		T(test_rfc6939_client_link_layer_address_from_the_frame),
		T(test_rfc4649_remote_id_added_when_configured),
		T(test_rfc8415_relay_forward_from_below_hop_count_plus_one),
		T(test_rfc8415_hop_count_limit_8_discards),
		T(test_rfc8415_relay_below_with_global_source_gets_link_address_zero),
		T(test_server_message_types_from_a_client_link_dropped),
		T(test_links_without_ipv6_servers_or_on_standby_are_not_relayed),
		T(test_relay_forward_that_would_exceed_the_largest_message_dropped),
		T(test_rfc8415_reply_to_peer_address_port_546_on_the_interface_id_link),
		T(test_rfc8415_reply_without_interface_id_found_by_link_address),
		T(test_rfc8415_reply_from_a_host_that_is_not_a_server_dropped),
		T(test_rfc8415_nested_relay_reply_goes_to_the_relay_below_on_547),
		T(test_reply_that_is_not_a_relay_reply_or_lacks_its_message_dropped),
		T(test_reply_from_a_server_address_on_a_client_link_or_off_upstream_dropped),
		T(test_rfc8415_all_dhcp_servers_link_takes_replies_from_the_upstream_side_only),
	};

	return cmocka_run_group_tests_name("relay6", tests, NULL, NULL);
}
