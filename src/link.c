/* link.c - see link.h. */
#include "link.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>

struct link_watch {
	struct nl_sock *sk;
	struct nl_cache_mngr *mngr;
	struct nl_cache *links, *addrs;
	bool changed;
};

static void on_change(struct nl_cache *cache, struct nl_object *obj, int action, void *data)
{
	struct link_watch *w = data;

	(void)cache;
	(void)obj;
	(void)action;
	w->changed = true;
}

static int watch_start(struct link_watch *w, char *err, size_t errlen)
{
	int r;

	w->sk = nl_socket_alloc();
	if (!w->sk) {
		snprintf(err, errlen, "netlink: out of memory");
		return -ENOMEM;
	}
	r = nl_cache_mngr_alloc(w->sk, NETLINK_ROUTE, 0, &w->mngr);
	if (r == 0)
		r = nl_cache_mngr_add(w->mngr, "route/link", on_change, w, &w->links);
	if (r == 0)
		r = nl_cache_mngr_add(w->mngr, "route/addr", on_change, w, &w->addrs);
	if (r < 0) {
		snprintf(err, errlen, "netlink: %s", nl_geterror(r));
		return -EIO;
	}
	/* A burst of link events (hundreds of VLANs created at once) must not
	 * overrun the socket; if it still does, process() starts over. */
	nl_socket_set_buffer_size(w->sk, 4 << 20, 0);
	w->changed = true;
	return 0;
}

static void watch_stop(struct link_watch *w)
{
	if (w->mngr)
		nl_cache_mngr_free(w->mngr);   /* frees the caches too */
	if (w->sk)
		nl_socket_free(w->sk);
	w->mngr = NULL;
	w->sk = NULL;
	w->links = w->addrs = NULL;
}

struct link_watch *link_watch_open(char *err, size_t errlen)
{
	struct link_watch *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (watch_start(w, err, errlen) < 0) {
		watch_stop(w);
		free(w);
		return NULL;
	}
	return w;
}

void link_watch_close(struct link_watch *w)
{
	if (!w)
		return;
	watch_stop(w);
	free(w);
}

int link_watch_fd(const struct link_watch *w)
{
	return nl_cache_mngr_get_fd(w->mngr);
}

int link_watch_process(struct link_watch *w)
{
	int r = nl_cache_mngr_data_ready(w->mngr);

	if (r < 0 && r != -NLE_AGAIN) {
		char err[256];

		/* Messages were lost (ENOBUFS) or the socket broke: dump
		 * everything again rather than guess. */
		log_warn("netlink: %s; resynchronising links and addresses", nl_geterror(r));
		watch_stop(w);
		if (watch_start(w, err, sizeof(err)) < 0) {
			log_error("%s", err);
			return -EIO;
		}
		return 1;
	}
	if (w->changed) {
		w->changed = false;
		return 1;
	}
	return 0;
}

/* ---- building the table ---- */

struct name_ent {
	const char *name;
	unsigned cfg_idx;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name_ent *)a)->name, ((const struct name_ent *)b)->name);
}

struct build {
	const struct config *cfg;
	struct name_ent *names;
	struct relay_link *v;
	size_t n;
	int upstream_ifindex;
};

static void add_link(struct nl_object *obj, void *arg)
{
	struct build *b = arg;
	struct rtnl_link *link = (struct rtnl_link *)obj;
	const char *name = rtnl_link_get_name(link);
	struct name_ent key = { .name = name }, *hit;
	struct relay_link *l;
	struct nl_addr *hw;

	if (!name)
		return;
	if (b->cfg->upstream[0] && strcmp(name, b->cfg->upstream) == 0)
		b->upstream_ifindex = rtnl_link_get_ifindex(link);
	hit = bsearch(&key, b->names, b->cfg->nifaces, sizeof(key), cmp_name);
	if (!hit)
		return;
	l = &b->v[b->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = rtnl_link_get_ifindex(link);
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	l->mtu = rtnl_link_get_mtu(link);
	l->cfg = &b->cfg->ifaces[hit->cfg_idx];
	l->cfg_idx = hit->cfg_idx;
	hw = rtnl_link_get_addr(link);
	if (hw && nl_addr_get_len(hw) == 6)
		memcpy(l->mac, nl_addr_get_binary_addr(hw), 6);
}

static int cmp_link_ifindex(const void *a, const void *b)
{
	int x = ((const struct relay_link *)a)->ifindex, y = ((const struct relay_link *)b)->ifindex;

	return (x > y) - (x < y);
}

static void add_addr(struct nl_object *obj, void *arg)
{
	struct build *b = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct relay_link key, *l;
	struct nl_addr *local;
	uint32_t ip;
	bool secondary;

	if (rtnl_addr_get_family(a) != AF_INET)
		return;
	key.ifindex = rtnl_addr_get_ifindex(a);
	l = bsearch(&key, b->v, b->n, sizeof(*b->v), cmp_link_ifindex);
	local = rtnl_addr_get_local(a);
	if (!l || !local || nl_addr_get_len(local) != 4 || l->naddrs >= RELAY_MAX_ADDRS)
		return;
	memcpy(&ip, nl_addr_get_binary_addr(local), 4);
	secondary = (rtnl_addr_get_flags(a) & IFA_F_SECONDARY) != 0;
	/* The primary address goes first: it is the default giaddr. */
	if (!secondary && l->naddrs) {
		memmove(&l->addrs[1], &l->addrs[0], l->naddrs * sizeof(l->addrs[0]));
		memmove(&l->prefixlen[1], &l->prefixlen[0], l->naddrs);
		l->addrs[0] = ip;
		l->prefixlen[0] = (uint8_t)rtnl_addr_get_prefixlen(a);
	} else {
		l->addrs[l->naddrs] = ip;
		l->prefixlen[l->naddrs] = (uint8_t)rtnl_addr_get_prefixlen(a);
	}
	l->naddrs++;
}

int link_watch_build(struct link_watch *w, const struct config *cfg,
		     const char *hostname, struct relay_links *out, int *upstream_ifindex)
{
	struct build b = { .cfg = cfg };
	int r;

	b.names = calloc(cfg->nifaces ? cfg->nifaces : 1, sizeof(*b.names));
	b.v = calloc(cfg->nifaces ? cfg->nifaces : 1, sizeof(*b.v));
	if (!b.names || !b.v) {
		free(b.names);
		free(b.v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->nifaces; i++)
		b.names[i] = (struct name_ent){ cfg->ifaces[i].name, (unsigned)i };
	qsort(b.names, cfg->nifaces, sizeof(*b.names), cmp_name);

	nl_cache_foreach(w->links, add_link, &b);
	qsort(b.v, b.n, sizeof(*b.v), cmp_link_ifindex);
	nl_cache_foreach(w->addrs, add_addr, &b);
	for (size_t i = 0; i < b.n; i++)
		if (relay_link_prepare(&b.v[i], cfg, hostname) == -EINVAL)
			log_debug("%s: circuit-id format needs a VLAN id in the name; using the name",
				  b.v[i].name);
	free(b.names);
	*upstream_ifindex = b.upstream_ifindex;
	r = relay_links_init(out, b.v, b.n);
	if (r < 0)
		free(b.v);
	return r;
}
