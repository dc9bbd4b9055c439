/* trace.h - every packet the relay receives and sends, both legs, written
 * as a pcap file (DLT_LINUX_SLL2: the link and the direction are kept) that
 * Wireshark, tcpdump and pxerelay --replay read. */
#ifndef PXR_TRACE_H
#define PXR_TRACE_H

#include <stddef.h>
#include <stdint.h>

struct trace;

struct trace *trace_open(const char *path, char *err, size_t errlen);
void trace_close(struct trace *t);
/* A frame already in SLL2 form (from the capture). */
void trace_sll2(struct trace *t, const uint8_t *frame, size_t len);
/* A UDP datagram on a socket (the server leg). */
void trace_udp(struct trace *t, int ifindex, uint8_t pkttype, uint32_t src, uint32_t dst,
	       uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len);
/* The same for IPv6. */
void trace_udp6(struct trace *t, int ifindex, uint8_t pkttype, const uint8_t src[16],
		const uint8_t dst[16], uint16_t sport, uint16_t dport, const uint8_t *payload,
		size_t len);
/* An Ethernet frame the relay sent on a client link. */
void trace_ether(struct trace *t, int ifindex, const uint8_t *frame, size_t len);

#endif
