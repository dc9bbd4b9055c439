/* link.h - interfaces and their IPv4 addresses (and the first global or
 * unique-local IPv6 one, for DHCPv6), learned from the kernel at
 * start and followed live through rtnetlink (a libnl socket; only what the
 * relay uses is kept, see link_table.h). */
#ifndef PXR_LINK_H
#define PXR_LINK_H

#include "config.h"
#include "relay.h"

#include <stdbool.h>
#include <stddef.h>

struct link_watch;

struct link_watch *link_watch_open(char *err, size_t errlen);
void link_watch_close(struct link_watch *w);
int link_watch_fd(const struct link_watch *w);
/* Read what the kernel sent. Returns 1 when links or addresses changed,
 * 0 when not, negative on a hard error. Resynchronises by itself when the
 * kernel reports lost messages. */
int link_watch_process(struct link_watch *w);
/* A resynchronisation failed and is still owed: call link_watch_process()
 * again after a while even if the socket stays quiet. */
bool link_watch_resync_pending(const struct link_watch *w);
/* The configured downstream links that exist now, with their addresses.
 * *upstream_ifindex: ifindex of cfg->upstream, 0 if unset or absent. */
int link_watch_build(struct link_watch *w, const struct config *cfg,
		     const char *hostname, struct relay_links *out, int *upstream_ifindex);

#endif
