/* inject.h - Ethernet frames to clients that have no address yet.
 * libnet builds the frame; one AF_PACKET socket addressed by ifindex sends
 * on every link, so file descriptors stay flat however many links exist. */
#ifndef PXR_INJECT_H
#define PXR_INJECT_H

#include <stddef.h>
#include <stdint.h>

struct inject;

struct inject *inject_open(char *err, size_t errlen);
void inject_close(struct inject *in);
/* UDP in IPv4 in Ethernet (addresses in network order, ports host order),
 * queued: frames built during one loop turn go out with one sendmmsg at
 * inject_flush() (or when the queue is full). done() runs for each frame
 * with 0 or -errno once the kernel took it or refused it. */
typedef void (*inject_done_fn)(void *user, uintptr_t tag, int err);
int inject_udp_queued(struct inject *in, int ifindex,
		      const uint8_t src_mac[6], const uint8_t dst_mac[6],
		      uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
		      const uint8_t *payload, size_t len, uintptr_t tag,
		      inject_done_fn done, void *user);
void inject_flush(struct inject *in, inject_done_fn done, void *user);
/* Called with each frame sent (the packet trace). */
void inject_set_observer(struct inject *in,
			 void (*fn)(void *user, int ifindex, const uint8_t *frame, size_t len),
			 void *user);

#endif
