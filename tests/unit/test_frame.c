/* test_frame.c - link, IPv4 and UDP headers of captured frames.
 *
 * Frames are assembled here field by field (SLL2, SLL v1, Ethernet with
 * and without 802.1Q), with the IPv4 header checksum computed by the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define PKT_HOST      0
#define PKT_BROADCAST 1
#define ARPHRD_ETHER_NUM 1

/* LINK_RAW: no link header, as a raw IP socket reads a packet. */
enum link_kind { LINK_SLL2, LINK_SLL, LINK_ETHER, LINK_ETHER_VLAN, LINK_RAW };

struct frm {
	uint8_t b[2048];
	size_t len;
	size_t ip_off;                /* where the IPv4 header starts */
};

static const uint8_t client_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t payload[] = "\x01\x01\x06\x00 a DHCP payload stand-in";
#define PAYLOAD_LEN (sizeof(payload) - 1)

static void put(struct frm *f, const void *v, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	if (n)
		memcpy(f->b + f->len, v, n);
	f->len += n;
}

static void put_u8(struct frm *f, uint8_t v)
{
	put(f, &v, 1);
}

static void put_be16(struct frm *f, uint16_t v)
{
	put_u8(f, (uint8_t)(v >> 8));
	put_u8(f, (uint8_t)v);
}

static void put_be32(struct frm *f, uint32_t v)
{
	put_be16(f, (uint16_t)(v >> 16));
	put_be16(f, (uint16_t)v);
}

/* RFC 1071 one's complement sum, written independently of frame.c. */
static uint16_t csum(const uint8_t *p, size_t len)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (unsigned long)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)(~sum & 0xffff);
}

static void put_link(struct frm *f, enum link_kind kind, uint16_t ethertype, int ifindex)
{
	switch (kind) {
	case LINK_SLL2:
		put_be16(f, ethertype);          /* protocol */
		put_be16(f, 0);                  /* reserved */
		put_be32(f, (uint32_t)ifindex);
		put_be16(f, ARPHRD_ETHER_NUM);
		put_u8(f, PKT_BROADCAST);
		put_u8(f, 6);                    /* halen */
		put(f, client_mac, 6);
		put_be16(f, 0);                  /* address padded to 8 */
		break;
	case LINK_SLL:
		put_be16(f, PKT_BROADCAST);
		put_be16(f, ARPHRD_ETHER_NUM);
		put_be16(f, 6);
		put(f, client_mac, 6);
		put_be16(f, 0);
		put_be16(f, ethertype);
		break;
	case LINK_ETHER:
		put(f, bcast_mac, 6);
		put(f, client_mac, 6);
		put_be16(f, ethertype);
		break;
	case LINK_ETHER_VLAN:
		put(f, bcast_mac, 6);
		put(f, client_mac, 6);
		put_be16(f, 0x8100);
		put_be16(f, 0x2000 | 10);        /* PCP 1, VLAN 10 */
		put_be16(f, ethertype);
		break;
	case LINK_RAW:
		break;
	}
}

/* IPv4 (ihl words, options zero) + UDP + payload, as a client's
 * broadcast DISCOVER: 0.0.0.0:68 -> 255.255.255.255:67. */
static void put_ip_udp(struct frm *f, uint8_t proto, unsigned ihl_words,
		       uint16_t frag, const void *data, size_t dlen)
{
	size_t ihl = ihl_words * 4;
	uint16_t total = (uint16_t)(ihl + 8 + dlen);
	uint16_t sum;

	f->ip_off = f->len;
	put_u8(f, (uint8_t)(0x40 | ihl_words));
	put_u8(f, 0x10);                        /* TOS */
	put_be16(f, total);
	put_be16(f, 0x1234);                    /* id */
	put_be16(f, frag);
	put_u8(f, 64);                          /* TTL */
	put_u8(f, proto);
	put_be16(f, 0);                         /* checksum, below */
	put_be32(f, 0x00000000);                /* source 0.0.0.0 */
	put_be32(f, 0xffffffff);                /* destination broadcast */
	for (size_t i = 20; i < ihl; i++)
		put_u8(f, i == 20 ? 1 : 0);     /* NOP then EOL options */
	sum = csum(f->b + f->ip_off, ihl);
	f->b[f->ip_off + 10] = (uint8_t)(sum >> 8);
	f->b[f->ip_off + 11] = (uint8_t)sum;
	put_be16(f, 68);
	put_be16(f, 67);
	put_be16(f, (uint16_t)(8 + dlen));
	put_be16(f, 0xbeef);                    /* UDP checksum: not checked */
	put(f, data, dlen);
}

static void make_frame(struct frm *f, enum link_kind kind)
{
	memset(f, 0, sizeof(*f));
	put_link(f, kind, 0x0800, 7);
	put_ip_udp(f, 17, 5, 0x4000 /* DF */, payload, PAYLOAD_LEN);
}

/* Recompute the IPv4 header checksum after a test edited the header. */
static void fix_ip_csum(struct frm *f)
{
	size_t ihl = (size_t)(f->b[f->ip_off] & 0x0f) * 4;
	uint16_t sum;

	f->b[f->ip_off + 10] = 0;
	f->b[f->ip_off + 11] = 0;
	sum = csum(f->b + f->ip_off, ihl);
	f->b[f->ip_off + 10] = (uint8_t)(sum >> 8);
	f->b[f->ip_off + 11] = (uint8_t)sum;
}

typedef int (*parse_fn)(const uint8_t *, size_t, struct frame_info *);

static parse_fn parser_for(enum link_kind kind)
{
	switch (kind) {
	case LINK_SLL2:
		return frame_parse_sll2;
	case LINK_SLL:
		return frame_parse_sll;
	case LINK_RAW:
		return frame_parse_ipv4;
	default:
		return frame_parse_ether;
	}
}

/* Parse from a heap copy of exactly len bytes (ASan sees over-reads).
 * The payload pointer is rebased onto f->b so callers can compare. */
static int parse_exact(enum link_kind kind, const struct frm *f, size_t len,
		       struct frame_info *fi)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, f->b, len);
	r = parser_for(kind)(copy, len, fi);
	if (r == 0) {
		assert_true(fi->payload >= copy && fi->payload + fi->payload_len <= copy + len);
		fi->payload = f->b + (fi->payload - copy);
	}
	free(copy);
	return r;
}

static void assert_dhcp_broadcast(const struct frame_info *fi)
{
	assert_int_equal(fi->ip_src, 0);
	assert_int_equal(fi->ip_dst, 0xffffffff);
	assert_int_equal(fi->sport, 68);
	assert_int_equal(fi->dport, 67);
	assert_int_equal(fi->payload_len, PAYLOAD_LEN);
	assert_memory_equal(fi->payload, payload, PAYLOAD_LEN);
	assert_memory_equal(fi->src_mac, client_mac, 6);
}

/* ---- each link type ---- */

/* The reply socket is raw IP: the packet starts at the IPv4 header, the
 * kernel has reassembled it, and there is no link or MAC. */
static void test_raw_ip_packet_gives_addresses_ports_payload(void **state)
{
	struct frm f;
	struct frame_info fi;
	static const uint8_t zero_mac[6] = { 0 };

	(void)state;
	make_frame(&f, LINK_RAW);
	assert_int_equal(f.ip_off, 0);
	assert_int_equal(parse_exact(LINK_RAW, &f, f.len, &fi), 0);
	assert_int_equal(fi.ifindex, 0);
	assert_int_equal(fi.ip_src, 0);
	assert_int_equal(fi.ip_dst, 0xffffffff);
	assert_int_equal(fi.sport, 68);
	assert_int_equal(fi.dport, 67);
	assert_int_equal(fi.payload_len, PAYLOAD_LEN);
	assert_memory_equal(fi.payload, payload, PAYLOAD_LEN);
	assert_memory_equal(fi.src_mac, zero_mac, 6);
}

/* The sum written independently of frame.c: pseudo-header (addresses,
 * protocol 17, UDP length), then the header and the payload. */
static uint32_t udp_sum(uint32_t src, uint32_t dst, const uint8_t hdr[8], const uint8_t *p,
			size_t len)
{
	uint8_t a[8];
	unsigned long sum = 17 + 8 + len;

	memcpy(a, &src, 4);
	memcpy(a + 4, &dst, 4);
	for (int i = 0; i < 8; i += 2)
		sum += (unsigned long)a[i] << 8 | a[i + 1];
	for (int i = 0; i < 8; i += 2)
		sum += (unsigned long)hdr[i] << 8 | hdr[i + 1];
	for (size_t i = 0; i < len; i += 2)
		sum += (unsigned long)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

/* RFC 768: the checksum is "the 16-bit one's complement of the one's
 * complement sum of a pseudo header of information from the IP header,
 * the UDP header, and the data, padded with zero octets at the end (if
 * necessary) to make a multiple of two octets". Requests the relay sends
 * carry such a header of its own, from port 67. */
static void test_rfc768_udp_header_checksum_covers_pseudo_header_and_odd_payload(void **state)
{
	uint8_t hdr[8], body[301];
	uint32_t src = htonl(0x0a000001), dst = htonl(0x0a000002);

	(void)state;
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 13 + 1);
	for (size_t len = 299; len <= 301; len++) {
		frame_udp_header(hdr, src, dst, 67, 67, body, len);
		assert_int_equal(hdr[0] << 8 | hdr[1], 67);
		assert_int_equal(hdr[2] << 8 | hdr[3], 67);
		assert_int_equal(hdr[4] << 8 | hdr[5], 8 + len);
		assert_int_equal(udp_sum(src, dst, hdr, body, len), 0xffff);
	}
	/* Another source gives another sum: it is part of the pseudo-header. */
	frame_udp_header(hdr, htonl(0x0a000003), dst, 67, 67, body, 300);
	assert_int_not_equal(udp_sum(src, dst, hdr, body, 300), 0xffff);
}

/* RFC 768: "If the computed checksum is zero, it is transmitted as all
 * ones" (zero on the wire means no checksum at all). */
static void test_rfc768_computed_zero_checksum_is_sent_as_all_ones(void **state)
{
	uint8_t hdr[8], body[2] = { 0, 0 };
	uint32_t src = htonl(0x0a000001), dst = htonl(0x0a000002), s;

	(void)state;
	/* With a zero word the sum is s; the word 0xffff - s makes it
	 * 0xffff, whose complement, the checksum, is 0. */
	frame_udp_header(hdr, src, dst, 67, 67, body, 2);
	s = udp_sum(src, dst, (const uint8_t[8]){ hdr[0], hdr[1], hdr[2], hdr[3], hdr[4], hdr[5] },
		    body, 2);
	body[0] = (uint8_t)((0xffff - s) >> 8);
	body[1] = (uint8_t)(0xffff - s);
	frame_udp_header(hdr, src, dst, 67, 67, body, 2);
	assert_int_equal(hdr[6], 0xff);
	assert_int_equal(hdr[7], 0xff);
}

static void test_sll2_frame_gives_ifindex_mac_addresses_ports_payload(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL2);
	assert_int_equal(f.ip_off, 20);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
	assert_int_equal(fi.ifindex, 7);
	assert_int_equal(fi.pkttype, PKT_BROADCAST);
	assert_dhcp_broadcast(&fi);
	assert_ptr_equal(fi.payload, f.b + 20 + 20 + 8);
}

static void test_sll2_unicast_addresses_stay_in_network_order(void **state)
{
	struct frm f;
	struct frame_info fi;
	static const uint8_t src[4] = { 10, 0, 0, 2 }, dst[4] = { 10, 10, 0, 1 };
	uint32_t want;

	(void)state;
	make_frame(&f, LINK_SLL2);
	memcpy(f.b + f.ip_off + 12, src, 4);
	memcpy(f.b + f.ip_off + 16, dst, 4);
	f.b[f.ip_off + 20 + 1] = 67;     /* sport 67: server to relay */
	fix_ip_csum(&f);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
	memcpy(&want, src, 4);
	assert_int_equal(fi.ip_src, want);
	memcpy(&want, dst, 4);
	assert_int_equal(fi.ip_dst, want);
	assert_int_equal(fi.sport, 67);
}

static void test_sll2_with_ifindex_zero_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL2);
	memset(f.b + 4, 0, 4);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EBADMSG);
}

static void test_sll2_ifindex_above_int_max_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL2);
	f.b[4] = 0x80;
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EBADMSG);
	f.b[4] = 0x7f;
	f.b[5] = f.b[6] = f.b[7] = 0xff;
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
	assert_int_equal(fi.ifindex, 0x7fffffff);
}

static void test_sll2_without_6_byte_address_leaves_mac_zero(void **state)
{
	struct frm f;
	struct frame_info fi;
	static const uint8_t zero[6] = { 0 };

	(void)state;
	make_frame(&f, LINK_SLL2);
	f.b[11] = 0;                      /* halen 0: e.g. a tun device */
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
	assert_memory_equal(fi.src_mac, zero, 6);
	assert_int_equal(fi.payload_len, PAYLOAD_LEN);
}

static void test_sll2_non_ip_protocol_is_not_supported(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL2);
	f.b[0] = 0x08;                    /* ARP */
	f.b[1] = 0x06;
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EPROTONOSUPPORT);
}

static void test_ethernet_frame_gives_mac_addresses_ports_payload(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_ETHER);
	assert_int_equal(f.ip_off, 14);
	assert_int_equal(parse_exact(LINK_ETHER, &f, f.len, &fi), 0);
	assert_int_equal(fi.ifindex, 0);
	assert_dhcp_broadcast(&fi);
}

static void test_ethernet_with_8021q_tag_is_skipped_to_ipv4(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_ETHER_VLAN);
	assert_int_equal(f.ip_off, 18);
	assert_int_equal(parse_exact(LINK_ETHER_VLAN, &f, f.len, &fi), 0);
	assert_dhcp_broadcast(&fi);
	assert_ptr_equal(fi.payload, f.b + 18 + 28);
}

static void test_ethernet_8021q_tag_around_non_ipv4_is_not_supported(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_ETHER_VLAN);
	f.b[16] = 0x88;                   /* 802.1X */
	f.b[17] = 0x8e;
	assert_int_equal(parse_exact(LINK_ETHER_VLAN, &f, f.len, &fi), -EPROTONOSUPPORT);
}

/* A DHCPv6 client message as the capture sees it: SLL2, IPv6 from the
 * client's link-local address to ff02::1:2, UDP 546 -> 547. */
static void make_frame6(struct frm *f, uint8_t next_header)
{
	static const uint8_t src[16] = { 0xfe, 0x80, [8] = 0x50, [9] = 0x54, [15] = 0xef };
	static const uint8_t dst[16] = { 0xff, 0x02, [13] = 1, [15] = 2 };

	memset(f, 0, sizeof(*f));
	put_link(f, LINK_SLL2, 0x86dd, 7);
	f->ip_off = f->len;
	put_be32(f, 0x60000000);
	put_be16(f, (uint16_t)(8 + PAYLOAD_LEN));
	put_u8(f, next_header);
	put_u8(f, 1);                    /* hop limit */
	put(f, src, 16);
	put(f, dst, 16);
	put_be16(f, 546);
	put_be16(f, 547);
	put_be16(f, (uint16_t)(8 + PAYLOAD_LEN));
	put_be16(f, 0);
	put(f, payload, PAYLOAD_LEN);
}

static void test_sll2_ipv6_udp_gives_addresses_ports_payload(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame6(&f, 17);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
	assert_int_equal(fi.family, 6);
	assert_int_equal(fi.ifindex, 7);
	assert_memory_equal(fi.src6, f.b + f.ip_off + 8, 16);
	assert_int_equal(fi.dst6[0], 0xff);
	assert_int_equal(fi.dst6[15], 2);
	assert_int_equal(fi.sport, 546);
	assert_int_equal(fi.dport, 547);
	assert_int_equal(fi.payload_len, PAYLOAD_LEN);
	assert_memory_equal(fi.payload, payload, PAYLOAD_LEN);
	assert_memory_equal(fi.src_mac, client_mac, 6);
}

/* An extension header (hop-by-hop, 0) or another protocol is not ours;
 * a cut anywhere is malformed. */
static void test_sll2_ipv6_other_next_header_or_truncated_is_refused(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame6(&f, 0);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EPROTONOSUPPORT);
	make_frame6(&f, 17);
	for (size_t cut = 0; cut < f.len; cut++)
		assert_int_equal(parse_exact(LINK_SLL2, &f, cut, &fi), -EBADMSG);
}

static void test_ethernet_trailer_padding_is_not_payload(void **state)
{
	struct frm f;
	struct frame_info fi;
	static const uint8_t one = 0x5a;

	(void)state;
	memset(&f, 0, sizeof(f));
	put_link(&f, LINK_ETHER, 0x0800, 0);
	put_ip_udp(&f, 17, 5, 0, &one, 1);
	while (f.len < 60)                /* minimum Ethernet frame */
		put_u8(&f, 0xcc);
	assert_int_equal(parse_exact(LINK_ETHER, &f, f.len, &fi), 0);
	assert_int_equal(fi.payload_len, 1);
	assert_int_equal(fi.payload[0], 0x5a);
}

static void test_sll_v1_frame_gives_mac_addresses_ports_payload(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL);
	assert_int_equal(f.ip_off, 16);
	assert_int_equal(parse_exact(LINK_SLL, &f, f.len, &fi), 0);
	assert_int_equal(fi.pkttype, PKT_BROADCAST);
	assert_int_equal(fi.ifindex, 0);
	assert_dhcp_broadcast(&fi);
}

static void test_sll_v1_non_ip_protocol_is_not_supported(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL);
	f.b[14] = 0x08;                   /* ARP */
	f.b[15] = 0x06;
	assert_int_equal(parse_exact(LINK_SLL, &f, f.len, &fi), -EPROTONOSUPPORT);
}

/* ---- IPv4 ---- */

static void test_bad_ip_header_checksum_is_rejected(void **state)
{
	static const enum link_kind kinds[] = { LINK_SLL2, LINK_SLL, LINK_ETHER, LINK_ETHER_VLAN,
						LINK_RAW };
	struct frm f;
	struct frame_info fi;

	(void)state;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		make_frame(&f, kinds[k]);
		f.b[f.ip_off + 11] ^= 0x01;
		assert_int_equal(parse_exact(kinds[k], &f, f.len, &fi), -EBADMSG);
		/* A changed TTL without a new checksum as well. */
		make_frame(&f, kinds[k]);
		f.b[f.ip_off + 8] = 63;
		assert_int_equal(parse_exact(kinds[k], &f, f.len, &fi), -EBADMSG);
	}
}

static void test_ip_options_are_covered_by_checksum_and_skipped(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	memset(&f, 0, sizeof(f));
	put_link(&f, LINK_SLL2, 0x0800, 3);
	put_ip_udp(&f, 17, 6, 0, payload, PAYLOAD_LEN);   /* ihl 24 */
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
	assert_dhcp_broadcast(&fi);
	assert_ptr_equal(fi.payload, f.b + 20 + 24 + 8);
	/* The option bytes are part of the checksum. */
	f.b[f.ip_off + 21] = 0x44;
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EBADMSG);
}

static void test_fragments_are_rejected(void **state)
{
	static const uint16_t frags[] = {
		0x2000,          /* MF: first fragment */
		0x0001,          /* offset 8: a later fragment */
		0x1fff,          /* largest offset */
		0x2000 | 0x00b9, /* middle fragment */
		0x4000 | 0x0010, /* DF with an offset: still a fragment */
	};
	struct frm f;
	struct frame_info fi;

	(void)state;
	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		make_frame(&f, LINK_SLL2);
		f.b[f.ip_off + 6] = (uint8_t)(frags[i] >> 8);
		f.b[f.ip_off + 7] = (uint8_t)frags[i];
		fix_ip_csum(&f);
		if (parse_exact(LINK_SLL2, &f, f.len, &fi) != -EBADMSG)
			fail_msg("fragment field 0x%04x accepted", frags[i]);
	}
	/* DF alone is not a fragment. */
	make_frame(&f, LINK_SLL2);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
}

static void test_non_udp_ip_protocol_is_not_supported(void **state)
{
	static const uint8_t protos[] = { 1 /* ICMP */, 6 /* TCP */, 47 /* GRE */, 132 };
	struct frm f;
	struct frame_info fi;

	(void)state;
	for (size_t i = 0; i < sizeof(protos); i++) {
		memset(&f, 0, sizeof(f));
		put_link(&f, LINK_ETHER, 0x0800, 0);
		put_ip_udp(&f, protos[i], 5, 0, payload, PAYLOAD_LEN);
		if (parse_exact(LINK_ETHER, &f, f.len, &fi) != -EPROTONOSUPPORT)
			fail_msg("IP protocol %u accepted", protos[i]);
	}
}

static void test_ihl_below_5_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		make_frame(&f, LINK_SLL2);
		f.b[f.ip_off] = (uint8_t)(0x40 | ihl);
		fix_ip_csum(&f);
		if (parse_exact(LINK_SLL2, &f, f.len, &fi) != -EBADMSG)
			fail_msg("ihl %u accepted", ihl);
	}
}

static void test_ihl_past_the_end_of_the_frame_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	/* ihl 15 (60 bytes) on a frame whose IP part is 20 + 8 + 1. */
	memset(&f, 0, sizeof(f));
	put_link(&f, LINK_SLL2, 0x0800, 3);
	put_ip_udp(&f, 17, 5, 0, "x", 1);
	f.b[f.ip_off] = 0x4f;
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EBADMSG);
}

static void test_ip_version_other_than_4_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL2);
	f.b[f.ip_off] = 0x65;
	fix_ip_csum(&f);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EBADMSG);
}

static void test_ip_total_length_past_the_end_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;
	uint16_t total;

	(void)state;
	make_frame(&f, LINK_ETHER);
	total = (uint16_t)(f.b[f.ip_off + 2] << 8 | f.b[f.ip_off + 3]);
	total++;
	f.b[f.ip_off + 2] = (uint8_t)(total >> 8);
	f.b[f.ip_off + 3] = (uint8_t)total;
	fix_ip_csum(&f);
	assert_int_equal(parse_exact(LINK_ETHER, &f, f.len, &fi), -EBADMSG);
}

static void test_ip_total_length_below_header_length_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_ETHER);
	f.b[f.ip_off + 2] = 0;
	f.b[f.ip_off + 3] = 19;
	fix_ip_csum(&f);
	assert_int_equal(parse_exact(LINK_ETHER, &f, f.len, &fi), -EBADMSG);
}

/* ---- UDP ---- */

static void set_udp_len(struct frm *f, uint16_t v)
{
	size_t u = f->ip_off + (size_t)(f->b[f->ip_off] & 0x0f) * 4;

	f->b[u + 4] = (uint8_t)(v >> 8);
	f->b[u + 5] = (uint8_t)v;
}

static void test_udp_length_past_the_ip_datagram_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL2);
	set_udp_len(&f, (uint16_t)(8 + PAYLOAD_LEN + 1));
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EBADMSG);
	set_udp_len(&f, 0xffff);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EBADMSG);
}

static void test_udp_length_past_ip_total_is_rejected_even_with_trailer(void **state)
{
	/* Bytes after the IP datagram (Ethernet padding) are not UDP data. */
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_ETHER);
	for (int i = 0; i < 16; i++)
		put_u8(&f, 0);
	set_udp_len(&f, (uint16_t)(8 + PAYLOAD_LEN + 4));
	assert_int_equal(parse_exact(LINK_ETHER, &f, f.len, &fi), -EBADMSG);
}

static void test_udp_length_below_8_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	for (uint16_t v = 0; v < 8; v++) {
		make_frame(&f, LINK_SLL2);
		set_udp_len(&f, v);
		if (parse_exact(LINK_SLL2, &f, f.len, &fi) != -EBADMSG)
			fail_msg("UDP length %u accepted", v);
	}
}

static void test_udp_length_shorter_than_datagram_bounds_the_payload(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	make_frame(&f, LINK_SLL2);
	set_udp_len(&f, 8 + 4);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
	assert_int_equal(fi.payload_len, 4);
	/* Exactly 8: an empty payload. */
	set_udp_len(&f, 8);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), 0);
	assert_int_equal(fi.payload_len, 0);
}

static void test_ip_datagram_too_short_for_udp_header_is_rejected(void **state)
{
	struct frm f;
	struct frame_info fi;

	(void)state;
	memset(&f, 0, sizeof(f));
	put_link(&f, LINK_SLL2, 0x0800, 3);
	put_ip_udp(&f, 17, 5, 0, NULL, 0);
	/* IP total says 20 + 7: one byte short of a UDP header. */
	f.b[f.ip_off + 3] = 27;
	fix_ip_csum(&f);
	assert_int_equal(parse_exact(LINK_SLL2, &f, f.len, &fi), -EBADMSG);
}

/* ---- truncation ---- */

static void check_every_truncation(enum link_kind kind)
{
	struct frm f;
	struct frame_info fi;

	make_frame(&f, kind);
	for (size_t cut = 0; cut < f.len; cut++) {
		int r = parse_exact(kind, &f, cut, &fi);

		if (r != -EBADMSG)
			fail_msg("link %d, cut at %zu of %zu: got %d, want -EBADMSG",
				 kind, cut, f.len, r);
	}
	assert_int_equal(parse_exact(kind, &f, f.len, &fi), 0);
}

static void test_sll2_truncated_at_every_offset_is_ebadmsg(void **state)
{
	(void)state;
	check_every_truncation(LINK_SLL2);
}

static void test_sll_v1_truncated_at_every_offset_is_ebadmsg(void **state)
{
	(void)state;
	check_every_truncation(LINK_SLL);
}

static void test_ethernet_truncated_at_every_offset_is_ebadmsg(void **state)
{
	(void)state;
	check_every_truncation(LINK_ETHER);
}

static void test_ethernet_8021q_truncated_at_every_offset_is_ebadmsg(void **state)
{
	(void)state;
	check_every_truncation(LINK_ETHER_VLAN);
}

static void test_raw_ip_truncated_at_every_offset_is_ebadmsg(void **state)
{
	(void)state;
	check_every_truncation(LINK_RAW);
}

static void test_every_single_byte_corruption_never_crashes(void **state)
{
	/* Not a rule about the result: only that any byte value anywhere
	 * gives 0 or a negative errno, never a read outside the frame. */
	static const enum link_kind kinds[] = { LINK_SLL2, LINK_SLL, LINK_ETHER, LINK_ETHER_VLAN,
						LINK_RAW };
	static const uint8_t values[] = { 0x00, 0x01, 0x0f, 0x45, 0x4f, 0x7f, 0x80, 0xff };
	struct frm f;
	struct frame_info fi;

	(void)state;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		make_frame(&f, kinds[k]);
		for (size_t i = 0; i < f.len; i++)
			for (size_t v = 0; v < sizeof(values); v++) {
				struct frm g = f;
				int r;

				g.b[i] = values[v];
				r = parse_exact(kinds[k], &g, g.len, &fi);
				assert_true(r == 0 || r == -EBADMSG || r == -EPROTONOSUPPORT);
			}
	}
}

/* The packet trace builds SLL2 frames for the UDP legs: they must parse
 * back with a valid IP checksum and a UDP checksum that verifies. */
static void test_trace_sll2_udp_frame_round_trips_with_checksums(void **state)
{
	uint8_t out[600], body[300];
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	uint32_t src = htonl(0x0a000001), dst = htonl(0x0a000002);
	struct frame_info fi;
	uint32_t sum = 0;
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7);
	n = frame_build_sll2_udp(out, sizeof(out), 42, SLL2_OUTGOING, mac, src, dst, 67, 67,
				 body, 299);
	assert_int_equal(n, SLL2_HDR_LEN + 20 + 8 + 299);
	assert_int_equal(frame_parse_sll2(out, (size_t)n, &fi), 0);
	assert_int_equal(fi.ifindex, 42);
	assert_int_equal(fi.pkttype, SLL2_OUTGOING);
	assert_memory_equal(fi.src_mac, mac, 6);
	assert_int_equal(fi.ip_src, src);
	assert_int_equal(fi.ip_dst, dst);
	assert_int_equal(fi.sport, 67);
	assert_int_equal(fi.payload_len, 299);
	assert_memory_equal(fi.payload, body, 299);
	/* UDP checksum over pseudo-header + datagram folds to 0xffff. */
	{
		const uint8_t *ip = out + SLL2_HDR_LEN, *udp = ip + 20;
		size_t ulen = 8 + 299;

		for (int k = 12; k < 20; k += 2)
			sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
		sum += 17 + (uint32_t)ulen;
		for (size_t k = 0; k + 1 < ulen; k += 2)
			sum += (uint32_t)(udp[k] << 8 | udp[k + 1]);
		sum += (uint32_t)udp[ulen - 1] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		assert_int_equal(sum, 0xffff);
	}
	assert_int_equal(frame_build_sll2_udp(out, 100, 1, 0, NULL, src, dst, 67, 67, body, 299),
			 -EMSGSIZE);
}

/* The trace's IPv6 frames: they parse back, and the UDP checksum over the
 * RFC 8200 §8.1 pseudo-header (addresses, 32-bit length, next header 17)
 * verifies, summed here independently. */
static void test_trace_sll2_udp6_frame_round_trips_with_checksum(void **state)
{
	uint8_t out[600], body[301];
	uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, dst[16] = { 0xfe, 0x80, [15] = 5 };
	struct frame_info fi;
	unsigned long sum = 17;
	const uint8_t *ip, *udp;
	size_t ulen = 8 + sizeof(body);
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 5 + 3);
	n = frame_build_sll2_udp6(out, sizeof(out), 9, SLL2_OUTGOING, src, dst, 547, 546, body,
				  sizeof(body));
	assert_int_equal(n, SLL2_HDR_LEN + 40 + 8 + 301);
	assert_int_equal(frame_parse_sll2(out, (size_t)n, &fi), 0);
	assert_int_equal(fi.family, 6);
	assert_int_equal(fi.ifindex, 9);
	assert_memory_equal(fi.src6, src, 16);
	assert_memory_equal(fi.dst6, dst, 16);
	assert_int_equal(fi.sport, 547);
	assert_int_equal(fi.dport, 546);
	assert_int_equal(fi.payload_len, sizeof(body));
	assert_memory_equal(fi.payload, body, sizeof(body));
	ip = out + SLL2_HDR_LEN;
	udp = ip + 40;
	for (int k = 8; k < 40; k += 2)
		sum += (unsigned long)ip[k] << 8 | ip[k + 1];
	sum += ulen;
	for (size_t k = 0; k < ulen; k += 2)
		sum += (unsigned long)udp[k] << 8 | (k + 1 < ulen ? udp[k + 1] : 0);
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	assert_int_equal(frame_build_sll2_udp6(out, 100, 1, 0, src, dst, 547, 547, body, 301),
			 -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sll2_frame_gives_ifindex_mac_addresses_ports_payload),
		cmocka_unit_test(test_sll2_unicast_addresses_stay_in_network_order),
		cmocka_unit_test(test_sll2_with_ifindex_zero_is_rejected),
		cmocka_unit_test(test_sll2_ifindex_above_int_max_is_rejected),
		cmocka_unit_test(test_sll2_without_6_byte_address_leaves_mac_zero),
		cmocka_unit_test(test_sll2_non_ip_protocol_is_not_supported),
		cmocka_unit_test(test_sll2_ipv6_udp_gives_addresses_ports_payload),
		cmocka_unit_test(test_sll2_ipv6_other_next_header_or_truncated_is_refused),
		cmocka_unit_test(test_ethernet_frame_gives_mac_addresses_ports_payload),
		cmocka_unit_test(test_ethernet_with_8021q_tag_is_skipped_to_ipv4),
		cmocka_unit_test(test_ethernet_8021q_tag_around_non_ipv4_is_not_supported),
		cmocka_unit_test(test_ethernet_trailer_padding_is_not_payload),
		cmocka_unit_test(test_sll_v1_frame_gives_mac_addresses_ports_payload),
		cmocka_unit_test(test_sll_v1_non_ip_protocol_is_not_supported),
		cmocka_unit_test(test_bad_ip_header_checksum_is_rejected),
		cmocka_unit_test(test_ip_options_are_covered_by_checksum_and_skipped),
		cmocka_unit_test(test_fragments_are_rejected),
		cmocka_unit_test(test_non_udp_ip_protocol_is_not_supported),
		cmocka_unit_test(test_ihl_below_5_is_rejected),
		cmocka_unit_test(test_ihl_past_the_end_of_the_frame_is_rejected),
		cmocka_unit_test(test_ip_version_other_than_4_is_rejected),
		cmocka_unit_test(test_ip_total_length_past_the_end_is_rejected),
		cmocka_unit_test(test_ip_total_length_below_header_length_is_rejected),
		cmocka_unit_test(test_udp_length_past_the_ip_datagram_is_rejected),
		cmocka_unit_test(test_udp_length_past_ip_total_is_rejected_even_with_trailer),
		cmocka_unit_test(test_udp_length_below_8_is_rejected),
		cmocka_unit_test(test_udp_length_shorter_than_datagram_bounds_the_payload),
		cmocka_unit_test(test_ip_datagram_too_short_for_udp_header_is_rejected),
		cmocka_unit_test(test_sll2_truncated_at_every_offset_is_ebadmsg),
		cmocka_unit_test(test_sll_v1_truncated_at_every_offset_is_ebadmsg),
		cmocka_unit_test(test_ethernet_truncated_at_every_offset_is_ebadmsg),
		cmocka_unit_test(test_ethernet_8021q_truncated_at_every_offset_is_ebadmsg),
		cmocka_unit_test(test_raw_ip_truncated_at_every_offset_is_ebadmsg),
		cmocka_unit_test(test_every_single_byte_corruption_never_crashes),
		cmocka_unit_test(test_raw_ip_packet_gives_addresses_ports_payload),
		cmocka_unit_test(test_rfc768_udp_header_checksum_covers_pseudo_header_and_odd_payload),
		cmocka_unit_test(test_rfc768_computed_zero_checksum_is_sent_as_all_ones),
		cmocka_unit_test(test_trace_sll2_udp_frame_round_trips_with_checksums),
		cmocka_unit_test(test_trace_sll2_udp6_frame_round_trips_with_checksum),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
