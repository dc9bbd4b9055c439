/* Unit tests for rewrite.c: boot rules applied to OFFER/ACK, built back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rewrite.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* A Windows-like OFFER: siaddr 10.0.0.2, option 66 "10.0.0.2", option 67
 * "undionly.kpxe", file "undionly.kpxe". */
static void offer(struct dhcp_msg *m, int type)
{
	uint8_t t = (uint8_t)type;

	dhcp_msg_init(m);
	m->op = BOOTREPLY;
	m->htype = 1;
	m->hlen = 6;
	m->xid = 42;
	m->yiaddr = ip("10.10.0.100");
	m->siaddr = ip("10.0.0.2");
	m->giaddr = ip("10.10.0.1");
	memcpy(m->file, "undionly.kpxe", 13);
	m->has_cookie = true;
	m->wire_len = 300;
	assert_int_equal(dhcp_opt_set(m, DHO_MESSAGE_TYPE, &t, 1), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_SERVER_ID, "\x0a\x00\x00\x02", 4), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_TFTP_SERVER, "10.0.0.2", 8), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_BOOTFILE, "undionly.kpxe", 13), 0);
}

static struct cfg_boot uefi_rule(void)
{
	struct cfg_boot b;

	memset(&b, 0, sizeof(b));
	snprintf(b.name, sizeof(b.name), "uefi-x64");
	snprintf(b.filename, sizeof(b.filename), "ipxe.efi");
	b.next_server = ip("10.0.0.5");
	return b;
}

/* Build, parse back: what the client would receive. */
static void roundtrip(const struct dhcp_msg *m, size_t max, struct dhcp_msg *out)
{
	uint8_t buf[DHCP_MAX_LEN];
	int n = dhcp_msg_build(m, max, buf, sizeof(buf));

	assert_true(n > 0);
	assert_true((size_t)n <= max);
	assert_int_equal(dhcp_msg_parse(out, buf, (size_t)n), 0);
}

static void expect_opt(const struct dhcp_msg *m, uint8_t code, const char *want)
{
	size_t len;
	const uint8_t *v = dhcp_opt_get(m, code, 0, 1024, &len);

	assert_non_null(v);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(v, want, len);
}

static void test_rule_sets_siaddr_and_option66_file_and_option67_consistently(void **state)
{
	struct dhcp_msg m, out;
	struct cfg_boot b = uefi_rule();
	struct rewrite_result r;
	int types[] = { DHCPOFFER, DHCPACK };

	(void)state;
	for (int i = 0; i < 2; i++) {
		offer(&m, types[i]);
		assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
		assert_true(r.changed);
		assert_string_equal(r.old_file, "undionly.kpxe");
		assert_string_equal(r.new_file, "ipxe.efi");
		assert_int_equal(r.old_siaddr, ip("10.0.0.2"));
		assert_int_equal(r.new_siaddr, ip("10.0.0.5"));
		roundtrip(&m, 576, &out);
		assert_int_equal(out.siaddr, ip("10.0.0.5"));
		assert_string_equal((char *)out.file, "ipxe.efi");
		expect_opt(&out, DHO_TFTP_SERVER, "10.0.0.5");
		expect_opt(&out, DHO_BOOTFILE, "ipxe.efi");
		assert_false(dhcp_opt_has(&out, DHO_VENDOR_CLASS));
	}
}

static void test_no_66_67_from_server_rule_adds_them(void **state)
{
	struct dhcp_msg m, out;
	struct cfg_boot b = uefi_rule();
	struct rewrite_result r;

	(void)state;
	offer(&m, DHCPOFFER);
	dhcp_opt_del(&m, DHO_TFTP_SERVER);
	dhcp_opt_del(&m, DHO_BOOTFILE);
	memset(m.file, 0, sizeof(m.file));
	m.siaddr = 0;
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_string_equal(r.old_file, "");
	roundtrip(&m, 576, &out);
	expect_opt(&out, DHO_TFTP_SERVER, "10.0.0.5");
	expect_opt(&out, DHO_BOOTFILE, "ipxe.efi");
	assert_int_equal(out.siaddr, ip("10.0.0.5"));
	assert_string_equal((char *)out.file, "ipxe.efi");
}

static void test_nak_and_requests_untouched(void **state)
{
	struct dhcp_msg m;
	struct cfg_boot b = uefi_rule();
	struct rewrite_result r;

	(void)state;
	offer(&m, DHCPNAK);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_false(r.changed);
	assert_int_equal(m.siaddr, ip("10.0.0.2"));
	offer(&m, DHCPOFFER);
	m.op = BOOTREQUEST;
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_false(r.changed);
	offer(&m, DHCPOFFER);
	assert_int_equal(rewrite_reply(&m, NULL, false, &r), 0);
	assert_false(r.changed);
}

static void test_only_the_keys_a_rule_sets_change(void **state)
{
	struct dhcp_msg m, out;
	struct cfg_boot b;
	struct rewrite_result r;

	(void)state;
	memset(&b, 0, sizeof(b));
	snprintf(b.filename, sizeof(b.filename), "grubx64.efi");
	offer(&m, DHCPACK);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	roundtrip(&m, 576, &out);
	assert_int_equal(out.siaddr, ip("10.0.0.2"));
	expect_opt(&out, DHO_TFTP_SERVER, "10.0.0.2");
	expect_opt(&out, DHO_BOOTFILE, "grubx64.efi");

	memset(&b, 0, sizeof(b));
	snprintf(b.server_name, sizeof(b.server_name), "boot1");
	offer(&m, DHCPACK);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	roundtrip(&m, 576, &out);
	assert_string_equal((char *)out.sname, "boot1");
	assert_string_equal((char *)out.file, "undionly.kpxe");
}

static void test_http_url_adds_httpclient_vendor_class(void **state)
{
	struct dhcp_msg m, out;
	struct cfg_boot b;
	struct rewrite_result r;

	(void)state;
	memset(&b, 0, sizeof(b));
	snprintf(b.filename, sizeof(b.filename), "http://10.0.0.5/boot/x64.efi");
	offer(&m, DHCPOFFER);
	assert_int_equal(rewrite_reply(&m, &b, true, &r), 0);
	assert_true(r.added_http_vendor_class);
	roundtrip(&m, 576, &out);
	expect_opt(&out, DHO_VENDOR_CLASS, "HTTPClient");
	expect_opt(&out, DHO_BOOTFILE, "http://10.0.0.5/boot/x64.efi");
	assert_string_equal((char *)out.file, "http://10.0.0.5/boot/x64.efi");

	/* A PXE client given a URL (iPXE script): no HTTPClient. */
	offer(&m, DHCPOFFER);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_false(r.added_http_vendor_class);
	/* An HTTP client given a plain name: no HTTPClient either. */
	snprintf(b.filename, sizeof(b.filename), "x64.efi");
	offer(&m, DHCPOFFER);
	assert_int_equal(rewrite_reply(&m, &b, true, &r), 0);
	assert_false(r.added_http_vendor_class);
}

static void test_long_url_only_in_option67_file_field_empty(void **state)
{
	struct dhcp_msg m, out;
	struct cfg_boot b;
	struct rewrite_result r;
	char url[200];

	(void)state;
	memset(&b, 0, sizeof(b));
	snprintf(url, sizeof(url), "http://boot.example.net/%0150d.efi", 0);
	snprintf(b.filename, sizeof(b.filename), "%s", url);
	offer(&m, DHCPOFFER);
	assert_int_equal(rewrite_reply(&m, &b, true, &r), 0);
	roundtrip(&m, 576, &out);
	expect_opt(&out, DHO_BOOTFILE, url);
	assert_int_equal(out.file[0], 0);
}

/* Server put options in file and sname (option 52 = 3). */
static void overloaded(struct dhcp_msg *m)
{
	uint8_t wire[DHCP_MAX_LEN];
	int n;

	offer(m, DHCPOFFER);
	memset(m->file, 0, sizeof(m->file));
	dhcp_opt_del(m, DHO_BOOTFILE);
	assert_int_equal(dhcp_opt_set(m, 15, "lab.example", 11), 0);
	assert_int_equal(dhcp_opt_set(m, 12, "client-host", 11), 0);
	m->opts[m->index[15]].area = DHCP_AREA_FILE;
	m->opts[m->index[12]].area = DHCP_AREA_SNAME;
	n = dhcp_msg_build(m, 576, wire, sizeof(wire));
	assert_true(n > 0);
	assert_int_equal(dhcp_msg_parse(m, wire, (size_t)n), 0);
	assert_int_equal(m->opts[m->index[15]].area, DHCP_AREA_FILE);
}

static void test_overload_file_options_move_back_when_file_is_set(void **state)
{
	struct dhcp_msg m, out;
	struct cfg_boot b = uefi_rule();
	struct rewrite_result r;
	const uint8_t *ov;

	(void)state;
	overloaded(&m);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_true(r.moved_overload);
	roundtrip(&m, 576, &out);
	assert_string_equal((char *)out.file, "ipxe.efi");
	expect_opt(&out, 15, "lab.example");
	assert_int_equal(out.opts[out.index[15]].area, DHCP_AREA_OPTIONS);
	/* sname still carries option 12: overload now 2 only. */
	expect_opt(&out, 12, "client-host");
	assert_int_equal(out.opts[out.index[12]].area, DHCP_AREA_SNAME);
	ov = dhcp_opt_get(&out, DHO_OVERLOAD, 1, 1, NULL);
	assert_non_null(ov);
	assert_int_equal(*ov, 2);
}

static void test_overload_kept_valid_when_rule_sets_no_file(void **state)
{
	struct dhcp_msg m, out;
	struct cfg_boot b;
	struct rewrite_result r;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.next_server = ip("10.0.0.5");
	overloaded(&m);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_false(r.moved_overload);
	roundtrip(&m, 576, &out);
	assert_int_equal(out.opts[out.index[15]].area, DHCP_AREA_FILE);
	assert_int_equal(*dhcp_opt_get(&out, DHO_OVERLOAD, 1, 1, NULL), 3);
	assert_int_equal(out.siaddr, ip("10.0.0.5"));
}

static void test_tight_option57_rewrite_that_does_not_fit_fails_build(void **state)
{
	struct dhcp_msg m;
	struct cfg_boot b;
	struct rewrite_result r;
	uint8_t buf[DHCP_MAX_LEN], filler[255];

	(void)state;
	memset(filler, 'x', sizeof(filler));
	memset(&b, 0, sizeof(b));
	snprintf(b.filename, sizeof(b.filename), "http://10.0.0.5/a/very/long/path/to/the/loader/for/this/class/of/machine/bootx64.efi");
	offer(&m, DHCPOFFER);
	/* 240 + 3 + 6 + 10 + 15 + 1 = 275; + 257 = 532; the 87-byte URL
	 * in option 67 (replacing 13) pushes it past 576. */
	assert_int_equal(dhcp_opt_set(&m, 43, filler, 255), 0);
	assert_true(dhcp_msg_build(&m, 576, buf, sizeof(buf)) > 0);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_int_equal(dhcp_msg_build(&m, 576, buf, sizeof(buf)), -EMSGSIZE);
	/* A client that said 1472 (option 57) takes it. */
	assert_true(dhcp_msg_build(&m, 1472, buf, sizeof(buf)) > 576);
}

static void test_option82_stays_last_after_rewrite(void **state)
{
	struct dhcp_msg m;
	struct cfg_boot b = uefi_rule();
	struct rewrite_result r;
	uint8_t buf[DHCP_MAX_LEN];
	int n;

	(void)state;
	offer(&m, DHCPOFFER);
	dhcp_opt_del(&m, DHO_BOOTFILE);
	assert_int_equal(dhcp_opt_set(&m, DHO_AGENT_INFO, "\x01\x06vlan10", 8), 0);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	n = dhcp_msg_build(&m, 576, buf, sizeof(buf));
	assert_true(n > 0);
	/* Walk the options: 82 must be the one just before END. */
	{
		int pos = 240, last = -1;

		while (pos < n && buf[pos] != DHO_END) {
			if (buf[pos] == DHO_PAD) {
				pos++;
				continue;
			}
			last = buf[pos];
			pos += 2 + buf[pos + 1];
		}
		assert_int_equal(last, DHO_AGENT_INFO);
	}
}

static void test_bootp_reply_without_cookie_gets_header_fields(void **state)
{
	struct dhcp_msg m;
	struct cfg_boot b = uefi_rule();
	struct rewrite_result r;

	(void)state;
	dhcp_msg_init(&m);
	m.op = BOOTREPLY;
	m.htype = 1;
	m.hlen = 6;
	m.wire_len = 300;
	m.data_len = 64;
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_true(r.changed);
	assert_int_equal(m.siaddr, ip("10.0.0.5"));
	assert_string_equal((char *)m.file, "ipxe.efi");
}

static void test_rule_repeating_server_values_changes_nothing(void **state)
{
	struct dhcp_msg m;
	struct cfg_boot b;
	struct rewrite_result r;

	(void)state;
	memset(&b, 0, sizeof(b));
	snprintf(b.filename, sizeof(b.filename), "undionly.kpxe");
	b.next_server = ip("10.0.0.2");
	offer(&m, DHCPOFFER);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_false(r.changed);
	snprintf(b.filename, sizeof(b.filename), "ipxe.efi");
	offer(&m, DHCPOFFER);
	assert_int_equal(rewrite_reply(&m, &b, false, &r), 0);
	assert_true(r.changed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_sets_siaddr_and_option66_file_and_option67_consistently),
		cmocka_unit_test(test_no_66_67_from_server_rule_adds_them),
		cmocka_unit_test(test_nak_and_requests_untouched),
		cmocka_unit_test(test_only_the_keys_a_rule_sets_change),
		cmocka_unit_test(test_http_url_adds_httpclient_vendor_class),
		cmocka_unit_test(test_long_url_only_in_option67_file_field_empty),
		cmocka_unit_test(test_overload_file_options_move_back_when_file_is_set),
		cmocka_unit_test(test_overload_kept_valid_when_rule_sets_no_file),
		cmocka_unit_test(test_tight_option57_rewrite_that_does_not_fit_fails_build),
		cmocka_unit_test(test_option82_stays_last_after_rewrite),
		cmocka_unit_test(test_bootp_reply_without_cookie_gets_header_fields),
		cmocka_unit_test(test_rule_repeating_server_values_changes_nothing),
	};

	return cmocka_run_group_tests_name("rewrite", tests, NULL, NULL);
}
