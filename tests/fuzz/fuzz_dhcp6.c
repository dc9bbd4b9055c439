/* fuzz_dhcp6.c - the DHCPv6 codec and the relay's two directions.
 *
 * The input is a DHCPv6 message. It is parsed (every option must lie
 * inside it, the nested Relay Message too); then handed to relay6_request
 * as if from a client link (the Relay-forward built must parse, carry the
 * input whole in its Relay Message option, and stay within
 * DHCP6_MAX_LEN); then to exchange6_reply as if from the server (a
 * delivery points inside the input or at the rewrite buffer, and what is
 * delivered parses). The first input byte also picks the client's
 * architecture for a request classified before the reply, so rewrites
 * are reached. The link proxies TFTP, so every option 59 the reply ends
 * with goes through the proxy's URL rewrite too (checked: it names the
 * link's address), and a Reply's IA_NA through the lease reading. */
#include "exchange6.h"
#include "fuzz_util.h"

#include <errno.h>

static const char conf_text[] =
	"servers = {\"10.0.0.2\"}\n"
	"interface \"vlan10\" { tftp-proxy = true }\n"
	"boot \"ipxe\" { user-class = \"iPXE\" bootfile-url = \"http://[2001:db8::5]/boot.ipxe\" }\n"
	"boot \"x64\"  { arch = {7} offered-filename = \"*generic*\"\n"
	"              bootfile-url = \"tftp://[2001:db8::5]/ipxe.efi\" bootfile-param = \"a\" }\n"
	"boot \"pass\" { arch = {7} }\n"
	"boot \"http\" { arch = {16} bootfile-url = \"http://[2001:db8::5]/x.efi\" }\n"
	"boot \"any\"  { bootfile-url = \"tftp://[2001:db8::5]/undionly.kpxe\" }\n";

static struct config *cfg;
static struct exchange ex;
static struct relay_link link10;
static struct relay6_link l6;
static struct relay6_ctx ctx;
static const uint8_t server[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t client_ll[16] = { 0xfe, 0x80, [15] = 5 };
static const uint8_t link_global[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 1 };

FUZZ_NO_COV static void init(void)
{
	char err[256];

	cfg = config_parse_text("fuzz.conf", conf_text, sizeof(conf_text) - 1, err, sizeof(err));
	FUZZ_CHECK(cfg != NULL);
	FUZZ_CHECK(exchange_init(&ex, 64, 15000, 1) == 0);
	exchange_configure(&ex, cfg, NULL);
	link10.ifindex = 10;
	memcpy(link10.name, "vlan10", 7);
	link10.cfg = &cfg->ifaces[0];
	memcpy(link10.addr6, link_global, 16);
	link10.has_addr6 = true;
	l6.link = &link10;
	memcpy(l6.iface_id, "vlan10", 6);
	l6.iface_id_len = 6;
	memcpy(l6.servers[0], server, 16);
	l6.nservers = 1;
	memcpy(l6.remote_id, "\0\0\0\1r", 5);
	l6.remote_id_len = 5;
	ctx = (struct relay6_ctx){ &l6, 1, true, 0 };
}

FUZZ_NO_COV static void check_nested(const struct dhcp6_msg *m, int depth)
{
	size_t pos = 0;
	uint16_t code, len;
	const uint8_t *v;

	while (dhcp6_opt_next(m, &pos, &code, &v, &len)) {
		FUZZ_CHECK(v >= m->opts && v + len <= m->opts + m->opts_len);
		if (code == D6O_RELAY_MSG && depth < 4) {
			struct dhcp6_msg in;

			if (dhcp6_parse(&in, v, len) == 0)
				check_nested(&in, depth + 1);
		}
	}
	FUZZ_CHECK(pos == m->opts_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct relay6_fwd fwd;
	static uint8_t rbuf[DHCP6_MAX_LEN];
	struct dhcp6_msg m, f;
	struct relay6_rx rx = { .ifindex = 10, .mac = (const uint8_t *)"\x52\x54\0\0\0\1" };
	struct relay6_delivery dv;
	struct exchange6_reply xr;
	struct exchange_request xq;
	char text[64];
	uint8_t mac[6];
	const uint8_t *v;
	uint16_t len;
	int r;

	if (!cfg)
		init();
	r = dhcp6_parse(&m, data, size);
	FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -EMSGSIZE);
	if (r == 0) {
		check_nested(&m, 0);
		dhcp6_class_text(&m, D6O_VENDOR_CLASS, NULL, text, sizeof(text));
		FUZZ_CHECK(strlen(text) < sizeof(text));
		(void)dhcp6_client_mac(&m, mac);
	}

	memcpy(rx.src, client_ll, 16);
	if (relay6_request(&ctx, &rx, data, size, &fwd) == DROP_NONE) {
		FUZZ_CHECK(fwd.len <= DHCP6_MAX_LEN);
		FUZZ_CHECK(dhcp6_parse(&f, fwd.buf, fwd.len) == 0);
		FUZZ_CHECK(f.type == DHCP6_RELAY_FORW);
		FUZZ_CHECK(f.hop_count <= DHCP6_HOP_COUNT_LIMIT);
		v = dhcp6_opt_get(&f, D6O_RELAY_MSG, &len);
		FUZZ_CHECK(v && len == size && memcmp(v, data, size) == 0);
		if (fwd.from_client)
			exchange6_request(&ex, &fwd.in, rx.src, "vlan10", rx.mac, 1000, &xq);
	}

	/* The same bytes as a server's Relay-reply, after a request of the
	 * architecture the first byte picks. */
	if (size > 0 && r == 0 && m.type == DHCP6_RELAY_REPL) {
		uint8_t req[32] = { DHCP6_SOLICIT, 0, 0, 0, 0, 61, 0, 2, 0, (uint8_t)(data[0] & 0x1f) };
		struct dhcp6_msg q;

		v = dhcp6_opt_get(&m, D6O_RELAY_MSG, &len);
		if (v && len >= 4) {
			memcpy(req + 1, v + 1, 3);      /* the inner message's xid */
			if (dhcp6_parse(&q, req, 10) == 0)
				exchange6_request(&ex, &q, m.peer_addr, "vlan10", NULL, 1000, &xq);
		}
	}
	if (exchange6_reply(&ex, &ctx, server, 0, data, size, 1001, rbuf, &dv, &xr) == DROP_NONE) {
		FUZZ_CHECK(dv.l6 == &l6);
		FUZZ_CHECK(dv.port == 546 || dv.port == 547);
		FUZZ_CHECK((dv.buf >= data && dv.buf + dv.len <= data + size) ||
			   (dv.buf == rbuf && dv.len <= DHCP6_MAX_LEN));
		FUZZ_CHECK(dhcp6_parse(&f, dv.buf, dv.len) == 0);
		FUZZ_CHECK(!xr.rewritten || dv.buf == rbuf);
		FUZZ_CHECK(xr.ntftp_clients <= EXCHANGE6_PROXY_CLIENTS);
		FUZZ_CHECK(!xr.ntftp_clients || xr.proxied);
		if (xr.proxied) {
			FUZZ_CHECK(dv.buf == rbuf);
			FUZZ_CHECK(memcmp(xr.tftp_server, link_global, 16) != 0);
			v = dhcp6_opt_get(&f, D6O_BOOTFILE_URL, &len);
			FUZZ_CHECK(v && len >= 26 && memcmp(v, "tftp://[2001:db8:10::1]/", 24) == 0);
		}
	}
	return 0;
}
