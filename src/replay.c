/* replay.c - see replay.h. Reads DLT_EN10MB, DLT_LINUX_SLL and
 * DLT_LINUX_SLL2 captures; in the cooked ones, frames the capturing host
 * sent itself are skipped, so a capture taken on the router shows each
 * exchange once, as it arrived.
 *
 * Every decision is the daemon's own: requests go through
 * exchange_request(), replies through exchange_reply() and relay_reply()
 * against a link table holding the one client link the reply's giaddr
 * names. What is printed is the difference between the server's message
 * and the one the daemon would send to the client. DHCPv6 the same way:
 * client messages through exchange6_request(), the servers' Relay-replies
 * through exchange6_reply() against the one link they name. */
#include "replay.h"
#include "classify.h"
#include "dhcp_msg.h"
#include "exchange.h"
#include "exchange6.h"
#include "frame.h"
#include "relay.h"
#include "trace.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define PKT_OUTGOING 4   /* PACKET_OUTGOING in the cooked headers */

struct replay {
	const struct config *cfg;
	const char *ifname;
	FILE *out;
	struct trace *trace;            /* -w: what would go to each client */
	struct exchange ex;
	struct exchange ex6;            /* DHCPv6 exchanges */
	struct relay_links links;       /* the client link of the last reply */
	int datalink;
	unsigned n;                     /* packet number in the file */
	struct timeval first;
	unsigned requests, replies, rewritten, fallbacks, dropped;
};

static void print_text(FILE *out, const uint8_t *v, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (v[i] == 0 && i + 1 == len)
			break;            /* a trailing NUL is common: not shown */
		if (v[i] >= 0x20 && v[i] < 0x7f && v[i] != '"' && v[i] != '\\')
			fputc(v[i], out);
		else
			fprintf(out, "\\x%02x", v[i]);
	}
	fputc('"', out);
}

static void print_field(FILE *out, const char *name, const uint8_t *a, size_t alen,
			const uint8_t *b, size_t blen, bool *any)
{
	fprintf(out, "%s %s ", *any ? ";" : ":", name);
	if (a)
		print_text(out, a, alen);
	else
		fputs("(none)", out);
	fputs(" -> ", out);
	if (b)
		print_text(out, b, blen);
	else
		fputs("(none)", out);
	*any = true;
}

static size_t cstrlen(const uint8_t *s, size_t cap)
{
	size_t n = 0;

	while (n < cap && s[n])
		n++;
	return n;
}

/* Every field that differs between the reply as sent and as rewritten. */
static void print_diff(FILE *out, const struct dhcp_msg *a, const struct dhcp_msg *b)
{
	char x[INET_ADDRSTRLEN], y[INET_ADDRSTRLEN];
	bool any = false;

	if (a->siaddr != b->siaddr) {
		inet_ntop(AF_INET, &a->siaddr, x, sizeof(x));
		inet_ntop(AF_INET, &b->siaddr, y, sizeof(y));
		fprintf(out, ": siaddr %s -> %s", x, y);
		any = true;
	}
	if (memcmp(a->sname, b->sname, sizeof(a->sname)) != 0)
		print_field(out, "sname", a->sname, cstrlen(a->sname, sizeof(a->sname)),
			    b->sname, cstrlen(b->sname, sizeof(b->sname)), &any);
	if (memcmp(a->file, b->file, sizeof(a->file)) != 0)
		print_field(out, "file", a->file, cstrlen(a->file, sizeof(a->file)),
			    b->file, cstrlen(b->file, sizeof(b->file)), &any);
	for (int code = 1; code < 255; code++) {
		size_t alen = 0, blen = 0;
		const uint8_t *av = dhcp_opt_get(a, (uint8_t)code, 0, UINT16_MAX, &alen);
		const uint8_t *bv = dhcp_opt_get(b, (uint8_t)code, 0, UINT16_MAX, &blen);
		char name[24];

		if (!av && !bv)
			continue;
		if (av && bv && alen == blen && memcmp(av, bv, alen) == 0)
			continue;
		snprintf(name, sizeof(name), "option %d", code);
		print_field(out, name, av, alen, bv, blen, &any);
	}
	if (!any)
		fputs(": no change", out);
}

static void on_request(struct replay *r, const struct dhcp_msg *m, int64_t now)
{
	struct exchange_request xr;
	const struct client_class *cls = &xr.cls;
	char mac[18];

	/* As the daemon: a request relayed as first relay is remembered. */
	if (m->giaddr == 0) {
		exchange_request(&r->ex, m, r->ifname, now, &xr);
	} else {
		classify_request(m, r->ifname, &xr.cls);
		class_label(&xr.cls, xr.label, sizeof(xr.label));
		xr.rule = classify_match(r->cfg, &xr.cls);
	}
	r->requests++;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->chaddr[0],
		 m->chaddr[1], m->chaddr[2], m->chaddr[3], m->chaddr[4], m->chaddr[5]);
	fprintf(r->out, "#%u request %s mac %s xid %08x arch ", r->n,
		dhcp_msg_type_name(dhcp_msg_type(m)), mac, m->xid);
	if (cls->arch_wire >= 0)
		fprintf(r->out, "%d (%s)", cls->arch_wire,
			cls->arch_from == ARCH_FROM_OPT93 ? "option 93" : "option 60");
	else
		fputs("-", r->out);
	if (cls->opt93_malformed)
		fputs(" [option 93 malformed]", r->out);
	fputs(" vendor-class ", r->out);
	print_text(r->out, (const uint8_t *)cls->vendor_class, strlen(cls->vendor_class));
	fputs(" user-class ", r->out);
	print_text(r->out, (const uint8_t *)cls->user_class, strlen(cls->user_class));
	fprintf(r->out, " class \"%s\" rule %s%s\n", xr.label, xr.rule ? xr.rule->name : "-",
		m->giaddr ? " (relayed by an agent below: not remembered)" : "");
}

/* The daemon's link table as a reply with this giaddr would find it: one
 * client link, named as given (-i), with that configuration section, its
 * circuit-id, and the giaddr as its address. */
static int replay_link(struct replay *r, uint32_t giaddr)
{
	struct relay_link *v;

	if (r->links.n && r->links.v[0].giaddr == giaddr)
		return 0;
	relay_links_free(&r->links);
	v = calloc(1, sizeof(*v));
	if (!v)
		return -1;
	v->ifindex = 1;
	snprintf(v->name, sizeof(v->name), "%s", r->ifname);
	v->up = true;
	v->addrs[0] = giaddr;
	v->prefixlen[0] = 24;
	v->naddrs = giaddr ? 1 : 0;
	v->mtu = 1500;
	v->cfg = config_iface(r->cfg, r->ifname);
	if (v->cfg)
		v->cfg_idx = (unsigned)(v->cfg - r->cfg->ifaces);
	relay_link_prepare(v, r->cfg, "replay");
	v->giaddr = giaddr;
	return relay_links_init(&r->links, v, 1);
}

static void on_reply(struct replay *r, const uint8_t *buf, size_t len, uint32_t src,
		     int64_t now)
{
	static struct dhcp_msg before, after, m;
	static struct relay_delivery dv;
	struct relay_ctx ctx = { r->cfg, &r->links, 0, NULL, false };
	struct relay_rx rx = { 0, src, 0, now };
	struct exchange_reply xr;
	enum drop_reason d;
	char mac[18];

	r->replies++;
	if (dhcp_msg_parse(&before, buf, len) < 0 || replay_link(r, before.giaddr) < 0)
		return;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", before.chaddr[0],
		 before.chaddr[1], before.chaddr[2], before.chaddr[3], before.chaddr[4],
		 before.chaddr[5]);
	fprintf(r->out, "#%u reply %s mac %s xid %08x", r->n,
		dhcp_msg_type_name(dhcp_msg_type(&before)), mac, before.xid);
	d = exchange_reply(&r->ex, &ctx, &rx, buf, len, &m, &dv, &xr);
	fprintf(r->out, " rule %s%s%s", xr.rule ? xr.rule->name : "-",
		xr.pass ? " (pass)" : "",
		!xr.proxy_offer ? "" : xr.rule ? " (ProxyDHCP offer, proxy-offers)"
					       : " (ProxyDHCP offer: left as sent)");
	if (d != DROP_NONE) {
		r->dropped++;
		fprintf(r->out, ": dropped: %s\n", drop_reason_name(d));
		return;
	}
	if (xr.fallback) {
		r->fallbacks++;
		fprintf(r->out, ": rewrite does not fit the client's %zu bytes; relayed as the"
			" server sent it", xr.client_max);
	}
	if (xr.rewritten)
		r->rewritten++;
	if (dhcp_msg_parse(&after, dv.buf, (size_t)dv.len) == 0)
		print_diff(r->out, &before, &after);
	/* The message as the daemon would send it, as its own trace (-w)
	 * records a frame to a client: outgoing, 67 -> 68. */
	trace_udp(r->trace, 1, SLL2_OUTGOING, dv.link ? dv.link->giaddr : 0, dv.dst_ip,
		  67, 68, dv.buf, (size_t)dv.len);
	fprintf(r->out, " (%d bytes to %s)\n", dv.len,
		dv.mode == DELIVER_BROADCAST ? "broadcast" : "the client");
}

/* ---- DHCPv6 ---- */

/* A client message from peer (its link-layer address mac, NULL: none
 * known). */
static void on_request6(struct replay *r, const uint8_t peer6[16], const uint8_t *mac,
			const struct dhcp6_msg *m, int64_t now)
{
	struct exchange_request xr = { .rule = NULL, .label = "-" };
	char peer[INET6_ADDRSTRLEN];

	r->requests++;
	exchange6_request(&r->ex6, m, peer6, r->ifname, mac, now, &xr);
	inet_ntop(AF_INET6, peer6, peer, sizeof(peer));
	fprintf(r->out, "#%u request6 %s peer %s xid %06x arch ", r->n, dhcp6_type_name(m->type),
		peer, m->xid);
	if (xr.cls.arch_wire >= 0)
		fprintf(r->out, "%d (%s)", xr.cls.arch_wire,
			xr.cls.arch_from == ARCH_FROM_OPT61 ? "option 61" : "option 16");
	else
		fputs("-", r->out);
	fputs(" vendor-class ", r->out);
	print_text(r->out, (const uint8_t *)xr.cls.vendor_class, strlen(xr.cls.vendor_class));
	fputs(" user-class ", r->out);
	print_text(r->out, (const uint8_t *)xr.cls.user_class, strlen(xr.cls.user_class));
	fprintf(r->out, " class \"%s\" rule %s\n", xr.label, xr.rule ? xr.rule->name : "-");
}

/* A server's Relay-reply: the daemon's decision against the one link it
 * names (by its Interface-Id, else its link-address), with the sender as
 * that link's server. */
static void on_reply6(struct replay *r, const struct frame_info *fi, const struct dhcp6_msg *m,
		      int64_t now)
{
	static uint8_t buf[DHCP6_MAX_LEN];
	struct relay_link l = { .ifindex = 1, .up = true };
	struct relay6_link l6 = { .link = &l, .nservers = 1 };
	struct relay6_ctx ctx = { &l6, 1, false, 0 };
	struct relay6_delivery dv;
	struct exchange6_reply xr;
	const uint8_t *id;
	uint16_t idlen;
	enum drop_reason d;

	r->replies++;
	snprintf(l.name, sizeof(l.name), "%s", r->ifname);
	memcpy(l6.link_addr, m->link_addr, 16);
	memcpy(l6.servers[0], fi->src6, 16);
	id = dhcp6_opt_get(m, D6O_INTERFACE_ID, &idlen);
	if (id && idlen <= sizeof(l6.iface_id)) {
		memcpy(l6.iface_id, id, idlen);
		l6.iface_id_len = (uint8_t)idlen;
	}
	d = exchange6_reply(&r->ex6, &ctx, fi->src6, 0, fi->payload, fi->payload_len, now, buf, &dv,
			    &xr);
	if (d != DROP_NONE) {
		r->dropped++;
		fprintf(r->out, "#%u reply6: dropped: %s\n", r->n, drop_reason_name(d));
		return;
	}
	fprintf(r->out, "#%u reply6 %s xid %06x rule %s%s", r->n, dhcp6_type_name(dv.inner.type),
		dv.inner.xid, xr.rule ? xr.rule->name : "-", xr.pass ? " (pass)" : "");
	if (xr.rewritten) {
		r->rewritten++;
		fprintf(r->out, ": bootfile-url \"%s\" -> \"%s\"%s", xr.old_url, xr.new_url,
			xr.added_http_vendor_class ? "; +HTTPClient" : "");
	}
	/* As -w records a message to a client; the source is the link's
	 * address the reply names (the router's link-local is not in it). */
	trace_udp6(r->trace, 1, SLL2_OUTGOING, m->link_addr, dv.dst, 547, dv.port, dv.buf, dv.len);
	fprintf(r->out, " (%zu bytes to port %u)\n", dv.len, dv.port);
}

static void on_packet6(struct replay *r, const struct frame_info *fi, int64_t now)
{
	struct dhcp6_msg m;

	if (fi->dport != 547)
		return;
	if (dhcp6_parse(&m, fi->payload, fi->payload_len) < 0) {
		fprintf(r->out, "#%u malformed DHCPv6 message (%zu bytes)\n", r->n, fi->payload_len);
		return;
	}
	if (m.type == DHCP6_RELAY_REPL) {
		on_reply6(r, fi, &m, now);
	} else if (m.type == DHCP6_RELAY_FORW && m.hop_count == 0) {
		/* Captured at the server: the first relay's Relay-forward holds
		 * the client's message, its address and link-layer address. */
		struct dhcp6_msg in;
		uint8_t mac[6];
		uint16_t len;
		const uint8_t *v = dhcp6_opt_get(&m, D6O_RELAY_MSG, &len);

		if (v && dhcp6_parse(&in, v, len) == 0 && !dhcp6_is_relay_type(in.type))
			on_request6(r, m.peer_addr, dhcp6_client_mac(&m, mac) ? mac : NULL, &in, now);
	} else if (m.type != DHCP6_RELAY_FORW && m.type != DHCP6_ADVERTISE &&
		   m.type != DHCP6_REPLY && m.type != DHCP6_RECONFIGURE) {
		on_request6(r, fi->src6, fi->src_mac, &m, now);
	}
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct replay *r = (struct replay *)user;
	static struct dhcp_msg m;
	struct frame_info fi;
	int64_t now;
	int e;

	r->n++;
	if (r->n == 1)
		r->first = h->ts;
	now = (int64_t)h->ts.tv_sec * 1000 + h->ts.tv_usec / 1000;
	if (r->datalink == DLT_LINUX_SLL2)
		e = frame_parse_sll2(bytes, h->caplen, &fi);
	else if (r->datalink == DLT_LINUX_SLL)
		e = frame_parse_sll(bytes, h->caplen, &fi);
	else
		e = frame_parse_ether(bytes, h->caplen, &fi);
	if (e < 0 || (r->datalink != DLT_EN10MB && fi.pkttype == PKT_OUTGOING))
		return;
	if (fi.family == 6) {
		on_packet6(r, &fi, now);
		return;
	}
	if (!((fi.sport == 67 || fi.sport == 68) && (fi.dport == 67 || fi.dport == 68)))
		return;
	if (dhcp_msg_parse(&m, fi.payload, fi.payload_len) < 0) {
		fprintf(r->out, "#%u malformed DHCP message (%zu bytes)\n", r->n, fi.payload_len);
		return;
	}
	if (m.op == BOOTREQUEST)
		on_request(r, &m, now);
	else if (m.op == BOOTREPLY)
		on_reply(r, fi.payload, fi.payload_len, fi.ip_src, now);
}

int replay_run(const char *path, const struct config *cfg, const char *ifname,
	       const char *trace_path, FILE *out)
{
	char err[PCAP_ERRBUF_SIZE];
	struct replay r = { .cfg = cfg, .ifname = ifname ? ifname : "", .out = out };
	pcap_t *p = pcap_open_offline(path, err);

	if (!p) {
		fprintf(stderr, "pxerelay: %s\n", err);
		return -1;
	}
	if (trace_path) {
		char terr[300];

		r.trace = trace_open(trace_path, terr, sizeof(terr));
		if (!r.trace) {
			fprintf(stderr, "pxerelay: %s\n", terr);
			pcap_close(p);
			return -1;
		}
	}
	r.datalink = pcap_datalink(p);
	if (r.datalink != DLT_EN10MB && r.datalink != DLT_LINUX_SLL &&
	    r.datalink != DLT_LINUX_SLL2) {
		fprintf(stderr, "pxerelay: %s: link type %s not supported (Ethernet or Linux cooked)\n",
			path, pcap_datalink_val_to_name(r.datalink));
		trace_close(r.trace);
		pcap_close(p);
		return -1;
	}
	/* No -i: the one link the configuration names, if it names one. */
	if (!r.ifname[0] && cfg->nifaces == 1)
		r.ifname = cfg->ifaces[0].name;
	if (exchange_init(&r.ex, 8192, 60000, 0) < 0 || exchange_init(&r.ex6, 8192, 60000, 0) < 0) {
		exchange_free(&r.ex);
		trace_close(r.trace);
		pcap_close(p);
		return -1;
	}
	exchange_configure(&r.ex, cfg, NULL);
	exchange_configure(&r.ex6, cfg, NULL);
	if (pcap_loop(p, -1, on_packet, (u_char *)&r) == -1)
		fprintf(stderr, "pxerelay: %s: %s\n", path, pcap_geterr(p));
	fprintf(out, "# %u packets, %u requests, %u replies, %u rewritten, %u relayed as sent"
		" (rewrite too big), %u dropped\n", r.n, r.requests, r.replies, r.rewritten,
		r.fallbacks, r.dropped);
	exchange_free(&r.ex);
	exchange_free(&r.ex6);
	relay_links_free(&r.links);
	trace_close(r.trace);
	pcap_close(p);
	return 0;
}
