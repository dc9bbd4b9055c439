/* Unit tests for http.c (metrics request parser, connection admission)
 * and metrics.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http.h"
#include "metrics.h"

#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *s, struct http_request *r)
{
	return http_parse_request(s, strlen(s), r);
}

static void test_get_metrics_parsed(void **state)
{
	struct http_request r;

	(void)state;
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &r), 0);
	assert_string_equal(r.path, "/metrics");
	assert_false(r.head);
	assert_int_equal(parse("HEAD / HTTP/1.0\r\n\r\n", &r), 0);
	assert_true(r.head);
	assert_string_equal(r.path, "/");
	assert_int_equal(parse("GET /metrics HTTP/1.1\n\n", &r), 0);
}

static void test_incomplete_waits_for_more(void **state)
{
	struct http_request r;

	(void)state;
	assert_int_equal(parse("", &r), -EAGAIN);
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", &r), -EAGAIN);
}

static void test_bad_requests_refused(void **state)
{
	struct http_request r;
	char big[HTTP_MAX_REQUEST + 10], path[400];

	(void)state;
	assert_int_equal(parse("POST /metrics HTTP/1.1\r\n\r\n", &r), -EBADMSG);
	assert_int_equal(parse("NOT HTTP\r\n\r\n", &r), -EBADMSG);
	assert_int_equal(parse("GET /metrics HTTP/2.0\r\n\r\n", &r), -EBADMSG);
	assert_int_equal(parse("GET  HTTP/1.1\r\n\r\n", &r), -EBADMSG);
	assert_int_equal(parse("GET /a\x01 HTTP/1.1\r\n\r\n", &r), -EBADMSG);
	memset(big, 'a', sizeof(big));
	assert_int_equal(http_parse_request(big, sizeof(big), &r), -EBADMSG);
	memset(path, 'p', sizeof(path));
	memcpy(path, "GET /", 5);
	strcpy(path + 300, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(path, &r), -ENAMETOOLONG);
}

/* Admission: four slots, two per peer, 200 ms grace, as the endpoint
 * runs it with its own numbers. */
#define A_SLOTS 4
#define A_PEER 2
#define A_GRACE 200

static enum http_admit admit(const struct http_slot *v, uint32_t peer, int64_t now,
			     bool ready, size_t *slot)
{
	*slot = 99;
	return http_admit(v, A_SLOTS, peer, now, ready, A_PEER, A_GRACE, slot);
}

static void test_admit_free_slot_first(void **state)
{
	struct http_slot v[A_SLOTS] = {
		{ .used = true, .reading = true, .peer = 1, .opened_ms = 0 },
		{ .used = false },
		{ .used = true, .reading = true, .peer = 2, .opened_ms = 0 },
		{ .used = false },
	};
	size_t slot;

	(void)state;
	/* Even with old slow connections around, a free slot is taken
	 * rather than anyone evicted. */
	assert_int_equal(admit(v, 3, 5000, false, &slot), HTTP_ADMIT_FREE);
	assert_int_equal(slot, 1);
}

static void test_admit_peer_cap(void **state)
{
	struct http_slot v[A_SLOTS] = {
		{ .used = true, .reading = true, .peer = 7, .opened_ms = 0 },
		{ .used = true, .reading = false, .peer = 7, .opened_ms = 10 },
		{ .used = false },
		{ .used = false },
	};
	size_t slot;

	(void)state;
	/* The third from one address is refused with slots free, whether it
	 * has its request or not, and whatever state the two are in. */
	assert_int_equal(admit(v, 7, 100, false, &slot), HTTP_ADMIT_PEER);
	assert_int_equal(admit(v, 7, 100, true, &slot), HTTP_ADMIT_PEER);
	assert_int_equal(admit(v, 8, 100, false, &slot), HTTP_ADMIT_FREE);
	assert_int_equal(slot, 2);
	v[0].used = false;   /* one of the two gone: the peer may connect again */
	assert_int_equal(admit(v, 7, 100, false, &slot), HTTP_ADMIT_FREE);
	assert_int_equal(slot, 0);
}

static void test_admit_evicts_oldest_reader_past_grace(void **state)
{
	struct http_slot v[A_SLOTS] = {
		{ .used = true, .reading = true, .peer = 1, .opened_ms = 1000 },
		{ .used = true, .reading = true, .peer = 2, .opened_ms = 900 },
		{ .used = true, .reading = false, .peer = 3, .opened_ms = 100 },
		{ .used = true, .reading = true, .peer = 4, .opened_ms = 950 },
	};
	size_t slot;

	(void)state;
	/* Slot 2 is older but writing its response: never taken. Slot 1 is
	 * the oldest still reading; 199 ms is inside the grace, 200 is not. */
	assert_int_equal(admit(v, 5, 900 + A_GRACE - 1, false, &slot), HTTP_ADMIT_FULL);
	assert_int_equal(admit(v, 5, 900 + A_GRACE, false, &slot), HTTP_ADMIT_EVICT);
	assert_int_equal(slot, 1);
}

static void test_admit_ready_request_beats_reader(void **state)
{
	struct http_slot v[A_SLOTS] = {
		{ .used = true, .reading = true, .peer = 1, .opened_ms = 1000 },
		{ .used = true, .reading = true, .peer = 2, .opened_ms = 1010 },
		{ .used = true, .reading = true, .peer = 3, .opened_ms = 1020 },
		{ .used = true, .reading = true, .peer = 4, .opened_ms = 1030 },
	};
	size_t slot;

	(void)state;
	/* Every slot younger than the grace: a newcomer still sending is
	 * refused, one whose request is in hand takes the oldest reader. */
	assert_int_equal(admit(v, 5, 1050, false, &slot), HTTP_ADMIT_FULL);
	assert_int_equal(admit(v, 5, 1050, true, &slot), HTTP_ADMIT_EVICT);
	assert_int_equal(slot, 0);
}

static void test_admit_full_of_writers_refuses(void **state)
{
	struct http_slot v[A_SLOTS];
	size_t slot;

	(void)state;
	for (size_t i = 0; i < A_SLOTS; i++)
		v[i] = (struct http_slot){ .used = true, .reading = false, .peer = (uint32_t)i,
					   .opened_ms = 0 };
	/* Responses under way are never cut for a newcomer. */
	assert_int_equal(admit(v, 9, 100000, true, &slot), HTTP_ADMIT_FULL);
	assert_int_equal(slot, 99);
}

static void test_metrics_http_counters(void **state)
{
	struct metrics_http_stats h = { .rejected_full = 1, .rejected_peer = 2, .evicted_slow = 3,
					.request_timeout = 4, .bad_request = 5 };
	struct mbuf b = { 0 };

	(void)state;
	metrics_render_http(&h, &b);
	mbuf_printf(&b, "%c", '\0');
	assert_false(b.oom);
	assert_non_null(strstr(b.p, "# TYPE pxerelay_metrics_http_total counter\n"));
	assert_non_null(strstr(b.p, "pxerelay_metrics_http_total{event=\"rejected_full\"} 1\n"));
	assert_non_null(strstr(b.p, "pxerelay_metrics_http_total{event=\"rejected_peer\"} 2\n"));
	assert_non_null(strstr(b.p, "pxerelay_metrics_http_total{event=\"evicted_slow\"} 3\n"));
	assert_non_null(strstr(b.p, "pxerelay_metrics_http_total{event=\"request_timeout\"} 4\n"));
	assert_non_null(strstr(b.p, "pxerelay_metrics_http_total{event=\"bad_request\"} 5\n"));
	mbuf_free(&b);
}

static void test_metrics_text_names_and_values(void **state)
{
	struct stats s;
	struct stats_iface ifs[1];
	struct stats_rule rules[1];
	struct metrics_extra x = { .start_time = 1790000000.5, .links_configured = 2,
				   .links_present = 1, .capture_kernel_drops = 3 };
	struct mbuf b = { 0 };

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(ifs, 0, sizeof(ifs));
	memset(rules, 0, sizeof(rules));
	strcpy(ifs[0].name, "vlan10");
	ifs[0].requests = 4;
	ifs[0].replies = 3;
	ifs[0].drops = 1;
	s.ifaces = ifs;
	s.nifaces = 1;
	strcpy(rules[0].name, "uefi \"x64\"");
	rules[0].matched = 2;
	rules[0].rewritten = 2;
	s.rules = rules;
	s.nrules = 1;
	s.drop[DROP_UNTRUSTED_AGENT_OPTION] = 1;
	s.arch[7] = 2;
	s.servers[0].addr = htonl(0x0a000002);
	s.servers[0].sent = 4;
	s.nservers = 1;
	/* A DHCPv6 server beside it, and an IPv4 one whose four bytes are
	 * those of the IPv6 one's first four: separate counters. */
	stats_server6(&s, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, true)->replies = 5;
	assert_null(stats_server6(&s, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 3 }, false));
	stats_server(&s, htonl(0x20010db8))->sent = 1;
	assert_int_equal(s.nservers, 3);
	metrics_render(&s, &x, &b);
	assert_false(b.oom);
	mbuf_printf(&b, "%c", '\0');
	assert_non_null(strstr(b.p, "# TYPE pxerelay_relayed_total counter\n"));
	assert_non_null(strstr(b.p, "pxerelay_relayed_total{direction=\"request\",interface=\"vlan10\"} 4\n"));
	assert_non_null(strstr(b.p, "pxerelay_relayed_total{direction=\"reply\",interface=\"vlan10\"} 3\n"));
	assert_non_null(strstr(b.p, "pxerelay_dropped_total{reason=\"untrusted_agent_option\"} 1\n"));
	assert_non_null(strstr(b.p, "pxerelay_dropped_total{reason=\"malformed\"} 0\n"));
	assert_non_null(strstr(b.p, "pxerelay_server_messages_total{server=\"10.0.0.2\",direction=\"sent\"} 4\n"));
	assert_non_null(strstr(b.p, "pxerelay_server_messages_total{server=\"2001:db8::2\",direction=\"received\"} 5\n"));
	assert_non_null(strstr(b.p, "pxerelay_server_messages_total{server=\"2001:db8::2\",direction=\"sent\"} 0\n"));
	assert_non_null(strstr(b.p, "pxerelay_server_messages_total{server=\"32.1.13.184\",direction=\"sent\"} 1\n"));
	assert_non_null(strstr(b.p, "pxerelay_class_requests_total{arch=\"7\",class=\"x64 UEFI\"} 2\n"));
	assert_non_null(strstr(b.p, "pxerelay_boot_rule_total{rule=\"uefi \\\"x64\\\"\",event=\"matched\"} 2\n"));
	assert_non_null(strstr(b.p, "pxerelay_start_time_seconds 1790000000.500\n"));
	assert_non_null(strstr(b.p, "pxerelay_links{state=\"present\"} 1\n"));
	assert_non_null(strstr(b.p, "pxerelay_capture_kernel_drops_total 3\n"));
	/* Every sample line: NAME{...} VALUE or NAME VALUE, and every
	 * counter's name ends in _total. */
	for (char *line = strtok(b.p, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strrchr(line, ' ');

		if (line[0] == '#')
			continue;
		assert_non_null(sp);
		assert_int_equal(strncmp(line, "pxerelay_", 9), 0);
		assert_true(strtod(sp + 1, NULL) >= 0);
	}
	mbuf_free(&b);
}

static void test_mbuf_grows(void **state)
{
	struct mbuf b = { 0 };

	(void)state;
	for (int i = 0; i < 10000; i++)
		mbuf_printf(&b, "line %d\n", i);
	assert_false(b.oom);
	assert_true(b.len > 60000);
	assert_memory_equal(b.p + b.len - 10, "line 9999\n", 10);
	mbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_metrics_parsed),
		cmocka_unit_test(test_incomplete_waits_for_more),
		cmocka_unit_test(test_bad_requests_refused),
		cmocka_unit_test(test_admit_free_slot_first),
		cmocka_unit_test(test_admit_peer_cap),
		cmocka_unit_test(test_admit_evicts_oldest_reader_past_grace),
		cmocka_unit_test(test_admit_ready_request_beats_reader),
		cmocka_unit_test(test_admit_full_of_writers_refuses),
		cmocka_unit_test(test_metrics_http_counters),
		cmocka_unit_test(test_metrics_text_names_and_values),
		cmocka_unit_test(test_mbuf_grows),
	};

	return cmocka_run_group_tests_name("http_metrics", tests, NULL, NULL);
}
