/* tftp_server.c - see tftp_server.h. */
#include "tftp_server.h"
#include "log.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define TFTP_PORT 69
#define MAX_PER_CLIENT 8

struct tftp_server {
	int listen_fd, ep;
	uint32_t tag_sock;
	struct tftp_proxy *px;
	uint8_t buf[TFTP_BLKSIZE_MAX + 4 + 1];
};

static int io_open(void *user, uint32_t local_ip)
{
	struct tftp_server *ts = user;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = local_ip };
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	ev.data.u64 = (uint64_t)ts->tag_sock << 32 | (uint32_t)fd;
	if (epoll_ctl(ts->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static void io_close(void *user, int fd)
{
	struct tftp_server *ts = user;

	epoll_ctl(ts->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

static int io_send(void *user, int fd, uint32_t ip, uint16_t port, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = ip };

	(void)user;
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

struct tftp_server *tftp_server_open(const struct cfg_tftp *cfg, int ep, uint32_t tag_listen,
				     uint32_t tag_sock, char *err, size_t errlen)
{
	struct tftp_server *ts = calloc(1, sizeof(*ts));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(TFTP_PORT) };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)tag_listen << 32 };
	struct tftp_proxy_cfg pc = {
		.cache_size = cfg->cache_size,
		.max_sessions = cfg->max_sessions,
		.max_per_client = MAX_PER_CLIENT,
		.upstream_blksize = cfg->upstream_blksize,
		.upstream_windowsize = cfg->upstream_windowsize,
		.cache_max_age_ms = (int64_t)cfg->max_age * 1000,
	};
	struct tftp_io io = { .open = io_open, .close = io_close, .send = io_send };
	int one = 1;

	if (!ts) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ts->ep = ep;
	ts->tag_sock = tag_sock;
	io.user = ts;
	ts->listen_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ts->listen_fd < 0 ||
	    setsockopt(ts->listen_fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(ts->listen_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, ts->listen_fd, &ev) < 0) {
		snprintf(err, errlen, "TFTP port 69: %s%s", strerror(errno),
			 errno == EADDRINUSE ? " (a TFTP server runs here)" : "");
		if (ts->listen_fd >= 0)
			close(ts->listen_fd);
		free(ts);
		return NULL;
	}
	ts->px = tftp_proxy_new(&pc, &io);
	if (!ts->px) {
		snprintf(err, errlen, "out of memory");
		close(ts->listen_fd);
		free(ts);
		return NULL;
	}
	return ts;
}

void tftp_server_close(struct tftp_server *ts)
{
	if (!ts)
		return;
	tftp_proxy_free(ts->px);
	close(ts->listen_fd);
	free(ts);
}

int tftp_server_listen_fd(const struct tftp_server *ts)
{
	return ts->listen_fd;
}

void tftp_server_on_listen(struct tftp_server *ts, const struct relay_links *links, int64_t now_ms)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in from;
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct iovec iov = { .iov_base = ts->buf, .iov_len = sizeof(ts->buf) };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct in_pktinfo pi = { 0 };
		const struct relay_link *l;
		ssize_t n = recvmsg(ts->listen_fd, &mh, 0);

		if (n < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		/* Only clients of a proxied link, asking our address there. */
		l = relay_links_by_ifindex(links, pi.ipi_ifindex);
		if (!l || !l->cfg || !l->cfg->tftp_proxy || !l->naddrs ||
		    pi.ipi_addr.s_addr != l->addrs[0]) {
			log_debug("TFTP request from a link without tftp-proxy ignored");
			continue;
		}
		tftp_proxy_request(ts->px, ts->buf, (size_t)n, from.sin_addr.s_addr,
				   ntohs(from.sin_port), pi.ipi_addr.s_addr, l->mtu, now_ms);
	}
}

void tftp_server_on_sock(struct tftp_server *ts, int fd, int64_t now_ms)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, ts->buf, sizeof(ts->buf), 0, (struct sockaddr *)&from, &flen);

		if (n < 0)
			return;
		tftp_proxy_input(ts->px, fd, ts->buf, (size_t)n, from.sin_addr.s_addr,
				 ntohs(from.sin_port), now_ms);
	}
}

int tftp_server_tick(struct tftp_server *ts, int64_t now_ms)
{
	return tftp_proxy_tick(ts->px, now_ms);
}

void tftp_server_learn(struct tftp_server *ts, uint32_t client, uint32_t server, int64_t now_ms)
{
	tftp_proxy_learn(ts->px, client, server, now_ms);
}

const struct tftp_stats *tftp_server_stats(const struct tftp_server *ts)
{
	return tftp_proxy_stats(ts->px);
}

void tftp_server_usage(const struct tftp_server *ts, unsigned *sessions, unsigned *fetches,
		       uint64_t *cached)
{
	tftp_proxy_usage(ts->px, sessions, fetches, cached);
}
