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

static int parse_ipv4_udp(struct cursor c, struct frame_info *fi)
{
	const uint8_t *ip;
	uint8_t vihl, proto;
	uint16_t total, frag, udplen;
	size_t ihl;
	struct cursor u;

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

	u = cursor_make(ip + ihl, total - ihl);
	if (!cursor_be16(&u, &fi->sport) || !cursor_be16(&u, &fi->dport) ||
	    !cursor_be16(&u, &udplen) || !cursor_skip(&u, 2))
		return -EBADMSG;
	if (udplen < 8 || (size_t)udplen - 8 > u.left)
		return -EBADMSG;
	fi->payload = u.p;
	fi->payload_len = (size_t)udplen - 8;
	return 0;
}

int frame_parse_sll2(const uint8_t *p, size_t len, struct frame_info *fi)
{
	struct cursor c = cursor_make(p, len);
	uint16_t proto, hatype;
	uint32_t ifindex;
	uint8_t halen, addr[8];

	memset(fi, 0, sizeof(*fi));
	/* protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) */
	if (!cursor_be16(&c, &proto) || !cursor_skip(&c, 2) ||
	    !cursor_be32(&c, &ifindex) || !cursor_be16(&c, &hatype) ||
	    !cursor_u8(&c, &fi->pkttype) || !cursor_u8(&c, &halen) ||
	    !cursor_bytes(&c, addr, sizeof(addr)))
		return -EBADMSG;
	if (proto != ETHERTYPE_IPV4)
		return -EPROTONOSUPPORT;
	if (ifindex == 0 || ifindex > INT32_MAX)
		return -EBADMSG;
	fi->ifindex = (int)ifindex;
	if (halen == 6)
		memcpy(fi->src_mac, addr, 6);
	(void)hatype;
	return parse_ipv4_udp(c, fi);
}

int frame_parse_sll(const uint8_t *p, size_t len, struct frame_info *fi)
{
	struct cursor c = cursor_make(p, len);
	uint16_t pkttype, hatype, halen, proto;
	uint8_t addr[8];

	memset(fi, 0, sizeof(*fi));
	if (!cursor_be16(&c, &pkttype) || !cursor_be16(&c, &hatype) ||
	    !cursor_be16(&c, &halen) || !cursor_bytes(&c, addr, sizeof(addr)) ||
	    !cursor_be16(&c, &proto))
		return -EBADMSG;
	if (proto != ETHERTYPE_IPV4)
		return -EPROTONOSUPPORT;
	fi->pkttype = (uint8_t)pkttype;
	if (halen == 6)
		memcpy(fi->src_mac, addr, 6);
	(void)hatype;
	return parse_ipv4_udp(c, fi);
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
	if (type != ETHERTYPE_IPV4)
		return -EPROTONOSUPPORT;
	return parse_ipv4_udp(c, fi);
}
