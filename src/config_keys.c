/* config_keys.c - the table of pxerelay.conf(5) keys. A new key is one
 * row here and its paragraph in the man page (a unit test checks that
 * every key of the table is documented there). The value types the rows
 * are written in live in config_types.c. */
#include "config_keys.h"
#include "opt82.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>

/* ---- checks beyond a length ---- */

static int check_ifname(const char *s, char *why, size_t whylen)
{
	if (!*s || strlen(s) >= IFNAMSIZ || strpbrk(s, "/ \t")) {
		snprintf(why, whylen, "'%s' is not an interface name", s);
		return -1;
	}
	return 0;
}

/* upstream = "" : replies from any link. */
static int check_ifname_or_none(const char *s, char *why, size_t whylen)
{
	return *s ? check_ifname(s, why, whylen) : 0;
}

/* A circuit-id or remote-id template must expand to 1..255 bytes. %v
 * needs a name ending in a VLAN id: tried with a typical one. */
static int check_idfmt(const char *s, char *why, size_t whylen)
{
	char out[CFG_ID_MAX + 1];
	int r = opt82_expand(s, "vlan4094", 4094, "h", out, sizeof(out));

	if (!*s) {
		snprintf(why, whylen, "empty");
		return -1;
	}
	if (r == -EINVAL) {
		snprintf(why, whylen, "'%s': unknown %% escape (use %%i %%v %%n %%h %%%%)", s);
		return -1;
	}
	if (r < 0) {
		snprintf(why, whylen, "expands to more than %d bytes", CFG_ID_MAX);
		return -1;
	}
	return 0;
}

static int check_mac(const char *s, char *why, size_t whylen)
{
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p) && !strchr(":-*?[]", *p)) {
			snprintf(why, whylen, "'%s' is not a MAC address pattern", s);
			return -1;
		}
	return 0;
}

static int check_hostport(const char *s, char *why, size_t whylen)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	uint32_t a;
	long port;

	if (!*s)
		return 0;   /* metrics = "" : no endpoint */
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		goto bad;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (!cfg_parse_ipv4(host, &a) || !cfg_parse_long(colon + 1, &port) ||
	    !isdigit((unsigned char)colon[1]) || port < 1 || port > 65535)
		goto bad;
	return 0;
bad:
	snprintf(why, whylen, "'%s' is not ADDRESS:PORT", s);
	return -1;
}

/* A rule's name is a metric label and a log word: 1..63 printable
 * bytes (longer ones would be cut and could then collide). */
static int check_rule_name(const char *s, char *why, size_t whylen)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63) {
		snprintf(why, whylen, "\"%.20s%s\": a rule name is 1 to 63 characters", s,
			 n > 20 ? "..." : "");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(why, whylen, "control character in rule name");
			return -1;
		}
	return 0;
}

/* ---- the table ---- */

static const char *const forward_names[] = { "all", "failover", NULL };
static const char *const policy_names[] = { "append", "replace", "forward", "discard", NULL };
static const char *const level_names[] = { "error", "warn", "info", "debug", NULL };

const char *policy_name(enum opt82_policy p) { return policy_names[p]; }
const char *log_level_name(enum log_level l) { return level_names[l]; }

#define FIELD(type, member) offsetof(type, member), sizeof(((type *)0)->member)
static const struct cfg_key root_keys[] = {
	{ "servers", &cfg_t_server_list, FIELD(struct config, servers), 0, "", 0, 0, NULL, NULL },
	{ "forward", &cfg_t_enum, FIELD(struct config, forward), 0, "all", 0, 0,
	  forward_names, NULL },
	{ "failover-timeout", &cfg_t_uint, FIELD(struct config, failover_timeout), 0, "3",
	  1, 3600, NULL, NULL },
	{ "max-hops", &cfg_t_uint, FIELD(struct config, max_hops), 0, "4", 1, 16, NULL, NULL },
	{ "user", &cfg_t_str, FIELD(struct config, user), 0, "nobody", 0, 0, NULL, NULL },
	{ "seccomp", &cfg_t_bool, FIELD(struct config, seccomp), 0, "true", 0, 0, NULL, NULL },
	{ "hold-port-67", &cfg_t_bool, FIELD(struct config, hold_port_67), 0, "false", 0, 0,
	  NULL, NULL },
	{ "log-level", &cfg_t_enum, FIELD(struct config, log_level), 0, "info", 0, 0,
	  level_names, NULL },
	{ "upstream", &cfg_t_str, FIELD(struct config, upstream), 0, "", 0, 0, NULL,
	  check_ifname_or_none },
	{ "metrics", &cfg_t_str, FIELD(struct config, metrics), 0, "", 0, 0, NULL,
	  check_hostport },
	{ "pid-file", &cfg_t_str, FIELD(struct config, pid_file), 0, "", 0, 0, NULL, NULL },
	{ "trace-file", &cfg_t_str, FIELD(struct config, trace_file), 0, "", 0, 0, NULL, NULL },
};

#define O82(m) FIELD(__typeof__(((struct config *)0)->opt82), m)
static const struct cfg_key opt82_keys[] = {
	{ "policy", &cfg_t_enum, O82(policy), 0, "replace", 0, 0, policy_names, NULL },
	{ "circuit-id", &cfg_t_str, O82(circuit_id), 0, "%i", 0, 0, NULL, check_idfmt },
	{ "remote-id", &cfg_t_str, O82(remote_id), 0, "%h", 0, 0, NULL, check_idfmt },
	{ "link-selection", &cfg_t_bool, O82(link_selection), 0, "false", 0, 0, NULL, NULL },
	{ "server-id-override", &cfg_t_bool, O82(server_id_override), 0, "false", 0, 0, NULL,
	  NULL },
	{ "remote-id-enterprise", &cfg_t_uint, O82(remote_id_enterprise), 0, "0", 0, 4294967295,
	  NULL, NULL },
};

#define IFC(m) FIELD(struct cfg_iface, m)
static const struct cfg_key iface_keys[] = {
	{ "giaddr", &cfg_t_addr, IFC(giaddr), 0, NULL, 0, 0, NULL, NULL },
	{ "vrrp-address", &cfg_t_addr, IFC(vrrp_address), 0, NULL, 0, 0, NULL, NULL },
	{ "link-address", &cfg_t_addr6, IFC(link_address), 0, NULL, 0, 0, NULL, NULL },
	{ "interface-id", &cfg_t_str, IFC(interface_id), 0, NULL, 0, 0, NULL, NULL },
	{ "servers", &cfg_t_server_list, IFC(servers), 0, NULL, 0, 0, NULL, NULL },
	{ "circuit-id", &cfg_t_str, IFC(circuit_id), 0, NULL, 0, 0, NULL, check_idfmt },
	{ "remote-id", &cfg_t_str, IFC(remote_id), 0, NULL, 0, 0, NULL, check_idfmt },
	{ "trusted", &cfg_t_bool, IFC(trusted), 0, "false", 0, 0, NULL, NULL },
	{ "tftp-proxy", &cfg_t_bool, IFC(tftp_proxy), 0, "false", 0, 0, NULL, NULL },
};

#define BOOT(m) FIELD(struct cfg_boot, m)
static const struct cfg_key boot_keys[] = {
	{ "arch", &cfg_t_u16_list, BOOT(arch), offsetof(struct cfg_boot, narch), NULL,
	  0, CFG_MAX_ARCH, NULL, NULL },
	{ "vendor-class", &cfg_t_str, BOOT(vendor_class), 0, NULL, 0, 0, NULL, NULL },
	{ "user-class", &cfg_t_str, BOOT(user_class), 0, NULL, 0, 0, NULL, NULL },
	{ "interface", &cfg_t_name_list, BOOT(ifaces), offsetof(struct cfg_boot, nifaces), NULL,
	  0, CFG_MAX_MATCH_IFACES, NULL, check_ifname },
	{ "mac", &cfg_t_str, BOOT(mac), 0, NULL, 0, 0, NULL, check_mac },
	{ "offered-filename", &cfg_t_str, BOOT(offered_filename), 0, NULL, 0, 0, NULL, NULL },
	{ "offered-next-server", &cfg_t_str, BOOT(offered_next_server), 0, NULL, 0, 0, NULL,
	  NULL },
	{ "from-server", &cfg_t_addr_list, BOOT(from_servers), 0, NULL, 0, 0, NULL, NULL },
	{ "proxy-offers", &cfg_t_bool, BOOT(proxy_offers), 0, NULL, 0, 0, NULL, NULL },
	{ "filename", &cfg_t_str, BOOT(filename), 0, NULL, 0, 0, NULL, NULL },
	{ "next-server", &cfg_t_addr, BOOT(next_server), 0, NULL, 0, 0, NULL, NULL },
	{ "server-name", &cfg_t_str, BOOT(server_name), 0, NULL, 0, 0, NULL, NULL },
	{ "bootfile-url", &cfg_t_str, BOOT(bootfile_url), 0, NULL, 0, 0, NULL, NULL },
	{ "bootfile-param", &cfg_t_str, BOOT(bootfile_param), 0, NULL, 0, 0, NULL, NULL },
	{ "remove-option", &cfg_t_code_list, BOOT(remove_opts),
	  offsetof(struct cfg_boot, nremove_opts), NULL, 0, CFG_MAX_REMOVE_OPTIONS, NULL, NULL },
	{ "set-option", &cfg_t_set_option_list, BOOT(set_opts),
	  offsetof(struct cfg_boot, nset_opts), NULL, 0, CFG_MAX_SET_OPTIONS, NULL, NULL },
};

#define TFTP(m) FIELD(struct cfg_tftp, m)
static const struct cfg_key tftp_keys[] = {
	{ "cache-size", &cfg_t_size, TFTP(cache_size), 0, "64M", 0, 0, NULL, NULL },
	{ "cache-dir", &cfg_t_str, TFTP(cache_dir), 0, "", 0, 0, NULL, NULL },
	{ "max-sessions", &cfg_t_uint, TFTP(max_sessions), 0, "512", 1, 65535, NULL, NULL },
	{ "upstream-blksize", &cfg_t_uint, TFTP(upstream_blksize), 0, "1468", 8, 65464, NULL,
	  NULL },
	{ "upstream-windowsize", &cfg_t_uint, TFTP(upstream_windowsize), 0, "16", 1, 65535,
	  NULL, NULL },
	{ "cache-max-age", &cfg_t_uint, TFTP(max_age), 0, "300", 0, 86400L * 365, NULL, NULL },
	{ "fetch-timeout", &cfg_t_uint, TFTP(fetch_timeout), 0, "300", 1, 86400, NULL, NULL },
};

#define RL(m) FIELD(struct cfg_ratelimit, m)
static const struct cfg_key ratelimit_keys[] = {
	{ "client", &cfg_t_uint, RL(client), 0, "10", 0, 10000000, NULL, NULL },
	{ "client-burst", &cfg_t_uint, RL(client_burst), 0, "30", 1, 10000000, NULL, NULL },
	{ "interface", &cfg_t_uint, RL(iface), 0, "2000", 0, 10000000, NULL, NULL },
	{ "interface-burst", &cfg_t_uint, RL(iface_burst), 0, "4000", 1, 10000000, NULL, NULL },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SINGLE(n, rows, member) \
	{ .name = (n), .keys = (rows), .nkeys = N(rows), .base_off = offsetof(struct config, member) }
#define MULTI(n, rows, type, array, count, check) \
	{ .name = (n), .keys = (rows), .nkeys = N(rows), .multi = true, \
	  .elem_size = sizeof(type), .array_off = offsetof(struct config, array), \
	  .count_off = offsetof(struct config, count), .title_off = offsetof(type, name), \
	  .title_size = sizeof(((type *)0)->name), .line_off = offsetof(type, line), \
	  .check_title = (check) }

const struct cfg_section cfg_sections[] = {
	{ .name = "root", .keys = root_keys, .nkeys = N(root_keys), .base_off = 0 },
	SINGLE("option82", opt82_keys, opt82),
	MULTI("interface", iface_keys, struct cfg_iface, ifaces, nifaces, check_ifname),
	MULTI("boot", boot_keys, struct cfg_boot, boots, nboots, check_rule_name),
	SINGLE("tftp-proxy", tftp_keys, tftp),
	SINGLE("rate-limit", ratelimit_keys, ratelimit),
};
const size_t cfg_nsections = N(cfg_sections);

const struct cfg_section *cfg_section_find(const char *name)
{
	for (size_t i = 0; i < cfg_nsections; i++)
		if (strcmp(cfg_sections[i].name, name) == 0)
			return &cfg_sections[i];
	return NULL;
}

const struct cfg_key *cfg_key_find(const struct cfg_section *s, const char *name)
{
	for (size_t i = 0; s && i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

int cfg_apply_defaults(const struct cfg_section *s, void *base, char *why, size_t whylen)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		const struct cfg_key *k = &s->keys[i];

		if (!k->def || (k->type->list && !*k->def))
			continue;   /* no default, or an empty list */
		if (k->type->set(k, cfg_field(base, k), 0, k->def, why, whylen) < 0)
			return -1;
	}
	return 0;
}

void *cfg_section_base(const struct cfg_section *s, struct config *c)
{
	return (char *)c + s->base_off;
}

const void *cfg_section_cbase(const struct cfg_section *s, const struct config *c)
{
	return (const char *)c + s->base_off;
}
