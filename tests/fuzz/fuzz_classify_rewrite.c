/* libFuzzer harness: classify a request, match boot rules, rewrite a
 * reply. Input: a 2-byte length L, L bytes of request, the rest a reply.
 * Invariants: the rule matched really matches; a rewritten reply that
 * builds parses back with the rule's file and next-server in place. */
#include "classify.h"
#include "rewrite.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static struct config cfg;
static struct cfg_boot boots[6];

static void setup(void)
{
	config_defaults(&cfg);
	snprintf(boots[0].name, sizeof(boots[0].name), "ipxe");
	snprintf(boots[0].user_class, sizeof(boots[0].user_class), "iPXE");
	snprintf(boots[0].filename, sizeof(boots[0].filename), "http://10.0.0.5/boot.ipxe");
	snprintf(boots[1].name, sizeof(boots[1].name), "pi");
	snprintf(boots[1].mac, sizeof(boots[1].mac), "b8:27:eb:*");
	snprintf(boots[1].filename, sizeof(boots[1].filename), "bootcode.bin");
	snprintf(boots[2].name, sizeof(boots[2].name), "bios");
	boots[2].arch[0] = 0;
	boots[2].narch = 1;
	snprintf(boots[2].filename, sizeof(boots[2].filename), "undionly.kpxe");
	inet_pton(AF_INET, "10.0.0.5", &boots[2].next_server);
	snprintf(boots[3].name, sizeof(boots[3].name), "uefi");
	boots[3].arch[0] = 7;
	boots[3].narch = 1;
	snprintf(boots[3].filename, sizeof(boots[3].filename), "ipxe.efi");
	snprintf(boots[3].server_name, sizeof(boots[3].server_name), "boot1");
	inet_pton(AF_INET, "10.0.0.6", &boots[3].next_server);
	snprintf(boots[4].name, sizeof(boots[4].name), "http");
	boots[4].arch[0] = 16;
	boots[4].narch = 1;
	snprintf(boots[4].filename, sizeof(boots[4].filename), "http://10.0.0.5/x64.efi");
	snprintf(boots[5].name, sizeof(boots[5].name), "by-vendor");
	snprintf(boots[5].vendor_class, sizeof(boots[5].vendor_class), "PXEClient:Arch:0001*");
	snprintf(boots[5].ifaces[0], IFNAMSIZ, "vlan10");
	boots[5].nifaces = 1;
	snprintf(boots[5].filename, sizeof(boots[5].filename),
		 "http://boot.example.net/a/rather/long/path/that/does/not/fit/in/the/bootp/file/field/at/all/because/it/is/longer/than/128/bytes.efi");
	cfg.boots = boots;
	cfg.nboots = 6;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg req, rep, back;
	static uint8_t out[DHCP_MAX_LEN];
	static int ready;
	struct client_class cls;
	const struct cfg_boot *rule;
	struct rewrite_result res;
	size_t reqlen;
	int n;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 2)
		return 0;
	reqlen = (size_t)(data[0] << 8 | data[1]);
	data += 2;
	size -= 2;
	if (reqlen > size)
		reqlen = size;
	if (dhcp_msg_parse(&req, data, reqlen) < 0)
		return 0;
	classify_request(&req, "vlan10", &cls);
	if (cls.arch != ARCH_UNKNOWN && (cls.arch < 0 || cls.arch > 0xffff))
		abort();
	rule = classify_match(&cfg, &cls);
	if (rule && !classify_rule_matches(rule, &cls))
		abort();
	if (dhcp_msg_parse(&rep, data + reqlen, size - reqlen) < 0)
		return 0;
	if (rewrite_reply(&rep, rule, cls.http, &res) < 0 || !res.changed)
		return 0;
	n = dhcp_msg_build(&rep, cls.max_msg_size ? cls.max_msg_size : DHCP_DEFAULT_MAX,
			   out, sizeof(out));
	if (n < 0)
		return 0;
	if (dhcp_msg_parse(&back, out, (size_t)n) < 0)
		abort();
	if (rule->next_server && back.siaddr != rule->next_server)
		abort();
	if (rule->filename[0] && strlen(rule->filename) < sizeof(back.file) &&
	    strcmp((const char *)back.file, rule->filename) != 0)
		abort();
	if (rule->filename[0] && back.has_cookie) {
		size_t len;
		const uint8_t *f = dhcp_opt_get(&back, DHO_BOOTFILE, 1, 1024, &len);

		if (!f || len != strlen(rule->filename) || memcmp(f, rule->filename, len) != 0)
			abort();
	}
	return 0;
}
