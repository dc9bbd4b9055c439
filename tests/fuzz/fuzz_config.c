/* libFuzzer harness: the configuration parser (libconfuse grammar plus
 * pxerelay's validators, comment blanking and section line numbers).
 *
 * The input is a config file's text. It either loads or is refused with a
 * message; nothing in between. A file that loads must survive the round
 * trip `-t` promises: its normalised print loads again and prints the same
 * bytes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *print_config(const struct config *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	config_print(c, f);
	if (fclose(f) != 0)
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct config *c, *again;
	char *first, *second;
	size_t flen, slen;

	err[0] = '\0';
	c = config_parse_text("fuzz.conf", (const char *)data, size, err, sizeof(err));
	if (!c) {
		/* Refused: there must be a message, and it names the file. */
		if (err[0] == '\0' || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	first = print_config(c, &flen);
	again = config_parse_text("fuzz.conf", first, flen, err, sizeof(err));
	if (!again) {
		fprintf(stderr, "normalised print does not load: %s\n---\n%s---\n", err, first);
		abort();
	}
	second = print_config(again, &slen);
	if (flen != slen || memcmp(first, second, flen) != 0) {
		fprintf(stderr, "print changed on reload\n---\n%s---\n%s---\n", first, second);
		abort();
	}
	free(first);
	free(second);
	config_free(again);
	config_free(c);
	return 0;
}
