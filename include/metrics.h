/* metrics.h - the counters in the Prometheus text exposition format
 * (version 0.0.4). Pure: stats in, text out. The same text is served on
 * the metrics endpoint and written to the log on SIGUSR1. */
#ifndef PXR_METRICS_H
#define PXR_METRICS_H

#include "stats.h"

#include <stdbool.h>
#include <stddef.h>

struct mbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void mbuf_printf(struct mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mbuf_free(struct mbuf *b);

struct metrics_extra {
	double start_time;            /* seconds since the epoch */
	uint64_t capture_kernel_drops;
	size_t links_configured, links_present;
};

void metrics_render(const struct stats *s, const struct metrics_extra *x, struct mbuf *out);

/* The metrics endpoint's own defences against slow or greedy clients,
 * counted by metrics_server.c. */
struct metrics_http_stats {
	uint64_t rejected_full;       /* 503: every slot held by a live request */
	uint64_t rejected_peer;       /* 503: too many connections from one address */
	uint64_t evicted_slow;        /* closed to free a slot: still sending its request */
	uint64_t request_timeout;     /* closed: no complete request in time */
	uint64_t bad_request;         /* 400 */
};

void metrics_render_http(const struct metrics_http_stats *h, struct mbuf *out);

struct tftp_stats;
void metrics_render_tftp(const struct tftp_stats *t, unsigned sessions, unsigned fetches,
			 uint64_t cached_bytes, struct mbuf *out);

#endif
