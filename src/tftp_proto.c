/* tftp_proto.c - see tftp_proto.h. */
#include "tftp_proto.h"
#include "cursor.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A NUL-terminated string inside the packet; false when none ends it. */
static bool take_string(struct cursor *c, const char **s, size_t *len)
{
	const uint8_t *nul = memchr(c->p, 0, c->left);

	if (!nul)
		return false;
	*s = (const char *)c->p;
	*len = (size_t)(nul - c->p);
	c->p = nul + 1;
	c->left -= *len + 1;
	return true;
}

/* Decimal, no sign, no spaces, within [lo, hi]. */
static bool number(const char *s, size_t len, uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t n = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (n < lo || n > hi)
		return false;
	*v = n;
	return true;
}

static void parse_options(struct cursor *c, struct tftp_pkt *p)
{
	const char *name, *val;
	size_t nlen, vlen;
	uint64_t v;

	/* RFC 2347: name NUL value NUL pairs, names case-insensitive. */
	while (c->left > 0 && take_string(c, &name, &nlen) && take_string(c, &val, &vlen)) {
		if (nlen == 7 && strncasecmp(name, "blksize", 7) == 0) {
			/* RFC 2348: 8..65464 octets */
			if (number(val, vlen, TFTP_BLKSIZE_MIN, TFTP_BLKSIZE_MAX, &v)) {
				p->opts.has_blksize = true;
				p->opts.blksize = (uint32_t)v;
			} else {
				p->bad_option = true;
			}
		} else if (nlen == 5 && strncasecmp(name, "tsize", 5) == 0) {
			/* RFC 2349: 0 in a request asks for the size */
			if (number(val, vlen, 0, UINT64_MAX >> 1, &v)) {
				p->opts.has_tsize = true;
				p->opts.tsize = v;
			} else {
				p->bad_option = true;
			}
		} else if (nlen == 7 && strncasecmp(name, "timeout", 7) == 0) {
			/* RFC 2349: 1..255 seconds */
			if (number(val, vlen, 1, 255, &v)) {
				p->opts.has_timeout = true;
				p->opts.timeout = (uint32_t)v;
			} else {
				p->bad_option = true;
			}
		} else if (nlen == 10 && strncasecmp(name, "windowsize", 10) == 0) {
			/* RFC 7440: 1..65535 blocks */
			if (number(val, vlen, 1, 65535, &v)) {
				p->opts.has_windowsize = true;
				p->opts.windowsize = (uint32_t)v;
			} else {
				p->bad_option = true;
			}
		}
	}
}

int tftp_parse(const uint8_t *buf, size_t len, struct tftp_pkt *p)
{
	struct cursor c = cursor_make(buf, len);
	uint16_t op;
	const char *s;
	size_t slen;

	memset(p, 0, sizeof(*p));
	if (!cursor_be16(&c, &op))
		return -EBADMSG;
	p->op = (enum tftp_op)op;
	switch (op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		/* A request the proxy cannot take still gets an ERROR with the
		 * reason, so each failure has its own code here. */
		if (!take_string(&c, &s, &slen))
			return -EBADMSG;
		if (slen == 0)
			return -ENOENT;
		if (slen >= sizeof(p->path))
			return -ENAMETOOLONG;
		memcpy(p->path, s, slen);
		if (!take_string(&c, &s, &slen))
			return -EBADMSG;
		if (slen == 0 || slen >= sizeof(p->mode))
			return -EINVAL;
		for (size_t i = 0; i < slen; i++)
			p->mode[i] = (char)tolower((unsigned char)s[i]);
		parse_options(&c, p);
		return 0;
	case TFTP_OACK:
		parse_options(&c, p);
		return 0;
	case TFTP_DATA:
		if (!cursor_be16(&c, &p->block))
			return -EBADMSG;
		p->data = c.p;
		p->data_len = c.left;
		return 0;
	case TFTP_ACK:
		return cursor_be16(&c, &p->block) ? 0 : -EBADMSG;
	case TFTP_ERROR:
		if (!cursor_be16(&c, &p->error_code))
			return -EBADMSG;
		/* Some servers omit the NUL; keep what is printable. */
		for (size_t i = 0; i < c.left && i + 1 < sizeof(p->error_msg) && c.p[i]; i++)
			p->error_msg[i] = isprint(c.p[i]) ? (char)c.p[i] : '?';
		return 0;
	default:
		return -EBADMSG;
	}
}

/* ---- builders ---- */

struct out {
	uint8_t *p;
	size_t len, cap;
	bool full;
};

static void put(struct out *o, const void *v, size_t n)
{
	if (o->full || o->cap - o->len < n) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, v, n);
	o->len += n;
}

static void put16(struct out *o, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(o, b, 2);
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s) + 1);
}

static void put_opt(struct out *o, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	put_str(o, name);
	put_str(o, num);
}

static void put_opts(struct out *o, const struct tftp_opts *t)
{
	if (!t)
		return;
	if (t->has_blksize)
		put_opt(o, "blksize", t->blksize);
	if (t->has_tsize)
		put_opt(o, "tsize", t->tsize);
	if (t->has_timeout)
		put_opt(o, "timeout", t->timeout);
	if (t->has_windowsize)
		put_opt(o, "windowsize", t->windowsize);
}

static int done(const struct out *o)
{
	return o->full ? -EMSGSIZE : (int)o->len;
}

int tftp_build_rrq(uint8_t *out, size_t cap, const char *path, const struct tftp_opts *t)
{
	struct out o = { out, 0, cap, false };

	put16(&o, TFTP_RRQ);
	put_str(&o, path);
	put_str(&o, "octet");
	put_opts(&o, t);
	return done(&o);
}

int tftp_build_oack(uint8_t *out, size_t cap, const struct tftp_opts *t)
{
	struct out o = { out, 0, cap, false };

	put16(&o, TFTP_OACK);
	put_opts(&o, t);
	return done(&o);
}

int tftp_build_ack(uint8_t *out, size_t cap, uint16_t block)
{
	struct out o = { out, 0, cap, false };

	put16(&o, TFTP_ACK);
	put16(&o, block);
	return done(&o);
}

int tftp_build_data_hdr(uint8_t *out, size_t cap, uint16_t block)
{
	struct out o = { out, 0, cap, false };

	put16(&o, TFTP_DATA);
	put16(&o, block);
	return done(&o);
}

int tftp_build_error(uint8_t *out, size_t cap, uint16_t code, const char *msg)
{
	struct out o = { out, 0, cap, false };

	put16(&o, TFTP_ERROR);
	put16(&o, code);
	put_str(&o, msg);
	return done(&o);
}

/* A segment some boot server could read as something other than a plain
 * name: "..", any run of dots and spaces ("...", ".. "), ".." followed by
 * anything ("..;", "..::$DATA": servers on Windows strip trailing dots,
 * spaces and stream suffixes, others cut at ';'), a name ending in a dot
 * or a space (Windows drops those, so "file." is "file"), an NTFS stream
 * ("name::$DATA", "name:stream:$DATA") and a drive letter ("C:") at the
 * start. iPXE's "${mac}" names ("52:54:00:12:34:56.ipxe") stay allowed. */
static bool segment_refused(const char *seg, size_t len, bool first)
{
	bool dots_spaces = true;

	for (size_t i = 0; i < len; i++)
		if (seg[i] != '.' && seg[i] != ' ')
			dots_spaces = false;
	if (dots_spaces && !(len == 1 && seg[0] == '.'))
		return true;
	if (len >= 2 && seg[0] == '.' && seg[1] == '.')
		return true;
	if (seg[len - 1] == '.' || seg[len - 1] == ' ')
		return true;
	for (size_t i = 0; i + 1 < len; i++)
		if (seg[i] == ':' && (seg[i + 1] == ':' || seg[i + 1] == '$'))
			return true;
	return first && len >= 2 && seg[1] == ':' &&
	       ((seg[0] >= 'a' && seg[0] <= 'z') || (seg[0] >= 'A' && seg[0] <= 'Z'));
}

int tftp_normalise_path(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	const char *p = in;
	bool first = true;

	if (cap == 0)
		return -ENAMETOOLONG;
	while (*p) {
		const char *seg;
		size_t len = 0;

		while (*p == '/' || *p == '\\')
			p++;
		seg = p;
		while (*p && *p != '/' && *p != '\\') {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return -EACCES;
			p++;
			len++;
		}
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (segment_refused(seg, len, first))
			return -EACCES;
		first = false;
		if (n + (n ? 1 : 0) + len >= cap)
			return -ENAMETOOLONG;
		if (n)
			out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
	}
	out[n] = '\0';
	return n ? 0 : -EACCES;
}
