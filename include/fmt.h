/* fmt.h - a line built piece by piece, for the log lines written once per
 * relayed message. printf parses its format and inet_ntop prints through
 * sprintf: at tens of thousands of messages a second those were most of
 * pxerelay's own instructions. These append without either. Pure.
 *
 * Appends never overflow: what does not fit is cut, and the line always
 * stays NUL-terminated. */
#ifndef PXR_FMT_H
#define PXR_FMT_H

#include <stddef.h>
#include <stdint.h>

struct fmt {
	char s[768];
	size_t n;
};

static inline void fmt_init(struct fmt *f)
{
	f->n = 0;
	f->s[0] = '\0';
}

void fmt_mem(struct fmt *f, const char *p, size_t len);
void fmt_str(struct fmt *f, const char *s);
void fmt_char(struct fmt *f, char c);
void fmt_ip(struct fmt *f, uint32_t addr_be);        /* dotted quad */
void fmt_mac(struct fmt *f, const uint8_t mac[6]);   /* aa:bb:cc:dd:ee:ff */
void fmt_hex32(struct fmt *f, uint32_t v);           /* 8 digits, lower case */
void fmt_uint(struct fmt *f, unsigned long long v);

/* src into dst[cap] (cap >= 1), cut to fit, always NUL-terminated;
 * returns the length copied. */
size_t fmt_copy(char *dst, size_t cap, const char *src);
/* Dotted quad into dst[16]; returns its length. */
size_t fmt_ip_text(char dst[16], uint32_t addr_be);

#endif
