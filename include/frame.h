/* frame.h - link, IPv4 and UDP headers of a captured frame (pure). */
#ifndef PXR_FRAME_H
#define PXR_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct frame_info {
	int ifindex;              /* from the SLL2 header, 0 for Ethernet */
	uint8_t pkttype;          /* PACKET_HOST, PACKET_BROADCAST, ... */
	uint8_t src_mac[6];
	uint8_t family;           /* 4 or 6 */
	uint32_t ip_src, ip_dst;  /* network order (IPv4) */
	uint8_t src6[16], dst6[16];  /* IPv6 */
	uint16_t sport, dport;    /* host order */
	const uint8_t *payload;   /* UDP payload */
	size_t payload_len;
	const uint8_t *frame;     /* the whole frame as parsed */
	size_t frame_len;
};

#define SLL2_HDR_LEN 20
#define SLL2_OUTGOING 4           /* PACKET_OUTGOING */
#define SLL2_HOST 0               /* PACKET_HOST */

/* Build an SLL2 frame holding IPv4/UDP with correct checksums, for the
 * packet trace. Returns the length or -EMSGSIZE. */
int frame_build_sll2_udp(uint8_t *out, size_t cap, int ifindex, uint8_t pkttype,
			 const uint8_t mac[6], uint32_t src, uint32_t dst,
			 uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len);

/* The same for IPv6 (addresses 16 bytes each), the UDP checksum over the
 * RFC 8200 §8.1 pseudo-header. */
int frame_build_sll2_udp6(uint8_t *out, size_t cap, int ifindex, uint8_t pkttype,
			  const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
			  uint16_t dport, const uint8_t *payload, size_t len);

/* DLT_LINUX_SLL2 (libpcap's "any" device): 20-byte header with the
 * ifindex and the source MAC, then IPv4. */
int frame_parse_sll2(const uint8_t *p, size_t len, struct frame_info *fi);
/* An IPv4 packet as a raw IP socket reads it: the IP header first, the
 * datagram already reassembled by the kernel. ifindex and MAC stay 0. */
int frame_parse_ipv4(const uint8_t *p, size_t len, struct frame_info *fi);
/* The 8-byte UDP header for len bytes of payload from src:sport to
 * dst:dport (addresses in network order), checksum over the RFC 768
 * pseudo-header included. */
void frame_udp_header(uint8_t out[8], uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport, const uint8_t *payload, size_t len);
/* DLT_EN10MB, with at most one 802.1Q tag skipped. */
int frame_parse_ether(const uint8_t *p, size_t len, struct frame_info *fi);
/* DLT_LINUX_SLL (cooked v1, older captures on "any"). */
int frame_parse_sll(const uint8_t *p, size_t len, struct frame_info *fi);

#endif
