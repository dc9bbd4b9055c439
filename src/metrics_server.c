/* metrics_server.c - see metrics_server.h.
 *
 * A connection lives in a slot while it sends its request and while its
 * response is written; once the response is out it moves to the linger
 * table (a descriptor and a deadline, no buffer), where it is drained
 * until the client closes. Events carry the slot index, or
 * METRICS_MAX_CONN + the linger index. */
#define _GNU_SOURCE   /* accept4 */
#include "metrics_server.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A wake of the listening socket accepts at most this many: a connect
 * flood must not hold the loop the relay runs in (the socket is level
 * triggered, the rest waits for the next turn). */
#define METRICS_ACCEPT_BATCH 64

struct metrics_conn {
	int fd;                      /* -1: free */
	bool reading;                /* false: writing the response */
	uint32_t peer;               /* source address, network order */
	int64_t opened_ms, deadline_ms;
	size_t inlen;
	char in[HTTP_MAX_REQUEST];
	struct mbuf out;
	size_t sent;
};

struct metrics_linger {
	int fd;                      /* -1: free */
	int64_t deadline_ms;
};

struct metrics_server {
	int fd, ep;
	uint32_t conn_tag;
	struct metrics_http_stats stats;
	struct metrics_conn conn[METRICS_MAX_CONN];
	struct metrics_linger linger[METRICS_MAX_LINGER];
};

/* The loop's clock (CLOCK_MONOTONIC in ms), for events, which come
 * without it. */
static int64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t ev_data(const struct metrics_server *ms, size_t id)
{
	return (uint64_t)ms->conn_tag << 32 | (uint64_t)id;
}

struct metrics_server *metrics_server_open(const char *hostport, int ep, uint32_t conn_tag,
					   char *err, size_t errlen)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct metrics_server *ms;
	const char *colon = strrchr(hostport, ':');
	char host[64];
	int one = 1;
	/* accept() returns a connection only once its first bytes are in: a
	 * scraper's whole request, so the admission rule sees that it is
	 * ready; a client that connects and says nothing waits in the kernel
	 * (a second, then it is accepted anyway) instead of in a slot. */
	int defer_s = 1;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host)) {
		snprintf(err, errlen, "metrics: '%s' is not ADDRESS:PORT", hostport);
		return NULL;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		snprintf(err, errlen, "metrics: '%s' is not an IPv4 address", host);
		return NULL;
	}
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	ms = calloc(1, sizeof(*ms));
	if (!ms) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ms->ep = ep;
	ms->conn_tag = conn_tag;
	for (int i = 0; i < METRICS_MAX_CONN; i++)
		ms->conn[i].fd = -1;
	for (int i = 0; i < METRICS_MAX_LINGER; i++)
		ms->linger[i].fd = -1;
	ms->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ms->fd < 0 || setsockopt(ms->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(ms->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s, sizeof(defer_s)) < 0 ||
	    bind(ms->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(ms->fd, 64) < 0) {
		snprintf(err, errlen, "metrics on %s: %s", hostport, strerror(errno));
		if (ms->fd >= 0)
			close(ms->fd);
		free(ms);
		return NULL;
	}
	return ms;
}

int metrics_server_fd(const struct metrics_server *ms)
{
	return ms->fd;
}

const struct metrics_http_stats *metrics_server_stats(const struct metrics_server *ms)
{
	return &ms->stats;
}

static void conn_close(struct metrics_server *ms, struct metrics_conn *c)
{
	epoll_ctl(ms->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	mbuf_free(&c->out);
}

static void linger_close(struct metrics_server *ms, struct metrics_linger *l)
{
	epoll_ctl(ms->ep, EPOLL_CTL_DEL, l->fd, NULL);
	close(l->fd);
	l->fd = -1;
}

/* The response is written: end our side and read what the client still
 * sends until it closes. Closing a socket with unread bytes in it sends a
 * reset, and a reset can reach the client before it has read the status
 * line (a request over HTTP_MAX_REQUEST always leaves bytes unread).
 * registered: fd is in the epoll set already (it had a slot). */
static void linger_start(struct metrics_server *ms, int fd, bool registered, int64_t now_ms)
{
	struct metrics_linger *l = NULL;
	struct epoll_event ev = { .events = EPOLLIN };

	shutdown(fd, SHUT_WR);
	for (int i = 0; i < METRICS_MAX_LINGER && !l; i++)
		if (ms->linger[i].fd < 0)
			l = &ms->linger[i];
	if (!l) {
		/* Table full: the one closest to its deadline has had the
		 * longest to read its answer. */
		l = &ms->linger[0];
		for (int i = 1; i < METRICS_MAX_LINGER; i++)
			if (ms->linger[i].deadline_ms < l->deadline_ms)
				l = &ms->linger[i];
		linger_close(ms, l);
	}
	ev.data.u64 = ev_data(ms, METRICS_MAX_CONN + (size_t)(l - ms->linger));
	if (epoll_ctl(ms->ep, registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return;
	}
	l->fd = fd;
	l->deadline_ms = now_ms + METRICS_LINGER_MS;
}

static void linger_drain(struct metrics_server *ms, struct metrics_linger *l)
{
	char sink[4096];

	/* Bounded per event: the socket is level triggered. */
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(l->fd, sink, sizeof(sink), 0);

		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		linger_close(ms, l);
		return;
	}
}

/* 503 on a connection that gets no slot. A fresh socket's send buffer
 * takes these few bytes at once. */
static void refuse(struct metrics_server *ms, int fd, int64_t now_ms)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				   "Content-Type: text/plain\r\nContent-Length: 0\r\n"
				   "Retry-After: 1\r\nConnection: close\r\n\r\n";

	if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		close(fd);
		return;
	}
	linger_start(ms, fd, false, now_ms);
}

/* Whether fd's complete, well-formed request is already in the socket
 * (read without taking it). */
static bool request_ready(int fd)
{
	char buf[HTTP_MAX_REQUEST];
	struct http_request req;
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	return n > 0 && http_parse_request(buf, (size_t)n, &req) == 0;
}

void metrics_server_accept(struct metrics_server *ms, int64_t now_ms)
{
	for (int k = 0; k < METRICS_ACCEPT_BATCH; k++) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(ms->fd, (struct sockaddr *)&peer, &plen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct http_slot view[METRICS_MAX_CONN];
		struct metrics_conn *c;
		struct epoll_event ev;
		size_t slot = 0;

		if (fd < 0)
			return;
		for (int i = 0; i < METRICS_MAX_CONN; i++)
			view[i] = (struct http_slot){
				.used = ms->conn[i].fd >= 0,
				.reading = ms->conn[i].reading,
				.peer = ms->conn[i].peer,
				.opened_ms = ms->conn[i].opened_ms,
			};
		switch (http_admit(view, METRICS_MAX_CONN, peer.sin_addr.s_addr, now_ms,
				   request_ready(fd), METRICS_PER_PEER, METRICS_EVICT_GRACE_MS,
				   &slot)) {
		case HTTP_ADMIT_PEER:
			ms->stats.rejected_peer++;
			refuse(ms, fd, now_ms);
			continue;
		case HTTP_ADMIT_FULL:
			ms->stats.rejected_full++;
			refuse(ms, fd, now_ms);
			continue;
		case HTTP_ADMIT_EVICT:
			ms->stats.evicted_slow++;
			conn_close(ms, &ms->conn[slot]);
			break;
		case HTTP_ADMIT_FREE:
			break;
		}
		c = &ms->conn[slot];
		c->fd = fd;
		c->reading = true;
		c->peer = peer.sin_addr.s_addr;
		c->inlen = 0;
		c->sent = 0;
		c->opened_ms = now_ms;
		c->deadline_ms = now_ms + METRICS_REQUEST_MS;
		ev.events = EPOLLIN;
		ev.data.u64 = ev_data(ms, slot);
		if (epoll_ctl(ms->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			c->fd = -1;
		}
	}
}

static void respond(struct metrics_conn *c, const char *status, const char *type,
		    const struct mbuf *body, bool head)
{
	size_t blen = body ? body->len : 0;

	mbuf_printf(&c->out, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n", status, type, blen);
	if (body && !head)
		mbuf_printf(&c->out, "%.*s", (int)body->len, body->p);
}

/* Write what is pending: 1 all written, 0 the rest waits for EPOLLOUT,
 * -1 the connection failed. */
static int flush(struct metrics_server *ms, struct metrics_conn *c)
{
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct epoll_event ev = {
					.events = EPOLLOUT,
					.data.u64 = ev_data(ms, (size_t)(c - ms->conn)),
				};

				epoll_ctl(ms->ep, EPOLL_CTL_MOD, c->fd, &ev);
				return 0;
			}
			return -1;
		}
		c->sent += (size_t)n;
	}
	return 1;
}

/* Flush; once all is written the connection leaves its slot to linger. */
static void write_out(struct metrics_server *ms, struct metrics_conn *c)
{
	int r = c->out.oom ? -1 : flush(ms, c);

	if (r < 0) {
		conn_close(ms, c);
	} else if (r > 0) {
		linger_start(ms, c->fd, true, clock_ms());
		c->fd = -1;
		mbuf_free(&c->out);
	}
}

static void answer(struct metrics_server *ms, struct metrics_conn *c,
		   metrics_render_fn render, void *user)
{
	struct http_request req;
	int r = http_parse_request(c->in, c->inlen, &req);

	if (r == -EAGAIN)
		return;
	c->reading = false;
	c->deadline_ms = clock_ms() + METRICS_RESPONSE_MS;
	if (r < 0) {
		ms->stats.bad_request++;
		respond(c, "400 Bad Request", "text/plain", NULL, false);
	} else if (strcmp(req.path, "/metrics") == 0 || strcmp(req.path, "/") == 0) {
		struct mbuf body = { 0 };

		render(user, &body);
		if (body.oom)
			respond(c, "500 Internal Server Error", "text/plain", NULL, false);
		else
			respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", &body,
				req.head);
		mbuf_free(&body);
	} else {
		respond(c, "404 Not Found", "text/plain", NULL, false);
	}
	write_out(ms, c);
}

void metrics_server_event(struct metrics_server *ms, unsigned slot, uint32_t events,
			  metrics_render_fn render, void *user)
{
	struct metrics_conn *c;
	ssize_t n;

	if (slot >= METRICS_MAX_CONN) {
		slot -= METRICS_MAX_CONN;
		if (slot < METRICS_MAX_LINGER && ms->linger[slot].fd >= 0)
			linger_drain(ms, &ms->linger[slot]);
		return;
	}
	c = &ms->conn[slot];
	if (c->fd < 0)
		return;
	if (!c->reading) {            /* response under way */
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			write_out(ms, c);
		return;
	}
	/* There is always room: a full buffer without the end of the headers
	 * is answered 400 below and the slot stops reading. */
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			conn_close(ms, c);
		return;
	}
	c->inlen += (size_t)n;
	answer(ms, c, render, user);
}

int metrics_server_expire(struct metrics_server *ms, int64_t now_ms)
{
	int64_t next = -1;

	for (int i = 0; i < METRICS_MAX_CONN; i++) {
		struct metrics_conn *c = &ms->conn[i];

		if (c->fd < 0)
			continue;
		if (now_ms >= c->deadline_ms) {
			if (c->reading)
				ms->stats.request_timeout++;
			conn_close(ms, c);
			continue;
		}
		if (next < 0 || c->deadline_ms - now_ms < next)
			next = c->deadline_ms - now_ms;
	}
	for (int i = 0; i < METRICS_MAX_LINGER; i++) {
		struct metrics_linger *l = &ms->linger[i];

		if (l->fd < 0)
			continue;
		if (now_ms >= l->deadline_ms) {
			linger_close(ms, l);
			continue;
		}
		if (next < 0 || l->deadline_ms - now_ms < next)
			next = l->deadline_ms - now_ms;
	}
	return (int)next;
}

void metrics_server_close(struct metrics_server *ms)
{
	if (!ms)
		return;
	for (int i = 0; i < METRICS_MAX_CONN; i++)
		if (ms->conn[i].fd >= 0)
			conn_close(ms, &ms->conn[i]);
	for (int i = 0; i < METRICS_MAX_LINGER; i++)
		if (ms->linger[i].fd >= 0)
			linger_close(ms, &ms->linger[i]);
	close(ms->fd);
	free(ms);
}
