/* upstream.c - see upstream.h. */
#include "upstream.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int upstream_open(uint16_t port, char *err, size_t errlen)
{
	/* The filter runs with the UDP header at offset 0, so the BOOTP op
	 * is byte 8:  ldb [8]; jeq #2, keep, drop. */
	static struct sock_filter only_replies[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 8),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = 4, .filter = only_replies };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* No SO_REUSEADDR: a second relay (or a DHCP server) on this host
	 * would split the replies with us; refusing to start is better. */
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "UDP port %u: %s%s", port, strerror(errno),
		 errno == EADDRINUSE ? " (another DHCP relay or server runs here)" : "");
	if (fd >= 0)
		close(fd);
	return -errno;
}

int upstream_send(int fd, uint32_t dst, uint16_t port, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = dst };

	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

ssize_t upstream_recv(int fd, uint8_t *buf, size_t cap, uint32_t *src, uint32_t *dst,
		      int *ifindex)
{
	struct sockaddr_in sin;
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_name = &sin, .msg_namelen = sizeof(sin),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	ssize_t n = recvmsg(fd, &mh, MSG_TRUNC);

	if (n < 0)
		return -errno;
	if ((size_t)n > cap)
		return -EMSGSIZE;     /* bigger than any message we take */
	*src = sin.sin_addr.s_addr;
	*dst = 0;
	*ifindex = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*ifindex = pi.ipi_ifindex;
			*dst = pi.ipi_addr.s_addr;
		}
	return n;
}

uint32_t upstream_source_for(uint32_t dst)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(67),
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
