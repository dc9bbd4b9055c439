/* fuzz_util.h - checks shared by the libFuzzer harnesses.
 *
 * Header-only on purpose: the Makefile builds each harness from one .c file
 * plus the pure modules, so helpers live here as static functions.
 * (Make does not track this header: after editing it, rebuild the fuzzers
 * with `touch tests/fuzz/fuzz_*.c` or remove build/fuzz.)
 *
 * A violated invariant calls abort(), which libFuzzer reports as a crash
 * and saves the input. */
#ifndef PXR_FUZZ_UTIL_H
#define PXR_FUZZ_UTIL_H

#include "dhcp_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checking code is the harness's, not the code under test: keep it out
 * of the coverage feedback (it would only add noise features) and out of
 * the comparison tracing that dominates the run time. */
#define FUZZ_NO_COV __attribute__((no_sanitize("coverage")))

#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: invariant violated: %s\n",   \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

static const uint8_t fuzz_dhcp_cookie[DHCP_COOKIE_LEN] = { 99, 130, 83, 99 };

/* The options field of a built message: every option well formed, the
 * field closed by END, and option 82 (one or more instances, RFC 3396)
 * after every other option (RFC 3046 §2.1). A message without the cookie
 * has no options field and passes. */
FUZZ_NO_COV static inline bool fuzz_options_field_ok(const uint8_t *buf, size_t len)
{
	size_t pos = DHCP_HDR_LEN + DHCP_COOKIE_LEN;
	bool seen_agent = false;

	if (len < pos || memcmp(buf + DHCP_HDR_LEN, fuzz_dhcp_cookie, DHCP_COOKIE_LEN) != 0)
		return true;
	while (pos < len) {
		uint8_t code = buf[pos];

		if (code == DHO_PAD) {
			pos++;
			continue;
		}
		if (code == DHO_END)
			return true;
		if (pos + 2 > len || pos + 2 + (size_t)buf[pos + 1] > len)
			return false;
		if (seen_agent && code != DHO_AGENT_INFO)
			return false;
		if (code == DHO_AGENT_INFO)
			seen_agent = true;
		pos += 2 + (size_t)buf[pos + 1];
	}
	return false;   /* the builder always closes the options field */
}

/* Does an option 82 value hold a circuit-id sub-option equal to id? Walks
 * as far as the sub-options are well formed. */
FUZZ_NO_COV static inline bool fuzz_agent_has_circuit(const uint8_t *agent, size_t len,
					  const uint8_t *id, size_t idlen)
{
	size_t pos = 0;

	while (pos + 2 <= len && pos + 2 + (size_t)agent[pos + 1] <= len) {
		if (agent[pos] == 1 && agent[pos + 1] == idlen &&
		    memcmp(agent + pos + 2, id, idlen) == 0)
			return true;
		pos += 2 + (size_t)agent[pos + 1];
	}
	return false;
}

/* The bookkeeping of a parsed or edited message is coherent: the index
 * and the option array agree, and every value lies inside data. */
FUZZ_NO_COV static inline void fuzz_check_msg_index(const struct dhcp_msg *m)
{
	unsigned present = 0;

	FUZZ_CHECK(m->nopts <= sizeof(m->opts) / sizeof(m->opts[0]));
	FUZZ_CHECK(m->data_len <= sizeof(m->data));
	for (unsigned i = 0; i < m->nopts; i++) {
		const struct dhcp_option *o = &m->opts[i];

		FUZZ_CHECK(o->code != DHO_PAD && o->code != DHO_END);
		FUZZ_CHECK(m->index[o->code] == (int16_t)i);
		FUZZ_CHECK((size_t)o->off + o->len <= m->data_len);
		FUZZ_CHECK(o->area <= DHCP_AREA_SNAME);
	}
	for (unsigned c = 0; c < 256; c++) {
		if (m->index[c] >= 0) {
			present++;
			FUZZ_CHECK(m->index[c] < m->nopts);
		} else {
			FUZZ_CHECK(m->index[c] == -1);
		}
	}
	FUZZ_CHECK(present == m->nopts);
}

/* Same header fields, sname and file included. */
FUZZ_NO_COV static inline void fuzz_check_same_header(const struct dhcp_msg *a, const struct dhcp_msg *b)
{
	FUZZ_CHECK(a->op == b->op);
	FUZZ_CHECK(a->htype == b->htype);
	FUZZ_CHECK(a->hlen == b->hlen);
	FUZZ_CHECK(a->hops == b->hops);
	FUZZ_CHECK(a->xid == b->xid);
	FUZZ_CHECK(a->secs == b->secs);
	FUZZ_CHECK(a->flags == b->flags);
	FUZZ_CHECK(a->ciaddr == b->ciaddr);
	FUZZ_CHECK(a->yiaddr == b->yiaddr);
	FUZZ_CHECK(a->siaddr == b->siaddr);
	FUZZ_CHECK(a->giaddr == b->giaddr);
	FUZZ_CHECK(memcmp(a->chaddr, b->chaddr, sizeof(a->chaddr)) == 0);
	FUZZ_CHECK(memcmp(a->sname, b->sname, sizeof(a->sname)) == 0);
	FUZZ_CHECK(memcmp(a->file, b->file, sizeof(a->file)) == 0);
}

/* Both messages hold option code with the same value, or neither does. */
FUZZ_NO_COV static inline bool fuzz_same_option(const struct dhcp_msg *a, const struct dhcp_msg *b,
				    uint8_t code)
{
	size_t alen = 0, blen = 0;
	const uint8_t *av = dhcp_opt_get(a, code, 0, SIZE_MAX, &alen);
	const uint8_t *bv = dhcp_opt_get(b, code, 0, SIZE_MAX, &blen);

	if (!av || !bv)
		return !av && !bv;
	return alen == blen && memcmp(av, bv, alen) == 0;
}

/* Every option of a is in b with the same value and vice versa, except
 * the codes skip1 and skip2 (-1: none). */
FUZZ_NO_COV static inline void fuzz_check_same_options_except(const struct dhcp_msg *a,
							   const struct dhcp_msg *b,
							   int skip1, int skip2)
{
	for (unsigned i = 0; i < a->nopts; i++) {
		uint8_t c = a->opts[i].code;

		if (c != skip1 && c != skip2)
			FUZZ_CHECK(fuzz_same_option(a, b, c));
	}
	for (unsigned i = 0; i < b->nopts; i++) {
		uint8_t c = b->opts[i].code;

		if (c != skip1 && c != skip2)
			FUZZ_CHECK(dhcp_opt_has(a, c));
	}
}

#endif
