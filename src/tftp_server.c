/* tftp_server.c - see tftp_server.h. */
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

static int io_open(void *user, uint32_t local_ip)
{
	struct tftp_server *ts = user;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = local_ip };
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -errno;
	/* Every datagram says which interface it came in by (IP_PKTINFO):
	 * a fetch takes its server's packets from the route's one only. */
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
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

/* The kernel's route to dst (RTM_GETROUTE, as `ip route get` asks):
 * the interface it leaves by and the source address it would use. */
static int route_to(uint32_t dst, int *oif, uint32_t *src)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		struct rtattr ra;
		uint32_t dst;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.rt = { .rtm_family = AF_INET, .rtm_dst_len = 32 },
		.ra = { .rta_len = RTA_LENGTH(sizeof(uint32_t)), .rta_type = RTA_DST },
		.dst = dst,
	};
	union {
		struct nlmsghdr nh;
		uint8_t bytes[4096];
	} ans;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct rtattr *ra;
	ssize_t n;
	int len, fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	*oif = 0;
	*src = 0;
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
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
		else if (ra->rta_type == RTA_PREFSRC && RTA_PAYLOAD(ra) >= sizeof(uint32_t))
			memcpy(src, RTA_DATA(ra), sizeof(uint32_t));
	}
	return *oif > 0 ? 0 : -EHOSTUNREACH;
}

/* A fetch's socket: bound to the source address of the route toward the
 * server, answers accepted from that route's interface only. */
static int io_open_upstream(void *user, uint32_t server, int *ifindex)
{
	struct tftp_server *ts = user;
	uint32_t src;
	unsigned more;
	int r = route_to(server, ifindex, &src);

	if (r < 0) {
		char a[INET_ADDRSTRLEN];
		struct timespec now;

		/* The client gets an ERROR and the refusal is counted; the
		 * log says it at most once per interval. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (log_ratelimit_ok(&ts->rl_route, (int64_t)now.tv_sec * 1000 +
				     now.tv_nsec / 1000000, &more))
			log_warn("tftp-proxy: no route to boot server %s: %s (%u more like it not"
				 " shown)", inet_ntop(AF_INET, &server, a, sizeof(a)),
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

static int io_send(void *user, int fd, uint32_t ip, uint16_t port, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = ip };

	(void)user;
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

/* cache-dir: DIR/<server address>/<normalised path>. The path has no
 * ".." (tftp_normalise_path refused it) and no leading '/'. */
static int disk_name(const struct tftp_server *ts, uint32_t server, const char *path,
		     char *out, size_t cap)
{
	char a[INET_ADDRSTRLEN];
	int n;

	inet_ntop(AF_INET, &server, a, sizeof(a));
	n = snprintf(out, cap, "%s/%s/%s", ts->cache_dir, a, path);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int io_load(void *user, uint32_t server, const char *path, int64_t max_age_ms,
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

static void io_store(void *user, uint32_t server, const char *path, const uint8_t *data, size_t len)
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
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(TFTP_PORT) };
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
	int one = 1;

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
		struct sockaddr_in from;
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct iovec iov = { .iov_base = ts->buf[0], .iov_len = sizeof(ts->buf[0]) };
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
		tftp_proxy_request(ts->px, ts->buf[0], (size_t)n, from.sin_addr.s_addr,
				   ntohs(from.sin_port), pi.ipi_addr.s_addr, l->mtu, now_ms);
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
	struct sockaddr_in from[SOCK_BATCH];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
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
			int ifindex = 0;

			for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh[i].msg_hdr); c;
			     c = CMSG_NXTHDR(&mh[i].msg_hdr, c))
				if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
					struct in_pktinfo pi;

					memcpy(&pi, CMSG_DATA(c), sizeof(pi));
					ifindex = pi.ipi_ifindex;
				}
			ts->closed_fd = -1;
			tftp_proxy_input(ts->px, fd, ts->buf[i], mh[i].msg_len,
					 from[i].sin_addr.s_addr, ntohs(from[i].sin_port), ifindex,
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
