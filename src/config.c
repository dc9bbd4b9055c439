/* config.c - a configuration from a file or from the quick command line.
 * The keys, their defaults and their checks are the table in
 * config_keys.c; libconfuse reads the file under it (config_confuse.c);
 * -t prints it (config_print.c). What is left here spans keys: the
 * rules checked once the whole configuration is known. */
#include "config.h"
#include "config_confuse.h"
#include "config_keys.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void config_defaults(struct config *c)
{
	char why[300];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < cfg_nsections; i++)
		if (!cfg_sections[i].multi)
			(void)cfg_apply_defaults(&cfg_sections[i], cfg_section_base(&cfg_sections[i], c),
						 why, sizeof(why));
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
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
		if (!c->ifaces[i].servers.n && !c->ifaces[i].servers.n6 && !c->servers.n &&
		    !c->servers.n6)
			return fail(err, errlen, c->source, c->ifaces[i].line,
				    "interface \"%s\" has no servers and no global servers are set",
				    c->ifaces[i].name);
	for (size_t i = 0; i < c->nifaces; i++)
		if (c->ifaces[i].vrrp_address && c->ifaces[i].giaddr)
			return fail(err, errlen, c->source, c->ifaces[i].line,
				    "interface \"%s\": giaddr and vrrp-address both set; "
				    "vrrp-address is the link's giaddr, leave giaddr out",
				    c->ifaces[i].name);
	if (c->upstream[0] && config_iface(c, c->upstream))
		return fail(err, errlen, c->source, 0,
			    "'%s' is both the upstream and a downstream interface", c->upstream);
	/* A multicast leaves by an interface the routing table cannot pick. */
	if (!c->upstream[0] && server_list_has_all_dhcp_servers(&c->servers))
		return fail(err, errlen, c->source, 0,
			    "servers: ff05::1:3 (All_DHCP_Servers) is sent out of the upstream "
			    "interface: set upstream");
	for (size_t i = 0; i < c->nifaces; i++)
		if (!c->upstream[0] && server_list_has_all_dhcp_servers(&c->ifaces[i].servers))
			return fail(err, errlen, c->source, c->ifaces[i].line,
				    "interface \"%s\": servers: ff05::1:3 (All_DHCP_Servers) is sent "
				    "out of the upstream interface: set upstream", c->ifaces[i].name);
	return 0;
}

/* text: len bytes (NUL bytes inside make it invalid); name is what
 * messages call it. */
struct config *config_parse_text(const char *name, const char *data, size_t len,
				 char *err, size_t errlen)
{
	struct config *c;

	if (len > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than 4 MiB", name);
		return NULL;
	}
	if (memchr(data, '\0', len)) {
		snprintf(err, errlen, "%s: contains a NUL byte, not a text file", name);
		return NULL;
	}
	c = malloc(sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	config_defaults(c);
	copy_str(c->source, sizeof(c->source), name);
	if (confuse_parse(name, data, len, c, err, errlen) < 0 ||
	    config_check(c, err, errlen) < 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = confuse_read_file(path, &len, err, errlen);
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

		if (strchr(servers[i], ':')) {
			uint8_t *a6 = c->servers.addr6[c->servers.n6];

			if (!cfg_parse_ipv6_unicast(servers[i], a6) &&
			    (inet_pton(AF_INET6, servers[i], a6) != 1 ||
			     memcmp(a6, cfg_all_dhcp_servers, 16) != 0)) {
				fail(err, errlen, c->source, 0,
				     "'%s' is not a global or unique-local IPv6 address", servers[i]);
				goto fail;
			}
			c->servers.n6++;
			continue;
		}
		if (!cfg_parse_ipv4(servers[i], &a) || a == 0 || a == INADDR_BROADCAST) {
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
	return ifc && (ifc->servers.n || ifc->servers.n6) ? &ifc->servers : &c->servers;
}


bool config_has_ipv6(const struct config *c)
{
	if (c->servers.n6)
		return true;
	for (size_t i = 0; i < c->nifaces; i++)
		if (c->ifaces[i].servers.n6)
			return true;
	return false;
}
