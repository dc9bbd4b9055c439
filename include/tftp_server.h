/* tftp_server.h - the sockets of the TFTP proxy: port 69 on every address
 * (bound at start, as root), one ephemeral socket per transfer, all in the
 * daemon's epoll loop. The protocol lives in tftp_proxy.c. */
#ifndef PXR_TFTP_SERVER_H
#define PXR_TFTP_SERVER_H

#include "config.h"
#include "relay.h"
#include "tftp_proxy.h"

#include <stdint.h>

struct tftp_server;

/* Epoll events: the listening socket with data.u64 = tag_listen << 32,
 * transfer sockets with tag_sock << 32 | fd. */
struct tftp_server *tftp_server_open(const struct cfg_tftp *cfg, uint64_t hash_key, int ep,
				     uint32_t tag_listen, uint32_t tag_sock, char *err,
				     size_t errlen);
void tftp_server_close(struct tftp_server *ts);
/* Requests on port 69: taken only from links with tftp-proxy = true. */
void tftp_server_on_listen(struct tftp_server *ts, const struct relay_links *links, int64_t now_ms);
void tftp_server_on_sock(struct tftp_server *ts, int fd, int64_t now_ms);
int tftp_server_tick(struct tftp_server *ts, int64_t now_ms);
void tftp_server_learn(struct tftp_server *ts, struct tftp_addr client, struct tftp_addr server,
		       int64_t now_ms);
const struct tftp_stats *tftp_server_stats(const struct tftp_server *ts);
void tftp_server_usage(const struct tftp_server *ts, unsigned *sessions, unsigned *fetches,
		       uint64_t *cached);

#endif
