/* config_confuse.c - libconfuse under the key table: the schema built
 * from the table, the table's checks run as each value is read (so an
 * error names its line), the values stored into struct config, and the
 * workarounds libconfuse 3.3 needs (comment lines miscounted, section
 * lines recorded at the closing brace, no user pointer in its hooks). */
#include "config_confuse.h"
#include "config_keys.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libconfuse's error hook takes no user pointer: the message of the parse
 * in progress lands here and is copied out by confuse_parse(). Sections
 * such as option82 { } carry no file name of their own, so the path of
 * the parse in progress is kept here too. */
static char cfg_errbuf[512];
static const char *cfg_errpath;

__attribute__((format(printf, 2, 0)))
static void cfg_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfg_errbuf[0])
		return;   /* keep the first error; later ones follow from it */
	if (cfg && cfg->line > 0)
		snprintf(cfg_errbuf, sizeof(cfg_errbuf), "%s:%d: %s",
			 cfg_errpath ? cfg_errpath : "config", cfg->line, msg);
	else
		snprintf(cfg_errbuf, sizeof(cfg_errbuf), "%s: %s",
			 cfg_errpath ? cfg_errpath : "config", msg);
}

/* Each value as it is read, through its key's type into a scratch copy
 * of the section's struct: the same code that later stores it. */
static int v_value(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct cfg_section *s = cfg_section_find(cfg->name);
	const struct cfg_key *k = cfg_key_find(s, opt->name);
	char why[300];
	char *scratch;
	int r = 0;

	if (!k) {
		cfg_error(cfg, "%s: no such key in %s", opt->name, cfg->name);
		return -1;
	}
	scratch = calloc(1, s->multi ? s->elem_size : sizeof(struct config));
	if (!scratch) {
		cfg_error(cfg, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < cfg_opt_size(opt) && r == 0; i++) {
		const char *text = cfg_opt_getnstr(opt, i);
		void *base = s->multi ? scratch : scratch + s->base_off;

		r = k->type->set(k, cfg_field(base, k), i, text ? text : "", why, sizeof(why));
		if (r < 0)
			cfg_error(cfg, "%s: %s", opt->name, why);
	}
	free(scratch);
	return r;
}

/* The title of a repeated section, the one just closed. */
static int v_title(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct cfg_section *s = cfg_section_find(opt->name);
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *t = cfg_title(sec);
	char why[300];

	if (!t)
		t = "";
	if (s->check_title(t, why, sizeof(why)) < 0) {
		cfg_error(cfg, "%s: %s", opt->name, why);
		return -1;
	}
	if (strlen(t) >= s->title_size) {
		cfg_error(cfg, "%s: '%s' is longer than %zu bytes", opt->name, t,
			  s->title_size - 1);
		return -1;
	}
	return 0;
}

/* Every value is read as text and typed by the table, so libconfuse
 * knows each key only as a string (or a list of them). */
/* One option array per section, all freed by the caller. */
#define MAX_OPT_ARRAYS 16

static cfg_opt_t *build_opts(const struct cfg_section *s, cfg_opt_t **all, size_t *nall)
{
	size_t n = s->nkeys + (s == &cfg_sections[0] ? cfg_nsections - 1 : 0);
	cfg_opt_t *opts;
	size_t j = 0;

	if (*nall >= MAX_OPT_ARRAYS)
		return NULL;
	opts = calloc(n + 1, sizeof(*opts));
	if (!opts)
		return NULL;
	all[(*nall)++] = opts;
	for (size_t i = 0; i < s->nkeys; i++, j++) {
		cfg_opt_t str = CFG_STR(NULL, NULL, CFGF_NODEFAULT);
		cfg_opt_t list = CFG_STR_LIST(NULL, NULL, CFGF_NODEFAULT);

		opts[j] = s->keys[i].type->list ? list : str;
		opts[j].name = s->keys[i].name;
		opts[j].validcb = v_value;
	}
	for (size_t i = 1; s == &cfg_sections[0] && i < cfg_nsections; i++, j++) {
		const struct cfg_section *sub = &cfg_sections[i];
		cfg_opt_t *subopts = build_opts(sub, all, nall);
		cfg_opt_t sec = CFG_SEC(NULL, NULL, CFGF_NONE);

		if (!subopts)
			return NULL;
		opts[j] = sec;
		opts[j].name = sub->name;
		opts[j].subopts = subopts;
		if (sub->multi) {
			opts[j].flags = CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES;
			opts[j].validcb = v_title;
		}
	}
	return opts;   /* the calloc'ed last entry is CFG_END() */
}

/* Blank every comment of text[0..n) in place, newlines kept, quoted
 * strings left alone: libconfuse 3.3 counts a comment line as several
 * lines, so an error after a comment would name the wrong line. */
static void blank_comments(char *buf, size_t n)
{
	char quote = 0;

	for (size_t i = 0; i < n; i++) {
		if (quote) {
			if (buf[i] == '\\' && i + 1 < n && buf[i + 1] != '\n')
				i++;
			else if (buf[i] == quote)
				quote = 0;
		} else if (buf[i] == '"' || buf[i] == '\'') {
			quote = buf[i];
		} else if (buf[i] == '#' || (buf[i] == '/' && i + 1 < n && buf[i + 1] == '/')) {
			while (i < n && buf[i] != '\n')
				buf[i++] = ' ';
		} else if (buf[i] == '/' && i + 1 < n && buf[i + 1] == '*') {
			for (; i < n && !(buf[i] == '*' && i + 1 < n && buf[i + 1] == '/'); i++)
				if (buf[i] != '\n')
					buf[i] = ' ';
			if (i < n)
				buf[i] = buf[i + 1] = ' ';
			i++;
		}
	}
}

/* The line where `interface "NAME"` opens (libconfuse records the line
 * of the closing brace). 0 if not found. */
static int section_line(const char *buf, const char *kind, const char *title)
{
	size_t tlen = strlen(title), klen = strlen(kind);
	int line = 1;

	for (const char *p = buf; *p; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if (strncmp(p, kind, klen) == 0 && (p == buf || isspace((unsigned char)p[-1]))) {
			const char *q = p + klen;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '"' && strncmp(q + 1, title, tlen) == 0 && q[1 + tlen] == '"')
				return line;
			if (strncmp(q, title, tlen) == 0 &&
			    (isspace((unsigned char)q[tlen]) || q[tlen] == '{'))
				return line;
		}
	}
	return 0;
}

/* Values already checked by v_value() are stored for real. */
static int store_keys(const struct cfg_section *s, cfg_t *sec, void *base, char *err,
		      size_t errlen)
{
	char why[300];

	for (size_t i = 0; i < s->nkeys; i++) {
		const struct cfg_key *k = &s->keys[i];

		for (unsigned v = 0; v < cfg_size(sec, k->name); v++) {
			const char *text = cfg_getnstr(sec, k->name, v);

			if (k->type->set(k, cfg_field(base, k), v, text ? text : "", why,
					 sizeof(why)) < 0) {
				snprintf(err, errlen, "%s: %s", k->name, why);
				return -1;
			}
		}
	}
	return 0;
}

static int store(cfg_t *cfg, const char *text, struct config *c, char *err, size_t errlen)
{
	char why[300];

	for (size_t i = 0; i < cfg_nsections; i++) {
		const struct cfg_section *s = &cfg_sections[i];
		unsigned n;
		char *array;

		if (i == 0) {
			if (store_keys(s, cfg, c, err, errlen) < 0)
				return -1;
			continue;
		}
		if (!s->multi) {
			if (store_keys(s, cfg_getsec(cfg, s->name), cfg_section_base(s, c), err,
				       errlen) < 0)
				return -1;
			continue;
		}
		n = cfg_size(cfg, s->name);
		array = calloc(n ? n : 1, s->elem_size);
		if (!array) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		*(char **)((char *)c + s->array_off) = array;
		*(size_t *)((char *)c + s->count_off) = n;
		for (unsigned e = 0; e < n; e++) {
			cfg_t *sec = cfg_getnsec(cfg, s->name, e);
			char *elem = array + (size_t)e * s->elem_size;
			const char *title = cfg_title(sec);

			if (cfg_apply_defaults(s, elem, why, sizeof(why)) < 0) {
				snprintf(err, errlen, "%s: %s", s->name, why);
				return -1;
			}
			snprintf(elem + s->title_off, s->title_size, "%s", title ? title : "");
			*(int *)(elem + s->line_off) = section_line(text, s->name, elem + s->title_off);
			if (store_keys(s, sec, elem, err, errlen) < 0)
				return -1;
		}
	}
	return 0;
}

int confuse_parse(const char *name, const char *data, size_t len, struct config *c,
		  char *err, size_t errlen)
{
	cfg_opt_t *all[MAX_OPT_ARRAYS];
	size_t nall = 0;
	char *text = malloc(len + 1);
	cfg_t *cfg = NULL;
	int r = -1;

	if (!text || !build_opts(&cfg_sections[0], all, &nall) ||
	    !(cfg = cfg_init(all[0], CFGF_NONE))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	blank_comments(text, len);
	cfg_set_error_function(cfg, cfg_errfunc);
	cfg_errbuf[0] = '\0';
	cfg_errpath = name;
	r = cfg_parse_buf(cfg, text);
	cfg_errpath = NULL;
	if (r != CFG_SUCCESS) {
		snprintf(err, errlen, "%s", cfg_errbuf[0] ? cfg_errbuf : "parse error");
		r = -1;
		goto out;
	}
	r = store(cfg, text, c, err, errlen);
out:
	if (cfg)
		cfg_free(cfg);
	for (size_t i = 0; i < nall; i++)
		free(all[i]);
	free(text);
	return r;
}


char *confuse_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *buf;
	size_t n, cap;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* Sized to the file (plus one byte to see it grow while read). */
	if (fstat(fileno(f), &st) < 0 || st.st_size < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	cap = st.st_size > CONFIG_MAX_BYTES ? CONFIG_MAX_BYTES + 1 : (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, cap, f);
	if (!ferror(f) && n == cap && n <= CONFIG_MAX_BYTES) {
		/* It grew since fstat: read it again, up to the limit. */
		char *bigger = realloc(buf, CONFIG_MAX_BYTES + 2);

		if (!bigger) {
			fclose(f);
			free(buf);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		buf = bigger;
		n += fread(buf + n, 1, CONFIG_MAX_BYTES + 1 - n, f);
	}
	if (ferror(f) || n > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? strerror(errno) : "larger than 4 MiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}
