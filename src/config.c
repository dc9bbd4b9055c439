/* config.c - libconfuse file or quick command line -> struct config.
 * Values are checked as they are read (validate callbacks), so an error
 * names the line it is on. */
#include "config.h"
#include "opt82.h"

#include <arpa/inet.h>
#include <confuse.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libconfuse's error hook takes no user pointer: the message of the parse
 * in progress lands here and is copied out by config_load(). Sections
 * such as option82 { } carry no file name of their own, so the path of
 * the parse in progress is kept here too. */
static char cfg_errbuf[512];
static const char *cfg_errpath;

__attribute__((format(printf, 2, 0)))
static void cfg_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfg_errbuf[0])
		return;   /* keep the first error; later ones follow from it */
	if (cfg && cfg->line > 0)
		snprintf(cfg_errbuf, sizeof(cfg_errbuf), "%s:%d: %s",
			 cfg_errpath ? cfg_errpath : "config", cfg->line, msg);
	else
		snprintf(cfg_errbuf, sizeof(cfg_errbuf), "%s: %s",
			 cfg_errpath ? cfg_errpath : "config", msg);
}

static bool parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = a.s_addr;
	return true;
}

static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	int shift = 0;

	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	default: return false;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	v <<= shift;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

static int lookup(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static const char *const forward_names[] = { "all", "failover" };
static const char *const policy_names[] = { "append", "replace", "forward", "discard" };
static const char *const level_names[] = { "error", "warn", "info", "debug" };

const char *policy_name(enum opt82_policy p) { return policy_names[p]; }
const char *log_level_name(enum log_level l) { return level_names[l]; }

/* ---- validators: run by libconfuse as each value is read ---- */

static int v_addr_list(cfg_t *cfg, cfg_opt_t *opt)
{
	uint32_t a;

	if (cfg_opt_size(opt) > CFG_MAX_SERVERS) {
		cfg_error(cfg, "%s: at most %d addresses", opt->name, CFG_MAX_SERVERS);
		return -1;
	}
	for (unsigned i = 0; i < cfg_opt_size(opt); i++)
		if (!parse_ipv4(cfg_opt_getnstr(opt, i), &a) || a == 0 || a == INADDR_BROADCAST) {
			cfg_error(cfg, "%s: '%s' is not a unicast IPv4 address", opt->name,
				  cfg_opt_getnstr(opt, i));
			return -1;
		}
	return 0;
}

static int v_addr(cfg_t *cfg, cfg_opt_t *opt)
{
	uint32_t a;
	const char *s = cfg_opt_getnstr(opt, 0);

	if (!parse_ipv4(s, &a)) {
		cfg_error(cfg, "%s: '%s' is not an IPv4 address", opt->name, s ? s : "");
		return -1;
	}
	return 0;
}

static int v_enum(cfg_t *cfg, cfg_opt_t *opt, const char *const *names, int n)
{
	const char *s = cfg_opt_getnstr(opt, 0);

	if (lookup(s, names, n) < 0) {
		char choices[128] = "";
		size_t len = 0;

		for (int i = 0; i < n && len < sizeof(choices); i++) {
			int w = snprintf(choices + len, sizeof(choices) - len, "%s%s",
					 i ? " | " : "", names[i]);

			if (w < 0)
				break;
			len += (size_t)w;
		}
		cfg_error(cfg, "%s: '%s' is not one of %s", opt->name, s ? s : "", choices);
		return -1;
	}
	return 0;
}

static int v_forward(cfg_t *cfg, cfg_opt_t *opt) { return v_enum(cfg, opt, forward_names, 2); }
static int v_policy(cfg_t *cfg, cfg_opt_t *opt) { return v_enum(cfg, opt, policy_names, 4); }
static int v_level(cfg_t *cfg, cfg_opt_t *opt) { return v_enum(cfg, opt, level_names, 4); }

static int v_range(cfg_t *cfg, cfg_opt_t *opt, long lo, long hi)
{
	long v = cfg_opt_getnint(opt, 0);

	if (v < lo || v > hi) {
		cfg_error(cfg, "%s: %ld is out of range %ld..%ld", opt->name, v, lo, hi);
		return -1;
	}
	return 0;
}

static int v_hops(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 1, 16); }
static int v_timeout(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 1, 3600); }
static int v_sessions(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 1, 65535); }
static int v_blksize(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 8, 65464); }
static int v_window(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 1, 65535); }
static int v_age(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 0, 86400 * 365); }
static int v_fetch_timeout(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 1, 86400); }
static int v_rate(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 0, 10000000); }
static int v_burst(cfg_t *cfg, cfg_opt_t *opt) { return v_range(cfg, opt, 1, 10000000); }

/* A circuit-id or remote-id template must expand to 1..255 bytes. */
static int v_idfmt(cfg_t *cfg, cfg_opt_t *opt)
{
	char out[CFG_ID_MAX + 1];
	const char *s = cfg_opt_getnstr(opt, 0);
	int r;

	if (!s || !*s) {
		cfg_error(cfg, "%s: empty", opt->name);
		return -1;
	}
	/* %v needs a name ending in a VLAN id: try with a typical one. */
	r = opt82_expand(s, "vlan4094", 4094, "h", out, sizeof(out));
	if (r == -EINVAL) {
		cfg_error(cfg, "%s: '%s': unknown %% escape (use %%i %%v %%n %%h %%%%)",
			  opt->name, s);
		return -1;
	}
	if (r < 0 || strlen(s) > CFG_ID_MAX) {
		cfg_error(cfg, "%s: longer than %d bytes", opt->name, CFG_ID_MAX);
		return -1;
	}
	return 0;
}

static int v_size(cfg_t *cfg, cfg_opt_t *opt)
{
	uint64_t v;
	const char *s = cfg_opt_getnstr(opt, 0);

	if (!parse_size(s, &v)) {
		cfg_error(cfg, "%s: '%s' is not a size (e.g. 256M)", opt->name, s ? s : "");
		return -1;
	}
	return 0;
}

static int v_arch(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_size(opt) > CFG_MAX_ARCH) {
		cfg_error(cfg, "arch: at most %d codes", CFG_MAX_ARCH);
		return -1;
	}
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		long v = cfg_opt_getnint(opt, i);

		if (v < 0 || v > 0xffff) {
			cfg_error(cfg, "arch: %ld is not a 16-bit option 93 code", v);
			return -1;
		}
	}
	return 0;
}

static int v_mac(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = cfg_opt_getnstr(opt, 0);

	for (const char *p = s; p && *p; p++)
		if (!isxdigit((unsigned char)*p) && !strchr(":-*?[]", *p)) {
			cfg_error(cfg, "mac: '%s' is not a MAC address pattern", s);
			return -1;
		}
	return 0;
}

static int v_ifname(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *s = cfg_opt_getnstr(opt, i);

		if (!s || !*s || strlen(s) >= IFNAMSIZ || strchr(s, '/') || strchr(s, ' ')) {
			cfg_error(cfg, "%s: '%s' is not an interface name", opt->name, s ? s : "");
			return -1;
		}
	}
	return 0;
}

/* Strings kept in fixed fields: refuse what would be cut. */
static int v_maxlen(cfg_t *cfg, cfg_opt_t *opt, size_t max)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *s = cfg_opt_getnstr(opt, i);

		if (s && strlen(s) > max) {
			cfg_error(cfg, "%s: longer than %zu bytes", opt->name, max);
			return -1;
		}
	}
	return 0;
}

static int v_len63(cfg_t *cfg, cfg_opt_t *opt) { return v_maxlen(cfg, opt, 63); }
static int v_len127(cfg_t *cfg, cfg_opt_t *opt) { return v_maxlen(cfg, opt, 127); }
static int v_len255(cfg_t *cfg, cfg_opt_t *opt) { return v_maxlen(cfg, opt, 255); }

static int v_mac_len(cfg_t *cfg, cfg_opt_t *opt)
{
	return v_maxlen(cfg, opt, 31) < 0 ? -1 : v_mac(cfg, opt);
}

static int v_boot_ifaces(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_size(opt) > CFG_MAX_MATCH_IFACES) {
		cfg_error(cfg, "interface: at most %d names in one boot rule", CFG_MAX_MATCH_IFACES);
		return -1;
	}
	return v_ifname(cfg, opt);
}

static int v_upstream(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = cfg_opt_getnstr(opt, 0);

	return s && *s ? v_ifname(cfg, opt) : 0;
}

static int v_iface_title(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = cfg_title(sec);

	if (!t || !*t || strlen(t) >= IFNAMSIZ || strchr(t, '/') || strchr(t, ' ')) {
		cfg_error(cfg, "interface: '%s' is not an interface name", t ? t : "");
		return -1;
	}
	return 0;
}

/* A rule's name is a metric label and a log word: 1..63 printable
 * bytes (longer ones would be cut and could then collide). */
static int v_boot_title(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = cfg_title(sec);
	size_t n = t ? strlen(t) : 0;

	if (n == 0 || n > 63) {
		cfg_error(cfg, "boot \"%.20s%s\": a rule name is 1 to 63 characters",
			  t ? t : "", n > 20 ? "..." : "");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f) {
			cfg_error(cfg, "boot: control character in rule name");
			return -1;
		}
	return 0;
}

static int v_hostport(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = cfg_opt_getnstr(opt, 0);
	char host[64];
	const char *colon = s ? strrchr(s, ':') : NULL;
	uint32_t a;
	long port;
	char *end;

	if (s && !*s)
		return 0;   /* off */
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		goto bad;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (!parse_ipv4(host, &a) || *end || port < 1 || port > 65535)
		goto bad;
	return 0;
bad:
	cfg_error(cfg, "%s: '%s' is not ADDRESS:PORT", opt->name, s ? s : "");
	return -1;
}

/* ---- the schema: the key names pxerelay.conf(5) documents ---- */

static cfg_opt_t opt82_opts[] = {
	CFG_STR("policy", "replace", CFGF_NONE),
	CFG_STR("circuit-id", "%i", CFGF_NONE),
	CFG_STR("remote-id", "%h", CFGF_NONE),
	CFG_BOOL("link-selection", cfg_false, CFGF_NONE),
	CFG_BOOL("server-id-override", cfg_false, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t iface_opts[] = {
	CFG_STR("giaddr", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("servers", NULL, CFGF_NODEFAULT),
	CFG_STR("circuit-id", NULL, CFGF_NODEFAULT),
	CFG_STR("remote-id", NULL, CFGF_NODEFAULT),
	CFG_BOOL("trusted", cfg_false, CFGF_NONE),
	CFG_BOOL("tftp-proxy", cfg_false, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t boot_opts[] = {
	CFG_INT_LIST("arch", NULL, CFGF_NODEFAULT),
	CFG_STR("vendor-class", NULL, CFGF_NODEFAULT),
	CFG_STR("user-class", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("interface", NULL, CFGF_NODEFAULT),
	CFG_STR("mac", NULL, CFGF_NODEFAULT),
	CFG_STR("filename", NULL, CFGF_NODEFAULT),
	CFG_STR("next-server", NULL, CFGF_NODEFAULT),
	CFG_STR("server-name", NULL, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t tftp_opts[] = {
	CFG_STR("cache-size", "64M", CFGF_NONE),
	CFG_STR("cache-dir", "", CFGF_NONE),
	CFG_INT("max-sessions", 512, CFGF_NONE),
	CFG_INT("upstream-blksize", 1468, CFGF_NONE),
	CFG_INT("upstream-windowsize", 16, CFGF_NONE),
	CFG_INT("cache-max-age", 300, CFGF_NONE),
	CFG_INT("fetch-timeout", 300, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t ratelimit_opts[] = {
	CFG_INT("client", 10, CFGF_NONE),
	CFG_INT("client-burst", 30, CFGF_NONE),
	CFG_INT("interface", 2000, CFGF_NONE),
	CFG_INT("interface-burst", 4000, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t root_opts[] = {
	CFG_STR_LIST("servers", NULL, CFGF_NODEFAULT),
	CFG_STR("forward", "all", CFGF_NONE),
	CFG_INT("failover-timeout", 3, CFGF_NONE),
	CFG_INT("max-hops", 4, CFGF_NONE),
	CFG_STR("user", "nobody", CFGF_NONE),
	CFG_STR("log-level", "info", CFGF_NONE),
	CFG_STR("upstream", "", CFGF_NONE),
	CFG_SEC("option82", opt82_opts, CFGF_NONE),
	CFG_SEC("interface", iface_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("boot", boot_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("tftp-proxy", tftp_opts, CFGF_NONE),
	CFG_SEC("rate-limit", ratelimit_opts, CFGF_NONE),
	CFG_STR("metrics", "", CFGF_NONE),
	CFG_STR("pid-file", "", CFGF_NONE),
	CFG_STR("trace-file", "", CFGF_NONE),
	CFG_END()
};

static void set_validators(cfg_t *cfg)
{
	static const struct { const char *path; cfg_validate_callback_t fn; } v[] = {
		{ "servers", v_addr_list },
		{ "forward", v_forward },
		{ "failover-timeout", v_timeout },
		{ "max-hops", v_hops },
		{ "log-level", v_level },
		{ "metrics", v_hostport },
		{ "option82|policy", v_policy },
		{ "option82|circuit-id", v_idfmt },
		{ "option82|remote-id", v_idfmt },
		{ "interface", v_iface_title },
		{ "boot", v_boot_title },
		{ "interface|giaddr", v_addr },
		{ "interface|servers", v_addr_list },
		{ "interface|circuit-id", v_idfmt },
		{ "interface|remote-id", v_idfmt },
		{ "boot|arch", v_arch },
		{ "boot|interface", v_boot_ifaces },
		{ "boot|mac", v_mac_len },
		{ "boot|vendor-class", v_len127 },
		{ "boot|user-class", v_len127 },
		{ "boot|filename", v_len255 },
		{ "boot|server-name", v_len63 },
		{ "user", v_len63 },
		{ "upstream", v_upstream },
		{ "tftp-proxy|cache-dir", v_len255 },
		{ "pid-file", v_len255 },
		{ "trace-file", v_len255 },
		{ "boot|next-server", v_addr },
		{ "tftp-proxy|cache-size", v_size },
		{ "tftp-proxy|max-sessions", v_sessions },
		{ "tftp-proxy|upstream-blksize", v_blksize },
		{ "tftp-proxy|upstream-windowsize", v_window },
		{ "tftp-proxy|cache-max-age", v_age },
		{ "tftp-proxy|fetch-timeout", v_fetch_timeout },
		{ "rate-limit|client", v_rate },
		{ "rate-limit|client-burst", v_burst },
		{ "rate-limit|interface", v_rate },
		{ "rate-limit|interface-burst", v_burst },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cfg_set_validate_func(cfg, v[i].path, v[i].fn);
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->forward = FORWARD_ALL;
	c->failover_timeout = 3;
	c->max_hops = 4;
	snprintf(c->user, sizeof(c->user), "nobody");
	c->log_level = LOG_LVL_INFO;
	c->opt82.policy = POLICY_REPLACE;
	snprintf(c->opt82.circuit_id, sizeof(c->opt82.circuit_id), "%%i");
	snprintf(c->opt82.remote_id, sizeof(c->opt82.remote_id), "%%h");
	c->tftp.cache_size = 64ull << 20;
	c->tftp.max_sessions = 512;
	c->tftp.upstream_blksize = 1468;
	c->tftp.upstream_windowsize = 16;
	c->tftp.max_age = 300;
	c->tftp.fetch_timeout = 300;
	c->ratelimit.client = 10;
	c->ratelimit.client_burst = 30;
	c->ratelimit.iface = 2000;
	c->ratelimit.iface_burst = 4000;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static void read_servers(cfg_t *sec, const char *key, struct server_list *out)
{
	out->n = 0;
	for (unsigned i = 0; i < cfg_size(sec, key) && out->n < CFG_MAX_SERVERS; i++)
		parse_ipv4(cfg_getnstr(sec, key, i), &out->addr[out->n++]);
}

__attribute__((format(printf, 5, 6)))
static int fail(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[300];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", file, line, msg);
	else
		snprintf(err, errlen, "%s: %s", file, msg);
	return -1;
}

/* Rules that span keys, checked once the whole file is read. */
static int config_check(const struct config *c, char *err, size_t errlen)
{
	if (c->nifaces == 0)
		return fail(err, errlen, c->source, 0, "no interface: name at least one "
			    "downstream link (interface \"NAME\" { } or -i NAME)");
	for (size_t i = 0; i < c->nifaces; i++)
		if (c->ifaces[i].servers.n == 0 && c->servers.n == 0)
			return fail(err, errlen, c->source, c->ifaces[i].line,
				    "interface \"%s\" has no servers and no global servers are set",
				    c->ifaces[i].name);
	if (c->upstream[0] && config_iface(c, c->upstream))
		return fail(err, errlen, c->source, 0,
			    "'%s' is both the upstream and a downstream interface", c->upstream);
	return 0;
}

static int read_file(cfg_t *cfg, struct config *c)
{
	cfg_t *sec;

	read_servers(cfg, "servers", &c->servers);
	c->forward = (enum forward_mode)lookup(cfg_getstr(cfg, "forward"), forward_names, 2);
	c->failover_timeout = (unsigned)cfg_getint(cfg, "failover-timeout");
	c->max_hops = (unsigned)cfg_getint(cfg, "max-hops");
	copy_str(c->user, sizeof(c->user), cfg_getstr(cfg, "user"));
	c->log_level = (enum log_level)lookup(cfg_getstr(cfg, "log-level"), level_names, 4);
	copy_str(c->upstream, sizeof(c->upstream), cfg_getstr(cfg, "upstream"));
	copy_str(c->metrics, sizeof(c->metrics), cfg_getstr(cfg, "metrics"));
	copy_str(c->pid_file, sizeof(c->pid_file), cfg_getstr(cfg, "pid-file"));
	copy_str(c->trace_file, sizeof(c->trace_file), cfg_getstr(cfg, "trace-file"));

	sec = cfg_getsec(cfg, "option82");
	c->opt82.policy = (enum opt82_policy)lookup(cfg_getstr(sec, "policy"), policy_names, 4);
	copy_str(c->opt82.circuit_id, sizeof(c->opt82.circuit_id), cfg_getstr(sec, "circuit-id"));
	copy_str(c->opt82.remote_id, sizeof(c->opt82.remote_id), cfg_getstr(sec, "remote-id"));
	c->opt82.link_selection = cfg_getbool(sec, "link-selection");
	c->opt82.server_id_override = cfg_getbool(sec, "server-id-override");

	c->nifaces = cfg_size(cfg, "interface");
	c->ifaces = calloc(c->nifaces ? c->nifaces : 1, sizeof(*c->ifaces));
	if (!c->ifaces)
		return -ENOMEM;
	for (size_t i = 0; i < c->nifaces; i++) {
		struct cfg_iface *ifc = &c->ifaces[i];

		sec = cfg_getnsec(cfg, "interface", (unsigned)i);
		copy_str(ifc->name, sizeof(ifc->name), cfg_title(sec));
		ifc->line = sec->line;
		if (cfg_size(sec, "giaddr"))
			parse_ipv4(cfg_getstr(sec, "giaddr"), &ifc->giaddr);
		read_servers(sec, "servers", &ifc->servers);
		if (cfg_size(sec, "circuit-id"))
			copy_str(ifc->circuit_id, sizeof(ifc->circuit_id), cfg_getstr(sec, "circuit-id"));
		if (cfg_size(sec, "remote-id"))
			copy_str(ifc->remote_id, sizeof(ifc->remote_id), cfg_getstr(sec, "remote-id"));
		ifc->trusted = cfg_getbool(sec, "trusted");
		ifc->tftp_proxy = cfg_getbool(sec, "tftp-proxy");
	}

	c->nboots = cfg_size(cfg, "boot");
	c->boots = calloc(c->nboots ? c->nboots : 1, sizeof(*c->boots));
	if (!c->boots)
		return -ENOMEM;
	for (size_t i = 0; i < c->nboots; i++) {
		struct cfg_boot *b = &c->boots[i];

		sec = cfg_getnsec(cfg, "boot", (unsigned)i);
		copy_str(b->name, sizeof(b->name), cfg_title(sec));
		b->line = sec->line;
		b->narch = cfg_size(sec, "arch");
		for (size_t k = 0; k < b->narch; k++)
			b->arch[k] = (uint16_t)cfg_getnint(sec, "arch", (unsigned)k);
		b->nifaces = cfg_size(sec, "interface");
		if (b->nifaces > CFG_MAX_MATCH_IFACES)
			b->nifaces = CFG_MAX_MATCH_IFACES;
		for (size_t k = 0; k < b->nifaces; k++)
			copy_str(b->ifaces[k], IFNAMSIZ, cfg_getnstr(sec, "interface", (unsigned)k));
		if (cfg_size(sec, "vendor-class"))
			copy_str(b->vendor_class, sizeof(b->vendor_class), cfg_getstr(sec, "vendor-class"));
		if (cfg_size(sec, "user-class"))
			copy_str(b->user_class, sizeof(b->user_class), cfg_getstr(sec, "user-class"));
		if (cfg_size(sec, "mac"))
			copy_str(b->mac, sizeof(b->mac), cfg_getstr(sec, "mac"));
		if (cfg_size(sec, "filename"))
			copy_str(b->filename, sizeof(b->filename), cfg_getstr(sec, "filename"));
		if (cfg_size(sec, "next-server"))
			parse_ipv4(cfg_getstr(sec, "next-server"), &b->next_server);
		if (cfg_size(sec, "server-name"))
			copy_str(b->server_name, sizeof(b->server_name), cfg_getstr(sec, "server-name"));
	}

	sec = cfg_getsec(cfg, "tftp-proxy");
	parse_size(cfg_getstr(sec, "cache-size"), &c->tftp.cache_size);
	copy_str(c->tftp.cache_dir, sizeof(c->tftp.cache_dir), cfg_getstr(sec, "cache-dir"));
	c->tftp.max_sessions = (unsigned)cfg_getint(sec, "max-sessions");
	c->tftp.upstream_blksize = (unsigned)cfg_getint(sec, "upstream-blksize");
	c->tftp.upstream_windowsize = (unsigned)cfg_getint(sec, "upstream-windowsize");
	c->tftp.max_age = (unsigned)cfg_getint(sec, "cache-max-age");
	c->tftp.fetch_timeout = (unsigned)cfg_getint(sec, "fetch-timeout");

	sec = cfg_getsec(cfg, "rate-limit");
	c->ratelimit.client = (unsigned)cfg_getint(sec, "client");
	c->ratelimit.client_burst = (unsigned)cfg_getint(sec, "client-burst");
	c->ratelimit.iface = (unsigned)cfg_getint(sec, "interface");
	c->ratelimit.iface_burst = (unsigned)cfg_getint(sec, "interface-burst");
	return 0;
}

/* libconfuse 3.3 counts a comment line as several lines, so an error
 * after a comment names the wrong line. The file is read here and each
 * comment blanked out (newlines kept, quoted strings left alone) before
 * libconfuse sees it. */
#define CONFIG_MAX_BYTES (4 << 20)

/* Blank every comment of text[0..n) in place, newlines kept, quoted
 * strings left alone. */
static void blank_comments(char *buf, size_t n)
{
	char quote = 0;

	for (size_t i = 0; i < n; i++) {
		if (quote) {
			if (buf[i] == '\\' && i + 1 < n && buf[i + 1] != '\n')
				i++;
			else if (buf[i] == quote)
				quote = 0;
		} else if (buf[i] == '"' || buf[i] == '\'') {
			quote = buf[i];
		} else if (buf[i] == '#' || (buf[i] == '/' && i + 1 < n && buf[i + 1] == '/')) {
			while (i < n && buf[i] != '\n')
				buf[i++] = ' ';
		} else if (buf[i] == '/' && i + 1 < n && buf[i + 1] == '*') {
			for (; i < n && !(buf[i] == '*' && i + 1 < n && buf[i + 1] == '/'); i++)
				if (buf[i] != '\n')
					buf[i] = ' ';
			if (i < n)
				buf[i] = buf[i + 1] = ' ';
			i++;
		}
	}
}

static char *read_config_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *buf;
	size_t n, cap;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* Sized to the file (plus one byte to see it grow while read). */
	if (fstat(fileno(f), &st) < 0 || st.st_size < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	cap = st.st_size > CONFIG_MAX_BYTES ? CONFIG_MAX_BYTES + 1 : (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, cap, f);
	if (!ferror(f) && n == cap && n <= CONFIG_MAX_BYTES) {
		/* It grew since fstat: read it again, up to the limit. */
		char *bigger = realloc(buf, CONFIG_MAX_BYTES + 2);

		if (!bigger) {
			fclose(f);
			free(buf);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		buf = bigger;
		n += fread(buf + n, 1, CONFIG_MAX_BYTES + 1 - n, f);
	}
	if (ferror(f) || n > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? strerror(errno) : "larger than 4 MiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The line where `interface "NAME"` opens (libconfuse records the line
 * of the closing brace). 0 if not found. */
static int section_line(const char *buf, const char *kind, const char *title)
{
	size_t tlen = strlen(title), klen = strlen(kind);
	int line = 1;

	for (const char *p = buf; *p; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if (strncmp(p, kind, klen) == 0 && (p == buf || isspace((unsigned char)p[-1]))) {
			const char *q = p + klen;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '"' && strncmp(q + 1, title, tlen) == 0 && q[1 + tlen] == '"')
				return line;
			if (strncmp(q, title, tlen) == 0 &&
			    (isspace((unsigned char)q[tlen]) || q[tlen] == '{'))
				return line;
		}
	}
	return 0;
}

/* text: len bytes (NUL bytes inside make it invalid); name is what
 * messages call it. */
struct config *config_parse_text(const char *name, const char *data, size_t len,
				 char *err, size_t errlen)
{
	struct config *c;
	char *text;
	cfg_t *cfg;
	int r;

	if (len > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than 4 MiB", name);
		return NULL;
	}
	if (memchr(data, '\0', len)) {
		snprintf(err, errlen, "%s: contains a NUL byte, not a text file", name);
		return NULL;
	}
	c = malloc(sizeof(*c));
	text = malloc(len + 1);
	if (!c || !text) {
		free(c);
		free(text);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	blank_comments(text, len);
	config_defaults(c);
	copy_str(c->source, sizeof(c->source), name);
	cfg = cfg_init(root_opts, CFGF_NONE);
	if (!cfg) {
		free(c);
		free(text);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cfg_set_error_function(cfg, cfg_errfunc);
	set_validators(cfg);
	cfg_errbuf[0] = '\0';
	cfg_errpath = name;
	r = cfg_parse_buf(cfg, text);
	cfg_errpath = NULL;
	if (r != CFG_SUCCESS) {
		snprintf(err, errlen, "%s", cfg_errbuf[0] ? cfg_errbuf : "parse error");
		goto fail;
	}
	if (read_file(cfg, c) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c->nifaces; i++)
		c->ifaces[i].line = section_line(text, "interface", c->ifaces[i].name);
	for (size_t i = 0; i < c->nboots; i++)
		c->boots[i].line = section_line(text, "boot", c->boots[i].name);
	free(text);
	cfg_free(cfg);
	if (config_check(c, err, errlen) < 0) {
		config_free(c);
		return NULL;
	}
	return c;
fail:
	free(text);
	cfg_free(cfg);
	config_free(c);
	return NULL;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = read_config_file(path, &len, err, errlen);
	struct config *c;

	if (!text)
		return NULL;
	c = config_parse_text(path, text, len, err, errlen);
	free(text);
	return c;
}

struct config *config_from_args(char **ifaces, size_t nifaces, const char *upstream,
				char **servers, size_t nservers, char *err, size_t errlen)
{
	struct config *c = malloc(sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	config_defaults(c);
	copy_str(c->source, sizeof(c->source), "command line");
	if (upstream && (!*upstream || strlen(upstream) >= IFNAMSIZ)) {
		fail(err, errlen, c->source, 0, "-u %s: not an interface name", upstream);
		config_free(c);
		return NULL;
	}
	copy_str(c->upstream, sizeof(c->upstream), upstream);
	c->ifaces = calloc(nifaces ? nifaces : 1, sizeof(*c->ifaces));
	c->boots = calloc(1, sizeof(*c->boots));
	if (!c->ifaces || !c->boots) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < nifaces; i++) {
		if (!*ifaces[i] || strlen(ifaces[i]) >= IFNAMSIZ) {
			fail(err, errlen, c->source, 0, "-i %s: not an interface name", ifaces[i]);
			goto fail;
		}
		if (config_iface(c, ifaces[i])) {
			fail(err, errlen, c->source, 0, "-i %s given twice", ifaces[i]);
			goto fail;
		}
		copy_str(c->ifaces[c->nifaces++].name, IFNAMSIZ, ifaces[i]);
	}
	if (nservers > CFG_MAX_SERVERS) {
		fail(err, errlen, c->source, 0, "at most %d servers", CFG_MAX_SERVERS);
		goto fail;
	}
	for (size_t i = 0; i < nservers; i++) {
		uint32_t a;

		if (!parse_ipv4(servers[i], &a) || a == 0 || a == INADDR_BROADCAST) {
			fail(err, errlen, c->source, 0, "'%s' is not a server IPv4 address", servers[i]);
			goto fail;
		}
		c->servers.addr[c->servers.n++] = a;
	}
	if (config_check(c, err, errlen) < 0)
		goto fail;
	return c;
fail:
	config_free(c);
	return NULL;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->ifaces);
	free(c->boots);
	free(c);
}

const struct cfg_iface *config_iface(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nifaces; i++)
		if (strcmp(c->ifaces[i].name, name) == 0)
			return &c->ifaces[i];
	return NULL;
}

const struct server_list *config_servers(const struct config *c, const struct cfg_iface *ifc)
{
	return ifc && ifc->servers.n ? &ifc->servers : &c->servers;
}

/* ---- normalised output ---- */

static void print_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void print_servers(FILE *out, const char *indent, const struct server_list *l)
{
	char a[INET_ADDRSTRLEN];

	fprintf(out, "%sservers = {", indent);
	for (size_t i = 0; i < l->n; i++) {
		inet_ntop(AF_INET, &l->addr[i], a, sizeof(a));
		fprintf(out, "%s\"%s\"", i ? ", " : "", a);
	}
	fprintf(out, "}\n");
}

static void print_size(FILE *out, uint64_t v)
{
	if (v && v % (1ull << 30) == 0)
		fprintf(out, "%lluG", (unsigned long long)(v >> 30));
	else if (v && v % (1ull << 20) == 0)
		fprintf(out, "%lluM", (unsigned long long)(v >> 20));
	else if (v && v % (1ull << 10) == 0)
		fprintf(out, "%lluK", (unsigned long long)(v >> 10));
	else
		fprintf(out, "%llu", (unsigned long long)v);
}

void config_print(const struct config *c, FILE *out)
{
	char a[INET_ADDRSTRLEN];

	fprintf(out, "# pxerelay configuration, normalised from %s\n", c->source);
	print_servers(out, "", &c->servers);
	fprintf(out, "forward = %s\n", forward_names[c->forward]);
	fprintf(out, "failover-timeout = %u\n", c->failover_timeout);
	fprintf(out, "max-hops = %u\n", c->max_hops);
	fprintf(out, "user = ");
	print_quoted(out, c->user);
	fprintf(out, "\nlog-level = %s\n", level_names[c->log_level]);
	fprintf(out, "upstream = ");
	print_quoted(out, c->upstream);
	fprintf(out, "\nmetrics = ");
	print_quoted(out, c->metrics);
	fprintf(out, "\npid-file = ");
	print_quoted(out, c->pid_file);
	fprintf(out, "\ntrace-file = ");
	print_quoted(out, c->trace_file);
	fprintf(out, "\noption82 {\n  policy = %s\n  circuit-id = ", policy_names[c->opt82.policy]);
	print_quoted(out, c->opt82.circuit_id);
	fprintf(out, "\n  remote-id = ");
	print_quoted(out, c->opt82.remote_id);
	fprintf(out, "\n  link-selection = %s\n  server-id-override = %s\n}\n",
		c->opt82.link_selection ? "true" : "false",
		c->opt82.server_id_override ? "true" : "false");
	for (size_t i = 0; i < c->nifaces; i++) {
		const struct cfg_iface *ifc = &c->ifaces[i];

		fprintf(out, "interface ");
		print_quoted(out, ifc->name);
		fprintf(out, " {\n");
		if (ifc->giaddr) {
			inet_ntop(AF_INET, &ifc->giaddr, a, sizeof(a));
			fprintf(out, "  giaddr = \"%s\"\n", a);
		}
		if (ifc->servers.n)
			print_servers(out, "  ", &ifc->servers);
		if (ifc->circuit_id[0]) {
			fprintf(out, "  circuit-id = ");
			print_quoted(out, ifc->circuit_id);
			fputc('\n', out);
		}
		if (ifc->remote_id[0]) {
			fprintf(out, "  remote-id = ");
			print_quoted(out, ifc->remote_id);
			fputc('\n', out);
		}
		fprintf(out, "  trusted = %s\n  tftp-proxy = %s\n}\n",
			ifc->trusted ? "true" : "false", ifc->tftp_proxy ? "true" : "false");
	}
	for (size_t i = 0; i < c->nboots; i++) {
		const struct cfg_boot *b = &c->boots[i];

		fprintf(out, "boot ");
		print_quoted(out, b->name);
		fprintf(out, " {\n");
		if (b->narch) {
			fprintf(out, "  arch = {");
			for (size_t k = 0; k < b->narch; k++)
				fprintf(out, "%s%u", k ? ", " : "", b->arch[k]);
			fprintf(out, "}\n");
		}
		if (b->vendor_class[0]) {
			fprintf(out, "  vendor-class = ");
			print_quoted(out, b->vendor_class);
			fputc('\n', out);
		}
		if (b->user_class[0]) {
			fprintf(out, "  user-class = ");
			print_quoted(out, b->user_class);
			fputc('\n', out);
		}
		if (b->nifaces) {
			fprintf(out, "  interface = {");
			for (size_t k = 0; k < b->nifaces; k++) {
				fprintf(out, "%s", k ? ", " : "");
				print_quoted(out, b->ifaces[k]);
			}
			fprintf(out, "}\n");
		}
		if (b->mac[0]) {
			fprintf(out, "  mac = ");
			print_quoted(out, b->mac);
			fputc('\n', out);
		}
		if (b->filename[0]) {
			fprintf(out, "  filename = ");
			print_quoted(out, b->filename);
			fputc('\n', out);
		}
		if (b->next_server) {
			inet_ntop(AF_INET, &b->next_server, a, sizeof(a));
			fprintf(out, "  next-server = \"%s\"\n", a);
		}
		if (b->server_name[0]) {
			fprintf(out, "  server-name = ");
			print_quoted(out, b->server_name);
			fputc('\n', out);
		}
		fprintf(out, "}\n");
	}
	fprintf(out, "tftp-proxy {\n  cache-size = ");
	print_size(out, c->tftp.cache_size);
	fprintf(out, "\n  cache-dir = ");
	print_quoted(out, c->tftp.cache_dir);
	fprintf(out, "\n  max-sessions = %u\n  upstream-blksize = %u\n"
		"  upstream-windowsize = %u\n  cache-max-age = %u\n  fetch-timeout = %u\n}\n",
		c->tftp.max_sessions, c->tftp.upstream_blksize, c->tftp.upstream_windowsize,
		c->tftp.max_age, c->tftp.fetch_timeout);
	fprintf(out, "rate-limit {\n  client = %u\n  client-burst = %u\n  interface = %u\n"
		"  interface-burst = %u\n}\n", c->ratelimit.client, c->ratelimit.client_burst,
		c->ratelimit.iface, c->ratelimit.iface_burst);
}
