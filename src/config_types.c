/* config_types.c - the value types of the key table: how a value
 * written in a file is checked and stored, and printed back. */
#include "config_keys.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared parsing ---- */

bool cfg_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = a.s_addr;
	return true;
}

/* A byte count with an optional K, M or G (binary) and an optional B. */
bool cfg_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	default: return false;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	v <<= shift;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

int cfg_lookup(const char *s, const char *const *names)
{
	for (int i = 0; s && names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* A whole decimal (or 0x hex) number, sign allowed so that -1 is
 * reported as out of range rather than as not a number. */
bool cfg_parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	*out = strtol(s, &end, 0);
	return !errno && !*end;
}

void cfg_print_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* ---- strings (fixed fields: what would be cut is refused) ---- */

static int str_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
		   char *why, size_t whylen)
{
	(void)idx;
	if (strlen(text) >= k->size) {
		snprintf(why, whylen, "longer than %zu bytes", k->size - 1);
		return -1;
	}
	if (k->check && k->check(text, why, whylen) < 0)
		return -1;
	memcpy(field, text, strlen(text) + 1);
	return 0;
}

static bool str_is_set(const struct cfg_key *k, const void *field)
{
	(void)k;
	return *(const char *)field != '\0';
}

static void str_print(const struct cfg_key *k, const void *field, FILE *out)
{
	(void)k;
	cfg_print_quoted(out, field);
}

const struct cfg_type cfg_t_str = { false, str_set, str_is_set, str_print };

/* ---- numbers ---- */

static int uint_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
		    char *why, size_t whylen)
{
	long v;

	(void)idx;
	if (!cfg_parse_long(text, &v)) {
		snprintf(why, whylen, "'%s' is not a number", text);
		return -1;
	}
	if (v < k->lo || v > k->hi) {
		snprintf(why, whylen, "%ld is out of range %ld..%ld", v, k->lo, k->hi);
		return -1;
	}
	*(unsigned *)field = (unsigned)v;
	return 0;
}

static bool uint_is_set(const struct cfg_key *k, const void *field)
{
	(void)k;
	return *(const unsigned *)field != 0;
}

static void uint_print(const struct cfg_key *k, const void *field, FILE *out)
{
	(void)k;
	fprintf(out, "%u", *(const unsigned *)field);
}

const struct cfg_type cfg_t_uint = { false, uint_set, uint_is_set, uint_print };

/* The words libconfuse itself takes for a boolean. */
static int bool_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
		    char *why, size_t whylen)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };

	(void)k;
	(void)idx;
	if (cfg_lookup(text, yes) >= 0)
		*(bool *)field = true;
	else if (cfg_lookup(text, no) >= 0)
		*(bool *)field = false;
	else {
		snprintf(why, whylen, "'%s' is not true or false", text);
		return -1;
	}
	return 0;
}

static bool bool_is_set(const struct cfg_key *k, const void *field)
{
	(void)k;
	return *(const bool *)field;
}

static void bool_print(const struct cfg_key *k, const void *field, FILE *out)
{
	(void)k;
	fputs(*(const bool *)field ? "true" : "false", out);
}

const struct cfg_type cfg_t_bool = { false, bool_set, bool_is_set, bool_print };

/* Enums are stored as int (every enum of config.h is int-sized). */
_Static_assert(sizeof(enum forward_mode) == sizeof(int) &&
	       sizeof(enum opt82_policy) == sizeof(int) &&
	       sizeof(enum log_level) == sizeof(int), "enums stored as int");

static int enum_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
		    char *why, size_t whylen)
{
	int v = cfg_lookup(text, k->names);
	size_t len;
	int w;

	(void)idx;
	if (v >= 0) {
		memcpy(field, &v, sizeof(v));
		return 0;
	}
	w = snprintf(why, whylen, "'%s' is not one of ", text);
	len = w < 0 ? whylen : (size_t)w;
	for (int i = 0; k->names[i] && len < whylen; i++) {
		w = snprintf(why + len, whylen - len, "%s%s", i ? " | " : "", k->names[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return -1;
}

static bool enum_is_set(const struct cfg_key *k, const void *field)
{
	(void)k;
	(void)field;
	return true;
}

static void enum_print(const struct cfg_key *k, const void *field, FILE *out)
{
	int v;

	memcpy(&v, field, sizeof(v));
	fputs(k->names[v], out);
}

const struct cfg_type cfg_t_enum = { false, enum_set, enum_is_set, enum_print };

static int size_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
		    char *why, size_t whylen)
{
	(void)k;
	(void)idx;
	if (!cfg_parse_size(text, field)) {
		snprintf(why, whylen, "'%s' is not a size (e.g. 256M)", text);
		return -1;
	}
	return 0;
}

static bool size_is_set(const struct cfg_key *k, const void *field)
{
	(void)k;
	return *(const uint64_t *)field != 0;
}

static void size_print(const struct cfg_key *k, const void *field, FILE *out)
{
	unsigned long long v = *(const uint64_t *)field;

	(void)k;
	if (v && v % (1ull << 30) == 0)
		fprintf(out, "%lluG", v >> 30);
	else if (v && v % (1ull << 20) == 0)
		fprintf(out, "%lluM", v >> 20);
	else if (v && v % (1ull << 10) == 0)
		fprintf(out, "%lluK", v >> 10);
	else
		fprintf(out, "%llu", v);
}

const struct cfg_type cfg_t_size = { false, size_set, size_is_set, size_print };

/* ---- IPv4 addresses: one (0.0.0.0 = unset), or a server list ---- */

static int addr_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
		    char *why, size_t whylen)
{
	(void)k;
	(void)idx;
	if (!cfg_parse_ipv4(text, field)) {
		snprintf(why, whylen, "'%s' is not an IPv4 address", text);
		return -1;
	}
	return 0;
}

static bool addr_is_set(const struct cfg_key *k, const void *field)
{
	(void)k;
	return *(const uint32_t *)field != 0;
}

static void addr_print(const struct cfg_key *k, const void *field, FILE *out)
{
	char a[INET_ADDRSTRLEN];

	(void)k;
	inet_ntop(AF_INET, field, a, sizeof(a));
	fprintf(out, "\"%s\"", a);
}

const struct cfg_type cfg_t_addr = { false, addr_set, addr_is_set, addr_print };

bool cfg_parse_ipv6_unicast(const char *s, uint8_t out[16])
{
	/* 2000::/3 global, fc00::/7 unique local (RFC 4193). */
	return inet_pton(AF_INET6, s, out) == 1 && ((out[0] & 0xe0) == 0x20 ||
						    (out[0] & 0xfe) == 0xfc);
}

static int addr6_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
		     char *why, size_t whylen)
{
	(void)k;
	(void)idx;
	if (!cfg_parse_ipv6_unicast(text, field)) {
		snprintf(why, whylen, "'%s' is not a global or unique-local IPv6 address", text);
		return -1;
	}
	return 0;
}

static bool addr6_is_set(const struct cfg_key *k, const void *field)
{
	static const uint8_t zero[16];

	(void)k;
	return memcmp(field, zero, 16) != 0;
}

static void addr6_print(const struct cfg_key *k, const void *field, FILE *out)
{
	char a[INET6_ADDRSTRLEN];

	(void)k;
	inet_ntop(AF_INET6, field, a, sizeof(a));
	fprintf(out, "\"%s\"", a);
}

const struct cfg_type cfg_t_addr6 = { false, addr6_set, addr6_is_set, addr6_print };

/* IPv4 and IPv6 addresses in one list, each family kept in its own array
 * in the order written. */
static int addr_list_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
			 char *why, size_t whylen)
{
	struct server_list *l = field;
	uint32_t a;

	(void)k;
	if (idx == 0)
		l->n = l->n6 = 0;
	if (idx >= CFG_MAX_SERVERS) {
		snprintf(why, whylen, "at most %d addresses", CFG_MAX_SERVERS);
		return -1;
	}
	if (strchr(text, ':')) {
		if (!cfg_parse_ipv6_unicast(text, l->addr6[l->n6])) {
			snprintf(why, whylen, "'%s' is not a global or unique-local IPv6 address", text);
			return -1;
		}
		l->n6++;
		return 0;
	}
	if (!cfg_parse_ipv4(text, &a) || a == 0 || a == INADDR_BROADCAST) {
		snprintf(why, whylen, "'%s' is not a unicast IPv4 address", text);
		return -1;
	}
	l->addr[l->n++] = a;
	return 0;
}

static bool addr_list_is_set(const struct cfg_key *k, const void *field)
{
	(void)k;
	return ((const struct server_list *)field)->n != 0 ||
	       ((const struct server_list *)field)->n6 != 0;
}

static void addr_list_print(const struct cfg_key *k, const void *field, FILE *out)
{
	const struct server_list *l = field;
	char a[INET_ADDRSTRLEN];

	(void)k;
	fputc('{', out);
	for (size_t i = 0; i < l->n; i++) {
		inet_ntop(AF_INET, &l->addr[i], a, sizeof(a));
		fprintf(out, "%s\"%s\"", i ? ", " : "", a);
	}
	for (size_t i = 0; i < l->n6; i++) {
		char b[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, l->addr6[i], b, sizeof(b));
		fprintf(out, "%s\"%s\"", i + l->n ? ", " : "", b);
	}
	fputc('}', out);
}

const struct cfg_type cfg_t_addr_list = { true, addr_list_set, addr_list_is_set,
					  addr_list_print };

const uint8_t cfg_all_dhcp_servers[16] = { 0xff, 0x05, [13] = 0x01, [15] = 0x03 };

bool server_list_has_all_dhcp_servers(const struct server_list *l)
{
	for (size_t i = 0; i < l->n6; i++)
		if (memcmp(l->addr6[i], cfg_all_dhcp_servers, 16) == 0)
			return true;
	return false;
}

/* servers: the addresses of addr_list, and All_DHCP_Servers. */
static int server_list_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
			   char *why, size_t whylen)
{
	struct server_list *l = field;
	uint8_t a[16];

	if (inet_pton(AF_INET6, text, a) != 1 || memcmp(a, cfg_all_dhcp_servers, 16) != 0)
		return addr_list_set(k, field, idx, text, why, whylen);
	if (idx == 0)
		l->n = l->n6 = 0;
	if (idx >= CFG_MAX_SERVERS) {
		snprintf(why, whylen, "at most %d addresses", CFG_MAX_SERVERS);
		return -1;
	}
	memcpy(l->addr6[l->n6++], a, 16);
	return 0;
}

const struct cfg_type cfg_t_server_list = { true, server_list_set, addr_list_is_set,
					    addr_list_print };

/* ---- lists kept as an array and a count ---- */

static size_t *list_count(const struct cfg_key *k, void *field)
{
	return (size_t *)((char *)field - k->off + k->count_off);
}

static size_t list_ccount(const struct cfg_key *k, const void *field)
{
	return *(const size_t *)((const char *)field - k->off + k->count_off);
}

static int list_room(const struct cfg_key *k, unsigned idx, char *why, size_t whylen)
{
	if ((long)idx >= k->hi) {
		snprintf(why, whylen, "at most %ld values", k->hi);
		return -1;
	}
	return 0;
}

static int u16_list_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
			char *why, size_t whylen)
{
	long v;

	if (list_room(k, idx, why, whylen) < 0)
		return -1;
	if (!cfg_parse_long(text, &v) || v < k->lo || v > 0xffff) {
		snprintf(why, whylen, "'%s' is not a 16-bit code", text);
		return -1;
	}
	((uint16_t *)field)[idx] = (uint16_t)v;
	*list_count(k, field) = idx + 1;
	return 0;
}

static bool list_is_set(const struct cfg_key *k, const void *field)
{
	return list_ccount(k, field) != 0;
}

static void u16_list_print(const struct cfg_key *k, const void *field, FILE *out)
{
	size_t n = list_ccount(k, field);

	fputc('{', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? ", " : "", ((const uint16_t *)field)[i]);
	fputc('}', out);
}

const struct cfg_type cfg_t_u16_list = { true, u16_list_set, list_is_set, u16_list_print };

static int name_list_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
			 char *why, size_t whylen)
{
	char (*names)[IFNAMSIZ] = field;

	if (list_room(k, idx, why, whylen) < 0)
		return -1;
	if (!*text || strlen(text) >= IFNAMSIZ) {
		snprintf(why, whylen, "'%s' is not an interface name", text);
		return -1;
	}
	if (k->check && k->check(text, why, whylen) < 0)
		return -1;
	memcpy(names[idx], text, strlen(text) + 1);
	*list_count(k, field) = idx + 1;
	return 0;
}

static void name_list_print(const struct cfg_key *k, const void *field, FILE *out)
{
	const char (*names)[IFNAMSIZ] = field;
	size_t n = list_ccount(k, field);

	fputc('{', out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		cfg_print_quoted(out, names[i]);
	}
	fputc('}', out);
}

const struct cfg_type cfg_t_name_list = { true, name_list_set, list_is_set, name_list_print };


/* ---- DHCP option codes a rule edits ---- */

/* Codes a rule may not set or remove: padding and end are not options;
 * 52 (overload) and 82 (relay agent information) are the relay's to
 * write; without 53 the reply is no DHCP message; without the server's
 * own 54 the client's REQUEST would go to nobody; 66 and 67 are the
 * next-server and filename keys, which keep the header fields in step. */
static const char *code_refused(long code, bool setting)
{
	switch (code) {
	case 0: case 255: return "is not an option";
	case 52: return "(overload) is the relay's to manage";
	case 53: return "(message type) cannot be edited";
	case 54: return "(server identifier) cannot be edited";
	case 82: return "(relay agent information) is the relay's to manage";
	case 66: return setting ? "is set with next-server" : NULL;
	case 67: return setting ? "is set with filename" : NULL;
	default: return code < 0 || code > 255 ? "is not an option code (1..254)" : NULL;
	}
}

static int code_list_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
			 char *why, size_t whylen)
{
	const char *bad;
	long v;

	if (list_room(k, idx, why, whylen) < 0)
		return -1;
	if (!cfg_parse_long(text, &v)) {
		snprintf(why, whylen, "'%s' is not an option code", text);
		return -1;
	}
	bad = code_refused(v, false);
	if (bad) {
		snprintf(why, whylen, "option %ld %s", v, bad);
		return -1;
	}
	((uint8_t *)field)[idx] = (uint8_t)v;
	*list_count(k, field) = idx + 1;
	return 0;
}

static void code_list_print(const struct cfg_key *k, const void *field, FILE *out)
{
	size_t n = list_ccount(k, field);

	fputc('{', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? ", " : "", ((const uint8_t *)field)[i]);
	fputc('}', out);
}

const struct cfg_type cfg_t_code_list = { true, code_list_set, list_is_set, code_list_print };

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The value of one set-option entry, by type. */
static int option_value(const char *type, const char *v, struct cfg_set_option *o,
			char *why, size_t whylen)
{
	size_t n = 0;

	if (strcmp(type, "text") == 0) {
		n = strlen(v);
		if (n == 0 || n > 255)
			goto bad_len;
		memcpy(o->value, v, n);
	} else if (strcmp(type, "ip") == 0) {
		/* One or more IPv4 addresses, comma-separated (option 150,
		 * option 6 ...). */
		char a[INET_ADDRSTRLEN];

		while (*v) {
			const char *end = strchr(v, ',');
			uint32_t ip;

			if (!end)
				end = v + strlen(v);
			if ((size_t)(end - v) >= sizeof(a) || n + 4 > 255)
				goto bad_value;
			memcpy(a, v, (size_t)(end - v));
			a[end - v] = '\0';
			if (!cfg_parse_ipv4(a, &ip))
				goto bad_value;
			memcpy(o->value + n, &ip, 4);
			n += 4;
			v = *end ? end + 1 : end;
		}
	} else if (strcmp(type, "hex") == 0) {
		/* Bytes as hex digits, pairs optionally separated by ':'. */
		while (*v) {
			int hi = hex_nibble(v[0]), lo = hi < 0 ? -1 : hex_nibble(v[1]);

			if (hi < 0 || lo < 0 || n == 255)
				goto bad_value;
			o->value[n++] = (uint8_t)(hi << 4 | lo);
			v += 2;
			if (*v == ':' && v[1])
				v++;
		}
	} else if (strcmp(type, "u8") == 0 || strcmp(type, "u16") == 0 ||
		   strcmp(type, "u32") == 0) {
		/* A number in network byte order. */
		size_t width = type[1] == '8' ? 1 : type[1] == '1' ? 2 : 4;
		unsigned long long max = width == 4 ? 0xffffffffull : (1ull << (8 * width)) - 1;
		long long x;
		char *end;

		errno = 0;
		x = strtoll(v, &end, 0);
		if (!*v || *end || errno || x < 0 || (unsigned long long)x > max)
			goto bad_value;
		for (size_t i = 0; i < width; i++)
			o->value[i] = (uint8_t)(x >> (8 * (width - 1 - i)));
		n = width;
	} else {
		snprintf(why, whylen, "'%s': type is text, ip, hex, u8, u16 or u32", type);
		return -1;
	}
	if (n == 0)
		goto bad_len;
	o->len = (uint8_t)n;
	return 0;
bad_value:
	snprintf(why, whylen, "'%s' is not a %s value", v, type);
	return -1;
bad_len:
	snprintf(why, whylen, "a %s value is 1 to 255 bytes", type);
	return -1;
}

int cfg_parse_set_option(const char *text, struct cfg_set_option *o, char *why, size_t whylen)
{
	char code[8], type[8];
	const char *p = text, *q;
	const char *bad;
	long c;

	memset(o, 0, sizeof(*o));
	if (strlen(text) >= sizeof(o->text)) {
		snprintf(why, whylen, "longer than %zu bytes", sizeof(o->text) - 1);
		return -1;
	}
	q = strchr(p, ' ');
	if (!q || (size_t)(q - p) >= sizeof(code))
		goto syntax;
	memcpy(code, p, (size_t)(q - p));
	code[q - p] = '\0';
	p = q + 1;
	q = strchr(p, ' ');
	if (!q || (size_t)(q - p) >= sizeof(type))
		goto syntax;
	memcpy(type, p, (size_t)(q - p));
	type[q - p] = '\0';
	if (!cfg_parse_long(code, &c))
		goto syntax;
	bad = code_refused(c, true);
	if (bad) {
		snprintf(why, whylen, "option %ld %s", c, bad);
		return -1;
	}
	o->code = (uint8_t)c;
	if (option_value(type, q + 1, o, why, whylen) < 0)
		return -1;
	memcpy(o->text, text, strlen(text) + 1);
	return 0;
syntax:
	snprintf(why, whylen, "'%s' is not \"CODE TYPE VALUE\" (e.g. \"43 text Raspberry Pi Boot\")",
		 text);
	return -1;
}

static int set_option_list_set(const struct cfg_key *k, void *field, unsigned idx,
			       const char *text, char *why, size_t whylen)
{
	struct cfg_set_option *o = (struct cfg_set_option *)field + idx;

	if (list_room(k, idx, why, whylen) < 0 || cfg_parse_set_option(text, o, why, whylen) < 0)
		return -1;
	*list_count(k, field) = idx + 1;
	return 0;
}

static void set_option_list_print(const struct cfg_key *k, const void *field, FILE *out)
{
	size_t n = list_ccount(k, field);

	fputc('{', out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		cfg_print_quoted(out, ((const struct cfg_set_option *)field)[i].text);
	}
	fputc('}', out);
}

const struct cfg_type cfg_t_set_option_list = { true, set_option_list_set, list_is_set,
						set_option_list_print };
