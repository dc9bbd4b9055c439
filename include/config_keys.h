/* config_keys.h - the one table of pxerelay.conf(5) keys.
 *
 * Every key is a row: its name, its type, where its value lives in
 * struct config, its default as it would be written in a file, and its
 * limits. The libconfuse schema, the defaults, the checks made while a
 * file is read and the normalised print of -t all walk this table, so a
 * key is declared once. Internal to the config_*.c files and their
 * tests. */
#ifndef PXR_CONFIG_KEYS_H
#define PXR_CONFIG_KEYS_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cfg_key;

/* What a type knows: how to store one value written in a file (list
 * values one by one, idx counting from 0), whether a field holds a value
 * worth printing, and how to print it back in file syntax. set() writes a
 * reason into why (value included) when it refuses. */
struct cfg_type {
	bool list;
	int (*set)(const struct cfg_key *k, void *field, unsigned idx, const char *text,
		   char *why, size_t whylen);
	bool (*is_set)(const struct cfg_key *k, const void *field);
	void (*print)(const struct cfg_key *k, const void *field, FILE *out);
};

extern const struct cfg_type cfg_t_str, cfg_t_uint, cfg_t_bool, cfg_t_enum, cfg_t_size,
	cfg_t_addr, cfg_t_addr_list, cfg_t_server_list, cfg_t_u16_list, cfg_t_name_list, cfg_t_code_list,
	cfg_t_set_option_list;

/* A further check on a string value; returns 0 or writes why. */
typedef int (*cfg_check_fn)(const char *text, char *why, size_t whylen);

struct cfg_key {
	const char *name;
	const struct cfg_type *type;
	size_t off;                  /* of the field in the section's struct */
	size_t size;                 /* of the field (a string's capacity) */
	size_t count_off;            /* lists kept as array + count: the count */
	const char *def;             /* as written in a file; NULL: unset */
	long lo, hi;                 /* numbers: range; lists: hi = most values */
	const char *const *names;    /* enums: the words, NULL-terminated */
	cfg_check_fn check;          /* strings: more than a length */
};

/* A section: the top level (name "root"), a single block such as
 * option82 { }, or a titled, repeated one such as interface "NAME" { }. */
struct cfg_section {
	const char *name;
	const struct cfg_key *keys;
	size_t nkeys;
	bool multi;
	size_t base_off;             /* single: where its struct sits in struct config */
	size_t elem_size;            /* multi: one element */
	size_t array_off, count_off; /* multi: the array pointer and count in struct config */
	size_t title_off, title_size, line_off; /* multi: in the element */
	cfg_check_fn check_title;
};

/* Root first, then the sections in the order -t prints them. */
extern const struct cfg_section cfg_sections[];
extern const size_t cfg_nsections;

const struct cfg_section *cfg_section_find(const char *name);
const struct cfg_key *cfg_key_find(const struct cfg_section *s, const char *name);

/* The key's field within a section's struct. */
static inline void *cfg_field(void *base, const struct cfg_key *k)
{
	return (char *)base + k->off;
}

static inline const void *cfg_cfield(const void *base, const struct cfg_key *k)
{
	return (const char *)base + k->off;
}

/* Every key of section s with a default gets it (base: the section's
 * struct). Returns 0, or -1 with why if a default is refused by its own
 * type (a bug the unit tests catch). */
int cfg_apply_defaults(const struct cfg_section *s, void *base, char *why, size_t whylen);

/* The section's struct for a single section. */
void *cfg_section_base(const struct cfg_section *s, struct config *c);
const void *cfg_section_cbase(const struct cfg_section *s, const struct config *c);

/* Shared by the types and the command line. */
bool cfg_parse_ipv4(const char *s, uint32_t *out);
extern const struct cfg_type cfg_t_addr6;
/* A global or unique-local unicast IPv6 address. */
bool cfg_parse_ipv6_unicast(const char *s, uint8_t out[16]);
bool cfg_parse_size(const char *s, uint64_t *out);
bool cfg_parse_long(const char *s, long *out);
int cfg_lookup(const char *s, const char *const *names);
void cfg_print_quoted(FILE *out, const char *s);
/* "CODE TYPE VALUE" of a set-option entry into o; 0, or -1 with why. */
int cfg_parse_set_option(const char *text, struct cfg_set_option *o, char *why, size_t whylen);
void cfg_print_section(const struct cfg_section *s, const void *base, const char *indent,
		       FILE *out);

#endif
