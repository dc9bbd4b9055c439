/* upstream6.c - see upstream6.h.
 *
 * A raw IPv6 socket for UDP rather than a UDP socket on port 547, for the
 * reason upstream.c gives for port 67: a DHCPv6 server on the same router
 * (dnsmasq, Kea) can own UDP 547 for its own links, started before or
 * after pxerelay, and both get their datagrams. IPv6 raw sockets receive
 * the datagram from its UDP header on (no IPv6 header), after reassembly;
 * the kernel fills in the UDP checksum of what is sent (IPV6_CHECKSUM), so
 * the source address can be left to the routing table. */
#define _GNU_SOURCE
#include "upstream6.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define DHCP6_PORT 547
#define UDP_HDR 8

int upstream6_open(char *err, size_t errlen)
{
	/* The data starts at the UDP header: destination port at 2, the
	 * DHCPv6 msg-type at 8; keep 547 and 13 (Relay-reply). */
	static struct sock_filter relay_replies_to_547[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP6_PORT, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 8),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 13, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = 6, .filter = relay_replies_to_547 };
	/* Multicast toward the servers is site-scoped (ff05::1:3): it has
	 * routers to pass, where the default limit is the link. */
	int hops = 32, csum_at = 6, size = 1024 * 1024, one = 1;
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);

	if (fd < 0)
		goto fail;
	/* RFC 3542 §3.1: the kernel computes the checksum at this offset,
	 * over the pseudo-header with the source it picks. */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &csum_at, sizeof(csum_at)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
fail:
	snprintf(err, errlen, "DHCPv6: raw UDP socket: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -errno;
}

int upstream6_join(int fd, int ifindex, bool join)
{
	struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned)ifindex };

	/* ff02::1:2, All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1). */
	mr.ipv6mr_multiaddr.s6_addr[0] = 0xff;
	mr.ipv6mr_multiaddr.s6_addr[1] = 0x02;
	mr.ipv6mr_multiaddr.s6_addr[13] = 0x01;
	mr.ipv6mr_multiaddr.s6_addr[15] = 0x02;
	if (setsockopt(fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &mr,
		       sizeof(mr)) < 0)
		return -errno;
	return 0;
}

int upstream6_send(int fd, const uint8_t dst[16], uint16_t port, int ifindex,
		   const uint8_t *buf, size_t len)
{
	struct sockaddr_in6 sin = { .sin6_family = AF_INET6 };
	uint8_t udp[UDP_HDR] = { DHCP6_PORT >> 8, DHCP6_PORT & 0xff, (uint8_t)(port >> 8),
				 (uint8_t)port, (uint8_t)((UDP_HDR + len) >> 8),
				 (uint8_t)(UDP_HDR + len), 0, 0 };
	struct iovec iov[2] = { { udp, UDP_HDR }, { (void *)buf, len } };
	struct msghdr mh = { .msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = iov,
			     .msg_iovlen = 2 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;

	if (len > 0xffff - UDP_HDR)
		return -EMSGSIZE;
	memcpy(&sin.sin6_addr, dst, 16);
	/* A link-local destination names its link by scope; a multicast
	 * one (ff05::1:3) by the interface in IPV6_PKTINFO, the source left
	 * to the kernel. */
	if (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) {
		sin.sin6_scope_id = (uint32_t)ifindex;
	} else if (dst[0] == 0xff && ifindex > 0) {
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)ifindex };
		struct cmsghdr *c;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	if (sendmsg(fd, &mh, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

ssize_t upstream6_recv(int fd, uint8_t *buf, size_t cap, uint8_t src[16], int *ifindex)
{
	struct sockaddr_in6 sin;
	struct iovec iov = { buf, cap };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct msghdr mh = { .msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
	size_t ulen;

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	memcpy(src, &sin.sin6_addr, 16);
	*ifindex = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*ifindex = (int)pi.ipi6_ifindex;
		}
	if ((size_t)n > cap)
		return -EMSGSIZE;
	/* The UDP header, then the message: its length field must agree. */
	if (n < UDP_HDR)
		return -EBADMSG;
	ulen = (size_t)(buf[4] << 8 | buf[5]);
	if (ulen < UDP_HDR || ulen > (size_t)n)
		return -EBADMSG;
	memmove(buf, buf + UDP_HDR, ulen - UDP_HDR);
	return (ssize_t)(ulen - UDP_HDR);
}

void upstream6_source_for(const uint8_t dst[16], int ifindex, uint8_t src[16])
{
	struct sockaddr_in6 sin = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_PORT) };
	socklen_t slen = sizeof(sin);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(src, 0, 16);
	memcpy(&sin.sin6_addr, dst, 16);
	if (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)
		sin.sin6_scope_id = (uint32_t)ifindex;
	/* A multicast (ff05::1:3) leaves by the interface sends name. */
	if (fd >= 0 && dst[0] == 0xff && ifindex > 0)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
	/* connect() on UDP sends nothing: it only asks the routing table. */
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == 0)
		memcpy(src, &sin.sin6_addr, 16);
	if (fd >= 0)
		close(fd);
}
