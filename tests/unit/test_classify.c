/* Unit tests for classify.c: firmware classes and boot rule matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "classify.h"

#include <stdio.h>
#include <arpa/inet.h>
#include <string.h>

static void msg(struct dhcp_msg *m)
{
	uint8_t t = DHCPDISCOVER;

	dhcp_msg_init(m);
	m->op = BOOTREQUEST;
	m->htype = 1;
	m->hlen = 6;
	memcpy(m->chaddr, "\xb8\x27\xeb\x01\x02\x03", 6);
	m->has_cookie = true;
	assert_int_equal(dhcp_opt_set(m, DHO_MESSAGE_TYPE, &t, 1), 0);
}

static void set_arch(struct dhcp_msg *m, int code)
{
	uint8_t v[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	assert_int_equal(dhcp_opt_set(m, DHO_CLIENT_ARCH, v, 2), 0);
}

static void set_str(struct dhcp_msg *m, uint8_t code, const char *s)
{
	assert_int_equal(dhcp_opt_set(m, code, s, strlen(s)), 0);
}

static void test_every_iana_arch_code_classified_by_option93(void **state)
{
	struct dhcp_msg m;
	struct client_class c;

	(void)state;
	for (int code = 0; code <= 0x29; code++) {
		msg(&m);
		set_arch(&m, code);
		classify_request(&m, "vlan10", &c);
		assert_int_equal(c.arch_from, ARCH_FROM_OPT93);
		assert_int_equal(c.arch_wire, code);
		assert_int_equal(c.arch, code == 9 ? 7 : code);
		assert_string_not_equal(arch_name(code), "unassigned");
		assert_string_not_equal(arch_name(code), "unknown");
		assert_int_equal(c.http, arch_is_http(code));
	}
	assert_string_equal(arch_name(0), "x86 BIOS");
	assert_string_equal(arch_name(6), "x86 UEFI");
	assert_string_equal(arch_name(7), "x64 UEFI");
	assert_string_equal(arch_name(9), "x64 UEFI");
	assert_string_equal(arch_name(11), "ARM 64-bit UEFI");
	assert_string_equal(arch_name(16), "x64 UEFI HTTP");
	assert_string_equal(arch_name(0x29), "ARM rpiboot");
	assert_string_equal(arch_name(0x2a), "unassigned");
	assert_string_equal(arch_name(ARCH_UNKNOWN), "unknown");
}

static void test_http_boot_codes(void **state)
{
	static const int http[] = { 15, 16, 17, 18, 19, 20, 23, 24, 26, 28, 30, 38, 40 };

	(void)state;
	for (size_t i = 0; i < sizeof(http) / sizeof(http[0]); i++)
		assert_true(arch_is_http(http[i]));
	assert_false(arch_is_http(0));
	assert_false(arch_is_http(7));
	assert_false(arch_is_http(11));
}

static void test_option60_only_arch_is_five_decimal_digits(void **state)
{
	struct dhcp_msg m;
	struct client_class c;

	(void)state;
	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:00007:UNDI:003016");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch_from, ARCH_FROM_OPT60);
	assert_int_equal(c.arch, 7);
	assert_true(c.pxe);

	/* "00016" is 16 decimal (x64 UEFI HTTP), not 0x16. */
	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "HTTPClient:Arch:00016:UNDI:003000");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, 16);
	assert_true(c.http);

	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:00000");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, 0);

	/* Not five digits: no arch, still a PXE client. */
	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:7:UNDI");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, ARCH_UNKNOWN);
	assert_true(c.pxe);

	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "MSFT 5.0");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, ARCH_UNKNOWN);
	assert_false(c.pxe);
}

static void test_option93_wins_over_option60(void **state)
{
	struct dhcp_msg m;
	struct client_class c;

	(void)state;
	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:002001");
	set_arch(&m, 7);
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, 7);
	assert_int_equal(c.arch_from, ARCH_FROM_OPT93);
}

static void test_malformed_option93_falls_back_to_option60_and_is_flagged(void **state)
{
	struct dhcp_msg m;
	struct client_class c;

	(void)state;
	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:00011:UNDI:003000");
	assert_int_equal(dhcp_opt_set(&m, DHO_CLIENT_ARCH, "\x00\x07\x00", 3), 0);
	classify_request(&m, "vlan10", &c);
	assert_true(c.opt93_malformed);
	assert_int_equal(c.arch, 11);
	assert_int_equal(c.arch_from, ARCH_FROM_OPT60);

	msg(&m);
	assert_int_equal(dhcp_opt_set(&m, DHO_CLIENT_ARCH, "", 0), 0);
	classify_request(&m, "vlan10", &c);
	assert_true(c.opt93_malformed);
	assert_int_equal(c.arch, ARCH_UNKNOWN);
}

static void test_option93_list_uses_first_code(void **state)
{
	struct dhcp_msg m;
	struct client_class c;

	(void)state;
	msg(&m);
	assert_int_equal(dhcp_opt_set(&m, DHO_CLIENT_ARCH, "\x00\x0b\x00\x07", 4), 0);
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, 11);
}

static void test_ipxe_by_user_class_raw_rfc3004_or_option175(void **state)
{
	struct dhcp_msg m;
	struct client_class c;

	(void)state;
	msg(&m);
	set_str(&m, DHO_USER_CLASS, "iPXE");
	classify_request(&m, "vlan10", &c);
	assert_true(c.ipxe);
	assert_string_equal(c.user_class, "iPXE");

	msg(&m);
	assert_int_equal(dhcp_opt_set(&m, DHO_USER_CLASS, "\x04iPXE", 5), 0);
	classify_request(&m, "vlan10", &c);
	assert_true(c.ipxe);

	msg(&m);
	assert_int_equal(dhcp_opt_set(&m, DHO_USER_CLASS, "\x03" "abc\x02xy", 7), 0);
	classify_request(&m, "vlan10", &c);
	assert_string_equal(c.user_class, "abc,xy");
	assert_false(c.ipxe);

	msg(&m);
	assert_int_equal(dhcp_opt_set(&m, DHO_IPXE_ENCAP, "\x01\x01\x01", 3), 0);
	classify_request(&m, "vlan10", &c);
	assert_true(c.ipxe);
}

static void test_uuid_mac_interface_and_max_size(void **state)
{
	struct dhcp_msg m;
	struct client_class c;
	uint8_t uuid[17] = { 0 };
	char label[64];

	(void)state;
	msg(&m);
	memset(uuid + 1, 0xab, 16);
	assert_int_equal(dhcp_opt_set(&m, DHO_CLIENT_UUID, uuid, 17), 0);
	assert_int_equal(dhcp_opt_set(&m, DHO_MAX_MESSAGE_SIZE, "\x05\xc0", 2), 0);
	set_arch(&m, 0);
	set_str(&m, DHO_USER_CLASS, "iPXE");
	classify_request(&m, "vlan20", &c);
	assert_true(c.has_uuid);
	assert_memory_equal(c.uuid, uuid, 17);
	assert_memory_equal(c.mac, "\xb8\x27\xeb\x01\x02\x03", 6);
	assert_string_equal(c.ifname, "vlan20");
	assert_int_equal(c.max_msg_size, 1472);
	assert_string_equal(class_label(&c, label, sizeof(label)), "x86 BIOS iPXE");

	/* UUID of the wrong length, max size below 576: ignored. */
	msg(&m);
	assert_int_equal(dhcp_opt_set(&m, DHO_CLIENT_UUID, uuid, 16), 0);
	assert_int_equal(dhcp_opt_set(&m, DHO_MAX_MESSAGE_SIZE, "\x01\x00", 2), 0);
	classify_request(&m, "vlan20", &c);
	assert_false(c.has_uuid);
	assert_int_equal(c.max_msg_size, 0);
}

/* ---- rules ---- */

static struct cfg_boot rule(const char *name)
{
	struct cfg_boot b;

	memset(&b, 0, sizeof(b));
	snprintf(b.name, sizeof(b.name), "%s", name);
	return b;
}

static void class_of(struct client_class *c, int arch, const char *vc, const char *uc,
		     const char *ifname)
{
	struct dhcp_msg m;

	msg(&m);
	if (arch >= 0)
		set_arch(&m, arch);
	if (vc)
		set_str(&m, DHO_VENDOR_CLASS, vc);
	if (uc)
		set_str(&m, DHO_USER_CLASS, uc);
	classify_request(&m, ifname, c);
}

static void test_rule_arch_key_and_7_9_alias(void **state)
{
	struct cfg_boot b = rule("uefi");
	struct client_class c;

	(void)state;
	b.arch[0] = 7;
	b.narch = 1;
	class_of(&c, 7, NULL, NULL, "vlan10");
	assert_true(classify_rule_matches(&b, &c));
	class_of(&c, 9, NULL, NULL, "vlan10");
	assert_true(classify_rule_matches(&b, &c));
	class_of(&c, 0, NULL, NULL, "vlan10");
	assert_false(classify_rule_matches(&b, &c));
	class_of(&c, -1, NULL, NULL, "vlan10");
	assert_false(classify_rule_matches(&b, &c));
	b.arch[0] = 9;   /* a rule written with 9 also takes 7 */
	class_of(&c, 7, NULL, NULL, "vlan10");
	assert_true(classify_rule_matches(&b, &c));
}

static void test_rule_vendor_class_glob(void **state)
{
	struct cfg_boot b = rule("vc");
	struct client_class c;

	(void)state;
	snprintf(b.vendor_class, sizeof(b.vendor_class), "PXEClient:Arch:00007*");
	class_of(&c, -1, "PXEClient:Arch:00007:UNDI:003016", NULL, "vlan10");
	assert_true(classify_rule_matches(&b, &c));
	class_of(&c, -1, "PXEClient:Arch:00000:UNDI:002001", NULL, "vlan10");
	assert_false(classify_rule_matches(&b, &c));
	class_of(&c, 7, NULL, NULL, "vlan10");
	assert_false(classify_rule_matches(&b, &c));
}

static void test_rule_user_class_glob_and_ipxe(void **state)
{
	struct cfg_boot b = rule("ipxe");
	struct client_class c;
	struct dhcp_msg m;

	(void)state;
	snprintf(b.user_class, sizeof(b.user_class), "iPXE");
	class_of(&c, 0, NULL, "iPXE", "vlan10");
	assert_true(classify_rule_matches(&b, &c));
	class_of(&c, 0, NULL, NULL, "vlan10");
	assert_false(classify_rule_matches(&b, &c));
	/* iPXE known by option 175 alone. */
	msg(&m);
	assert_int_equal(dhcp_opt_set(&m, DHO_IPXE_ENCAP, "\x01\x01\x01", 3), 0);
	classify_request(&m, "vlan10", &c);
	assert_true(classify_rule_matches(&b, &c));
	snprintf(b.user_class, sizeof(b.user_class), "lab-*");
	class_of(&c, 0, NULL, "lab-7", "vlan10");
	assert_true(classify_rule_matches(&b, &c));
}

static void test_rule_interface_and_mac_keys(void **state)
{
	struct cfg_boot b = rule("pi");
	struct client_class c;

	(void)state;
	snprintf(b.ifaces[0], IFNAMSIZ, "vlan20");
	snprintf(b.ifaces[1], IFNAMSIZ, "vlan30");
	b.nifaces = 2;
	class_of(&c, 0, NULL, NULL, "vlan20");
	assert_true(classify_rule_matches(&b, &c));
	class_of(&c, 0, NULL, NULL, "vlan10");
	assert_false(classify_rule_matches(&b, &c));
	b.nifaces = 0;
	snprintf(b.mac, sizeof(b.mac), "B8:27:EB:*");   /* Raspberry Pi, arch 0 */
	class_of(&c, 0, NULL, NULL, "vlan10");
	assert_true(classify_rule_matches(&b, &c));
	snprintf(b.mac, sizeof(b.mac), "dc:a6:32:*");
	assert_false(classify_rule_matches(&b, &c));
}

static void test_rules_first_match_wins_and_empty_rule_is_default(void **state)
{
	struct cfg_boot rules[3] = { rule("pi"), rule("bios"), rule("default") };
	struct config cfg;
	struct client_class c;

	(void)state;
	config_defaults(&cfg);
	snprintf(rules[0].mac, sizeof(rules[0].mac), "b8:27:eb:*");
	rules[1].arch[0] = 0;
	rules[1].narch = 1;
	cfg.boots = rules;
	cfg.nboots = 3;
	class_of(&c, 0, NULL, NULL, "vlan10");   /* Pi MAC, arch 0 */
	assert_string_equal(classify_match(&cfg, &c)->name, "pi");
	c.mac[0] = 0x52;
	assert_string_equal(classify_match(&cfg, &c)->name, "bios");
	class_of(&c, 11, NULL, NULL, "vlan10");
	c.mac[0] = 0x52;
	assert_string_equal(classify_match(&cfg, &c)->name, "default");
	cfg.nboots = 2;
	assert_null(classify_match(&cfg, &c));
}

/* U-Boot writes the option 60 architecture in hex: a field with a hex
 * letter is read as hex (RISC-V 64-bit UEFI, 0x1b = 27), never misread as
 * decimal; "00011" from U-Boot on ARM64 stays decimal 11, and U-Boot sends
 * option 93 = 22 with it, which wins. iPXE's bare "PXEClient" gives no
 * arch: option 93 decides. */
static void test_option60_hex_architecture_as_uboot_writes_it(void **state)
{
	struct dhcp_msg m;
	struct client_class c;

	(void)state;
	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:0001b:UNDI:003000");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch_from, ARCH_FROM_OPT60);
	assert_int_equal(c.arch, 27);
	assert_string_equal(arch_name(c.arch_wire), "RISC-V 64-bit UEFI");

	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:0001B:UNDI:003000");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, 27);

	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:00011:UNDI:003000");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, 11);

	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "U-Boot.armv8");
	set_arch(&m, 22);
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch_from, ARCH_FROM_OPT93);
	assert_int_equal(c.arch, 22);

	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, ARCH_UNKNOWN);
	assert_true(c.pxe);

	msg(&m);
	set_str(&m, DHO_VENDOR_CLASS, "PXEClient:Arch:0001g:UNDI:003000");
	classify_request(&m, "vlan10", &c);
	assert_int_equal(c.arch, ARCH_UNKNOWN);
}

static void reply_msg(struct dhcp_msg *m, int type, uint32_t yiaddr, const char *opt60)
{
	uint8_t t = (uint8_t)type;

	dhcp_msg_init(m);
	m->op = BOOTREPLY;
	m->htype = 1;
	m->hlen = 6;
	m->yiaddr = yiaddr;
	m->has_cookie = true;
	assert_int_equal(dhcp_opt_set(m, DHO_MESSAGE_TYPE, &t, 1), 0);
	if (opt60)
		set_str(m, DHO_VENDOR_CLASS, opt60);
}

static void test_proxydhcp_offer_is_an_offer_of_no_address_with_pxeclient(void **state)
{
	struct dhcp_msg m;

	(void)state;
	reply_msg(&m, DHCPOFFER, 0, "PXEClient");
	assert_true(dhcp_is_proxy_offer(&m));
	reply_msg(&m, DHCPOFFER, htonl(0x0a0a0064), "PXEClient");
	assert_false(dhcp_is_proxy_offer(&m));
	reply_msg(&m, DHCPOFFER, 0, NULL);
	assert_false(dhcp_is_proxy_offer(&m));
	reply_msg(&m, DHCPACK, 0, "PXEClient");
	assert_false(dhcp_is_proxy_offer(&m));
}

static void test_rule_with_no_settings_is_a_pass(void **state)
{
	struct cfg_boot b = rule("ztp");

	(void)state;
	snprintf(b.vendor_class, sizeof(b.vendor_class), "PXEClient:*:PID:*");
	assert_true(boot_rule_is_pass(&b));
	b.nremove_opts = 1;
	assert_false(boot_rule_is_pass(&b));
	b.nremove_opts = 0;
	b.next_server = htonl(0x0a000005);
	assert_false(boot_rule_is_pass(&b));
}

/* offered-filename reads option 67, else the file field, but not a file
 * field that carries options (option 52). */
static void test_offered_filename_reads_option67_else_file(void **state)
{
	struct cfg_boot b = rule("b");
	struct dhcp_msg m;

	(void)state;
	snprintf(b.offered_filename, sizeof(b.offered_filename), "undionly.*");
	reply_msg(&m, DHCPOFFER, 1, NULL);
	memcpy(m.file, "undionly.kpxe", 13);
	assert_true(classify_reply_matches(&b, &m, 0));
	set_str(&m, DHO_BOOTFILE, "special.efi");
	assert_false(classify_reply_matches(&b, &m, 0));
	reply_msg(&m, DHCPOFFER, 1, NULL);
	memcpy(m.file, "undionly.kpxe", 13);
	m.overload_read = 1;
	assert_false(classify_reply_matches(&b, &m, 0));
	b.offered_filename[0] = '\0';
	assert_true(classify_reply_matches(&b, &m, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_iana_arch_code_classified_by_option93),
		cmocka_unit_test(test_http_boot_codes),
		cmocka_unit_test(test_option60_only_arch_is_five_decimal_digits),
		cmocka_unit_test(test_option93_wins_over_option60),
		cmocka_unit_test(test_option60_hex_architecture_as_uboot_writes_it),
		cmocka_unit_test(test_proxydhcp_offer_is_an_offer_of_no_address_with_pxeclient),
		cmocka_unit_test(test_rule_with_no_settings_is_a_pass),
		cmocka_unit_test(test_offered_filename_reads_option67_else_file),
		cmocka_unit_test(test_malformed_option93_falls_back_to_option60_and_is_flagged),
		cmocka_unit_test(test_option93_list_uses_first_code),
		cmocka_unit_test(test_ipxe_by_user_class_raw_rfc3004_or_option175),
		cmocka_unit_test(test_uuid_mac_interface_and_max_size),
		cmocka_unit_test(test_rule_arch_key_and_7_9_alias),
		cmocka_unit_test(test_rule_vendor_class_glob),
		cmocka_unit_test(test_rule_user_class_glob_and_ipxe),
		cmocka_unit_test(test_rule_interface_and_mac_keys),
		cmocka_unit_test(test_rules_first_match_wins_and_empty_rule_is_default),
	};

	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
