/* exchange6.c - see exchange6.h. */
#include "exchange6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void exchange6_request(struct exchange *x, const struct dhcp6_msg *m, const uint8_t peer[16],
		       const char *ifname, const uint8_t *mac, int64_t now_ms,
		       struct exchange_request *out)
{
	classify6_request(m, ifname, mac, &out->cls);
	/* The client is its link-local peer-address; the transaction-id
	 * is 24 bits. */
	exchange_note(x, peer, 16, m->xid, now_ms, out);
}

struct reply6 {
	const struct dhcp6_msg *m;
	const uint8_t *src;
};

static bool reply6_holds(const struct cfg_boot *b, const void *arg)
{
	const struct reply6 *r = arg;

	return classify6_reply_matches(b, r->m, r->src);
}

static void put_text_opt(struct dhcp6_buf *b, uint16_t code, const char *text)
{
	dhcp6_put_opt(b, code, text, strlen(text));
}

/* RFC 5970 §3.2: option 60 is a list of parameters, each a 16-bit length
 * and its octets. One here. */
static void put_param(struct dhcp6_buf *b, const char *param)
{
	size_t at = dhcp6_opt_begin(b, D6O_BOOTFILE_PARAM), n = strlen(param);
	uint8_t l[2] = { (uint8_t)(n >> 8), (uint8_t)n };

	dhcp6_put(b, l, 2);
	dhcp6_put(b, param, n);
	dhcp6_opt_end(b, at);
}

/* UEFI 2.x §24.7 (HTTP Boot): the server's reply to an HTTP boot client
 * carries the vendor class "HTTPClient", enterprise 343. */
static void put_http_vendor_class(struct dhcp6_buf *b)
{
	static const uint8_t v[] = { 0, 0, 1, 87 /* 343 */, 0, 10, 'H', 'T', 'T', 'P',
				     'C', 'l', 'i', 'e', 'n', 't' };

	dhcp6_put_opt(b, D6O_VENDOR_CLASS, v, sizeof(v));
}

int rewrite6_boot(const struct dhcp6_msg *m, const char *url, const char *param, bool http,
		  uint8_t *out, size_t cap, bool *added_http)
{
	struct dhcp6_buf b;
	size_t pos = 0;
	uint16_t code, len;
	const uint8_t *v;
	bool set_url = url && url[0], set_param = param && param[0];
	bool url_done = false, param_done = false, has_vc = false;

	*added_http = false;
	dhcp6_buf_init(&b, out, cap);
	dhcp6_put(&b, m->raw, DHCP6_CLIENT_HDR);
	while (dhcp6_opt_next(m, &pos, &code, &v, &len)) {
		if (code == D6O_BOOTFILE_URL && set_url) {
			if (!url_done)
				put_text_opt(&b, D6O_BOOTFILE_URL, url);
			url_done = true;
			continue;
		}
		if (code == D6O_BOOTFILE_PARAM && set_param) {
			if (!param_done)
				put_param(&b, param);
			param_done = true;
			continue;
		}
		has_vc |= code == D6O_VENDOR_CLASS;
		dhcp6_put_opt(&b, code, v, len);
	}
	if (set_url && !url_done)
		put_text_opt(&b, D6O_BOOTFILE_URL, url);
	if (set_param && !param_done)
		put_param(&b, param);
	if (http && !has_vc) {
		put_http_vendor_class(&b);
		*added_http = true;
	}
	if (b.overflow || b.len > DHCP6_MAX_LEN)
		return -EMSGSIZE;
	return (int)b.len;
}

static void url_text(const struct dhcp6_msg *m, char *out, size_t cap)
{
	uint16_t len;
	const uint8_t *v = dhcp6_opt_get(m, D6O_BOOTFILE_URL, &len);
	size_t n = 0;

	for (size_t i = 0; v && i < len && n + 1 < cap; i++)
		out[n++] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	out[n] = '\0';
}

int exchange6_proxy_url(const char *url, const uint8_t ours[16], char *out, size_t cap,
			uint8_t server[16])
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char host[INET6_ADDRSTRLEN], ours_text[INET6_ADDRSTRLEN];
	const char *h, *end, *path;
	size_t hlen;
	int n;

	if (strncasecmp(url, "tftp://", 7) != 0)
		return -1;
	h = url + 7;
	/* RFC 3986 §3.2.2: "A host identified by an Internet Protocol
	 * literal address, version 6 [RFC3513] or later, is distinguished
	 * by enclosing the IP literal within square brackets". */
	if (*h == '[') {
		end = strchr(++h, ']');
		if (!end)
			return -1;
		path = end + 1;
	} else {
		end = h + strcspn(h, ":/");
		path = end;
	}
	hlen = (size_t)(end - h);
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	/* The proxy fetches from port 69 only. */
	if (*path == ':') {
		char *after;
		unsigned long port = strtoul(path + 1, &after, 10);

		if (after == path + 1 || port != 69)
			return -1;
		path = after;
	}
	if (path[0] != '/' || !path[1])
		return -1;
	/* A link-local or other scoped host names no one the relay can
	 * fetch from on the client's behalf: left to the client. */
	if (url[7] == '[') {
		if (inet_pton(AF_INET6, host, server) != 1 || !relay6_addr_is_global(server))
			return -1;
	} else {
		memcpy(server, v4mapped, 12);
		if (inet_pton(AF_INET, host, server + 12) != 1)
			return -1;
	}
	if (memcmp(server, ours, 16) == 0 || !inet_ntop(AF_INET6, ours, ours_text, sizeof(ours_text)))
		return -1;
	n = snprintf(out, cap, "tftp://[%s]%s", ours_text, path);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Option 59 as text, when it is one: printable, no NUL, fits cap. */
static bool url_option(const struct dhcp6_msg *m, char *out, size_t cap)
{
	uint16_t len;
	const uint8_t *v = dhcp6_opt_get(m, D6O_BOOTFILE_URL, &len);

	if (!v || len >= cap)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x21 || v[i] > 0x7e)
			return false;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

/* RFC 8415 §21.4: the IA_NA's options follow IAID, T1 and T2; §21.6: an
 * IA Address option starts with the address. Up to
 * EXCHANGE6_PROXY_CLIENTS of them into out. */
static void leased_addresses(const struct dhcp6_msg *m, struct exchange6_reply *out)
{
	size_t pos = 0;
	uint16_t code, len;
	const uint8_t *v;

	while (dhcp6_opt_next(m, &pos, &code, &v, &len)) {
		size_t at = 12;

		if (code != 3 /* IA_NA */ || len < 12)
			continue;
		while (at + 4 <= len) {
			uint16_t c = (uint16_t)(v[at] << 8 | v[at + 1]);
			uint16_t l = (uint16_t)(v[at + 2] << 8 | v[at + 3]);

			if (at + 4 + l > len)
				break;
			if (c == 5 /* IAADDR */ && l >= 24 &&
			    out->ntftp_clients < EXCHANGE6_PROXY_CLIENTS)
				memcpy(out->tftp_clients[out->ntftp_clients++], v + at + 4, 16);
			at += 4 + (size_t)l;
		}
	}
}

/* The link proxies TFTP and has an address of its own to name. */
static bool link_proxied(const struct relay6_ctx *ctx, const struct relay6_link *l6)
{
	return ctx->tftp_proxy && l6 && l6->link && l6->link->cfg && l6->link->cfg->tftp_proxy &&
	       l6->link->has_addr6;
}

enum drop_reason exchange6_reply(struct exchange *x, const struct relay6_ctx *ctx,
				 const uint8_t src[16], int ifindex, const uint8_t *in, size_t len,
				 int64_t now_ms, uint8_t *buf, struct relay6_delivery *dv,
				 struct exchange6_reply *out)
{
	const struct dhcp6_msg *m = &dv->inner;
	const struct xid_entry *xe;
	const char *url = NULL, *param = NULL;
	char proxied[256], from[256];
	bool http = false;
	enum drop_reason r;
	int n;

	memset(out, 0, sizeof(*out));
	out->arch_wire = -1;
	r = relay6_reply(ctx, src, ifindex, in, len, dv);
	if (r != DROP_NONE)
		return r;
	if (m->type != DHCP6_ADVERTISE && m->type != DHCP6_REPLY)
		return DROP_NONE;
	xe = xid_table_get(&x->xids, dv->dst, 16, m->xid, now_ms);
	if (!xe && x->cfg && x->cfg->nboots && x->st)
		x->st->xid_misses++;
	if (xe) {
		out->known = true;
		out->arch_wire = xe->arch_wire;
		out->ipxe = xe->flags & XID_F_IPXE;
		if (xe->rule >= 0 && xe->generation == x->generation && x->cfg &&
		    (size_t)xe->rule < x->cfg->nboots)
			out->rule = exchange_reply_rule(x->cfg, xe, reply6_holds,
							&(struct reply6){ m, src });
	}
	out->pass = out->rule && boot_rule_is_pass(out->rule);
	url_text(m, out->old_url, sizeof(out->old_url));
	if (out->rule && !out->pass) {
		url = out->rule->bootfile_url[0] ? out->rule->bootfile_url : NULL;
		param = out->rule->bootfile_param;
		http = xe->flags & XID_F_HTTP;
	}
	/* The proxy takes over the URL the client ends up with, whoever
	 * wrote it; only a Reply leases the addresses it will fetch from. */
	if (link_proxied(ctx, dv->l6) && ((url && snprintf(from, sizeof(from), "%s", url) > 0) ||
					  (!url && url_option(m, from, sizeof(from)))) &&
	    exchange6_proxy_url(from, dv->l6->link->addr6, proxied, sizeof(proxied),
				out->tftp_server) == 0) {
		url = proxied;
		out->proxied = true;
		if (m->type == DHCP6_REPLY)
			leased_addresses(m, out);
	}
	if (url || (param && param[0]) || http) {
		n = rewrite6_boot(m, url, param, http, buf, DHCP6_MAX_LEN,
				  &out->added_http_vendor_class);
		/* Too big: the server's message goes out as it came. */
		if (n > 0 && ((size_t)n != dv->len || memcmp(buf, dv->buf, dv->len) != 0)) {
			dv->buf = buf;
			dv->len = (size_t)n;
			out->rewritten = out->rule && !out->pass;
		} else {
			out->added_http_vendor_class = false;
			if (n < 0) {
				out->proxied = false;
				out->ntftp_clients = 0;
				if (x->st)
					x->st->rewrite_too_big++;
			}
		}
	}
	snprintf(out->new_url, sizeof(out->new_url), "%s",
		 dv->buf == buf && url ? url : out->old_url);
	if (out->rule && x->st && (size_t)(out->rule - x->cfg->boots) < x->st->nrules) {
		struct stats_rule *sr = &x->st->rules[out->rule - x->cfg->boots];

		sr->rewritten += out->rewritten;
		sr->passed += out->pass;
	}
	/* A Reply ends the exchange (an Advertise does not: its Request is
	 * classified again anyway). */
	if (xe && m->type == DHCP6_REPLY)
		xid_table_done(&x->xids, xe, now_ms);
	return DROP_NONE;
}
