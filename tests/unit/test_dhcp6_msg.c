/* test_dhcp6_msg.c - the DHCPv6 codec: headers, options, nesting, bounds.
 * Messages are assembled here byte by byte, independently of the
 * codec's writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp6_msg.h"

struct raw {
	uint8_t b[1024];
	size_t len;
	size_t bounds[32];            /* offsets where an option ends */
	size_t nbounds;
};

static void put(struct raw *r, const void *v, size_t n)
{
	assert_true(r->len + n <= sizeof(r->b));
	memcpy(r->b + r->len, v, n);
	r->len += n;
}

static void opt(struct raw *r, uint16_t code, const void *v, uint16_t n)
{
	uint8_t h[4] = { (uint8_t)(code >> 8), (uint8_t)code, (uint8_t)(n >> 8), (uint8_t)n };

	put(r, h, 4);
	put(r, v, n);
	r->bounds[r->nbounds++] = r->len;
}

static const uint8_t duid_llt[] = { 0, 1, 0, 1, 0x2a, 0x2b, 0x2c, 0x2d,
				    0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t arch7[] = { 0, 7 };
/* enterprise 343, one item of 32 octets */
static const uint8_t vc_pxe[] = "\0\0\1\x57\0\x20PXEClient:Arch:00007:UNDI:003016";
static const uint8_t oro[] = { 0, 59, 0, 60, 0, 23 };

/* A SOLICIT as OVMF sends one: client id, ORO asking for 59 and 60,
 * option 61 arch 7, option 16 PXEClient. */
static void solicit(struct raw *r)
{
	static const uint8_t hdr[4] = { DHCP6_SOLICIT, 0xab, 0xcd, 0xef };

	memset(r, 0, sizeof(*r));
	put(r, hdr, 4);
	r->bounds[r->nbounds++] = r->len;
	opt(r, D6O_CLIENTID, duid_llt, sizeof(duid_llt));
	opt(r, D6O_ORO, oro, sizeof(oro));
	opt(r, D6O_CLIENT_ARCH_TYPE, arch7, sizeof(arch7));
	opt(r, D6O_VENDOR_CLASS, vc_pxe, sizeof(vc_pxe) - 1);
}

/* Parse from a heap copy of exactly len bytes, so ASan sees over-reads. */
static int parse_exact(struct dhcp6_msg *m, const uint8_t *p, size_t len, uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	memcpy(*copy, p, len);
	return dhcp6_parse(m, *copy, len);
}

/* RFC 8415 §8: "msg-type, transaction-id (3 octets), options". */
static void test_rfc8415_client_message_header_and_options(void **state)
{
	struct raw r;
	struct dhcp6_msg m;
	uint16_t len, code;
	const uint8_t *v;
	size_t pos = 0, n = 0;

	(void)state;
	solicit(&r);
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), 0);
	assert_int_equal(m.type, DHCP6_SOLICIT);
	assert_int_equal(m.xid, 0xabcdef);
	assert_ptr_equal(m.opts, r.b + 4);
	assert_int_equal(m.opts_len, r.len - 4);
	v = dhcp6_opt_get(&m, D6O_CLIENT_ARCH_TYPE, &len);
	assert_non_null(v);
	assert_int_equal(len, 2);
	assert_int_equal(v[1], 7);
	assert_null(dhcp6_opt_get(&m, D6O_BOOTFILE_URL, &len));
	while (dhcp6_opt_next(&m, &pos, &code, &v, &len))
		n++;
	assert_int_equal(n, 4);
	assert_int_equal(pos, m.opts_len);
	assert_string_equal(dhcp6_type_name(m.type), "SOLICIT");
}

/* RFC 8415 §9: "msg-type, hop-count, link-address (16), peer-address
 * (16), options"; the Relay Message option holds a whole message. */
static void test_rfc8415_relay_message_header_and_nested_message(void **state)
{
	struct raw inner, r;
	struct dhcp6_msg m, in;
	uint16_t len;
	const uint8_t *v;
	uint8_t hdr[34] = { DHCP6_RELAY_FORW, 3 };

	(void)state;
	solicit(&inner);
	memset(&r, 0, sizeof(r));
	hdr[2] = 0x20;                  /* link 2001:db8::1 */
	hdr[3] = 0x01;
	hdr[4] = 0x0d;
	hdr[5] = 0xb8;
	hdr[17] = 1;
	hdr[18] = 0xfe;                 /* peer fe80::5 */
	hdr[19] = 0x80;
	hdr[33] = 5;
	put(&r, hdr, sizeof(hdr));
	opt(&r, D6O_INTERFACE_ID, "vlan10", 6);
	opt(&r, D6O_RELAY_MSG, inner.b, (uint16_t)inner.len);
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), 0);
	assert_true(dhcp6_is_relay_type(m.type));
	assert_int_equal(m.hop_count, 3);
	assert_memory_equal(m.link_addr, hdr + 2, 16);
	assert_memory_equal(m.peer_addr, hdr + 18, 16);
	v = dhcp6_opt_get(&m, D6O_RELAY_MSG, &len);
	assert_non_null(v);
	assert_int_equal(dhcp6_parse(&in, v, len), 0);
	assert_int_equal(in.type, DHCP6_SOLICIT);
	assert_int_equal(in.xid, 0xabcdef);
}

/* RFC 8415 §21.1: every option's data is exactly option-len octets; a
 * message cut anywhere but between two options is malformed. */
static void test_rfc8415_truncation_at_every_offset(void **state)
{
	struct raw r;
	struct dhcp6_msg m;

	(void)state;
	solicit(&r);
	for (size_t cut = 0; cut < r.len; cut++) {
		uint8_t *copy;
		bool boundary = false;
		int rc = parse_exact(&m, r.b, cut, &copy);

		for (size_t i = 0; i < r.nbounds; i++)
			boundary |= r.bounds[i] == cut;
		if (boundary)
			assert_int_equal(rc, 0);
		else if (rc != -EBADMSG)
			fail_msg("cut at %zu of %zu: %d, want -EBADMSG", cut, r.len, rc);
		free(copy);
	}
}

static void test_option_longer_than_the_message_is_rejected(void **state)
{
	struct raw r;
	struct dhcp6_msg m;

	(void)state;
	solicit(&r);
	r.b[4 + 3] += 1;                /* the client id claims one more byte */
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), -EBADMSG);
}

static void test_type_zero_empty_and_oversized_are_rejected(void **state)
{
	static uint8_t big[DHCP6_MAX_LEN + 1];
	const uint8_t zero[4] = { 0, 1, 2, 3 };
	struct dhcp6_msg m;

	(void)state;
	assert_int_equal(dhcp6_parse(&m, zero, 4), -EBADMSG);
	assert_int_equal(dhcp6_parse(&m, zero, 0), -EBADMSG);
	big[0] = DHCP6_SOLICIT;
	assert_int_equal(dhcp6_parse(&m, big, sizeof(big)), -EMSGSIZE);
}

/* The writer: options with lengths filled in, nothing past the cap. */
static void test_writer_builds_what_the_parser_reads_and_stops_at_its_cap(void **state)
{
	uint8_t out[64], link[16] = { 0x20, 0x01 }, peer[16] = { 0xfe, 0x80 };
	struct dhcp6_buf b;
	struct dhcp6_msg m;
	uint16_t len;
	const uint8_t *v;
	size_t at;

	(void)state;
	dhcp6_buf_init(&b, out, sizeof(out));
	dhcp6_put_relay_header(&b, DHCP6_RELAY_FORW, 1, link, peer);
	at = dhcp6_opt_begin(&b, D6O_INTERFACE_ID);
	dhcp6_put(&b, "eth0", 4);
	dhcp6_opt_end(&b, at);
	assert_false(b.overflow);
	assert_int_equal(b.len, 34 + 4 + 4);
	assert_int_equal(dhcp6_parse(&m, out, b.len), 0);
	assert_int_equal(m.hop_count, 1);
	v = dhcp6_opt_get(&m, D6O_INTERFACE_ID, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(v, "eth0", 4);
	dhcp6_put_opt(&b, D6O_RELAY_MSG, out, 30);      /* 34 more: past 64 */
	assert_true(b.overflow);
	assert_int_equal(b.len, 42);
	dhcp6_put(&b, "x", 1);                          /* stays overflowed */
	assert_int_equal(b.len, 42);
}

/* RFC 8415 §21.16: enterprise number, then length-prefixed items; the
 * first item is the class. §21.15: user class, items only. */
static void test_rfc8415_vendor_and_user_class_first_item_as_text(void **state)
{
	struct raw r;
	struct dhcp6_msg m;
	char text[64];
	uint32_t ent;
	static const uint8_t uc[] = { 0, 4, 'i', 'P', 'X', 'E', 0, 2, 'x', 'y' };
	static const uint8_t bad_vc[] = { 0, 0, 1, 87, 0, 40, 'P' };

	(void)state;
	solicit(&r);
	opt(&r, D6O_USER_CLASS, uc, sizeof(uc));
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), 0);
	dhcp6_class_text(&m, D6O_VENDOR_CLASS, &ent, text, sizeof(text));
	assert_int_equal(ent, 343);
	assert_string_equal(text, "PXEClient:Arch:00007:UNDI:003016");
	dhcp6_class_text(&m, D6O_USER_CLASS, NULL, text, sizeof(text));
	assert_string_equal(text, "iPXE");
	/* An item longer than the option: no class. */
	memset(&r, 0, sizeof(r));
	put(&r, "\x01\x00\x00\x01", 4);
	opt(&r, D6O_VENDOR_CLASS, bad_vc, sizeof(bad_vc));
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), 0);
	dhcp6_class_text(&m, D6O_VENDOR_CLASS, &ent, text, sizeof(text));
	assert_string_equal(text, "");
}

/* RFC 6939 option 79 first; else a DUID-LLT (§11.2) or DUID-LL (§11.4) of
 * hardware type 1; a DUID-EN carries no MAC. */
static void test_client_mac_from_option79_duid_llt_and_duid_ll(void **state)
{
	struct raw r;
	struct dhcp6_msg m;
	uint8_t mac[6];
	static const uint8_t want[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t duid_ll[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 9 };
	static const uint8_t duid_en[] = { 0, 2, 0, 0, 0, 9, 1, 2, 3 };
	static const uint8_t o79[] = { 0, 1, 2, 0, 0, 0, 0, 0x79 };

	(void)state;
	solicit(&r);
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), 0);
	assert_true(dhcp6_client_mac(&m, mac));
	assert_memory_equal(mac, want, 6);

	memset(&r, 0, sizeof(r));
	put(&r, "\x01\x00\x00\x01", 4);
	opt(&r, D6O_CLIENTID, duid_ll, sizeof(duid_ll));
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), 0);
	assert_true(dhcp6_client_mac(&m, mac));
	assert_int_equal(mac[5], 9);
	opt(&r, D6O_CLIENT_LINKLAYER_ADDR, o79, sizeof(o79));
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), 0);
	assert_true(dhcp6_client_mac(&m, mac));
	assert_int_equal(mac[5], 0x79);

	memset(&r, 0, sizeof(r));
	put(&r, "\x01\x00\x00\x01", 4);
	opt(&r, D6O_CLIENTID, duid_en, sizeof(duid_en));
	assert_int_equal(dhcp6_parse(&m, r.b, r.len), 0);
	assert_false(dhcp6_client_mac(&m, mac));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8415_client_message_header_and_options),
		cmocka_unit_test(test_rfc8415_relay_message_header_and_nested_message),
		cmocka_unit_test(test_rfc8415_truncation_at_every_offset),
		cmocka_unit_test(test_option_longer_than_the_message_is_rejected),
		cmocka_unit_test(test_type_zero_empty_and_oversized_are_rejected),
		cmocka_unit_test(test_writer_builds_what_the_parser_reads_and_stops_at_its_cap),
		cmocka_unit_test(test_rfc8415_vendor_and_user_class_first_item_as_text),
		cmocka_unit_test(test_client_mac_from_option79_duid_llt_and_duid_ll),
	};

	return cmocka_run_group_tests_name("dhcp6_msg", tests, NULL, NULL);
}
