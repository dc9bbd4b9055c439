/* upstream.c - see upstream.h. */
#define _GNU_SOURCE
#include "upstream.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
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
	int one = 1, fd, size = UPSTREAM_RCVBUF;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* No SO_REUSEADDR: a second relay (or a DHCP server) on this host
	 * would split the replies with us; refusing to start is better. */
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto fail;
	/* Replies come in bursts (a whole VLAN powering on); the default
	 * buffer holds about 150 of them. Above net.core.rmem_max only as
	 * root (we still are at this point); otherwise what the limit gives.
	 * (Its overflows are not counted here: the socket's drop counter,
	 * SO_RXQ_OVFL, also counts every broadcast the filter turns away.) */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
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

		out[i] = (struct upstream_msg){ rx->buf[i], (ssize_t)rx->mh[i].msg_len,
						rx->from[i].sin_addr.s_addr, 0, 0 };
		/* A datagram fills the buffer, so one that filled it whole was
		 * larger than any message we take. */
		if ((mh->msg_flags & MSG_TRUNC) || rx->mh[i].msg_len >= UPSTREAM_RX_BYTES)
			out[i].len = -EMSGSIZE;
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

struct upstream_tx {
	unsigned n;
	struct mmsghdr mh[UPSTREAM_TX_BATCH];
	struct iovec iov[UPSTREAM_TX_BATCH];
	struct sockaddr_in to[UPSTREAM_TX_BATCH];
	uintptr_t tag[UPSTREAM_TX_BATCH];
	uint8_t buf[UPSTREAM_TX_BATCH][UPSTREAM_TX_BYTES];
};

struct upstream_tx *upstream_tx_new(void)
{
	struct upstream_tx *tx = malloc(sizeof(*tx));

	if (tx)
		tx->n = 0;
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
			if (errno == EINTR)
				continue;
			/* The first of the rest failed: report it, go on after it. */
			done(user, tx->to[i].sin_addr.s_addr, tx->buf[i], tx->iov[i].iov_len,
			     tx->tag[i], -errno);
			i++;
			continue;
		}
		for (int k = 0; k < r; k++, i++)
			done(user, tx->to[i].sin_addr.s_addr, tx->buf[i], tx->iov[i].iov_len,
			     tx->tag[i], 0);
	}
	tx->n = 0;
}

void upstream_queue(int fd, struct upstream_tx *tx, uint32_t dst, uint16_t port,
		    const uint8_t *buf, size_t len, uintptr_t tag, upstream_done_fn done,
		    void *user)
{
	unsigned i;

	if (len > UPSTREAM_TX_BYTES) {
		done(user, dst, buf, len, tag, upstream_send(fd, dst, port, buf, len));
		return;
	}
	if (tx->n == UPSTREAM_TX_BATCH)
		upstream_flush(fd, tx, done, user);
	i = tx->n++;
	memcpy(tx->buf[i], buf, len);
	tx->to[i] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
					  .sin_addr.s_addr = dst };
	tx->iov[i] = (struct iovec){ tx->buf[i], len };
	tx->mh[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &tx->to[i],
						   .msg_namelen = sizeof(tx->to[i]),
						   .msg_iov = &tx->iov[i], .msg_iovlen = 1 } };
	tx->tag[i] = tag;
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
