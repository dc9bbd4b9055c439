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

static int addr_list_set(const struct cfg_key *k, void *field, unsigned idx, const char *text,
			 char *why, size_t whylen)
{
	struct server_list *l = field;
	uint32_t a;

	(void)k;
	if (idx >= CFG_MAX_SERVERS) {
		snprintf(why, whylen, "at most %d addresses", CFG_MAX_SERVERS);
		return -1;
	}
	if (!cfg_parse_ipv4(text, &a) || a == 0 || a == INADDR_BROADCAST) {
		snprintf(why, whylen, "'%s' is not a unicast IPv4 address", text);
		return -1;
	}
	l->addr[idx] = a;
	l->n = idx + 1;
	return 0;
}

static bool addr_list_is_set(const struct cfg_key *k, const void *field)
{
	(void)k;
	return ((const struct server_list *)field)->n != 0;
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
	fputc('}', out);
}

const struct cfg_type cfg_t_addr_list = { true, addr_list_set, addr_list_is_set,
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

