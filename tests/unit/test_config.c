/* test_config.c - configuration file and quick command line (pxerelay.conf(5) and pxerelay(8)).
 *
 * Sample files live in tests/unit/conf/; paths are relative to the repo
 * root, where the Makefile runs the tests from. Error files carry no
 * comments and never put the bad value on line 1, so the line in
 * "FILE:LINE:" is checked for real. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_keys.h"

#define CONF(name) "tests/unit/conf/" name

static struct config *parse(const char *text, char *err, size_t errlen);

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct config *load_ok(const char *path)
{
	char err[512] = "";
	struct config *c = config_load(path, err, sizeof(err));

	if (!c)
		fail_msg("%s: %s", path, err);
	return c;
}

/* The load fails and the message starts with "path:line: " and
 * mentions needle. */
static void expect_error_at(const char *path, int line, const char *needle)
{
	char err[512] = "", prefix[300];
	struct config *c = config_load(path, err, sizeof(err));

	if (c) {
		config_free(c);
		fail_msg("%s: loaded, expected an error at line %d", path, line);
	}
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("%s: message '%s' does not start with '%s'", path, err, prefix);
	if (needle && !strstr(err, needle))
		fail_msg("%s: message '%s' does not mention '%s'", path, err, needle);
}

static int group_setup(void **state)
{
	(void)state;
	if (access(CONF("full.conf"), R_OK) != 0) {
		fprintf(stderr, "test_config: run from the repository root (%s not found)\n",
			CONF("full.conf"));
		return -1;
	}
	return 0;
}

/* ---- the full example ---- */

static void test_full_example_sets_every_global_key(void **state)
{
	struct config *c = load_ok(CONF("full.conf"));

	(void)state;
	assert_int_equal(c->servers.n, 2);
	assert_int_equal(c->servers.addr[0], ip("10.0.0.2"));
	assert_int_equal(c->servers.addr[1], ip("10.0.0.3"));
	assert_int_equal(c->forward, FORWARD_FAILOVER);
	assert_int_equal(c->failover_timeout, 7);
	assert_int_equal(c->max_hops, 8);
	assert_string_equal(c->user, "pxerelay");
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	assert_string_equal(c->upstream, "eth0");
	assert_string_equal(c->metrics, "127.0.0.1:9767");
	assert_string_equal(c->source, CONF("full.conf"));
	config_free(c);
}

static void test_full_example_sets_every_option82_key(void **state)
{
	struct config *c = load_ok(CONF("full.conf"));

	(void)state;
	assert_int_equal(c->opt82.policy, POLICY_APPEND);
	assert_string_equal(c->opt82.circuit_id, "%i:%v");
	assert_string_equal(c->opt82.remote_id, "relay-%h");
	assert_true(c->opt82.link_selection);
	assert_true(c->opt82.server_id_override);
	config_free(c);
}

static void test_full_example_sets_every_interface_key(void **state)
{
	struct config *c = load_ok(CONF("full.conf"));
	const struct cfg_iface *v10, *v20;

	(void)state;
	assert_int_equal(c->nifaces, 2);
	v10 = config_iface(c, "vlan10");
	v20 = config_iface(c, "eth1.20");
	assert_non_null(v10);
	assert_non_null(v20);
	assert_ptr_equal(v10, &c->ifaces[0]);       /* file order kept */
	assert_null(config_iface(c, "vlan30"));

	assert_int_equal(v10->giaddr, ip("10.10.0.1"));
	assert_int_equal(v10->servers.n, 1);
	assert_int_equal(v10->servers.addr[0], ip("10.0.0.9"));
	assert_string_equal(v10->circuit_id, "site1-vlan10");
	assert_string_equal(v10->remote_id, "site1");
	assert_true(v10->trusted);
	assert_true(v10->tftp_proxy);

	/* The empty section: everything from the global level. */
	assert_int_equal(v20->giaddr, 0);
	assert_int_equal(v20->servers.n, 0);
	assert_string_equal(v20->circuit_id, "");
	assert_string_equal(v20->remote_id, "");
	assert_false(v20->trusted);
	assert_false(v20->tftp_proxy);

	/* Own list for vlan10, the global one for eth1.20. */
	assert_ptr_equal(config_servers(c, v10), &v10->servers);
	assert_ptr_equal(config_servers(c, v20), &c->servers);
	assert_ptr_equal(config_servers(c, NULL), &c->servers);
	config_free(c);
}

static void test_full_example_sets_every_boot_key_in_file_order(void **state)
{
	struct config *c = load_ok(CONF("full.conf"));
	const struct cfg_boot *b;

	(void)state;
	assert_int_equal(c->nboots, 3);
	b = &c->boots[0];
	assert_string_equal(b->name, "uefi-x64");
	assert_int_equal(b->narch, 2);
	assert_int_equal(b->arch[0], 7);
	assert_int_equal(b->arch[1], 9);
	assert_string_equal(b->vendor_class, "PXEClient*");
	assert_string_equal(b->user_class, "iPXE");
	assert_int_equal(b->nifaces, 2);
	assert_string_equal(b->ifaces[0], "vlan10");
	assert_string_equal(b->ifaces[1], "eth1.20");
	assert_string_equal(b->mac, "b8:27:eb:*");
	assert_string_equal(b->filename, "ipxe.efi");
	assert_int_equal(b->next_server, ip("10.0.0.5"));
	assert_string_equal(b->server_name, "boot1");

	b = &c->boots[1];
	assert_string_equal(b->name, "bios");
	assert_int_equal(b->narch, 1);
	assert_int_equal(b->arch[0], 0);
	assert_string_equal(b->filename, "undionly.kpxe");
	assert_string_equal(b->vendor_class, "");
	assert_string_equal(b->user_class, "");
	assert_int_equal(b->nifaces, 0);
	assert_string_equal(b->mac, "");
	assert_int_equal(b->next_server, 0);
	assert_string_equal(b->server_name, "");
	assert_string_equal(b->offered_filename, "");
	assert_int_equal(b->from_servers.n, 0);
	assert_false(b->proxy_offers);
	assert_int_equal(b->nset_opts, 0);
	assert_int_equal(b->nremove_opts, 0);

	b = &c->boots[2];
	assert_string_equal(b->name, "rpi");
	assert_string_equal(b->offered_filename, "undionly.*");
	assert_string_equal(b->offered_next_server, "10.0.0.2");
	assert_int_equal(b->from_servers.n, 2);
	assert_int_equal(b->from_servers.addr[1], ip("10.0.0.3"));
	assert_true(b->proxy_offers);
	assert_int_equal(b->nremove_opts, 2);
	assert_int_equal(b->remove_opts[0], 60);
	assert_int_equal(b->remove_opts[1], 43);
	assert_int_equal(b->nset_opts, 2);
	assert_int_equal(b->set_opts[0].code, 43);
	assert_int_equal(b->set_opts[0].len, 17);
	assert_memory_equal(b->set_opts[0].value, "Raspberry Pi Boot", 17);
	assert_string_equal(b->set_opts[1].text, "60 text PXEClient");
	config_free(c);
}

/* ---- set-option and remove-option ---- */

static void set_option_ok(const char *text, uint8_t code, const char *bytes, size_t len)
{
	struct cfg_set_option o;
	char why[300] = "";

	if (cfg_parse_set_option(text, &o, why, sizeof(why)) < 0)
		fail_msg("'%s': %s", text, why);
	assert_int_equal(o.code, code);
	assert_int_equal(o.len, len);
	assert_memory_equal(o.value, bytes, len);
	assert_string_equal(o.text, text);
}

static void set_option_refused(const char *text, const char *needle)
{
	struct cfg_set_option o;
	char why[300] = "";

	if (cfg_parse_set_option(text, &o, why, sizeof(why)) == 0)
		fail_msg("'%s' accepted", text);
	if (!strstr(why, needle))
		fail_msg("'%s': '%s' does not say '%s'", text, why, needle);
}

static void test_set_option_every_type_gives_its_wire_bytes(void **state)
{
	(void)state;
	set_option_ok("43 text Raspberry Pi Boot", 43, "Raspberry Pi Boot", 17);
	set_option_ok("150 ip 10.0.0.5", 150, "\x0a\x00\x00\x05", 4);
	set_option_ok("150 ip 10.0.0.5,10.0.0.6", 150, "\x0a\x00\x00\x05\x0a\x00\x00\x06", 8);
	set_option_ok("175 hex 01:02:0a:FF", 175, "\x01\x02\x0a\xff", 4);
	set_option_ok("175 hex 01020aff", 175, "\x01\x02\x0a\xff", 4);
	set_option_ok("200 u8 7", 200, "\x07", 1);
	set_option_ok("201 u16 1024", 201, "\x04\x00", 2);
	set_option_ok("202 u32 0x01020304", 202, "\x01\x02\x03\x04", 4);
	set_option_ok("209 text pxelinux.cfg/default", 209, "pxelinux.cfg/default", 20);
}

/* The relay owns 52 and 82; 53 and 54 make the reply a DHCP message the
 * client can answer; 66 and 67 are next-server and filename. */
static void test_set_option_refuses_codes_the_relay_or_other_keys_own(void **state)
{
	(void)state;
	set_option_refused("82 hex 01", "relay agent information");
	set_option_refused("52 u8 3", "overload");
	set_option_refused("53 u8 2", "message type");
	set_option_refused("54 ip 10.0.0.9", "server identifier");
	set_option_refused("66 text 10.0.0.5", "next-server");
	set_option_refused("67 text ipxe.efi", "filename");
	set_option_refused("0 u8 1", "not an option");
	set_option_refused("255 u8 1", "not an option");
	set_option_refused("256 u8 1", "option code");
}

static void test_set_option_refuses_values_its_type_cannot_hold(void **state)
{
	(void)state;
	set_option_refused("150 ip 10.0.0.300", "not a ip value");
	set_option_refused("201 u16 70000", "not a u16 value");
	set_option_refused("200 u8 -1", "not a u8 value");
	set_option_refused("175 hex 0g", "not a hex value");
	set_option_refused("175 hex 012", "not a hex value");
	set_option_refused("43 text ", "1 to 255 bytes");
	set_option_refused("43 string x", "type is text, ip, hex");
	set_option_refused("43", "CODE TYPE VALUE");
	set_option_refused("x text y", "CODE TYPE VALUE");
}

static void test_remove_option_refuses_what_the_relay_owns_and_takes_the_rest(void **state)
{
	char err[512] = "";
	struct config *c;

	(void)state;
	c = parse("servers = {\"10.0.0.2\"}\ninterface vlan10 { }\n"
		  "boot b {\n remove-option = {60, 43, 66, 67}\n}\n", err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->boots[0].nremove_opts, 4);
	config_free(c);
	assert_null(parse("servers = {\"10.0.0.2\"}\ninterface vlan10 { }\n"
			  "boot b {\n remove-option = {60, 82}\n}\n", err, sizeof(err)));
	assert_string_equal(err, "t.conf:4: remove-option: option 82 (relay agent information) "
			    "is the relay's to manage");
	assert_null(parse("servers = {\"10.0.0.2\"}\ninterface vlan10 { }\n"
			  "boot b {\n set-option = {\"60 text PXEClient\", \"82 u8 1\"}\n}\n",
			  err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf:4: set-option: option 82"));
}

static void test_full_example_sets_every_tftp_proxy_key(void **state)
{
	struct config *c = load_ok(CONF("full.conf"));

	(void)state;
	assert_int_equal(c->tftp.cache_size, 256ull << 20);
	assert_string_equal(c->tftp.cache_dir, "/var/cache/pxerelay");
	assert_int_equal(c->tftp.max_sessions, 100);
	assert_int_equal(c->tftp.upstream_blksize, 8192);
	assert_int_equal(c->tftp.upstream_windowsize, 32);
	config_free(c);
}

/* ---- defaults ---- */

static void assert_global_defaults(const struct config *c)
{
	assert_int_equal(c->forward, FORWARD_ALL);
	assert_int_equal(c->failover_timeout, 3);
	assert_int_equal(c->max_hops, 4);
	assert_string_equal(c->user, "nobody");
	assert_int_equal(c->log_level, LOG_LVL_INFO);
	assert_string_equal(c->metrics, "");
	assert_int_equal(c->opt82.policy, POLICY_REPLACE);
	assert_string_equal(c->opt82.circuit_id, "%i");
	assert_string_equal(c->opt82.remote_id, "%h");
	assert_false(c->opt82.link_selection);
	assert_false(c->opt82.server_id_override);
	assert_int_equal(c->nboots, 0);
	assert_int_equal(c->tftp.cache_size, 64ull << 20);
	assert_string_equal(c->tftp.cache_dir, "");
	assert_int_equal(c->tftp.max_sessions, 512);
	assert_int_equal(c->tftp.upstream_blksize, 1468);
	assert_int_equal(c->tftp.upstream_windowsize, 16);
}

static void test_absent_keys_take_their_defaults(void **state)
{
	struct config *c = load_ok(CONF("minimal.conf"));

	(void)state;
	assert_global_defaults(c);
	assert_string_equal(c->upstream, "");
	assert_int_equal(c->servers.n, 1);
	assert_int_equal(c->servers.addr[0], ip("10.0.0.2"));
	assert_int_equal(c->nifaces, 1);
	assert_string_equal(c->ifaces[0].name, "vlan10");
	assert_int_equal(c->ifaces[0].giaddr, 0);
	assert_int_equal(c->ifaces[0].servers.n, 0);
	assert_false(c->ifaces[0].trusted);
	assert_false(c->ifaces[0].tftp_proxy);
	config_free(c);
}

static void test_config_defaults_match_the_documented_values(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_global_defaults(&c);
	assert_int_equal(c.servers.n, 0);
	assert_int_equal(c.nifaces, 0);
	assert_string_equal(policy_name(POLICY_DISCARD), "discard");
	assert_string_equal(log_level_name(LOG_LVL_WARN), "warn");
}

/* ---- the key table ---- */

static void test_every_default_in_the_key_table_is_accepted_by_its_own_type(void **state)
{
	char why[300];

	(void)state;
	for (size_t i = 0; i < cfg_nsections; i++) {
		const struct cfg_section *s = &cfg_sections[i];
		char *base = calloc(1, s->multi ? s->elem_size : sizeof(struct config));

		assert_non_null(base);
		if (cfg_apply_defaults(s, s->multi ? base : base + s->base_off, why,
				       sizeof(why)) < 0)
			fail_msg("section %s: a default is refused: %s", s->name, why);
		free(base);
	}
}

/* Each single section's defaults, written out as a file sets them,
 * load: the schema libconfuse gets knows every key of the table, and a
 * default reads back as the value config_defaults() gives. */
static void test_every_key_default_written_in_a_file_loads_to_the_same_config(void **state)
{
	char *text = NULL, err[512] = "";
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct config *c, d;

	(void)state;
	assert_non_null(f);
	fprintf(f, "interface \"vlan10\" {\n  servers = {\"10.0.0.2\"}\n}\n");
	for (size_t i = 0; i < cfg_nsections; i++) {
		const struct cfg_section *s = &cfg_sections[i];

		if (s->multi)
			continue;
		if (i)
			fprintf(f, "%s {\n", s->name);
		for (size_t k = 0; k < s->nkeys; k++)
			if (s->keys[k].def && !s->keys[k].type->list)
				fprintf(f, "%s = \"%s\"\n", s->keys[k].name, s->keys[k].def);
		if (i)
			fprintf(f, "}\n");
	}
	fclose(f);
	c = config_parse_text("defaults.conf", text, len, err, sizeof(err));
	if (!c)
		fail_msg("%s\n%s", err, text);
	config_defaults(&d);
	assert_global_defaults(c);
	assert_memory_equal(&c->opt82, &d.opt82, sizeof(d.opt82));
	assert_memory_equal(&c->tftp, &d.tftp, sizeof(d.tftp));
	assert_memory_equal(&c->ratelimit, &d.ratelimit, sizeof(d.ratelimit));
	config_free(c);
	free(text);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* pxerelay.conf(5) documents every key of the table, in the part of the
 * page for its section, as the first word of a .BR line or after a
 * comma in one ("client = n, client-burst = n"). */
static void test_every_key_of_the_table_is_documented_in_its_man_page_section(void **state)
{
	static const struct { const char *section, *from, *to; } part[] = {
		{ "root", ".SH GLOBAL KEYS", ".SH OPTION82" },
		{ "option82", ".SH OPTION82 SECTION", ".SH INTERFACE" },
		{ "interface", ".SH INTERFACE SECTIONS", ".SH BOOT" },
		{ "boot", ".SH BOOT SECTIONS", ".SH TFTP" },
		{ "tftp-proxy", ".SS tftp\\-proxy { ... } keys", ".SH RATE" },
		{ "rate-limit", ".SH RATE LIMITS", ".SH EXAMPLES" },
	};
	char *man = read_all("man/pxerelay.conf.5");

	(void)state;
	for (size_t i = 0; i < cfg_nsections; i++) {
		const struct cfg_section *s = &cfg_sections[i];
		const char *from = NULL, *to = NULL;

		for (size_t p = 0; p < sizeof(part) / sizeof(part[0]); p++)
			if (strcmp(part[p].section, s->name) == 0) {
				from = strstr(man, part[p].from);
				to = from ? strstr(from, part[p].to) : NULL;
			}
		if (!from || !to)
			fail_msg("man page: no part found for section %s", s->name);
		for (size_t k = 0; k < s->nkeys; k++) {
			char esc[64], first[80], after[80];
			size_t e = 0;
			bool found = false;

			for (const char *n = s->keys[k].name; *n && e + 2 < sizeof(esc); n++) {
				if (*n == '-')
					esc[e++] = '\\';
				esc[e++] = *n;
			}
			esc[e] = '\0';
			snprintf(first, sizeof(first), "\n.BR %s \"", esc);
			snprintf(after, sizeof(after), "\", \" %s", esc);
			for (const char *p = from; p && p < to && !found; p = strchr(p + 1, '\n')) {
				const char *end = strchrnul(p + 1, '\n');
				const char *a = memmem(p, (size_t)(end - p), after, strlen(after));

				found = strncmp(p, first, strlen(first)) == 0 ||
					(strncmp(p, "\n.BR ", 5) == 0 && a &&
					 (a[strlen(after)] == ' ' || a[strlen(after)] == '\n'));
			}
			if (!found)
				fail_msg("man page: %s key '%s' is not documented in its part",
					 s->name, s->keys[k].name);
		}
	}
	free(man);
}

static struct config *parse(const char *text, char *err, size_t errlen)
{
	return config_parse_text("t.conf", text, strlen(text), err, errlen);
}

static void test_boolean_accepts_the_words_libconfuse_accepts(void **state)
{
	char err[512] = "";
	struct config *c = parse("servers = {\"10.0.0.2\"}\n"
				 "interface vlan10 { trusted = yes\n tftp-proxy = on }\n"
				 "interface vlan20 { trusted = off }\n", err, sizeof(err));

	(void)state;
	if (!c)
		fail_msg("%s", err);
	assert_true(c->ifaces[0].trusted);
	assert_true(c->ifaces[0].tftp_proxy);
	assert_false(c->ifaces[1].trusted);
	config_free(c);
	assert_null(parse("servers = {\"10.0.0.2\"}\ninterface vlan10 {\n trusted = maybe }\n",
			  err, sizeof(err)));
	assert_string_equal(err, "t.conf:3: trusted: 'maybe' is not true or false");
}

static void test_number_key_given_text_is_refused_naming_key_and_value(void **state)
{
	char err[512] = "";

	(void)state;
	assert_null(parse("servers = {\"10.0.0.2\"}\nmax-hops = four\ninterface vlan10 { }\n",
			  err, sizeof(err)));
	assert_string_equal(err, "t.conf:2: max-hops: 'four' is not a number");
	assert_null(parse("servers = {\"10.0.0.2\"}\nmax-hops = 4x\ninterface vlan10 { }\n",
			  err, sizeof(err)));
	assert_string_equal(err, "t.conf:2: max-hops: '4x' is not a number");
}

static void test_arch_list_over_sixteen_bits_is_refused(void **state)
{
	char err[512] = "";

	(void)state;
	assert_null(parse("servers = {\"10.0.0.2\"}\ninterface vlan10 { }\n"
			  "boot b {\n arch = {7, 65536}\n filename = \"x\"\n}\n", err, sizeof(err)));
	assert_non_null(strstr(err, "arch: '65536' is not a 16-bit code"));
}

/* ---- errors with FILE:LINE ---- */

static void test_bad_server_address_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("bad_server.conf"), 2, "10.0.0.999");
}

static void test_unknown_forward_mode_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("bad_forward.conf"), 4, "roundrobin");
}

static void test_max_hops_17_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("max_hops_17.conf"), 3, "max-hops");
}

static void test_bad_giaddr_in_interface_section_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("bad_giaddr.conf"), 5, "10.10.0.300");
}

static void test_unknown_escape_in_interface_circuit_id_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("bad_iface_circuit_id.conf"), 4, "site1-%x");
}

/* Rule names longer than 63 bytes would be cut when stored, and two such
 * names could then collide (found by fuzz_config). libconfuse reports a
 * section title at the section's closing brace. */
static void test_boot_rule_name_longer_than_63_is_refused(void **state)
{
	(void)state;
	expect_error_at(CONF("boot_name_too_long.conf"), 7, "rule name is 1 to 63");
}

static void test_unknown_key_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("unknown_key.conf"), 4, "relay-mode");
}

/* option82 { } and tftp-proxy { } are single sections: their errors need
 * the file name as much as those of interface { } (libconfuse names no
 * file for them: src/config_confuse.c keeps the path of the parse). */
static void test_bad_policy_in_option82_section_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("bad_policy.conf"), 6, "drop");
}

static void test_unknown_escape_in_option82_circuit_id_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("bad_opt82_circuit_id.conf"), 6, "%i-%q");
}

static void test_bad_cache_size_in_tftp_proxy_section_is_reported_at_its_line(void **state)
{
	(void)state;
	expect_error_at(CONF("bad_cache_size.conf"), 6, "12Q");
}

static void test_error_line_counts_comment_lines_once(void **state)
{
	/* max-hops = 17 is on line 5, after one comment line. libconfuse 3.3
	 * counts a comment line as several (src/config_confuse.c blanks
	 * comments before it parses). */
	(void)state;
	expect_error_at(CONF("comment_before_error.conf"), 5, "max-hops");
}

static void test_interface_without_servers_and_no_global_servers_is_an_error(void **state)
{
	char err[512] = "";
	struct config *c = config_load(CONF("no_servers.conf"), err, sizeof(err));

	(void)state;
	assert_null(c);
	assert_true(strncmp(err, CONF("no_servers.conf") ":", strlen(CONF("no_servers.conf")) + 1) == 0);
	assert_non_null(strstr(err, "\"vlan10\""));
	assert_non_null(strstr(err, "no servers"));
}

static void test_interface_without_servers_error_names_the_section_line(void **state)
{
	/* interface "vlan10" { starts on line 1 (its } is on line 3). */
	(void)state;
	expect_error_at(CONF("no_servers.conf"), 1, "vlan10");
}

/* vrrp-address is the link's giaddr: a giaddr beside it would say two
 * things at once. */
static void test_interface_with_giaddr_and_vrrp_address_is_refused_at_its_line(void **state)
{
	static const char text[] = "servers = {\"10.0.0.2\"}\n"
				   "interface \"vlan10\" {\n"
				   "  giaddr = \"10.10.0.1\"\n"
				   "  vrrp-address = \"10.10.0.254\"\n"
				   "}\n"
				   "interface \"vlan20\" { vrrp-address = \"10.20.0.254\" }\n";
	char err[512] = "";
	struct config *c = config_parse_text("t.conf", text, strlen(text), err, sizeof(err));

	(void)state;
	assert_null(c);
	assert_non_null(strstr(err, "t.conf:2: "));
	assert_non_null(strstr(err, "vrrp-address"));
	{
		static const char ok[] = "servers = {\"10.0.0.2\"}\n"
					 "interface \"vlan20\" { vrrp-address = \"10.20.0.254\" }\n";

		c = config_parse_text("t.conf", ok, strlen(ok), err, sizeof(err));
		assert_non_null(c);
		assert_int_equal(c->ifaces[0].vrrp_address, htonl(0x0a1400fe));
		assert_int_equal(c->ifaces[0].giaddr, 0);
		config_free(c);
	}
}

static void test_every_interface_with_own_servers_needs_no_global_list(void **state)
{
	struct config *c = load_ok(CONF("own_servers.conf"));

	(void)state;
	assert_int_equal(c->servers.n, 0);
	assert_int_equal(c->nifaces, 2);
	assert_int_equal(config_servers(c, &c->ifaces[1])->n, 2);
	config_free(c);
}

static void test_missing_file_is_an_error_naming_the_file(void **state)
{
	char err[512] = "";

	(void)state;
	assert_null(config_load(CONF("does-not-exist.conf"), err, sizeof(err)));
	assert_non_null(strstr(err, CONF("does-not-exist.conf")));
}

static void test_cache_size_that_overflows_64_bits_is_rejected(void **state)
{
	/* 17179869184G = 2^64 bytes: must not wrap to 0. */
	char err[512] = "";
	struct config *c = config_load(CONF("cache_size_overflow.conf"), err, sizeof(err));

	(void)state;
	if (c) {
		unsigned long long got = (unsigned long long)c->tftp.cache_size;

		config_free(c);
		fail_msg("accepted, cache_size = %llu", got);
	}
	assert_non_null(strstr(err, "cache-size"));
}

static void test_boot_rule_with_more_interfaces_than_kept_is_rejected(void **state)
{
	/* 17 names where 16 are kept: the 17th must not vanish silently. */
	char err[512] = "";
	struct config *c = config_load(CONF("boot_17_interfaces.conf"), err, sizeof(err));

	(void)state;
	if (c) {
		size_t n = c->boots[0].nifaces;

		config_free(c);
		fail_msg("accepted with %zu of 17 interfaces", n);
	}
}

static void test_boot_filename_longer_than_kept_is_rejected(void **state)
{
	/* A 300+ byte URL must not be cut silently to 255 bytes. */
	char err[512] = "";
	struct config *c = config_load(CONF("boot_long_filename.conf"), err, sizeof(err));

	(void)state;
	if (c) {
		size_t n = strlen(c->boots[0].filename);

		config_free(c);
		fail_msg("accepted, filename cut to %zu bytes", n);
	}
}

static void test_upstream_name_longer_than_an_interface_name_is_rejected(void **state)
{
	/* upstream = "a-very-long-interface-name": cutting it to 15 bytes
	 * would name another (or no) interface. */
	char err[512] = "";
	struct config *c = config_load(CONF("upstream_too_long.conf"), err, sizeof(err));

	(void)state;
	if (c) {
		char got[IFNAMSIZ];

		snprintf(got, sizeof(got), "%s", c->upstream);
		config_free(c);
		fail_msg("accepted, upstream cut to '%s'", got);
	}
	assert_non_null(strstr(err, "upstream"));
}

/* ---- quick command line ---- */

static void test_from_args_builds_interfaces_servers_and_defaults(void **state)
{
	char if1[] = "vlan10", if2[] = "eth1.20", s1[] = "10.0.0.2", s2[] = "192.0.2.7";
	char *ifaces[] = { if1, if2 };
	char *servers[] = { s1, s2 };
	char err[512] = "";
	struct config *c = config_from_args(ifaces, 2, "eth0", servers, 2, err, sizeof(err));

	(void)state;
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->nifaces, 2);
	assert_string_equal(c->ifaces[0].name, "vlan10");
	assert_string_equal(c->ifaces[1].name, "eth1.20");
	assert_int_equal(c->ifaces[0].servers.n, 0);
	assert_int_equal(c->servers.n, 2);
	assert_int_equal(c->servers.addr[0], ip("10.0.0.2"));
	assert_int_equal(c->servers.addr[1], ip("192.0.2.7"));
	assert_string_equal(c->upstream, "eth0");
	assert_string_equal(c->source, "command line");
	assert_global_defaults(c);
	config_free(c);
}

/* pxerelay -i vlan10 -u eth0 10.0.0.2 2001:db8::2: both families. */
static void test_from_args_takes_ipv4_and_ipv6_servers(void **state)
{
	char if1[] = "vlan10", s1[] = "10.0.0.2", s2[] = "2001:db8::2", s3[] = "fe80::1";
	char *ifaces[] = { if1 };
	char *servers[] = { s1, s2, s3 };
	char err[512] = "";
	uint8_t want[16];
	struct config *c = config_from_args(ifaces, 1, "eth0", servers, 2, err, sizeof(err));

	(void)state;
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->servers.n, 1);
	assert_int_equal(c->servers.n6, 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", want), 1);
	assert_memory_equal(c->servers.addr6[0], want, 16);
	config_free(c);
	/* A link-local server cannot be reached from another link. */
	assert_null(config_from_args(ifaces, 1, "eth0", servers, 3, err, sizeof(err)));
	assert_non_null(strstr(err, "fe80::1"));
}

/* servers lists hold both families; -t prints them back; an interface
 * list replaces the global one for both. */
static void test_servers_take_ipv6_beside_ipv4_and_print_back(void **state)
{
	static const char text[] = "servers = {\"10.0.0.2\", \"2001:db8::2\", \"fd00::5\"}\n"
				   "interface \"vlan10\" { servers = {\"10.0.0.9\"} }\n"
				   "interface \"vlan20\" { link-address = \"2001:db8:20::1\" }\n";
	char err[512] = "", *out = NULL;
	size_t len = 0;
	struct config *c = config_parse_text("t.conf", text, strlen(text), err, sizeof(err));
	FILE *f;

	(void)state;
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->servers.n, 1);
	assert_int_equal(c->servers.n6, 2);
	assert_int_equal(config_servers(c, &c->ifaces[0])->n6, 0);
	assert_int_equal(config_servers(c, &c->ifaces[1])->n6, 2);
	f = open_memstream(&out, &len);
	config_print(c, f);
	fclose(f);
	assert_non_null(strstr(out, "servers = {\"10.0.0.2\", \"2001:db8::2\", \"fd00::5\"}"));
	assert_non_null(strstr(out, "link-address = \"2001:db8:20::1\""));
	free(out);
	config_free(c);
	c = config_parse_text("t.conf", "servers = {\"ff02::1:2\"}\ninterface \"x\" { }\n", 42,
			      err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "t.conf:1: "));
}

/* RFC 8415 §7.1 All_DHCP_Servers may stand in a servers list (not in
 * from-server: no reply comes from a multicast address); it leaves by the
 * upstream interface, so a list naming it without upstream is refused. */
static void test_rfc8415_all_dhcp_servers_in_servers_needs_upstream(void **state)
{
	static const char with[] = "upstream = \"eth0\"\nservers = {\"10.0.0.2\"}\n"
				   "interface \"vlan10\" { servers = {\"ff05::1:3\"} }\n";
	static const char without[] = "servers = {\"10.0.0.2\"}\n"
				      "interface \"vlan10\" { servers = {\"ff05::1:3\"} }\n";
	static const char from[] = "upstream = \"eth0\"\nservers = {\"ff05::1:3\"}\n"
				   "interface \"vlan10\" { }\n"
				   "boot \"b\" { from-server = {\"ff05::1:3\"} }\n";
	char err[512] = "", *out = NULL, if1[] = "vlan10", up[] = "eth0", s1[] = "ff05::1:3";
	char *ifaces[] = { if1 }, *servers[] = { s1 };
	size_t len = 0;
	struct config *c = parse(with, err, sizeof(err));
	FILE *f;

	(void)state;
	if (!c)
		fail_msg("%s", err);
	assert_true(server_list_has_all_dhcp_servers(config_servers(c, &c->ifaces[0])));
	assert_false(server_list_has_all_dhcp_servers(&c->servers));
	f = open_memstream(&out, &len);
	config_print(c, f);
	fclose(f);
	assert_non_null(strstr(out, "servers = {\"ff05::1:3\"}"));
	free(out);
	config_free(c);
	assert_null(parse(without, err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf:2: "));
	assert_non_null(strstr(err, "set upstream"));
	assert_null(parse(from, err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf:4: "));
	c = config_from_args(ifaces, 1, up, servers, 1, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	config_free(c);
	assert_null(config_from_args(ifaces, 1, NULL, servers, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "set upstream"));
}

static void test_from_args_without_upstream(void **state)
{
	char if1[] = "vlan10", s1[] = "10.0.0.2";
	char *ifaces[] = { if1 };
	char *servers[] = { s1 };
	char err[512] = "";
	struct config *c = config_from_args(ifaces, 1, NULL, servers, 1, err, sizeof(err));

	(void)state;
	if (!c)
		fail_msg("%s", err);
	assert_string_equal(c->upstream, "");
	config_free(c);
}

static void test_from_args_bad_server_address_is_an_error(void **state)
{
	static const char *const bad[] = { "10.0.0.256", "server1", "", "0.0.0.0",
					   "255.255.255.255", "10.0.0" };
	char if1[] = "vlan10", ok[] = "10.0.0.2";
	char *ifaces[] = { if1 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char s[32], err[512] = "";
		char *servers[] = { ok, s };
		struct config *c;

		snprintf(s, sizeof(s), "%s", bad[i]);
		c = config_from_args(ifaces, 1, NULL, servers, 2, err, sizeof(err));
		if (c) {
			config_free(c);
			fail_msg("server '%s' accepted", bad[i]);
		}
		if (!strstr(err, "command line") || !strstr(err, s))
			fail_msg("server '%s': message '%s'", bad[i], err);
	}
}

static void test_from_args_without_servers_is_an_error(void **state)
{
	char if1[] = "vlan10";
	char *ifaces[] = { if1 };
	char err[512] = "";

	(void)state;
	assert_null(config_from_args(ifaces, 1, NULL, NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "no servers"));
}

static void test_from_args_without_interfaces_is_an_error(void **state)
{
	char s1[] = "10.0.0.2";
	char *servers[] = { s1 };
	char err[512] = "";

	(void)state;
	assert_null(config_from_args(NULL, 0, NULL, servers, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "interface"));
}

static void test_from_args_interface_twice_is_an_error(void **state)
{
	char if1[] = "vlan10", if2[] = "vlan10", s1[] = "10.0.0.2";
	char *ifaces[] = { if1, if2 };
	char *servers[] = { s1 };
	char err[512] = "";

	(void)state;
	assert_null(config_from_args(ifaces, 2, NULL, servers, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "twice"));
}

static void test_from_args_upstream_that_is_also_downstream_is_an_error(void **state)
{
	char if1[] = "vlan10", s1[] = "10.0.0.2";
	char *ifaces[] = { if1 };
	char *servers[] = { s1 };
	char err[512] = "";

	(void)state;
	assert_null(config_from_args(ifaces, 1, "vlan10", servers, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "vlan10"));
}

static void test_from_args_overlong_interface_name_is_an_error(void **state)
{
	char if1[] = "a-name-longer-than-ifnamsiz", s1[] = "10.0.0.2";
	char *ifaces[] = { if1 };
	char *servers[] = { s1 };
	char err[512] = "";

	(void)state;
	assert_null(config_from_args(ifaces, 1, NULL, servers, 1, err, sizeof(err)));
	assert_non_null(strstr(err, if1));
}

/* ---- config_print re-parses ---- */

static void assert_same_server_list(const struct server_list *a, const struct server_list *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		assert_int_equal(a->addr[i], b->addr[i]);
}

static void assert_same_config(const struct config *a, const struct config *b)
{
	assert_same_server_list(&a->servers, &b->servers);
	assert_int_equal(a->forward, b->forward);
	assert_int_equal(a->failover_timeout, b->failover_timeout);
	assert_int_equal(a->max_hops, b->max_hops);
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->log_level, b->log_level);
	assert_string_equal(a->upstream, b->upstream);
	assert_string_equal(a->metrics, b->metrics);
	assert_int_equal(a->opt82.policy, b->opt82.policy);
	assert_string_equal(a->opt82.circuit_id, b->opt82.circuit_id);
	assert_string_equal(a->opt82.remote_id, b->opt82.remote_id);
	assert_int_equal(a->opt82.link_selection, b->opt82.link_selection);
	assert_int_equal(a->opt82.server_id_override, b->opt82.server_id_override);

	assert_int_equal(a->nifaces, b->nifaces);
	for (size_t i = 0; i < a->nifaces; i++) {
		const struct cfg_iface *x = &a->ifaces[i], *y = &b->ifaces[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->giaddr, y->giaddr);
		assert_same_server_list(&x->servers, &y->servers);
		assert_string_equal(x->circuit_id, y->circuit_id);
		assert_string_equal(x->remote_id, y->remote_id);
		assert_int_equal(x->trusted, y->trusted);
		assert_int_equal(x->tftp_proxy, y->tftp_proxy);
	}

	assert_int_equal(a->nboots, b->nboots);
	for (size_t i = 0; i < a->nboots; i++) {
		const struct cfg_boot *x = &a->boots[i], *y = &b->boots[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->narch, y->narch);
		for (size_t k = 0; k < x->narch; k++)
			assert_int_equal(x->arch[k], y->arch[k]);
		assert_string_equal(x->vendor_class, y->vendor_class);
		assert_string_equal(x->user_class, y->user_class);
		assert_int_equal(x->nifaces, y->nifaces);
		for (size_t k = 0; k < x->nifaces; k++)
			assert_string_equal(x->ifaces[k], y->ifaces[k]);
		assert_string_equal(x->mac, y->mac);
		assert_string_equal(x->filename, y->filename);
		assert_int_equal(x->next_server, y->next_server);
		assert_string_equal(x->server_name, y->server_name);
		assert_string_equal(x->offered_filename, y->offered_filename);
		assert_string_equal(x->offered_next_server, y->offered_next_server);
		assert_same_server_list(&x->from_servers, &y->from_servers);
		assert_int_equal(x->proxy_offers, y->proxy_offers);
		assert_int_equal(x->nremove_opts, y->nremove_opts);
		assert_memory_equal(x->remove_opts, y->remove_opts, x->nremove_opts);
		assert_int_equal(x->nset_opts, y->nset_opts);
		for (size_t k = 0; k < x->nset_opts; k++) {
			assert_int_equal(x->set_opts[k].len, y->set_opts[k].len);
			assert_memory_equal(x->set_opts[k].value, y->set_opts[k].value,
					    x->set_opts[k].len);
			assert_string_equal(x->set_opts[k].text, y->set_opts[k].text);
		}
	}

	assert_int_equal(a->tftp.cache_size, b->tftp.cache_size);
	assert_string_equal(a->tftp.cache_dir, b->tftp.cache_dir);
	assert_int_equal(a->tftp.max_sessions, b->tftp.max_sessions);
	assert_int_equal(a->tftp.upstream_blksize, b->tftp.upstream_blksize);
	assert_int_equal(a->tftp.upstream_windowsize, b->tftp.upstream_windowsize);
}

/* Print c into a temporary file, load it back; *text gets the printed
 * text (caller frees). */
static struct config *print_and_reload(const struct config *c, char **text)
{
	char path[] = "/tmp/pxerelay-test-config-XXXXXX";
	char err[512] = "";
	int fd = mkstemp(path);
	FILE *f;
	struct config *again;
	long n;

	assert_true(fd >= 0);
	f = fdopen(fd, "w+");
	assert_non_null(f);
	config_print(c, f);
	assert_int_equal(fflush(f), 0);
	if (text) {
		n = ftell(f);
		assert_true(n > 0);
		*text = calloc(1, (size_t)n + 1);
		assert_non_null(*text);
		rewind(f);
		assert_int_equal(fread(*text, 1, (size_t)n, f), (size_t)n);
	}
	fclose(f);
	again = config_load(path, err, sizeof(err));
	unlink(path);
	if (!again)
		fail_msg("printed config does not load: %s", err);
	return again;
}

static void test_printed_full_example_loads_back_to_the_same_config(void **state)
{
	struct config *c = load_ok(CONF("full.conf"));
	struct config *again = print_and_reload(c, NULL);

	(void)state;
	assert_same_config(c, again);
	config_free(c);
	config_free(again);
}

static void test_printed_defaults_load_back_to_the_same_config(void **state)
{
	struct config *c = load_ok(CONF("minimal.conf"));
	struct config *again = print_and_reload(c, NULL);

	(void)state;
	assert_same_config(c, again);
	config_free(c);
	config_free(again);
}

static void test_printed_config_with_only_interface_servers_and_quotes_loads_back(void **state)
{
	struct config *c = load_ok(CONF("own_servers.conf"));
	struct config *again = print_and_reload(c, NULL);

	(void)state;
	assert_string_equal(c->ifaces[0].circuit_id, "a \"quoted\" id");
	assert_same_config(c, again);
	config_free(c);
	config_free(again);
}

static void test_printed_command_line_config_loads_back(void **state)
{
	char if1[] = "vlan10", if2[] = "vlan20", s1[] = "10.0.0.2";
	char *ifaces[] = { if1, if2 };
	char *servers[] = { s1 };
	char err[512] = "";
	struct config *c = config_from_args(ifaces, 2, "eth0", servers, 1, err, sizeof(err));
	struct config *again;

	(void)state;
	if (!c)
		fail_msg("%s", err);
	again = print_and_reload(c, NULL);
	assert_same_config(c, again);
	config_free(c);
	config_free(again);
}

static void test_print_is_stable_after_one_round(void **state)
{
	/* Normalised means a fixed point: printing the reloaded config
	 * gives the same text, apart from the first (source) line. */
	struct config *c = load_ok(CONF("full.conf"));
	char *first, *second;
	struct config *again = print_and_reload(c, &first);
	struct config *third = print_and_reload(again, &second);

	(void)state;
	assert_non_null(strchr(first, '\n'));
	assert_non_null(strchr(second, '\n'));
	assert_string_equal(strchr(first, '\n'), strchr(second, '\n'));
	free(first);
	free(second);
	config_free(c);
	config_free(again);
	config_free(third);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example_sets_every_global_key),
		cmocka_unit_test(test_full_example_sets_every_option82_key),
		cmocka_unit_test(test_full_example_sets_every_interface_key),
		cmocka_unit_test(test_full_example_sets_every_boot_key_in_file_order),
		cmocka_unit_test(test_full_example_sets_every_tftp_proxy_key),
		cmocka_unit_test(test_absent_keys_take_their_defaults),
		cmocka_unit_test(test_config_defaults_match_the_documented_values),
		cmocka_unit_test(test_set_option_every_type_gives_its_wire_bytes),
		cmocka_unit_test(test_set_option_refuses_codes_the_relay_or_other_keys_own),
		cmocka_unit_test(test_set_option_refuses_values_its_type_cannot_hold),
		cmocka_unit_test(test_remove_option_refuses_what_the_relay_owns_and_takes_the_rest),
		cmocka_unit_test(test_every_default_in_the_key_table_is_accepted_by_its_own_type),
		cmocka_unit_test(test_every_key_default_written_in_a_file_loads_to_the_same_config),
		cmocka_unit_test(test_every_key_of_the_table_is_documented_in_its_man_page_section),
		cmocka_unit_test(test_boolean_accepts_the_words_libconfuse_accepts),
		cmocka_unit_test(test_number_key_given_text_is_refused_naming_key_and_value),
		cmocka_unit_test(test_arch_list_over_sixteen_bits_is_refused),
		cmocka_unit_test(test_bad_server_address_is_reported_at_its_line),
		cmocka_unit_test(test_unknown_forward_mode_is_reported_at_its_line),
		cmocka_unit_test(test_max_hops_17_is_reported_at_its_line),
		cmocka_unit_test(test_bad_giaddr_in_interface_section_is_reported_at_its_line),
		cmocka_unit_test(test_unknown_escape_in_interface_circuit_id_is_reported_at_its_line),
		cmocka_unit_test(test_unknown_key_is_reported_at_its_line),
		cmocka_unit_test(test_boot_rule_name_longer_than_63_is_refused),
		cmocka_unit_test(test_bad_policy_in_option82_section_is_reported_at_its_line),
		cmocka_unit_test(test_unknown_escape_in_option82_circuit_id_is_reported_at_its_line),
		cmocka_unit_test(test_bad_cache_size_in_tftp_proxy_section_is_reported_at_its_line),
		cmocka_unit_test(test_error_line_counts_comment_lines_once),
		cmocka_unit_test(test_interface_without_servers_and_no_global_servers_is_an_error),
		cmocka_unit_test(test_interface_without_servers_error_names_the_section_line),
		cmocka_unit_test(test_interface_with_giaddr_and_vrrp_address_is_refused_at_its_line),
		cmocka_unit_test(test_every_interface_with_own_servers_needs_no_global_list),
		cmocka_unit_test(test_missing_file_is_an_error_naming_the_file),
		cmocka_unit_test(test_cache_size_that_overflows_64_bits_is_rejected),
		cmocka_unit_test(test_boot_rule_with_more_interfaces_than_kept_is_rejected),
		cmocka_unit_test(test_boot_filename_longer_than_kept_is_rejected),
		cmocka_unit_test(test_upstream_name_longer_than_an_interface_name_is_rejected),
		cmocka_unit_test(test_from_args_builds_interfaces_servers_and_defaults),
		cmocka_unit_test(test_from_args_takes_ipv4_and_ipv6_servers),
		cmocka_unit_test(test_rfc8415_all_dhcp_servers_in_servers_needs_upstream),
		cmocka_unit_test(test_servers_take_ipv6_beside_ipv4_and_print_back),
		cmocka_unit_test(test_from_args_without_upstream),
		cmocka_unit_test(test_from_args_bad_server_address_is_an_error),
		cmocka_unit_test(test_from_args_without_servers_is_an_error),
		cmocka_unit_test(test_from_args_without_interfaces_is_an_error),
		cmocka_unit_test(test_from_args_interface_twice_is_an_error),
		cmocka_unit_test(test_from_args_upstream_that_is_also_downstream_is_an_error),
		cmocka_unit_test(test_from_args_overlong_interface_name_is_an_error),
		cmocka_unit_test(test_printed_full_example_loads_back_to_the_same_config),
		cmocka_unit_test(test_printed_defaults_load_back_to_the_same_config),
		cmocka_unit_test(test_printed_config_with_only_interface_servers_and_quotes_loads_back),
		cmocka_unit_test(test_printed_command_line_config_loads_back),
		cmocka_unit_test(test_print_is_stable_after_one_round),
	};

	return cmocka_run_group_tests_name("config", tests, group_setup, NULL);
}
