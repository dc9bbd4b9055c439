/* upstream6.h - the DHCPv6 socket: a raw IPv6 socket for UDP that holds no
 * port, so a DHCPv6 server on the same host can own UDP 547 (see
 * upstream6.c). Relay-forwards leave through it to the servers from port
 * 547, the servers' and relay agents' port (RFC 8415 §7.2), and
 * Relay-replies to port 547 arrive on it (a socket filter keeps only those:
 * client messages come through the capture with their link-layer
 * address); the inner messages go from it to the clients (port 546) or the
 * relays below (547). It joins All_DHCP_Relay_Agents_and_Servers
 * (ff02::1:2) on each DHCPv6 link so the NIC accepts the clients'
 * multicast. */
#ifndef PXR_UPSTREAM6_H
#define PXR_UPSTREAM6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int upstream6_open(char *err, size_t errlen);
/* Join or leave ff02::1:2 on ifindex. 0 or -errno. */
int upstream6_join(int fd, int ifindex, bool join);
/* len bytes to dst:port, out of ifindex when dst is link-local or
 * multicast (0: the routing table decides). 0 or -errno. */
int upstream6_send(int fd, const uint8_t dst[16], uint16_t port, int ifindex,
		   const uint8_t *buf, size_t len);
/* The source address the kernel would use toward dst (on ifindex for a
 * link-local or multicast dst), :: when there is no route; for the
 * trace. */
void upstream6_source_for(const uint8_t dst[16], int ifindex, uint8_t src[16]);
/* One datagram's DHCPv6 message, moved to the start of buf: its length
 * (-EMSGSIZE when larger than cap, -EBADMSG when the UDP header does not
 * hold), the source address and the interface it came in by; -EAGAIN
 * when none waited, -errno on an error. */
ssize_t upstream6_recv(int fd, uint8_t *buf, size_t cap, uint8_t src[16], int *ifindex);

#endif
