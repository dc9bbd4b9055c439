/* metrics_server.h - the read-only HTTP endpoint for the metrics, in the
 * daemon's epoll loop: a handful of short connections, each closed after
 * one response or after METRICS_IDLE_MS without a full request. */
#ifndef PXR_METRICS_SERVER_H
#define PXR_METRICS_SERVER_H

#include "metrics.h"

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_CONN 8
#define METRICS_IDLE_MS 5000

struct metrics_server;

typedef void (*metrics_render_fn)(void *user, struct mbuf *out);

/* hostport: "ADDRESS:PORT". ep: the loop's epoll; connection events are
 * registered with data.u64 = conn_tag << 32 | slot. */
struct metrics_server *metrics_server_open(const char *hostport, int ep, uint32_t conn_tag,
					   char *err, size_t errlen);
int metrics_server_fd(const struct metrics_server *ms);
void metrics_server_accept(struct metrics_server *ms, int64_t now_ms);
void metrics_server_event(struct metrics_server *ms, unsigned slot, uint32_t events,
			  metrics_render_fn render, void *user);
/* Close connections idle too long; returns ms until the next deadline,
 * or -1 when none is open. */
int metrics_server_expire(struct metrics_server *ms, int64_t now_ms);
void metrics_server_close(struct metrics_server *ms);

#endif
