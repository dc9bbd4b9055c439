/*
 * tests/bench/floor.c - the floor of the relay benchmark: a DHCPv4
 * forwarder that makes only the system calls a relay cannot avoid.
 *
 *     floor -i DOWNLINK -s SERVER_IP [-g GIADDR]
 *
 * Client leg: one AF_PACKET socket bound to DOWNLINK, with a classic BPF
 * filter that passes only IPv4 UDP to port 67 whose first DHCP byte is 1
 * (BOOTREQUEST), unfragmented, into a memory-mapped receive ring
 * (PACKET_RX_RING, TPACKET_V2: read without a system call, as libpcap
 * reads it).  Each frame must be Ethernet + IPv4 without options + UDP +
 * at least the fixed BOOTP header (else it is skipped); its DHCP payload,
 * where it is in the ring, gets giaddr (offset 24) set to the link's
 * address when it is 0 and hops (offset 3) + 1, and goes to SERVER_IP:67
 * from GIADDR:67 on one UDP socket.
 *
 * Server leg: that UDP socket, bound to GIADDR:67 (where the server
 * answers, RFC 2131 4.1; not the wildcard, so the clients' broadcasts are
 * not queued there too), accepts BOOTREPLYs from SERVER_IP; each is
 * received 42 bytes into its buffer, so the Ethernet, IPv4 (checksum
 * computed) and UDP (checksum 0, allowed for IPv4) headers are written in
 * front of it in place, and the frame goes out on the packet socket:
 * to ciaddr when it is set, else to 255.255.255.255 and ff:ff:ff:ff:ff:ff
 * when the broadcast flag is set, else to yiaddr; the Ethernet destination
 * is chaddr (offset 28) unless broadcast.
 *
 * Batched both ways: one ppoll for both sockets, then for each ready one a
 * batch of up to FL_BATCH messages: the ring read in place, or one
 * recvmmsg on the UDP socket, and one sendmmsg.
 * No option is read or written (no option 82, no boot rules), nothing is
 * logged per packet, no state is kept per client.  At a trickle an
 * exchange (DISCOVER, OFFER, REQUEST, ACK) costs 2 x (ppoll + sendmmsg) +
 * 2 x (ppoll + recvmmsg + sendmmsg) = 10 system calls; under load batches
 * share them.
 *
 * -6: the same floor for DHCPv6 (RFC 8415 §19):
 *
 *     floor -6 -i DOWNLINK -s SERVER_IP6 [-g LINK_ADDRESS]
 *
 * The filter passes IPv6 UDP to port 547 (no extension headers) into the
 * ring; each client message (not a Relay-forward or -reply: no relays
 * below) goes to [SERVER_IP6]:547 wrapped in a minimal Relay-forward:
 * hop-count 0, link-address the link's first global address (or -g),
 * peer-address the frame's source, Interface-Id (option 18) the link's
 * name, option 9 the message, sent from the ring where it lies (two
 * iovecs: the relay header built beside it, the message).  The UDP
 * socket is bound to [LINK_ADDRESS]:547 (the Relay-forwards' source, where
 * the server answers; not the wildcard); of each Relay-reply from the
 * server only option 9 is looked for, and its message sent from that
 * socket to the peer-address, port 546, with the link's ifindex as the
 * scope: the kernel resolves the client's address (Neighbor Discovery) as
 * for every relay that sends from a UDP socket.  The same batching and
 * system calls as for IPv4.
 *
 * SIGUSR1 prints the counters on one line; SIGTERM or SIGINT prints them
 * and exits 0.  Needs CAP_NET_RAW and CAP_NET_BIND_SERVICE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire.h"

#define FL_BATCH 64
#define FL_BUF 2048
#define FL_HDRS 42 /* Ethernet 14 + IPv4 20 (no options) + UDP 8 */
#define FL_DHCP_MAX 1472 /* 1500 MTU - 20 - 8 */
#define FL_MAX_HOPS 16
/* The receive ring: 1024 frames of 2 KiB (2 MiB), 32 to a 64 KiB block. */
#define FL_RING_FRAME 2048
#define FL_RING_BLOCK 65536
#define FL_RING_FRAMES 1024

#define DHCP_FIXED_LEN 236
#define DHCP_FLAG_BROADCAST 0x80 /* high byte of flags, offset 10 */

/* DHCPv6 */
#define FL6_HDRS (14 + 40 + 8) /* Ethernet + IPv6 (no extension headers) + UDP */
#define D6_RELAY_FORW 12
#define D6_RELAY_REPL 13
#define D6_RELAY_HDR 34 /* type, hop-count, link-address, peer-address */
#define D6O_RELAY_MSG 9
#define D6O_INTERFACE_ID 18
/* a Relay-forward's header, Interface-Id (the name) and option 9's header */
#define FL6_FWD_HDR_MAX (D6_RELAY_HDR + 4 + IFNAMSIZ + 4)

struct fl_stats {
	uint64_t client_frames, relayed, skipped, hops_exceeded;
	uint64_t replies, delivered, bad_replies, foreign_replies, send_errors, recv_errors;
	uint64_t polls, recv_calls, send_calls, ring_drops;
};

struct fl {
	int pfd, ufd;
	uint8_t *ring;          /* PACKET_RX_RING, TPACKET_V2 */
	unsigned ring_head;     /* the next frame to look at */
	uint8_t mac[6];
	uint8_t giaddr[4];      /* network order */
	struct sockaddr_in server;
	uint16_t ip_id;
	/* -6 */
	bool v6;
	struct sockaddr_in6 server6;
	uint8_t link6[16];        /* link-address */
	unsigned ifindex;         /* the scope of the clients' addresses */
	char ifname[IFNAMSIZ];    /* the Interface-Id */
	struct fl_stats st;
};

static volatile sig_atomic_t fl_stop, fl_dump;

static void fl_on_signal(int sig)
{
	if (sig == SIGUSR1)
		fl_dump = 1;
	else
		fl_stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint16_t ip_checksum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static bool is_zero4(const uint8_t *p)
{
	return !(p[0] | p[1] | p[2] | p[3]);
}

/* ------------------------------------------------------------------ client leg */

/*
 * Take up to FL_BATCH frames the filter put in the receive ring, relay
 * each one's DHCP payload to the server (giaddr and hops changed in place
 * in the ring) with one sendmmsg, no system call to receive.  The frames
 * go back to the kernel once sent.  One batch per wake-up, so neither
 * direction starves the other under load.
 */
/* One sendmmsg for the batch (again for what it did not take); returns
 * the messages the kernel took. */
static uint64_t send_all(struct fl *f, int fd, struct mmsghdr *out, int n)
{
	uint64_t sent = 0;
	int off = 0;

	while (off < n) {
		int s;

		f->st.send_calls++;
		s = sendmmsg(fd, out + off, (unsigned)(n - off), 0);
		if (s < 0 && errno == EINTR)
			continue;
		if (s <= 0) {
			f->st.send_errors++;
			off++;
			continue;
		}
		sent += (uint64_t)s;
		off += s;
	}
	return sent;
}

static void client_leg(struct fl *f)
{
	struct iovec out_iov[FL_BATCH];
	struct mmsghdr out[FL_BATCH];
	struct tpacket2_hdr *held[FL_BATCH];
	int nheld, n = 0;

	for (nheld = 0; nheld < FL_BATCH; nheld++) {
		struct tpacket2_hdr *h =
			(void *)(f->ring + (size_t)f->ring_head * FL_RING_FRAME);
		uint8_t *fr, *ip, *d;
		size_t len, ulen;

		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		f->ring_head = (f->ring_head + 1) % FL_RING_FRAMES;
		held[nheld] = h;
		fr = (uint8_t *)h + h->tp_mac;
		ip = fr + 14;
		d = fr + FL_HDRS;
		len = h->tp_snaplen;
		f->st.client_frames++;
		/* The filter checked IPv4, UDP, port 67, op 1; the fixed
		 * offsets need no IP options and a whole BOOTP header. */
		if (h->tp_len != len || len < FL_HDRS + DHCP_FIXED_LEN || ip[0] != 0x45) {
			f->st.skipped++;
			continue;
		}
		ulen = get16(ip + 24);
		if (ulen < 8 + DHCP_FIXED_LEN || FL_HDRS - 8 + ulen > len) {
			f->st.skipped++;
			continue;
		}
		if (d[3] >= FL_MAX_HOPS) {
			f->st.hops_exceeded++;
			continue;
		}
		d[3]++;
		if (is_zero4(d + 24))
			memcpy(d + 24, f->giaddr, 4);
		out_iov[n] = (struct iovec){ d, ulen - 8 };
		out[n] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &f->server, .msg_namelen = sizeof(f->server),
			.msg_iov = &out_iov[n], .msg_iovlen = 1 } };
		n++;
	}
	f->st.relayed += send_all(f, f->ufd, out, n);
	for (int i = 0; i < nheld; i++)
		__atomic_store_n(&held[i]->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ server leg */

/* Write Ethernet + IPv4 + UDP in front of the DHCP reply at f + 42. */
static void build_headers(struct fl *fl, uint8_t *f, size_t dlen)
{
	uint8_t *ip = f + 14, *udp = ip + 20, *d = f + FL_HDRS;
	bool bcast = false;
	const uint8_t *dst_ip;

	if (!is_zero4(d + 12)) {
		dst_ip = d + 12; /* ciaddr: the client has its address */
	} else if (d[10] & DHCP_FLAG_BROADCAST) {
		bcast = true;
		dst_ip = NULL;
	} else {
		dst_ip = d + 16; /* yiaddr */
	}
	if (bcast)
		memset(f, 0xff, 6);
	else
		memcpy(f, d + 28, 6); /* chaddr */
	memcpy(f + 6, fl->mac, 6);
	put16(f + 12, ETH_P_IP);

	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + 8 + dlen));
	put16(ip + 4, fl->ip_id++);
	put16(ip + 6, 0);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	put16(ip + 10, 0);
	memcpy(ip + 12, fl->giaddr, 4);
	if (dst_ip)
		memcpy(ip + 16, dst_ip, 4);
	else
		memset(ip + 16, 0xff, 4);
	put16(ip + 10, ip_checksum(ip));

	put16(udp, 67);
	put16(udp + 2, 68);
	put16(udp + 4, (uint16_t)(8 + dlen));
	put16(udp + 6, 0); /* no checksum (RFC 768, IPv4) */
}

/* Up to FL_BATCH datagrams from the server's socket with one recvmmsg,
 * datagram i at buf[i] + off (cap bytes), its source at from + i * flen;
 * the count, 0 when none (an error other than "nothing there" counted:
 * a queued ICMP error and the like, not fatal). */
static int recv_batch(struct fl *f, uint8_t (*buf)[FL_BUF], size_t off, size_t cap,
		      struct iovec *iov, struct mmsghdr *msg, void *from, size_t flen)
{
	int r;

	for (int i = 0; i < FL_BATCH; i++) {
		iov[i] = (struct iovec){ buf[i] + off, cap };
		msg[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = (uint8_t *)from + (size_t)i * flen,
			.msg_namelen = (socklen_t)flen,
			.msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	f->st.recv_calls++;
	r = recvmmsg(f->ufd, msg, FL_BATCH, MSG_DONTWAIT, NULL);
	if (r < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			f->st.recv_errors++;
		return 0;
	}
	return r;
}

/*
 * Take up to FL_BATCH of the server's replies with one recvmmsg, send
 * each as a frame to its client with one sendmmsg.
 */
static void server_leg(struct fl *f)
{
	static uint8_t buf[FL_BATCH][FL_BUF];
	struct iovec iov[FL_BATCH], out_iov[FL_BATCH];
	struct mmsghdr msg[FL_BATCH], out[FL_BATCH];
	struct sockaddr_in from[FL_BATCH];
	int r = recv_batch(f, buf, FL_HDRS, FL_DHCP_MAX, iov, msg, from, sizeof(from[0])), n = 0;

	for (int i = 0; i < r; i++) {
		const uint8_t *d = buf[i] + FL_HDRS;
		size_t dlen = msg[i].msg_len;

		f->st.replies++;
		if (from[i].sin_addr.s_addr != f->server.sin_addr.s_addr) {
			f->st.foreign_replies++;
			continue;
		}
		if (dlen < DHCP_FIXED_LEN || (msg[i].msg_hdr.msg_flags & MSG_TRUNC) ||
		    d[0] != 2) {
			f->st.bad_replies++;
			continue;
		}
		build_headers(f, buf[i], dlen);
		out_iov[n] = (struct iovec){ buf[i], FL_HDRS + dlen };
		out[n] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &out_iov[n], .msg_iovlen = 1 } };
		n++;
	}
	f->st.delivered += send_all(f, f->pfd, out, n);
}

/* ------------------------------------------------------------------ DHCPv6 */

/*
 * -6 client leg: up to FL_BATCH client messages from the ring, each sent
 * as a Relay-forward (its header built here, the message read where it
 * lies in the ring) with one sendmmsg.
 */
static void client_leg6(struct fl *f)
{
	static uint8_t hdr[FL_BATCH][FL6_FWD_HDR_MAX];
	struct iovec out_iov[FL_BATCH][2];
	struct mmsghdr out[FL_BATCH];
	struct tpacket2_hdr *held[FL_BATCH];
	size_t idlen = strlen(f->ifname);
	int nheld, n = 0;

	for (nheld = 0; nheld < FL_BATCH; nheld++) {
		struct tpacket2_hdr *h =
			(void *)(f->ring + (size_t)f->ring_head * FL_RING_FRAME);
		uint8_t *fr, *ip, *d, *o;
		size_t len, ulen;

		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		f->ring_head = (f->ring_head + 1) % FL_RING_FRAMES;
		held[nheld] = h;
		fr = (uint8_t *)h + h->tp_mac;
		ip = fr + 14;
		d = fr + FL6_HDRS;
		len = h->tp_snaplen;
		f->st.client_frames++;
		/* The filter checked IPv6, UDP, port 547. */
		if (h->tp_len != len || len < FL6_HDRS + 4 || (ip[0] >> 4) != 6) {
			f->st.skipped++;
			continue;
		}
		ulen = get16(ip + 40 + 4);
		if (ulen < 8 + 4 || FL6_HDRS - 8 + ulen > len || d[0] == D6_RELAY_FORW ||
		    d[0] == D6_RELAY_REPL) {
			f->st.skipped++;
			continue;
		}
		o = hdr[n];
		o[0] = D6_RELAY_FORW;
		o[1] = 0;
		memcpy(o + 2, f->link6, 16);
		memcpy(o + 18, ip + 8, 16); /* peer-address: the source */
		o += D6_RELAY_HDR;
		put16(o, D6O_INTERFACE_ID);
		put16(o + 2, (uint16_t)idlen);
		memcpy(o + 4, f->ifname, idlen);
		o += 4 + idlen;
		put16(o, D6O_RELAY_MSG);
		put16(o + 2, (uint16_t)(ulen - 8));
		o += 4;
		out_iov[n][0] = (struct iovec){ hdr[n], (size_t)(o - hdr[n]) };
		out_iov[n][1] = (struct iovec){ d, ulen - 8 };
		out[n] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &f->server6, .msg_namelen = sizeof(f->server6),
			.msg_iov = out_iov[n], .msg_iovlen = 2 } };
		n++;
	}
	f->st.relayed += send_all(f, f->ufd, out, n);
	for (int i = 0; i < nheld; i++)
		__atomic_store_n(&held[i]->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

/*
 * -6 server leg: up to FL_BATCH Relay-replies with one recvmmsg; the
 * message in each one's option 9 goes to its peer-address, port 546, on
 * the link, with one sendmmsg (from where it lies in the buffer).
 */
static void server_leg6(struct fl *f)
{
	static uint8_t buf[FL_BATCH][FL_BUF];
	struct iovec iov[FL_BATCH], out_iov[FL_BATCH];
	struct mmsghdr msg[FL_BATCH], out[FL_BATCH];
	struct sockaddr_in6 from[FL_BATCH], to[FL_BATCH];
	int r = recv_batch(f, buf, 0, FL_BUF, iov, msg, from, sizeof(from[0])), n = 0;

	for (int i = 0; i < r; i++) {
		const uint8_t *d = buf[i], *o, *end = buf[i] + msg[i].msg_len, *inner = NULL;
		size_t inner_len = 0;

		f->st.replies++;
		if (memcmp(&from[i].sin6_addr, &f->server6.sin6_addr, 16)) {
			f->st.foreign_replies++;
			continue;
		}
		if (msg[i].msg_len < D6_RELAY_HDR || (msg[i].msg_hdr.msg_flags & MSG_TRUNC) ||
		    d[0] != D6_RELAY_REPL) {
			f->st.bad_replies++;
			continue;
		}
		for (o = d + D6_RELAY_HDR; end - o >= 4;) {
			uint16_t olen = get16(o + 2);

			if (olen > end - o - 4)
				break;
			if (get16(o) == D6O_RELAY_MSG) {
				inner = o + 4;
				inner_len = olen;
				break;
			}
			o += 4 + olen;
		}
		if (!inner || !inner_len) {
			f->st.bad_replies++;
			continue;
		}
		to[n] = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons(546) };
		memcpy(&to[n].sin6_addr, d + 18, 16);
		if (IN6_IS_ADDR_LINKLOCAL(&to[n].sin6_addr))
			to[n].sin6_scope_id = f->ifindex;
		out_iov[n] = (struct iovec){ (void *)inner, inner_len };
		out[n] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &to[n], .msg_namelen = sizeof(to[n]),
			.msg_iov = &out_iov[n], .msg_iovlen = 1 } };
		n++;
	}
	f->st.delivered += send_all(f, f->ufd, out, n);
}

/* ------------------------------------------------------------------ setup */

/*
 * IPv4, UDP, not a later fragment, destination port 67, BOOTP op 1 (the IP
 * header length from the frame, as the stack would; options are then
 * skipped in user space).
 */
static void attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 10),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 8),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 6, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 67, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 22),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	if (attach_cbpf(fd, code, sizeof(code) / sizeof(code[0])) < 0)
		die("SO_ATTACH_FILTER");
}

/* -6: IPv6 whose next header is UDP (no extension headers), destination
 * port 547. */
static void attach_filter6(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 5),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 56),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 547, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	if (attach_cbpf(fd, code, sizeof(code) / sizeof(code[0])) < 0)
		die("SO_ATTACH_FILTER");
}

static void big_buffers(int fd)
{
	int buf = 16 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
}

/* The packet socket on the client link; its MAC into f->mac. */
static void open_link(struct fl *f, const char *ifname, int ufd)
{
	unsigned ifindex = if_nametoindex(ifname);
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr = { 0 };
	struct tpacket_req req = { .tp_block_size = FL_RING_BLOCK,
				   .tp_block_nr = FL_RING_FRAMES / (FL_RING_BLOCK / FL_RING_FRAME),
				   .tp_frame_size = FL_RING_FRAME,
				   .tp_frame_nr = FL_RING_FRAMES };
	int one = 1, version = TPACKET_V2;

	if (!ifindex) {
		fprintf(stderr, "floor: no interface %s\n", ifname);
		exit(2);
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(ufd, SIOCGIFHWADDR, &ifr) < 0)
		die("SIOCGIFHWADDR");
	memcpy(f->mac, ifr.ifr_hwaddr.sa_data, 6);
	/* Protocol 0: nothing is queued until the filter is on and bound. */
	f->pfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (f->pfd < 0)
		die("socket(AF_PACKET)");
	if (f->v6)
		attach_filter6(f->pfd);
	else
		attach_filter(f->pfd);
	big_buffers(f->pfd);
	/* Received frames land in a ring mapped here: no system call to
	 * read them, ppoll says when there are some (TPACKET_V2: per frame,
	 * no block timeout to wait for). */
	if (setsockopt(f->pfd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		die("PACKET_VERSION");
	if (setsockopt(f->pfd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		die("PACKET_RX_RING");
	f->ring = mmap(NULL, (size_t)FL_RING_BLOCK * req.tp_block_nr, PROT_READ | PROT_WRITE,
		       MAP_SHARED, f->pfd, 0);
	if (f->ring == MAP_FAILED)
		die("mmap (receive ring)");
#ifdef PACKET_IGNORE_OUTGOING
	(void)setsockopt(f->pfd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
#endif
	(void)one;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(f->v6 ? ETH_P_IPV6 : ETH_P_IP);
	sll.sll_ifindex = (int)ifindex;
	if (bind(f->pfd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind (packet socket)");
}

/* The link's IPv4 address (the first one), network order. */
static void link_address(int ufd, const char *ifname, uint8_t out[4])
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in sin;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(ufd, SIOCGIFADDR, &ifr) < 0)
		die("SIOCGIFADDR (no IPv4 address on the link? use -g)");
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	memcpy(out, &sin.sin_addr, 4);
}

/* -6: the link's first global (not link-local) IPv6 address. */
static void link_address6(const char *ifname, uint8_t out[16])
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		die("getifaddrs");
	for (i = ifa; i && !found; i = i->ifa_next) {
		struct sockaddr_in6 sin6;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 || strcmp(i->ifa_name, ifname))
			continue;
		memcpy(&sin6, i->ifa_addr, sizeof(sin6));
		if (IN6_IS_ADDR_LINKLOCAL(&sin6.sin6_addr))
			continue;
		memcpy(out, &sin6.sin6_addr, 16);
		found = true;
	}
	freeifaddrs(ifa);
	if (!found) {
		fprintf(stderr, "floor: no global IPv6 address on %s (use -g)\n", ifname);
		exit(2);
	}
}

static void print_stats(struct fl *f)
{
	const struct fl_stats *s = &f->st;
	struct tpacket_stats ps;
	socklen_t pslen = sizeof(ps);

	/* Frames the ring had no room for (the kernel resets its count). */
	if (getsockopt(f->pfd, SOL_PACKET, PACKET_STATISTICS, &ps, &pslen) == 0)
		f->st.ring_drops += ps.tp_drops;

	printf("floor: client_frames=%" PRIu64 " relayed=%" PRIu64 " skipped=%" PRIu64
	       " hops_exceeded=%" PRIu64 " ring_drops=%" PRIu64 " replies=%" PRIu64
	       " delivered=%" PRIu64 " bad_replies=%" PRIu64 " foreign_replies=%" PRIu64
	       " send_errors=%" PRIu64 " recv_errors=%" PRIu64 " polls=%" PRIu64
	       " recv_calls=%" PRIu64 " send_calls=%" PRIu64 "\n",
	       s->client_frames, s->relayed, s->skipped, s->hops_exceeded, s->ring_drops,
	       s->replies, s->delivered, s->bad_replies, s->foreign_replies, s->send_errors,
	       s->recv_errors, s->polls, s->recv_calls, s->send_calls);
}

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: floor [-6] -i DOWNLINK -s SERVER_IP [-g GIADDR]\n"
		"  -6            DHCPv6: SERVER_IP and GIADDR (the link-address) are\n"
		"                IPv6, port 547\n"
		"  -i DOWNLINK   the client link (AF_PACKET; needs CAP_NET_RAW)\n"
		"  -s SERVER_IP  the DHCP server, port 67\n"
		"  -g GIADDR     giaddr and the address the server answers to\n"
		"                (default the link's IPv4 address; -6: its first\n"
		"                global IPv6 address)\n");
	exit(rc);
}

/* Relay until SIGTERM or SIGINT (taken only inside ppoll: no race with
 * the flags); the counters at the end. */
static void run(struct fl *f, const sigset_t *orig)
{
	while (!fl_stop) {
		struct pollfd pfd[2] = { { .fd = f->pfd, .events = POLLIN },
					 { .fd = f->ufd, .events = POLLIN } };
		int n;

		f->st.polls++;
		n = ppoll(pfd, 2, NULL, orig);
		if (fl_dump) {
			fl_dump = 0;
			print_stats(f);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll");
		}
		if (pfd[0].revents & (POLLERR | POLLNVAL) || pfd[1].revents & POLLNVAL) {
			fprintf(stderr, "floor: socket error (link gone?)\n");
			exit(2);
		}
		if (pfd[0].revents & POLLIN) {
			if (f->v6)
				client_leg6(f);
			else
				client_leg(f);
		}
		if (pfd[1].revents & (POLLIN | POLLERR)) {
			if (f->v6)
				server_leg6(f);
			else
				server_leg(f);
		}
	}
	print_stats(f);
}

/* SIGTERM, SIGINT and SIGUSR1 blocked but inside ppoll; the mask to
 * give ppoll into orig. */
static void take_signals(sigset_t *orig)
{
	struct sigaction sa = { .sa_handler = fl_on_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/* -6: set up and run (see the top). */
static int main6(struct fl *f, const char *ifname, const char *server, const char *gi)
{
	struct sockaddr_in6 local = { .sin6_family = AF_INET6, .sin6_port = htons(547) };
	char shown[INET6_ADDRSTRLEN];
	sigset_t orig;
	int one = 1;

	f->server6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons(547) };
	if (inet_pton(AF_INET6, server, &f->server6.sin6_addr) != 1) {
		fprintf(stderr, "floor: -s %s: not an IPv6 address\n", server);
		exit(2);
	}
	if (gi) {
		if (inet_pton(AF_INET6, gi, f->link6) != 1) {
			fprintf(stderr, "floor: -g %s: not an IPv6 address\n", gi);
			exit(2);
		}
	} else {
		link_address6(ifname, f->link6);
	}
	snprintf(f->ifname, sizeof(f->ifname), "%s", ifname);
	f->ifindex = if_nametoindex(ifname);
	setvbuf(stdout, NULL, _IOLBF, 0);
	f->ufd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f->ufd < 0)
		die("socket(AF_INET6)");
	open_link(f, ifname, f->ufd);
	memcpy(&local.sin6_addr, f->link6, 16);
	(void)setsockopt(f->ufd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(f->ufd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	big_buffers(f->ufd);
	if (bind(f->ufd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind (UDP port 547)");
	take_signals(&orig);
	printf("floor: relaying %s (link-address %s) to [%s]:547\n", ifname,
	       inet_ntop(AF_INET6, f->link6, shown, sizeof(shown)), server);
	run(f, &orig);
	return 0;
}

int main(int argc, char **argv)
{
	static struct fl f;
	const char *ifname = NULL, *server = NULL, *gi = NULL;
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons(67) };
	sigset_t orig;
	int ch, one = 1;

	while ((ch = getopt(argc, argv, "6i:s:g:h")) != -1) {
		switch (ch) {
		case '6': f.v6 = true; break;
		case 'i': ifname = optarg; break;
		case 's': server = optarg; break;
		case 'g': gi = optarg; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || !ifname || !server || strlen(ifname) >= IFNAMSIZ)
		usage(2);
	if (f.v6)
		return main6(&f, ifname, server, gi);
	f.server = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(67) };
	if (inet_pton(AF_INET, server, &f.server.sin_addr) != 1) {
		fprintf(stderr, "floor: -s %s: not an IPv4 address\n", server);
		exit(2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	f.ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f.ufd < 0)
		die("socket(AF_INET)");
	if (gi) {
		if (inet_pton(AF_INET, gi, f.giaddr) != 1) {
			fprintf(stderr, "floor: -g %s: not an IPv4 address\n", gi);
			exit(2);
		}
	} else {
		link_address(f.ufd, ifname, f.giaddr);
	}
	open_link(&f, ifname, f.ufd);
	/* Bound to giaddr, not the wildcard: the clients' broadcasts on the
	 * link are not queued here as well (the packet socket has them). */
	memcpy(&local.sin_addr, f.giaddr, 4);
	(void)setsockopt(f.ufd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	big_buffers(f.ufd);
	if (bind(f.ufd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind (UDP port 67)");

	take_signals(&orig);
	printf("floor: relaying %s (giaddr %u.%u.%u.%u) to %s:67\n", ifname, f.giaddr[0],
	       f.giaddr[1], f.giaddr[2], f.giaddr[3], server);
	run(&f, &orig);
	return 0;
}