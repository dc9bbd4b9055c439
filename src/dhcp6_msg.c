/* dhcp6_msg.c - see dhcp6_msg.h. */
#include "dhcp6_msg.h"
#include "cursor.h"

#include <errno.h>
#include <string.h>

bool dhcp6_is_relay_type(uint8_t type)
{
	return type == DHCP6_RELAY_FORW || type == DHCP6_RELAY_REPL;
}

const char *dhcp6_type_name(uint8_t type)
{
	static const char *const names[] = {
		[DHCP6_SOLICIT] = "SOLICIT", [DHCP6_ADVERTISE] = "ADVERTISE",
		[DHCP6_REQUEST] = "REQUEST", [DHCP6_CONFIRM] = "CONFIRM",
		[DHCP6_RENEW] = "RENEW", [DHCP6_REBIND] = "REBIND",
		[DHCP6_REPLY] = "REPLY", [DHCP6_RELEASE] = "RELEASE",
		[DHCP6_DECLINE] = "DECLINE", [DHCP6_RECONFIGURE] = "RECONFIGURE",
		[DHCP6_INFORMATION_REQUEST] = "INFORMATION-REQUEST",
		[DHCP6_RELAY_FORW] = "RELAY-FORW", [DHCP6_RELAY_REPL] = "RELAY-REPL",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "?";
}

int dhcp6_parse(struct dhcp6_msg *m, const uint8_t *p, size_t len)
{
	struct cursor c = cursor_make(p, len);
	size_t hdr;

	memset(m, 0, sizeof(*m));
	if (len > DHCP6_MAX_LEN)
		return -EMSGSIZE;
	if (!cursor_u8(&c, &m->type) || m->type == 0)
		return -EBADMSG;
	if (dhcp6_is_relay_type(m->type)) {
		/* RFC 8415 §9: msg-type, hop-count, link-address,
		 * peer-address, then options. */
		if (!cursor_u8(&c, &m->hop_count) || !cursor_bytes(&c, m->link_addr, 16) ||
		    !cursor_bytes(&c, m->peer_addr, 16))
			return -EBADMSG;
		hdr = DHCP6_RELAY_HDR;
	} else {
		/* RFC 8415 §8: msg-type, a 3-octet transaction-id, options. */
		uint8_t x[3];

		if (!cursor_bytes(&c, x, 3))
			return -EBADMSG;
		m->xid = (uint32_t)x[0] << 16 | (uint32_t)x[1] << 8 | x[2];
		hdr = DHCP6_CLIENT_HDR;
	}
	/* RFC 8415 §21.1: option-code (2), option-len (2), then option-len
	 * octets of data. Every option must end inside the message. */
	while (c.left) {
		uint16_t code, olen;

		if (!cursor_be16(&c, &code) || !cursor_be16(&c, &olen) || !cursor_skip(&c, olen))
			return -EBADMSG;
	}
	m->raw = p;
	m->len = len;
	m->opts = p + hdr;
	m->opts_len = len - hdr;
	return 0;
}

bool dhcp6_opt_next(const struct dhcp6_msg *m, size_t *pos, uint16_t *code,
		    const uint8_t **val, uint16_t *len)
{
	const uint8_t *o;

	if (*pos + 4 > m->opts_len)
		return false;
	o = m->opts + *pos;
	*code = (uint16_t)(o[0] << 8 | o[1]);
	*len = (uint16_t)(o[2] << 8 | o[3]);
	if (*pos + 4 + *len > m->opts_len)      /* not after dhcp6_parse() */
		return false;
	*val = o + 4;
	*pos += 4 + (size_t)*len;
	return true;
}

const uint8_t *dhcp6_opt_get(const struct dhcp6_msg *m, uint16_t code, uint16_t *len)
{
	size_t pos = 0;
	uint16_t c, l;
	const uint8_t *v;

	while (dhcp6_opt_next(m, &pos, &c, &v, &l))
		if (c == code) {
			*len = l;
			return v;
		}
	return NULL;
}

void dhcp6_buf_init(struct dhcp6_buf *b, uint8_t *p, size_t cap)
{
	*b = (struct dhcp6_buf){ .p = p, .cap = cap };
}

void dhcp6_put(struct dhcp6_buf *b, const void *v, size_t len)
{
	if (b->overflow || len > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (len)
		memcpy(b->p + b->len, v, len);
	b->len += len;
}

size_t dhcp6_opt_begin(struct dhcp6_buf *b, uint16_t code)
{
	uint8_t h[4] = { (uint8_t)(code >> 8), (uint8_t)code, 0, 0 };
	size_t at = b->len;

	dhcp6_put(b, h, 4);
	return at;
}

void dhcp6_opt_end(struct dhcp6_buf *b, size_t at)
{
	size_t len;

	if (b->overflow)
		return;
	len = b->len - at - 4;
	if (len > 0xffff) {
		b->overflow = true;
		return;
	}
	b->p[at + 2] = (uint8_t)(len >> 8);
	b->p[at + 3] = (uint8_t)len;
}

void dhcp6_put_opt(struct dhcp6_buf *b, uint16_t code, const void *v, size_t len)
{
	size_t at;

	/* All of it or nothing. */
	if (b->overflow || len > 0xffff || 4 + len > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	at = dhcp6_opt_begin(b, code);

	dhcp6_put(b, v, len);
	dhcp6_opt_end(b, at);
}

void dhcp6_put_relay_header(struct dhcp6_buf *b, uint8_t type, uint8_t hop_count,
			    const uint8_t link[16], const uint8_t peer[16])
{
	uint8_t h[2] = { type, hop_count };

	dhcp6_put(b, h, 2);
	dhcp6_put(b, link, 16);
	dhcp6_put(b, peer, 16);
}

void dhcp6_class_text(const struct dhcp6_msg *m, uint16_t code, uint32_t *enterprise,
		      char *out, size_t cap)
{
	uint16_t len;
	const uint8_t *v = dhcp6_opt_get(m, code, &len);
	struct cursor c;
	uint16_t item;
	size_t n = 0;

	out[0] = '\0';
	if (enterprise)
		*enterprise = 0;
	if (!v || cap == 0)
		return;
	c = cursor_make(v, len);
	/* RFC 8415 §21.16: vendor-class = enterprise-number (4), then
	 * vendor-class-data; §21.15: user-class-data; each data item a
	 * 16-bit length and that many octets. */
	if (code == D6O_VENDOR_CLASS) {
		uint32_t e;

		if (!cursor_be32(&c, &e))
			return;
		if (enterprise)
			*enterprise = e;
	}
	if (!cursor_be16(&c, &item) || item > c.left)
		return;
	for (size_t i = 0; i < item && n + 1 < cap; i++) {
		uint8_t ch = c.p[i];

		out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[n] = '\0';
}

bool dhcp6_client_mac(const struct dhcp6_msg *m, uint8_t mac[6])
{
	uint16_t len, t;
	const uint8_t *v = dhcp6_opt_get(m, D6O_CLIENT_LINKLAYER_ADDR, &len);

	/* RFC 6939 §4: link-layer type (2), then the address. */
	if (v && len == 8 && (v[0] << 8 | v[1]) == 1) {
		memcpy(mac, v + 2, 6);
		return true;
	}
	/* RFC 8415 §11.2 DUID-LLT: type 1, hardware type, time, address;
	 * §11.4 DUID-LL: type 3, hardware type, address. */
	v = dhcp6_opt_get(m, D6O_CLIENTID, &len);
	if (!v || len < 4)
		return false;
	t = (uint16_t)(v[0] << 8 | v[1]);
	if ((v[2] << 8 | v[3]) != 1)
		return false;
	if (t == 1 && len == 14) {
		memcpy(mac, v + 8, 6);
		return true;
	}
	if (t == 3 && len == 10) {
		memcpy(mac, v + 4, 6);
		return true;
	}
	return false;
}
