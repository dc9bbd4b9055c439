/* http.c - see http.h. */
#include "http.h"

#include <errno.h>
#include <string.h>

/* The end of the header section: CRLF CRLF, or LF LF from a lax client. */
static const char *headers_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return buf + i + 2;
		if (i + 3 < len && memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return buf + i + 4;
	}
	return NULL;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	const char *end, *sp1, *sp2, *eol, *path;
	size_t plen;

	memset(req, 0, sizeof(*req));
	end = headers_end(buf, len);
	if (!end)
		return len >= HTTP_MAX_REQUEST ? -EBADMSG : -EAGAIN;
	if ((size_t)(end - buf) > HTTP_MAX_REQUEST)
		return -EBADMSG;
	eol = memchr(buf, '\n', (size_t)(end - buf));
	if (!eol)
		return -EBADMSG;
	if (eol > buf && eol[-1] == '\r')
		eol--;
	/* METHOD SP PATH SP HTTP/1.x */
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	if (!sp1)
		return -EBADMSG;
	if (sp1 - buf == 3 && memcmp(buf, "GET", 3) == 0)
		req->head = false;
	else if (sp1 - buf == 4 && memcmp(buf, "HEAD", 4) == 0)
		req->head = true;
	else
		return -EBADMSG;
	path = sp1 + 1;
	sp2 = memchr(path, ' ', (size_t)(eol - path));
	if (!sp2 || sp2 == path)
		return -EBADMSG;
	if (eol - (sp2 + 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -EBADMSG;
	plen = (size_t)(sp2 - path);
	if (plen >= sizeof(req->path))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < plen; i++)
		if ((unsigned char)path[i] <= 0x20 || (unsigned char)path[i] >= 0x7f)
			return -EBADMSG;
	memcpy(req->path, path, plen);
	return 0;
}

enum http_admit http_admit(const struct http_slot *slots, size_t n, uint32_t peer,
			   int64_t now_ms, bool has_request, unsigned per_peer,
			   int64_t grace_ms, size_t *slot)
{
	size_t free_slot = n, oldest = n;
	unsigned from_peer = 0;

	for (size_t i = 0; i < n; i++) {
		if (!slots[i].used) {
			if (free_slot == n)
				free_slot = i;
			continue;
		}
		if (slots[i].peer == peer)
			from_peer++;
		if (slots[i].reading &&
		    (oldest == n || slots[i].opened_ms < slots[oldest].opened_ms))
			oldest = i;
	}
	if (from_peer >= per_peer)
		return HTTP_ADMIT_PEER;
	if (free_slot < n) {
		*slot = free_slot;
		return HTTP_ADMIT_FREE;
	}
	if (oldest < n && (has_request || now_ms - slots[oldest].opened_ms >= grace_ms)) {
		*slot = oldest;
		return HTTP_ADMIT_EVICT;
	}
	return HTTP_ADMIT_FULL;
}
