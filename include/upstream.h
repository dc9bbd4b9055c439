/* upstream.h - the UDP socket on port 67 toward the servers. */
#ifndef PXR_UPSTREAM_H
#define PXR_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bound to 0.0.0.0:port, non-blocking, with a socket filter that keeps
 * only BOOTREPLY (op 2): the same socket would otherwise get every client
 * broadcast, which the capture already delivers. Returns fd or -errno. */
int upstream_open(uint16_t port, char *err, size_t errlen);
int upstream_send(int fd, uint32_t dst, uint16_t port, const uint8_t *buf, size_t len);
/* One datagram: source address, the header destination and the ifindex
 * it arrived on. Returns length, or -errno (-EAGAIN when drained). */
ssize_t upstream_recv(int fd, uint8_t *buf, size_t cap, uint32_t *src, uint32_t *dst,
		      int *ifindex);
/* The source address the kernel would use toward dst (for the trace). */
uint32_t upstream_source_for(uint32_t dst);

#endif
