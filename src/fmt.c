/* fmt.c - see fmt.h. */
#include "fmt.h"

#include <string.h>

static const char hexdig[] = "0123456789abcdef";

void fmt_mem(struct fmt *f, const char *p, size_t len)
{
	size_t room = sizeof(f->s) - 1 - f->n;

	if (len > room)
		len = room;
	memcpy(f->s + f->n, p, len);
	f->n += len;
	f->s[f->n] = '\0';
}

void fmt_str(struct fmt *f, const char *s)
{
	fmt_mem(f, s, strlen(s));
}

void fmt_char(struct fmt *f, char c)
{
	fmt_mem(f, &c, 1);
}

void fmt_uint(struct fmt *f, unsigned long long v)
{
	char t[20];
	size_t i = sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fmt_mem(f, t + i, sizeof(t) - i);
}

void fmt_ip(struct fmt *f, uint32_t addr_be)
{
	const uint8_t *b = (const uint8_t *)&addr_be;
	char t[16];
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			t[n++] = (char)('0' + v / 100);
		if (v >= 10)
			t[n++] = (char)('0' + v / 10 % 10);
		t[n++] = (char)('0' + v % 10);
		if (i < 3)
			t[n++] = '.';
	}
	fmt_mem(f, t, n);
}

void fmt_mac(struct fmt *f, const uint8_t mac[6])
{
	char t[17];

	for (int i = 0; i < 6; i++) {
		t[i * 3] = hexdig[mac[i] >> 4];
		t[i * 3 + 1] = hexdig[mac[i] & 15];
		if (i < 5)
			t[i * 3 + 2] = ':';
	}
	fmt_mem(f, t, sizeof(t));
}

void fmt_hex32(struct fmt *f, uint32_t v)
{
	char t[8];

	for (int i = 7; i >= 0; i--, v >>= 4)
		t[i] = hexdig[v & 15];
	fmt_mem(f, t, sizeof(t));
}

size_t fmt_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

size_t fmt_ip_text(char dst[16], uint32_t addr_be)
{
	struct fmt f;

	fmt_init(&f);
	fmt_ip(&f, addr_be);
	memcpy(dst, f.s, f.n + 1);
	return f.n;
}
