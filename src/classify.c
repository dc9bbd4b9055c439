/* classify.c - see classify.h. */
#define _GNU_SOURCE   /* FNM_CASEFOLD */
#include "classify.h"

#include "fmt.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

/* IANA "Processor Architecture Types" (RFC 4578 §2.1, RFC 5970 and the
 * registry updates), 0x00..0x29. */
static const char *const arch_names[] = {
	[0x00] = "x86 BIOS",
	[0x01] = "NEC/PC98",
	[0x02] = "Itanium",
	[0x03] = "DEC Alpha",
	[0x04] = "Arc x86",
	[0x05] = "Intel Lean Client",
	[0x06] = "x86 UEFI",
	[0x07] = "x64 UEFI",
	[0x08] = "EFI Xscale",
	[0x09] = "EBC",
	[0x0a] = "ARM 32-bit UEFI",
	[0x0b] = "ARM 64-bit UEFI",
	[0x0c] = "PowerPC Open Firmware",
	[0x0d] = "PowerPC ePAPR",
	[0x0e] = "POWER OPAL v3",
	[0x0f] = "x86 UEFI HTTP",
	[0x10] = "x64 UEFI HTTP",
	[0x11] = "EBC HTTP",
	[0x12] = "ARM 32-bit UEFI HTTP",
	[0x13] = "ARM 64-bit UEFI HTTP",
	[0x14] = "x86 BIOS HTTP",
	[0x15] = "ARM 32-bit U-Boot",
	[0x16] = "ARM 64-bit U-Boot",
	[0x17] = "ARM 32-bit U-Boot HTTP",
	[0x18] = "ARM 64-bit U-Boot HTTP",
	[0x19] = "RISC-V 32-bit UEFI",
	[0x1a] = "RISC-V 32-bit UEFI HTTP",
	[0x1b] = "RISC-V 64-bit UEFI",
	[0x1c] = "RISC-V 64-bit UEFI HTTP",
	[0x1d] = "RISC-V 128-bit UEFI",
	[0x1e] = "RISC-V 128-bit UEFI HTTP",
	[0x1f] = "s390 Basic",
	[0x20] = "s390 Extended",
	[0x21] = "MIPS 32-bit UEFI",
	[0x22] = "MIPS 64-bit UEFI",
	[0x23] = "Sunway 32-bit UEFI",
	[0x24] = "Sunway 64-bit UEFI",
	[0x25] = "LoongArch 32-bit UEFI",
	[0x26] = "LoongArch 32-bit UEFI HTTP",
	[0x27] = "LoongArch 64-bit UEFI",
	[0x28] = "LoongArch 64-bit UEFI HTTP",
	[0x29] = "ARM rpiboot",
};

#define ARCH_MAX ((int)(sizeof(arch_names) / sizeof(arch_names[0])) - 1)

const char *arch_name(int code)
{
	if (code == 9)
		return "x64 UEFI";
	if (code >= 0 && code <= ARCH_MAX)
		return arch_names[code];
	return code == ARCH_UNKNOWN ? "unknown" : "unassigned";
}

int arch_normalise(int code)
{
	return code == 9 ? 7 : code;
}

bool arch_is_http(int code)
{
	switch (code) {
	case 0x0f: case 0x10: case 0x11: case 0x12: case 0x13: case 0x14:
	case 0x17: case 0x18: case 0x1a: case 0x1c: case 0x1e: case 0x26: case 0x28:
		return true;
	default:
		return false;
	}
}

/* Printable copy of an option value; NULs and control bytes become '?'. */
static void opt_text(const struct dhcp_msg *m, uint8_t code, char *out, size_t cap)
{
	size_t len = 0;
	const uint8_t *v = dhcp_opt_get(m, code, 1, 1024, &len);
	size_t n = 0;

	if (v)
		for (; n < len && n + 1 < cap; n++)
			out[n] = v[n] >= 0x20 && v[n] < 0x7f ? (char)v[n] : '?';
	out[n] = '\0';
}

/* "PXEClient:Arch:00007:UNDI:003016": the arch is five decimal digits
 * (RFC 4578 §2.1 leaves option 60 to the PXE spec, which writes it so). */
/* The architecture in option 60, "PXEClient:Arch:NNNNN:UNDI:..." (or
 * HTTPClient): five digits, decimal per the PXE specification 2.1. U-Boot
 * writes them in hex (RISC-V: "PXEClient:Arch:0001b:UNDI:003000"): five
 * characters holding a hex letter are read as hex, since a decimal field
 * never holds one. Five decimal digits stay decimal, also from U-Boot,
 * which sends option 93 as well (and option 93 comes first). */
static int arch_from_vendor_class(const char *vc)
{
	const char *p;
	bool hex = false;
	int v = 0;

	if (strncmp(vc, "PXEClient:Arch:", 15) == 0)
		p = vc + 15;
	else if (strncmp(vc, "HTTPClient:Arch:", 16) == 0)
		p = vc + 16;
	else
		return ARCH_UNKNOWN;
	for (int i = 0; i < 5; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return ARCH_UNKNOWN;
		hex |= !isdigit((unsigned char)p[i]);
	}
	if (p[5] != '\0' && p[5] != ':')
		return ARCH_UNKNOWN;
	for (int i = 0; i < 5; i++)
		v = v * (hex ? 16 : 10) +
		    (isdigit((unsigned char)p[i]) ? p[i] - '0' : tolower((unsigned char)p[i]) - 'a' + 10);
	return v <= 0xffff ? v : ARCH_UNKNOWN;
}

/* Option 77: RFC 3004 wants length-prefixed entries, iPXE and many BIOS
 * ROMs send the bare string. Accept both: if the value parses as RFC 3004
 * entries, join them with ','; else take it as text. */
static void user_class_text(const struct dhcp_msg *m, char *out, size_t cap)
{
	size_t len = 0, pos = 0, n = 0;
	const uint8_t *v = dhcp_opt_get(m, DHO_USER_CLASS, 1, 1024, &len);
	bool rfc3004 = v != NULL;

	out[0] = '\0';
	if (!v)
		return;
	while (rfc3004 && pos < len) {
		if (v[pos] == 0 || pos + 1 + v[pos] > len)
			rfc3004 = false;
		pos += 1 + (size_t)v[pos];
	}
	/* A bare "iPXE" never parses as entries: its first byte, 'i' = 105,
	 * is longer than the value. */
	if (rfc3004) {
		for (pos = 0; pos < len && n + 1 < cap; pos += 1 + (size_t)v[pos]) {
			if (n && n + 1 < cap)
				out[n++] = ',';
			for (size_t i = 0; i < v[pos] && n + 1 < cap; i++) {
				uint8_t ch = v[pos + 1 + i];

				out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
			}
		}
		out[n] = '\0';
		return;
	}
	opt_text(m, DHO_USER_CLASS, out, cap);
}

void classify_request(const struct dhcp_msg *m, const char *ifname, struct client_class *c)
{
	size_t len;
	const uint8_t *v;

	memset(c, 0, sizeof(*c));
	c->arch = c->arch_wire = ARCH_UNKNOWN;
	fmt_copy(c->ifname, sizeof(c->ifname), ifname ? ifname : "");
	if (m->htype == 1 && m->hlen == 6)
		memcpy(c->mac, m->chaddr, 6);
	opt_text(m, DHO_VENDOR_CLASS, c->vendor_class, sizeof(c->vendor_class));
	user_class_text(m, c->user_class, sizeof(c->user_class));
	c->pxe = strncmp(c->vendor_class, "PXEClient", 9) == 0;
	c->http = strncmp(c->vendor_class, "HTTPClient", 10) == 0;
	c->ipxe = strcmp(c->user_class, "iPXE") == 0 || dhcp_opt_has(m, DHO_IPXE_ENCAP);

	/* RFC 4578 §2.1: option 93 is a list of 16-bit codes, an even
	 * number of bytes, at least one code. The first is the one in use. */
	if (dhcp_opt_has(m, DHO_CLIENT_ARCH)) {
		v = dhcp_opt_get(m, DHO_CLIENT_ARCH, 2, 255 * 4, &len);
		if (v && len % 2 == 0) {
			c->arch_wire = v[0] << 8 | v[1];
			c->arch_from = ARCH_FROM_OPT93;
		} else {
			c->opt93_malformed = true;
		}
	}
	if (c->arch_from == ARCH_FROM_NONE) {
		int a = arch_from_vendor_class(c->vendor_class);

		if (a != ARCH_UNKNOWN) {
			c->arch_wire = a;
			c->arch_from = ARCH_FROM_OPT60;
		}
	}
	if (c->arch_wire != ARCH_UNKNOWN) {
		c->arch = arch_normalise(c->arch_wire);
		c->http |= arch_is_http(c->arch);
	}
	/* RFC 4578 §2.3: option 97 is type 0 followed by a 16-byte GUID. */
	v = dhcp_opt_get(m, DHO_CLIENT_UUID, 17, 17, &len);
	if (v && v[0] == 0) {
		c->has_uuid = true;
		memcpy(c->uuid, v, 17);
	}
	/* RFC 2132 §9.10: at least 576. */
	v = dhcp_opt_get(m, DHO_MAX_MESSAGE_SIZE, 2, 2, &len);
	if (v && (v[0] << 8 | v[1]) >= DHCP_DEFAULT_MAX)
		c->max_msg_size = (uint16_t)(v[0] << 8 | v[1]);
}

void classify6_request(const struct dhcp6_msg *m, const char *ifname, const uint8_t *mac,
		       struct client_class *c)
{
	uint16_t len;
	const uint8_t *v;
	uint32_t enterprise;

	memset(c, 0, sizeof(*c));
	c->arch = c->arch_wire = ARCH_UNKNOWN;
	fmt_copy(c->ifname, sizeof(c->ifname), ifname ? ifname : "");
	if (mac)
		memcpy(c->mac, mac, 6);
	else
		(void)dhcp6_client_mac(m, c->mac);
	dhcp6_class_text(m, D6O_VENDOR_CLASS, &enterprise, c->vendor_class,
			 sizeof(c->vendor_class));
	dhcp6_class_text(m, D6O_USER_CLASS, NULL, c->user_class, sizeof(c->user_class));
	c->pxe = strncmp(c->vendor_class, "PXEClient", 9) == 0;
	c->http = strncmp(c->vendor_class, "HTTPClient", 10) == 0;
	c->ipxe = strcmp(c->user_class, "iPXE") == 0;
	/* RFC 5970 §3.3: option 61 is a list of 16-bit architecture types
	 * from the option 93 registry, the first the one in use. */
	v = dhcp6_opt_get(m, D6O_CLIENT_ARCH_TYPE, &len);
	if (v && len >= 2 && len % 2 == 0) {
		c->arch_wire = v[0] << 8 | v[1];
		c->arch_from = ARCH_FROM_OPT61;
	} else {
		c->opt93_malformed = v != NULL;
		c->arch_wire = arch_from_vendor_class(c->vendor_class);
		if (c->arch_wire != ARCH_UNKNOWN)
			c->arch_from = ARCH_FROM_OPT16;
	}
	if (c->arch_wire != ARCH_UNKNOWN) {
		c->arch = arch_normalise(c->arch_wire);
		c->http |= arch_is_http(c->arch);
	}
}

const char *class_label(const struct client_class *c, char *buf, size_t len)
{
	const char *base = c->arch == ARCH_UNKNOWN
		? (c->pxe ? "PXE (no arch)" : c->http ? "HTTP (no arch)" : "unknown")
		: arch_name(c->arch_wire);

	size_t n = fmt_copy(buf, len, base);

	if (c->ipxe)
		fmt_copy(buf + n, len - n, " iPXE");
	return buf;
}

static bool glob_ok(const char *pattern, const char *text)
{
	return !pattern[0] || fnmatch(pattern, text, 0) == 0;
}

bool classify_rule_matches(const struct cfg_boot *b, const struct client_class *c)
{
	if (b->narch) {
		bool hit = false;

		for (size_t i = 0; i < b->narch && !hit; i++)
			hit = c->arch != ARCH_UNKNOWN && arch_normalise(b->arch[i]) == c->arch;
		if (!hit)
			return false;
	}
	if (b->vendor_class[0] && (!c->vendor_class[0] || !glob_ok(b->vendor_class, c->vendor_class)))
		return false;
	if (b->user_class[0]) {
		/* "iPXE" also matches a client that shows iPXE by option 175. */
		bool ipxe_rule = strcmp(b->user_class, "iPXE") == 0;

		if (!(ipxe_rule && c->ipxe) &&
		    (!c->user_class[0] || !glob_ok(b->user_class, c->user_class)))
			return false;
	}
	if (b->nifaces) {
		bool hit = false;

		for (size_t i = 0; i < b->nifaces && !hit; i++)
			hit = strcmp(b->ifaces[i], c->ifname) == 0;
		if (!hit)
			return false;
	}
	if (b->mac[0]) {
		struct fmt mac;

		fmt_init(&mac);
		fmt_mac(&mac, c->mac);
		if (fnmatch(b->mac, mac.s, FNM_CASEFOLD) != 0)
			return false;
	}
	return true;
}

bool boot_rule_is_pass(const struct cfg_boot *b)
{
	return !b->filename[0] && !b->next_server && !b->server_name[0] && !b->nset_opts &&
	       !b->nremove_opts && !b->bootfile_url[0] && !b->bootfile_param[0];
}

bool boot_rule_has_reply_conditions(const struct cfg_boot *b)
{
	return b->offered_filename[0] || b->offered_next_server[0] || b->from_servers.n ||
	       b->from_servers.n6;
}

bool classify_reply_matches(const struct cfg_boot *b, const struct dhcp_msg *m, uint32_t src)
{
	if (b->offered_filename[0]) {
		char file[256];

		dhcp_boot_file(m, file, sizeof(file));
		if (fnmatch(b->offered_filename, file, 0) != 0)
			return false;
	}
	if (b->offered_next_server[0]) {
		/* Either place a client takes its TFTP server from. */
		char txt[256], sia[16];
		size_t len = 0;
		const uint8_t *v = dhcp_opt_get(m, DHO_TFTP_SERVER, 1, 255, &len);
		bool hit = false;

		if (v) {
			memcpy(txt, v, len);
			txt[len] = '\0';
			hit = fnmatch(b->offered_next_server, txt, 0) == 0;
		}
		if (!hit && m->siaddr) {
			fmt_ip_text(sia, m->siaddr);
			hit = fnmatch(b->offered_next_server, sia, 0) == 0;
		}
		if (!hit)
			return false;
	}
	/* from-server holds for a server of the reply's family only: a rule
	 * naming IPv6 servers alone never applies to an IPv4 reply. */
	if (b->from_servers.n || b->from_servers.n6) {
		bool hit = false;

		for (size_t i = 0; i < b->from_servers.n && !hit; i++)
			hit = b->from_servers.addr[i] == src;
		if (!hit)
			return false;
	}
	return true;
}

bool classify6_reply_matches(const struct cfg_boot *b, const struct dhcp6_msg *m,
			     const uint8_t src[16])
{
	if (b->offered_next_server[0])
		return false;
	if (b->from_servers.n || b->from_servers.n6) {
		bool hit = false;

		for (size_t i = 0; i < b->from_servers.n6 && !hit; i++)
			hit = memcmp(b->from_servers.addr6[i], src, 16) == 0;
		if (!hit)
			return false;
	}
	if (b->offered_filename[0]) {
		char url[256];
		uint16_t len = 0;
		const uint8_t *v = dhcp6_opt_get(m, D6O_BOOTFILE_URL, &len);

		/* A URL with a NUL in it, or longer than any a rule can name,
		 * matches no glob (it is not cut to fit). */
		if (len >= sizeof(url) || (v && memchr(v, 0, len)))
			return false;
		if (v)
			memcpy(url, v, len);
		url[len] = '\0';
		if (fnmatch(b->offered_filename, url, 0) != 0)
			return false;
	}
	return true;
}

bool dhcp_is_proxy_offer(const struct dhcp_msg *m)
{
	size_t len = 0;
	const uint8_t *v = dhcp_opt_get(m, DHO_VENDOR_CLASS, 9, 255, &len);

	return dhcp_msg_type(m) == DHCPOFFER && m->yiaddr == 0 && v &&
	       memcmp(v, "PXEClient", 9) == 0;
}

const struct cfg_boot *classify_match(const struct config *cfg, const struct client_class *c)
{
	for (size_t i = 0; i < cfg->nboots; i++)
		if (classify_rule_matches(&cfg->boots[i], c))
			return &cfg->boots[i];
	return NULL;
}
