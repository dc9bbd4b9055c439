/* upstream.h - the UDP socket on port 67 toward the servers. */
#ifndef PXR_UPSTREAM_H
#define PXR_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bound to 0.0.0.0:port, non-blocking, with a socket filter that keeps
 * only BOOTREPLY (op 2): the same socket would otherwise get every client
 * broadcast, which the capture already delivers. Its receive buffer is
 * UPSTREAM_RCVBUF (the kernel doubles it for its bookkeeping). Returns fd
 * or -errno. */
#define UPSTREAM_RCVBUF (1024 * 1024)
int upstream_open(uint16_t port, char *err, size_t errlen);
int upstream_send(int fd, uint32_t dst, uint16_t port, const uint8_t *buf, size_t len);
/* Batched receive: up to UPSTREAM_RX_BATCH datagrams with one recvmmsg.
 * A datagram larger than DHCP_MAX_LEN comes back with len -EMSGSIZE. */
#define UPSTREAM_RX_BATCH 16
#define UPSTREAM_RX_BYTES 8193          /* DHCP_MAX_LEN + 1 */
struct upstream_msg {
	const uint8_t *buf;
	ssize_t len;
	uint32_t src, dst;
	int ifindex;
};
struct upstream_rx;
struct upstream_rx *upstream_rx_new(void);
void upstream_rx_free(struct upstream_rx *rx);
/* Fills out[0..n); returns n (0 when none waited) or -errno. *drained is
 * true when the socket had no more than that. */
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

/* The source address the kernel would use toward dst (for the trace). */
uint32_t upstream_source_for(uint32_t dst);

#endif
