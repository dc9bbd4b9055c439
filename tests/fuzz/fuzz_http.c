/* libFuzzer harness: the metrics endpoint's request parser. Feeds the
 * input whole and in every split a reader could see; a complete request
 * must parse the same however it arrived, and a path never holds bytes
 * that could break the response. */
#include "http.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request whole, part;
	int r = http_parse_request((const char *)data, size, &whole);

	if (r != 0 && r != -EAGAIN && r != -EBADMSG && r != -ENAMETOOLONG)
		abort();
	if (r == 0) {
		for (const char *p = whole.path; *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
				abort();
		if (whole.path[0] == '\0')
			abort();
	}
	/* A prefix is at most incomplete, never a different request. */
	for (size_t cut = 0; cut < size && cut < 64; cut++) {
		int rp = http_parse_request((const char *)data, cut, &part);

		if (rp == 0 && r == 0 && strcmp(part.path, whole.path) != 0)
			abort();
	}
	return 0;
}
