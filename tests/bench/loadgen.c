/*
 * tests/bench/loadgen.c - DHCPv4 load generator for relay benchmarks.
 *
 * Simulates N PXE clients on one Ethernet link through an AF_PACKET socket
 * (the link has no address: clients have none either).  Each exchange is
 *
 *     DISCOVER (broadcast flag)  ->  OFFER (matched by xid + chaddr)
 *     REQUEST (50/54 from OFFER) ->  ACK
 *
 * DISCOVERs start at a fixed offered rate for a fixed time; an exchange not
 * ACKed within the timeout counts as lost.  At the end one line of
 * key=value pairs is printed (and a JSON object with -j):
 *
 *     offered sent completed rate loss_pct p50_us p99_us max_us ...
 *
 * offered    DISCOVERs the schedule asked for (rate x seconds)
 * sent       DISCOVERs actually sent (an exchange needs an idle client and a
 *            successful send)
 * completed  exchanges ACKed within the timeout
 * rate       completed / seconds
 * loss_pct   100 x (sent - completed) / sent
 * p50_us ... DISCOVER sent -> ACK received, microseconds
 *
 * and counters that explain them (offers, naks, timeouts, starved: no idle
 * client, send_errors, unmatched frames, rx_drops: socket drops, cpu_us:
 * the generator's own CPU time, acks_with_file: ACKs whose BOOTP file
 * field is set, which the stub server never does, so a relay's boot rule
 * rewrote them).
 *
 * Clients are 02:be:4c:00:HH:LL (HHLL = client number); option 93 cycles
 * through 0, 6, 7, 9, 11, 16 and option 60 says the same arch
 * (PXEClient:Arch:NNNNN:UNDI:003016, HTTPClient for 16, as UEFI sends it).
 * The low 16 bits of each xid are the client number, the high 16 bits an
 * exchange counter salted per run, so a reply is matched in O(1) and a
 * late reply to an earlier run or exchange is ignored.
 *
 * One thread, one epoll loop: a 1 ms timerfd paces the DISCOVERs and
 * expires exchanges; the socket is drained with recvmmsg and REQUESTs go
 * out in batches with sendmmsg.  Needs CAP_NET_RAW.
 *
 * -6: DHCPv6 instead (RFC 8415), the same clients, schedule and report:
 *
 *     SOLICIT                     ->  ADVERTISE (matched by address + xid)
 *     REQUEST (server id, IA_NA)  ->  REPLY
 *
 * from each client's link-local address (fe80:: + the modified EUI-64 of
 * its MAC) port 546 to ff02::1:2 port 547 (Ethernet 33:33:00:01:00:02),
 * UDP checksum computed (mandatory over IPv6).  A SOLICIT carries the
 * client id (DUID-LL from the MAC), elapsed time, IA_NA (IAID = client
 * number), ORO (59, 60), option 61 (the arch, cycling as above), option 62
 * (UNDI 3.16) and option 16 (enterprise 343, the option 60 text above); a
 * REQUEST the same plus the server id and the address of the ADVERTISE.
 * A reply comes to the client's link-local address: the generator matches
 * it by the low 16 bits of that address (the client number) and the 24-bit
 * xid (an exchange counter and the client's low byte).  The relay's kernel
 * resolves that address first, so the generator answers Neighbor
 * Solicitations for its clients' addresses with Neighbor Advertisements
 * (solicited, override, target link-layer address) as each client would
 * (nd_answers in the report).  acks_with_file then counts REPLYs whose
 * option 59 is not the stub server's (-U, default LG6_STUB_URL): a relay's
 * boot rule rewrote them; naks REPLYs/ADVERTISEs with a status code other
 * than Success.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

#define LG_MAX_CLIENTS 65536u
#define LG_MAX_RATE 1000000u
#define LG_MAX_SECONDS 600u
#define LG_MAX_OFFERED 20000000u
#define LG_BATCH 64
#define LG_FRAME_MAX 1536
#define LG_DHCP_MIN 300 /* RFC 1542 §2.1: BOOTP messages are at least 300 bytes */

#define DHCP_OP_REQUEST 1
#define DHCP_OP_REPLY 2
#define DHCP_FIXED_LEN 236
#define DHCP_COOKIE 0x63825363u
#define DHCP_FLAG_BROADCAST 0x8000u

/* DHCPv6 (RFC 8415) */
#define LG6_HDRS (14 + 40 + 8) /* Ethernet + IPv6 + UDP */
#define LG6_SID_MAX 64         /* server id kept for the REQUEST */
#define LG6_STUB_URL "tftp://[2001:db8::2]/generic.efi"
enum { D6_SOLICIT = 1, D6_ADVERTISE = 2, D6_REQUEST = 3, D6_REPLY = 7 };
enum {
	D6O_CLIENTID = 1, D6O_SERVERID = 2, D6O_IA_NA = 3, D6O_IAADDR = 5, D6O_ORO = 6,
	D6O_ELAPSED = 8, D6O_STATUS = 13, D6O_VENDOR_CLASS = 16, D6O_BOOTFILE_URL = 59,
	D6O_CLIENT_ARCH = 61, D6O_NII = 62,
};
/* What tx_queue sends besides a client's own message: a Neighbor
 * Advertisement (no exchange behind it). */
#define LG_TX_NA 0xff

enum { DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPACK = 5, DHCPNAK = 6 };

enum client_state { CL_IDLE, CL_DISCOVERING, CL_REQUESTING };

struct client {
	uint8_t chaddr[6];
	uint8_t state;
	uint16_t arch;
	uint16_t exchange;   /* high half of the current xid */
	uint32_t xid;
	uint32_t offered_ip; /* network order, from the OFFER */
	uint32_t server_id;  /* network order, option 54 of the OFFER */
	uint64_t t_start_ns; /* DISCOVER sent */
	/* -6: from the ADVERTISE, for the REQUEST */
	uint8_t addr6[16];
	uint8_t sid_len;
	uint8_t sid[LG6_SID_MAX];
};

/* An exchange in start order; expired from the head (timeouts are fixed). */
struct started {
	uint32_t client;
	uint32_t xid;
};

struct lg_opts {
	const char *ifname;
	unsigned rate, seconds, clients, timeout_ms;
	bool json, verbose, v6;
	const char *stub_url; /* -6: the stub server's option 59 */
};

struct lg_stats {
	uint64_t offered, sent, completed, starved, send_errors;
	uint64_t offers, acks, naks, timeouts, unmatched, rx_frames, rx_drops;
	uint64_t acks_with_file; /* BOOTP file field set: a relay's boot rule ran */
	uint64_t nd_answers;     /* -6: Neighbor Advertisements sent */
};

struct lg {
	struct lg_opts o;
	int fd;
	struct client *cl;
	uint32_t *idle; /* ring of idle client numbers */
	uint32_t idle_head, idle_count;
	struct started *fifo; /* ring of started exchanges */
	uint64_t fifo_head, fifo_tail, fifo_cap;
	uint32_t *lat_us; /* one per completed exchange */
	uint16_t ip_id;
	uint64_t t0, t_stop_send, timeout_ns;
	/* frames waiting for the next sendmmsg */
	uint8_t tx_buf[LG_BATCH][LG_FRAME_MAX];
	struct iovec tx_iov[LG_BATCH];
	struct mmsghdr tx_msg[LG_BATCH];
	uint32_t tx_client[LG_BATCH];
	uint8_t tx_type[LG_BATCH];
	/* -6: the Neighbor Solicitation each queued NA answers */
	uint8_t tx_ns_mac[LG_BATCH][6], tx_ns_src[LG_BATCH][16];
	unsigned tx_n;
	struct lg_stats st;
};

static volatile sig_atomic_t lg_stop_signal;

static void lg_on_signal(int sig)
{
	lg_stop_signal = sig;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* ------------------------------------------------------------------ frames */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The option 55 list a PXE ROM sends (PXE 2.1 spec, plus 66/67 for iPXE). */
static const uint8_t pxe_param_list[] = {
	1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43,
	50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135,
};

/* The vendor class text of a client of this arch (option 60, and over
 * DHCPv6 the item of option 16) into buf (64 bytes); its length. */
static int arch_text(char *buf, uint16_t arch)
{
	return snprintf(buf, 64, "%s:Arch:%05u:UNDI:003016",
			arch == 16 ? "HTTPClient" : "PXEClient", arch);
}

/*
 * Write a client's DHCP message (DISCOVER or REQUEST) at p, padded to the
 * BOOTP minimum; return its length.  p has room for LG_FRAME_MAX - 42.
 */
static size_t build_dhcp(uint8_t *p, const struct client *c, uint8_t type)
{
	uint8_t *o;
	int n;

	memset(p, 0, LG_DHCP_MIN);
	p[0] = DHCP_OP_REQUEST;
	p[1] = 1; /* htype Ethernet */
	p[2] = 6;
	put32(p + 4, c->xid);
	put16(p + 10, DHCP_FLAG_BROADCAST);
	memcpy(p + 28, c->chaddr, 6);
	put32(p + DHCP_FIXED_LEN, DHCP_COOKIE);
	o = p + DHCP_FIXED_LEN + 4;

	*o++ = 53, *o++ = 1, *o++ = type;
	*o++ = 57, *o++ = 2, put16(o, 1472), o += 2;
	if (type == DHCPREQUEST) {
		*o++ = 50, *o++ = 4, memcpy(o, &c->offered_ip, 4), o += 4;
		*o++ = 54, *o++ = 4, memcpy(o, &c->server_id, 4), o += 4;
	}
	*o++ = 55, *o++ = sizeof(pxe_param_list);
	memcpy(o, pxe_param_list, sizeof(pxe_param_list));
	o += sizeof(pxe_param_list);
	/* Client machine identifier (RFC 4578 §2.5): type 0 + a UUID. */
	*o++ = 97, *o++ = 17, *o++ = 0;
	memset(o, 0x5a, 10);
	memcpy(o + 10, c->chaddr, 6);
	o += 16;
	/* Client network interface identifier: UNDI 3.16. */
	*o++ = 94, *o++ = 3, *o++ = 1, *o++ = 3, *o++ = 16;
	*o++ = 93, *o++ = 2, put16(o, c->arch), o += 2;
	n = arch_text((char *)o + 2, c->arch);
	*o++ = 60, *o++ = (uint8_t)n;
	o += n;
	*o++ = 255;
	return (size_t)(o - p) > LG_DHCP_MIN ? (size_t)(o - p) : LG_DHCP_MIN;
}

/* Ethernet + IPv4 + UDP around a DHCP message, 0.0.0.0:68 -> 255.255.255.255:67. */
static size_t build_frame(struct lg *g, uint8_t *f, const struct client *c, uint8_t type)
{
	uint8_t *ip = f + 14, *udp = ip + 20, *dhcp = udp + 8;
	size_t dlen = build_dhcp(dhcp, c, type);
	uint16_t udp_len = (uint16_t)(8 + dlen);
	uint32_t sum;

	memset(f, 0xff, 6);
	memcpy(f + 6, c->chaddr, 6);
	put16(f + 12, ETH_P_IP);

	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + udp_len));
	put16(ip + 4, g->ip_id++);
	put16(ip + 6, 0);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	put16(ip + 10, 0);
	put32(ip + 12, 0);
	put32(ip + 16, 0xffffffffu);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	/* pseudo header: addresses, protocol, UDP length */
	sum = csum_add(0, ip + 12, 8);
	sum += IPPROTO_UDP + udp_len;
	sum = csum_add(sum, udp, udp_len);
	uint16_t cs = csum_fold(sum);
	put16(udp + 6, cs ? cs : 0xffff);
	return 14 + 20 + udp_len;
}

/* ------------------------------------------------------------------ DHCPv6 frames */

static const uint8_t all_dhcp_relay_agents[16] = { 0xff, 0x02, [13] = 1, [15] = 2 };

/* A client's link-local address: fe80:: + the modified EUI-64 of its MAC. */
static void client_ll6(const uint8_t mac[6], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe, out[1] = 0x80;
	out[8] = mac[0] ^ 0x02, out[9] = mac[1], out[10] = mac[2];
	out[11] = 0xff, out[12] = 0xfe;
	out[13] = mac[3], out[14] = mac[4], out[15] = mac[5];
}

/* The client number of a link-local address of ours, or -1. */
static long client_of_ll6(const struct lg *g, const uint8_t *a)
{
	uint8_t want[16];
	uint32_t n = (uint32_t)a[14] << 8 | a[15];

	if (n >= g->o.clients)
		return -1;
	client_ll6(g->cl[n].chaddr, want);
	return memcmp(a, want, 16) ? -1 : (long)n;
}

static uint8_t *opt6(uint8_t *o, uint16_t code, uint16_t len)
{
	put16(o, code);
	put16(o + 2, len);
	return o + 4;
}

/* A client's SOLICIT or REQUEST at p; its length. */
static size_t build_dhcp6(uint8_t *p, const struct client *c, uint32_t n, uint8_t type)
{
	uint8_t *o = p, *ia;
	int tn;

	*o++ = type;
	*o++ = (uint8_t)(c->xid >> 16), *o++ = (uint8_t)(c->xid >> 8), *o++ = (uint8_t)c->xid;
	/* DUID-LL (RFC 8415 §11.4): type 3, hardware type 1, the MAC */
	o = opt6(o, D6O_CLIENTID, 10);
	put16(o, 3), put16(o + 2, 1), memcpy(o + 4, c->chaddr, 6), o += 10;
	if (type == D6_REQUEST && c->sid_len) {
		o = opt6(o, D6O_SERVERID, c->sid_len);
		memcpy(o, c->sid, c->sid_len), o += c->sid_len;
	}
	o = opt6(o, D6O_ELAPSED, 2);
	put16(o, 0), o += 2;
	ia = o;
	o = opt6(o, D6O_IA_NA, 12);
	put32(o, n), put32(o + 4, 0), put32(o + 8, 0), o += 12;
	if (type == D6_REQUEST) {
		o = opt6(o, D6O_IAADDR, 24);
		memcpy(o, c->addr6, 16), put32(o + 16, 0), put32(o + 20, 0), o += 24;
		put16(ia + 2, 12 + 4 + 24);
	}
	o = opt6(o, D6O_ORO, 4);
	put16(o, D6O_BOOTFILE_URL), put16(o + 2, 60), o += 4;
	o = opt6(o, D6O_CLIENT_ARCH, 2);
	put16(o, c->arch), o += 2;
	o = opt6(o, D6O_NII, 3);
	*o++ = 1, *o++ = 3, *o++ = 16;
	tn = arch_text((char *)o + 10, c->arch);
	o = opt6(o, D6O_VENDOR_CLASS, (uint16_t)(4 + 2 + tn));
	put32(o, 343), put16(o + 4, (uint16_t)tn), o += 6 + tn;
	return (size_t)(o - p);
}

/* UDP or ICMPv6 checksum over the IPv6 pseudo header and len bytes at l4. */
static uint16_t csum6(const uint8_t *ip6, const uint8_t *l4, size_t len, uint8_t proto)
{
	uint32_t sum = csum_add(0, ip6 + 8, 32);

	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + proto;
	return csum_fold(csum_add(sum, l4, len));
}

/* Ethernet + IPv6 header (no extension headers) at f; returns the IPv6 header. */
static uint8_t *ip6_header(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6],
			   const uint8_t src[16], const uint8_t dst[16], size_t plen,
			   uint8_t proto, uint8_t hops)
{
	uint8_t *ip = f + 14;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, ETH_P_IPV6);
	put32(ip, 0x60000000u);
	put16(ip + 4, (uint16_t)plen);
	ip[6] = proto;
	ip[7] = hops;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return ip;
}

/* A client's SOLICIT or REQUEST as a frame: [fe80::EUI64]:546 -> [ff02::1:2]:547. */
static size_t build_frame6(struct lg *g, uint8_t *f, uint32_t n, uint8_t type)
{
	static const uint8_t mcast_mac[6] = { 0x33, 0x33, 0x00, 0x01, 0x00, 0x02 };
	const struct client *c = &g->cl[n];
	uint8_t src[16], *ip, *udp = f + 14 + 40;
	size_t dlen = build_dhcp6(f + LG6_HDRS, c, n, type);
	uint16_t udp_len = (uint16_t)(8 + dlen), cs;

	client_ll6(c->chaddr, src);
	ip = ip6_header(f, mcast_mac, c->chaddr, src, all_dhcp_relay_agents, udp_len,
			IPPROTO_UDP, 1);
	put16(udp, 546);
	put16(udp + 2, 547);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	cs = csum6(ip, udp, udp_len, IPPROTO_UDP);
	put16(udp + 6, cs ? cs : 0xffff);
	return LG6_HDRS + dlen;
}

/*
 * A Neighbor Advertisement (RFC 4861 §4.4) from client n to the sender of
 * a Neighbor Solicitation for its address: solicited and override set,
 * the target link-layer address option.
 */
static size_t build_na(struct lg *g, uint8_t *f, uint32_t n, const uint8_t ns_mac[6],
		       const uint8_t ns_src[16])
{
	const uint8_t *mac = g->cl[n].chaddr;
	uint8_t target[16], *ip, *icmp = f + 14 + 40;

	client_ll6(mac, target);
	ip = ip6_header(f, ns_mac, mac, target, ns_src, 32, IPPROTO_ICMPV6, 255);
	memset(icmp, 0, 32);
	icmp[0] = 136;
	icmp[4] = 0x60; /* S, O */
	memcpy(icmp + 8, target, 16);
	icmp[24] = 2; /* target link-layer address, 8 bytes */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	put16(icmp + 2, csum6(ip, icmp, 32, IPPROTO_ICMPV6));
	return 14 + 40 + 32;
}

/* ------------------------------------------------------------------ clients */

static void idle_push(struct lg *g, uint32_t n)
{
	g->idle[(g->idle_head + g->idle_count) % g->o.clients] = n;
	g->idle_count++;
}

static bool idle_pop(struct lg *g, uint32_t *n)
{
	if (!g->idle_count)
		return false;
	*n = g->idle[g->idle_head];
	g->idle_head = (g->idle_head + 1) % g->o.clients;
	g->idle_count--;
	return true;
}

static void client_done(struct lg *g, struct client *c)
{
	c->state = CL_IDLE;
	idle_push(g, (uint32_t)(c - g->cl));
}

static void tx_flush(struct lg *g)
{
	unsigned off = 0;

	while (off < g->tx_n) {
		int r = sendmmsg(g->fd, g->tx_msg + off, g->tx_n - off, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* The frame at off could not go: its exchange is lost
			 * (a DISCOVER or SOLICIT, both type 1: never started, the
			 * client is free again); a lost NA is only counted. */
			struct client *c = &g->cl[g->tx_client[off]];

			g->st.send_errors++;
			if (g->tx_type[off] == DHCPDISCOVER)
				g->st.sent--;
			if (g->tx_type[off] != LG_TX_NA)
				client_done(g, c);
			off++;
			continue;
		}
		off += (unsigned)r;
	}
	g->tx_n = 0;
}

static void tx_queue(struct lg *g, uint32_t n, uint8_t type)
{
	struct client *c = &g->cl[n];
	size_t len;

	if (g->tx_n == LG_BATCH)
		tx_flush(g);
	if (type == LG_TX_NA)
		len = build_na(g, g->tx_buf[g->tx_n], n, g->tx_ns_mac[g->tx_n], g->tx_ns_src[g->tx_n]);
	else if (g->o.v6)
		len = build_frame6(g, g->tx_buf[g->tx_n], n, type);
	else
		len = build_frame(g, g->tx_buf[g->tx_n], c, type);
	g->tx_iov[g->tx_n].iov_len = len;
	g->tx_client[g->tx_n] = n;
	g->tx_type[g->tx_n] = type;
	g->tx_n++;
}

/* Start the DISCOVERs the schedule has due by now. */
static void pace(struct lg *g, uint64_t now)
{
	uint64_t total = (uint64_t)g->o.rate * g->o.seconds;
	uint64_t due = (now - g->t0) * g->o.rate / 1000000000u + 1;

	/* Behind schedule (the loop was busy): catch up, never past the total. */
	if (due > total)
		due = total;
	while (g->st.offered < due) {
		uint32_t n;
		struct client *c;

		g->st.offered++;
		if (!idle_pop(g, &n)) {
			g->st.starved++;
			continue;
		}
		c = &g->cl[n];
		c->exchange++;
		/* DHCPv6 has 24 bits: the reply's address names the client. */
		if (g->o.v6)
			c->xid = ((uint32_t)c->exchange << 8 | (n & 0xff)) & 0xffffff;
		else
			c->xid = (uint32_t)c->exchange << 16 | n;
		c->state = CL_DISCOVERING;
		c->t_start_ns = mono_ns();
		g->fifo[g->fifo_tail++ % g->fifo_cap] = (struct started){ n, c->xid };
		g->st.sent++;
		tx_queue(g, n, DHCPDISCOVER);
	}
	tx_flush(g);
}

/* Exchanges older than the timeout that are still open are lost. */
static void expire(struct lg *g, uint64_t now)
{
	while (g->fifo_head < g->fifo_tail) {
		struct started *s = &g->fifo[g->fifo_head % g->fifo_cap];
		struct client *c = &g->cl[s->client];

		if (c->xid == s->xid && c->state != CL_IDLE) {
			if (c->t_start_ns + g->timeout_ns > now)
				break; /* (started after `now` was read, too) */
			g->st.timeouts++;
			client_done(g, c);
		}
		g->fifo_head++;
	}
}

static bool any_open(const struct lg *g)
{
	return g->idle_count < g->o.clients;
}

/* ------------------------------------------------------------------ replies */

/*
 * One received frame: an OFFER or ACK for one of our clients moves its
 * exchange on; anything else is counted as unmatched and dropped.
 */
static void on_frame(struct lg *g, const uint8_t *f, size_t len, uint64_t now)
{
	const uint8_t *ip, *udp, *d, *o, *end;
	size_t ihl, udp_len;
	uint32_t xid, idx, server_id = 0;
	int type = -1;
	struct client *c;
	const char *why = "not IPv4/UDP to port 68";

	g->st.rx_frames++;
	if (len < 14 + 20 + 8 || get16(f + 12) != ETH_P_IP)
		goto unmatched;
	ip = f + 14;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < 14 + ihl + 8 || ip[9] != IPPROTO_UDP ||
	    (get16(ip + 6) & 0x3fff))
		goto unmatched;
	udp = ip + ihl;
	udp_len = get16(udp + 4);
	if (get16(udp + 2) != 68 || udp_len < 8 || 14 + ihl + udp_len > len)
		goto unmatched;
	d = udp + 8;
	end = udp + udp_len;
	why = "not a DHCP reply";
	if ((size_t)(end - d) < DHCP_FIXED_LEN + 4 || d[0] != DHCP_OP_REPLY ||
	    get32(d + DHCP_FIXED_LEN) != DHCP_COOKIE)
		goto unmatched;
	xid = get32(d + 4);
	idx = xid & 0xffff;
	why = "xid or chaddr of no open exchange";
	if (idx >= g->o.clients)
		goto unmatched;
	c = &g->cl[idx];
	if (c->state == CL_IDLE || c->xid != xid || memcmp(d + 28, c->chaddr, 6))
		goto unmatched;
	for (o = d + DHCP_FIXED_LEN + 4; o < end && *o != 255;) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (end - o < 2 || end - o < 2 + o[1])
			break;
		if (o[0] == 53 && o[1] == 1)
			type = o[2];
		else if (o[0] == 54 && o[1] == 4)
			memcpy(&server_id, o + 2, 4);
		o += 2 + o[1];
	}
	if (type == DHCPOFFER && c->state == CL_DISCOVERING) {
		g->st.offers++;
		memcpy(&c->offered_ip, d + 16, 4);
		c->server_id = server_id;
		c->state = CL_REQUESTING;
		tx_queue(g, idx, DHCPREQUEST);
		return;
	}
	if (type == DHCPACK && c->state == CL_REQUESTING) {
		uint64_t us = (now - c->t_start_ns) / 1000;

		g->st.acks++;
		if (d[108]) /* file: the stub puts the boot file only in option 67 */
			g->st.acks_with_file++;
		g->lat_us[g->st.completed++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		client_done(g, c);
		return;
	}
	if (type == DHCPNAK) {
		g->st.naks++;
		client_done(g, c);
		return;
	}
	why = "message type unexpected in the exchange's state";
unmatched:
	if (g->o.verbose && g->st.unmatched < 10)
		fprintf(stderr, "loadgen: unmatched frame (%zu bytes): %s\n", len, why);
	g->st.unmatched++;
}

/* A Neighbor Solicitation at ip (frame f) for one of our clients: queue
 * that client's Neighbor Advertisement.  true when it was one. */
static bool on_ns(struct lg *g, const uint8_t *f, const uint8_t *ip, size_t l4len)
{
	const uint8_t *icmp = ip + 40;
	static const uint8_t unspecified[16];
	long n;

	/* type 135, code 0, hop limit 255 (RFC 4861 §7.1.1); a DAD probe
	 * (from ::) is not ours to answer */
	if (l4len < 24 || icmp[0] != 135 || icmp[1] != 0 || ip[7] != 255 ||
	    !memcmp(ip + 8, unspecified, 16))
		return false;
	n = client_of_ll6(g, icmp + 8);
	if (n < 0)
		return false;
	if (g->tx_n == LG_BATCH)
		tx_flush(g);
	memcpy(g->tx_ns_mac[g->tx_n], f + 6, 6);
	memcpy(g->tx_ns_src[g->tx_n], ip + 8, 16);
	tx_queue(g, (uint32_t)n, LG_TX_NA);
	g->st.nd_answers++;
	return true;
}

/*
 * -6: one received frame: a Neighbor Solicitation for a client is answered,
 * an ADVERTISE or REPLY for one moves its exchange on, anything else is
 * counted as unmatched.
 */
static void on_frame6(struct lg *g, const uint8_t *f, size_t len, uint64_t now)
{
	const uint8_t *ip = f + 14, *udp = ip + 40, *d, *o, *end, *url = NULL;
	size_t plen, udp_len, url_len = 0;
	const uint8_t *sid = NULL, *addr = NULL;
	size_t sid_len = 0;
	uint32_t xid;
	uint16_t status = 0;
	long idx;
	struct client *c;
	const char *why = "not IPv6/UDP to port 546";

	g->st.rx_frames++;
	if (len < 14 + 40 + 8 || get16(f + 12) != ETH_P_IPV6 || (ip[0] >> 4) != 6)
		goto unmatched;
	plen = get16(ip + 4);
	if (14 + 40 + plen > len)
		goto unmatched;
	if (ip[6] == IPPROTO_ICMPV6) {
		if (on_ns(g, f, ip, plen))
			return;
		why = "ICMPv6 other than a Neighbor Solicitation for a client";
		goto unmatched;
	}
	udp_len = get16(udp + 4);
	if (ip[6] != IPPROTO_UDP || get16(udp + 2) != 546 || udp_len < 8 + 4 || udp_len > plen)
		goto unmatched;
	d = udp + 8;
	end = udp + udp_len;
	why = "not for a client's address";
	idx = client_of_ll6(g, ip + 24);
	if (idx < 0)
		goto unmatched;
	c = &g->cl[idx];
	xid = (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	why = "xid of no open exchange";
	if (c->state == CL_IDLE || c->xid != xid)
		goto unmatched;
	for (o = d + 4; end - o >= 4;) {
		uint16_t code = get16(o), olen = get16(o + 2);

		if (olen > end - o - 4)
			break;
		if (code == D6O_SERVERID) {
			sid = o + 4, sid_len = olen;
		} else if (code == D6O_IA_NA && olen >= 12 + 4 + 24) {
			/* the first IAADDR inside */
			const uint8_t *io = o + 4 + 12, *iend = o + 4 + olen;

			while (iend - io >= 4 && get16(io + 2) <= iend - io - 4) {
				if (get16(io) == D6O_IAADDR && get16(io + 2) >= 24) {
					addr = io + 4;
					break;
				}
				io += 4 + get16(io + 2);
			}
		} else if (code == D6O_STATUS && olen >= 2) {
			status = get16(o + 4);
		} else if (code == D6O_BOOTFILE_URL) {
			url = o + 4, url_len = olen;
		}
		o += 4 + olen;
	}
	if (status) {
		g->st.naks++;
		client_done(g, c);
		return;
	}
	if (d[0] == D6_ADVERTISE && c->state == CL_DISCOVERING) {
		why = "ADVERTISE without server id or address";
		if (!sid || sid_len > LG6_SID_MAX || !addr)
			goto unmatched;
		g->st.offers++;
		memcpy(c->sid, sid, sid_len);
		c->sid_len = (uint8_t)sid_len;
		memcpy(c->addr6, addr, 16);
		c->state = CL_REQUESTING;
		tx_queue(g, (uint32_t)idx, D6_REQUEST);
		return;
	}
	if (d[0] == D6_REPLY && c->state == CL_REQUESTING) {
		uint64_t us = (now - c->t_start_ns) / 1000;

		g->st.acks++;
		if (url && (url_len != strlen(g->o.stub_url) || memcmp(url, g->o.stub_url, url_len)))
			g->st.acks_with_file++;
		g->lat_us[g->st.completed++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		client_done(g, c);
		return;
	}
	why = "message type unexpected in the exchange's state";
unmatched:
	if (g->o.verbose && g->st.unmatched < 10)
		fprintf(stderr, "loadgen: unmatched frame (%zu bytes): %s\n", len, why);
	g->st.unmatched++;
}

static void rx_drain(struct lg *g, uint64_t budget)
{
	static uint8_t buf[LG_BATCH][LG_FRAME_MAX];
	struct iovec iov[LG_BATCH];
	struct mmsghdr msg[LG_BATCH];
	uint64_t got = 0;

	for (int i = 0; i < LG_BATCH; i++) {
		iov[i] = (struct iovec){ buf[i], LG_FRAME_MAX };
		msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	while (got < budget) {
		int r = recvmmsg(g->fd, msg, LG_BATCH, MSG_DONTWAIT, NULL);
		uint64_t now = mono_ns();

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				die("recvmmsg");
			break;
		}
		for (int i = 0; i < r; i++) {
			if (g->o.v6)
				on_frame6(g, buf[i], msg[i].msg_len, now);
			else
				on_frame(g, buf[i], msg[i].msg_len, now);
		}
		got += (uint64_t)r;
		tx_flush(g);
		if (r < LG_BATCH)
			break;
	}
	tx_flush(g);
}

/* ------------------------------------------------------------------ setup */

/* Accept only IPv4 UDP to port 68, first fragments (cBPF on the frame). */
static void attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 68, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	if (attach_cbpf(fd, code, sizeof(code) / sizeof(code[0])) < 0)
		die("SO_ATTACH_FILTER");
}

/* -6: IPv6 (no extension headers) UDP to port 546, or ICMPv6 Neighbor
 * Solicitations. */
static void attach_filter6(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 2),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 56),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 546, 3, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	if (attach_cbpf(fd, code, sizeof(code) / sizeof(code[0])) < 0)
		die("SO_ATTACH_FILTER");
}

static int open_link(const char *ifname, bool v6)
{
	unsigned ifindex = if_nametoindex(ifname);
	int fd, one = 1, buf = 16 << 20;
	struct sockaddr_ll sll = { 0 };
	char junk[LG_FRAME_MAX];

	if (!ifindex) {
		fprintf(stderr, "loadgen: no interface %s\n", ifname);
		exit(2);
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	if (v6)
		attach_filter6(fd);
	else
		attach_filter(fd);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
#ifdef PACKET_IGNORE_OUTGOING
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
#endif
	(void)one;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind");
	/* Frames that arrived before the filter was attached: discard. */
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	return fd;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static uint32_t percentile(const uint32_t *v, uint64_t n, unsigned pct)
{
	uint64_t i;

	if (!n)
		return 0;
	i = (n * pct + 99) / 100; /* nearest rank */
	return v[i ? i - 1 : 0];
}

struct report_field {
	const char *key;
	double value;
	int decimals;
};

static void report(struct lg *g, double secs)
{
	struct lg_stats *s = &g->st;
	uint64_t n = s->completed, cpu_us = 0;
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu_us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
			 (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	qsort(g->lat_us, n, sizeof(*g->lat_us), cmp_u32);

	/* The first eight are the summary proper; the rest explain it. */
	const struct report_field f[] = {
		{ "offered", (double)s->offered, 0 },
		{ "sent", (double)s->sent, 0 },
		{ "completed", (double)n, 0 },
		{ "rate", secs > 0 ? (double)n / secs : 0.0, 1 },
		{ "loss_pct", s->sent ? 100.0 * (double)(s->sent - n) / (double)s->sent : 0.0, 2 },
		{ "p50_us", percentile(g->lat_us, n, 50), 0 },
		{ "p99_us", percentile(g->lat_us, n, 99), 0 },
		{ "max_us", n ? g->lat_us[n - 1] : 0, 0 },
		{ "offered_rate", g->o.rate, 0 },
		{ "seconds", g->o.seconds, 0 },
		{ "clients", g->o.clients, 0 },
		{ "timeout_ms", g->o.timeout_ms, 0 },
		{ "offers", (double)s->offers, 0 },
		{ "naks", (double)s->naks, 0 },
		{ "acks_with_file", (double)s->acks_with_file, 0 },
		{ "timeouts", (double)s->timeouts, 0 },
		{ "starved", (double)s->starved, 0 },
		{ "send_errors", (double)s->send_errors, 0 },
		{ "unmatched", (double)s->unmatched, 0 },
		{ "rx_frames", (double)s->rx_frames, 0 },
		{ "rx_drops", (double)s->rx_drops, 0 },
		{ "cpu_us", (double)cpu_us, 0 },
		{ "nd_answers", (double)s->nd_answers, 0 },
	};
	const size_t nf = sizeof(f) / sizeof(f[0]);

	for (size_t i = 0; i < nf; i++)
		printf("%s%s=%.*f", i ? " " : "", f[i].key, f[i].decimals, f[i].value);
	putchar('\n');
	if (g->o.json) {
		for (size_t i = 0; i < nf; i++)
			printf("%s\"%s\":%.*f", i ? "," : "{", f[i].key, f[i].decimals, f[i].value);
		puts("}");
	}
	fflush(stdout);
}

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: loadgen [-6 [-U URL]] -i IFACE -r RATE -t SECONDS [-n CLIENTS]\n"
		"               [-T TIMEOUT_MS] [-j] [-v]\n"
		"  -6             DHCPv6: SOLICIT, ADVERTISE, REQUEST, REPLY (default DHCPv4)\n"
		"  -U URL         -6: the stub server's option 59 (default %s)\n"
		"  -i IFACE       link to send on (AF_PACKET; needs CAP_NET_RAW)\n"
		"  -r RATE        DISCOVERs (SOLICITs) per second offered (1..%u)\n"
		"  -t SECONDS     how long to offer them (1..%u)\n"
		"  -n CLIENTS     simulated clients, distinct MACs (1..%u, default 65536)\n"
		"  -T TIMEOUT_MS  an exchange not ACKed by then is lost (default 1000)\n"
		"  -j             also print the summary as one JSON object\n"
		"  -v             print why each of the first 10 unmatched frames was dropped\n",
		LG6_STUB_URL, LG_MAX_RATE, LG_MAX_SECONDS, LG_MAX_CLIENTS);
	exit(rc);
}

static unsigned parse_num(const char *s, unsigned lo, unsigned hi, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "loadgen: %s must be %u..%u, not \"%s\"\n", what, lo, hi, s);
		exit(2);
	}
	return (unsigned)v;
}

static void parse_args(struct lg_opts *o, int argc, char **argv)
{
	int ch;

	*o = (struct lg_opts){ .clients = LG_MAX_CLIENTS, .timeout_ms = 1000,
			       .stub_url = LG6_STUB_URL };
	while ((ch = getopt(argc, argv, "6U:i:r:t:n:T:jvh")) != -1) {
		switch (ch) {
		case '6': o->v6 = true; break;
		case 'U': o->stub_url = optarg; break;
		case 'i': o->ifname = optarg; break;
		case 'r': o->rate = parse_num(optarg, 1, LG_MAX_RATE, "-r RATE"); break;
		case 't': o->seconds = parse_num(optarg, 1, LG_MAX_SECONDS, "-t SECONDS"); break;
		case 'n': o->clients = parse_num(optarg, 1, LG_MAX_CLIENTS, "-n CLIENTS"); break;
		case 'T': o->timeout_ms = parse_num(optarg, 1, 60000, "-T TIMEOUT_MS"); break;
		case 'j': o->json = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || !o->ifname || !o->rate || !o->seconds)
		usage(2);
	if ((uint64_t)o->rate * o->seconds > LG_MAX_OFFERED) {
		fprintf(stderr, "loadgen: rate x seconds must stay under %u\n", LG_MAX_OFFERED);
		exit(2);
	}
}

static void setup(struct lg *g)
{
	uint64_t total = (uint64_t)g->o.rate * g->o.seconds;
	uint16_t salt;

	if (getrandom(&salt, sizeof(salt), 0) != sizeof(salt))
		salt = (uint16_t)(getpid() ^ mono_ns());
	g->cl = calloc(g->o.clients, sizeof(*g->cl));
	g->idle = calloc(g->o.clients, sizeof(*g->idle));
	g->fifo_cap = total;
	g->fifo = calloc(total, sizeof(*g->fifo));
	g->lat_us = calloc(total, sizeof(*g->lat_us));
	if (!g->cl || !g->idle || !g->fifo || !g->lat_us)
		die("calloc");
	static const uint16_t arch_mix[] = { 0, 6, 7, 9, 11, 16 };
	for (uint32_t i = 0; i < g->o.clients; i++) {
		struct client *c = &g->cl[i];
		const uint8_t mac[6] = { 0x02, 0xbe, 0x4c, 0x00, (uint8_t)(i >> 8), (uint8_t)i };

		memcpy(c->chaddr, mac, 6);
		c->arch = arch_mix[i % (sizeof(arch_mix) / sizeof(arch_mix[0]))];
		c->exchange = (uint16_t)(salt + i);
		idle_push(g, i);
	}
	for (int i = 0; i < LG_BATCH; i++) {
		g->tx_iov[i].iov_base = g->tx_buf[i];
		g->tx_msg[i].msg_hdr = (struct msghdr){ .msg_iov = &g->tx_iov[i], .msg_iovlen = 1 };
	}
	g->ip_id = salt;
	g->timeout_ns = (uint64_t)g->o.timeout_ms * 1000000u;
}

int main(int argc, char **argv)
{
	static struct lg g;
	struct epoll_event ev, evs[4];
	struct itimerspec tick = { { 0, 1000000 }, { 0, 1000000 } };
	struct sigaction sa = { .sa_handler = lg_on_signal };
	struct tpacket_stats ps;
	socklen_t pslen = sizeof(ps);
	uint64_t hard_end, secs_ns;
	int ep, tfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(&g.o, argc, argv);
	setup(&g);
	g.fd = open_link(g.o.ifname, g.o.v6);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &tick, NULL) < 0)
		die("epoll/timerfd");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = g.fd };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, g.fd, &ev) < 0)
		die("epoll_ctl");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = tfd };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0)
		die("epoll_ctl");

	secs_ns = (uint64_t)g.o.seconds * 1000000000u;
	g.t0 = mono_ns();
	g.t_stop_send = g.t0 + secs_ns;
	/* Bounded whatever happens: offering time + one timeout + 0.5 s. */
	hard_end = g.t_stop_send + g.timeout_ns + 500000000u;
	for (;;) {
		uint64_t now = mono_ns();

		if (lg_stop_signal || now >= hard_end)
			break;
		if (now >= g.t_stop_send && g.st.offered == (uint64_t)g.o.rate * g.o.seconds &&
		    !any_open(&g))
			break;
		int n = epoll_wait(ep, evs, 4, 10);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == tfd) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					die("read timerfd");
			}
		}
		/* Replies first (they carry REQUESTs to send), then the schedule. */
		rx_drain(&g, 4096);
		now = mono_ns();
		pace(&g, now);
		expire(&g, now);
	}
	/* Whatever is still open when we stop has timed out (or we were told
	 * to stop): lost. */
	for (uint32_t i = 0; i < g.o.clients; i++)
		if (g.cl[i].state != CL_IDLE)
			g.st.timeouts++;
	if (getsockopt(g.fd, SOL_PACKET, PACKET_STATISTICS, &ps, &pslen) == 0)
		g.st.rx_drops = ps.tp_drops;
	report(&g, (double)g.o.seconds);
	return lg_stop_signal ? 1 : 0;
}
