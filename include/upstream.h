/* upstream.h - the UDP socket on port 67 toward the servers. */
#ifndef PXR_UPSTREAM_H
#define PXR_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The socket toward the servers: a raw IPv4 socket for UDP, bound to no
 * port, so a DHCP server on this host can own UDP port 67 (see
 * upstream.c for why). It reads each UDP datagram the host receives for
 * port 67 whose BOOTP op is 2 (a socket filter keeps only those),
 * reassembled by the kernel, with IP_PKTINFO; it sends each request with
 * a UDP header of our own, from port 67. Non-blocking; its receive buffer
 * is UPSTREAM_RCVBUF (the kernel doubles it for its bookkeeping). Returns
 * fd or -errno. */
#define UPSTREAM_RCVBUF (1024 * 1024)
int upstream_open(char *err, size_t errlen);
/* hold-port-67: a UDP socket bound to 0.0.0.0:port that reads nothing (its
 * filter drops every datagram). No DHCP server can start beside it, and
 * the kernel no longer answers replies with ICMP port unreachable. Fails
 * with EADDRINUSE when something else holds the port. fd or -errno. */
int upstream_hold_port(uint16_t port, char *err, size_t errlen);
/* One request to dst:port from port 67, the source address as the
 * routing table gives it. 0 or -errno. */
int upstream_send(int fd, uint32_t dst, uint16_t port, const uint8_t *buf, size_t len);
/* Batched receive: up to UPSTREAM_RX_BATCH datagrams with one recvmmsg.
 * A datagram larger than DHCP_MAX_LEN comes back with len -EMSGSIZE. */
#define UPSTREAM_RX_BATCH 16
/* DHCP_MAX_LEN + 1 after the largest IP header (60) and UDP's 8 */
#define UPSTREAM_RX_BYTES (60 + 8 + 8192 + 1)
struct upstream_msg {
	const uint8_t *buf;
	ssize_t len;
	uint32_t src, dst;
	int ifindex;
};
struct upstream_rx;
struct upstream_rx *upstream_rx_new(void);
void upstream_rx_free(struct upstream_rx *rx);
/* Fills out[0..n) with the UDP payloads; returns n (0 when none waited)
 * or -errno. A datagram whose headers do not parse comes back with len
 * -EBADMSG. *drained is true when the socket had no more than that. */
int upstream_recv_batch(int fd, struct upstream_rx *rx, struct upstream_msg *out,
			bool *drained);

/* Batched send: datagrams queued during one loop turn go out with one
 * sendmmsg. Each carries a tag for the caller's bookkeeping. */
#define UPSTREAM_TX_BATCH 32
#define UPSTREAM_TX_BYTES 2048
struct upstream_tx;
struct upstream_tx *upstream_tx_new(void);
void upstream_tx_free(struct upstream_tx *tx);
typedef void (*upstream_done_fn)(void *user, uint32_t dst, const uint8_t *buf, size_t len,
				 uintptr_t tag, int err);
/* Queue one; a full queue is flushed first, a datagram over
 * UPSTREAM_TX_BYTES goes out at once. done() runs for every datagram,
 * with 0 or -errno, when it has been handed to the kernel. */
void upstream_queue(int fd, struct upstream_tx *tx, uint32_t dst, uint16_t port,
		    const uint8_t *buf, size_t len, uintptr_t tag, upstream_done_fn done,
		    void *user);
void upstream_flush(int fd, struct upstream_tx *tx, upstream_done_fn done, void *user);

/* The source address the kernel would use toward dst, 0 when there is
 * no route. The sends keep what it says for a second per destination. */
uint32_t upstream_source_for(uint32_t dst);

#endif
