/* main.c - command line, start-up, signals and the one epoll loop.
 * Everything that decides lives in relay.c; this file moves bytes. */
#include "capture.h"
#include "classify.h"
#include "config.h"
#include "dhcp_msg.h"
#include "exchange.h"
#include "inject.h"
#include "link.h"
#include "fmt.h"
#include "log.h"
#include "metrics.h"
#include "metrics_server.h"
#include "ratelimit.h"
#include "relay.h"
#include "replay.h"
#include "stats.h"
#include "tftp_server.h"
#include "trace.h"
#include "upstream.h"
#include "xid_table.h"

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

#define DEFAULT_CONFIG "/etc/pxerelay/pxerelay.conf"
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
/* The kernel ring for requests, all of it resident: 512 frames of 2 KiB,
 * about 8 ms of requests at 60 000/s. At 512 KiB a 2-core router busy at
 * 30 000 exchanges/s lost 0.1-0.4% of requests to the ring being full
 * while the relay was not scheduled; at 1 MiB none in four runs. */
#define CAPTURE_BUFFER (1024 << 10)
#define BATCH 64
#define XID_CAPACITY 8192          /* requests remembered until their reply */
#define RL_CLIENT_CAPACITY 8192    /* clients with a rate-limit bucket */
#define RL_IFACE_CAPACITY 8192     /* links with a rate-limit bucket */
/* A request's class is needed until the server's reply to it, which comes
 * within a second or two; each request of an exchange refreshes it. */
#define XID_TTL_MS 15000

struct daemon {
	struct config *cfg;
	const char *cfg_path;          /* NULL: command line */
	struct relay_links links;
	struct relay_servers servers;
	int upstream_ifindex;
	struct capture *cap;
	struct inject *inj;
	int udp_fd;
	struct link_watch *lw;
	int sig_fd;
	int ep;
	struct stats st;
	struct exchange ex;               /* requests remembered for their replies */
	struct rl_table rl_clients;       /* rate-limit client, per (link, chaddr) */
	struct rl_table rl_ifaces;        /* rate-limit interface, per ifindex */
	int64_t resync_at_ms;             /* next try of a failed netlink resync */
	bool debug;
	struct metrics_server *metrics;
	struct tftp_server *tftp;      /* when an interface has tftp-proxy = true */
	struct trace *trace;
	const char *trace_path;        /* -w, else trace-file */
	const char *pid_path;          /* -p, else pid-file */
	int pid_fd;
	double start_time;
	char hostname[256];
	struct log_ratelimit rl[DROP__COUNT];
	struct log_ratelimit rl_too_big;
	bool quit;
	/* Scratch, reused for every packet: no allocation on the hot path. */
	struct dhcp_msg msg;
	struct relay_fwd fwd;
	struct relay_delivery dlv;
	struct upstream_rx *urx;          /* recvmmsg buffers for replies */
	struct upstream_tx *utx;          /* requests queued for sendmmsg */
};

static int64_t now_ms(void)
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
	/* not_for_relay is routed traffic passing by, not an anomaly. */
	if (r == DROP_NOT_FOR_RELAY || r == DROP_NOT_DOWNSTREAM)
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
	}
	for (size_t i = 0; i < old->n; i++)
		if (!relay_links_by_ifindex(&d->links, old->v[i].ifindex))
			log_info("link %s ifindex %d: gone", old->v[i].name, old->v[i].ifindex);
}

static int links_rebuild(struct daemon *d)
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
	relay_links_free(&old);
	return 0;
}

/* ---- requests: capture -> relay -> servers ---- */

/* rate-limit: the client's own bucket first, so a client that is refused
 * does not spend its link's tokens; then the link's. */
static enum drop_reason rate_check(struct daemon *d, const struct dhcp_msg *m,
				   const struct relay_link *l, int64_t now)
{
	struct stats_iface *si = l->cfg_idx < d->st.nifaces ? &d->st.ifaces[l->cfg_idx] : NULL;

	if (!rl_take(&d->rl_clients, rl_client_key(l->ifindex, m->chaddr, m->hlen), now)) {
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
static void flush_sends(struct daemon *d)
{
	upstream_flush(d->udp_fd, d->utx, request_sent, d);
	inject_flush(d->inj, reply_sent, d);
}

static void on_request(void *user, const struct frame_info *fi, int parse_error)
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
	trace_sll2(d->trace, fi->frame, fi->frame_len);
	rx = (struct relay_rx){ fi->ifindex, fi->ip_src, fi->ip_dst, now_ms() };
	if (dhcp_msg_parse(&d->msg, fi->payload, fi->payload_len) < 0) {
		count_drop(d, DROP_MALFORMED, relay_links_by_ifindex(&d->links, fi->ifindex),
			   NULL, "request");
		return;
	}
	r = relay_request(&ctx, &rx, &d->msg, &d->fwd);
	if (r == DROP_NONE) {
		r = rate_check(d, &d->msg, d->fwd.link, rx.now_ms);
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
		upstream_queue(d->udp_fd, d->utx, d->fwd.servers[i], DHCP_SERVER_PORT,
			       d->fwd.buf, (size_t)d->fwd.len, d->fwd.link->cfg_idx,
			       request_sent, d);
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

static void on_reply(struct daemon *d, const uint8_t *buf, size_t len, uint32_t src,
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
			tftp_server_learn(d->tftp, client, dv->tftp_server, rx.now_ms);
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
			log_line(LOG_LVL_INFO, &f);
		}
	}
	relay_server_replied(&d->servers, src, rx.now_ms);
	ss = stats_server(&d->st, src);
	if (ss)
		ss->replies++;
	e = inject_udp_queued(d->inj, dv->link->ifindex, dv->link->mac, dv->dst_mac,
			      dv->link->addrs[0], dv->dst_ip, DHCP_SERVER_PORT, DHCP_CLIENT_PORT,
			      dv->buf, (size_t)dv->len, dv->link->cfg_idx, reply_sent, d);
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

static void drain_upstream(struct daemon *d)
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
			on_reply(d, m[i].buf, (size_t)m[i].len, m[i].src, m[i].dst, m[i].ifindex);
		}
	}
}

/* ---- signals, reload ---- */

static void render_metrics(void *user, struct mbuf *out)
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
static void dump_counters(struct daemon *d)
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

static void reload(struct daemon *d)
{
	char err[512];
	struct config *fresh;

	if (!d->cfg_path) {
		log_info("SIGHUP: configured from the command line, nothing to reload");
		return;
	}
	fresh = config_load(d->cfg_path, err, sizeof(err));
	if (!fresh) {
		log_error("reload: %s; keeping the running configuration", err);
		return;
	}
	if (stats_configure(&d->st, fresh) < 0) {
		log_error("reload: out of memory; keeping the running configuration");
		config_free(fresh);
		return;
	}
	/* The link table points into the config: rebuild before freeing. */
	{
		struct config *old = d->cfg;

		d->cfg = fresh;
		if (links_rebuild(d) < 0) {
			d->cfg = old;
			stats_configure(&d->st, old);
			config_free(fresh);
			return;
		}
		config_free(old);
	}
	exchange_configure(&d->ex, d->cfg, &d->st);
	log_set_level(d->debug ? LOG_LVL_DEBUG : d->cfg->log_level);
	rl_set(&d->rl_clients, d->cfg->ratelimit.client, d->cfg->ratelimit.client_burst);
	rl_set(&d->rl_ifaces, d->cfg->ratelimit.iface, d->cfg->ratelimit.iface_burst);
	for (size_t i = 0; i < d->cfg->nifaces && !d->tftp; i++)
		if (d->cfg->ifaces[i].tftp_proxy) {
			/* Port 69 can only be bound as root, at start. */
			log_warn("reload: tftp-proxy on %s needs a restart to take effect",
				 d->cfg->ifaces[i].name);
			break;
		}
	log_info("reloaded %s: %zu interfaces, %zu servers", d->cfg_path,
		 d->cfg->nifaces, d->cfg->servers.n);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(d);
			break;
		case SIGUSR1:
			dump_counters(d);
			break;
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: exiting", si.ssi_signo);
			d->quit = true;
			break;
		}
	}
}

/* ---- start-up ---- */

static int drop_privileges(const char *user, const char *cache_dir)
{
	struct passwd *pw;

	if (getuid() != 0 || !user[0] || strcmp(user, "root") == 0)
		return 0;
	pw = getpwnam(user);
	if (!pw) {
		log_error("user '%s' does not exist (set user = \"root\" to stay root)", user);
		return -1;
	}
	/* Every socket this process needs is open by now, and none has to be
	 * opened again for a link that appears later: the one capture on
	 * "any" sees new links, the one packet socket sends on any ifindex,
	 * UDP 67 is bound to all addresses, netlink notifications need no
	 * privilege. So neither CAP_NET_RAW nor CAP_NET_BIND_SERVICE is kept:
	 * setuid() from root clears every capability. */
	if (cache_dir && cache_dir[0] && chown(cache_dir, pw->pw_uid, pw->pw_gid) < 0)
		log_errno(LOG_LVL_WARN, "tftp-proxy: cache-dir %s", cache_dir);
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_errno(LOG_LVL_ERROR, "dropping privileges to %s", user);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_errno(LOG_LVL_WARN, "PR_SET_NO_NEW_PRIVS");
	return 0;
}

static int ep_add(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)tag << 32 };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

enum {
	TAG_CAPTURE, TAG_UPSTREAM, TAG_NETLINK, TAG_SIGNAL, TAG_METRICS, TAG_METRICS_CONN,
	TAG_TFTP_LISTEN, TAG_TFTP_SOCK,
};

/* The pid file is held locked while we run: a second pxerelay given the
 * same file refuses to start (and UDP port 67, bound without
 * SO_REUSEADDR, refuses a second relay of any kind on this host). */
static int pid_file_take(struct daemon *d)
{
	char buf[32];
	int n;

	d->pid_fd = -1;
	if (!d->pid_path || !d->pid_path[0])
		return 0;
	d->pid_fd = open(d->pid_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->pid_fd < 0) {
		log_errno(LOG_LVL_ERROR, "pid file %s", d->pid_path);
		return -1;
	}
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)read(d->pid_fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_error("pid file %s is held by a running pxerelay (pid %s)", d->pid_path,
			  buf[0] ? buf : "?");
		close(d->pid_fd);
		d->pid_fd = -1;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(d->pid_fd, 0) < 0 || pwrite(d->pid_fd, buf, (size_t)n, 0) != n) {
		log_errno(LOG_LVL_ERROR, "writing pid file %s", d->pid_path);
		return -1;
	}
	return 0;
}

static void trace_injected(void *user, int ifindex, const uint8_t *frame, size_t len)
{
	trace_ether(user, ifindex, frame, len);
}

static int daemon_start(struct daemon *d)
{
	char err[512];
	sigset_t mask;
	struct timespec ts;
	bool *present;
	uint64_t seed;

	/* glibc raises its mmap threshold after the first large free and
	 * then keeps freed TFTP file buffers in the heap (measured: 6 MiB
	 * more after each failed 64 MiB fetch). A fixed threshold puts large
	 * buffers in their own mappings, returned to the kernel when freed.
	 * At 64 KiB it also gives the request and rate-limit tables and the
	 * receive buffers fresh zero pages, resident only where used; carved
	 * from the heap, 240 kB of them were resident at start. */
	mallopt(M_MMAP_THRESHOLD, 64 << 10);
	mallopt(M_TRIM_THRESHOLD, 256 << 10);
	clock_gettime(CLOCK_REALTIME, &ts);
	d->start_time = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	if (gethostname(d->hostname, sizeof(d->hostname) - 1) < 0)
		snprintf(d->hostname, sizeof(d->hostname), "pxerelay");
	/* The hash tables' key: a client that could guess it could aim
	 * every entry at one bucket. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint64_t)now_ms() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	if (!d->pid_path && d->cfg->pid_file[0])
		d->pid_path = d->cfg->pid_file;
	if (!d->trace_path && d->cfg->trace_file[0])
		d->trace_path = d->cfg->trace_file;
	if (pid_file_take(d) < 0)
		return -1;
	if (stats_configure(&d->st, d->cfg) < 0 ||
	    exchange_init(&d->ex, XID_CAPACITY, XID_TTL_MS, seed) < 0 ||
	    rl_init(&d->rl_clients, RL_CLIENT_CAPACITY, d->cfg->ratelimit.client,
		    d->cfg->ratelimit.client_burst, seed ^ 0x5bd1e995u) < 0 ||
	    rl_init(&d->rl_ifaces, RL_IFACE_CAPACITY, d->cfg->ratelimit.iface,
		    d->cfg->ratelimit.iface_burst, seed ^ 0x27d4eb2fu) < 0)
		return -1;
	exchange_configure(&d->ex, d->cfg, &d->st);
	d->lw = link_watch_open(err, sizeof(err));
	if (!d->lw)
		goto fail;
	d->cap = capture_open_any(CAPTURE_BUFFER, err, sizeof(err));
	if (!d->cap)
		goto fail;
	d->udp_fd = upstream_open(DHCP_SERVER_PORT, err, sizeof(err));
	if (d->udp_fd < 0)
		goto fail;
	d->urx = upstream_rx_new();
	d->utx = upstream_tx_new();
	if (!d->urx || !d->utx) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	d->inj = inject_open(err, sizeof(err));
	if (!d->inj)
		goto fail;
	if (d->trace_path) {
		d->trace = trace_open(d->trace_path, err, sizeof(err));
		if (!d->trace)
			goto fail;
		inject_set_observer(d->inj, trace_injected, d->trace);
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->sig_fd < 0 || d->ep < 0 ||
	    ep_add(d->ep, capture_fd(d->cap), TAG_CAPTURE) < 0 ||
	    ep_add(d->ep, d->udp_fd, TAG_UPSTREAM) < 0 ||
	    ep_add(d->ep, link_watch_fd(d->lw), TAG_NETLINK) < 0 ||
	    ep_add(d->ep, d->sig_fd, TAG_SIGNAL) < 0) {
		snprintf(err, sizeof(err), "epoll/signalfd: %s", strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < d->cfg->nifaces && !d->tftp; i++) {
		struct rlimit rl;

		if (!d->cfg->ifaces[i].tftp_proxy)
			continue;
		/* Each TFTP transfer, client or upstream, holds a socket:
		 * max-sessions confirmed, as many on probation and as many
		 * fetches may pass the usual soft limit of 1024. */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		/* Port 69 is bound now, as root; transfer sockets use
		 * ephemeral ports and need no privilege later. */
		d->tftp = tftp_server_open(&d->cfg->tftp, d->ep, TAG_TFTP_LISTEN, TAG_TFTP_SOCK,
					   err, sizeof(err));
		if (!d->tftp)
			goto fail;
	}
	if (d->cfg->metrics[0]) {
		d->metrics = metrics_server_open(d->cfg->metrics, d->ep, TAG_METRICS_CONN,
						 err, sizeof(err));
		if (!d->metrics || ep_add(d->ep, metrics_server_fd(d->metrics), TAG_METRICS) < 0)
			goto fail;
	}
	if (links_rebuild(d) < 0)
		return -1;
	present = calloc(d->cfg->nifaces ? d->cfg->nifaces : 1, sizeof(*present));
	if (!present)
		return -1;
	for (size_t k = 0; k < d->links.n; k++)
		present[d->links.v[k].cfg_idx] = true;
	for (size_t i = 0; i < d->cfg->nifaces; i++)
		if (!present[i])
			log_warn("interface %s does not exist yet; it is served when it appears",
				 d->cfg->ifaces[i].name);
	free(present);
	if (drop_privileges(d->cfg->user, d->tftp ? d->cfg->tftp.cache_dir : NULL) < 0)
		return -1;
	if (d->cfg_path && access(d->cfg_path, R_OK) < 0)
		log_warn("%s is not readable by user %s: SIGHUP reload will fail "
			 "(make it readable, or set user = \"root\")", d->cfg_path, d->cfg->user);
	log_info("pxerelay started: %zu interfaces configured, %zu present, %zu servers",
		 d->cfg->nifaces, d->links.n, d->cfg->servers.n);
	return 0;
fail:
	log_error("%s", err);
	return -1;
}

static void daemon_stop(struct daemon *d)
{
	/* What the last turn queued goes out while the trace is still open. */
	if (d->inj && d->utx && d->udp_fd > 0)
		flush_sends(d);
	metrics_server_close(d->metrics);
	tftp_server_close(d->tftp);
	trace_close(d->trace);
	if (d->pid_fd >= 0) {
		/* As the unprivileged user the unlink may fail: the lock goes
		 * with the process, and a stale file is taken over next time. */
		if (unlink(d->pid_path) < 0 && errno != ENOENT)
			log_debug("pid file %s left behind: %s", d->pid_path, strerror(errno));
		close(d->pid_fd);
	}
	capture_close(d->cap);
	inject_close(d->inj);
	upstream_rx_free(d->urx);
	upstream_tx_free(d->utx);
	link_watch_close(d->lw);
	if (d->udp_fd > 0)
		close(d->udp_fd);
	if (d->sig_fd > 0)
		close(d->sig_fd);
	if (d->ep > 0)
		close(d->ep);
	relay_links_free(&d->links);
	stats_free(&d->st);
	exchange_free(&d->ex);
	rl_free(&d->rl_clients);
	rl_free(&d->rl_ifaces);
	config_free(d->cfg);
}

static int daemon_loop(struct daemon *d)
{
	struct epoll_event ev[8];

	while (!d->quit) {
		int64_t now = now_ms();
		int timeout = d->metrics ? metrics_server_expire(d->metrics, now) : -1;
		int n;

		if (d->tftp) {
			int t = tftp_server_tick(d->tftp, now);

			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		/* A failed netlink resync is tried again within a second. */
		if (link_watch_resync_pending(d->lw) && (timeout < 0 || timeout > 1000))
			timeout = 1000;
		{
			int t = log_tick(now);

			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		n = epoll_wait(d->ep, ev, 8, timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_errno(LOG_LVL_ERROR, "epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = (uint32_t)(ev[i].data.u64 >> 32);

			switch (tag) {
			case TAG_CAPTURE:
				if (capture_dispatch(d->cap, BATCH, on_request, d) < 0)
					log_warn("capture: read error");
				break;
			case TAG_UPSTREAM:
				drain_upstream(d);
				break;
			case TAG_NETLINK:
				flush_sends(d);
				if (link_watch_process(d->lw) > 0)
					links_rebuild(d);
				break;
			case TAG_SIGNAL:
				flush_sends(d);
				on_signal(d);
				break;
			case TAG_METRICS:
				metrics_server_accept(d->metrics, now_ms());
				break;
			case TAG_TFTP_LISTEN:
				tftp_server_on_listen(d->tftp, &d->links, now_ms());
				break;
			case TAG_TFTP_SOCK:
				tftp_server_on_sock(d->tftp, (int)(ev[i].data.u64 & 0xffffffffu), now_ms());
				break;
			case TAG_METRICS_CONN:
				metrics_server_event(d->metrics, (unsigned)(ev[i].data.u64 & 0xffffffffu),
						     ev[i].events, render_metrics, d);
				break;
			}
		}
		flush_sends(d);
		if (link_watch_resync_pending(d->lw) && now_ms() >= d->resync_at_ms) {
			d->resync_at_ms = now_ms() + 1000;
			if (link_watch_process(d->lw) > 0)
				links_rebuild(d);
		}
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pxerelay [-c FILE] [-f] [-d] [-t] [-p PIDFILE] [-w TRACE.pcap]\n"
		"                [-i IFACE]... [-u IFACE] [SERVER...]\n"
		"  -c FILE   config file (default " DEFAULT_CONFIG ", only if no -i given)\n"
		"  -f        stay in the foreground, log to stderr\n"
		"  -d        debug logging (implies -f)\n"
		"  -t        check the config, print it normalised, exit 0 if valid\n"
		"  -p FILE   pid file, held locked while running (a second instance refuses)\n"
		"  -w FILE   write every packet received and sent to FILE (pcap)\n"
		"  -i IFACE  downstream (client) interface; repeatable\n"
		"  -u IFACE  upstream interface toward the servers\n"
		"  SERVER    DHCP server addresses (IPv4)\n"
		"       pxerelay --replay FILE.pcap [-c FILE] [-i IFACE]\n"
		"  offline: classify each request of a capture, apply the boot rules to\n"
		"  each reply, print what would change (IFACE: ingress name to assume)\n");
}

static int go_background(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct daemon d;   /* large scratch buffers: not on the stack */
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "replay", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *upstream = NULL, *replay = NULL;
	char **ifaces = calloc((size_t)argc + 1, sizeof(char *));
	size_t nifaces = 0;
	bool foreground = false, debug = false, check = false;
	char err[512];
	int c, rc;

	if (!ifaces)
		return 1;
	while ((c = getopt_long(argc, argv, "c:fdti:u:p:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'f': foreground = true; break;
		case 'd': debug = foreground = true; break;
		case 't': check = true; break;
		case 'i': ifaces[nifaces++] = optarg; break;
		case 'u': upstream = optarg; break;
		case 'p': d.pid_path = optarg; break;
		case 'w': d.trace_path = optarg; break;
		case 'R': replay = optarg; break;
		case 'h': usage(stdout); free(ifaces); return 0;
		default: usage(stderr); free(ifaces); return 2;
		}
	}
	if (replay) {
		const char *path = cfg_path ? cfg_path : DEFAULT_CONFIG;

		if (nifaces > 1 || optind < argc) {
			fprintf(stderr, "pxerelay: --replay takes FILE, -c and at most one -i\n");
			free(ifaces);
			return 2;
		}
		d.cfg = config_load(path, err, sizeof(err));
		if (!d.cfg) {
			fprintf(stderr, "pxerelay: %s\n", err);
			free(ifaces);
			return 1;
		}
		rc = replay_run(replay, d.cfg, nifaces ? ifaces[0] : "", stdout) < 0 ? 1 : 0;
		config_free(d.cfg);
		free(ifaces);
		return rc;
	}
	if (cfg_path && nifaces) {
		fprintf(stderr, "pxerelay: use either -c FILE or -i IFACE, not both\n");
		free(ifaces);
		return 2;
	}
	if (nifaces) {
		d.cfg = config_from_args(ifaces, nifaces, upstream, argv + optind,
					 (size_t)(argc - optind), err, sizeof(err));
	} else {
		if (optind < argc || upstream) {
			fprintf(stderr, "pxerelay: servers and -u go with -i; "
				"with a config file, put them in it\n");
			free(ifaces);
			return 2;
		}
		d.cfg_path = cfg_path ? cfg_path : DEFAULT_CONFIG;
		d.cfg = config_load(d.cfg_path, err, sizeof(err));
	}
	free(ifaces);
	if (!d.cfg) {
		fprintf(stderr, "pxerelay: %s\n", err);
		return 1;
	}
	if (check) {
		config_print(d.cfg, stdout);
		config_free(d.cfg);
		return 0;
	}
	d.debug = debug;
	if (debug)
		d.cfg->log_level = LOG_LVL_DEBUG;
	log_open(foreground, d.cfg->log_level);
	if (!foreground && go_background() < 0) {
		log_errno(LOG_LVL_ERROR, "going to the background");
		return 1;
	}
	/* From here no log output can hold up the relay. */
	if ((rc = log_async_start()) < 0) {
		errno = -rc;
		log_errno(LOG_LVL_WARN, "log writer thread; writing the log in line");
	}
	rc = daemon_start(&d) < 0 ? 1 : daemon_loop(&d) < 0 ? 1 : 0;
	daemon_stop(&d);
	log_async_stop();
	log_flush();
	return rc;
}
