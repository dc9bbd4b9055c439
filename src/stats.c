/* stats.c - see stats.h. */
#include "stats.h"

#include <arpa/inet.h>
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
		if (s->servers[i].addr == addr)
			return &s->servers[i];
	if (s->nservers == sizeof(s->servers) / sizeof(s->servers[0]))
		return NULL;
	s->servers[s->nservers] = (struct stats_server){ .addr = addr };
	return &s->servers[s->nservers++];
}

void stats_each(const struct stats *s, stats_line_fn fn, void *user)
{
	char name[96], a[INET_ADDRSTRLEN];

	fn(user, "requests_relayed", s->requests_relayed);
	fn(user, "replies_relayed", s->replies_relayed);
	fn(user, "agent_option_too_big", s->agent_option_too_big);
	for (int r = 1; r < DROP__COUNT; r++) {
		snprintf(name, sizeof(name), "drop_%s", drop_reason_name((enum drop_reason)r));
		fn(user, name, s->drop[r]);
	}
	for (size_t i = 0; i < s->nifaces; i++) {
		snprintf(name, sizeof(name), "interface_%s_requests", s->ifaces[i].name);
		fn(user, name, s->ifaces[i].requests);
		snprintf(name, sizeof(name), "interface_%s_replies", s->ifaces[i].name);
		fn(user, name, s->ifaces[i].replies);
		snprintf(name, sizeof(name), "interface_%s_drops", s->ifaces[i].name);
		fn(user, name, s->ifaces[i].drops);
	}
	for (int code = 0; code < STATS_ARCH_SLOTS; code++) {
		if (!s->arch[code])
			continue;
		snprintf(name, sizeof(name), "class_arch%d_requests", code);
		fn(user, name, s->arch[code]);
	}
	fn(user, "class_unknown_requests", s->arch_unknown);
	fn(user, "class_opt93_malformed", s->opt93_malformed);
	fn(user, "boot_unmatched", s->unmatched);
	fn(user, "xid_misses", s->xid_misses);
	fn(user, "xid_evictions", s->xid_evictions);
	fn(user, "rewrite_too_big", s->rewrite_too_big);
	for (size_t i = 0; i < s->nrules; i++) {
		snprintf(name, sizeof(name), "boot_%s_matched", s->rules[i].name);
		fn(user, name, s->rules[i].matched);
		snprintf(name, sizeof(name), "boot_%s_rewritten", s->rules[i].name);
		fn(user, name, s->rules[i].rewritten);
	}
	for (size_t i = 0; i < s->nservers; i++) {
		inet_ntop(AF_INET, &s->servers[i].addr, a, sizeof(a));
		snprintf(name, sizeof(name), "server_%s_sent", a);
		fn(user, name, s->servers[i].sent);
		snprintf(name, sizeof(name), "server_%s_replies", a);
		fn(user, name, s->servers[i].replies);
	}
}
