/* http.h - the one request the metrics endpoint understands: a GET (or
 * HEAD) request line and headers up to the blank line. Pure. */
#ifndef PXR_HTTP_H
#define PXR_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_REQUEST 4096

struct http_request {
	bool head;              /* HEAD: headers only */
	char path[256];
};

/* 0: complete request in buf[0..len); -EAGAIN: need more bytes;
 * -EBADMSG: not HTTP/1.x, a method other than GET/HEAD, or a header
 * section longer than HTTP_MAX_REQUEST; -ENAMETOOLONG: path too long. */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

#endif
