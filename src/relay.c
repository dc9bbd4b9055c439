/* relay.c - what a relay agent does with each message. No I/O: the loop
 * hands in a parsed message and metadata, and carries out the answer. */
#include "relay.h"
#include "opt82.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const drop_names[DROP__COUNT] = {
	[DROP_NONE] = "none",
	[DROP_MALFORMED] = "malformed",
	[DROP_NOT_DOWNSTREAM] = "not_downstream",
	[DROP_NOT_FOR_RELAY] = "not_for_relay",
	[DROP_BAD_OP] = "bad_op",
	[DROP_BAD_HTYPE] = "bad_htype",
	[DROP_NO_ADDRESS] = "no_address",
	[DROP_HOPS] = "hops_exceeded",
	[DROP_SPOOFED_GIADDR] = "spoofed_giaddr",
	[DROP_UNTRUSTED_AGENT_OPTION] = "untrusted_agent_option",
	[DROP_AGENT_OPTION_POLICY] = "agent_option_policy",
	[DROP_BAD_AGENT_OPTION] = "bad_agent_option",
	[DROP_NO_SERVERS] = "no_servers",
	[DROP_REPLY_NOT_FROM_SERVER] = "reply_not_from_server",
	[DROP_REPLY_WRONG_LINK] = "reply_wrong_link",
	[DROP_REPLY_UNKNOWN_GIADDR] = "reply_unknown_giaddr",
	[DROP_REPLY_CIRCUIT_MISMATCH] = "reply_circuit_mismatch",
	[DROP_TOO_BIG] = "too_big",
	[DROP_SEND_FAILED] = "send_failed",
	[DROP_RATE_CLIENT] = "rate_limit_client",
	[DROP_RATE_INTERFACE] = "rate_limit_interface",
	[DROP_BAD_GIADDR] = "bad_giaddr",
	[DROP_VRRP_BACKUP] = "vrrp_backup",
	[DROP_REPLY_UNKNOWN_LINK] = "reply_unknown_link",
};

const char *drop_reason_name(enum drop_reason r)
{
	return r < DROP__COUNT ? drop_names[r] : "?";
}

/* ---- the link table ---- */

static int cmp_ifindex(const void *a, const void *b)
{
	const struct relay_link *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int cmp_giaddr(const void *a, const void *b)
{
	const struct relay_giaddr_ent *x = a, *y = b;

	if (x->giaddr != y->giaddr)
		return (x->giaddr > y->giaddr) - (x->giaddr < y->giaddr);
	return (x->pos > y->pos) - (x->pos < y->pos);
}

int relay_link_prepare(struct relay_link *l, const struct config *cfg, const char *hostname)
{
	const struct cfg_iface *ifc = l->cfg;
	const char *cfmt = ifc && ifc->circuit_id[0] ? ifc->circuit_id : cfg->opt82.circuit_id;
	const char *rfmt = ifc && ifc->remote_id[0] ? ifc->remote_id : cfg->opt82.remote_id;
	char buf[CFG_ID_MAX + 1];
	int r;

	l->giaddr = ifc && ifc->giaddr ? ifc->giaddr : (l->naddrs ? l->addrs[0] : 0);
	l->standby = false;
	if (ifc && ifc->vrrp_address) {
		/* A VRRP pair: the link is served while the virtual address
		 * is on it, and then the clients see only that address: the
		 * giaddr, the source of replies, server-id-override, the TFTP
		 * proxy (addrs[0]). Elsewhere the other router serves it. */
		unsigned k = 0;

		while (k < l->naddrs && l->addrs[k] != ifc->vrrp_address)
			k++;
		l->giaddr = ifc->vrrp_address;
		l->standby = k == l->naddrs;
		if (!l->standby && k > 0) {
			uint8_t plen = l->prefixlen[k];

			memmove(&l->addrs[1], &l->addrs[0], k * sizeof(l->addrs[0]));
			memmove(&l->prefixlen[1], &l->prefixlen[0], k * sizeof(l->prefixlen[0]));
			l->addrs[0] = ifc->vrrp_address;
			l->prefixlen[0] = plen;
		}
	}
	r = opt82_expand(cfmt, l->name, l->ifindex, hostname, buf, sizeof(buf));
	if (r < 0) {
		/* %v on a name with no VLAN id: fall back to the name. */
		r = opt82_expand("%i", l->name, l->ifindex, hostname, buf, sizeof(buf));
		if (r < 0)
			return r;
		l->circuit_id_len = (uint8_t)r;
		memcpy(l->circuit_id, buf, (size_t)r);
		r = -EINVAL;
	} else {
		l->circuit_id_len = (uint8_t)r;
		memcpy(l->circuit_id, buf, (size_t)r);
		r = 0;
	}
	if (opt82_expand(rfmt, l->name, l->ifindex, hostname, buf, sizeof(buf)) > 0) {
		l->remote_id_len = (uint8_t)strlen(buf);
		memcpy(l->remote_id, buf, l->remote_id_len);
	} else {
		l->remote_id_len = 0;
	}
	return r;
}

int relay_links_init(struct relay_links *t, struct relay_link *v, size_t n)
{
	size_t nown = 0;

	memset(t, 0, sizeof(*t));
	t->v = v;
	t->n = n;
	qsort(v, n, sizeof(*v), cmp_ifindex);
	for (size_t i = 0; i < n; i++)
		nown += v[i].naddrs + 1;
	t->by_giaddr = calloc(n ? n : 1, sizeof(*t->by_giaddr));
	t->own = calloc(nown ? nown : 1, sizeof(*t->own));
	if (!t->by_giaddr || !t->own) {
		free(t->by_giaddr);
		free(t->own);
		t->by_giaddr = NULL;
		t->own = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		t->by_giaddr[i] = (struct relay_giaddr_ent){ v[i].giaddr, (uint32_t)i };
		for (unsigned k = 0; k < v[i].naddrs; k++)
			t->own[t->nown++] = v[i].addrs[k];
		/* A configured giaddr (a VRRP address, one on another link)
		 * is ours too, present on the link or not. */
		if (v[i].giaddr)
			t->own[t->nown++] = v[i].giaddr;
	}
	qsort(t->by_giaddr, n, sizeof(*t->by_giaddr), cmp_giaddr);
	qsort(t->own, t->nown, sizeof(*t->own), cmp_u32);
	return 0;
}

void relay_links_free(struct relay_links *t)
{
	free(t->v);
	free(t->by_giaddr);
	free(t->own);
	memset(t, 0, sizeof(*t));
}

const struct relay_link *relay_links_by_ifindex(const struct relay_links *t, int ifindex)
{
	struct relay_link key = { .ifindex = ifindex };

	if (!t->n)
		return NULL;
	return bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_ifindex);
}

bool relay_links_own_addr(const struct relay_links *t, uint32_t addr)
{
	return t->nown && bsearch(&addr, t->own, t->nown, sizeof(addr), cmp_u32);
}

/* First entry with this giaddr, and how many share it. */
static const struct relay_giaddr_ent *links_by_giaddr(const struct relay_links *t,
						      uint32_t giaddr, size_t *count)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->by_giaddr[mid].giaddr < giaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*count = 0;
	while (lo + *count < t->n && t->by_giaddr[lo + *count].giaddr == giaddr)
		(*count)++;
	return *count ? &t->by_giaddr[lo] : NULL;
}

/* ---- servers ---- */

bool relay_is_server(const struct config *cfg, uint32_t addr)
{
	for (size_t i = 0; i < cfg->servers.n; i++)
		if (cfg->servers.addr[i] == addr)
			return true;
	for (size_t k = 0; k < cfg->nifaces; k++)
		for (size_t i = 0; i < cfg->ifaces[k].servers.n; i++)
			if (cfg->ifaces[k].servers.addr[i] == addr)
				return true;
	return false;
}

static struct relay_server_state *server_state(struct relay_servers *s, uint32_t addr)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->s[i].addr == addr)
			return &s->s[i];
	if (s->n == sizeof(s->s) / sizeof(s->s[0]))
		return NULL;
	s->s[s->n] = (struct relay_server_state){ .addr = addr };
	return &s->s[s->n++];
}

void relay_server_sent(struct relay_servers *s, uint32_t addr, int64_t now_ms)
{
	struct relay_server_state *st = s ? server_state(s, addr) : NULL;

	if (st && !st->first_unanswered_ms)
		st->first_unanswered_ms = now_ms;
}

void relay_server_replied(struct relay_servers *s, uint32_t addr, int64_t now_ms)
{
	struct relay_server_state *st = s ? server_state(s, addr) : NULL;

	if (st) {
		st->first_unanswered_ms = 0;
		st->last_reply_ms = now_ms;
		st->probe_at_ms = 0;
	}
}

/* forward = all: every server. forward = failover: the first server that
 * has answered within failover-timeout of being asked; a server found
 * silent is still asked once every RELAY_FAILOVER_PROBE_MS, so it is taken
 * back as soon as it answers again. */
static size_t pick_servers(const struct relay_ctx *ctx, const struct server_list *list,
			   int64_t now_ms, uint32_t *out, uint32_t *probed, int64_t *probe_prev)
{
	const int64_t timeout = (int64_t)ctx->cfg->failover_timeout * 1000;
	size_t n = 0;
	bool chosen = false;

	if (ctx->cfg->forward == FORWARD_ALL || !ctx->servers) {
		memcpy(out, list->addr, list->n * sizeof(*out));
		return list->n;
	}
	for (size_t i = 0; i < list->n; i++) {
		struct relay_server_state *st = server_state(ctx->servers, list->addr[i]);
		bool down = st && st->first_unanswered_ms &&
			    now_ms - st->first_unanswered_ms >= timeout;

		if (!down) {
			if (!chosen)
				out[n++] = list->addr[i];
			chosen = true;
		} else if (!chosen && now_ms >= st->probe_at_ms) {
			out[n++] = list->addr[i];
			if (probed && !*probed) {
				*probed = list->addr[i];
				*probe_prev = st->probe_at_ms;
			}
			st->probe_at_ms = now_ms + RELAY_FAILOVER_PROBE_MS;
		}
	}
	if (!chosen && n == 0 && list->n)
		out[n++] = list->addr[0];   /* all silent: keep trying the first */
	return n;
}

size_t relay_pick_servers(const struct relay_ctx *ctx, const struct server_list *list,
			  int64_t now_ms, uint32_t *out)
{
	return pick_servers(ctx, list, now_ms, out, NULL, NULL);
}

void relay_server_unprobe(struct relay_servers *s, uint32_t addr, int64_t prev_ms)
{
	struct relay_server_state *st = s && addr ? server_state(s, addr) : NULL;

	if (st)
		st->probe_at_ms = prev_ms;
}

/* ---- requests ---- */

static bool is_broadcast_for(const struct relay_link *l, uint32_t dst)
{
	if (dst == INADDR_BROADCAST)
		return true;
	for (unsigned i = 0; i < l->naddrs; i++) {
		uint32_t mask = l->prefixlen[i] ? htonl(~0u << (32 - l->prefixlen[i])) : 0;

		if (l->prefixlen[i] < 31 && dst == (l->addrs[i] | ~mask))
			return true;
	}
	return false;
}

static bool is_link_addr(const struct relay_link *l, uint32_t dst)
{
	for (unsigned i = 0; i < l->naddrs; i++)
		if (l->addrs[i] == dst)
			return true;
	return false;
}

/* An address a reply could be sent to: not 0/8 ("this network"), not
 * 127/8 (loopback), not 224/4 multicast nor 240/4 with the limited
 * broadcast in it. */
static bool giaddr_unicast(uint32_t giaddr)
{
	uint8_t first = (uint8_t)(ntohl(giaddr) >> 24);

	return first != 0 && first != 127 && first < 224;
}

/* Our sub-options for a request from link l. */
static int agent_option_ours(const struct relay_ctx *ctx, const struct relay_link *l,
			     const struct relay_rx *rx, uint8_t *out, size_t *len, size_t cap)
{
	struct opt82_fields f = {
		.circuit_id = l->circuit_id, .circuit_id_len = l->circuit_id_len,
		.remote_id = l->remote_id, .remote_id_len = l->remote_id_len,
	};

	/* RFC 3527 §3: link-selection names the client's subnet when giaddr
	 * is not on it. */
	if (ctx->cfg->opt82.link_selection)
		f.link_selection = l->naddrs ? l->addrs[0] : 0;
	/* RFC 5107 §4: the relay's address on the client's link becomes the
	 * server identifier the client sees, so renewals come through us;
	 * RFC 5010 §3: the U flag tells the server a request was unicast. */
	if (ctx->cfg->opt82.server_id_override) {
		f.server_id_override = l->naddrs ? l->addrs[0] : 0;
		f.with_flags = true;
		f.flags = is_broadcast_for(l, rx->ip_dst) ? 0 : OPT82_FLAG_UNICAST;
	}
	return opt82_build(&f, out, len, cap);
}

enum drop_reason relay_request(const struct relay_ctx *ctx, const struct relay_rx *rx,
			       struct dhcp_msg *m, struct relay_fwd *out)
{
	const struct config *cfg = ctx->cfg;
	const struct relay_link *l = relay_links_by_ifindex(ctx->links, rx->ifindex);
	const struct server_list *servers;
	const uint8_t *agent;
	size_t agent_len = 0;
	bool add_ours = true, had_theirs = false;
	uint8_t opt[CFG_ID_MAX * 2 + 64 + 255];
	uint8_t theirs[sizeof(opt)];       /* the option 82 that came in, if any */
	size_t opt_len = 0, theirs_len = 0, limit;

	out->link = l;
	out->nservers = 0;
	out->probed = 0;
	out->probe_prev_ms = 0;
	out->first_relay = false;
	out->added_agent_option = false;
	out->agent_option_too_big = false;
	if (!l)
		return DROP_NOT_DOWNSTREAM;
	/* A request unicast to some other host is being routed through this
	 * box (a renewal to the server, say): relaying it as well would send
	 * it twice. Ours are the broadcasts and what is sent to our address. */
	if (!is_broadcast_for(l, rx->ip_dst) && !is_link_addr(l, rx->ip_dst))
		return DROP_NOT_FOR_RELAY;
	/* The other router of the VRRP pair holds the link's address and
	 * relays this request: relaying it here too would send the server
	 * every request twice. */
	if (l->standby)
		return DROP_VRRP_BACKUP;
	if (m->op != BOOTREQUEST)
		return DROP_BAD_OP;
	/* RFC 1542 4.1: hlen beyond chaddr is meaningless; Ethernet is 6.
	 * RFC 4390 (IP over InfiniBand) has no hardware address in chaddr:
	 * "'hlen' (hardware address length) MUST be 0", with htype 32. */
	if (m->hlen > DHCP_CHADDR_LEN || (m->htype == 1 && m->hlen != 6) ||
	    (m->hlen == 0 && m->htype != HTYPE_INFINIBAND))
		return DROP_BAD_HTYPE;
	if (!l->naddrs || !l->giaddr)
		return DROP_NO_ADDRESS;

	/* RFC 1542 §4.1.1: discard a request whose hops exceed the configured
	 * limit (default 4, never above 16); otherwise count this hop. */
	if (m->hops > cfg->max_hops)
		return DROP_HOPS;
	m->hops++;

	agent = dhcp_opt_get(m, DHO_AGENT_INFO, 0, UINT16_MAX, &agent_len);
	/* RFC 3046 2.1: "Relay agents receiving a DHCP packet from an
	 * untrusted circuit with giaddr set to zero (indicating that they
	 * are the first-hop router) but with a Relay Agent Information option
	 * already present in the packet SHALL discard the packet and increment
	 * an error count." With a giaddr set it is no safer: on a link where
	 * no relay agent sits below us, a client fills in giaddr itself, and
	 * its option 82 (a link-selection naming another subnet, a victim's
	 * remote-id) would reach the server untouched. Option 82 comes in
	 * from trusted links only, whatever the giaddr. */
	if (agent && (!l->cfg || !l->cfg->trusted))
		return DROP_UNTRUSTED_AGENT_OPTION;
	/* Plain BOOTP (no magic cookie) has no options field to carry
	 * option 82: relay it without. */
	if (!m->has_cookie)
		add_ours = false;
	if (m->giaddr == 0) {
		if (agent) {
			if (opt82_validate(agent, agent_len) < 0 || agent_len > sizeof(theirs))
				return DROP_BAD_AGENT_OPTION;
			memcpy(theirs, agent, agent_len);
			theirs_len = agent_len;
			had_theirs = true;
			switch (cfg->opt82.policy) {
			case POLICY_DISCARD:
				return DROP_AGENT_OPTION_POLICY;
			case POLICY_FORWARD:
				add_ours = false;
				break;
			case POLICY_APPEND:
				/* RFC 3396: one option 82 holding theirs, then ours. */
				if (agent_len > sizeof(opt))
					return DROP_BAD_AGENT_OPTION;
				memcpy(opt, agent, agent_len);
				opt_len = agent_len;
				break;
			case POLICY_REPLACE:
				break;
			}
		}
		/* RFC 2131 §4.1 / RFC 1542 §4.1.1: giaddr 0 means we are the
		 * first relay: put our address on the client's link there. */
		m->giaddr = l->giaddr;
		out->first_relay = true;
		if (add_ours) {
			if (agent_option_ours(ctx, l, rx, opt, &opt_len, sizeof(opt)) < 0)
				return DROP_TOO_BIG;
			if (opt_len > 0) {
				dhcp_opt_del(m, DHO_AGENT_INFO);
				if (dhcp_opt_set(m, DHO_AGENT_INFO, opt, opt_len) < 0)
					return DROP_TOO_BIG;
				out->added_agent_option = true;
			}
		}
	} else {
		/* The server answers to giaddr: one that cannot be unicast
		 * to sends its reply nowhere, or somewhere it must not go. */
		if (!giaddr_unicast(m->giaddr))
			return DROP_BAD_GIADDR;
		/* RFC 3046 2.1.1: "Relay agents configured to add a Relay
		 * Agent option which receive a client DHCP packet with a
		 * nonzero giaddr SHALL discard the packet if the giaddr spoofs
		 * a giaddr address implemented by the local agent itself."
		 * Every address of our links and every giaddr we use counts:
		 * with two links sharing a configured giaddr, a client on one
		 * would otherwise get replies delivered on the other. */
		if (relay_links_own_addr(ctx->links, m->giaddr))
			return DROP_SPOOFED_GIADDR;
		/* RFC 3046 2.1.1: "Otherwise, the relay agent SHALL forward
		 * any received DHCP packet with a valid non-zero giaddr
		 * WITHOUT adding any relay agent options." */
	}

	servers = config_servers(cfg, l->cfg);
	out->nservers = pick_servers(ctx, servers, rx->now_ms, out->servers, &out->probed,
				     &out->probe_prev_ms);
	if (!out->nservers)
		return DROP_NO_SERVERS;

	limit = m->wire_len > RELAY_REQUEST_MAX ? m->wire_len : RELAY_REQUEST_MAX;
	out->len = dhcp_msg_build(m, limit, out->buf, sizeof(out->buf));
	if (out->len < 0 && out->added_agent_option) {
		/* RFC 3046 2.1: a relay whose option does not fit forwards
		 * the request without adding it: the request as it came, so
		 * the option 82 a trusted switch below put there stays. */
		if (had_theirs)
			dhcp_opt_set(m, DHO_AGENT_INFO, theirs, theirs_len);
		else
			dhcp_opt_del(m, DHO_AGENT_INFO);
		out->added_agent_option = false;
		out->agent_option_too_big = true;
		out->len = dhcp_msg_build(m, limit, out->buf, sizeof(out->buf));
	}
	if (out->len < 0)
		return DROP_TOO_BIG;
	return DROP_NONE;
}

/* ---- replies ---- */

/* Remove the sub-options we added: from our circuit-id to the end (ours
 * are always last: replace leaves only ours, append puts ours after the
 * client side's). Returns true when the option held our circuit-id. */
static bool strip_ours(struct dhcp_msg *m, const uint8_t *agent, size_t len,
		       const struct relay_link *l)
{
	size_t pos = 0;

	while (pos + 2 <= len && pos + 2 + agent[pos + 1] <= len) {
		uint8_t code = agent[pos], slen = agent[pos + 1];

		if (code == OPT82_CIRCUIT_ID && slen == l->circuit_id_len &&
		    memcmp(agent + pos + 2, l->circuit_id, slen) == 0) {
			if (pos == 0)
				dhcp_opt_del(m, DHO_AGENT_INFO);
			else    /* shrinks in place: agent points into m */
				dhcp_opt_set(m, DHO_AGENT_INFO, agent, pos);
			return true;
		}
		pos += 2 + (size_t)slen;
	}
	return false;
}

/* Does option 82 (any circuit-id sub-option in it) name link l? */
static bool circuit_matches(const uint8_t *agent, size_t len, const struct relay_link *l)
{
	size_t pos = 0;

	while (pos + 2 <= len && pos + 2 + agent[pos + 1] <= len) {
		if (agent[pos] == OPT82_CIRCUIT_ID && agent[pos + 1] == l->circuit_id_len &&
		    memcmp(agent + pos + 2, l->circuit_id, l->circuit_id_len) == 0)
			return true;
		pos += 2 + (size_t)agent[pos + 1];
	}
	return false;
}

static bool server_in(const struct server_list *list, uint32_t addr)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->addr[i] == addr)
			return true;
	return false;
}

enum drop_reason relay_reply(const struct relay_ctx *ctx, const struct relay_rx *rx,
			     struct dhcp_msg *m, size_t client_max,
			     const struct cfg_boot *rule, bool http_class,
			     struct relay_delivery *out)
{
	const struct config *cfg = ctx->cfg;
	const struct relay_giaddr_ent *cand;
	const struct relay_link *l = NULL;
	const uint8_t *agent;
	size_t agent_len = 0, ncand, limit;
	int type;

	out->link = NULL;
	memset(&out->rewrite, 0, sizeof(out->rewrite));
	if (m->op != BOOTREPLY)
		return DROP_BAD_OP;
	/* Replies are taken only from configured servers, and only from the
	 * upstream side: anyone on a client link could otherwise hand out
	 * leases in the server's name. */
	if (!relay_is_server(cfg, rx->ip_src))
		return DROP_REPLY_NOT_FROM_SERVER;
	if ((ctx->upstream_ifindex && rx->ifindex != ctx->upstream_ifindex) ||
	    relay_links_by_ifindex(ctx->links, rx->ifindex))
		return DROP_REPLY_WRONG_LINK;
	if (m->hlen > DHCP_CHADDR_LEN)
		return DROP_BAD_HTYPE;

	/* RFC 1542 4.1.2: the relay finds the client's link from giaddr.
	 * giaddr 0 names no link: a link with no address yet must not get
	 * a reply broadcast from 0.0.0.0. */
	if (m->giaddr == 0)
		return DROP_REPLY_UNKNOWN_GIADDR;
	cand = links_by_giaddr(ctx->links, m->giaddr, &ncand);
	if (!cand)
		return DROP_REPLY_UNKNOWN_GIADDR;

	agent = dhcp_opt_get(m, DHO_AGENT_INFO, 0, UINT16_MAX, &agent_len);
	if (agent) {
		if (opt82_validate(agent, agent_len) < 0)
			return DROP_BAD_AGENT_OPTION;
		/* RFC 3046 §2.2: the echoed circuit-id tells the relay which
		 * circuit to send the reply to; it must be one of the links
		 * behind this giaddr. */
		for (size_t i = 0; i < ncand && !l; i++)
			if (circuit_matches(agent, agent_len, &ctx->links->v[cand[i].pos]))
				l = &ctx->links->v[cand[i].pos];
		if (!l) {
			/* policy forward: the option was the client side's,
			 * not ours; it goes back to a trusted link as it is. */
			for (size_t i = 0; i < ncand && !l; i++) {
				const struct relay_link *c = &ctx->links->v[cand[i].pos];

				if (c->cfg && c->cfg->trusted && cfg->opt82.policy == POLICY_FORWARD)
					l = c;
			}
			if (!l)
				return DROP_REPLY_CIRCUIT_MISMATCH;
		} else {
			/* RFC 3046 §2.2: the relay removes its option before
			 * the reply goes to the client. */
			strip_ours(m, agent, agent_len, l);
		}
	} else {
		l = &ctx->links->v[cand[0].pos];
	}
	if (!server_in(config_servers(cfg, l->cfg), rx->ip_src))
		return DROP_REPLY_NOT_FROM_SERVER;
	out->link = l;
	/* The client's limit, and never more than one frame on its link
	 * carries (EDK2 asks for 65280 in its REQUEST: that would invite IP
	 * fragments). */
	if (client_max > (l->mtu > 28 ? l->mtu - 28 : RELAY_REQUEST_MAX))
		client_max = l->mtu > 28 ? l->mtu - 28 : RELAY_REQUEST_MAX;

	/* RFC 2131 §4.1, the delivery rules a relay applies as the server
	 * would: NAK is broadcast; a client with ciaddr gets unicast there;
	 * the broadcast bit asks for broadcast; otherwise unicast to chaddr
	 * at the link layer with yiaddr as the IP destination. */
	type = dhcp_msg_type(m);
	memcpy(out->dst_mac, "\xff\xff\xff\xff\xff\xff", 6);
	out->dst_ip = INADDR_BROADCAST;
	out->mode = DELIVER_BROADCAST;
	if (type == DHCPNAK || m->hlen == 0) {
		/* broadcast; also for a client with no hardware address to
		 * send to (RFC 4390: InfiniBand clients ask for broadcast) */
	} else if (m->ciaddr) {
		out->mode = DELIVER_CIADDR;
		out->dst_ip = m->ciaddr;
		if (m->htype == 1 && m->hlen == 6)
			memcpy(out->dst_mac, m->chaddr, 6);
	} else if (m->flags & DHCP_FLAG_BROADCAST) {
		/* broadcast */
	} else if (m->yiaddr && m->htype == 1 && m->hlen == 6) {
		out->mode = DELIVER_YIADDR;
		out->dst_ip = m->yiaddr;
		memcpy(out->dst_mac, m->chaddr, 6);
	}

	/* The boot rule the request matched rewrites the
	 * server's boot server and file, header and options alike. */
	if (rule && rewrite_reply(m, rule, http_class, &out->rewrite) < 0)
		return DROP_TOO_BIG;
	/* On a tftp-proxy link the client fetches from us;
	 * the server it would have used is remembered by the proxy. */
	out->tftp_server = 0;
	if (ctx->tftp_proxy && l->cfg && l->cfg->tftp_proxy && l->naddrs) {
		uint32_t server = rewrite_tftp_proxy(m, l->addrs[0]);

		/* Only a lease the server granted (DHCPACK, or a BOOTP reply,
		 * which has no message type) makes the client one the proxy
		 * serves: an OFFER names an address nobody may hold yet, and
		 * any host can collect OFFERs for made-up MACs. */
		if (type == DHCPACK || type == 0)
			out->tftp_server = server;
	}

	/* The reply may grow (rewrites) or shrink (option 82 gone); it may
	 * never exceed what the client said it takes, nor what the server
	 * already sent (the server knew the client's option 57). */
	limit = client_max > m->wire_len ? client_max : m->wire_len;
	out->len = dhcp_msg_build(m, limit, out->buf, sizeof(out->buf));
	if (out->len < 0)
		return DROP_TOO_BIG;
	return DROP_NONE;
}
