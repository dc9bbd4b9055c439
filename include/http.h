/* http.h - the one request the metrics endpoint understands: a GET (or
 * HEAD) request line and headers up to the blank line; and which
 * connection slot a new connection gets. Pure. */
#ifndef PXR_HTTP_H
#define PXR_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_REQUEST 4096

struct http_request {
	bool head;              /* HEAD: headers only */
	char path[256];
};

/* 0: complete request in buf[0..len); -EAGAIN: need more bytes;
 * -EBADMSG: not HTTP/1.x, a method other than GET/HEAD, or a header
 * section longer than HTTP_MAX_REQUEST; -ENAMETOOLONG: path too long. */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* A connection slot as the admission rule sees it. */
struct http_slot {
	bool used;
	bool reading;           /* has not sent a complete request yet */
	uint32_t peer;          /* IPv4 source address */
	int64_t opened_ms;      /* accepted at */
};

enum http_admit {
	HTTP_ADMIT_FREE,        /* *slot is free */
	HTTP_ADMIT_EVICT,       /* close *slot's connection, then use it */
	HTTP_ADMIT_FULL,        /* 503: every slot busy, none may be taken */
	HTTP_ADMIT_PEER,        /* 503: peer already holds per_peer slots */
};

/* Where a connection from peer, accepted at now_ms, goes among n slots.
 * has_request: its complete, well-formed request is already in hand.
 * Over per_peer connections from one address: refused. A free slot if
 * there is one. Else the slot of the oldest connection still sending its
 * request, if it has been open grace_ms or more, or if the newcomer has
 * its request in hand: a scraper sends its request in the first
 * milliseconds, a slow client does not, so a connection that has had its
 * chance yields to one that is ready. Else refused. */
enum http_admit http_admit(const struct http_slot *slots, size_t n, uint32_t peer,
			   int64_t now_ms, bool has_request, unsigned per_peer,
			   int64_t grace_ms, size_t *slot);

#endif
