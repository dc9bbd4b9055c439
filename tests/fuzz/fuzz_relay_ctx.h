/* fuzz_relay_ctx.h - the relay context both relay harnesses run against.
 *
 * Built once, on the first input, and kept for the life of the process:
 * the per-input knobs (option 82 policy and toggles, forward mode,
 * max-hops, failover state) are plain fields set before each call, so no
 * input allocates anything.
 *
 *   ifindex 1   "eth0"     upstream (not a downstream link)
 *   ifindex 2   "vlan10"   10.10.0.1/24, untrusted, circuit-id "%i" -> "vlan10",
 *                          remote-id "%h" -> "relay1", global servers
 *   ifindex 3   "vlan20"   10.20.0.1/24 + 10.20.1.1/24, trusted, giaddr 10.20.1.1,
 *                          circuit-id "site1-vlan20", remote-id "rack-b",
 *                          own server 10.0.0.9
 *   ifindex 7   "eth0.30"  10.30.0.1/31, trusted, giaddr 10.10.0.1 (shared with
 *                          vlan10: a reply to 10.10.0.1 has two candidate links),
 *                          circuit-id "%v:%n" -> "30:7", global servers
 *
 *   global servers 10.0.0.2, 10.0.0.3; not a server: 10.0.0.66
 *
 * tests/fuzz/make_seeds.py writes seeds against exactly these values. */
#ifndef PXR_FUZZ_RELAY_CTX_H
#define PXR_FUZZ_RELAY_CTX_H

#include "config.h"
#include "relay.h"
#include "fuzz_util.h"

#include <arpa/inet.h>

#define FUZZ_IFINDEX_UPSTREAM 1
#define FUZZ_HOSTNAME "relay1"

struct fuzz_relay {
	struct config cfg;
	struct cfg_iface ifaces[3];
	struct relay_links links;
	struct relay_servers servers;
	struct relay_ctx ctx;
};

static struct fuzz_relay fuzz_relay_state;

static inline uint32_t fuzz_ip(const char *s)
{
	struct in_addr a;

	FUZZ_CHECK(inet_pton(AF_INET, s, &a) == 1);
	return a.s_addr;
}

static void fuzz_relay_free(void)
{
	relay_links_free(&fuzz_relay_state.links);
}

static void fuzz_link_add(struct relay_link *l, int ifindex, const char *name,
			  const struct cfg_iface *ifc, unsigned cfg_idx)
{
	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->mac[0] = 0x02;
	l->mac[5] = (uint8_t)ifindex;
	l->up = true;
	l->cfg = ifc;
	l->cfg_idx = cfg_idx;
}

static struct fuzz_relay *fuzz_relay_get(void)
{
	struct fuzz_relay *fr = &fuzz_relay_state;
	static bool ready;
	struct config *c = &fr->cfg;
	struct relay_link *v;

	if (ready)
		return fr;

	config_defaults(c);
	snprintf(c->source, sizeof(c->source), "fuzz");
	c->servers.addr[0] = fuzz_ip("10.0.0.2");
	c->servers.addr[1] = fuzz_ip("10.0.0.3");
	c->servers.n = 2;

	snprintf(fr->ifaces[0].name, IFNAMSIZ, "vlan10");
	fr->ifaces[0].trusted = false;

	snprintf(fr->ifaces[1].name, IFNAMSIZ, "vlan20");
	fr->ifaces[1].giaddr = fuzz_ip("10.20.1.1");
	fr->ifaces[1].servers.addr[0] = fuzz_ip("10.0.0.9");
	fr->ifaces[1].servers.n = 1;
	snprintf(fr->ifaces[1].circuit_id, sizeof(fr->ifaces[1].circuit_id), "site1-vlan20");
	snprintf(fr->ifaces[1].remote_id, sizeof(fr->ifaces[1].remote_id), "rack-b");
	fr->ifaces[1].trusted = true;

	snprintf(fr->ifaces[2].name, IFNAMSIZ, "eth0.30");
	fr->ifaces[2].giaddr = fuzz_ip("10.10.0.1");
	snprintf(fr->ifaces[2].circuit_id, sizeof(fr->ifaces[2].circuit_id), "%%v:%%n");
	fr->ifaces[2].trusted = true;

	c->ifaces = fr->ifaces;
	c->nifaces = 3;

	/* relay_links_init takes ownership of a malloc'd array. */
	v = calloc(3, sizeof(*v));
	FUZZ_CHECK(v != NULL);
	fuzz_link_add(&v[0], 2, "vlan10", &fr->ifaces[0], 0);
	v[0].addrs[0] = fuzz_ip("10.10.0.1");
	v[0].prefixlen[0] = 24;
	v[0].naddrs = 1;
	fuzz_link_add(&v[1], 3, "vlan20", &fr->ifaces[1], 1);
	v[1].addrs[0] = fuzz_ip("10.20.0.1");
	v[1].prefixlen[0] = 24;
	v[1].addrs[1] = fuzz_ip("10.20.1.1");
	v[1].prefixlen[1] = 24;
	v[1].naddrs = 2;
	fuzz_link_add(&v[2], 7, "eth0.30", &fr->ifaces[2], 2);
	v[2].addrs[0] = fuzz_ip("10.30.0.1");
	v[2].prefixlen[0] = 31;
	v[2].naddrs = 1;
	for (int i = 0; i < 3; i++)
		FUZZ_CHECK(relay_link_prepare(&v[i], c, FUZZ_HOSTNAME) == 0);
	FUZZ_CHECK(relay_links_init(&fr->links, v, 3) == 0);
	atexit(fuzz_relay_free);

	/* The seeds are written against these circuit-ids. */
	FUZZ_CHECK(fr->links.v[0].circuit_id_len == 6 &&
		   memcmp(fr->links.v[0].circuit_id, "vlan10", 6) == 0);
	FUZZ_CHECK(fr->links.v[1].circuit_id_len == 12 &&
		   memcmp(fr->links.v[1].circuit_id, "site1-vlan20", 12) == 0);
	FUZZ_CHECK(fr->links.v[2].circuit_id_len == 4 &&
		   memcmp(fr->links.v[2].circuit_id, "30:7", 4) == 0);

	fr->ctx.cfg = c;
	fr->ctx.links = &fr->links;
	fr->ctx.servers = &fr->servers;
	fr->ctx.upstream_ifindex = 0;
	ready = true;
	return fr;
}

/* Per-input knobs: option 82 policy and sub-option toggles, forward mode.
 *   bits 0-1 policy (0 append, 1 replace, 2 forward, 3 discard)
 *   bit 2    link-selection (RFC 3527)
 *   bit 3    server-id-override (RFC 5107) with flags (RFC 5010)
 *   bit 4    forward = failover */
static inline void fuzz_relay_knobs(struct fuzz_relay *fr, uint8_t b)
{
	fr->cfg.opt82.policy = (enum opt82_policy)(b & 3);
	fr->cfg.opt82.link_selection = b & 4;
	fr->cfg.opt82.server_id_override = b & 8;
	fr->cfg.forward = b & 16 ? FORWARD_FAILOVER : FORWARD_ALL;
	memset(&fr->servers, 0, sizeof(fr->servers));
}

/* Three boot rules both relay harnesses and fuzz_exchange use: "bios"
 * (arch 0, 10.0.0.5, undionly.kpxe), "uefi" (arch 7/9, 10.0.0.6, ipxe.efi,
 * server-name boot1), "http" (arch 16, a URL longer than the file field). */
static struct cfg_boot fuzz_rules[3];

static void fuzz_rules_init(void)
{
	static bool ready;

	if (ready)
		return;
	snprintf(fuzz_rules[0].name, sizeof(fuzz_rules[0].name), "bios");
	fuzz_rules[0].arch[0] = 0;
	fuzz_rules[0].narch = 1;
	snprintf(fuzz_rules[0].filename, sizeof(fuzz_rules[0].filename), "undionly.kpxe");
	fuzz_rules[0].next_server = fuzz_ip("10.0.0.5");

	snprintf(fuzz_rules[1].name, sizeof(fuzz_rules[1].name), "uefi");
	fuzz_rules[1].arch[0] = 7;
	fuzz_rules[1].arch[1] = 9;
	fuzz_rules[1].narch = 2;
	snprintf(fuzz_rules[1].filename, sizeof(fuzz_rules[1].filename), "ipxe.efi");
	fuzz_rules[1].next_server = fuzz_ip("10.0.0.6");
	snprintf(fuzz_rules[1].server_name, sizeof(fuzz_rules[1].server_name), "boot1");

	snprintf(fuzz_rules[2].name, sizeof(fuzz_rules[2].name), "http");
	fuzz_rules[2].arch[0] = 16;
	fuzz_rules[2].narch = 1;
	snprintf(fuzz_rules[2].filename, sizeof(fuzz_rules[2].filename), "%s",
		 "http://boot.example.net/images/uefi/x64/shim-and-grub/"
		 "a-path-long-enough-not-to-fit-the-128-byte-file-field/grubx64.efi");
	ready = true;
}

#endif
