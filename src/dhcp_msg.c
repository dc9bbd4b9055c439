/* dhcp_msg.c - BOOTP/DHCP codec. See dhcp_msg.h. */
#include "dhcp_msg.h"
#include "cursor.h"

#include <errno.h>
#include <string.h>

static const uint8_t dhcp_cookie[DHCP_COOKIE_LEN] = { 99, 130, 83, 99 };

void dhcp_msg_init(struct dhcp_msg *m)
{
	memset(m, 0, offsetof(struct dhcp_msg, data));
	memset(m->index, 0xff, sizeof(m->index));
}

/* Append bytes to the value of option code (a new entry if absent): this is
 * how RFC 3396 asks instances of one option to be joined. */
static int opt_append(struct dhcp_msg *m, uint8_t code, uint8_t area,
		      const uint8_t *val, size_t len)
{
	int i = m->index[code];

	if (m->data_len + len > sizeof(m->data))
		return -EMSGSIZE;
	if (i < 0) {
		if (m->nopts >= sizeof(m->opts) / sizeof(m->opts[0]))
			return -EBADMSG;
		i = m->nopts++;
		m->index[code] = (int16_t)i;
		m->opts[i] = (struct dhcp_option){ .code = code, .area = area,
			.len = 0, .off = m->data_len };
	}
	if (m->opts[i].off + m->opts[i].len != m->data_len) {
		/* Not the newest value: move it to the end before growing. */
		struct dhcp_option *o = &m->opts[i];

		if (m->data_len + o->len + len > sizeof(m->data))
			return -EMSGSIZE;
		memmove(m->data + m->data_len, m->data + o->off, o->len);
		o->off = m->data_len;
		m->data_len += o->len;
	}
	memcpy(m->data + m->data_len, val, len);
	m->data_len += (uint16_t)len;
	m->opts[i].len += (uint16_t)len;
	m->opts[i].part[area] += (uint16_t)len;
	/* RFC 3396: instances in "the options field, the file field and the
	 * sname field ... are concatenated" in that order to form one value.
	 * Joined, it may fit no single field: when more than one field holds
	 * bytes of it, each one's part is remembered so the builder writes it
	 * back the same way (dhcp_opt_split). Empty instances count for
	 * nothing; the first area holding bytes is where it goes whole. */
	for (int a = 0; a < 3; a++)
		if (m->opts[i].part[a]) {
			m->opts[i].area = (uint8_t)a;
			break;
		}
	return 0;
}

void dhcp_opt_move(struct dhcp_msg *m, int i, enum dhcp_area area)
{
	struct dhcp_option *o = &m->opts[i];

	o->area = (uint8_t)area;
	memset(o->part, 0, sizeof(o->part));
	o->part[area] = o->len;
}

/* One option field: code, length, value; PAD skipped, END stops.
 * in_header: the field is file or sname borrowed by option 52, where a
 * further option 52 would be a loop (RFC 2131 §4.1 allows it only in the
 * options field). */
static int parse_options(struct dhcp_msg *m, const uint8_t *field, size_t len,
			 enum dhcp_area area)
{
	struct cursor c = cursor_make(field, len);
	uint8_t code, olen;
	const uint8_t *val;
	int r;

	while (cursor_u8(&c, &code)) {
		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			return 0;
		if (!cursor_u8(&c, &olen) || !cursor_view(&c, olen, &val))
			return -EBADMSG;
		if (code == DHO_OVERLOAD && area != DHCP_AREA_OPTIONS)
			return -EBADMSG;
		r = opt_append(m, code, (uint8_t)area, val, olen);
		if (r < 0)
			return r;
	}
	/* A missing END is tolerated: several BOOTP stacks omit it. */
	return 0;
}

int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len)
{
	struct cursor c = cursor_make(buf, len);
	const uint8_t *cookie;
	const uint8_t *ov;
	size_t ovlen;
	int r;

	dhcp_msg_init(m);
	if (len > DHCP_MAX_LEN)
		return -EMSGSIZE;
	if (!cursor_u8(&c, &m->op) || !cursor_u8(&c, &m->htype) ||
	    !cursor_u8(&c, &m->hlen) || !cursor_u8(&c, &m->hops) ||
	    !cursor_be32(&c, &m->xid) || !cursor_be16(&c, &m->secs) ||
	    !cursor_be16(&c, &m->flags) || !cursor_addr(&c, &m->ciaddr) ||
	    !cursor_addr(&c, &m->yiaddr) || !cursor_addr(&c, &m->siaddr) ||
	    !cursor_addr(&c, &m->giaddr) ||
	    !cursor_bytes(&c, m->chaddr, sizeof(m->chaddr)) ||
	    !cursor_bytes(&c, m->sname, sizeof(m->sname)) ||
	    !cursor_bytes(&c, m->file, sizeof(m->file)))
		return -EBADMSG;
	m->wire_len = (uint16_t)len;

	if (!cursor_view(&c, DHCP_COOKIE_LEN, &cookie) ||
	    memcmp(cookie, dhcp_cookie, DHCP_COOKIE_LEN) != 0) {
		/* Plain BOOTP (RFC 951): the vendor area is opaque, keep it. */
		m->has_cookie = false;
		m->data_len = (uint16_t)(len - DHCP_HDR_LEN);
		memcpy(m->data, buf + DHCP_HDR_LEN, m->data_len);
		return 0;
	}
	m->has_cookie = true;
	r = parse_options(m, c.p, c.left, DHCP_AREA_OPTIONS);
	if (r < 0)
		return r;

	/* RFC 2131 §4.1: with option 52 the file field, then the sname field,
	 * carry options too, read in that order after the options field. */
	ov = dhcp_opt_get(m, DHO_OVERLOAD, 1, 1, &ovlen);
	if (dhcp_opt_has(m, DHO_OVERLOAD) && !ov)
		return -EBADMSG;
	if (ov) {
		if (*ov < 1 || *ov > 3)
			return -EBADMSG;
		m->overload_read = *ov;
		if (*ov & 1) {
			r = parse_options(m, m->file, sizeof(m->file), DHCP_AREA_FILE);
			if (r < 0)
				return r;
			memset(m->file, 0, sizeof(m->file));
		}
		if (*ov & 2) {
			r = parse_options(m, m->sname, sizeof(m->sname), DHCP_AREA_SNAME);
			if (r < 0)
				return r;
			memset(m->sname, 0, sizeof(m->sname));
		}
	}
	return 0;
}

const uint8_t *dhcp_opt_get(const struct dhcp_msg *m, uint8_t code,
			    size_t minlen, size_t maxlen, size_t *len)
{
	int i = m->index[code];
	const struct dhcp_option *o;

	if (i < 0)
		return NULL;
	o = &m->opts[i];
	if (o->len < minlen || o->len > maxlen)
		return NULL;
	if (len)
		*len = o->len;
	return m->data + o->off;
}

bool dhcp_opt_has(const struct dhcp_msg *m, uint8_t code)
{
	return m->index[code] >= 0;
}

void dhcp_opt_del(struct dhcp_msg *m, uint8_t code)
{
	int i = m->index[code];

	if (i < 0)
		return;
	memmove(&m->opts[i], &m->opts[i + 1],
		(size_t)(m->nopts - i - 1) * sizeof(m->opts[0]));
	m->nopts--;
	m->index[code] = -1;
	for (; i < m->nopts; i++)
		m->index[m->opts[i].code] = (int16_t)i;
}

int dhcp_opt_set(struct dhcp_msg *m, uint8_t code, const void *val, size_t len)
{
	int i = m->index[code];

	if (code == DHO_PAD || code == DHO_END || len > UINT16_MAX)
		return -EINVAL;
	if (i >= 0 && m->opts[i].len >= len) {
		/* Shrinking or same size: rewrite where it is (a split value
		 * as a whole in the options field). */
		if (len)
			memmove(m->data + m->opts[i].off, val, len);
		m->opts[i].len = (uint16_t)len;
		dhcp_opt_move(m, i, dhcp_opt_split(&m->opts[i]) ? DHCP_AREA_OPTIONS
						      : (enum dhcp_area)m->opts[i].area);
		return 0;
	}
	/* Growing: a value that sat in a borrowed file/sname field may no
	 * longer fit there; the options field is where the builder has room
	 * to check. */
	if (i >= 0)
		dhcp_opt_move(m, i, DHCP_AREA_OPTIONS);
	if (m->data_len + len > sizeof(m->data)) {
		/* Reclaim space left by edits before giving up. */
		uint8_t tmp[DHCP_MAX_LEN];
		uint16_t n = 0;

		for (int k = 0; k < m->nopts; k++) {
			memcpy(tmp + n, m->data + m->opts[k].off, m->opts[k].len);
			m->opts[k].off = n;
			n += m->opts[k].len;
		}
		memcpy(m->data, tmp, n);
		m->data_len = n;
		if (m->data_len + len > sizeof(m->data))
			return -EMSGSIZE;
	}
	if (i < 0) {
		if (m->nopts >= sizeof(m->opts) / sizeof(m->opts[0]))
			return -ENOSPC;
		i = m->nopts++;
		m->index[code] = (int16_t)i;
		m->opts[i] = (struct dhcp_option){ .code = code };
	}
	if (len)
		memcpy(m->data + m->data_len, val, len);
	m->opts[i].off = m->data_len;
	m->opts[i].len = (uint16_t)len;
	m->data_len += (uint16_t)len;
	dhcp_opt_move(m, i, DHCP_AREA_OPTIONS);
	return 0;
}

int dhcp_msg_type(const struct dhcp_msg *m)
{
	const uint8_t *t = dhcp_opt_get(m, DHO_MESSAGE_TYPE, 1, 1, NULL);

	return t && *t >= DHCPDISCOVER && *t <= DHCPINFORM ? *t : 0;
}

void dhcp_boot_file(const struct dhcp_msg *m, char *out, size_t cap)
{
	size_t len = 0, n = 0;
	const uint8_t *v = dhcp_opt_get(m, DHO_BOOTFILE, 1, 255, &len);

	if (!v) {
		v = m->file;
		len = (m->overload_read & 1) ? 0 : sizeof(m->file);
	}
	for (; n < len && n + 1 < cap && v[n]; n++)
		out[n] = (char)v[n];
	out[n] = '\0';
}

const char *dhcp_msg_type_name(int type)
{
	static const char *const names[] = {
		"BOOTP", "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST",
		"DHCPDECLINE", "DHCPACK", "DHCPNAK", "DHCPRELEASE", "DHCPINFORM",
	};

	return type >= 0 && type <= DHCPINFORM ? names[type] : "?";
}

/* Writer with the same discipline as the cursor: fails instead of
 * writing past its limit. */
struct writer {
	uint8_t *p;
	size_t len, cap;
};

static bool put(struct writer *w, const void *v, size_t n)
{
	if (w->cap - w->len < n)
		return false;
	memcpy(w->p + w->len, v, n);
	w->len += n;
	return true;
}

static bool put_u8(struct writer *w, uint8_t v)
{
	return put(w, &v, 1);
}

/* One option, split into 255-byte instances when longer (RFC 3396 §7). */
static bool put_option(struct writer *w, uint8_t code, const uint8_t *val, size_t len)
{
	do {
		size_t n = len > 255 ? 255 : len;

		if (!put_u8(w, code) || !put_u8(w, (uint8_t)n) || !put(w, val, n))
			return false;
		val += n;
		len -= n;
	} while (len > 0);
	return true;
}

/* Options of one area into a field; END closes the field when there is
 * room (a full borrowed field may end without it). */
static bool put_area(struct writer *w, const struct dhcp_msg *m, enum dhcp_area area,
		     uint8_t overload)
{
	for (int i = 0; i < m->nopts; i++) {
		const struct dhcp_option *o = &m->opts[i];
		size_t skip = 0;

		if (o->code == DHO_AGENT_INFO)
			continue;
		if (dhcp_opt_split(o) && o->code != DHO_OVERLOAD) {
			/* This area's part of a value that continues across
			 * fields, after the parts of the areas before it. */
			if (!o->part[area])
				continue;
			for (int a = 0; a < (int)area; a++)
				skip += o->part[a];
			if (!put_option(w, o->code, m->data + o->off + skip, o->part[area]))
				return false;
			continue;
		}
		if (o->area != area)
			continue;
		if (o->code == DHO_OVERLOAD) {
			if (!overload)
				continue;
			if (!put_option(w, DHO_OVERLOAD, &overload, 1))
				return false;
			continue;
		}
		if (!put_option(w, o->code, m->data + o->off, o->len))
			return false;
	}
	if (area == DHCP_AREA_OPTIONS && overload && !dhcp_opt_has(m, DHO_OVERLOAD))
		if (!put_option(w, DHO_OVERLOAD, &overload, 1))
			return false;
	/* RFC 3046 §2.1: the relay agent option goes last, just before END. */
	if (area == DHCP_AREA_OPTIONS && dhcp_opt_has(m, DHO_AGENT_INFO)) {
		const struct dhcp_option *o = &m->opts[m->index[DHO_AGENT_INFO]];

		if (!put_option(w, DHO_AGENT_INFO, m->data + o->off, o->len))
			return false;
	}
	if (w->len < w->cap)
		return put_u8(w, DHO_END);
	return area != DHCP_AREA_OPTIONS;
}

int dhcp_msg_build(const struct dhcp_msg *m, size_t max_len, uint8_t *out, size_t outsz)
{
	struct writer w = { .p = out, .cap = outsz < max_len ? outsz : max_len };
	uint8_t hdr[28];
	uint8_t overload = 0;
	size_t target;
	const uint8_t *sent_overload = dhcp_opt_get(m, DHO_OVERLOAD, 1, 1, NULL);

	if (w.cap < DHCP_HDR_LEN)
		return -EMSGSIZE;
	for (int i = 0; i < m->nopts; i++) {
		const struct dhcp_option *o = &m->opts[i];

		if (o->code == DHO_AGENT_INFO || o->code == DHO_OVERLOAD)
			continue;      /* 82 always goes in the options field */
		if (dhcp_opt_split(o)) {
			overload |= (o->part[DHCP_AREA_FILE] ? 1 : 0) |
				    (o->part[DHCP_AREA_SNAME] ? 2 : 0);
		} else if (o->area == DHCP_AREA_FILE) {
			overload |= 1;
		} else if (o->area == DHCP_AREA_SNAME) {
			overload |= 2;
		}
	}
	/* RFC 3046 2.1: "Relay agents SHALL NOT modify existing option
	 * overload options": the sender's value stays while the fields in use
	 * are among those it names (of the fields the parser read as options:
	 * a field that holds its header value again is not named). */
	if (sent_overload) {
		uint8_t keep = *sent_overload & m->overload_read;

		if (keep && (overload & ~keep) == 0)
			overload = keep;
	}

	hdr[0] = m->op;
	hdr[1] = m->htype;
	hdr[2] = m->hlen;
	hdr[3] = m->hops;
	hdr[4] = (uint8_t)(m->xid >> 24);
	hdr[5] = (uint8_t)(m->xid >> 16);
	hdr[6] = (uint8_t)(m->xid >> 8);
	hdr[7] = (uint8_t)m->xid;
	hdr[8] = (uint8_t)(m->secs >> 8);
	hdr[9] = (uint8_t)m->secs;
	hdr[10] = (uint8_t)(m->flags >> 8);
	hdr[11] = (uint8_t)m->flags;
	memcpy(hdr + 12, &m->ciaddr, 4);
	memcpy(hdr + 16, &m->yiaddr, 4);
	memcpy(hdr + 20, &m->siaddr, 4);
	memcpy(hdr + 24, &m->giaddr, 4);
	if (!put(&w, hdr, sizeof(hdr)) || !put(&w, m->chaddr, sizeof(m->chaddr)))
		return -EMSGSIZE;

	if (overload & 2) {
		struct writer f = { .p = out + w.len, .cap = DHCP_SNAME_LEN };

		memset(f.p, 0, DHCP_SNAME_LEN);
		if (!put_area(&f, m, DHCP_AREA_SNAME, 0))
			return -EMSGSIZE;
	} else {
		memcpy(out + w.len, m->sname, DHCP_SNAME_LEN);
	}
	w.len += DHCP_SNAME_LEN;
	if (overload & 1) {
		struct writer f = { .p = out + w.len, .cap = DHCP_FILE_LEN };

		memset(f.p, 0, DHCP_FILE_LEN);
		if (!put_area(&f, m, DHCP_AREA_FILE, 0))
			return -EMSGSIZE;
	} else {
		memcpy(out + w.len, m->file, DHCP_FILE_LEN);
	}
	w.len += DHCP_FILE_LEN;

	if (!m->has_cookie) {
		if (!put(&w, m->data, m->data_len))
			return -EMSGSIZE;
		return (int)w.len;
	}
	if (!put(&w, dhcp_cookie, sizeof(dhcp_cookie)) ||
	    !put_area(&w, m, DHCP_AREA_OPTIONS, overload))
		return -EMSGSIZE;

	/* Keep the sender's padding (many clients pad to the 300-byte BOOTP
	 * minimum) so an unchanged message keeps its length. */
	target = m->wire_len < w.cap ? m->wire_len : w.cap;
	if (w.len < target) {
		memset(out + w.len, 0, target - w.len);
		w.len = target;
	}
	return (int)w.len;
}
