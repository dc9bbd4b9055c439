/* metrics_server.c - see metrics_server.h. */
#define _GNU_SOURCE   /* accept4 */
#include "metrics_server.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct metrics_conn {
	int fd;                      /* -1: free */
	int64_t deadline_ms;
	size_t inlen;
	char in[HTTP_MAX_REQUEST];
	struct mbuf out;
	size_t sent;
};

struct metrics_server {
	int fd, ep;
	uint32_t conn_tag;
	struct metrics_conn conn[METRICS_MAX_CONN];
};

struct metrics_server *metrics_server_open(const char *hostport, int ep, uint32_t conn_tag,
					   char *err, size_t errlen)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct metrics_server *ms;
	const char *colon = strrchr(hostport, ':');
	char host[64];
	int one = 1;

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
	ms->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ms->fd < 0 || setsockopt(ms->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(ms->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(ms->fd, 16) < 0) {
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

static void conn_close(struct metrics_server *ms, struct metrics_conn *c)
{
	epoll_ctl(ms->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	mbuf_free(&c->out);
}

void metrics_server_accept(struct metrics_server *ms, int64_t now_ms)
{
	for (;;) {
		int fd = accept4(ms->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct metrics_conn *c = NULL;
		struct epoll_event ev;

		if (fd < 0)
			return;
		for (int i = 0; i < METRICS_MAX_CONN && !c; i++)
			if (ms->conn[i].fd < 0)
				c = &ms->conn[i];
		if (!c) {
			close(fd);    /* busy: the scraper retries */
			continue;
		}
		c->fd = fd;
		c->inlen = 0;
		c->sent = 0;
		c->deadline_ms = now_ms + METRICS_IDLE_MS;
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)ms->conn_tag << 32 | (uint64_t)(c - ms->conn);
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

/* Write what is pending; true when the connection is finished. */
static bool flush(struct metrics_server *ms, struct metrics_conn *c)
{
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct epoll_event ev = {
					.events = EPOLLOUT,
					.data.u64 = (uint64_t)ms->conn_tag << 32 |
						    (uint64_t)(c - ms->conn),
				};

				epoll_ctl(ms->ep, EPOLL_CTL_MOD, c->fd, &ev);
				return false;
			}
			return true;
		}
		c->sent += (size_t)n;
	}
	return true;
}

void metrics_server_event(struct metrics_server *ms, unsigned slot, uint32_t events,
			  metrics_render_fn render, void *user)
{
	struct metrics_conn *c;
	struct http_request req;
	ssize_t n;
	int r;

	if (slot >= METRICS_MAX_CONN || ms->conn[slot].fd < 0)
		return;
	c = &ms->conn[slot];
	if (c->out.len) {             /* response under way */
		if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && flush(ms, c))
			conn_close(ms, c);
		return;
	}
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			conn_close(ms, c);
		return;
	}
	c->inlen += (size_t)n;
	r = http_parse_request(c->in, c->inlen, &req);
	if (r == -EAGAIN)
		return;
	if (r < 0) {
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
	if (c->out.oom || flush(ms, c))
		conn_close(ms, c);
}

int metrics_server_expire(struct metrics_server *ms, int64_t now_ms)
{
	int64_t next = -1;

	for (int i = 0; i < METRICS_MAX_CONN; i++) {
		struct metrics_conn *c = &ms->conn[i];

		if (c->fd < 0)
			continue;
		if (now_ms >= c->deadline_ms) {
			conn_close(ms, c);
			continue;
		}
		if (next < 0 || c->deadline_ms - now_ms < next)
			next = c->deadline_ms - now_ms;
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
	close(ms->fd);
	free(ms);
}
