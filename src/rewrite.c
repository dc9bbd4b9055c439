/* rewrite.c - see rewrite.h. */
#include "rewrite.h"

#include "fmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* RFC 2131 §4.1: a header field borrowed for options (option 52) cannot
 * also hold its own value; move its options (whole, also those that
 * continued into it) to the options field, where the builder re-checks
 * the size, and take the field out of option 52. */
static bool reclaim_area(struct dhcp_msg *m, enum dhcp_area area)
{
	const uint8_t *ov = dhcp_opt_get(m, DHO_OVERLOAD, 1, 1, NULL);
	uint8_t bit = area == DHCP_AREA_FILE ? 1 : 2;
	bool moved = false;

	for (int i = 0; i < m->nopts; i++)
		if (m->opts[i].code != DHO_OVERLOAD &&
		    (m->opts[i].area == area || m->opts[i].part[area])) {
			dhcp_opt_move(m, i, DHCP_AREA_OPTIONS);
			moved = true;
		}
	if (ov && (*ov & bit)) {
		uint8_t rest = (uint8_t)(*ov & ~bit);

		if (rest)
			dhcp_opt_set(m, DHO_OVERLOAD, &rest, 1);
		else
			dhcp_opt_del(m, DHO_OVERLOAD);
		moved = true;
	}
	return moved;
}

static bool is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* What a rule may touch, to tell afterwards whether it changed anything. */
struct boot_fields {
	uint32_t siaddr;
	uint8_t sname[DHCP_SNAME_LEN], file[DHCP_FILE_LEN];
	uint8_t opt[3][256];
	size_t optlen[3];
	bool has[3];
};

static const uint8_t boot_opts[3] = { DHO_TFTP_SERVER, DHO_BOOTFILE, DHO_VENDOR_CLASS };

static void boot_fields_save(const struct dhcp_msg *m, struct boot_fields *b)
{
	b->siaddr = m->siaddr;
	memcpy(b->sname, m->sname, sizeof(b->sname));
	memcpy(b->file, m->file, sizeof(b->file));
	for (int i = 0; i < 3; i++) {
		const uint8_t *v = dhcp_opt_get(m, boot_opts[i], 0, sizeof(b->opt[i]), &b->optlen[i]);

		b->has[i] = v != NULL || dhcp_opt_has(m, boot_opts[i]);
		if (v)
			memcpy(b->opt[i], v, b->optlen[i]);
		else
			b->optlen[i] = SIZE_MAX;   /* absent, or too long to keep: differs */
	}
}

static bool boot_fields_differ(const struct dhcp_msg *m, const struct boot_fields *b)
{
	if (m->siaddr != b->siaddr || memcmp(m->sname, b->sname, sizeof(b->sname)) ||
	    memcmp(m->file, b->file, sizeof(b->file)))
		return true;
	for (int i = 0; i < 3; i++) {
		size_t len;
		const uint8_t *v = dhcp_opt_get(m, boot_opts[i], 0, 255 * 4, &len);

		if (!v != !b->has[i])
			return true;
		if (v && (len != b->optlen[i] || memcmp(v, b->opt[i], len)))
			return true;
	}
	return false;
}

int rewrite_reply(struct dhcp_msg *m, const struct cfg_boot *rule, bool http_class,
		  struct rewrite_result *res)
{
	int type = dhcp_msg_type(m);
	struct boot_fields before;
	int r;

	memset(res, 0, sizeof(*res));
	res->old_siaddr = res->new_siaddr = m->siaddr;
	dhcp_boot_file(m, res->old_file, sizeof(res->old_file));
	fmt_copy(res->new_file, sizeof(res->new_file), res->old_file);
	if (!rule || m->op != BOOTREPLY)
		return 0;
	/* A BOOTP reply has no option 53 (type 0). */
	if (type != 0 && type != DHCPOFFER && type != DHCPACK)
		return 0;
	boot_fields_save(m, &before);

	/* The rule's option edits first, removals then settings; the
	 * next-server and filename keys after them, so options 66, 67 and
	 * 60 stay in step with siaddr and file. */
	for (size_t i = 0; i < rule->nremove_opts; i++)
		if (m->has_cookie && dhcp_opt_has(m, rule->remove_opts[i])) {
			dhcp_opt_del(m, rule->remove_opts[i]);
			res->options_edited++;
		}
	for (size_t i = 0; i < rule->nset_opts && m->has_cookie; i++) {
		const struct cfg_set_option *o = &rule->set_opts[i];
		size_t len = 0;
		const uint8_t *v = dhcp_opt_get(m, o->code, 0, 255 * 4, &len);

		if (v && len == o->len && memcmp(v, o->value, len) == 0)
			continue;   /* the server sent it already */
		r = dhcp_opt_set(m, o->code, o->value, o->len);
		if (r < 0)
			return r;
		res->options_edited++;
	}

	if (rule->next_server) {
		char txt[16];
		size_t tlen = fmt_ip_text(txt, rule->next_server);

		m->siaddr = rule->next_server;
		res->new_siaddr = rule->next_server;
		if (m->has_cookie) {
			r = dhcp_opt_set(m, DHO_TFTP_SERVER, txt, tlen);
			if (r < 0)
				return r;
		}
	}
	if (rule->filename[0]) {
		size_t len = strlen(rule->filename);

		res->moved_overload |= reclaim_area(m, DHCP_AREA_FILE);
		memset(m->file, 0, sizeof(m->file));
		/* The file field keeps a terminating NUL; a longer name (an
		 * HTTP boot URL) lives in option 67 alone. */
		if (len < sizeof(m->file))
			memcpy(m->file, rule->filename, len);
		if (m->has_cookie) {
			r = dhcp_opt_set(m, DHO_BOOTFILE, rule->filename, len);
			if (r < 0)
				return r;
		}
		fmt_copy(res->new_file, sizeof(res->new_file), rule->filename);
		/* UEFI HTTP boot drops an offer whose option 60 is not
		 * HTTPClient, and loops on DISCOVER if file and option 67
		 * disagree (seen with OVMF). */
		if (http_class && is_url(rule->filename) && m->has_cookie) {
			r = dhcp_opt_set(m, DHO_VENDOR_CLASS, "HTTPClient", 10);
			if (r < 0)
				return r;
			res->added_http_vendor_class = true;
		}
	}
	if (rule->server_name[0]) {
		size_t len = strlen(rule->server_name);

		res->moved_overload |= reclaim_area(m, DHCP_AREA_SNAME);
		memset(m->sname, 0, sizeof(m->sname));
		memcpy(m->sname, rule->server_name, len < sizeof(m->sname) ? len : sizeof(m->sname) - 1);
	}
	/* A rule that repeats what the server said changes nothing: say so,
	 * so logs and counters speak only of real rewrites. */
	res->changed = boot_fields_differ(m, &before) || res->moved_overload ||
		       res->options_edited;
	return 0;
}

uint32_t rewrite_tftp_proxy(struct dhcp_msg *m, uint32_t relay_addr)
{
	int type = dhcp_msg_type(m);
	uint32_t server = m->siaddr;
	char txt[INET_ADDRSTRLEN];

	if (m->op != BOOTREPLY || (type != 0 && type != DHCPOFFER && type != DHCPACK))
		return 0;
	if (!server) {
		size_t len;
		const uint8_t *v = dhcp_opt_get(m, DHO_TFTP_SERVER, 7, 15, &len);
		struct in_addr a;

		if (v) {
			memcpy(txt, v, len);
			txt[len] = '\0';
			if (inet_pton(AF_INET, txt, &a) == 1)
				server = a.s_addr;
		}
	}
	if (!server || server == relay_addr)
		return server == relay_addr ? 0 : server;
	m->siaddr = relay_addr;
	if (m->has_cookie && dhcp_opt_set(m, DHO_TFTP_SERVER, txt, fmt_ip_text(txt, relay_addr)) < 0)
		return 0;
	return server;
}
