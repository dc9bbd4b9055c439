/* metrics_server.h - the read-only HTTP endpoint for the metrics, in the
 * daemon's epoll loop: a handful of short connections, each answered once
 * and closed. The endpoint shares the loop with the relay, so what a slow
 * or greedy client may hold is bounded: METRICS_MAX_CONN slots, at most
 * METRICS_PER_PEER of them per source address, METRICS_REQUEST_MS from
 * accept to a complete request; when every slot is taken, a connection
 * still sending its request after METRICS_EVICT_GRACE_MS gives its slot
 * to the newcomer, else the newcomer gets a 503. */
#ifndef PXR_METRICS_SERVER_H
#define PXR_METRICS_SERVER_H

#include "metrics.h"

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_CONN 16          /* slots, each with a request buffer */
#define METRICS_PER_PEER 2           /* slots one source address may hold */
#define METRICS_REQUEST_MS 2000      /* accept to complete request */
#define METRICS_EVICT_GRACE_MS 200   /* a slot still reading is not taken before */
#define METRICS_RESPONSE_MS 5000     /* complete request to response taken */
#define METRICS_LINGER_MS 1000       /* answered: drain the client until its EOF */
#define METRICS_MAX_LINGER 64        /* answered connections draining (no buffer) */

struct metrics_server;

typedef void (*metrics_render_fn)(void *user, struct mbuf *out);

/* hostport: "ADDRESS:PORT". ep: the loop's epoll; connection events are
 * registered with data.u64 = conn_tag << 32 | id, an id below
 * METRICS_MAX_CONN + METRICS_MAX_LINGER, handed back as `slot`. */
struct metrics_server *metrics_server_open(const char *hostport, int ep, uint32_t conn_tag,
					   char *err, size_t errlen);
int metrics_server_fd(const struct metrics_server *ms);
void metrics_server_accept(struct metrics_server *ms, int64_t now_ms);
void metrics_server_event(struct metrics_server *ms, unsigned slot, uint32_t events,
			  metrics_render_fn render, void *user);
/* Close connections past their deadline; returns ms until the next
 * deadline, or -1 when none is open. */
int metrics_server_expire(struct metrics_server *ms, int64_t now_ms);
/* Connections refused, evicted, timed out, answered 400 so far. */
const struct metrics_http_stats *metrics_server_stats(const struct metrics_server *ms);
void metrics_server_close(struct metrics_server *ms);

#endif
