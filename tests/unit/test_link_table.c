/* Unit tests for link_table.c: the compact link/address table link.c keeps,
 * what counts as a change, and the address order that picks the giaddr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "link_table.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static struct lt_link mklink(int ifindex, const char *name, bool up)
{
	struct lt_link l;

	memset(&l, 0, sizeof(l));
	l.ifindex = ifindex;
	snprintf(l.name, sizeof(l.name), "%s", name);
	l.up = up;
	l.mtu = 1500;
	l.mac[0] = 2;
	l.mac[5] = (uint8_t)ifindex;
	return l;
}

static struct lt_addr mkaddr(int ifindex, const char *ip, uint8_t prefixlen, bool secondary)
{
	struct lt_addr a;

	memset(&a, 0, sizeof(a));
	a.ifindex = ifindex;
	inet_pton(AF_INET, ip, &a.local);
	a.address = a.local;
	a.prefixlen = prefixlen;
	a.secondary = secondary;
	return a;
}

static uint32_t ip(const char *s)
{
	uint32_t v = 0;

	inet_pton(AF_INET, s, &v);
	return v;
}

/* What link_watch_build does for one link: every address of it, in order. */
static struct relay_link relay_view(const struct link_table *t, int ifindex)
{
	struct relay_link l;

	memset(&l, 0, sizeof(l));
	l.ifindex = ifindex;
	for (size_t i = 0; i < t->naddrs; i++)
		if (t->addrs[i].ifindex == ifindex)
			link_table_put_addr(&l, &t->addrs[i]);
	return l;
}

static void test_links_sorted_and_changes(void **state)
{
	struct link_table t;
	struct lt_link l;
	int order[] = { 7, 3, 12, 5, 1 };

	(void)state;
	link_table_init(&t);
	for (size_t i = 0; i < 5; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vlan%d", order[i]);
		l = mklink(order[i], name, true);
		assert_int_equal(link_table_set_link(&t, &l), 1);
	}
	assert_int_equal(t.nlinks, 5);
	for (size_t i = 1; i < t.nlinks; i++)
		assert_true(t.links[i - 1].ifindex < t.links[i].ifindex);

	/* The same again: nothing the relay sees. */
	l = mklink(5, "vlan5", true);
	assert_int_equal(link_table_set_link(&t, &l), 0);
	/* Down, renamed, new MTU, new MAC: each a change. */
	l.up = false;
	assert_int_equal(link_table_set_link(&t, &l), 1);
	snprintf(l.name, sizeof(l.name), "renamed");
	assert_int_equal(link_table_set_link(&t, &l), 1);
	assert_string_equal(link_table_find(&t, 5)->name, "renamed");
	l.mtu = 9000;
	assert_int_equal(link_table_set_link(&t, &l), 1);
	l.mac[1] = 0x42;
	assert_int_equal(link_table_set_link(&t, &l), 1);
	assert_int_equal(t.nlinks, 5);

	assert_int_equal(link_table_del_link(&t, 5), 1);
	assert_int_equal(link_table_del_link(&t, 5), 0);
	assert_null(link_table_find(&t, 5));
	assert_non_null(link_table_find(&t, 12));
	assert_int_equal(t.nlinks, 4);

	link_table_clear(&t);
	assert_int_equal(t.nlinks, 0);
	assert_null(link_table_find(&t, 1));
	link_table_free(&t);
}

static void test_addr_identity(void **state)
{
	struct link_table t;
	struct lt_addr a = mkaddr(4, "10.0.0.1", 24, false), b;

	(void)state;
	link_table_init(&t);
	assert_int_equal(link_table_set_addr(&t, &a), 1);
	/* Same address, same flags, alone on its link: no change. */
	assert_int_equal(link_table_set_addr(&t, &a), 0);
	assert_int_equal(t.naddrs, 1);
	/* Flags changed (promoted/demoted): a change, still one entry. */
	a.secondary = true;
	assert_int_equal(link_table_set_addr(&t, &a), 1);
	assert_int_equal(t.naddrs, 1);
	/* Another prefix length or another link: another address. */
	b = mkaddr(4, "10.0.0.1", 16, false);
	assert_int_equal(link_table_set_addr(&t, &b), 1);
	b = mkaddr(5, "10.0.0.1", 24, false);
	assert_int_equal(link_table_set_addr(&t, &b), 1);
	/* Point-to-point: the peer is part of the identity. */
	b = mkaddr(4, "10.0.0.1", 32, false);
	b.address = ip("10.0.0.2");
	assert_int_equal(link_table_set_addr(&t, &b), 1);
	b.address = ip("10.0.0.3");
	assert_int_equal(link_table_set_addr(&t, &b), 1);
	assert_int_equal(t.naddrs, 5);

	assert_int_equal(link_table_del_addr(&t, &b), 1);
	assert_int_equal(link_table_del_addr(&t, &b), 0);
	assert_int_equal(t.naddrs, 4);
	/* A link gone takes its addresses along. */
	assert_int_equal(link_table_del_link(&t, 4), 0);   /* never announced */
	assert_int_equal(t.naddrs, 1);
	assert_int_equal(t.addrs[0].ifindex, 5);
	link_table_free(&t);
}

static void test_primary_first_secondaries_after(void **state)
{
	struct link_table t;
	struct lt_addr a;
	struct relay_link l;

	(void)state;
	link_table_init(&t);
	a = mkaddr(3, "192.168.1.1", 24, false);
	link_table_set_addr(&t, &a);
	a = mkaddr(3, "192.168.1.2", 24, true);
	link_table_set_addr(&t, &a);
	a = mkaddr(3, "192.168.1.3", 24, true);
	link_table_set_addr(&t, &a);
	a = mkaddr(9, "172.16.0.1", 24, false);    /* another link */
	link_table_set_addr(&t, &a);
	l = relay_view(&t, 3);
	assert_int_equal(l.naddrs, 3);
	assert_int_equal(l.addrs[0], ip("192.168.1.1"));
	assert_int_equal(l.addrs[1], ip("192.168.1.2"));
	assert_int_equal(l.addrs[2], ip("192.168.1.3"));
	assert_int_equal(l.prefixlen[0], 24);

	/* A secondary learned before its primary: the primary still leads. */
	link_table_clear(&t);
	a = mkaddr(3, "192.168.1.2", 24, true);
	link_table_set_addr(&t, &a);
	a = mkaddr(3, "192.168.1.1", 24, false);
	link_table_set_addr(&t, &a);
	l = relay_view(&t, 3);
	assert_int_equal(l.addrs[0], ip("192.168.1.1"));
	assert_int_equal(l.addrs[1], ip("192.168.1.2"));
	link_table_free(&t);
}

/* Two primaries (two subnets on one VLAN): the one announced last leads,
 * and an address announced again moves to the end, as in libnl's cache. */
static void test_last_primary_leads(void **state)
{
	struct link_table t;
	struct lt_addr p1 = mkaddr(3, "10.1.0.1", 24, false), p2 = mkaddr(3, "10.2.0.1", 24, false);
	struct lt_addr other = mkaddr(8, "10.9.0.1", 24, false);
	struct relay_link l;

	(void)state;
	link_table_init(&t);
	link_table_set_addr(&t, &p1);
	link_table_set_addr(&t, &p2);
	link_table_set_addr(&t, &other);
	l = relay_view(&t, 3);
	assert_int_equal(l.naddrs, 2);
	assert_int_equal(l.addrs[0], ip("10.2.0.1"));
	assert_int_equal(l.addrs[1], ip("10.1.0.1"));

	/* p1 again: it passes p2, which the relay sees. */
	assert_int_equal(link_table_set_addr(&t, &p1), 1);
	l = relay_view(&t, 3);
	assert_int_equal(l.addrs[0], ip("10.1.0.1"));
	/* p1 again, already last of its link (only another link's after
	 * it): no change. */
	assert_int_equal(link_table_set_addr(&t, &other), 0);
	assert_int_equal(link_table_set_addr(&t, &p1), 0);
	link_table_free(&t);
}

static void test_at_most_max_addrs(void **state)
{
	struct link_table t;
	struct relay_link l;
	char s[32];

	(void)state;
	link_table_init(&t);
	for (int i = 0; i < RELAY_MAX_ADDRS + 4; i++) {
		struct lt_addr a;

		snprintf(s, sizeof(s), "10.0.0.%d", i + 1);
		a = mkaddr(2, s, 24, i != 0);
		assert_int_equal(link_table_set_addr(&t, &a), 1);
	}
	l = relay_view(&t, 2);
	assert_int_equal(l.naddrs, RELAY_MAX_ADDRS);
	assert_int_equal(l.addrs[0], ip("10.0.0.1"));
	assert_int_equal(l.addrs[RELAY_MAX_ADDRS - 1], ip("10.0.0.8"));
	/* One of the first eight gone: the ninth comes in. */
	{
		struct lt_addr a = mkaddr(2, "10.0.0.3", 24, true);

		assert_int_equal(link_table_del_addr(&t, &a), 1);
	}
	l = relay_view(&t, 2);
	assert_int_equal(l.naddrs, RELAY_MAX_ADDRS);
	assert_int_equal(l.addrs[RELAY_MAX_ADDRS - 1], ip("10.0.0.9"));
	link_table_free(&t);
}

static void test_many(void **state)
{
	struct link_table t;

	(void)state;
	link_table_init(&t);
	/* Out of order, as a dump over hash buckets delivers them. */
	for (int i = 0; i < 5000; i++) {
		int ifindex = 2 + (i * 7919) % 5000;
		struct lt_link l = mklink(ifindex, "x", true);
		struct lt_addr a;

		assert_int_equal(link_table_set_link(&t, &l), 1);
		a = mkaddr(ifindex, "10.0.0.1", 24, false);
		assert_int_equal(link_table_set_addr(&t, &a), 1);
	}
	assert_int_equal(t.nlinks, 5000);
	assert_int_equal(t.naddrs, 5000);
	for (size_t i = 1; i < t.nlinks; i++)
		assert_true(t.links[i - 1].ifindex < t.links[i].ifindex);
	for (int i = 2; i < 5002; i += 2)
		assert_int_equal(link_table_del_link(&t, i), 1);
	assert_int_equal(t.nlinks, 2500);
	assert_int_equal(t.naddrs, 2500);
	assert_non_null(link_table_find(&t, 3));
	assert_null(link_table_find(&t, 4));
	link_table_free(&t);
}

/* DHCPv6 link-address candidates: global (2000::/3) and unique-local
 * (fc00::/7) addresses are kept in the order announced, link-local and
 * others are not; a deleted address or link takes its own with it. */
static void test_ipv6_keeps_global_and_ula_only(void **state)
{
	struct link_table t;
	struct lt_addr6 ll = { .ifindex = 5, .addr = { 0xfe, 0x80, [15] = 1 }, .prefixlen = 64 };
	struct lt_addr6 ula = { .ifindex = 5, .addr = { 0xfd, 0x00, [15] = 1 }, .prefixlen = 64 };
	struct lt_addr6 gua = { .ifindex = 5, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
				.prefixlen = 64 };
	struct lt_addr6 other = { .ifindex = 6, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 6 },
				  .prefixlen = 64 };

	(void)state;
	link_table_init(&t);
	assert_int_equal(link_table_set_addr6(&t, &ll), 0);
	assert_null(link_table_addr6(&t, 5));
	assert_int_equal(link_table_set_addr6(&t, &ula), 1);
	assert_int_equal(link_table_set_addr6(&t, &gua), 1);
	assert_int_equal(link_table_set_addr6(&t, &ula), 0);     /* again: no change */
	assert_int_equal(link_table_set_addr6(&t, &other), 1);
	assert_memory_equal(link_table_addr6(&t, 5)->addr, ula.addr, 16);
	assert_int_equal(link_table_del_addr6(&t, &ula), 1);
	assert_memory_equal(link_table_addr6(&t, 5)->addr, gua.addr, 16);
	assert_int_equal(link_table_del_addr6(&t, &ula), 0);
	(void)link_table_del_link(&t, 5);
	assert_null(link_table_addr6(&t, 5));
	assert_memory_equal(link_table_addr6(&t, 6)->addr, other.addr, 16);
	link_table_clear(&t);
	assert_null(link_table_addr6(&t, 6));
	link_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links_sorted_and_changes),
		cmocka_unit_test(test_ipv6_keeps_global_and_ula_only),
		cmocka_unit_test(test_addr_identity),
		cmocka_unit_test(test_primary_first_secondaries_after),
		cmocka_unit_test(test_last_primary_leads),
		cmocka_unit_test(test_at_most_max_addrs),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
