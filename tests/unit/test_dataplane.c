/* Unit tests for dataplane.c through its seam (struct dp_io): a client's
 * Ethernet frame goes in as the capture hands it over, the datagram the
 * relay queues toward the server is checked (giaddr, hops, option 82),
 * then the server's answer comes in as the upstream socket hands it over
 * and the frame queued toward the client is checked (destination MAC and
 * IP, no option 82, the boot rule's rewrite). The real on_request() and
 * on_reply() run: rate limits, counters, the exchange; only the two sends
 * are recorded instead of queued on sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon.h"
#include "frame.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IF10 10
#define IF_UP 2

static const uint8_t client_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t link_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };

struct sent {
	uint32_t server;
	uint8_t buf[DHCP_MAX_LEN];
	size_t len;
	unsigned cfg_idx;
	uint8_t dst_mac[6];
	uint32_t dst_ip;
	const struct relay_link *link;
	int n;
};

static struct daemon d;
static struct sent to_server, to_client;

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void fake_to_server(void *user, uint32_t server, const uint8_t *buf, size_t len,
			   unsigned cfg_idx)
{
	(void)user;
	to_server.server = server;
	memcpy(to_server.buf, buf, len);
	to_server.len = len;
	to_server.cfg_idx = cfg_idx;
	to_server.n++;
}

static int fake_to_client(void *user, const struct relay_link *l, const uint8_t dst_mac[6],
			  uint32_t dst_ip, const uint8_t *buf, size_t len)
{
	(void)user;
	to_client.link = l;
	memcpy(to_client.dst_mac, dst_mac, 6);
	to_client.dst_ip = dst_ip;
	memcpy(to_client.buf, buf, len);
	to_client.len = len;
	to_client.n++;
	return 0;
}

static const char conf_text[] =
	"servers = {\"10.0.0.2\"}\n"
	"log-level = error\n"
	"interface \"vlan10\" {}\n"
	"boot \"uefi-x64\" {\n  arch = {7, 9}\n  filename = \"ipxe.efi\"\n"
	"  next-server = \"10.0.0.5\"\n}\n";

static int setup(void **state)
{
	struct relay_link *l = calloc(1, sizeof(*l));
	char err[256];

	(void)state;
	assert_non_null(l);
	memset(&d, 0, sizeof(d));
	memset(&to_server, 0, sizeof(to_server));
	memset(&to_client, 0, sizeof(to_client));
	d.udp_fd = d.udp6_fd = d.hold_fd = d.sig_fd = d.ep = d.pid_fd = -1;
	d.cfg = config_parse_text("test.conf", conf_text, strlen(conf_text), err, sizeof(err));
	if (!d.cfg)
		fail_msg("%s", err);
	assert_int_equal(stats_configure(&d.st, d.cfg), 0);
	assert_int_equal(exchange_init(&d.ex, 64, 15000, 11), 0);
	exchange_configure(&d.ex, d.cfg, &d.st);
	assert_int_equal(rl_init(&d.rl_clients, 64, d.cfg->ratelimit.client,
				 d.cfg->ratelimit.client_burst, 12), 0);
	assert_int_equal(rl_init(&d.rl_ifaces, 64, d.cfg->ratelimit.iface,
				 d.cfg->ratelimit.iface_burst, 13), 0);
	l->ifindex = IF10;
	snprintf(l->name, sizeof(l->name), "vlan10");
	memcpy(l->mac, link_mac, 6);
	l->up = true;
	l->addrs[0] = ip("10.10.0.1");
	l->prefixlen[0] = 24;
	l->naddrs = 1;
	l->mtu = 1500;
	l->cfg = config_iface(d.cfg, "vlan10");
	assert_true(relay_link_prepare(l, d.cfg, "router1") >= 0);
	assert_int_equal(relay_links_init(&d.links, l, 1), 0);
	d.io = (struct dp_io){ .user = &d, .to_server = fake_to_server,
			       .to_client = fake_to_client };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	relay_links_free(&d.links);
	rl_free(&d.rl_clients);
	rl_free(&d.rl_ifaces);
	exchange_free(&d.ex);
	stats_free(&d.st);
	config_free(d.cfg);
	return 0;
}

static uint16_t ip_sum(const uint8_t *h, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A UEFI x64 PXE client's DISCOVER as it appears on the wire: Ethernet
 * broadcast, 0.0.0.0:68 -> 255.255.255.255:67, option 93 = 7. */
static size_t discover_frame(uint8_t *f, size_t cap)
{
	struct dhcp_msg m;
	uint8_t t = DHCPDISCOVER, arch[2] = { 0, 7 };
	uint8_t *ipv4 = f + 14, *udp = f + 34;
	int n;

	dhcp_msg_init(&m);
	m.op = BOOTREQUEST;
	m.htype = 1;
	m.hlen = 6;
	m.xid = 0x0badcafe;
	m.flags = DHCP_FLAG_BROADCAST;
	memcpy(m.chaddr, client_mac, 6);
	m.has_cookie = true;
	m.wire_len = 300;
	assert_int_equal(dhcp_opt_set(&m, DHO_MESSAGE_TYPE, &t, 1), 0);
	assert_int_equal(dhcp_opt_set(&m, DHO_CLIENT_ARCH, arch, 2), 0);
	assert_int_equal(dhcp_opt_set(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:00007:UNDI:003016",
				      32), 0);
	n = dhcp_msg_build(&m, 1500, f + 42, cap - 42);
	assert_true(n > 0);
	memset(f, 0xff, 6);
	memcpy(f + 6, client_mac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ipv4, 0, 20);
	ipv4[0] = 0x45;
	ipv4[2] = (uint8_t)((20 + 8 + n) >> 8);
	ipv4[3] = (uint8_t)(20 + 8 + n);
	ipv4[8] = 64;
	ipv4[9] = 17;
	memset(ipv4 + 16, 0xff, 4);
	{
		uint16_t s = ip_sum(ipv4, 20);

		ipv4[10] = (uint8_t)(s >> 8);
		ipv4[11] = (uint8_t)s;
	}
	udp[0] = 0;
	udp[1] = 68;
	udp[2] = 0;
	udp[3] = 67;
	udp[4] = (uint8_t)((8 + n) >> 8);
	udp[5] = (uint8_t)(8 + n);
	udp[6] = udp[7] = 0;
	return 42 + (size_t)n;
}

/* The server's OFFER to the relayed request: echoes giaddr, xid, chaddr,
 * the broadcast flag and option 82; hands out 10.0.0.2 and undionly.kpxe. */
static size_t server_offer(uint8_t *out, size_t cap)
{
	struct dhcp_msg q, r;
	const uint8_t *agent;
	size_t alen;
	uint8_t t = DHCPOFFER, sid[4] = { 10, 0, 0, 2 }, a[256];
	int n;

	assert_int_equal(dhcp_msg_parse(&q, to_server.buf, to_server.len), 0);
	agent = dhcp_opt_get(&q, DHO_AGENT_INFO, 1, sizeof(a), &alen);
	assert_non_null(agent);
	memcpy(a, agent, alen);
	dhcp_msg_init(&r);
	r.op = BOOTREPLY;
	r.htype = 1;
	r.hlen = 6;
	r.hops = 0;
	r.xid = q.xid;
	r.flags = 0;             /* no broadcast: unicast to chaddr/yiaddr */
	r.giaddr = q.giaddr;
	r.yiaddr = ip("10.10.0.150");
	r.siaddr = ip("10.0.0.2");
	memcpy(r.chaddr, q.chaddr, sizeof(r.chaddr));
	memcpy(r.file, "undionly.kpxe", 13);
	r.has_cookie = true;
	assert_int_equal(dhcp_opt_set(&r, DHO_MESSAGE_TYPE, &t, 1), 0);
	assert_int_equal(dhcp_opt_set(&r, DHO_SERVER_ID, sid, 4), 0);
	assert_int_equal(dhcp_opt_set(&r, DHO_TFTP_SERVER, "10.0.0.2", 8), 0);
	assert_int_equal(dhcp_opt_set(&r, DHO_BOOTFILE, "undionly.kpxe", 13), 0);
	assert_int_equal(dhcp_opt_set(&r, DHO_AGENT_INFO, a, alen), 0);
	n = dhcp_msg_build(&r, 1500, out, cap);
	assert_true(n > 0);
	return (size_t)n;
}

/* Frame in -> datagram to the server -> reply in -> frame to the client. */
static void test_frame_in_datagram_out_reply_in_frame_out(void **state)
{
	static uint8_t frame[1600], reply[DHCP_MAX_LEN];
	struct frame_info fi;
	struct dhcp_msg m;
	size_t n;
	const uint8_t *v;
	size_t vlen;

	(void)state;
	n = discover_frame(frame, sizeof(frame));
	assert_int_equal(frame_parse_ether(frame, n, &fi), 0);
	fi.ifindex = IF10;
	on_request(&d, &fi, 0);
	assert_int_equal(to_server.n, 1);
	assert_int_equal(to_server.server, ip("10.0.0.2"));
	assert_int_equal(dhcp_msg_parse(&m, to_server.buf, to_server.len), 0);
	assert_int_equal(m.giaddr, ip("10.10.0.1"));
	assert_int_equal(m.hops, 1);
	v = dhcp_opt_get(&m, DHO_AGENT_INFO, 2, 255, &vlen);
	assert_non_null(v);
	assert_int_equal(v[0], 1);                  /* circuit-id: the link's name */
	assert_memory_equal(v + 2, "vlan10", 6);
	assert_int_equal(d.st.ifaces[0].requests, 1);
	assert_int_equal(d.st.arch[7], 1);

	n = server_offer(reply, sizeof(reply));
	on_reply(&d, reply, n, ip("10.0.0.2"), ip("10.10.0.1"), IF_UP);
	assert_int_equal(to_client.n, 1);
	assert_ptr_equal(to_client.link, &d.links.v[0]);
	/* RFC 2131 4.1: no broadcast flag, no ciaddr: to chaddr, yiaddr. */
	assert_memory_equal(to_client.dst_mac, client_mac, 6);
	assert_int_equal(to_client.dst_ip, ip("10.10.0.150"));
	assert_int_equal(dhcp_msg_parse(&m, to_client.buf, to_client.len), 0);
	assert_false(dhcp_opt_has(&m, DHO_AGENT_INFO));
	assert_int_equal(m.siaddr, ip("10.0.0.5"));
	assert_string_equal((const char *)m.file, "ipxe.efi");
	v = dhcp_opt_get(&m, DHO_BOOTFILE, 1, 255, &vlen);
	assert_non_null(v);
	assert_memory_equal(v, "ipxe.efi", vlen);
	assert_int_equal(d.st.rules[0].rewritten, 1);
	assert_int_equal(d.st.servers[0].replies, 1);
}

/* The same reply from an address that is not a server: nothing reaches
 * the client, the drop is counted. */
static void test_reply_from_a_stranger_is_counted_and_not_sent(void **state)
{
	static uint8_t frame[1600], reply[DHCP_MAX_LEN];
	struct frame_info fi;
	size_t n;

	(void)state;
	n = discover_frame(frame, sizeof(frame));
	assert_int_equal(frame_parse_ether(frame, n, &fi), 0);
	fi.ifindex = IF10;
	on_request(&d, &fi, 0);
	n = server_offer(reply, sizeof(reply));
	on_reply(&d, reply, n, ip("10.0.0.66"), ip("10.10.0.1"), IF_UP);
	assert_int_equal(to_client.n, 0);
	assert_int_equal(d.st.drop[DROP_REPLY_NOT_FROM_SERVER], 1);
}

/* A frame the capture could not parse, and bytes that are no DHCP: counted
 * as malformed, nothing sent. */
static void test_bad_input_is_counted_not_sent(void **state)
{
	static uint8_t frame[1600];
	struct frame_info fi = { .ifindex = IF10 };
	size_t n;

	(void)state;
	on_request(&d, &fi, -EBADMSG);
	n = discover_frame(frame, sizeof(frame));
	assert_int_equal(frame_parse_ether(frame, n, &fi), 0);
	fi.ifindex = IF10;
	fi.payload_len = 100;                        /* a truncated message */
	on_request(&d, &fi, 0);
	on_reply(&d, frame, 50, ip("10.0.0.2"), ip("10.10.0.1"), IF_UP);
	assert_int_equal(to_server.n, 0);
	assert_int_equal(to_client.n, 0);
	assert_int_equal(d.st.drop[DROP_MALFORMED], 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_frame_in_datagram_out_reply_in_frame_out,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_from_a_stranger_is_counted_and_not_sent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input_is_counted_not_sent, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("dataplane", tests, NULL, NULL);
}
