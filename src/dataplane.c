/* dataplane.c - the relay's moving parts: a request from the capture
 * through relay_request() and the exchange to the servers, a reply from the
 * upstream socket through exchange_reply() to the client's link, with the
 * counters and the log line of each. The decisions are in relay.c and
 * exchange.c; this file does what they return. */
#include "daemon.h"
#include "fmt.h"
#include "inject.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *mac_str(const uint8_t *mac, char *buf)
{
	struct fmt f;

	fmt_init(&f);
	fmt_mac(&f, mac);
	memcpy(buf, f.s, 18);
	return buf;
}

static const char *ip_str(uint32_t a, char *buf)
{
	struct fmt f;

	fmt_init(&f);
	fmt_ip(&f, a);
	memcpy(buf, f.s, f.n + 1);
	return buf;
}

static void count_drop(struct daemon *d, enum drop_reason r, const struct relay_link *l,
		       const struct dhcp_msg *m, const char *what)
{
	char mac[18];
	unsigned suppressed = 0;

	d->st.drop[r]++;
	if (l && l->cfg_idx < d->st.nifaces)
		d->st.ifaces[l->cfg_idx].drops++;
	/* not_for_relay is routed traffic passing by, vrrp_backup what the other
	 * router of the pair serves: not anomalies. */
	if (r == DROP_NOT_FOR_RELAY || r == DROP_NOT_DOWNSTREAM || r == DROP_VRRP_BACKUP)
		return;
	if (log_enabled(LOG_LVL_DEBUG))
		log_debug("drop %s %s from %s%s%s: %s", what,
			  m ? dhcp_msg_type_name(dhcp_msg_type(m)) : "?",
			  m ? mac_str(m->chaddr, mac) : "?", l ? " on " : "", l ? l->name : "",
			  drop_reason_name(r));
	else if (log_ratelimit_ok(&d->rl[r], now_ms(), &suppressed))
		log_warn("drop %s %s%s: %s (%u more like it not shown)", what,
			 l ? "on " : "", l ? l->name : "", drop_reason_name(r), suppressed);
}

void dataplane_count_drop(struct daemon *d, enum drop_reason r, const struct relay_link *l,
			  const char *what)
{
	count_drop(d, r, l, NULL, what);
}

/* ---- links ---- */

static void links_changed(struct daemon *d, struct relay_links *old)
{
	char a[INET_ADDRSTRLEN];

	for (size_t i = 0; i < d->links.n; i++) {
		const struct relay_link *l = &d->links.v[i];
		const struct relay_link *o = relay_links_by_ifindex(old, l->ifindex);

		if (!o || strcmp(o->name, l->name) != 0)
			log_info("link %s ifindex %d: serving, giaddr %s%s", l->name, l->ifindex,
				 l->giaddr ? ip_str(l->giaddr, a) : "none (no IPv4 address yet)",
				 l->up ? "" : " (down)");
		else if (o->giaddr != l->giaddr || o->up != l->up)
			log_info("link %s: giaddr %s%s", l->name,
				 l->giaddr ? ip_str(l->giaddr, a) : "none", l->up ? "" : " (down)");
		if (l->cfg && l->cfg->vrrp_address && (!o || o->standby != l->standby))
			log_info("link %s: vrrp-address %s %s", l->name,
				 ip_str(l->cfg->vrrp_address, a),
				 l->standby ? "is not here: standby, the other router serves the link"
					    : "is here: serving the link");
	}
	for (size_t i = 0; i < old->n; i++)
		if (!relay_links_by_ifindex(&d->links, old->v[i].ifindex))
			log_info("link %s ifindex %d: gone", old->v[i].name, old->v[i].ifindex);
}

int links_rebuild(struct daemon *d)
{
	struct relay_links fresh, old = d->links;
	int upstream;
	int r = link_watch_build(d->lw, d->cfg, d->hostname, &fresh, &upstream);

	if (r < 0) {
		log_error("building the link table: %s", strerror(-r));
		return r;
	}
	d->links = fresh;
	d->upstream_ifindex = upstream;
	links_changed(d, &old);
	links6_rebuild(d);
	relay_links_free(&old);
	return 0;
}

/* ---- requests: capture -> relay -> servers ---- */

/* rate-limit: the client's own bucket first, so a client that is refused
 * does not spend its link's tokens; then the link's. */
enum drop_reason dataplane_rate_check(struct daemon *d, const struct relay_link *l,
				      const uint8_t *hw, uint8_t hlen, int64_t now)
{
	struct stats_iface *si = l->cfg_idx < d->st.nifaces ? &d->st.ifaces[l->cfg_idx] : NULL;

	if (hw && !rl_take(&d->rl_clients, rl_client_key(&d->rl_clients, l->ifindex, hw, hlen), now)) {
		if (si)
			si->rate_client++;
		return DROP_RATE_CLIENT;
	}
	if (!rl_take(&d->rl_ifaces, (uint64_t)(uint32_t)l->ifindex, now)) {
		if (si)
			si->rate_iface++;
		return DROP_RATE_INTERFACE;
	}
	return DROP_NONE;
}

/* A send the kernel refused, after the batch went out. */
static void count_send_failed(struct daemon *d, size_t cfg_idx, const char *what, int err)
{
	unsigned more;

	d->st.drop[DROP_SEND_FAILED]++;
	if (cfg_idx < d->st.nifaces)
		d->st.ifaces[cfg_idx].drops++;
	if (log_ratelimit_ok(&d->rl[DROP_SEND_FAILED], now_ms(), &more))
		log_warn("drop %s on %s: send_failed: %s (%u more like it not shown)", what,
			 cfg_idx < d->cfg->nifaces ? d->cfg->ifaces[cfg_idx].name : "?",
			 strerror(-err), more);
}

/* upstream_queue()'s report for one request sent to one server. */
static void request_sent(void *user, uint32_t server, const uint8_t *buf, size_t len,
			 uintptr_t cfg_idx, int err)
{
	struct daemon *d = user;
	struct stats_server *ss;

	if (err < 0) {
		count_send_failed(d, cfg_idx, "request", err);
		return;
	}
	relay_server_sent(&d->servers, server, now_ms());
	ss = stats_server(&d->st, server);
	if (ss) {
		ss->sent++;
		if (d->trace && !ss->source)
			ss->source = upstream_source_for(ss->addr);
	}
	trace_udp(d->trace, 0, SLL2_OUTGOING, ss ? ss->source : 0, server,
		  DHCP_SERVER_PORT, DHCP_SERVER_PORT, buf, len);
}

/* inject_udp_queued()'s report for one reply frame. */
static void reply_sent(void *user, uintptr_t cfg_idx, int err)
{
	struct daemon *d = user;

	if (err < 0) {
		count_send_failed(d, cfg_idx, "reply", err);
		return;
	}
	if (cfg_idx < d->st.nifaces)
		d->st.ifaces[cfg_idx].replies++;
}

/* Everything queued this loop turn goes out. Also before the link table
 * or the configuration change, which the queued tags index. */
void flush_sends(struct daemon *d)
{
	upstream_flush(d->udp_fd, d->utx, request_sent, d);
	inject_flush(d->inj, reply_sent, d);
}

static void queue_request(void *user, uint32_t server, const uint8_t *buf, size_t len,
			  unsigned cfg_idx)
{
	struct daemon *d = user;

	upstream_queue(d->udp_fd, d->utx, server, DHCP_SERVER_PORT, buf, len, cfg_idx,
		       request_sent, d);
}

static int queue_reply(void *user, const struct relay_link *l, const uint8_t dst_mac[6],
		       uint32_t dst_ip, const uint8_t *buf, size_t len)
{
	struct daemon *d = user;

	return inject_udp_queued(d->inj, l->ifindex, l->mac, dst_mac, l->addrs[0], dst_ip,
				 DHCP_SERVER_PORT, DHCP_CLIENT_PORT, buf, len, l->cfg_idx,
				 reply_sent, d);
}

struct dp_io dataplane_io(struct daemon *d)
{
	return (struct dp_io){ .user = d, .to_server = queue_request, .to_client = queue_reply };
}

void on_request(void *user, const struct frame_info *fi, int parse_error)
{
	struct daemon *d = user;
	struct relay_ctx ctx = { d->cfg, &d->links, d->upstream_ifindex, &d->servers,
				 d->tftp != NULL };
	struct relay_rx rx;
	enum drop_reason r;
	struct exchange_request xr = { .rule = NULL, .label = "-" };
	char mac[18];

	if (parse_error < 0) {
		count_drop(d, parse_error == -EMSGSIZE ? DROP_TOO_BIG : DROP_MALFORMED,
			   relay_links_by_ifindex(&d->links, fi->ifindex), NULL, "frame");
		return;
	}
	if (fi->family == 6) {
		on_request6(d, fi);
		return;
	}
	trace_sll2(d->trace, fi->frame, fi->frame_len);
	rx = (struct relay_rx){ fi->ifindex, fi->ip_src, fi->ip_dst, now_ms() };
	if (dhcp_msg_parse(&d->msg, fi->payload, fi->payload_len) < 0) {
		count_drop(d, DROP_MALFORMED, relay_links_by_ifindex(&d->links, fi->ifindex),
			   NULL, "request");
		return;
	}
	r = relay_request(&ctx, &rx, &d->msg, &d->fwd);
	if (r == DROP_NONE) {
		r = dataplane_rate_check(d, d->fwd.link, d->msg.chaddr, d->msg.hlen, rx.now_ms);
		if (r != DROP_NONE && d->fwd.probed)
			relay_server_unprobe(&d->servers, d->fwd.probed, d->fwd.probe_prev_ms);
	}
	if (r != DROP_NONE) {
		count_drop(d, r, d->fwd.link, &d->msg, "request");
		return;
	}
	if (d->fwd.first_relay)
		exchange_request(&d->ex, &d->msg, d->fwd.link->name, rx.now_ms, &xr);
	if (d->fwd.agent_option_too_big) {
		unsigned more;

		d->st.agent_option_too_big++;
		if (log_ratelimit_ok(&d->rl_too_big, rx.now_ms, &more))
			log_warn("request from %s on %s: no room for option 82, relayed without it"
				 " (%u more like it not shown)", mac_str(d->msg.chaddr, mac),
				 d->fwd.link->name, more);
	}
	for (size_t i = 0; i < d->fwd.nservers; i++) {
		d->io.to_server(d->io.user, d->fwd.servers[i], d->fwd.buf, (size_t)d->fwd.len,
				d->fwd.link->cfg_idx);
		if (log_enabled(LOG_LVL_INFO)) {
			struct fmt f;

			fmt_init(&f);
			fmt_str(&f, "relay request ");
			fmt_str(&f, dhcp_msg_type_name(dhcp_msg_type(&d->msg)));
			fmt_str(&f, " mac ");
			fmt_mac(&f, d->msg.chaddr);
			fmt_str(&f, " if ");
			fmt_str(&f, d->fwd.link->name);
			fmt_str(&f, " xid ");
			fmt_hex32(&f, d->msg.xid);
			fmt_str(&f, " class ");
			fmt_str(&f, xr.label);
			fmt_str(&f, " rule ");
			fmt_str(&f, xr.rule ? xr.rule->name : "-");
			fmt_str(&f, " giaddr ");
			fmt_ip(&f, d->msg.giaddr);
			fmt_str(&f, " -> server ");
			fmt_ip(&f, d->fwd.servers[i]);
			log_line(LOG_LVL_INFO, &f);
		}
	}
	d->st.ifaces[d->fwd.link->cfg_idx].requests++;
}

/* ---- replies: server -> relay -> client link ---- */

void on_reply(struct daemon *d, const uint8_t *buf, size_t len, uint32_t src,
		     uint32_t dst, int ifindex)
{
	struct relay_ctx ctx = { d->cfg, &d->links, d->upstream_ifindex, &d->servers,
				 d->tftp != NULL };
	struct relay_rx rx = { ifindex, src, 0, now_ms() };
	const struct relay_delivery *dv = &d->dlv;
	struct stats_server *ss;
	struct exchange_reply xr;
	enum drop_reason r;
	int e;
	char mac[18], a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];
	static const char *const how[] = { "broadcast", "unicast ciaddr", "unicast" };

	trace_udp(d->trace, ifindex, SLL2_HOST, src, dst, DHCP_SERVER_PORT, DHCP_SERVER_PORT,
		  buf, len);
	r = exchange_reply(&d->ex, &ctx, &rx, buf, len, &d->msg, &d->dlv, &xr);
	if (xr.fallback) {
		unsigned more;

		if (log_ratelimit_ok(&d->rl_too_big, rx.now_ms, &more))
			log_warn("reply to %s: rewrite by rule %s exceeds the client's %zu bytes;"
				 " relayed as the server sent it (%u more like it not shown)",
				 mac_str(d->msg.chaddr, mac), xr.rule->name, xr.client_max, more);
	}
	if (r != DROP_NONE) {
		count_drop(d, r, dv->link, r == DROP_MALFORMED ? NULL : &d->msg, "reply");
		return;
	}
	if (dv->tftp_server && d->tftp) {
		uint32_t client = d->msg.yiaddr ? d->msg.yiaddr : d->msg.ciaddr;

		if (client)
			tftp_server_learn(d->tftp, tftp_addr4(client), tftp_addr4(dv->tftp_server),
					  rx.now_ms);
		log_debug("tftp-proxy: %s boots from %s through us", ip_str(client, a),
			  ip_str(dv->tftp_server, s));
	}
	if (xr.rewritten) {
		const struct cfg_boot *rule = xr.rule;

		if (log_enabled(LOG_LVL_INFO)) {
			struct fmt f;

			fmt_init(&f);
			fmt_str(&f, "rewrite ");
			fmt_str(&f, dhcp_msg_type_name(dhcp_msg_type(&d->msg)));
			fmt_str(&f, " mac ");
			fmt_mac(&f, d->msg.chaddr);
			fmt_str(&f, " if ");
			fmt_str(&f, dv->link->name);
			fmt_str(&f, " class ");
			fmt_str(&f, xr.arch_wire >= 0 ? arch_name(xr.arch_wire) : "unknown");
			fmt_str(&f, xr.ipxe ? " iPXE" : "");
			fmt_str(&f, " rule ");
			fmt_str(&f, rule->name);
			fmt_str(&f, " file \"");
			fmt_str(&f, dv->rewrite.old_file);
			fmt_str(&f, "\" -> \"");
			fmt_str(&f, dv->rewrite.new_file);
			fmt_str(&f, "\" server ");
			fmt_ip(&f, dv->rewrite.old_siaddr);
			fmt_str(&f, " -> ");
			fmt_ip(&f, dv->rewrite.new_siaddr);
			fmt_str(&f, dv->rewrite.added_http_vendor_class ? " +HTTPClient" : "");
			if (dv->rewrite.options_edited) {
				fmt_str(&f, " options edited ");
				fmt_uint(&f, dv->rewrite.options_edited);
			}
			log_line(LOG_LVL_INFO, &f);
		}
	} else if ((xr.pass || xr.proxy_left) && log_enabled(LOG_LVL_INFO)) {
		log_info("%s %s mac %s xid %08x: relayed as the server sent it",
			 xr.pass ? "pass rule" : "ProxyDHCP offer, rule",
			 xr.pass ? xr.rule->name : "not applied",
			 mac_str(d->msg.chaddr, mac), d->msg.xid);
	}
	relay_server_replied(&d->servers, src, rx.now_ms);
	ss = stats_server(&d->st, src);
	if (ss)
		ss->replies++;
	e = d->io.to_client(d->io.user, dv->link, dv->dst_mac, dv->dst_ip, dv->buf,
			    (size_t)dv->len);
	if (e < 0) {
		errno = -e;
		log_errno(LOG_LVL_WARN, "reply to %s on %s", mac_str(d->msg.chaddr, mac),
			  dv->link->name);
		count_drop(d, DROP_SEND_FAILED, dv->link, &d->msg, "reply");
		return;
	}
	if (log_enabled(LOG_LVL_INFO)) {
		struct fmt f;

		fmt_init(&f);
		fmt_str(&f, "relay reply ");
		fmt_str(&f, dhcp_msg_type_name(dhcp_msg_type(&d->msg)));
		fmt_str(&f, " mac ");
		fmt_mac(&f, d->msg.chaddr);
		fmt_str(&f, " if ");
		fmt_str(&f, dv->link->name);
		fmt_str(&f, " xid ");
		fmt_hex32(&f, d->msg.xid);
		fmt_str(&f, " yiaddr ");
		fmt_ip(&f, d->msg.yiaddr);
		fmt_str(&f, " from server ");
		fmt_ip(&f, src);
		fmt_str(&f, " -> ");
		fmt_str(&f, how[dv->mode]);
		fmt_char(&f, ' ');
		fmt_ip(&f, dv->dst_ip);
		log_line(LOG_LVL_INFO, &f);
	}
}

void drain_upstream(struct daemon *d)
{
	struct upstream_msg m[UPSTREAM_RX_BATCH];
	bool drained = false;

	/* A few batches at most per wake-up, so the capture gets its turn. */
	for (int round = 0; round < 4 && !drained; round++) {
		int n = upstream_recv_batch(d->udp_fd, d->urx, m, &drained);

		if (n < 0) {
			errno = -n;
			log_errno(LOG_LVL_WARN, "upstream socket");
			return;
		}
		for (int i = 0; i < n; i++) {
			if (m[i].len == -EMSGSIZE) {
				count_drop(d, DROP_TOO_BIG, NULL, NULL, "reply");
				continue;
			}
			if (m[i].len < 0) {
				count_drop(d, DROP_MALFORMED, NULL, NULL, "reply");
				continue;
			}
			on_reply(d, m[i].buf, (size_t)m[i].len, m[i].src, m[i].dst, m[i].ifindex);
		}
	}
}

/* ---- signals, reload ---- */

void render_metrics(void *user, struct mbuf *out)
{
	struct daemon *d = user;
	struct metrics_extra x = {
		.start_time = d->start_time,
		.capture_kernel_drops = capture_kernel_drops(d->cap),
		.links_configured = d->cfg->nifaces,
		.links_present = d->links.n,
	};

	metrics_render(&d->st, &x, out);
	if (d->metrics)
		metrics_render_http(metrics_server_stats(d->metrics), out);
	if (d->tftp) {
		unsigned sessions, fetches;
		uint64_t cached;

		tftp_server_usage(d->tftp, &sessions, &fetches, &cached);
		metrics_render_tftp(tftp_server_stats(d->tftp), sessions, fetches, cached, out);
	}
}

/* SIGUSR1: the metrics text, one "counter" line per sample. */
void dump_counters(struct daemon *d)
{
	struct mbuf b = { 0 };
	char *line, *save = NULL;

	render_metrics(d, &b);
	if (b.oom) {
		log_error("SIGUSR1: out of memory");
		mbuf_free(&b);
		return;
	}
	for (line = strtok_r(b.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (line[0] != '#')
			log_always("counter %s", line);
	mbuf_free(&b);
}

