/* Unit tests for xid_table.c: bounded (chaddr, xid) memory with expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "xid_table.h"

#include <string.h>

static struct xid_entry entry(uint32_t n, uint32_t xid, int16_t rule)
{
	struct xid_entry e;

	memset(&e, 0, sizeof(e));
	e.hlen = 6;
	e.chaddr[0] = 0x52;
	memcpy(e.chaddr + 2, &n, 4);
	e.xid = xid;
	e.rule = rule;
	e.arch_wire = 7;
	return e;
}

static void test_put_then_get_same_key(void **state)
{
	struct xid_table t;
	struct xid_entry e = entry(1, 0xabcd, 3);
	const struct xid_entry *g;

	(void)state;
	assert_int_equal(xid_table_init(&t, 64, 60000, 1), 0);
	assert_false(xid_table_put(&t, &e, 1000));
	g = xid_table_get(&t, e.chaddr, 6, 0xabcd, 1001);
	assert_non_null(g);
	assert_int_equal(g->rule, 3);
	assert_int_equal(g->arch_wire, 7);
	/* Another xid, or another MAC: not found. */
	assert_null(xid_table_get(&t, e.chaddr, 6, 0xabce, 1001));
	e.chaddr[5] ^= 1;
	assert_null(xid_table_get(&t, e.chaddr, 6, 0xabcd, 1001));
	assert_int_equal(t.hits, 1);
	assert_int_equal(t.misses, 2);
	xid_table_free(&t);
}

static void test_entries_expire_after_ttl(void **state)
{
	struct xid_table t;
	struct xid_entry e = entry(1, 7, 0);

	(void)state;
	assert_int_equal(xid_table_init(&t, 64, 60000, 1), 0);
	xid_table_put(&t, &e, 1000);
	assert_non_null(xid_table_get(&t, e.chaddr, 6, 7, 60999));
	assert_null(xid_table_get(&t, e.chaddr, 6, 7, 61000));
	xid_table_free(&t);
}

static void test_request_of_dora_refreshes_and_replaces_the_class(void **state)
{
	struct xid_table t;
	struct xid_entry e = entry(1, 7, 0);

	(void)state;
	assert_int_equal(xid_table_init(&t, 64, 60000, 1), 0);
	xid_table_put(&t, &e, 1000);
	e.rule = 4;
	assert_false(xid_table_put(&t, &e, 50000));
	assert_int_equal(xid_table_get(&t, e.chaddr, 6, 7, 100000)->rule, 4);
	assert_int_equal(t.evictions, 0);
	xid_table_free(&t);
}

static void test_full_table_evicts_oldest_live_entry_and_counts_it(void **state)
{
	struct xid_table t;
	size_t capacity, found_new = 0, found_old = 0;

	(void)state;
	assert_int_equal(xid_table_init(&t, 64, 60000, 99), 0);
	capacity = t.nbuckets * XID_WAYS;
	assert_int_equal(capacity, 64);
	/* Four times the capacity, all live. Memory stays what init took. */
	for (uint32_t i = 0; i < capacity * 4; i++) {
		struct xid_entry e = entry(i, i, (int16_t)(i % 100));

		xid_table_put(&t, &e, 1000 + i);
	}
	assert_true(t.evictions >= capacity * 3);
	assert_int_equal(t.inserts, capacity * 4);
	for (uint32_t i = 0; i < capacity * 4; i++) {
		struct xid_entry e = entry(i, i, 0);

		if (xid_table_get(&t, e.chaddr, 6, i, 2000)) {
			if (i >= capacity * 3)
				found_new++;
			else
				found_old++;
		}
	}
	/* Newest requests win: most of the last capacity-worth are there,
	 * and the table never holds more than its capacity. */
	assert_true(found_new + found_old <= capacity);
	assert_true(found_new >= capacity / 2);
	xid_table_free(&t);
}

static void test_expired_slots_reused_before_evicting(void **state)
{
	struct xid_table t;
	uint64_t before;

	(void)state;
	assert_int_equal(xid_table_init(&t, 64, 1000, 5), 0);
	for (uint32_t i = 0; i < 64; i++) {
		struct xid_entry e = entry(i, i, 0);

		xid_table_put(&t, &e, 0);
	}
	before = t.evictions;
	/* Each put comes after everything before it expired: whichever
	 * bucket it lands in, a slot is reused, never counted as evicted. */
	for (uint32_t i = 1000; i < 1256; i++) {
		struct xid_entry e = entry(i, i, 0);

		xid_table_put(&t, &e, 5000 + (int64_t)(i - 1000) * 2000);
	}
	assert_int_equal(t.evictions, before);
	xid_table_free(&t);
}

static void test_capacity_rounds_up_to_power_of_two_buckets(void **state)
{
	struct xid_table t;

	(void)state;
	assert_int_equal(xid_table_init(&t, 8192, 60000, 1), 0);
	assert_int_equal(t.nbuckets * XID_WAYS, 8192);
	xid_table_free(&t);
	assert_int_equal(xid_table_init(&t, 100, 60000, 1), 0);
	assert_int_equal(t.nbuckets * XID_WAYS, 128);
	xid_table_free(&t);
}

static void test_long_hlen_is_clamped(void **state)
{
	struct xid_table t;
	struct xid_entry e = entry(3, 3, 1);

	(void)state;
	assert_int_equal(xid_table_init(&t, 64, 60000, 1), 0);
	e.hlen = 200;
	xid_table_put(&t, &e, 0);
	assert_non_null(xid_table_get(&t, e.chaddr, 200, 3, 1));
	assert_non_null(xid_table_get(&t, e.chaddr, 16, 3, 1));
	xid_table_free(&t);
}

static void test_done_gives_way_first_and_answers_a_little_longer(void **state)
{
	struct xid_table t;
	struct xid_entry e;
	const struct xid_entry *g;

	(void)state;
	assert_int_equal(xid_table_init(&t, XID_WAYS, 60000, 5), 0);
	/* One bucket: fill it, finish one exchange. */
	for (uint32_t i = 0; i < XID_WAYS; i++) {
		e = entry(i, 100 + i, 1);
		assert_false(xid_table_put(&t, &e, 0));
	}
	e = entry(2, 102, 1);
	g = xid_table_get(&t, e.chaddr, e.hlen, e.xid, 10);
	assert_non_null(g);
	xid_table_done(&t, g, 10);
	/* A second server's reply to the same request still finds it... */
	assert_non_null(xid_table_get(&t, e.chaddr, e.hlen, e.xid, 10 + XID_DONE_MS - 1));
	/* ...and a new exchange takes its slot, with no eviction. */
	e = entry(9, 999, 2);
	assert_false(xid_table_put(&t, &e, 20));
	assert_int_equal(t.evictions, 0);
	e = entry(2, 102, 1);
	assert_null(xid_table_get(&t, e.chaddr, e.hlen, e.xid, 30));
	for (uint32_t i = 0; i < XID_WAYS; i++) {
		if (i == 2)
			continue;
		e = entry(i, 100 + i, 1);
		assert_non_null(xid_table_get(&t, e.chaddr, e.hlen, e.xid, 30));
	}
	/* Done and left alone, it is gone after XID_DONE_MS. */
	e = entry(0, 100, 1);
	g = xid_table_get(&t, e.chaddr, e.hlen, e.xid, 40);
	xid_table_done(&t, g, 40);
	assert_null(xid_table_get(&t, e.chaddr, e.hlen, e.xid, 40 + XID_DONE_MS));
	xid_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_done_gives_way_first_and_answers_a_little_longer),
		cmocka_unit_test(test_put_then_get_same_key),
		cmocka_unit_test(test_entries_expire_after_ttl),
		cmocka_unit_test(test_request_of_dora_refreshes_and_replaces_the_class),
		cmocka_unit_test(test_full_table_evicts_oldest_live_entry_and_counts_it),
		cmocka_unit_test(test_expired_slots_reused_before_evicting),
		cmocka_unit_test(test_capacity_rounds_up_to_power_of_two_buckets),
		cmocka_unit_test(test_long_hlen_is_clamped),
	};

	return cmocka_run_group_tests_name("xid_table", tests, NULL, NULL);
}
