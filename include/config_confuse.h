/* config_confuse.h - libconfuse under the key table (config_keys.h). */
#ifndef PXR_CONFIG_CONFUSE_H
#define PXR_CONFIG_CONFUSE_H

#include "config.h"

#include <confuse.h>
#include <stddef.h>

/* Files larger than this are refused. */
#define CONFIG_MAX_BYTES (4 << 20)

/* Parse len bytes of text (no NUL inside) into c, which holds the
 * defaults already. Every value is checked by its key's type as it is
 * read; the first error is written as "NAME:LINE: key: why". Returns 0 or
 * -1; on -1 c may hold part of the file and is freed by the caller. */
int confuse_parse(const char *name, const char *text, size_t len, struct config *c,
		  char *err, size_t errlen);

/* A whole file, NUL-terminated, up to CONFIG_MAX_BYTES. */
char *confuse_read_file(const char *path, size_t *len, char *err, size_t errlen);

#endif
