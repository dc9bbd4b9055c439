/* test_opt82.c - relay agent information option (RFC 3046) with the
 * link-selection (RFC 3527), flags (RFC 5010) and server identifier
 * override (RFC 5107) sub-options, and the id templates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opt82.h"

static const uint8_t link_sel[4] = { 10, 10, 0, 0 };
static const uint8_t sid_over[4] = { 10, 10, 0, 1 };

static void fill_all(struct opt82_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->circuit_id = (const uint8_t *)"vlan10";
	f->circuit_id_len = 6;
	f->remote_id = (const uint8_t *)"router1";
	f->remote_id_len = 7;
	memcpy(&f->link_selection, link_sel, 4);
	memcpy(&f->server_id_override, sid_over, 4);
	f->with_flags = true;
	f->flags = OPT82_FLAG_UNICAST;
}

static void assert_sub(const uint8_t *val, size_t len, uint8_t code,
		       const void *want, size_t wantlen)
{
	const uint8_t *sub = NULL;
	size_t sublen = 0;

	assert_int_equal(opt82_find(val, len, code, &sub, &sublen), 0);
	assert_int_equal(sublen, wantlen);
	assert_memory_equal(sub, want, wantlen);
	assert_true(sub >= val && sub + sublen <= val + len);
}

/* Copy into an exact heap buffer so ASan catches reads past len. */
static int find_exact(const uint8_t *val, size_t len, uint8_t code,
		      const uint8_t **sub, size_t *sublen)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, val, len);
	r = opt82_find(copy, len, code, sub, sublen);
	free(copy);
	return r;
}

/* ---- build and find ---- */

static void test_build_all_sub_options_and_find_each_back(void **state)
{
	struct opt82_fields f;
	uint8_t out[128];
	size_t len = 0;
	uint8_t flags = OPT82_FLAG_UNICAST;

	(void)state;
	fill_all(&f);
	assert_int_equal(opt82_build(&f, out, &len, sizeof(out)), 0);
	assert_int_equal(len, (2 + 6) + (2 + 7) + (2 + 4) + (2 + 1) + (2 + 4));
	assert_int_equal(opt82_validate(out, len), 0);
	assert_sub(out, len, OPT82_CIRCUIT_ID, "vlan10", 6);
	assert_sub(out, len, OPT82_REMOTE_ID, "router1", 7);
	assert_sub(out, len, OPT82_LINK_SELECTION, link_sel, 4);
	assert_sub(out, len, OPT82_FLAGS, &flags, 1);
	assert_sub(out, len, OPT82_SERVER_ID_OVERRIDE, sid_over, 4);
}

static void test_build_writes_sub_options_in_code_order_on_the_wire(void **state)
{
	struct opt82_fields f;
	uint8_t out[128];
	size_t len = 0;
	static const uint8_t want[] = {
		1, 6, 'v', 'l', 'a', 'n', '1', '0',
		2, 7, 'r', 'o', 'u', 't', 'e', 'r', '1',
		5, 4, 10, 10, 0, 0,
		10, 1, 0x80,
		11, 4, 10, 10, 0, 1,
	};

	(void)state;
	fill_all(&f);
	assert_int_equal(opt82_build(&f, out, &len, sizeof(out)), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

static void test_build_leaves_out_empty_and_zero_fields(void **state)
{
	struct opt82_fields f;
	uint8_t out[64];
	size_t len = 0;
	const uint8_t *sub;
	size_t sublen;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.circuit_id = (const uint8_t *)"eth1";
	f.circuit_id_len = 4;
	assert_int_equal(opt82_build(&f, out, &len, sizeof(out)), 0);
	assert_int_equal(len, 6);
	assert_sub(out, len, OPT82_CIRCUIT_ID, "eth1", 4);
	assert_int_equal(opt82_find(out, len, OPT82_REMOTE_ID, &sub, &sublen), -ENOENT);
	assert_int_equal(opt82_find(out, len, OPT82_LINK_SELECTION, &sub, &sublen), -ENOENT);
	assert_int_equal(opt82_find(out, len, OPT82_FLAGS, &sub, &sublen), -ENOENT);
	assert_int_equal(opt82_find(out, len, OPT82_SERVER_ID_OVERRIDE, &sub, &sublen), -ENOENT);
}

static void test_build_flags_zero_is_written_when_asked(void **state)
{
	struct opt82_fields f;
	uint8_t out[8];
	size_t len = 0;
	static const uint8_t zero = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.with_flags = true;
	assert_int_equal(opt82_build(&f, out, &len, sizeof(out)), 0);
	assert_int_equal(len, 3);
	assert_sub(out, len, OPT82_FLAGS, &zero, 1);
}

static void test_build_appends_after_existing_sub_options(void **state)
{
	/* Policy append: the client side's sub-options first, ours after. */
	struct opt82_fields f;
	uint8_t out[64] = { OPT82_CIRCUIT_ID, 3, 'o', 'l', 't' };
	size_t len = 5;
	const uint8_t *sub;
	size_t sublen;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.circuit_id = (const uint8_t *)"vlan20";
	f.circuit_id_len = 6;
	assert_int_equal(opt82_build(&f, out, &len, sizeof(out)), 0);
	assert_int_equal(len, 5 + 8);
	assert_memory_equal(out, "\x01\x03olt\x01\x06vlan20", 13);
	/* find returns the first instance. */
	assert_int_equal(opt82_find(out, len, OPT82_CIRCUIT_ID, &sub, &sublen), 0);
	assert_int_equal(sublen, 3);
	assert_memory_equal(sub, "olt", 3);
}

static void test_build_too_small_is_emsgsize_and_len_unchanged(void **state)
{
	struct opt82_fields f;
	uint8_t out[64];
	size_t len;
	size_t need = (2 + 6) + (2 + 7) + (2 + 4) + (2 + 1) + (2 + 4);

	(void)state;
	fill_all(&f);
	for (size_t cap = 0; cap < need; cap++) {
		len = 0;
		if (opt82_build(&f, out, &len, cap) != -EMSGSIZE)
			fail_msg("cap %zu accepted", cap);
		assert_int_equal(len, 0);
	}
	len = 0;
	assert_int_equal(opt82_build(&f, out, &len, need), 0);
	assert_int_equal(len, need);
	/* Already past cap on entry. */
	len = 10;
	assert_int_equal(opt82_build(&f, out, &len, 5), -EMSGSIZE);
	assert_int_equal(len, 10);
}

static void test_build_sub_option_longer_than_255_is_emsgsize(void **state)
{
	struct opt82_fields f;
	static uint8_t id[256], out[600];
	size_t len = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	memset(id, 'c', sizeof(id));
	f.circuit_id = id;
	f.circuit_id_len = 256;
	assert_int_equal(opt82_build(&f, out, &len, sizeof(out)), -EMSGSIZE);
	assert_int_equal(len, 0);
	f.circuit_id_len = 255;
	assert_int_equal(opt82_build(&f, out, &len, sizeof(out)), 0);
	assert_int_equal(len, 257);
	assert_int_equal(out[1], 255);
}

/* ---- find on malformed and absent ---- */

static void test_find_absent_sub_option_is_enoent(void **state)
{
	static const uint8_t val[] = { 1, 2, 'a', 'b', 2, 1, 'r' };
	const uint8_t *sub;
	size_t sublen;

	(void)state;
	assert_int_equal(find_exact(val, sizeof(val), OPT82_LINK_SELECTION, &sub, &sublen), -ENOENT);
	assert_int_equal(find_exact(val, 0, OPT82_CIRCUIT_ID, &sub, &sublen), -ENOENT);
}

static void test_find_sub_option_past_the_end_is_ebadmsg(void **state)
{
	static const uint8_t val[] = { 1, 2, 'a', 'b', 2, 9, 'r', 'e', 'm' };
	const uint8_t *sub;
	size_t sublen;

	(void)state;
	assert_int_equal(find_exact(val, sizeof(val), OPT82_REMOTE_ID, &sub, &sublen), -EBADMSG);
	assert_int_equal(opt82_validate(val, sizeof(val)), -EBADMSG);
}

static void test_find_lone_code_byte_at_the_end_is_ebadmsg(void **state)
{
	static const uint8_t val[] = { 1, 2, 'a', 'b', 5 };
	const uint8_t *sub;
	size_t sublen;

	(void)state;
	assert_int_equal(find_exact(val, sizeof(val), OPT82_LINK_SELECTION, &sub, &sublen), -EBADMSG);
	assert_int_equal(find_exact(val, 1, OPT82_CIRCUIT_ID, &sub, &sublen), -EBADMSG);
}

static void test_find_rejects_a_malformed_tail_after_the_wanted_sub_option(void **state)
{
	/* The whole list is checked, not only up to the match. */
	static const uint8_t val[] = { 1, 2, 'a', 'b', 2, 200, 'x' };
	const uint8_t *sub;
	size_t sublen;

	(void)state;
	assert_int_equal(find_exact(val, sizeof(val), OPT82_CIRCUIT_ID, &sub, &sublen), -EBADMSG);
}

static void test_find_every_truncation_of_a_valid_list(void **state)
{
	struct opt82_fields f;
	uint8_t out[64];
	size_t len = 0;
	const uint8_t *sub;
	size_t sublen;
	/* Sub-option boundaries of fill_all's list. */
	static const size_t bounds[] = { 0, 8, 17, 23, 26, 32 };

	(void)state;
	fill_all(&f);
	assert_int_equal(opt82_build(&f, out, &len, sizeof(out)), 0);
	assert_int_equal(len, 32);
	for (size_t cut = 0; cut <= len; cut++) {
		bool at_bound = false;
		int r;

		for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
			at_bound |= cut == bounds[b];
		r = find_exact(out, cut, OPT82_SERVER_ID_OVERRIDE, &sub, &sublen);
		if (at_bound ? r == -EBADMSG : r != -EBADMSG)
			fail_msg("cut at %zu: got %d", cut, r);
		assert_int_equal(opt82_validate(out, cut), at_bound ? 0 : -EBADMSG);
	}
}

static void test_find_zero_length_sub_option(void **state)
{
	static const uint8_t val[] = { 2, 0, 1, 3, 'a', 'b', 'c' };
	const uint8_t *sub;
	size_t sublen = 99;

	(void)state;
	assert_int_equal(find_exact(val, sizeof(val), OPT82_REMOTE_ID, &sub, &sublen), 0);
	assert_int_equal(sublen, 0);
	assert_sub(val, sizeof(val), OPT82_CIRCUIT_ID, "abc", 3);
}

/* ---- templates ---- */

static void check_expand(const char *fmt, const char *want)
{
	char out[128];
	int r = opt82_expand(fmt, "eth0.20", 7, "router1", out, sizeof(out));

	if (r != (int)strlen(want) || strcmp(out, want) != 0)
		fail_msg("'%s': got %d '%s', want '%s'", fmt, r, r >= 0 ? out : "", want);
}

static void test_expand_each_escape(void **state)
{
	(void)state;
	check_expand("%i", "eth0.20");
	check_expand("%v", "20");
	check_expand("%n", "7");
	check_expand("%h", "router1");
	check_expand("%%", "%");
}

static void test_expand_literals_and_mixes(void **state)
{
	(void)state;
	check_expand("", "");
	check_expand("site1", "site1");
	check_expand("site1-%v", "site1-20");
	check_expand("%h:%i:%n", "router1:eth0.20:7");
	check_expand("100%%-%v%%", "100%-20%");
	check_expand("%v%v", "2020");
}

static void test_expand_lone_percent_at_the_end_is_literal(void **state)
{
	(void)state;
	check_expand("a%", "a%");
}

static void test_expand_unknown_escape_is_einval(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(opt82_expand("%x", "vlan10", 1, "h", out, sizeof(out)), -EINVAL);
	assert_int_equal(opt82_expand("site-%q", "vlan10", 1, "h", out, sizeof(out)), -EINVAL);
	assert_int_equal(opt82_expand("%I", "vlan10", 1, "h", out, sizeof(out)), -EINVAL);
	assert_int_equal(opt82_expand("% ", "vlan10", 1, "h", out, sizeof(out)), -EINVAL);
}

static void test_expand_vlan_of_a_name_without_vlan_id_is_einval(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(opt82_expand("%v", "eth", 1, "h", out, sizeof(out)), -EINVAL);
	assert_int_equal(opt82_expand("x-%v", "vlan0", 1, "h", out, sizeof(out)), -EINVAL);
}

static void test_expand_negative_and_large_ifindex(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(opt82_expand("%n", "e", 2147483647, "h", out, sizeof(out)), 10);
	assert_string_equal(out, "2147483647");
	assert_int_equal(opt82_expand("%n", "e", -1, "h", out, sizeof(out)), 2);
	assert_string_equal(out, "-1");
}

static void test_expand_overflow_is_emsgsize_with_room_for_the_nul(void **state)
{
	char out[16];

	(void)state;
	/* "site1-20" is 8 bytes: needs a 9-byte buffer. */
	assert_int_equal(opt82_expand("site1-%v", "vlan20", 1, "h", out, 9), 8);
	assert_string_equal(out, "site1-20");
	assert_int_equal(opt82_expand("site1-%v", "vlan20", 1, "h", out, 8), -EMSGSIZE);
	/* Overflow in a literal, in %i, in %h. */
	assert_int_equal(opt82_expand("abcdefghijklmnop", "e", 1, "h", out, sizeof(out)), -EMSGSIZE);
	assert_int_equal(opt82_expand("%i", "a-very-long-name", 1, "h", out, sizeof(out)), -EMSGSIZE);
	assert_int_equal(opt82_expand("%h", "e", 1, "host.example.org", out, sizeof(out)), -EMSGSIZE);
	/* No room at all, even for an empty result. */
	assert_int_equal(opt82_expand("", "e", 1, "h", out, 0), -EMSGSIZE);
	assert_int_equal(opt82_expand("", "e", 1, "h", out, 1), 0);
	assert_string_equal(out, "");
}

static void test_expand_never_writes_past_cap(void **state)
{
	static const char want[] = "rtr-vlan300-300";

	(void)state;
	for (size_t cap = 0; cap <= sizeof(want) + 1; cap++) {
		char *out = malloc(cap ? cap : 1);
		int r;

		assert_non_null(out);
		r = opt82_expand("%h-%i-%v", "vlan300", 5, "rtr", out, cap);
		if (cap < sizeof(want)) {
			if (r != -EMSGSIZE)
				fail_msg("cap %zu: got %d", cap, r);
		} else {
			assert_int_equal(r, (int)sizeof(want) - 1);
			assert_string_equal(out, want);
		}
		free(out);
	}
}

/* ---- VLAN id from an interface name ---- */

static void test_vlan_from_name_takes_the_trailing_digits(void **state)
{
	(void)state;
	assert_int_equal(opt82_vlan_from_name("vlan10"), 10);
	assert_int_equal(opt82_vlan_from_name("eth0.20"), 20);
	assert_int_equal(opt82_vlan_from_name("br-vlan300"), 300);
	assert_int_equal(opt82_vlan_from_name("vlan1"), 1);
	assert_int_equal(opt82_vlan_from_name("vlan4094"), 4094);
	assert_int_equal(opt82_vlan_from_name("42"), 42);
}

static void test_vlan_from_name_outside_1_to_4094_is_minus_one(void **state)
{
	(void)state;
	assert_int_equal(opt82_vlan_from_name("vlan0"), -1);
	assert_int_equal(opt82_vlan_from_name("vlan4095"), -1);
	assert_int_equal(opt82_vlan_from_name("vlan9999"), -1);
	assert_int_equal(opt82_vlan_from_name("vlan10000"), -1);
	assert_int_equal(opt82_vlan_from_name("vlan99999999999999999999"), -1);
}

static void test_vlan_from_name_without_trailing_digits_is_minus_one(void **state)
{
	(void)state;
	assert_int_equal(opt82_vlan_from_name("eth"), -1);
	assert_int_equal(opt82_vlan_from_name(""), -1);
	assert_int_equal(opt82_vlan_from_name("vlan10a"), -1);
	assert_int_equal(opt82_vlan_from_name("eth0."), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_all_sub_options_and_find_each_back),
		cmocka_unit_test(test_build_writes_sub_options_in_code_order_on_the_wire),
		cmocka_unit_test(test_build_leaves_out_empty_and_zero_fields),
		cmocka_unit_test(test_build_flags_zero_is_written_when_asked),
		cmocka_unit_test(test_build_appends_after_existing_sub_options),
		cmocka_unit_test(test_build_too_small_is_emsgsize_and_len_unchanged),
		cmocka_unit_test(test_build_sub_option_longer_than_255_is_emsgsize),
		cmocka_unit_test(test_find_absent_sub_option_is_enoent),
		cmocka_unit_test(test_find_sub_option_past_the_end_is_ebadmsg),
		cmocka_unit_test(test_find_lone_code_byte_at_the_end_is_ebadmsg),
		cmocka_unit_test(test_find_rejects_a_malformed_tail_after_the_wanted_sub_option),
		cmocka_unit_test(test_find_every_truncation_of_a_valid_list),
		cmocka_unit_test(test_find_zero_length_sub_option),
		cmocka_unit_test(test_expand_each_escape),
		cmocka_unit_test(test_expand_literals_and_mixes),
		cmocka_unit_test(test_expand_lone_percent_at_the_end_is_literal),
		cmocka_unit_test(test_expand_unknown_escape_is_einval),
		cmocka_unit_test(test_expand_vlan_of_a_name_without_vlan_id_is_einval),
		cmocka_unit_test(test_expand_negative_and_large_ifindex),
		cmocka_unit_test(test_expand_overflow_is_emsgsize_with_room_for_the_nul),
		cmocka_unit_test(test_expand_never_writes_past_cap),
		cmocka_unit_test(test_vlan_from_name_takes_the_trailing_digits),
		cmocka_unit_test(test_vlan_from_name_outside_1_to_4094_is_minus_one),
		cmocka_unit_test(test_vlan_from_name_without_trailing_digits_is_minus_one),
	};

	return cmocka_run_group_tests_name("opt82", tests, NULL, NULL);
}
