/* config_print.c - the normalised form -t prints: every key of the table
 * with its effective value, in file syntax, so the output loads again and
 * prints the same text. A key with a default is always printed; a key
 * without one only when it is set. */
#include "config_keys.h"

void cfg_print_section(const struct cfg_section *s, const void *base, const char *indent,
		       FILE *out)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		const struct cfg_key *k = &s->keys[i];
		const void *field = cfg_cfield(base, k);

		if (!k->def && !k->type->is_set(k, field))
			continue;
		fprintf(out, "%s%s = ", indent, k->name);
		k->type->print(k, field, out);
		fputc('\n', out);
	}
}

void config_print(const struct config *c, FILE *out)
{
	fprintf(out, "# pxerelay configuration, normalised from %s\n", c->source);
	for (size_t i = 0; i < cfg_nsections; i++) {
		const struct cfg_section *s = &cfg_sections[i];

		if (i == 0) {
			cfg_print_section(s, c, "", out);
		} else if (!s->multi) {
			fprintf(out, "%s {\n", s->name);
			cfg_print_section(s, cfg_section_cbase(s, c), "  ", out);
			fprintf(out, "}\n");
		} else {
			const char *array = *(char *const *)((const char *)c + s->array_off);
			size_t n = *(const size_t *)((const char *)c + s->count_off);

			for (size_t e = 0; e < n; e++) {
				const char *elem = array + e * s->elem_size;

				fprintf(out, "%s ", s->name);
				cfg_print_quoted(out, elem + s->title_off);
				fprintf(out, " {\n");
				cfg_print_section(s, elem, "  ", out);
				fprintf(out, "}\n");
			}
		}
	}
}
