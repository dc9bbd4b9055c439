/* replay.c - see replay.h. Reads DLT_EN10MB, DLT_LINUX_SLL and
 * DLT_LINUX_SLL2 captures; in the cooked ones, frames the capturing host
 * sent itself are skipped, so a capture taken on the router shows each
 * exchange once, as it arrived. */
#include "replay.h"
#include "classify.h"
#include "dhcp_msg.h"
#include "frame.h"
#include "rewrite.h"
#include "xid_table.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <string.h>

#define PKT_OUTGOING 4   /* PACKET_OUTGOING in the cooked headers */

struct replay {
	const struct config *cfg;
	const char *ifname;
	FILE *out;
	struct xid_table xids;
	int datalink;
	unsigned n;                     /* packet number in the file */
	struct timeval first;
	unsigned requests, replies, rewritten;
};

static void print_text(FILE *out, const uint8_t *v, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (v[i] == 0 && i + 1 == len)
			break;            /* a trailing NUL is common: not shown */
		if (v[i] >= 0x20 && v[i] < 0x7f && v[i] != '"' && v[i] != '\\')
			fputc(v[i], out);
		else
			fprintf(out, "\\x%02x", v[i]);
	}
	fputc('"', out);
}

static void print_field(FILE *out, const char *name, const uint8_t *a, size_t alen,
			const uint8_t *b, size_t blen, bool *any)
{
	fprintf(out, "%s %s ", *any ? ";" : ":", name);
	if (a)
		print_text(out, a, alen);
	else
		fputs("(none)", out);
	fputs(" -> ", out);
	if (b)
		print_text(out, b, blen);
	else
		fputs("(none)", out);
	*any = true;
}

static size_t cstrlen(const uint8_t *s, size_t cap)
{
	size_t n = 0;

	while (n < cap && s[n])
		n++;
	return n;
}

/* Every field that differs between the reply as sent and as rewritten. */
static void print_diff(FILE *out, const struct dhcp_msg *a, const struct dhcp_msg *b)
{
	char x[INET_ADDRSTRLEN], y[INET_ADDRSTRLEN];
	bool any = false;

	if (a->siaddr != b->siaddr) {
		inet_ntop(AF_INET, &a->siaddr, x, sizeof(x));
		inet_ntop(AF_INET, &b->siaddr, y, sizeof(y));
		fprintf(out, ": siaddr %s -> %s", x, y);
		any = true;
	}
	if (memcmp(a->sname, b->sname, sizeof(a->sname)) != 0)
		print_field(out, "sname", a->sname, cstrlen(a->sname, sizeof(a->sname)),
			    b->sname, cstrlen(b->sname, sizeof(b->sname)), &any);
	if (memcmp(a->file, b->file, sizeof(a->file)) != 0)
		print_field(out, "file", a->file, cstrlen(a->file, sizeof(a->file)),
			    b->file, cstrlen(b->file, sizeof(b->file)), &any);
	for (int code = 1; code < 255; code++) {
		size_t alen = 0, blen = 0;
		const uint8_t *av = dhcp_opt_get(a, (uint8_t)code, 0, UINT16_MAX, &alen);
		const uint8_t *bv = dhcp_opt_get(b, (uint8_t)code, 0, UINT16_MAX, &blen);
		char name[24];

		if (!av && !bv)
			continue;
		if (av && bv && alen == blen && memcmp(av, bv, alen) == 0)
			continue;
		snprintf(name, sizeof(name), "option %d", code);
		print_field(out, name, av, alen, bv, blen, &any);
	}
	if (!any)
		fputs(": no change", out);
}

static void on_request(struct replay *r, const struct dhcp_msg *m, int64_t now)
{
	struct client_class cls;
	const struct cfg_boot *rule;
	char label[64], mac[18];

	classify_request(m, r->ifname, &cls);
	rule = classify_match(r->cfg, &cls);
	r->requests++;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->chaddr[0],
		 m->chaddr[1], m->chaddr[2], m->chaddr[3], m->chaddr[4], m->chaddr[5]);
	fprintf(r->out, "#%u request %s mac %s xid %08x arch ", r->n,
		dhcp_msg_type_name(dhcp_msg_type(m)), mac, m->xid);
	if (cls.arch_wire >= 0)
		fprintf(r->out, "%d (%s)", cls.arch_wire,
			cls.arch_from == ARCH_FROM_OPT93 ? "option 93" : "option 60");
	else
		fputs("-", r->out);
	if (cls.opt93_malformed)
		fputs(" [option 93 malformed]", r->out);
	fputs(" vendor-class ", r->out);
	print_text(r->out, (const uint8_t *)cls.vendor_class, strlen(cls.vendor_class));
	fputs(" user-class ", r->out);
	print_text(r->out, (const uint8_t *)cls.user_class, strlen(cls.user_class));
	fprintf(r->out, " class \"%s\" rule %s\n", class_label(&cls, label, sizeof(label)),
		rule ? rule->name : "-");
	if (m->giaddr == 0) {
		struct xid_entry e = { .rule = rule ? (int16_t)(rule - r->cfg->boots) : -1 };

		memcpy(e.chaddr, m->chaddr, sizeof(e.chaddr));
		e.hlen = m->hlen;
		e.xid = m->xid;
		e.arch_wire = cls.arch_wire;
		e.flags = cls.http ? XID_F_HTTP : 0;
		e.max_msg_size = cls.max_msg_size;
		xid_table_put(&r->xids, &e, now);
	}
}

static void on_reply(struct replay *r, struct dhcp_msg *m, int64_t now)
{
	static struct dhcp_msg before;
	const struct xid_entry *e = xid_table_get(&r->xids, m->chaddr, m->hlen, m->xid, now);
	const struct cfg_boot *rule = NULL;
	struct rewrite_result res;
	char mac[18];

	r->replies++;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->chaddr[0],
		 m->chaddr[1], m->chaddr[2], m->chaddr[3], m->chaddr[4], m->chaddr[5]);
	fprintf(r->out, "#%u reply %s mac %s xid %08x", r->n,
		dhcp_msg_type_name(dhcp_msg_type(m)), mac, m->xid);
	if (e && e->rule >= 0 && (size_t)e->rule < r->cfg->nboots)
		rule = &r->cfg->boots[e->rule];
	if (!rule) {
		fprintf(r->out, " rule -%s\n", e ? "" : " (no request seen)");
		return;
	}
	before = *m;
	fprintf(r->out, " rule %s", rule->name);
	if (rewrite_reply(m, rule, e->flags & XID_F_HTTP, &res) < 0) {
		fputs(": rewrite does not fit; relayed unchanged\n", r->out);
		return;
	}
	if (res.changed)
		r->rewritten++;
	print_diff(r->out, &before, m);
	fputc('\n', r->out);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct replay *r = (struct replay *)user;
	static struct dhcp_msg m;
	struct frame_info fi;
	int64_t now;
	int e;

	r->n++;
	if (r->n == 1)
		r->first = h->ts;
	now = (int64_t)h->ts.tv_sec * 1000 + h->ts.tv_usec / 1000;
	if (r->datalink == DLT_LINUX_SLL2)
		e = frame_parse_sll2(bytes, h->caplen, &fi);
	else if (r->datalink == DLT_LINUX_SLL)
		e = frame_parse_sll(bytes, h->caplen, &fi);
	else
		e = frame_parse_ether(bytes, h->caplen, &fi);
	if (e < 0 || (r->datalink != DLT_EN10MB && fi.pkttype == PKT_OUTGOING))
		return;
	if (!((fi.sport == 67 || fi.sport == 68) && (fi.dport == 67 || fi.dport == 68)))
		return;
	if (dhcp_msg_parse(&m, fi.payload, fi.payload_len) < 0) {
		fprintf(r->out, "#%u malformed DHCP message (%zu bytes)\n", r->n, fi.payload_len);
		return;
	}
	if (m.op == BOOTREQUEST)
		on_request(r, &m, now);
	else if (m.op == BOOTREPLY)
		on_reply(r, &m, now);
}

int replay_run(const char *path, const struct config *cfg, const char *ifname, FILE *out)
{
	char err[PCAP_ERRBUF_SIZE];
	struct replay r = { .cfg = cfg, .ifname = ifname ? ifname : "", .out = out };
	pcap_t *p = pcap_open_offline(path, err);

	if (!p) {
		fprintf(stderr, "pxerelay: %s\n", err);
		return -1;
	}
	r.datalink = pcap_datalink(p);
	if (r.datalink != DLT_EN10MB && r.datalink != DLT_LINUX_SLL &&
	    r.datalink != DLT_LINUX_SLL2) {
		fprintf(stderr, "pxerelay: %s: link type %s not supported (Ethernet or Linux cooked)\n",
			path, pcap_datalink_val_to_name(r.datalink));
		pcap_close(p);
		return -1;
	}
	if (xid_table_init(&r.xids, 8192, 60000, 0) < 0) {
		pcap_close(p);
		return -1;
	}
	if (pcap_loop(p, -1, on_packet, (u_char *)&r) == -1)
		fprintf(stderr, "pxerelay: %s: %s\n", path, pcap_geterr(p));
	fprintf(out, "# %u packets, %u requests, %u replies, %u rewritten\n",
		r.n, r.requests, r.replies, r.rewritten);
	xid_table_free(&r.xids);
	pcap_close(p);
	return 0;
}
