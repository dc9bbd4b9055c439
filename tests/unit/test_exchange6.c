/* test_exchange6.c - per-firmware boot over DHCPv6: a client message
 * classified by option 61 (else option 16's "Arch:"), option 15 "iPXE";
 * the server's Advertise/Reply gets its rule's option 59, with and
 * without one of the server's own; option 60; "HTTPClient" for HTTP boot;
 * conditions on the reply; unknown requests and reloads left alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "exchange6.h"

static const char conf_text[] =
	"servers = {\"10.0.0.2\"}\n"
	"interface \"vlan10\" { }\n"
	"interface \"vlan20\" { tftp-proxy = true }\n"
	"boot \"ipxe\"    { user-class = \"iPXE\" bootfile-url = \"http://[2001:db8::5]/boot.ipxe\" }\n"
	"boot \"generic\" { arch = {7, 9} offered-filename = \"*generic.efi\"\n"
	"                 bootfile-url = \"tftp://[2001:db8::5]/ipxe.efi\"\n"
	"                 bootfile-param = \"console=ttyS0\" }\n"
	"boot \"x64-own\" { arch = {7, 9} }\n"
	"boot \"bios\"    { arch = {0} bootfile-url = \"tftp://[2001:db8::5]/undionly.kpxe\" }\n"
	"boot \"ia32\"    { arch = {6} bootfile-url = \"tftp://[2001:db8::5]/ipxe-i386.efi\" }\n"
	"boot \"arm64\"   { arch = {11} bootfile-url = \"tftp://[2001:db8::5]/ipxe-arm64.efi\" }\n"
	"boot \"http\"    { arch = {16} bootfile-url = \"http://[2001:db8::5]/ipxe.efi\" }\n";

static struct config *cfg;
static struct exchange ex;
static struct relay_link link10;
static struct relay6_link l6;
static struct relay6_ctx ctx;
static uint8_t peer[16], server[16], rbuf[DHCP6_MAX_LEN];
static struct relay6_delivery dv;
static struct exchange6_reply xr;
static bool with_lease;        /* server_reply adds an IA_NA leasing LEASED */
#define LEASED "2001:db8:10::100"

static int setup(void **state)
{
	char err[300];

	(void)state;
	cfg = config_parse_text("t.conf", conf_text, strlen(conf_text), err, sizeof(err));
	if (!cfg)
		fail_msg("%s", err);
	assert_int_equal(exchange_init(&ex, 64, 15000, 42), 0);
	exchange_configure(&ex, cfg, NULL);
	memset(&link10, 0, sizeof(link10));
	link10.ifindex = 10;
	strcpy(link10.name, "vlan10");
	memset(&l6, 0, sizeof(l6));
	l6.link = &link10;
	memcpy(l6.iface_id, "vlan10", 6);
	l6.iface_id_len = 6;
	inet_pton(AF_INET6, "2001:db8::2", server);
	memcpy(l6.servers[0], server, 16);
	l6.nservers = 1;
	ctx = (struct relay6_ctx){ &l6, 1, false, 0 };
	inet_pton(AF_INET6, "fe80::5054:ff:fe12:3456", peer);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	exchange_free(&ex);
	config_free(cfg);
	return 0;
}

/* A SOLICIT (xid 0x0a0b0c): arch (-1: no option 61), vendor class text
 * (NULL: none), user class (NULL: none). */
static size_t solicit(uint8_t *out, int arch, const char *vc, const char *uc)
{
	struct dhcp6_buf b;
	static const uint8_t duid[] = { 0, 3, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

	dhcp6_buf_init(&b, out, 512);
	dhcp6_put(&b, "\x01\x0a\x0b\x0c", 4);
	dhcp6_put_opt(&b, D6O_CLIENTID, duid, sizeof(duid));
	dhcp6_put_opt(&b, D6O_ORO, "\x00\x3b\x00\x3c", 4);
	if (arch >= 0) {
		uint8_t a[2] = { (uint8_t)(arch >> 8), (uint8_t)arch };

		dhcp6_put_opt(&b, D6O_CLIENT_ARCH_TYPE, a, 2);
	}
	if (vc) {
		uint8_t v[128] = { 0, 0, 1, 87, 0, (uint8_t)strlen(vc) };

		memcpy(v + 6, vc, strlen(vc));
		dhcp6_put_opt(&b, D6O_VENDOR_CLASS, v, 6 + strlen(vc));
	}
	if (uc) {
		uint8_t v[64] = { 0, (uint8_t)strlen(uc) };

		memcpy(v + 2, uc, strlen(uc));
		dhcp6_put_opt(&b, D6O_USER_CLASS, v, 2 + strlen(uc));
	}
	assert_false(b.overflow);
	return b.len;
}

static void request(int arch, const char *vc, const char *uc, struct exchange_request *xq)
{
	uint8_t buf[512];
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_parse(&m, buf, solicit(buf, arch, vc, uc)), 0);
	exchange6_request(&ex, &m, peer, "vlan10", NULL, 1000, xq);
}

/* The server's Relay-reply holding an ADVERTISE (type) for our client:
 * client id, server id, then option 59 url (NULL: none), then a vendor
 * class of its own when server_vc. */
static size_t server_reply(uint8_t *out, uint8_t type, const char *url, bool server_vc)
{
	uint8_t inner[512], la[16] = { 0 };
	struct dhcp6_buf b;
	size_t n;

	dhcp6_buf_init(&b, inner, sizeof(inner));
	dhcp6_put(&b, "\x02\x0a\x0b\x0c", 4);
	inner[0] = type;
	dhcp6_put_opt(&b, D6O_CLIENTID, "\x00\x03\x00\x01\x52\x54\x00\x12\x34\x56", 10);
	dhcp6_put_opt(&b, D6O_SERVERID, "\x00\x03\x00\x01\x02\x00\x00\x00\x00\x02", 10);
	if (url)
		dhcp6_put_opt(&b, D6O_BOOTFILE_URL, url, strlen(url));
	if (server_vc)
		dhcp6_put_opt(&b, D6O_VENDOR_CLASS, "\x00\x00\x01\x57\x00\x02xy", 8);
	if (with_lease) {
		uint8_t ia[12 + 4 + 24] = { 0, 0, 0, 1, [12] = 0, 5, 0, 24 };

		inet_pton(AF_INET6, LEASED, ia + 16);
		dhcp6_put_opt(&b, 3 /* IA_NA */, ia, sizeof(ia));
	}
	n = b.len;
	dhcp6_buf_init(&b, out, 1024);
	dhcp6_put_relay_header(&b, DHCP6_RELAY_REPL, 0, la, peer);
	dhcp6_put_opt(&b, D6O_INTERFACE_ID, "vlan10", 6);
	dhcp6_put_opt(&b, D6O_RELAY_MSG, inner, n);
	return b.len;
}

/* Option 59 of what goes to the client, "" when none. */
static const char *sent_url(void)
{
	static char url[300];
	struct dhcp6_msg m;
	uint16_t len;
	const uint8_t *v;

	assert_int_equal(dhcp6_parse(&m, dv.buf, dv.len), 0);
	v = dhcp6_opt_get(&m, D6O_BOOTFILE_URL, &len);
	snprintf(url, sizeof(url), "%.*s", v ? (int)len : 0, v ? (const char *)v : "");
	return url;
}

static enum drop_reason reply(uint8_t type, const char *url, bool server_vc)
{
	uint8_t in[1024];

	return exchange6_reply(&ex, &ctx, server, 0, in, server_reply(in, type, url, server_vc),
			       1100, rbuf, &dv, &xr);
}

/* RFC 5970 §3.3 option 61 carries option 93's codes: each firmware gets
 * the option 59 its rule names, in place of the server's one for all. */
static void test_rfc5970_option61_each_arch_gets_its_rules_bootfile_url(void **state)
{
	static const struct { int arch; const char *url; } want[] = {
		{ 0, "tftp://[2001:db8::5]/undionly.kpxe" },
		{ 6, "tftp://[2001:db8::5]/ipxe-i386.efi" },
		{ 7, "tftp://[2001:db8::5]/ipxe.efi" },
		{ 9, "tftp://[2001:db8::5]/ipxe.efi" },
		{ 11, "tftp://[2001:db8::5]/ipxe-arm64.efi" },
		{ 16, "http://[2001:db8::5]/ipxe.efi" },
	};
	struct exchange_request xq;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		request(want[i].arch, NULL, NULL, &xq);
		assert_int_equal(xq.cls.arch_wire, want[i].arch);
		assert_int_equal(xq.cls.arch_from, ARCH_FROM_OPT61);
		assert_int_equal(reply(DHCP6_ADVERTISE, "tftp://[2001:db8::2]/generic.efi", false),
				 DROP_NONE);
		assert_true(xr.known);
		assert_true(xr.rewritten);
		assert_string_equal(sent_url(), want[i].url);
		assert_string_equal(xr.old_url, "tftp://[2001:db8::2]/generic.efi");
		assert_string_equal(xr.new_url, want[i].url);
	}
}

/* The server sent no option 59: the rule's is added. */
static void test_bootfile_url_added_when_the_server_sent_none(void **state)
{
	struct exchange_request xq;

	(void)state;
	request(11, NULL, NULL, &xq);
	assert_int_equal(reply(DHCP6_REPLY, NULL, false), DROP_NONE);
	assert_true(xr.rewritten);
	assert_string_equal(sent_url(), "tftp://[2001:db8::5]/ipxe-arm64.efi");
}

/* Options keep the server's order, 59 replaced where it was; option 60
 * is one RFC 5970 parameter (16-bit length, then the text). */
static void test_rewrite_keeps_option_order_and_writes_bootfile_param(void **state)
{
	struct exchange_request xq;
	struct dhcp6_msg m;
	size_t pos = 0;
	uint16_t code, len, codes[8], n = 0;
	const uint8_t *v;

	(void)state;
	request(7, NULL, NULL, &xq);
	assert_int_equal(reply(DHCP6_ADVERTISE, "tftp://[2001:db8::2]/generic.efi", true),
			 DROP_NONE);
	assert_string_equal(xr.rule->name, "generic");
	assert_int_equal(dhcp6_parse(&m, dv.buf, dv.len), 0);
	assert_int_equal(m.type, DHCP6_ADVERTISE);
	assert_int_equal(m.xid, 0x0a0b0c);
	while (dhcp6_opt_next(&m, &pos, &code, &v, &len) && n < 8)
		codes[n++] = code;
	assert_int_equal(n, 5);
	assert_int_equal(codes[0], D6O_CLIENTID);
	assert_int_equal(codes[1], D6O_SERVERID);
	assert_int_equal(codes[2], D6O_BOOTFILE_URL);
	assert_int_equal(codes[3], D6O_VENDOR_CLASS);
	assert_int_equal(codes[4], D6O_BOOTFILE_PARAM);
	v = dhcp6_opt_get(&m, D6O_BOOTFILE_PARAM, &len);
	assert_int_equal(len, 2 + 13);
	assert_int_equal(v[0] << 8 | v[1], 13);
	assert_memory_equal(v + 2, "console=ttyS0", 13);
}

/* UEFI HTTP boot: the reply carries vendor class "HTTPClient" (enterprise
 * 343) unless the server sent a vendor class of its own. */
static void test_http_boot_client_gets_the_httpclient_vendor_class(void **state)
{
	struct exchange_request xq;
	struct dhcp6_msg m;
	char text[64];
	uint32_t ent;

	(void)state;
	request(16, "HTTPClient:Arch:00016:UNDI:003001", NULL, &xq);
	assert_true(xq.cls.http);
	assert_int_equal(reply(DHCP6_ADVERTISE, NULL, false), DROP_NONE);
	assert_true(xr.added_http_vendor_class);
	assert_int_equal(dhcp6_parse(&m, dv.buf, dv.len), 0);
	dhcp6_class_text(&m, D6O_VENDOR_CLASS, &ent, text, sizeof(text));
	assert_int_equal(ent, 343);
	assert_string_equal(text, "HTTPClient");
	request(16, NULL, NULL, &xq);
	assert_int_equal(reply(DHCP6_ADVERTISE, NULL, true), DROP_NONE);
	assert_false(xr.added_http_vendor_class);
}

/* No option 61: the architecture from option 16 "PXEClient:Arch:NNNNN";
 * option 15 "iPXE" matches the iPXE rule first. */
static void test_vendor_class_arch_and_ipxe_user_class(void **state)
{
	struct exchange_request xq;

	(void)state;
	request(-1, "PXEClient:Arch:00011:UNDI:003016", NULL, &xq);
	assert_int_equal(xq.cls.arch_wire, 11);
	assert_int_equal(xq.cls.arch_from, ARCH_FROM_OPT16);
	assert_true(xq.cls.pxe);
	assert_int_equal(reply(DHCP6_ADVERTISE, NULL, false), DROP_NONE);
	assert_string_equal(sent_url(), "tftp://[2001:db8::5]/ipxe-arm64.efi");
	request(7, NULL, "iPXE", &xq);
	assert_true(xq.cls.ipxe);
	assert_string_equal(xq.rule->name, "ipxe");
	assert_int_equal(reply(DHCP6_REPLY, "tftp://[2001:db8::2]/generic.efi", false), DROP_NONE);
	assert_string_equal(sent_url(), "http://[2001:db8::5]/boot.ipxe");
}

/* offered-filename is a condition on the server's option 59: where the
 * server named a machine's own file (a reservation), the next rule the
 * client matches applies, here a pass: the reply goes out as sent. */
static void test_offered_filename_condition_on_option59_falls_to_a_pass(void **state)
{
	struct exchange_request xq;
	uint8_t in[1024];
	size_t n;

	(void)state;
	request(7, NULL, NULL, &xq);
	n = server_reply(in, DHCP6_ADVERTISE, "tftp://[2001:db8::2]/reserved.efi", false);
	assert_int_equal(exchange6_reply(&ex, &ctx, server, 0, in, n, 1100, rbuf, &dv, &xr),
			 DROP_NONE);
	assert_string_equal(xr.rule->name, "x64-own");
	assert_true(xr.pass);
	assert_false(xr.rewritten);
	assert_string_equal(sent_url(), "tftp://[2001:db8::2]/reserved.efi");
	assert_ptr_not_equal(dv.buf, rbuf);
}

/* A reply whose request was never seen, or seen under the configuration
 * before a reload, goes out as the server sent it. */
static void test_unknown_request_and_reload_leave_the_reply_as_sent(void **state)
{
	struct exchange_request xq;

	(void)state;
	assert_int_equal(reply(DHCP6_ADVERTISE, "tftp://[2001:db8::2]/generic.efi", false),
			 DROP_NONE);
	assert_false(xr.known);
	assert_false(xr.rewritten);
	assert_string_equal(sent_url(), "tftp://[2001:db8::2]/generic.efi");
	request(0, NULL, NULL, &xq);
	exchange_configure(&ex, cfg, NULL);
	assert_int_equal(reply(DHCP6_ADVERTISE, "tftp://[2001:db8::2]/generic.efi", false),
			 DROP_NONE);
	assert_true(xr.known);
	assert_null(xr.rule);
	assert_false(xr.rewritten);
}

/* Relay-reply rules still apply first: a reply from elsewhere is not
 * rewritten, it is dropped. */
static void test_reply_from_a_non_server_is_dropped_before_any_rewrite(void **state)
{
	struct exchange_request xq;
	uint8_t in[1024], other[16];
	size_t n;

	(void)state;
	request(0, NULL, NULL, &xq);
	n = server_reply(in, DHCP6_ADVERTISE, NULL, false);
	inet_pton(AF_INET6, "2001:db8::66", other);
	assert_int_equal(exchange6_reply(&ex, &ctx, other, 0, in, n, 1100, rbuf, &dv, &xr),
			 DROP_REPLY_NOT_FROM_SERVER);
	assert_false(xr.rewritten);
}

/* from-server holds for the reply's family only: a rule naming an IPv6
 * server applies to that server's DHCPv6 replies and to no IPv4 reply; an
 * option 59 too long for a rule's glob, or with a NUL, matches none. */
static void test_from_server_and_offered_filename_on_dhcpv6_replies(void **state)
{
	struct cfg_boot b = { .name = "r" };
	struct dhcp_msg m4;
	struct dhcp6_msg m;
	uint8_t buf[600], other[16];
	struct dhcp6_buf w;
	char longurl[300];

	(void)state;
	dhcp6_buf_init(&w, buf, sizeof(buf));
	dhcp6_put(&w, "\x02\x0a\x0b\x0c", 4);
	dhcp6_put_opt(&w, D6O_BOOTFILE_URL, "tftp://[2001:db8::2]/generic.efi", 32);
	assert_int_equal(dhcp6_parse(&m, buf, w.len), 0);
	memcpy(b.from_servers.addr6[0], server, 16);
	b.from_servers.n6 = 1;
	inet_pton(AF_INET6, "2001:db8::66", other);
	assert_true(classify6_reply_matches(&b, &m, server));
	assert_false(classify6_reply_matches(&b, &m, other));
	dhcp_msg_init(&m4);
	assert_false(classify_reply_matches(&b, &m4, htonl(0x0a000002)));
	assert_true(boot_rule_has_reply_conditions(&b));

	b.from_servers.n6 = 0;
	snprintf(b.offered_filename, sizeof(b.offered_filename), "*generic*");
	assert_true(classify6_reply_matches(&b, &m, server));
	memset(longurl, 'a', sizeof(longurl));
	memcpy(longurl + 280, "generic.efi", 11);
	dhcp6_buf_init(&w, buf, sizeof(buf));
	dhcp6_put(&w, "\x02\x0a\x0b\x0c", 4);
	dhcp6_put_opt(&w, D6O_BOOTFILE_URL, longurl, 291);
	assert_int_equal(dhcp6_parse(&m, buf, w.len), 0);
	assert_false(classify6_reply_matches(&b, &m, server));
	dhcp6_buf_init(&w, buf, sizeof(buf));
	dhcp6_put(&w, "\x02\x0a\x0b\x0c", 4);
	dhcp6_put_opt(&w, D6O_BOOTFILE_URL, "x\0generic", 9);
	assert_int_equal(dhcp6_parse(&m, buf, w.len), 0);
	assert_false(classify6_reply_matches(&b, &m, server));
}

/* tftp-proxy on the link: the client is pointed at the relay's address
 * there, and the address a Reply leases it is what the proxy will know it
 * by. RFC 3986 §3.2.2: an IPv6 literal host is written in brackets. */
static void test_tftp_proxy_url_forms(void **state)
{
	uint8_t ours[16], srv[16], want[16];
	char out[256];

	(void)state;
	inet_pton(AF_INET6, "2001:db8:10::1", ours);
	assert_int_equal(exchange6_proxy_url("tftp://[2001:db8::5]/boot/ipxe.efi", ours, out,
					     sizeof(out), srv), 0);
	assert_string_equal(out, "tftp://[2001:db8:10::1]/boot/ipxe.efi");
	inet_pton(AF_INET6, "2001:db8::5", want);
	assert_memory_equal(srv, want, 16);
	/* An IPv4 boot server: the proxy fetches over IPv4. */
	assert_int_equal(exchange6_proxy_url("TFTP://10.0.0.5:69/undionly.kpxe", ours, out,
					     sizeof(out), srv), 0);
	assert_string_equal(out, "tftp://[2001:db8:10::1]/undionly.kpxe");
	inet_pton(AF_INET6, "::ffff:10.0.0.5", want);
	assert_memory_equal(srv, want, 16);
	/* Left alone: another scheme or port, a name, a link-local host, no
	 * path, ours. */
	assert_int_equal(exchange6_proxy_url("http://[2001:db8::5]/x", ours, out, sizeof(out), srv),
			 -1);
	assert_int_equal(exchange6_proxy_url("tftp://[2001:db8::5]:6969/x", ours, out, sizeof(out),
					     srv), -1);
	assert_int_equal(exchange6_proxy_url("tftp://boot.example/x", ours, out, sizeof(out), srv),
			 -1);
	assert_int_equal(exchange6_proxy_url("tftp://[fe80::5]/x", ours, out, sizeof(out), srv), -1);
	assert_int_equal(exchange6_proxy_url("tftp://[2001:db8::5]", ours, out, sizeof(out), srv),
			 -1);
	assert_int_equal(exchange6_proxy_url("tftp://[2001:db8::5/x", ours, out, sizeof(out), srv),
			 -1);
	assert_int_equal(exchange6_proxy_url("tftp://[2001:db8:10::1]/x", ours, out, sizeof(out),
					     srv), -1);
	assert_int_equal(exchange6_proxy_url("tftp://[2001:db8::5]/x", ours, out, 20, srv), -1);
}

static void test_tftp_proxy_link_points_option59_at_the_relay_and_learns_the_lease(void **state)
{
	static struct relay_link link20;
	struct exchange_request xq;
	uint8_t want[16];

	(void)state;
	memset(&link20, 0, sizeof(link20));
	link20.ifindex = 10;
	strcpy(link20.name, "vlan20");
	link20.cfg = &cfg->ifaces[1];
	assert_true(link20.cfg->tftp_proxy);
	inet_pton(AF_INET6, "2001:db8:10::1", link20.addr6);
	link20.has_addr6 = true;
	l6.link = &link20;
	ctx.tftp_proxy = true;
	with_lease = true;

	/* The server's URL, for a client no rule names: an Advertise is
	 * pointed at us, but leases nothing yet. */
	assert_int_equal(reply(DHCP6_ADVERTISE, "tftp://[2001:db8::2]/generic.efi", false),
			 DROP_NONE);
	assert_true(xr.proxied);
	assert_false(xr.rewritten);
	assert_string_equal(sent_url(), "tftp://[2001:db8:10::1]/generic.efi");
	assert_int_equal(xr.ntftp_clients, 0);
	inet_pton(AF_INET6, "2001:db8::2", want);
	assert_memory_equal(xr.tftp_server, want, 16);

	/* The rule's URL, in the Reply: the lease boots from its host. */
	request(0, NULL, NULL, &xq);
	assert_int_equal(reply(DHCP6_REPLY, "tftp://[2001:db8::2]/generic.efi", false), DROP_NONE);
	assert_true(xr.proxied);
	assert_true(xr.rewritten);
	assert_string_equal(sent_url(), "tftp://[2001:db8:10::1]/undionly.kpxe");
	assert_string_equal(xr.new_url, "tftp://[2001:db8:10::1]/undionly.kpxe");
	inet_pton(AF_INET6, "2001:db8::5", want);
	assert_memory_equal(xr.tftp_server, want, 16);
	assert_int_equal(xr.ntftp_clients, 1);
	inet_pton(AF_INET6, LEASED, want);
	assert_memory_equal(xr.tftp_clients[0], want, 16);

	/* An HTTP URL is not the proxy's: left as the rule wrote it. */
	request(16, NULL, NULL, &xq);
	assert_int_equal(reply(DHCP6_REPLY, "tftp://[2001:db8::2]/generic.efi", false), DROP_NONE);
	assert_false(xr.proxied);
	assert_int_equal(xr.ntftp_clients, 0);
	assert_string_equal(sent_url(), "http://[2001:db8::5]/ipxe.efi");

	/* Without the proxy running, the link's setting does nothing. */
	ctx.tftp_proxy = false;
	request(0, NULL, NULL, &xq);
	assert_int_equal(reply(DHCP6_REPLY, "tftp://[2001:db8::2]/generic.efi", false), DROP_NONE);
	assert_false(xr.proxied);
	assert_int_equal(xr.ntftp_clients, 0);
	assert_string_equal(sent_url(), "tftp://[2001:db8::5]/undionly.kpxe");
	with_lease = false;
	l6.link = &link10;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_rfc5970_option61_each_arch_gets_its_rules_bootfile_url),
		T(test_bootfile_url_added_when_the_server_sent_none),
		T(test_rewrite_keeps_option_order_and_writes_bootfile_param),
		T(test_http_boot_client_gets_the_httpclient_vendor_class),
		T(test_vendor_class_arch_and_ipxe_user_class),
		T(test_offered_filename_condition_on_option59_falls_to_a_pass),
		T(test_unknown_request_and_reload_leave_the_reply_as_sent),
		T(test_reply_from_a_non_server_is_dropped_before_any_rewrite),
		T(test_from_server_and_offered_filename_on_dhcpv6_replies),
		T(test_tftp_proxy_url_forms),
		T(test_tftp_proxy_link_points_option59_at_the_relay_and_learns_the_lease),
	};

	return cmocka_run_group_tests_name("exchange6", tests, NULL, NULL);
}
