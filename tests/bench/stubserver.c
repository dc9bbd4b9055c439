/*
 * tests/bench/stubserver.c - a DHCPv4 server that answers relayed requests
 * at once, so that in a benchmark the relay, not the server, is the limit.
 *
 * UDP port 67.  For each BOOTREQUEST with giaddr set:
 *   DISCOVER -> OFFER, REQUEST -> ACK, sent to giaddr:67 (RFC 2131 §4.1)
 * with yiaddr from a counter inside giaddr's subnet (or the REQUEST's
 * option 50), flags/xid/chaddr/giaddr copied, and the options a Windows
 * DHCP scope with a PXE boot file gives: 53, 58, 59, 51, 54 (this server:
 * the address the request was sent to), 1, 3 (giaddr), 66, 67.  Option 82
 * from the relay is copied back unchanged, last (RFC 3046 §2.2).  No lease
 * state: every request is answered.  Requests without giaddr, replies and
 * other message types are counted and dropped.
 *
 * -6: DHCPv6 (RFC 8415) instead, UDP port 547 (-a an IPv6 address).  For
 * each Relay-forward (type 12) holding a SOLICIT or REQUEST in its option
 * 9, a Relay-reply (13) to the datagram's source address and port with
 * hop-count, link-address, peer-address and the Interface-Id (option 18,
 * when present) echoed (§19, §20.2, §21.18) and in option 9 an ADVERTISE
 * or REPLY with the client's client id, a server id (DUID-LL of
 * 02:00:00:00:00:02), the IA_NA of the request (same IAID) holding an
 * address from the link-address's /64 (a counter), and option 59 (-f,
 * default tftp://[2001:db8::2]/generic.efi).  In the totals discovers,
 * requests, offers and acks then count SOLICITs, REQUESTs, ADVERTISEs and
 * REPLYs, with_opt82 Relay-forwards with an Interface-Id, not_relayed
 * messages that are not Relay-forwards.
 *
 * On SIGTERM or SIGINT it prints its totals on one line and exits 0.
 * Needs to bind port 67 or 547 (root or CAP_NET_BIND_SERVICE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire.h"

#define SS_BATCH 64
#define SS_PKT_MAX 1500
#define SS_REPLY_MAX 1024 /* fixed part + our options (< 500) + option 82 (<= 257) */
#define SS_DHCP_MIN 300

#define DHCP_FIXED_LEN 236
#define DHCP_COOKIE 0x63825363u

enum { DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPACK = 5 };

struct ss_opts {
	bool v6;
	struct in_addr bind_addr;
	struct in6_addr bind_addr6;
	unsigned port, prefix_len, lease;
	const char *boot_server; /* option 66 */
	const char *boot_file;   /* option 67 */
};

struct ss_stats {
	uint64_t received, discovers, requests, offers, acks, with_opt82;
	uint64_t not_relayed, malformed, other_type, send_errors;
};

/* What the stub needs from a request. */
struct ss_request {
	uint8_t type;
	uint32_t requested_ip; /* network order, 0 if no option 50 */
	const uint8_t *opt82;  /* the whole option 82 TLV, or NULL */
	size_t opt82_len;
};

static volatile sig_atomic_t ss_stop;

static void ss_on_signal(int sig)
{
	(void)sig;
	ss_stop = 1;
}

static uint8_t *put_opt(uint8_t *o, uint8_t code, const void *val, size_t len)
{
	*o++ = code;
	*o++ = (uint8_t)len;
	memcpy(o, val, len);
	return o + len;
}

static uint8_t *put_opt32(uint8_t *o, uint8_t code, uint32_t host_order)
{
	uint32_t v = htonl(host_order);

	return put_opt(o, code, &v, 4);
}

/* Walk the options of a request; 0 if it is usable, -1 if malformed. */
static int parse_request(const uint8_t *d, size_t len, struct ss_request *rq)
{
	const uint8_t *o = d + DHCP_FIXED_LEN + 4, *end = d + len;

	*rq = (struct ss_request){ 0 };
	if (len < DHCP_FIXED_LEN + 4 || d[0] != 1 || get32(d + DHCP_FIXED_LEN) != DHCP_COOKIE)
		return -1;
	while (o < end && *o != 255) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (end - o < 2 || end - o < 2 + o[1])
			return -1;
		if (o[0] == 53 && o[1] == 1)
			rq->type = o[2];
		else if (o[0] == 50 && o[1] == 4)
			memcpy(&rq->requested_ip, o + 2, 4);
		else if (o[0] == 82) {
			rq->opt82 = o;
			rq->opt82_len = 2u + o[1];
		}
		o += 2 + o[1];
	}
	return rq->type ? 0 : -1;
}

/* An address in giaddr's subnet (host order), never giaddr itself. */
static uint32_t next_yiaddr(uint32_t giaddr, unsigned prefix_len, uint64_t *counter)
{
	uint32_t mask = prefix_len ? ~0u << (32 - prefix_len) : 0;
	uint32_t hosts = ~mask - 1; /* without network and broadcast */
	uint32_t a;

	do
		a = (giaddr & mask) | (uint32_t)(2 + (*counter)++ % (hosts - 1));
	while (a == giaddr);
	return a;
}

/*
 * Build the reply to one relayed request into r; return its length, or 0
 * when the request is not answered (and count why).
 */
static size_t build_reply(const struct ss_opts *so, struct ss_stats *st, uint64_t *counter,
			  const uint8_t *d, size_t len, struct in_addr server_id, uint8_t *r)
{
	struct ss_request rq;
	uint32_t giaddr, yiaddr, mask = so->prefix_len ? ~0u << (32 - so->prefix_len) : 0;
	uint8_t type, *o;

	if (parse_request(d, len, &rq) < 0) {
		st->malformed++;
		return 0;
	}
	giaddr = get32(d + 24);
	if (!giaddr) {
		st->not_relayed++;
		return 0;
	}
	if (rq.opt82)
		st->with_opt82++;
	if (rq.type == DHCPDISCOVER) {
		st->discovers++;
		type = DHCPOFFER;
		yiaddr = next_yiaddr(giaddr, so->prefix_len, counter);
	} else if (rq.type == DHCPREQUEST) {
		st->requests++;
		type = DHCPACK;
		yiaddr = ntohl(rq.requested_ip);
		if (!yiaddr || (yiaddr & mask) != (giaddr & mask))
			yiaddr = next_yiaddr(giaddr, so->prefix_len, counter);
	} else {
		st->other_type++;
		return 0;
	}

	memset(r, 0, SS_DHCP_MIN);
	r[0] = 2;                 /* BOOTREPLY */
	memcpy(r + 1, d + 1, 2);  /* htype, hlen */
	memcpy(r + 4, d + 4, 4);  /* xid */
	memcpy(r + 10, d + 10, 2); /* flags */
	yiaddr = htonl(yiaddr);
	memcpy(r + 16, &yiaddr, 4);
	memcpy(r + 24, d + 24, 4);  /* giaddr */
	memcpy(r + 28, d + 28, 16); /* chaddr */
	o = r + DHCP_FIXED_LEN;
	*o++ = 0x63, *o++ = 0x82, *o++ = 0x53, *o++ = 0x63;
	o = put_opt(o, 53, &type, 1);
	o = put_opt32(o, 58, so->lease / 2);
	o = put_opt32(o, 59, so->lease / 8 * 7);
	o = put_opt32(o, 51, so->lease);
	o = put_opt(o, 54, &server_id.s_addr, 4);
	o = put_opt32(o, 1, mask);
	o = put_opt32(o, 3, giaddr);
	o = put_opt(o, 66, so->boot_server, strlen(so->boot_server));
	o = put_opt(o, 67, so->boot_file, strlen(so->boot_file));
	if (rq.opt82) {
		memcpy(o, rq.opt82, rq.opt82_len);
		o += rq.opt82_len;
	}
	*o++ = 255;
	if (type == DHCPOFFER)
		st->offers++;
	else
		st->acks++;
	return (size_t)(o - r) > SS_DHCP_MIN ? (size_t)(o - r) : SS_DHCP_MIN;
}

/* ------------------------------------------------------------------ DHCPv6 */

enum { D6_SOLICIT = 1, D6_ADVERTISE = 2, D6_REQUEST = 3, D6_REPLY = 7,
       D6_RELAY_FORW = 12, D6_RELAY_REPL = 13 };
enum { D6O_CLIENTID = 1, D6O_SERVERID = 2, D6O_IA_NA = 3, D6O_IAADDR = 5,
       D6O_RELAY_MSG = 9, D6O_INTERFACE_ID = 18, D6O_BOOTFILE_URL = 59 };
#define D6_RELAY_HDR 34 /* type, hop-count, link-address, peer-address */

/* The option CODE among the options at o..end (its value and length), or NULL. */
static const uint8_t *find_opt6(const uint8_t *o, const uint8_t *end, uint16_t code, size_t *len)
{
	while (end - o >= 4) {
		uint16_t c = get16(o), l = get16(o + 2);

		if (l > end - o - 4)
			return NULL;
		if (c == code) {
			*len = l;
			return o + 4;
		}
		o += 4 + l;
	}
	return NULL;
}

static uint8_t *put_opt6(uint8_t *o, uint16_t code, const void *val, size_t len)
{
	put16(o, code);
	put16(o + 2, (uint16_t)len);
	if (len)
		memcpy(o + 4, val, len);
	return o + 4 + len;
}

/*
 * The Relay-reply to one Relay-forward at d into r (room SS_REPLY_MAX);
 * its length, or 0 when it is not answered (and why is counted).
 */
static size_t build_reply6(const struct ss_opts *so, struct ss_stats *st, uint64_t *counter,
			   const uint8_t *d, size_t len, uint8_t *r)
{
	static const uint8_t server_duid[10] = { 0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x02 };
	const uint8_t *end = d + len, *msg, *iface, *cid, *ia;
	size_t msg_len = 0, iface_len = 0, cid_len = 0, ia_len = 0, url_len = strlen(so->boot_file);
	uint8_t type, *o, *inner, *ia_out, addr[16];
	uint64_t host;

	if (len < D6_RELAY_HDR || d[0] != D6_RELAY_FORW) {
		if (len >= 1 && d[0] != D6_RELAY_FORW)
			st->not_relayed++;
		else
			st->malformed++;
		return 0;
	}
	msg = find_opt6(d + D6_RELAY_HDR, end, D6O_RELAY_MSG, &msg_len);
	iface = find_opt6(d + D6_RELAY_HDR, end, D6O_INTERFACE_ID, &iface_len);
	if (!msg || msg_len < 4 || iface_len > 128) {
		st->malformed++;
		return 0;
	}
	if (msg[0] == D6_SOLICIT) {
		st->discovers++;
		type = D6_ADVERTISE;
	} else if (msg[0] == D6_REQUEST) {
		st->requests++;
		type = D6_REPLY;
	} else {
		st->other_type++;
		return 0;
	}
	cid = find_opt6(msg + 4, msg + msg_len, D6O_CLIENTID, &cid_len);
	ia = find_opt6(msg + 4, msg + msg_len, D6O_IA_NA, &ia_len);
	if (!cid || cid_len > 130 || !ia || ia_len < 12) {
		st->malformed++;
		return 0;
	}
	if (iface)
		st->with_opt82++;

	/* Relay-reply: hop-count, link-address, peer-address echoed */
	memcpy(r, d, D6_RELAY_HDR);
	r[0] = D6_RELAY_REPL;
	o = r + D6_RELAY_HDR;
	if (iface)
		o = put_opt6(o, D6O_INTERFACE_ID, iface, iface_len);
	inner = o + 4; /* option 9's value, its header written at the end */
	inner[0] = type;
	memcpy(inner + 1, msg + 1, 3); /* xid */
	o = inner + 4;
	o = put_opt6(o, D6O_CLIENTID, cid, cid_len);
	o = put_opt6(o, D6O_SERVERID, server_duid, sizeof(server_duid));
	/* IA_NA: the request's IAID, T1, T2, one IAADDR from the link's /64
	 * (2001:db8:ffff::/64 when the link-address is ::) */
	ia_out = o;
	o += 4;
	memcpy(o, ia, 4);
	put32(o + 4, so->lease / 2);
	put32(o + 8, so->lease / 8 * 7);
	o += 12;
	memcpy(addr, d + 2, 8);
	if (!(addr[0] | addr[1] | addr[2] | addr[3] | addr[4] | addr[5] | addr[6] | addr[7]))
		memcpy(addr, (const uint8_t[8]){ 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0 }, 8);
	host = 0x100 + (*counter)++ % 0xffffffffu;
	memset(addr + 8, 0, 4);
	put32(addr + 12, (uint32_t)host);
	put16(o, D6O_IAADDR);
	put16(o + 2, 24);
	memcpy(o + 4, addr, 16);
	put32(o + 20, so->lease);
	put32(o + 24, so->lease);
	o += 28;
	put16(ia_out, D6O_IA_NA);
	put16(ia_out + 2, (uint16_t)(o - ia_out - 4));
	o = put_opt6(o, D6O_BOOTFILE_URL, so->boot_file, url_len);
	put16(inner - 4, D6O_RELAY_MSG);
	put16(inner - 2, (uint16_t)(o - inner));
	if (type == D6_ADVERTISE)
		st->offers++;
	else
		st->acks++;
	return (size_t)(o - r);
}

static int open_socket(const struct ss_opts *so)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)so->port),
				   .sin_addr = so->bind_addr };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons((uint16_t)so->port),
				     .sin6_addr = so->bind_addr6 };
	int fd = socket(so->v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1,
	    buf = 16 << 20;

	if (fd < 0) {
		perror("stubserver: socket");
		exit(2);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (so->v6) {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	} else {
		(void)setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	}
	if (!so->v6 && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0) {
		perror("stubserver: IP_PKTINFO");
		exit(2);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (so->v6 ? bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0
		   : bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("stubserver: bind");
		exit(2);
	}
	return fd;
}

/* The local address a datagram was sent to (IP_PKTINFO), else the bound one. */
static struct in_addr local_addr(struct msghdr *mh, struct in_addr fallback)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			return pi.ipi_spec_dst;
		}
	}
	return fallback;
}

static void serve(int fd, const struct ss_opts *so, struct ss_stats *st)
{
	static uint8_t in[SS_BATCH][SS_PKT_MAX], out[SS_BATCH][SS_REPLY_MAX];
	static char ctl[SS_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct iovec in_iov[SS_BATCH], out_iov[SS_BATCH];
	struct sockaddr_in6 from[SS_BATCH], to[SS_BATCH]; /* IPv4: as sockaddr_in */
	struct mmsghdr in_msg[SS_BATCH], out_msg[SS_BATCH];
	uint64_t counter = 0;

	while (!ss_stop) {
		int n, nout = 0, off = 0;

		for (int i = 0; i < SS_BATCH; i++) {
			in_iov[i] = (struct iovec){ in[i], SS_PKT_MAX };
			in_msg[i] = (struct mmsghdr){ .msg_hdr = {
				.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
				.msg_iov = &in_iov[i], .msg_iovlen = 1,
				.msg_control = ctl[i], .msg_controllen = sizeof(ctl[i]) } };
		}
		/* Blocks for the first datagram, then takes what is queued.
		 * A signal interrupts it (no SA_RESTART). */
		n = recvmmsg(fd, in_msg, SS_BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("stubserver: recvmmsg");
			exit(2);
		}
		for (int i = 0; i < n; i++) {
			size_t rlen;

			st->received++;
			if (so->v6) {
				rlen = build_reply6(so, st, &counter, in[i], in_msg[i].msg_len,
						    out[nout]);
				/* RFC 8415 §19.3: back to where the Relay-forward
				 * came from. */
				to[nout] = from[i];
			} else {
				struct sockaddr_in to4 = { .sin_family = AF_INET,
							   .sin_port = htons((uint16_t)so->port) };

				rlen = build_reply(so, st, &counter, in[i], in_msg[i].msg_len,
						   local_addr(&in_msg[i].msg_hdr, so->bind_addr),
						   out[nout]);
				/* RFC 2131 §4.1: a relayed request is answered to
				 * the relay's giaddr on the server port. */
				memcpy(&to4.sin_addr, in[i] + 24, 4);
				memcpy(&to[nout], &to4, sizeof(to4));
			}
			if (!rlen)
				continue;
			out_iov[nout] = (struct iovec){ out[nout], rlen };
			out_msg[nout] = (struct mmsghdr){ .msg_hdr = {
				.msg_name = &to[nout],
				.msg_namelen = so->v6 ? sizeof(to[nout]) : sizeof(struct sockaddr_in),
				.msg_iov = &out_iov[nout], .msg_iovlen = 1 } };
			nout++;
		}
		while (off < nout) {
			int r = sendmmsg(fd, out_msg + off, (unsigned)(nout - off), 0);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				st->send_errors++;
				off++;
				continue;
			}
			off += r;
		}
	}
}

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: stubserver [-6] [-a ADDR] [-p PORT] [-m PREFIXLEN] [-l LEASE]\n"
		"                  [-s BOOTSERVER] [-f BOOTFILE]\n"
		"  -6            DHCPv6: answer Relay-forwards on port 547 (default DHCPv4)\n"
		"  -a ADDR       address to bind (default any; option 54 is the address\n"
		"                each request was sent to); with -6 an IPv6 address\n"
		"  -p PORT       server port, also the port replies go to (default 67;\n"
		"                -6: 547, replies to the Relay-forward's source port)\n"
		"  -m PREFIXLEN  client subnet around giaddr (default 16)\n"
		"  -l LEASE      lease time, seconds (default 3600)\n"
		"  -s, -f        option 66 / 67 (default 10.0.0.5 / undionly.kpxe);\n"
		"                -6: -f is option 59 (default tftp://[2001:db8::2]/generic.efi)\n");
	exit(rc);
}

static unsigned parse_num(const char *s, unsigned lo, unsigned hi, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "stubserver: %s must be %u..%u, not \"%s\"\n", what, lo, hi, s);
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	struct ss_opts so = { .bind_addr = { INADDR_ANY }, .bind_addr6 = IN6ADDR_ANY_INIT,
			      .prefix_len = 16, .lease = 3600, .boot_server = "10.0.0.5" };
	struct ss_stats st = { 0 };
	struct sigaction sa = { .sa_handler = ss_on_signal };
	const char *addr = NULL;
	char shown[INET6_ADDRSTRLEN];
	int ch, fd;

	while ((ch = getopt(argc, argv, "6a:p:m:l:s:f:h")) != -1) {
		switch (ch) {
		case '6': so.v6 = true; break;
		case 'a': addr = optarg; break;
		case 'p': so.port = parse_num(optarg, 1, 65535, "-p PORT"); break;
		case 'm': so.prefix_len = parse_num(optarg, 8, 30, "-m PREFIXLEN"); break;
		case 'l': so.lease = parse_num(optarg, 60, 86400 * 365, "-l LEASE"); break;
		case 's': so.boot_server = optarg; break;
		case 'f': so.boot_file = optarg; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!so.port)
		so.port = so.v6 ? 547 : 67;
	if (!so.boot_file)
		so.boot_file = so.v6 ? "tftp://[2001:db8::2]/generic.efi" : "undionly.kpxe";
	if (optind != argc || strlen(so.boot_server) > 64 || strlen(so.boot_file) > 128)
		usage(2);
	if (addr && inet_pton(so.v6 ? AF_INET6 : AF_INET, addr,
			      so.v6 ? (void *)&so.bind_addr6 : (void *)&so.bind_addr) != 1) {
		fprintf(stderr, "stubserver: -a %s: not an %s address\n", addr,
			so.v6 ? "IPv6" : "IPv4");
		exit(2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = open_socket(&so);
	if (so.v6)
		printf("stubserver: listening on [%s]:%u\n",
		       inet_ntop(AF_INET6, &so.bind_addr6, shown, sizeof(shown)), so.port);
	else
		printf("stubserver: listening on %s:%u\n",
		       inet_ntop(AF_INET, &so.bind_addr, shown, sizeof(shown)), so.port);
	serve(fd, &so, &st);
	printf("stubserver: received=%" PRIu64 " discovers=%" PRIu64 " requests=%" PRIu64
	       " offers=%" PRIu64 " acks=%" PRIu64 " with_opt82=%" PRIu64 " not_relayed=%" PRIu64
	       " malformed=%" PRIu64 " other_type=%" PRIu64 " send_errors=%" PRIu64 "\n",
	       st.received, st.discovers, st.requests, st.offers, st.acks, st.with_opt82,
	       st.not_relayed, st.malformed, st.other_type, st.send_errors);
	return 0;
}
