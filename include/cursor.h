/* cursor.h - the one bounds-checked reader every wire parser uses.
 * A getter either returns the bytes it was asked for or fails; it never
 * reads past the end. */
#ifndef PXR_CURSOR_H
#define PXR_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *p;
	size_t left;
};

static inline struct cursor cursor_make(const void *p, size_t len)
{
	return (struct cursor){ .p = p, .left = len };
}

static inline bool cursor_u8(struct cursor *c, uint8_t *v)
{
	if (c->left < 1)
		return false;
	*v = c->p[0];
	c->p++;
	c->left--;
	return true;
}

static inline bool cursor_be16(struct cursor *c, uint16_t *v)
{
	if (c->left < 2)
		return false;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return true;
}

static inline bool cursor_be32(struct cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return true;
}

/* Network-order 32 bits copied as they are (addresses). */
static inline bool cursor_addr(struct cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return false;
	memcpy(v, c->p, 4);
	c->p += 4;
	c->left -= 4;
	return true;
}

static inline bool cursor_bytes(struct cursor *c, void *dst, size_t n)
{
	if (c->left < n)
		return false;
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

/* A view of the next n bytes, consumed. */
static inline bool cursor_view(struct cursor *c, size_t n, const uint8_t **view)
{
	if (c->left < n)
		return false;
	*view = c->p;
	c->p += n;
	c->left -= n;
	return true;
}

static inline bool cursor_skip(struct cursor *c, size_t n)
{
	if (c->left < n)
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

#endif
