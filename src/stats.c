/* stats.c - see stats.h. */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int stats_configure(struct stats *s, const struct config *cfg)
{
	struct stats_iface *v = calloc(cfg->nifaces ? cfg->nifaces : 1, sizeof(*v));
	struct stats_rule *r;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nifaces; i++) {
		snprintf(v[i].name, sizeof(v[i].name), "%s", cfg->ifaces[i].name);
		for (size_t k = 0; k < s->nifaces; k++)
			if (strcmp(s->ifaces[k].name, v[i].name) == 0)
				v[i] = s->ifaces[k];
	}
	free(s->ifaces);
	s->ifaces = v;
	s->nifaces = cfg->nifaces;

	r = calloc(cfg->nboots ? cfg->nboots : 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nboots; i++) {
		snprintf(r[i].name, sizeof(r[i].name), "%s", cfg->boots[i].name);
		for (size_t k = 0; k < s->nrules; k++)
			if (strcmp(s->rules[k].name, r[i].name) == 0)
				r[i] = s->rules[k];
	}
	free(s->rules);
	s->rules = r;
	s->nrules = cfg->nboots;
	return 0;
}

void stats_free(struct stats *s)
{
	free(s->ifaces);
	free(s->rules);
	s->ifaces = NULL;
	s->rules = NULL;
	s->nifaces = s->nrules = 0;
}

struct stats_server *stats_server(struct stats *s, uint32_t addr)
{
	for (size_t i = 0; i < s->nservers; i++)
		if (!s->servers[i].v6 && s->servers[i].addr == addr)
			return &s->servers[i];
	if (s->nservers == sizeof(s->servers) / sizeof(s->servers[0]))
		return NULL;
	s->servers[s->nservers] = (struct stats_server){ .addr = addr };
	return &s->servers[s->nservers++];
}

struct stats_server *stats_server6(struct stats *s, const uint8_t addr[16], bool add)
{
	for (size_t i = 0; i < s->nservers; i++)
		if (s->servers[i].v6 && memcmp(s->servers[i].addr6, addr, 16) == 0)
			return &s->servers[i];
	if (!add || s->nservers == sizeof(s->servers) / sizeof(s->servers[0]))
		return NULL;
	s->servers[s->nservers] = (struct stats_server){ .v6 = true };
	memcpy(s->servers[s->nservers].addr6, addr, 16);
	return &s->servers[s->nservers++];
}
