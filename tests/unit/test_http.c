/* Unit tests for http.c (metrics request parser) and metrics.c. */
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
	metrics_render(&s, &x, &b);
	assert_false(b.oom);
	mbuf_printf(&b, "%c", '\0');
	assert_non_null(strstr(b.p, "# TYPE pxerelay_relayed_total counter\n"));
	assert_non_null(strstr(b.p, "pxerelay_relayed_total{direction=\"request\",interface=\"vlan10\"} 4\n"));
	assert_non_null(strstr(b.p, "pxerelay_relayed_total{direction=\"reply\",interface=\"vlan10\"} 3\n"));
	assert_non_null(strstr(b.p, "pxerelay_dropped_total{reason=\"untrusted_agent_option\"} 1\n"));
	assert_non_null(strstr(b.p, "pxerelay_dropped_total{reason=\"malformed\"} 0\n"));
	assert_non_null(strstr(b.p, "pxerelay_server_messages_total{server=\"10.0.0.2\",direction=\"sent\"} 4\n"));
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
		cmocka_unit_test(test_metrics_text_names_and_values),
		cmocka_unit_test(test_mbuf_grows),
	};

	return cmocka_run_group_tests_name("http_metrics", tests, NULL, NULL);
}
