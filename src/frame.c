/* frame.c - from a captured frame to the UDP payload and its addresses.
 *
 * UDP checksums are not verified: frames captured on the sending host, or
 * on veth pairs, carry the checksum the NIC would have filled in
 * (TP_STATUS_CSUMNOTREADY / CHECKSUM_PARTIAL), so a wrong sum here does not
 * mean a damaged packet. The IPv4 header checksum is complete and checked. */
#include "frame.h"
#include "cursor.h"

#include <errno.h>
#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define IPPROTO_UDP_NUM 17

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The UDP header and payload inside an IP datagram's payload u. */
static int parse_udp(struct cursor u, struct frame_info *fi)
{
	uint16_t udplen;

	if (!cursor_be16(&u, &fi->sport) || !cursor_be16(&u, &fi->dport) ||
	    !cursor_be16(&u, &udplen) || !cursor_skip(&u, 2))
		return -EBADMSG;
	if (udplen < 8 || (size_t)udplen - 8 > u.left)
		return -EBADMSG;
	fi->payload = u.p;
	fi->payload_len = (size_t)udplen - 8;
	return 0;
}

static int parse_ipv4_udp(struct cursor c, struct frame_info *fi)
{
	const uint8_t *ip;
	uint8_t vihl, proto;
	uint16_t total, frag;
	size_t ihl;

	if (c.left < 20)
		return -EBADMSG;
	ip = c.p;
	vihl = ip[0];
	ihl = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || ihl < 20 || c.left < ihl)
		return -EBADMSG;
	total = (uint16_t)(ip[2] << 8 | ip[3]);
	if (total < ihl || total > c.left)
		return -EBADMSG;
	frag = (uint16_t)(ip[6] << 8 | ip[7]);
	if (frag & 0x3fff)    /* MF set or an offset: fragments are not ours */
		return -EBADMSG;
	proto = ip[9];
	if (proto != IPPROTO_UDP_NUM)
		return -EPROTONOSUPPORT;
	if (ip_checksum(ip, ihl) != 0)
		return -EBADMSG;
	memcpy(&fi->ip_src, ip + 12, 4);
	memcpy(&fi->ip_dst, ip + 16, 4);
	fi->family = 4;

	return parse_udp(cursor_make(ip + ihl, total - ihl), fi);
}

/* IPv6 with UDP as the next header (DHCPv6 carries no extension
 * headers; one there is not ours). */
static int parse_ipv6_udp(struct cursor c, struct frame_info *fi)
{
	const uint8_t *ip;
	uint16_t plen;

	if (c.left < 40)
		return -EBADMSG;
	ip = c.p;
	if ((ip[0] >> 4) != 6)
		return -EBADMSG;
	plen = (uint16_t)(ip[4] << 8 | ip[5]);
	if ((size_t)plen > c.left - 40)
		return -EBADMSG;
	if (ip[6] != IPPROTO_UDP_NUM)
		return -EPROTONOSUPPORT;
	memcpy(fi->src6, ip + 8, 16);
	memcpy(fi->dst6, ip + 24, 16);
	fi->family = 6;
	return parse_udp(cursor_make(ip + 40, plen), fi);
}

/* What the two Linux cooked headers share once read: the protocol, the
 * link address (the sender's MAC on Ethernet), then IPv4. */
static int cooked_tail(struct cursor c, struct frame_info *fi, const uint8_t *p, size_t len,
		       uint16_t proto, uint8_t halen, const uint8_t *addr)
{
	if (proto != ETHERTYPE_IPV4 && proto != ETHERTYPE_IPV6)
		return -EPROTONOSUPPORT;
	fi->frame = p;
	fi->frame_len = len;
	if (halen == 6)
		memcpy(fi->src_mac, addr, 6);
	return proto == ETHERTYPE_IPV6 ? parse_ipv6_udp(c, fi) : parse_ipv4_udp(c, fi);
}

int frame_parse_sll2(const uint8_t *p, size_t len, struct frame_info *fi)
{
	struct cursor c = cursor_make(p, len);
	uint16_t proto;
	uint32_t ifindex;
	uint8_t halen, addr[8];

	memset(fi, 0, sizeof(*fi));
	/* protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) */
	if (!cursor_be16(&c, &proto) || !cursor_skip(&c, 2) ||
	    !cursor_be32(&c, &ifindex) || !cursor_skip(&c, 2) /* hatype */ ||
	    !cursor_u8(&c, &fi->pkttype) || !cursor_u8(&c, &halen) ||
	    !cursor_bytes(&c, addr, sizeof(addr)))
		return -EBADMSG;
	if (ifindex == 0 || ifindex > INT32_MAX)
		return -EBADMSG;
	fi->ifindex = (int)ifindex;
	return cooked_tail(c, fi, p, len, proto, halen, addr);
}

int frame_parse_sll(const uint8_t *p, size_t len, struct frame_info *fi)
{
	struct cursor c = cursor_make(p, len);
	uint16_t pkttype, halen, proto;
	uint8_t addr[8];

	memset(fi, 0, sizeof(*fi));
	if (!cursor_be16(&c, &pkttype) || !cursor_skip(&c, 2) /* hatype */ ||
	    !cursor_be16(&c, &halen) || !cursor_bytes(&c, addr, sizeof(addr)) ||
	    !cursor_be16(&c, &proto))
		return -EBADMSG;
	fi->pkttype = (uint8_t)pkttype;
	return cooked_tail(c, fi, p, len, proto, halen == 6 ? 6 : 0, addr);
}

int frame_parse_ipv4(const uint8_t *p, size_t len, struct frame_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->frame = p;
	fi->frame_len = len;
	return parse_ipv4_udp(cursor_make(p, len), fi);
}

int frame_parse_ether(const uint8_t *p, size_t len, struct frame_info *fi)
{
	struct cursor c = cursor_make(p, len);
	uint8_t dst[6];
	uint16_t type;

	memset(fi, 0, sizeof(*fi));
	if (!cursor_bytes(&c, dst, 6) || !cursor_bytes(&c, fi->src_mac, 6) ||
	    !cursor_be16(&c, &type))
		return -EBADMSG;
	if (type == ETHERTYPE_VLAN && (!cursor_skip(&c, 2) || !cursor_be16(&c, &type)))
		return -EBADMSG;
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
		return -EPROTONOSUPPORT;
	fi->frame = p;
	fi->frame_len = len;
	return type == ETHERTYPE_IPV6 ? parse_ipv6_udp(c, fi) : parse_ipv4_udp(c, fi);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void frame_udp_header(uint8_t out[8], uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport, const uint8_t *payload, size_t len)
{
	uint8_t pseudo[8];
	uint32_t sum;
	uint16_t c;

	out[0] = (uint8_t)(sport >> 8);
	out[1] = (uint8_t)sport;
	out[2] = (uint8_t)(dport >> 8);
	out[3] = (uint8_t)dport;
	out[4] = (uint8_t)((8 + len) >> 8);
	out[5] = (uint8_t)(8 + len);
	out[6] = out[7] = 0;
	/* RFC 768: the sum covers a pseudo header of the source and
	 * destination addresses, the protocol and the UDP length; "If the
	 * computed checksum is zero, it is transmitted as all ones". The
	 * header's 8 bytes are even, so the payload's sum can follow it. */
	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	sum = sum16(0, pseudo, 8) + IPPROTO_UDP_NUM + (uint32_t)(8 + len);
	c = fold(sum16(sum16(sum, out, 8), payload, len));
	if (c == 0)
		c = 0xffff;
	out[6] = (uint8_t)(c >> 8);
	out[7] = (uint8_t)c;
}

/* An SLL2 header (zeroed by the caller): protocol, ifindex, ARPHRD_ETHER,
 * the packet type, a 6-byte address: the MAC when given. */
static void put_sll2(uint8_t *out, uint16_t proto, int ifindex, uint8_t pkttype,
		     const uint8_t mac[6])
{
	out[0] = (uint8_t)(proto >> 8);
	out[1] = (uint8_t)proto;
	out[4] = (uint8_t)((uint32_t)ifindex >> 24);
	out[5] = (uint8_t)((uint32_t)ifindex >> 16);
	out[6] = (uint8_t)((uint32_t)ifindex >> 8);
	out[7] = (uint8_t)ifindex;
	out[9] = 1;                                     /* ARPHRD_ETHER */
	out[10] = pkttype;
	out[11] = 6;                                    /* halen; 0s when no MAC */
	if (mac)
		memcpy(out + 12, mac, 6);
}

int frame_build_sll2_udp(uint8_t *out, size_t cap, int ifindex, uint8_t pkttype,
			 const uint8_t mac[6], uint32_t src, uint32_t dst,
			 uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len)
{
	size_t total = SLL2_HDR_LEN + 20 + 8 + len;
	uint8_t *ip = out + SLL2_HDR_LEN, *udp = ip + 20;
	uint16_t c;

	if (total > cap || 20 + 8 + len > 65535)
		return -EMSGSIZE;
	memset(out, 0, SLL2_HDR_LEN + 28);
	put_sll2(out, ETHERTYPE_IPV4, ifindex, pkttype, mac);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 8 + len) >> 8);
	ip[3] = (uint8_t)(20 + 8 + len);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP_NUM;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = fold(sum16(0, ip, 20));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memcpy(udp + 8, payload, len);
	frame_udp_header(udp, src, dst, sport, dport, payload, len);
	return (int)total;
}

int frame_build_sll2_udp6(uint8_t *out, size_t cap, int ifindex, uint8_t pkttype,
			  const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
			  uint16_t dport, const uint8_t *payload, size_t len)
{
	size_t total = SLL2_HDR_LEN + 40 + 8 + len;
	uint8_t *ip = out + SLL2_HDR_LEN, *udp = ip + 40, nh[4] = { 0, 0, 0, IPPROTO_UDP_NUM };
	uint32_t sum;
	uint16_t c;

	if (total > cap || 8 + len > 65535)
		return -EMSGSIZE;
	memset(out, 0, SLL2_HDR_LEN + 48);
	put_sll2(out, ETHERTYPE_IPV6, ifindex, pkttype, NULL);
	ip[0] = 0x60;
	ip[4] = (uint8_t)((8 + len) >> 8);
	ip[5] = (uint8_t)(8 + len);
	ip[6] = IPPROTO_UDP_NUM;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)((8 + len) >> 8);
	udp[5] = (uint8_t)(8 + len);
	memcpy(udp + 8, payload, len);
	/* RFC 8200 §8.1: source, destination, upper-layer length (32 bits),
	 * three zero bytes and the next header; RFC 768's rule for zero. */
	sum = sum16(sum16(0, ip + 8, 32), nh, 4) + (uint32_t)(8 + len);
	c = fold(sum16(sum, udp, 8 + len));
	if (c == 0)
		c = 0xffff;
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
	return (int)total;
}
