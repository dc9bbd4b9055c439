/* Unit tests for fmt.c: log lines built without printf, checked against
 * what printf and inet_ntop print. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fmt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_ip_matches_inet_ntop(void **state)
{
	static const char *const addrs[] = { "0.0.0.0", "255.255.255.255", "10.0.0.2",
					     "192.168.100.9", "1.20.100.255", "100.10.1.0" };
	(void)state;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct fmt f;
		uint32_t a;

		assert_int_equal(inet_pton(AF_INET, addrs[i], &a), 1);
		fmt_init(&f);
		fmt_ip(&f, a);
		assert_string_equal(f.s, addrs[i]);
	}
	srand(7);
	for (int i = 0; i < 100000; i++) {
		struct fmt f;
		char ref[INET_ADDRSTRLEN];
		uint32_t a = (uint32_t)rand() ^ ((uint32_t)rand() << 16);

		fmt_init(&f);
		fmt_ip(&f, a);
		inet_ntop(AF_INET, &a, ref, sizeof(ref));
		assert_string_equal(f.s, ref);
	}
}

static void test_mac_hex_uint_match_printf(void **state)
{
	const uint8_t mac[6] = { 0x02, 0xbe, 0x4c, 0x00, 0xf0, 0x0f };
	char ref[64];
	struct fmt f;

	(void)state;
	fmt_init(&f);
	fmt_mac(&f, mac);
	assert_string_equal(f.s, "02:be:4c:00:f0:0f");
	srand(11);
	for (int i = 0; i < 100000; i++) {
		uint32_t v = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		unsigned long long u = (unsigned long long)v * (unsigned)rand();

		fmt_init(&f);
		fmt_hex32(&f, v);
		fmt_char(&f, ' ');
		fmt_uint(&f, u);
		snprintf(ref, sizeof(ref), "%08x %llu", v, u);
		assert_string_equal(f.s, ref);
	}
	fmt_init(&f);
	fmt_uint(&f, 0);
	fmt_uint(&f, 18446744073709551615ULL);
	assert_string_equal(f.s, "018446744073709551615");
}

static void test_full_line_is_cut_not_overflowed(void **state)
{
	struct fmt f;
	char big[2000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fmt_init(&f);
	fmt_str(&f, "head ");
	fmt_str(&f, big);
	assert_int_equal(f.n, sizeof(f.s) - 1);
	assert_int_equal(strlen(f.s), sizeof(f.s) - 1);
	fmt_ip(&f, 0x01020304);
	fmt_char(&f, 'y');
	assert_int_equal(f.n, sizeof(f.s) - 1);
	assert_memory_equal(f.s, "head x", 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_matches_inet_ntop),
		cmocka_unit_test(test_mac_hex_uint_match_printf),
		cmocka_unit_test(test_full_line_is_cut_not_overflowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
