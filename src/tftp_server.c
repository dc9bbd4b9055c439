/* tftp_server.c - see tftp_server.h.
 *
 * One family of socket serves both: an IPv6 socket with IPV6_V6ONLY off
 * takes IPv4 datagrams too and names their addresses ::ffff:a.b.c.d,
 * which is what struct tftp_addr holds, so the proxy needs no second set
 * of sockets for IPv6 clients or IPv6 boot servers. A kernel without IPv6
 * gets IPv4 sockets and serves IPv4 alone. */
#define _GNU_SOURCE
#include "tftp_server.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TFTP_PORT 69
#define MAX_PER_CLIENT 8
#define SOCK_BATCH 4                    /* datagrams per recvmmsg on a session socket */
#define DGRAM_MAX (TFTP_BLKSIZE_MAX + 4 + 1)

struct tftp_server {
	int listen_fd, ep;
	int family;                     /* of every socket: AF_INET6, or AF_INET without IPv6 */
	struct log_ratelimit rl_full;   /* "sessions full" warnings */
	struct log_ratelimit rl_route;  /* "no route to the boot server" warnings */
	uint64_t slots_full_seen, budget_seen;
	uint32_t tag_sock;
	int closed_fd;                  /* the last fd io_close closed */
	char cache_dir[256];            /* "" or disabled after a write error */
	uint64_t cache_size;
	struct tftp_proxy *px;
	/* buf[0] also serves the listening socket. Only the bytes a datagram
	 * fills are ever touched: an ACK touches one page. */
	uint8_t buf[SOCK_BATCH][DGRAM_MAX];
};

/* a:port as a socket address of the sockets' family; 0, or -EAFNOSUPPORT
 * for an IPv6 address without IPv6. */
static socklen_t sockaddr_of(const struct tftp_server *ts, struct tftp_addr a, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ts->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a.b, 16);
		return sizeof(*s6);
	}
	if (!tftp_addr_unset(a) && !tftp_addr_is4(a))
		return 0;
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	((struct sockaddr_in *)ss)->sin_addr.s_addr = tftp_addr_unset(a) ? 0 : tftp_addr_to4(a);
	return sizeof(struct sockaddr_in);
}

static struct tftp_addr addr_of(const struct sockaddr_storage *ss, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		*port = ntohs(s6->sin6_port);
		return tftp_addr6(s6->sin6_addr.s6_addr);
	}
	*port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return tftp_addr4(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
}

/* A datagram's interface and destination address, from IPV6_PKTINFO (an
 * IPv6 socket reports IPv4 datagrams there too) or IP_PKTINFO. */
static int pktinfo_of(struct msghdr *mh, struct tftp_addr *dst)
{
	int ifindex = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ifindex = (int)pi.ipi6_ifindex;
			if (dst)
				*dst = tftp_addr6(pi.ipi6_addr.s6_addr);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ifindex = pi.ipi_ifindex;
			if (dst)
				*dst = tftp_addr4(pi.ipi_addr.s_addr);
		}
	}
	return ifindex;
}

/* A UDP socket of ts->family that tells each datagram's interface and
 * destination; bound to local:port. */
static int udp_socket(const struct tftp_server *ts, struct tftp_addr local, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(ts, local, port, &ss);
	int one = 1, zero = 0, fd;

	if (!sl)
		return -EAFNOSUPPORT;
	fd = socket(ts->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((ts->family == AF_INET6 &&
	     (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0 ||
	      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)) ||
	    (ts->family == AF_INET && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int io_open(void *user, struct tftp_addr local_ip)
{
	struct tftp_server *ts = user;
	struct epoll_event ev = { .events = EPOLLIN };
	/* Every datagram says which interface it came in by (pktinfo): a
	 * fetch takes its server's packets from the route's one only. */
	int fd = udp_socket(ts, local_ip, 0);

	if (fd < 0)
		return fd;
	ev.data.u64 = (uint64_t)ts->tag_sock << 32 | (uint32_t)fd;
	if (epoll_ctl(ts->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* The kernel's route to dst (RTM_GETROUTE, as `ip route get` asks):
 * the interface it leaves by and the source address it would use (left
 * unset when the answer names none). */
static int route_to(struct tftp_addr dst, int *oif, struct tftp_addr *src)
{
	bool v4 = tftp_addr_is4(dst);
	size_t alen = v4 ? 4 : 16;
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		struct rtattr ra;
		uint8_t dst[16];
	} req = {
		.nh = { .nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(struct rtmsg) + RTA_LENGTH(alen)),
			.nlmsg_type = RTM_GETROUTE, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.rt = { .rtm_family = v4 ? AF_INET : AF_INET6, .rtm_dst_len = (uint8_t)(alen * 8) },
		.ra = { .rta_len = (unsigned short)RTA_LENGTH(alen), .rta_type = RTA_DST },
	};
	union {
		struct nlmsghdr nh;
		uint8_t bytes[4096];
	} ans;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct rtattr *ra;
	ssize_t n;
	int len, fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	memcpy(req.dst, v4 ? &dst.b[12] : dst.b, alen);
	*oif = 0;
	*src = (struct tftp_addr){ { 0 } };
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	n = recv(fd, &ans, sizeof(ans), 0);
	close(fd);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct rtmsg)) || !NLMSG_OK(&ans.nh, (size_t)n))
		return -EIO;
	if (ans.nh.nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *ne = NLMSG_DATA(&ans.nh);

		return ne->error ? ne->error : -EHOSTUNREACH;
	}
	if (ans.nh.nlmsg_type != RTM_NEWROUTE)
		return -EIO;
	len = (int)RTM_PAYLOAD(&ans.nh);
	for (ra = RTM_RTA((struct rtmsg *)NLMSG_DATA(&ans.nh)); RTA_OK(ra, len);
	     ra = RTA_NEXT(ra, len)) {
		if (ra->rta_type == RTA_OIF && RTA_PAYLOAD(ra) >= sizeof(int))
			memcpy(oif, RTA_DATA(ra), sizeof(int));
		else if (ra->rta_type == RTA_PREFSRC && RTA_PAYLOAD(ra) >= alen)
			*src = v4 ? tftp_addr4(*(const uint32_t *)RTA_DATA(ra))
				  : tftp_addr6(RTA_DATA(ra));
	}
	return *oif > 0 ? 0 : -EHOSTUNREACH;
}

/* A fetch's socket: bound to the source address of the route toward the
 * server, answers accepted from that route's interface only. */
static int io_open_upstream(void *user, struct tftp_addr server, int *ifindex)
{
	struct tftp_server *ts = user;
	struct tftp_addr src;
	unsigned more;
	int r = route_to(server, ifindex, &src);

	if (r == 0 && ts->family != AF_INET6 && !tftp_addr_is4(server))
		r = -EAFNOSUPPORT;
	if (r < 0) {
		char a[INET6_ADDRSTRLEN];
		struct timespec now;

		/* The client gets an ERROR and the refusal is counted; the
		 * log says it at most once per interval. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (log_ratelimit_ok(&ts->rl_route, (int64_t)now.tv_sec * 1000 +
				     now.tv_nsec / 1000000, &more))
			log_warn("tftp-proxy: no route to boot server %s: %s (%u more like it not"
				 " shown)", tftp_addr_text(server, a, sizeof(a)),
				 strerror(-r), more);
		return r;
	}
	return io_open(user, src);
}

static void io_close(void *user, int fd)
{
	struct tftp_server *ts = user;

	epoll_ctl(ts->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	ts->closed_fd = fd;
}

static int io_send(void *user, int fd, struct tftp_addr ip, uint16_t port, const uint8_t *buf,
		   size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(user, ip, port, &ss);

	if (!sl)
		return -EAFNOSUPPORT;
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}

/* cache-dir: DIR/<server address>/<normalised path>. The path has no
 * ".." (tftp_normalise_path refused it) and no leading '/'. */
static int disk_name(const struct tftp_server *ts, struct tftp_addr server, const char *path,
		     char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	tftp_addr_text(server, a, sizeof(a));
	n = snprintf(out, cap, "%s/%s/%s", ts->cache_dir, a, path);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int io_load(void *user, struct tftp_addr server, const char *path, int64_t max_age_ms,
		   uint8_t **data, size_t *len, int64_t *age_ms)
{
	struct tftp_server *ts = user;
	char name[512];
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd;

	if (!ts->cache_dir[0] || disk_name(ts, server, path, name, sizeof(name)) < 0)
		return -ENOENT;
	/* Open, then fstat the file we hold: no window between check and use. */
	fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > ts->cache_size ||
	    ((int64_t)time(NULL) - st.st_mtime) * 1000 > max_age_ms) {
		close(fd);
		return -ENOENT;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return -EIO;
	}
	*data = buf;
	*len = got;
	*age_ms = ((int64_t)time(NULL) - st.st_mtime) * 1000;
	if (*age_ms < 0)
		*age_ms = 0;
	return 0;
}

static int mkdirs(char *dir)
{
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				*p = '/';
				return -errno;
			}
			*p = '/';
		}
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static void io_store(void *user, struct tftp_addr server, const char *path, const uint8_t *data, size_t len)
{
	struct tftp_server *ts = user;
	char name[512], tmp[540], *slash;
	size_t done = 0;
	int fd;

	if (!ts->cache_dir[0] || len > ts->cache_size ||
	    disk_name(ts, server, path, name, sizeof(name)) < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s", name);
	slash = strrchr(tmp, '/');
	*slash = '\0';
	if (mkdirs(tmp) < 0)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", name, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n <= 0) {
			close(fd);
			unlink(tmp);
			goto fail;
		}
		done += (size_t)n;
	}
	/* Written whole, then renamed: a reader never sees half a file. */
	if (close(fd) < 0 || rename(tmp, name) < 0) {
		unlink(tmp);
		goto fail;
	}
	return;
fail:
	/* A full or read-only disk: memory only from now on, said once. */
	log_warn("tftp-proxy: cache-dir %s: %s; caching in memory only", ts->cache_dir,
		 strerror(errno));
	ts->cache_dir[0] = '\0';
}

struct tftp_server *tftp_server_open(const struct cfg_tftp *cfg, uint64_t hash_key, int ep,
				     uint32_t tag_listen, uint32_t tag_sock, char *err,
				     size_t errlen)
{
	struct tftp_server *ts = calloc(1, sizeof(*ts));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)tag_listen << 32 };
	struct tftp_proxy_cfg pc = {
		.cache_size = cfg->cache_size,
		.max_sessions = cfg->max_sessions,
		.max_per_client = MAX_PER_CLIENT,
		.upstream_blksize = cfg->upstream_blksize,
		.upstream_windowsize = cfg->upstream_windowsize,
		.cache_max_age_ms = (int64_t)cfg->max_age * 1000,
		.fetch_timeout_ms = (int64_t)cfg->fetch_timeout * 1000,
		.hash_key = hash_key,
	};
	struct tftp_io io = { .open = io_open, .open_upstream = io_open_upstream,
			      .close = io_close, .send = io_send, .load = io_load, .store = io_store };
	int e = 0;

	if (!ts) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ts->ep = ep;
	ts->tag_sock = tag_sock;
	ts->closed_fd = -1;
	ts->cache_size = cfg->cache_size;
	snprintf(ts->cache_dir, sizeof(ts->cache_dir), "%s", cfg->cache_dir);
	if (ts->cache_dir[0] && mkdirs(ts->cache_dir) < 0) {
		log_warn("tftp-proxy: cache-dir %s: %s; caching in memory only", ts->cache_dir,
			 strerror(errno));
		ts->cache_dir[0] = '\0';
	}
	io.user = ts;
	/* Port 69 of every address of both families, one socket. */
	ts->family = AF_INET6;
	ts->listen_fd = udp_socket(ts, (struct tftp_addr){ { 0 } }, TFTP_PORT);
	if (ts->listen_fd == -EAFNOSUPPORT) {
		ts->family = AF_INET;
		ts->listen_fd = udp_socket(ts, (struct tftp_addr){ { 0 } }, TFTP_PORT);
	}
	if (ts->listen_fd < 0)
		e = -ts->listen_fd;
	else if (epoll_ctl(ep, EPOLL_CTL_ADD, ts->listen_fd, &ev) < 0)
		e = errno;
	if (e) {
		snprintf(err, errlen, "TFTP port 69: %s%s", strerror(e),
			 e == EADDRINUSE ? " (a TFTP server runs here)" : "");
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

/* Refusals an operator must hear of, at most one line per interval. */
static void report(struct tftp_server *ts, int64_t now_ms)
{
	const struct tftp_stats *st = tftp_proxy_stats(ts->px);
	unsigned more;

	if (st->slots_full == ts->slots_full_seen && st->budget_refused == ts->budget_seen)
		return;
	if (log_ratelimit_ok(&ts->rl_full, now_ms, &more))
		log_warn("tftp-proxy: refused %llu transfers for max-sessions and %llu files for "
			 "cache-size so far (%u more warnings like this not shown)",
			 (unsigned long long)st->slots_full, (unsigned long long)st->budget_refused,
			 more);
	ts->slots_full_seen = st->slots_full;
	ts->budget_seen = st->budget_refused;
}

void tftp_server_on_listen(struct tftp_server *ts, const struct relay_links *links, int64_t now_ms)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		} cbuf;
		struct iovec iov = { .iov_base = ts->buf[0], .iov_len = sizeof(ts->buf[0]) };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
		};
		struct tftp_addr local = { { 0 } }, client;
		const struct relay_link *l;
		uint16_t port;
		ssize_t n = recvmsg(ts->listen_fd, &mh, 0);
		int ifindex;

		if (n < 0)
			return;
		ifindex = pktinfo_of(&mh, &local);
		client = addr_of(&from, &port);
		/* Only clients of a proxied link, asking our address there:
		 * its first IPv4 address, or the IPv6 one DHCPv6 names. */
		l = relay_links_by_ifindex(links, ifindex);
		if (!l || !l->cfg || !l->cfg->tftp_proxy ||
		    !(tftp_addr_is4(local) ? l->naddrs && tftp_addr_to4(local) == l->addrs[0]
					   : l->has_addr6 && tftp_addr_eq(local, tftp_addr6(l->addr6)))) {
			log_debug("TFTP request from a link without tftp-proxy ignored");
			continue;
		}
		tftp_proxy_request(ts->px, ts->buf[0], (size_t)n, client, port, local, l->mtu, now_ms);
		report(ts, now_ms);
	}
}

/* A session socket sees one ACK (client side) or a window of DATA
 * (upstream) per turn. recvmmsg reads what is there with one call and
 * tells, by returning fewer than asked, that the socket is drained: per
 * block served that saves the read that would only say EAGAIN. */
void tftp_server_on_sock(struct tftp_server *ts, int fd, int64_t now_ms)
{
	struct mmsghdr mh[SOCK_BATCH];
	struct iovec iov[SOCK_BATCH];
	struct sockaddr_storage from[SOCK_BATCH];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf[SOCK_BATCH];

	for (int round = 0; round < 64 / SOCK_BATCH; round++) {
		int n;

		for (int i = 0; i < SOCK_BATCH; i++) {
			iov[i] = (struct iovec){ ts->buf[i], sizeof(ts->buf[i]) };
			mh[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
							 .msg_namelen = sizeof(from[i]),
							 .msg_iov = &iov[i], .msg_iovlen = 1,
							 .msg_control = cbuf[i].buf,
							 .msg_controllen = sizeof(cbuf[i].buf) };
		}
		n = recvmmsg(fd, mh, SOCK_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			int ifindex = pktinfo_of(&mh[i].msg_hdr, NULL);
			uint16_t port;
			struct tftp_addr src = addr_of(&from[i], &port);

			ts->closed_fd = -1;
			tftp_proxy_input(ts->px, fd, ts->buf[i], mh[i].msg_len, src, port, ifindex,
					 now_ms);
			report(ts, now_ms);
			/* The session ended and its socket is closed (the
			 * number may even be reused): the rest were for it. */
			if (ts->closed_fd == fd)
				return;
		}
		if (n < SOCK_BATCH)
			return;
	}
}

int tftp_server_tick(struct tftp_server *ts, int64_t now_ms)
{
	return tftp_proxy_tick(ts->px, now_ms);
}

void tftp_server_learn(struct tftp_server *ts, struct tftp_addr client, struct tftp_addr server,
		       int64_t now_ms)
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
