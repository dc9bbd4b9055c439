/* metrics.c - see metrics.h. Names follow the Prometheus conventions:
 * a pxerelay_ prefix, _total on counters, what varies in labels. */
#include "metrics.h"
#include "classify.h"
#include "tftp_proxy.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *p;

			while (cap - b->len <= (size_t)n)
				cap *= 2;
			p = realloc(b->p, cap);
			if (!p) {
				b->oom = true;
				return;
			}
			b->p = p;
			b->cap = cap;
		}
	}
}

void mbuf_free(struct mbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Label values: backslash, double quote and newline escaped. */
static const char *esc(const char *s, char *buf, size_t cap)
{
	size_t n = 0;

	for (; *s && n + 2 < cap; s++) {
		if (*s == '\\' || *s == '"') {
			buf[n++] = '\\';
			buf[n++] = *s;
		} else if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

static void family(struct mbuf *b, const char *name, const char *type, const char *help)
{
	mbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_render(const struct stats *s, const struct metrics_extra *x, struct mbuf *b)
{
	char e1[160], a[INET6_ADDRSTRLEN];

	family(b, "pxerelay_start_time_seconds", "gauge",
	       "Start time of the process since the Unix epoch in seconds.");
	mbuf_printf(b, "pxerelay_start_time_seconds %.3f\n", x->start_time);

	family(b, "pxerelay_links", "gauge", "Downstream links configured, and present now.");
	mbuf_printf(b, "pxerelay_links{state=\"configured\"} %zu\n", x->links_configured);
	mbuf_printf(b, "pxerelay_links{state=\"present\"} %zu\n", x->links_present);

	family(b, "pxerelay_relayed_total", "counter",
	       "Messages relayed: requests to the servers, replies to the clients.");
	for (size_t i = 0; i < s->nifaces; i++) {
		esc(s->ifaces[i].name, e1, sizeof(e1));
		mbuf_printf(b, "pxerelay_relayed_total{direction=\"request\",interface=\"%s\"} %llu\n",
			    e1, (unsigned long long)s->ifaces[i].requests);
		mbuf_printf(b, "pxerelay_relayed_total{direction=\"reply\",interface=\"%s\"} %llu\n",
			    e1, (unsigned long long)s->ifaces[i].replies);
	}

	family(b, "pxerelay_dropped_total", "counter", "Packets not relayed, by reason.");
	for (int r = 1; r < DROP__COUNT; r++)
		mbuf_printf(b, "pxerelay_dropped_total{reason=\"%s\"} %llu\n",
			    drop_reason_name((enum drop_reason)r), (unsigned long long)s->drop[r]);

	family(b, "pxerelay_interface_dropped_total", "counter",
	       "Packets not relayed, by downstream link.");
	for (size_t i = 0; i < s->nifaces; i++)
		mbuf_printf(b, "pxerelay_interface_dropped_total{interface=\"%s\"} %llu\n",
			    esc(s->ifaces[i].name, e1, sizeof(e1)),
			    (unsigned long long)s->ifaces[i].drops);

	family(b, "pxerelay_rate_limited_total", "counter",
	       "Requests not relayed because a rate limit was exceeded, by link and limit.");
	for (size_t i = 0; i < s->nifaces; i++) {
		esc(s->ifaces[i].name, e1, sizeof(e1));
		mbuf_printf(b, "pxerelay_rate_limited_total{interface=\"%s\",limit=\"client\"} %llu\n",
			    e1, (unsigned long long)s->ifaces[i].rate_client);
		mbuf_printf(b, "pxerelay_rate_limited_total{interface=\"%s\",limit=\"interface\"} %llu\n",
			    e1, (unsigned long long)s->ifaces[i].rate_iface);
	}

	family(b, "pxerelay_server_messages_total", "counter",
	       "Requests sent to and replies received from each server.");
	for (size_t i = 0; i < s->nservers; i++) {
		if (s->servers[i].v6)
			inet_ntop(AF_INET6, s->servers[i].addr6, a, sizeof(a));
		else
			inet_ntop(AF_INET, &s->servers[i].addr, a, sizeof(a));
		mbuf_printf(b, "pxerelay_server_messages_total{server=\"%s\",direction=\"sent\"} %llu\n",
			    a, (unsigned long long)s->servers[i].sent);
		mbuf_printf(b, "pxerelay_server_messages_total{server=\"%s\",direction=\"received\"} %llu\n",
			    a, (unsigned long long)s->servers[i].replies);
	}

	family(b, "pxerelay_class_requests_total", "counter",
	       "Requests relayed, by client system architecture (option 93 or 60).");
	for (int code = 0; code < STATS_ARCH_SLOTS; code++) {
		if (!s->arch[code])
			continue;
		if (code == STATS_ARCH_SLOTS - 1)
			mbuf_printf(b, "pxerelay_class_requests_total{arch=\"other\",class=\"unassigned\"} %llu\n",
				    (unsigned long long)s->arch[code]);
		else
			mbuf_printf(b, "pxerelay_class_requests_total{arch=\"%d\",class=\"%s\"} %llu\n",
				    code, arch_name(code), (unsigned long long)s->arch[code]);
	}
	mbuf_printf(b, "pxerelay_class_requests_total{arch=\"none\",class=\"unknown\"} %llu\n",
		    (unsigned long long)s->arch_unknown);

	family(b, "pxerelay_option93_malformed_total", "counter",
	       "Requests whose option 93 was malformed (option 60 used instead).");
	mbuf_printf(b, "pxerelay_option93_malformed_total %llu\n",
		    (unsigned long long)s->opt93_malformed);

	family(b, "pxerelay_boot_rule_total", "counter",
	       "Boot rules: requests matched, replies rewritten, replies passed (rule with no settings).");
	for (size_t i = 0; i < s->nrules; i++) {
		esc(s->rules[i].name, e1, sizeof(e1));
		mbuf_printf(b, "pxerelay_boot_rule_total{rule=\"%s\",event=\"matched\"} %llu\n",
			    e1, (unsigned long long)s->rules[i].matched);
		mbuf_printf(b, "pxerelay_boot_rule_total{rule=\"%s\",event=\"rewritten\"} %llu\n",
			    e1, (unsigned long long)s->rules[i].rewritten);
		mbuf_printf(b, "pxerelay_boot_rule_total{rule=\"%s\",event=\"passed\"} %llu\n",
			    e1, (unsigned long long)s->rules[i].passed);
	}
	family(b, "pxerelay_boot_unmatched_total", "counter", "Requests no boot rule matched.");
	mbuf_printf(b, "pxerelay_boot_unmatched_total %llu\n", (unsigned long long)s->unmatched);

	family(b, "pxerelay_xid_table_total", "counter",
	       "Request memory: replies with no remembered request, live entries evicted.");
	mbuf_printf(b, "pxerelay_xid_table_total{event=\"miss\"} %llu\n",
		    (unsigned long long)s->xid_misses);
	mbuf_printf(b, "pxerelay_xid_table_total{event=\"eviction\"} %llu\n",
		    (unsigned long long)s->xid_evictions);

	family(b, "pxerelay_rewrite_too_big_total", "counter",
	       "Rewrites that did not fit the client's size limit (relayed unchanged).");
	mbuf_printf(b, "pxerelay_rewrite_too_big_total %llu\n", (unsigned long long)s->rewrite_too_big);
	family(b, "pxerelay_proxy_offers_total", "counter",
	       "ProxyDHCP offers (no address, option 60 PXEClient) relayed.");
	mbuf_printf(b, "pxerelay_proxy_offers_total %llu\n", (unsigned long long)s->proxy_offers);
	family(b, "pxerelay_agent_option_too_big_total", "counter",
	       "Requests relayed without option 82 because it did not fit.");
	mbuf_printf(b, "pxerelay_agent_option_too_big_total %llu\n",
		    (unsigned long long)s->agent_option_too_big);
	family(b, "pxerelay_capture_kernel_drops_total", "counter",
	       "Frames the kernel dropped before pxerelay could read them.");
	mbuf_printf(b, "pxerelay_capture_kernel_drops_total %llu\n",
		    (unsigned long long)x->capture_kernel_drops);
}

void metrics_render_http(const struct metrics_http_stats *h, struct mbuf *b)
{
	family(b, "pxerelay_metrics_http_total", "counter",
	       "Metrics endpoint connections refused (503: slots full, or too many from one "
	       "address), closed while still sending their request (to free a slot, or "
	       "past the deadline), answered 400.");
	mbuf_printf(b, "pxerelay_metrics_http_total{event=\"rejected_full\"} %llu\n",
		    (unsigned long long)h->rejected_full);
	mbuf_printf(b, "pxerelay_metrics_http_total{event=\"rejected_peer\"} %llu\n",
		    (unsigned long long)h->rejected_peer);
	mbuf_printf(b, "pxerelay_metrics_http_total{event=\"evicted_slow\"} %llu\n",
		    (unsigned long long)h->evicted_slow);
	mbuf_printf(b, "pxerelay_metrics_http_total{event=\"request_timeout\"} %llu\n",
		    (unsigned long long)h->request_timeout);
	mbuf_printf(b, "pxerelay_metrics_http_total{event=\"bad_request\"} %llu\n",
		    (unsigned long long)h->bad_request);
}

void metrics_render_tftp(const struct tftp_stats *t, unsigned sessions, unsigned fetches,
			 uint64_t cached_bytes, struct mbuf *b)
{
	family(b, "pxerelay_tftp_sessions", "gauge", "TFTP proxy transfers open now.");
	mbuf_printf(b, "pxerelay_tftp_sessions{leg=\"client\"} %u\n", sessions);
	mbuf_printf(b, "pxerelay_tftp_sessions{leg=\"upstream\"} %u\n", fetches);
	family(b, "pxerelay_tftp_cache_bytes", "gauge", "File bytes held by the TFTP cache.");
	mbuf_printf(b, "pxerelay_tftp_cache_bytes %llu\n", (unsigned long long)cached_bytes);
	family(b, "pxerelay_tftp_requests_total", "counter",
	       "TFTP read requests: served from cache, joined a fetch under way, fetched, refused.");
	mbuf_printf(b, "pxerelay_tftp_requests_total{result=\"hit\"} %llu\n",
		    (unsigned long long)t->cache_hits);
	mbuf_printf(b, "pxerelay_tftp_requests_total{result=\"coalesced\"} %llu\n",
		    (unsigned long long)t->coalesced);
	mbuf_printf(b, "pxerelay_tftp_requests_total{result=\"miss\"} %llu\n",
		    (unsigned long long)t->cache_misses);
	mbuf_printf(b, "pxerelay_tftp_requests_total{result=\"refused\"} %llu\n",
		    (unsigned long long)t->sessions_refused);
	family(b, "pxerelay_tftp_bytes_total", "counter",
	       "File bytes sent to clients and received from boot servers.");
	mbuf_printf(b, "pxerelay_tftp_bytes_total{leg=\"client\"} %llu\n",
		    (unsigned long long)t->bytes_served);
	mbuf_printf(b, "pxerelay_tftp_bytes_total{leg=\"upstream\"} %llu\n",
		    (unsigned long long)t->upstream_bytes);
	family(b, "pxerelay_tftp_upstream_transfers_total", "counter",
	       "Files fetched from boot servers, and fetches that failed.");
	mbuf_printf(b, "pxerelay_tftp_upstream_transfers_total{result=\"started\"} %llu\n",
		    (unsigned long long)t->upstream_transfers);
	mbuf_printf(b, "pxerelay_tftp_upstream_transfers_total{result=\"failed\"} %llu\n",
		    (unsigned long long)t->upstream_failures);
	family(b, "pxerelay_tftp_events_total", "counter",
	       "TFTP errors sent, packets from unknown transfer IDs, cache evictions, "
	       "files read back from cache-dir, packets that were not TFTP, requests answered "
	       "with an error, boot-server packets from the wrong interface, boot servers "
	       "breaking the protocol, files over cache-size, abandoned fetches stopped, "
	       "fetches over fetch-timeout, sessions refused for max-sessions, unconfirmed "
	       "sessions pushed out or expired.");
	{
		const struct { const char *name; uint64_t v; } ev[] = {
			{ "error_sent", t->errors_sent },
			{ "unknown_tid", t->unknown_tid },
			{ "eviction", t->evictions },
			{ "disk_hit", t->disk_hits },
			{ "malformed", t->malformed },
			{ "bad_request", t->bad_requests },
			{ "upstream_wrong_link", t->upstream_wrong_link },
			{ "upstream_invalid", t->upstream_invalid },
			{ "budget_refused", t->budget_refused },
			{ "fetch_stopped", t->fetches_stopped },
			{ "fetch_deadline", t->fetch_deadline },
			{ "slots_full", t->slots_full },
			{ "probation_evicted", t->probation_evicted },
			{ "probation_expired", t->probation_expired },
		};

		for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
			mbuf_printf(b, "pxerelay_tftp_events_total{event=\"%s\"} %llu\n", ev[i].name,
				    (unsigned long long)ev[i].v);
	}
}
