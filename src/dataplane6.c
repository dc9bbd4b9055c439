/* dataplane6.c - the DHCPv6 relay's moving parts, beside dataplane.c's
 * IPv4 ones: a client message from the capture through relay6_request()
 * and exchange6_request() to the servers; a Relay-reply from the DHCPv6
 * socket through exchange6_reply() to the client's link. The decisions
 * are in relay6.c and exchange6.c; this file does what they return. */
#include "daemon.h"
#include "fmt.h"
#include "upstream6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *ip6_str(const uint8_t a[16], char *buf)
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	return buf;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The IPv6 side of each link with an IPv6 server, and ff02::1:2 joined
 * on exactly those. */
void links6_rebuild(struct daemon *d)
{
	struct relay6_link *v;
	int *want;
	size_t n = 0, nwant = 0, got = 0;

	if (d->udp6_fd < 0)
		return;
	v = calloc(d->links.n ? d->links.n : 1, sizeof(*v));
	want = calloc(d->links.n ? d->links.n : 1, sizeof(*want));
	if (!v || !want) {
		free(v);
		free(want);
		log_error("DHCPv6 links: out of memory; keeping the old table");
		return;
	}
	for (size_t i = 0; i < d->links.n; i++) {
		const struct relay_link *l = &d->links.v[i];
		const struct server_list *sl = config_servers(d->cfg, l->cfg);
		struct relay6_link *x = &v[n];
		static const uint8_t zero[16];

		if (!sl->n6)
			continue;
		x->link = l;
		if (l->cfg && memcmp(l->cfg->link_address, zero, 16) != 0)
			memcpy(x->link_addr, l->cfg->link_address, 16);
		else if (l->has_addr6)
			memcpy(x->link_addr, l->addr6, 16);
		fmt_copy((char *)x->iface_id, sizeof(x->iface_id),
			 l->cfg && l->cfg->interface_id[0] ? l->cfg->interface_id : l->name);
		x->iface_id_len = (uint8_t)strlen((char *)x->iface_id);
		x->nservers = sl->n6 < RELAY6_MAX_SERVERS ? sl->n6 : RELAY6_MAX_SERVERS;
		/* RFC 4649: the enterprise number, then the link's remote-id
		 * (option82's format, expanded for this link). */
		if (d->cfg->opt82.remote_id_enterprise && l->remote_id_len) {
			uint32_t e = d->cfg->opt82.remote_id_enterprise;

			x->remote_id[0] = (uint8_t)(e >> 24);
			x->remote_id[1] = (uint8_t)(e >> 16);
			x->remote_id[2] = (uint8_t)(e >> 8);
			x->remote_id[3] = (uint8_t)e;
			memcpy(x->remote_id + 4, l->remote_id, l->remote_id_len);
			x->remote_id_len = (uint8_t)(4 + l->remote_id_len);
		}
		memcpy(x->servers, sl->addr6, x->nservers * 16);
		want[nwant++] = l->ifindex;
		n++;
	}
	qsort(want, nwant, sizeof(*want), cmp_int);
	/* Leave what is gone, join what is new (both lists sorted); joined
	 * keeps only the joins that took, so a failed one is tried again at
	 * the next change of the links. */
	for (size_t i = 0, k = 0; i < d->njoined || k < nwant;) {
		if (k == nwant || (i < d->njoined && d->joined[i] < want[k])) {
			(void)upstream6_join(d->udp6_fd, d->joined[i++], false);
		} else if (i == d->njoined || want[k] < d->joined[i]) {
			int e = upstream6_join(d->udp6_fd, want[k], true);

			if (e < 0)
				log_warn("DHCPv6: joining ff02::1:2 on ifindex %d: %s", want[k],
					 strerror(-e));
			else
				want[got++] = want[k];
			k++;
		} else {
			want[got++] = want[k];
			i++;
			k++;
		}
	}
	free(d->joined);
	d->joined = want;
	d->njoined = got;
	free(d->l6);
	d->l6 = v;
	d->nl6 = n;
	for (size_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];

		log_debug("DHCPv6 link %s: link-address %s, interface-id \"%s\", %zu server(s)",
			  v[i].link->name, ip6_str(v[i].link_addr, a), (char *)v[i].iface_id,
			  v[i].nservers);
	}
}

static struct relay6_ctx ctx6(const struct daemon *d)
{
	return (struct relay6_ctx){ d->l6, d->nl6, d->tftp != NULL, d->upstream_ifindex };
}

/* Our address toward a server, for the trace: looked up once per server
 * and kept with its counters (a host that is no server gets a fresh
 * lookup each time, and no counters). */
static void source_toward(struct stats_server *ss, const uint8_t server[16], int ifindex,
			  uint8_t out[16])
{
	if (ss && ss->has_source6) {
		memcpy(out, ss->source6, 16);
		return;
	}
	upstream6_source_for(server, ifindex, out);
	if (ss) {
		memcpy(ss->source6, out, 16);
		ss->has_source6 = true;
	}
}

void on_request6(struct daemon *d, const struct frame_info *fi)
{
	struct relay6_ctx ctx = ctx6(d);
	struct relay6_rx rx = { .ifindex = fi->ifindex, .mac = fi->src_mac, .now_ms = now_ms() };
	struct relay6_fwd *fw = &d->fwd6;
	struct exchange_request xr = { .rule = NULL, .label = "-" };
	enum drop_reason r;

	memcpy(rx.src, fi->src6, 16);
	trace_sll2(d->trace, fi->frame, fi->frame_len);
	r = relay6_request(&ctx, &rx, fi->payload, fi->payload_len, fw);
	/* The same buckets as DHCPv4: a client is its link-layer address on
	 * the link (a relay below shares the link's bucket only). */
	if (r == DROP_NONE)
		r = dataplane_rate_check(d, fw->l6->link, fw->from_client ? fi->src_mac : NULL, 6,
					 rx.now_ms);
	if (r != DROP_NONE) {
		dataplane_count_drop(d, r, fw->l6 ? fw->l6->link : NULL, "DHCPv6 message");
		return;
	}
	if (fw->from_client)
		exchange6_request(&d->ex6, &fw->in, rx.src, fw->l6->link->name, rx.mac, rx.now_ms,
				  &xr);
	for (size_t i = 0; i < fw->l6->nservers; i++) {
		struct stats_server *ss;
		/* All_DHCP_Servers leaves by the upstream interface. */
		int e = upstream6_send(d->udp6_fd, fw->l6->servers[i], DHCP6_SERVER_PORT,
				       fw->l6->servers[i][0] == 0xff ? d->upstream_ifindex : 0,
				       fw->buf, fw->len);
		char a[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];

		if (e < 0) {
			errno = -e;
			log_errno(LOG_LVL_WARN, "DHCPv6: Relay-forward to %s",
				  ip6_str(fw->l6->servers[i], a));
			dataplane_count_drop(d, DROP_SEND_FAILED, fw->l6->link, "DHCPv6 message");
			continue;
		}
		ss = stats_server6(&d->st, fw->l6->servers[i], true);
		if (ss)
			ss->sent++;
		if (d->trace) {
			uint8_t src[16];

			source_toward(ss, fw->l6->servers[i],
				      fw->l6->servers[i][0] == 0xff ? d->upstream_ifindex : 0, src);
			trace_udp6(d->trace, 0, SLL2_OUTGOING, src, fw->l6->servers[i],
				   DHCP6_SERVER_PORT, DHCP6_SERVER_PORT, fw->buf, fw->len);
		}
		if (log_enabled(LOG_LVL_INFO))
			log_info("relay6 request %s if %s xid %06x class %s rule %s peer %s"
				 " -> server %s", dhcp6_type_name(fw->in.type), fw->l6->link->name,
				 fw->in.xid, xr.label, xr.rule ? xr.rule->name : "-",
				 ip6_str(rx.src, p), ip6_str(fw->l6->servers[i], a));
	}
	if (fw->l6->link->cfg_idx < d->st.nifaces)
		d->st.ifaces[fw->l6->link->cfg_idx].requests++;
}

static void on_reply6(struct daemon *d, const uint8_t *buf, size_t len, const uint8_t src[16],
		      int ifindex)
{
	struct relay6_ctx ctx = ctx6(d);
	struct relay6_delivery *dv = &d->dlv6;
	struct exchange6_reply xr;
	struct stats_server *ss;
	enum drop_reason r;
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];
	int e;

	if (d->trace) {
		uint8_t us[16];

		source_toward(stats_server6(&d->st, src, false), src, 0, us);
		trace_udp6(d->trace, 0, SLL2_HOST, src, us, DHCP6_SERVER_PORT, DHCP6_SERVER_PORT,
			   buf, len);
	}
	r = exchange6_reply(&d->ex6, &ctx, src, ifindex, buf, len, now_ms(), d->rbuf6, dv, &xr);
	if (r != DROP_NONE) {
		dataplane_count_drop(d, r, dv->l6 ? dv->l6->link : NULL, "DHCPv6 reply");
		return;
	}
	ss = stats_server6(&d->st, src, true);
	if (ss)
		ss->replies++;
	if (xr.proxied && d->tftp) {
		int64_t now = now_ms();

		for (size_t i = 0; i < xr.ntftp_clients; i++) {
			tftp_server_learn(d->tftp, tftp_addr6(xr.tftp_clients[i]),
					  tftp_addr6(xr.tftp_server), now);
			if (log_enabled(LOG_LVL_DEBUG)) {
				char c[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];

				log_debug("tftp-proxy: %s boots from %s through us",
					  ip6_str(xr.tftp_clients[i], c),
					  tftp_addr_text(tftp_addr6(xr.tftp_server), t, sizeof(t)));
			}
		}
	}
	if (xr.rewritten && log_enabled(LOG_LVL_INFO))
		log_info("rewrite6 %s if %s xid %06x class %s%s rule %s url \"%s\" -> \"%s\"%s",
			 dhcp6_type_name(dv->inner.type), dv->l6->link->name, dv->inner.xid,
			 xr.arch_wire >= 0 ? arch_name(xr.arch_wire) : "unknown",
			 xr.ipxe ? " iPXE" : "", xr.rule->name, xr.old_url, xr.new_url,
			 xr.added_http_vendor_class ? " +HTTPClient" : "");
	else if (xr.pass && log_enabled(LOG_LVL_INFO))
		log_info("pass rule %s %s xid %06x: relayed as the server sent it", xr.rule->name,
			 dhcp6_type_name(dv->inner.type), dv->inner.xid);
	e = upstream6_send(d->udp6_fd, dv->dst, dv->port, dv->l6->link->ifindex, dv->buf, dv->len);
	if (e < 0) {
		errno = -e;
		log_errno(LOG_LVL_WARN, "DHCPv6: reply to %s on %s", ip6_str(dv->dst, a),
			  dv->l6->link->name);
		dataplane_count_drop(d, DROP_SEND_FAILED, dv->l6->link, "DHCPv6 reply");
		return;
	}
	if (d->trace) {
		uint8_t us[16];

		upstream6_source_for(dv->dst, dv->l6->link->ifindex, us);
		trace_udp6(d->trace, dv->l6->link->ifindex, SLL2_OUTGOING, us, dv->dst,
			   DHCP6_SERVER_PORT, dv->port, dv->buf, dv->len);
	}
	if (dv->l6->link->cfg_idx < d->st.nifaces)
		d->st.ifaces[dv->l6->link->cfg_idx].replies++;
	if (log_enabled(LOG_LVL_INFO))
		log_info("relay6 reply %s if %s xid %06x from server %s -> %s port %u",
			 dhcp6_type_name(dv->inner.type), dv->l6->link->name, dv->inner.xid,
			 ip6_str(src, s), ip6_str(dv->dst, a), dv->port);
}

void drain_upstream6(struct daemon *d)
{
	uint8_t src[16];
	int ifindex;

	/* A few at most per wake-up, so the capture gets its turn. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = upstream6_recv(d->udp6_fd, d->rxbuf6, sizeof(d->rxbuf6), src, &ifindex);

		if (n == -EAGAIN)
			return;
		if (n == -EMSGSIZE) {
			dataplane_count_drop(d, DROP_TOO_BIG, NULL, "DHCPv6 reply");
			continue;
		}
		if (n == -EBADMSG) {
			dataplane_count_drop(d, DROP_MALFORMED, NULL, "DHCPv6 reply");
			continue;
		}
		if (n < 0) {
			errno = (int)-n;
			log_errno(LOG_LVL_WARN, "DHCPv6 socket");
			return;
		}
		on_reply6(d, d->rxbuf6, (size_t)n, src, ifindex);
	}
}
