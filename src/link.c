/* link.c - see link.h.
 *
 * An rtnetlink socket (libnl) joined to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR
 * and RTNLGRP_IPV6_IFADDR. At start, and whenever the kernel reports lost
 * messages, links and addresses are dumped afresh (RTM_GETLINK,
 * RTM_GETADDR, on a second, short-lived socket); in between every event
 * is parsed in place from the receive buffer into link_table.h's compact
 * arrays. Nothing is allocated per message, and no libnl object is kept. */
#include "link.h"
#include "link_table.h"
#include "log.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define LW_BUF            32768  /* one datagram; the kernel sizes dump batches to it */
#ifndef LW_SOCK_BUF             /* -D for tests of the resync */
#define LW_SOCK_BUF       (4 << 20)
#endif
#define LW_BATCH          256    /* datagrams per link_watch_process() call */
#define LW_DUMP_WAIT_MS   5000
#define LW_RESYNC_TRIES   5

struct link_watch {
	struct nl_sock *sk;
	struct link_table t;     /* what link_watch_build reads */
	struct link_table *cur;  /* where messages go: &t, or a resync's table */
	uint32_t dump_seq;       /* the dump running, 0 if none */
	int dump_state;          /* 0 running, 1 done, < 0 the kernel's error */
	bool dump_intr;          /* NLM_F_DUMP_INTR: the dump may be inconsistent */
	bool resync_pending;     /* the last resync failed */
	/* Netlink headers and attributes are read in place: 4-byte aligned. */
	unsigned char buf[LW_BUF] __attribute__((aligned(8)));
};

/* ---- parsing ---- */

static int on_link(struct link_watch *w, struct nlmsghdr *h)
{
	static const struct nla_policy policy[IFLA_MTU + 1] = {
		[IFLA_MTU] = { .type = NLA_U32 },
	};
	struct nlattr *tb[IFLA_MTU + 1];
	const struct ifinfomsg *ifi;
	struct lt_link l;

	if (!nlmsg_valid_hdr(h, sizeof(*ifi)))
		return 0;
	ifi = nlmsg_data(h);
	/* AF_BRIDGE and the like describe a port, not the interface. */
	if (ifi->ifi_family != AF_UNSPEC || ifi->ifi_index <= 0)
		return 0;
	if (h->nlmsg_type == RTM_DELLINK)
		return link_table_del_link(w->cur, ifi->ifi_index);
	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MTU, policy) < 0)
		return 0;
	memset(&l, 0, sizeof(l));
	l.ifindex = ifi->ifi_index;
	l.up = (ifi->ifi_flags & IFF_UP) != 0;
	if (tb[IFLA_MTU])
		l.mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_IFNAME])
		nla_strlcpy(l.name, tb[IFLA_IFNAME], sizeof(l.name));
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(l.mac, nla_data(tb[IFLA_ADDRESS]), 6);
	return link_table_set_link(w->cur, &l);
}

static bool get_in_addr(const struct nlattr *a, uint32_t *out)
{
	if (!a || nla_len(a) != 4)
		return false;
	memcpy(out, nla_data(a), 4);
	return true;
}

/* An IPv6 address: only global and unique-local ones are kept (the
 * DHCPv6 link-address); one still tentative (duplicate address detection
 * running) is not usable yet. */
static int on_addr6(struct link_watch *w, struct nlmsghdr *h, const struct ifaddrmsg *ifa)
{
	struct nlattr *tb[IFA_FLAGS + 1];
	struct lt_addr6 a;
	uint32_t flags;

	if (nlmsg_parse(h, sizeof(*ifa), tb, IFA_FLAGS, NULL) < 0 || !tb[IFA_ADDRESS] ||
	    nla_len(tb[IFA_ADDRESS]) != 16)
		return 0;
	memset(&a, 0, sizeof(a));
	a.ifindex = (int)ifa->ifa_index;
	a.prefixlen = ifa->ifa_prefixlen;
	memcpy(a.addr, nla_data(tb[IFA_ADDRESS]), 16);
	flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS] && nla_len(tb[IFA_FLAGS]) >= 4)
		flags = nla_get_u32(tb[IFA_FLAGS]);
	if (h->nlmsg_type == RTM_DELADDR || (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return link_table_del_addr6(w->cur, &a);
	return link_table_set_addr6(w->cur, &a);
}

static int on_addr(struct link_watch *w, struct nlmsghdr *h)
{
	struct nlattr *tb[IFA_FLAGS + 1];
	const struct ifaddrmsg *ifa;
	struct lt_addr a;
	uint32_t flags;
	bool has_local, has_address;

	if (!nlmsg_valid_hdr(h, sizeof(*ifa)))
		return 0;
	ifa = nlmsg_data(h);
	if (ifa->ifa_family == AF_INET6)
		return on_addr6(w, h, ifa);
	if (ifa->ifa_family != AF_INET)
		return 0;
	if (nlmsg_parse(h, sizeof(*ifa), tb, IFA_FLAGS, NULL) < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.ifindex = (int)ifa->ifa_index;
	a.prefixlen = ifa->ifa_prefixlen;
	flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS] && nla_len(tb[IFA_FLAGS]) >= 4)
		flags = nla_get_u32(tb[IFA_FLAGS]);
	a.secondary = (flags & IFA_F_SECONDARY) != 0;
	has_local = get_in_addr(tb[IFA_LOCAL], &a.local);
	has_address = get_in_addr(tb[IFA_ADDRESS], &a.address);
	if (!has_local && !has_address)
		return 0;
	if (!has_local)
		a.local = a.address;
	if (!has_address)
		a.address = a.local;
	if (h->nlmsg_type == RTM_DELADDR)
		return link_table_del_addr(w->cur, &a);
	return link_table_set_addr(w->cur, &a);
}

/* One message: 1 the table changed, 0 not, -ENOMEM. */
static int on_msg(struct link_watch *w, struct nlmsghdr *h)
{
	bool ours = w->dump_seq && h->nlmsg_seq == w->dump_seq;

	if (ours && (h->nlmsg_flags & NLM_F_DUMP_INTR))
		w->dump_intr = true;
	switch (h->nlmsg_type) {
	case NLMSG_DONE:
		if (ours) {
			int e = 0;

			if (nlmsg_datalen(h) >= (int)sizeof(e))
				memcpy(&e, nlmsg_data(h), sizeof(e));
			w->dump_state = e < 0 ? e : 1;
		}
		return 0;
	case NLMSG_ERROR:
		if (ours && nlmsg_datalen(h) >= (int)sizeof(struct nlmsgerr)) {
			const struct nlmsgerr *e = nlmsg_data(h);

			if (e->error < 0)
				w->dump_state = e->error;
		}
		return 0;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return on_link(w, h);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return on_addr(w, h);
	default:
		return 0;
	}
}

/* Read one datagram from fd, if any, and apply it: 1 changed, 0 not,
 * -EAGAIN nothing queued, -ENOBUFS messages lost, -ENOMEM, other negative
 * errno. With apply false, only read it (and drop it). */
static int read_one(struct link_watch *w, int fd, bool apply)
{
	struct sockaddr_nl from;
	socklen_t fromlen = sizeof(from);
	struct nlmsghdr *h;
	ssize_t n;
	int len, changed = 0, err = 0;

	do
		n = recvfrom(fd, w->buf, sizeof(w->buf), MSG_TRUNC | MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fromlen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if ((size_t)n > sizeof(w->buf))
		return -ENOBUFS;            /* truncated: as good as lost */
	if (!apply || from.nl_family != AF_NETLINK || from.nl_pid != 0)
		return 0;                   /* only the kernel speaks here */
	len = (int)n;
	for (h = (struct nlmsghdr *)w->buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
		int r = on_msg(w, h);

		if (r < 0)
			err = r;            /* the rest still counts: dump ends, errors */
		else
			changed |= r;
	}
	return err ? err : changed;
}

/* ---- dumps ----
 *
 * A dump runs on a socket of its own, joined to no group, so that nothing
 * but the dump is queued there: no event can overrun it, and the kernel
 * never stalls the dump for lack of room. Events that happen meanwhile
 * wait on the event socket and are applied after the dump: each carries
 * the object's whole state, so the last one for each object wins. */

static int dump_request(struct link_watch *w, struct nl_sock *sk, int type, int family)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_DUMP);
	int r;

	if (!m)
		return -ENOMEM;
	if (type == RTM_GETLINK) {
		struct ifinfomsg ifi = { .ifi_family = (unsigned char)family };

		r = nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	} else {
		struct ifaddrmsg ifa = { .ifa_family = (unsigned char)family };

		r = nlmsg_append(m, &ifa, sizeof(ifa), NLMSG_ALIGNTO);
	}
	if (r == 0) {
		nl_complete_msg(sk, m);
		w->dump_seq = nlmsg_hdr(m)->nlmsg_seq;
		w->dump_state = 0;
		w->dump_intr = false;
		r = nl_send(sk, m);
	}
	nlmsg_free(m);
	return r < 0 ? -EIO : 0;
}

/* Run one dump to its end. 0, or -EINTR (inconsistent: try again),
 * -ENOMEM, other negative errno. */
static int dump(struct link_watch *w, struct nl_sock *sk, int type, int family)
{
	int fd = nl_socket_get_fd(sk), r, err = 0;

	r = dump_request(w, sk, type, family);
	if (r < 0)
		return r;
	while (w->dump_state == 0) {
		r = read_one(w, fd, true);
		if (r == -EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			r = poll(&p, 1, LW_DUMP_WAIT_MS);
			if (r == 0) {
				err = -ETIMEDOUT;
				break;
			}
			if (r < 0 && errno != EINTR) {
				err = -errno;
				break;
			}
		} else if (r == -ENOMEM) {
			if (!err)
				err = r;    /* read on to the end all the same */
		} else if (r < 0) {
			err = r;
			break;
		}
	}
	w->dump_seq = 0;
	if (err)
		return err;
	if (w->dump_state < 0)
		return w->dump_state;
	return w->dump_intr ? -EINTR : 0;
}

/* Forget what the event socket holds: it may be missing messages, and
 * what it has is older than the dump that follows. Bounded, in case
 * events keep coming faster than they are read. */
static void drain_events(struct link_watch *w)
{
	for (int i = 0; i < 4 * LW_BATCH; i++) {
		int r = read_one(w, nl_socket_get_fd(w->sk), false);

		if (r == -EAGAIN || (r < 0 && r != -ENOBUFS))
			break;
	}
}

/* Dump links and addresses into a fresh table; on success it replaces
 * the current one. On failure the current one stays (nothing the relay
 * serves disappears for a dump that went wrong) and resync_pending makes
 * the next call try again: a dump is only interrupted by a change, and
 * that change's event wakes us up again. At start, with nothing to keep,
 * an interrupted dump is taken all the same. */
static int resync(struct link_watch *w)
{
	struct link_table fresh;
	struct nl_sock *sk;
	int r = -EIO;

	drain_events(w);
	sk = nl_socket_alloc();
	if (!sk) {
		w->resync_pending = true;
		return -ENOMEM;
	}
	nl_socket_disable_auto_ack(sk);
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		w->resync_pending = true;
		return -EIO;
	}
	link_table_init(&fresh);
	w->cur = &fresh;
	for (int i = 0; i < LW_RESYNC_TRIES; i++) {
		link_table_clear(&fresh);
		r = dump(w, sk, RTM_GETLINK, AF_UNSPEC);
		if (r == 0)
			r = dump(w, sk, RTM_GETADDR, AF_INET);
		if (r == 0)
			r = dump(w, sk, RTM_GETADDR, AF_INET6);
		if (r != -EINTR && r != -ENOMEM)
			break;
	}
	w->cur = &w->t;
	nl_socket_free(sk);
	w->resync_pending = r < 0;
	if (r == 0 || (r == -EINTR && w->t.nlinks == 0)) {
		link_table_free(&w->t);
		w->t = fresh;
		return 0;
	}
	link_table_free(&fresh);
	return r;
}

/* ---- the interface ---- */

struct link_watch *link_watch_open(char *err, size_t errlen)
{
	struct link_watch *w = calloc(1, sizeof(*w));
	int r, fd, size = LW_SOCK_BUF;

	if (!w || !(w->sk = nl_socket_alloc())) {
		free(w);
		snprintf(err, errlen, "netlink: out of memory");
		return NULL;
	}
	link_table_init(&w->t);
	w->cur = &w->t;
	nl_socket_disable_auto_ack(w->sk);
	r = nl_connect(w->sk, NETLINK_ROUTE);
	if (r == 0)
		r = nl_socket_add_memberships(w->sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
					      RTNLGRP_IPV6_IFADDR, 0);
	if (r < 0) {
		snprintf(err, errlen, "netlink: %s", nl_geterror(r));
		link_watch_close(w);
		return NULL;
	}
	/* A burst of link events (hundreds of VLANs created at once) must not
	 * overrun the socket; as root, past rmem_max. If it still does,
	 * process() starts over. */
	fd = nl_socket_get_fd(w->sk);
	nl_socket_set_buffer_size(w->sk, LW_SOCK_BUF, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	r = resync(w);
	if (r < 0) {
		snprintf(err, errlen, "netlink: reading links and addresses: %s", strerror(-r));
		link_watch_close(w);
		return NULL;
	}
	return w;
}

void link_watch_close(struct link_watch *w)
{
	if (!w)
		return;
	if (w->sk)
		nl_socket_free(w->sk);      /* closes the socket */
	link_table_free(&w->t);
	free(w);
}

int link_watch_fd(const struct link_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

int link_watch_process(struct link_watch *w)
{
	int r = 0, changed = 0;

	for (int i = 0; i < LW_BATCH && !w->resync_pending; i++) {
		r = read_one(w, nl_socket_get_fd(w->sk), true);
		if (r < 0)
			break;
		changed |= r;
	}
	if (r == -EAGAIN)
		r = 0;
	if (r < 0 || w->resync_pending) {
		/* Messages were lost (ENOBUFS), or could not be applied:
		 * dump everything again rather than guess. */
		if (r < 0)
			log_warn("netlink: %s; resynchronising links and addresses", strerror(-r));
		r = resync(w);
		if (r == -EINTR) {
			log_info("netlink: links changed during the dump; dumping again shortly");
			return changed;
		}
		if (r < 0) {
			log_error("netlink: resynchronising links and addresses: %s; trying again in 1 s",
				  strerror(-r));
			return changed;
		}
		return 1;
	}
	return changed;
}

bool link_watch_resync_pending(const struct link_watch *w)
{
	return w->resync_pending;
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

static int cmp_link_ifindex(const void *a, const void *b)
{
	int x = ((const struct relay_link *)a)->ifindex, y = ((const struct relay_link *)b)->ifindex;

	return (x > y) - (x < y);
}

static const struct name_ent *find_name(const struct name_ent *names, size_t n, const char *name)
{
	struct name_ent key = { .name = name };

	if (!name[0])
		return NULL;
	return bsearch(&key, names, n, sizeof(key), cmp_name);
}

int link_watch_build(struct link_watch *w, const struct config *cfg,
		     const char *hostname, struct relay_links *out, int *upstream_ifindex)
{
	const struct link_table *t = &w->t;
	struct name_ent *names;
	struct relay_link *v;
	size_t n = 0;
	int r;

	*upstream_ifindex = 0;
	names = calloc(cfg->nifaces ? cfg->nifaces : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nifaces; i++)
		names[i] = (struct name_ent){ cfg->ifaces[i].name, (unsigned)i };
	qsort(names, cfg->nifaces, sizeof(*names), cmp_name);

	for (size_t i = 0; i < t->nlinks; i++)
		if (find_name(names, cfg->nifaces, t->links[i].name))
			n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		free(names);
		return -ENOMEM;
	}
	n = 0;
	/* t->links is sorted by ifindex, and so is v. */
	for (size_t i = 0; i < t->nlinks; i++) {
		const struct lt_link *k = &t->links[i];
		const struct name_ent *hit;
		struct relay_link *l;

		if (cfg->upstream[0] && strcmp(k->name, cfg->upstream) == 0)
			*upstream_ifindex = k->ifindex;
		hit = find_name(names, cfg->nifaces, k->name);
		if (!hit)
			continue;
		l = &v[n++];
		l->ifindex = k->ifindex;
		memcpy(l->name, k->name, sizeof(l->name));
		l->up = k->up;
		l->mtu = k->mtu;
		memcpy(l->mac, k->mac, sizeof(l->mac));
		l->cfg = &cfg->ifaces[hit->cfg_idx];
		l->cfg_idx = hit->cfg_idx;
		{
			const struct lt_addr6 *a6 = link_table_addr6(t, k->ifindex);

			if (a6)
				memcpy(l->addr6, a6->addr, 16);
			l->has_addr6 = a6 != NULL;
		}
	}
	free(names);
	for (size_t i = 0; i < t->naddrs && n; i++) {
		struct relay_link key = { .ifindex = t->addrs[i].ifindex }, *l;

		l = bsearch(&key, v, n, sizeof(*v), cmp_link_ifindex);
		if (l)
			link_table_put_addr(l, &t->addrs[i]);
	}
	/* A vrrp-address decides whether the link is served: it must not be
	 * one of the addresses past RELAY_MAX_ADDRS that are left out. */
	for (size_t i = 0; i < t->naddrs && n; i++) {
		struct relay_link key = { .ifindex = t->addrs[i].ifindex }, *l;
		unsigned k = 0;

		l = bsearch(&key, v, n, sizeof(*v), cmp_link_ifindex);
		if (!l || !l->cfg->vrrp_address || t->addrs[i].local != l->cfg->vrrp_address)
			continue;
		while (k < l->naddrs && l->addrs[k] != t->addrs[i].local)
			k++;
		if (k == RELAY_MAX_ADDRS) {
			l->addrs[k - 1] = t->addrs[i].local;
			l->prefixlen[k - 1] = t->addrs[i].prefixlen;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (relay_link_prepare(&v[i], cfg, hostname) == -EINVAL)
			log_debug("%s: circuit-id format needs a VLAN id in the name; using the name",
				  v[i].name);
	r = relay_links_init(out, v, n);
	if (r < 0)
		free(v);
	return r;
}
