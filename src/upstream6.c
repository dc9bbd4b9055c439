/* upstream6.c - see upstream6.h. */
#define _GNU_SOURCE
#include "upstream6.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DHCP6_PORT 547

int upstream6_open(char *err, size_t errlen)
{
	/* The filter runs with the UDP header at offset 0: the DHCPv6
	 * msg-type is byte 8; keep 13 (Relay-reply). */
	static struct sock_filter only_relay_replies[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 8),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 13, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = 4, .filter = only_relay_replies };
	struct sockaddr_in6 sin = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_PORT) };
	int one = 1, hops = 1, size = 1024 * 1024;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "DHCPv6: UDP port %d: %s%s", DHCP6_PORT, strerror(errno),
		 errno == EADDRINUSE ? " (a DHCPv6 server or relay runs here)" : "");
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
	struct sockaddr_in6 sin = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	memcpy(&sin.sin6_addr, dst, 16);
	/* A link-local destination names its link by scope. */
	if (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)
		sin.sin6_scope_id = (uint32_t)ifindex;
	if (sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

ssize_t upstream6_recv(int fd, uint8_t *buf, size_t cap, uint8_t src[16])
{
	struct sockaddr_in6 sin;
	socklen_t slen = sizeof(sin);
	ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&sin,
			     &slen);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	memcpy(src, &sin.sin6_addr, 16);
	return (size_t)n > cap ? -EMSGSIZE : n;
}
