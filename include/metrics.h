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

struct tftp_stats;
void metrics_render_tftp(const struct tftp_stats *t, unsigned sessions, unsigned fetches,
			 uint64_t cached_bytes, struct mbuf *out);

#endif
