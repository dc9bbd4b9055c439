/* Unit tests for ratelimit.c: token buckets per client and per link. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"
#include "siphash.h"

static unsigned take_n(struct rl_table *t, uint64_t key, unsigned n, int64_t now)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += rl_take(t, key, now);
	return ok;
}

static void test_burst_then_refused(void **state)
{
	struct rl_table t;

	(void)state;
	assert_int_equal(rl_init(&t, 64, 10, 30, 1), 0);
	assert_int_equal(take_n(&t, 42, 100, 1000), 30);
	assert_false(rl_take(&t, 42, 1000));
	rl_free(&t);
}

static void test_refills_at_rate(void **state)
{
	struct rl_table t;

	(void)state;
	assert_int_equal(rl_init(&t, 64, 10, 30, 1), 0);
	assert_int_equal(take_n(&t, 7, 30, 0), 30);
	/* 10/s: one token per 100 ms, none before. */
	assert_false(rl_take(&t, 7, 99));
	assert_true(rl_take(&t, 7, 100));
	assert_false(rl_take(&t, 7, 100));
	/* Half a second later, five more. */
	assert_int_equal(take_n(&t, 7, 20, 600), 5);
	rl_free(&t);
}

static void test_sustained_rate_is_the_rate(void **state)
{
	struct rl_table t;
	unsigned ok = 0;

	(void)state;
	assert_int_equal(rl_init(&t, 64, 50, 10, 1), 0);
	/* 1000 requests a second for 10 s: burst + 50/s pass. */
	for (int64_t ms = 0; ms < 10000; ms++)
		ok += rl_take(&t, 9, ms);
	assert_in_range(ok, 10 + 50 * 10 - 2, 10 + 50 * 10);
	rl_free(&t);
}

static void test_long_idle_refills_to_burst_only(void **state)
{
	struct rl_table t;

	(void)state;
	assert_int_equal(rl_init(&t, 64, 1000, 5, 1), 0);
	assert_int_equal(take_n(&t, 3, 5, 0), 5);
	/* A day later (no overflow), still at most the burst. */
	assert_int_equal(take_n(&t, 3, 50, 86400000LL), 5);
	rl_free(&t);
}

static void test_keys_are_independent(void **state)
{
	struct rl_table t;

	(void)state;
	assert_int_equal(rl_init(&t, 1024, 1, 2, 1), 0);
	assert_int_equal(take_n(&t, 1, 5, 0), 2);
	assert_int_equal(take_n(&t, 2, 5, 0), 2);
	assert_int_equal(take_n(&t, 0, 5, 0), 2);
	rl_free(&t);
}

static void test_zero_rate_is_no_limit(void **state)
{
	struct rl_table t;

	(void)state;
	assert_int_equal(rl_init(&t, 64, 0, 1, 1), 0);
	assert_int_equal(take_n(&t, 5, 100000, 0), 100000);
	rl_free(&t);
}

/* A flood of new keys evicts buckets; an evicted key starts full again,
 * so eviction loosens a limit and never refuses a quiet client. */
static void test_flood_of_keys_never_refuses_a_quiet_client(void **state)
{
	struct rl_table t;

	(void)state;
	assert_int_equal(rl_init(&t, 16, 1, 3, 99), 0);
	for (int64_t ms = 0; ms < 20000; ms += 1000) {
		for (uint64_t k = 1000; k < 1100; k++)
			rl_take(&t, k * 7919, ms);
		assert_true(rl_take(&t, 77, ms));
	}
	rl_free(&t);
}

static void test_reload_shrinks_burst(void **state)
{
	struct rl_table t;

	(void)state;
	assert_int_equal(rl_init(&t, 64, 1, 100, 1), 0);
	assert_true(rl_take(&t, 8, 0));
	rl_set(&t, 1, 3);
	assert_int_equal(take_n(&t, 8, 10, 0), 3);
	rl_free(&t);
}

static void test_clock_going_back_does_not_refill(void **state)
{
	struct rl_table t;

	(void)state;
	assert_int_equal(rl_init(&t, 64, 10, 2, 1), 0);
	assert_int_equal(take_n(&t, 4, 2, 5000), 2);
	assert_false(rl_take(&t, 4, 1000));
	assert_false(rl_take(&t, 4, 1099));
	assert_true(rl_take(&t, 4, 1100));
	rl_free(&t);
}

static void test_client_key_depends_on_link_and_address(void **state)
{
	const uint8_t a[16] = { 0x52, 0x54, 0, 1, 2, 3 };
	const uint8_t b[16] = { 0x52, 0x54, 0, 1, 2, 4 };
	struct rl_table t, t2;

	(void)state;
	assert_int_equal(rl_init(&t, 16, 10, 10, 1), 0);
	assert_int_equal(rl_init(&t2, 16, 10, 10, 2), 0);
	/* Keyed: another table key gives other keys. */
	assert_true(rl_client_key(&t, 3, a, 6) != rl_client_key(&t2, 3, a, 6));
	assert_int_equal(rl_client_key(&t, 3, a, 6), rl_client_key(&t, 3, a, 6));
	assert_true(rl_client_key(&t, 3, a, 6) != rl_client_key(&t, 4, a, 6));
	assert_true(rl_client_key(&t, 3, a, 6) != rl_client_key(&t, 3, b, 6));
	assert_true(rl_client_key(&t, 3, a, 6) != rl_client_key(&t, 3, a, 7));
	/* hlen past 16 reads 16 bytes, no more. */
	assert_int_equal(rl_client_key(&t, 3, a, 255), rl_client_key(&t, 3, a, 255));
	rl_free(&t);
	rl_free(&t2);
}

/* SipHash-2-4's reference vectors (key 00..0f): the empty message and
 * the 15 bytes 00..0e. */
static void test_siphash24_reference_vectors(void **state)
{
	uint8_t msg[15];

	(void)state;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(siphash24(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, msg, 0) ==
		    0x726fdb47dd0e0e31ULL);
	assert_true(siphash24(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, msg, 15) ==
		    0xa129ca6149be45e5ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refused),
		cmocka_unit_test(test_refills_at_rate),
		cmocka_unit_test(test_sustained_rate_is_the_rate),
		cmocka_unit_test(test_long_idle_refills_to_burst_only),
		cmocka_unit_test(test_keys_are_independent),
		cmocka_unit_test(test_zero_rate_is_no_limit),
		cmocka_unit_test(test_flood_of_keys_never_refuses_a_quiet_client),
		cmocka_unit_test(test_reload_shrinks_burst),
		cmocka_unit_test(test_clock_going_back_does_not_refill),
		cmocka_unit_test(test_client_key_depends_on_link_and_address),
		cmocka_unit_test(test_siphash24_reference_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
