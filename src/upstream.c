/* upstream.c - see upstream.h.
 *
 * Why a raw socket and not a UDP socket on port 67. A router often runs
 * a DHCP server of its own (dnsmasq, Kea, ISC dhcpd) for some VLANs while
 * pxerelay relays others. A UDP socket bound to 0.0.0.0:67 keeps such a
 * server from starting (dnsmasq binds the same without SO_REUSEADDR), and
 * with SO_REUSEADDR on both sides the kernel hands each unicast datagram
 * to one socket only, so either one could read the other's packets.
 * Sockets bound to each giaddr would leave the wildcard free, but cost a
 * descriptor per link and still collide with a server bound to the same
 * address. A raw IPv4 socket for protocol UDP holds no port at all:
 *  - the kernel gives it a copy of every UDP datagram delivered to this
 *    host (never one it only forwards), after reassembly and beside any
 *    UDP socket's copy, so a local server still gets all its own traffic;
 *  - a socket filter keeps port 67 with BOOTP op 2 (BOOTREPLY), so the
 *    copies of other traffic cost a clone and a few filter instructions;
 *  - it sends datagrams whose UDP header we write, from port 67 as relay
 *    agents do, and the kernel still routes and fragments them.
 * One descriptor, whatever the number of links. What is given up: with no
 * socket on port 67 at all, the kernel answers each relayed reply with an
 * ICMP port unreachable (rate-limited; servers ignore it), and a reply's
 * UDP checksum is not checked by the kernel before we read it. Where no
 * local server runs, hold-port-67 keeps a UDP socket on the port that
 * reads nothing, which ends both. */
#define _GNU_SOURCE
#include "upstream.h"
#include "frame.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RELAY_PORT 67               /* the source port of what we send */
#define UDP_HDR 8

int upstream_open(char *err, size_t errlen)
{
	/* The filter sees the IP header at offset 0: X = its length, then
	 * the UDP destination port at X + 2 and the BOOTP op at X + 8.
	 * Fragments are reassembled before raw sockets see them. */
	static struct sock_filter replies_to_67[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RELAY_PORT, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 8),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = 7, .filter = replies_to_67 };
	int one = 1, fd, size = UPSTREAM_RCVBUF;

	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto fail;
	/* Replies come in bursts (a whole VLAN powering on); the default
	 * buffer holds about 150 of them. Above net.core.rmem_max only as
	 * root (we still are at this point); otherwise what the limit gives. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
fail:
	snprintf(err, errlen, "raw UDP socket toward the servers: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -errno;
}

int upstream_hold_port(uint16_t port, char *err, size_t errlen)
{
	static struct sock_filter nothing[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = nothing };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		snprintf(err, errlen, "hold-port-67: UDP port %u: %s%s", port, strerror(errno),
			 errno == EADDRINUSE ? " (a DHCP server or relay runs here:"
					       " set hold-port-67 = false to share the port)" : "");
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	return fd;
}

uint32_t upstream_source_for(uint32_t dst)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(RELAY_PORT),
				   .sin_addr.s_addr = dst };
	socklen_t slen = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t src = 0;

	/* connect() on UDP sends nothing: it only asks the routing table. */
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == 0)
		src = sin.sin_addr.s_addr;
	if (fd >= 0)
		close(fd);
	return src;
}

/* ---- sending ---- */

/* The source of each destination, asked of the routing table at most
 * once a second: the UDP checksum covers it, so it is chosen here and
 * pinned with IP_PKTINFO rather than left to the kernel. */
#define SRC_SLOTS 64
#define SRC_TTL_MS 1000
struct src_cache {
	struct { uint32_t dst, src; int64_t until; } e[SRC_SLOTS];
};

static int64_t coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t source_of(struct src_cache *c, uint32_t dst, bool fresh)
{
	unsigned slot = (unsigned)((dst * 0x9e3779b1u) >> 26);
	int64_t now = coarse_ms();

	if (fresh || c->e[slot].dst != dst || c->e[slot].until <= now) {
		c->e[slot].dst = dst;
		c->e[slot].src = upstream_source_for(dst);
		c->e[slot].until = now + SRC_TTL_MS;
	}
	return c->e[slot].src;
}

/* One datagram: our UDP header before the message, the source pinned. */
struct out_msg {
	struct sockaddr_in to;
	struct iovec iov[2];
	uint8_t udp[UDP_HDR];
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
};

static void out_prepare(struct out_msg *o, struct msghdr *mh, uint32_t src, uint32_t dst,
			uint16_t port, const uint8_t *buf, size_t len)
{
	o->to = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = dst };
	frame_udp_header(o->udp, src, dst, RELAY_PORT, port, buf, len);
	o->iov[0] = (struct iovec){ o->udp, UDP_HDR };
	o->iov[1] = (struct iovec){ (void *)buf, len };
	*mh = (struct msghdr){ .msg_name = &o->to, .msg_namelen = sizeof(o->to),
			       .msg_iov = o->iov, .msg_iovlen = 2 };
	/* No route: no source to pin; the kernel says why at the send. */
	if (src) {
		struct in_pktinfo pi = { .ipi_spec_dst.s_addr = src };
		struct cmsghdr *c;

		mh->msg_control = o->cbuf;
		mh->msg_controllen = sizeof(o->cbuf);
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
}

/* The source went away between the lookup and the send (an address
 * removed, a route changed): ask again and send once more. */
static bool source_gone(int err)
{
	return err == EINVAL || err == EADDRNOTAVAIL || err == ENETUNREACH;
}

static int send_one(int fd, struct src_cache *c, uint32_t dst, uint16_t port,
		    const uint8_t *buf, size_t len)
{
	struct out_msg o;
	struct msghdr mh;

	for (int attempt = 0; attempt < 2; attempt++) {
		out_prepare(&o, &mh, source_of(c, dst, attempt > 0), dst, port, buf, len);
		if (sendmsg(fd, &mh, MSG_DONTWAIT) >= 0)
			return 0;
		if (!source_gone(errno))
			break;
	}
	return -errno;
}

int upstream_send(int fd, uint32_t dst, uint16_t port, const uint8_t *buf, size_t len)
{
	struct src_cache c = { 0 };

	return send_one(fd, &c, dst, port, buf, len);
}

struct upstream_tx {
	unsigned n;
	struct src_cache src;
	struct mmsghdr mh[UPSTREAM_TX_BATCH];
	struct out_msg out[UPSTREAM_TX_BATCH];
	uint16_t port[UPSTREAM_TX_BATCH];
	uintptr_t tag[UPSTREAM_TX_BATCH];
	uint8_t buf[UPSTREAM_TX_BATCH][UPSTREAM_TX_BYTES];
};

struct upstream_tx *upstream_tx_new(void)
{
	struct upstream_tx *tx = calloc(1, sizeof(*tx));

	return tx;
}

void upstream_tx_free(struct upstream_tx *tx)
{
	free(tx);
}

void upstream_flush(int fd, struct upstream_tx *tx, upstream_done_fn done, void *user)
{
	unsigned i = 0;

	while (i < tx->n) {
		int r = sendmmsg(fd, &tx->mh[i], tx->n - i, MSG_DONTWAIT);

		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			/* The first of the rest failed: once more with the
			 * source asked again if it may have gone, then report
			 * it and go on after it. */
			if (source_gone(e))
				e = -send_one(fd, &tx->src, tx->out[i].to.sin_addr.s_addr,
					      tx->port[i], tx->buf[i], tx->out[i].iov[1].iov_len);
			done(user, tx->out[i].to.sin_addr.s_addr, tx->buf[i],
			     tx->out[i].iov[1].iov_len, tx->tag[i], -e);
			i++;
			continue;
		}
		for (int k = 0; k < r; k++, i++)
			done(user, tx->out[i].to.sin_addr.s_addr, tx->buf[i],
			     tx->out[i].iov[1].iov_len, tx->tag[i], 0);
	}
	tx->n = 0;
}

void upstream_queue(int fd, struct upstream_tx *tx, uint32_t dst, uint16_t port,
		    const uint8_t *buf, size_t len, uintptr_t tag, upstream_done_fn done,
		    void *user)
{
	unsigned i;

	if (len > UPSTREAM_TX_BYTES) {
		done(user, dst, buf, len, tag, send_one(fd, &tx->src, dst, port, buf, len));
		return;
	}
	if (tx->n == UPSTREAM_TX_BATCH)
		upstream_flush(fd, tx, done, user);
	i = tx->n++;
	memcpy(tx->buf[i], buf, len);
	tx->port[i] = port;
	tx->tag[i] = tag;
	tx->mh[i].msg_len = 0;
	out_prepare(&tx->out[i], &tx->mh[i].msg_hdr, source_of(&tx->src, dst, false), dst,
		    port, tx->buf[i], len);
}

/* ---- receiving ---- */

struct upstream_rx {
	struct mmsghdr mh[UPSTREAM_RX_BATCH];
	struct iovec iov[UPSTREAM_RX_BATCH];
	struct sockaddr_in from[UPSTREAM_RX_BATCH];
	char cbuf[UPSTREAM_RX_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	uint8_t buf[UPSTREAM_RX_BATCH][UPSTREAM_RX_BYTES];
};

struct upstream_rx *upstream_rx_new(void)
{
	return malloc(sizeof(struct upstream_rx));
}

void upstream_rx_free(struct upstream_rx *rx)
{
	free(rx);
}

int upstream_recv_batch(int fd, struct upstream_rx *rx, struct upstream_msg *out,
			bool *drained)
{
	int n;

	for (int i = 0; i < UPSTREAM_RX_BATCH; i++) {
		rx->iov[i] = (struct iovec){ rx->buf[i], UPSTREAM_RX_BYTES };
		rx->mh[i].msg_hdr = (struct msghdr){
			.msg_name = &rx->from[i], .msg_namelen = sizeof(rx->from[i]),
			.msg_iov = &rx->iov[i], .msg_iovlen = 1,
			.msg_control = rx->cbuf[i], .msg_controllen = sizeof(rx->cbuf[i]),
		};
	}
	n = recvmmsg(fd, rx->mh, UPSTREAM_RX_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		*drained = true;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
	*drained = n < UPSTREAM_RX_BATCH;
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &rx->mh[i].msg_hdr;
		struct frame_info fi;

		out[i] = (struct upstream_msg){ rx->buf[i], 0, rx->from[i].sin_addr.s_addr, 0, 0 };
		/* A datagram fills the buffer, so one that filled it whole was
		 * larger than any message we take. */
		if ((mh->msg_flags & MSG_TRUNC) || rx->mh[i].msg_len >= UPSTREAM_RX_BYTES)
			out[i].len = -EMSGSIZE;
		else if (frame_parse_ipv4(rx->buf[i], rx->mh[i].msg_len, &fi) < 0)
			out[i].len = -EBADMSG;
		else if (fi.payload_len >= UPSTREAM_RX_BYTES - 68)
			out[i].len = -EMSGSIZE;
		else {
			out[i].buf = fi.payload;
			out[i].len = (ssize_t)fi.payload_len;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				out[i].ifindex = pi.ipi_ifindex;
				out[i].dst = pi.ipi_addr.s_addr;
			}
	}
	return n;
}
